namespace comfybridge
{

namespace generationSettingsDetail
{
    const juce::Identifier workflowId { "workflow" }, workflowFileId { "workflow_file" }, promptId { "prompt" },
                           negativeId { "negative_prompt" }, seedId { "seed" }, widthId { "width" }, heightId { "height" },
                           versionId { "version" };

    /** Version 2 keeps only edited values; version 1 (no "version" property) kept all of them. */
    constexpr int settingsVersion = 2;
}

std::optional<juce::int64> GenerationSettings::parseWholeNumber (const juce::String& text, juce::int64 low, juce::int64 high)
{
    const auto trimmed = text.trim();

    if (trimmed.isEmpty() || trimmed.length() > 18 || ! trimmed.containsOnly ("0123456789"))
        return std::nullopt;

    const auto value = trimmed.getLargeIntValue();
    return value >= low && value <= high ? std::optional<juce::int64> (value) : std::nullopt;
}

const juce::Identifier GenerationSettings::treeType { "Generation" };

juce::ValueTree GenerationSettings::toValueTree() const
{
    using namespace generationSettingsDetail;
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

GenerationSettings GenerationSettings::fromValueTree (const juce::ValueTree& tree)
{
    using namespace generationSettingsDetail;
    GenerationSettings settings;

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
        const auto value = parseWholeNumber (tree.getProperty (id).toString(), low, high);
        return isOldFormat && value == oldDefault ? std::nullopt : value;
    };

    settings.prompt = text (promptId);
    settings.negativePrompt = text (negativeId);
    settings.seed = number (seedId, 0, maxSeed, 0);

    if (const auto w = number (widthId, 1, maxDimension, 512))
        settings.width = (int) *w;
    if (const auto h = number (heightId, 1, maxDimension, 512))
        settings.height = (int) *h;

    return settings;
}

WorkflowInputs GenerationSettings::toInputs() const
{
    WorkflowInputs inputs;
    inputs.prompt = prompt;
    inputs.negativePrompt = negativePrompt;
    inputs.seed = seed;
    inputs.width = width;
    inputs.height = height;
    return inputs;
}

bool GenerationSettings::operator== (const GenerationSettings& other) const
{
    return workflowName == other.workflowName && workflowFile == other.workflowFile && prompt == other.prompt
        && negativePrompt == other.negativePrompt && seed == other.seed && width == other.width && height == other.height;
}

} // namespace comfybridge
