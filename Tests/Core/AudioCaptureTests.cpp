#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

#include <thread>

using comfybridge::AudioCapture;
using comfybridge::HostTransport;

namespace
{
    constexpr double rate = 1000.0; // 1 sample per ms keeps the positions readable
    constexpr int blockSize = 64;

    /** A block whose samples are their own timeline positions (channel 1 negated). */
    juce::AudioBuffer<float> rampBlock (juce::int64 position, int numSamples = blockSize)
    {
        juce::AudioBuffer<float> block (2, numSamples);

        for (int i = 0; i < numSamples; ++i)
        {
            block.setSample (0, i, (float) (position + i));
            block.setSample (1, i, -(float) (position + i));
        }

        return block;
    }

    HostTransport playingAt (juce::int64 position, bool playing = true)
    {
        HostTransport transport;
        transport.isPlaying = playing;
        transport.timeInSamples = position;
        transport.bpm = 120.0;
        return transport;
    }

    /** Runs blocks from @p from while playing until @p to (exclusive). */
    void play (AudioCapture& capture, juce::int64 from, juce::int64 to)
    {
        for (auto position = from; position < to; position += blockSize)
            capture.process (rampBlock (position), blockSize, playingAt (position));
    }
}

TEST_CASE ("an armed capture starts at the playhead where the host starts playing and stops at its length", "[audio][capture]")
{
    AudioCapture capture;
    capture.prepare (rate, 2);
    REQUIRE (capture.arm (500).isEmpty());
    CHECK (capture.getState() == AudioCapture::State::armed);

    // Stopped: nothing is recorded.
    capture.process (rampBlock (0), blockSize, playingAt (0, false));
    CHECK (capture.getState() == AudioCapture::State::armed);

    play (capture, 1000, 1000 + 64 * 3);
    CHECK (capture.getState() == AudioCapture::State::capturing);
    CHECK (capture.getStartPosition() == 1000);
    CHECK (capture.getCapturedSamples() == 64 * 3);
    CHECK (capture.describe() == "capturing 0.2 of 0.5 s");

    play (capture, 1000 + 64 * 3, 2000);
    CHECK (capture.getState() == AudioCapture::State::complete);
    CHECK (capture.getCapturedSamples() == 500);
    CHECK (capture.describe() == "captured 0.5 s");

    const auto clip = capture.takeClip();
    REQUIRE (clip.getNumSamples() == 500);
    CHECK (clip.getNumChannels() == 2);
    CHECK (clip.sampleRate == rate);
    CHECK (clip.samples->getSample (0, 0) == 1000.0f);
    CHECK (clip.samples->getSample (0, 499) == 1499.0f);
    CHECK (clip.samples->getSample (1, 499) == -1499.0f);
    CHECK (capture.getState() == AudioCapture::State::idle);
}

TEST_CASE ("a capture armed while the host plays starts with the next block", "[audio][capture]")
{
    AudioCapture capture;
    capture.prepare (rate, 2);
    play (capture, 0, 640);
    REQUIRE (capture.arm (100).isEmpty());
    play (capture, 640, 1280);

    const auto clip = capture.takeClip();
    REQUIRE (clip.getNumSamples() == 100);
    CHECK (capture.getStartPosition() == 640);
    CHECK (clip.samples->getSample (0, 0) == 640.0f);
    CHECK (clip.samples->getSample (0, 99) == 739.0f);
}

TEST_CASE ("a capture ends early, keeping what it has, when the host stops or jumps", "[audio][capture]")
{
    AudioCapture capture;
    capture.prepare (rate, 1);

    SECTION ("stop")
    {
        REQUIRE (capture.arm (1000).isEmpty());
        play (capture, 0, 128);
        capture.process (rampBlock (128), blockSize, playingAt (128, false));
        CHECK (capture.getState() == AudioCapture::State::complete);
        CHECK (capture.takeClip().getNumSamples() == 128);
    }

    SECTION ("jump")
    {
        REQUIRE (capture.arm (1000).isEmpty());
        play (capture, 0, 128);
        play (capture, 5000, 5064);
        CHECK (capture.takeClip().getNumSamples() == 128);
    }
}

TEST_CASE ("a capture longer than the cap is refused with a message; the cap is adjustable up to 10 minutes", "[audio][capture]")
{
    AudioCapture capture;
    capture.prepare (48000.0, 2);
    CHECK (capture.getCapSeconds() == 60.0);
    CHECK (capture.getCapacitySamples() == 60 * 48000);

    const auto message = capture.armSeconds (61.0);
    CHECK (message.contains ("longer than the cap of 60.0 s"));
    CHECK (capture.getState() == AudioCapture::State::idle);

    CHECK (capture.setCapSeconds (3600.0) == 600.0);
    CHECK (capture.getCapacitySamples() == 600 * 48000);
    CHECK (capture.armSeconds (61.0).isEmpty());
    CHECK (capture.armSeconds (10.0).contains ("already"));
    CHECK (capture.disarm());
    CHECK (capture.getState() == AudioCapture::State::idle);
    CHECK (capture.armSeconds (601.0).contains ("longer than the cap"));
}

