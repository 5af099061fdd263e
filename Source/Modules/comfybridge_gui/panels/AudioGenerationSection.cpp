namespace comfybridge
{

AudioGenerationSection::AudioGenerationSection (AudioSession& s)
    : session (s)
{
    ui::styleCaption (inputCaption, "Input");
    ui::styleCaption (lengthCaption, "Length");
    ui::styleCaption (resultCaption, "Result");
    ui::styleCaption (wetCaption, "Dry/wet");
    ui::styleValue (captureState);
    ui::styleHint (resultState);
    ui::styleHint (dragHint);
    dragHint.setText ("Drag the waveform onto a track to use the file.", juce::dontSendNotification);

    lengthEditor.setTitle ("Capture length");
    lengthEditor.setInputRestrictions (6, "0123456789.");
    lengthEditor.setJustification (juce::Justification::centredLeft);
    lengthEditor.setIndents (8, 0);
    lengthEditor.setFont (ComfyBridgeLookAndFeel::bodyFont (14.0f));
    lengthEditor.onTextChange = [this] { lengthChanged(); };

    unitBox.setTitle ("Capture length unit");
    unitBox.addItem ("seconds", 1);
    unitBox.addItem ("bars", 2);
    unitBox.onChange = [this] { lengthChanged(); };

    showLength (session.getCaptureLength());

    armButton.setTooltip ("Record the input from where the host starts playing, for the length set");
    armButton.setColour (juce::TextButton::buttonColourId, Palette::accent);
    armButton.onClick = [this] { toggleArm(); };
    saveButton.onClick = [this] { chooseSaveFile(); };

    wetSlider.setTitle ("Dry/wet");
    wetSlider.setRange (0.0, 100.0, 1.0);
    wetSlider.setTextValueSuffix (" %");
    wetSlider.setTextBoxStyle (juce::Slider::TextBoxRight, false, 56, 22);
    wetSlider.setValue (session.getPlayer().getWet() * 100.0, juce::dontSendNotification);
    wetSlider.setTooltip ("0 %: only your input; 100 %: only the result, where it plays");
    wetSlider.onValueChange = [this] { session.getPlayer().setWet ((float) (wetSlider.getValue() / 100.0)); };

    inputView.setTitle ("Input waveform");
    inputView.setEmptyText ("Nothing captured yet. Arm, then play the host.");
    resultView.setTitle ("Result waveform");
    resultView.setEmptyText ("No result yet.");

    for (auto* c : std::initializer_list<juce::Component*> { &inputCaption, &captureState, &lengthCaption, &lengthEditor, &unitBox,
                                                             &armButton, &inputView, &resultCaption, &resultState, &resultView,
                                                             &wetCaption, &wetSlider, &saveButton, &dragHint })
        addAndMakeVisible (c);

    refresh();
    startTimerHz (10);
}

AudioGenerationSection::~AudioGenerationSection()
{
    stopTimer();
    chooser.reset();
}

void AudioGenerationSection::setNeedsInput (bool shouldNeedInput)
{
    needsInput = shouldNeedInput;

    for (auto* c : std::initializer_list<juce::Component*> { &lengthCaption, &lengthEditor, &unitBox, &armButton, &inputView })
        c->setVisible (needsInput);

    refresh();
    resized();
}

//==============================================================================
void AudioGenerationSection::showLength (AudioSession::CaptureLength length)
{
    shownLength = length;
    const auto whole = std::floor (length.amount) == length.amount;
    lengthEditor.setText (whole ? juce::String ((juce::int64) length.amount) : juce::String (length.amount, 2), false);
    unitBox.setSelectedId (length.inBars ? 2 : 1, juce::dontSendNotification);
}

void AudioGenerationSection::lengthChanged()
{
    session.setCaptureLength ({ lengthEditor.getText().getDoubleValue(), unitBox.getSelectedId() == 2 });
    shownLength = session.getCaptureLength();
    armProblem = {};
    showCaptureState();
}

void AudioGenerationSection::toggleArm()
{
    const auto state = session.getCapture().getState();

    if (state == AudioCapture::State::armed || state == AudioCapture::State::capturing)
        session.getCapture().disarm();
    else
        armProblem = session.arm();

    refresh();
}

juce::String AudioGenerationSection::secondsText (juce::int64 samples) const
{
    const auto rate = session.getSampleRate();
    return juce::String (rate > 0.0 ? (double) samples / rate : 0.0, 1) + " s";
}

void AudioGenerationSection::refresh()
{
    // A project restored while the page is open sets another length: show it,
    // unless the user is typing one.
    const auto length = session.getCaptureLength();

    if ((length.amount != shownLength.amount || length.inBars != shownLength.inBars) && ! lengthEditor.hasKeyboardFocus (true))
        showLength (length);

    if (session.pollCapture() || seenChanges != session.getChangeCount())
    {
        seenChanges = session.getChangeCount();
        inputView.setClip (session.getInput());
        showResult();
    }

    showCaptureState();
}

void AudioGenerationSection::showCaptureState()
{
    const auto& capture = session.getCapture();
    const auto state = capture.getState();
    const auto running = state == AudioCapture::State::armed || state == AudioCapture::State::capturing;
    armButton.setButtonText (running ? "Disarm" : "Arm capture");
    inputView.setEmptyText (state == AudioCapture::State::capturing ? juce::String (juce::CharPointer_UTF8 ("Recording\xe2\x80\xa6 the waveform appears when the capture is complete."))
                          : state == AudioCapture::State::armed   ? juce::String (juce::CharPointer_UTF8 ("Waiting for the host to play\xe2\x80\xa6"))
                                                                  : juce::String ("Nothing captured yet. Arm, then play the host."));

    juce::String text;
    auto colour = Palette::text;

    if (! needsInput)
    {
        text = "This workflow makes audio from text: nothing to capture. The result starts at the playhead when you press Generate.";
    }
    else if (armProblem.isNotEmpty())
    {
        text = "Cannot arm: " + armProblem + ".";
        colour = Palette::errorText;
    }
    else if (running)
    {
        text = ui::capitalised (capture.describe());
        colour = state == AudioCapture::State::capturing ? Palette::bad : Palette::busy;
    }
    else if (! session.getInput().isEmpty())
    {
        text = "Captured " + juce::String (session.getInput().getLengthSeconds(), 1) + " s from " + secondsText (session.getInputStart())
             + " on the timeline.";
        colour = Palette::successText;
    }
    else
    {
        const auto samples = session.getCaptureLengthSamples();
        text = "Not armed. Arm, then play the host: " + (samples > 0 ? secondsText (samples) : juce::String ("the length"))
             + " are recorded from where playback starts.";
        colour = Palette::secondaryText;
    }

    captureState.setText (text, juce::dontSendNotification);
    captureState.setColour (juce::Label::textColourId, colour);
}

void AudioGenerationSection::showResult()
{
    const auto result = session.getResult();
    const auto problem = session.getResultProblem();
    resultView.setClip (result.clip, result.placeholder);
    resultView.setDragFile (result.file);

    juce::String text;

    if (problem.isNotEmpty())
        text = problem;
    else if (! result.clip.isEmpty())
        text = juce::String (result.placeholder ? "Placeholder" : "Result") + ", " + juce::String (result.clip.getLengthSeconds(), 1)
             + " s, plays from " + secondsText (result.start) + " on the timeline"
             + (result.file != juce::File() ? ". File: " + result.file.getFullPathName() : juce::String (juce::CharPointer_UTF8 (". Writing the file\xe2\x80\xa6")));
    else if (result.file != juce::File())
        text = juce::String (juce::CharPointer_UTF8 ("Loading ")) + result.file.getFullPathName() + juce::String (juce::CharPointer_UTF8 ("\xe2\x80\xa6"));

    resultState.setText (text, juce::dontSendNotification);
    resultState.setColour (juce::Label::textColourId, problem.isNotEmpty() ? Palette::errorText
                                                      : result.placeholder ? Palette::busy : Palette::secondaryText);
    saveButton.setEnabled (! result.clip.isEmpty());
    dragHint.setVisible (result.file.existsAsFile());
}

//==============================================================================
juce::Result AudioGenerationSection::saveResult (const juce::File& file) const
{
    const auto result = session.getResult();

    if (result.clip.isEmpty())
        return juce::Result::fail ("there is no result to save");

    // The file as fetched when the format matches; otherwise encode the clip.
    if (result.file.existsAsFile() && result.file.getFileExtension().equalsIgnoreCase (file.getFileExtension()))
        return result.file.copyFileTo (file) ? juce::Result::ok() : juce::Result::fail ("cannot write " + file.getFullPathName());

    juce::String error;
    return writeAudioFile (result.clip, file, error) ? juce::Result::ok() : juce::Result::fail (error);
}

void AudioGenerationSection::chooseSaveFile()
{
    const auto result = session.getResult();

    if (result.clip.isEmpty())
        return;

    const auto extension = result.file.existsAsFile() ? result.file.getFileExtension() : juce::String (".wav");
    const auto name = result.file != juce::File() ? result.file.getFileName() : "ComfyBridge" + extension;
    chooser = std::make_unique<juce::FileChooser> ("Save the audio (WAV or FLAC)",
                                                   juce::File::getSpecialLocation (juce::File::userMusicDirectory).getChildFile (name),
                                                   "*.wav;*.flac");

    juce::Component::SafePointer<AudioGenerationSection> safeThis (this);
    chooser->launchAsync (juce::FileBrowserComponent::saveMode | juce::FileBrowserComponent::canSelectFiles
                              | juce::FileBrowserComponent::warnAboutOverwriting,
                          [safeThis, extension] (const juce::FileChooser& fc)
                          {
                              if (safeThis == nullptr || fc.getResult() == juce::File())
                                  return;

                              auto file = fc.getResult();
                              if (! file.hasFileExtension ("wav;flac"))
                                  file = file.withFileExtension (extension);

                              const auto saved = safeThis->saveResult (file);
                              safeThis->resultState.setText (saved.wasOk() ? "Saved " + file.getFullPathName() + "."
                                                                           : "Not saved: " + saved.getErrorMessage() + ".",
                                                             juce::dontSendNotification);
                          });
}

//==============================================================================
void AudioGenerationSection::resized()
{
    constexpr int rowHeight = 28, captionWidth = 64, stateHeight = 36;
    auto area = getLocalBounds();

    // Bottom up: save row, dry/wet.
    auto saveRow = area.removeFromBottom (30);
    saveButton.setBounds (saveRow.removeFromLeft (120));
    saveRow.removeFromLeft (10);
    dragHint.setBounds (saveRow);
    area.removeFromBottom (6);

    auto wetRow = area.removeFromBottom (rowHeight);
    wetCaption.setBounds (wetRow.removeFromLeft (captionWidth));
    wetSlider.setBounds (wetRow);
    area.removeFromBottom (6);

    inputCaption.setBounds (area.removeFromTop (20));

    if (needsInput)
    {
        // In a narrow column the "Length" caption goes (the editor keeps its title and tooltip).
        auto lengthRow = area.removeFromTop (rowHeight);
        const auto narrow = lengthRow.getWidth() < 300;
        lengthCaption.setVisible (! narrow);

        if (! narrow)
            lengthCaption.setBounds (lengthRow.removeFromLeft (captionWidth));

        lengthEditor.setBounds (lengthRow.removeFromLeft (56));
        lengthRow.removeFromLeft (6);
        unitBox.setBounds (lengthRow.removeFromLeft (88));
        lengthRow.removeFromLeft (8);
        armButton.setBounds (lengthRow);
        area.removeFromTop (4);
    }

    captureState.setBounds (area.removeFromTop (stateHeight));
    area.removeFromTop (4);

    // The waveforms share what is left: the result gets more.
    const auto waves = area.getHeight() - 20 - stateHeight - 12;
    const auto inputHeight = needsInput ? juce::jmax (30, waves * 2 / 5) : 0;

    if (needsInput)
    {
        inputView.setBounds (area.removeFromTop (inputHeight));
        area.removeFromTop (8);
    }

    resultCaption.setBounds (area.removeFromTop (20));
    resultState.setBounds (area.removeFromBottom (stateHeight));
    area.removeFromBottom (4);
    resultView.setBounds (area.withHeight (juce::jmax (30, area.getHeight())));
}

} // namespace comfybridge
