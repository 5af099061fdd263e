// The long-work lane of a ConnectionManager: readiness checks (a big install's
// /object_info takes seconds, deployment writes files) and generation I/O
// (submit, history polls, image fetches). It has its own thread and its own
// HttpClient, so the monitor lane (ConnectionWorker.cpp) never waits behind it.

namespace comfybridge
{

using namespace connection_detail;

//==============================================================================
/** Runs readiness checks and generation steps, one at a time, off the monitor lane. */
class ConnectionManager::LongWork : public juce::Thread
{
public:
    explicit LongWork (ConnectionManager& m)
        : juce::Thread ("ComfyBridge long work"), manager (m), shared (*m.shared), client (*m.longClient)
    {
    }

    void run() override
    {
        while (! threadShouldExit())
        {
            bool readiness = false, restored = false;
            std::deque<nlohmann::json> events;
            std::vector<std::promise<ComfyUIStatus>> answerNow;
            ComfyUIStatus statusNow;

            {
                std::unique_lock<std::mutex> lock (shared.mutex);
                const auto engineDue = manager.engine->nextDueMs() - juce::Time::getMillisecondCounterHiRes();

                // Capped: libstdc++ cannot wait until time_point::max() reliably.
                shared.laneWakeUp.wait_for (lock, toDuration (juce::jlimit (0.0, 3600.0, engineDue / 1000.0)), [this]
                {
                    return threadShouldExit() || ! shared.liveEvents.empty() || shared.restoredPending
                        || (shared.readinessRequested && shared.status.available)
                        || (! shared.readinessWaiters.empty() && ! shared.status.available)
                        || manager.engine->hasDueWork();
                });

                if (threadShouldExit())
                    break;

                // Nothing can be checked while the backend is away: answer with what is known.
                if (! shared.readinessWaiters.empty() && ! shared.status.available)
                {
                    answerNow.swap (shared.readinessWaiters);
                    statusNow = shared.status;
                }

                events.swap (shared.liveEvents);
                restored = std::exchange (shared.restoredPending, false);

                if (shared.readinessRequested && shared.status.available)
                {
                    readiness = true;
                    shared.readinessRequested = false;
                    shared.readinessRunning = true;
                }
            }

            resolveAll (answerNow, statusNow);

            if (restored)
                manager.engine->connectionRestored();

            for (const auto& event : events)
                manager.engine->handleLiveEvent (event);

            // Generation first: a short job never waits for a readiness pass.
            if (manager.engine->hasDueWork())
                manager.engine->runDueWork (configSnapshot(), manager.isAvailable(), manager.liveChannel.isOpen());

            if (readiness)
                finishReadiness (runReadinessCheck());
        }
    }

private:
    ConnectionManager& manager;
    Shared& shared;
    HttpClient& client;

    ComfyUIConfig configSnapshot() const
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        return shared.effectiveConfig();
    }

    /** Waiters want the state after the last due check: a newer request keeps them waiting. */
    void finishReadiness (const ComfyUIStatus& result)
    {
        std::vector<std::promise<ComfyUIStatus>> waiters;
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            shared.readinessRunning = false;

            // Interrupted (disconnect or a config change): whoever stopped us answers them.
            if (threadShouldExit() || client.isCancelled())
                return;

            if (! shared.readinessRequested)
                waiters.swap (shared.readinessWaiters);
        }

        resolveAll (waiters, result);
    }

    /** Runs the readiness checks of an available backend and publishes what they found. */
    ComfyUIStatus runReadinessCheck()
    {
        auto config = configSnapshot();
        ReadinessOptions options;
        bool legacyPaths = false;
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            options = shared.readiness;
            legacyPaths = shared.legacyPaths;
        }

        if (! options.actOnFindings)
            config.autoDeployWorkflows = config.autoDownloadModels = false;

        auto report = checkReadiness (client, config, legacyPaths, options.workflows, config.timeout, options.deploymentRecordFile);

        if (client.isCancelled())
            return manager.getStatus();

        std::vector<ModelDownloadJob> toFetch;
        bool stoppedAnswering = false;

        auto status = manager.updateStatus ([&] (ComfyUIStatus& s)
        {
            if (! s.available || shared.readinessRequested)
                return false; // gone meanwhile, or another check is due anyway

            // That failed request was as good as a failed probe: check now rather than at the next interval.
            stoppedAnswering = report.backendStoppedAnswering;
            if (stoppedAnswering)
                shared.checkRequested = true;

            for (auto& job : report.downloads)
                if (! shared.failedDownloads.contains (job.model.folder + "/" + job.model.name))
                    toFetch.push_back (std::move (job));

            shared.readinessActivity = report.activity;
            report.activity = shared.combinedActivity();
            report.applyTo (s);
            return true;
        });

        if (stoppedAnswering)
            manager.wakeWorker();

        if (! toFetch.empty())
            manager.downloads->enqueue (toFetch);

        return status;
    }
};

} // namespace comfybridge
