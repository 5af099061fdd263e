#pragma once

#include <variant>

namespace comfybridge
{

//==============================================================================
/** What a placeholder image should show: the request that could not be sent to
    the backend, and why.
*/
struct PlaceholderRequest
{
    juce::String prompt;       ///< the positive prompt; shown wrapped, shortened with an ellipsis when too long
    juce::int64 seed = 0;      ///< picks the gradient colours and is printed in the footer
    int width = 512;           ///< pixels, PlaceholderRenderer::minDimension..maxDimension
    int height = 512;          ///< pixels, PlaceholderRenderer::minDimension..maxDimension
    juce::String reason;       ///< why the backend is unavailable, e.g. "connection refused (localhost:8000)"
    juce::String workflowName; ///< optional; shown in the footer next to the size and seed
};

//==============================================================================
/**
    Draws the image that stands in for a generated one while the ComfyUI backend
    is unavailable and the fallback mode is "placeholder".

    The picture is a diagonal gradient whose two colours come from the seed, a
    "PLACEHOLDER" badge so that nobody mistakes it for a real result, the prompt,
    the size and seed, and the reason the backend could not be used. Elements
    that would be too small to read are left out, so a 1 x 1 image is just the
    gradient and a 64 x 64 one the gradient and the badge.

    Rendering is deterministic: the same request gives the same pixels on the
    same machine (the text depends on the installed default sans-serif font).
    It works without a display or a MessageManager and may be called from any
    thread: the renderer uses its own typefaces, never the LookAndFeel's, and
    serialises text layout internally because JUCE's typefaces load glyphs
    lazily without locking.
*/
class PlaceholderRenderer
{
public:
    static constexpr int minDimension = 1;    ///< smallest width or height accepted
    static constexpr int maxDimension = 8192; ///< largest width or height accepted (256 MB of ARGB)

    /** An ARGB software image of exactly the requested size, or a message naming
        each bad field and its value (e.g. "width: 0 is out of range; expected 1 to 8192").
    */
    static std::variant<juce::Image, juce::String> render (const PlaceholderRequest& request);

    /** The image encoded as PNG; empty for a null image. */
    static juce::MemoryBlock encodePng (const juce::Image& image);

private:
    PlaceholderRenderer() = delete;
};

} // namespace comfybridge
