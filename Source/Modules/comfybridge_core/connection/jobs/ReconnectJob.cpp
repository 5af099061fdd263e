// Monitor lane job: background reconnection while the backend is lost.

namespace comfybridge::connection_detail
{

/** One try per ReconnectPolicy step: fast on loopback, backing off on a remote host. */
class ReconnectJob : public ScheduledJob
{
public:
    explicit ReconnectJob (MonitorLane& l) : lane (l), shared (l.state()) {}

    std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) override
    {
        if (! ctx.down && policy)
            policy->reset(); // a success: the next outage starts from the first step

        if (! ctx.reconnecting || ! ctx.down)
        {
            next = Clock::time_point::max();
            return std::nullopt;
        }

        if (next == Clock::time_point::max())
            next = ctx.now + toDuration (nextDelay());

        return next;
    }

    void run() override
    {
        const auto config = lane.configuredConfig();
        const auto cap = [this]
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            return shared.reconnectInterval;
        }();

        lane.updateStatus ([] (ComfyUIStatus& s)
        {
            if (s.state == ConnectionState::disconnected)
                return false;

            s.state = ConnectionState::reconnecting;
            return true;
        });

        // Port discovery at most once per reconnect interval.
        // (Compared this way round: "never" is time_point::min(), and now - min() overflows.)
        bool discoveryTried = lane.lastDiscoveryTime() > Clock::now() - toDuration (cap);
        const auto result = lane.probeConfiguredPort (config, config.getEffectiveProbeTimeout(), discoveryTried);

        if (! lane.cancelled())
            lane.apply (result, lane.configSnapshot());
    }

    void afterProbe() override { next = Clock::time_point::max(); }
    bool probes() const override { return true; }
    const char* name() const override { return "reconnect"; }

private:
    MonitorLane& lane;
    ConnectionManager::Shared& shared;
    juce::Random random;
    std::optional<ReconnectPolicy> policy;
    double policyCap = 0.0;
    Clock::time_point next = Clock::time_point::max();

    /** The wait before the next try (mutex held). */
    double nextDelay()
    {
        const auto loopback = shared.config.isLoopbackHost();

        if (! policy || policy->isLoopback() != loopback || policyCap != shared.reconnectInterval)
        {
            policy.emplace (loopback, shared.reconnectInterval, random.nextInt64());
            policyCap = shared.reconnectInterval;
        }

        return policy->nextDelaySeconds();
    }
};

} // namespace comfybridge::connection_detail
