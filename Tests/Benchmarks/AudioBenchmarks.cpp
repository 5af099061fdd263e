// Audio benchmarks (issue 14): a 10 s 48 kHz stereo clip against the test server. Prints figures, asserts nothing.

#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include "Support/AudioTestSupport.h"
#include "Support/FakeExecutor.h"
#include "Shared/BundledWorkflows.h"

#include <algorithm>
#include "BenchmarkTiming.h"

#include <cstdio>

namespace
{
    using benchmark_timing::Clock;
    using benchmark_timing::msSince;
    using benchmark_timing::median;

    /** A clip that compresses like music, not like a pure tone: two tones plus quiet noise. */
    comfybridge::AudioClip musicLikeClip (double rate, int frames)
    {
        juce::Random random (42);
        juce::AudioBuffer<float> buffer (2, frames);
        for (int c = 0; c < 2; ++c)
            for (int i = 0; i < frames; ++i)
                buffer.setSample (c, i, 0.3f * (float) std::sin (juce::MathConstants<double>::twoPi * 220.0 * (c + 1) * i / rate)
                                        + 0.2f * (float) std::sin (juce::MathConstants<double>::twoPi * 331.0 * i / rate)
                                        + 0.05f * (random.nextFloat() - 0.5f));
        return comfybridge::AudioClip::fromBuffer (std::move (buffer), rate);
    }

    /** POST /upload/image of @p bytes to the fake, as the engine sends it; returns milliseconds. */
    double uploadMs (int port, const juce::MemoryBlock& bytes, const juce::String& name, const juce::String& mime)
    {
        const auto boundary = juce::String ("comfybridge-bench");
        std::string body = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + name
                            + "\"\r\nContent-Type: " + mime + "\r\n\r\n").toStdString();
        body.append (static_cast<const char*> (bytes.getData()), bytes.getSize());
        body += ("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\ninput\r\n--" + boundary + "--\r\n").toStdString();

        comfybridge::CurlHttpClient client;
        comfybridge::HttpRequest request;
        request.method = "POST";
        request.url = "http://127.0.0.1:" + juce::String (port) + "/api/upload/image";
        request.headers.set ("Content-Type", "multipart/form-data; boundary=" + boundary);
        request.body = std::move (body);
        const auto start = Clock::now();
        client.perform (request);
        return msSince (start);
    }
}

void runAudioBenchmarks()
{
    constexpr int runs = 7;
    const auto clip = musicLikeClip (48000.0, 480000);

    std::vector<double> wavMs, flacMs, flac24Ms;
    juce::MemoryBlock wav, flac;
    for (int i = 0; i < runs; ++i)
    {
        auto start = Clock::now();
        wav = comfybridge::encodeWav (clip, 24);
        wavMs.push_back (msSince (start));
        start = Clock::now();
        flac = comfybridge::encodeFlac (clip, 16);
        flacMs.push_back (msSince (start));
        start = Clock::now();
        comfybridge::encodeFlac (clip, 24);
        flac24Ms.push_back (msSince (start));
    }
    std::printf ("audio 10 s 48 kHz stereo encode: WAV 24-bit median %.1f ms (%.2f MB); FLAC 16-bit median %.1f ms (%.2f MB); FLAC 24-bit median %.1f ms\n",
                 median (wavMs), (double) wav.getSize() / 1.0e6, median (flacMs), (double) flac.getSize() / 1.0e6, median (flac24Ms));

    std::vector<double> decodeMs, resampleMs;
    for (int i = 0; i < runs; ++i)
    {
        auto start = Clock::now();
        comfybridge::decodeAudio (flac);
        decodeMs.push_back (msSince (start));
        start = Clock::now();
        comfybridge::resampleClip (clip, 44100.0);
        resampleMs.push_back (msSince (start));
    }
    std::printf ("audio 10 s 48 kHz stereo: FLAC decode median %.1f ms; resample 48 -> 44.1 kHz median %.1f ms\n", median (decodeMs), median (resampleMs));

    {
        // The long case the long-work lane meets: a 10-minute stereo result at 48 kHz for a 44.1 kHz host.
        const auto tenMinutes = musicLikeClip (48000.0, 48000 * 600);
        auto start = Clock::now();
        const auto down = comfybridge::resampleClip (tenMinutes, 44100.0);
        const auto downMs = msSince (start);
        start = Clock::now();
        const auto up = comfybridge::resampleClip (down, 48000.0);
        std::printf ("audio 10 min stereo: resample 48 -> 44.1 kHz %.0f ms, 44.1 -> 48 kHz %.0f ms (%d, %d frames)\n",
                     downMs, msSince (start), down.getNumSamples(), up.getNumSamples());
    }

    TestHelpers::FakeComfyUI server;
    if (! server.start())
        return;
    TestSupport::FakeExecutor executor (server);
    executor.setStepDelayMs (0);

    std::vector<double> wavUp, flacUp;
    for (int i = 0; i < runs; ++i)
    {
        wavUp.push_back (uploadMs (server.port(), wav, "bench" + juce::String (i) + ".wav", "audio/wav"));
        flacUp.push_back (uploadMs (server.port(), flac, "bench" + juce::String (i) + ".flac", "audio/flac"));
    }
    std::printf ("audio upload to the test server (loopback): WAV median %.1f ms, FLAC median %.1f ms; at 100 Mbit/s the WAV would take %.0f ms, the FLAC %.0f ms\n",
                 median (wavUp), median (flacUp), (double) wav.getSize() * 8.0 / 1.0e5, (double) flac.getSize() * 8.0 / 1.0e5);

    comfybridge::ComfyUIConfig config;
    config.host = "127.0.0.1";
    config.port = server.port();
    config.maxRetries = 0;
    comfybridge::ConnectionManager manager (config);
    if (! manager.connect().get().available)
        return;

    std::vector<double> roundTrips;
    for (int i = 0; i < runs; ++i)
    {
        comfybridge::GenerationRequest request;
        request.workflow = std::get<comfybridge::WorkflowDefinition> (comfybridge::findWorkflow ("audio_gain"));
        // A different clip each run, so every run uploads (no server-side cache).
        request.inputAudio = musicLikeClip (48000.0, 480000 - i);
        request.outputSampleRate = 48000.0;
        const auto start = Clock::now();
        const auto result = manager.generate (request)->getFuture().get();
        roundTrips.push_back (msSince (start));
        if (result.outcome != comfybridge::GenerationOutcome::generated)
            std::printf ("  (run %d: %s)\n", i, comfybridge::toString (result.outcome).toRawUTF8());
    }
    std::printf ("audio_gain round trip, 10 s 48 kHz stereo on the test server (encode, upload, run, fetch FLAC, decode): median %.0f ms, max %.0f ms (%d runs)\n",
                 median (roundTrips), *std::max_element (roundTrips.begin(), roundTrips.end()), runs);
    manager.disconnect();
}
