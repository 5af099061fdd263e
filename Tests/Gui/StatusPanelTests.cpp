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
namespace statustext = comfybridge::statustext;

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
    CHECK (statustext::age (juce::Time(), now) == "never");
    CHECK (statustext::age (now, now) == "just now");
    CHECK (statustext::age (now - juce::RelativeTime::seconds (3), now) == "3 s ago");
    CHECK (statustext::age (now - juce::RelativeTime::seconds (150), now) == "2 min ago");
    CHECK (statustext::age (now - juce::RelativeTime::hours (1.5), now) == "1 h ago");
    CHECK (statustext::age (now + juce::RelativeTime::seconds (5), now) == "just now");

    // The panel reads the clock itself: the age is taken from a reading just before, not
    // from the test's start (building the panel took over a second on a loaded machine).
    StatusPanel panel;
    comfybridge::ComfyUIStatus status;
    status.lastCheck = juce::Time::getCurrentTime() - juce::RelativeTime::seconds (7);
    panel.setStatus (status);
    CHECK (panel.getText (Field::lastCheck) == "7 s ago");
}

namespace
{
    /** A connected status with every readiness question answered "ready". */
    comfybridge::ComfyUIStatus readyStatus()
    {
        comfybridge::ComfyUIStatus status;
        status.available = true;
        status.state = ConnectionState::connected;
        status.url = "http://localhost:8188";
        status.corsEnabled = status.modelsReady = status.workflowsReady = true;
        status.corsCheck.checked = status.modelsCheck.checked = status.workflowsCheck.checked = true;
        return status;
    }

    /** A panel at the editor's size showing @p status. */
    struct ShownStatus
    {
        explicit ShownStatus (const comfybridge::ComfyUIStatus& status)
        {
            panel.setSize (760, 496);
            panel.setStatus (status);
        }

        StatusPanel panel;
    };

    const juce::String tick { juce::CharPointer_UTF8 ("\xe2\x9c\x93") };
}

TEST_CASE ("readiness rows say 'not checked yet', with the reason, until a check has answered", "[gui]")
{
    comfybridge::ComfyUIStatus status;
    status.available = true;
    status.state = ConnectionState::connected;
    status.modelsReady = true; // means nothing while modelsCheck.checked is false
    ShownStatus s (status);

    for (auto field : { Field::cors, Field::models, Field::workflows })
    {
        CHECK (s.panel.getText (field) == "not checked yet");
        CHECK (s.panel.getTextColour (field) == comfybridge::Palette::mutedText);
    }

    status.state = ConnectionState::unavailable;
    status.modelsCheck.reason = "backend unavailable";
    status.workflowsCheck.reason = "check switched off";
    s.panel.setStatus (status);
    CHECK (s.panel.getText (Field::models) == "not checked yet (backend unavailable)");
    CHECK (s.panel.getText (Field::workflows) == "not checked yet (check switched off)");
    CHECK_FALSE (s.panel.getText (Field::models).contains (tick));
}

TEST_CASE ("readiness rows show a green tick when ready", "[gui]")
{
    ShownStatus s (readyStatus());

    CHECK (s.panel.getText (Field::cors) == tick + " allowed");
    CHECK (s.panel.getText (Field::models) == tick + " ready");
    CHECK (s.panel.getText (Field::workflows) == tick + " ready");

    for (auto field : { Field::cors, Field::models, Field::workflows })
        CHECK (s.panel.getTextColour (field) == comfybridge::Palette::successText);

    CHECK (s.panel.getText (Field::summary).contains ("ready to generate"));
}

TEST_CASE ("readiness rows show not ready in amber with the reason", "[gui]")
{
    auto status = readyStatus();
    status.corsEnabled = false;
    status.corsCheck.reason = "ComfyUI refuses other origins: start it with --enable-cors-header";
    status.modelsReady = false;
    status.modelsCheck.reason = "the models folder cannot be listed";
    status.workflowsReady = false;
    status.workflowsCheck.reason = "object_info did not answer";
    ShownStatus s (status);

    CHECK (s.panel.getText (Field::cors) == status.corsCheck.reason);
    CHECK (s.panel.getText (Field::models) == status.modelsCheck.reason);
    CHECK (s.panel.getText (Field::workflows) == status.workflowsCheck.reason);

    for (auto field : { Field::cors, Field::models, Field::workflows })
    {
        CHECK (s.panel.getTextColour (field) == comfybridge::Palette::busy);
        CHECK_FALSE (s.panel.getText (field).contains (tick));
    }

    CHECK (s.panel.getTooltip (Field::cors).contains ("--enable-cors-header"));
}

