#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

#include <chrono>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <thread>

using comfybridge::PlaceholderRenderer;
using comfybridge::PlaceholderRequest;

namespace
{
    PlaceholderRequest makeRequest (int width, int height, juce::int64 seed = 42)
    {
        PlaceholderRequest request;
        request.prompt = "a lighthouse on a rocky coast at dusk, warm light, volumetric fog, highly detailed";
        request.seed = seed;
        request.width = width;
        request.height = height;
        request.reason = "ComfyUI at localhost:8000 is not reachable (connection refused)";
        request.workflowName = "txt2img";
        return request;
    }

    juce::Image renderImage (const PlaceholderRequest& request)
    {
        auto result = PlaceholderRenderer::render (request);

        if (auto* error = std::get_if<juce::String> (&result))
            FAIL ("render failed: " << *error);

        return std::get<juce::Image> (result);
    }

    /** The pixels row by row, independent of the line stride. */
    juce::MemoryBlock pixelBytes (const juce::Image& image)
    {
        const juce::Image::BitmapData data (image, juce::Image::BitmapData::readOnly);
        juce::MemoryBlock bytes;

        for (int y = 0; y < data.height; ++y)
            bytes.append (data.getLinePointer (y), (size_t) (data.width * data.pixelStride));

        return bytes;
    }

    float colourDistance (juce::Colour a, juce::Colour b)
    {
        return (float) (std::abs (a.getRed() - b.getRed()) + std::abs (a.getGreen() - b.getGreen()) + std::abs (a.getBlue() - b.getBlue()));
    }

    /** Milliseconds per call of fn, averaged over runs. */
    template <typename Fn>
    double averageMilliseconds (int runs, Fn&& fn)
    {
        const auto start = std::chrono::steady_clock::now();

        for (int i = 0; i < runs; ++i)
            fn();

        return std::chrono::duration<double, std::milli> (std::chrono::steady_clock::now() - start).count() / runs;
    }
}

//==============================================================================
TEST_CASE ("placeholders have exactly the requested size, from 1 x 1 to 4096 x 4096", "[placeholder]")
{
    const std::pair<int, int> sizes[] = { { 1, 1 }, { 2, 2 }, { 64, 64 }, { 160, 90 }, { 512, 512 }, { 1024, 768 },
                                          { 8192, 1 }, { 1, 8192 }, { 3000, 7 }, { 4096, 4096 } };

    for (const auto& [width, height] : sizes)
    {
        INFO (width << " x " << height);
        const auto image = renderImage (makeRequest (width, height));

        CHECK (image.isValid());
        CHECK (image.getWidth() == width);
        CHECK (image.getHeight() == height);
        CHECK (image.getFormat() == juce::Image::ARGB);
        CHECK (image.getPixelAt (0, 0).isOpaque());
        CHECK (image.getPixelAt (width - 1, height - 1).isOpaque());

        // A gradient, not a flat fill: opposite corners differ.
        if (width >= 64 && height >= 64)
            CHECK (colourDistance (image.getPixelAt (0, 0), image.getPixelAt (width - 1, height - 1)) > 20.0f);
    }
}

TEST_CASE ("sizes outside 1..8192 are rejected with a message naming the field and the value", "[placeholder]")
{
    for (const auto bad : { 0, -1, 8193, 100000 })
    {
        INFO ("size " << bad);

        auto wide = makeRequest (bad, 64);
        const auto wideResult = PlaceholderRenderer::render (wide);
        REQUIRE (std::holds_alternative<juce::String> (wideResult));
        const auto wideMessage = std::get<juce::String> (wideResult);
        CHECK (wideMessage.contains ("width: " + juce::String (bad)));
        CHECK (wideMessage.contains ("1 to 8192"));
        CHECK_FALSE (wideMessage.contains ("height"));

        auto tall = makeRequest (64, bad);
        const auto tallResult = PlaceholderRenderer::render (tall);
        REQUIRE (std::holds_alternative<juce::String> (tallResult));
        CHECK (std::get<juce::String> (tallResult).contains ("height: " + juce::String (bad)));
        CHECK_FALSE (std::get<juce::String> (tallResult).contains ("width"));
    }

    const auto both = PlaceholderRenderer::render (makeRequest (0, 100000));
    REQUIRE (std::holds_alternative<juce::String> (both));
    CHECK (std::get<juce::String> (both).contains ("width: 0"));
    CHECK (std::get<juce::String> (both).contains ("height: 100000"));
}

TEST_CASE ("identical requests give identical pixels", "[placeholder]")
{
    for (const auto& request : { makeRequest (1024, 768), makeRequest (64, 64), makeRequest (300, 1200, -7) })
    {
        INFO (request.width << " x " << request.height);
        CHECK (pixelBytes (renderImage (request)) == pixelBytes (renderImage (request)));
    }
}

