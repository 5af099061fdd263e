#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "CliRunner.h"
#include <thread>

namespace
{
    juce::StringArray at (int port)
    {
        return { "--host", "127.0.0.1", "--port", juce::String (port), "--timeout", "2", "--max-retries", "0", "--no-discover-port" };
    }

    juce::StringArray joined (juce::StringArray a, const juce::StringArray& b)
    {
        a.addArray (b);
        return a;
    }
}

TEST_CASE ("status exits 0 and prints the version when ComfyUI is available", "[cli]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TemporaryHome home;

    const auto result = runCli (joined ({ "status" }, at (server.port())), home.dir);
    INFO (result.out << result.err);
    CHECK (result.exitCode == 0);
    CHECK (result.out.contains ("connected"));
    CHECK (result.out.contains ("0.3.64"));
}

TEST_CASE ("status --json prints one object with the snake_case keys", "[cli]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    server.setQueue (1, 1);
    TemporaryHome home;

    const auto result = runCli (joined ({ "status", "--json" }, at (server.port())), home.dir);
    REQUIRE (result.exitCode == 0);
    const auto json = nlohmann::json::parse (result.out.toStdString());
    CHECK (json["available"] == true);
    CHECK (json["queue_size"] == 2);
    CHECK (json["state"] == "connected");
    for (auto key : { "url", "version", "error_message", "last_check", "cors_enabled", "models_ready", "workflows_ready", "fully_ready" })
        CHECK (json.contains (key));
}

TEST_CASE ("status exits 3 with the reason when nothing listens", "[cli]")
{
    TemporaryHome home;
    const auto result = runCli (joined ({ "status", "--json" }, at (TestHelpers::closedPort())), home.dir);
    CHECK (result.exitCode == 3);
    const auto json = nlohmann::json::parse (result.out.toStdString());
    CHECK (json["available"] == false);
    CHECK (juce::String (json["error_message"].get<std::string>()).startsWith ("connection refused"));
}

TEST_CASE ("status exits 2 on bad options", "[cli]")
{
    TemporaryHome home;
    const auto result = runCli ({ "status", "--port", "99999" }, home.dir);
    CHECK (result.exitCode == 2);
    CHECK (result.err.contains ("port: 99999"));
}

TEST_CASE ("watch prints the initial status and every change, then exits cleanly", "[cli]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TemporaryHome home;

    // Stop the server while watch runs: expect connected, then a lost backend.
    std::thread killer ([&]
    {
        server.waitForRequests (3, 5000);
        std::this_thread::sleep_for (std::chrono::milliseconds (300));
        server.stop();
    });

    const auto result = runCli (joined ({ "watch", "--json", "--interval", "0.1", "--reconnect-interval", "0.2", "--duration", "2.5" },
                                        at (server.port())), home.dir);
    killer.join();
    INFO (result.out << result.err);
    CHECK (result.exitCode == 0);

    juce::StringArray states;
    for (const auto& line : juce::StringArray::fromLines (result.out.trim()))
    {
        const auto json = nlohmann::json::parse (line.toStdString());
        CHECK (json.contains ("timestamp"));
        states.add (json["state"].get<std::string>());
    }

    REQUIRE (states.size() >= 3);
    CHECK (states[0] == "connected");
    CHECK (states.contains ("reconnecting"));
    CHECK (states[states.size() - 1] == "disconnected");
}

TEST_CASE ("watch prints a line only when what it shows changed", "[cli]")
{
    // Readiness checks change the status after "connected" without changing the line:
    // they used to print the same "connected" line twice.
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TemporaryHome home;

    const auto result = runCli (joined ({ "watch", "--interval", "0.2", "--duration", "1.5" }, at (server.port())), home.dir);
    INFO (result.out << result.err);
    CHECK (result.exitCode == 0);

    juce::StringArray shown;
    for (const auto& line : juce::StringArray::fromLines (result.out.trim()))
        shown.add (line.fromFirstOccurrenceOf ("  ", false, false)); // without the timestamp

    REQUIRE (shown.size() >= 2);
    CHECK (shown[0].startsWith ("connected"));
    CHECK (shown[shown.size() - 1].startsWith ("disconnected"));

    for (int i = 1; i < shown.size(); ++i)
        CHECK (shown[i] != shown[i - 1]);
}

TEST_CASE ("watch rejects a bad interval with exit 2", "[cli]")
{
    TemporaryHome home;
    const auto result = runCli ({ "watch", "--interval", "soon" }, home.dir);
    CHECK (result.exitCode == 2);
    CHECK (result.err.contains ("--interval"));
}