TEST_CASE ("with the CORS check switched off the row says it is not required", "[gui]")
{
    auto status = readyStatus();
    status.corsCheckEnabled = false;
    status.corsEnabled = false;
    status.corsCheck = {};
    ShownStatus s (status);
    CHECK (s.panel.getText (Field::cors) == "not required (check off)");
}

TEST_CASE ("missing models are listed briefly, and all of them with their URLs in the tooltip", "[gui]")
{
    auto status = readyStatus();
    status.modelsReady = false;
    status.modelsCheck.reason = "4 model files are missing";
    status.missingModels = {
        { "txt2img", "checkpoints", "v1-5-pruned-emaonly-fp16.safetensors", "https://example.org/v1-5.safetensors" },
        { "img2img", "checkpoints", "v1-5-pruned-emaonly-fp16.safetensors", "https://example.org/v1-5.safetensors" },
        { "upscale", "upscale_models", "RealESRGAN_x4plus.pth", "https://example.org/esrgan.pth" },
        { "inpaint", "checkpoints", "sd-v1-5-inpainting.ckpt", "" },
        { "txt2img", "vae", "vae-ft-mse-840000-ema-pruned.safetensors", "https://example.org/vae.safetensors" }
    };
    ShownStatus s (status);

    const auto text = s.panel.getText (Field::models);
    INFO (text);
    CHECK (text.startsWith ("missing checkpoints/"));
    CHECK (text.contains ("(txt2img, img2img)")); // one file, every workflow that needs it
    CHECK (text.endsWith ("more"));
    CHECK ((text.contains ("and 2 more") || text.contains ("and 3 more")));
    CHECK (s.panel.getTextColour (Field::models) == comfybridge::Palette::busy);

    const auto tooltip = s.panel.getTooltip (Field::models);
    INFO (tooltip);
    for (const auto* expected : { "checkpoints/v1-5-pruned-emaonly-fp16.safetensors", "https://example.org/v1-5.safetensors",
                                  "upscale_models/RealESRGAN_x4plus.pth", "https://example.org/esrgan.pth",
                                  "checkpoints/sd-v1-5-inpainting.ckpt", "no download address known",
                                  "vae/vae-ft-mse-840000-ema-pruned.safetensors", "4 model files are missing" })
        CHECK (tooltip.contains (expected));

    // Narrower: still one line that ends with the count, names shortened if need be.
    s.panel.setSize (640, 396);
    const auto narrow = s.panel.getText (Field::models);
    INFO (narrow);
    CHECK (narrow.startsWith ("missing checkpoints/"));
    CHECK (narrow.endsWith ("more"));
}

TEST_CASE ("workflow problems show the first one per workflow, all in the tooltip", "[gui]")
{
    auto status = readyStatus();
    status.workflowsReady = false;
    status.workflowsCheck.reason = "2 workflows cannot run";
    status.workflowProblems = { { "txt2img", "sampler 'dpmpp_3m_sde' is not offered by KSampler" },
                                { "upscale", "node class UpscaleModelLoader is not installed" } };
    ShownStatus s (status);

    const auto text = s.panel.getText (Field::workflows);
    INFO (text);
    CHECK (text.startsWith ("txt2img: sampler"));
    CHECK (s.panel.getTooltip (Field::workflows).contains ("txt2img: sampler 'dpmpp_3m_sde' is not offered by KSampler"));
    CHECK (s.panel.getTooltip (Field::workflows).contains ("upscale: node class UpscaleModelLoader is not installed"));
    CHECK (s.panel.getTextColour (Field::workflows) == comfybridge::Palette::busy);
}

