// The figures of issue 12 ("never blind, back at once"), each printed with its
// target beside it. Prints numbers, asserts nothing. Uses only the public API, so
// the same program measures the code before and after a change.

#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Support/FakeExecutor.h"
#include "Shared/BundledWorkflows.h"

#include <algorithm>
#include <atomic>
#include "BenchmarkTiming.h"

#include <cstdio>
#include <thread>
#include <vector>

namespace
{
    using benchmark_timing::Clock;
    using benchmark_timing::msSince;
    using comfybridge::ConnectionManager;

    template <typename Condition>
    double msUntil (Condition condition, double limitMs)
    {
        const auto start = Clock::now();
        while (! condition() && msSince (start) < limitMs)
            std::this_thread::sleep_for (std::chrono::microseconds (500));
        return msSince (start);
    }

    void waitFor (std::function<bool()> condition, double limitMs = 10000.0) { msUntil (condition, limitMs); }

    struct Samples
    {
        std::vector<double> v;
        double at (double q) { std::sort (v.begin(), v.end()); return v[(size_t) ((double) (v.size() - 1) * q + 0.5)]; }
        double min() { return at (0.0); }
        double median() { return at (0.5); }
        double max() { return at (1.0); }
    };

    comfybridge::ComfyUIConfig defaults (int port)
    {
        comfybridge::ComfyUIConfig config;
        config.host = "127.0.0.1";
        config.port = port;
        config.discoverPort = false; // never find a developer's own ComfyUI
        return config;               // default timeout (30 s), probe timeout (3 s)
    }

    void row (const char* what, const juce::String& figure, const char* target)
    {
        std::printf ("| %-62s | %-30s | %-28s |\n", what, figure.toRawUTF8(), target);
    }

    juce::String ms (double v) { return juce::String (juce::roundToInt (v)) + " ms"; }

    /** Readiness options whose check asks for /object_info (only checks, no deploy or download). */
    comfybridge::ReadinessOptions readinessThatAsksForObjectInfo()
    {
        juce::StringArray errors;
        comfybridge::ReadinessOptions options;
        options.workflows = comfybridge::loadBundledWorkflows (errors).getWorkflows();
        options.actOnFindings = false;
        return options;
    }

    /** /object_info answers after @p delayMs (like a big install), counting requests. */
    void slowObjectInfo (TestHelpers::FakeComfyUI& server, int delayMs, std::atomic<int>& asked)
    {
        for (auto path : { "/object_info", "/api/object_info" })
            server.setRoute ("GET", path, [&server, delayMs, &asked] (const TestHelpers::Request&)
            {
                ++asked;
                auto response = TestHelpers::Response::json (200, server.objectInfo().dump());
                response.delayMs = delayMs;
                return response;
            });
    }

    /** Server killed while the live channel is open; optionally while a 20 s /object_info is in flight. */
    double killedToUnavailable (bool slowRequestInFlight)
    {
        TestHelpers::FakeComfyUI server;
        std::atomic<int> asked { 0 };
        if (slowRequestInFlight)
            slowObjectInfo (server, 20000, asked);
        server.start();
        ConnectionManager manager (defaults (server.port()));
        manager.startHealthMonitoring();
        manager.startBackgroundReconnection();
        manager.connect().get();
        waitFor ([&] { return manager.isLiveChannelOpen(); });
        if (slowRequestInFlight)
        {
            manager.setReadinessOptions (readinessThatAsksForObjectInfo());
            waitFor ([&] { return asked.load() > 0; });
            std::this_thread::sleep_for (std::chrono::milliseconds (300));
        }
        const auto start = Clock::now();
        server.stop();
        msUntil ([&] { return ! manager.isAvailable(); }, 60000.0);
        return msSince (start);
    }

    /** A hang (every request and the live channel silent) begins; how long until unavailable. */
    double hungToUnavailable (double interval, double probeTimeout, bool slowRequestInFlight)
    {
        TestHelpers::FakeComfyUI server;
        std::atomic<int> asked { 0 };
        if (slowRequestInFlight)
            slowObjectInfo (server, 20000, asked);
        server.start();
        auto config = defaults (server.port());
        config.probeTimeout = probeTimeout;
        ConnectionManager manager (config);
        manager.startHealthMonitoring (interval);
        manager.startBackgroundReconnection();
        manager.connect().get();
        waitFor ([&] { return manager.isLiveChannelOpen(); });
        if (slowRequestInFlight)
        {
            manager.setReadinessOptions (readinessThatAsksForObjectInfo());
            waitFor ([&] { return asked.load() > 0; });
            std::this_thread::sleep_for (std::chrono::milliseconds (1000)); // hang 1 s into it
        }
        const auto start = Clock::now();
        server.setHang (true);
        msUntil ([&] { return ! manager.isAvailable(); }, 60000.0);
        const auto took = msSince (start);
        server.setHang (false);
        manager.disconnect();
        return took;
    }

