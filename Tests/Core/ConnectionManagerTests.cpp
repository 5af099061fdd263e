#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include <thread>
#include "Support/TestUtilities.h"

using namespace TestSupport;
using comfybridge::ConnectionManager;
using comfybridge::ConnectionState;
using TestHelpers::FakeComfyUI;

TEST_CASE ("constructing a manager does no I/O and starts no thread", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    const auto threadsBefore = threadCount();

    ConnectionManager manager (localConfig (server.port()));
    CHECK (threadCount() == threadsBefore);
    CHECK (server.requestCount() == 0);
    CHECK (manager.getStatus().state == ConnectionState::disconnected);
    CHECK_FALSE (manager.isAvailable());
    CHECK (manager.getStatus().url == juce::String (server.baseUrl()));
}

TEST_CASE ("connect reaches a ComfyUI and reports version and queue", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    server.setQueue (1, 2);

    ConnectionManager manager (localConfig (server.port()));
    auto future = manager.connect();
    REQUIRE (ready (future));
    const auto status = future.get();

    CHECK (status.available);
    CHECK (status.state == ConnectionState::connected);
    CHECK (status.version == juce::String ("0.3.64"));
    CHECK (status.queueSize == 3);
    CHECK_FALSE (status.errorMessage.has_value());
    CHECK (status.lastCheck.toMilliseconds() > 0);
    CHECK (manager.isAvailable());
    CHECK_FALSE (manager.shouldUseFallback());
}

TEST_CASE ("connect returns at once even when the server hangs", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    server.setHang (true);

    ConnectionManager manager (localConfig (server.port(), 5.0));
    std::shared_future<comfybridge::ComfyUIStatus> future;
    const auto ms = millisecondsFor ([&] { future = manager.connect(); });
    CHECK (ms < 50.0);
    CHECK (future.wait_for (std::chrono::milliseconds (0)) == std::future_status::timeout);
    CHECK (manager.getStatus().state == ConnectionState::connecting);
    manager.disconnect();
    REQUIRE (ready (future, 1000));
}

TEST_CASE ("old servers without the /api prefix are recognised through the legacy paths", "[manager]")
{
    FakeComfyUI server;
    server.setLegacy (true);
    REQUIRE (server.start());

    ConnectionManager manager (localConfig (server.port()));
    const auto status = manager.connect().get();
    CHECK (status.available);
    CHECK_FALSE (status.version.has_value()); // servers of that age did not report one

    bool usedLegacy = false;
    for (const auto& r : server.requests())
        usedLegacy = usedLegacy || r.path == "/system_stats";
    CHECK (usedLegacy);
}

TEST_CASE ("ordinary requests carry no Origin header", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);
    REQUIRE (server.requestCount() > 0);

    for (const auto& r : server.requests())
    {
        // The readiness check that follows a connection sends the one request that
        // must carry an Origin: the CORS probe (OPTIONS). It may already have run.
        if (r.method == "OPTIONS")
            continue;

        CHECK_FALSE (r.hasHeader ("Origin"));
        CHECK_FALSE (r.hasHeader ("Sec-Fetch-Site"));
    }
}

TEST_CASE ("connect tries 1 + max_retries times against a refusing port, then reports it", "[manager]")
{
    const auto port = TestHelpers::closedPort();
    auto config = localConfig (port, 1.0, 2);
    ConnectionManager manager (config);
    const auto status = manager.connect().get();

    CHECK_FALSE (status.available);
    CHECK (status.state == ConnectionState::unavailable);
    REQUIRE (status.errorMessage.has_value());
    CHECK (status.errorMessage->contains ("connection refused"));
    CHECK (status.errorMessage->contains (juce::String (port)));
    CHECK (manager.shouldUseFallback());
}

TEST_CASE ("retries count exactly 1 + max_retries requests to a failing server", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    std::atomic<int> statsRequests { 0 };
    server.setRoute ("GET", "/api/system_stats", [&] (const TestHelpers::Request&)
    {
        ++statsRequests;
        return TestHelpers::Response::text (500, "500 Internal Server Error");
    });

    ConnectionManager manager (localConfig (server.port(), 1.0, 3));
    const auto status = manager.connect().get();
    CHECK_FALSE (status.available);
    CHECK (statsRequests == 4);
    CHECK (status.errorMessage->contains ("HTTP 500"));
}

