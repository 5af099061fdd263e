#pragma once

namespace comfybridge
{

//==============================================================================
/** The colours of the ComfyBridge UI, in one place so every component agrees. */
namespace Palette
{
    inline const juce::Colour window        { 0xff15171b }; ///< behind everything
    inline const juce::Colour panel         { 0xff1c1f24 }; ///< the content of a tab
    inline const juce::Colour card          { 0xff23272e }; ///< grouped rows, the header
    inline const juce::Colour field         { 0xff2a2f37 }; ///< text editors, combo boxes
    inline const juce::Colour outline       { 0xff3a404a };
    inline const juce::Colour text          { 0xffe8eaed };
    inline const juce::Colour secondaryText { 0xffa3a9b3 };
    inline const juce::Colour mutedText     { 0xff7d848f };
    inline const juce::Colour accent        { 0xff4c8dff };
    inline const juce::Colour accentText    { 0xffffffff };

    inline const juce::Colour good          { 0xff3ccf6e }; ///< connected
    inline const juce::Colour busy          { 0xfff0b429 }; ///< connecting, reconnecting
    inline const juce::Colour bad           { 0xffe5484d }; ///< unavailable
    inline const juce::Colour idle          { 0xff8a8f98 }; ///< disconnected
    inline const juce::Colour errorText     { 0xffff8f93 }; ///< validation and error messages
    inline const juce::Colour successText   { 0xff6fdc95 };
}

//==============================================================================
/**
    A dark LookAndFeel_V4 colour scheme with flat, slightly rounded controls and
    underlined page tabs. Set it on the top-level component (the plugin editor);
    children inherit it.
*/
class ComfyBridgeLookAndFeel : public juce::LookAndFeel_V4
{
public:
    ComfyBridgeLookAndFeel();

    /** The font used for body text, at @p height. */
    static juce::Font bodyFont (float height = 14.0f);

    /** A bold font for headings, at @p height. */
    static juce::Font headingFont (float height = 15.0f);

    /** A button whose properties hold this (true) is drawn as a page tab:
        no box, an accent underline while its toggle state is on.
    */
    static const juce::Identifier tabProperty;

    //==============================================================================
    /** @internal */
    juce::Font getTextButtonFont (juce::TextButton&, int buttonHeight) override;
    /** @internal */
    void drawButtonBackground (juce::Graphics&, juce::Button&, const juce::Colour& backgroundColour,
                               bool isMouseOverButton, bool isButtonDown) override;
    /** @internal */
    juce::Font getLabelFont (juce::Label&) override;
    /** @internal */
    juce::Font getComboBoxFont (juce::ComboBox&) override;
    /** @internal */
    juce::Font getPopupMenuFont() override;
    /** @internal */
    void drawComboBox (juce::Graphics&, int width, int height, bool isButtonDown,
                       int buttonX, int buttonY, int buttonW, int buttonH, juce::ComboBox&) override;
    /** @internal */
    void fillTextEditorBackground (juce::Graphics&, int width, int height, juce::TextEditor&) override;
    /** @internal */
    void drawTextEditorOutline (juce::Graphics&, int width, int height, juce::TextEditor&) override;
    /** @internal */
    void drawTickBox (juce::Graphics&, juce::Component&, float x, float y, float w, float h,
                      bool ticked, bool isEnabled, bool shouldDrawButtonAsHighlighted, bool shouldDrawButtonAsDown) override;
    /** @internal */
    void drawProgressBar (juce::Graphics&, juce::ProgressBar&, int width, int height,
                          double progress, const juce::String& textToShow) override;
private:
    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (ComfyBridgeLookAndFeel)
};

} // namespace comfybridge