TEST_CASE ("the seed, the prompt and the reason each change the picture", "[placeholder]")
{
    const auto reference = makeRequest (512, 512);
    const auto referencePixels = pixelBytes (renderImage (reference));

    SECTION ("seed")
    {
        auto other = reference;
        other.seed = 43;
        CHECK (pixelBytes (renderImage (other)) != referencePixels);
    }

    SECTION ("prompt")
    {
        auto other = reference;
        other.prompt = "a lighthouse on a rocky coast at dawn, warm light, volumetric fog, highly detailed";
        CHECK (pixelBytes (renderImage (other)) != referencePixels);
    }

    SECTION ("reason")
    {
        auto other = reference;
        other.reason = "ComfyUI at localhost:8000 timed out";
        CHECK (pixelBytes (renderImage (other)) != referencePixels);
    }

    SECTION ("even at 64 x 64, where only the gradient and the badge are drawn, the seed shows")
    {
        auto small = makeRequest (64, 64);
        auto other = small;
        other.seed = 43;
        CHECK (pixelBytes (renderImage (other)) != pixelBytes (renderImage (small)));
    }
}

TEST_CASE ("the colours come from the seed alone and neighbouring seeds look different", "[placeholder]")
{
    auto request = makeRequest (512, 512, 1234);
    const auto first = renderImage (request);

    request.prompt = "something else entirely";
    request.reason = "timed out";
    const auto sameSeed = renderImage (request);

    // The corners carry no text: same seed, same background.
    CHECK (first.getPixelAt (0, 0) == sameSeed.getPixelAt (0, 0));
    CHECK (first.getPixelAt (511, 511) == sameSeed.getPixelAt (511, 511));

    int clearlyDifferent = 0;

    for (juce::int64 seed = 0; seed < 10; ++seed)
    {
        const auto a = renderImage (makeRequest (32, 32, seed)).getPixelAt (0, 0);
        const auto b = renderImage (makeRequest (32, 32, seed + 1)).getPixelAt (0, 0);
        clearlyDifferent += colourDistance (a, b) > 30.0f ? 1 : 0;
    }

    CHECK (clearlyDifferent >= 8);
}

TEST_CASE ("the background stays dark enough for white text", "[placeholder]")
{
    for (juce::int64 seed = 0; seed < 64; ++seed)
    {
        const auto image = renderImage (makeRequest (16, 16, seed));

        for (const auto point : { juce::Point<int> (0, 0), juce::Point<int> (15, 15), juce::Point<int> (8, 8) })
        {
            INFO ("seed " << seed << " at " << point.x << "," << point.y);
            CHECK (image.getPixelAt (point.x, point.y).getPerceivedBrightness() < 0.7f);
        }
    }
}

TEST_CASE ("PNG encoding decodes back to the same size and pixels", "[placeholder]")
{
    const auto image = renderImage (makeRequest (320, 200));
    const auto png = PlaceholderRenderer::encodePng (image);

    REQUIRE (png.getSize() > 8);
    CHECK (std::memcmp (png.getData(), "\x89PNG\r\n\x1a\n", 8) == 0);

    const auto decoded = juce::ImageFileFormat::loadFrom (png.getData(), png.getSize());
    REQUIRE (decoded.isValid());
    CHECK (decoded.getWidth() == 320);
    CHECK (decoded.getHeight() == 200);

    int mismatches = 0;

    for (int y = 0; y < 200; ++y)
        for (int x = 0; x < 320; ++x)
            mismatches += decoded.getPixelAt (x, y) == image.getPixelAt (x, y) ? 0 : 1;

    CHECK (mismatches == 0);
    CHECK (PlaceholderRenderer::encodePng (juce::Image()).isEmpty());
}

