namespace comfybridge
{

//==============================================================================
WorkflowLibrary WorkflowLibrary::load (const juce::String& manifestJson, const FileReader& readFile, juce::StringArray& errors)
{
    WorkflowLibrary library;
    library.workflows = WorkflowHelpers::loadManifest (manifestJson, readFile, errors);
    return library;
}

std::variant<WorkflowDefinition, juce::String> WorkflowLibrary::loadUserFile (const juce::File& file)
{
    return WorkflowHelpers::loadUserWorkflow (file);
}

//==============================================================================
const WorkflowDefinition* WorkflowLibrary::find (const juce::String& name) const
{
    const auto it = std::find_if (workflows.begin(), workflows.end(), [&] (const auto& w) { return w.name == name; });
    return it != workflows.end() ? &*it : nullptr;
}

juce::StringArray WorkflowLibrary::getNames() const
{
    juce::StringArray names;

    for (const auto& workflow : workflows)
        names.add (workflow.name);

    return names;
}

//==============================================================================
std::variant<juce::String, juce::StringArray> instantiateWorkflow (const WorkflowDefinition& workflow, const WorkflowInputs& inputs)
{
    return WorkflowHelpers::instantiate (workflow, inputs);
}

bool WorkflowDefinition::producesAudio() const
{
    auto parsed = WorkflowHelpers::parseJsonText (apiJson);

    if (! std::holds_alternative<WorkflowHelpers::Json> (parsed) || ! std::get<WorkflowHelpers::Json> (parsed).is_object())
        return false;

    const auto& graph = WorkflowHelpers::unwrapRequestBody (std::get<WorkflowHelpers::Json> (parsed));
    return std::any_of (graph.begin(), graph.end(), [] (const auto& node) { return WorkflowHelpers::isAudioOutputNode (WorkflowHelpers::classOf (node)); });
}

WorkflowInputs readWorkflowValues (const WorkflowDefinition& workflow)
{
    return WorkflowHelpers::readValues (workflow);
}

} // namespace comfybridge
