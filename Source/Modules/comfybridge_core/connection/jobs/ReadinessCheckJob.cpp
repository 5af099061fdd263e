// Long-work lane job: the readiness checks of an available backend (/object_info
// takes seconds on a big install; deployment writes files), and the model
// downloads they find missing.

namespace comfybridge::connection_detail
{

/** Runs a readiness check when one is asked for and the backend is available. */
class ReadinessCheckJob : public ScheduledJob
{
public:
    explicit ReadinessCheckJob (LongLane& l) : lane (l), shared (l.state()) {}

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        if (shared.readinessRequested && ctx.available)
            return ctx.now;

        return std::nullopt;
    }

    void claim() override
    {
        shared.readinessRequested = false;
        shared.readinessRunning = true;
    }

    void run() override { finish (check()); }

    const char* name() const override { return "readiness"; }

private:
    LongLane& lane;
    ConnectionManager::Shared& shared;

    /** Waiters want the state after the last due check: a newer request keeps them waiting. */
    void finish (const ComfyUIStatus& result)
    {
        std::vector<std::promise<ComfyUIStatus>> waiters;
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            shared.readinessRunning = false;

            // Interrupted (disconnect or a config change): whoever stopped us answers them.
            if (lane.interrupted())
                return;

            if (! shared.readinessRequested)
                waiters.swap (shared.readinessWaiters);
        }

        resolveAll (waiters, result);
    }

    /** Runs the readiness checks and publishes what they found; missing models go to the download queue. */
    ComfyUIStatus check()
    {
        auto config = lane.configSnapshot();
        ReadinessOptions options;
        bool legacyPaths = false;
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            options = shared.readiness;
            legacyPaths = shared.legacyPaths;
        }

        if (! options.actOnFindings)
            config.autoDeployWorkflows = config.autoDownloadModels = false;

        auto report = checkReadiness (lane.http(), config, legacyPaths, options.workflows, config.timeout, options.deploymentRecordFile);

        if (lane.interrupted())
            return lane.currentStatus();

        std::vector<ModelDownloadJob> toFetch;
        bool stoppedAnswering = false;

        auto status = lane.updateStatus ([&] (ComfyUIStatus& s)
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
            lane.wakeMonitor();

        // Queued before the waiters are answered: modelDownloadsFinished() afterwards sees them.
        if (! toFetch.empty())
            lane.downloadQueue().enqueue (toFetch);

        return status;
    }
};

} // namespace comfybridge::connection_detail
