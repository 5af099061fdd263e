#include <catch2/catch.hpp>
#include "Support/AudioTestSupport.h"
#include "Shared/BundledWorkflows.h"

#include <nlohmann/json.hpp>

using namespace TestSupport;
using comfybridge::AudioClip;

namespace
{
    AudioClip decoded (const juce::MemoryBlock& bytes)
    {
        auto result = comfybridge::decodeAudio (bytes);
        INFO ((std::holds_alternative<juce::String> (result) ? std::get<juce::String> (result) : juce::String()));
        REQUIRE (std::holds_alternative<AudioClip> (result));
        return std::get<AudioClip> (result);
    }

    float maxDifference (const AudioClip& a, const AudioClip& b)
    {
        float worst = 0.0f;
        for (int c = 0; c < a.getNumChannels(); ++c)
            for (int i = 0; i < a.getNumSamples(); ++i)
                worst = juce::jmax (worst, std::abs (a.samples->getSample (c, i) - b.samples->getSample (c, i)));
        return worst;
    }
}

TEST_CASE ("WAV and FLAC round trips keep rate, channels, length and samples", "[audio][codec]")
{
    const auto tone = makeTone (48000.0, 4801, 2, 440.0, 0.5f);

    SECTION ("24-bit WAV")
    {
        const auto bytes = comfybridge::encodeWav (tone);
        CHECK (std::memcmp (bytes.getData(), "RIFF", 4) == 0);
        const auto back = decoded (bytes);
        CHECK (back.sampleRate == 48000.0);
        CHECK (back.getNumChannels() == 2);
        CHECK (back.getNumSamples() == 4801);
        CHECK (maxDifference (tone, back) < 1.0e-6f);
    }

    SECTION ("16-bit FLAC")
    {
        const auto bytes = comfybridge::encodeFlac (tone);
        CHECK (std::memcmp (bytes.getData(), "fLaC", 4) == 0);
        CHECK (bytes.getSize() < comfybridge::encodeWav (tone, 16).getSize());
        const auto back = decoded (bytes);
        CHECK (back.sampleRate == 48000.0);
        CHECK (back.getNumSamples() == 4801);
        CHECK (maxDifference (tone, back) < 1.0f / 16000.0f);
    }

    SECTION ("24-bit FLAC")
    {
        const auto back = decoded (comfybridge::encodeFlac (tone, 24));
        CHECK (maxDifference (tone, back) < 1.0e-6f);
    }

    SECTION ("an empty clip encodes to nothing")
    {
        CHECK (comfybridge::encodeWav ({}).isEmpty());
        CHECK (comfybridge::encodeFlac ({}).isEmpty());
    }
}

TEST_CASE ("decodeAudio says what is wrong with bytes it cannot read", "[audio][codec]")
{
    const auto text = [] (const std::string& bytes)
    {
        auto result = comfybridge::decodeAudio (juce::MemoryBlock (bytes.data(), bytes.size()));
        REQUIRE (std::holds_alternative<juce::String> (result));
        return std::get<juce::String> (result);
    };

    CHECK (text ("").contains ("not an audio file"));
    CHECK (text ("\x89PNG\r\n\x1a\n0000000000000").contains ("not a WAV or FLAC"));
    CHECK (text (std::string ("RIFF\x10\0\0\0WAVEjunkjunk", 20)).isNotEmpty());
    auto flac = comfybridge::encodeFlac (makeTone (44100.0, 441, 1, 440.0, 0.5f));
    CHECK (text (std::string (static_cast<const char*> (flac.getData()), 30)).isNotEmpty());
}

