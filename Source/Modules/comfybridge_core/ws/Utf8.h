#pragma once

namespace comfybridge
{

/** True when @p numBytes bytes at @p data are well-formed UTF-8 (RFC 3629): no
    overlong forms, no UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF,
    no truncated sequence. RFC 6455 §8.1 requires a client to fail the connection
    (close code 1007) on a text message that is not.
*/
bool isValidUtf8 (const void* data, size_t numBytes) noexcept;

} // namespace comfybridge
