#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include "Plugin/PluginTestSupport.h"
#include "Support/FakeExecutor.h"

using namespace TestSupport;
using namespace PluginTestSupport;

namespace
{
    constexpr double rate = 48000.0;
    constexpr juce::int64 captureStart = 48000; // the host plays from 1 s

    float tone (juce::int64 position)
    {
        return 0.5f * (float) std::sin (juce::MathConstants<double>::twoPi * 440.0 * (double) position / rate);
    }

    float silence (juce::int64) { return 0.0f; }

    double rms (const juce::AudioBuffer<float>& buffer, int channel, int start, int count)
    {
        double sum = 0.0;
        for (int i = start; i < start + count; ++i)
            sum += (double) buffer.getSample (channel, i) * buffer.getSample (channel, i);
        return std::sqrt (sum / juce::jmax (1, count));
    }

    double decibels (double ratio) { return 20.0 * std::log10 (ratio); }

    /** A folder that is gone (with what is in it) at the end of the scope. */
    struct TemporaryFolder
    {
        TemporaryFolder() { dir.createDirectory(); }
        ~TemporaryFolder() { dir.deleteRecursively(); }
        juce::File dir = juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("comfybridge-audio", {}, false);
    };

    /** A processor prepared at 48 kHz with a test play head, writing results into @p folder. */
    struct AudioRig
    {
        AudioRig (comfybridge::ComfyUIConfig config, const juce::File& folder)
            : isolated (config)
        {
            processor().getAudioSession().setResultFolder (folder);
            processor().setPlayHead (&playHead);
            processor().setPlayConfigDetails (2, 2, rate, 512);
            processor().prepareToPlay (rate, 512);
        }

        ~AudioRig() { processor().releaseResources(); }

        ComfyBridgeProcessor& processor() { return isolated.processor; }
        comfybridge::AudioSession& session() { return isolated.processor.getAudioSession(); }

        /** Arms 1 s and plays the tone from captureStart until the capture is in. */
        void captureOneSecondOfTone()
        {
            session().setCaptureLength ({ 1.0, false });
            REQUIRE (session().arm().isEmpty());
            playHead.position = captureStart;
            playThrough (processor(), playHead, 48000 + 4096, tone);
            REQUIRE (session().pollCapture());
            REQUIRE (session().getInput().getNumSamples() == 48000);
            REQUIRE (session().getInputStart() == captureStart);
        }

        /** Starts audio_gain and waits until its result plays. */
        comfybridge::AudioSession::Result generate()
        {
            comfybridge::GenerationRequest request;
            request.workflow = audioGainWorkflow (processor());
            auto job = processor().startGeneration (request);
            INFO (processor().getLastStartProblem());
            REQUIRE (job != nullptr);
            REQUIRE (pumpUntil ([&] { return job->isFinished(); }, 30000));
            const auto finished = job->getFuture().get();
            INFO ("outcome " << (int) finished.outcome << ": " << finished.messages.joinIntoString (" "));
            REQUIRE (pumpUntil ([&] { return ! session().getResult().clip.isEmpty(); }));
            return session().getResult();
        }

        /** The output over [start - 4800, start + 48000 + 4800) with silent input. */
        juce::AudioBuffer<float> playBack (juce::int64 start)
        {
            playHead.playing = false;
            playHead.position = start - 4800;
            return playThrough (processor(), playHead, 48000 + 9600, silence);
        }

        IsolatedProcessor isolated;
        TestPlayHead playHead;
    };
}

