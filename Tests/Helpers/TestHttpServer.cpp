#include "TestHttpServer.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <system_error>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace TestHelpers
{

namespace
{
    constexpr std::size_t maxHeaderBytes = 64 * 1024;
    constexpr std::uint64_t maxRequestBodyBytes = 256ull * 1024 * 1024;
    constexpr int lingerAfterResponseMs = 500;
    constexpr std::size_t streamChunkBytes = 64 * 1024;

    bool equalsIgnoreCase (const std::string& a, const std::string& b)
    {
        if (a.size() != b.size())
            return false;

        for (std::size_t i = 0; i < a.size(); ++i)
            if (std::tolower ((unsigned char) a[i]) != std::tolower ((unsigned char) b[i]))
                return false;

        return true;
    }

    std::string toLower (std::string s)
    {
        for (auto& c : s)
            c = (char) std::tolower ((unsigned char) c);

        return s;
    }

    std::string trim (const std::string& s)
    {
        auto start = s.find_first_not_of (" \t\r\n");

        if (start == std::string::npos)
            return {};

        auto end = s.find_last_not_of (" \t\r\n");
        return s.substr (start, end - start + 1);
    }

    int hexValue (char c)
    {
        if (c >= '0' && c <= '9')  return c - '0';
        if (c >= 'a' && c <= 'f')  return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')  return c - 'A' + 10;
        return -1;
    }

    void closeFd (int& fd)
    {
        if (fd >= 0)
        {
            ::close (fd);
            fd = -1;
        }
    }

    //==============================================================================
    /** Non-blocking socket I/O where every wait also watches the server's stop pipe,
        so a stalled client can never keep a connection thread (and thus stop()) waiting.
    */
    class ConnectionIo
    {
    public:
        ConnectionIo (int socketFd, int stopPipeFd) : fd (socketFd), stopFd (stopPipeFd) {}

        /** Sends everything; false if stopping or the peer went away. */
        bool sendAll (const char* data, std::size_t size)
        {
            while (size > 0)
            {
                auto sent = ::send (fd, data, size, MSG_NOSIGNAL);

                if (sent > 0)
                {
                    data += sent;
                    size -= (std::size_t) sent;
                    continue;
                }

                if (sent < 0 && errno == EINTR)
                    continue;

                if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                {
                    if (! waitUntil (POLLOUT, -1))
                        return false;

                    continue;
                }

                return false;
            }

            return true;
        }

        bool sendAll (const std::string& s)    { return sendAll (s.data(), s.size()); }

        /** Appends whatever arrives to `buffer`; false on EOF, error or stop. */
        bool receiveSome (std::string& buffer)
        {
            char chunk[16 * 1024];

            for (;;)
            {
                auto got = ::recv (fd, chunk, sizeof (chunk), 0);

                if (got > 0)
                {
                    buffer.append (chunk, (std::size_t) got);
                    return true;
                }

                if (got == 0)
                    return false;

                if (errno == EINTR)
                    continue;

                if (errno != EAGAIN && errno != EWOULDBLOCK)
                    return false;

                if (! waitUntil (POLLIN, -1))
                    return false;
            }
        }

        /** Waits ms milliseconds (-1 = forever) while discarding anything the client sends.
            Returns true if the whole time passed; false on stop or once the client is gone.
        */
        bool pause (int ms)
        {
            auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds (std::max (ms, 0));

            for (;;)
            {
                int timeout = -1;

                if (ms >= 0)
                {
                    auto left = std::chrono::duration_cast<std::chrono::milliseconds> (deadline - std::chrono::steady_clock::now()).count();

                    if (left <= 0)
                        return true;

                    timeout = (int) left;
                }

                pollfd fds[2] = { { fd, (short) (POLLIN | POLLRDHUP), 0 }, { stopFd, POLLIN, 0 } };
                auto r = ::poll (fds, 2, timeout);

                if (r < 0 && errno != EINTR)
                    return false;

                if (r <= 0)
                    continue;

                if (fds[1].revents != 0)
                    return false;

                if (fds[0].revents != 0)
                {
                    char scratch[4096];
                    auto got = ::recv (fd, scratch, sizeof (scratch), 0);

                    if (got == 0)
                        return false;

                    if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                        return false;
                }
            }
        }

        bool isStopping() const
        {
            pollfd p { stopFd, POLLIN, 0 };
            return ::poll (&p, 1, 0) > 0;
        }

    private:
        /** Waits for `events` on the socket; false if the stop pipe fired first. */
        bool waitUntil (short events, int timeoutMs)
        {
            for (;;)
            {
                pollfd fds[2] = { { fd, events, 0 }, { stopFd, POLLIN, 0 } };
                auto r = ::poll (fds, 2, timeoutMs);

                if (r < 0 && errno == EINTR)
                    continue;

                if (r <= 0)
                    return false;

                if (fds[1].revents != 0)
                    return false;

                return true;   // ready, or POLLERR/POLLHUP which the next send/recv reports
            }
        }

        int fd;
        int stopFd;
    };

    //==============================================================================
    /** Reads one request off the connection. On a protocol error, errorStatus is set (400/413/431). */
    class RequestReader
    {
    public:
        explicit RequestReader (ConnectionIo& connection) : io (connection) {}

        bool read (Request& request, int& errorStatus)
        {
            errorStatus = 0;
            std::size_t headerEnd = 0;

            while ((headerEnd = findHeaderEnd()) == 0)
            {
                if (buffer.size() > maxHeaderBytes)
                {
                    errorStatus = 431;
                    return false;
                }

                if (! io.receiveSome (buffer))
                    return false;
            }

            if (headerEnd > maxHeaderBytes)
            {
                errorStatus = 431;
                return false;
            }

            if (! parseHead (buffer.substr (0, headerEnd), request))
            {
                errorStatus = 400;
                return false;
            }

            position = headerEnd;
            return readBody (request, errorStatus);
        }

    private:
        /** Index just past the blank line ending the head, or 0 if not complete yet (tolerates bare LF). */
        std::size_t findHeaderEnd() const
        {
            for (std::size_t i = 0; i < buffer.size(); ++i)
            {
                if (buffer[i] != '\n')
                    continue;

                auto next = i + 1;

                if (next < buffer.size() && buffer[next] == '\r')
                    ++next;

                if (next < buffer.size() && buffer[next] == '\n')
                    return next + 1;
            }

            return 0;
        }

        static bool parseHead (const std::string& head, Request& request)
        {
            std::vector<std::string> lines;
            std::size_t start = 0;

            while (start < head.size())
            {
                auto end = head.find ('\n', start);

                if (end == std::string::npos)
                    end = head.size();

                auto line = head.substr (start, end - start);

                if (! line.empty() && line.back() == '\r')
                    line.pop_back();

                if (! line.empty())
                    lines.push_back (line);

                start = end + 1;
            }

            if (lines.empty())
                return false;

            auto firstSpace = lines[0].find (' ');
            auto lastSpace = lines[0].rfind (' ');

            if (firstSpace == std::string::npos || lastSpace == firstSpace)
                return false;

            request.method = lines[0].substr (0, firstSpace);
            request.target = lines[0].substr (firstSpace + 1, lastSpace - firstSpace - 1);
            request.httpVersion = lines[0].substr (lastSpace + 1);

            if (request.method.empty() || request.target.empty() || request.httpVersion.rfind ("HTTP/", 0) != 0)
                return false;

            auto questionMark = request.target.find ('?');
            request.path = request.target.substr (0, questionMark);

            if (questionMark != std::string::npos)
                request.query = request.target.substr (questionMark + 1);

            std::size_t paramStart = 0;

            while (paramStart < request.query.size())
            {
                auto ampersand = request.query.find ('&', paramStart);

                if (ampersand == std::string::npos)
                    ampersand = request.query.size();

                auto pair = request.query.substr (paramStart, ampersand - paramStart);

                if (! pair.empty())
                {
                    auto equals = pair.find ('=');
                    auto key = urlDecode (pair.substr (0, equals), true);
                    auto value = equals == std::string::npos ? std::string() : urlDecode (pair.substr (equals + 1), true);
                    request.queryParams[key] = value;
                }

                paramStart = ampersand + 1;
            }

            for (std::size_t i = 1; i < lines.size(); ++i)
            {
                auto colon = lines[i].find (':');

                if (colon == std::string::npos || colon == 0)
                    return false;

                request.headers.emplace_back (lines[i].substr (0, colon), trim (lines[i].substr (colon + 1)));
            }

            return true;
        }

        bool readBody (Request& request, int& errorStatus)
        {
            auto transferEncoding = toLower (request.header ("Transfer-Encoding"));

            if (transferEncoding.find ("chunked") != std::string::npos)
            {
                sendContinueIfExpected (request);
                return readChunkedBody (request, errorStatus);
            }

            if (! request.hasHeader ("Content-Length"))
                return true;

            auto lengthText = request.header ("Content-Length");

            if (lengthText.empty() || lengthText.find_first_not_of ("0123456789") != std::string::npos || lengthText.size() > 18)
            {
                errorStatus = 400;
                return false;
            }

            auto length = std::stoull (lengthText);

            if (length > maxRequestBodyBytes)
            {
                errorStatus = 413;
                return false;
            }

            if (buffer.size() - position < length)
                sendContinueIfExpected (request);

            if (! ensureAvailable ((std::size_t) length))
                return false;

            request.body = buffer.substr (position, (std::size_t) length);
            position += (std::size_t) length;
            return true;
        }

        bool readChunkedBody (Request& request, int& errorStatus)
        {
            for (;;)
            {
                std::string line;

                if (! readLine (line))
                    return false;

                auto sizeText = trim (line.substr (0, line.find (';')));

                if (sizeText.empty() || sizeText.size() > 15 || sizeText.find_first_not_of ("0123456789abcdefABCDEF") != std::string::npos)
                {
                    errorStatus = 400;
                    return false;
                }

                auto chunkSize = std::stoull (sizeText, nullptr, 16);

                if (chunkSize == 0)
                {
                    // Skip trailers up to the terminating blank line.
                    for (;;)
                    {
                        if (! readLine (line))
                            return false;

                        if (line.empty())
                            return true;
                    }
                }

                if (request.body.size() + chunkSize > maxRequestBodyBytes)
                {
                    errorStatus = 413;
                    return false;
                }

                if (! ensureAvailable ((std::size_t) chunkSize + 2))
                    return false;

                request.body.append (buffer, position, (std::size_t) chunkSize);
                position += (std::size_t) chunkSize + 2;
            }
        }

        bool readLine (std::string& line)
        {
            for (;;)
            {
                auto newline = buffer.find ('\n', position);

                if (newline != std::string::npos)
                {
                    line = buffer.substr (position, newline - position);

                    if (! line.empty() && line.back() == '\r')
                        line.pop_back();

                    position = newline + 1;
                    return true;
                }

                if (buffer.size() - position > maxHeaderBytes || ! io.receiveSome (buffer))
                    return false;
            }
        }

        bool ensureAvailable (std::size_t bytes)
        {
            while (buffer.size() - position < bytes)
                if (! io.receiveSome (buffer))
                    return false;

            return true;
        }

        void sendContinueIfExpected (const Request& request)
        {
            // curl waits ~1 s for this before sending large bodies anyway; answer so tests stay fast.
            if (equalsIgnoreCase (request.header ("Expect"), "100-continue") && request.httpVersion == "HTTP/1.1")
                io.sendAll ("HTTP/1.1 100 Continue\r\n\r\n");
        }

    public:
        /** Bytes received after the request (e.g. a client's first frames after an upgrade). */
        std::string unreadInput() const    { return buffer.substr (std::min (position, buffer.size())); }

    private:
        ConnectionIo& io;
        std::string buffer;
        std::size_t position = 0;
    };

    //==============================================================================
    /** Serves the body of a Response from either its string or its generator, in order. */
    class BodySource
    {
    public:
        explicit BodySource (const Response& r) : response (r), total (r.bodyLength()) {}

        /** Fills up to maxBytes; returns 0 at the end (or if the generator ends early). */
        std::size_t read (char* dest, std::size_t maxBytes)
        {
            auto wanted = (std::size_t) std::min<std::uint64_t> (maxBytes, total - offset);

            if (wanted == 0)
                return 0;

            std::size_t got = 0;

            if (response.bodyGenerator)
                got = std::min (response.bodyGenerator (offset, dest, wanted), wanted);
            else
            {
                std::memcpy (dest, response.body.data() + offset, wanted);
                got = wanted;
            }

            offset += got;
            return got;
        }

        std::uint64_t length() const    { return total; }

    private:
        const Response& response;
        std::uint64_t total;
        std::uint64_t offset = 0;
    };

    std::string buildHead (const Response& response, bool includeLengthHeader)
    {
        std::string head = "HTTP/1.1 " + std::to_string (response.status) + " "
                            + (response.reason.empty() ? reasonPhraseFor (response.status) : response.reason) + "\r\n";

        for (auto& h : response.headers)
            head += h.first + ": " + h.second + "\r\n";

        if (includeLengthHeader && response.addContentLength && ! response.hasHeader ("Content-Length"))
            head += "Content-Length: " + std::to_string (response.bodyLength()) + "\r\n";

        if (response.addConnectionClose && ! response.hasHeader ("Connection"))
            head += "Connection: close\r\n";

        return head + "\r\n";
    }

    bool statusHasNoBody (int status)
    {
        return (status >= 100 && status < 200) || status == 204 || status == 304;
    }

    /** Streams up to `limit` body bytes; false if the client left or the server is stopping. */
    bool streamBody (ConnectionIo& io, BodySource& source, std::uint64_t limit)
    {
        std::vector<char> chunk (streamChunkBytes);
        std::uint64_t sent = 0;

        while (sent < limit)
        {
            auto got = source.read (chunk.data(), (std::size_t) std::min<std::uint64_t> (chunk.size(), limit - sent));

            if (got == 0)
                return true;

            if (! io.sendAll (chunk.data(), got))
                return false;

            sent += got;
        }

        return true;
    }

    void trickle (ConnectionIo& io, const std::string& head, BodySource& body, const Response& response)
    {
        auto step = (std::size_t) std::max (1, response.trickleBytes);
        auto interval = std::max (0, response.trickleIntervalMs);
        std::size_t headOffset = 0;
        std::vector<char> piece (step);

        for (;;)
        {
            std::size_t count = 0;

            if (headOffset < head.size())
            {
                count = std::min (step, head.size() - headOffset);
                std::memcpy (piece.data(), head.data() + headOffset, count);
                headOffset += count;
            }
            else
            {
                count = body.read (piece.data(), step);
            }

            if (count == 0 || ! io.sendAll (piece.data(), count))
                return;

            if (! io.pause (interval))
                return;
        }
    }

    /** Sends (or deliberately fails to send) a response according to its Behaviour. */
    void deliver (ConnectionIo& io, const Request& request, const Response& response)
    {
        if (response.delayMs > 0 && ! io.pause (response.delayMs))
            return;

        switch (response.behaviour)
        {
            case Behaviour::CloseImmediately:
                return;

            case Behaviour::NeverAnswer:
                io.pause (-1);
                return;

            case Behaviour::RawBytes:
                io.sendAll (response.body);
                return;

            case Behaviour::TakeOver:
                return;   // handled by serveConnection, which has the socket

            default:
                break;
        }

        bool headOnly = request.method == "HEAD" || statusHasNoBody (response.status);
        auto head = buildHead (response, ! statusHasNoBody (response.status));
        BodySource body (response);

        switch (response.behaviour)
        {
            case Behaviour::HeadersThenStall:
                if (io.sendAll (head))
                    io.pause (-1);
                return;

            case Behaviour::DieMidBody:
                if (io.sendAll (head) && ! headOnly)
                    streamBody (io, body, body.length() / 2);
                return;

            case Behaviour::Trickle:
            {
                Response empty;
                BodySource noBody (empty);
                trickle (io, head, headOnly ? noBody : body, response);
                return;
            }

            case Behaviour::Normal:
            default:
                if (io.sendAll (head) && ! headOnly)
                    streamBody (io, body, body.length());
                return;
        }
    }
}

//==============================================================================
std::string Request::header (const std::string& name) const
{
    for (auto& h : headers)
        if (equalsIgnoreCase (h.first, name))
            return h.second;

    return {};
}

bool Request::hasHeader (const std::string& name) const
{
    return std::any_of (headers.begin(), headers.end(),
                        [&] (const auto& h) { return equalsIgnoreCase (h.first, name); });
}

std::string Request::param (const std::string& name) const
{
    auto it = queryParams.find (name);
    return it != queryParams.end() ? it->second : std::string();
}

//==============================================================================
bool Response::hasHeader (const std::string& name) const
{
    return std::any_of (headers.begin(), headers.end(),
                        [&] (const auto& h) { return equalsIgnoreCase (h.first, name); });
}

Response& Response::setHeader (const std::string& name, const std::string& value)
{
    for (auto& h : headers)
    {
        if (equalsIgnoreCase (h.first, name))
        {
            h.second = value;
            return *this;
        }
    }

    headers.emplace_back (name, value);
    return *this;
}

std::uint64_t Response::bodyLength() const
{
    return bodyGenerator ? bodySize : (std::uint64_t) body.size();
}

Response Response::text (int status, const std::string& body)
{
    Response r;
    r.status = status;
    r.body = body;
    r.headers.emplace_back ("Content-Type", "text/plain; charset=utf-8");
    return r;
}

Response Response::json (int status, const std::string& jsonText)
{
    Response r;
    r.status = status;
    r.body = jsonText;
    r.headers.emplace_back ("Content-Type", "application/json; charset=utf-8");
    return r;
}

Response Response::html (int status, const std::string& body)
{
    Response r;
    r.status = status;
    r.body = body;
    r.headers.emplace_back ("Content-Type", "text/html; charset=utf-8");
    return r;
}

Response Response::empty (int status)
{
    Response r;
    r.status = status;
    return r;
}

Response Response::withBehaviour (Behaviour behaviour)
{
    Response r;
    r.behaviour = behaviour;
    return r;
}

Response Response::takingOver (TakeOverHandler handler)
{
    Response r;
    r.behaviour = Behaviour::TakeOver;
    r.takeOver = std::move (handler);
    return r;
}

//==============================================================================
TakenConnection::TakenConnection (int fd, int stopFd, std::string unreadInput)
    : socketFd (fd), stopPipeFd (stopFd), unread (std::move (unreadInput))
{
}

std::string TakenConnection::takeUnreadInput()
{
    return std::exchange (unread, {});
}

bool TakenConnection::stopping() const
{
    return ConnectionIo (socketFd, stopPipeFd).isStopping();
}

bool TakenConnection::send (const std::string& bytes)
{
    return ConnectionIo (socketFd, stopPipeFd).sendAll (bytes);
}

long TakenConnection::receive (std::string& buffer, int timeoutMs)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds (std::max (timeoutMs, 0));

    for (;;)
    {
        char chunk[16 * 1024];
        auto got = ::recv (socketFd, chunk, sizeof (chunk), 0);

        if (got > 0)
        {
            buffer.append (chunk, (std::size_t) got);
            return (long) got;
        }

        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return -1;

        if (errno == EINTR)
            continue;

        int wait = -1;

        if (timeoutMs >= 0)
        {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds> (deadline - std::chrono::steady_clock::now()).count();

            if (left <= 0)
                return 0;

            wait = (int) left;
        }

        pollfd fds[2] = { { socketFd, POLLIN, 0 }, { stopPipeFd, POLLIN, 0 } };
        auto ready = ::poll (fds, 2, wait);

        if (ready < 0 && errno != EINTR)
            return -1;

        if (fds[1].revents != 0)
            return -1;
    }
}

