#include <openssl/evp.h>
#include <openssl/rand.h>

namespace comfybridge
{

// OpenSSL's own digests replace the hand-written SHA-1 and SHA-256 the module
// used to carry: they are vetted, use SHA-NI/ARMv8 instructions where present,
// and libcrypto is linked anyway for TLS.
struct Sha256Stream::Context
{
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    bool finished = false;

    ~Context() { EVP_MD_CTX_free (md); }
};

Sha256Stream::Sha256Stream()
    : context (std::make_unique<Context>())
{
    const auto started = context->md != nullptr && EVP_DigestInit_ex (context->md, EVP_sha256(), nullptr) == 1;
    jassertquiet (started);
}

Sha256Stream::~Sha256Stream() = default;

void Sha256Stream::update (const void* data, size_t numBytes)
{
    jassert (! context->finished);
    EVP_DigestUpdate (context->md, data, numBytes);
}

juce::String Sha256Stream::finishHex()
{
    jassert (! context->finished);
    context->finished = true;

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;

    if (EVP_DigestFinal_ex (context->md, digest, &length) != 1)
        return {};

    return juce::String::toHexString (digest, (int) length, 0);
}

juce::String sha256Hex (const void* data, size_t numBytes)
{
    Sha256Stream stream;
    stream.update (data, numBytes);
    return stream.finishHex();
}

namespace digests
{
    template <size_t size>
    std::array<uint8_t, size> oneShot (const void* data, size_t numBytes, const EVP_MD* type)
    {
        std::array<uint8_t, size> digest {};
        unsigned int length = 0;
        const auto ok = EVP_Digest (data, numBytes, digest.data(), &length, type, nullptr) == 1;
        jassertquiet (ok && length == digest.size());
        return digest;
    }
}

std::array<uint8_t, 32> sha256Digest (const void* data, size_t numBytes)
{
    return digests::oneShot<32> (data, numBytes, EVP_sha256());
}

std::array<uint8_t, 20> sha1Digest (const void* data, size_t numBytes)
{
    return digests::oneShot<20> (data, numBytes, EVP_sha1());
}

bool fillWithSecureRandomBytes (void* buffer, size_t numBytes)
{
    return RAND_bytes (static_cast<unsigned char*> (buffer), (int) numBytes) == 1;
}

} // namespace comfybridge
