#pragma once

namespace comfybridge
{

//==============================================================================
/**
    The audio half of the Generate page, shown when the selected workflow
    produces audio: capture (length in seconds or bars, Arm/Disarm, what the
    capture is doing), the input's and the result's waveforms, the dry/wet mix,
    Save… and dragging the result file out onto a DAW's timeline.

    It shows and drives an AudioSession (owned by the plugin) and polls it on a
    timer: it never touches the audio thread's data other than through the
    session's message-thread methods.
*/
class AudioGenerationSection : public juce::Component,
                               private juce::Timer
{
public:
    /** Shows @p session, which must outlive the section. */
    explicit AudioGenerationSection (AudioSession& session);
    ~AudioGenerationSection() override;

    /** Whether the selected workflow takes audio in (has a LoadAudio binding). Without,
        there is nothing to capture: the result starts at the playhead.
    */
    void setNeedsInput (bool needsInput);

    /** Reads the session now (the timer does this ten times a second). */
    void refresh();

    /** Arms or disarms the capture, as the button does. */
    void toggleArm();

    /** Writes the result to @p file (WAV or FLAC by its extension). */
    juce::Result saveResult (const juce::File& file) const;

    juce::Button& getArmButton() noexcept          { return armButton; }
    juce::Button& getSaveButton() noexcept         { return saveButton; }
    juce::TextEditor& getLengthEditor() noexcept   { return lengthEditor; }
    juce::ComboBox& getLengthUnitBox() noexcept    { return unitBox; }
    juce::Slider& getWetSlider() noexcept          { return wetSlider; }
    WaveformView& getInputView() noexcept          { return inputView; }
    WaveformView& getResultView() noexcept         { return resultView; }

    /** The capture line, e.g. "capturing 3.2 of 10.0 s". */
    juce::String getCaptureText() const { return captureState.getText(); }

    /** The result line (what plays where, or why not). */
    juce::String getResultText() const { return resultState.getText(); }

    /** @internal */
    void resized() override;

private:
    AudioSession& session;
    bool needsInput = true;
    int seenChanges = -1;
    juce::String armProblem;
    AudioSession::CaptureLength shownLength; // what the length fields show (a restored project may change the session's)

    juce::Label inputCaption, captureState, lengthCaption, resultCaption, resultState, wetCaption, dragHint;
    juce::TextEditor lengthEditor;
    juce::ComboBox unitBox;
    juce::TextButton armButton { "Arm capture" };
    juce::TextButton saveButton { juce::String (juce::CharPointer_UTF8 ("Save audio\xe2\x80\xa6")) };
    juce::Slider wetSlider { juce::Slider::LinearHorizontal, juce::Slider::TextBoxRight };
    WaveformView inputView, resultView;
    std::unique_ptr<juce::FileChooser> chooser;

    void timerCallback() override { refresh(); }
    void lengthChanged();
    void showLength (AudioSession::CaptureLength length);
    void showCaptureState();
    void showResult();
    void chooseSaveFile();
    juce::String secondsText (juce::int64 samples) const;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (AudioGenerationSection)
};

} // namespace comfybridge
