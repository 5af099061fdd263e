#pragma once

namespace comfybridge
{

/**
    Encodes an image as PNG with the system's libpng, tuned for speed.

    juce::PNGImageFormat always writes RGBA with libpng's default deflate level and
    adaptive filtering, which made the PNG encode most of a placeholder's cost. This
    writer stores RGB when every pixel is opaque (a quarter less data), uses the
    "Up" filter (one subtraction per byte; the rows of a gradient differ little) and
    a fast deflate level. The output is an ordinary PNG that any reader decodes to
    the same pixels, and the same image always gives the same bytes.
*/
struct PngEncoder
{
    /** The image as PNG bytes; empty for a null image or if libpng fails. */
    static juce::MemoryBlock encode (const juce::Image& image);

    /** The deflate level used (zlib's 0..9). */
    static constexpr int compressionLevel = 2;
};

} // namespace comfybridge
