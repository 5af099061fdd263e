namespace comfybridge
{

void MetricsRecorder::recordSuccess (double latencySeconds, juce::Time now)
{
    const auto ms = latencySeconds * 1000.0;
    ++metrics.checksDone;
    metrics.lastLatencyMs = ms;
    metrics.consecutiveFailures = 0;

    recentLatenciesMs.push_back (ms);
    if (recentLatenciesMs.size() > medianWindow)
        recentLatenciesMs.pop_front();

    std::vector<double> sorted (recentLatenciesMs.begin(), recentLatenciesMs.end());
    std::sort (sorted.begin(), sorted.end());
    const auto n = sorted.size();
    metrics.medianLatencyMs = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;

    if (metrics.connectedSince.toMilliseconds() == 0)
    {
        metrics.connectedSince = now;

        if (wasLost)
            ++metrics.reconnectCount;
    }

    wasLost = false;
}

void MetricsRecorder::recordFailure (const juce::String& message, juce::Time now)
{
    ++metrics.checksDone;
    ++metrics.consecutiveFailures;
    metrics.lastError = message;
    metrics.lastErrorTime = now;

    if (metrics.connectedSince.toMilliseconds() != 0)
        wasLost = true;

    metrics.connectedSince = {};
}

void MetricsRecorder::recordDisconnect()
{
    metrics.connectedSince = {};
    wasLost = false;
}

} // namespace comfybridge
