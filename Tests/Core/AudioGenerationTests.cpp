#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Support/AudioTestSupport.h"
#include "Support/FakeExecutor.h"
#include "Support/TestUtilities.h"
#include "Shared/BundledWorkflows.h"

using namespace TestSupport;
using comfybridge::AudioClip;
using comfybridge::ConnectionManager;
using comfybridge::GenerationOutcome;
using comfybridge::GenerationResult;
using TestHelpers::FakeComfyUI;

namespace
{
    comfybridge::GenerationRequest audioRequest (const juce::String& workflow, const AudioClip& input)
    {
        auto found = comfybridge::findWorkflow (workflow);
        REQUIRE (std::holds_alternative<comfybridge::WorkflowDefinition> (found));
        comfybridge::GenerationRequest request;
        request.workflow = std::get<comfybridge::WorkflowDefinition> (found);
        request.inputAudio = input;
        request.timeoutSeconds = 30.0;
        return request;
    }

    GenerationResult waitFor (const std::shared_ptr<comfybridge::GenerationJob>& job, int timeoutMs = 20000)
    {
        auto future = job->getFuture();
        const auto finished = pumpUntil ([&] { return future.wait_for (std::chrono::milliseconds (0)) == std::future_status::ready; }, timeoutMs);
        pumpFor (30);
        REQUIRE (finished);
        return future.get();
    }

    std::unique_ptr<ConnectionManager> connectedManager (int port)
    {
        auto manager = std::make_unique<ConnectionManager> (localConfig (port));
        REQUIRE (manager->connect().get().available);
        REQUIRE (pumpUntil ([&] { return manager->isLiveChannelOpen(); }, 5000));
        return manager;
    }

    /** The bodies of every POST /prompt the server received (FakeExecutor answers them). */
    std::vector<nlohmann::json> postedPrompts (const FakeComfyUI& server)
    {
        std::vector<nlohmann::json> bodies;
        for (const auto& r : server.requests())
            if (r.method == "POST" && (r.path == "/api/prompt" || r.path == "/prompt"))
                bodies.push_back (nlohmann::json::parse (r.body));
        return bodies;
    }
}

TEST_CASE ("a 440 Hz tone through audio_gain comes back 6 dB quieter and as long", "[audio][generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port());

    const auto tone = makeTone (44100.0, 44100, 2, 440.0, 0.5f);
    std::vector<juce::String> texts;
    auto request = audioRequest ("audio_gain", tone);
    request.onProgress = [&] (const comfybridge::GenerationProgress& p) { texts.push_back (p.text); };
    const auto result = waitFor (manager->generate (request));

    INFO (result.messages.joinIntoString ("\n"));
    REQUIRE (result.outcome == GenerationOutcome::generated);
    REQUIRE (result.audio.size() == 1);
    const auto& out = result.audio[0];
    CHECK (out.sampleRate == 44100.0);
    CHECK (out.getNumChannels() == 2);
    CHECK (std::abs (out.getNumSamples() - tone.getNumSamples()) <= 1);
    CHECK (gainDb (tone, out) == Approx (-6.0).margin (0.5));

    // The bytes are the FLAC ComfyUI saved, under the name it gave.
    REQUIRE (result.audioFiles.size() == 1);
    CHECK (std::memcmp (result.audioFiles[0].getData(), "fLaC", 4) == 0);
    CHECK (result.audioFileNames == juce::StringArray { "ComfyBridge_00001_.flac" });

    // Uploaded once into comfybridge/, and LoadAudio named exactly that file.
    const auto uploads = server.inputFileNames();
    REQUIRE (uploads.size() == 1);
    CHECK (juce::String (*uploads.begin()).startsWith ("comfybridge/cb-"));
    const auto posted = postedPrompts (server);
    REQUIRE (posted.size() == 1);
    CHECK (posted[0]["prompt"]["1"]["inputs"]["audio"] == *uploads.begin());

    pumpFor (50);
    CHECK (std::find (texts.begin(), texts.end(), "uploading audio") != texts.end());
    CHECK (std::find (texts.begin(), texts.end(), "fetching audio") != texts.end());
}

TEST_CASE ("audio results are resampled to the requested rate on the worker", "[audio][generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port());

    auto request = audioRequest ("audio_gain", makeTone (44100.0, 44100, 2, 440.0, 0.5f));
    request.outputSampleRate = 48000.0;
    const auto result = waitFor (manager->generate (request));

    REQUIRE (result.outcome == GenerationOutcome::generated);
    REQUIRE (result.audio.size() == 1);
    CHECK (result.audio[0].sampleRate == 48000.0);
    CHECK (result.audio[0].getNumSamples() == 48000);
    // The file stays as ComfyUI made it.
    auto original = comfybridge::decodeAudio (result.audioFiles[0]);
    REQUIRE (std::holds_alternative<AudioClip> (original));
    CHECK (std::get<AudioClip> (original).sampleRate == 44100.0);
}

