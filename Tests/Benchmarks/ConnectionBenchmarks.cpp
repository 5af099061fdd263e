// Connection benchmarks: prints figures, asserts nothing. Run with
// Builds/bench (or the comfybridge_benchmarks binary); --quick shortens the
// idle-CPU measurement.

#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include <curl/curl.h>

#include <algorithm>
#include "BenchmarkTiming.h"

#include <cstdio>
#include <numeric>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace
{
    using benchmark_timing::Clock;
    using benchmark_timing::msSince;
    using comfybridge::ConnectionManager;

    struct Stats
    {
        std::vector<double> samples;
        double median() { std::sort (samples.begin(), samples.end()); return samples[samples.size() / 2]; }
        double max() { return *std::max_element (samples.begin(), samples.end()); }
        double mean() { return std::accumulate (samples.begin(), samples.end(), 0.0) / (double) samples.size(); }
    };

    comfybridge::ComfyUIConfig configFor (int port)
    {
        comfybridge::ComfyUIConfig config;
        config.host = "127.0.0.1";
        config.port = port;
        config.maxRetries = 0;
        return config; // default timeout (30 s) and probe timeout (3 s)
    }

    /** A ComfyUI without /ws, so that only polling can notice changes. */
    void refuseLiveChannel (TestHelpers::FakeComfyUI& server)
    {
        server.setRoute ("GET", "/ws", [] (const TestHelpers::Request&) { return TestHelpers::Response::text (404, "404: Not Found"); });
    }

    /** Polls a condition every millisecond (the manager does not need the message loop for this). */
    template <typename Condition>
    double msUntil (Condition condition, double limitMs = 60000.0)
    {
        const auto start = Clock::now();
        while (! condition() && msSince (start) < limitMs)
            std::this_thread::sleep_for (std::chrono::milliseconds (1));
        return msSince (start);
    }

    double cpuSeconds()
    {
        rusage usage {};
        getrusage (RUSAGE_SELF, &usage);
        return (double) usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6
             + (double) usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
    }

    void deathToStatusChange (double interval)
    {
        Stats stats;
        for (int i = 0; i < 3; ++i)
        {
            TestHelpers::FakeComfyUI server;
            refuseLiveChannel (server);
            server.start();
            ConnectionManager manager (configFor (server.port()));
            manager.connect().get();
            manager.startHealthMonitoring (interval);
            // Die at a random point of the interval, as a real crash would.
            std::this_thread::sleep_for (std::chrono::milliseconds ((int) (interval * 1000 * (0.2 + 0.25 * i))));
            server.stop();
            stats.samples.push_back (msUntil ([&] { return ! manager.isAvailable(); }));
        }
        std::printf ("backend death -> unavailable (polling, interval %.1f s): mean %.0f ms, max %.0f ms\n",
                     interval, stats.mean(), stats.max());
    }

    void hungAndBack()
    {
        TestHelpers::FakeComfyUI server;
        refuseLiveChannel (server);
        server.start();
        ConnectionManager manager (configFor (server.port()));
        manager.connect().get();
        manager.startHealthMonitoring (1.0);

        server.setHang (true);
        const auto down = msUntil ([&] { return ! manager.isAvailable(); });
        std::printf ("hung backend -> unavailable (interval 1 s, probe timeout 3 s, one retry): %.0f ms\n", down);

        server.setHang (false);
        const auto up = msUntil ([&] { return manager.isAvailable(); });
        std::printf ("backend answering again -> available (interval 1 s): %.0f ms\n", up);
    }

    void disconnectWhileHanging()
    {
        auto server = TestHelpers::MisbehavingServers::neverAnswering();
        Stats stats;
        for (int i = 0; i < 20; ++i)
        {
            ConnectionManager manager (configFor (server->port()));
            manager.connect();
            server->waitForRequests ((size_t) i + 1, 5000);
            const auto start = Clock::now();
            manager.disconnect();
            stats.samples.push_back (msSince (start));
        }
        std::printf ("disconnect() while a request hangs: median %.2f ms, max %.2f ms (20 runs)\n", stats.median(), stats.max());
    }

    size_t discard (char*, size_t size, size_t count, void*) { return size * count; }

    void healthCheckVersusCurl (bool withLiveChannel)
    {
        TestHelpers::FakeComfyUI server;
        if (! withLiveChannel)
            refuseLiveChannel (server);
        server.start();
        ConnectionManager manager (configFor (server.port()));
        manager.connect().get();
        if (withLiveChannel)
            while (! manager.isLiveChannelOpen())
                std::this_thread::sleep_for (std::chrono::milliseconds (1));
        constexpr int runs = 200;

        Stats ours;
        for (int i = 0; i < runs; ++i)
        {
            const auto start = Clock::now();
            manager.checkHealth().get();
            ours.samples.push_back (msSince (start));
        }

        // The same two requests (system_stats + queue) with plain blocking libcurl.
        Stats plain;
        const auto base = server.baseUrl();
        for (int i = 0; i < runs; ++i)
        {
            const auto start = Clock::now();
            for (auto path : { "/api/system_stats", "/api/queue" })
            {
                auto* curl = curl_easy_init();
                const auto url = base + path;
                curl_easy_setopt (curl, CURLOPT_URL, url.c_str());
                curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, &discard);
                curl_easy_perform (curl);
                curl_easy_cleanup (curl);
            }
            plain.samples.push_back (msSince (start));
        }

        std::printf ("health check (system_stats + queue, live channel %s): median %.3f ms; plain libcurl GETs of the same: median %.3f ms; ratio %.2f\n",
                     withLiveChannel ? "open" : "refused", ours.median(), plain.median(), ours.median() / plain.median());
    }

    void idleCpu (double seconds)
    {
        TestHelpers::FakeComfyUI server;
        server.start();
        ConnectionManager manager (configFor (server.port()));
        manager.connect().get();
        manager.startHealthMonitoring (5.0);
        manager.startBackgroundReconnection (10.0);

        const auto before = cpuSeconds();
        std::this_thread::sleep_for (std::chrono::milliseconds ((int) (seconds * 1000)));
        const auto used = cpuSeconds() - before;
        std::printf ("idle monitoring for %.0f s (interval 5 s, server in-process): %.1f ms CPU (%.4f %% of one core)\n",
                     seconds, used * 1000.0, used / seconds * 100.0);
    }
}

