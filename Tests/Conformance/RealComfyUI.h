#pragma once

#include <juce_core/juce_core.h>

#include <memory>

namespace Conformance
{

/**
    The real, unmodified ComfyUI that the conformance tier talks to, chosen by the environment:

    - COMFYUI_GIT_DIR=<git dir of Comfy-Org/ComfyUI>: a server of our own on a free 127.0.0.1
      port, started with the shared harness (run-comfyui.sh) on first use, reused by every
      scenario and stopped (stop-comfyui.sh) when the run ends. It can be killed, hung and
      restarted, for the death and recovery scenarios.
    - COMFYUI_URL=http://127.0.0.1:PORT: a server that is already running (the user's own).
      Nothing is started, stopped or signalled; scenarios that need that skip themselves.

    One instance per process (instance()); every method runs on the test thread.
*/
class RealComfyUI
{
public:
    /** The server for this run, or nullptr when neither variable is set. A COMFYUI_URL that
        does not parse, or a loopback rule broken, is reported by configurationProblem().
    */
    static RealComfyUI* instance();

    /** Why the environment cannot be used (empty when it can), e.g. a non-loopback COMFYUI_URL. */
    static juce::String configurationProblem();

    /** The one line printed when the tier is skipped: how to run it. */
    static juce::String howToRun();

    /** Stops a server this process started (also done at exit). */
    static void shutdown();

    ~RealComfyUI();

    //==============================================================================
    /** True when this process started the server (COMFYUI_GIT_DIR): kill, hang and restart work. */
    bool isManaged() const noexcept { return managed; }

    /** "127.0.0.1" (or the host of COMFYUI_URL). */
    juce::String host() const { return hostName; }

    /** The port it listens on. */
    int port() const noexcept { return portNumber; }

    /** "http://host:port". */
    juce::String baseUrl() const { return "http://" + hostName + ":" + juce::String (portNumber); }

    /** Extra ComfyUI arguments of the managed server currently running (e.g. --enable-cors-header *). */
    juce::StringArray currentArguments() const { return arguments; }

    //==============================================================================
    /** Makes sure a server runs with exactly @p extraArgs (restarting a managed one when they
        differ, or when it died or is stopped). With COMFYUI_URL only empty @p extraArgs can be
        satisfied. Returns an empty string when the server answers, otherwise what went wrong.
    */
    juce::String ensureRunning (const juce::StringArray& extraArgs = {});

    /** Stops the managed server (stop-comfyui.sh). */
    void stop();

    /** SIGKILL to the managed server's pid (from /tmp/comfyui-PORT.pid). */
    bool kill();

    /** SIGSTOP: the socket still accepts connections, nothing answers. */
    bool hang();

    /** SIGCONT after hang(). */
    bool resume();

    /** Starts the managed server again on the same port with the same arguments. */
    juce::String restart();

    /** The managed server's pid, or 0. */
    int pid() const;

    /** Seconds the last start took until /system_stats answered (0 before any). */
    double lastStartupSeconds() const noexcept { return startupSeconds; }

    /** The end of the managed server's log (for failure messages). */
    juce::String logTail (int lines = 30) const;

private:
    RealComfyUI (bool isManaged, juce::String host, int port);

    juce::String start (const juce::StringArray& extraArgs);
    bool answers() const;
    bool signal (int signalNumber);

    bool managed = false;
    juce::String hostName;
    int portNumber = 0;
    juce::StringArray arguments;
    bool running = false;
    bool stopped = false; // SIGSTOPped
    bool watchdogStarted = false; // stops our server if this process dies before stop()
    double startupSeconds = 0.0;
};

/** Picks a free TCP port on 127.0.0.1 (bind to port 0, read it, close). */
int pickFreePort();

} // namespace Conformance
