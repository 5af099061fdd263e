#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Draws an AudioClip as a waveform: the lowest and highest sample of every
    pixel column, from a summary (min/max over a fixed number of slices) made
    once per clip. Short clips are summarised at once; long ones on a
    background thread, so a 10-minute clip never holds up the message thread.

    A placeholder is labelled "PLACEHOLDER"; an empty view shows a line of text.
    Optionally it is a drag source for a file (e.g. the result, onto a DAW's
    timeline) through performExternalDragDropOfFiles.
*/
class WaveformView : public juce::Component,
                     public juce::SettableTooltipClient
{
public:
    /** Slices in a summary: enough for any sensible width. */
    static constexpr int summarySlices = 2048;

    /** Clips up to this many frames are summarised on the calling thread. */
    static constexpr int synchronousLimit = 1 << 18;

    WaveformView();
    ~WaveformView() override;

    /** Shows @p clip (empty: the empty text). */
    void setClip (const AudioClip& clip, bool isPlaceholder = false);

    /** What an empty view says. */
    void setEmptyText (const juce::String& text);

    /** The file a drag hands out (empty: the view is no drag source). */
    void setDragFile (const juce::File& file);

    /** The file a drag hands out. */
    juce::File getDragFile() const { return dragFile; }

    /** True once the summary of the clip shown is ready (at once for short clips). */
    bool hasSummary() const noexcept { return ! summary.empty(); }

    /** True when the clip shown is a placeholder. */
    bool isShowingPlaceholder() const noexcept { return placeholder && ! clip.isEmpty(); }

    /** Lowest and highest sample of every slice over all channels (public for tests). */
    static std::vector<juce::Range<float>> summarise (const AudioClip& clip, int slices);

    /** @internal */
    void paint (juce::Graphics&) override;
    /** @internal */
    void mouseDrag (const juce::MouseEvent&) override;
    /** @internal */
    void mouseUp (const juce::MouseEvent&) override;

private:
    AudioClip clip;
    std::vector<juce::Range<float>> summary;
    bool placeholder = false;
    FileDragOut drag;
    juce::String emptyText { "No audio." };
    juce::File dragFile;
    std::shared_ptr<std::atomic<int>> generation = std::make_shared<std::atomic<int>> (0);

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (WaveformView)
};

} // namespace comfybridge
