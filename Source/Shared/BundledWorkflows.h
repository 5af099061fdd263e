#pragma once

#include <comfybridge_core/comfybridge_core.h>

namespace comfybridge
{
    /** A bundled file's text by its original name (e.g. "manifest.json"), or nullopt. */
    std::optional<juce::String> readBundledFile (const juce::String& fileName);

    /** The workflows compiled into this binary from Resources/workflows (manifest + API-format
        graphs). Problems (none expected) are added to @p errors; valid workflows still load.
    */
    WorkflowLibrary loadBundledWorkflows (juce::StringArray& errors);

    /** A bundled workflow by name, or a user's API-format workflow file by path: the workflow,
        or a message saying why there is none.
    */
    std::variant<WorkflowDefinition, juce::String> findWorkflow (const juce::String& nameOrFile);
}
