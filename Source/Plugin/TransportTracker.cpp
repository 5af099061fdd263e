#include "TransportTracker.h"

comfybridge::HostTransport TransportTracker::next (juce::AudioPlayHead* playHead, int numSamples) noexcept
{
    auto transport = comfybridge::HostTransport::fromPlayHead (playHead);

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
