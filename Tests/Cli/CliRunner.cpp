#include "CliRunner.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

CliResult runCli (const juce::StringArray& args, const juce::File& home, int timeoutMs)
{
    int outPipe[2], errPipe[2];
    if (pipe (outPipe) != 0 || pipe (errPipe) != 0)
        return {};

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

    const auto pid = fork();

    if (pid == 0)
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

    CliResult result;
    std::string out, err;
    const auto deadline = juce::Time::getMillisecondCounter() + (juce::uint32) timeoutMs;
    pollfd fds[2] = { { outPipe[0], POLLIN, 0 }, { errPipe[0], POLLIN, 0 } };
    int open = 2;

    while (open > 0 && juce::Time::getMillisecondCounter() < deadline)
    {
        if (poll (fds, 2, 100) <= 0)
            continue;

        for (int i = 0; i < 2; ++i)
        {
            if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP)) == 0)
                continue;

            char buffer[4096];
            const auto n = read (fds[i].fd, buffer, sizeof (buffer));

            if (n <= 0)
            {
                close (fds[i].fd);
                fds[i].fd = -1;
                --open;
            }
            else
            {
                (i == 0 ? out : err).append (buffer, (size_t) n);
            }
        }
    }

    for (auto& fd : fds)
        if (fd.fd >= 0)
            close (fd.fd);

    if (open > 0)
        kill (pid, SIGKILL);

    int status = 0;
    waitpid (pid, &status, 0);
    result.exitCode = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
    result.out = juce::String::fromUTF8 (out.data(), (int) out.size());
    result.err = juce::String::fromUTF8 (err.data(), (int) err.size());
    return result;
}
