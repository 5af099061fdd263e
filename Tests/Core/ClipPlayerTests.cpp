#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

using comfybridge::AudioClip;
using comfybridge::ClipPlayer;
using comfybridge::HostTransport;

namespace
{
    AudioClip constantClip (float value, int length, int channels = 2)
    {
        juce::AudioBuffer<float> samples (channels, length);

        for (int c = 0; c < channels; ++c)
            juce::FloatVectorOperations::fill (samples.getWritePointer (c), value + (float) c, length);

        return AudioClip::fromBuffer (std::move (samples), 1000.0);
    }

    juce::AudioBuffer<float> dryBlock (int numSamples, float value = 0.25f)
    {
        juce::AudioBuffer<float> block (2, numSamples);
        for (int c = 0; c < 2; ++c)
            juce::FloatVectorOperations::fill (block.getWritePointer (c), value, numSamples);
        return block;
    }

    HostTransport at (juce::int64 position, bool playing = true)
    {
        HostTransport transport;
        transport.isPlaying = playing;
        transport.timeInSamples = position;
        return transport;
    }
}

TEST_CASE ("a clip plays at its timeline position and the dry input is heard outside it", "[audio][player]")
{
    ClipPlayer player;
    player.setClip (constantClip (1.0f, 100), 1000);

    // Block [960, 1024): dry until 1000, the clip from there.
    auto block = dryBlock (64);
    player.process (block, 64, at (960));
    CHECK (block.getSample (0, 39) == 0.25f);
    CHECK (block.getSample (0, 40) == 1.0f);
    CHECK (block.getSample (1, 40) == 2.0f);
    CHECK (block.getSample (0, 63) == 1.0f);

    // Block [1088, 1152): the clip ends at 1100.
    block = dryBlock (64);
    player.process (block, 64, at (1088));
    CHECK (block.getSample (0, 11) == 1.0f);
    CHECK (block.getSample (0, 12) == 0.25f);

    // Stopped: dry, even inside the clip.
    block = dryBlock (64);
    player.process (block, 64, at (1000, false));
    CHECK (block.getSample (0, 0) == 0.25f);

    // Far outside: untouched.
    block = dryBlock (64);
    player.process (block, 64, at (5000));
    CHECK (block.getSample (1, 10) == 0.25f);
}

TEST_CASE ("the dry/wet mix is dry·(1 − wet) + clip·wet", "[audio][player]")
{
    ClipPlayer player;
    player.setClip (constantClip (1.0f, 100, 1), 0);
    CHECK (player.getWet() == 1.0f);

    for (const auto wet : { 0.0f, 0.25f, 0.5f, 1.0f })
    {
        player.setWet (wet);
        auto block = dryBlock (16, 0.5f);
        player.process (block, 16, at (0));
        CHECK (block.getSample (0, 5) == Approx (0.5f * (1.0f - wet) + 1.0f * wet));
        CHECK (block.getSample (1, 5) == Approx (0.5f * (1.0f - wet) + 1.0f * wet)); // a mono clip plays on both
    }

    player.setWet (7.0f);
    CHECK (player.getWet() == 1.0f);
}

TEST_CASE ("a clip swapped while playing takes over at the next block and the old one is freed off the audio thread", "[audio][player]")
{
    ClipPlayer player;
    auto first = constantClip (1.0f, 1000);
    std::weak_ptr<const juce::AudioBuffer<float>> firstSamples = first.samples;
    player.setClip (std::move (first), 0);

    auto block = dryBlock (32);
    player.process (block, 32, at (0));
    CHECK (block.getSample (0, 0) == 1.0f);

    player.setClip (constantClip (3.0f, 1000), 0);
    CHECK (player.releaseRetired() == 0); // the audio thread was between blocks
    CHECK (firstSamples.expired());

    block = dryBlock (32);
    player.process (block, 32, at (32));
    CHECK (block.getSample (0, 0) == 3.0f);
    CHECK (player.getClip().samples->getSample (0, 0) == 3.0f);

    player.clear();
    block = dryBlock (32);
    player.process (block, 32, at (64));
    CHECK (block.getSample (0, 0) == 0.25f);
    CHECK (player.getClip().isEmpty());
}

TEST_CASE ("a clip replaced while the audio thread is inside a block is freed only after that block", "[audio][player]")
{
    ClipPlayer player;
    auto first = constantClip (1.0f, 100000);
    std::weak_ptr<const juce::AudioBuffer<float>> firstSamples = first.samples;
    player.setClip (std::move (first), 0);

    std::atomic<bool> stop { false };
    std::atomic<int> blocks { 0 };
    std::atomic<bool> sawBadValue { false };

    std::thread audio ([&]
    {
        auto block = dryBlock (64);
        juce::int64 position = 0;

        while (! stop)
        {
            player.process (block, 64, at (position % 90000));
            const auto value = block.getSample (0, 10);
            if (value != 1.0f && value != 3.0f && value != 0.25f)
                sawBadValue = true;
            position += 64;
            ++blocks;
        }
    });

    for (int i = 0; i < 200; ++i)
    {
        player.setClip (constantClip (i % 2 == 0 ? 3.0f : 1.0f, 100000), 0);
        juce::Thread::yield();
    }

    stop = true;
    audio.join();
    CHECK (player.releaseRetired() == 0);
    CHECK (firstSamples.expired());
    CHECK_FALSE (sawBadValue);
    CHECK (blocks > 0);
}
