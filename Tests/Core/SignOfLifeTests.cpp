// Issue 12: any sign of life from a backend thought down probes it at once,
// rather than at the next tick of monitoring or reconnection.

#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include "Support/TestUtilities.h"

#include <thread>

using namespace TestSupport;
using namespace std::chrono_literals;
using comfybridge::ConnectionManager;
using TestHelpers::FakeComfyUI;

namespace
{
    bool isStatsProbe (const TestHelpers::Request& r)
    {
        return r.path == "/api/system_stats" || r.path == "/system_stats";
    }

    int countStatsProbes (const FakeComfyUI& server)
    {
        const auto requests = server.requests();
        return (int) std::count_if (requests.begin(), requests.end(), isStatsProbe);
    }
}

TEST_CASE ("a WebSocket frame from a backend thought down probes it at once, not at the next tick", "[connection-lanes][sign-of-life]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);
    REQUIRE (waitUntil ([&] { return manager.isLiveChannelOpen(); }, 10000));
    REQUIRE (server.waitForWsClient ("", 5000));

    // The frames the server sends on connect must be handled before the backend is thought
    // down: one handled late is itself a sign of life (seen once under load). Frames arrive in
    // order, so a marked one being handled shows the earlier ones were.
    REQUIRE (server.broadcast (R"({"type":"status","data":{"status":{"exec_info":{"queue_remaining":7}}}})") >= 1);
    REQUIRE (waitUntil ([&] { return manager.getStatus().queueSize == 7; }, 5000));

    // Its HTTP side fails for a moment: a check says unavailable, the live channel stays open.
    for (auto path : { "/system_stats", "/api/system_stats" })
        server.setRoute ("GET", path, [] (const TestHelpers::Request&) { return TestHelpers::Response::text (500, "500 Internal Server Error"); });

    REQUIRE_FALSE (manager.checkHealth().get().available);
    REQUIRE (manager.isLiveChannelOpen());

    // Monitoring every 30 s: without a sign of life, the next probe is 30 s away.
    manager.startHealthMonitoring (30.0);
    server.resetRoutes();
    // Time passing is the point: nothing probes on its own within this window.
    std::this_thread::sleep_for (300ms);
    CHECK_FALSE (manager.getStatus().available);
    const auto probesBefore = countStatsProbes (server);

    REQUIRE (server.broadcast (R"({"type":"status","data":{"status":{"exec_info":{"queue_remaining":0}}}})") >= 1);

    CHECK (waitUntil ([&] { return manager.isAvailable(); }, 10000)); // long before the 30 s tick
    CHECK (countStatsProbes (server) > probesBefore);
}

TEST_CASE ("a lost remote backend is seen back through an accepted live channel, long before the next probe", "[connection-lanes][sign-of-life]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    // 127.0.0.1 written so that it is not taken for a loopback host: the remote-host rules apply.
    auto config = localConfig (server.port());
    config.host = "127.1";
    REQUIRE (config.validate().isEmpty());
    REQUIRE_FALSE (config.isLoopbackHost());

    ConnectionManager manager (config);
    manager.setDiscoveryCandidatePorts ({ server.port() });
    REQUIRE (manager.connect().get().available);

    server.stop();
    REQUIRE_FALSE (manager.checkHealth().get().available);

    // Monitoring every 30 s, no reconnection: a probe would come only in 30 s.
    manager.startHealthMonitoring (30.0);
    // The server returns after the lane has settled into waiting (its first probe is 30 s away).
    std::this_thread::sleep_for (200ms);
    server.clearRequests();
    REQUIRE (server.restart());

    CHECK (waitUntil ([&] { return manager.isAvailable(); }, 10000));

    // In that order: the live channel's try was accepted, and that probed the server.
    const auto requests = server.requests();
    const auto firstChannel = std::find_if (requests.begin(), requests.end(), [] (const auto& r) { return r.path == "/ws"; });
    const auto firstProbe = std::find_if (requests.begin(), requests.end(), isStatsProbe);
    REQUIRE (firstChannel != requests.end());
    REQUIRE (firstProbe != requests.end());
    CHECK (firstChannel < firstProbe);
}
