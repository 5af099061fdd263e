namespace comfybridge
{

NodeCatalog NodeCatalog::parse (const std::string& objectInfoJson)
{
    auto json = nlohmann::json::parse (objectInfoJson, nullptr, false);
    NodeCatalog catalog;

    if (! json.is_discarded() && json.is_object())
        catalog.data = std::make_shared<const Data> (Data { std::move (json) });

    return catalog;
}

bool NodeCatalog::hasNode (const juce::String& classType) const
{
    return data != nullptr && data->objectInfo.contains (classType.toStdString());
}

juce::StringArray NodeCatalog::getInputChoices (const juce::String& classType, const juce::String& input) const
{
    juce::StringArray result;

    if (data == nullptr)
        return result;

    const auto classInfo = data->objectInfo.find (classType.toStdString());

    if (classInfo == data->objectInfo.end())
        return result;

    if (const auto* spec = detail::findInputSpec (*classInfo, input.toStdString()))
        if (const auto* choices = detail::comboChoices (*spec))
            for (const auto& choice : *choices)
                if (choice.is_string())
                    result.add (choice.get<juce::String>());

    return result;
}

int NodeCatalog::getNumNodes() const
{
    return data != nullptr ? (int) data->objectInfo.size() : 0;
}

} // namespace comfybridge
