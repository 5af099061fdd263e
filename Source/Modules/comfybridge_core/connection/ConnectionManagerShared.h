#pragma once
// Private to the comfybridge_core module: the state a ConnectionManager's
// callers, its two lanes (ConnectionWorker.cpp, LongWorkLane.cpp) and its
// notifier share. Included by the module's root translation unit only.

namespace comfybridge
{

namespace connection_detail
{
    using Clock = std::chrono::steady_clock;

    /** The first delay between tries of one connect(); each later one is multiplied by retry_backoff. */
    constexpr double firstRetryDelaySeconds = 0.5;
    constexpr double maxRetryDelaySeconds = 30.0;
    constexpr size_t maxLiveMessageBytes = 8u << 20; // previews are at most ~512 px JPEG/PNG

    /** While the live channel is open, a WebSocket ping goes out at most this far apart. */
    constexpr double maxPingCadenceSeconds = 0.5;

    inline Clock::duration toDuration (double seconds)
    {
        return std::chrono::duration_cast<Clock::duration> (std::chrono::duration<double> (seconds));
    }

    inline void resolveAll (std::vector<std::promise<ComfyUIStatus>>& waiters, const ComfyUIStatus& status)
    {
        for (auto& w : waiters)
            w.set_value (status);

        waiters.clear();
    }
}

//==============================================================================
/** State shared between the callers' threads, the two lanes and the notifier. */
struct ConnectionManager::Shared
{
    mutable std::mutex mutex;
    std::condition_variable wakeUp;     // the monitor lane waits on it
    std::condition_variable laneWakeUp; // the long-work lane waits on it

    ComfyUIConfig config;
    ComfyUIStatus status;

    // Commands for the monitor lane (guarded by mutex).
    bool connectRequested = false;
    bool checkRequested = false;
    bool configChanged = false;
    bool shuttingDown = false;
    std::vector<std::promise<ComfyUIStatus>> connectWaiters, checkWaiters;
    double monitorInterval = 0.0;   // seconds, 0 = off
    double reconnectInterval = 0.0; // seconds, 0 = off: the cap of the reconnection backoff

    // Work for the long-work lane (guarded by mutex).
    std::deque<nlohmann::json> liveEvents; // generation events from the live channel, in order
    bool restoredPending = false;          // the backend came back: jobs look themselves up
    bool legacyPaths = false;              // the last good probe found a server without the /api prefix

    // Set by the monitor lane when a lost backend shows a sign of life (SignOfLifeJob probes at once).
    bool lifeSeen = false;

    // Readiness (guarded by mutex).
    bool readinessRequested = false;
    bool readinessRunning = false;
    std::vector<std::promise<ComfyUIStatus>> readinessWaiters;
    ReadinessOptions readiness;
    juce::StringArray failedDownloads;  // not retried automatically until refreshReadiness()
    juce::String downloadActivity;      // the download queue's line for status.activity
    juce::String readinessActivity;     // what the last readiness check did (deployment)
    MetricsRecorder metrics;
    int discoveredPort = 0;             // 0 = the configured port is used
    std::vector<int> discoveryCandidates; // empty = 8188, then 8000..9000
    juce::String discoveryNote;         // says which port discovery found

    /** The config in use: the configured one, with a discovered port. */
    ComfyUIConfig effectiveConfig() const
    {
        auto c = config;
        if (discoveredPort != 0)
            c.port = discoveredPort;
        return c;
    }

    juce::String combinedActivity() const
    {
        juce::StringArray parts { downloadActivity, readinessActivity };
        parts.removeEmptyStrings();
        return parts.joinIntoString (" · ");
    }

    // Notifications waiting for the message thread (guarded by mutex).
    std::deque<ComfyUIStatus> pendingNotifications;

    // Callbacks (own lock: they are called without holding `mutex`).
    std::mutex callbackMutex;
    std::vector<std::pair<CallbackId, std::shared_ptr<StatusCallback>>> callbacks;
    CallbackId nextCallbackId = 1;
};

//==============================================================================
/** Delivers queued status changes on the message thread. */
class ConnectionManager::Notifier : private juce::AsyncUpdater
{
public:
    explicit Notifier (ConnectionManager& m) : manager (m) {}
    ~Notifier() override { cancelPendingUpdate(); }

    void post() { triggerAsyncUpdate(); }
    void cancel() { cancelPendingUpdate(); }

private:
    ConnectionManager& manager;

    void handleAsyncUpdate() override { manager.deliverNotifications(); }
};

} // namespace comfybridge
