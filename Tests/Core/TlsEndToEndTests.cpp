#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <TlsProxy.h>
#include "Support/TestUtilities.h"

#include <algorithm>

using namespace TestSupport;
using comfybridge::ConnectionManager;
using comfybridge::WebSocketClient;
using TestHelpers::FakeComfyUI;
using TestHelpers::TlsProxy;

// https and wss end to end: a TLS-terminating proxy on 127.0.0.1 with a throwaway CA in
// front of the plain FakeComfyUI. Nothing here contacts any address but 127.0.0.1/localhost.

namespace
{
    /** FakeComfyUI behind a TlsProxy whose certificate (for IP 127.0.0.1) only the test CA signs. */
    struct TlsBackend
    {
        FakeComfyUI server;
        TlsProxy proxy;

        bool start() { return server.start() && proxy.isValid() && proxy.start (server.port()); }

        comfybridge::ComfyUIConfig config (bool trustTestCa) const
        {
            auto c = localConfig (proxy.port());
            c.useTls = true;
            c.caFile = trustTestCa ? juce::String (proxy.caFile()) : juce::String();
            return c;
        }

        juce::String wsUrl (const juce::String& host = "127.0.0.1") const
        {
            return "wss://" + host + ":" + juce::String (proxy.port()) + "/ws?clientId=tls-test";
        }

        size_t queueRequests() const
        {
            const auto all = server.requests();
            return (size_t) std::count_if (all.begin(), all.end(), [] (const auto& r) { return r.path == "/api/queue"; });
        }
    };

    WebSocketClient::Options wssOptions (const juce::String& url, const juce::String& caFile = {})
    {
        WebSocketClient::Options options;
        options.url = url;
        options.caFile = caFile;
        options.connectTimeoutSeconds = 5.0;
        return options;
    }
}

//==============================================================================
TEST_CASE ("with the CA in ca_file the manager connects over https, opens the live channel over wss and gets live queue updates", "[tls][manager]")
{
    TlsBackend backend;
    REQUIRE (backend.start());

    ConnectionManager manager (backend.config (true));
    const auto status = manager.connect().get();
    INFO (status.errorMessage.value_or ("no error"));
    REQUIRE (status.available);
    CHECK (status.url.startsWith ("https://127.0.0.1:"));

    REQUIRE (pumpUntil ([&] { return manager.isLiveChannelOpen(); }, 5000));
    REQUIRE (backend.server.waitForWsClient (ConnectionManager::getClientId().toStdString(), 5000));

    // No health monitoring runs: a new queue size can only arrive through the live channel.
    const auto queueRequestsBefore = backend.queueRequests();
    backend.server.setQueue (2, 3);
    REQUIRE (pumpUntil ([&] { return manager.getStatus().queueSize == 5; }, 3000));
    CHECK (backend.queueRequests() == queueRequestsBefore);
}

TEST_CASE ("WebSocketClient speaks wss to a server whose CA is in caFile: messages both ways and a clean close", "[tls][websocket]")
{
    TlsBackend backend;
    REQUIRE (backend.start());

    WebSocketClient client;
    const auto result = client.connect (wssOptions (backend.wsUrl(), backend.proxy.caFile()));
    INFO (result.getErrorMessage());
    REQUIRE (result.wasOk());
    CHECK (client.isOpen());

    // ComfyUI greets every socket with a status event.
    comfybridge::WebSocketMessage message;
    REQUIRE (client.receive (message, 3000) == WebSocketClient::ReceiveStatus::message);
    CHECK (message.data.find ("\"status\"") != std::string::npos);

    // A message larger than one TLS record (16 KiB) goes out whole.
    const std::string big = R"({"type":"tls_test","data":{"padding":")" + std::string (40000, 'x') + "\"}}";
    REQUIRE (client.sendText (big));
    REQUIRE (backend.server.waitForWsFrames (1, 3000));
    const auto frames = backend.server.receivedWsFrames();
    CHECK (std::any_of (frames.begin(), frames.end(), [&] (const auto& f) { return f.opcode == 1 && f.payload == big; }));

    // And a pushed event arrives.
    REQUIRE (backend.server.sendToClient ("tls-test", R"({"type":"executing","data":{"node":"3"}})"));
    REQUIRE (client.receive (message, 3000) == WebSocketClient::ReceiveStatus::message);
    CHECK (message.data.find ("executing") != std::string::npos);

    client.close();
    CHECK_FALSE (client.isOpen());
}

//==============================================================================
TEST_CASE ("without ca_file (the system's CAs) the test CA's certificate is refused over https and wss", "[tls]")
{
    TlsBackend backend;
    REQUIRE (backend.start());

    ConnectionManager manager (backend.config (false));
    const auto status = manager.connect().get();
    CHECK_FALSE (status.available);
    REQUIRE (status.errorMessage.has_value());
    INFO (*status.errorMessage);
    CHECK (status.errorMessage->contains ("certificate"));
    CHECK_FALSE (manager.isLiveChannelOpen());

    WebSocketClient client;
    const auto result = client.connect (wssOptions (backend.wsUrl()));
    INFO (result.getErrorMessage());
    CHECK (result.failed());
    CHECK (result.getErrorMessage().startsWith ("certificate problem: "));
    CHECK (result.getErrorMessage().contains ("issuer certificate")); // "unable to get local issuer certificate"
    CHECK (client.getLastError() == result.getErrorMessage());
    CHECK_FALSE (client.isOpen());
    CHECK (backend.server.wsClientIds().empty());
}

