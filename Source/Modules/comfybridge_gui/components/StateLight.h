#pragma once

namespace comfybridge
{

//==============================================================================
/**
    A round light in the colour of a ConnectionState: green when connected,
    amber while connecting or reconnecting, red when unavailable and grey when
    disconnected.
*/
class StateLight : public juce::Component
{
public:
    StateLight();

    /** Shows @p newState (repaints only on a change). */
    void setState (ConnectionState newState);

    /** The state shown. */
    ConnectionState getState() const noexcept { return state; }

    /** The colour for @p state. */
    static juce::Colour colourFor (ConnectionState state);

    /** A capitalised name for people: "Connected", "Connecting…", "Reconnecting…", "Unavailable", "Disconnected". */
    static juce::String describe (ConnectionState state);

    /** @internal */
    void paint (juce::Graphics&) override;

private:
    ConnectionState state = ConnectionState::disconnected;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (StateLight)
};

} // namespace comfybridge