TEST_CASE ("an unprepared capture says why it cannot arm", "[audio][capture]")
{
    AudioCapture capture;
    CHECK (capture.armSeconds (1.0).contains ("not prepared"));
}

TEST_CASE ("disarming a running capture stops it at the next block and records nothing more", "[audio][capture]")
{
    AudioCapture capture;
    capture.prepare (rate, 2);
    REQUIRE (capture.arm (500).isEmpty());
    play (capture, 0, 128);
    CHECK (capture.disarm());
    play (capture, 128, 256);
    CHECK (capture.getState() == AudioCapture::State::idle);
    CHECK (capture.takeClip().isEmpty());

    // And it can be armed again at once.
    REQUIRE (capture.arm (64).isEmpty());
    play (capture, 256, 320);
    CHECK (capture.takeClip().samples->getSample (0, 0) == 256.0f);
}

TEST_CASE ("handing a capture over moves its samples instead of copying them", "[audio][capture]")
{
    AudioCapture capture;
    capture.prepare (rate, 2);
    REQUIRE (capture.arm (256).isEmpty());
    play (capture, 0, 256);
    const auto clip = capture.takeClip();
    REQUIRE (clip.getNumSamples() == 256);

    // The clip's channel data lives in the capture's allocation, sized for the cap:
    // its channels lie a whole capacity apart (a copy would lie 256 samples apart).
    const auto distance = clip.samples->getReadPointer (1) - clip.samples->getReadPointer (0);
    CHECK (distance >= capture.getCapSeconds() * rate);
    CHECK (capture.getCapacitySamples() == (juce::int64) (60 * rate));

    // The next capture gets a fresh buffer: the clip stays as it was.
    REQUIRE (capture.arm (64).isEmpty());
    play (capture, 1000, 1064);
    CHECK (capture.takeClip().samples->getSample (0, 0) == 1000.0f);
    CHECK (clip.samples->getSample (0, 0) == 0.0f);
    CHECK (clip.samples->getSample (0, 255) == 255.0f);
}

TEST_CASE ("bars become samples from the tempo and time signature the audio thread saw", "[audio][capture]")
{
    AudioCapture capture;
    capture.prepare (48000.0, 2);
    CHECK (capture.samplesForBars (2.0) == 0); // no tempo yet

    HostTransport transport;
    transport.bpm = 120.0;
    transport.timeSigNumerator = 3;
    transport.timeSigDenominator = 4;
    capture.process (juce::AudioBuffer<float> (2, 16), 16, transport);

    CHECK (capture.getLastBpm() == 120.0);
    CHECK (capture.samplesForBars (2.0) == 3 * 48000);  // 6 beats at 0.5 s

    transport.timeSigNumerator = 6;
    transport.timeSigDenominator = 8;
    capture.process (juce::AudioBuffer<float> (2, 16), 16, transport);
    CHECK (capture.samplesForBars (1.0) == 72000);      // 3 quarter notes at 0.5 s
}

TEST_CASE ("a mono input fills every captured channel", "[audio][capture]")
{
    AudioCapture capture;
    capture.prepare (rate, 2);
    REQUIRE (capture.arm (64).isEmpty());
    juce::AudioBuffer<float> mono (1, blockSize);
    mono.clear();
    mono.setSample (0, 3, 0.5f);
    capture.process (mono, blockSize, playingAt (0));
    const auto clip = capture.takeClip();
    REQUIRE (clip.getNumChannels() == 2);
    CHECK (clip.samples->getSample (1, 3) == 0.5f);
}

TEST_CASE ("the audio thread arms a capture at its own block and ends it early keeping what it has", "[audio][capture]")
{
    AudioCapture capture;
    capture.prepare (rate, 2);
    capture.standBy (500);

    // While the host plays: armed at block 256 and recording from there, in that same block.
    play (capture, 0, 256);
    REQUIRE (capture.armNow (500));
    CHECK_FALSE (capture.armNow (500)); // only one at a time
    play (capture, 256, 512);
    CHECK (capture.getState() == AudioCapture::State::capturing);
    CHECK (capture.getStartPosition() == 256);

    // Punch-out at 512: the 256 samples so far are the capture.
    CHECK (capture.finishNow());
    CHECK (capture.getState() == AudioCapture::State::complete);
    play (capture, 512, 640);
    const auto clip = capture.takeClip();
    REQUIRE (clip.getNumSamples() == 256);
    CHECK (clip.samples->getSample (0, 0) == 256.0f);
    CHECK (clip.samples->getSample (1, 255) == -511.0f);

    // takeClip() readied the next buffer: the audio thread can arm again at once.
    REQUIRE (capture.armNow (64));
    play (capture, 1000, 1064);
    CHECK (capture.takeClip().samples->getSample (0, 63) == 1063.0f);
    CHECK (clip.samples->getSample (0, 0) == 256.0f); // the earlier clip is untouched
}