TEST_CASE ("a certificate for 127.0.0.1 is refused when the URL names localhost", "[tls]")
{
    TlsBackend backend;
    REQUIRE (backend.start());

    WebSocketClient client;
    const auto result = client.connect (wssOptions (backend.wsUrl ("localhost"), backend.proxy.caFile()));
    INFO (result.getErrorMessage());
    CHECK (result.failed());
    CHECK (result.getErrorMessage().startsWith ("certificate problem: "));
    CHECK (result.getErrorMessage().contains ("mismatch"));

    // curl refuses it too.
    auto config = backend.config (true);
    config.host = "localhost";
    ConnectionManager manager (config);
    const auto status = manager.connect().get();
    CHECK_FALSE (status.available);
    INFO (status.errorMessage.value_or ("no error"));
    CHECK (status.errorMessage.value_or ("").contains ("certificate"));
    CHECK (backend.server.wsClientIds().empty());
}

TEST_CASE ("a ca_file that cannot be read is a certificate problem, not a crash or a silent fallback", "[tls][websocket]")
{
    TlsBackend backend;
    REQUIRE (backend.start());

    WebSocketClient client;
    const auto result = client.connect (wssOptions (backend.wsUrl(), "/nonexistent/comfybridge-ca.pem"));
    INFO (result.getErrorMessage());
    CHECK (result.failed());
    CHECK (result.getErrorMessage().startsWith ("certificate problem: cannot read CA certificates from"));
    CHECK (backend.proxy.acceptedConnections() <= 1);
    CHECK (backend.proxy.completedHandshakes() == 0);
}

TEST_CASE ("wss to a plain ws server fails with a TLS handshake message", "[tls][websocket]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    WebSocketClient client;
    auto options = wssOptions ("wss://127.0.0.1:" + juce::String (server.port()) + "/ws");
    options.connectTimeoutSeconds = 0.5;
    const auto result = client.connect (options);
    INFO (result.getErrorMessage());
    CHECK (result.failed());
    // The test server waits for the end of an HTTP head that never comes; a real one may say 400 at once.
    CHECK ((result.getErrorMessage().startsWith ("TLS handshake failed") || result.getErrorMessage().startsWith ("timed out in the TLS handshake")));
}

//==============================================================================
TEST_CASE ("cancel() ends a TLS handshake the server never answers, promptly", "[tls][websocket]")
{
    TlsProxy silent;
    REQUIRE (silent.startSilent());

    WebSocketClient client;
    auto options = wssOptions ("wss://127.0.0.1:" + juce::String (silent.port()) + "/ws");
    options.connectTimeoutSeconds = 30.0;

    auto attempt = std::async (std::launch::async, [&] { return client.connect (options); });

    // The TCP connection is up, the ClientHello sent: the client now waits for the server's answer.
    REQUIRE (pumpUntil ([&] { return silent.acceptedConnections() == 1; }, 5000));
    juce::Thread::sleep (50); // let it reach the wait; correctness does not depend on it

    const auto cancelledAfterMs = millisecondsFor ([&]
    {
        client.cancel();
        REQUIRE (attempt.wait_for (std::chrono::seconds (5)) == std::future_status::ready);
    });

    const auto result = attempt.get();
    CHECK (result.failed());
    CHECK (result.getErrorMessage() == "cancelled");
    CHECK (cancelledAfterMs < 500.0); // a generous bound: it only catches a hang
    CHECK_FALSE (client.isOpen());
}

TEST_CASE ("a TLS handshake the server never answers times out within the connect deadline", "[tls][websocket]")
{
    TlsProxy silent;
    REQUIRE (silent.startSilent());

    WebSocketClient client;
    auto options = wssOptions ("wss://127.0.0.1:" + juce::String (silent.port()) + "/ws");
    options.connectTimeoutSeconds = 0.3;

    juce::Result result = juce::Result::ok();
    const auto ms = millisecondsFor ([&] { result = client.connect (options); });

    INFO (result.getErrorMessage());
    CHECK (result.getErrorMessage().startsWith ("timed out in the TLS handshake"));
    CHECK (ms < 3000.0);
}

//==============================================================================
TEST_CASE ("ca_file: empty or an absolute path, anything else is named in the message", "[tls][config]")
{
    comfybridge::ComfyUIConfig config;
    CHECK (config.caFile.isEmpty());
    CHECK (config.isValid());

    config.caFile = "/etc/ssl/private-ca.pem";
    CHECK (config.isValid());

    config.caFile = "certs/ca.pem";
    const auto problems = config.validate();
    REQUIRE (problems.size() == 1);
    CHECK (problems[0].startsWith ("ca_file: "));

    juce::StringPairArray values;
    values.set ("ca_file", "/srv/ca.pem");
    const auto parsed = comfybridge::ComfyUIConfig::fromText (values);
    REQUIRE (parsed.ok());
    CHECK (parsed.config->caFile == "/srv/ca.pem");

    auto other = *parsed.config;
    CHECK (other == *parsed.config);
    other.caFile = "/srv/other.pem";
    CHECK (other != *parsed.config);

    const auto roundTrip = comfybridge::ComfyUIConfig::fromJson (parsed.config->toJson());
    REQUIRE (roundTrip.ok());
    CHECK (roundTrip.config->caFile == "/srv/ca.pem");
}
