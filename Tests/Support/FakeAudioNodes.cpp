#include "FakeAudioNodes.h"

#include <juce_audio_formats/juce_audio_formats.h>

#include <cmath>

namespace TestSupport
{

using json = nlohmann::json;

namespace
{
    std::variant<std::shared_ptr<const FakeAudio>, std::string> loadAudio (const json& inputs, const InputFileReader& readInput)
    {
        const auto name = inputs.value ("audio", std::string());
        const auto bytes = readInput (name);
        if (! bytes)
            return std::string ("[Errno 2] No such file or directory: '" + name + "'");

        juce::AudioFormatManager formats;
        formats.registerBasicFormats();
        std::unique_ptr<juce::AudioFormatReader> reader (formats.createReaderFor (
            std::make_unique<juce::MemoryInputStream> (bytes->data(), bytes->size(), false)));
        if (reader == nullptr || reader->lengthInSamples <= 0)
            return std::string ("Error opening '" + name + "': Invalid data found when processing input");

        juce::AudioBuffer<float> buffer ((int) reader->numChannels, (int) reader->lengthInSamples);
        reader->read (&buffer, 0, buffer.getNumSamples(), 0, true, true);

        auto audio = std::make_shared<FakeAudio>();
        audio->sampleRate = (int) reader->sampleRate;
        for (int c = 0; c < buffer.getNumChannels(); ++c)
            audio->channels.emplace_back (buffer.getReadPointer (c), buffer.getReadPointer (c) + buffer.getNumSamples());
        return std::shared_ptr<const FakeAudio> (audio);
    }

    std::variant<std::shared_ptr<const FakeAudio>, std::string> trim (const FakeAudio& in, double start, double duration)
    {
        const auto length = (long long) in.frames();
        auto startFrame = start < 0 ? length + std::llround (start * in.sampleRate) : std::llround (start * in.sampleRate);
        startFrame = std::max (0LL, std::min (startFrame, length - 1));
        auto endFrame = startFrame + std::llround (duration * in.sampleRate);
        endFrame = std::max (0LL, std::min (endFrame, length));

        if (startFrame >= endFrame)
            return std::string ("AudioTrim: Start time must be less than end time and be within the audio length.");

        auto out = std::make_shared<FakeAudio>();
        out->sampleRate = in.sampleRate;
        for (const auto& channel : in.channels)
            out->channels.emplace_back (channel.begin() + startFrame, channel.begin() + endFrame);
        return std::shared_ptr<const FakeAudio> (out);
    }
}

bool isFakeAudioNode (const std::string& classType)
{
    return classType == "LoadAudio" || classType == "AudioAdjustVolume" || classType == "TrimAudioDuration"
        || classType == "SaveAudio" || classType == "PreviewAudio";
}

std::variant<std::shared_ptr<const FakeAudio>, std::string> runAudioNode (const std::string& classType, const json& inputs,
                                                                          const UpstreamAudio& upstream, const InputFileReader& readInput)
{
    if (classType == "LoadAudio")
        return loadAudio (inputs, readInput);

    const auto in = upstream (inputs.value ("audio", json()));
    if (in == nullptr)
        return std::string ("'NoneType' object is not subscriptable");

    if (classType == "AudioAdjustVolume")
    {
        const auto volume = inputs.value ("volume", 1.0);
        if (volume == 0.0)
            return in;
        const auto gain = (float) std::pow (10.0, volume / 20.0);
        auto out = std::make_shared<FakeAudio> (*in);
        for (auto& channel : out->channels)
            for (auto& sample : channel)
                sample *= gain;
        return std::shared_ptr<const FakeAudio> (out);
    }

    if (classType == "TrimAudioDuration")
        return trim (*in, inputs.value ("start_index", 0.0), inputs.value ("duration", 60.0));

    return in; // SaveAudio, PreviewAudio
}

std::string encodeFlac16 (const FakeAudio& audio)
{
    juce::MemoryBlock block;
    juce::AudioBuffer<float> buffer ((int) audio.channels.size(), (int) audio.frames());
    for (int c = 0; c < buffer.getNumChannels(); ++c)
        buffer.copyFrom (c, 0, audio.channels[(size_t) c].data(), buffer.getNumSamples());

    {
        juce::FlacAudioFormat flac;
        std::unique_ptr<juce::AudioFormatWriter> writer (flac.createWriterFor (new juce::MemoryOutputStream (block, false), audio.sampleRate,
                                                                               (unsigned int) buffer.getNumChannels(), 16, {}, 0));
        if (writer == nullptr)
            return {};
        writer->writeFromAudioSampleBuffer (buffer, 0, buffer.getNumSamples());
    }

    return std::string (static_cast<const char*> (block.getData()), block.getSize());
}

} // namespace TestSupport
