#pragma once

#include <juce_audio_utils/juce_audio_utils.h>
#include <comfybridge_core/comfybridge_core.h>
#include <comfybridge_gui/comfybridge_gui.h>

//==============================================================================
/**
    The ComfyBridge audio processor: audio passes through untouched; the
    processor holds this instance's ComfyUI config and saves it with the host's
    project. The user's global defaults seed new instances.
*/
class ComfyBridgeProcessor : public juce::AudioProcessor
{
public:
    /** Creates an instance whose config starts from the user's global defaults. */
    ComfyBridgeProcessor();

    /** Creates an instance that reads its initial defaults from @p defaults (tests use a temporary file). */
    explicit ComfyBridgeProcessor (const comfybridge::UserDefaults& defaults);

    ~ComfyBridgeProcessor() override;

    //==============================================================================
    /** This instance's config. Message thread only. */
    const comfybridge::ComfyUIConfig& getConfig() const noexcept { return config; }

    /** Replaces the config if it validates; otherwise returns the problems and keeps the old one. */
    juce::StringArray setConfig (const comfybridge::ComfyUIConfig& newConfig);

    /** Problems met by the last setStateInformation() (empty when it loaded cleanly). */
    const juce::StringArray& getLastStateProblems() const noexcept { return lastStateProblems; }

    /** The editor size the user chose last (saved with the state). */
    juce::Point<int> getEditorSize() const noexcept { return editorSize; }

    /** Remembers the editor size so it is restored with the project. */
    void setEditorSize (juce::Point<int> size) noexcept { editorSize = size; }

    //==============================================================================
    void prepareToPlay (double sampleRate, int samplesPerBlock) override;
    void releaseResources() override;
    bool isBusesLayoutSupported (const BusesLayout& layouts) const override;

    using AudioProcessor::processBlock;
    void processBlock (juce::AudioBuffer<float>&, juce::MidiBuffer&) override;

    juce::AudioProcessorEditor* createEditor() override;
    bool hasEditor() const override { return true; }

    const juce::String getName() const override { return "ComfyBridge"; }
    bool acceptsMidi() const override { return false; }
    bool producesMidi() const override { return false; }
    bool isMidiEffect() const override { return false; }
    double getTailLengthSeconds() const override { return 0.0; }

    int getNumPrograms() override { return 1; }
    int getCurrentProgram() override { return 0; }
    void setCurrentProgram (int) override {}
    const juce::String getProgramName (int) override { return {}; }
    void changeProgramName (int, const juce::String&) override {}

    void getStateInformation (juce::MemoryBlock& destData) override;
    void setStateInformation (const void* data, int sizeInBytes) override;

    /** Default editor size. */
    static constexpr int defaultWidth = 720, defaultHeight = 480;

private:
    comfybridge::ComfyUIConfig config;
    juce::StringArray lastStateProblems;
    juce::Point<int> editorSize { defaultWidth, defaultHeight };

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (ComfyBridgeProcessor)
};
