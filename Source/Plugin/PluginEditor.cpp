#include "PluginEditor.h"

ComfyBridgeEditor::ComfyBridgeEditor (ComfyBridgeProcessor& p)
    : AudioProcessorEditor (p), processor (p)
{
    comfybridge::ComfyUIStatus initial;
    initial.url = processor.getConfig().getBaseUrl();
    statusPanel.setStatus (initial);
    addAndMakeVisible (statusPanel);

    // Read the remembered size first: setting limits resizes (and calls resized()).
    const auto size = processor.getEditorSize();
    setResizable (true, true);
    setResizeLimits (400, 300, 4000, 4000);
    setSize (size.x, size.y);
    rememberSize = true;
}

ComfyBridgeEditor::~ComfyBridgeEditor() = default;

void ComfyBridgeEditor::paint (juce::Graphics& g)
{
    g.fillAll (juce::Colour (0xff16181c));
}

void ComfyBridgeEditor::resized()
{
    statusPanel.setBounds (getLocalBounds().reduced (8));

    if (rememberSize)
        processor.setEditorSize ({ getWidth(), getHeight() });
}
