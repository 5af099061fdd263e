#pragma once

#include <comfybridge_core/comfybridge_core.h>
#include "MessageLoop.h"
#include <chrono>
#include <string>
#include <thread>

namespace TestSupport
{

/** A config pointing at 127.0.0.1:@p port with test-friendly timings. */
inline comfybridge::ComfyUIConfig localConfig (int port, double timeout = 2.0, int retries = 0)
{
    comfybridge::ComfyUIConfig config;
    config.host = "127.0.0.1";
    config.port = port;
    config.timeout = timeout;
    config.probeTimeout = juce::jmin (1.0, timeout);
    config.maxRetries = retries;
    config.retryBackoff = 1.0;
    config.discoverPort = false; // a test that wants discovery says so (it scans 8000-9000)
    return config;
}

/** Milliseconds taken by @p work. */
template <typename Work>
double millisecondsFor (Work&& work)
{
    const auto start = std::chrono::steady_clock::now();
    work();
    return std::chrono::duration<double, std::milli> (std::chrono::steady_clock::now() - start).count();
}

/** Waits for a future with a generous limit so a hang fails the test instead of blocking it. */
template <typename Future>
bool ready (const Future& future, int timeoutMs = 15000)
{
    return future.wait_for (std::chrono::milliseconds (timeoutMs)) == std::future_status::ready;
}

/** Checks @p condition every 2 ms until it holds (true) or @p timeoutMs pass (false):
    a condition wait for state another thread changes without notifying us.
*/
template <typename Condition>
bool waitUntil (Condition condition, int timeoutMs)
{
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds (timeoutMs);

    while (! condition())
    {
        if (std::chrono::steady_clock::now() > end)
            return false;

        std::this_thread::sleep_for (std::chrono::milliseconds (2));
    }

    return true;
}

/** The number of open file descriptors of this process. */
inline int openFileDescriptors()
{
    return juce::File ("/proc/self/fd").getNumberOfChildFiles (juce::File::findFiles | juce::File::findDirectories | juce::File::ignoreHiddenFiles, "*");
}

/** The number of threads of this process. */
inline int threadCount()
{
    return juce::File ("/proc/self/task").getNumberOfChildFiles (juce::File::findDirectories, "*");
}

} // namespace TestSupport
