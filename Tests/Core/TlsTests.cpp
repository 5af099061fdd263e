#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Support/TestUtilities.h"

using namespace TestSupport;
using TestHelpers::FakeComfyUI;

namespace
{
    /** `openssl s_server` on 127.0.0.1 with a fresh self-signed certificate (what no client should trust). */
    struct SelfSignedHttpsServer
    {
        juce::TemporaryFile key { ".pem" }, cert { ".pem" };
        juce::ChildProcess process;
        int port = 0;

        bool start()
        {
            juce::ChildProcess make;
            if (! make.start (juce::StringArray { "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                                  "-subj", "/CN=127.0.0.1", "-keyout", key.getFile().getFullPathName(),
                                                  "-out", cert.getFile().getFullPathName() })
                || ! make.waitForProcessToFinish (30000) || make.getExitCode() != 0)
                return false;

            port = TestHelpers::closedPort();
            if (! process.start (juce::StringArray { "openssl", "s_server", "-accept", "127.0.0.1:" + juce::String (port),
                                                     "-cert", cert.getFile().getFullPathName(), "-key", key.getFile().getFullPathName(),
                                                     "-www", "-quiet" }))
                return false;

            // Ready once it accepts connections.
            return pumpUntil ([this] { return ! comfybridge::findOpenLoopbackPorts ("127.0.0.1", { port }, 1, {}).empty(); }, 10000);
        }

        ~SelfSignedHttpsServer() { process.kill(); }
    };
}

TEST_CASE ("https: the URLs use https, and an untrusted certificate is refused with a message that says so", "[tls]")
{
    SelfSignedHttpsServer server;
    REQUIRE (server.start()); // openssl comes with Builds/common.sh

    auto config = localConfig (server.port);
    config.useTls = true;
    CHECK (config.getBaseUrl() == "https://127.0.0.1:" + juce::String (server.port));
    CHECK (config.getWebSocketUrl ("id").startsWith ("wss://127.0.0.1:"));

    comfybridge::ConnectionManager manager (config);
    const auto status = manager.connect().get();

    CHECK_FALSE (status.available);
    REQUIRE (status.errorMessage.has_value());
    CHECK (status.errorMessage->contains ("certificate"));
    CHECK (status.errorMessage->contains ("not trusted"));
}

TEST_CASE ("https against a plain http ComfyUI says what is wrong", "[tls]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    auto config = localConfig (server.port());
    config.useTls = true;

    comfybridge::ConnectionManager manager (config);
    const auto status = manager.connect().get();

    CHECK_FALSE (status.available);
    REQUIRE (status.errorMessage.has_value());
    INFO (*status.errorMessage);
    // The test server never answers a TLS hello (aiohttp says 400 at once): either way the message names https.
    CHECK (status.errorMessage->contains ("https"));
    CHECK (status.errorMessage->contains ("use_tls"));
    CHECK_FALSE (manager.isLiveChannelOpen());
}
