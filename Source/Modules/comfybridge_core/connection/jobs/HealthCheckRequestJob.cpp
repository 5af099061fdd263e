// Monitor lane job: checkHealth(), or a check another part asked for (the live
// channel closed, a readiness request timed out).

namespace comfybridge::connection_detail
{

/** A check asked for now; its waiters get the resulting status. */
class HealthCheckRequestJob : public ScheduledJob
{
public:
    explicit HealthCheckRequestJob (MonitorLane& l) : lane (l), shared (l.state()) {}

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        return shared.checkRequested ? std::optional<Clock::time_point> (ctx.now) : std::nullopt;
    }

    void claim() override
    {
        shared.checkRequested = false;
        waiters.swap (shared.checkWaiters);
    }

    void run() override
    {
        const auto result = lane.runCheck (false);

        if (lane.cancelled())
        {
            // Whoever stopped us resolves these waiters.
            std::lock_guard<std::mutex> lock (shared.mutex);
            for (auto& w : waiters)
                shared.checkWaiters.push_back (std::move (w));

            if (! waiters.empty() && ! shared.shuttingDown)
                shared.checkRequested = true;

            waiters.clear();
            return;
        }

        resolveAll (waiters, result);
    }

    bool probes() const override { return true; }
    const char* name() const override { return "check"; }

private:
    MonitorLane& lane;
    ConnectionManager::Shared& shared;
    std::vector<std::promise<ComfyUIStatus>> waiters;
};

} // namespace comfybridge::connection_detail