//==============================================================================
TestHttpServer::TestHttpServer (Handler h) : handler (std::move (h)) {}

TestHttpServer::~TestHttpServer()
{
    stop();
}

bool TestHttpServer::start (int requestedPort)
{
    std::lock_guard<std::mutex> lifecycle (lifecycleMutex);

    if (running)
        return false;

    int fd = ::socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    if (fd < 0)
        return false;

    int yes = 1;
    ::setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof (yes));

    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons ((uint16_t) requestedPort);
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

    socklen_t length = sizeof (address);

    if (::bind (fd, reinterpret_cast<sockaddr*> (&address), sizeof (address)) != 0
         || ::listen (fd, 128) != 0
         || ::getsockname (fd, reinterpret_cast<sockaddr*> (&address), &length) != 0
         || ::pipe2 (wakePipe, O_CLOEXEC | O_NONBLOCK) != 0)
    {
        ::close (fd);
        return false;
    }

    listenFd = fd;
    boundPort = ntohs (address.sin_port);
    running = true;
    acceptThread = std::thread ([this] { acceptLoop(); });
    return true;
}

void TestHttpServer::stop()
{
    std::lock_guard<std::mutex> lifecycle (lifecycleMutex);

    if (! running)
        return;

    running = false;

    // The pipe stays readable from now on, which wakes every poll() in every thread.
    char wake = 'x';
    [[maybe_unused]] auto ignored = ::write (wakePipe[1], &wake, 1);

    if (acceptThread.joinable())
        acceptThread.join();

    reapFinishedConnections (true);

    closeFd (listenFd);
    closeFd (wakePipe[0]);
    closeFd (wakePipe[1]);
}

