// Long-work lane job: readinessChecked() waiters of a backend that went away.

namespace comfybridge::connection_detail
{

/** Nothing can be checked while the backend is away: answers the waiters with what is known. */
class ReadinessAnswerJob : public ScheduledJob
{
public:
    explicit ReadinessAnswerJob (LongLane& l) : shared (l.state()) {}

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        if (! shared.readinessWaiters.empty() && ! shared.status.available)
            return ctx.now;

        return std::nullopt;
    }

    void claim() override
    {
        waiters.swap (shared.readinessWaiters);
        status = shared.status;
    }

    void run() override { resolveAll (waiters, status); }

    const char* name() const override { return "answer readiness waiters"; }

private:
    ConnectionManager::Shared& shared;
    std::vector<std::promise<ComfyUIStatus>> waiters;
    ComfyUIStatus status;
};

} // namespace comfybridge::connection_detail
