#include <catch2/catch.hpp>
#include <comfybridge_gui/comfybridge_gui.h>
#include "Support/MessageLoop.h"
#include "Shared/BundledWorkflows.h"

using comfybridge::AudioClip;
using comfybridge::AudioSession;
using comfybridge::WaveformView;

namespace
{
    void playBlocks (AudioSession& session, juce::int64 from, juce::int64 samples)
    {
        juce::AudioBuffer<float> block (2, 100);
        block.clear();
        comfybridge::HostTransport transport;
        transport.isPlaying = true;

        for (auto position = from; position < from + samples; position += 100)
        {
            transport.timeInSamples = position;
            session.process (block, 100, transport);
        }
    }
}

TEST_CASE ("a waveform summary holds each slice's lowest and highest sample over all channels", "[gui][audio]")
{
    juce::AudioBuffer<float> samples (2, 8);
    samples.clear();
    samples.setSample (0, 1, 0.5f);
    samples.setSample (1, 2, -0.75f);
    samples.setSample (0, 6, -0.25f);
    const auto clip = AudioClip::fromBuffer (std::move (samples), 1000.0);

    const auto summary = WaveformView::summarise (clip, 2);
    REQUIRE (summary.size() == 2);
    CHECK (summary[0].getStart() == -0.75f);
    CHECK (summary[0].getEnd() == 0.5f);
    CHECK (summary[1].getStart() == -0.25f);
    CHECK (summary[1].getEnd() == 0.0f);

    CHECK (WaveformView::summarise (clip, 100).size() == 8); // never more slices than samples
    CHECK (WaveformView::summarise ({}, 100).empty());
}

TEST_CASE ("a long clip's waveform is summarised off the message thread and then shown", "[gui][audio]")
{
    WaveformView view;
    juce::AudioBuffer<float> samples (1, WaveformView::synchronousLimit * 2);
    samples.clear();
    view.setClip (AudioClip::fromBuffer (std::move (samples), 48000.0));
    CHECK_FALSE (view.hasSummary());
    CHECK (TestSupport::pumpUntil ([&] { return view.hasSummary(); }));
}

TEST_CASE ("the audio section says what the capture does: armed, capturing, captured", "[gui][audio]")
{
    AudioSession session;
    session.prepare (1000.0, 2);
    comfybridge::AudioGenerationSection section (session);

    section.getLengthEditor().setText ("2", true); // the editor tells its listener asynchronously
    CHECK (TestSupport::pumpUntil ([&] { return session.getCaptureLength().amount == 2.0; }));
    CHECK (section.getCaptureText().startsWith ("Not armed"));

    section.toggleArm();
    CHECK (section.getCaptureText().startsWith ("Armed"));
    CHECK (section.getArmButton().getButtonText() == "Disarm");

    playBlocks (session, 500, 1000);
    section.refresh();
    CHECK (section.getCaptureText() == "Capturing 1.0 of 2.0 s");

    playBlocks (session, 1500, 1000);
    section.refresh();
    CHECK (section.getCaptureText().startsWith ("Captured 2.0 s from 0.5 s"));
    CHECK (section.getInputView().hasSummary());
    CHECK (section.getArmButton().getButtonText() == "Arm capture");

    // Above the cap: said, not armed.
    section.getLengthEditor().setText ("90", true);
    REQUIRE (TestSupport::pumpUntil ([&] { return session.getCaptureLength().amount == 90.0; }));
    section.toggleArm();
    CHECK (section.getCaptureText().contains ("longer than the cap"));
    CHECK (session.getCapture().getState() == comfybridge::AudioCapture::State::idle);
}

TEST_CASE ("the audio section shows a restored result whose file is missing", "[gui][audio]")
{
    AudioSession session;
    session.prepare (48000.0, 2);
    comfybridge::AudioGenerationSection section (session);

    juce::ValueTree state (AudioSession::treeType);
    const auto gone = juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("gone", ".flac", false);
    state.setProperty ("result_file", gone.getFullPathName(), nullptr);
    session.restore (state);
    section.refresh();

    CHECK (section.getResultText().contains ("is missing"));
    CHECK (section.getResultText().contains (gone.getFullPathName()));
    CHECK_FALSE (section.getSaveButton().isEnabled());
}

TEST_CASE ("for a text-to-audio workflow the section offers no capture", "[gui][audio]")
{
    AudioSession session;
    session.prepare (48000.0, 2);
    comfybridge::AudioGenerationSection section (session);
    section.setSize (340, 480);
    section.setNeedsInput (false);
    CHECK (section.getCaptureText().startsWith ("This workflow makes audio from text"));
    CHECK_FALSE (section.getArmButton().isVisible());
    CHECK_FALSE (section.getInputView().isVisible());
    CHECK (section.getResultView().getHeight() > 100);
}

TEST_CASE ("a capture length restored with a project shows at once in an open section", "[gui][audio]")
{
    AudioSession session;
    session.prepare (48000.0, 2);
    comfybridge::AudioGenerationSection section (session);
    CHECK (section.getLengthEditor().getText() == "10");
    CHECK (section.getLengthUnitBox().getSelectedId() == 1);

    juce::ValueTree state (AudioSession::treeType);
    state.setProperty ("capture_length", 4.0, nullptr);
    state.setProperty ("capture_in_bars", true, nullptr);
    session.restore (state);
    section.refresh();

    CHECK (section.getLengthEditor().getText() == "4");
    CHECK (section.getLengthUnitBox().getSelectedId() == 2);

    // What the user types stays, and is what the session uses.
    section.getLengthEditor().setText ("2.5", true); // its change message comes through the message loop
    CHECK (TestSupport::pumpUntil ([&] { return session.getCaptureLength().amount == 2.5; }, 2000));
    section.refresh();
    CHECK (section.getLengthEditor().getText() == "2.5");
}

TEST_CASE ("an audio workflow's negative prompt hint gives sound examples, not picture ones", "[gui][audio]")
{
    juce::StringArray errors;
    const auto library = comfybridge::loadBundledWorkflows (errors);
    AudioSession session;
    session.prepare (48000.0, 2);
    comfybridge::GenerationView view;
    view.setSize (760, 480);
    view.setWorkflows (library.getWorkflows());
    view.setAudioSession (&session);

    comfybridge::GenerationView::Settings settings;
    settings.workflowName = "audio_sao_t2a";
    view.setSettings (settings);
    REQUIRE (view.isAudioWorkflowSelected());
    CHECK (view.getNegativeEditor().getTextToShowWhenEmpty().contains ("distortion"));
    CHECK_FALSE (view.getNegativeEditor().getTextToShowWhenEmpty().contains ("blurry"));

    settings.workflowName = "txt2img";
    view.setSettings (settings);
    CHECK (view.getNegativeEditor().getTextToShowWhenEmpty().contains ("blurry"));
}
