#include <cerrno>
#include <climits>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#ifndef MSG_NOSIGNAL
 #define MSG_NOSIGNAL 0 // macOS: SO_NOSIGPIPE is set on the socket instead
#endif

// glibc's getaddrinfo_a lets the deadline and cancel() bound a slow lookup. Its
// worker threads are started inside libc where ThreadSanitizer cannot see them,
// and their first malloc crashes a TSan build, so TSan builds look up blocking.
#if defined (__SANITIZE_THREAD__)
 #define COMFYBRIDGE_WS_ASYNC_DNS 0
#elif defined (__has_feature)
 #if __has_feature (thread_sanitizer)
  #define COMFYBRIDGE_WS_ASYNC_DNS 0
 #endif
#endif

#ifndef COMFYBRIDGE_WS_ASYNC_DNS
 #if defined (__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
  #define COMFYBRIDGE_WS_ASYNC_DNS 1
 #else
  #define COMFYBRIDGE_WS_ASYNC_DNS 0
 #endif
#endif

namespace comfybridge
{

//==============================================================================
/** Non-blocking byte stream under the client: plain TCP, or TLS wrapping it. Both
    report wantRead/wantWrite instead of blocking, so every wait is the client's own
    poll() on descriptor() and the cancel pipe, and the frame code is the same for both.
*/
class WebSocketTransport
{
public:
    enum class Status { done, wantRead, wantWrite, closed, failed };

    virtual ~WebSocketTransport() = default;

    /** Reads up to @p size bytes without blocking; @p got is set when done. */
    virtual Status read (char* dest, size_t size, size_t& got) = 0;

    /** Writes up to @p size bytes without blocking; @p sent is set when done. */
    virtual Status write (const char* source, size_t size, size_t& sent) = 0;

    /** The descriptor to poll() when read() or write() asked to wait. */
    virtual int descriptor() const = 0;

    /** Describes the error behind the last `failed`. */
    virtual juce::String lastErrorText() const = 0;
};

namespace
{
    using Clock = std::chrono::steady_clock;

    constexpr size_t maxHandshakeBytes = 16 * 1024;
    constexpr size_t readChunkBytes = 32 * 1024;

    enum Opcode
    {
        continuation = 0x0,
        text = 0x1,
        binary = 0x2,
        closeFrame = 0x8,
        ping = 0x9,
        pong = 0xa
    };

    //==============================================================================
    class PlainTransport final : public WebSocketTransport
    {
    public:
        explicit PlainTransport (int socketFd) : fd (socketFd) {}
        ~PlainTransport() override { ::close (fd); }

        Status read (char* dest, size_t size, size_t& got) override
        {
            for (;;)
            {
                const auto result = ::recv (fd, dest, size, 0);

                if (result > 0)
                {
                    got = (size_t) result;
                    return Status::done;
                }

                if (result == 0)
                    return Status::closed;

                if (errno == EINTR)
                    continue;

                return errno == EAGAIN || errno == EWOULDBLOCK ? Status::wantRead : fail();
            }
        }

        Status write (const char* source, size_t size, size_t& sent) override
        {
            for (;;)
            {
                const auto result = ::send (fd, source, size, MSG_NOSIGNAL);

                if (result >= 0)
                {
                    sent = (size_t) result;
                    return Status::done;
                }

                if (errno == EINTR)
                    continue;

                return errno == EAGAIN || errno == EWOULDBLOCK ? Status::wantWrite : fail();
            }
        }

        int descriptor() const override            { return fd; }
        juce::String lastErrorText() const override { return std::strerror (lastErrno); }

    private:
        Status fail()
        {
            lastErrno = errno;
            return Status::failed;
        }

        int fd;
        int lastErrno = 0;
    };


    //==============================================================================
    /** TLS over a connected PlainTransport. OpenSSL reaches the socket only through
        a small BIO that calls the plain transport (so writes keep MSG_NOSIGNAL and
        never block); SSL_ERROR_WANT_READ/WRITE become wantRead/wantWrite and the
        client polls, exactly as for plain TCP.

        No bytes can hide in OpenSSL while the client polls: read() is always tried
        before a wait, and OpenSSL (read-ahead off) only returns WANT_READ when it
        holds no decrypted bytes (SSL_pending() == 0) and needs more from the socket.
    */
    class TlsTransport final : public WebSocketTransport
    {
    public:
        explicit TlsTransport (std::unique_ptr<WebSocketTransport> socketTransport)
            : inner (std::move (socketTransport))
        {
        }

        ~TlsTransport() override
        {
            if (ssl != nullptr)
            {
                // Polite close_notify, one non-blocking try; never after a fatal error.
                if (established && ! broken)
                {
                    ERR_clear_error();
                    SSL_shutdown (ssl);
                }

                SSL_free (ssl); // also frees the BIO
            }

            if (context != nullptr)
                SSL_CTX_free (context);

            ERR_clear_error();
        }

