#pragma once

#include <juce_core/juce_core.h>

/** What one run of the `comfybridge` binary printed and returned. */
struct CliResult
{
    int exitCode = -1;
    juce::String out;
    juce::String err;
};

/**
    Runs the built `comfybridge` CLI with @p args, with HOME pointing at a
    private temporary folder so the user's real preferences never leak into a
    test (and are never touched by one). Gives up after @p timeoutMs.
*/
CliResult runCli (const juce::StringArray& args, const juce::File& home, int timeoutMs = 60000);

/** A fresh empty HOME folder for CLI runs, deleted with the object. */
struct TemporaryHome
{
    juce::File dir = juce::File::createTempFile ("home");
    TemporaryHome() { dir.createDirectory(); }
    ~TemporaryHome() { dir.deleteRecursively(); }
};
