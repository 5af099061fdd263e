// GenerationView: the input fields, the selected workflow's own values, and input problems.

namespace comfybridge
{

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

} // namespace comfybridge
