#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include <nlohmann/json.hpp>

using comfybridge::ComfyUIStatus;
using comfybridge::ConnectionState;

namespace
{
    ComfyUIStatus readyStatus()
    {
        ComfyUIStatus s;
        s.available = true;
        s.url = "http://localhost:8000";
        s.version = "0.3.64";
        s.queueSize = 2;
        s.corsEnabled = true;
        s.modelsReady = true;
        s.workflowsReady = true;
        s.state = ConnectionState::connected;
        s.lastCheck = juce::Time (2026, 10, 25, 12, 30, 5, 250, false);
        return s;
    }
}

TEST_CASE ("fullyReady needs availability, CORS (unless its check is off), models and workflows", "[status]")
{
    auto s = readyStatus();
    CHECK (s.fullyReady());

    s.corsEnabled = false;
    CHECK_FALSE (s.fullyReady());
    s.corsCheckEnabled = false;
    CHECK (s.fullyReady());

    auto noModels = readyStatus();
    noModels.modelsReady = false;
    CHECK_FALSE (noModels.fullyReady());

    auto noWorkflows = readyStatus();
    noWorkflows.workflowsReady = false;
    CHECK_FALSE (noWorkflows.fullyReady());

    auto down = readyStatus();
    down.available = false;
    CHECK_FALSE (down.fullyReady());
}

TEST_CASE ("status JSON has the snake_case keys and ISO 8601 time", "[status]")
{
    const auto json = nlohmann::json::parse (readyStatus().toJson().toStdString());

    CHECK (json["available"] == true);
    CHECK (json["url"] == "http://localhost:8000");
    CHECK (json["version"] == "0.3.64");
    CHECK (json["queue_size"] == 2);
    CHECK (json["error_message"].is_null());
    CHECK (json["last_check"] == "2026-11-25T12:30:05.250Z");
    CHECK (json["cors_enabled"] == true);
    CHECK (json["models_ready"] == true);
    CHECK (json["workflows_ready"] == true);
    CHECK (json["fully_ready"] == true);
    CHECK (json["state"] == "connected");
}

TEST_CASE ("an unchecked status has null version, error and last_check", "[status]")
{
    ComfyUIStatus s;
    s.errorMessage = "connection refused";
    const auto json = nlohmann::json::parse (s.toJson().toStdString());
    CHECK (json["version"].is_null());
    CHECK (json["last_check"].is_null());
    CHECK (json["error_message"] == "connection refused");
    CHECK (json["state"] == "disconnected");
}

TEST_CASE ("a change of lastCheck alone is not a change", "[status]")
{
    auto a = readyStatus();
    auto b = a;
    b.lastCheck = a.lastCheck + juce::RelativeTime::seconds (5);
    CHECK (a.isEquivalentTo (b));

    b.queueSize = 3;
    CHECK_FALSE (a.isEquivalentTo (b));

    auto c = a;
    c.state = ConnectionState::reconnecting;
    CHECK_FALSE (a.isEquivalentTo (c));
}

TEST_CASE ("every state has its name", "[status]")
{
    CHECK (comfybridge::toString (ConnectionState::disconnected) == "disconnected");
    CHECK (comfybridge::toString (ConnectionState::connecting) == "connecting");
    CHECK (comfybridge::toString (ConnectionState::connected) == "connected");
    CHECK (comfybridge::toString (ConnectionState::reconnecting) == "reconnecting");
    CHECK (comfybridge::toString (ConnectionState::unavailable) == "unavailable");
}
