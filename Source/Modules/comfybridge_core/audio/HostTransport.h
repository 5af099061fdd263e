#pragma once

namespace comfybridge
{

//==============================================================================
/**
    What the host's play head said for one audio block, reduced to what capture
    and playback need. Plain values: the audio thread fills one per block from
    juce::AudioPlayHead and passes it by value.
*/
struct HostTransport
{
    bool isPlaying = false;          ///< the host's transport runs
    juce::int64 timeInSamples = 0;   ///< timeline position of the block's first sample
    double bpm = 0.0;                ///< the host's tempo (0 when it gives none)
    int timeSigNumerator = 4;        ///< beats per bar
    int timeSigDenominator = 4;      ///< note value of a beat
    bool hasHostPosition = false;    ///< false when the host gave no play head or position this block (JUCE's standalone player gives one: a bare sample count, which a caller may treat as no timeline)

    /** Reads @p playHead (may be nullptr: then stopped at 0). Real-time safe. */
    static HostTransport fromPlayHead (juce::AudioPlayHead* playHead) noexcept
    {
        HostTransport transport;

        if (playHead == nullptr)
            return transport;

        if (const auto position = playHead->getPosition())
        {
            transport.hasHostPosition = true;
            transport.isPlaying = position->getIsPlaying();
            transport.timeInSamples = position->getTimeInSamples().orFallback (0);
            transport.bpm = position->getBpm().orFallback (0.0);

            if (const auto sig = position->getTimeSignature())
            {
                transport.timeSigNumerator = sig->numerator;
                transport.timeSigDenominator = sig->denominator;
            }
        }

        return transport;
    }
};

} // namespace comfybridge
