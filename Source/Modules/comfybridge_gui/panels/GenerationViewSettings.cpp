// GenerationView: showing saved settings (GenerationSettings) and reading them back from the fields.

namespace comfybridge
{

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

} // namespace comfybridge
