#pragma once

#include <juce_core/juce_core.h>

#include <functional>
#include <string>

/** What one run of the `comfybridge` binary printed and returned. */
struct CliResult
{
    int exitCode = -1; ///< -1 when it did not exit by itself (killed by a signal or by the timeout)
    juce::String out;
    juce::String err;
};

/**
    A running `comfybridge` (the built CLI), with HOME pointing at @p home so the
    user's real preferences never leak into a test (and are never touched by
    one). Its output is collected as it comes, so a test can act on it, e.g.
    send a signal once the first line is out.
*/
class CliProcess
{
public:
    /** Starts the CLI with @p args. */
    CliProcess (const juce::StringArray& args, const juce::File& home);

    /** Kills the process if it still runs. */
    ~CliProcess();

    /** The process id (-1 when it could not be started). */
    int pid() const noexcept { return processId; }

    /** Reads output until @p condition (given stdout so far) holds, the process
        closes its output or @p timeoutMs pass; true when the condition held.
    */
    bool waitForOutput (const std::function<bool (const juce::String& out)>& condition, int timeoutMs);

    /** Sends @p signalNumber (e.g. SIGINT) to the process. */
    void sendSignal (int signalNumber);

    /** Reads the rest of the output until the process exits; after @p timeoutMs it
        is killed (and exitCode is -1). Call once.
    */
    CliResult finish (int timeoutMs);

private:
    int processId = -1;
    int outFd = -1, errFd = -1;
    std::string out, err;

    /** Reads what is there, waiting at most until @p deadlineMs; false once both pipes are closed. */
    bool readSome (juce::uint32 deadlineMs);

    JUCE_DECLARE_NON_COPYABLE (CliProcess)
};

/**
    Runs the built `comfybridge` CLI with @p args to the end (see CliProcess).
    Gives up after @p timeoutMs.
*/
CliResult runCli (const juce::StringArray& args, const juce::File& home, int timeoutMs = 60000);

/** A fresh empty HOME folder for CLI runs, deleted with the object. */
struct TemporaryHome
{
    juce::File dir = juce::File::createTempFile ("home");
    TemporaryHome() { dir.createDirectory(); }
    ~TemporaryHome() { dir.deleteRecursively(); }
};