TEST_CASE ("a server that is not ComfyUI is not retried", "[manager]")
{
    auto server = TestHelpers::MisbehavingServers::htmlPage();
    REQUIRE (server != nullptr);

    ConnectionManager manager (localConfig (server->port(), 1.0, 5));
    const auto status = manager.connect().get();
    CHECK_FALSE (status.available);
    CHECK (status.errorMessage->startsWith ("not a ComfyUI server at " + juce::String (server->baseUrl())));
    CHECK (server->requestCount() == 1);
}

TEST_CASE ("checkHealth updates the status without a connect", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));

    auto status = manager.checkHealth().get();
    CHECK (status.available);
    CHECK (status.state == ConnectionState::connected);

    server.setQueue (0, 4);
    status = manager.checkHealth().get();
    CHECK (status.queueSize == 4);
}

TEST_CASE ("health monitoring notices a dead backend and a returning one", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);

    manager.startHealthMonitoring (0.1);
    server.stop();
    REQUIRE (pumpUntil ([&] { return ! manager.isAvailable(); }));
    CHECK (manager.getStatus().state == ConnectionState::unavailable);
    // Refused, or (when the check races the server's shutdown) cut off mid-answer.
    const auto error = manager.getStatus().errorMessage.value_or ("");
    CHECK ((error.contains ("refused") || error.contains ("closed before the answer was complete")));

    REQUIRE (server.restart());
    REQUIRE (pumpUntil ([&] { return manager.isAvailable(); }));
    CHECK (manager.getStatus().state == ConnectionState::connected);
}

TEST_CASE ("monitoring probes never pile up on a slow backend", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);

    // Each probe takes ~300 ms while the interval is 50 ms: probes must still run one at a time.
    std::atomic<int> inFlight { 0 }, maxInFlight { 0 }, probes { 0 };
    server.setRoute ("GET", "/api/system_stats", [&] (const TestHelpers::Request&)
    {
        maxInFlight = std::max (maxInFlight.load(), ++inFlight);
        ++probes;
        std::this_thread::sleep_for (std::chrono::milliseconds (300));
        --inFlight;
        return FakeComfyUI::jsonResponse (server.systemStats());
    });

    manager.startHealthMonitoring (0.05);
    REQUIRE (pumpUntil ([&] { return probes >= 3; }));
    manager.stopHealthMonitoring();
    CHECK (maxInFlight == 1);
}

TEST_CASE ("one failed probe of an up backend is retried before it is declared down", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    std::atomic<int> failuresLeft { 0 };
    server.setRoute ("GET", "/api/system_stats", [&] (const TestHelpers::Request& request)
    {
        if (failuresLeft > 0)
        {
            --failuresLeft;
            return TestHelpers::Response::text (500, "boom");
        }
        (void) request;
        return FakeComfyUI::jsonResponse (server.systemStats());
    });

    ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);

    std::vector<ConnectionState> seen;
    manager.registerStatusCallback ([&] (const comfybridge::ComfyUIStatus& s) { seen.push_back (s.state); });

    failuresLeft = 1;
    manager.startHealthMonitoring (0.05);
    REQUIRE (pumpUntil ([&] { return failuresLeft == 0; }));
    pumpFor (300);
    CHECK (manager.isAvailable());
    CHECK (std::find (seen.begin(), seen.end(), ConnectionState::unavailable) == seen.end());

    failuresLeft = 2;
    REQUIRE (pumpUntil ([&] { return ! manager.isAvailable(); }));
}

