#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

using comfybridge::MetricsRecorder;

namespace
{
    const juce::Time t0 (2026, 10, 25, 12, 0, 0, 0, false);
    juce::Time at (double seconds) { return t0 + juce::RelativeTime::seconds (seconds); }
}

TEST_CASE ("metrics: latency, median and checks follow successful checks", "[metrics]")
{
    MetricsRecorder recorder;
    CHECK_FALSE (recorder.get().lastLatencyMs.has_value());
    CHECK_FALSE (recorder.get().medianLatencyMs.has_value());

    recorder.recordSuccess (0.010, at (0));
    recorder.recordSuccess (0.030, at (5));
    recorder.recordSuccess (0.020, at (10));

    const auto& m = recorder.get();
    CHECK (*m.lastLatencyMs == Approx (20.0));
    CHECK (*m.medianLatencyMs == Approx (20.0));
    CHECK (m.checksDone == 3);
    CHECK (m.consecutiveFailures == 0);
    CHECK (m.connectedSince == at (0));
    CHECK (m.uptimeSeconds (at (10)) == Approx (10.0));

    recorder.recordSuccess (0.040, at (15));
    CHECK (*recorder.get().medianLatencyMs == Approx (25.0)); // even count: mean of the middle two
}

TEST_CASE ("metrics: the median covers only the most recent window", "[metrics]")
{
    MetricsRecorder recorder;

    for (size_t i = 0; i < MetricsRecorder::medianWindow; ++i)
        recorder.recordSuccess (1.0);

    for (size_t i = 0; i < MetricsRecorder::medianWindow / 2 + 1; ++i)
        recorder.recordSuccess (0.001);

    CHECK (*recorder.get().medianLatencyMs == Approx (1.0));
}

TEST_CASE ("metrics: failures count up, keep the last error and stop the uptime", "[metrics]")
{
    MetricsRecorder recorder;
    recorder.recordSuccess (0.01, at (0));
    recorder.recordFailure ("connection refused", at (30));
    recorder.recordFailure ("timed out", at (35));

    auto m = recorder.get();
    CHECK (m.consecutiveFailures == 2);
    CHECK (m.lastError == "timed out");
    CHECK (m.lastErrorTime == at (35));
    CHECK (m.connectedSince.toMilliseconds() == 0);
    CHECK (m.uptimeSeconds (at (40)) == 0.0);
    CHECK (m.reconnectCount == 0);
    CHECK (m.checksDone == 3);

    recorder.recordSuccess (0.01, at (50));
    m = recorder.get();
    CHECK (m.reconnectCount == 1);
    CHECK (m.consecutiveFailures == 0);
    CHECK (m.lastError == "timed out"); // kept after recovery: the panel shows it as "last error"
    CHECK (m.connectedSince == at (50));
}

TEST_CASE ("metrics: a first connection and a deliberate disconnect are not reconnects", "[metrics]")
{
    MetricsRecorder recorder;
    recorder.recordFailure ("refused", at (0)); // never connected yet
    recorder.recordSuccess (0.01, at (1));
    CHECK (recorder.get().reconnectCount == 0);

    recorder.recordDisconnect();
    recorder.recordSuccess (0.01, at (5));
    CHECK (recorder.get().reconnectCount == 0);
    CHECK (recorder.get().connectedSince == at (5));
}
