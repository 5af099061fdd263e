#pragma once

// Internal to the module (included by comfybridge_core.cpp only): the live channel's
// byte stream, made by libcurl. curl connects with CURLOPT_CONNECT_ONLY (name lookup,
// proxy tunnel, TCP, TLS and certificate checks) carrying the same options as every
// HTTP request (applyCommonCurlOptions), so HTTP and the live channel cannot disagree
// about proxies, CA files, timeouts or address families; then curl_easy_send/recv move
// the bytes of our own RFC 6455 framing.

namespace comfybridge::detail
{

/** Where and how to connect. */
struct SocketTarget
{
    juce::String curlUrl;        /**< http://host:port/ or https://host:port/ */
    juce::String host;           /**< For messages: the host as written. */
    juce::String where;          /**< For messages: host:port. */
    juce::String caFile;         /**< https only: PEM file of CAs to trust; empty = the system's. */
    double timeoutSeconds = 5.0; /**< For lookup, connect and TLS together. */
    bool secure = false;         /**< TLS (wss://). */
};

//==============================================================================
/**
    A connected socket driven by libcurl. Nothing here blocks for long: connect()
    waits in curl_multi_poll() together with the caller's cancel descriptor, and
    read()/write() report wantRead/wantWrite so that the caller poll()s descriptor()
    and its cancel descriptor, exactly as before TLS existed.

    The easy handle stays on its own multi handle for as long as the connection lives:
    libcurl closes a CONNECT_ONLY connection when its handle leaves the multi.
*/
class CurlSocketTransport
{
public:
    /** What read() or write() did. */
    enum class Status { done, wantRead, wantWrite, closed, failed };

    /** Makes an unconnected transport. */
    CurlSocketTransport();

    /** Closes the connection (if any) and frees curl's handles. */
    ~CurlSocketTransport();

    /** Connects to @p target within its timeout. Returns early with "cancelled" once
        @p cancelled is set (@p cancelDescriptor becoming readable wakes the wait).
        Failures are said in the live channel's words: "connection refused by ...",
        "timed out connecting to ...", "certificate problem: <reason>",
        "TLS handshake failed: ...", "the host name ... does not resolve".
    */
    juce::Result connect (const SocketTarget& target, const std::atomic<bool>& cancelled, int cancelDescriptor);

    /** Reads up to @p size bytes without blocking; @p got is set when done. */
    Status read (char* dest, size_t size, size_t& got);

    /** Writes up to @p size bytes without blocking; @p sent is set when done. */
    Status write (const char* source, size_t size, size_t& sent);

    /** The connected socket, to poll() when read() or write() asked to wait. */
    int descriptor() const noexcept { return (int) socket; }

    /** Describes the error behind the last `failed`. */
    juce::String lastErrorText() const { return errorText; }

private:
    bool driveConnect (const std::atomic<bool>& cancelled, int cancelDescriptor, CURLcode& code);
    juce::String describeFailure (CURLcode code) const;
    juce::String describeTlsFailure (CURLcode code) const;
    Status ioFailure (CURLcode code);

    CURL* easy = nullptr;
    CURLM* multi = nullptr;
    bool attached = false;
    curl_socket_t socket = CURL_SOCKET_BAD;
    SocketTarget target;
    char curlError[CURL_ERROR_SIZE] = {};
    juce::String errorText;

    JUCE_DECLARE_NON_COPYABLE (CurlSocketTransport)
};

} // namespace comfybridge::detail
