#include "MisbehavingServers.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace TestHelpers
{

namespace
{
    constexpr int maxFillerAttempts = 8;
    constexpr int fillerConnectTimeoutMs = 250;

    sockaddr_in loopbackAddress (int port)
    {
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons ((uint16_t) port);
        address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        return address;
    }

    /** Starts a non-blocking connect; returns the fd and whether the handshake completed in time. */
    int connectWithTimeout (int port, int timeoutMs, bool& completed)
    {
        completed = false;
        int fd = ::socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0)
            return -1;

        auto address = loopbackAddress (port);

        if (::connect (fd, reinterpret_cast<sockaddr*> (&address), sizeof (address)) == 0)
        {
            completed = true;
            return fd;
        }

        if (errno != EINPROGRESS)
        {
            ::close (fd);
            return -1;
        }

        pollfd p { fd, POLLOUT, 0 };

        if (::poll (&p, 1, timeoutMs) > 0)
        {
            int error = 0;
            socklen_t length = sizeof (error);
            ::getsockopt (fd, SOL_SOCKET, SO_ERROR, &error, &length);
            completed = (error == 0);
        }

        return fd;
    }

    std::unique_ptr<TestHttpServer> startServer (TestHttpServer::Handler handler)
    {
        auto server = std::make_unique<TestHttpServer> (std::move (handler));

        if (! server->start (0))
            return nullptr;

        return server;
    }

    std::unique_ptr<TestHttpServer> startFixed (Response response)
    {
        return startServer ([response] (const Request&) { return response; });
    }
}

//==============================================================================
int closedPort()
{
    return TestHttpServer::findFreePort();
}

//==============================================================================
NeverAcceptingListener::NeverAcceptingListener()
{
    listenFd = ::socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (listenFd < 0)
        return;

    auto address = loopbackAddress (0);
    socklen_t length = sizeof (address);

    // Backlog 0: Linux still queues one completed connection (queue full means length > backlog).
    if (::bind (listenFd, reinterpret_cast<sockaddr*> (&address), sizeof (address)) != 0
         || ::listen (listenFd, 0) != 0
         || ::getsockname (listenFd, reinterpret_cast<sockaddr*> (&address), &length) != 0)
    {
        ::close (listenFd);
        listenFd = -1;
        return;
    }

    boundPort = ntohs (address.sin_port);

    // Fill the accept queue until a handshake no longer completes: from then on SYNs are dropped.
    for (int attempt = 0; attempt < maxFillerAttempts; ++attempt)
    {
        bool didComplete = false;
        int fd = connectWithTimeout (boundPort, fillerConnectTimeoutMs, didComplete);

        if (fd < 0)
            break;

        if (! didComplete)
        {
            ::close (fd);   // the probe proved the queue is full; don't leave it retrying SYNs
            queueFull = true;
            break;
        }

        fillerFds.push_back (fd);
        ++completed;
    }
}

NeverAcceptingListener::~NeverAcceptingListener()
{
    for (auto fd : fillerFds)
        ::close (fd);

    if (listenFd >= 0)
        ::close (listenFd);
}

bool NeverAcceptingListener::isValid() const
{
    return listenFd >= 0 && queueFull;
}

int NeverAcceptingListener::port() const
{
    return boundPort;
}

std::string NeverAcceptingListener::baseUrl() const
{
    return "http://127.0.0.1:" + std::to_string (boundPort);
}

int NeverAcceptingListener::completedFillers() const
{
    return completed;
}

