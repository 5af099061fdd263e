// Long-work lane job: hands the live channel's generation events to the jobs,
// and tells them when the backend came back (they look themselves up).

namespace comfybridge::connection_detail
{

/** Delivers queued live events (in order) and the "backend restored" signal to the engine. */
class LiveEventsJob : public ScheduledJob
{
public:
    explicit LiveEventsJob (LongLane& l) : lane (l), shared (l.state()) {}

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        if (! shared.liveEvents.empty() || shared.restoredPending)
            return ctx.now;

        return std::nullopt;
    }

    void claim() override
    {
        events.swap (shared.liveEvents);
        restored = std::exchange (shared.restoredPending, false);
    }

    void run() override
    {
        if (std::exchange (restored, false))
            lane.engine().connectionRestored();

        for (const auto& event : events)
            lane.engine().handleLiveEvent (event);

        events.clear();
    }

    const char* name() const override { return "live events"; }

private:
    LongLane& lane;
    ConnectionManager::Shared& shared;
    std::deque<nlohmann::json> events;
    bool restored = false;
};

} // namespace comfybridge::connection_detail
