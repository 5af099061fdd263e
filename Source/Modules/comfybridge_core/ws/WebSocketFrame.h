#pragma once

// Internal to the module (included by comfybridge_core.cpp only): RFC 6455 framing for
// the client side. Encoding masks every frame with a key from OpenSSL's RAND_bytes
// (§5.3); decoding checks each frame header as soon as it is complete (reserved bits,
// masking, opcodes, control-frame rules, lengths), joins fragments, caps the message
// size and validates UTF-8 in text messages (§8.1). No I/O here: WebSocketClient
// feeds received bytes in and sends what comes out.

namespace comfybridge::detail
{

/** RFC 6455 opcodes. */
enum WebSocketOpcode : int
{
    wsContinuation = 0x0,
    wsText = 0x1,
    wsBinary = 0x2,
    wsClose = 0x8,
    wsPing = 0x9,
    wsPong = 0xa
};

/** Replaces @p frame with one complete, masked client frame (FIN set) carrying
    @p size bytes of @p payload. False only if the secure random generator failed.
*/
bool encodeClientFrame (int opcode, const void* payload, size_t size, std::string& frame);

//==============================================================================
/** What WebSocketFrameReader::next() found in the bytes received so far. */
struct WebSocketEvent
{
    enum class Kind
    {
        needMore, /**< No complete frame yet: read more bytes. */
        message,  /**< A complete text or binary message is in the output. */
        ping,     /**< A ping: answer with a pong carrying `payload`. */
        pong,     /**< A pong. */
        close,    /**< A close frame: `closeCode` (0 = none), `text` = reason, `payload` = its code bytes. */
        error     /**< A protocol or size error: `text` says why; close with `closeCode` (0 = just drop). */
    };

    Kind kind = Kind::needMore; /**< What happened. */
    int closeCode = 0;          /**< See Kind. */
    juce::String text;          /**< See Kind. */
    std::string payload;        /**< See Kind. */
};

//==============================================================================
/**
    The receive side of a connection: a buffer of bytes not yet parsed, and the
    state of a fragmented message in progress. Feed it with append() (or write into
    spaceForReading() then commitRead()) and take frames out with next().
*/
class WebSocketFrameReader
{
public:
    /** Forgets all buffered bytes and any message in progress. */
    void reset();

    /** Sets the largest message accepted (a larger one is an error with code 1009). */
    void setMaxMessageBytes (size_t limit) noexcept { maxMessageBytes = limit; }

    /** Makes room for @p size more bytes and returns where to write them. */
    char* spaceForReading (size_t size);

    /** Keeps @p size bytes written into the space from spaceForReading(). */
    void commitRead (size_t size);

    /** The bytes not parsed yet (e.g. the handshake answer, before any frame). */
    const char* data() const noexcept   { return inbox.data() + start; }

    /** How many bytes data() holds. */
    size_t size() const noexcept        { return used - start; }

    /** Drops the first @p count bytes of data() (e.g. the handshake answer). */
    void consume (size_t count) noexcept { start += juce::jmin (count, size()); }

    /** Parses the next frame: a message goes into @p out, control frames and errors
        are returned for the caller to act on.
    */
    WebSocketEvent next (WebSocketMessage& out);

private:
    struct Header
    {
        bool fin = false;
        int opcode = 0;
        uint64_t length = 0;
        size_t size = 0;
    };

    std::optional<WebSocketEvent> parseHeader (Header& header) const;
    WebSocketEvent dataFrame (const Header& header, const char* payload, WebSocketMessage& out);
    static WebSocketEvent controlFrame (const Header& header, const char* payload);

    std::string inbox;           // [start, used) are received bytes not yet parsed
    size_t start = 0, used = 0;
    std::string partialMessage;  // fragments of a message still in progress
    bool inFragmentedMessage = false;
    bool partialIsBinary = false;
    size_t maxMessageBytes = 16u << 20;
};

} // namespace comfybridge::detail