TEST_CASE ("activity and the port discovery note appear only while they say something", "[gui]")
{
    auto status = readyStatus();
    ShownStatus s (status);
    CHECK (s.panel.getText (Field::activity).isEmpty());
    CHECK (s.panel.getText (Field::discovery).isEmpty());

    status.activity = "downloading v1-5-pruned-emaonly.safetensors: 42 %";
    status.discoveryNote = "found ComfyUI on port 8188";
    s.panel.setStatus (status);
    CHECK (s.panel.getText (Field::activity) == status.activity);
    CHECK (s.panel.getText (Field::discovery) == "found ComfyUI on port 8188");
}

TEST_CASE ("latency, uptime and checks show the metrics of a status", "[gui]")
{
    auto status = readyStatus();
    ShownStatus s (status);
    CHECK (s.panel.getText (Field::latency) == dash);
    CHECK (s.panel.getText (Field::checks) == dash);

    status.metrics.lastLatencyMs = 12.3;
    status.metrics.medianLatencyMs = 10.0;
    status.metrics.connectedSince = juce::Time::getCurrentTime() - juce::RelativeTime::minutes (3.2);
    status.metrics.reconnectCount = 2;
    status.metrics.consecutiveFailures = 0;
    status.metrics.checksDone = 42;
    s.panel.setStatus (status);

    const juce::String dot { juce::CharPointer_UTF8 (" \xc2\xb7 ") };
    CHECK (s.panel.getText (Field::latency) == "last 12 ms" + dot + "median 10 ms");
    CHECK (s.panel.getText (Field::uptime) == "up 3 min" + dot + "2 reconnects");
    CHECK (s.panel.getText (Field::checks) == "42 done" + dot + "0 failures in a row");

    status.state = ConnectionState::unavailable;
    status.metrics.consecutiveFailures = 3;
    s.panel.setStatus (status);
    CHECK (s.panel.getText (Field::uptime).startsWith ("not connected"));
    CHECK (s.panel.getText (Field::checks).contains ("3 failures in a row"));
    CHECK (s.panel.getTextColour (Field::checks) == comfybridge::Palette::busy);

    CHECK (statustext::latency ({}, dot).isEmpty());
    CHECK (statustext::uptime (0.0).isEmpty());
    CHECK (statustext::uptime (0.4) == "just connected");
    CHECK (statustext::uptime (42.0) == "up 42 s");
    CHECK (statustext::uptime (2 * 3600 + 5 * 60) == "up 2 h 5 min");
    CHECK (statustext::uptime (3 * 86400 + 4 * 3600) == "up 3 d 4 h");
}

TEST_CASE ("the last error is prominent while unavailable and subdued once recovered", "[gui]")
{
    auto status = readyStatus();
    status.metrics.lastError = "connection refused at http://localhost:8188";
    status.metrics.lastErrorTime = juce::Time::getCurrentTime() - juce::RelativeTime::minutes (2.5);
    ShownStatus s (status);
    CHECK (s.panel.getText (Field::error) == "Last error 2 min ago: connection refused at http://localhost:8188");
    CHECK (s.panel.getTextColour (Field::error) == comfybridge::Palette::mutedText);

    status.state = ConnectionState::unavailable;
    status.available = false;
    status.errorMessage = "connection refused at http://localhost:8188. Is ComfyUI running?";
    s.panel.setStatus (status);
    CHECK (s.panel.getText (Field::error) == "Connection refused at http://localhost:8188. Is ComfyUI running?");
    CHECK (s.panel.getTextColour (Field::error) == comfybridge::Palette::errorText);
}

TEST_CASE ("metrics that move without a state change reach the panel through the change message", "[gui]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    PanelWithManager p (localConfig (server.port()));
    p.manager->connect();
    REQUIRE (p.shows ("Connected"));

    // Further checks change only the metrics: the manager's change message brings them
    // (the panel's timer only ages the "s ago" texts; it reads no metrics).
    for (int i = 0; i < 3; ++i)
        REQUIRE (ready (p.manager->checkHealth()));

    const auto checksDone = p.manager->getStatus().metrics.checksDone;
    REQUIRE (checksDone >= 4);
    REQUIRE (pumpUntil ([&] { return p.panel.getText (Field::checks).startsWith (juce::String (checksDone) + " done"); }, 3000));
    CHECK (p.panel.getText (Field::latency).startsWith ("last "));
    CHECK (pumpUntil ([&] { return p.panel.getText (Field::uptime).startsWith ("up "); }, 3000)); // "just connected" first
}
