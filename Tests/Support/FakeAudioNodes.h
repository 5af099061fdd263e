#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace TestSupport
{

/** What an AUDIO output holds in ComfyUI: {"waveform": [channels][frames], "sample_rate"}. */
struct FakeAudio
{
    std::vector<std::vector<float>> channels;
    int sampleRate = 44100;

    /** Frames per channel. */
    size_t frames() const { return channels.empty() ? 0 : channels.front().size(); }
};

/** Finds the value of an upstream link (["id", slot]); nullptr when it is not audio. */
using UpstreamAudio = std::function<std::shared_ptr<const FakeAudio> (const nlohmann::json& link)>;

/** Reads an input-directory file by its annotated path ("comfybridge/a.wav"). */
using InputFileReader = std::function<std::optional<std::string> (const std::string& path)>;

/** True for the audio node classes runAudioNode() models. */
bool isFakeAudioNode (const std::string& classType);

/**
    Runs one audio node as ComfyUI v0.3.64's comfy_extras/nodes_audio.py does:
    LoadAudio (WAV/FLAC from the input directory), AudioAdjustVolume (volume in dB,
    gain 10^(dB/20), 0 = unchanged), TrimAudioDuration (start_index, negative from
    the end, and duration in seconds, the real rounding and clamping; an empty
    range raises "AudioTrim: Start time must be less than end time and be within
    the audio length."). Output nodes (SaveAudio, PreviewAudio) return their input.
    Returns the node's AUDIO, or the exception message ComfyUI would report.
*/
std::variant<std::shared_ptr<const FakeAudio>, std::string> runAudioNode (const std::string& classType, const nlohmann::json& inputs,
                                                                          const UpstreamAudio& upstream, const InputFileReader& readInput);

/** SaveAudio's file: 16-bit FLAC at the audio's rate. */
std::string encodeFlac16 (const FakeAudio& audio);

} // namespace TestSupport
