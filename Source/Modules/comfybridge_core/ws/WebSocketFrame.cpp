#include <cstring>

namespace comfybridge::detail
{

bool encodeClientFrame (int opcode, const void* payload, size_t size, std::string& frame)
{
    frame.clear();
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
        return false;

    frame.append (reinterpret_cast<const char*> (mask), 4);

    const auto headerSize = frame.size();
    frame.resize (headerSize + size);
    const auto* bytes = static_cast<const uint8_t*> (payload);

    for (size_t i = 0; i < size; ++i)
        frame[headerSize + i] = (char) (bytes[i] ^ mask[i & 3]);

    return true;
}

//==============================================================================
namespace
{
    WebSocketEvent frameError (const juce::String& text, int closeCode)
    {
        WebSocketEvent event;
        event.kind = WebSocketEvent::Kind::error;
        event.text = text;
        event.closeCode = closeCode;
        return event;
    }

    WebSocketEvent protocolError (const juce::String& what)
    {
        return frameError ("protocol error: " + what, 1002);
    }

    constexpr size_t compactAfterBytes = 32 * 1024;
}

void WebSocketFrameReader::reset()
{
    inbox.clear();
    start = used = 0;
    partialMessage.clear();
    inFragmentedMessage = false;
}

char* WebSocketFrameReader::spaceForReading (size_t size)
{
    if (start == used)
    {
        start = used = 0;
    }
    else if (start >= compactAfterBytes)
    {
        std::memmove (inbox.data(), inbox.data() + start, used - start);
        used -= start;
        start = 0;
    }

    if (inbox.size() < used + size)
        inbox.resize (used + size);

    return inbox.data() + used;
}

void WebSocketFrameReader::commitRead (size_t size)
{
    used = juce::jmin (used + size, inbox.size());
}

std::optional<WebSocketEvent> WebSocketFrameReader::parseHeader (Header& header) const
{
    const auto available = size();
    const auto* head = reinterpret_cast<const uint8_t*> (data());
    header.fin = (head[0] & 0x80) != 0;
    header.opcode = head[0] & 0x0f;
    header.length = head[1] & 0x7f;
    header.size = 2;
    const bool isControl = (header.opcode & 0x08) != 0;

    // Checked before waiting for the payload, so a bad frame fails at once.
    if ((head[0] & 0x70) != 0)
        return protocolError ("the server set reserved bits (no extension was negotiated)");

    if ((head[1] & 0x80) != 0)
        return protocolError ("the server masked a frame (RFC 6455 forbids it)");

    if ((isControl && header.opcode > wsPong) || (! isControl && header.opcode > wsBinary))
        return protocolError ("unknown opcode " + juce::String (header.opcode));

    if (isControl && (! header.fin || header.length > 125))
        return protocolError ("control frames must be unfragmented and at most 125 bytes");

    if (header.length >= 126)
    {
        header.size = header.length == 126 ? 4 : 10;

        if (available < header.size)
            return WebSocketEvent {}; // needMore

        uint64_t length = 0;

        for (size_t i = 2; i < header.size; ++i)
            length = length << 8 | head[i];

        if ((length >> 63) != 0)
            return protocolError ("frame length out of range");

        header.length = length;
    }

    if (! isControl)
    {
        if (header.opcode == wsContinuation && ! inFragmentedMessage)
            return protocolError ("continuation frame without a message to continue");

        if (header.opcode != wsContinuation && inFragmentedMessage)
            return protocolError ("a new message started inside a fragmented one");

        const auto total = (header.opcode == wsContinuation ? (uint64_t) partialMessage.size() : 0) + header.length;

        if (total > maxMessageBytes)
            return frameError ("message of " + juce::String ((juce::uint64) total) + " bytes exceeds the limit of "
                               + juce::String ((juce::uint64) maxMessageBytes) + " bytes", 1009);
    }

    return std::nullopt;
}

WebSocketEvent WebSocketFrameReader::next (WebSocketMessage& out)
{
    for (;;)
    {
        if (size() < 2)
            return {};

        Header header;

        if (auto problem = parseHeader (header))
            return std::move (*problem);

        if (size() - header.size < header.length)
        {
            if (inbox.size() < start + header.size + header.length)
                inbox.resize (start + header.size + (size_t) header.length); // room for the whole frame
            return {};
        }

        const auto* payload = data() + header.size;
        start += header.size + (size_t) header.length;

        auto event = (header.opcode & 0x08) != 0 ? controlFrame (header, payload)
                                                 : dataFrame (header, payload, out);

        if (event.kind != WebSocketEvent::Kind::needMore)
            return event;
    }
}

WebSocketEvent WebSocketFrameReader::dataFrame (const Header& header, const char* payload, WebSocketMessage& out)
{
    const auto length = (size_t) header.length;

    if (header.opcode != wsContinuation)
    {
        if (! header.fin)
        {
            partialMessage.assign (payload, length);
            partialIsBinary = header.opcode == wsBinary;
            inFragmentedMessage = true;
            return {};
        }

        if (header.opcode == wsText && ! isValidUtf8 (payload, length))
            return frameError ("protocol error: a text message is not valid UTF-8", 1007);

        out.isBinary = header.opcode == wsBinary;
        out.data.assign (payload, length);
        WebSocketEvent event;
        event.kind = WebSocketEvent::Kind::message;
        return event;
    }

    partialMessage.append (payload, length);

    if (! header.fin)
        return {};

    // A character may be split across fragments: only the whole message is checked.
    if (! partialIsBinary && ! isValidUtf8 (partialMessage.data(), partialMessage.size()))
        return frameError ("protocol error: a text message is not valid UTF-8", 1007);

    out.isBinary = partialIsBinary;
    out.data = std::move (partialMessage);
    partialMessage.clear();
    inFragmentedMessage = false;
    WebSocketEvent event;
    event.kind = WebSocketEvent::Kind::message;
    return event;
}

WebSocketEvent WebSocketFrameReader::controlFrame (const Header& header, const char* payload)
{
    const auto length = (size_t) header.length;
    WebSocketEvent event;

    switch (header.opcode)
    {
        case wsPing:
            event.kind = WebSocketEvent::Kind::ping;
            event.payload.assign (payload, length);
            return event;

        case wsPong:
            event.kind = WebSocketEvent::Kind::pong;
            return event;

        case wsClose:
        {
            if (length == 1)
                return protocolError ("close frame with a 1-byte payload");

            const auto* bytes = reinterpret_cast<const uint8_t*> (payload);
            event.kind = WebSocketEvent::Kind::close;
            event.closeCode = length >= 2 ? (bytes[0] << 8 | bytes[1]) : 0;
            event.payload.assign (payload, juce::jmin<size_t> (length, 2));
            event.text = length > 2 ? juce::String::fromUTF8 (payload + 2, (int) length - 2) : juce::String();
            return event;
        }

        default:
            return {}; // unreachable: parseHeader refused other opcodes
    }
}

} // namespace comfybridge::detail
