// Monitor lane job: opens the WebSocket live channel of an available backend,
// right after the first good probe (before readiness or anything else).

namespace comfybridge::connection_detail
{

/** Opens /ws?clientId=... while the backend is available and the channel closed; a failure retries in 10 s. */
class LiveChannelOpenJob : public ScheduledJob
{
public:
    explicit LiveChannelOpenJob (MonitorLane& l) : lane (l) {}

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        if (! ctx.available || ctx.channelOpen)
            return std::nullopt;

        return nextTry;
    }

    void run() override { nextTry = lane.openLiveChannel(); }

    const char* name() const override { return "open live channel"; }

private:
    MonitorLane& lane;
    Clock::time_point nextTry = Clock::time_point::min();
};

} // namespace comfybridge::connection_detail
