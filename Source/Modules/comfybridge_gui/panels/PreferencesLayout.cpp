// PreferencesPanel's layout: cards of rows in a scrollable viewport, buttons and feedback below.

namespace comfybridge
{

namespace preferencesLayout
{
    constexpr int pad = 12, gap = 8, rowHeight = 28, rowGap = 4, headingHeight = 20;
    constexpr int captionWidth = 130, editorWidth = 160, toggleHeight = 26, wideMessageHeight = 32, browseWidth = 88;
}

//==============================================================================
void PreferencesPanel::paint (juce::Graphics& g)
{
    g.fillAll (Palette::panel);
}

void PreferencesPanel::resized()
{
    constexpr int margin = 12;
    auto area = getLocalBounds().reduced (margin);

    auto buttons = area.removeFromBottom (30);
    applyButton.setBounds (buttons.removeFromLeft (96));
    buttons.removeFromLeft (8);
    revertButton.setBounds (buttons.removeFromLeft (96));
    saveButton.setBounds (buttons.removeFromRight (170));
    buttons.removeFromRight (8);
    loadButton.setBounds (buttons.removeFromRight (150));

    area.removeFromBottom (4);
    feedback.setBounds (area.removeFromBottom (20));
    area.removeFromBottom (4);

    viewport.setBounds (area);
    layoutContent (area.getWidth());

    // Leave room for the scroll bar only when it is needed.
    if (content->getHeight() > area.getHeight())
        layoutContent (area.getWidth() - viewport.getScrollBarThickness() - 4);
}

//==============================================================================
PreferencesPanel::TextField& PreferencesPanel::findField (const juce::String& key)
{
    for (auto& field : textFields)
        if (field->key == key)
            return *field;

    jassertfalse;
    return *textFields.front();
}

void PreferencesPanel::layoutTextRow (juce::Rectangle<int>& inner, const juce::String& key)
{
    auto& field = findField (key);
    auto row = inner.removeFromTop (preferencesLayout::rowHeight);
    inner.removeFromTop (preferencesLayout::rowGap);
    field.caption.setBounds (row.removeFromLeft (preferencesLayout::captionWidth));
    field.editor.setBounds (row.removeFromLeft (preferencesLayout::editorWidth));
    row.removeFromLeft (12);
    field.message.setBounds (row);
}

// A long value: the editor takes the row (up to a readable width), the message goes below it.
void PreferencesPanel::layoutWideRow (juce::Rectangle<int>& inner, const juce::String& key, juce::Button* button)
{
    auto& field = findField (key);
    auto row = inner.removeFromTop (preferencesLayout::rowHeight);
    field.caption.setBounds (row.removeFromLeft (preferencesLayout::captionWidth));
    const auto fieldWidth = juce::jmin (row.getWidth(), 520);
    auto editorArea = row.removeFromLeft (fieldWidth);

    if (button != nullptr)
    {
        button->setBounds (editorArea.removeFromRight (preferencesLayout::browseWidth));
        editorArea.removeFromRight (8);
    }

    field.editor.setBounds (editorArea);
    field.message.setBounds (inner.removeFromTop (preferencesLayout::wideMessageHeight).withTrimmedLeft (preferencesLayout::captionWidth).withWidth (fieldWidth).withTrimmedTop (3));
    inner.removeFromTop (preferencesLayout::rowGap);
}

void PreferencesPanel::layoutToggleRow (juce::Rectangle<int>& inner, const juce::String& key)
{
    if (auto* button = getToggle (key))
        button->setBounds (inner.removeFromTop (preferencesLayout::toggleHeight)
                               .withWidth (juce::jmin (inner.getWidth(), 480))
                               .translated (-4, 0)); // the tick box is drawn 4 px in: align it with the captions
}

//==============================================================================
void PreferencesPanel::layoutContent (int width)
{
    content->cards.clear();
    int y = 0;

    // Each card is as tall as what its layout function takes from it.
    auto card = [&] (juce::Label& heading, int contentHeight, auto&& layoutRows)
    {
        const auto height = preferencesLayout::pad + preferencesLayout::headingHeight + preferencesLayout::rowGap + contentHeight + preferencesLayout::pad;
        const juce::Rectangle<int> bounds (0, y, width, height);
        content->cards.push_back (bounds);
        auto inner = bounds.reduced (preferencesLayout::pad);
        heading.setBounds (inner.removeFromTop (preferencesLayout::headingHeight));
        inner.removeFromTop (preferencesLayout::rowGap);
        layoutRows (inner);
        y += height + preferencesLayout::gap;
    };

    const juce::String connectionKeys[] = { hostKey, portKey, timeoutKey, probeKey, retriesKey, backoffKey };
    const juce::String connectionToggles[] = { tlsKey, discoverKey };
    const juce::String behaviourToggles[] = { corsKey, downloadKey, deployKey };

    card (serverHeading, (int) std::size (connectionKeys) * (preferencesLayout::rowHeight + preferencesLayout::rowGap) + (int) std::size (connectionToggles) * preferencesLayout::toggleHeight,
          [&] (auto inner)
    {
        for (const auto& key : connectionKeys)
            layoutTextRow (inner, key);

        for (const auto& key : connectionToggles)
            layoutToggleRow (inner, key);
    });
    card (accessHeading, 3 * (preferencesLayout::rowHeight + preferencesLayout::wideMessageHeight + preferencesLayout::rowGap) - preferencesLayout::rowGap, [&] (auto inner)
    {
        layoutWideRow (inner, modelsFolderKey, &browseButton);
        layoutWideRow (inner, caFileKey, nullptr);
        layoutWideRow (inner, tokenKey, nullptr);
    });
    card (behaviourHeading, preferencesLayout::rowHeight + preferencesLayout::rowGap + (int) std::size (behaviourToggles) * preferencesLayout::toggleHeight, [&] (auto inner)
    {
        auto row = inner.removeFromTop (preferencesLayout::rowHeight);
        inner.removeFromTop (preferencesLayout::rowGap);
        fallbackCaption.setBounds (row.removeFromLeft (preferencesLayout::captionWidth));
        fallbackBox.setBounds (row.removeFromLeft (220));
        row.removeFromLeft (12);
        fallbackMessage.setBounds (row);

        for (const auto& key : behaviourToggles)
            layoutToggleRow (inner, key);
    });

    content->setSize (width, y - preferencesLayout::gap);
}

} // namespace comfybridge
