#include "PluginProcessor.h"
#include "PluginEditor.h"

namespace
{
    const juce::Identifier stateType { "ComfyBridgeState" };
    const juce::Identifier editorWidthId { "editor_width" };
    const juce::Identifier editorHeightId { "editor_height" };

    comfybridge::ComfyUIConfig loadDefaults (const comfybridge::UserDefaults& defaults)
    {
        auto loaded = defaults.load();

        for (const auto& error : loaded.errors)
            juce::Logger::writeToLog ("ComfyBridge: ignoring stored defaults: " + error);

        return loaded.config.value_or (comfybridge::ComfyUIConfig {});
    }
}

ComfyBridgeProcessor::ComfyBridgeProcessor()
    : ComfyBridgeProcessor (comfybridge::UserDefaults {})
{
}

ComfyBridgeProcessor::ComfyBridgeProcessor (const comfybridge::UserDefaults& defaults)
    : AudioProcessor (BusesProperties()
                          .withInput ("Input", juce::AudioChannelSet::stereo(), true)
                          .withOutput ("Output", juce::AudioChannelSet::stereo(), true)),
      config (loadDefaults (defaults))
{
}

ComfyBridgeProcessor::~ComfyBridgeProcessor() = default;

juce::StringArray ComfyBridgeProcessor::setConfig (const comfybridge::ComfyUIConfig& newConfig)
{
    auto problems = newConfig.validate();

    if (problems.isEmpty())
        config = newConfig;

    return problems;
}

//==============================================================================
void ComfyBridgeProcessor::prepareToPlay (double, int) {}
void ComfyBridgeProcessor::releaseResources() {}

bool ComfyBridgeProcessor::isBusesLayoutSupported (const BusesLayout& layouts) const
{
    const auto& out = layouts.getMainOutputChannelSet();
    return (out == juce::AudioChannelSet::mono() || out == juce::AudioChannelSet::stereo())
        && out == layouts.getMainInputChannelSet();
}

void ComfyBridgeProcessor::processBlock (juce::AudioBuffer<float>& buffer, juce::MidiBuffer&)
{
    // Audio passes through untouched: the buffer already holds the input. Only
    // channels with no matching input (none in the supported layouts) are cleared.
    for (auto channel = getTotalNumInputChannels(); channel < getTotalNumOutputChannels(); ++channel)
        buffer.clear (channel, 0, buffer.getNumSamples());
}

juce::AudioProcessorEditor* ComfyBridgeProcessor::createEditor()
{
    return new ComfyBridgeEditor (*this);
}

//==============================================================================
void ComfyBridgeProcessor::getStateInformation (juce::MemoryBlock& destData)
{
    juce::ValueTree state (stateType);
    state.setProperty (editorWidthId, editorSize.x, nullptr);
    state.setProperty (editorHeightId, editorSize.y, nullptr);
    state.appendChild (config.toValueTree(), nullptr);

    if (auto xml = state.createXml())
        copyXmlToBinary (*xml, destData);
}

void ComfyBridgeProcessor::setStateInformation (const void* data, int sizeInBytes)
{
    lastStateProblems.clear();
    const auto xml = getXmlFromBinary (data, sizeInBytes);

    if (xml == nullptr)
    {
        lastStateProblems.add ("saved state is not readable; keeping the current settings");
        return;
    }

    const auto state = juce::ValueTree::fromXml (*xml);

    if (! state.hasType (stateType))
    {
        lastStateProblems.add ("saved state is not a ComfyBridge state; keeping the current settings");
        return;
    }

    // A damaged config in a project must not wipe the instance's settings:
    // nothing is applied unless the whole config validates.
    auto parsed = comfybridge::ComfyUIConfig::fromValueTree (state.getChildWithName (comfybridge::ComfyUIConfig::treeType), config);

    if (parsed.ok())
        config = *parsed.config;

    lastStateProblems.addArray (parsed.errors);

    for (const auto& problem : lastStateProblems)
        juce::Logger::writeToLog ("ComfyBridge: " + problem);

    editorSize = { juce::jlimit (400, 4000, (int) state.getProperty (editorWidthId, defaultWidth)),
                   juce::jlimit (300, 4000, (int) state.getProperty (editorHeightId, defaultHeight)) };
}

//==============================================================================
juce::AudioProcessor* JUCE_CALLTYPE createPluginFilter()
{
    return new ComfyBridgeProcessor();
}
