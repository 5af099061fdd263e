#pragma once

namespace comfybridge
{

namespace detail
{
    class CurlSocketTransport;   // the byte stream: libcurl CONNECT_ONLY (ws/CurlSocketTransport.h)
    class WebSocketFrameReader;  // received bytes -> frames (ws/WebSocketFrame.h)
    struct WebSocketUrl;
}

//==============================================================================
/** One complete WebSocket message (fragments already joined). */
struct WebSocketMessage
{
    bool isBinary = false;  /**< True for a binary message (opcode 2), false for text (opcode 1). */
    std::string data;       /**< The payload; text is UTF-8 as the server sent it (not validated). */
};

//==============================================================================
/**
    A small RFC 6455 WebSocket client for ComfyUI's /ws endpoint, over libcurl.

    Made for ONE dedicated thread: connect(), receive(), sendText() and close()
    block that thread (each bounded by a deadline) and must not run concurrently.
    cancel() is the exception: call it from any thread and whichever of those
    calls is blocked returns at once (every wait, curl's connect included, polls a
    self-pipe that cancel() writes to). isOpen() and getLastError() are also safe
    from any thread.

    libcurl makes the connection (CURLOPT_CONNECT_ONLY: name lookup, proxy tunnel,
    TCP with happy eyeballs, so `localhost` works when ::1 refuses and 127.0.0.1
    listens, and TLS) with the very options our HTTP requests use, then carries
    bytes (curl_easy_send/recv). The WebSocket protocol is ours: it verifies
    Sec-WebSocket-Accept, never sends an Origin header (ComfyUI 403s an Origin that
    differs from Host), masks its frames with RAND_bytes keys, joins fragmented
    messages, fails a text message that is not UTF-8 (1007), answers ping and close
    by itself, caps the message size and fails the connection on protocol errors.
    Not supported: extensions or subprotocols.

    wss:// runs TLS through curl's OpenSSL: the server's certificate must chain to a
    trusted CA (the system's, or those in Options::caFile) and name the URL's host
    (or IP address); SNI is sent for host names. The TLS handshake shares the
    connect deadline, and cancel() interrupts it like any other wait.

    @code
    comfybridge::WebSocketClient ws;
    comfybridge::WebSocketClient::Options options;
    options.url = "ws://127.0.0.1:8188/ws?clientId=" + clientId;

    if (auto result = ws.connect (options); result.failed())
        return result;

    comfybridge::WebSocketMessage message;

    for (;;)
    {
        auto status = ws.receive (message, 1000);

        if (status == comfybridge::WebSocketClient::ReceiveStatus::message)
            handle (message);
        else if (status != comfybridge::WebSocketClient::ReceiveStatus::timeout)
            break;   // closed, error (see getLastError()) or cancelled
    }
    @endcode
*/
class WebSocketClient
{
public:
    /** What to connect to and the limits to apply. */
    struct Options
    {
        /** ws://host[:port][/path][?query] (port 80 by default) or wss://... (port 443). */
        juce::String url;

        /** wss:// only: a PEM file of CA certificates to trust instead of the
            system's (e.g. a reverse proxy's private CA). Empty = the system's CAs.
        */
        juce::String caFile;

        /** Deadline for name lookup, TCP connect, TLS handshake and the opening handshake together. */
        double connectTimeoutSeconds = 5.0;

        /** Deadline for writing one frame (a server that stops reading cannot block us). */
        double sendTimeoutSeconds = 5.0;

        /** Largest message accepted; a larger one is an error that closes the connection. */
        size_t maxMessageBytes = 16u << 20;

        /** Extra request headers (e.g. Authorization). Origin, Host, Upgrade, Connection
            and Sec-WebSocket-* are set by the client and dropped from here.
        */
        juce::StringPairArray headers;
    };

    /** What receive() found. */
    enum class ReceiveStatus
    {
        message,    /**< The output holds one complete text or binary message. */
        timeout,    /**< Nothing complete arrived in time; the connection is still open. */
        closed,     /**< The connection ended normally (close frame or EOF), or was not open. */
        error,      /**< A protocol, size or socket error ended the connection: see getLastError(). */
        cancelled   /**< cancel() was called; the connection is left as it was. */
    };