TEST_CASE ("resampleClip gives the expected length and keeps the level", "[audio][codec]")
{
    const auto tone = makeTone (44100.0, 44100, 2, 440.0, 0.5f);

    const auto up = comfybridge::resampleClip (tone, 48000.0);
    CHECK (up.sampleRate == 48000.0);
    CHECK (up.getNumSamples() == 48000);
    CHECK (up.getNumChannels() == 2);
    // Away from the edges the level is the tone's (a sine at 0.5 peak has RMS 0.354).
    CHECK (rms (up, 1000, 46000) == Approx (0.5f / std::sqrt (2.0f)).epsilon (0.01));

    const auto down = comfybridge::resampleClip (tone, 22050.0);
    CHECK (down.getNumSamples() == 22050);
    CHECK (rms (down, 500, 21000) == Approx (0.5f / std::sqrt (2.0f)).epsilon (0.02)); // within 0.2 dB

    // The output is not shifted: the resampled sine keeps its phase.
    CHECK (up.samples->getSample (0, 12000) == Approx (0.5 * std::sin (juce::MathConstants<double>::twoPi * 440.0 * 12000 / 48000.0)).margin (0.02));

    SECTION ("the same clip comes back when the rate already matches")
    {
        const auto same = comfybridge::resampleClip (tone, 44100.0);
        CHECK (same.samples == tone.samples);
    }

    SECTION ("odd lengths round to the nearest frame")
    {
        CHECK (comfybridge::resampleClip (makeTone (44100.0, 441, 1, 440.0, 0.5f), 48000.0).getNumSamples() == 480);
        CHECK (comfybridge::resampleClip (makeTone (48000.0, 1001, 1, 440.0, 0.5f), 44100.0).getNumSamples() == 920);
    }
}

namespace
{
    /** The largest difference between @p clip's channel 0 and an ideal sine of @p hz,
        peak @p amplitude, over frames [start, end).
    */
    double worstErrorAgainstSine (const AudioClip& clip, double hz, double amplitude, int start, int end)
    {
        double worst = 0.0;

        for (int i = start; i < end; ++i)
        {
            const auto ideal = amplitude * std::sin (juce::MathConstants<double>::twoPi * hz * i / clip.sampleRate);
            worst = juce::jmax (worst, std::abs ((double) clip.samples->getSample (0, i) - ideal));
        }

        return worst;
    }

    double decibelsOf (double ratio) { return 20.0 * std::log10 (ratio); }
}

TEST_CASE ("a 440 Hz tone resampled 44.1 -> 48 kHz keeps its level within 0.1 dB, its frequency and its phase", "[audio][codec][resample]")
{
    const auto expectedRms = 0.5 / std::sqrt (2.0);

    struct Conversion
    {
        const char* what;
        double from, to;
        double worstError; // against the ideal sine at the new rate
    };

    // -66 dB where the phases are exact (small fractions), a little more where they are interpolated.
    for (const auto& c : { Conversion { "up, 44.1 -> 48 kHz (exact phases)", 44100.0, 48000.0, 0.0005 },
                           Conversion { "down, 48 -> 44.1 kHz", 48000.0, 44100.0, 0.0005 },
                           Conversion { "a ratio with no small fraction (44.1 -> 48.001 kHz, interpolated phases)", 44100.0, 48001.0, 0.001 } })
    {
        INFO (c.what);
        const auto out = comfybridge::resampleClip (makeTone (c.from, (int) c.from, 1, 440.0, 0.5f), c.to);
        const auto length = (int) c.to; // one second at the new rate
        REQUIRE (out.getNumSamples() == length);

        // Away from the edges (5 %), where the filter has no input on one side.
        const auto edge = length / 20;
        CHECK (std::abs (decibelsOf (rms (out, edge, length - 2 * edge) / expectedRms)) < 0.1);
        CHECK (worstErrorAgainstSine (out, 440.0, 0.5, edge, length - edge) < c.worstError);
    }

}

TEST_CASE ("what the lower rate cannot hold is filtered out, not folded back", "[audio][codec][resample]")
{
    // 20 kHz at 48 kHz has no place at 22.05 kHz (Nyquist 11.025 kHz): it would alias to 2.05 kHz.
    const auto high = makeTone (48000.0, 48000, 1, 20000.0, 0.5f);
    const auto down = comfybridge::resampleClip (high, 22050.0);
    CHECK (decibelsOf (rms (down, 1000, 20000) / (0.5 / std::sqrt (2.0))) < -60.0);
}

