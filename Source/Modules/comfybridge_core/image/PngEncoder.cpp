#include <png.h>

namespace comfybridge
{

namespace pngencoder
{
    void appendToBlock (png_structp png, png_bytep data, png_size_t length)
    {
        static_cast<juce::MemoryOutputStream*> (png_get_io_ptr (png))->write (data, length);
    }

    void flushNothing (png_structp) {}

    bool isOpaque (const juce::Image::BitmapData& pixels)
    {
        for (int y = 0; y < pixels.height; ++y)
            for (int x = 0; x < pixels.width; ++x)
                if (pixels.getPixelColour (x, y).getAlpha() != 0xff)
                    return false;

        return true;
    }

    /** One row as RGB or straight (not premultiplied) RGBA bytes. */
    void convertRow (const juce::Image::BitmapData& pixels, int y, bool withAlpha, std::vector<png_byte>& row)
    {
        auto* out = row.data();

        for (int x = 0; x < pixels.width; ++x)
        {
            const auto colour = pixels.getPixelColour (x, y); // un-premultiplied by JUCE
            *out++ = colour.getRed();
            *out++ = colour.getGreen();
            *out++ = colour.getBlue();

            if (withAlpha)
                *out++ = colour.getAlpha();
        }
    }
}

juce::MemoryBlock PngEncoder::encode (const juce::Image& image)
{
    juce::MemoryBlock block;

    if (! image.isValid())
        return block;

    const juce::Image::BitmapData pixels (image, juce::Image::BitmapData::readOnly);
    const auto withAlpha = image.hasAlphaChannel() && ! pngencoder::isOpaque (pixels);

    auto* png = png_create_write_struct (PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    auto* info = png != nullptr ? png_create_info_struct (png) : nullptr;

    if (info == nullptr)
    {
        png_destroy_write_struct (&png, nullptr);
        return block;
    }

    juce::MemoryOutputStream stream (block, false);
    std::vector<png_byte> row ((size_t) pixels.width * (withAlpha ? 4 : 3));

    // libpng reports errors by longjmp: nothing with a destructor may be created
    // between here and the end of the writing below.
    if (setjmp (png_jmpbuf (png)) != 0)
    {
        png_destroy_write_struct (&png, &info);
        stream.reset();
        block.reset();
        return block;
    }

    png_set_write_fn (png, &stream, pngencoder::appendToBlock, pngencoder::flushNothing);
    png_set_IHDR (png, info, (png_uint_32) pixels.width, (png_uint_32) pixels.height, 8,
                  withAlpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB,
                  PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter (png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
    png_set_compression_level (png, compressionLevel);
    png_write_info (png, info);

    for (int y = 0; y < pixels.height; ++y)
    {
        pngencoder::convertRow (pixels, y, withAlpha, row);
        png_write_row (png, row.data());
    }

    png_write_end (png, nullptr);
    png_destroy_write_struct (&png, &info);
    stream.flush();
    return block;
}

} // namespace comfybridge
