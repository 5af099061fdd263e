#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Plugin/PluginTestSupport.h"

#include <thread>

using namespace TestSupport;
using namespace PluginTestSupport;
using comfybridge::ConnectionState;
using comfybridge::MainView;
using comfybridge::SharedConnectionManagers;
using Field = comfybridge::StatusPanel::Field;

namespace
{
    void fillWithNoise (juce::AudioBuffer<float>& buffer, int seed)
    {
        juce::Random random (seed);
        for (int ch = 0; ch < buffer.getNumChannels(); ++ch)
            for (int i = 0; i < buffer.getNumSamples(); ++i)
                buffer.setSample (ch, i, random.nextFloat() * 2.0f - 1.0f);
    }

    bool bitExact (const juce::AudioBuffer<float>& a, const juce::AudioBuffer<float>& b)
    {
        for (int ch = 0; ch < a.getNumChannels(); ++ch)
            if (std::memcmp (a.getReadPointer (ch), b.getReadPointer (ch), sizeof (float) * (size_t) a.getNumSamples()) != 0)
                return false;

        return true;
    }

    int liveManagers() { return SharedConnectionManagers::getInstance().getNumLiveManagers(); }
}

TEST_CASE ("constructing the processor does no network I/O", "[plugin]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());

    const auto before = liveManagers();
    std::unique_ptr<IsolatedProcessor> p;
    const auto constructMs = millisecondsFor ([&] { p = std::make_unique<IsolatedProcessor> (localConfig (server.port())); });
    INFO ("constructing took " << constructMs << " ms");
    REQUIRE (p->processor.getConfig().port == server.port());

    pumpFor (300);
    CHECK (server.requestCount() == 0);
    CHECK (p->processor.getConnectionManager() == nullptr);
    CHECK (liveManagers() == before);
    CHECK_FALSE (p->processor.isBackendAvailable());
}

TEST_CASE ("the connection starts with prepareToPlay and keeps watching the backend", "[plugin]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    IsolatedProcessor p (localConfig (server.port()));

    p.processor.prepareToPlay (48000.0, 256);
    auto manager = p.processor.getConnectionManager();
    REQUIRE (manager != nullptr);
    CHECK (manager->isMonitoring());
    CHECK (manager->isReconnectionEnabled());

    REQUIRE (pumpUntil ([&] { return p.processor.isBackendAvailable(); }));
    CHECK (server.requestCount() > 0);

    // prepareToPlay again (new sample rate) neither reconnects nor swaps managers. A
    // reconnection would show as a probe or a new live channel; the readiness checks that
    // follow the first connection run on their own lane and may still be arriving.
    const auto connectsSoFar = [&server]
    {
        int count = 0;
        for (const auto& request : server.requests())
        {
            const juce::String path (request.path);
            count += (request.method == "GET" && (path.endsWith ("/system_stats") || path.endsWith ("/ws"))) ? 1 : 0;
        }
        return count;
    };
    const auto connects = connectsSoFar();
    p.processor.prepareToPlay (96000.0, 512);
    CHECK (p.processor.getConnectionManager() == manager);
    CHECK (manager->getStatus().state == ConnectionState::connected);
    pumpFor (200);
    CHECK (connectsSoFar() - connects <= 1); // at most the 5 s health check, should it fall due now

    // The audio-thread flag follows the manager's status.
    server.stop();
    manager->checkHealth();
    REQUIRE (pumpUntil ([&] { return ! p.processor.isBackendAvailable(); }));
}

TEST_CASE ("prepareToPlay off the message thread starts the connection on the message thread", "[plugin]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    IsolatedProcessor p (localConfig (server.port()));

    std::thread host ([&] { p.processor.prepareToPlay (44100.0, 128); });
    host.join();

    REQUIRE (pumpUntil ([&] { return p.processor.getConnectionManager() != nullptr; }));
    REQUIRE (pumpUntil ([&] { return p.processor.isBackendAvailable(); }));
}

TEST_CASE ("opening the editor starts the connection", "[plugin]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    IsolatedProcessor p (localConfig (server.port()));

    {
        // An editor made and dropped at once (JUCE's LV2 helper does this at build time) starts nothing.
        OpenEditor dropped (p.processor);
    }
    pumpFor (50);
    CHECK (p.processor.getConnectionManager() == nullptr);
    CHECK (server.requestCount() == 0);

    OpenEditor editor (p.processor);
    REQUIRE (pumpUntil ([&] { return p.processor.getConnectionManager() != nullptr; }));
    CHECK (editor->getStatusPanel().getConnectionManager() == p.processor.getConnectionManager().get());
    REQUIRE (pumpUntil ([&] { return editor->getStatusPanel().getText (Field::state) == "Connected"; }));
    CHECK (editor->getMainView().getStatusBadge().getText().startsWith ("Connected"));
}