        /** Sets up certificate checks for @p host; the handshake itself is run by handshake(). */
        juce::Result prepare (const juce::String& host, const juce::String& caFile)
        {
            ERR_clear_error();
            context = SSL_CTX_new (TLS_client_method());

            if (context == nullptr)
                return juce::Result::fail ("cannot set up TLS: " + describeOpenSslError());

            SSL_CTX_set_min_proto_version (context, TLS1_2_VERSION);
            SSL_CTX_set_verify (context, SSL_VERIFY_PEER, nullptr);
           #ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
            // A server that drops TCP without close_notify has simply closed, as over ws://
            // (OpenSSL 1.1.1 reports it as SSL_ERROR_SYSCALL with no error, handled below).
            SSL_CTX_set_options (context, SSL_OP_IGNORE_UNEXPECTED_EOF);
           #endif
            SSL_CTX_set_mode (context, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

            if (caFile.isNotEmpty())
            {
                if (SSL_CTX_load_verify_locations (context, caFile.toRawUTF8(), nullptr) != 1)
                    return juce::Result::fail ("certificate problem: cannot read CA certificates from \"" + caFile + "\" ("
                                               + describeOpenSslError() + ")");
            }
            else if (SSL_CTX_set_default_verify_paths (context) != 1)
            {
                return juce::Result::fail ("cannot load the system's CA certificates: " + describeOpenSslError());
            }

            ssl = SSL_new (context);
            auto* bio = ssl != nullptr ? BIO_new (bioMethod()) : nullptr;

            if (bio == nullptr)
                return juce::Result::fail ("cannot set up TLS: " + describeOpenSslError());

            BIO_set_data (bio, this);
            BIO_set_init (bio, 1);
            SSL_set_bio (ssl, bio, bio);

            const auto name = host.toStdString();
            unsigned char address[sizeof (in6_addr)];
            const bool isIpLiteral = ::inet_pton (AF_INET, name.c_str(), address) == 1
                                  || ::inet_pton (AF_INET6, name.c_str(), address) == 1;

            if (isIpLiteral)
            {
                // An IP address must appear as an IP SAN; SNI is for host names only (RFC 6066).
                if (X509_VERIFY_PARAM_set1_ip_asc (SSL_get0_param (ssl), name.c_str()) != 1)
                    return juce::Result::fail ("cannot check the certificate against " + host);
            }
            else
            {
                SSL_set_hostflags (ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);

                if (SSL_set1_host (ssl, name.c_str()) != 1 || SSL_set_tlsext_host_name (ssl, name.c_str()) != 1)
                    return juce::Result::fail ("cannot check the certificate against " + host);
            }

            return juce::Result::ok();
        }

        /** One step of the TLS handshake: done, wantRead/wantWrite (poll, then call again) or failed. */
        Status handshake()
        {
            ERR_clear_error();
            const auto result = SSL_connect (ssl);

            if (result == 1)
            {
                established = true;
                return Status::done;
            }

            const auto status = statusFor (SSL_get_error (ssl, result));
            return status == Status::closed ? Status::failed : status;
        }

        /** Why handshake() failed, in words for the user. */
        juce::String describeHandshakeFailure() const
        {
            if (const auto verify = SSL_get_verify_result (ssl); verify != X509_V_OK)
                return "certificate problem: " + juce::String (X509_verify_cert_error_string (verify));

            if (sawEof)
                return "TLS handshake failed: the server closed the connection (is it serving https/wss on this port?)";

            return "TLS handshake failed" + (errorText.isNotEmpty() ? ": " + errorText : juce::String())
                   + (errorText.containsIgnoreCase ("wrong version number") ? " (is it serving plain http/ws on this port?)" : "");
        }

        Status read (char* dest, size_t size, size_t& got) override
        {
            ERR_clear_error();
            const auto result = SSL_read_ex (ssl, dest, size, &got);
            return result == 1 ? Status::done : statusFor (SSL_get_error (ssl, result));
        }

        Status write (const char* source, size_t size, size_t& sent) override
        {
            ERR_clear_error();
            const auto result = SSL_write_ex (ssl, source, size, &sent);
            return result == 1 ? Status::done : statusFor (SSL_get_error (ssl, result));
        }

        int descriptor() const override            { return inner->descriptor(); }
        juce::String lastErrorText() const override { return errorText; }

    private:
        Status statusFor (int error)
        {
            switch (error)
            {
                case SSL_ERROR_WANT_READ:   return Status::wantRead;
                case SSL_ERROR_WANT_WRITE:  return Status::wantWrite;
                case SSL_ERROR_ZERO_RETURN: sawEof = true; return Status::closed;

                case SSL_ERROR_SYSCALL:
                    broken = true;
                    errorText = socketFailed ? inner->lastErrorText() : describeOpenSslError();

                    if (errorText.isEmpty())
                    {
                        sawEof = true;
                        return Status::closed;
                    }

                    return Status::failed;

                default:
                    broken = true;
                    errorText = describeOpenSslError();
                    return Status::failed;
            }
        }

        static juce::String describeOpenSslError()
        {
            juce::String text;

            while (const auto code = ERR_get_error())
            {
                if (const auto* reason = ERR_reason_error_string (code))
                    text = reason; // the last one is the most specific
                else if (text.isEmpty())
                    text = "OpenSSL error " + juce::String::toHexString ((juce::int64) code);
            }

            return text;
        }

        //==============================================================================
        // The BIO's data is the TlsTransport; its callbacks use the inner plain transport.
        static int bioRead (BIO* bio, char* dest, int size)
        {
            BIO_clear_retry_flags (bio);
            auto& owner = *static_cast<TlsTransport*> (BIO_get_data (bio));
            size_t got = 0;

            switch (owner.inner->read (dest, (size_t) juce::jmax (0, size), got))
            {
                case Status::done:      return (int) got;
                case Status::closed:    return 0;
                case Status::wantRead:  BIO_set_retry_read (bio); return -1;
                case Status::wantWrite: BIO_set_retry_write (bio); return -1;
                case Status::failed:    break;
            }

            owner.socketFailed = true;
            return -1;
        }

        static int bioWrite (BIO* bio, const char* source, int size)
        {
            BIO_clear_retry_flags (bio);
            auto& owner = *static_cast<TlsTransport*> (BIO_get_data (bio));
            size_t sent = 0;

            switch (owner.inner->write (source, (size_t) juce::jmax (0, size), sent))
            {
                case Status::done:      return (int) sent;
                case Status::wantRead:  BIO_set_retry_read (bio); return -1;
                case Status::wantWrite: BIO_set_retry_write (bio); return -1;
                case Status::closed:
                case Status::failed:    break;
            }

            owner.socketFailed = true;
            return -1;
        }

        static long bioControl (BIO*, int command, long, void*)
        {
            return command == BIO_CTRL_FLUSH ? 1 : 0; // nothing is buffered: writes go straight to the socket
        }

        static BIO_METHOD* bioMethod()
        {
            // Created once, never freed (it lives as long as the process may use TLS).
            static BIO_METHOD* const method = []
            {
                auto* m = BIO_meth_new (BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "comfybridge socket");
                BIO_meth_set_read (m, bioRead);
                BIO_meth_set_write (m, bioWrite);
                BIO_meth_set_ctrl (m, bioControl);
                return m;
            }();

            return method;
        }

        std::unique_ptr<WebSocketTransport> inner;
        SSL_CTX* context = nullptr;
        SSL* ssl = nullptr;
        bool established = false, broken = false, sawEof = false, socketFailed = false;
        juce::String errorText;
    };

