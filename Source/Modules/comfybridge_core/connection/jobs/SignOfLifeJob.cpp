// Monitor lane job: any sign of life from a lost backend (a WebSocket frame on a
// channel still open, a live channel the doorbell got accepted) probes at once
// instead of at the next tick of monitoring or reconnection.

namespace comfybridge::connection_detail
{

/** Probes now after a sign of life from a backend that is down; at most one a second. */
class SignOfLifeJob : public ScheduledJob
{
public:
    explicit SignOfLifeJob (MonitorLane& l) : lane (l), shared (l.state()) {}

    /** The fewest seconds between two probes it triggers: a chatty server cannot make a storm. */
    static constexpr double minSpacingSeconds = 1.0;

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        if (! shared.lifeSeen)
            return std::nullopt;

        if (! ctx.down)
        {
            shared.lifeSeen = false; // already back, or disconnected: nothing to find out
            return std::nullopt;
        }

        return std::max (ctx.now, lastRun + toDuration (minSpacingSeconds));
    }

    void claim() override { shared.lifeSeen = false; }

    void run() override
    {
        lastRun = Clock::now();
        lane.runCheck (false);
    }

    bool probes() const override { return true; }
    const char* name() const override { return "sign of life"; }

private:
    MonitorLane& lane;
    ConnectionManager::Shared& shared;
    Clock::time_point lastRun = Clock::time_point::min() + std::chrono::hours (1);
};

} // namespace comfybridge::connection_detail