bool TestHttpServer::restart()
{
    auto previousPort = port();
    stop();
    return start (previousPort);
}

bool TestHttpServer::isRunning() const
{
    return running;
}

int TestHttpServer::port() const
{
    return boundPort;
}

std::string TestHttpServer::baseUrl() const
{
    return "http://127.0.0.1:" + std::to_string (port());
}

//==============================================================================
std::vector<Request> TestHttpServer::requests() const
{
    std::lock_guard<std::mutex> lock (requestsMutex);
    return recordedRequests;
}

std::size_t TestHttpServer::requestCount() const
{
    std::lock_guard<std::mutex> lock (requestsMutex);
    return recordedRequests.size();
}

Request TestHttpServer::lastRequest() const
{
    std::lock_guard<std::mutex> lock (requestsMutex);
    return recordedRequests.empty() ? Request() : recordedRequests.back();
}

void TestHttpServer::clearRequests()
{
    std::lock_guard<std::mutex> lock (requestsMutex);
    recordedRequests.clear();
}

bool TestHttpServer::waitForRequests (std::size_t count, int timeoutMs) const
{
    std::unique_lock<std::mutex> lock (requestsMutex);
    return requestsChanged.wait_for (lock, std::chrono::milliseconds (timeoutMs),
                                     [&] { return recordedRequests.size() >= count; });
}

