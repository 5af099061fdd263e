#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Shows a generated (or placeholder) image scaled to fit, with a clear
    "PLACEHOLDER" badge when it is not a real result. The image can be dragged
    out of the plugin as a PNG file (written to a temporary folder first).
*/
class ResultImageView : public juce::Component,
                        public juce::SettableTooltipClient
{
public:
    ResultImageView();

    /** Shows @p image; @p isPlaceholder adds the badge. A null image shows @p emptyText instead. */
    void setImage (const juce::Image& image, bool isPlaceholder, const juce::MemoryBlock& pngData = {});

    /** The text shown while there is no image. */
    void setEmptyText (const juce::String& text);

    /** The image shown (may be null). */
    const juce::Image& getImage() const noexcept { return image; }

    /** True when the image shown is a placeholder. */
    bool isShowingPlaceholder() const noexcept { return placeholder && image.isValid(); }

    /** The image as PNG bytes (the original bytes when given, otherwise encoded). */
    juce::MemoryBlock getPngData() const;

    /** Writes the image to a new PNG file in the temporary folder (for dragging out); a non-existent file on failure. */
    juce::File writeTemporaryPng() const;

    /** @internal */
    void paint (juce::Graphics&) override;
    /** @internal */
    void mouseDrag (const juce::MouseEvent&) override;
    /** @internal */
    void mouseUp (const juce::MouseEvent&) override;

private:
    juce::Image image;
    juce::MemoryBlock png;
    bool placeholder = false;
    FileDragOut drag;
    juce::String emptyText;

    juce::Rectangle<float> getImageArea() const;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (ResultImageView)
};

} // namespace comfybridge
