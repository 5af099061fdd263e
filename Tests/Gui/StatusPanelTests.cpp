#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include <comfybridge_gui/comfybridge_gui.h>
#include "Support/TestUtilities.h"

using namespace TestSupport;
using comfybridge::ConnectionManager;
using comfybridge::ConnectionState;
using comfybridge::StatusPanel;
using Field = StatusPanel::Field;

namespace
{
    /** A panel showing a real manager, sized as in the editor. */
    struct PanelWithManager
    {
        explicit PanelWithManager (const comfybridge::ComfyUIConfig& config)
            : manager (std::make_shared<ConnectionManager> (config))
        {
            panel.setSize (760, 480);
            panel.setConnectionManager (manager);
        }

        ~PanelWithManager()
        {
            panel.setConnectionManager (nullptr);
        }

        bool shows (const juce::String& state, int timeoutMs = 10000)
        {
            return pumpUntil ([&] { return panel.getText (Field::state) == state; }, timeoutMs);
        }

        std::shared_ptr<ConnectionManager> manager;
        StatusPanel panel;
    };

    void click (juce::Button& button)
    {
        button.triggerClick(); // delivered through the message loop, as a real click is
        pumpFor (20);
    }

    const juce::String reconnecting { juce::CharPointer_UTF8 ("Reconnecting\xe2\x80\xa6") };
    const juce::String dash { juce::CharPointer_UTF8 ("\xe2\x80\x94") };
}

TEST_CASE ("the status panel shows a connected backend's URL, version and queue", "[gui]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    server.setQueue (1, 2);
    PanelWithManager p (localConfig (server.port()));

    CHECK (p.panel.getText (Field::state) == "Disconnected");
    p.manager->connect();
    REQUIRE (p.shows ("Connected"));

    CHECK (p.panel.getText (Field::url) == "http://127.0.0.1:" + juce::String (server.port()));
    CHECK (p.panel.getText (Field::version) == "0.3.64");
    CHECK (p.panel.getText (Field::queue).startsWith ("3 prompts"));
    CHECK (p.panel.getText (Field::lastCheck) != "never");
    CHECK (p.panel.getText (Field::error) == "None.");
    CHECK (p.panel.getText (Field::fallback) == "draw a placeholder image");
    CHECK_FALSE (p.panel.getConnectButton().isEnabled());
    CHECK (p.panel.getRetryButton().isEnabled());
    CHECK (p.panel.getDisconnectButton().isEnabled());
}

TEST_CASE ("the status panel shows an unavailable backend with the reason in words", "[gui]")
{
    const auto port = TestHelpers::closedPort();
    PanelWithManager p (localConfig (port));
    p.manager->connect();
    REQUIRE (p.shows ("Unavailable"));

    const auto error = p.panel.getText (Field::error);
    INFO (error);
    CHECK (error.startsWith ("Connection refused"));
    CHECK (error.contains (juce::String (port)));
    CHECK (error.contains ("Is ComfyUI running?"));
    CHECK (p.panel.getText (Field::version) == dash);
    CHECK (p.panel.getText (Field::queue) == dash);
    CHECK (p.panel.getText (Field::summary).contains ("Retry now"));
    CHECK (p.panel.getRetryButton().isEnabled());
}

TEST_CASE ("the status panel shows reconnecting while background reconnection runs", "[gui]")
{
    PanelWithManager p (localConfig (TestHelpers::closedPort()));
    p.manager->startBackgroundReconnection (10.0);
    p.manager->connect();
    REQUIRE (p.shows (reconnecting));

    CHECK (StatusPanel::colourFor (ConnectionState::reconnecting) == comfybridge::Palette::busy);
    CHECK (p.panel.getText (Field::summary).contains ("automatically"));
    CHECK (p.panel.getText (Field::error).startsWith ("Connection refused"));
}