    //==============================================================================
    juce::String expectedAcceptFor (const juce::String& key)
    {
        const auto keyAndGuid = key.toStdString() + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
        const auto digest = sha1Digest (keyAndGuid.data(), keyAndGuid.size());
        return juce::Base64::toBase64 (digest.data(), digest.size());
    }

    //==============================================================================
    struct WebSocketUrl
    {
        juce::String host;        // without brackets
        int port = 80;            // 443 for wss://
        bool secure = false;      // wss://
        juce::String hostHeader;  // host[:port] as written, brackets kept
        juce::String target;      // path?query, at least "/"
    };

    juce::Result parseUrl (const juce::String& url, WebSocketUrl& out)
    {
        const auto text = url.trim();

        if (! text.contains ("://"))
            return juce::Result::fail ("not a WebSocket URL: \"" + url + "\"");

        const auto scheme = text.upToFirstOccurrenceOf ("://", false, false).toLowerCase();

        if (scheme != "ws" && scheme != "wss")
            return juce::Result::fail ("expected a ws:// URL (or wss://), got \"" + url + "\"");

        out.secure = scheme == "wss";
        out.port = out.secure ? 443 : 80;

        const auto rest = text.fromFirstOccurrenceOf ("://", false, false).upToFirstOccurrenceOf ("#", false, false);
        const auto authorityEnd = rest.indexOfAnyOf ("/?");
        auto authority = authorityEnd < 0 ? rest : rest.substring (0, authorityEnd);
        out.target = authorityEnd < 0 ? juce::String ("/") : rest.substring (authorityEnd);

        if (out.target.startsWithChar ('?'))
            out.target = "/" + out.target;

        if (authority.containsChar ('@'))
            return juce::Result::fail ("user names in WebSocket URLs are not supported: use an Authorization header");

        juce::String portText;

        if (authority.startsWithChar ('['))
        {
            const auto close = authority.indexOfChar (']');

            if (close < 0)
                return juce::Result::fail ("unterminated IPv6 address in \"" + url + "\"");

            out.host = authority.substring (1, close);
            const auto after = authority.substring (close + 1);

            if (after.isNotEmpty() && ! after.startsWithChar (':'))
                return juce::Result::fail ("bad host in \"" + url + "\"");

            portText = after.substring (1);
        }
        else
        {
            const auto colon = authority.lastIndexOfChar (':');
            out.host = colon < 0 ? authority : authority.substring (0, colon);
            portText = colon < 0 ? juce::String() : authority.substring (colon + 1);

            if (out.host.containsChar (':'))
                return juce::Result::fail ("IPv6 addresses must be in brackets, e.g. ws://[::1]:8188/ws");
        }

        if (out.host.isEmpty())
            return juce::Result::fail ("no host in \"" + url + "\"");

        if (authority.contains (":") && ! authority.endsWithChar (']'))
        {
            if (portText.isEmpty() || ! portText.containsOnly ("0123456789") || portText.length() > 5
                || portText.getIntValue() < 1 || portText.getIntValue() > 65535)
                return juce::Result::fail ("bad port in \"" + url + "\"");

            out.port = portText.getIntValue();
        }

        // Anything at or below ' ' would let the URL inject request lines.
        for (auto c : out.target.toStdString())
            if ((unsigned char) c <= ' ' || c == 0x7f)
                return juce::Result::fail ("the URL path contains spaces or control characters: percent-encode them");

        out.hostHeader = authority;
        return juce::Result::ok();
    }

    //==============================================================================
    /** Resolves @p host; literals and "localhost" directly, other names with
        glibc's getaddrinfo_a (where available) so that the deadline and cancel()
        also bound a slow DNS or mDNS lookup (checked every 10 ms).
    */
    juce::Result resolveHost (const juce::String& host, int port, [[maybe_unused]] Clock::time_point deadline,
                              [[maybe_unused]] const std::atomic<bool>& cancelled, addrinfo*& list)
    {
        const auto service = juce::String (port).toStdString();
        const auto name = host.toStdString();

        addrinfo hints {};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;

        if (::getaddrinfo (name.c_str(), service.c_str(), &hints, &list) == 0)
            return juce::Result::ok();

        hints.ai_flags = AI_NUMERICSERV;
        auto describe = [&host] (int code)
        {
            if (code == EAI_NONAME || code == EAI_NODATA || code == EAI_FAIL)
                return juce::Result::fail ("the host name \"" + host + "\" does not resolve");

            return juce::Result::fail ("cannot resolve \"" + host + "\": " + juce::String (::gai_strerror (code)));
        };

       #if COMFYBRIDGE_WS_ASYNC_DNS
        if (! host.equalsIgnoreCase ("localhost"))
        {
            struct Lookup
            {
                std::string name, service;
                addrinfo hints {};
                gaicb request {};
            };

            auto lookup = std::make_unique<Lookup>();
            lookup->name = name;
            lookup->service = service;
            lookup->hints = hints;
            lookup->request.ar_name = lookup->name.c_str();
            lookup->request.ar_service = lookup->service.c_str();
            lookup->request.ar_request = &lookup->hints;
            gaicb* requests[] = { &lookup->request };

            if (const auto code = ::getaddrinfo_a (GAI_NOWAIT, requests, 1, nullptr); code != 0)
                return describe (code);

            for (;;)
            {
                const auto code = ::gai_error (&lookup->request);

                if (code == 0)
                {
                    list = lookup->request.ar_result;
                    return juce::Result::ok();
                }

                if (code != EAI_INPROGRESS)
                    return describe (code);

                const auto left = deadline - Clock::now();

                if (cancelled || left <= Clock::duration::zero())
                {
                    const auto cancelResult = ::gai_cancel (&lookup->request);

                    // A lookup already running cannot be stopped and glibc will
                    // still write into it: leave it (a few hundred bytes) to glibc.
                    if (cancelResult == EAI_NOTCANCELED)
                        lookup.release();
                    else if (cancelResult == EAI_ALLDONE && ::gai_error (&lookup->request) == 0)
                        ::freeaddrinfo (lookup->request.ar_result);

                    return juce::Result::fail (cancelled ? "cancelled" : "timed out resolving \"" + host + "\"");
                }

                const auto slice = std::min<Clock::duration> (left, std::chrono::milliseconds (10));
                const timespec wait { 0, (long) std::chrono::duration_cast<std::chrono::nanoseconds> (slice).count() };
                const gaicb* waitList[] = { &lookup->request };
                ::gai_suspend (waitList, 1, &wait);
            }
        }
       #endif

        if (const auto code = ::getaddrinfo (name.c_str(), service.c_str(), &hints, &list); code != 0)
            return describe (code);

        return juce::Result::ok();
    }

