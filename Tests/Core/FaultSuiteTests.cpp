// Every way a backend can fail, each with its own message and none of them
// able to hang the manager past its deadline.

#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Support/TestUtilities.h"

using namespace TestSupport;
using comfybridge::ConnectionManager;
using comfybridge::ConnectionState;
namespace Misbehaving = TestHelpers::MisbehavingServers;

namespace
{
    struct Outcome
    {
        comfybridge::ComfyUIStatus status;
        double seconds = 0.0;
    };

    /** One connect attempt (no retries) against 127.0.0.1:port with a 1 s timeout. */
    Outcome connectTo (int port, double timeout = 1.0)
    {
        ConnectionManager manager (localConfig (port, timeout));
        Outcome outcome;
        outcome.seconds = millisecondsFor ([&] { outcome.status = manager.connect().get(); }) / 1000.0;
        return outcome;
    }

    juce::String errorOf (const Outcome& o)
    {
        return o.status.errorMessage.value_or ("<no error>");
    }
}

TEST_CASE ("fault: a closed port is reported as refused, at once", "[faults]")
{
    const auto o = connectTo (TestHelpers::closedPort());
    INFO (errorOf (o));
    CHECK_FALSE (o.status.available);
    CHECK (errorOf (o).startsWith ("connection refused"));
    CHECK (o.seconds < 1.0);
}

TEST_CASE ("fault: a listener that never accepts times out connecting", "[faults]")
{
    TestHelpers::NeverAcceptingListener listener;
    REQUIRE (listener.isValid());
    const auto o = connectTo (listener.port());
    INFO (errorOf (o) << " after " << o.seconds << " s");
    CHECK (errorOf (o).startsWith ("timed out after 1.0 s"));
    CHECK (o.seconds >= 0.9);
    CHECK (o.seconds < 3.0);
}

TEST_CASE ("fault: a server that accepts and never answers times out waiting", "[faults]")
{
    auto server = Misbehaving::neverAnswering();
    REQUIRE (server != nullptr);
    const auto o = connectTo (server->port());
    INFO (errorOf (o));
    CHECK (errorOf (o).contains ("waiting for"));
    CHECK (errorOf (o).contains ("did not respond"));
    CHECK (o.seconds < 3.0);
}

TEST_CASE ("fault: headers then a stall times out at the deadline", "[faults]")
{
    auto server = Misbehaving::headersThenStall();
    REQUIRE (server != nullptr);
    const auto o = connectTo (server->port());
    INFO (errorOf (o));
    CHECK (errorOf (o).startsWith ("timed out"));
    CHECK (o.seconds < 3.0);
}

TEST_CASE ("fault: a server trickling one byte at a time cannot outlast the deadline", "[faults]")
{
    auto server = Misbehaving::trickling (50);
    REQUIRE (server != nullptr);
    const auto o = connectTo (server->port());
    INFO (errorOf (o) << " after " << o.seconds << " s");
    CHECK (errorOf (o).startsWith ("timed out"));
    CHECK (o.seconds < 3.0);
}

TEST_CASE ("fault: HTTP status answers each get their own message", "[faults]")
{
    SECTION ("500 is a server error worth retrying")
    {
        auto server = Misbehaving::statusOnly (500);
        REQUIRE (server != nullptr);
        const auto o = connectTo (server->port());
        CHECK (errorOf (o).contains ("HTTP 500"));
        CHECK (errorOf (o).contains ("server error"));
    }

    SECTION ("404 is not ComfyUI")
    {
        auto server = Misbehaving::statusOnly (404);
        REQUIRE (server != nullptr);
        const auto o = connectTo (server->port());
        CHECK (errorOf (o) == "not a ComfyUI server at " + juce::String (server->baseUrl()) + ": /system_stats answered HTTP 404");
    }

    SECTION ("403 with an empty body is the origin check, with the remedy")
    {
        auto server = Misbehaving::statusOnly (403);
        REQUIRE (server != nullptr);
        const auto o = connectTo (server->port());
        CHECK (errorOf (o).contains ("HTTP 403"));
        CHECK (errorOf (o).contains ("origin check"));
        CHECK (errorOf (o).contains ("--enable-cors-header"));
    }
}

TEST_CASE ("fault: an HTML page is not ComfyUI", "[faults]")
{
    auto server = Misbehaving::htmlPage();
    REQUIRE (server != nullptr);
    const auto o = connectTo (server->port());
    CHECK (errorOf (o) == "not a ComfyUI server at " + juce::String (server->baseUrl()) + ": /system_stats answered an HTML page");
}

