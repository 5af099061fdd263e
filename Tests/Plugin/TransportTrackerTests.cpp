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

        void say (juce::int64 position, bool playing, std::optional<double> bpm = 100.0)
        {
            PositionInfo info;
            info.setTimeInSamples (position);
            info.setIsPlaying (playing);
            if (bpm.has_value())
                info.setBpm (*bpm);
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

TEST_CASE ("JUCE's standalone player, a sample count without tempo or play state, is no timeline: it runs free", "[plugin][transport]")
{
    // What juce::AudioProcessorPlayer (the Standalone's player) gives every block.
    struct SampleClockPlayHead : juce::AudioPlayHead
    {
        juce::int64 samples = 0;

        juce::Optional<PositionInfo> getPosition() const override
        {
            PositionInfo info;
            info.setTimeInSamples (samples);
            info.setTimeInSeconds ((double) samples / 48000.0);
            info.setHostTimeNs (123456789u);
            return info;
        }
    };

    TransportTracker tracker;
    SampleClockPlayHead playHead;
    playHead.samples = 96000;
    tracker.next (&playHead, 256);
    playHead.samples += 256;
    const auto t = tracker.next (&playHead, 256);

    // Playing, so an armed capture starts at once, as with no play head at all.
    CHECK ((! t.hasHostPosition && t.isPlaying && t.timeInSamples == 256));

    // A host that is stopped says so with its tempo: that stays a stopped timeline.
    SometimesPlayHead host;
    TransportTracker hostTracker;
    host.say (5000, false);
    const auto stopped = hostTracker.next (&host, 256);
    CHECK ((stopped.hasHostPosition && ! stopped.isPlaying && stopped.timeInSamples == 5000));
}

TEST_CASE ("a host that gives no tempo stops when it says it stopped, and its stopped start is a timeline", "[plugin][transport]")
{
    // jalv without a JACK timebase master: time:frame and time:speed only, sent when they change.
    TransportTracker tracker;
    SometimesPlayHead host;

    host.say (0, false, std::nullopt);
    auto t = tracker.next (&host, 256);
    CHECK ((t.hasHostPosition && ! t.isPlaying && t.timeInSamples == 0));
    host.next.reset();
    t = tracker.next (&host, 256);
    CHECK ((t.hasHostPosition && ! t.isPlaying && t.timeInSamples == 0)); // an armed capture waits for play

    host.say (0, true, std::nullopt);
    tracker.next (&host, 256);
    host.say (256, true, std::nullopt); // a host may also say it every block
    t = tracker.next (&host, 256);
    CHECK ((t.isPlaying && t.timeInSamples == 256));

    // Stopped one block later, where it got to: stopped, not a sample clock.
    host.say (512, false, std::nullopt);
    t = tracker.next (&host, 256);
    CHECK ((t.hasHostPosition && ! t.isPlaying && t.timeInSamples == 512));
    host.next.reset();
    for (int block = 0; block < 3; ++block)
    {
        t = tracker.next (&host, 256);
        CHECK_FALSE (t.isPlaying);
        CHECK (t.timeInSamples == 512);
    }
}
