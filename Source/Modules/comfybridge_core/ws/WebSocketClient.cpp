// WebSocketClient: the connection's state, its waits and its API. The bytes travel
// through libcurl (ws/CurlSocketTransport), frames are made and parsed in
// ws/WebSocketFrame, the opening handshake is checked in ws/WebSocketHandshake.

#include <climits>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace comfybridge
{

namespace websocket_client_detail
{
    using Clock = std::chrono::steady_clock;

    constexpr size_t maxHandshakeBytes = 16 * 1024;
    constexpr size_t readChunkBytes = 32 * 1024;

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
}

using namespace websocket_client_detail;
using detail::CurlSocketTransport;
using detail::WebSocketEvent;

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
    : reader (std::make_unique<detail::WebSocketFrameReader>())
{
    // The self-pipe that cancel() writes to; every wait watches its read end.
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
    reader->reset();
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
    reader->setMaxMessageBytes (options.maxMessageBytes);

    auto fail = [this] (const juce::String& message)
    {
        dropConnection();
        setError (message);
        return juce::Result::fail (message);
    };

    if (cancelled)
        return fail ("cancelled");

    detail::WebSocketUrl url;

    if (const auto parsed = detail::parseWebSocketUrl (options.url, url); parsed.failed())
        return fail (parsed.getErrorMessage());

    const auto deadline = deadlineAfter (options.connectTimeoutSeconds);

    detail::SocketTarget target;
    target.curlUrl = url.curlUrl();
    target.host = url.host;
    target.where = url.where();
    target.caFile = options.caFile;
    target.timeoutSeconds = options.connectTimeoutSeconds;
    target.secure = url.secure;

    transport = std::make_unique<CurlSocketTransport>();

    if (const auto connected = transport->connect (target, cancelled, cancelPipe[0]); connected.failed())
        return fail (cancelled ? juce::String ("cancelled") : connected.getErrorMessage());

    if (const auto upgraded = performHandshake (url, deadline); upgraded.failed())
        return fail (upgraded.getErrorMessage());

    open = true;
    return juce::Result::ok();
}

juce::Result WebSocketClient::performHandshake (const detail::WebSocketUrl& url, Deadline deadline)
{
    const auto key = detail::makeWebSocketKey();

    if (key.isEmpty())
        return juce::Result::fail ("could not draw a random WebSocket key (OpenSSL's generator failed)");

    std::string request;

    if (const auto built = detail::buildUpgradeRequest (url, key, options.headers, request); built.failed())
        return built;

    if (const auto sent = writeAll (request.data(), request.size(), deadline); sent != IoResult::ready)
        return juce::Result::fail (sent == IoResult::cancelled ? juce::String ("cancelled")
                                 : sent == IoResult::timeout   ? juce::String ("timed out sending the WebSocket handshake")
                                                               : "sending the WebSocket handshake failed: " + transport->lastErrorText());

    size_t headEnd = 0;

    if (const auto answered = readHandshakeAnswer (deadline, headEnd); answered.failed())
        return answered;

    const auto head = juce::String::fromUTF8 (reader->data(), (int) headEnd);
    reader->consume (headEnd + 4); // anything after the blank line is already frame data
    return detail::checkUpgradeResponse (head, key, url.target);
}

juce::Result WebSocketClient::readHandshakeAnswer (Deadline deadline, size_t& headEnd)
{
    // Read up to the blank line.
    for (;;)
    {
        const std::string_view received (reader->data(), reader->size());

        if ((headEnd = received.find ("\r\n\r\n")) != std::string_view::npos)
            return juce::Result::ok();

        if (received.size() >= 5 && received.compare (0, 5, "HTTP/") != 0)
            return juce::Result::fail ("the server did not answer the WebSocket handshake with HTTP (is this ComfyUI?)");

        if (received.size() > maxHandshakeBytes)
            return juce::Result::fail ("the handshake answer is too large");

        switch (readMore (deadline))
        {
            case IoResult::ready:     break;
            case IoResult::cancelled: return juce::Result::fail ("cancelled");
            case IoResult::timeout:   return juce::Result::fail ("timed out waiting for the WebSocket handshake answer");
            case IoResult::closed:
                return juce::Result::fail (received.empty() ? "the server closed the connection without answering the WebSocket handshake"
                                                            : "the server closed the connection in the middle of the handshake answer");
            case IoResult::failed:
                return juce::Result::fail ("connection lost during the handshake: " + transport->lastErrorText());
        }
    }
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
    // Always read before waiting: bytes TLS already decrypted would not wake a poll().
    for (;;)
    {
        size_t got = 0;
        auto* space = reader->spaceForReading (readChunkBytes);
        const auto status = transport->read (space, readChunkBytes, got);

        switch (status)
        {
            case CurlSocketTransport::Status::done:
                reader->commitRead (got);
                return IoResult::ready;

            case CurlSocketTransport::Status::closed:
                return IoResult::closed;

            case CurlSocketTransport::Status::failed:
                return IoResult::failed;

            case CurlSocketTransport::Status::wantRead:
            case CurlSocketTransport::Status::wantWrite:
                break;
        }

        const auto waited = waitFor (transport->descriptor(), status == CurlSocketTransport::Status::wantWrite, deadline);

        if (waited != IoResult::ready)
            return waited;
    }
}

WebSocketClient::IoResult WebSocketClient::writeAll (const char* data, size_t size, Deadline deadline)
{
    size_t written = 0;

    while (written < size)
    {
        size_t sent = 0;
        const auto status = transport->write (data + written, size - written, sent);

        if (status == CurlSocketTransport::Status::done)
        {
            written += sent;
            continue;
        }

        if (status == CurlSocketTransport::Status::failed || status == CurlSocketTransport::Status::closed)
            return IoResult::failed;

        if (const auto waited = waitFor (transport->descriptor(), status == CurlSocketTransport::Status::wantWrite, deadline);
            waited != IoResult::ready)
            return waited;
    }

    return IoResult::ready;
}

WebSocketClient::IoResult WebSocketClient::sendFrame (int opcode, const void* payload, size_t size, Deadline deadline)
{
    if (transport == nullptr)
        return IoResult::closed;

    if (! detail::encodeClientFrame (opcode, payload, size, outgoing))
        return IoResult::failed;

    return writeAll (outgoing.data(), outgoing.size(), deadline);
}

//==============================================================================
bool WebSocketClient::sendPing()
{
    if (! open || transport == nullptr || cancelled)
        return false;

    static const char payload[] = "comfybridge";

    if (sendFrame (detail::wsPing, payload, sizeof (payload) - 1, sendDeadline()) == IoResult::ready)
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

    const auto result = sendFrame (detail::wsText, message.data(), message.size(), sendDeadline());

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
        sendFrame (detail::wsClose, payload, sizeof (payload), Clock::now() + std::chrono::milliseconds (50));
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
        auto event = reader->next (out);

        switch (event.kind)
        {
            case WebSocketEvent::Kind::needMore:
                return std::nullopt;

            case WebSocketEvent::Kind::message:
                return ReceiveStatus::message;

            case WebSocketEvent::Kind::error:
                return failConnection (event.text, event.closeCode);

            case WebSocketEvent::Kind::pong:
                ++pongs; // a sign of life the owner's health check looks for
                break;

            case WebSocketEvent::Kind::ping:
            {
                if (closeSent)
                    break;

                const auto sent = sendFrame (detail::wsPong, event.payload.data(), event.payload.size(), sendDeadline());

                if (sent == IoResult::cancelled)
                    return failConnection ("cancelled while answering a ping", 0);

                if (sent != IoResult::ready)
                    return failConnection ("could not answer a ping", 0);

                break;
            }

            case WebSocketEvent::Kind::close:
                return answerClose (event.closeCode, event.payload, event.text);
        }
    }
}

std::optional<WebSocketClient::ReceiveStatus> WebSocketClient::answerClose (int code, const std::string& codeBytes,
                                                                            const juce::String& reason)
{
    if (! closeSent)
    {
        // Answer with the same code, as RFC 6455 §5.5.1 asks, then hang up.
        sendFrame (detail::wsClose, codeBytes.data(), codeBytes.size(),
                   std::min (sendDeadline(), Clock::now() + std::chrono::seconds (1)));
        setError ("the server closed the connection" + (code != 0 ? " (code " + juce::String (code) + ")" : juce::String())
                  + (reason.isNotEmpty() ? ": " + reason : juce::String()));
    }

    dropConnection();
    return ReceiveStatus::closed;
}

void WebSocketClient::close()
{
    if (transport != nullptr && open && ! cancelled)
    {
        const auto deadline = Clock::now() + std::chrono::seconds (1);
        const uint8_t normalClosure[2] = { 0x03, 0xe8 }; // 1000

        if (! closeSent && sendFrame (detail::wsClose, normalClosure, sizeof (normalClosure), deadline) == IoResult::ready)
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

} // namespace comfybridge