    /** 16 managers at defaults (reconnect interval 10 s); the server is away 5 s, then answers. */
    void backAfterAnswering()
    {
        TestHelpers::FakeComfyUI server;
        server.start();
        std::vector<std::unique_ptr<ConnectionManager>> managers;
        for (int i = 0; i < 16; ++i)
        {
            managers.push_back (std::make_unique<ConnectionManager> (defaults (server.port())));
            managers.back()->startHealthMonitoring();
            managers.back()->startBackgroundReconnection (10.0);
            managers.back()->connect().get();
        }
        waitFor ([&] { return std::all_of (managers.begin(), managers.end(), [] (auto& m) { return m->isLiveChannelOpen(); }); });

        server.stop();
        waitFor ([&] { return std::none_of (managers.begin(), managers.end(), [] (auto& m) { return m->isAvailable(); }); });
        std::this_thread::sleep_for (std::chrono::seconds (5));
        const auto before = server.requestCount();
        server.restart();
        const auto start = Clock::now();

        Samples back;
        std::vector<bool> seen (managers.size(), false);
        while (back.v.size() < managers.size() && msSince (start) < 30000.0)
        {
            for (size_t i = 0; i < managers.size(); ++i)
                if (! seen[i] && managers[i]->isAvailable())
                {
                    seen[i] = true;
                    back.v.push_back (msSince (start));
                }
            std::this_thread::sleep_for (std::chrono::microseconds (500));
        }
        while (back.v.size() < managers.size())
            back.v.push_back (30000.0);

        const auto requests = server.requestCount() - before;
        row ("server answers again -> available (16 managers, reconnect 10 s)",
             "median " + ms (back.median()) + ", max " + ms (back.max()), "<= 1000 ms, no storm");
        std::printf ("|   (%zu requests from 16 managers in the %.1f s after the restart)\n", requests, msSince (start) / 1000.0);
    }

    /** generate() of EmptyImage -> SaveImage right after connect() (the live channel may not be open yet). */
    void tinyGenerate()
    {
        TestHelpers::FakeComfyUI server;
        server.start();
        TestSupport::FakeExecutor executor (server);
        executor.setStepDelayMs (0);
        auto workflow = std::get<comfybridge::WorkflowDefinition> (comfybridge::findWorkflow ("empty_image"));

        Samples samples;
        for (int i = 0; i < 24; ++i)
        {
            ConnectionManager manager (defaults (server.port()));
            manager.connect().get();
            comfybridge::GenerationRequest request;
            request.workflow = workflow;
            request.inputs.seed = i;
            request.inputs.width = request.inputs.height = 64;
            const auto start = Clock::now();
            const auto result = manager.generate (request)->getFuture().get();
            samples.v.push_back (msSince (start));
            if (result.outcome != comfybridge::GenerationOutcome::generated)
                std::printf ("|   (run %d: %s)\n", i, comfybridge::toString (result.outcome).toRawUTF8());
        }
        row ("generate EmptyImage->SaveImage right after connect (24 runs)",
             "min " + juce::String (samples.min(), 1) + ", med " + juce::String (samples.median(), 1)
                 + ", max " + juce::String (samples.max(), 1) + " ms",
             "<= 20 ms every time");
    }

    double disconnectWhileHanging()
    {
        auto server = TestHelpers::MisbehavingServers::neverAnswering();
        Samples samples;
        for (int i = 0; i < 20; ++i)
        {
            ConnectionManager manager (defaults (server->port()));
            manager.connect();
            server->waitForRequests ((size_t) i + 1, 5000);
            const auto start = Clock::now();
            manager.disconnect();
            samples.v.push_back (msSince (start));
        }
        return samples.max();
    }
}

/** Prints the table of issue 12. */
void runIssueTableBenchmarks (bool quick)
{
    std::printf ("\nIssue 12 table (defaults unless said)\n");
    std::printf ("| %-62s | %-30s | %-28s |\n", "what", "measured", "target");

    {
        Samples idle, busy;
        for (int i = 0; i < 3; ++i)
        {
            idle.v.push_back (killedToUnavailable (false));
            busy.v.push_back (killedToUnavailable (true));
        }
        row ("server killed -> unavailable (live channel open), 3 runs", "max " + ms (idle.max()), "<= 250 ms");
        row ("  ... while a 20 s /object_info is in flight, 3 runs", "max " + ms (busy.max()), "<= 250 ms");
    }

    row ("hang 1 s into a 20 s /object_info -> unavailable (5 s/3 s)", ms (hungToUnavailable (5.0, 3.0, true)), "<= 8000 ms");
    row ("server hung -> unavailable, interval 5 s, probe timeout 3 s", ms (hungToUnavailable (5.0, 3.0, false)), "<= 8000 ms (better <= 3000)");
    row ("server hung -> unavailable, interval 1 s, probe timeout 3 s", ms (hungToUnavailable (1.0, 3.0, false)), "<= 4000 ms");

    backAfterAnswering();
    if (! quick)
        backAfterAnswering();

    tinyGenerate();
    row ("disconnect() with a request hanging (max of 20)", juce::String (disconnectWhileHanging(), 2) + " ms", "<= 50 ms");
    std::printf ("| health check vs plain libcurl: see the 'health check' lines above (target <= 1.2x)\n");
}
