#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Keeps a manager's ConnectionMetrics up to date from the outcome of each
    check. Used by the manager's worker thread only; the manager copies the
    metrics into every status it publishes.
*/
class MetricsRecorder
{
public:
    /** Records a check that reached ComfyUI after @p latencySeconds. */
    void recordSuccess (double latencySeconds, juce::Time now = juce::Time::getCurrentTime());

    /** Records a failed check and its message. */
    void recordFailure (const juce::String& message, juce::Time now = juce::Time::getCurrentTime());

    /** Marks the connection as deliberately closed: uptime stops, the next success is not a reconnect. */
    void recordDisconnect();

    /** The metrics so far. */
    const ConnectionMetrics& get() const noexcept { return metrics; }

    /** How many latencies the median is taken over. */
    static constexpr size_t medianWindow = 32;

private:
    ConnectionMetrics metrics;
    std::deque<double> recentLatenciesMs;
    bool wasLost = false; // true after a failure that followed a success: the next success is a reconnect
};

} // namespace comfybridge
