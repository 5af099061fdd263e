// Long-work lane job: generation submissions, history polls and result fetches
// (each job's steps are timed by the GenerationEngine).

namespace comfybridge::connection_detail
{

/** Runs every generation step that is due; ahead of readiness, so a short job never waits for it. */
class GenerationStepsJob : public ScheduledJob
{
public:
    explicit GenerationStepsJob (LongLane& l) : lane (l) {}

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        auto& engine = lane.engine();

        if (engine.hasDueWork())
            return ctx.now;

        const auto dueInMs = engine.nextDueMs() - juce::Time::getMillisecondCounterHiRes();

        if (dueInMs > 3600.0e3)
            return std::nullopt;

        return ctx.now + toDuration (juce::jmax (0.0, dueInMs) / 1000.0);
    }

    void run() override
    {
        lane.engine().runDueWork (lane.configSnapshot(), lane.isAvailable(), lane.isLiveChannelOpen());
    }

    const char* name() const override { return "generation steps"; }

private:
    LongLane& lane;
};

} // namespace comfybridge::connection_detail