TEST_CASE ("fault: JSON of the wrong shape is not ComfyUI", "[faults]")
{
    auto server = Misbehaving::wrongShapeJson();
    REQUIRE (server != nullptr);
    const auto o = connectTo (server->port());
    CHECK (errorOf (o).startsWith ("not a ComfyUI server at"));
    CHECK (errorOf (o).contains ("something other than ComfyUI's system stats"));
}

TEST_CASE ("fault: a 100 MB body is cut off at the 1 MB cap", "[faults]")
{
    auto server = Misbehaving::hugeBody();
    REQUIRE (server != nullptr);
    const auto o = connectTo (server->port(), 10.0);
    INFO (errorOf (o) << " after " << o.seconds << " s");
    CHECK (errorOf (o).contains ("larger than 1 MB"));
    CHECK (o.seconds < 5.0);
}

TEST_CASE ("fault: a redirect loop is not followed", "[faults]")
{
    auto server = Misbehaving::redirectLoop();
    REQUIRE (server != nullptr);
    const auto o = connectTo (server->port());
    CHECK (errorOf (o).contains ("HTTP 302"));
    CHECK (server->requestCount() == 1);
}

TEST_CASE ("fault: garbage that is not HTTP", "[faults]")
{
    auto server = Misbehaving::garbage();
    REQUIRE (server != nullptr);
    const auto o = connectTo (server->port());
    INFO (errorOf (o));
    CHECK (errorOf (o).startsWith ("not a ComfyUI server"));
    CHECK (errorOf (o).contains ("not valid HTTP"));
}

TEST_CASE ("fault: a server dying mid-answer or closing at once is a lost connection", "[faults]")
{
    for (auto* make : { &Misbehaving::dyingMidBody, &Misbehaving::closingImmediately })
    {
        auto server = make();
        REQUIRE (server != nullptr);
        const auto o = connectTo (server->port());
        INFO (errorOf (o));
        CHECK (errorOf (o).contains ("closed before the answer was complete"));
    }
}

TEST_CASE ("fault: localhost resolving to ::1 first while only IPv4 listens still connects", "[faults]")
{
    TestHelpers::FakeComfyUI server; // binds 127.0.0.1 only
    REQUIRE (server.start());
    auto config = localConfig (server.port());
    config.host = "localhost";
    ConnectionManager manager (config);
    const auto status = manager.connect().get();
    INFO (status.errorMessage.value_or (""));
    CHECK (status.available);
    CHECK (status.url == "http://localhost:" + juce::String (server.port()));
}

TEST_CASE ("fault: a backend dying during monitoring is noticed and the last error kept", "[faults]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);
    manager.startHealthMonitoring (0.05);

    server.setHang (true); // a hung backend, not a dead one: the probe timeout must catch it
    REQUIRE (pumpUntil ([&] { return ! manager.isAvailable(); }, 10000));
    CHECK (manager.getStatus().errorMessage->startsWith ("timed out"));

    server.setHang (false);
    REQUIRE (pumpUntil ([&] { return manager.isAvailable(); }, 10000));
}

//==============================================================================
namespace
{
    /** An HttpClient that answers every request with one canned transport failure. */
    struct FailingClient : comfybridge::HttpClient
    {
        explicit FailingClient (comfybridge::HttpError e) : error (e) {}
        comfybridge::HttpResponse perform (const comfybridge::HttpRequest&) override
        {
            comfybridge::HttpResponse r;
            r.error = error;
            r.errorText = "canned";
            return r;
        }
        void cancel() override {}
        void resetCancellation() override {}
        bool isCancelled() const override { return false; }
        comfybridge::HttpError error;
    };
}

TEST_CASE ("fault: every transport failure has its own message", "[faults]")
{
    using comfybridge::HttpError;
    const std::pair<HttpError, const char*> rows[] = {
        { HttpError::refused, "connection refused" },
        { HttpError::connectTimeout, "connecting to" },
        { HttpError::responseTimeout, "waiting for" },
        { HttpError::dnsFailure, "cannot resolve the host name" },
        { HttpError::bodyTooLarge, "larger than 1 MB" },
        { HttpError::tls, "secure connection" },
        { HttpError::connectionLost, "closed before the answer was complete" },
        { HttpError::protocol, "not valid HTTP" },
    };

    juce::StringArray messages;

    for (const auto& [error, expected] : rows)
    {
        FailingClient client (error);
        const auto result = comfybridge::probeComfyUI (client, "http://127.0.0.1:9", 1.0);
        INFO (comfybridge::toString (error) << ": " << result.errorMessage);
        CHECK_FALSE (result.reachedComfyUI);
        CHECK (result.errorMessage.contains (expected));
        messages.addIfNotAlreadyThere (result.errorMessage);
    }

    CHECK (messages.size() == (int) std::size (rows));
}
