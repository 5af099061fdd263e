// Monitor lane job: WebSocket pings while the live channel is open, which see
// a hung server within the probe timeout (a silent channel says nothing).

namespace comfybridge::connection_detail
{

/** A ping every min (interval, 0.5 s); judges the oldest unanswered one at its deadline. */
class PingJob : public ScheduledJob
{
public:
    explicit PingJob (MonitorLane& l) : lane (l), shared (l.state()) {}

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        auto& pings = lane.pings();

        if (! (ctx.monitoring && ctx.channelOpen && ctx.available))
        {
            pings.reset();
            return std::nullopt;
        }

        pings.configure (lane.pingCadence(), shared.effectiveConfig().getEffectiveProbeTimeout());
        return pings.isDue (ctx.now) ? ctx.now : pings.nextWake();
    }

    void run() override
    {
        // At a deadline this gives the verdict; at a ping's time it sends the next one.
        lane.checkPong();

        if (lane.pings().isDue (Clock::now()))
            lane.pingNow();
    }

    const char* name() const override { return "ping"; }

private:
    MonitorLane& lane;
    ConnectionManager::Shared& shared;
};

} // namespace comfybridge::connection_detail
