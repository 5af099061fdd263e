// How much a waiting `comfybridge` costs: the built CLI runs against a fake
// ComfyUI on a free port, and /proc says how much CPU its threads used and how
// often they woke. Prints figures beside the targets; asserts nothing.

#include <FakeComfyUI.h>
#include "Cli/CliRunner.h"
#include "Support/FakeExecutor.h"
#include "Support/ProcessActivity.h"

#include <algorithm>
#include <string>
#include <csignal>
#include <cstdio>
#include <thread>
#include <vector>

namespace
{
    constexpr double targetCpuPercent = 0.1;
    constexpr double targetWakeUpsPerSecond = 5.0;

    /** Measures @p process for @p seconds and prints the figures (and the threads that woke most). */
    void measure (const char* what, CliProcess& process, double seconds)
    {
        using TestSupport::ProcessActivity;
        const auto before = ProcessActivity::read (process.pid());
        std::this_thread::sleep_for (std::chrono::milliseconds ((int) (seconds * 1000)));
        const auto after = ProcessActivity::read (process.pid());

        if (! before.valid || ! after.valid)
        {
            std::printf ("%s: the process ended early\n", what);
            return;
        }

        const auto cpuPercent = (after.onCpuSeconds - before.onCpuSeconds) / seconds * 100.0;
        const auto wakeUps = (double) (after.contextSwitches - before.contextSwitches) / seconds;
        std::printf ("%s, %.0f s: %.3f %% of a core (target <= %.1f %%), %.2f wake-ups/s over all threads (target <= %.0f/s)\n",
                     what, seconds, cpuPercent, targetCpuPercent, wakeUps, targetWakeUpsPerSecond);

        // Threads are named "tid name"; the main (message) thread's tid is the pid.
        const auto mainThread = std::to_string (process.pid()) + " ";
        std::vector<std::pair<long long, std::string>> threads;
        for (const auto& [name, switches] : after.threadSwitches)
        {
            const auto earlier = before.threadSwitches.find (name);
            threads.emplace_back (switches - (earlier != before.threadSwitches.end() ? earlier->second : 0),
                                  name.rfind (mainThread, 0) == 0 ? name + " (main)" : name);
        }

        std::sort (threads.rbegin(), threads.rend());
        std::printf ("    wake-ups per thread:");
        for (size_t i = 0; i < threads.size() && i < 5; ++i)
            std::printf ("  %s %lld", threads[i].second.c_str(), threads[i].first);
        std::printf ("\n");
    }

    juce::StringArray at (int port)
    {
        return { "--host", "127.0.0.1", "--port", juce::String (port), "--no-discover-port" };
    }

    void idleWatch (double seconds)
    {
        TestHelpers::FakeComfyUI server;
        server.start();
        TemporaryHome home;

        auto args = juce::StringArray { "watch" };
        args.addArray (at (server.port()));
        CliProcess watch (args, home.dir);

        if (! watch.waitForOutput ([] (const juce::String& out) { return out.containsChar ('\n'); }, 20000)
            || ! server.waitForWsClient ("", 10000))
        {
            std::printf ("comfybridge watch: did not connect\n");
            return;
        }

        measure ("comfybridge watch (default interval 5 s), idle fake ComfyUI", watch, seconds);
        watch.sendSignal (SIGINT);
        watch.finish (10000);
    }

    void waitingGenerate (double seconds)
    {
        TestHelpers::FakeComfyUI server;
        server.start();
        TestSupport::FakeExecutor executor (server);
        executor.setMode (TestSupport::FakeExecutor::Mode::holdRunning);
        TemporaryHome home;

        auto args = juce::StringArray { "generate", "--workflow", "empty_image", "--prompt", "benchmark",
                                        "--out", home.dir.getChildFile ("out.png").getFullPathName() };
        args.addArray (at (server.port()));
        CliProcess generate (args, home.dir);

        if (! executor.waitForSubmission (1, 20000) || ! executor.waitUntilRunning (executor.submittedPromptIds()[0], 10000))
        {
            std::printf ("comfybridge generate: the job did not start\n");
            return;
        }

        measure ("comfybridge generate waiting on a running job, live channel open", generate, seconds);
        generate.sendSignal (SIGINT);
        generate.finish (20000);
    }
}

void runCliIdleBenchmarks (bool quick)
{
    idleWatch (quick ? 10.0 : 30.0);
    waitingGenerate (quick ? 10.0 : 30.0);
}
