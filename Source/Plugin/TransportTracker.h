#pragma once

#include <juce_audio_processors/juce_audio_processors.h>
#include <comfybridge_core/comfybridge_core.h>

//==============================================================================
/**
    The timeline position and play state for each audio block, including blocks
    in which the host says nothing.

    JUCE 7.0.5's LV2 wrapper gives a position only in blocks that carry a
    time:Position event, and LV2 hosts (jalv, Ardour) send one only when the
    transport changes (starts, stops, jumps, changes tempo). In between, the
    position here carries on from the last one given: advancing by the previous
    block's length while playing, standing still while stopped, as LV2 asks of
    plugins. VST3 hosts give a position every block.

    With no host position (no play head, or JUCE's standalone player, whose
    position is only a sample count that moves on every block: no tempo, never
    playing) the timeline is a free-running sample count that always plays;
    rewindTo() moves it (a result made without a host timeline starts in the
    past, and is heard at once after the rewind).

    Threads: next() on the audio thread (lock-free, no allocation); rewindTo() anywhere.
*/
class TransportTracker
{
public:
    /** The transport for the block of @p numSamples now starting. Real-time safe. */
    comfybridge::HostTransport next (juce::AudioPlayHead* playHead, int numSamples) noexcept;

    /** Without a host timeline: makes the free-running count jump to @p position at the next block. */
    void rewindTo (juce::int64 position) noexcept { rewind.store (position, std::memory_order_relaxed); }

private:
    comfybridge::HostTransport last;
    comfybridge::HostTransport previousReport; // what the play head said in the previous block
    bool hostGavePosition = false;
    juce::int64 lastBlockLength = 0, freeRunning = 0;
    std::atomic<juce::int64> rewind { -1 };
};
