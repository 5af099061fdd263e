// GenerationView: construction, the workflow list, files, and layout.

namespace comfybridge
{

//==============================================================================
GenerationView::GenerationView()
{
    setOpaque (true);

    ui::styleCaption (workflowCaption, "Workflow");
    ui::styleCaption (promptCaption, "Prompt");
    ui::styleCaption (negativeCaption, "Negative prompt");
    ui::styleCaption (seedCaption, "Seed");
    ui::styleCaption (sizeCaption, "Size");
    ui::styleCaption (timesLabel, juce::String (juce::CharPointer_UTF8 ("\xc3\x97")));
    timesLabel.setJustificationType (juce::Justification::centred);
    ui::styleHint (workflowDescription);
    workflowDescription.setJustificationType (juce::Justification::topLeft);
    ui::styleHint (inputProblems, Palette::errorText);
    ui::styleReadOnlyText (outcomeText, Palette::secondaryText);
    outcomeText.setFont (ComfyBridgeLookAndFeel::bodyFont (13.0f));
    outcomeText.setTitle ("Outcome");
    outcomeText.setWantsKeyboardFocus (false);
    ui::styleHint (dragHint);
    dragHint.setText ("Drag the image out to use it elsewhere.", juce::dontSendNotification);

    workflowBox.setTitle ("Workflow");
    workflowBox.setTextWhenNothingSelected ("No workflow");
    workflowBox.onChange = [this]
    {
        showWorkflowDescription();
        workflowSelectionChanged();
        inputsChanged();
    };

    setUpEditors();

    workflowValuesButton.setTooltip ("Show the workflow's own prompt, seed and size again, dropping your edits");
    workflowValuesButton.onClick = [this] { showWorkflowValues(); };

    randomSeedButton.setTooltip ("Pick a random seed");
    randomSeedButton.onClick = [this]
    {
        seedEditor.setText (juce::String (juce::Random::getSystemRandom().nextInt64() & 0xffffffff), false);
        inputsChanged();
    };

    openWorkflowButton.setTooltip ("Use your own workflow saved from ComfyUI in API format");
    openWorkflowButton.onClick = [this] { chooseWorkflowFile(); };

    generateButton.setColour (juce::TextButton::buttonColourId, Palette::accent);
    generateButton.onClick = [this] { generate(); };
    cancelButton.onClick = [this] { cancel(); };
    saveButton.onClick = [this] { chooseSaveFile(); };

    progressBar.setPercentageDisplay (false);
    setProgress (0.0, "Ready");

    imageView.setEmptyText ("No image yet. Write a prompt and press Generate.");

    for (auto* c : std::initializer_list<juce::Component*> { &workflowCaption, &workflowBox, &openWorkflowButton, &workflowDescription,
                                                             &promptCaption, &promptEditor, &negativeCaption, &negativeEditor,
                                                             &seedCaption, &seedEditor, &randomSeedButton, &sizeCaption,
                                                             &widthEditor, &timesLabel, &heightEditor, &inputProblems,
                                                             &generateButton, &cancelButton, &workflowValuesButton, &progressBar,
                                                             &imageView, &outcomeText, &saveButton, &dragHint })
        addAndMakeVisible (c);

    setSettings (Settings {});
}

void GenerationView::setUpEditors()
{
    styleInput (promptEditor, "Prompt", true);
    styleInput (negativeEditor, "Negative prompt", true);
    styleInput (seedEditor, "Seed", false);
    styleInput (widthEditor, "Width", false);
    styleInput (heightEditor, "Height", false);
    promptEditor.setTextToShowWhenEmpty ("Describe the image, e.g. a lighthouse at dusk, oil painting", Palette::mutedText);
    negativeEditor.setTextToShowWhenEmpty ("What to avoid, e.g. blurry, text", Palette::mutedText);
    seedEditor.setInputRestrictions (16, "0123456789");
    widthEditor.setInputRestrictions (5, "0123456789");
    heightEditor.setInputRestrictions (5, "0123456789");

    for (auto* editor : { &promptEditor, &negativeEditor, &seedEditor, &widthEditor, &heightEditor })
        editor->onTextChange = [this] { inputsChanged(); };

    for (auto* editor : { &seedEditor, &widthEditor, &heightEditor })
    {
        editor->setSelectAllWhenFocused (true);
        editor->onReturnKey = [this] { generate(); };
    }
}

GenerationView::~GenerationView()
{
    stopFollowing();
    chooser.reset();
    // A running job is not cancelled: the owner may still hold it (closing a
    // plugin window must not throw away work in progress).
}

//==============================================================================
void GenerationView::setWorkflows (std::vector<WorkflowDefinition> bundled)
{
    const auto* selected = getSelectedWorkflow();
    const auto selectName = selected != nullptr && selected->isBundled ? selected->name : juce::String();
    const auto keepUser = workflowBox.getSelectedId() == userWorkflowId;

    workflows = std::move (bundled);
    rebuildWorkflowBox (keepUser ? juce::String() : selectName);

    if (keepUser)
        workflowBox.setSelectedId (userWorkflowId, juce::dontSendNotification);

    showWorkflowDescription();
    workflowSelectionChanged();
    inputsChanged();
}

void GenerationView::setAudioSession (AudioSession* session)
{
    audioSection.reset();

    if (session != nullptr)
    {
        audioSection = std::make_unique<AudioGenerationSection> (*session);
        addChildComponent (*audioSection);
    }

    showAudioOrImage();
}

bool GenerationView::isAudioWorkflowSelected() const
{
    const auto* workflow = getSelectedWorkflow();
    return workflow != nullptr && workflow->producesAudio();
}

/** An audio workflow shows the audio section where the image would be, and has no size. */
void GenerationView::showAudioOrImage()
{
    const auto audio = isAudioWorkflowSelected() && audioSection != nullptr;
    audioMode = audio; // producesAudio() reads the graph: not on every keystroke

    if (audioSection != nullptr)
    {
        audioSection->setVisible (audio);

        if (const auto* workflow = getSelectedWorkflow(); audio && workflow != nullptr)
            audioSection->setNeedsInput (! workflow->audio.empty());
    }

    for (auto* c : std::initializer_list<juce::Component*> { &imageView, &sizeCaption, &widthEditor, &timesLabel, &heightEditor })
        c->setVisible (! audio);

    promptEditor.setTextToShowWhenEmpty (audio ? "Describe the sound, e.g. warm analog pad, slow attack, 90 BPM"
                                               : "Describe the image, e.g. a lighthouse at dusk, oil painting",
                                         Palette::mutedText);
    negativeEditor.setTextToShowWhenEmpty (audio ? "What to avoid, e.g. distortion, clipping, vocals" : "What to avoid, e.g. blurry, text",
                                           Palette::mutedText);

    updateButtons();
    resized();
}

void GenerationView::setStartFunction (StartFunction function)
{
    start = std::move (function);
    updateButtons();
}

void GenerationView::rebuildWorkflowBox (const juce::String& selectName)
{
    workflowBox.clear (juce::dontSendNotification);

    for (size_t i = 0; i < workflows.size(); ++i)
        workflowBox.addItem (workflows[i].title.isNotEmpty() ? workflows[i].title : workflows[i].name, (int) i + 1);

    if (userWorkflow.has_value())
    {
        workflowBox.addSeparator();
        workflowBox.addItem ("My file: " + juce::File (userWorkflowFile).getFileName(), userWorkflowId);
    }

    auto id = workflows.empty() ? 0 : 1;

    for (size_t i = 0; i < workflows.size(); ++i)
        if (workflows[i].name == selectName)
            id = (int) i + 1;

    workflowBox.setSelectedId (id, juce::dontSendNotification);
}

const WorkflowDefinition* GenerationView::getSelectedWorkflow() const
{
    const auto id = workflowBox.getSelectedId();

    if (id == userWorkflowId)
        return userWorkflow.has_value() ? &*userWorkflow : nullptr;

    return id >= 1 && id <= (int) workflows.size() ? &workflows[(size_t) id - 1] : nullptr;
}

//==============================================================================
juce::Result GenerationView::saveResult (const juce::File& file) const
{
    const auto data = imageView.getPngData();

    if (data.getSize() == 0)
        return juce::Result::fail ("there is no image to save");

    if (! file.replaceWithData (data.getData(), data.getSize()))
        return juce::Result::fail ("cannot write " + file.getFullPathName());

    return juce::Result::ok();
}

void GenerationView::chooseWorkflowFile()
{
    const auto initial = userWorkflowFile.isNotEmpty() ? juce::File (userWorkflowFile)
                                                     : juce::File::getSpecialLocation (juce::File::userHomeDirectory);
    chooser = std::make_unique<juce::FileChooser> ("Open a ComfyUI workflow (API format)", initial, "*.json");

    juce::Component::SafePointer<GenerationView> safeThis (this);
    chooser->launchAsync (juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectFiles,
                          [safeThis] (const juce::FileChooser& fc)
                          {
                              if (safeThis == nullptr || fc.getResult() == juce::File())
                                  return;

                              safeThis->loadWorkflowFile (fc.getResult());
                          });
}

void GenerationView::chooseSaveFile()
{
    if (! imageView.getImage().isValid())
        return;

    const auto seed = parseWhole (seedEditor.getText(), 0, maxSeed).value_or (0);
    const auto name = juce::String (imageView.isShowingPlaceholder() ? "ComfyBridge-placeholder-" : "ComfyBridge-")
                    + juce::String (seed) + ".png";
    chooser = std::make_unique<juce::FileChooser> ("Save the image as PNG",
                                                   juce::File::getSpecialLocation (juce::File::userPicturesDirectory).getChildFile (name),
                                                   "*.png");

    juce::Component::SafePointer<GenerationView> safeThis (this);
    chooser->launchAsync (juce::FileBrowserComponent::saveMode | juce::FileBrowserComponent::canSelectFiles
                              | juce::FileBrowserComponent::warnAboutOverwriting,
                          [safeThis] (const juce::FileChooser& fc)
                          {
                              if (safeThis == nullptr || fc.getResult() == juce::File())
                                  return;

                              const auto file = fc.getResult().withFileExtension ("png");
                              const auto saved = safeThis->saveResult (file);
                              safeThis->setOutcome (saved.wasOk() ? "Saved " + file.getFullPathName() + "."
                                                                  : "Not saved: " + saved.getErrorMessage() + ".",
                                                    saved.wasOk() ? Palette::successText : Palette::errorText);
                          });
}

//==============================================================================
void GenerationView::paint (juce::Graphics& g)
{
    g.fillAll (Palette::panel);
    ui::fillCard (g, formCard);
    ui::fillCard (g, resultCard);
}

void GenerationView::resized()
{
    constexpr int margin = 12, gap = 10, pad = 12;
    auto area = getLocalBounds().reduced (margin);

    formCard = area.removeFromLeft ((area.getWidth() - gap) * 54 / 100);
    area.removeFromLeft (gap);
    resultCard = area;

    layoutForm (formCard.reduced (pad));
    layoutResult (resultCard.reduced (pad));
}

/** The left card: workflow, prompts, seed and size, buttons and progress. */
void GenerationView::layoutForm (juce::Rectangle<int> form)
{
    constexpr int rowHeight = 28, captionWidth = 70;


    workflowCaption.setBounds (form.removeFromTop (20));
    auto row = form.removeFromTop (rowHeight);
    openWorkflowButton.setBounds (row.removeFromRight (96));
    row.removeFromRight (6);
    workflowBox.setBounds (row);
    form.removeFromTop (4);

    // In a short window the prompts need the room more; the description moves to the tooltip.
    const auto roomy = form.getHeight() >= 400;
    workflowDescription.setVisible (roomy);

    if (roomy)
    {
        workflowDescription.setBounds (form.removeFromTop (46));
        form.removeFromTop (4);
    }
    else
    {
        form.removeFromTop (6);
    }

    // Bottom up: progress, buttons, problems, size, seed.
    progressBar.setBounds (form.removeFromBottom (22));
    form.removeFromBottom (8);
    auto buttons = form.removeFromBottom (30);
    generateButton.setBounds (buttons.removeFromLeft (120));
    buttons.removeFromLeft (8);
    cancelButton.setBounds (buttons.removeFromLeft (90));
    workflowValuesButton.setBounds (buttons.removeFromRight (juce::jmin (130, juce::jmax (0, buttons.getWidth() - 8))));
    form.removeFromBottom (6);
    inputProblems.setBounds (form.removeFromBottom (18));
    form.removeFromBottom (2);

    auto sizeRow = form.removeFromBottom (rowHeight);
    sizeCaption.setBounds (sizeRow.removeFromLeft (captionWidth));
    widthEditor.setBounds (sizeRow.removeFromLeft (72));
    timesLabel.setBounds (sizeRow.removeFromLeft (22));
    heightEditor.setBounds (sizeRow.removeFromLeft (72));
    form.removeFromBottom (6);

    auto seedRow = form.removeFromBottom (rowHeight);
    seedCaption.setBounds (seedRow.removeFromLeft (captionWidth));
    randomSeedButton.setBounds (seedRow.removeFromRight (80));
    seedRow.removeFromRight (6);
    seedEditor.setBounds (seedRow);
    form.removeFromBottom (8);

    // The prompts share what is left, the negative one smaller.
    const auto promptsHeight = form.getHeight() - 2 * 20;
    promptCaption.setBounds (form.removeFromTop (20));
    promptEditor.setBounds (form.removeFromTop (juce::jmax (30, promptsHeight * 3 / 5)));
    negativeCaption.setBounds (form.removeFromTop (20));
    negativeEditor.setBounds (form.withHeight (juce::jmax (30, form.getHeight())));
}

/** The right card: the image (or the audio section), the outcome and the save row. */
void GenerationView::layoutResult (juce::Rectangle<int> resultArea)
{

    if (! audioMode) // the audio section has its own save row
    {
        auto saveRow = resultArea.removeFromBottom (30);
        saveButton.setBounds (saveRow.removeFromLeft (110));
        saveRow.removeFromLeft (10);
        dragHint.setBounds (saveRow);
        resultArea.removeFromBottom (6);
    }

    // The outcome gets the lines it needs (up to 40 % of the column; beyond that it scrolls).
    outcomeText.setBounds (resultArea.withHeight (1000));
    const auto textHeight = outcomeText.getText().isEmpty() ? 0 : outcomeText.getTextHeight() + 4;
    // (Audio needs the column more: its outcome gets a quarter and scrolls beyond.)
    outcomeText.setBounds (resultArea.removeFromBottom (juce::jmin (textHeight, resultArea.getHeight() * (audioMode ? 1 : 2) / (audioMode ? 4 : 5))));
    resultArea.removeFromBottom (textHeight > 0 ? 6 : 0);
    imageView.setBounds (resultArea);

    if (audioSection != nullptr)
        audioSection->setBounds (resultArea);
}

} // namespace comfybridge
