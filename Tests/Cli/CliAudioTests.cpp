#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "CliRunner.h"
#include "Support/AudioTestSupport.h"
#include "Support/FakeExecutor.h"

using namespace TestSupport;

namespace
{
    juce::StringArray audioArgs (int port, const juce::File& in, const juce::File& out, const juce::String& workflow = "audio_gain")
    {
        return { "generate", "--workflow", workflow, "--audio", in.getFullPathName(), "--out", out.getFullPathName(),
                 "--host", "127.0.0.1", "--port", juce::String (port), "--timeout", "2", "--max-retries", "0", "--no-discover-port" };
    }

    nlohmann::json lastJsonLine (const juce::String& out)
    {
        const auto lines = juce::StringArray::fromLines (out.trim());
        return nlohmann::json::parse (lines[lines.size() - 1].toStdString());
    }

    comfybridge::AudioClip readClip (const juce::File& file)
    {
        juce::MemoryBlock bytes;
        REQUIRE (file.loadFileAsData (bytes));
        auto decoded = comfybridge::decodeAudio (bytes);
        REQUIRE (std::holds_alternative<comfybridge::AudioClip> (decoded));
        return std::get<comfybridge::AudioClip> (decoded);
    }

    juce::File writeTone (const juce::File& folder)
    {
        const auto file = folder.getChildFile ("tone.wav");
        juce::String error;
        REQUIRE (comfybridge::writeAudioFile (makeTone (44100.0, 44100, 2, 440.0, 0.5f), file, error));
        return file;
    }
}

TEST_CASE ("generate --audio runs audio_gain and writes the result as the extension says", "[cli][audio]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    TemporaryHome home;
    const auto in = writeTone (home.dir);
    const auto tone = readClip (in);

    for (const auto* name : { "out.wav", "out.flac" })
    {
        const auto out = home.dir.getChildFile (name);
        const auto result = runCli (audioArgs (server.port(), in, out), home.dir);
        INFO (result.out << result.err);
        REQUIRE (result.exitCode == 0);

        const auto json = lastJsonLine (result.out);
        CHECK (json["result"] == "generated");
        CHECK (json["path"] == out.getFullPathName().toStdString());

        // Progress lines (stderr is not a terminal here) say each step once.
        const auto progress = juce::StringArray::fromLines (result.err.trim());
        CHECK (progress.contains ("progress 2% uploading audio"));
        for (int i = 1; i < progress.size(); ++i)
            CHECK (progress[i] != progress[i - 1]);
        REQUIRE (json["audio"].size() == 1);
        CHECK (json["audio"][0]["sample_rate"] == 44100.0);
        CHECK (json["audio"][0]["channels"] == 2);

        juce::MemoryBlock bytes;
        REQUIRE (out.loadFileAsData (bytes));
        CHECK (std::memcmp (bytes.getData(), out.hasFileExtension ("wav") ? "RIFF" : "fLaC", 4) == 0);
        const auto clip = readClip (out);
        CHECK (std::abs (clip.getNumSamples() - tone.getNumSamples()) <= 1);
        CHECK (gainDb (tone, clip) == Approx (-6.0).margin (0.5));
    }
}

TEST_CASE ("generate --audio falls back as the fallback mode says", "[cli][audio][fallback]")
{
    TemporaryHome home;
    const auto in = writeTone (home.dir);
    const auto port = TestHelpers::closedPort();

    auto args = audioArgs (port, in, home.dir.getChildFile ("dry.wav"));
    args.addArray ({ "--duration", "2" });
    const auto placeholder = runCli (args, home.dir);
    INFO (placeholder.out << placeholder.err);
    CHECK (placeholder.exitCode == 0);
    const auto json = lastJsonLine (placeholder.out);
    CHECK (json["result"] == "placeholder");
    CHECK (json["audio"][0]["seconds"] == 2.0);
    CHECK (readClip (home.dir.getChildFile ("dry.wav")).getNumSamples() == 88200);

    args = audioArgs (port, in, home.dir.getChildFile ("skip.wav"));
    args.addArray ({ "--fallback-mode", "skip" });
    const auto skipped = runCli (args, home.dir);
    CHECK (skipped.exitCode == 5);
    CHECK_FALSE (home.dir.getChildFile ("skip.wav").exists());

    args = audioArgs (port, in, home.dir.getChildFile ("abort.wav"));
    args.addArray ({ "--fallback-mode", "abort" });
    CHECK (runCli (args, home.dir).exitCode == 3);
}

TEST_CASE ("generate refuses bad audio arguments with exit 2", "[cli][audio]")
{
    TemporaryHome home;
    const auto in = writeTone (home.dir);
    const auto port = TestHelpers::closedPort();

    const auto png = runCli (audioArgs (port, in, home.dir.getChildFile ("out.png")), home.dir);
    CHECK (png.exitCode == 2);
    CHECK (png.err.contains (".wav or .flac"));

    const auto missing = runCli (audioArgs (port, home.dir.getChildFile ("nope.wav"), home.dir.getChildFile ("o.wav")), home.dir);
    CHECK (missing.exitCode == 2);
    CHECK (missing.err.contains ("--audio"));

    auto args = audioArgs (port, in, home.dir.getChildFile ("o.wav"));
    args.addArray ({ "--duration", "0" });
    const auto duration = runCli (args, home.dir);
    CHECK (duration.exitCode == 2);
    CHECK (duration.err.contains ("--duration"));
}