TEST_CASE ("instances with the same config share one manager and the last one out shuts it down", "[plugin]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    const auto config = localConfig (server.port());
    const auto before = liveManagers();

    {
        IsolatedProcessor a (config), b (config);
        a.processor.prepareToPlay (48000.0, 256);
        b.processor.prepareToPlay (48000.0, 256);

        CHECK (a.processor.getConnectionManager() == b.processor.getConnectionManager());
        CHECK (liveManagers() == before + 1);

        // Another config gets its own manager; the old one stays for b.
        auto other = config;
        other.timeout = 3.0;
        REQUIRE (a.processor.setConfig (other).isEmpty());
        CHECK (a.processor.getConnectionManager() != b.processor.getConnectionManager());
        CHECK (a.processor.getConnectionManager()->getConfig() == other);
        CHECK (liveManagers() == before + 2);

        // a's manager still connects: the switch restarts the connection.
        REQUIRE (pumpUntil ([&] { return a.processor.isBackendAvailable(); }));
    }

    CHECK (liveManagers() == before);
}

TEST_CASE ("setConfig refuses an invalid config without touching the connection", "[plugin]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    IsolatedProcessor p (localConfig (server.port()));
    p.processor.prepareToPlay (48000.0, 64);
    const auto manager = p.processor.getConnectionManager();

    auto bad = p.processor.getConfig();
    bad.port = 0;
    CHECK_FALSE (p.processor.setConfig (bad).isEmpty());
    CHECK (p.processor.getConnectionManager() == manager);
    CHECK (p.processor.getConfig().port == server.port());
}

TEST_CASE ("audio stays bit-exact while the manager connects, hangs and fails", "[plugin]")
{
    TestHelpers::FakeComfyUI hung;
    REQUIRE (hung.start());
    hung.setHang (true);

    for (const auto port : { hung.port(), TestHelpers::closedPort() })
    {
        IsolatedProcessor p (localConfig (port, 1.0));
        p.processor.setPlayConfigDetails (2, 2, 48000.0, 128);
        p.processor.prepareToPlay (48000.0, 128);
        REQUIRE (p.processor.getConnectionManager() != nullptr);

        juce::MidiBuffer midi;
        int blocks = 0;
        bool allExact = true;
        const auto deadline = juce::Time::getMillisecondCounterHiRes() + 1500.0;

        // Keep processing (and pumping the message thread, where status changes land)
        // for as long as the connection is going through its states.
        while (juce::Time::getMillisecondCounterHiRes() < deadline)
        {
            juce::AudioBuffer<float> buffer (2, 128);
            fillWithNoise (buffer, blocks);
            const juce::AudioBuffer<float> expected (buffer);
            p.processor.processBlock (buffer, midi);
            allExact = allExact && bitExact (buffer, expected);
            ++blocks;

            if (blocks % 16 == 0)
                pumpFor (1);
        }

        INFO (blocks << " blocks; final state " << comfybridge::toString (p.processor.getConnectionManager()->getStatus().state));
        CHECK (allExact);
        CHECK (blocks > 100);
        CHECK_FALSE (p.processor.isBackendAvailable());
        p.processor.releaseResources();
    }

    hung.setHang (false);
}

TEST_CASE ("the editor opens and closes 20 times quickly while the backend hangs", "[plugin]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    server.setHang (true);
    auto p = std::make_unique<IsolatedProcessor> (localConfig (server.port(), 5.0));

    double slowestMs = 0.0;
    const auto totalMs = millisecondsFor ([&]
    {
        for (int i = 0; i < 20; ++i)
        {
            const auto ms = millisecondsFor ([&]
            {
                OpenEditor editor (p->processor);
                REQUIRE (editor.editor != nullptr);
                pumpFor (2); // let the status arrive while it is open
            });
            slowestMs = juce::jmax (slowestMs, ms);
        }
    });

    const auto state = p->processor.getConnectionManager()->getStatus().state;
    INFO ("20 open/close cycles: " << totalMs << " ms in total (each includes a 2 ms message pump), slowest " << slowestMs
                                   << " ms; connection state " << comfybridge::toString (state));
    CHECK (totalMs < 2000.0);
    CHECK (state != ConnectionState::connected);

    const auto shutdownMs = millisecondsFor ([&] { p.reset(); });
    INFO ("destroying the processor (the last holder of a manager with a hung request) took " << shutdownMs << " ms");
    CHECK (shutdownMs < 2000.0);
    server.setHang (false);
}

