// Monitor lane job: one connect() attempt (also run after a config change).

namespace comfybridge::connection_detail
{

/** connect() (or a config change): tries with retries and backoff, port discovery once. */
class ConnectRequestJob : public ScheduledJob
{
public:
    explicit ConnectRequestJob (MonitorLane& l) : lane (l), shared (l.state()) {}

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        if (shared.connectRequested || shared.configChanged)
            return ctx.now;

        return std::nullopt;
    }

    void claim() override
    {
        shared.connectRequested = shared.configChanged = false;
        waiters.swap (shared.connectWaiters);
    }

    void run() override
    {
        const auto result = attempt();

        if (lane.cancelled())
        {
            handBack();
            return;
        }

        resolveAll (waiters, result);
    }

    bool probes() const override { return true; }
    const char* name() const override { return "connect"; }

private:
    MonitorLane& lane;
    ConnectionManager::Shared& shared;
    std::vector<std::promise<ComfyUIStatus>> waiters;

    ComfyUIStatus attempt()
    {
        const auto config = lane.configuredConfig();
        bool discoveryTried = false;

        lane.updateStatus ([&] (ComfyUIStatus& s)
        {
            s.url = config.getBaseUrl();
            s.endpoint = Endpoint::from (config);
            s.state = ConnectionState::connecting;
            return true;
        });

        ProbeResult last;
        auto delay = firstRetryDelaySeconds;

        for (int attempt = 0; attempt <= config.maxRetries; ++attempt)
        {
            if (lane.interrupted())
                return lane.currentStatus();

            last = lane.probeConfiguredPort (config, config.timeout, discoveryTried);

            if (last.reachedComfyUI || ! last.worthRetrying || attempt == config.maxRetries)
                break;

            if (! lane.pause (lane.jittered (delay)))
                return lane.currentStatus();

            delay = juce::jmin (maxRetryDelaySeconds, delay * config.retryBackoff);
        }

        if (lane.cancelled())
            return lane.currentStatus();

        return lane.apply (last, lane.configSnapshot());
    }

    /** Interrupted (disconnect or a config change): whoever stopped us resolves these waiters. */
    void handBack()
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        for (auto& w : waiters)
            shared.connectWaiters.push_back (std::move (w));

        if (! waiters.empty() && ! shared.shuttingDown)
            shared.connectRequested = true;

        waiters.clear();
    }
};

} // namespace comfybridge::connection_detail
