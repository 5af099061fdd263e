#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Support/TestUtilities.h"

using namespace TestSupport;
using TestHelpers::FakeComfyUI;

namespace
{
    /** Starts @p server on a free port in ComfyUI Desktop's range, as Desktop itself would. */
    int startInDesktopRange (FakeComfyUI& server)
    {
        for (int port = 8100; port < 9000; ++port)
            if (server.start (port))
                return port;

        return 0;
    }

    comfybridge::ComfyUIConfig discoveringConfig (int configuredPort)
    {
        auto config = localConfig (configuredPort);
        config.discoverPort = true;
        return config;
    }
}

TEST_CASE ("loopback hosts are recognised and nothing else is", "[discovery]")
{
    comfybridge::ComfyUIConfig config;

    for (auto host : { "localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "LOCALHOST", "app.localhost" })
    {
        config.host = host;
        CHECK (config.isLoopbackHost());
    }

    for (auto host : { "192.168.1.20", "10.0.0.1", "comfy.example", "128.0.0.1", "127.0.0.256", "::2", "localhost.example" })
    {
        config.host = host;
        CHECK_FALSE (config.isLoopbackHost());
    }
}

TEST_CASE ("candidate ports: 8188 first, then 8000 to 9000, without the configured one", "[discovery]")
{
    const auto ports = comfybridge::comfyUICandidatePorts (8000);
    REQUIRE (ports.size() == 1000);
    CHECK (ports.front() == 8188);
    CHECK (ports[1] == 8001);
    CHECK (ports.back() == 9000);
    CHECK (std::count (ports.begin(), ports.end(), 8000) == 0);
    CHECK (std::count (ports.begin(), ports.end(), 8188) == 1);
}

TEST_CASE ("discovery never scans a host that is not loopback", "[discovery]")
{
    comfybridge::CurlHttpClient client;
    auto config = localConfig (8000);
    config.discoverPort = true;
    config.host = "192.0.2.10"; // TEST-NET-1: never contacted, the check comes first

    const auto result = comfybridge::discoverComfyUIPort (client, config, 1.0, {});
    CHECK_FALSE (result.attempted);
    CHECK_FALSE (result.port.has_value());
    CHECK (result.portsScanned == 0);

    // The scanner itself refuses as well: a numeric address resolves without any network I/O.
    CHECK (comfybridge::findOpenLoopbackPorts ("192.0.2.10", { 80, 443 }, 8, {}).empty());
}

TEST_CASE ("the scanner finds exactly the listening ports among the candidates", "[discovery]")
{
    FakeComfyUI a, b;
    REQUIRE (a.start());
    REQUIRE (b.start());
    const auto closed = TestHelpers::closedPort();

    const auto open = comfybridge::findOpenLoopbackPorts ("127.0.0.1", { closed, a.port(), b.port() }, 8, {});
    CHECK (open == std::vector<int> { a.port(), b.port() });

    CHECK (comfybridge::findOpenLoopbackPorts ("127.0.0.1", { a.port(), b.port() }, 1, {}).size() == 1);
}

TEST_CASE ("discovery skips a listener that is not ComfyUI and finds the one that is", "[discovery]")
{
    // Some other program: answers every request with a web page.
    TestHelpers::TestHttpServer other ([] (const TestHelpers::Request&)
    {
        TestHelpers::Response r;
        r.status = 200;
        r.headers.emplace_back ("Content-Type", "text/html");
        r.body = "<html><body>not ComfyUI</body></html>";
        return r;
    });
    REQUIRE (other.start());
    FakeComfyUI comfy;
    REQUIRE (comfy.start());

    comfybridge::CurlHttpClient client;
    const auto result = comfybridge::discoverComfyUIPort (client, discoveringConfig (TestHelpers::closedPort()), 1.0, {},
                                                          { other.port(), comfy.port() });
    CHECK (result.attempted);
    REQUIRE (result.port.has_value());
    CHECK (*result.port == comfy.port());
    CHECK (result.portsProbed == 2);
    CHECK (result.probe.reachedComfyUI);
}

TEST_CASE ("the manager finds ComfyUI Desktop on another port of the range and says so", "[discovery][manager]")
{
    FakeComfyUI server;
    const auto port = startInDesktopRange (server);
    REQUIRE (port != 0);
    const auto configured = TestHelpers::closedPort();

    comfybridge::ConnectionManager manager (discoveringConfig (configured));
    // Only our own ports: a developer's ComfyUI on 8188 or 8000 must not be the one found.
    manager.setDiscoveryCandidatePorts ({ TestHelpers::closedPort(), port });
    const auto status = manager.connect().get();

    REQUIRE (status.available);
    CHECK (status.url == "http://127.0.0.1:" + juce::String (port));
    CHECK (status.discoveryNote.contains (juce::String (configured)));
    CHECK (status.discoveryNote.contains ("found ComfyUI on port " + juce::String (port)));
    CHECK (manager.getConfig().port == configured); // the user's setting is not rewritten

    // Callers that talk to the server themselves (the CLI's deploy) get the port that answered.
    CHECK (manager.getEffectiveConfig().port == port);
    CHECK (manager.getEffectiveConfig().getBaseUrl() == status.url);

    // Later checks go to the port that was found.
    server.clearRequests();
    CHECK (manager.checkHealth().get().available);
    CHECK (server.requestCount() > 0);
}

TEST_CASE ("without discovery a closed port stays unavailable", "[discovery][manager]")
{
    FakeComfyUI server;
    REQUIRE (startInDesktopRange (server) != 0);

    comfybridge::ConnectionManager manager (localConfig (TestHelpers::closedPort()));
    const auto status = manager.connect().get();
    CHECK_FALSE (status.available);
    CHECK (status.discoveryNote.isEmpty());
    CHECK (server.requestCount() == 0);
}

TEST_CASE ("background reconnection finds ComfyUI again when it comes back on another port", "[discovery][manager][reconnect]")
{
    // Connected on the configured port, so discovery has never run: the first reconnect
    // must still be allowed to discover (a restarted Desktop may take another port).
    FakeComfyUI first, moved;
    REQUIRE (first.start());
    const auto movedPort = startInDesktopRange (moved);
    REQUIRE (movedPort != 0);

    comfybridge::ConnectionManager manager (discoveringConfig (first.port()));
    manager.setDiscoveryCandidatePorts ({ TestHelpers::closedPort(), movedPort });
    REQUIRE (manager.connect().get().available);
    REQUIRE (manager.getStatus().discoveryNote.isEmpty());

    manager.startBackgroundReconnection (1.0);
    manager.startHealthMonitoring (0.5);
    first.stop();

    const auto movedUrl = "http://127.0.0.1:" + juce::String (movedPort);
    CHECK (waitUntil ([&] { const auto s = manager.getStatus(); return s.available && s.url == movedUrl; }, 15000));
    manager.disconnect();
}