TEST_CASE ("the same audio is uploaded under the same name; the server keeps one file", "[audio][generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port());

    const auto tone = makeTone (48000.0, 4800, 1, 440.0, 0.25f);
    const auto first = waitFor (manager->generate (audioRequest ("audio_gain", tone)));
    const auto second = waitFor (manager->generate (audioRequest ("audio_gain", tone)));
    REQUIRE (first.outcome == GenerationOutcome::generated);
    REQUIRE (second.outcome == GenerationOutcome::generated);
    CHECK (server.inputFileNames().size() == 1);

    const auto other = waitFor (manager->generate (audioRequest ("audio_gain", makeTone (48000.0, 4800, 1, 220.0, 0.25f))));
    REQUIRE (other.outcome == GenerationOutcome::generated);
    CHECK (server.inputFileNames().size() == 2);
}

TEST_CASE ("audio_trim takes the duration the user sets", "[audio][generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port());

    auto request = audioRequest ("audio_trim", makeTone (44100.0, 44100, 2, 440.0, 0.5f));
    request.inputs.durationSeconds = 0.25;
    const auto result = waitFor (manager->generate (request));
    REQUIRE (result.outcome == GenerationOutcome::generated);
    REQUIRE (result.audio.size() == 1);
    CHECK (result.audio[0].getNumSamples() == 11025);

    SECTION ("a duration out of range is refused before anything is sent")
    {
        request.inputs.durationSeconds = 601.0;
        const auto refused = waitFor (manager->generate (request));
        CHECK (refused.outcome == GenerationOutcome::failed);
        CHECK (refused.messages.joinIntoString ("\n").contains ("duration"));
    }
}

TEST_CASE ("a bundled audio workflow without input audio fails plainly; a user's file runs as written", "[audio][generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port());

    SECTION ("bundled: nothing is sent")
    {
        const auto result = waitFor (manager->generate (audioRequest ("audio_gain", {})));
        CHECK (result.outcome == GenerationOutcome::failed);
        CHECK (result.messages.joinIntoString ("\n").contains ("needs input audio"));
        CHECK (postedPrompts (server).empty());
    }

    SECTION ("a user's file: its LoadAudio value stands, and the server judges it")
    {
        server.setInputFile ("mine.flac", encodeFlacBytes (makeTone (44100.0, 4410, 1, 440.0, 0.5f)));
        juce::TemporaryFile temp (".json");
        const auto file = temp.getFile();
        REQUIRE (file.replaceWithText (R"({"1":{"class_type":"LoadAudio","inputs":{"audio":"mine.flac"}},
                                          "2":{"class_type":"SaveAudio","inputs":{"audio":["1",0],"filename_prefix":"audio/mine"}}})"));
        auto loaded = comfybridge::WorkflowLibrary::loadUserFile (file);
        REQUIRE (std::holds_alternative<comfybridge::WorkflowDefinition> (loaded));
        comfybridge::GenerationRequest request;
        request.workflow = std::get<comfybridge::WorkflowDefinition> (loaded);
        CHECK (request.workflow.audio.size() == 1);
        CHECK (request.workflow.producesAudio());
        const auto result = waitFor (manager->generate (request));
        INFO (result.messages.joinIntoString ("\n"));
        REQUIRE (result.outcome == GenerationOutcome::generated);
        CHECK (result.audio.at (0).getNumSamples() == 4410);
    }

    SECTION ("a missing file is the server's node error")
    {
        juce::TemporaryFile temp (".json");
        const auto file = temp.getFile();
        REQUIRE (file.replaceWithText (R"({"1":{"class_type":"LoadAudio","inputs":{"audio":"nope.wav"}},
                                          "2":{"class_type":"SaveAudio","inputs":{"audio":["1",0],"filename_prefix":"audio/x"}}})"));
        comfybridge::GenerationRequest request;
        request.workflow = std::get<comfybridge::WorkflowDefinition> (comfybridge::WorkflowLibrary::loadUserFile (file));
        const auto result = waitFor (manager->generate (request));
        CHECK (result.outcome == GenerationOutcome::failed);
        CHECK (result.messages.joinIntoString ("\n").contains ("Invalid audio file: nope.wav"));
    }
}

