// The live channel shares libcurl's connection set-up with HTTP (issue 13): an HTTP proxy
// from the environment carries it too, tunnelled with CONNECT, and loopback never is proxied.

#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include <TestHttpServer.h>

#include <nlohmann/json.hpp>
#include <mutex>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using comfybridge::WebSocketClient;
using comfybridge::WebSocketMessage;

namespace
{
    /** Sets an environment variable for the lifetime of the object, then restores it. */
    struct ScopedEnvironment
    {
        ScopedEnvironment (const char* variableName, const std::string& value) : name (variableName)
        {
            if (const auto* previous = std::getenv (name))
                saved = std::string (previous);
            setenv (name, value.c_str(), 1);
        }

        ~ScopedEnvironment()
        {
            if (saved)
                setenv (name, saved->c_str(), 1);
            else
                unsetenv (name);
        }

        const char* name;
        std::optional<std::string> saved;
    };

    bool sendAll (int fd, const char* data, size_t size)
    {
        while (size > 0)
        {
            const auto sent = ::send (fd, data, size, MSG_NOSIGNAL);
            if (sent <= 0)
                return false;
            data += sent;
            size -= (size_t) sent;
        }
        return true;
    }

    /** The body of a CONNECT tunnel: relays bytes between the client and 127.0.0.1:@p port. */
    void relayTo (TestHelpers::TakenConnection& client, int port)
    {
        const int upstream = ::socket (AF_INET, SOCK_STREAM, 0);
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons ((uint16_t) port);
        ::inet_pton (AF_INET, "127.0.0.1", &address.sin_addr);

        if (::connect (upstream, reinterpret_cast<sockaddr*> (&address), sizeof (address)) == 0
            && client.send ("HTTP/1.1 200 Connection established\r\n\r\n"))
        {
            auto early = client.takeUnreadInput();
            bool open = sendAll (upstream, early.data(), early.size());

            while (open && ! client.stopping())
            {
                pollfd fds[3] = { { client.fd(), POLLIN, 0 }, { upstream, POLLIN, 0 }, { client.stopFd(), POLLIN, 0 } };
                ::poll (fds, 3, 1000);

                if (fds[2].revents != 0)
                    break;

                if (fds[0].revents != 0)
                {
                    std::string bytes;
                    open = client.receive (bytes, 0) >= 0 && sendAll (upstream, bytes.data(), bytes.size());
                }

                if (open && fds[1].revents != 0)
                {
                    char buffer[16384];
                    const auto got = ::recv (upstream, buffer, sizeof (buffer), 0);
                    open = got > 0 && client.send (std::string (buffer, (size_t) got));
                }
            }
        }

        ::close (upstream);
    }
}

TEST_CASE ("the live channel goes through the environment's HTTP proxy with CONNECT, and never proxies loopback", "[websocket][proxy]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());

    std::mutex mutex;
    std::vector<std::string> proxied;
    const int serverPort = server.port();

    TestHelpers::TestHttpServer proxy ([&] (const TestHelpers::Request& request)
    {
        {
            std::lock_guard<std::mutex> lock (mutex);
            proxied.push_back (request.method + " " + request.target);
        }

        if (request.method != "CONNECT")
            return TestHelpers::Response::text (405, "tunnels only");

        return TestHelpers::Response::takingOver ([serverPort] (TestHelpers::TakenConnection& client) { relayTo (client, serverPort); });
    });
    REQUIRE (proxy.start());

    ScopedEnvironment environment ("http_proxy", "http://127.0.0.1:" + std::to_string (proxy.port()));

    SECTION ("a non-loopback address is reached through the tunnel")
    {
        // 127.0.0.2 is not in the loopback exceptions (localhost, 127.0.0.1, ::1), so it is proxied;
        // the test proxy sends every tunnel to the server on 127.0.0.1.
        WebSocketClient client;
        WebSocketClient::Options options;
        options.url = "ws://127.0.0.2:" + juce::String (serverPort) + "/ws?clientId=through-proxy";
        const auto result = client.connect (options);
        INFO (result.getErrorMessage());
        REQUIRE (result.wasOk());

        WebSocketMessage first;
        REQUIRE (client.receive (first, 5000) == WebSocketClient::ReceiveStatus::message);
        const auto json = nlohmann::json::parse (first.data);
        CHECK (json["data"]["sid"] == "through-proxy");

        std::lock_guard<std::mutex> lock (mutex);
        CHECK (proxied == std::vector<std::string> { "CONNECT 127.0.0.2:" + std::to_string (serverPort) });
        client.cancel();
    }

    SECTION ("127.0.0.1 connects directly")
    {
        WebSocketClient client;
        WebSocketClient::Options options;
        options.url = "ws://127.0.0.1:" + juce::String (serverPort) + "/ws?clientId=direct";
        REQUIRE (client.connect (options).wasOk());

        std::lock_guard<std::mutex> lock (mutex);
        CHECK (proxied.empty());
        client.cancel();
    }
}
