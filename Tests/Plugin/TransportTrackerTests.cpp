#include <catch2/catch.hpp>
#include "Plugin/TransportTracker.h"

namespace
{
    /** A play head that, like JUCE 7.0.5's LV2 wrapper, has a position only in the
        blocks where the host sent one.
    */
    struct SometimesPlayHead : juce::AudioPlayHead
    {
        std::optional<PositionInfo> next;

        juce::Optional<PositionInfo> getPosition() const override
        {
            if (next.has_value())
                return *next;
            return {};
        }

        void say (juce::int64 position, bool playing)
        {
            PositionInfo info;
            info.setTimeInSamples (position);
            info.setIsPlaying (playing);
            info.setBpm (100.0);
            next = info;
        }
    };
}

TEST_CASE ("between the host's positions the timeline carries on as the host left it", "[plugin][transport]")
{
    TransportTracker tracker;
    SometimesPlayHead playHead;

    // Playing from 1000: the host tells once, then says nothing for three blocks.
    playHead.say (1000, true);
    auto t = tracker.next (&playHead, 256);
    CHECK ((t.hasHostPosition && t.isPlaying && t.timeInSamples == 1000));
    playHead.next.reset();

    for (juce::int64 expected : { 1256, 1512, 1768 })
    {
        t = tracker.next (&playHead, 256);
        CHECK (t.hasHostPosition);
        CHECK (t.isPlaying);
        CHECK (t.timeInSamples == expected);
        CHECK (t.bpm == 100.0);
    }

    // Stopped at 5000: it stays there until the host says more.
    playHead.say (5000, false);
    tracker.next (&playHead, 256);
    playHead.next.reset();
    t = tracker.next (&playHead, 256);
    CHECK_FALSE (t.isPlaying);
    CHECK (t.timeInSamples == 5000);
}

TEST_CASE ("without any host position the timeline runs free and can be rewound", "[plugin][transport]")
{
    TransportTracker tracker;
    CHECK (tracker.next (nullptr, 100).timeInSamples == 0);
    const auto t = tracker.next (nullptr, 100);
    CHECK ((! t.hasHostPosition && t.isPlaying && t.timeInSamples == 100));

    tracker.rewindTo (10);
    CHECK (tracker.next (nullptr, 100).timeInSamples == 10);
    CHECK (tracker.next (nullptr, 100).timeInSamples == 110);
}
