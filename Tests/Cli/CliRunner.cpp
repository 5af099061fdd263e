#include "CliRunner.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

CliProcess::CliProcess (const juce::StringArray& args, const juce::File& home)
{
    int outPipe[2], errPipe[2];
    if (pipe (outPipe) != 0)
        return;

    if (pipe (errPipe) != 0)
    {
        close (outPipe[0]);
        close (outPipe[1]);
        return;
    }

    std::vector<std::string> argStrings { COMFYBRIDGE_CLI_PATH };
    for (const auto& a : args)
        argStrings.push_back (a.toStdString());

    // Build the environment before fork: only async-signal-safe calls after it.
    std::vector<std::string> envStrings { "HOME=" + home.getFullPathName().toStdString() };
    for (char** e = environ; *e != nullptr; ++e)
        if (std::strncmp (*e, "HOME=", 5) != 0 && std::strncmp (*e, "XDG_CONFIG_HOME=", 16) != 0)
            envStrings.emplace_back (*e);

    std::vector<char*> argv, envp;
    for (auto& s : argStrings) argv.push_back (s.data());
    for (auto& s : envStrings) envp.push_back (s.data());
    argv.push_back (nullptr);
    envp.push_back (nullptr);

    processId = fork();

    if (processId == 0)
    {
        dup2 (outPipe[1], STDOUT_FILENO);
        dup2 (errPipe[1], STDERR_FILENO);
        close (outPipe[0]); close (errPipe[0]);
        close (outPipe[1]); close (errPipe[1]);
        execve (argv[0], argv.data(), envp.data());
        _exit (127);
    }

    close (outPipe[1]);
    close (errPipe[1]);
    outFd = outPipe[0];
    errFd = errPipe[0];

    if (processId < 0)
    {
        close (outFd);
        close (errFd);
        outFd = errFd = -1;
    }
}

CliProcess::~CliProcess()
{
    if (processId > 0)
        finish (0);
}

bool CliProcess::readSome (juce::uint32 deadlineMs)
{
    if (outFd < 0 && errFd < 0)
        return false;

    const auto now = juce::Time::getMillisecondCounter();
    pollfd fds[2] = { { outFd, POLLIN, 0 }, { errFd, POLLIN, 0 } }; // a closed one is -1: ignored
    const auto ready = poll (fds, 2, deadlineMs > now ? (int) (deadlineMs - now) : 0);

    if (ready <= 0)
        return true;

    for (auto* fd : { &outFd, &errFd })
    {
        const auto& polled = fds[fd == &outFd ? 0 : 1];

        if (*fd < 0 || (polled.revents & (POLLIN | POLLHUP | POLLERR)) == 0)
            continue;

        char buffer[4096];
        const auto n = read (*fd, buffer, sizeof (buffer));

        if (n <= 0)
        {
            close (*fd);
            *fd = -1;
        }
        else
        {
            (fd == &outFd ? out : err).append (buffer, (size_t) n);
        }
    }

    return outFd >= 0 || errFd >= 0;
}

bool CliProcess::waitForOutput (const std::function<bool (const juce::String&)>& condition, int timeoutMs)
{
    const auto deadline = juce::Time::getMillisecondCounter() + (juce::uint32) timeoutMs;

    for (;;)
    {
        if (condition (juce::String::fromUTF8 (out.data(), (int) out.size())))
            return true;

        if (juce::Time::getMillisecondCounter() >= deadline || ! readSome (deadline))
            return condition (juce::String::fromUTF8 (out.data(), (int) out.size()));
    }
}

void CliProcess::sendSignal (int signalNumber)
{
    if (processId > 0)
        kill (processId, signalNumber);
}

CliResult CliProcess::finish (int timeoutMs)
{
    CliResult result;

    if (processId <= 0)
        return result;

    const auto deadline = juce::Time::getMillisecondCounter() + (juce::uint32) timeoutMs;

    while (juce::Time::getMillisecondCounter() < deadline && readSome (deadline)) {}

    for (auto* fd : { &outFd, &errFd })
    {
        if (*fd >= 0)
        {
            close (*fd);
            *fd = -1;
            kill (processId, SIGKILL); // still writing (or holding its output open) after the timeout
        }
    }

    int status = 0;
    waitpid (processId, &status, 0);
    processId = -1;
    result.exitCode = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
    result.out = juce::String::fromUTF8 (out.data(), (int) out.size());
    result.err = juce::String::fromUTF8 (err.data(), (int) err.size());
    return result;
}

CliResult runCli (const juce::StringArray& args, const juce::File& home, int timeoutMs)
{
    CliProcess process (args, home);
    return process.finish (timeoutMs);
}
