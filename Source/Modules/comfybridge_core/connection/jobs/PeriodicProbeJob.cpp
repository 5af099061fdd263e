// Monitor lane job: the periodic health check of startHealthMonitoring().

namespace comfybridge::connection_detail
{

/** A probe every monitor interval, timed from the end of the last probe (no pile-up). */
class PeriodicProbeJob : public ScheduledJob
{
public:
    explicit PeriodicProbeJob (MonitorLane& l) : lane (l), shared (l.state()) {}

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        // An interval switched off clears the timer.
        if (! ctx.monitoring)
        {
            next = Clock::time_point::max();
            return std::nullopt;
        }

        if (next == Clock::time_point::max())
            next = ctx.now + toDuration (shared.monitorInterval);

        // While reconnection owns a lost backend, monitoring waits for it.
        if (ctx.down && ctx.reconnecting)
            return std::nullopt;

        return next;
    }

    void run() override { lane.runCheck (true); }

    void afterProbe() override { next = Clock::time_point::max(); }
    bool probes() const override { return true; }
    const char* name() const override { return "probe"; }

private:
    MonitorLane& lane;
    ConnectionManager::Shared& shared;
    Clock::time_point next = Clock::time_point::max();
};

} // namespace comfybridge::connection_detail
