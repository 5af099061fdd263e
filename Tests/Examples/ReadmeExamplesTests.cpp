#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "ReadmeExamples.h"
#include "Support/TestUtilities.h"
#include "Support/AudioTestSupport.h"
#include "Support/FakeExecutor.h"
#include "Shared/BundledWorkflows.h"

#include <sstream>
#include <thread>

using TestSupport::localConfig;

TEST_CASE ("README example: basic connection", "[examples]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    server.setQueue (0, 2);
    std::ostringstream out;
    examples::basicConnection (localConfig (server.port()), out);
    CHECK (out.str() == "Connected to ComfyUI 0.3.64\nQueue size: 2\n");

    std::ostringstream failed;
    examples::basicConnection (localConfig (TestHelpers::closedPort()), failed);
    CHECK (juce::String (failed.str()).startsWith ("Connection failed: connection refused"));
}

TEST_CASE ("README example: health monitoring", "[examples]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    std::ostringstream out;
    examples::healthMonitoring (localConfig (server.port()), out, 2);
    CHECK (out.str() == "1 s: up\n2 s: up\n");
}

TEST_CASE ("README example: status callbacks", "[examples]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    std::ostringstream out;
    examples::statusCallbacks (localConfig (server.port()), out, 1);
    CHECK (out.str() == "ComfyUI available: " + server.baseUrl() + "\n");
}

TEST_CASE ("README example: fallback handling", "[examples]")
{
    auto config = localConfig (TestHelpers::closedPort());
    config.fallbackMode = comfybridge::FallbackMode::skip;
    std::ostringstream out;
    examples::fallbackHandling (config, out);
    const juce::String text (out.str());
    CHECK (text.startsWith ("Using fallback mode: skip\nComfyUI at http://127.0.0.1:"));
    CHECK (text.contains ("generation requests will be skipped"));
}

TEST_CASE ("README example: audio round trip", "[examples][audio]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TestSupport::FakeExecutor executor (server);
    const auto folder = juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("comfybridge-example", "");
    REQUIRE (folder.createDirectory());
    juce::String error;
    REQUIRE (comfybridge::writeAudioFile (TestSupport::makeTone (44100.0, 44100, 2, 440.0, 0.5f), folder.getChildFile ("in.wav"), error));

    std::ostringstream out;
    const auto workflow = std::get<comfybridge::WorkflowDefinition> (comfybridge::findWorkflow ("audio_gain"));
    examples::audioRoundTrip (localConfig (server.port()), workflow, folder.getChildFile ("in.wav"), folder.getChildFile ("out.flac"), out);
    CHECK (out.str() == "generated: 1 s at 48000 Hz\n");
    CHECK (folder.getChildFile ("out.flac").existsAsFile());

    std::ostringstream bad;
    examples::audioRoundTrip (localConfig (server.port()), workflow, folder.getChildFile ("missing.wav"), folder.getChildFile ("x.wav"), bad);
    CHECK (juce::String (bad.str()).startsWith ("Cannot read missing.wav"));
    folder.deleteRecursively();
}

TEST_CASE ("README example: background reconnection", "[examples][slow]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    const auto port = server.port();
    server.stop();

    std::thread revive ([&] { std::this_thread::sleep_for (std::chrono::milliseconds (500)); server.start (port); });
    std::ostringstream out;
    examples::backgroundReconnection (localConfig (port), out, 30, 1.0);
    revive.join();

    const juce::String text (out.str());
    CHECK (text.startsWith ("Initial connection failed, starting background reconnection...\nStill disconnected... (1 s elapsed)\n"));
    CHECK (text.endsWith ("Reconnection successful!\n"));
}

TEST_CASE ("every C++ block of the module README is compiled here", "[examples]")
{
    const auto root = juce::File (COMFYBRIDGE_SOURCE_DIR);
    const auto readme = root.getChildFile ("Source/Modules/comfybridge_core/README.md").loadFileAsString();
    const auto code = root.getChildFile ("Tests/Examples/ReadmeExamples.cpp").loadFileAsString();
    REQUIRE (readme.isNotEmpty());

    int blocks = 0;
    for (auto rest = readme; rest.contains ("```cpp\n"); ++blocks)
    {
        rest = rest.fromFirstOccurrenceOf ("```cpp\n", false, false);
        const auto block = rest.upToFirstOccurrenceOf ("```", false, false);
        rest = rest.fromFirstOccurrenceOf ("```", false, false);
        INFO (block);
        CHECK (code.contains (block));
    }

    CHECK (blocks >= 5);
}