TEST_CASE ("a captured 440 Hz tone comes back from audio_gain at -6 dB, played where it was captured", "[plugin][audio]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server); // runs the queued prompt: LoadAudio, AudioAdjustVolume, SaveAudio
    TemporaryFolder folder;
    AudioRig rig (localConfig (server.port()), folder.dir);
    REQUIRE (pumpUntil ([&] { return rig.processor().isBackendAvailable(); }));

    rig.captureOneSecondOfTone();
    const auto result = rig.generate();
    CHECK_FALSE (result.placeholder);
    CHECK (result.start == captureStart);
    CHECK (result.clip.sampleRate == rate);
    CHECK (std::abs (result.clip.getNumSamples() - 48000) <= 1);

    const auto output = rig.playBack (captureStart);
    const auto inputRms = rms (rig.session().getInput().samples ? *rig.session().getInput().samples : juce::AudioBuffer<float>(), 0, 0, 48000);
    const auto insideRms = rms (output, 0, 4800, 48000);
    INFO ("input rms " << inputRms << ", output rms " << insideRms);
    CHECK (decibels (insideRms / inputRms) == Approx (-6.02).margin (0.5));
    CHECK (rms (output, 1, 4800, 48000) == Approx (insideRms).epsilon (0.01));

    // Outside the clip: the (silent) dry input.
    CHECK (rms (output, 0, 0, 4800) == 0.0);
    CHECK (rms (output, 0, 4800 + 48000 + 2, 4798) == 0.0);

    // The result was written as the FLAC ComfyUI made.
    REQUIRE (pumpUntil ([&] { return rig.session().getResult().file.existsAsFile(); }));
    CHECK (rig.session().getResult().file.hasFileExtension ("flac"));
}

TEST_CASE ("with ComfyUI unavailable the placeholder is the dry input, heard back at its place", "[plugin][audio]")
{
    auto config = localConfig (TestHelpers::closedPort());
    config.fallbackMode = comfybridge::FallbackMode::placeholder;
    TemporaryFolder folder;
    AudioRig rig (config, folder.dir);

    rig.captureOneSecondOfTone();
    const auto result = rig.generate();
    CHECK (result.placeholder);
    CHECK (result.start == captureStart);
    CHECK (result.clip.getNumSamples() == 48000);

    const auto output = rig.playBack (captureStart);

    // Sample for sample the tone, at its timeline position.
    for (int i : { 0, 1, 1000, 47999 })
        CHECK (output.getSample (0, 4800 + i) == Approx (tone (captureStart + i)).margin (1.0e-6));
    CHECK (output.getSample (0, 4799) == 0.0f);

    REQUIRE (pumpUntil ([&] { return rig.session().getResult().file.existsAsFile(); }));
    CHECK (rig.session().getResult().file.hasFileExtension ("wav"));
}

TEST_CASE ("an audio workflow without a capture does not start and says why", "[plugin][audio]")
{
    TemporaryFolder folder;
    AudioRig rig (localConfig (TestHelpers::closedPort()), folder.dir);
    comfybridge::GenerationRequest request;
    request.workflow = audioGainWorkflow (rig.processor());
    CHECK (rig.processor().startGeneration (request) == nullptr);
    CHECK (rig.processor().getLastStartProblem().contains ("Capture some audio first"));
}

TEST_CASE ("the result file, its start and the dry/wet mix are restored with the project; a missing file is said plainly", "[plugin][audio][state]")
{
    TemporaryFolder folder;
    juce::MemoryBlock state;
    juce::File resultFile;
    {
        AudioRig rig (localConfig (TestHelpers::closedPort()), folder.dir);
        rig.captureOneSecondOfTone();
        rig.generate();
        rig.session().getPlayer().setWet (0.25f);
        REQUIRE (pumpUntil ([&] { return rig.session().getResult().file.existsAsFile(); }));
        resultFile = rig.session().getResult().file;
        rig.processor().getStateInformation (state);
    }

    REQUIRE (resultFile.existsAsFile()); // the result outlives the instance that made it
    TemporaryFolder otherFolder;

    SECTION ("restored")
    {
        AudioRig rig (localConfig (TestHelpers::closedPort()), otherFolder.dir);
        rig.processor().setStateInformation (state.getData(), (int) state.getSize());
        REQUIRE (pumpUntil ([&] { return ! rig.session().getResult().clip.isEmpty(); }));

        const auto restored = rig.session().getResult();
        CHECK (restored.file == resultFile);
        CHECK (restored.start == captureStart);
        CHECK (restored.placeholder);
        CHECK (restored.clip.getNumSamples() == 48000);
        CHECK (rig.session().getPlayer().getWet() == 0.25f);
        CHECK (rig.session().getResultProblem().isEmpty());

        // And it plays, fully wet: the tone over silence.
        rig.session().getPlayer().setWet (1.0f);
        const auto output = rig.playBack (captureStart);
        CHECK (output.getSample (0, 4800 + 1000) == Approx (tone (captureStart + 1000)).margin (1.0e-4));
    }

    SECTION ("missing")
    {
        REQUIRE (resultFile.deleteFile());
        AudioRig rig (localConfig (TestHelpers::closedPort()), otherFolder.dir);
        rig.processor().setStateInformation (state.getData(), (int) state.getSize());
        pumpFor (50);
        CHECK (rig.session().getResultProblem().contains ("is missing"));
        CHECK (rig.session().getResultProblem().contains (resultFile.getFullPathName()));
        CHECK (rig.session().getResult().clip.isEmpty());
        CHECK (rig.session().getPlayer().getClip().isEmpty());
    }
}