    /** Creates a disconnected client. */
    WebSocketClient();

    /** Drops the connection without a close handshake (call close() first to be polite). */
    ~WebSocketClient();

    //==============================================================================
    /** Resolves, connects and performs the opening handshake, all within
        Options::connectTimeoutSeconds; cancel() aborts it. An open connection is
        dropped first. On failure the message says what went wrong (refused, timed
        out, HTTP status instead of 101, bad Sec-WebSocket-Accept, ...; for wss://
        "certificate problem: <reason>" when the server's certificate is not trusted
        or names another host, "TLS handshake failed: ..." otherwise).
        A host name lookup honours the deadline and cancel() too (curl's threaded
        resolver; a lookup still running is left to finish on its own thread).
    */
    juce::Result connect (const Options& options);

    /** Waits up to @p timeoutMs (negative = no limit) for the next complete message.
        Pings are answered, pongs ignored and a close frame answered, all internally.
    */
    ReceiveStatus receive (WebSocketMessage& out, int timeoutMs);

    /** Sends one text message as a single masked frame, bounded by
        Options::sendTimeoutSeconds. False if not open, cancelled or the write
        failed (which also drops the connection, as the stream may be cut mid-frame).
    */
    bool sendText (const std::string& text);

    /** Sends a ping frame, bounded by Options::sendTimeoutSeconds. The pong is
        counted by receive() (see getPongCount()), which keeps waiting for messages
        meanwhile. False if not open, cancelled or the write failed (which also
        drops the connection).
    */
    bool sendPing();

    /** How many pong frames arrived since the client was created. Any thread. */
    juce::uint64 getPongCount() const noexcept { return pongs.load(); }

    /** Sends a close frame (1000), waits up to a second for the server's answer
        (discarding messages still in flight), then closes the socket. Idempotent.
    */
    void close();

    //==============================================================================
    /** Wakes any blocking call at once and makes further ones return straight away
        (connect fails, receive returns cancelled) until resetCancellation().
        Callable from any thread.
    */
    void cancel();

    /** Clears a previous cancel() so the client can be used again. Call it on the
        client's own thread, not while another call is running.
    */
    void resetCancellation();

    /** True between a successful connect() and the end of the connection. Any thread. */
    bool isOpen() const noexcept { return open.load(); }

    /** True after cancel() until resetCancellation(). Any thread. */
    bool isCancelled() const noexcept { return cancelled.load(); }

    /** Why the last call failed or the connection ended; empty if it never did. Any thread. */
    juce::String getLastError() const;

private:
    using Deadline = std::chrono::steady_clock::time_point;
    enum class IoResult;

    juce::Result performHandshake (const detail::WebSocketUrl& url, Deadline deadline);
    juce::Result readHandshakeAnswer (Deadline deadline, size_t& headEnd);
    std::optional<ReceiveStatus> processInbox (WebSocketMessage& out);
    std::optional<ReceiveStatus> answerClose (int code, const std::string& codeBytes, const juce::String& reason);
    ReceiveStatus failConnection (const juce::String& message, int closeCode);
    IoResult sendFrame (int opcode, const void* payload, size_t size, Deadline deadline);
    IoResult writeAll (const char* data, size_t size, Deadline deadline);
    IoResult waitFor (int fd, bool wantWrite, Deadline deadline) const;
    IoResult readMore (Deadline deadline);
    void dropConnection();
    void setError (const juce::String& message);
    Deadline sendDeadline() const;

    Options options;
    std::unique_ptr<detail::CurlSocketTransport> transport;
    std::unique_ptr<detail::WebSocketFrameReader> reader;
    std::string outgoing;            // the frame being sent (kept to reuse its buffer)
    int cancelPipe[2] = { -1, -1 };  // [0] is polled by every wait; cancel() writes to [1]
    std::atomic<bool> cancelled { false };
    std::atomic<bool> open { false };
    std::atomic<juce::uint64> pongs { 0 };
    bool closeSent = false;

    mutable std::mutex errorMutex;
    juce::String lastError;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (WebSocketClient)
};

} // namespace comfybridge
