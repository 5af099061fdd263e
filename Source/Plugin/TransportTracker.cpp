#include "TransportTracker.h"

comfybridge::HostTransport TransportTracker::next (juce::AudioPlayHead* playHead, int numSamples) noexcept
{
    auto transport = comfybridge::HostTransport::fromPlayHead (playHead);

    // JUCE's standalone player (AudioProcessorPlayer) gives a position that is only a
    // running sample count: no tempo, never playing, yet moving on by each block. That
    // is no timeline; taken as one, an armed capture would wait for a "play" that never
    // comes. A stopped host (with or without a tempo: jalv gives none without a JACK
    // timebase master) does not move.
    auto isClockTick = [] (const comfybridge::HostTransport& t) { return t.hasHostPosition && ! t.isPlaying && t.bpm <= 0.0; };
    const bool sampleClockOnly = isClockTick (transport) && isClockTick (previousReport)
                              && transport.timeInSamples == previousReport.timeInSamples + lastBlockLength;
    previousReport = transport;

    if (sampleClockOnly)
    {
        transport = {};
        hostGavePosition = false;
    }

    if (transport.hasHostPosition)
    {
        hostGavePosition = true;
    }
    else if (hostGavePosition)
    {
        // The host said nothing this block: it goes on as it was.
        transport = last;
        transport.timeInSamples += last.isPlaying ? lastBlockLength : 0;
    }
    else
    {
        if (const auto target = rewind.exchange (-1, std::memory_order_relaxed); target >= 0)
            freeRunning = target;

        transport.isPlaying = true;
        transport.timeInSamples = freeRunning;
    }

    freeRunning += numSamples;
    last = transport;
    lastBlockLength = numSamples;
    return transport;
}
