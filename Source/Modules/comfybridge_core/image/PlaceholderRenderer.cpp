namespace comfybridge
{

//==============================================================================
namespace PlaceholderHelpers
{
    // Below these sizes (in pixels of the shorter side) text would be unreadable clutter.
    constexpr int minSizeForBadge = 32;
    constexpr int minSizeForText = 160;

    // Longer prompts cannot fit even a 4096 x 4096 image at the smallest text size;
    // cutting them first keeps layout time independent of the prompt's length.
    constexpr int maxPromptCharacters = 1200;

    const juce::String ellipsis  { juce::CharPointer_UTF8 ("\xe2\x80\xa6") };
    const juce::String timesSign { juce::CharPointer_UTF8 (" \xc3\x97 ") };
    const juce::String middleDot { juce::CharPointer_UTF8 (" \xc2\xb7 ") };

    //==============================================================================
    /** splitmix64: neighbouring seeds (41, 42, 43) get unrelated colours. */
    juce::uint64 mixSeed (juce::uint64 x) noexcept
    {
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    }

    /** WCAG relative luminance, 0 (black) to 1 (white). */
    float relativeLuminance (juce::Colour c) noexcept
    {
        auto linear = [] (juce::uint8 v)
        {
            const auto s = (float) v / 255.0f;
            return s <= 0.04045f ? s / 12.92f : std::pow ((s + 0.055f) / 1.055f, 2.4f);
        };

        return 0.2126f * linear (c.getRed()) + 0.7152f * linear (c.getGreen()) + 0.0722f * linear (c.getBlue());
    }

    /** Darkens a colour until white text on it has at least a 4.5:1 contrast (WCAG AA). */
    juce::Colour withWhiteTextContrast (juce::Colour c) noexcept
    {
        constexpr float maxLuminance = 0.18f; // (1.0 + 0.05) / (0.18 + 0.05) = 4.57

        for (int i = 0; i < 20 && relativeLuminance (c) > maxLuminance; ++i)
            c = c.withMultipliedBrightness (0.93f);

        return c;
    }

    struct Palette
    {
        juce::Colour start, end, glow;
    };

    /** Hues without the yellow-olive band: darkened enough for white text, yellows turn muddy. */
    float pleasantHue (float t) noexcept
    {
        constexpr float skipStart = 0.06f, skipWidth = 0.20f;
        return std::fmod (skipStart + skipWidth + juce::jlimit (0.0f, 1.0f, t) * (1.0f - skipWidth), 1.0f);
    }

    /** Two analogous hues from the seed, saturated enough to look intentional and
        dark enough for white text; the same seed always gives the same palette.
    */
    Palette makePalette (juce::int64 seed)
    {
        juce::Random random ((juce::int64) mixSeed ((juce::uint64) seed));

        const auto t = random.nextFloat();
        auto shift = (0.07f + 0.13f * random.nextFloat()) * (random.nextBool() ? 1.0f : -1.0f);

        // Stay on one side of the skipped band: across it, red would meet green.
        if (t + shift < 0.0f || t + shift > 1.0f)
            shift = -shift;

        const auto startHue = pleasantHue (t);
        const auto endHue = pleasantHue (t + shift);

        Palette palette;
        palette.start = withWhiteTextContrast (juce::Colour::fromHSV (startHue, 0.48f + 0.17f * random.nextFloat(), 0.66f + 0.10f * random.nextFloat(), 1.0f));
        palette.end = withWhiteTextContrast (juce::Colour::fromHSV (endHue, 0.62f + 0.18f * random.nextFloat(), 0.34f + 0.10f * random.nextFloat(), 1.0f));
        palette.glow = juce::Colour::fromHSV (startHue, 0.25f, 1.0f, 1.0f);
        return palette;
    }

    /** Writes the background straight into the pixels, in one pass: a corner-to-corner
        gradient, a soft light from the upper left and a gentle vignette. Three
        juce::Graphics gradient fills (two of them radial, a square root per pixel each
        through the generic compositor) cost most of a 1024 x 1024 render; one loop
        over the rows does the same sums in a fraction of the time, and is as
        deterministic: the same palette and size always give the same bytes.
    */
    void paintBackground (juce::Image& image, const Palette& palette)
    {
        const auto width = (float) image.getWidth(), height = (float) image.getHeight();
        const auto radius = std::hypot (width, height);

        // Linear gradient along the diagonal: t = projection of the pixel centre onto it.
        const auto diagonalScale = 1.0f / (width * width + height * height);

        // Glow: alpha 0.16 at its centre falling linearly to 0 at radius * 0.55.
        const auto glowX = width * 0.2f, glowY = height * 0.15f, glowRadius = radius * 0.55f;
        const auto glowR = palette.glow.getFloatRed(), glowG = palette.glow.getFloatGreen(), glowB = palette.glow.getFloatBlue();

        // Vignette: transparent up to 55 % of radius * 0.5, then up to 30 % black at its edge and beyond.
        const auto centreX = width * 0.5f, centreY = height * 0.5f, vignetteRadius = radius * 0.5f;

        const auto startR = palette.start.getFloatRed(), startG = palette.start.getFloatGreen(), startB = palette.start.getFloatBlue();
        const auto deltaR = palette.end.getFloatRed() - startR, deltaG = palette.end.getFloatGreen() - startG, deltaB = palette.end.getFloatBlue() - startB;

        const juce::Image::BitmapData pixels (image, juce::Image::BitmapData::writeOnly);

        for (int y = 0; y < pixels.height; ++y)
        {
            const auto py = (float) y + 0.5f;
            auto* line = pixels.getLinePointer (y);

            for (int x = 0; x < pixels.width; ++x)
            {
                const auto px = (float) x + 0.5f;

                const auto t = juce::jlimit (0.0f, 1.0f, (px * width + py * height) * diagonalScale);
                auto r = startR + deltaR * t, g = startG + deltaG * t, b = startB + deltaB * t;

                // sqrt of the sum, not std::hypot: no overflow to guard against here, and hypot is several times slower.
                const auto glowDistance = std::sqrt ((px - glowX) * (px - glowX) + (py - glowY) * (py - glowY)) / glowRadius;
                if (glowDistance < 1.0f)
                {
                    const auto alpha = 0.16f * (1.0f - glowDistance);
                    r += (glowR - r) * alpha;
                    g += (glowG - g) * alpha;
                    b += (glowB - b) * alpha;
                }

                const auto edge = std::sqrt ((px - centreX) * (px - centreX) + (py - centreY) * (py - centreY)) / vignetteRadius;
                if (edge > 0.55f)
                {
                    const auto keep = 1.0f - 0.30f * juce::jmin (1.0f, (edge - 0.55f) / 0.45f);
                    r *= keep;
                    g *= keep;
                    b *= keep;
                }

                auto* pixel = reinterpret_cast<juce::PixelARGB*> (line + x * pixels.pixelStride);
                pixel->setARGB (0xff, (juce::uint8) juce::roundToInt (r * 255.0f), (juce::uint8) juce::roundToInt (g * 255.0f),
                                (juce::uint8) juce::roundToInt (b * 255.0f));
            }
        }
    }

    //==============================================================================
    /** The renderer's own typefaces. Fonts built from a Typeface::Ptr never consult
        the TypefaceCache, so no LookAndFeel (a Desktop singleton of the message
        thread) is involved and a plugin's custom look cannot change the picture.
    */
    struct Typefaces
    {
        juce::Typeface::Ptr regular, bold;
    };

    Typefaces createTypefaces()
    {
        // Resolves "<Sans-Serif>" to the platform's default family without the LookAndFeel.
        const auto probe = juce::Font::getDefaultTypefaceForFont (juce::Font (juce::Font::getDefaultSansSerifFontName(),
                                                                              juce::Font::getDefaultStyle(), 16.0f));
        if (probe == nullptr || probe->getName().isEmpty())
            return {};

        const auto family = probe->getName();
        const auto styles = juce::Font::findAllTypefaceStyles (family);

        if (styles.isEmpty())
            return {}; // no usable font installed: draw no text rather than fall back to the cache

        auto pick = [&] (std::initializer_list<const char*> preferred, juce::Typeface::Ptr otherwise)
        {
            for (auto* style : preferred)
                if (styles.contains (style, true))
                    return juce::Typeface::createSystemTypefaceFor (juce::Font (family, styles[styles.indexOf (style, true)], 16.0f));

            return otherwise;
        };

        Typefaces faces;
        faces.regular = pick ({ "Regular", "Book", "Roman", "Normal", "Medium" }, probe);
        faces.bold = pick ({ "Bold", "Semibold", "SemiBold", "Demibold", "DemiBold", "Heavy" }, faces.regular);
        return faces;
    }

    /** Guards the typefaces: JUCE's FreeType typefaces load glyphs lazily without locking. */
    juce::CriticalSection& getTextLock()
    {
        static juce::CriticalSection lock;
        return lock;
    }

    /** Call with getTextLock() held. */
    const Typefaces& getTypefaces()
    {
        static const Typefaces faces = createTypefaces();
        return faces;
    }

    //==============================================================================
    /** Newlines, tabs and other control characters become spaces; runs of spaces collapse. */
    juce::String normalisePrompt (const juce::String& prompt)
    {
        juce::String result;
        result.preallocateBytes ((size_t) juce::jmin (prompt.getNumBytesAsUTF8(), (size_t) maxPromptCharacters * 4 + 8));

        int length = 0;
        bool lastWasSpace = true;

        for (auto c : prompt)
        {
            const auto isSpace = c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029 || juce::CharacterFunctions::isWhitespace (c);

            if (isSpace && lastWasSpace)
                continue;

            if (length >= maxPromptCharacters)
                return result.trimEnd() + ellipsis;

            result += isSpace ? juce::juce_wchar (' ') : c;
            lastWasSpace = isSpace;
            ++length;
        }

        return result.trimEnd();
    }

    /** The longest start of text (cut at a character) that fits maxWidth together with suffix. */
    juce::String fitPrefix (const juce::Font& font, const juce::String& text, const juce::String& suffix, float maxWidth)
    {
        int low = 0, high = text.length();

        while (low < high)
        {
            const auto mid = (low + high + 1) / 2;

            if (font.getStringWidthFloat (text.substring (0, mid) + suffix) <= maxWidth)
                low = mid;
            else
                high = mid - 1;
        }

        return text.substring (0, low);
    }

    /** Greedy word wrap; words wider than a line are broken between characters.
        Stops once more than lineLimit lines are needed.
    */
    juce::StringArray wrapText (const juce::Font& font, const juce::String& text, float maxWidth, int lineLimit)
    {
        juce::StringArray lines;
        juce::String current;

        for (const auto& word : juce::StringArray::fromTokens (text, " ", ""))
        {
            if (word.isEmpty())
                continue;

            const auto candidate = current.isEmpty() ? word : current + " " + word;

            if (font.getStringWidthFloat (candidate) <= maxWidth)
            {
                current = candidate;
                continue;
            }

            if (current.isNotEmpty())
                lines.add (current);

            current = word;

            while (font.getStringWidthFloat (current) > maxWidth && lines.size() <= lineLimit)
            {
                auto head = fitPrefix (font, current, {}, maxWidth);

                if (head.isEmpty())
                    head = current.substring (0, 1); // not even one character fits: show it anyway

                lines.add (head);
                current = current.substring (head.length());
            }

            if (lines.size() > lineLimit)
                return lines;
        }

        if (current.isNotEmpty())
            lines.add (current);

        return lines;
    }

    /** Marks a cut-off last line with an ellipsis that still fits the width. */
    juce::String withEllipsis (const juce::Font& font, const juce::String& line, float maxWidth)
    {
        return fitPrefix (font, line, ellipsis, maxWidth).trimEnd() + ellipsis;
    }

    /** Lines of text, laid out and ready to be turned into a path. */
    struct TextBlock
    {
        // No default: a default juce::Font would look itself up through the LookAndFeel.
        explicit TextBlock (const juce::Font& f) : font (f) {}

        juce::Font font;
        juce::StringArray lines;
        float lineHeight = 0.0f;

        float getHeight() const noexcept { return lineHeight * (float) lines.size(); }
    };

    /** Wraps text into at most maxLines lines, shrinking the font from preferredHeight
        towards minHeight before cutting the text off with an ellipsis.
    */
    TextBlock layoutText (const juce::Font& baseFont, const juce::String& text, float maxWidth, float maxHeight,
                          float preferredHeight, float minHeight, int maxLines, float lineSpacing)
    {
        TextBlock block (baseFont);
        auto height = preferredHeight;

        for (;;)
        {
            block.font = baseFont.withHeight (height);
            block.lineHeight = height * lineSpacing;

            const auto linesThatFit = juce::jmin (maxLines, (int) std::floor ((maxHeight + (lineSpacing - 1.0f) * height) / block.lineHeight));
            block.lines = wrapText (block.font, text, maxWidth, juce::jmax (1, linesThatFit));

            if (linesThatFit >= 1 && block.lines.size() <= linesThatFit)
                return block;

            if (height <= minHeight)
            {
                if (linesThatFit < 1)
                    return TextBlock (baseFont);

                block.lines.removeRange (linesThatFit, block.lines.size());
                block.lines.set (linesThatFit - 1, withEllipsis (block.font, block.lines[linesThatFit - 1], maxWidth));
                return block;
            }

            height = juce::jmax (minHeight, height * 0.9f);
        }
    }

    /** Adds the block's outlines to glyphPaths, one path per glyph, each line aligned within
        [x, x + width]. A path per glyph, not one for all the text: a fill builds an edge table as
        tall as its path with room for its busiest scanline, growing (and copying) it as lines gain
        edges. For a whole text block that came to hundreds of kilobytes per fill, above malloc's
        mmap threshold, so fresh pages from the kernel on every render (perf: most page faults).
        A glyph's table stays small, and the heap reuses it.
    */
    void addTextBlock (std::vector<juce::Path>& glyphPaths, const TextBlock& block, float x, float top, float width, juce::Justification justification)
    {
        auto baseline = top + block.font.getAscent() + (block.lineHeight - block.font.getHeight()) * 0.5f;

        for (const auto& line : block.lines)
        {
            const auto lineWidth = block.font.getStringWidthFloat (line);
            auto left = x;

            if (justification.testFlags (juce::Justification::horizontallyCentred))
                left = x + (width - lineWidth) * 0.5f;
            else if (justification.testFlags (juce::Justification::right))
                left = x + width - lineWidth;

            juce::GlyphArrangement glyphs;
            glyphs.addLineOfText (block.font, line, left, baseline);
            for (int i = 0; i < glyphs.getNumGlyphs(); ++i)
                if (const auto& glyph = glyphs.getGlyph (i); ! glyph.isWhitespace())
                    glyph.createPath (glyphPaths.emplace_back());
            baseline += block.lineHeight;
        }
    }

    //==============================================================================
    /** Everything to draw on top of the gradient, as filled shapes. Built under the
        text lock; filling them needs no lock.
    */
    struct Overlay
    {
        juce::Path badgeBackground, badgeDot, rule;
        std::vector<juce::Path> text, dimText; // a path per glyph
        float badgeOutlineThickness = 1.0f, shadowOffset = 1.0f;
    };

    /** The "PLACEHOLDER" pill: centred when it is all there is room for, else top left. */
    float addBadge (Overlay& overlay, const Typefaces& faces, juce::Rectangle<float> content, float preferredHeight, bool centred)
    {
        const juce::String label ("PLACEHOLDER");
        auto font = juce::Font (faces.bold).withHeight (preferredHeight).withExtraKerningFactor (0.14f);

        auto measure = [&]
        {
            const auto h = font.getHeight();
            return juce::Point<float> (font.getStringWidthFloat (label) + h * 2.6f, h * 2.1f);
        };

        // Shrink until it fits the width (small or very narrow images).
        auto size = measure();

        if (size.x > content.getWidth())
        {
            font = font.withHeight (font.getHeight() * content.getWidth() / size.x);
            size = measure();
        }

        if (font.getHeight() < 4.5f || size.y > content.getHeight())
            return 0.0f;

        const auto h = font.getHeight();
        auto pill = centred ? juce::Rectangle<float> (size.x, size.y).withCentre (content.getCentre())
                            : juce::Rectangle<float> (content.getX(), content.getY(), size.x, size.y);

        overlay.badgeBackground.addRoundedRectangle (pill, pill.getHeight() * 0.5f);
        overlay.badgeOutlineThickness = juce::jmax (1.0f, h * 0.09f);
        overlay.badgeDot.addEllipse (juce::Rectangle<float> (h * 0.56f, h * 0.56f).withCentre ({ pill.getX() + h * 1.05f, pill.getCentreY() }));

        TextBlock block (font);
        block.lines.add (label);
        block.lineHeight = h;
        addTextBlock (overlay.text, block, pill.getX() + h * 1.6f, pill.getCentreY() - h * 0.5f, size.x, juce::Justification::left);

        return pill.getBottom();
    }

    Overlay layoutOverlay (const PlaceholderRequest& request, juce::Rectangle<float> bounds)
    {
        Overlay overlay;
        const juce::ScopedLock lock (getTextLock());
        const auto& faces = getTypefaces();
        const auto shortSide = (float) juce::jmin (request.width, request.height);

        if (faces.regular == nullptr || shortSide < (float) minSizeForBadge)
            return overlay;

        const auto margin = std::round (juce::jmax (3.0f, shortSide * 0.055f));
        auto content = bounds.reduced (margin);

        if (shortSide < (float) minSizeForText)
        {
            addBadge (overlay, faces, content, shortSide * 0.09f, true);
            return overlay;
        }

        const auto unit = shortSide / 100.0f; // one percent of the shorter side
        overlay.shadowOffset = juce::jmax (1.0f, unit * 0.12f);

        const auto badgeBottom = addBadge (overlay, faces, content, juce::jmax (8.0f, unit * 2.4f), false);
        content.removeFromTop (badgeBottom - content.getY() + margin * 0.6f);

        // Footer, bottom up: the reason, then "workflow · W × H · seed N", then a hairline.
        const juce::Font regular (faces.regular);
        const auto footerHeight = juce::jmax (9.0f, unit * 2.9f);
        const auto reasonHeight = juce::jmax (8.0f, unit * 2.3f);

        const auto reasonText = request.reason.trim().isNotEmpty() ? request.reason.trim() : juce::String ("ComfyUI backend unavailable");
        const auto reason = layoutText (regular, normalisePrompt (reasonText), content.getWidth(), reasonHeight * 1.3f * 2.0f,
                                        reasonHeight, reasonHeight, 2, 1.3f);

        auto details = juce::String (request.width) + timesSign + juce::String (request.height) + middleDot + "seed " + juce::String (request.seed);

        if (request.workflowName.trim().isNotEmpty())
            details = request.workflowName.trim() + middleDot + details;

        const auto footer = layoutText (regular, details, content.getWidth(), footerHeight * 1.3f,
                                        footerHeight, footerHeight * 0.8f, 1, 1.3f);

        const auto footerBlockHeight = reason.getHeight() + footer.getHeight() + margin * 0.45f;

        if (content.getHeight() > footerBlockHeight + footerHeight * 2.0f)
        {
            auto footerArea = content.removeFromBottom (footerBlockHeight);
            const auto ruleThickness = juce::jmax (1.0f, unit * 0.12f);
            overlay.rule.addRectangle (footerArea.getX(), footerArea.getY(), footerArea.getWidth(), ruleThickness);
            footerArea.removeFromTop (margin * 0.45f);

            addTextBlock (overlay.text, footer, footerArea.getX(), footerArea.getY(), footerArea.getWidth(), juce::Justification::left);
            addTextBlock (overlay.dimText, reason, footerArea.getX(), footerArea.getY() + footer.getHeight(), footerArea.getWidth(), juce::Justification::left);
            content.removeFromBottom (margin * 0.6f);
        }

        // The prompt fills what is left, as large as it can be, centred.
        const auto prompt = normalisePrompt (request.prompt);
        const auto promptArea = content.reduced (content.getWidth() * 0.04f, 0.0f);
        const auto promptBlock = layoutText (regular, prompt.isNotEmpty() ? prompt : juce::String ("(no prompt)"),
                                             promptArea.getWidth(), promptArea.getHeight(),
                                             juce::jmax (12.0f, unit * 7.0f), juce::jmax (9.0f, unit * 3.0f), 14, 1.25f);

        if (! promptBlock.lines.isEmpty())
            addTextBlock (prompt.isNotEmpty() ? overlay.text : overlay.dimText, promptBlock, promptArea.getX(),
                          promptArea.getCentreY() - promptBlock.getHeight() * 0.5f, promptArea.getWidth(),
                          juce::Justification::horizontallyCentred);

        return overlay;
    }

    void paintOverlay (juce::Graphics& g, const Overlay& overlay)
    {
        const auto shadow = juce::AffineTransform::translation (0.0f, overlay.shadowOffset);

        g.setColour (juce::Colours::black.withAlpha (0.22f));
        g.fillPath (overlay.badgeBackground);
        g.setColour (juce::Colours::white.withAlpha (0.45f));
        g.strokePath (overlay.badgeBackground, juce::PathStrokeType (overlay.badgeOutlineThickness));
        g.setColour (juce::Colour (0xffffc857)); // amber "not live" dot
        g.fillPath (overlay.badgeDot);

        g.setColour (juce::Colours::white.withAlpha (0.28f));
        g.fillPath (overlay.rule);

        auto fillLines = [&g] (const std::vector<juce::Path>& glyphs, const juce::AffineTransform& transform)
        {
            for (const auto& glyph : glyphs)
                g.fillPath (glyph, transform);
        };

        // A hard, offset shadow keeps white text legible on the lighter corner.
        g.setColour (juce::Colours::black.withAlpha (0.25f));
        fillLines (overlay.text, shadow);
        fillLines (overlay.dimText, shadow);

        g.setColour (juce::Colours::white);
        fillLines (overlay.text, {});
        g.setColour (juce::Colours::white.withAlpha (0.72f));
        fillLines (overlay.dimText, {});
    }

    juce::String describeDimensionProblem (const char* field, int value)
    {
        if (value >= PlaceholderRenderer::minDimension && value <= PlaceholderRenderer::maxDimension)
            return {};

        return juce::String (field) + ": " + juce::String (value) + " is out of range; expected "
             + juce::String (PlaceholderRenderer::minDimension) + " to " + juce::String (PlaceholderRenderer::maxDimension) + " pixels";
    }
} // namespace PlaceholderHelpers

//==============================================================================
std::variant<juce::Image, juce::String> PlaceholderRenderer::render (const PlaceholderRequest& request)
{
    // Qualified calls: in the module's unity build another file's helper could share a name.
    juce::StringArray problems;
    problems.add (PlaceholderHelpers::describeDimensionProblem ("width", request.width));
    problems.add (PlaceholderHelpers::describeDimensionProblem ("height", request.height));
    problems.removeEmptyStrings();

    if (! problems.isEmpty())
        return problems.joinIntoString ("; ");

    // SoftwareImageType: the pixels live in memory whatever the platform, so this
    // works without a display and the result can be read back and encoded.
    juce::Image image (juce::Image::ARGB, request.width, request.height, false, juce::SoftwareImageType());
    const auto bounds = image.getBounds().toFloat();
    const auto overlay = PlaceholderHelpers::layoutOverlay (request, bounds);

    PlaceholderHelpers::paintBackground (image, PlaceholderHelpers::makePalette (request.seed));

    {
        juce::Graphics g (image);
        PlaceholderHelpers::paintOverlay (g, overlay);
    }

    return image;
}

juce::MemoryBlock PlaceholderRenderer::encodePng (const juce::Image& image)
{
    return PngEncoder::encode (image);
}

} // namespace comfybridge
