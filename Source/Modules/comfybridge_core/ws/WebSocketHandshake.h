#pragma once

// Internal to the module (included by comfybridge_core.cpp only): the opening handshake
// of RFC 6455 §4 for the client side, without I/O: what a ws:// or wss:// URL names,
// the upgrade request, and the check of the server's answer (101, Upgrade/Connection,
// Sec-WebSocket-Accept computed with OpenSSL's SHA-1, no unoffered extension).

namespace comfybridge::detail
{

/** The parts of a ws:// or wss:// URL. */
struct WebSocketUrl
{
    juce::String host;        /**< Without brackets. */
    int port = 80;            /**< 443 by default for wss://. */
    bool secure = false;      /**< wss:// */
    juce::String hostHeader;  /**< host[:port] as written, brackets kept. */
    juce::String target;      /**< path?query, at least "/". */

    /** host:port for messages ([v6]:port for IPv6). */
    juce::String where() const;

    /** The same endpoint as http:// or https://, for libcurl (which has no ws:// in Debian 12). */
    juce::String curlUrl() const;
};

/** Splits @p url into @p out, or says what is wrong with it (scheme, host, port,
    user info, characters that would inject request lines).
*/
juce::Result parseWebSocketUrl (const juce::String& url, WebSocketUrl& out);

/** A fresh Sec-WebSocket-Key (16 bytes from OpenSSL's RAND_bytes, base64); empty if the generator failed. */
juce::String makeWebSocketKey();

/** The Sec-WebSocket-Accept a server must answer to @p key (SHA-1 via OpenSSL EVP, base64). */
juce::String expectedAcceptFor (const juce::String& key);

/** The upgrade request for @p url with @p key and the caller's extra @p headers (those
    the client sets itself are dropped; one with CR/LF or a bad name fails). Never an
    Origin header: ComfyUI 403s an Origin whose host differs from Host.
*/
juce::Result buildUpgradeRequest (const WebSocketUrl& url, const juce::String& key,
                                  const juce::StringPairArray& headers, std::string& request);

/** Checks the server's answer @p head (status line and headers, without the blank line)
    to a request for @p target made with @p key; the failure says what went wrong in
    words for the user (403 = ComfyUI's origin check, 404 = no WebSocket there, ...).
*/
juce::Result checkUpgradeResponse (const juce::String& head, const juce::String& key, const juce::String& target);

} // namespace comfybridge::detail
