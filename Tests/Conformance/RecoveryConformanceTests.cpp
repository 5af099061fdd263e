// Conformance: a real ComfyUI dies, hangs and comes back; the manager notices each.
// These need a server the tests start (COMFYUI_GIT_DIR): a user's own is never signalled.

#include "ConformanceSupport.h"

#include <iostream>

using namespace Conformance;
using comfybridge::ConnectionState;

namespace
{
    /** Resumes a SIGSTOPped server whatever happens in the test. */
    struct ResumeOnExit
    {
        RealComfyUI& server;
        ~ResumeOnExit() { server.resume(); }
    };

    double secondsSince (double startMs)
    {
        return (juce::Time::getMillisecondCounterHiRes() - startMs) / 1000.0;
    }
}

TEST_CASE ("conformance: a killed ComfyUI is unavailable quickly and available again after its restart", "[conformance][death]")
{
    CONFORMANCE_NEEDS_OWN_SERVER ("killing ComfyUI");
    auto& server = requireServer();

    comfybridge::ConnectionManager manager (configFor (server));
    REQUIRE (manager.connect().get().available);
    REQUIRE (TestSupport::pumpUntil ([&] { return manager.isLiveChannelOpen(); }, 10000));
    manager.startHealthMonitoring (1.0);
    manager.startBackgroundReconnection (0.5);

    const auto killedAt = juce::Time::getMillisecondCounterHiRes();
    REQUIRE (server.kill());
    REQUIRE (TestSupport::pumpUntil ([&] { return ! manager.isAvailable(); }, 15000));
    const auto noticed = secondsSince (killedAt);
    const auto status = manager.getStatus();
    CHECK ((status.state == ConnectionState::unavailable || status.state == ConnectionState::reconnecting));
    CHECK (status.errorMessage.has_value());

    const auto problem = server.restart();
    INFO (problem << "\n" << server.logTail());
    REQUIRE (problem.isEmpty());
    const auto restartedAt = juce::Time::getMillisecondCounterHiRes();
    REQUIRE (TestSupport::pumpUntil ([&] { return manager.isAvailable(); }, 20000));
    CHECK (manager.getStatus().state == ConnectionState::connected);
    CHECK (manager.getStatus().metrics.reconnectCount >= 1);
    REQUIRE (TestSupport::pumpUntil ([&] { return manager.isLiveChannelOpen(); }, 10000));

    std::cout << "conformance: death noticed after " << noticed << " s; back " << secondsSince (restartedAt)
              << " s after the restart (ComfyUI took " << server.lastStartupSeconds() << " s to start)" << std::endl;
}

TEST_CASE ("conformance: a hung ComfyUI is unavailable within the interval plus the probe timeout, and available once it resumes", "[conformance][hang]")
{
    CONFORMANCE_NEEDS_OWN_SERVER ("stopping ComfyUI with SIGSTOP");
    auto& server = requireServer();

    constexpr double interval = 0.5;
    auto config = configFor (server);
    config.probeTimeout = 1.0;
    comfybridge::ConnectionManager manager (config);
    REQUIRE (manager.connect().get().available);
    manager.startHealthMonitoring (interval);

    const auto hungAt = juce::Time::getMillisecondCounterHiRes();
    REQUIRE (server.hang());
    ResumeOnExit resumeOnExit { server };

    // A probe runs every interval; one failed probe of an up backend is retried once.
    // The wait is generous (a loaded machine); the measured time is printed, not asserted.
    REQUIRE (TestSupport::pumpUntil ([&] { return ! manager.isAvailable(); }, 15000));
    const auto noticed = secondsSince (hungAt);
    CHECK (manager.getStatus().errorMessage.value_or ("").isNotEmpty());

    REQUIRE (server.resume());
    const auto resumedAt = juce::Time::getMillisecondCounterHiRes();
    manager.startBackgroundReconnection (0.5);
    REQUIRE (TestSupport::pumpUntil ([&] { return manager.isAvailable(); }, 15000));
    CHECK (manager.getStatus().state == ConnectionState::connected);

    std::cout << "conformance: hang noticed after " << noticed << " s (interval " << interval << " s, probe timeout "
              << config.probeTimeout << " s); available again " << secondsSince (resumedAt) << " s after SIGCONT" << std::endl;
}

TEST_CASE ("conformance: at default settings a killed, a hung and a restarted ComfyUI are each seen promptly", "[conformance][defaults]")
{
    CONFORMANCE_NEEDS_OWN_SERVER ("killing and stopping ComfyUI");
    auto& server = requireServer();

    // Default settings: probe timeout 3 s, monitoring every 5 s, reconnection capped at 10 s.
    comfybridge::ComfyUIConfig config;
    config.host = server.host();
    config.port = server.port();
    config.discoverPort = false; // never find some other ComfyUI on this machine
    comfybridge::ConnectionManager manager (config);
    manager.startHealthMonitoring();
    manager.startBackgroundReconnection();
    REQUIRE (manager.connect().get().available);
    REQUIRE (TestSupport::pumpUntil ([&] { return manager.isLiveChannelOpen(); }, 10000));

    // Hang: the open live channel's unanswered ping shows it (bound: interval + probe timeout, generously doubled).
    const auto hungAt = juce::Time::getMillisecondCounterHiRes();
    REQUIRE (server.hang());
    {
        ResumeOnExit resumeOnExit { server };
        REQUIRE (TestSupport::pumpUntil ([&] { return ! manager.isAvailable(); }, 16000));
    }
    const auto hangNoticed = secondsSince (hungAt);
    const auto resumedAt = juce::Time::getMillisecondCounterHiRes();
    REQUIRE (TestSupport::pumpUntil ([&] { return manager.isAvailable(); }, 10000));
    const auto backAfterResume = secondsSince (resumedAt);
    REQUIRE (TestSupport::pumpUntil ([&] { return manager.isLiveChannelOpen(); }, 10000));

    // Kill: the live channel closes.
    const auto killedAt = juce::Time::getMillisecondCounterHiRes();
    REQUIRE (server.kill());
    REQUIRE (TestSupport::pumpUntil ([&] { return ! manager.isAvailable(); }, 10000));
    const auto deathNoticed = secondsSince (killedAt);
    CHECK (manager.getStatus().state == ConnectionState::reconnecting);

    // Restart: a loopback server is tried at a fast cadence, whatever the reconnect interval.
    const auto problem = server.restart();
    INFO (problem << "\n" << server.logTail());
    REQUIRE (problem.isEmpty());
    const auto restartedAt = juce::Time::getMillisecondCounterHiRes();
    REQUIRE (TestSupport::pumpUntil ([&] { return manager.isAvailable(); }, 10000));
    const auto backAfterRestart = secondsSince (restartedAt);
    CHECK (manager.getStatus().state == ConnectionState::connected);

    std::cout << "conformance (defaults): hang noticed after " << hangNoticed << " s (target <= 8 s); back "
              << backAfterResume << " s after SIGCONT; death noticed after " << deathNoticed
              << " s (target <= 0.25 s); back " << backAfterRestart << " s after the restart answered (target <= 1 s)" << std::endl;
}
