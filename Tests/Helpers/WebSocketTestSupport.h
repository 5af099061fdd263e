/*
    WebSocketTestSupport — the server side of RFC 6455 for the test servers: the
    handshake digest, frame encoding/decoding (including deliberately broken
    frames) and builders for ComfyUI's binary preview frames.

    Pure C++17, no JUCE: written independently of comfybridge::WebSocketClient so
    that the tests check the client against a second implementation.
*/

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace TestHelpers::WebSocket
{

/** RFC 6455 opcodes. */
enum Opcode : int
{
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xa
};

//==============================================================================
/** The 20-byte SHA-1 digest of `data` (raw bytes). */
std::string sha1 (const std::string& data);

/** Standard base64 with padding. */
std::string base64Encode (const std::string& data);

/** Decodes standard base64 (padding required); false on any invalid character or length. */
bool base64Decode (const std::string& text, std::string& out);

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key. */
std::string acceptKeyFor (const std::string& key);

//==============================================================================
/** A complete frame; unmasked servers frames by default, fin set. Masked frames get a random key. */
std::string encodeFrame (int opcode, const std::string& payload, bool fin = true, bool masked = false);

/** Just a frame header whose first byte is given verbatim (FIN, RSV bits and opcode),
    declaring `payloadLength` bytes, for frames that lie or are too large to build.
    With `masked`, an all-zero masking key follows (so the payload needs no change).
*/
std::string frameHeader (std::uint8_t firstByte, std::uint64_t payloadLength, bool masked = false);

/** The payload of a close frame: the code (big-endian) and a reason. */
std::string closePayload (int code, const std::string& reason = {});

/** One decoded frame. */
struct Frame
{
    bool fin = false;
    int rsv = 0;            /**< The three reserved bits (0..7). */
    int opcode = 0;
    bool masked = false;
    std::string payload;    /**< Already unmasked. */
};

/** Outcome of decodeFrame(). */
enum class Decoded
{
    frame,      /**< `out` holds a frame; `offset` moved past it. */
    needMore,   /**< The buffer holds only part of a frame. */
    invalid     /**< Length over `maxPayload` or with the top bit set. */
};

/** Decodes the frame that starts at `offset` in `buffer`. */
Decoded decodeFrame (const std::string& buffer, std::size_t& offset, Frame& out,
                     std::uint64_t maxPayload = 64ull * 1024 * 1024);

//==============================================================================
/** ComfyUI binary event type 1: be32(1), be32(format: 1 = JPEG, 2 = PNG), image. */
std::string previewImageFrame (std::uint32_t format, const std::string& image);

/** ComfyUI binary event type 4: be32(4), be32(metadata length), metadata JSON, image. */
std::string previewWithMetadataFrame (const std::string& metadataJson, const std::string& image);

/** ComfyUI binary event type 3: be32(3), be32(node id length), node id, text. */
std::string progressTextFrame (const std::string& nodeId, const std::string& text);

/** Big-endian 32-bit integer as 4 bytes. */
std::string bigEndian32 (std::uint32_t value);

} // namespace TestHelpers::WebSocket
