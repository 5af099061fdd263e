#pragma once

#include "CliArguments.h"

/** One function per top-level command; each returns the process exit code. */
namespace cli
{
    /** `comfybridge config validate FILE` and `comfybridge config show [options]`. */
    int runConfigCommand (const juce::StringArray& args);

    /** `comfybridge status [--json] [options]`: one connection attempt. */
    int runStatusCommand (const juce::StringArray& args);

    /** `comfybridge watch [--json] [--interval S] [--reconnect-interval S] [--duration S]`. */
    int runWatchCommand (const juce::StringArray& args);

    /** `comfybridge models [--download] [--json]`: missing model files, and fetching them. */
    int runModelsCommand (const juce::StringArray& args);

    /** `comfybridge workflows [--deploy] [--json]`: can the bundled workflows run; storing them in ComfyUI. */
    int runWorkflowsCommand (const juce::StringArray& args);

    /** `comfybridge generate --workflow NAME|FILE --prompt TEXT ... --out FILE.png`. */
    int runGenerateCommand (const juce::StringArray& args);

    /** `comfybridge placeholder --width W --height H --prompt TEXT [--seed N] --out FILE.png`. */
    int runPlaceholderCommand (const juce::StringArray& args);
}
