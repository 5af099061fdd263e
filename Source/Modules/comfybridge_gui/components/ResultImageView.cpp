namespace comfybridge
{

ResultImageView::ResultImageView()
{
    setTitle ("Result image");
    setEmptyText ("No image yet.");
}

void ResultImageView::setImage (const juce::Image& newImage, bool isPlaceholder, const juce::MemoryBlock& pngData)
{
    image = newImage;

    // (Assigning an empty MemoryBlock hands memcpy a null pointer inside JUCE: avoid it.)
    if (pngData.getSize() > 0)
        png = pngData;
    else
        png.reset();
    placeholder = isPlaceholder;
    setMouseCursor (image.isValid() ? juce::MouseCursor::DraggingHandCursor : juce::MouseCursor::NormalCursor);
    setTooltip (image.isValid() ? "Drag the image into your DAW, a video editor or a folder" : juce::String());
    repaint();
}

void ResultImageView::setEmptyText (const juce::String& text)
{
    emptyText = text;
    repaint();
}

juce::MemoryBlock ResultImageView::getPngData() const
{
    if (png.getSize() > 0)
        return png;

    return PlaceholderRenderer::encodePng (image);
}

juce::File ResultImageView::writeTemporaryPng() const
{
    if (! image.isValid())
        return {};

    const auto folder = juce::File::getSpecialLocation (juce::File::tempDirectory).getChildFile ("ComfyBridge");

    if (! folder.createDirectory())
        return {};

    const auto name = juce::String (placeholder ? "ComfyBridge-placeholder-" : "ComfyBridge-")
                    + juce::Time::getCurrentTime().formatted ("%Y%m%d-%H%M%S") + ".png";
    const auto file = folder.getNonexistentChildFile (name.upToLastOccurrenceOf (".png", false, false), ".png", false);
    const auto data = getPngData();

    if (data.getSize() == 0 || ! file.replaceWithData (data.getData(), data.getSize()))
        return {};

    return file;
}

juce::Rectangle<float> ResultImageView::getImageArea() const
{
    const auto bounds = getLocalBounds().toFloat().reduced (8.0f);

    if (! image.isValid())
        return {};

    const auto scale = juce::jmin (bounds.getWidth() / (float) image.getWidth(), bounds.getHeight() / (float) image.getHeight());
    return bounds.withSizeKeepingCentre ((float) image.getWidth() * scale, (float) image.getHeight() * scale);
}

void ResultImageView::paint (juce::Graphics& g)
{
    const auto bounds = getLocalBounds().toFloat();

    g.setColour (Palette::window);
    g.fillRoundedRectangle (bounds, 6.0f);
    g.setColour (Palette::outline);
    g.drawRoundedRectangle (bounds.reduced (0.5f), 6.0f, 1.0f);

    if (! image.isValid())
    {
        g.setColour (Palette::mutedText);
        g.setFont (ComfyBridgeLookAndFeel::bodyFont (14.0f));
        g.drawFittedText (emptyText, getLocalBounds().reduced (20), juce::Justification::centred, 4);
        return;
    }

    const auto area = getImageArea();
    g.setImageResamplingQuality (juce::Graphics::highResamplingQuality);
    g.drawImage (image, area, juce::RectanglePlacement::stretchToFit);

    if (placeholder)
    {
        // Said twice on purpose: the picture has its own badge, this one stays readable at any size.
        const auto font = ComfyBridgeLookAndFeel::headingFont (12.0f);
        const juce::String text ("PLACEHOLDER");
        const auto badge = juce::Rectangle<float> (area.getX() + 8.0f, area.getY() + 8.0f,
                                                   (float) font.getStringWidth (text) + 20.0f, 22.0f);
        g.setColour (Palette::busy);
        g.fillRoundedRectangle (badge, 11.0f);
        g.setColour (juce::Colours::black);
        g.setFont (font);
        g.drawText (text, badge, juce::Justification::centred, false);
    }
}

void ResultImageView::mouseDrag (const juce::MouseEvent& event)
{
    if (drag.isDragging() || ! image.isValid() || event.getDistanceFromDragStart() < 6)
        return;

    const auto file = writeTemporaryPng();

    if (! file.existsAsFile())
        return;

    drag.start (*this, file);
}

void ResultImageView::mouseUp (const juce::MouseEvent&)
{
    drag.end();
}

} // namespace comfybridge
