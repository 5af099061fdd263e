#pragma once

#include <comfybridge_core/comfybridge_core.h>

#include <cmath>
#include <string>

namespace TestSupport
{

/** A sine tone: @p frames frames of @p channels channels at @p rate, peak @p amplitude. */
inline comfybridge::AudioClip makeTone (double rate, int frames, int channels, double hz, float amplitude)
{
    juce::AudioBuffer<float> buffer (channels, frames);
    for (int c = 0; c < channels; ++c)
        for (int i = 0; i < frames; ++i)
            buffer.setSample (c, i, amplitude * (float) std::sin (juce::MathConstants<double>::twoPi * hz * i / rate));
    return comfybridge::AudioClip::fromBuffer (std::move (buffer), rate);
}

/** RMS over every channel of frames [start, start + count). */
inline float rms (const comfybridge::AudioClip& clip, int start, int count)
{
    double sum = 0.0;
    long long n = 0;
    for (int c = 0; c < clip.getNumChannels(); ++c)
        for (int i = start; i < juce::jmin (start + count, clip.getNumSamples()); ++i, ++n)
            sum += (double) clip.samples->getSample (c, i) * clip.samples->getSample (c, i);
    return n > 0 ? (float) std::sqrt (sum / (double) n) : 0.0f;
}

/** The level of @p out relative to @p in, in dB (RMS over the whole clips). */
inline double gainDb (const comfybridge::AudioClip& in, const comfybridge::AudioClip& out)
{
    return 20.0 * std::log10 (rms (out, 0, out.getNumSamples()) / rms (in, 0, in.getNumSamples()));
}

/** True when both clips hold exactly the same samples at the same rate. */
inline bool sameSamples (const comfybridge::AudioClip& a, const comfybridge::AudioClip& b)
{
    if (a.sampleRate != b.sampleRate || a.getNumChannels() != b.getNumChannels() || a.getNumSamples() != b.getNumSamples())
        return false;
    for (int c = 0; c < a.getNumChannels(); ++c)
        if (std::memcmp (a.samples->getReadPointer (c), b.samples->getReadPointer (c), sizeof (float) * (size_t) a.getNumSamples()) != 0)
            return false;
    return true;
}

/** The clip as 16-bit FLAC bytes in a std::string (for FakeComfyUI's input files). */
inline std::string encodeFlacBytes (const comfybridge::AudioClip& clip)
{
    const auto block = comfybridge::encodeFlac (clip, 16);
    return std::string (static_cast<const char*> (block.getData()), block.getSize());
}

} // namespace TestSupport
