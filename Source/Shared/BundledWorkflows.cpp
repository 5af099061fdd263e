// The front ends' bridge from the generated BinaryData to the core module's
// WorkflowLibrary (the module itself never depends on generated code).

#include "BundledWorkflows.h"
#include <ComfyBridgeResources.h>

namespace comfybridge
{

std::optional<juce::String> readBundledFile (const juce::String& fileName)
{
    for (int i = 0; i < ComfyBridgeResources::namedResourceListSize; ++i)
    {
        if (fileName != ComfyBridgeResources::originalFilenames[i])
            continue;

        int size = 0;
        if (const auto* data = ComfyBridgeResources::getNamedResource (ComfyBridgeResources::namedResourceList[i], size))
            return juce::String::fromUTF8 (data, size);
    }

    return std::nullopt;
}

WorkflowLibrary loadBundledWorkflows (juce::StringArray& errors)
{
    const auto manifest = readBundledFile ("manifest.json");

    if (! manifest)
    {
        errors.add ("the bundled workflow manifest is missing from this build");
        return {};
    }

    return WorkflowLibrary::load (*manifest, [] (const juce::String& file) { return readBundledFile (file); }, errors);
}

std::variant<WorkflowDefinition, juce::String> findWorkflow (const juce::String& nameOrFile)
{
    juce::StringArray errors;
    const auto library = loadBundledWorkflows (errors);

    if (const auto* bundled = library.find (nameOrFile))
        return *bundled;

    const auto file = juce::File::getCurrentWorkingDirectory().getChildFile (nameOrFile);

    if (file.existsAsFile())
        return WorkflowLibrary::loadUserFile (file);

    return "no bundled workflow named '" + nameOrFile + "' and no such file (bundled: "
         + library.getNames().joinIntoString (", ") + ")";
}

} // namespace comfybridge
