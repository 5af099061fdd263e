// Generation benchmarks: prints figures, asserts nothing.

#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include "Support/FakeExecutor.h"
#include "Shared/BundledWorkflows.h"

#include <algorithm>
#include "BenchmarkTiming.h"

#include <cstdio>
#include <thread>

namespace
{
    using benchmark_timing::Clock;
    using benchmark_timing::msSince;
    using benchmark_timing::median;

    comfybridge::ComfyUIConfig configFor (int port)
    {
        comfybridge::ComfyUIConfig config;
        config.host = "127.0.0.1";
        config.port = port;
        config.maxRetries = 0;
        return config;
    }
}

void runGenerationBenchmarks()
{
    // 1. Placeholder 1024x1024 render + PNG encode, beside ImageMagick drawing a comparable picture.
    {
        std::vector<double> ours;
        for (int i = 0; i < 10; ++i)
        {
            comfybridge::PlaceholderRequest request;
            request.prompt = "a lighthouse on a cliff at dusk, dramatic clouds, oil painting";
            request.seed = i;
            request.width = request.height = 1024;
            request.reason = "connection refused at http://localhost:8000";
            const auto start = Clock::now();
            auto image = std::get<juce::Image> (comfybridge::PlaceholderRenderer::render (request));
            auto png = comfybridge::PlaceholderRenderer::encodePng (image);
            ours.push_back (msSince (start));
        }

        std::vector<double> magick;
        const auto out = juce::File::createTempFile (".png");
        for (int i = 0; i < 5; ++i)
        {
            juce::ChildProcess convert;
            const auto start = Clock::now();
            if (! convert.start (juce::StringArray { "convert", "-size", "1024x1024", "gradient:#3050a0-#a03070", "-gravity", "center",
                                                     "-pointsize", "48", "-fill", "white", "-annotate", "0",
                                                     "a lighthouse on a cliff at dusk", out.getFullPathName() }, 0))
                break;
            convert.waitForProcessToFinish (60000);
            magick.push_back (msSince (start));
        }
        out.deleteFile();

        if (magick.empty())
            std::printf ("placeholder 1024x1024 render + PNG: median %.1f ms (ImageMagick convert not found)\n", median (ours));
        else
            std::printf ("placeholder 1024x1024 render + PNG: median %.1f ms; ImageMagick convert gradient+text to PNG: median %.1f ms; ratio %.2f\n",
                         median (ours), median (magick), median (ours) / median (magick));
    }

    // 2. End-to-end overhead of generate() for a 64x64 image (submit -> image in memory), no simulated work.
    {
        TestHelpers::FakeComfyUI server;
        server.start();
        TestSupport::FakeExecutor executor (server);
        executor.setStepDelayMs (0);
        comfybridge::ConnectionManager manager (configFor (server.port()));
        manager.connect().get();
        while (! manager.isLiveChannelOpen())
            std::this_thread::sleep_for (std::chrono::milliseconds (1));

        auto workflow = std::get<comfybridge::WorkflowDefinition> (comfybridge::findWorkflow ("empty_image"));
        std::vector<double> samples;
        for (int i = 0; i < 30; ++i)
        {
            comfybridge::GenerationRequest request;
            request.workflow = workflow;
            request.inputs.seed = i;
            request.inputs.width = request.inputs.height = 64;
            const auto start = Clock::now();
            const auto result = manager.generate (request)->getFuture().get();
            samples.push_back (msSince (start));
            if (result.outcome != comfybridge::GenerationOutcome::generated)
                std::printf ("  (run %d: %s)\n", i, comfybridge::toString (result.outcome).toRawUTF8());
        }
        std::printf ("generate() 64x64 end to end on the test server (live channel, no simulated work): median %.2f ms, max %.2f ms (30 runs)\n",
                     median (samples), *std::max_element (samples.begin(), samples.end()));
    }

    // 3. Backend death -> status change through the live channel (monitoring off).
    {
        std::vector<double> samples;
        for (int i = 0; i < 5; ++i)
        {
            TestHelpers::FakeComfyUI server;
            server.start();
            comfybridge::ConnectionManager manager (configFor (server.port()));
            manager.connect().get();
            while (! manager.isLiveChannelOpen())
                std::this_thread::sleep_for (std::chrono::milliseconds (1));

            const auto start = Clock::now();
            server.stop();
            while (manager.isAvailable() && msSince (start) < 10000)
                std::this_thread::sleep_for (std::chrono::microseconds (200));
            samples.push_back (msSince (start));
        }
        std::printf ("backend death -> unavailable via the live channel (no polling): median %.2f ms, max %.2f ms (5 runs)\n",
                     median (samples), *std::max_element (samples.begin(), samples.end()));
    }
}