//==============================================================================
namespace MisbehavingServers
{
    BodyGenerator paddedJsonBody (std::uint64_t size)
    {
        static const std::string prefix = "{\"pad\":\"";
        static const std::string suffix = "\"}";
        size = std::max<std::uint64_t> (size, prefix.size() + suffix.size());

        return [size] (std::uint64_t offset, char* dest, std::size_t maxBytes) -> std::size_t
        {
            auto count = (std::size_t) std::min<std::uint64_t> (maxBytes, size - std::min (offset, size));

            for (std::size_t i = 0; i < count; ++i)
            {
                auto position = offset + i;

                if (position < prefix.size())
                    dest[i] = prefix[(std::size_t) position];
                else if (position >= size - suffix.size())
                    dest[i] = suffix[(std::size_t) (position - (size - suffix.size()))];
                else
                    dest[i] = 'x';
            }

            return count;
        };
    }

    std::unique_ptr<TestHttpServer> neverAnswering()
    {
        return startFixed (Response::withBehaviour (Behaviour::NeverAnswer));
    }

    std::unique_ptr<TestHttpServer> closingImmediately()
    {
        return startFixed (Response::withBehaviour (Behaviour::CloseImmediately));
    }

    std::unique_ptr<TestHttpServer> headersThenStall()
    {
        auto response = Response::json (200, "{\"system\":{\"comfyui_version\":\"0.3.64\"},\"devices\":[]}");
        response.behaviour = Behaviour::HeadersThenStall;
        return startFixed (response);
    }

    std::unique_ptr<TestHttpServer> trickling (int intervalMs)
    {
        auto response = Response::json (200, "");
        response.behaviour = Behaviour::Trickle;
        response.trickleIntervalMs = intervalMs;
        response.trickleBytes = 1;
        response.bodySize = 1ull << 30;
        response.bodyGenerator = paddedJsonBody (response.bodySize);
        return startFixed (response);
    }

    std::unique_ptr<TestHttpServer> dyingMidBody()
    {
        auto response = Response::json (200, "{\"system\":{\"os\":\"posix\",\"comfyui_version\":\"0.3.64\"},\"devices\":["
                                             "{\"name\":\"cpu\",\"type\":\"cpu\",\"index\":null}]}");
        response.behaviour = Behaviour::DieMidBody;
        return startFixed (response);
    }

    std::unique_ptr<TestHttpServer> statusOnly (int status)
    {
        return startFixed (Response::empty (status));
    }

    std::unique_ptr<TestHttpServer> htmlPage()
    {
        return startFixed (Response::html (200,
            "<!DOCTYPE html>\n<html><head><title>Router login</title></head>\n"
            "<body><h1>It works!</h1><p>This is not ComfyUI.</p></body></html>\n"));
    }

    std::unique_ptr<TestHttpServer> wrongShapeJson()
    {
        return startFixed (Response::json (200, "{\"status\":\"ok\"}"));
    }

    std::unique_ptr<TestHttpServer> hugeBody (std::uint64_t bytes)
    {
        auto response = Response::json (200, "");
        response.bodySize = bytes;
        response.bodyGenerator = paddedJsonBody (bytes);
        return startFixed (response);
    }

    std::unique_ptr<TestHttpServer> redirectLoop()
    {
        auto server = std::make_unique<TestHttpServer> (nullptr);
        auto* raw = server.get();

        // Absolute Location so the loop is obvious whatever the client does with relative ones.
        server->setHandler ([raw] (const Request& request)
        {
            auto response = Response::text (302, "302: Found");
            response.setHeader ("Location", raw->baseUrl() + request.target);
            return response;
        });

        if (! server->start (0))
            return nullptr;

        return server;
    }

    std::unique_ptr<TestHttpServer> garbage()
    {
        Response response;
        response.behaviour = Behaviour::RawBytes;
        static const unsigned char bytes[] = { 0x00, 0xff, 0xfe, 0x16, 0x03, 0x01, 0x02, 0x00, 0x7f, 0x80, 0x81,
                                               'S', 'S', 'H', '-', '2', '.', '0', '\r', '\n', 0x1b, '[', '2', 'J',
                                               0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, '\n', '\n', 0x01 };
        response.body.assign (reinterpret_cast<const char*> (bytes), sizeof (bytes));
        return startFixed (response);
    }
}

} // namespace TestHelpers
