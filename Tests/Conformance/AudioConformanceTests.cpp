// Conformance: audio round trips (upload, LoadAudio, AudioAdjustVolume, SaveAudio, /view) against the real ComfyUI,
// and the fake's audio facts checked against it.

#include "ConformanceSupport.h"
#include "Shared/BundledWorkflows.h"
#include "Support/AudioTestSupport.h"
#include "Support/FakeExecutor.h"

using namespace Conformance;
using TestSupport::gainDb;
using TestSupport::makeTone;
using json = nlohmann::json;

namespace
{
    comfybridge::GenerationRequest gainRequest (const comfybridge::AudioClip& input)
    {
        comfybridge::GenerationRequest request;
        request.workflow = std::get<comfybridge::WorkflowDefinition> (comfybridge::findWorkflow ("audio_gain"));
        request.inputAudio = input;
        request.timeoutSeconds = 120.0;
        return request;
    }

    std::unique_ptr<comfybridge::ConnectionManager> connectedManager (const comfybridge::ComfyUIConfig& config)
    {
        auto manager = std::make_unique<comfybridge::ConnectionManager> (config);
        REQUIRE (manager->connect().get().available);
        REQUIRE (TestSupport::pumpUntil ([&] { return manager->isLiveChannelOpen(); }, 10000));
        return manager;
    }

    /** A class's input spec without the combo lists that depend on the server's files. */
    json inputsOf (const json& objectInfo, const std::string& className)
    {
        auto info = objectInfo.at (className);
        for (auto& [group, inputs] : info["input"].items())
            for (auto& [name, spec] : inputs.items())
                if (spec.is_array() && ! spec.empty() && spec[0].is_array())
                    spec[0] = json::array();
        return info;
    }
}

TEST_CASE ("conformance: a 440 Hz tone through audio_gain comes back 6 dB quieter, in-process and through the CLI", "[conformance][audio]")
{
    auto& server = requireServer();
    const auto tone = makeTone (44100.0, 44100, 2, 440.0, 0.5f);

    auto manager = connectedManager (configFor (server));
    const auto result = waitFor (manager->generate (gainRequest (tone)));
    INFO (result.messages.joinIntoString ("; "));
    REQUIRE (result.outcome == comfybridge::GenerationOutcome::generated);
    REQUIRE (result.audio.size() == 1);
    CHECK (result.audio[0].sampleRate == 44100.0);
    CHECK (result.audio[0].getNumChannels() == 2);
    CHECK (std::abs (result.audio[0].getNumSamples() - tone.getNumSamples()) <= 1);
    CHECK (gainDb (tone, result.audio[0]) == Approx (-6.0).margin (0.5));
    REQUIRE (result.audioFiles.size() == 1);
    CHECK (std::memcmp (result.audioFiles[0].getData(), "fLaC", 4) == 0);

    TemporaryHome home;
    const auto in = home.dir.getChildFile ("tone.wav");
    juce::String error;
    REQUIRE (comfybridge::writeAudioFile (tone, in, error));
    const auto out = home.dir.getChildFile ("quiet.flac");
    const auto cli = runCli (cliArgs ({ "generate", "--workflow", "audio_gain", "--audio", in.getFullPathName(),
                                        "--out", out.getFullPathName(), "--fallback-mode", "abort" }, server), home.dir);
    INFO (cli.out << cli.err);
    REQUIRE (cli.exitCode == 0);
    CHECK (lastJsonLine (cli.out)["result"] == "generated");
    juce::MemoryBlock bytes;
    REQUIRE (out.loadFileAsData (bytes));
    auto decoded = comfybridge::decodeAudio (bytes);
    REQUIRE (std::holds_alternative<comfybridge::AudioClip> (decoded));
    CHECK (std::abs (std::get<comfybridge::AudioClip> (decoded).getNumSamples() - tone.getNumSamples()) <= 1);
    CHECK (gainDb (tone, std::get<comfybridge::AudioClip> (decoded)) == Approx (-6.0).margin (0.5));
}

TEST_CASE ("conformance: audio_trim cuts to the duration set", "[conformance][audio]")
{
    auto& server = requireServer();
    auto manager = connectedManager (configFor (server));
    comfybridge::GenerationRequest request;
    request.workflow = std::get<comfybridge::WorkflowDefinition> (comfybridge::findWorkflow ("audio_trim"));
    request.inputAudio = makeTone (48000.0, 48000, 1, 440.0, 0.5f);
    request.inputs.durationSeconds = 0.5;
    request.timeoutSeconds = 120.0;
    const auto result = waitFor (manager->generate (request));
    INFO (result.messages.joinIntoString ("; "));
    REQUIRE (result.outcome == comfybridge::GenerationOutcome::generated);
    CHECK (result.audio.at (0).getNumSamples() == 24000);
    CHECK (result.audio.at (0).sampleRate == 48000.0);
}

TEST_CASE ("conformance: the fake's audio facts are the real server's", "[conformance][audio][wirefacts]")
{
    auto& server = requireServer();
    TestHelpers::FakeComfyUI fake;
    REQUIRE (fake.start());
    TestSupport::FakeExecutor executor (fake);

    const auto realInfo = jsonOf (http (server, "GET", "/object_info"));
    const auto fakeInfo = fake.objectInfo();
    for (const auto* name : { "LoadAudio", "AudioAdjustVolume", "TrimAudioDuration", "SaveAudio", "PreviewAudio",
                              "EmptyLatentAudio", "VAEEncodeAudio", "VAEDecodeAudio", "CLIPLoader" })
    {
        INFO (name);
        CHECK (inputsOf (fakeInfo, name) == inputsOf (realInfo, name));
    }

    // A missing LoadAudio file: the same 400 and node error from both.
    const json prompt = { { "1", { { "class_type", "LoadAudio" }, { "inputs", { { "audio", "comfybridge/missing-conformance.wav" } } } } },
                          { "2", { { "class_type", "SaveAudio" }, { "inputs", { { "audio", json::array ({ "1", 0 }) }, { "filename_prefix", "audio/conf" } } } } } };
    const auto body = json { { "prompt", prompt } }.dump();
    const auto real = http (server, "POST", "/prompt", body);
    comfybridge::CurlHttpClient client;
    comfybridge::HttpRequest request;
    request.method = "POST";
    request.url = juce::String (fake.baseUrl()) + "/prompt";
    request.body = body;
    const auto faked = client.perform (request);
    CHECK (real.statusCode == 400);
    CHECK (faked.statusCode == 400);
    CHECK (jsonOf (faked)["node_errors"] == jsonOf (real)["node_errors"]);
}
