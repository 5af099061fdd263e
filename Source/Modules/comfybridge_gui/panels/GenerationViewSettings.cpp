// GenerationView: its settings (what the user edited) and their plugin-state form.

namespace comfybridge
{

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
