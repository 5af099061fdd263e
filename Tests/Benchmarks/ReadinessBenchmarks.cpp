// Readiness and reach benchmarks: port discovery over ComfyUI Desktop's range, and
// one readiness pass (CORS + inventory + analysis) against the test server. Prints
// figures, asserts nothing.

#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include "Shared/BundledWorkflows.h"

#include <algorithm>
#include "BenchmarkTiming.h"

#include <cstdio>
#include <vector>

namespace
{
    using benchmark_timing::Clock;
    using benchmark_timing::msSince;
    using benchmark_timing::median;

    /** A TCP connect scan of 8188 + 8000..9000 on loopback (nothing of ours listens there). */
    void discoveryScan()
    {
        const auto candidates = comfybridge::comfyUICandidatePorts (0);
        std::vector<double> ms;
        size_t open = 0;

        for (int run = 0; run < 10; ++run)
        {
            const auto start = Clock::now();
            open = comfybridge::findOpenLoopbackPorts ("127.0.0.1", candidates, 8, {}).size();
            ms.push_back (msSince (start));
        }

        std::printf ("port discovery: TCP scan of %zu loopback ports: median %.2f ms, max %.2f ms (%zu open on this machine)\n",
                     candidates.size(), median (ms), *std::max_element (ms.begin(), ms.end()), open);
    }

    /** Connect with discovery on, ComfyUI on the last port of the range. */
    void discoveryToConnected()
    {
        TestHelpers::FakeComfyUI server;
        int port = 0;
        for (int p = 8999; p > 8100 && port == 0; --p)
            if (server.start (p))
                port = p;

        if (port == 0)
        {
            std::printf ("port discovery: no free port in 8100..8999, skipped\n");
            return;
        }

        comfybridge::ComfyUIConfig config;
        config.host = "127.0.0.1";
        config.port = 8000; // assumed closed here
        config.maxRetries = 0;

        std::vector<double> ms;
        for (int run = 0; run < 5; ++run)
        {
            comfybridge::ConnectionManager manager (config);
            const auto start = Clock::now();
            const auto status = manager.connect().get();
            ms.push_back (msSince (start));

            if (! status.available)
            {
                std::printf ("port discovery: not found (%s)\n", status.errorMessage.value_or ("").toRawUTF8());
                return;
            }
        }

        std::printf ("port discovery: connect() with 8000 closed, ComfyUI on %d: median %.2f ms, max %.2f ms (5 runs)\n",
                     port, median (ms), *std::max_element (ms.begin(), ms.end()));
    }

    /** One readiness pass of the bundled workflows (CORS, object_info, models, analysis; no deploy). */
    void readinessPass()
    {
        TestHelpers::FakeComfyUI server;
        server.start();
        server.setCorsOrigin ("*");

        juce::StringArray errors;
        const auto workflows = comfybridge::loadBundledWorkflows (errors).getWorkflows();
        auto config = comfybridge::ComfyUIConfig();
        config.host = "127.0.0.1";
        config.port = server.port();
        config.autoDeployWorkflows = config.autoDownloadModels = false;

        comfybridge::CurlHttpClient client;
        std::vector<double> ms;
        bool ready = false;

        for (int run = 0; run < 20; ++run)
        {
            const auto start = Clock::now();
            const auto report = comfybridge::checkReadiness (client, config, false, workflows, 5.0);
            ms.push_back (msSince (start));
            ready = report.corsEnabled && report.modelsReady && report.workflowsReady;
        }

        std::printf ("readiness pass (CORS + object_info %zu bytes + models + 3 workflows): median %.2f ms, max %.2f ms (20 runs, %s)\n",
                     server.objectInfo().dump().size(), median (ms), *std::max_element (ms.begin(), ms.end()),
                     ready ? "all ready" : "NOT ready");
    }
}

void runReadinessBenchmarks()
{
    discoveryScan();
    discoveryToConnected();
    readinessPass();
}
