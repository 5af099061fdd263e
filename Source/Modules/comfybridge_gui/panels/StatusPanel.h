#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Shows one ComfyUIStatus: a state light, the URL, the version, the queue and
    the last error. It only displays what it is given; the owner feeds it
    snapshots (it never touches the network).
*/
class StatusPanel : public juce::Component
{
public:
    StatusPanel();

    /** Shows @p newStatus; repaints only when something visible changed. */
    void setStatus (const ComfyUIStatus& newStatus);

    /** The status currently shown. */
    const ComfyUIStatus& getStatus() const noexcept { return status; }

    /** The colour of the state light for @p state (green, amber, red or grey). */
    static juce::Colour colourFor (ConnectionState state);

    /** @internal */
    void paint (juce::Graphics&) override;

private:
    ComfyUIStatus status;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (StatusPanel)
};

} // namespace comfybridge