TEST_CASE ("the PNG encoder keeps transparency, stores opaque images as RGB and is deterministic", "[placeholder][png]")
{
    juce::Image translucent (juce::Image::ARGB, 64, 48, true, juce::SoftwareImageType());
    {
        juce::Graphics g (translucent);
        g.setColour (juce::Colour (0x80ff4020));
        g.fillRect (8, 8, 40, 30);
    }

    const auto png = comfybridge::PngEncoder::encode (translucent);
    const auto decoded = juce::ImageFileFormat::loadFrom (png.getData(), png.getSize());
    REQUIRE (decoded.isValid());
    CHECK (decoded.getPixelAt (0, 0).getAlpha() == 0);
    CHECK (decoded.getPixelAt (20, 20).getAlpha() == translucent.getPixelAt (20, 20).getAlpha());
    CHECK (std::abs (decoded.getPixelAt (20, 20).getRed() - translucent.getPixelAt (20, 20).getRed()) <= 2);

    // IHDR's colour type (byte 25): 6 = RGBA here, 2 = RGB for an opaque placeholder.
    CHECK (static_cast<const uint8_t*> (png.getData())[25] == 6);
    const auto opaque = PlaceholderRenderer::encodePng (renderImage (makeRequest (64, 48)));
    REQUIRE (opaque.getSize() > 26);
    CHECK (static_cast<const uint8_t*> (opaque.getData())[25] == 2);

    CHECK (opaque == PlaceholderRenderer::encodePng (renderImage (makeRequest (64, 48))));
}

TEST_CASE ("long, empty, multi-line and non-ASCII prompts render", "[placeholder]")
{
    juce::String longPrompt;
    juce::Random random (7);

    while (longPrompt.length() < 10000)
        longPrompt << juce::String::repeatedString ("w", 1 + random.nextInt (9)) << (random.nextInt (12) == 0 ? ", " : " ");

    const juce::String prompts[] = {
        longPrompt,
        juce::String::repeatedString ("x", 20000), // one word wider than any line
        {},
        "   \n\t  ",
        juce::String (juce::CharPointer_UTF8 ("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x8e\xa8 na\xc3\xafve")),
        "line one\nline two\r\n\ttabbed\x01 control",
    };

    for (const auto& prompt : prompts)
    {
        INFO ("prompt of " << prompt.length() << " characters");

        for (const auto& [width, height] : { std::pair<int, int> (1024, 1024), { 200, 160 }, { 2000, 240 }, { 240, 2000 } })
        {
            auto request = makeRequest (width, height);
            request.prompt = prompt;
            request.reason = prompt; // long and odd reasons must be handled as well
            request.workflowName = prompt.substring (0, 300);

            const auto image = renderImage (request);
            CHECK (image.getWidth() == width);
            CHECK (image.getHeight() == height);
        }
    }
}

TEST_CASE ("placeholders render on several threads at once with the same result", "[placeholder]")
{
    std::vector<PlaceholderRequest> requests;

    for (int i = 0; i < 6; ++i)
    {
        auto request = makeRequest (256 + 32 * i, 256, i);
        request.prompt << " #" << i << juce::String (juce::CharPointer_UTF8 (" \xc3\xa9\xc3\xa8\xc3\xa0 \xe2\x82\xac"));
        requests.push_back (request);
    }

    // Threads first, so that in a fresh process they also race for the first
    // typeface and glyph loads; then the same requests one after another.
    std::vector<juce::MemoryBlock> actual (requests.size());
    std::vector<std::thread> threads;

    for (size_t i = 0; i < requests.size(); ++i)
        threads.emplace_back ([&, i]
        {
            for (int repeat = 0; repeat < 3; ++repeat)
            {
                auto result = PlaceholderRenderer::render (requests[i]);

                if (auto* image = std::get_if<juce::Image> (&result))
                    actual[i] = pixelBytes (*image);
            }
        });

    for (auto& thread : threads)
        thread.join();

    std::vector<juce::MemoryBlock> expected;

    for (const auto& request : requests)
        expected.push_back (pixelBytes (renderImage (request)));

    for (size_t i = 0; i < requests.size(); ++i)
        CHECK (actual[i] == expected[i]);
}

