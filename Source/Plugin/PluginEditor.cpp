#include "PluginEditor.h"

ComfyBridgeEditor::ComfyBridgeEditor (ComfyBridgeProcessor& p)
    : AudioProcessorEditor (p), processor (p), mainView (p.getUserDefaults())
{
    using Page = comfybridge::MainView::Page;

    setLookAndFeel (&lookAndFeel);
    addAndMakeVisible (mainView);

    seenStateRestores = processor.getStateRestoreCount();

    auto& generation = mainView.getGenerationView();
    generation.setAudioSession (&processor.getAudioSession());
    generation.setWorkflows (processor.getWorkflowLibrary().getWorkflows());
    generation.setSettings (processor.getGenerationSettings());
    generation.setStartFunction ([this] (comfybridge::GenerationRequest request)
    {
        auto job = processor.startGeneration (std::move (request));
        followedJob = job; // the view follows it itself
        return job;
    });
    generation.whyNotStarted = [this] { return processor.getLastStartProblem(); };
    generation.onSettingsChanged = [this] (const comfybridge::GenerationSettings& settings)
    {
        processor.setGenerationSettings (settings);
    };
    followedJob = processor.getLastGenerationJob();
    generation.attachJob (processor.getLastGenerationJob()); // a job started before the window was closed

    auto& preferences = mainView.getPreferencesPanel();
    preferences.setConfig (processor.getConfig());
    preferences.onApply = [this] (const comfybridge::ComfyUIConfig& config)
    {
        return processor.setConfig (config); // validated again there; notifies this editor synchronously
    };

    mainView.setConnectionManager (processor.getConnectionManager());
    mainView.showPage (static_cast<Page> (processor.getEditorPage()));
    mainView.onPageChanged = [this] (Page page) { processor.setEditorPage ((int) page); };

    processor.getChangeBroadcaster().addChangeListener (this);
    triggerAsyncUpdate(); // starts the connection (see handleAsyncUpdate)

    // Read the remembered size first: setting limits resizes (and calls resized()).
    const auto size = processor.getEditorSize();
    setResizable (true, true);
    setResizeLimits (minWidth, minHeight, 4000, 4000);
    setSize (juce::jmax (minWidth, size.x), juce::jmax (minHeight, size.y));
    rememberSize = true;
}

ComfyBridgeEditor::~ComfyBridgeEditor()
{
    cancelPendingUpdate();
    processor.getChangeBroadcaster().removeChangeListener (this);
    setLookAndFeel (nullptr);
}

void ComfyBridgeEditor::changeListenerCallback (juce::ChangeBroadcaster*)
{
    syncFromProcessor();
}

void ComfyBridgeEditor::handleAsyncUpdate()
{
    // Returns at once: acquiring a manager does no I/O and connect() only wakes its thread.
    processor.ensureConnectionStarted();
    syncFromProcessor();
}

void ComfyBridgeEditor::syncFromProcessor()
{
    mainView.setConnectionManager (processor.getConnectionManager());
    mainView.getPreferencesPanel().setConfig (processor.getConfig());

    // A job the host started (its "Generate" parameter) shows as one started here.
    if (auto job = processor.getLastGenerationJob(); job != nullptr && job != followedJob.lock())
    {
        followedJob = job;
        mainView.getGenerationView().attachJob (std::move (job));
    }

    // Only a restored project replaces what the user is typing.
    if (std::exchange (seenStateRestores, processor.getStateRestoreCount()) != processor.getStateRestoreCount())
    {
        mainView.getGenerationView().setSettings (processor.getGenerationSettings());
        mainView.showPage (static_cast<comfybridge::MainView::Page> (processor.getEditorPage()));
    }
}

void ComfyBridgeEditor::paint (juce::Graphics& g)
{
    g.fillAll (comfybridge::Palette::window);
}

void ComfyBridgeEditor::resized()
{
    mainView.setBounds (getLocalBounds());

    if (rememberSize)
        processor.setEditorSize ({ getWidth(), getHeight() });
}

bool ComfyBridgeEditor::keyPressed (const juce::KeyPress& key)
{
    return textKeys.forward (key);
}
