#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include "Plugin/PluginTestSupport.h"
#include "Support/AllocationCounter.h"
#include "Support/TestUtilities.h"

TEST_CASE ("processBlock allocates nothing while the manager connects, fails and reconnects, capturing and playing audio, automated by the host", "[plugin][realtime]")
{
    if (! AllocationCounter::isAvailable())
    {
        // The sanitizers replace operator new themselves; the plain build runs this check.
        SUCCEED ("allocation counting is off in sanitizer builds");
        return;
    }

    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());

    juce::TemporaryFile defaultsFile (".settings");
    auto config = TestSupport::localConfig (server.port());
    REQUIRE (comfybridge::UserDefaults (defaultsFile.getFile()).save (config).wasOk());
    ComfyBridgeProcessor processor { comfybridge::UserDefaults (defaultsFile.getFile()) };

    PluginTestSupport::TestPlayHead playHead;
    playHead.playing = true;
    processor.setPlayHead (&playHead);
    processor.setPlayConfigDetails (2, 2, 48000.0, 256);
    processor.prepareToPlay (48000.0, 256);

    // Capture and playback run all along: a result plays over the first 2 s of a
    // 3 s loop, and 1 s captures are armed again and again (handed over and the
    // next buffer allocated between blocks, on this thread as the message thread).
    auto& audio = processor.getAudioSession();
    juce::AudioBuffer<float> result (2, 96000);
    result.clear();
    audio.getPlayer().setClip (comfybridge::AudioClip::fromBuffer (std::move (result), 48000.0), 0);
    audio.getPlayer().setWet (0.5f);
    audio.setCaptureLength ({ 1.0, false });
    REQUIRE (audio.arm().isEmpty());
    int captures = 0;
    auto& controls = processor.getHostControls();

    juce::AudioBuffer<float> buffer (2, 256);
    juce::MidiBuffer midi;
    const auto before = AllocationCounter::count();
    long blocks = 0;

    // Audio keeps running (on this thread, marked as the audio thread) while the
    // message loop delivers the manager's changes between blocks.
    auto runAudioFor = [&] (int ms)
    {
        const auto end = juce::Time::getMillisecondCounterHiRes() + ms;
        while (juce::Time::getMillisecondCounterHiRes() < end)
        {
            {
                AllocationCounter::AudioThreadScope audioThread;
                processor.processBlock (buffer, midi);
            }
            ++blocks;
            playHead.position = (playHead.position + 256) % (3 * 48000); // loops: a jump ends a capture early too

            // The host automates "Arm capture" (arming and punching out on the audio
            // thread) and "Generate" (a request the message thread's timer takes up).
            if (blocks % 50 == 0)
                controls.getArmParameter().setValueNotifyingHost (controls.getArmParameter().get() ? 0.0f : 1.0f);
            if (blocks % 97 == 0)
                controls.getGenerateParameter().setValueNotifyingHost (controls.getGenerateParameter().get() ? 0.0f : 1.0f);

            if (audio.pollCapture())
            {
                ++captures;
                REQUIRE (audio.arm().isEmpty());
            }

            TestSupport::pumpFor (1);
        }
    };

    runAudioFor (1000);             // connecting, connected
    server.stop();
    runAudioFor (1500);             // the backend is lost
    REQUIRE (server.restart());
    runAudioFor (1500);             // and comes back

    INFO (blocks << " blocks processed, " << captures << " captures");
    CHECK (blocks > 100);
    CHECK (captures > 0);
    CHECK (AllocationCounter::count() - before == 0);
    processor.releaseResources();
}

TEST_CASE ("the allocation counter sees an allocation on the audio thread and ignores others", "[plugin][realtime]")
{
    if (! AllocationCounter::isAvailable())
    {
        SUCCEED ("allocation counting is off in sanitizer builds");
        return;
    }

    const auto before = AllocationCounter::count();
    auto* outside = new int (1);
    CHECK (AllocationCounter::count() == before);

    int* inside = nullptr;
    {
        AllocationCounter::AudioThreadScope audioThread;
        inside = new int (2);
    }
    CHECK (AllocationCounter::count() == before + 1);
    delete inside;
    delete outside;
}
