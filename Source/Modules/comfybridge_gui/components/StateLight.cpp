namespace comfybridge
{

StateLight::StateLight()
{
    setInterceptsMouseClicks (false, false);
}

void StateLight::setState (ConnectionState newState)
{
    if (std::exchange (state, newState) != newState)
        repaint();
}

juce::Colour StateLight::colourFor (ConnectionState s)
{
    switch (s)
    {
        case ConnectionState::connected:    return Palette::good;
        case ConnectionState::connecting:
        case ConnectionState::reconnecting: return Palette::busy;
        case ConnectionState::unavailable:  return Palette::bad;
        case ConnectionState::disconnected: break;
    }

    return Palette::idle;
}

juce::String StateLight::describe (ConnectionState s)
{
    switch (s)
    {
        case ConnectionState::connected:    return "Connected";
        case ConnectionState::connecting:   return juce::String (juce::CharPointer_UTF8 ("Connecting\xe2\x80\xa6"));
        case ConnectionState::reconnecting: return juce::String (juce::CharPointer_UTF8 ("Reconnecting\xe2\x80\xa6"));
        case ConnectionState::unavailable:  return "Unavailable";
        case ConnectionState::disconnected: break;
    }

    return "Disconnected";
}

void StateLight::paint (juce::Graphics& g)
{
    const auto size = (float) juce::jmin (getWidth(), getHeight());
    const auto bounds = getLocalBounds().toFloat().withSizeKeepingCentre (size, size);
    const auto colour = colourFor (state);

    g.setColour (colour.withAlpha (0.22f));
    g.fillEllipse (bounds);

    g.setColour (colour);
    g.fillEllipse (bounds.reduced (size * 0.22f));
}

} // namespace comfybridge