TEST_CASE ("an upload can be cancelled while it is under way", "[audio][generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port());

    // The upload is held on the server until the job is cancelled.
    std::atomic<bool> uploadArrived { false };
    server.setRoute ("POST", "/upload/image", [&] (const TestHelpers::Request&)
    {
        uploadArrived = true;
        auto response = TestHelpers::Response::empty (200);
        response.behaviour = TestHelpers::Behaviour::NeverAnswer;
        return response;
    });

    auto job = manager->generate (audioRequest ("audio_gain", makeTone (48000.0, 48000, 2, 440.0, 0.5f)));
    REQUIRE (pumpUntil ([&] { return uploadArrived.load(); }, 5000));
    job->cancel();
    // The upload's own deadline is over 10 s (1 MB/s for ~0.3 MB, at least 10 s): finishing within 5 s,
    // as cancelled rather than as the fallback a timed-out upload would give, shows the cancel stopped it.
    const auto result = waitFor (job, 5000);
    CHECK (result.outcome == GenerationOutcome::cancelled);
    CHECK (postedPrompts (server).empty());
    CHECK (manager->getStatus().available); // only our job stopped
}

TEST_CASE ("a server that dies in the middle of the FLAC gives a clear failure", "[audio][generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port());

    server.setRoute ("GET", "/view", [] (const TestHelpers::Request&)
    {
        auto response = TestHelpers::Response::empty (200);
        response.body = std::string (200000, 'x');
        response.setHeader ("Content-Type", "audio/flac");
        response.behaviour = TestHelpers::Behaviour::DieMidBody;
        return response;
    });

    const auto result = waitFor (manager->generate (audioRequest ("audio_gain", makeTone (44100.0, 44100, 2, 440.0, 0.5f))));
    CHECK (result.outcome == GenerationOutcome::failed);
    CHECK (result.audio.empty());
    const auto text = result.messages.joinIntoString ("\n");
    CHECK (text.contains ("could not fetch ComfyBridge_00001_.flac"));
    CHECK (text.contains ("no audio"));
}

TEST_CASE ("audio fallback follows the fallback mode without network I/O", "[audio][fallback]")
{
    auto config = localConfig (TestHelpers::closedPort());
    const auto tone = makeTone (44100.0, 44100, 2, 440.0, 0.5f);

    SECTION ("placeholder: the dry input at the requested rate and length")
    {
        ConnectionManager manager (config);
        REQUIRE_FALSE (manager.connect().get().available);
        auto request = audioRequest ("audio_gain", tone);
        request.outputSampleRate = 48000.0;
        request.inputs.durationSeconds = 2.0;
        const auto result = waitFor (manager.generate (request));
        REQUIRE (result.outcome == GenerationOutcome::placeholder);
        REQUIRE (result.audio.size() == 1);
        CHECK (result.audio[0].sampleRate == 48000.0);
        CHECK (result.audio[0].getNumSamples() == 96000);
        CHECK (result.audio[0].getNumChannels() == 2);
        CHECK (result.audioFiles.empty());
        CHECK (result.messages[0].contains ("placeholder"));
        // The first second is the tone (resampled), the rest silence.
        CHECK (rms (result.audio[0], 0, 48000) == Approx (rms (tone, 0, 44100)).epsilon (0.02));
        CHECK (rms (result.audio[0], 48100, 47900) == 0.0f);

        // Deterministic: the same request gives the same samples.
        const auto again = waitFor (manager.generate (request));
        REQUIRE (again.audio.size() == 1);
        CHECK (sameSamples (result.audio[0], again.audio[0]));
    }

    SECTION ("placeholder without a duration is the input's length at its rate")
    {
        ConnectionManager manager (config);
        const auto result = waitFor (manager.generate (audioRequest ("audio_gain", tone)));
        REQUIRE (result.outcome == GenerationOutcome::placeholder);
        CHECK (result.audio.at (0).sampleRate == 44100.0);
        CHECK (result.audio.at (0).getNumSamples() == 44100);
        CHECK (sameSamples (result.audio[0], tone));
    }

    SECTION ("placeholder for text to audio is silence of the requested length")
    {
        ConnectionManager manager (config);
        auto request = audioRequest ("audio_gain", {});
        request.inputs.durationSeconds = 1.5;
        request.outputSampleRate = 96000.0;
        const auto result = waitFor (manager.generate (request));
        REQUIRE (result.outcome == GenerationOutcome::placeholder);
        CHECK (result.audio.at (0).getNumSamples() == 144000);
        CHECK (result.audio.at (0).sampleRate == 96000.0);
        CHECK (rms (result.audio[0], 0, 144000) == 0.0f);
        CHECK (result.messages[0].contains ("silence"));
    }

    SECTION ("skip produces nothing")
    {
        config.fallbackMode = comfybridge::FallbackMode::skip;
        ConnectionManager manager (config);
        const auto result = waitFor (manager.generate (audioRequest ("audio_gain", tone)));
        CHECK (result.outcome == GenerationOutcome::skipped);
        CHECK (result.audio.empty());
    }

    SECTION ("abort stops with an error")
    {
        config.fallbackMode = comfybridge::FallbackMode::abort;
        ConnectionManager manager (config);
        const auto result = waitFor (manager.generate (audioRequest ("audio_gain", tone)));
        CHECK (result.outcome == GenerationOutcome::aborted);
        CHECK (result.audio.empty());
    }
}