TEST_CASE ("the host's Arm capture and Generate parameters round-trip audio with no editor open", "[plugin][audio][hostcontrols]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    TemporaryFolder folder;
    AudioRig rig (localConfig (server.port()), folder.dir);
    REQUIRE (pumpUntil ([&] { return rig.processor().isBackendAvailable(); }));

    // The project says: audio_gain, a 1 s capture (what the Generate page would have saved).
    comfybridge::GenerationView::Settings settings;
    settings.workflowName = "audio_gain";
    rig.processor().setGenerationSettings (settings);
    rig.session().setCaptureLength ({ 1.0, false });

    auto& controls = rig.processor().getHostControls();
    CHECK (rig.processor().getParameters().size() == 2);
    CHECK (controls.getArmParameter().getName (64) == "Arm capture");
    CHECK (controls.getGenerateParameter().getName (64) == "Generate");

    SECTION ("armed by automation while the host plays: the capture starts at that very block")
    {
        rig.playHead.position = captureStart - 4096;
        playThrough (rig.processor(), rig.playHead, 4096, tone);
        controls.getArmParameter().setValueNotifyingHost (1.0f);
        // Generate right away: it waits for the capture to be in.
        controls.getGenerateParameter().setValueNotifyingHost (1.0f);
        playThrough (rig.processor(), rig.playHead, 48000 + 4096, tone);

        REQUIRE (pumpUntil ([&] { return ! rig.session().getResult().clip.isEmpty(); }, 30000));
        CHECK (rig.session().getInputStart() == captureStart);
        CHECK (rig.session().getInput().getNumSamples() == 48000);

        const auto result = rig.session().getResult();
        CHECK_FALSE (result.placeholder);
        CHECK (result.start == captureStart);
        const auto output = rig.playBack (captureStart);
        const auto insideRms = rms (output, 0, 4800, 48000);
        CHECK (decibels (insideRms / (0.5 / std::sqrt (2.0))) == Approx (-6.02).margin (0.5));
        CHECK (rms (output, 0, 0, 4800) == 0.0);
    }

    SECTION ("turning Arm capture off while it records ends the capture there and keeps it")
    {
        controls.getArmParameter().setValueNotifyingHost (1.0f);
        rig.playHead.position = captureStart;
        playThrough (rig.processor(), rig.playHead, 512 * 40, tone);
        controls.getArmParameter().setValueNotifyingHost (0.0f);
        playThrough (rig.processor(), rig.playHead, 512 * 4, tone);

        REQUIRE (pumpUntil ([&] { return ! rig.session().getInput().isEmpty(); }));
        CHECK (rig.session().getInput().getNumSamples() == 512 * 40);
        CHECK (rig.session().getInputStart() == captureStart);
        CHECK (rig.session().getCapture().getState() == comfybridge::AudioCapture::State::idle);
    }

    SECTION ("Generate with nothing captured says why and starts nothing")
    {
        rig.playHead.position = captureStart;
        controls.getGenerateParameter().setValueNotifyingHost (1.0f);
        playThrough (rig.processor(), rig.playHead, 512, tone);
        REQUIRE (pumpUntil ([&] { return rig.processor().getLastStartProblem().isNotEmpty(); }));
        CHECK (rig.processor().getLastStartProblem().contains ("Capture some audio first"));
        CHECK (rig.processor().getLastGenerationJob() == nullptr);
    }
}
