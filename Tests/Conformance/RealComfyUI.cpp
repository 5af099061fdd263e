#include "RealComfyUI.h"

#include <comfybridge_core/comfybridge_core.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#ifndef COMFYBRIDGE_COMFYUI_HARNESS_DIR
 #define COMFYBRIDGE_COMFYUI_HARNESS_DIR ""
#endif

namespace Conformance
{

namespace
{
    juce::String environment (const char* name)
    {
        const auto* value = std::getenv (name);
        return value != nullptr ? juce::String (value).trim() : juce::String();
    }

    /** The harness folder: COMFYUI_HARNESS_DIR, else the one next to the source tree (CMake). */
    juce::File harnessDir()
    {
        const auto fromEnvironment = environment ("COMFYUI_HARNESS_DIR");
        return juce::File (fromEnvironment.isNotEmpty() ? fromEnvironment : juce::String (COMFYBRIDGE_COMFYUI_HARNESS_DIR));
    }

    bool isLoopback (const juce::String& host)
    {
        return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]";
    }

    struct ParsedUrl
    {
        juce::String host;
        int port = 0;
        juce::String problem;
    };

    ParsedUrl parseUrl (const juce::String& url)
    {
        ParsedUrl parsed;
        if (! url.startsWithIgnoreCase ("http://"))
        {
            parsed.problem = "COMFYUI_URL must look like http://127.0.0.1:PORT (got \"" + url + "\")";
            return parsed;
        }

        const auto authority = url.fromFirstOccurrenceOf ("://", false, false).upToFirstOccurrenceOf ("/", false, false);
        parsed.host = authority.upToLastOccurrenceOf (":", false, false);
        parsed.port = authority.fromLastOccurrenceOf (":", false, false).getIntValue();

        if (! authority.contains (":") || parsed.port < 1 || parsed.port > 65535)
            parsed.problem = "COMFYUI_URL needs a port, e.g. http://127.0.0.1:8188 (got \"" + url + "\")";
        else if (! isLoopback (parsed.host))
            parsed.problem = "COMFYUI_URL must be a loopback address (127.0.0.1, localhost, ::1): the tests never reach another machine";

        return parsed;
    }

    /** Runs a harness script to its end; its output (apt, startup time) goes to @p output. */
    int runScript (const juce::StringArray& command, juce::String& output)
    {
        juce::ChildProcess process;
        if (! process.start (command, juce::ChildProcess::wantStdOut | juce::ChildProcess::wantStdErr))
        {
            output = "could not start " + command.joinIntoString (" ");
            return -1;
        }

        output = process.readAllProcessOutput(); // the server itself writes to its own log, not to this pipe
        process.waitForProcessToFinish (10000);
        return (int) process.getExitCode();
    }

    /** Stops the server on @p port when this process ends in any way (a crash or SIGKILL included):
        a child waits for the end of a pipe only this process holds open, then runs stop-comfyui.sh.
    */
    void stopServerWhenThisProcessEnds (const juce::File& stopScript, int port)
    {
        int fds[2]; // close-on-exec: no other child (the server itself!) may hold the write end
        if (::pipe2 (fds, O_CLOEXEC) != 0)
            return;

        // Everything the child needs is made before fork(): after it only async-signal-safe calls.
        std::string script = stopScript.getFullPathName().toStdString(), portText = std::to_string (port);
        char* const argv[] = { script.data(), portText.data(), nullptr };

        const auto child = ::fork();
        if (child == 0)
        {
            ::setsid(); // not in the test's process group: survives a kill of the group
            ::close (fds[1]);
            char byte;
            while (::read (fds[0], &byte, 1) != 0) {}
            if (const auto devNull = ::open ("/dev/null", O_WRONLY); devNull >= 0)
                ::dup2 (devNull, STDOUT_FILENO); // "no pid file" after a normal stop() is not news
            ::execv (argv[0], argv);
            ::_exit (127);
        }

        ::close (fds[0]);
        if (child < 0)
            ::close (fds[1]);
        // fds[1] stays open (and unused) for the life of this process.
    }

    std::unique_ptr<RealComfyUI>& theInstance()
    {
        static std::unique_ptr<RealComfyUI> server;
        return server;
    }
}

//==============================================================================
int pickFreePort()
{
    const auto fd = ::socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;

    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof (address);

    int port = 0;
    if (::bind (fd, reinterpret_cast<sockaddr*> (&address), sizeof (address)) == 0
        && ::getsockname (fd, reinterpret_cast<sockaddr*> (&address), &length) == 0)
        port = ntohs (address.sin_port);

    ::close (fd);
    return port;
}

//==============================================================================
juce::String RealComfyUI::howToRun()
{
    return "conformance: skipped - set COMFYUI_GIT_DIR=<git dir of Comfy-Org/ComfyUI> (the tests start their own server "
           "with ../shared/harness/comfyui/run-comfyui.sh) or COMFYUI_URL=http://127.0.0.1:PORT (a running ComfyUI) "
           "to run against a real ComfyUI, e.g. COMFYUI_GIT_DIR=/work/.mirror/Comfy-Org+ComfyUI/repo ctest -L conformance";
}

juce::String RealComfyUI::configurationProblem()
{
    const auto gitDir = environment ("COMFYUI_GIT_DIR");
    const auto url = environment ("COMFYUI_URL");

    if (gitDir.isNotEmpty())
    {
        if (! juce::File (gitDir).isDirectory())
            return "COMFYUI_GIT_DIR " + gitDir + " is not a directory";
        if (! harnessDir().getChildFile ("run-comfyui.sh").existsAsFile())
            return "the ComfyUI harness is not at " + harnessDir().getFullPathName()
                 + " (set COMFYUI_HARNESS_DIR to the folder holding run-comfyui.sh)";
        return {};
    }

    if (url.isNotEmpty())
        return parseUrl (url).problem;

    return {};
}