TEST_CASE ("applying preferences in the editor reconfigures the processor and the status follows", "[plugin]")
{
    TestHelpers::FakeComfyUI first, second;
    REQUIRE (first.start());
    REQUIRE (second.start());
    second.setQueue (0, 2);

    IsolatedProcessor p (localConfig (first.port()));
    OpenEditor editor (p.processor);
    auto& status = editor->getStatusPanel();
    REQUIRE (pumpUntil ([&] { return status.getText (Field::state) == "Connected"; }));

    auto& preferences = editor->getMainView().getPreferencesPanel();
    preferences.getTextField ("port")->setText (juce::String (second.port()), true);
    REQUIRE (pumpUntil ([&] { return preferences.getApplyButton().isEnabled(); }));
    REQUIRE (preferences.apply());

    CHECK (p.processor.getConfig().port == second.port());
    CHECK (status.getConnectionManager() == p.processor.getConnectionManager().get());
    REQUIRE (pumpUntil ([&] { return status.getText (Field::queue).startsWith ("2 prompts"); }));
    CHECK (status.getText (Field::url).endsWith (":" + juce::String (second.port())));
}

TEST_CASE ("the state keeps generation settings and the editor page, and the editor restores them", "[plugin]")
{
    IsolatedProcessor source;
    comfybridge::GenerationView::Settings settings;
    settings.workflowName = "empty_image";
    settings.prompt = "a quiet harbour";
    settings.seed = 77;
    settings.width = 640;
    settings.height = 360;
    source.processor.setGenerationSettings (settings);
    source.processor.setEditorPage (2);

    juce::MemoryBlock state;
    source.processor.getStateInformation (state);
    const auto xml = juce::AudioProcessor::getXmlFromBinary (state.getData(), (int) state.getSize())->toString();
    CHECK_FALSE (xml.containsIgnoreCase ("token"));

    IsolatedProcessor target;
    target.processor.setStateInformation (state.getData(), (int) state.getSize());
    CHECK (target.processor.getLastStateProblems().isEmpty());
    CHECK (target.processor.getGenerationSettings() == settings);
    CHECK (target.processor.getEditorPage() == 2);

    OpenEditor editor (target.processor);
    CHECK (editor->getMainView().getCurrentPage() == MainView::Page::preferences);
    CHECK (editor->getMainView().getGenerationView().getSettings() == settings);

    editor->getMainView().getGenerationView().getPromptEditor().setText ("a busy harbour", true);
    REQUIRE (pumpUntil ([&] { return target.processor.getGenerationSettings().prompt == "a busy harbour"; }));
}

TEST_CASE ("the state keeps only the generation values the user edited; the editor shows the workflow's own for the rest", "[plugin]")
{
    IsolatedProcessor source;
    {
        OpenEditor editor (source.processor);
        auto& view = editor->getMainView().getGenerationView();
        view.getWorkflowBox().setSelectedItemIndex (1, juce::sendNotificationSync);
        REQUIRE (view.getSettings().workflowName == "empty_image");
        view.getHeightEditor().setText ("360", true);
        REQUIRE (pumpUntil ([&] { return source.processor.getGenerationSettings().height == 360; }));
    }

    juce::MemoryBlock state;
    source.processor.getStateInformation (state);
    const auto xml = juce::AudioProcessor::getXmlFromBinary (state.getData(), (int) state.getSize());
    REQUIRE (xml != nullptr);
    const auto generation = juce::ValueTree::fromXml (*xml).getChildWithName (comfybridge::GenerationView::Settings::treeType);
    CHECK (generation.getProperty ("height").toString() == "360");
    CHECK_FALSE (generation.hasProperty ("width"));
    CHECK_FALSE (generation.hasProperty ("seed"));
    CHECK_FALSE (generation.hasProperty ("prompt"));

    IsolatedProcessor target;
    target.processor.setStateInformation (state.getData(), (int) state.getSize());
    CHECK (target.processor.getGenerationSettings() == source.processor.getGenerationSettings());

    OpenEditor editor (target.processor);
    auto& view = editor->getMainView().getGenerationView();
    CHECK (view.getWidthEditor().getText() == "512"); // empty_image's own
    CHECK (view.getHeightEditor().getText() == "360");
    CHECK (view.getSettings() == source.processor.getGenerationSettings());
}