TEST_CASE ("writeAudioFile picks the format from the extension", "[audio][codec]")
{
    const auto tone = makeTone (44100.0, 4410, 2, 440.0, 0.5f);
    const auto folder = juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("comfybridge-audio", "");
    REQUIRE (folder.createDirectory());
    juce::String error;

    CHECK (comfybridge::writeAudioFile (tone, folder.getChildFile ("a.wav"), error));
    CHECK (comfybridge::writeAudioFile (tone, folder.getChildFile ("b.FLAC"), error));
    juce::MemoryBlock wav, flac;
    REQUIRE (folder.getChildFile ("a.wav").loadFileAsData (wav));
    REQUIRE (folder.getChildFile ("b.FLAC").loadFileAsData (flac));
    CHECK (std::memcmp (wav.getData(), "RIFF", 4) == 0);
    CHECK (std::memcmp (flac.getData(), "fLaC", 4) == 0);

    CHECK_FALSE (comfybridge::writeAudioFile (tone, folder.getChildFile ("c.mp3"), error));
    CHECK (error.contains (".wav or .flac"));
    CHECK_FALSE (comfybridge::writeAudioFile ({}, folder.getChildFile ("d.wav"), error));
    CHECK_FALSE (folder.getChildFile ("d.wav").exists());
    folder.deleteRecursively();
}

TEST_CASE ("audio workflows: bindings, outputs and values", "[audio][workflow]")
{
    auto gain = std::get<comfybridge::WorkflowDefinition> (comfybridge::findWorkflow ("audio_gain"));
    auto trim = std::get<comfybridge::WorkflowDefinition> (comfybridge::findWorkflow ("audio_trim"));
    auto image = std::get<comfybridge::WorkflowDefinition> (comfybridge::findWorkflow ("empty_image"));

    CHECK (gain.producesAudio());
    CHECK (trim.producesAudio());
    CHECK_FALSE (image.producesAudio());
    REQUIRE (gain.audio.size() == 1);
    CHECK (gain.audio[0].node == "1");
    CHECK (trim.duration.size() == 1);
    CHECK (comfybridge::readWorkflowValues (trim).durationSeconds == 1.0);

    comfybridge::WorkflowInputs inputs;
    inputs.audioFile = "comfybridge/x.wav";
    inputs.durationSeconds = 2.5;
    auto text = comfybridge::instantiateWorkflow (trim, inputs);
    REQUIRE (std::holds_alternative<juce::String> (text));
    const auto graph = nlohmann::json::parse (std::get<juce::String> (text).toStdString());
    CHECK (graph["1"]["inputs"]["audio"] == "comfybridge/x.wav");
    CHECK (graph["2"]["inputs"]["duration"] == 2.5);

    inputs.durationSeconds = 0.0;
    CHECK (std::holds_alternative<juce::StringArray> (comfybridge::instantiateWorkflow (trim, inputs)));

    SECTION ("a user's file is bound by convention")
    {
        juce::TemporaryFile temp (".json");
        REQUIRE (temp.getFile().replaceWithText (R"({
            "1": {"class_type": "LoadAudio", "inputs": {"audio": "take.wav"}},
            "2": {"class_type": "EmptyLatentAudio", "inputs": {"seconds": 12.5, "batch_size": 1}},
            "3": {"class_type": "TrimAudioDuration", "inputs": {"audio": ["1", 0], "start_index": 0, "duration": 3}},
            "4": {"class_type": "PreviewAudio", "inputs": {"audio": ["3", 0]}}})"));
        auto loaded = comfybridge::WorkflowLibrary::loadUserFile (temp.getFile());
        REQUIRE (std::holds_alternative<comfybridge::WorkflowDefinition> (loaded));
        const auto& user = std::get<comfybridge::WorkflowDefinition> (loaded);
        CHECK (user.producesAudio());
        REQUIRE (user.audio.size() == 1);
        CHECK (user.audio[0].input == "audio");
        REQUIRE (user.duration.size() == 2);
        const auto values = comfybridge::readWorkflowValues (user);
        CHECK (values.audioFile == juce::String ("take.wav"));
        CHECK (values.durationSeconds == 12.5);
    }
}