void runGenerationBenchmarks();
void runAudioBenchmarks();
void runReadinessBenchmarks();
void runCliIdleBenchmarks (bool quick);
void runIssueTableBenchmarks (bool quick);
void runLiveChannelBenchmarks (bool quick);

int main (int argc, char* argv[])
{
    juce::ScopedJuceInitialiser_GUI juce;
    const auto quick = argc > 1 && juce::String (argv[1]) == "--quick";
    const auto tableOnly = argc > 1 && juce::String (argv[1]) == "--table"; // issue 12's figures only
    curl_global_init (CURL_GLOBAL_DEFAULT);

    std::printf ("ComfyBridge connection benchmarks (%s)\n", quick ? "quick" : "full");
    std::setvbuf (stdout, nullptr, _IOLBF, 0); // lines appear as they are measured
    if (tableOnly)
    {
        healthCheckVersusCurl (false);
        healthCheckVersusCurl (true);
        runIssueTableBenchmarks (false);
        runLiveChannelBenchmarks (false);
        return 0;
    }

    if (argc > 1 && juce::String (argv[1]) == "--live")
    {
        runLiveChannelBenchmarks (false); // only the live channel's figures (issue 13)
        return 0;
    }

    if (argc > 1 && juce::String (argv[1]) == "--audio")
    {
        runAudioBenchmarks(); // only the audio figures (issue 14)
        return 0;
    }
    disconnectWhileHanging();
    healthCheckVersusCurl (false);
    healthCheckVersusCurl (true);
    deathToStatusChange (1.0);
    if (! quick)
        deathToStatusChange (5.0);
    hungAndBack();
    idleCpu (quick ? 10.0 : 60.0);
    runGenerationBenchmarks();
    runAudioBenchmarks();
    runReadinessBenchmarks();
    runCliIdleBenchmarks (quick);
    runIssueTableBenchmarks (quick);
    runLiveChannelBenchmarks (quick);
    return 0;
}