    bool makeNonBlocking (int fd)
    {
        const auto flags = ::fcntl (fd, F_GETFL, 0);
        return flags >= 0 && ::fcntl (fd, F_SETFL, flags | O_NONBLOCK) == 0 && ::fcntl (fd, F_SETFD, FD_CLOEXEC) == 0;
    }

    int millisecondsUntil (Clock::time_point deadline)
    {
        if (deadline == Clock::time_point::max())
            return -1;

        const auto left = std::chrono::ceil<std::chrono::milliseconds> (deadline - Clock::now()).count();
        return (int) juce::jlimit<long long> (0, INT_MAX, (long long) left);
    }

    Clock::time_point deadlineAfter (double seconds)
    {
        return Clock::now() + std::chrono::microseconds ((long long) (juce::jmax (0.001, seconds) * 1.0e6));
    }

    bool headerHasToken (const juce::String& value, const juce::String& token)
    {
        for (const auto& item : juce::StringArray::fromTokens (value, ",", ""))
            if (item.trim().equalsIgnoreCase (token))
                return true;

        return false;
    }
}

//==============================================================================
enum class WebSocketClient::IoResult
{
    ready,
    timeout,
    cancelled,
    closed,
    failed
};

WebSocketClient::WebSocketClient()
{
    // The self-pipe that cancel() writes to; every poll() watches its read end.
    if (::pipe (cancelPipe) != 0 || ! makeNonBlocking (cancelPipe[0]) || ! makeNonBlocking (cancelPipe[1]))
        jassertfalse;
}

WebSocketClient::~WebSocketClient()
{
    dropConnection();

    for (auto fd : cancelPipe)
        if (fd >= 0)
            ::close (fd);
}

juce::String WebSocketClient::getLastError() const
{
    std::lock_guard<std::mutex> lock (errorMutex);
    return lastError;
}

void WebSocketClient::setError (const juce::String& message)
{
    std::lock_guard<std::mutex> lock (errorMutex);
    lastError = message;
}

void WebSocketClient::cancel()
{
    // One byte per cancellation is enough to keep the pipe readable, and never fills it.
    if (! cancelled.exchange (true))
    {
        const char wake = 'x';
        [[maybe_unused]] const auto written = ::write (cancelPipe[1], &wake, 1);
    }
}

void WebSocketClient::resetCancellation()
{
    char scratch[16];

    while (::read (cancelPipe[0], scratch, sizeof (scratch)) > 0)
    {
    }

    cancelled = false;
}

void WebSocketClient::dropConnection()
{
    transport.reset();
    open = false;
    closeSent = false;
    inbox.clear();
    inboxStart = 0;
    partialMessage.clear();
    inFragmentedMessage = false;
}

WebSocketClient::Deadline WebSocketClient::sendDeadline() const
{
    return deadlineAfter (options.sendTimeoutSeconds);
}

//==============================================================================
juce::Result WebSocketClient::connect (const Options& newOptions)
{
    dropConnection();
    setError ({});
    options = newOptions;

    auto fail = [this] (const juce::String& message)
    {
        dropConnection();
        setError (message);
        return juce::Result::fail (message);
    };

    if (cancelled)
        return fail ("cancelled");

    WebSocketUrl url;

    if (const auto parsed = parseUrl (options.url, url); parsed.failed())
        return fail (parsed.getErrorMessage());

    const auto deadline = deadlineAfter (options.connectTimeoutSeconds);

    if (const auto connected = openSocket (url.host, url.port, deadline); connected.failed())
        return fail (connected.getErrorMessage());

    if (url.secure)
        if (const auto secured = startTls (url.host, url.port, deadline); secured.failed())
            return fail (secured.getErrorMessage());

    if (const auto upgraded = performHandshake (url.hostHeader, url.target, deadline); upgraded.failed())
        return fail (upgraded.getErrorMessage());

    open = true;
    return juce::Result::ok();
}

juce::Result WebSocketClient::openSocket (const juce::String& host, int port, Deadline deadline)
{
    const auto where = (host.containsChar (':') ? "[" + host + "]" : host) + ":" + juce::String (port);
    addrinfo* addresses = nullptr;

    if (const auto resolved = resolveHost (host, port, deadline, cancelled, addresses); resolved.failed())
        return resolved;

    std::unique_ptr<addrinfo, decltype (&::freeaddrinfo)> owner (addresses, &::freeaddrinfo);
    int lastErrno = 0;

    // Try every address in order: "localhost" may give ::1 first while only
    // 127.0.0.1 listens, so a refusal falls through to the next one.
    for (auto* address = addresses; address != nullptr; address = address->ai_next)
    {
        const int fd = ::socket (address->ai_family, address->ai_socktype, address->ai_protocol);

        if (fd < 0)
        {
            lastErrno = errno;
            continue;
        }

        if (! makeNonBlocking (fd))
        {
            lastErrno = errno;
            ::close (fd);
            continue;
        }

        const int yes = 1;
        ::setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof (yes)); // small frames, sent at once
       #ifdef SO_NOSIGPIPE
        ::setsockopt (fd, SOL_SOCKET, SO_NOSIGPIPE, &yes, sizeof (yes));
       #endif

        int result = ::connect (fd, address->ai_addr, address->ai_addrlen);
        int error = result == 0 ? 0 : errno;

        if (result != 0 && error == EINPROGRESS)
        {
            const auto waited = waitFor (fd, true, deadline);

            if (waited != IoResult::ready)
            {
                ::close (fd);

                if (waited == IoResult::cancelled)
                    return juce::Result::fail ("cancelled");

                return juce::Result::fail ("timed out connecting to " + where);
            }

            socklen_t length = sizeof (error);

            if (::getsockopt (fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
                error = errno;
        }

        if (error == 0)
        {
            transport = std::make_unique<PlainTransport> (fd);
            return juce::Result::ok();
        }

        lastErrno = error;
        ::close (fd);
    }

    if (lastErrno == ECONNREFUSED)
        return juce::Result::fail ("connection refused by " + where + " (is ComfyUI running?)");

    return juce::Result::fail ("cannot connect to " + where + ": " + juce::String (std::strerror (lastErrno)));
}

juce::Result WebSocketClient::startTls (const juce::String& host, int port, Deadline deadline)
{
    const auto where = (host.containsChar (':') ? "[" + host + "]" : host) + ":" + juce::String (port);
    auto tls = std::make_unique<TlsTransport> (std::move (transport));

    if (const auto prepared = tls->prepare (host, options.caFile); prepared.failed())
        return prepared;

    // Every step that must wait polls the socket and the cancel pipe, under the connect deadline.
    for (;;)
    {
        const auto status = tls->handshake();

        if (status == WebSocketTransport::Status::done)
            break;

        if (status != WebSocketTransport::Status::wantRead && status != WebSocketTransport::Status::wantWrite)
            return juce::Result::fail (tls->describeHandshakeFailure() + " (" + where + ")");

        const auto waited = waitFor (tls->descriptor(), status == WebSocketTransport::Status::wantWrite, deadline);

        if (waited == IoResult::cancelled)
            return juce::Result::fail ("cancelled");

        if (waited == IoResult::timeout)
            return juce::Result::fail ("timed out in the TLS handshake with " + where + " (is it serving https/wss on this port?)");

        if (waited != IoResult::ready)
            return juce::Result::fail ("TLS handshake failed: waiting for the socket failed (" + where + ")");
    }

    transport = std::move (tls);
    return juce::Result::ok();
}

juce::Result WebSocketClient::performHandshake (const juce::String& hostHeader, const juce::String& target, Deadline deadline)
{
    uint8_t nonce[16];

    if (! fillWithSecureRandomBytes (nonce, sizeof (nonce)))
        return juce::Result::fail ("could not draw a random WebSocket key (OpenSSL's generator failed)");

    const auto key = juce::Base64::toBase64 (nonce, sizeof (nonce));

    // Never an Origin header: ComfyUI's middleware 403s an Origin whose host
    // differs from Host, and a native client has no origin to claim anyway.
    juce::String request;
    request << "GET " << target << " HTTP/1.1\r\n"
            << "Host: " << hostHeader << "\r\n"
            << "Upgrade: websocket\r\n"
            << "Connection: Upgrade\r\n"
            << "Sec-WebSocket-Key: " << key << "\r\n"
            << "Sec-WebSocket-Version: 13\r\n"
            << "User-Agent: ComfyBridge/0.1\r\n";

    for (const auto& name : options.headers.getAllKeys())
    {
        const auto lower = name.trim().toLowerCase();

        if (lower == "origin" || lower == "host" || lower == "upgrade" || lower == "connection"
            || lower.startsWith ("sec-websocket-"))
            continue;

        const auto value = options.headers[name];

        if ((name + value).containsAnyOf ("\r\n") || name.trim().isEmpty() || name.containsAnyOf (": "))
            return juce::Result::fail ("invalid request header \"" + name + "\"");

        request << name << ": " << value << "\r\n";
    }

    request << "\r\n";

    const auto requestBytes = request.toStdString();
    size_t written = 0;

    while (written < requestBytes.size())
    {
        size_t sent = 0;
        const auto status = transport->write (requestBytes.data() + written, requestBytes.size() - written, sent);

        if (status == WebSocketTransport::Status::done)
        {
            written += sent;
            continue;
        }

        if (status == WebSocketTransport::Status::failed || status == WebSocketTransport::Status::closed)
            return juce::Result::fail ("sending the WebSocket handshake failed: " + transport->lastErrorText());

        if (const auto waited = waitFor (transport->descriptor(), status == WebSocketTransport::Status::wantWrite, deadline);
            waited != IoResult::ready)
            return juce::Result::fail (waited == IoResult::cancelled ? "cancelled" : "timed out sending the WebSocket handshake");
    }

    // Read up to the blank line; anything after it is already frame data.
    size_t headEnd = std::string::npos;

    while ((headEnd = inbox.find ("\r\n\r\n")) == std::string::npos)
    {
        if (inbox.size() >= 5 && inbox.compare (0, 5, "HTTP/") != 0)
            return juce::Result::fail ("the server did not answer the WebSocket handshake with HTTP (is this ComfyUI?)");

        if (inbox.size() > maxHandshakeBytes)
            return juce::Result::fail ("the handshake answer is too large");

        const auto got = readMore (deadline);

        if (got == IoResult::cancelled)
            return juce::Result::fail ("cancelled");

        if (got == IoResult::timeout)
            return juce::Result::fail ("timed out waiting for the WebSocket handshake answer");

        if (got == IoResult::closed)
            return juce::Result::fail (inbox.empty() ? "the server closed the connection without answering the WebSocket handshake"
                                                     : "the server closed the connection in the middle of the handshake answer");

        if (got == IoResult::failed)
            return juce::Result::fail ("connection lost during the handshake: " + transport->lastErrorText());
    }

    const auto head = juce::String::fromUTF8 (inbox.data(), (int) headEnd);
    inboxStart = headEnd + 4;

    auto lines = juce::StringArray::fromLines (head);
    const auto statusLine = lines[0].trim();

    if (! statusLine.startsWith ("HTTP/1."))
        return juce::Result::fail ("the server did not answer the WebSocket handshake with HTTP (is this ComfyUI?)");

    const auto statusCode = statusLine.fromFirstOccurrenceOf (" ", false, false).getIntValue();
    const auto statusText = statusLine.fromFirstOccurrenceOf (" ", false, false).trim();

    if (statusCode != 101)
    {
        if (statusCode == 403)
            return juce::Result::fail ("the server refused the WebSocket upgrade with HTTP 403: ComfyUI's origin check rejects a request whose "
                                       "Origin differs from its Host (a proxy adding an Origin header?)");

        if (statusCode == 404)
            return juce::Result::fail ("HTTP 404: no WebSocket endpoint at " + target.upToFirstOccurrenceOf ("?", false, false)
                                       + " (is this ComfyUI?)");

        return juce::Result::fail ("the server answered the WebSocket handshake with HTTP " + statusText + " instead of 101");
    }

    juce::StringPairArray headers; // case-insensitive keys

    for (int i = 1; i < lines.size(); ++i)
    {
        const auto name = lines[i].upToFirstOccurrenceOf (":", false, false).trim();
        const auto value = lines[i].fromFirstOccurrenceOf (":", false, false).trim();

        if (name.isNotEmpty())
            headers.set (name, headers.containsKey (name) ? headers[name] + ", " + value : value);
    }

    if (! headers["Upgrade"].equalsIgnoreCase ("websocket") || ! headerHasToken (headers["Connection"], "upgrade"))
        return juce::Result::fail ("HTTP 101 without \"Upgrade: websocket\": not a WebSocket server");

    if (headers["Sec-WebSocket-Accept"] != expectedAcceptFor (key))
        return juce::Result::fail ("the server's Sec-WebSocket-Accept does not match our key");

    if (headers["Sec-WebSocket-Extensions"].isNotEmpty() || headers["Sec-WebSocket-Protocol"].isNotEmpty())
        return juce::Result::fail ("the server chose a WebSocket extension or subprotocol that was not offered");

    return juce::Result::ok();
}

//==============================================================================
WebSocketClient::IoResult WebSocketClient::waitFor (int fd, bool wantWrite, Deadline deadline) const
{
    for (;;)
    {
        if (cancelled)
            return IoResult::cancelled;

        const auto timeoutMs = millisecondsUntil (deadline);

        if (timeoutMs == 0 && Clock::now() >= deadline)
            return IoResult::timeout;

        pollfd fds[2] = { { fd, (short) (wantWrite ? POLLOUT : POLLIN), 0 }, { cancelPipe[0], POLLIN, 0 } };
        const auto result = ::poll (fds, 2, timeoutMs);

        if (result < 0 && errno != EINTR)
            return IoResult::failed;

        if (fds[1].revents != 0)
            return IoResult::cancelled;

        if (result > 0 && fds[0].revents != 0)
            return IoResult::ready; // or POLLERR/POLLHUP, which the next read/write reports
    }
}

WebSocketClient::IoResult WebSocketClient::readMore (Deadline deadline)
{
    if (inboxStart == inbox.size())
    {
        inbox.clear();
        inboxStart = 0;
    }
    else if (inboxStart >= readChunkBytes)
    {
        inbox.erase (0, inboxStart);
        inboxStart = 0;
    }

    char chunk[readChunkBytes];

    for (;;)
    {
        size_t got = 0;
        const auto status = transport->read (chunk, sizeof (chunk), got);

        switch (status)
        {
            case WebSocketTransport::Status::done:
                inbox.append (chunk, got);
                return IoResult::ready;

            case WebSocketTransport::Status::closed:
                return IoResult::closed;

            case WebSocketTransport::Status::failed:
                return IoResult::failed;

            case WebSocketTransport::Status::wantRead:
            case WebSocketTransport::Status::wantWrite:
                break;
        }

        const auto waited = waitFor (transport->descriptor(), status == WebSocketTransport::Status::wantWrite, deadline);

        if (waited != IoResult::ready)
            return waited;
    }
}

WebSocketClient::IoResult WebSocketClient::sendFrame (int opcode, const void* payload, size_t size, Deadline deadline)
{
    if (transport == nullptr)
        return IoResult::closed;

    std::string frame;
    frame.reserve (size + 14);
    frame += (char) (0x80 | opcode);

    if (size < 126)
    {
        frame += (char) (0x80 | size);
    }
    else if (size <= 0xffff)
    {
        frame += (char) (0x80 | 126);
        frame += (char) (size >> 8);
        frame += (char) size;
    }
    else
    {
        frame += (char) (0x80 | 127);

        for (int shift = 56; shift >= 0; shift -= 8)
            frame += (char) ((uint64_t) size >> shift);
    }

    // Every client frame is masked with a fresh, unpredictable key (RFC 6455 §5.3):
    // a cryptographic generator, not an LCG.
    uint8_t mask[4] = {};
    if (! fillWithSecureRandomBytes (mask, sizeof (mask)))
        return IoResult::failed;
    frame.append (reinterpret_cast<const char*> (mask), 4);

    const auto headerSize = frame.size();
    frame.resize (headerSize + size);
    const auto* bytes = static_cast<const uint8_t*> (payload);

    for (size_t i = 0; i < size; ++i)
        frame[headerSize + i] = (char) (bytes[i] ^ mask[i & 3]);

    size_t written = 0;

    while (written < frame.size())
    {
        size_t sent = 0;
        const auto status = transport->write (frame.data() + written, frame.size() - written, sent);

        if (status == WebSocketTransport::Status::done)
        {
            written += sent;
            continue;
        }

        if (status == WebSocketTransport::Status::failed || status == WebSocketTransport::Status::closed)
            return IoResult::failed;

        if (const auto waited = waitFor (transport->descriptor(), status == WebSocketTransport::Status::wantWrite, deadline);
            waited != IoResult::ready)
            return waited;
    }

    return IoResult::ready;
}

bool WebSocketClient::sendPing()
{
    if (! open || transport == nullptr || cancelled)
        return false;

    static const char payload[] = "comfybridge";

    if (sendFrame (ping, payload, sizeof (payload) - 1, sendDeadline()) == IoResult::ready)
        return true;

    dropConnection();
    setError ("could not send a ping");
    return false;
}

bool WebSocketClient::sendText (const std::string& message)
{
    if (! open || transport == nullptr)
    {
        setError ("not connected");
        return false;
    }

    if (cancelled)
        return false;

    const auto result = sendFrame (text, message.data(), message.size(), sendDeadline());

    if (result == IoResult::ready)
        return true;

    // A frame cut off half-way leaves the stream unusable.
    const auto reason = result == IoResult::cancelled ? juce::String ("cancelled while sending")
                      : result == IoResult::timeout   ? juce::String ("timed out sending (the server stopped reading)")
                                                      : "sending failed: " + transport->lastErrorText();
    dropConnection();
    setError (reason);
    return false;
}

WebSocketClient::ReceiveStatus WebSocketClient::failConnection (const juce::String& message, int closeCode)
{
    if (transport != nullptr && ! closeSent && ! cancelled && closeCode != 0)
    {
        // Best effort: tell the server why, but never wait long for it.
        const uint8_t payload[2] = { (uint8_t) (closeCode >> 8), (uint8_t) closeCode };
        sendFrame (closeFrame, payload, sizeof (payload), Clock::now() + std::chrono::milliseconds (50));
    }

    dropConnection();
    setError (message);
    return ReceiveStatus::error;
}

//==============================================================================
WebSocketClient::ReceiveStatus WebSocketClient::receive (WebSocketMessage& out, int timeoutMs)
{
    if (cancelled)
        return ReceiveStatus::cancelled;

    if (! open || transport == nullptr)
        return ReceiveStatus::closed;

    const auto deadline = timeoutMs < 0 ? Deadline::max() : Clock::now() + std::chrono::milliseconds (timeoutMs);

    for (;;)
    {
        if (const auto result = processInbox (out))
            return *result;

        switch (readMore (deadline))
        {
            case IoResult::ready:
                break;

            case IoResult::timeout:
                return ReceiveStatus::timeout;

            case IoResult::cancelled:
                return ReceiveStatus::cancelled;

            case IoResult::closed:
            {
                const bool weAskedToClose = closeSent;
                dropConnection();

                if (! weAskedToClose)
                    setError ("the server closed the connection without a close frame");

                return ReceiveStatus::closed;
            }

            case IoResult::failed:
                return failConnection ("connection lost: " + transport->lastErrorText(), 0);
        }
    }
}

std::optional<WebSocketClient::ReceiveStatus> WebSocketClient::processInbox (WebSocketMessage& out)
{
    for (;;)
    {
        const auto available = inbox.size() - inboxStart;

        if (available < 2)
            return std::nullopt;

        const auto* head = reinterpret_cast<const uint8_t*> (inbox.data() + inboxStart);
        const bool fin = (head[0] & 0x80) != 0;
        const int opcode = head[0] & 0x0f;
        const bool isControl = (opcode & 0x08) != 0;
        uint64_t length = head[1] & 0x7f;
        size_t headerSize = 2;

        // Checked before waiting for the payload, so a bad frame fails at once.
        if ((head[0] & 0x70) != 0)
            return failConnection ("protocol error: the server set reserved bits (no extension was negotiated)", 1002);

        if ((head[1] & 0x80) != 0)
            return failConnection ("protocol error: the server masked a frame (RFC 6455 forbids it)", 1002);

        if ((isControl && opcode > pong) || (! isControl && opcode > binary))
            return failConnection ("protocol error: unknown opcode " + juce::String (opcode), 1002);

        if (isControl && (! fin || length > 125))
            return failConnection ("protocol error: control frames must be unfragmented and at most 125 bytes", 1002);

        if (length == 126)
        {
            headerSize = 4;

            if (available < headerSize)
                return std::nullopt;

            length = (uint64_t) head[2] << 8 | head[3];
        }
        else if (length == 127)
        {
            headerSize = 10;

            if (available < headerSize)
                return std::nullopt;

            length = 0;

            for (int i = 2; i < 10; ++i)
                length = length << 8 | head[i];

            if ((length >> 63) != 0)
                return failConnection ("protocol error: frame length out of range", 1002);
        }

        if (! isControl)
        {
            if (opcode == continuation && ! inFragmentedMessage)
                return failConnection ("protocol error: continuation frame without a message to continue", 1002);

            if (opcode != continuation && inFragmentedMessage)
                return failConnection ("protocol error: a new message started inside a fragmented one", 1002);

            const auto total = (opcode == continuation ? (uint64_t) partialMessage.size() : 0) + length;

            if (total > options.maxMessageBytes)
                return failConnection ("message of " + juce::String ((juce::uint64) total) + " bytes exceeds the limit of "
                                       + juce::String ((juce::uint64) options.maxMessageBytes) + " bytes", 1009);
        }

        if (available - headerSize < length)
        {
            inbox.reserve (inboxStart + headerSize + (size_t) length);
            return std::nullopt;
        }

        const auto payloadStart = inboxStart + headerSize;
        const auto payloadSize = (size_t) length;
        inboxStart = payloadStart + payloadSize;

        switch (opcode)
        {
            case text:
            case binary:
                if (fin)
                {
                    if (opcode == text && ! isValidUtf8 (inbox.data() + payloadStart, payloadSize))
                        return failConnection ("protocol error: a text message is not valid UTF-8", 1007);

                    out.isBinary = opcode == binary;
                    out.data.assign (inbox, payloadStart, payloadSize);
                    return ReceiveStatus::message;
                }

                partialMessage.assign (inbox, payloadStart, payloadSize);
                partialIsBinary = opcode == binary;
                inFragmentedMessage = true;
                break;

            case continuation:
                partialMessage.append (inbox, payloadStart, payloadSize);

                if (fin)
                {
                    if (! partialIsBinary && ! isValidUtf8 (partialMessage.data(), partialMessage.size()))
                        return failConnection ("protocol error: a text message is not valid UTF-8", 1007);

                    out.isBinary = partialIsBinary;
                    out.data = std::move (partialMessage);
                    partialMessage.clear();
                    inFragmentedMessage = false;
                    return ReceiveStatus::message;
                }

                break;

            case ping:
            {
                if (closeSent)
                    break;

                const auto payload = inbox.substr (payloadStart, payloadSize);
                const auto sent = sendFrame (pong, payload.data(), payload.size(), sendDeadline());

                if (sent == IoResult::cancelled)
                    return failConnection ("cancelled while answering a ping", 0);

                if (sent != IoResult::ready)
                    return failConnection ("could not answer a ping", 0);

                break;
            }

            case closeFrame:
            {
                if (payloadSize == 1)
                    return failConnection ("protocol error: close frame with a 1-byte payload", 1002);

                const auto* payload = reinterpret_cast<const uint8_t*> (inbox.data() + payloadStart);
                const int code = payloadSize >= 2 ? (payload[0] << 8 | payload[1]) : 0;
                const auto reason = payloadSize > 2 ? juce::String::fromUTF8 (inbox.data() + payloadStart + 2, (int) payloadSize - 2)
                                                    : juce::String();

                if (! closeSent)
                {
                    // Answer with the same code, as RFC 6455 §5.5.1 asks, then hang up.
                    sendFrame (closeFrame, payload, payloadSize >= 2 ? 2 : 0,
                               std::min (sendDeadline(), Clock::now() + std::chrono::seconds (1)));
                    setError ("the server closed the connection" + (code != 0 ? " (code " + juce::String (code) + ")" : juce::String())
                              + (reason.isNotEmpty() ? ": " + reason : juce::String()));
                }

                dropConnection();
                return ReceiveStatus::closed;
            }

            case pong:
                ++pongs; // a sign of life the owner's health check looks for
                break;

            default:
                break;
        }
    }
}

void WebSocketClient::close()
{
    if (transport != nullptr && open && ! cancelled)
    {
        const auto deadline = Clock::now() + std::chrono::seconds (1);
        const uint8_t normalClosure[2] = { 0x03, 0xe8 }; // 1000

        if (! closeSent && sendFrame (closeFrame, normalClosure, sizeof (normalClosure), deadline) == IoResult::ready)
            closeSent = true;

        // Wait for the server's close frame (or EOF), discarding late messages.
        WebSocketMessage discarded;

        while (closeSent && open)
        {
            const auto left = millisecondsUntil (deadline);

            if (left <= 0 || receive (discarded, left) != ReceiveStatus::message)
                break;
        }
    }

    dropConnection();
}

//==============================================================================
namespace
{
    bool readBigEndian32 (const std::string& data, size_t offset, uint32_t& value)
    {
        if (data.size() < 4 || offset > data.size() - 4)
            return false;

        const auto* p = reinterpret_cast<const uint8_t*> (data.data() + offset);
        value = (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
        return true;
    }

    juce::String sniffImageType (const std::string& bytes)
    {
        if (bytes.size() >= 3 && bytes.compare (0, 3, "\xff\xd8\xff") == 0)
            return "image/jpeg";

        if (bytes.size() >= 8 && bytes.compare (0, 8, "\x89PNG\r\n\x1a\n") == 0)
            return "image/png";

        return {};
    }

    juce::String jsonIdToString (const nlohmann::json& value)
    {
        if (value.is_string())
            return juce::String::fromUTF8 (value.get_ref<const std::string&>().c_str());

        return value.is_number() ? juce::String (value.dump()) : juce::String();
    }
}

std::optional<ComfyUIPreview> parseComfyUIBinaryFrame (const std::string& payload)
{
    uint32_t eventType = 0, word = 0;

    if (! readBigEndian32 (payload, 0, eventType) || ! readBigEndian32 (payload, 4, word))
        return std::nullopt;

    ComfyUIPreview preview;
    preview.eventType = (int) eventType;

    if (eventType == 1)
    {
        if (word != 1 && word != 2)
            return std::nullopt;

        preview.mimeType = word == 1 ? "image/jpeg" : "image/png";
        preview.imageBytes = payload.substr (8);
    }
    else if (eventType == 4)
    {
        const auto metadataSize = (size_t) word;

        if (metadataSize > payload.size() - 8)
            return std::nullopt;

        const auto metadata = nlohmann::json::parse (payload.begin() + 8, payload.begin() + 8 + (std::ptrdiff_t) metadataSize,
                                                     nullptr, false);

        if (! metadata.is_object())
            return std::nullopt;

        preview.imageBytes = payload.substr (8 + metadataSize);
        preview.nodeId = jsonIdToString (metadata.value ("node_id", nlohmann::json()));
        preview.displayNodeId = jsonIdToString (metadata.value ("display_node_id", nlohmann::json()));
        preview.promptId = jsonIdToString (metadata.value ("prompt_id", nlohmann::json()));

        if (preview.displayNodeId.isEmpty())
            preview.displayNodeId = preview.nodeId;

        const auto imageType = metadata.value ("image_type", nlohmann::json());
        preview.mimeType = imageType.is_string() ? juce::String (imageType.get<std::string>()) : sniffImageType (preview.imageBytes);
    }
    else
    {
        return std::nullopt;
    }

    if (preview.imageBytes.empty() || preview.mimeType.isEmpty())
        return std::nullopt;

    return preview;
}

std::optional<ComfyUIProgressText> parseComfyUITextFrame (const std::string& payload)
{
    uint32_t eventType = 0, nodeIdSize = 0;

    if (! readBigEndian32 (payload, 0, eventType) || eventType != 3 || ! readBigEndian32 (payload, 4, nodeIdSize))
        return std::nullopt;

    if ((size_t) nodeIdSize > payload.size() - 8)
        return std::nullopt;

    ComfyUIProgressText result;
    result.nodeId = juce::String::fromUTF8 (payload.data() + 8, (int) nodeIdSize);
    result.text = juce::String::fromUTF8 (payload.data() + 8 + nodeIdSize, (int) (payload.size() - 8 - nodeIdSize));
    return result;
}

} // namespace comfybridge