std::size_t TestHttpServer::connectionCount() const
{
    return acceptedConnections;
}

std::size_t TestHttpServer::liveConnectionCount() const
{
    std::lock_guard<std::mutex> lock (connectionsMutex);
    return (std::size_t) std::count_if (connections.begin(), connections.end(),
                                        [] (const Connection& c) { return ! c.finished->load(); });
}

void TestHttpServer::setHandler (Handler newHandler)
{
    std::lock_guard<std::mutex> lock (handlerMutex);
    handler = std::move (newHandler);
}

void TestHttpServer::setMaxConnections (std::size_t maxLive)
{
    std::lock_guard<std::mutex> lock (connectionsMutex);
    maxConnections = std::max<std::size_t> (1, maxLive);
}

TestHttpServer::Handler TestHttpServer::currentHandler() const
{
    std::lock_guard<std::mutex> lock (handlerMutex);
    return handler;
}

void TestHttpServer::recordRequest (const Request& request)
{
    {
        std::lock_guard<std::mutex> lock (requestsMutex);
        recordedRequests.push_back (request);
    }

    requestsChanged.notify_all();
}

//==============================================================================
int TestHttpServer::findFreePort()
{
    int fd = ::socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return 0;

    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t length = sizeof (address);
    int result = 0;

    if (::bind (fd, reinterpret_cast<sockaddr*> (&address), sizeof (address)) == 0
         && ::getsockname (fd, reinterpret_cast<sockaddr*> (&address), &length) == 0)
        result = ntohs (address.sin_port);

    ::close (fd);
    return result;
}

