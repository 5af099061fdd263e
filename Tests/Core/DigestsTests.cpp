#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

#include <string>

namespace
{
    juce::String hex (const std::array<uint8_t, 20>& digest)
    {
        return juce::String::toHexString (digest.data(), (int) digest.size(), 0);
    }

    bool valid (const std::string& bytes)
    {
        return comfybridge::isValidUtf8 (bytes.data(), bytes.size());
    }
}

TEST_CASE ("SHA-256 and SHA-1 give the FIPS 180 known answers", "[digests]")
{
    const std::string abc = "abc";
    CHECK (comfybridge::sha256Hex (abc.data(), abc.size()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK (comfybridge::sha256Hex ("", 0) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK (hex (comfybridge::sha1Digest (abc.data(), abc.size())) == "a9993e364706816aba3e25717850c26c9cd0d89d");

    // RFC 6455 §1.3's handshake example: the key plus the GUID, SHA-1, base64.
    const std::string keyAndGuid = "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    const auto digest = comfybridge::sha1Digest (keyAndGuid.data(), keyAndGuid.size());
    CHECK (juce::Base64::toBase64 (digest.data(), digest.size()) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE ("a SHA-256 fed in pieces equals the one of the whole", "[digests]")
{
    std::string million (1000000, 'a');
    comfybridge::Sha256Stream stream;

    for (size_t offset = 0; offset < million.size(); offset += 4099)
        stream.update (million.data() + offset, std::min<size_t> (4099, million.size() - offset));

    // FIPS 180-2's "one million a" vector.
    CHECK (stream.finishHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE ("the secure random generator fills buffers with bytes that differ each time", "[digests]")
{
    uint8_t a[32] = {}, b[32] = {};
    REQUIRE (comfybridge::fillWithSecureRandomBytes (a, sizeof (a)));
    REQUIRE (comfybridge::fillWithSecureRandomBytes (b, sizeof (b)));
    CHECK (std::memcmp (a, b, sizeof (a)) != 0);
}

TEST_CASE ("UTF-8 validation follows RFC 3629", "[digests][utf8]")
{
    CHECK (valid (""));
    CHECK (valid ("plain ASCII {\"type\":\"status\"}"));
    CHECK (valid ("\xc3\xa9"));                 // é
    CHECK (valid ("\xe2\x82\xac"));             // €
    CHECK (valid ("\xf0\x9f\x8e\xb5"));         // 🎵
    CHECK (valid ("\xf4\x8f\xbf\xbf"));         // U+10FFFF, the last code point
    CHECK (valid ("\xef\xbf\xbf"));             // U+FFFF is a noncharacter but well-formed

    CHECK_FALSE (valid ("\x80"));               // a continuation byte alone
    CHECK_FALSE (valid ("\xc0\x80"));           // overlong NUL
    CHECK_FALSE (valid ("\xc1\xbf"));           // overlong
    CHECK_FALSE (valid ("\xe0\x80\xaf"));       // overlong '/'
    CHECK_FALSE (valid ("\xed\xa0\x80"));       // UTF-16 surrogate U+D800
    CHECK_FALSE (valid ("\xf4\x90\x80\x80"));   // above U+10FFFF
    CHECK_FALSE (valid ("\xf5\x80\x80\x80"));   // lead byte never used
    CHECK_FALSE (valid ("\xe2\x82"));           // truncated at the end
    CHECK_FALSE (valid ("\xe2\x28\xa1"));       // bad continuation
    CHECK_FALSE (valid ("\xff"));
}
