namespace comfybridge
{

namespace
{
    const juce::Identifier workflowId { "workflow" }, workflowFileId { "workflow_file" }, promptId { "prompt" },
                           negativeId { "negative_prompt" }, seedId { "seed" }, widthId { "width" }, heightId { "height" },
                           versionId { "version" };

    /** Version 2 keeps only edited values; version 1 (no "version" property) kept all of them. */
    constexpr int settingsVersion = 2;

    /** A whole number in [low, high] from text, or nullopt. */
    std::optional<juce::int64> parseWhole (const juce::String& text, juce::int64 low, juce::int64 high)
    {
        const auto trimmed = text.trim();

        if (trimmed.isEmpty() || trimmed.length() > 18 || ! trimmed.containsOnly ("0123456789"))
            return std::nullopt;

        const auto value = trimmed.getLargeIntValue();
        return value >= low && value <= high ? std::optional<juce::int64> (value) : std::nullopt;
    }

    juce::String joinMessages (const GenerationResult& r)
    {
        return r.messages.joinIntoString (" ");
    }

    void styleInput (juce::TextEditor& editor, const juce::String& title, bool multiLine)
    {
        editor.setTitle (title);
        editor.setFont (ComfyBridgeLookAndFeel::bodyFont (14.0f));
        editor.setIndents (8, multiLine ? 6 : 0);

        if (! multiLine)
            editor.setJustification (juce::Justification::centredLeft);
        editor.setMultiLine (multiLine, true);
        editor.setReturnKeyStartsNewLine (multiLine);
        editor.setScrollbarsShown (multiLine);
    }
}

const juce::Identifier GenerationView::Settings::treeType { "Generation" };

juce::ValueTree GenerationView::Settings::toValueTree() const
{
    juce::ValueTree tree (treeType);
    tree.setProperty (versionId, settingsVersion, nullptr);
    tree.setProperty (workflowId, workflowName, nullptr);
    tree.setProperty (workflowFileId, workflowFile, nullptr);

    if (prompt)
        tree.setProperty (promptId, *prompt, nullptr);
    if (negativePrompt)
        tree.setProperty (negativeId, *negativePrompt, nullptr);
    if (seed)
        tree.setProperty (seedId, juce::String (*seed), nullptr);
    if (width)
        tree.setProperty (widthId, *width, nullptr);
    if (height)
        tree.setProperty (heightId, *height, nullptr);

    return tree;
}

GenerationView::Settings GenerationView::Settings::fromValueTree (const juce::ValueTree& tree)
{
    Settings settings;

    if (! tree.hasType (treeType))
        return settings;

    settings.workflowName = tree.getProperty (workflowId, settings.workflowName).toString();
    settings.workflowFile = tree.getProperty (workflowFileId).toString();

    // Before version 2 every value was stored; the old defaults were ours, not the user's.
    const auto isOldFormat = ! tree.hasProperty (versionId);

    auto text = [&] (const juce::Identifier& id) -> std::optional<juce::String>
    {
        if (! tree.hasProperty (id) || (isOldFormat && tree.getProperty (id).toString().isEmpty()))
            return std::nullopt;
        return tree.getProperty (id).toString();
    };

    auto number = [&] (const juce::Identifier& id, juce::int64 low, juce::int64 high, juce::int64 oldDefault)
    {
        const auto value = parseWhole (tree.getProperty (id).toString(), low, high);
        return isOldFormat && value == oldDefault ? std::nullopt : value;
    };

    settings.prompt = text (promptId);
    settings.negativePrompt = text (negativeId);
    settings.seed = number (seedId, 0, maxSeed, 0);

    if (const auto width = number (widthId, 1, maxDimension, 512))
        settings.width = (int) *width;
    if (const auto height = number (heightId, 1, maxDimension, 512))
        settings.height = (int) *height;

    return settings;
}

bool GenerationView::Settings::operator== (const Settings& other) const
{
    return workflowName == other.workflowName && workflowFile == other.workflowFile && prompt == other.prompt
        && negativePrompt == other.negativePrompt && seed == other.seed && width == other.width && height == other.height;
}

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

GenerationView::~GenerationView()
{
    stopTimer();
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
juce::TextEditor& GenerationView::editorFor (Field field)
{
    return const_cast<juce::TextEditor&> (std::as_const (*this).editorFor (field));
}

const juce::TextEditor& GenerationView::editorFor (Field field) const
{
    switch (field)
    {
        case Field::prompt:         return promptEditor;
        case Field::negativePrompt: return negativeEditor;
        case Field::seed:           return seedEditor;
        case Field::width:          return widthEditor;
        case Field::height:         return heightEditor;
    }

    return promptEditor;
}

juce::String GenerationView::workflowText (Field field) const
{
    auto number = [] (auto value) { return value ? juce::String (*value) : juce::String(); };

    switch (field)
    {
        case Field::prompt:         return shownValues.prompt.value_or (juce::String());
        case Field::negativePrompt: return shownValues.negativePrompt.value_or (juce::String());
        case Field::seed:           return number (shownValues.seed);
        case Field::width:          return number (shownValues.width);
        case Field::height:         return number (shownValues.height);
    }

    return {};
}

bool GenerationView::isEdited (Field field) const
{
    return editorFor (field).getText() != workflowText (field);
}

bool GenerationView::isSeedInvalid() const
{
    return isEdited (Field::seed) && ! parseWhole (seedEditor.getText(), 0, maxSeed);
}

bool GenerationView::isSizeInvalid (Field field) const
{
    return isEdited (field) && ! parseWhole (editorFor (field).getText(), 1, maxDimension);
}

/** The fields not edited follow the newly selected workflow; edited ones keep the user's text. */
void GenerationView::workflowSelectionChanged()
{
    const auto* workflow = getSelectedWorkflow();
    auto values = workflow != nullptr ? readWorkflowValues (*workflow) : WorkflowInputs {};
    const juce::ScopedValueSetter<bool> quiet (updatingControls, true);
    std::vector<Field> unedited;

    for (auto field : { Field::prompt, Field::negativePrompt, Field::seed, Field::width, Field::height })
        if (! isEdited (field))
            unedited.push_back (field);

    shownValues = std::move (values);

    for (auto field : unedited)
        editorFor (field).setText (workflowText (field), false);
}

void GenerationView::showWorkflowValues()
{
    {
        const juce::ScopedValueSetter<bool> quiet (updatingControls, true);

        for (auto field : { Field::prompt, Field::negativePrompt, Field::seed, Field::width, Field::height })
            editorFor (field).setText (workflowText (field), false);
    }

    inputsChanged();
}

void GenerationView::showWorkflowDescription()
{
    workflowDescription.setColour (juce::Label::textColourId, Palette::mutedText);

    if (const auto* workflow = getSelectedWorkflow())
    {
        auto text = workflow->isBundled ? workflow->description : "Your workflow file " + userWorkflowFile + ".";

        if (! workflow->isBundled && workflow->prompt.empty())
            text << " It has no prompt input, so the prompt is not used.";

        workflowDescription.setText (text, juce::dontSendNotification);
    }
    else
    {
        workflowDescription.setText ("No workflow is available.", juce::dontSendNotification);
    }

    workflowBox.setTooltip (workflowDescription.getText());
    showAudioOrImage();
}

juce::Result GenerationView::loadWorkflowFile (const juce::File& file)
{
    auto loaded = WorkflowLibrary::loadUserFile (file);

    if (auto* problem = std::get_if<juce::String> (&loaded))
    {
        // Said where the result goes too: in a short window the description is hidden.
        workflowDescription.setText ("Cannot use " + file.getFileName() + ": " + *problem, juce::dontSendNotification);
        workflowDescription.setColour (juce::Label::textColourId, Palette::errorText);
        setOutcome ("Cannot use the workflow file " + file.getFullPathName() + ": " + *problem, Palette::errorText);
        return juce::Result::fail (*problem);
    }

    userWorkflow = std::get<WorkflowDefinition> (std::move (loaded));
    userWorkflowFile = file.getFullPathName();
    rebuildWorkflowBox ({});
    workflowBox.setSelectedId (userWorkflowId, juce::dontSendNotification);
    showWorkflowDescription();
    workflowSelectionChanged();
    inputsChanged();
    return juce::Result::ok();
}

//==============================================================================
void GenerationView::setSettings (const Settings& settings)
{
    {
        const juce::ScopedValueSetter<bool> quiet (updatingControls, true);

        rebuildWorkflowBox (settings.workflowName);
        showWorkflowDescription();

        if (settings.workflowFile.isNotEmpty() && settings.workflowFile != userWorkflowFile)
            loadWorkflowFile (juce::File (settings.workflowFile)); // a missing file explains itself in the description
        else if (settings.workflowFile.isNotEmpty() && userWorkflow.has_value())
            workflowBox.setSelectedId (userWorkflowId, juce::dontSendNotification);

        // The workflow's own values, then the user's edits over them.
        const auto* workflow = getSelectedWorkflow();
        shownValues = workflow != nullptr ? readWorkflowValues (*workflow) : WorkflowInputs {};

        auto number = [] (auto value) { return value ? std::optional<juce::String> (juce::String (*value)) : std::nullopt; };
        promptEditor.setText (settings.prompt.value_or (workflowText (Field::prompt)), false);
        negativeEditor.setText (settings.negativePrompt.value_or (workflowText (Field::negativePrompt)), false);
        seedEditor.setText (number (settings.seed).value_or (workflowText (Field::seed)), false);
        widthEditor.setText (number (settings.width).value_or (workflowText (Field::width)), false);
        heightEditor.setText (number (settings.height).value_or (workflowText (Field::height)), false);
    }

    inputsChanged();
}

GenerationView::Settings GenerationView::getSettings() const
{
    Settings settings;
    const auto* workflow = getSelectedWorkflow();

    if (workflowBox.getSelectedId() == userWorkflowId)
    {
        settings.workflowName = {};
        settings.workflowFile = userWorkflowFile;
    }
    else if (workflow != nullptr)
    {
        settings.workflowName = workflow->name;
    }

    // Only edited values, and only valid ones (getInputProblems() names the others).
    if (isEdited (Field::prompt))
        settings.prompt = promptEditor.getText();
    if (isEdited (Field::negativePrompt))
        settings.negativePrompt = negativeEditor.getText();
    if (isEdited (Field::seed))
        settings.seed = parseWhole (seedEditor.getText(), 0, maxSeed);
    if (isEdited (Field::width))
        if (const auto width = parseWhole (widthEditor.getText(), 1, maxDimension))
            settings.width = (int) *width;
    if (isEdited (Field::height))
        if (const auto height = parseWhole (heightEditor.getText(), 1, maxDimension))
            settings.height = (int) *height;

    return settings;
}

juce::StringArray GenerationView::getInputProblems() const
{
    juce::StringArray problems;

    if (getSelectedWorkflow() == nullptr)
        problems.add ("Choose a workflow.");

    if (isSeedInvalid())
        problems.add ("Seed: a whole number from 0 to " + juce::String (maxSeed) + ".");

    if (isSizeInvalid (Field::width))
        problems.add ("Width: 1 to " + juce::String (maxDimension) + " pixels.");

    if (isSizeInvalid (Field::height))
        problems.add ("Height: 1 to " + juce::String (maxDimension) + " pixels.");

    return problems;
}

void GenerationView::inputsChanged()
{
    inputProblems.setText (getInputProblems().joinIntoString (" "), juce::dontSendNotification);

    auto markInvalid = [] (juce::TextEditor& editor, bool invalid)
    {
        editor.setColour (juce::TextEditor::outlineColourId, invalid ? Palette::bad : Palette::outline);
        editor.setColour (juce::TextEditor::focusedOutlineColourId, invalid ? Palette::bad : Palette::accent);
        editor.repaint();
    };

    markInvalid (seedEditor, isSeedInvalid());
    markInvalid (widthEditor, isSizeInvalid (Field::width));
    markInvalid (heightEditor, isSizeInvalid (Field::height));

    updateButtons();

    if (! updatingControls && onSettingsChanged != nullptr)
        onSettingsChanged (getSettings());
}

void GenerationView::updateButtons()
{
    generateButton.setEnabled (job == nullptr && start != nullptr && getInputProblems().isEmpty());
    cancelButton.setEnabled (job != nullptr);
    const auto showsImage = ! audioMode;
    saveButton.setVisible (showsImage);
    saveButton.setEnabled (imageView.getImage().isValid());
    dragHint.setVisible (showsImage && imageView.getImage().isValid());
}

//==============================================================================
bool GenerationView::generate()
{
    const auto* workflow = getSelectedWorkflow();

    if (job != nullptr || start == nullptr || workflow == nullptr || ! getInputProblems().isEmpty())
        return false;

    // Only what the user edited: the workflow's own values go as written.
    const auto settings = getSettings();
    GenerationRequest request;
    request.workflow = *workflow;
    request.inputs.prompt = settings.prompt;
    request.inputs.negativePrompt = settings.negativePrompt;
    request.inputs.seed = settings.seed;
    request.inputs.width = settings.width;
    request.inputs.height = settings.height;

    auto started = start (std::move (request));

    if (started == nullptr)
    {
        const auto why = whyNotStarted != nullptr ? whyNotStarted() : juce::String();
        setOutcome ("The generation could not be started." + (why.isNotEmpty() ? " " + why : juce::String()), Palette::errorText);
        return false;
    }

    if (onJobStarted != nullptr)
        onJobStarted (started);

    setOutcome ({}, Palette::secondaryText);
    attachJob (std::move (started));
    return true;
}

void GenerationView::cancel()
{
    if (job == nullptr)
        return;

    job->cancel();
    setProgress (progress, juce::String (juce::CharPointer_UTF8 ("Cancelling\xe2\x80\xa6")));
    cancelButton.setEnabled (false);
}

void GenerationView::attachJob (std::shared_ptr<GenerationJob> newJob)
{
    if (newJob == nullptr)
        return;

    job = std::move (newJob);
    setProgress (0.0, juce::String (juce::CharPointer_UTF8 ("Starting\xe2\x80\xa6")));
    updateButtons();
    poll();

    if (job != nullptr)
        startTimerHz (15);
}

void GenerationView::timerCallback()
{
    poll();
}

void GenerationView::poll()
{
    if (job == nullptr)
    {
        stopTimer();
        return;
    }

    if (job->isFinished())
    {
        const auto future = job->getFuture();

        // isFinished() means the result is set; the zero wait only guards against a job that lies.
        if (future.wait_for (std::chrono::seconds (0)) == std::future_status::ready)
        {
            job.reset();
            stopTimer();
            showResult (future.get());
            return;
        }
    }

    const auto latest = job->getProgress();
    setProgress (latest.fraction, latest.text.isNotEmpty() ? latest.text : juce::String (juce::CharPointer_UTF8 ("Working\xe2\x80\xa6")));
}

void GenerationView::showResult (const GenerationResult& finished)
{
    result = finished;

    const auto hasImage = ! finished.images.empty() && finished.images.front().isValid();
    const auto isPlaceholder = finished.outcome == GenerationOutcome::placeholder;

    if (hasImage)
        imageView.setImage (finished.images.front(), isPlaceholder,
                            finished.pngData.empty() ? juce::MemoryBlock() : finished.pngData.front());

    juce::String text;
    auto colour = Palette::errorText;

    switch (finished.outcome)
    {
        case GenerationOutcome::generated:
            text << "Generated in " << juce::String (finished.seconds, 1) << " s"
                 << (finished.images.size() > 1 ? " (" + juce::String ((int) finished.images.size()) + " images; showing the first)" : juce::String())
                 << ".";
            colour = Palette::successText;
            setProgress (1.0, "Done");
            break;
        case GenerationOutcome::placeholder:
            text << (finished.audio.empty() ? "Placeholder, not a generated image. " : "Placeholder, not generated audio. ")
                 << joinMessages (finished);
            colour = Palette::busy;
            setProgress (1.0, finished.audio.empty() ? "Placeholder drawn" : "Placeholder made");
            break;
        case GenerationOutcome::skipped:
            text << "Skipped: " << joinMessages (finished);
            colour = Palette::busy;
            setProgress (0.0, "Skipped");
            break;
        case GenerationOutcome::aborted:
            text << "Aborted: " << joinMessages (finished);
            setProgress (0.0, "Aborted");
            break;
        case GenerationOutcome::failed:
            text << "Failed: " << joinMessages (finished);
            setProgress (0.0, "Failed");
            break;
        case GenerationOutcome::cancelled:
            text << "Cancelled.";
            colour = Palette::secondaryText;
            setProgress (0.0, "Cancelled");
            break;
        case GenerationOutcome::lost:
            text << "Lost: " << joinMessages (finished);
            setProgress (0.0, "Lost");
            break;
    }

    setOutcome (text.trim(), colour);
    updateButtons();
}

void GenerationView::setOutcome (const juce::String& text, juce::Colour colour)
{
    ui::setReadOnlyText (outcomeText, text, colour);
    resized(); // the outcome's height follows its text
}

void GenerationView::setProgress (double fraction, const juce::String& text)
{
    progress = juce::jlimit (0.0, 1.0, fraction);
    progressText = text;
    progressBar.setTextToDisplay (text);
    progressBar.repaint();
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
    constexpr int margin = 12, gap = 10, pad = 12, rowHeight = 28, captionWidth = 70;
    auto area = getLocalBounds().reduced (margin);

    formCard = area.removeFromLeft ((area.getWidth() - gap) * 54 / 100);
    area.removeFromLeft (gap);
    resultCard = area;

    // The form.
    auto form = formCard.reduced (pad);

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

    // The result.
    auto resultArea = resultCard.reduced (pad);

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
