#pragma once

#include "PluginProcessor.h"
#include "TextKeyForwarder.h"

//==============================================================================
/**
    The plugin window: comfybridge::MainView (Status | Generate | Preferences)
    in the ComfyBridge look, wired to the processor.

    Opening it starts the connection if nothing has yet, a message later (so an
    editor created and dropped at once, as JUCE's LV2 helper does at build time,
    starts nothing); all I/O runs on the manager's thread, and closing the
    editor waits for nothing.
    It listens to the processor's change broadcaster and pulls the config and
    the manager from it; the processor never calls into the editor.
*/
class ComfyBridgeEditor : public juce::AudioProcessorEditor,
                          private juce::ChangeListener,
                          private juce::AsyncUpdater
{
public:
    /** Creates the editor for @p processor at the size the user chose last. */
    explicit ComfyBridgeEditor (ComfyBridgeProcessor& processor);
    ~ComfyBridgeEditor() override;

    /** @internal */
    void paint (juce::Graphics&) override;
    /** @internal */
    void resized() override;
    /** @internal Keys no component took: for the text field clicked last (see TextKeyForwarder). */
    bool keyPressed (const juce::KeyPress&) override;

    /** The whole content (exposed for tests and screenshots). */
    comfybridge::MainView& getMainView() noexcept { return mainView; }

    /** The status page (exposed for tests). */
    comfybridge::StatusPanel& getStatusPanel() noexcept { return mainView.getStatusPanel(); }

    /** Smallest size the layout is designed for. */
    static constexpr int minWidth = 640, minHeight = 440;

private:
    ComfyBridgeProcessor& processor;
    comfybridge::ComfyBridgeLookAndFeel lookAndFeel; // before the components that use it
    comfybridge::MainView mainView;
    juce::TooltipWindow tooltipWindow { this, 700 };
    TextKeyForwarder textKeys { *this };
    bool rememberSize = false; // only sizes the user chose, not those set while constructing
    int seenStateRestores = 0; // a newer restored state replaces the generation settings and page
    std::weak_ptr<comfybridge::GenerationJob> followedJob; // the job the Generate page shows (it may have been started by the host)

    void changeListenerCallback (juce::ChangeBroadcaster*) override;
    void handleAsyncUpdate() override;
    void syncFromProcessor();

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (ComfyBridgeEditor)
};
