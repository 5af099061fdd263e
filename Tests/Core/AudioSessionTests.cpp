#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include "Support/MessageLoop.h"

using comfybridge::AudioClip;
using comfybridge::AudioSession;

namespace
{
    comfybridge::HostTransport playingAt (juce::int64 position)
    {
        comfybridge::HostTransport transport;
        transport.isPlaying = true;
        transport.timeInSamples = position;
        return transport;
    }

    comfybridge::GenerationResult resultWith (float value, int length, comfybridge::GenerationOutcome outcome)
    {
        juce::AudioBuffer<float> samples (1, length);
        juce::FloatVectorOperations::fill (samples.getWritePointer (0), value, length);
        comfybridge::GenerationResult result;
        result.outcome = outcome;
        result.audio.push_back (AudioClip::fromBuffer (std::move (samples), 1000.0));
        return result;
    }

    struct TemporaryFolder
    {
        ~TemporaryFolder() { dir.deleteRecursively(); }
        juce::File dir = juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("comfybridge-session", {}, false);
    };
}

TEST_CASE ("a text-to-audio result plays from where the playhead was when Generate was pressed", "[audio][session]")
{
    TemporaryFolder folder;
    AudioSession session;
    session.setResultFolder (folder.dir);
    session.prepare (1000.0, 1);

    juce::AudioBuffer<float> block (1, 100);
    block.clear();
    session.process (block, 100, playingAt (4200));

    comfybridge::GenerationRequest request; // no LoadAudio binding: text-to-audio
    CHECK (session.prepareRequest (request).isEmpty());
    CHECK (request.inputAudio.isEmpty());
    CHECK (request.outputSampleRate == 1000.0);

    REQUIRE (session.applyResult (resultWith (0.5f, 300, comfybridge::GenerationOutcome::generated)));
    CHECK (session.getResult().start == 4200);

    block.clear();
    session.process (block, 100, playingAt (4150)); // [4150, 4250): the result begins halfway
    CHECK (block.getSample (0, 49) == 0.0f);
    CHECK (block.getSample (0, 50) == 0.5f);

    // Its file is written (WAV: there were no fetched bytes) and becomes the drag source.
    REQUIRE (TestSupport::pumpUntil ([&] { return session.getResult().file.existsAsFile(); }));
    CHECK (session.getResult().file.hasFileExtension ("wav"));
    CHECK (session.getResult().file.getParentDirectory() == folder.dir);
}

TEST_CASE ("an audio-to-audio request carries the captured input and plays from the capture's start", "[audio][session]")
{
    TemporaryFolder folder;
    AudioSession session;
    session.setResultFolder (folder.dir);
    session.prepare (1000.0, 1);

    comfybridge::GenerationRequest request;
    request.workflow.audio = { { "1", "audio" } };
    CHECK (session.prepareRequest (request).contains ("Capture some audio first"));

    session.setCaptureLength ({ 0.2, false });
    REQUIRE (session.arm().isEmpty());
    juce::AudioBuffer<float> block (1, 100);
    for (juce::int64 position = 700; position < 1000; position += 100)
    {
        juce::FloatVectorOperations::fill (block.getWritePointer (0), 0.25f, 100);
        session.process (block, 100, playingAt (position));
    }

    CHECK (session.prepareRequest (request).isEmpty());
    CHECK (request.inputAudio.getNumSamples() == 200);
    CHECK (session.getInputStart() == 700);

    REQUIRE (session.applyResult (resultWith (0.75f, 200, comfybridge::GenerationOutcome::placeholder)));
    CHECK (session.getResult().start == 700);
    CHECK (session.getResult().placeholder);

    // A later result replaces the first; the file written is the later one's.
    REQUIRE (session.applyResult (resultWith (0.5f, 200, comfybridge::GenerationOutcome::generated)));
    REQUIRE (TestSupport::pumpUntil ([&] { return session.getResult().file.existsAsFile(); }));
    CHECK_FALSE (session.getResult().placeholder);
    CHECK_FALSE (session.getResult().file.getFileName().contains ("placeholder"));
}

TEST_CASE ("a result with no audio changes nothing", "[audio][session]")
{
    AudioSession session;
    session.prepare (1000.0, 1);
    comfybridge::GenerationResult empty;
    empty.outcome = comfybridge::GenerationOutcome::skipped;
    CHECK_FALSE (session.applyResult (empty));
    CHECK (session.getResult().clip.isEmpty());
}
