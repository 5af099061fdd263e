#pragma once

namespace comfybridge
{

//==============================================================================
/**
    SHA-256 over data that arrives in pieces (a file read in chunks, a download),
    computed by OpenSSL's EVP interface, which picks the CPU's SHA instructions
    where there are any. One object hashes one stream; not thread-safe.
*/
class Sha256Stream
{
public:
    /** Starts an empty stream. */
    Sha256Stream();

    /** Frees OpenSSL's context. */
    ~Sha256Stream();

    /** Adds @p numBytes bytes to the stream. */
    void update (const void* data, size_t numBytes);

    /** Ends the stream and returns its digest as 64 lower-case hexadecimal digits.
        The object cannot be updated afterwards.
    */
    juce::String finishHex();

private:
    struct Context;
    std::unique_ptr<Context> context;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (Sha256Stream)
};

/** The SHA-256 of @p numBytes bytes as 64 lower-case hexadecimal digits. */
juce::String sha256Hex (const void* data, size_t numBytes);

/** The SHA-256 of @p numBytes bytes as raw bytes (e.g. for a name-based UUID). */
std::array<uint8_t, 32> sha256Digest (const void* data, size_t numBytes);

/** The SHA-1 of @p numBytes bytes (the WebSocket handshake's Sec-WebSocket-Accept needs it). */
std::array<uint8_t, 20> sha1Digest (const void* data, size_t numBytes);

/** Fills @p buffer with @p numBytes bytes from OpenSSL's CSPRNG (RAND_bytes), as
    RFC 6455 asks of masking keys and handshake nonces. Returns false, leaving the
    buffer unspecified, only if the generator could not be seeded.
*/
bool fillWithSecureRandomBytes (void* buffer, size_t numBytes);

} // namespace comfybridge
