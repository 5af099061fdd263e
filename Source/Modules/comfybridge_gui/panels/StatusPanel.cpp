namespace comfybridge
{

StatusPanel::StatusPanel()
{
    setOpaque (true);
}

void StatusPanel::setStatus (const ComfyUIStatus& newStatus)
{
    const auto changed = ! status.isEquivalentTo (newStatus);
    status = newStatus;

    if (changed)
        repaint();
}

juce::Colour StatusPanel::colourFor (ConnectionState state)
{
    switch (state)
    {
        case ConnectionState::connected:    return juce::Colour (0xff3ccf6e);
        case ConnectionState::connecting:
        case ConnectionState::reconnecting: return juce::Colour (0xfff0b429);
        case ConnectionState::unavailable:  return juce::Colour (0xffe5484d);
        case ConnectionState::disconnected: break;
    }

    return juce::Colour (0xff8a8f98);
}

void StatusPanel::paint (juce::Graphics& g)
{
    g.fillAll (juce::Colour (0xff1e2126));

    auto area = getLocalBounds().reduced (12);
    auto header = area.removeFromTop (24);

    g.setColour (colourFor (status.state));
    g.fillEllipse (header.removeFromLeft (24).reduced (5).toFloat());

    g.setColour (juce::Colours::white);
    g.setFont (juce::Font (16.0f, juce::Font::bold));
    g.drawText (toString (status.state).substring (0, 1).toUpperCase() + toString (status.state).substring (1),
                header.reduced (6, 0), juce::Justification::centredLeft);

    g.setFont (juce::Font (14.0f));
    g.setColour (juce::Colour (0xffc9ccd1));

    auto line = [&] (const juce::String& label, const juce::String& value)
    {
        auto row = area.removeFromTop (22);
        g.drawText (label, row.removeFromLeft (90), juce::Justification::centredLeft);
        g.drawText (value, row, juce::Justification::centredLeft, true);
    };

    area.removeFromTop (6);
    line ("URL", status.url);
    line ("Version", status.version.value_or ("-"));
    line ("Queue", status.available ? juce::String (status.queueSize) : juce::String ("-"));

    if (status.errorMessage)
    {
        area.removeFromTop (6);
        g.setColour (juce::Colour (0xffff9b9e));
        g.drawFittedText (*status.errorMessage, area.removeFromTop (60), juce::Justification::topLeft, 3);
    }
}

} // namespace comfybridge
