#pragma once

#include "PluginProcessor.h"

//==============================================================================
/** The plugin window: the connection status panel (more views arrive with later work). */
class ComfyBridgeEditor : public juce::AudioProcessorEditor
{
public:
    /** Creates the editor for @p processor at the size the user chose last. */
    explicit ComfyBridgeEditor (ComfyBridgeProcessor& processor);
    ~ComfyBridgeEditor() override;

    /** @internal */
    void paint (juce::Graphics&) override;
    /** @internal */
    void resized() override;

    /** The status panel (exposed for tests). */
    comfybridge::StatusPanel& getStatusPanel() noexcept { return statusPanel; }

private:
    ComfyBridgeProcessor& processor;
    comfybridge::StatusPanel statusPanel;
    bool rememberSize = false; // only sizes the user chose, not those set while constructing

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (ComfyBridgeEditor)
};