TEST_CASE ("the editor remembers a size the user chooses", "[plugin]")
{
    IsolatedProcessor p;
    {
        OpenEditor editor (p.processor);
        CHECK (editor->getWidth() == ComfyBridgeProcessor::defaultWidth);
        CHECK (editor->getHeight() == ComfyBridgeProcessor::defaultHeight);
        editor->setSize (900, 600);
    }

    CHECK (p.processor.getEditorSize() == juce::Point<int> (900, 600));
    OpenEditor again (p.processor);
    CHECK (again->getWidth() == 900);
    CHECK (again->getHeight() == 600);
}

TEST_CASE ("a generation started in the editor survives closing and reopening it", "[plugin]")
{
    IsolatedProcessor p (localConfig (TestHelpers::closedPort()));
    {
        OpenEditor editor (p.processor);
        auto& generation = editor->getMainView().getGenerationView();
        generation.getPromptEditor().setText ("kept", false);
        REQUIRE (generation.generate());
    }

    REQUIRE (p.processor.getLastGenerationJob() != nullptr);
    OpenEditor editor (p.processor);
    auto& generation = editor->getMainView().getGenerationView();
    REQUIRE (pumpUntil ([&] { return generation.getResult().has_value(); }));
    CHECK (generation.getResult()->outcome == comfybridge::GenerationOutcome::placeholder);
    CHECK (generation.getImageView().isShowingPlaceholder());
}

TEST_CASE ("a user's Disconnect stays in force when the editor is reopened or audio restarts", "[plugin]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    IsolatedProcessor p (localConfig (server.port()));
    {
        OpenEditor editor (p.processor);
        auto& status = editor->getStatusPanel();
        REQUIRE (pumpUntil ([&] { return status.getText (Field::state) == "Connected"; }));
        status.getDisconnectButton().triggerClick();
        REQUIRE (pumpUntil ([&] { return status.getText (Field::state) == "Disconnected"; }));
    }

    p.processor.prepareToPlay (48000.0, 256);
    OpenEditor editor (p.processor);
    pumpFor (100);
    CHECK (p.processor.getConnectionManager()->getStatus().state == ConnectionState::disconnected);
    CHECK (editor->getStatusPanel().getConnectButton().isEnabled());
    CHECK_FALSE (p.processor.isBackendAvailable());
}

TEST_CASE ("a host may prepare, restore and destroy the processor on its own threads", "[plugin]")
{
    // LV2 hosts on Linux call in from their own threads while JUCE runs a separate
    // message thread. Work posted to the message thread must never reach a
    // processor that is gone, and a manager let go of elsewhere is released there.
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    const auto before = liveManagers();

    SECTION ("work posted by a host thread is dropped when the processor is destroyed first")
    {
        auto p = std::make_unique<IsolatedProcessor> (localConfig (server.port()));
        juce::MemoryBlock state;
        p->processor.getStateInformation (state);

        std::thread host ([&]
        {
            p->processor.prepareToPlay (48000.0, 256);
            p->processor.setStateInformation (state.getData(), (int) state.getSize());
            p.reset(); // destroyed before the message thread got to the posted work
        });
        host.join();

        pumpFor (200);
        CHECK (liveManagers() == before);
        CHECK (server.requestCount() == 0);
    }

    SECTION ("a processor destroyed on a host thread releases its manager on the message thread")
    {
        auto p = std::make_unique<IsolatedProcessor> (localConfig (server.port()));
        p->processor.prepareToPlay (48000.0, 256);
        REQUIRE (pumpUntil ([&] { return p->processor.isBackendAvailable(); }));
        REQUIRE (liveManagers() == before + 1);

        std::thread host ([&] { p.reset(); });
        host.join();

        REQUIRE (pumpUntil ([&] { return liveManagers() == before; }));
    }
}

TEST_CASE ("a project state restored while the editor is open shows up in it", "[plugin]")
{
    IsolatedProcessor source;
    comfybridge::GenerationView::Settings settings;
    settings.prompt = "from the project";
    settings.seed = 5;
    source.processor.setGenerationSettings (settings);
    // A port nothing listens on: the target connects once its editor shows the restored config.
    const auto config = localConfig (TestHelpers::closedPort());
    REQUIRE (source.processor.setConfig (config).isEmpty());
    juce::MemoryBlock state;
    source.processor.getStateInformation (state);

    IsolatedProcessor target;
    OpenEditor editor (target.processor);
    auto& view = editor->getMainView();
    view.getGenerationView().getPromptEditor().setText ("typed before the restore", true);
    pumpFor (50);

    target.processor.setStateInformation (state.getData(), (int) state.getSize());
    CHECK (view.getGenerationView().getSettings().prompt == "from the project");
    CHECK (view.getPreferencesPanel().getTextField ("port")->getText() == juce::String (config.port));
}
