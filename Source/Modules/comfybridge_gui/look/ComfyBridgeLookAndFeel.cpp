namespace comfybridge
{

const juce::Identifier ComfyBridgeLookAndFeel::tabProperty { "comfybridgeTab" };

ComfyBridgeLookAndFeel::ComfyBridgeLookAndFeel()
    : LookAndFeel_V4 (ColourScheme (Palette::window,         // windowBackground
                                    Palette::field,          // widgetBackground
                                    Palette::card,           // menuBackground
                                    Palette::outline,        // outline
                                    Palette::text,           // defaultText
                                    Palette::accent,         // defaultFill
                                    Palette::accentText,     // highlightedText
                                    Palette::accent,         // highlightedFill
                                    Palette::text))          // menuText
{
    using namespace juce;

    setColour (ResizableWindow::backgroundColourId, Palette::window);
    setColour (DocumentWindow::textColourId, Palette::text);

    setColour (Label::textColourId, Palette::text);
    setColour (Label::textWhenEditingColourId, Palette::text);

    setColour (TextButton::buttonColourId, Palette::field);
    setColour (TextButton::buttonOnColourId, Palette::accent);
    setColour (TextButton::textColourOffId, Palette::text);
    setColour (TextButton::textColourOnId, Palette::accentText);

    setColour (ToggleButton::textColourId, Palette::text);
    setColour (ToggleButton::tickColourId, Palette::accentText);
    setColour (ToggleButton::tickDisabledColourId, Palette::mutedText);

    setColour (TextEditor::backgroundColourId, Palette::field);
    setColour (TextEditor::textColourId, Palette::text);
    setColour (TextEditor::highlightColourId, Palette::accent.withAlpha (0.45f));
    setColour (TextEditor::highlightedTextColourId, Palette::text);
    setColour (TextEditor::outlineColourId, Palette::outline);
    setColour (TextEditor::focusedOutlineColourId, Palette::accent);
    setColour (TextEditor::shadowColourId, Colours::transparentBlack);
    setColour (CaretComponent::caretColourId, Palette::text);

    setColour (ComboBox::backgroundColourId, Palette::field);
    setColour (ComboBox::textColourId, Palette::text);
    setColour (ComboBox::outlineColourId, Palette::outline);
    setColour (ComboBox::arrowColourId, Palette::secondaryText);
    setColour (ComboBox::focusedOutlineColourId, Palette::accent);

    setColour (PopupMenu::backgroundColourId, Palette::card);
    setColour (PopupMenu::textColourId, Palette::text);
    setColour (PopupMenu::highlightedBackgroundColourId, Palette::accent);
    setColour (PopupMenu::highlightedTextColourId, Palette::accentText);

    setColour (ProgressBar::backgroundColourId, Palette::field);
    setColour (ProgressBar::foregroundColourId, Palette::accent);

    setColour (ScrollBar::thumbColourId, Palette::outline);
    setColour (ScrollBar::trackColourId, Colours::transparentBlack);

    setColour (TabbedComponent::backgroundColourId, Palette::panel);
    setColour (TabbedComponent::outlineColourId, Colours::transparentBlack);
    setColour (TabbedButtonBar::tabOutlineColourId, Colours::transparentBlack);
    setColour (TabbedButtonBar::frontOutlineColourId, Colours::transparentBlack);

    setColour (TooltipWindow::backgroundColourId, Palette::card);
    setColour (TooltipWindow::textColourId, Palette::text);
    setColour (TooltipWindow::outlineColourId, Palette::outline);

    setColour (AlertWindow::backgroundColourId, Palette::card);
    setColour (AlertWindow::textColourId, Palette::text);
    setColour (AlertWindow::outlineColourId, Palette::outline);
}

juce::Font ComfyBridgeLookAndFeel::bodyFont (float height)
{
    return juce::Font (height);
}

juce::Font ComfyBridgeLookAndFeel::headingFont (float height)
{
    return juce::Font (height, juce::Font::bold);
}

//==============================================================================
juce::Font ComfyBridgeLookAndFeel::getTextButtonFont (juce::TextButton& button, int buttonHeight)
{
    if (button.getProperties()[tabProperty])
        return button.getToggleState() ? headingFont (14.0f) : bodyFont (14.0f);

    return bodyFont (juce::jmin (14.0f, (float) buttonHeight * 0.55f));
}

void ComfyBridgeLookAndFeel::drawButtonBackground (juce::Graphics& g, juce::Button& button,
                                                   const juce::Colour& backgroundColour,
                                                   bool isMouseOverButton, bool isButtonDown)
{
    if (button.getProperties()[tabProperty])
    {
        auto area = button.getLocalBounds();

        if (isMouseOverButton && ! button.getToggleState())
        {
            g.setColour (Palette::field.withAlpha (0.7f));
            g.fillRect (area.reduced (0, 6));
        }

        if (button.getToggleState())
        {
            g.setColour (Palette::accent);
            g.fillRect (area.removeFromBottom (3).reduced (10, 0));
        }

        if (button.hasKeyboardFocus (false))
        {
            g.setColour (Palette::accent.brighter (0.3f));
            g.drawRoundedRectangle (button.getLocalBounds().reduced (3, 7).toFloat(), 3.0f, 1.0f);
        }

        return;
    }

    auto bounds = button.getLocalBounds().toFloat().reduced (0.5f);
    auto colour = backgroundColour;

    if (! button.isEnabled())
        colour = colour.withMultipliedAlpha (0.45f);
    else if (isButtonDown)
        colour = colour.brighter (0.15f);
    else if (isMouseOverButton)
        colour = colour.brighter (0.08f);

    g.setColour (colour);
    g.fillRoundedRectangle (bounds, 4.0f);

    const auto outline = button.hasKeyboardFocus (false) ? Palette::accent.brighter (0.3f)
                                                         : Palette::outline.withMultipliedAlpha (button.isEnabled() ? 1.0f : 0.5f);
    g.setColour (outline);
    g.drawRoundedRectangle (bounds, 4.0f, button.hasKeyboardFocus (false) ? 1.5f : 1.0f);
}

juce::Font ComfyBridgeLookAndFeel::getLabelFont (juce::Label& label)
{
    return label.getFont();
}

juce::Font ComfyBridgeLookAndFeel::getComboBoxFont (juce::ComboBox& box)
{
    return bodyFont (juce::jmin (14.0f, (float) box.getHeight() * 0.55f));
}

juce::Font ComfyBridgeLookAndFeel::getPopupMenuFont()
{
    return bodyFont (14.0f);
}

void ComfyBridgeLookAndFeel::drawComboBox (juce::Graphics& g, int width, int height, bool,
                                           int, int, int, int, juce::ComboBox& box)
{
    const auto bounds = juce::Rectangle<int> (0, 0, width, height).toFloat().reduced (0.5f);

    g.setColour (box.findColour (juce::ComboBox::backgroundColourId).withMultipliedAlpha (box.isEnabled() ? 1.0f : 0.5f));
    g.fillRoundedRectangle (bounds, 4.0f);

    g.setColour (box.hasKeyboardFocus (true) ? Palette::accent : box.findColour (juce::ComboBox::outlineColourId));
    g.drawRoundedRectangle (bounds, 4.0f, box.hasKeyboardFocus (true) ? 1.5f : 1.0f);

    const auto arrowZone = juce::Rectangle<int> (width - 24, 0, 16, height).toFloat();
    juce::Path arrow;
    arrow.startNewSubPath (arrowZone.getCentreX() - 4.0f, arrowZone.getCentreY() - 2.0f);
    arrow.lineTo (arrowZone.getCentreX(), arrowZone.getCentreY() + 2.5f);
    arrow.lineTo (arrowZone.getCentreX() + 4.0f, arrowZone.getCentreY() - 2.0f);

    g.setColour (box.findColour (juce::ComboBox::arrowColourId).withAlpha (box.isEnabled() ? 1.0f : 0.4f));
    g.strokePath (arrow, juce::PathStrokeType (1.8f, juce::PathStrokeType::curved, juce::PathStrokeType::rounded));
}

void ComfyBridgeLookAndFeel::fillTextEditorBackground (juce::Graphics& g, int width, int height, juce::TextEditor& editor)
{
    g.setColour (editor.findColour (juce::TextEditor::backgroundColourId).withMultipliedAlpha (editor.isEnabled() ? 1.0f : 0.5f));
    g.fillRoundedRectangle (juce::Rectangle<int> (0, 0, width, height).toFloat(), 4.0f);
}

void ComfyBridgeLookAndFeel::drawTextEditorOutline (juce::Graphics& g, int width, int height, juce::TextEditor& editor)
{
    if (editor.isReadOnly() && ! editor.isCaretVisible() && editor.findColour (juce::TextEditor::outlineColourId).isTransparent())
        return;

    const auto bounds = juce::Rectangle<int> (0, 0, width, height).toFloat().reduced (0.5f);
    const auto focused = editor.hasKeyboardFocus (true) && ! editor.isReadOnly();

    g.setColour (editor.findColour (focused ? juce::TextEditor::focusedOutlineColourId : juce::TextEditor::outlineColourId));
    g.drawRoundedRectangle (bounds, 4.0f, focused ? 1.5f : 1.0f);
}

void ComfyBridgeLookAndFeel::drawTickBox (juce::Graphics& g, juce::Component& component, float x, float y, float w, float h,
                                          bool ticked, bool isEnabled, bool, bool)
{
    const auto box = juce::Rectangle<float> (x, y, w, h).reduced (0.5f);
    const auto alpha = isEnabled ? 1.0f : 0.45f;

    g.setColour ((ticked ? Palette::accent : Palette::field).withMultipliedAlpha (alpha));
    g.fillRoundedRectangle (box, 3.0f);

    g.setColour ((component.hasKeyboardFocus (false) ? Palette::accent.brighter (0.3f) : (ticked ? Palette::accent : Palette::outline))
                     .withMultipliedAlpha (alpha));
    g.drawRoundedRectangle (box, 3.0f, component.hasKeyboardFocus (false) ? 1.5f : 1.0f);

    if (ticked)
    {
        auto tick = getTickShape (0.75f);
        g.setColour (Palette::accentText.withMultipliedAlpha (alpha));
        g.fillPath (tick, tick.getTransformToScaleToFit (box.reduced (box.getWidth() * 0.22f), false));
    }
}

void ComfyBridgeLookAndFeel::drawProgressBar (juce::Graphics& g, juce::ProgressBar& bar, int width, int height,
                                              double progress, const juce::String& textToShow)
{
    const auto bounds = juce::Rectangle<int> (0, 0, width, height).toFloat();
    const auto radius = juce::jmin (6.0f, (float) height * 0.5f);

    g.setColour (bar.findColour (juce::ProgressBar::backgroundColourId));
    g.fillRoundedRectangle (bounds, radius);

    if (progress >= 0.0 && progress <= 1.0)
    {
        juce::Graphics::ScopedSaveState save (g);
        juce::Path clip;
        clip.addRoundedRectangle (bounds, radius);
        g.reduceClipRegion (clip);
        g.setColour (bar.findColour (juce::ProgressBar::foregroundColourId));
        g.fillRect (bounds.withWidth (bounds.getWidth() * (float) progress));
    }
    else
    {
        // Indeterminate: a band sweeping across.
        const auto phase = (float) (juce::Time::getMillisecondCounter() % 1400) / 1400.0f;
        const auto bandWidth = bounds.getWidth() * 0.25f;
        juce::Graphics::ScopedSaveState save (g);
        juce::Path clip;
        clip.addRoundedRectangle (bounds, radius);
        g.reduceClipRegion (clip);
        g.setColour (bar.findColour (juce::ProgressBar::foregroundColourId).withAlpha (0.7f));
        g.fillRect (bounds.withX (-bandWidth + phase * (bounds.getWidth() + bandWidth)).withWidth (bandWidth));
    }

    if (textToShow.isNotEmpty())
    {
        g.setColour (Palette::text);
        g.setFont (bodyFont (juce::jmin (13.0f, (float) height * 0.62f)));
        g.drawText (textToShow, bounds.reduced (8.0f, 0.0f), juce::Justification::centred, true);
    }
}

} // namespace comfybridge