TEST_CASE ("background reconnection brings a lost backend back", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    const auto port = server.port();
    server.stop();

    ConnectionManager manager (localConfig (port));
    REQUIRE_FALSE (manager.connect().get().available);

    manager.startBackgroundReconnection (0.1);
    CHECK (manager.getStatus().state == ConnectionState::reconnecting);

    REQUIRE (server.start (port));
    REQUIRE (pumpUntil ([&] { return manager.isAvailable(); }));
    CHECK (manager.getStatus().state == ConnectionState::connected);

    // Idle while connected: no reconnection tries (probes: GET system_stats) hit the server.
    // The live channel's one /ws upgrade and the readiness checks that follow a connection
    // (they run on their own lane and may arrive a little later) are not reconnection tries.
    REQUIRE (server.waitForWsClient ("", 5000));
    server.clearRequests();
    pumpFor (400);
    int probes = 0;
    juce::String seen;
    for (const auto& request : server.requests())
    {
        seen << request.method << " " << request.target << "\n";
        probes += request.method == "GET" && juce::String (request.path).endsWith ("/system_stats") ? 1 : 0;
    }
    INFO (seen);
    CHECK (probes == 0);

    manager.stopBackgroundReconnection();
    CHECK_FALSE (manager.isReconnectionEnabled());
}

TEST_CASE ("reconnection resumes when a monitored connection is lost", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);
    manager.startHealthMonitoring (0.05);
    manager.startBackgroundReconnection (0.1);

    server.stop();
    REQUIRE (pumpUntil ([&] { return manager.getStatus().state == ConnectionState::reconnecting; }));
    REQUIRE (server.restart());
    REQUIRE (pumpUntil ([&] { return manager.isAvailable(); }));
}

TEST_CASE ("fallback API names the URL, the cause and the consequence", "[manager][fallback]")
{
    const auto port = TestHelpers::closedPort();
    auto config = localConfig (port);

    for (auto mode : { comfybridge::FallbackMode::placeholder, comfybridge::FallbackMode::skip, comfybridge::FallbackMode::abort })
    {
        config.fallbackMode = mode;
        ConnectionManager manager (config);
        REQUIRE_FALSE (manager.connect().get().available);
        CHECK (manager.shouldUseFallback());
        CHECK (manager.getFallbackMode() == mode);

        const auto warning = manager.triggerFallbackWarning();
        CHECK (warning.contains ("http://127.0.0.1:" + juce::String (port)));
        CHECK (warning.contains ("refused"));
        CHECK (warning.contains ("'" + comfybridge::toString (mode) + "'"));
    }
}

TEST_CASE ("setConfig rejects invalid configs whole and keeps the old one", "[manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    const auto good = localConfig (server.port());
    ConnectionManager manager (good);
    REQUIRE (manager.connect().get().available);
    const auto before = manager.getStatus();

    auto bad = good;
    bad.port = 0;
    bad.timeout = 0;
    const auto problems = manager.setConfig (bad);
    CHECK (problems.size() == 2);
    CHECK (manager.getConfig() == good);
    CHECK (manager.getStatus().isEquivalentTo (before));
}

TEST_CASE ("setConfig applies a valid config and checks the new backend", "[manager]")
{
    FakeComfyUI first, second;
    REQUIRE (first.start());
    REQUIRE (second.start());
    second.setVersion ("0.38.1");

    ConnectionManager manager (localConfig (first.port()));
    REQUIRE (manager.connect().get().available);

    CHECK (manager.setConfig (localConfig (second.port())).isEmpty());
    REQUIRE (pumpUntil ([&] { return manager.getStatus().version == juce::String ("0.38.1"); }));
    CHECK (manager.getStatus().url == juce::String (second.baseUrl()));
}

TEST_CASE ("instances with the same settings share one manager and the last one out shuts it down", "[manager]")
{
    auto& registry = comfybridge::SharedConnectionManagers::getInstance();
    const auto before = registry.getNumLiveManagers();
    const auto config = localConfig (TestHelpers::closedPort());

    auto a = registry.acquire (config);
    auto b = registry.acquire (config);
    CHECK (a.get() == b.get());
    CHECK (registry.getNumLiveManagers() == before + 1);

    auto other = config;
    other.port = config.port == 65535 ? 65534 : config.port + 1;
    auto c = registry.acquire (other);
    CHECK (c.get() != a.get());

    a.reset();
    CHECK (registry.getNumLiveManagers() == before + 2);
    b.reset();
    c.reset();
    CHECK (registry.getNumLiveManagers() == before);
}
