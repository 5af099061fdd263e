#include <catch2/catch.hpp>
#include "Plugin/PluginProcessor.h"
#include "Plugin/PluginEditor.h"
#include "Plugin/PluginTestSupport.h"

namespace
{
    // Not the built-in defaults (localhost:8000 with discovery): prepareToPlay connects, and
    // that reached a developer's own ComfyUI (the busy-ports run counted 22 requests).
    using PluginTestSupport::IsolatedProcessor;

    void fillWithNoise (juce::AudioBuffer<float>& buffer, int seed)
    {
        juce::Random random (seed);
        for (int ch = 0; ch < buffer.getNumChannels(); ++ch)
            for (int i = 0; i < buffer.getNumSamples(); ++i)
                buffer.setSample (ch, i, random.nextFloat() * 2.0f - 1.0f);
    }
}

TEST_CASE ("audio passes through bit-exact", "[plugin]")
{
    IsolatedProcessor p;
    auto& processor = p.processor;

    for (auto sampleRate : { 44100.0, 48000.0, 96000.0 })
    {
        for (auto blockSize : { 1, 64, 512, 4096 })
        {
            processor.setPlayConfigDetails (2, 2, sampleRate, blockSize);
            processor.prepareToPlay (sampleRate, blockSize);

            juce::AudioBuffer<float> buffer (2, blockSize);
            fillWithNoise (buffer, blockSize);
            juce::AudioBuffer<float> expected (buffer);
            juce::MidiBuffer midi;

            for (int block = 0; block < 4; ++block)
                processor.processBlock (buffer, midi);

            for (int ch = 0; ch < 2; ++ch)
                CHECK (std::memcmp (buffer.getReadPointer (ch), expected.getReadPointer (ch), sizeof (float) * (size_t) blockSize) == 0);

            processor.releaseResources();
        }
    }
}

TEST_CASE ("new instances start from the user's saved defaults", "[plugin]")
{
    juce::TemporaryFile defaultsFile (".settings");
    comfybridge::ComfyUIConfig saved;
    saved.port = 8188;
    saved.fallbackMode = comfybridge::FallbackMode::abort;
    REQUIRE (comfybridge::UserDefaults (defaultsFile.getFile()).save (saved).wasOk());

    ComfyBridgeProcessor processor { comfybridge::UserDefaults (defaultsFile.getFile()) };
    CHECK (processor.getConfig() == saved);
}

TEST_CASE ("plugin state round trip restores the config and editor size", "[plugin]")
{
    IsolatedProcessor source;
    comfybridge::ComfyUIConfig config;
    config.host = "studio-gpu";
    config.port = 8188;
    config.timeout = 4.5;
    config.fallbackMode = comfybridge::FallbackMode::skip;
    REQUIRE (source.processor.setConfig (config).isEmpty());
    source.processor.setEditorSize ({ 900, 640 });

    juce::MemoryBlock state;
    source.processor.getStateInformation (state);

    IsolatedProcessor target;
    target.processor.setStateInformation (state.getData(), (int) state.getSize());
    CHECK (target.processor.getLastStateProblems().isEmpty());
    CHECK (target.processor.getConfig() == config);
    CHECK (target.processor.getEditorSize() == juce::Point<int> (900, 640));
}

TEST_CASE ("a damaged plugin state keeps the current config and says why", "[plugin]")
{
    IsolatedProcessor p;
    comfybridge::ComfyUIConfig config;
    config.port = 8188;
    REQUIRE (p.processor.setConfig (config).isEmpty());

    const char garbage[] = "not a plugin state";
    p.processor.setStateInformation (garbage, (int) sizeof (garbage));
    CHECK (p.processor.getConfig() == config);
    CHECK_FALSE (p.processor.getLastStateProblems().isEmpty());

    juce::ValueTree state ("ComfyBridgeState");
    auto badConfig = comfybridge::ComfyUIConfig().toValueTree();
    badConfig.setProperty ("port", 0, nullptr);
    state.appendChild (badConfig, nullptr);
    juce::MemoryBlock block;
    juce::AudioProcessor::copyXmlToBinary (*state.createXml(), block);
    p.processor.setStateInformation (block.getData(), (int) block.getSize());
    CHECK (p.processor.getConfig() == config);
    REQUIRE (p.processor.getLastStateProblems().size() == 1);
    CHECK (p.processor.getLastStateProblems()[0].contains ("port: 0"));
}

TEST_CASE ("setConfig refuses an invalid config and keeps the old one", "[plugin]")
{
    IsolatedProcessor p;
    const auto before = p.processor.getConfig();
    comfybridge::ComfyUIConfig bad;
    bad.port = 70000;
    bad.timeout = -1;
    CHECK (p.processor.setConfig (bad).size() == 2);
    CHECK (p.processor.getConfig() == before);
}

TEST_CASE ("the editor can be created and deleted repeatedly", "[plugin]")
{
    IsolatedProcessor p;

    for (int i = 0; i < 5; ++i)
    {
        std::unique_ptr<juce::AudioProcessorEditor> editor (p.processor.createEditorIfNeeded());
        REQUIRE (editor != nullptr);
        CHECK (editor->getWidth() == ComfyBridgeProcessor::defaultWidth);
        p.processor.editorBeingDeleted (editor.get());
    }
}
