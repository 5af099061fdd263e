namespace comfybridge
{

WaveformView::WaveformView()
{
    setTitle ("Waveform");
}

WaveformView::~WaveformView()
{
    ++*generation; // a summary still being made is dropped
}

void WaveformView::setClip (const AudioClip& newClip, bool isPlaceholder)
{
    const auto same = newClip.samples == clip.samples;
    clip = newClip;
    placeholder = isPlaceholder;

    if (same && ! summary.empty())
    {
        repaint();
        return;
    }

    summary.clear();
    const auto thisGeneration = ++*generation;

    if (clip.getNumSamples() <= synchronousLimit)
    {
        summary = summarise (clip, summarySlices);
    }
    else
    {
        juce::Component::SafePointer<WaveformView> safeThis (this);

        juce::Thread::launch ([safeThis, toSummarise = clip, thisGeneration, counter = generation]
        {
            auto made = summarise (toSummarise, summarySlices);

            juce::MessageManager::callAsync ([safeThis, made = std::move (made), thisGeneration, counter]() mutable
            {
                if (safeThis != nullptr && counter->load() == thisGeneration)
                {
                    safeThis->summary = std::move (made);
                    safeThis->repaint();
                }
            });
        });
    }

    repaint();
}

void WaveformView::setEmptyText (const juce::String& text)
{
    emptyText = text;
    repaint();
}

void WaveformView::setDragFile (const juce::File& file)
{
    dragFile = file;
    setMouseCursor (file.existsAsFile() ? juce::MouseCursor::DraggingHandCursor : juce::MouseCursor::NormalCursor);
    setTooltip (file.existsAsFile() ? "Drag the audio onto your DAW's timeline or into a folder" : juce::String());
}

std::vector<juce::Range<float>> WaveformView::summarise (const AudioClip& clip, int slices)
{
    std::vector<juce::Range<float>> result;
    const auto length = clip.getNumSamples();

    if (length == 0 || slices <= 0)
        return result;

    slices = juce::jmin (slices, length);
    result.reserve ((size_t) slices);

    for (int slice = 0; slice < slices; ++slice)
    {
        const auto begin = (int) ((juce::int64) slice * length / slices);
        const auto end = (int) ((juce::int64) (slice + 1) * length / slices);
        juce::Range<float> range;

        for (int channel = 0; channel < clip.getNumChannels(); ++channel)
        {
            const auto found = juce::FloatVectorOperations::findMinAndMax (clip.samples->getReadPointer (channel, begin), end - begin);
            range = channel == 0 ? found : range.getUnionWith (found);
        }

        result.push_back (range);
    }

    return result;
}

void WaveformView::paint (juce::Graphics& g)
{
    const auto bounds = getLocalBounds().toFloat();
    g.setColour (Palette::window);
    g.fillRoundedRectangle (bounds, 6.0f);
    g.setColour (Palette::outline);
    g.drawRoundedRectangle (bounds.reduced (0.5f), 6.0f, 1.0f);

    if (clip.isEmpty())
    {
        g.setColour (Palette::mutedText);
        g.setFont (ComfyBridgeLookAndFeel::bodyFont (13.0f));
        g.drawFittedText (emptyText, getLocalBounds().reduced (12, 4), juce::Justification::centred, 3);
        return;
    }

    const auto area = bounds.reduced (6.0f, 8.0f);
    const auto middle = area.getCentreY(), half = area.getHeight() * 0.5f;
    g.setColour (Palette::outline);
    g.drawHorizontalLine ((int) middle, area.getX(), area.getRight());

    if (! summary.empty())
    {
        // Each pixel column: the union of the slices it covers.
        g.setColour (placeholder ? Palette::busy.withAlpha (0.8f) : Palette::accent);
        const auto columns = juce::jmax (1, (int) area.getWidth());
        const auto slices = (int) summary.size();

        for (int x = 0; x < columns; ++x)
        {
            const auto first = x * slices / columns;
            const auto last = juce::jmax (first + 1, (x + 1) * slices / columns);
            auto range = summary[(size_t) first];

            for (int s = first + 1; s < last && s < slices; ++s)
                range = range.getUnionWith (summary[(size_t) s]);

            const auto top = middle - juce::jlimit (-1.0f, 1.0f, range.getEnd()) * half;
            const auto bottom = middle - juce::jlimit (-1.0f, 1.0f, range.getStart()) * half;
            g.drawVerticalLine ((int) area.getX() + x, top, juce::jmax (top + 1.0f, bottom));
        }
    }

    // Length, and the placeholder badge.
    g.setFont (ComfyBridgeLookAndFeel::bodyFont (12.0f));
    g.setColour (Palette::secondaryText);
    g.drawText (juce::String (clip.getLengthSeconds(), 2) + " s", getLocalBounds().reduced (10, 6), juce::Justification::bottomRight, false);

    if (placeholder)
    {
        const auto font = ComfyBridgeLookAndFeel::headingFont (12.0f);
        const juce::String text ("PLACEHOLDER");
        const auto badge = juce::Rectangle<float> (area.getX() + 4.0f, area.getY(), (float) font.getStringWidth (text) + 20.0f, 22.0f);
        g.setColour (Palette::busy);
        g.fillRoundedRectangle (badge, 11.0f);
        g.setColour (juce::Colours::black);
        g.setFont (font);
        g.drawText (text, badge, juce::Justification::centred, false);
    }
}

void WaveformView::mouseDrag (const juce::MouseEvent& event)
{
    if (drag.isDragging() || ! dragFile.existsAsFile() || event.getDistanceFromDragStart() < 6)
        return;

    drag.start (*this, dragFile);
}

void WaveformView::mouseUp (const juce::MouseEvent&)
{
    drag.end();
}

} // namespace comfybridge
