#pragma once
// Private to comfybridge_gui: small helpers the GenerationView files share.

namespace comfybridge
{

namespace
{
    /** A whole number in [low, high] from text, or nullopt. */
    std::optional<juce::int64> parseWhole (const juce::String& text, juce::int64 low, juce::int64 high)
    {
        return GenerationSettings::parseWholeNumber (text, low, high);
    }

    juce::String joinMessages (const GenerationResult& r)
    {
        return r.messages.joinIntoString (" ");
    }

    void styleInput (juce::TextEditor& editor, const juce::String& title, bool multiLine)
    {
        editor.setTitle (title);
        editor.setFont (ComfyBridgeLookAndFeel::bodyFont (14.0f));
        editor.setIndents (8, multiLine ? 6 : 0);

        if (! multiLine)
            editor.setJustification (juce::Justification::centredLeft);
        editor.setMultiLine (multiLine, true);
        editor.setReturnKeyStartsNewLine (multiLine);
        editor.setScrollbarsShown (multiLine);
    }
}

} // namespace comfybridge