//==============================================================================
void TestHttpServer::acceptLoop()
{
    for (;;)
    {
        pollfd fds[2] = { { listenFd, POLLIN, 0 }, { wakePipe[0], POLLIN, 0 } };

        if (::poll (fds, 2, -1) < 0)
        {
            if (errno == EINTR)
                continue;

            return;
        }

        if (fds[1].revents != 0)
            return;

        if ((fds[0].revents & POLLIN) == 0)
            continue;

        int clientFd = ::accept4 (listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (clientFd < 0)
        {
            // EMFILE etc.: back off briefly instead of spinning, but stay responsive to stop().
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED && errno != EINTR)
            {
                pollfd wake { wakePipe[0], POLLIN, 0 };
                ::poll (&wake, 1, 10);
            }

            continue;
        }

        ++acceptedConnections;
        reapFinishedConnections (false);

        std::lock_guard<std::mutex> lock (connectionsMutex);

        if (connections.size() >= maxConnections)
        {
            ::close (clientFd);
            continue;
        }

        Connection connection;
        connection.finished = std::make_shared<std::atomic<bool>> (false);
        auto finished = connection.finished;

        try
        {
            connection.thread = std::thread ([this, clientFd, finished]
            {
                serveConnection (clientFd);
                finished->store (true);
            });
        }
        catch (const std::system_error&)
        {
            ::close (clientFd);
            continue;
        }

        connections.push_back (std::move (connection));
    }
}

