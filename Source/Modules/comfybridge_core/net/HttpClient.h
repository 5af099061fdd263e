#pragma once

namespace comfybridge
{

//==============================================================================
/** One HTTP request as the manager's thread sends it. */
struct HttpRequest
{
    juce::String method { "GET" };
    juce::String url;
    juce::StringPairArray headers;      ///< extra headers; no Origin is ever added by the client
    std::string body;                   ///< request body (sent for POST/PUT/DELETE when not empty)
    double timeoutSeconds = 30.0;       ///< overall deadline for the whole exchange
    double connectTimeoutSeconds = 5.0; ///< deadline for the TCP (and TLS) connect, within the overall one
    size_t maxBodyBytes = 1 << 20;      ///< larger response bodies are refused (bodyTooLarge)
    juce::String caFile;                ///< PEM file of CA certificates to trust for https; empty = the system's CAs (verification stays on)

    /** When set and it becomes true, perform() stops within about 50 ms and returns
        `cancelled` (one job's cancel, not the client's). The caller keeps it alive
        until perform() returns.
    */
    const std::atomic<bool>* abandon = nullptr;
};

/** Why a request produced no usable HTTP response. */
enum class HttpError
{
    none,           ///< a response arrived (any status code)
    refused,        ///< nothing listens on the port
    connectTimeout, ///< the TCP/TLS connect did not complete in time
    responseTimeout,///< connected, but the full response did not arrive in time
    dnsFailure,     ///< the host name does not resolve
    bodyTooLarge,   ///< the response body passed maxBodyBytes
    cancelled,      ///< cancel() was called
    tls,            ///< certificate or TLS handshake failure
    connectionLost, ///< the peer closed or reset the connection before the response was complete
    protocol,       ///< the peer did not speak HTTP
    other           ///< anything else (see errorText)
};

/** What came back. */
struct HttpResponse
{
    HttpError error = HttpError::other;
    int statusCode = 0;                 ///< HTTP status, 0 when error != none
    juce::String errorText;             ///< the transport's own description when error != none
    juce::StringPairArray headers;      ///< response headers, names in lower case
    std::string body;
    double elapsedSeconds = 0.0;

    /** True when an HTTP response arrived, whatever its status code. */
    bool arrived() const noexcept { return error == HttpError::none; }
};

//==============================================================================
/**
    The one interface through which the core module speaks HTTP.

    perform() blocks the calling (worker) thread until the response, the
    deadline or a cancel(); cancel() may be called from any thread and makes a
    running perform() return promptly.
*/
class HttpClient
{
public:
    virtual ~HttpClient() = default;

    /** Sends @p request and waits for the outcome. Worker threads only. */
    virtual HttpResponse perform (const HttpRequest& request) = 0;

    /** Makes the current and every later perform() return `cancelled` at once,
        until resetCancellation(). Any thread.
    */
    virtual void cancel() = 0;

    /** Lets perform() run again after cancel(). */
    virtual void resetCancellation() = 0;

    /** True after cancel() until resetCancellation(). */
    virtual bool isCancelled() const = 0;
};

/** Sets what every request to @p config's backend carries: the Authorization header
    (when a token is set) and the CA file that verifies https. Other headers stay.
*/
inline void applyBackendSettings (HttpRequest& request, const ComfyUIConfig& config)
{
    request.headers.addArray (config.getAuthHeaders());
    request.caFile = config.caFile;
}

/** A short human-readable name of an HttpError, for logs. */
juce::String toString (HttpError error);

} // namespace comfybridge
