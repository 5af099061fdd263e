/*
    TestHttpServer — a tiny threaded HTTP/1.1 server for unit tests.

    Pure C++17 + POSIX sockets; no JUCE. It only ever binds 127.0.0.1, so a test
    that needs "localhost resolves to ::1 first while only IPv4 listens" can use
    it as-is: nothing listens on ::1.
*/

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace TestHelpers
{

//==============================================================================
/** One HTTP request as received by TestHttpServer. */
struct Request
{
    std::string method;        /**< e.g. "GET" (as sent, not normalised). */
    std::string target;        /**< Raw request target, e.g. "/api/view?filename=a%20b.png". */
    std::string path;          /**< Target without the query string, still percent-encoded. */
    std::string query;         /**< Raw query string (after '?'), empty if none. */
    std::map<std::string, std::string> queryParams;   /**< URL-decoded ('+' = space); last one wins. */
    std::vector<std::pair<std::string, std::string>> headers;   /**< In arrival order, names as sent. */
    std::string body;          /**< De-chunked body (Content-Length or chunked). */
    std::string httpVersion;   /**< e.g. "HTTP/1.1". */

    /** Filled by routers (e.g. FakeComfyUI) for "{name}" segments of a route pattern. */
    std::map<std::string, std::string> pathParams;

    /** When the request was fully received (for retry/back-off timing asserts). */
    std::chrono::steady_clock::time_point receivedAt;

    /** Case-insensitive header lookup; returns "" if absent (first match wins). */
    std::string header (const std::string& name) const;

    /** Case-insensitive header presence test. */
    bool hasHeader (const std::string& name) const;

    /** Convenience: the query parameter or "" if absent. */
    std::string param (const std::string& name) const;
};

//==============================================================================
/** How the server delivers (or fails to deliver) a Response. */
enum class Behaviour
{
    Normal,            /**< Well-formed response, then close. */
    CloseImmediately,  /**< Read the request, then close without sending a byte ("empty reply"). */
    NeverAnswer,       /**< Read the request, then hold the socket open silently until stop() or the client leaves. */
    HeadersThenStall,  /**< Send status line + headers (with the body's Content-Length), then nothing. */
    Trickle,           /**< Send the whole response trickleBytes at a time every trickleIntervalMs. */
    DieMidBody,        /**< Send headers + the first half of the body, then close. */
    RawBytes,          /**< Send `body` verbatim (no status line/headers), then close: for "not HTTP at all". */
    TakeOver           /**< Send nothing; run Response::takeOver on the connection (e.g. a WebSocket session). */
};

//==============================================================================
/**
    The raw connection handed to a Behaviour::TakeOver handler, on the connection's
    own thread. The socket is non-blocking and stays owned by the server: it is
    half-closed and closed after the handler returns. The handler must return
    promptly once stopping() is true: poll stopFd() alongside fd(), or use the
    send()/receive() helpers, which already do.
*/
class TakenConnection
{
public:
    /** Made by the server; tests do not create these. */
    TakenConnection (int socketFd, int stopPipeFd, std::string unreadInput);

    /** The client socket (non-blocking). Do not close it. */
    int fd() const              { return socketFd; }

    /** Becomes readable once the server is stopping; include it in every poll(). */
    int stopFd() const          { return stopPipeFd; }

    /** Bytes the client sent after the request that were already read off the socket. */
    std::string takeUnreadInput();

    /** True once stop() was called. */
    bool stopping() const;

    /** Sends everything; false if the server is stopping or the client went away. */
    bool send (const std::string& bytes);

    /** Waits up to timeoutMs (-1 = no limit) and appends what arrives to `buffer`.
        Returns the number of bytes appended (> 0), 0 on timeout, or -1 on EOF,
        error or stop.
    */
    long receive (std::string& buffer, int timeoutMs);

private:
    int socketFd;
    int stopPipeFd;
    std::string unread;
};

/** Runs a Behaviour::TakeOver session; see TakenConnection. */
using TakeOverHandler = std::function<void (TakenConnection& connection)>;

/** Produces body bytes on demand so that huge bodies are never held in memory.
    Fill `dest` with up to `maxBytes` bytes of the body starting at `offset` and return
    how many were written; returning 0 ends the body early.
*/
using BodyGenerator = std::function<std::size_t (std::uint64_t offset, char* dest, std::size_t maxBytes)>;

//==============================================================================
/** What a handler wants sent back, including deliberate misbehaviour. */
struct Response
{
    Behaviour behaviour = Behaviour::Normal;   /**< Normal, or how to misbehave. */
    int status = 200;                          /**< Status code in the status line. */
    std::string reason;                        /**< Empty = standard phrase for `status`. */
    std::vector<std::pair<std::string, std::string>> headers;   /**< Sent as-is, in order. */
    std::string body;                          /**< Body (or the raw bytes for Behaviour::RawBytes). */

    /** If set, the body is streamed from this instead of `body`; bodySize bytes long. */
    BodyGenerator bodyGenerator;
    std::uint64_t bodySize = 0;

    /** Add "Content-Length" automatically unless `headers` already has one (lets tests lie). */
    bool addContentLength = true;

    /** Add "Connection: close" automatically unless `headers` already has a Connection header. */
    bool addConnectionClose = true;

    /** Wait this long before answering (interrupted by stop()). */
    int delayMs = 0;

    /** Behaviour::TakeOver: runs instead of sending anything (after delayMs). */
    TakeOverHandler takeOver;

    /** Trickle pacing: trickleBytes bytes (status line and headers included) every trickleIntervalMs. */
    int trickleIntervalMs = 200;
    int trickleBytes = 1;       /**< See trickleIntervalMs. */

    //==============================================================================
    /** Case-insensitive check whether `headers` holds `name`. */
    bool hasHeader (const std::string& name) const;

    /** Replaces (or adds) a header, case-insensitively. Returns *this for chaining. */
    Response& setHeader (const std::string& name, const std::string& value);

    /** Total body length: bodySize if a generator is set, else body.size(). */
    std::uint64_t bodyLength() const;

    //==============================================================================
    /** A 200..599 response with a plain-text body ("text/plain; charset=utf-8"). */
    static Response text (int status, const std::string& body);

    /** A response with a JSON text body ("application/json; charset=utf-8"), as aiohttp's json_response. */
    static Response json (int status, const std::string& jsonText);

    /** A text/html response. */
    static Response html (int status, const std::string& body);

    /** A response with no body and no Content-Type (aiohttp's bare web.Response(status=N)). */
    static Response empty (int status);

    /** A response with a given Behaviour and nothing else set. */
    static Response withBehaviour (Behaviour behaviour);

    /** A Behaviour::TakeOver response running `handler` on the connection. */
    static Response takingOver (TakeOverHandler handler);
};

//==============================================================================
/**
    A small threaded HTTP/1.1 server bound to 127.0.0.1.

    One accept thread (poll() + a wake pipe), one thread per connection (at most
    maxConnections live; extra ones are accepted and closed at once). Every response
    is sent with "Connection: close". All waits poll() a stop pipe, so stop() is prompt
    even with clients stalled mid-response or a handler delay pending. A handler may
    also take the connection over (Behaviour::TakeOver), e.g. for a WebSocket session.

    Every fully received request is recorded before the handler runs, so tests can
    assert what the client sent (e.g. that no Origin header was present).
*/
class TestHttpServer
{
public:
    /** Handler called on a connection thread for every complete request. Exceptions become a 500. */
    using Handler = std::function<Response (const Request&)>;

    /** Creates a stopped server; the handler must be thread-safe (it may run concurrently). */
    explicit TestHttpServer (Handler handler);

    /** Calls stop(). */
    ~TestHttpServer();

    TestHttpServer (const TestHttpServer&) = delete;
    TestHttpServer& operator= (const TestHttpServer&) = delete;

    //==============================================================================
    /** Binds 127.0.0.1:port (0 = ephemeral) with SO_REUSEADDR and starts serving.
        Returns false if already running or the bind failed.
    */
    bool start (int port = 0);

    /** Closes the listener and every open connection, and joins all threads. Idempotent. */
    void stop();

    /** stop() then start() on the same port (SO_REUSEADDR makes this work at once). */
    bool restart();

    /** True between a successful start() and stop(). */
    bool isRunning() const;

    /** The bound port (kept after stop() so restart() can reuse it); 0 before the first start. */
    int port() const;

    /** "http://127.0.0.1:PORT". */
    std::string baseUrl() const;

    //==============================================================================
    /** Copy of every request received so far (oldest first). */
    std::vector<Request> requests() const;

    /** Number of requests received so far. */
    std::size_t requestCount() const;

    /** The most recent request; a default Request if none. */
    Request lastRequest() const;

    /** Forgets recorded requests (does not reset connectionCount()). */
    void clearRequests();

    /** Blocks until at least `count` requests were recorded or the timeout passes. */
    bool waitForRequests (std::size_t count, int timeoutMs) const;

    /** Number of TCP connections accepted since construction (includes ones that never sent a request). */
    std::size_t connectionCount() const;

    /** Number of connection threads currently alive. */
    std::size_t liveConnectionCount() const;

    /** Replaces the handler (thread-safe; affects requests arriving afterwards). */
    void setHandler (Handler newHandler);

    /** Upper bound for simultaneously live connections (default 256). Set before start(). */
    void setMaxConnections (std::size_t maxLive);

    //==============================================================================
    /** Binds 127.0.0.1:0, reads the port and closes it again: a port nothing listens on
        (modulo races with other processes grabbing it in between).
    */
    static int findFreePort();

private:
    struct Connection
    {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> finished;
    };

    void acceptLoop();
    void serveConnection (int clientFd);
    void reapFinishedConnections (bool joinAll);
    void recordRequest (const Request& request);
    Handler currentHandler() const;

    mutable std::mutex handlerMutex;
    Handler handler;

    std::mutex lifecycleMutex;          // serialises start/stop/restart
    std::atomic<bool> running { false };
    std::atomic<int> boundPort { 0 };
    int listenFd = -1;
    int wakePipe[2] = { -1, -1 };       // [0] is polled by every thread; written once by stop()
    std::thread acceptThread;

    mutable std::mutex connectionsMutex;
    std::list<Connection> connections;
    std::size_t maxConnections = 256;
    std::atomic<std::size_t> acceptedConnections { 0 };

    mutable std::mutex requestsMutex;
    mutable std::condition_variable requestsChanged;
    std::vector<Request> recordedRequests;
};

/** Standard reason phrase for an HTTP status ("Unknown" if not known). */
std::string reasonPhraseFor (int status);

/** Percent-decodes a URL component; '+' becomes a space when plusIsSpace. */
std::string urlDecode (const std::string& text, bool plusIsSpace);

} // namespace TestHelpers
