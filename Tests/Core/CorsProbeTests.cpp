#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Support/TestUtilities.h"

using namespace TestSupport;
using TestHelpers::FakeComfyUI;

namespace
{
    comfybridge::CorsProbeResult probe (const FakeComfyUI& server)
    {
        comfybridge::CurlHttpClient client;
        return comfybridge::probeCors (client, localConfig (server.port()), false, 2.0);
    }
}

TEST_CASE ("CORS probe: ComfyUI's default origin check answers 403 and the reason says how to enable CORS", "[cors]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    const auto result = probe (server);
    CHECK (result.checked);
    CHECK_FALSE (result.enabled);
    CHECK (result.reason.contains ("403"));
    CHECK (result.reason.contains ("--enable-cors-header"));
    CHECK (result.reason.contains ("Server Config"));

    const auto request = server.lastRequest();
    CHECK (request.method == "OPTIONS");
    CHECK (request.path == "/api/system_stats");
    CHECK (request.header ("Origin") == comfybridge::corsProbeOrigin);
}

TEST_CASE ("CORS probe: without the origin check and without CORS headers, CORS is off", "[cors]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    server.setOriginCheck (false);

    const auto result = probe (server);
    CHECK (result.checked);
    CHECK_FALSE (result.enabled);
    CHECK (result.reason.contains ("no CORS headers"));
}

TEST_CASE ("CORS probe: --enable-cors-header (any origin) means enabled", "[cors]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    server.setCorsOrigin ("*");

    const auto result = probe (server);
    CHECK (result.checked);
    CHECK (result.enabled);
    CHECK (result.allowedOrigin == "*");
    CHECK (result.reason.isEmpty());
}

TEST_CASE ("CORS probe: CORS for one other origin is not CORS for us, and says which", "[cors]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    server.setCorsOrigin ("http://my-site.example");

    const auto result = probe (server);
    CHECK (result.checked);
    CHECK_FALSE (result.enabled);
    CHECK (result.allowedOrigin == "http://my-site.example");
    CHECK (result.reason.contains ("http://my-site.example"));
}

TEST_CASE ("CORS probe: an unreachable server is 'not checked', not 'CORS off'", "[cors]")
{
    const auto port = TestHelpers::closedPort();
    comfybridge::CurlHttpClient client;
    const auto result = comfybridge::probeCors (client, localConfig (port), false, 1.0);
    CHECK_FALSE (result.checked);
    CHECK_FALSE (result.enabled);
    CHECK (result.reason.startsWith ("could not check CORS"));
}

TEST_CASE ("CORS readiness in the manager: probed once per connection, never on periodic checks", "[cors][manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    server.setCorsOrigin ("*");

    comfybridge::ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);
    auto status = manager.readinessChecked().get();

    CHECK (status.corsCheck.checked);
    CHECK (status.corsEnabled);

    // Periodic checks send no Origin and no OPTIONS.
    server.clearRequests();
    manager.startHealthMonitoring (0.05);
    REQUIRE (server.waitForRequests (6, 5000));
    manager.stopHealthMonitoring();

    for (const auto& r : server.requests())
    {
        CHECK (r.method != "OPTIONS");
        CHECK (r.header ("Origin").empty());
    }
}

TEST_CASE ("CORS readiness: with the check switched off it is not required and not probed", "[cors][manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    auto config = localConfig (server.port());
    config.enableCorsCheck = false;

    comfybridge::ConnectionManager manager (config);
    REQUIRE (manager.connect().get().available);
    const auto status = manager.readinessChecked().get();

    CHECK_FALSE (status.corsCheck.checked);
    CHECK (status.corsCheck.reason.contains ("enable_cors_check is off"));
    CHECK_FALSE (status.corsCheckEnabled);

    for (const auto& r : server.requests())
        CHECK (r.method != "OPTIONS");
}
