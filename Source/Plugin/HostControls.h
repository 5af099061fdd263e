#pragma once

#include <juce_audio_processors/juce_audio_processors.h>

//==============================================================================
/**
    The plugin's two host-automatable parameters, so capture and generation work
    from a host's automation lane, a generic plugin UI or a headless host:

    - "Arm capture" (arm_capture): turning it on arms a capture of the set length
      at that very block (it starts where the host plays, as the Arm button);
      turning it off while the capture runs ends it there and keeps what was
      recorded (a punch-out), or forgets a capture still waiting for the host.
    - "Generate" (generate): turning it on starts the selected workflow with the
      settings saved with the project, as the Generate button does. While a
      capture is armed or running, it waits for the capture to finish first.
      Turn it off again before the next time.

    Both act on a change of value only (edges), so a lane that stays on does not
    re-trigger, and the Arm button and the parameter do not fight. The audio
    thread reads them once per block: atomics only.
*/
class HostControls
{
public:
    /** Adds the parameters to @p processor (in its constructor). */
    explicit HostControls (juce::AudioProcessor& processor);

    /** What changed since the previous block. */
    struct Edges
    {
        bool armOn = false;    ///< "Arm capture" went on
        bool armOff = false;   ///< "Arm capture" went off
        bool generate = false; ///< "Generate" went on
    };

    /** Audio thread, once per block: the parameters' changes since the last call. Real-time safe. */
    Edges read() noexcept;

    /** The "Arm capture" parameter. */
    juce::AudioParameterBool& getArmParameter() noexcept { return *arm; }

    /** The "Generate" parameter. */
    juce::AudioParameterBool& getGenerateParameter() noexcept { return *generate; }

    /** The parameters' IDs (VST3 parameter IDs; LV2 parameter URIs end in them). */
    static constexpr const char* armId = "arm_capture";
    static constexpr const char* generateId = "generate";

private:
    juce::AudioParameterBool* arm = nullptr;      // owned by the processor
    juce::AudioParameterBool* generate = nullptr; // owned by the processor
    bool lastArm = false, lastGenerate = false;   // audio thread only

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (HostControls)
};
