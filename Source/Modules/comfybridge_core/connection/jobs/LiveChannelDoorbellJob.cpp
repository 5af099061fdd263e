// Monitor lane job: while a remote backend is lost, the live channel keeps
// trying to open at a gentle fixed cadence. Reconnection backs off up to its
// interval (30 s, say); an accepted channel is a sign of life and probes at
// once (SignOfLifeJob), so a remote server is seen back within this cadence.
// Loopback hosts need no doorbell: reconnection tries them every 0.25 s.

namespace comfybridge::connection_detail
{

/** Tries the live channel of a lost remote backend every doorbellSeconds. */
class LiveChannelDoorbellJob : public ScheduledJob
{
public:
    explicit LiveChannelDoorbellJob (MonitorLane& l) : lane (l), shared (l.state()) {}

    /** One try per this many seconds per manager: fast enough to matter, gentle on a remote server. */
    static constexpr double doorbellSeconds = 2.0;

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        const auto wanted = ctx.down && ! ctx.channelOpen && (ctx.monitoring || ctx.reconnecting)
                         && ! shared.config.isLoopbackHost();

        if (! wanted)
        {
            next = Clock::time_point::max();
            return std::nullopt;
        }

        if (next == Clock::time_point::max())
            next = ctx.now + toDuration (doorbellSeconds);

        return next;
    }

    void run() override
    {
        lane.openLiveChannel();
        next = Clock::now() + toDuration (doorbellSeconds);

        if (lane.isLiveChannelOpen())
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            shared.lifeSeen = true;
        }
    }

    const char* name() const override { return "live channel doorbell"; }

private:
    MonitorLane& lane;
    ConnectionManager::Shared& shared;
    Clock::time_point next = Clock::time_point::max();
};

} // namespace comfybridge::connection_detail
