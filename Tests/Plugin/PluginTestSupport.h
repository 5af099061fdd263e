#pragma once

#include "Plugin/PluginProcessor.h"
#include "Plugin/PluginEditor.h"
#include "Support/TestUtilities.h"
#include <MisbehavingServers.h>

namespace PluginTestSupport
{

/** A processor whose defaults come from a temporary file, not the user's own.
    Without @p defaults it points at a closed port of 127.0.0.1 with port discovery
    off: the built-in defaults (localhost:8000, discovery over 8000-9000) would
    reach a developer's own ComfyUI as soon as the processor is prepared.
*/
struct IsolatedProcessor
{
    explicit IsolatedProcessor (std::optional<comfybridge::ComfyUIConfig> defaults = std::nullopt)
        : processor (makeDefaults (defaultsFile, defaults.value_or (TestSupport::localConfig (TestHelpers::closedPort()))))
    {
    }

    juce::TemporaryFile defaultsFile { ".settings" };
    ComfyBridgeProcessor processor;

private:
    static comfybridge::UserDefaults makeDefaults (const juce::TemporaryFile& file, const comfybridge::ComfyUIConfig& config)
    {
        comfybridge::UserDefaults defaults (file.getFile());
        defaults.save (config);
        return defaults;
    }
};

/** Opens the processor's editor and closes it (as a host does) when it goes out of scope. */
struct OpenEditor
{
    explicit OpenEditor (ComfyBridgeProcessor& p)
        : processor (p), editor (dynamic_cast<ComfyBridgeEditor*> (p.createEditorIfNeeded()))
    {
    }

    ~OpenEditor()
    {
        if (editor != nullptr)
            processor.editorBeingDeleted (editor.get());
    }

    ComfyBridgeEditor* operator->() const noexcept { return editor.get(); }
    ComfyBridgeEditor& operator*() const noexcept { return *editor; }

    ComfyBridgeProcessor& processor;
    std::unique_ptr<ComfyBridgeEditor> editor;
};

/** The bundled audio_gain workflow (LoadAudio -> AudioAdjustVolume -6 dB -> SaveAudio),
    or, while the bundle has none, the same graph defined here.
*/
inline comfybridge::WorkflowDefinition audioGainWorkflow (ComfyBridgeProcessor& processor)
{
    if (const auto* bundled = processor.getWorkflowLibrary().find ("audio_gain"))
        return *bundled;

    comfybridge::WorkflowDefinition workflow;
    workflow.name = "audio_gain";
    workflow.title = "Audio gain -6 dB (no models)";
    workflow.description = "Your audio through AudioAdjustVolume at -6 dB, saved as FLAC.";
    workflow.apiJson = R"({ "1": { "class_type": "LoadAudio", "inputs": { "audio": "comfybridge/input.wav" } },
                            "2": { "class_type": "AudioAdjustVolume", "inputs": { "audio": ["1", 0], "volume": -6 } },
                            "3": { "class_type": "SaveAudio", "inputs": { "audio": ["2", 0], "filename_prefix": "audio/ComfyBridge" } } })";
    workflow.audio = { { "1", "audio" } };
    return workflow;
}

/** A host transport the test moves by hand: playing or not, a position in samples,
    a tempo and a time signature. getPosition() allocates nothing (audio thread).
*/
struct TestPlayHead : juce::AudioPlayHead
{
    juce::int64 position = 0;
    bool playing = false;
    double bpm = 120.0;
    int numerator = 4, denominator = 4;

    juce::Optional<PositionInfo> getPosition() const override
    {
        PositionInfo info;
        info.setIsPlaying (playing);
        info.setTimeInSamples (position);
        info.setBpm (bpm);
        info.setTimeSignature (TimeSignature { numerator, denominator });
        return info;
    }
};

/** Runs @p processor over the timeline from @p playHead's position for @p numSamples
    in blocks of @p blockSize, with @p input (timeline position -> sample) on every
    channel, playing. Returns the output, one channel per processor channel.
*/
template <typename InputFunction>
juce::AudioBuffer<float> playThrough (juce::AudioProcessor& processor, TestPlayHead& playHead, int numSamples,
                                      InputFunction&& input, int blockSize = 512)
{
    juce::AudioBuffer<float> output (2, numSamples), block (2, blockSize);
    juce::MidiBuffer midi;
    playHead.playing = true;

    for (int done = 0; done < numSamples; done += blockSize)
    {
        const auto count = juce::jmin (blockSize, numSamples - done);
        block.setSize (2, count, false, false, true);

        for (int i = 0; i < count; ++i)
            for (int c = 0; c < 2; ++c)
                block.setSample (c, i, input (playHead.position + i));

        processor.processBlock (block, midi);

        for (int c = 0; c < 2; ++c)
            output.copyFrom (c, done, block, c, 0, count);

        playHead.position += count;
    }

    return output;
}

} // namespace PluginTestSupport