TEST_CASE ("the audio thread cannot arm over a capture that is armed, running or not handed over", "[audio][capture]")
{
    AudioCapture capture;
    CHECK_FALSE (capture.armNow (100)); // not prepared: no buffer

    capture.prepare (rate, 2);
    REQUIRE (capture.arm (64).isEmpty());
    CHECK_FALSE (capture.armNow (100));
    play (capture, 0, 64);
    REQUIRE (capture.getState() == AudioCapture::State::complete);
    CHECK_FALSE (capture.armNow (100));
    CHECK (capture.takeClip().getNumSamples() == 64);

    // An armed capture the host never played is forgotten by a punch-out.
    REQUIRE (capture.armNow (100));
    CHECK (capture.finishNow());
    CHECK (capture.getState() == AudioCapture::State::idle);
    CHECK_FALSE (capture.finishNow());

    // A length above the buffer is cut to the buffer (the cap).
    REQUIRE (capture.armNow (capture.getCapacitySamples() + 1000));
    CHECK (capture.getTargetSamples() == capture.getCapacitySamples());
}

TEST_CASE ("arming from the audio thread while the message thread prepares, arms and takes never overlap", "[audio][capture]")
{
    // The message thread's work on the buffer and the audio thread's arming race
    // for the idle state; at most one of them may go ahead. Run both flat out and
    // check every capture holds exactly the samples played after its own start.
    AudioCapture capture;
    capture.prepare (rate, 2);
    std::atomic<bool> stop { false };
    std::atomic<int> audioArms { 0 }, badSamples { 0 };

    std::thread audio ([&]
    {
        juce::int64 position = 0;

        while (! stop.load())
        {
            if (capture.getState() == AudioCapture::State::idle && capture.armNow (blockSize * 2))
                ++audioArms;

            capture.process (rampBlock (position), blockSize, playingAt (position));
            position += blockSize;
        }
    });

    int messageArms = 0, clips = 0;
    const auto deadline = juce::Time::getMillisecondCounterHiRes() + 10000.0;

    // Until both threads armed captures that completed (or 10 s, then the checks say so).
    for (int i = 0; (clips < 40 || audioArms.load() < 10 || messageArms < 10) && juce::Time::getMillisecondCounterHiRes() < deadline; ++i)
    {
        std::this_thread::yield();

        if (i % 3 == 0 && capture.arm (blockSize).isEmpty())
            ++messageArms;
        else if (i % 3 == 1)
            capture.standBy (blockSize * 2);

        if (const auto clip = capture.takeClip(); ! clip.isEmpty())
        {
            ++clips;
            const auto first = clip.samples->getSample (0, 0);

            for (int s = 0; s < clip.getNumSamples(); ++s)
                if (clip.samples->getSample (0, s) != first + (float) s || clip.samples->getSample (1, s) != -(first + (float) s))
                    ++badSamples;
        }
    }

    stop.store (true);
    audio.join();
    INFO ("audio-thread arms " << audioArms.load() << ", message-thread arms " << messageArms << ", clips " << clips);
    CHECK (clips >= 40);
    CHECK (audioArms.load() >= 10);
    CHECK (messageArms >= 10);
    CHECK (badSamples.load() == 0);
}

TEST_CASE ("a host that skips a cycle (a dropout) leaves silence in the capture, which stays in time", "[audio][capture]")
{
    AudioCapture capture; // at 1000 Hz a dropout is up to 100 samples
    capture.prepare (rate, 2);
    REQUIRE (capture.arm (400).isEmpty());
    play (capture, 0, 128);
    play (capture, 192, 448); // the block at 128 never came

    const auto clip = capture.takeClip();
    REQUIRE (clip.getNumSamples() == 400);
    CHECK (clip.samples->getSample (0, 127) == 127.0f);
    CHECK (clip.samples->getSample (0, 128) == 0.0f);
    CHECK (clip.samples->getSample (1, 191) == 0.0f);
    CHECK (clip.samples->getSample (0, 192) == 192.0f); // sample n is still timeline position n
    CHECK (clip.samples->getSample (0, 399) == 399.0f);

    SECTION ("a step back ends it, however small")
    {
        REQUIRE (capture.arm (400).isEmpty());
        play (capture, 1000, 1128);
        play (capture, 1100, 1164);
        CHECK (capture.takeClip().getNumSamples() == 128);
    }
}