RealComfyUI* RealComfyUI::instance()
{
    auto& server = theInstance();

    if (server == nullptr && configurationProblem().isEmpty())
    {
        if (environment ("COMFYUI_GIT_DIR").isNotEmpty())
        {
            // COMFYUI_PORT pins the port (a machine shared by several runs gives each its own).
            const auto pinned = environment ("COMFYUI_PORT").getIntValue();
            server.reset (new RealComfyUI (true, "127.0.0.1", pinned > 0 && pinned < 65536 ? pinned : pickFreePort()));
        }
        else if (const auto url = environment ("COMFYUI_URL"); url.isNotEmpty())
        {
            const auto parsed = parseUrl (url);
            server.reset (new RealComfyUI (false, parsed.host.removeCharacters ("[]"), parsed.port));
        }
    }

    return server.get();
}

void RealComfyUI::shutdown()
{
    theInstance().reset();
}

RealComfyUI::RealComfyUI (bool isManaged, juce::String host, int port)
    : managed (isManaged), hostName (std::move (host)), portNumber (port)
{
}

RealComfyUI::~RealComfyUI()
{
    if (managed)
        stop();
}

//==============================================================================
juce::String RealComfyUI::ensureRunning (const juce::StringArray& extraArgs)
{
    if (! managed)
    {
        if (! extraArgs.isEmpty())
            return "needs a server started with " + extraArgs.joinIntoString (" ") + " (set COMFYUI_GIT_DIR)";
        return answers() ? juce::String() : "nothing answers as ComfyUI at " + baseUrl() + "/system_stats";
    }

    if (stopped)
        resume();

    if (running && arguments == extraArgs && answers())
        return {};

    return start (extraArgs);
}

juce::String RealComfyUI::start (const juce::StringArray& extraArgs)
{
    stop();

    // The first run installs packages and exports the source: one at a time on this machine. -o keeps
    // the lock out of the server process (it would hold it as long as it runs, and block every later start).
    juce::StringArray command;
    bool exported = false;
    for (const auto& source : juce::File ("/tmp").findChildFiles (juce::File::findDirectories, false, "comfyui-src-*"))
        exported = exported || source.getChildFile (".harness-export-complete").existsAsFile();
    if (! exported && juce::File ("/usr/bin/flock").existsAsFile())
        command.addArray ({ "/usr/bin/flock", "-o", "/tmp/comfyui-harness.lock" });

    command.addArray ({ harnessDir().getChildFile ("run-comfyui.sh").getFullPathName(), environment ("COMFYUI_GIT_DIR"), juce::String (portNumber) });
    command.addArray (extraArgs);

    if (! watchdogStarted) // before the script: its pid file exists long before the server answers
    {
        stopServerWhenThisProcessEnds (harnessDir().getChildFile ("stop-comfyui.sh"), portNumber);
        watchdogStarted = true;
    }

    const auto started = juce::Time::getMillisecondCounterHiRes();
    juce::String output;
    const auto exitCode = runScript (command, output);

    if (exitCode != 0)
        return "run-comfyui.sh failed (exit " + juce::String (exitCode) + "):\n" + output.trimEnd();

    startupSeconds = (juce::Time::getMillisecondCounterHiRes() - started) / 1000.0;
    arguments = extraArgs;
    running = true;
    return {};
}

void RealComfyUI::stop()
{
    if (! managed)
        return;

    if (stopped)
        resume(); // a stopped process cannot act on SIGTERM

    if (running || juce::File ("/tmp/comfyui-" + juce::String (portNumber) + ".pid").existsAsFile())
    {
        juce::String output;
        runScript ({ harnessDir().getChildFile ("stop-comfyui.sh").getFullPathName(), juce::String (portNumber) }, output);
    }

    running = false;
}

juce::String RealComfyUI::restart()
{
    if (! managed)
        return "cannot restart a server this process did not start";

    const auto args = arguments;
    return start (args);
}

int RealComfyUI::pid() const
{
    if (! managed)
        return 0;

    return juce::File ("/tmp/comfyui-" + juce::String (portNumber) + ".pid").loadFileAsString().trim().getIntValue();
}

bool RealComfyUI::signal (int signalNumber)
{
    const auto processId = pid();
    return processId > 0 && ::kill ((pid_t) processId, signalNumber) == 0;
}

bool RealComfyUI::kill()
{
    const auto killed = signal (SIGKILL);
    running = false; // restart() or ensureRunning() starts it again
    stopped = false;
    return killed;
}

bool RealComfyUI::hang()
{
    stopped = signal (SIGSTOP);
    return stopped;
}

bool RealComfyUI::resume()
{
    const auto resumed = signal (SIGCONT);
    stopped = false;
    return resumed;
}

bool RealComfyUI::answers() const
{
    comfybridge::CurlHttpClient client;
    comfybridge::HttpRequest request;
    request.url = baseUrl() + "/system_stats";
    request.timeoutSeconds = 5.0;
    const auto response = client.perform (request);
    return response.arrived() && response.statusCode == 200 && response.body.find ("\"system\"") != std::string::npos;
}

juce::String RealComfyUI::logTail (int lines) const
{
    if (! managed)
        return {};

    juce::StringArray all;
    all.addLines (juce::File ("/tmp/comfyui-" + juce::String (portNumber) + ".log").loadFileAsString());
    all.removeRange (0, juce::jmax (0, all.size() - lines));
    return all.joinIntoString ("\n");
}

} // namespace Conformance