//==============================================================================
// Hidden from the default run and from ctest: prints timings and writes sample
// files. Run with: ComfyBridgeTests "[placeholder-benchmark]" (or "[placeholder]").
TEST_CASE ("benchmark: render + PNG-encode a 1024 x 1024 placeholder, next to ImageMagick", "[.][placeholder][placeholder-benchmark]")
{
    constexpr int runs = 10;
    const auto request = makeRequest (1024, 1024);
    juce::MemoryBlock png;

    renderImage (request); // warm up: typefaces and glyph outlines load once per process

    const auto renderMs = averageMilliseconds (runs, [&] { renderImage (request); });
    const auto totalMs = averageMilliseconds (runs, [&] { png = PlaceholderRenderer::encodePng (renderImage (request)); });

    const auto output = juce::File::getSpecialLocation (juce::File::tempDirectory).getChildFile ("placeholder.png");
    REQUIRE (output.replaceWithData (png.getData(), png.getSize()));

    std::ostringstream report;
    report << std::fixed << std::setprecision (1)
           << "PlaceholderRenderer 1024x1024, average of " << runs << ": render " << renderMs << " ms, render + PNG encode "
           << totalMs << " ms (" << png.getSize() / 1024 << " KiB) -> " << output.getFullPathName();

    // The real binary, not whatever wrapper may come first on the PATH.
    const auto convert = juce::File ("/usr/bin/convert");

    if (convert.existsAsFile())
    {
        const auto target = juce::File::getSpecialLocation (juce::File::tempDirectory).getChildFile ("comfybridge-imagemagick.png");
        juce::StringArray command { convert.getFullPathName(), "-size", "1024x1024", "gradient:#3050a0-#a03070",
                                    "-gravity", "center", "-pointsize", "48", "-annotate", "0", "a prompt",
                                    target.getFullPathName() };

        auto runConvert = [&command]
        {
            juce::ChildProcess process;
            return process.start (command) && process.waitForProcessToFinish (60000) && process.getExitCode() == 0;
        };

        // ImageMagick's default font (Helvetica) is often missing; without a font
        // it fails before drawing the text, which would flatter it.
        juce::String note;

        if (! runConvert())
        {
            command.insert (4, "-font");
            command.insert (5, "DejaVu-Sans");
            note = " (with -font DejaVu-Sans: the default Helvetica is not installed)";
        }

        bool ok = true;
        const auto magickMs = averageMilliseconds (runs, [&] { ok = runConvert() && ok; });

        report << "\nImageMagick convert, gradient + one 48 pt line, process start included" << note << ", average of "
               << runs << ": " << magickMs << " ms" << (ok ? "" : " (convert FAILED)");
        target.deleteFile();
    }
    else
    {
        report << "\nImageMagick not installed: no comparison";
    }

    WARN (report.str());
}

TEST_CASE ("sample placeholders for a visual check", "[.][placeholder-samples]")
{
    const auto folder = juce::File::getSpecialLocation (juce::File::tempDirectory).getChildFile ("comfybridge-placeholders");
    REQUIRE (folder.createDirectory());

    struct Sample { const char* name; int width, height; juce::int64 seed; const char* prompt; };
    const Sample samples[] = {
        { "1024-short", 1024, 1024, 42, "a prompt" },
        { "1024-typical", 1024, 1024, 7, "a lighthouse on a rocky coast at dusk, warm light, volumetric fog, highly detailed, 35mm photograph" },
        { "1024-long", 1024, 1024, 123456789, nullptr },
        { "1024x576-wide", 1024, 576, 3, "cinematic wide shot of a desert highway at night, neon signs, rain" },
        { "512x768-tall", 512, 768, 99, "portrait of an old sailor, oil painting" },
        { "256", 256, 256, 5, "a small cat" },
        { "160", 160, 160, 11, "a small cat sitting on a windowsill" },
        { "64", 64, 64, 42, "a prompt" },
        { "4096", 4096, 4096, 2024, "a lighthouse on a rocky coast at dusk" },
        { "1024-empty", 1024, 1024, 8, "" },
        { "1024-unicode", 1024, 1024, 9, "caf\xc3\xa9 cr\xc3\xa8" "me br\xc3\xbbl\xc3\xa9" "e \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x8e\xa8, "
                                          "\xce\xb1\xce\xb2\xce\xb3 \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" },
        { "2000x240", 2000, 240, 10, "panorama of snowy mountains at sunrise, ultra wide" },
        { "240x1000", 240, 1000, 12, "a tall tower" },
    };

    juce::String longPrompt;

    for (int i = 0; i < 120; ++i)
        longPrompt << "masterpiece, best quality, intricate details, dramatic lighting, ";

    for (const auto& sample : samples)
    {
        auto request = makeRequest (sample.width, sample.height, sample.seed);
        request.prompt = sample.prompt != nullptr ? juce::String (juce::CharPointer_UTF8 (sample.prompt)) : longPrompt;

        const auto png = PlaceholderRenderer::encodePng (renderImage (request));
        const auto file = folder.getChildFile (juce::String (sample.name) + ".png");
        CHECK (file.replaceWithData (png.getData(), png.getSize()));
    }

    // One tile per seed, to judge the palette.
    constexpr int tile = 160, columns = 8, rows = 4;
    juce::Image grid (juce::Image::RGB, tile * columns, tile * rows, true, juce::SoftwareImageType());

    {
        juce::Graphics g (grid);

        for (int i = 0; i < columns * rows; ++i)
            g.drawImageAt (renderImage (makeRequest (tile, tile, i)), (i % columns) * tile, (i / columns) * tile);
    }

    const auto png = PlaceholderRenderer::encodePng (grid);
    CHECK (folder.getChildFile ("seeds.png").replaceWithData (png.getData(), png.getSize()));

    WARN ("samples written to " << folder.getFullPathName());
}