TEST_CASE ("the status panel stops showing connected as soon as the manager notices the backend is gone", "[gui]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    PanelWithManager p (localConfig (server.port()));
    p.manager->connect();
    REQUIRE (p.shows ("Connected"));

    server.stop();
    p.manager->checkHealth();
    REQUIRE (pumpUntil ([&] { return p.panel.getText (Field::state) != "Connected"; }));

    CHECK (p.panel.getText (Field::state) == "Unavailable");
    CHECK (p.panel.getStatus().state == p.manager->getStatus().state);
    CHECK (p.panel.getText (Field::version) == dash);
}

TEST_CASE ("the panel's buttons act at once, even while the backend hangs", "[gui]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    server.setHang (true);
    PanelWithManager p (localConfig (server.port(), 5.0));
    p.panel.setConnectionPolicy (5.0, 10.0);

    p.manager->connect();
    REQUIRE (p.shows (juce::String (juce::CharPointer_UTF8 ("Connecting\xe2\x80\xa6"))));
    CHECK_FALSE (p.panel.getRetryButton().isEnabled()); // an attempt is already running

    const auto disconnectMs = millisecondsFor ([&] { click (p.panel.getDisconnectButton()); });
    INFO ("Disconnect while a request hangs took " << disconnectMs << " ms (including a 20 ms pump)");
    CHECK (disconnectMs < 1000.0);
    REQUIRE (p.shows ("Disconnected"));
    CHECK (p.panel.getConnectButton().isEnabled());
    CHECK_FALSE (p.panel.getDisconnectButton().isEnabled());

    const auto connectMs = millisecondsFor ([&] { click (p.panel.getConnectButton()); });
    INFO ("Connect took " << connectMs << " ms");
    CHECK (connectMs < 1000.0);
    CHECK (p.manager->isMonitoring());
    CHECK (p.manager->isReconnectionEnabled());
    CHECK (p.panel.getText (Field::state) != "Disconnected");

    server.setHang (false);
    p.manager->disconnect();
}

TEST_CASE ("Retry now checks a connected backend again without blocking", "[gui]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    PanelWithManager p (localConfig (server.port()));
    p.manager->connect();
    REQUIRE (p.shows ("Connected"));

    server.setQueue (0, 4);
    click (p.panel.getRetryButton());
    REQUIRE (pumpUntil ([&] { return p.panel.getText (Field::queue).startsWith ("4 prompts"); }));
}

TEST_CASE ("the last check is described as an age people can read", "[gui]")
{
    const auto now = juce::Time::getCurrentTime();
    CHECK (StatusPanel::describeLastCheck (juce::Time(), now) == "never");
    CHECK (StatusPanel::describeLastCheck (now, now) == "just now");
    CHECK (StatusPanel::describeLastCheck (now - juce::RelativeTime::seconds (3), now) == "3 s ago");
    CHECK (StatusPanel::describeLastCheck (now - juce::RelativeTime::seconds (150), now) == "2 min ago");
    CHECK (StatusPanel::describeLastCheck (now - juce::RelativeTime::hours (1.5), now) == "1 h ago");
    CHECK (StatusPanel::describeLastCheck (now + juce::RelativeTime::seconds (5), now) == "just now");

    StatusPanel panel;
    comfybridge::ComfyUIStatus status;
    status.lastCheck = now - juce::RelativeTime::seconds (7);
    panel.setStatus (status);
    CHECK (panel.getText (Field::lastCheck) == "7 s ago");
}

TEST_CASE ("readiness rows say 'not checked yet' rather than guessing", "[gui]")
{
    StatusPanel panel;
    comfybridge::ComfyUIStatus status;
    status.available = true;
    status.state = ConnectionState::connected;
    panel.setStatus (status);
    CHECK (panel.getText (Field::cors) == "not checked yet");
    CHECK (panel.getText (Field::models) == "not checked yet");
    CHECK (panel.getText (Field::workflows) == "not checked yet");

    status.corsCheckEnabled = false;
    status.modelsReady = true;
    panel.setStatus (status);
    CHECK (panel.getText (Field::cors).startsWith ("not required"));
    CHECK (panel.getText (Field::models) == "ready");
}
