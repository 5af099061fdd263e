#pragma once

namespace comfybridge::ui
{

/** Small helpers that give the panels one typographic voice. */

/** A section heading: bold, primary text. */
inline void styleHeading (juce::Label& label, const juce::String& text)
{
    label.setText (text, juce::dontSendNotification);
    label.setFont (ComfyBridgeLookAndFeel::headingFont (14.0f));
    label.setColour (juce::Label::textColourId, Palette::text);
    label.setJustificationType (juce::Justification::centredLeft);
    label.setBorderSize ({ 0, 0, 0, 0 });
}

/** The name of a row or field: secondary text. */
inline void styleCaption (juce::Label& label, const juce::String& text)
{
    label.setText (text, juce::dontSendNotification);
    label.setFont (ComfyBridgeLookAndFeel::bodyFont (14.0f));
    label.setColour (juce::Label::textColourId, Palette::secondaryText);
    label.setJustificationType (juce::Justification::centredLeft);
    label.setBorderSize ({ 0, 0, 0, 0 });
}

/** A value: primary text. */
inline void styleValue (juce::Label& label)
{
    label.setFont (ComfyBridgeLookAndFeel::bodyFont (14.0f));
    label.setColour (juce::Label::textColourId, Palette::text);
    label.setJustificationType (juce::Justification::centredLeft);
    label.setBorderSize ({ 0, 0, 0, 0 });
    label.setMinimumHorizontalScale (1.0f);
}

/** A hint or message under/beside a control: smaller, may wrap. */
inline void styleHint (juce::Label& label, juce::Colour colour = Palette::mutedText)
{
    label.setFont (ComfyBridgeLookAndFeel::bodyFont (13.0f));
    label.setColour (juce::Label::textColourId, colour);
    label.setJustificationType (juce::Justification::centredLeft);
    label.setBorderSize ({ 0, 0, 0, 0 });
    label.setMinimumHorizontalScale (1.0f);
}

/** A read-only, multi-line, selectable text (errors users may want to copy). */
inline void styleReadOnlyText (juce::TextEditor& editor, juce::Colour colour)
{
    editor.setReadOnly (true);
    editor.setMultiLine (true, true);
    editor.setCaretVisible (false);
    editor.setScrollbarsShown (true);
    editor.setPopupMenuEnabled (true);
    editor.setFont (ComfyBridgeLookAndFeel::bodyFont (14.0f));
    editor.setColour (juce::TextEditor::backgroundColourId, juce::Colours::transparentBlack);
    editor.setColour (juce::TextEditor::outlineColourId, juce::Colours::transparentBlack);
    editor.setColour (juce::TextEditor::focusedOutlineColourId, juce::Colours::transparentBlack);
    editor.setColour (juce::TextEditor::textColourId, colour);
    editor.setIndents (0, 2);
    editor.setBorder ({ 0, 0, 0, 0 });
}

/** Replaces a read-only editor's text in one colour. */
inline void setReadOnlyText (juce::TextEditor& editor, const juce::String& text, juce::Colour colour)
{
    if (editor.getText() == text && editor.findColour (juce::TextEditor::textColourId) == colour)
        return;

    editor.setColour (juce::TextEditor::textColourId, colour);
    editor.clear();
    editor.setText (text, false);
    editor.applyColourToAllText (colour, true);
}

/** A rounded card behind a group of controls. */
inline void fillCard (juce::Graphics& g, juce::Rectangle<int> area)
{
    if (area.isEmpty())
        return;

    g.setColour (Palette::card);
    g.fillRoundedRectangle (area.toFloat(), 6.0f);
}

/** "Text" with its first letter in upper case. */
inline juce::String capitalised (const juce::String& text)
{
    return text.substring (0, 1).toUpperCase() + text.substring (1);
}

/** An em dash, for "nothing to show". */
inline juce::String dash()
{
    return juce::String (juce::CharPointer_UTF8 ("\xe2\x80\x94"));
}

} // namespace comfybridge::ui
