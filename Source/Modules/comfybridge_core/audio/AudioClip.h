#pragma once

namespace comfybridge
{

//==============================================================================
/**
    A piece of audio that never changes once made: the samples are shared, so a
    clip is cheap to copy and safe to read from several threads at once (the
    audio thread included, as long as it only reads).

    An empty clip (no samples, or sample rate 0) means "no audio".
*/
struct AudioClip
{
    std::shared_ptr<const juce::AudioBuffer<float>> samples; ///< nullptr for an empty clip
    double sampleRate = 0.0;                                 ///< frames per second

    /** Channels in the clip (0 when empty). */
    int getNumChannels() const noexcept { return samples != nullptr ? samples->getNumChannels() : 0; }

    /** Frames in the clip (0 when empty). */
    int getNumSamples() const noexcept { return samples != nullptr ? samples->getNumSamples() : 0; }

    /** Length in seconds (0 when empty). */
    double getLengthSeconds() const noexcept
    {
        return sampleRate > 0.0 ? (double) getNumSamples() / sampleRate : 0.0;
    }

    /** True when there is nothing to play. */
    bool isEmpty() const noexcept { return getNumSamples() == 0 || sampleRate <= 0.0; }

    /** Takes ownership of @p buffer's samples (moved, not copied). */
    static AudioClip fromBuffer (juce::AudioBuffer<float>&& buffer, double rate)
    {
        return { std::make_shared<const juce::AudioBuffer<float>> (std::move (buffer)), rate };
    }
};

} // namespace comfybridge
