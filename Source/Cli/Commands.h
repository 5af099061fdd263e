#pragma once

#include "CliArguments.h"

/** One function per top-level command; each returns the process exit code. */
namespace cli
{
    /** `comfybridge config validate FILE` and `comfybridge config show [options]`. */
    int runConfigCommand (const juce::StringArray& args);
}
