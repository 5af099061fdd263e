namespace comfybridge
{

StatusBadge::StatusBadge()
{
    addAndMakeVisible (light);
    setMouseCursor (juce::MouseCursor::PointingHandCursor);
    refresh();
}

StatusBadge::~StatusBadge()
{
    manager.reset();
}

void StatusBadge::setConnectionManager (std::shared_ptr<ConnectionManager> newManager)
{
    if (manager.set (std::move (newManager)))
        refresh();
}

void StatusBadge::changeListenerCallback (juce::ChangeBroadcaster*)
{
    refresh();
}

void StatusBadge::refresh()
{
    if (manager)
    {
        showStatus (manager->getStatus());
        return;
    }

    light.setState (ConnectionState::disconnected);
    stateText = "Not started";
    address = {};
    text = compose (showsAddress);
    setTitle ("Connection: " + compose (true));

    if (onTextChanged != nullptr)
        onTextChanged();

    repaint();
}

void StatusBadge::setStatus (const ComfyUIStatus& status)
{
    showStatus (status);
}

void StatusBadge::showStatus (const ComfyUIStatus& status)
{
    light.setState (status.state);
    stateText = StateLight::describe (status.state);
    address = status.url.fromFirstOccurrenceOf ("://", false, false);
    setTooltip (status.errorMessage.value_or (status.url));

    text = compose (showsAddress);
    setTitle ("Connection: " + compose (true));

    if (onTextChanged != nullptr)
        onTextChanged();

    repaint();
}

juce::String StatusBadge::compose (bool withAddress) const
{
    if (! withAddress || address.isEmpty())
        return stateText;

    return stateText + juce::String (juce::CharPointer_UTF8 (" \xc2\xb7 ")) + address;
}

int StatusBadge::getIdealWidth (bool withAddress) const
{
    return ComfyBridgeLookAndFeel::bodyFont (13.0f).getStringWidth (compose (withAddress)) + 24 + 14;
}

void StatusBadge::setShowsAddress (bool shouldShow)
{
    if (std::exchange (showsAddress, shouldShow) == shouldShow)
        return;

    text = compose (showsAddress);
    repaint();
}

void StatusBadge::paint (juce::Graphics& g)
{
    const auto bounds = getLocalBounds().toFloat().reduced (0.5f);
    g.setColour (Palette::field);
    g.fillRoundedRectangle (bounds, bounds.getHeight() * 0.5f);

    g.setColour (Palette::text);
    g.setFont (ComfyBridgeLookAndFeel::bodyFont (13.0f));
    g.drawText (text, getLocalBounds().withTrimmedLeft (getHeight()).withTrimmedRight (10), juce::Justification::centredLeft, true);
}

void StatusBadge::resized()
{
    light.setBounds (getLocalBounds().removeFromLeft (getHeight()).reduced (getHeight() / 4 + 1));
}

void StatusBadge::mouseUp (const juce::MouseEvent& event)
{
    if (onClick != nullptr && getLocalBounds().contains (event.getPosition()))
        onClick();
}

} // namespace comfybridge
