#include "WebSocketTestSupport.h"

#include <mutex>
#include <random>

namespace TestHelpers::WebSocket
{

namespace
{
    const char* const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    std::uint32_t randomWord()
    {
        static std::mutex generatorMutex;
        static std::mt19937 generator { std::random_device{}() };
        std::lock_guard<std::mutex> lock (generatorMutex);
        return (std::uint32_t) generator();
    }

    std::uint32_t rotateLeft (std::uint32_t value, int bits)
    {
        return (value << bits) | (value >> (32 - bits));
    }
}

//==============================================================================
std::string sha1 (const std::string& data)
{
    std::uint32_t h[5] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u };

    auto padded = data;
    padded.push_back ((char) 0x80);
    padded.append ((64 + 56 - padded.size() % 64) % 64, '\0');

    auto bits = (std::uint64_t) data.size() * 8;

    for (int shift = 56; shift >= 0; shift -= 8)
        padded.push_back ((char) (bits >> shift));

    for (std::size_t block = 0; block < padded.size(); block += 64)
    {
        std::uint32_t w[80];

        for (int i = 0; i < 16; ++i)
        {
            w[i] = 0;

            for (int j = 0; j < 4; ++j)
                w[i] = (w[i] << 8) | (std::uint8_t) padded[block + (std::size_t) (i * 4 + j)];
        }

        for (int i = 16; i < 80; ++i)
            w[i] = rotateLeft (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);

        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

        for (int i = 0; i < 80; ++i)
        {
            std::uint32_t f = i < 20 ? ((b & c) | (~b & d))
                            : i < 40 ? (b ^ c ^ d)
                            : i < 60 ? ((b & c) | (b & d) | (c & d))
                                     : (b ^ c ^ d);
            std::uint32_t k = i < 20 ? 0x5a827999u : i < 40 ? 0x6ed9eba1u : i < 60 ? 0x8f1bbcdcu : 0xca62c1d6u;
            auto temp = rotateLeft (a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rotateLeft (b, 30);
            b = a;
            a = temp;
        }

        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }

    std::string digest;

    for (auto word : h)
        digest += bigEndian32 (word);

    return digest;
}

std::string base64Encode (const std::string& data)
{
    std::string result;
    std::size_t i = 0;

    for (; i + 2 < data.size(); i += 3)
    {
        auto n = (std::uint32_t) (std::uint8_t) data[i] << 16 | (std::uint32_t) (std::uint8_t) data[i + 1] << 8 | (std::uint8_t) data[i + 2];
        result += base64Alphabet[(n >> 18) & 63];
        result += base64Alphabet[(n >> 12) & 63];
        result += base64Alphabet[(n >> 6) & 63];
        result += base64Alphabet[n & 63];
    }

    if (i + 1 == data.size())
    {
        auto n = (std::uint32_t) (std::uint8_t) data[i] << 16;
        result += base64Alphabet[(n >> 18) & 63];
        result += base64Alphabet[(n >> 12) & 63];
        result += "==";
    }
    else if (i + 2 == data.size())
    {
        auto n = (std::uint32_t) (std::uint8_t) data[i] << 16 | (std::uint32_t) (std::uint8_t) data[i + 1] << 8;
        result += base64Alphabet[(n >> 18) & 63];
        result += base64Alphabet[(n >> 12) & 63];
        result += base64Alphabet[(n >> 6) & 63];
        result += '=';
    }

    return result;
}

bool base64Decode (const std::string& text, std::string& out)
{
    out.clear();

    if (text.size() % 4 != 0)
        return false;

    std::uint32_t accumulator = 0;
    int bits = 0;
    std::size_t padding = 0;

    for (std::size_t i = 0; i < text.size(); ++i)
    {
        auto c = text[i];

        if (c == '=')
        {
            // Padding only at the very end, at most two.
            if (i < text.size() - 2)
                return false;

            ++padding;
            continue;
        }

        if (padding > 0)
            return false;

        const char* position = std::char_traits<char>::find (base64Alphabet, 64, c);

        if (position == nullptr)
            return false;

        accumulator = (accumulator << 6) | (std::uint32_t) (position - base64Alphabet);
        bits += 6;

        if (bits >= 8)
        {
            bits -= 8;
            out.push_back ((char) ((accumulator >> bits) & 0xff));
        }
    }

    return true;
}

std::string acceptKeyFor (const std::string& key)
{
    return base64Encode (sha1 (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
}

//==============================================================================
std::string frameHeader (std::uint8_t firstByte, std::uint64_t payloadLength, bool masked)
{
    std::string header;
    header.push_back ((char) firstByte);
    auto maskBit = masked ? 0x80 : 0x00;

    if (payloadLength < 126)
    {
        header.push_back ((char) (maskBit | (int) payloadLength));
    }
    else if (payloadLength <= 0xffff)
    {
        header.push_back ((char) (maskBit | 126));
        header.push_back ((char) (payloadLength >> 8));
        header.push_back ((char) payloadLength);
    }
    else
    {
        header.push_back ((char) (maskBit | 127));

        for (int shift = 56; shift >= 0; shift -= 8)
            header.push_back ((char) (payloadLength >> shift));
    }

    if (masked)
        header.append (4, '\0');

    return header;
}

std::string encodeFrame (int opcode, const std::string& payload, bool fin, bool masked)
{
    auto frame = frameHeader ((std::uint8_t) ((fin ? 0x80 : 0x00) | (opcode & 0x0f)), payload.size(), false);

    if (! masked)
        return frame + payload;

    frame[1] = (char) (frame[1] | 0x80);
    auto key = bigEndian32 (randomWord());
    frame += key;

    for (std::size_t i = 0; i < payload.size(); ++i)
        frame.push_back ((char) (payload[i] ^ key[i & 3]));

    return frame;
}

std::string closePayload (int code, const std::string& reason)
{
    std::string payload;
    payload.push_back ((char) (code >> 8));
    payload.push_back ((char) code);
    return payload + reason;
}

Decoded decodeFrame (const std::string& buffer, std::size_t& offset, Frame& out, std::uint64_t maxPayload)
{
    if (offset > buffer.size() || buffer.size() - offset < 2)
        return Decoded::needMore;

    auto byte = [&] (std::size_t i) { return (std::uint8_t) buffer[offset + i]; };
    auto available = buffer.size() - offset;
    std::uint64_t length = byte (1) & 0x7f;
    std::size_t headerSize = 2;

    if (length == 126)
    {
        headerSize = 4;

        if (available < headerSize)
            return Decoded::needMore;

        length = (std::uint64_t) byte (2) << 8 | byte (3);
    }
    else if (length == 127)
    {
        headerSize = 10;

        if (available < headerSize)
            return Decoded::needMore;

        length = 0;

        for (std::size_t i = 2; i < 10; ++i)
            length = (length << 8) | byte (i);
    }

    if (length > maxPayload)
        return Decoded::invalid;

    bool masked = (byte (1) & 0x80) != 0;
    auto maskOffset = headerSize;

    if (masked)
        headerSize += 4;

    if (available < headerSize || available - headerSize < length)
        return Decoded::needMore;

    out.fin = (byte (0) & 0x80) != 0;
    out.rsv = (byte (0) >> 4) & 0x07;
    out.opcode = byte (0) & 0x0f;
    out.masked = masked;
    out.payload = buffer.substr (offset + headerSize, (std::size_t) length);

    if (masked)
        for (std::size_t i = 0; i < out.payload.size(); ++i)
            out.payload[i] = (char) (out.payload[i] ^ buffer[offset + maskOffset + (i & 3)]);

    offset += headerSize + (std::size_t) length;
    return Decoded::frame;
}

//==============================================================================
std::string bigEndian32 (std::uint32_t value)
{
    std::string bytes;

    for (int shift = 24; shift >= 0; shift -= 8)
        bytes.push_back ((char) (value >> shift));

    return bytes;
}

std::string previewImageFrame (std::uint32_t format, const std::string& image)
{
    return bigEndian32 (1) + bigEndian32 (format) + image;
}

std::string previewWithMetadataFrame (const std::string& metadataJson, const std::string& image)
{
    return bigEndian32 (4) + bigEndian32 ((std::uint32_t) metadataJson.size()) + metadataJson + image;
}

std::string progressTextFrame (const std::string& nodeId, const std::string& text)
{
    return bigEndian32 (3) + bigEndian32 ((std::uint32_t) nodeId.size()) + nodeId + text;
}

} // namespace TestHelpers::WebSocket