void TestHttpServer::reapFinishedConnections (bool joinAll)
{
    std::list<Connection> toJoin;

    {
        std::lock_guard<std::mutex> lock (connectionsMutex);

        for (auto it = connections.begin(); it != connections.end();)
        {
            if (joinAll || it->finished->load())
            {
                toJoin.push_back (std::move (*it));
                it = connections.erase (it);
            }
            else
            {
                ++it;
            }
        }
    }

    for (auto& c : toJoin)
        if (c.thread.joinable())
            c.thread.join();
}

void TestHttpServer::serveConnection (int clientFd)
{
    ConnectionIo io (clientFd, wakePipe[0]);
    RequestReader reader (io);
    Request request;
    int errorStatus = 0;

    if (reader.read (request, errorStatus))
    {
        request.receivedAt = std::chrono::steady_clock::now();
        recordRequest (request);

        Response response;

        try
        {
            auto h = currentHandler();
            response = h ? h (request) : Response::text (500, "500: no handler");
        }
        catch (const std::exception& e)
        {
            response = Response::text (500, std::string ("500 Internal Server Error\n\n") + e.what());
        }
        catch (...)
        {
            response = Response::text (500, "500 Internal Server Error\n\nServer got itself in trouble");
        }

        if (response.behaviour == Behaviour::TakeOver)
        {
            if (response.takeOver && (response.delayMs <= 0 || io.pause (response.delayMs)))
            {
                TakenConnection connection (clientFd, wakePipe[0], reader.unreadInput());

                try
                {
                    response.takeOver (connection);
                }
                catch (...)
                {
                    // A failing session just ends its connection.
                }
            }
        }
        else
        {
            deliver (io, request, response);
        }
    }
    else if (errorStatus != 0)
    {
        auto status = std::to_string (errorStatus);
        deliver (io, request, Response::text (errorStatus, status + ": " + reasonPhraseFor (errorStatus)));
    }

    // Half-close and drain briefly so the client reads a clean EOF instead of a RST.
    if (! io.isStopping())
    {
        ::shutdown (clientFd, SHUT_WR);
        io.pause (lingerAfterResponseMs);
    }

    ::close (clientFd);
}

//==============================================================================
std::string reasonPhraseFor (int status)
{
    switch (status)
    {
        case 100: return "Continue";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 413: return "Request Entity Too Large";
        case 415: return "Unsupported Media Type";
        case 429: return "Too Many Requests";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default:  return "Unknown";
    }
}

std::string urlDecode (const std::string& text, bool plusIsSpace)
{
    std::string result;
    result.reserve (text.size());

    for (std::size_t i = 0; i < text.size(); ++i)
    {
        auto c = text[i];

        if (c == '%' && i + 2 < text.size() && hexValue (text[i + 1]) >= 0 && hexValue (text[i + 2]) >= 0)
        {
            result += (char) (hexValue (text[i + 1]) * 16 + hexValue (text[i + 2]));
            i += 2;
        }
        else if (c == '+' && plusIsSpace)
        {
            result += ' ';
        }
        else
        {
            result += c;
        }
    }

    return result;
}

} // namespace TestHelpers
