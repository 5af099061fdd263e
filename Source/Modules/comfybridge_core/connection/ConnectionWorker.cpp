// The monitor lane of a ConnectionManager: connect attempts, health checks,
// reconnection and the live channel (events, and pings that see a hung server).
// It never runs long work (LongWorkLane.cpp does), so it is never blind. What it
// runs are the scheduled jobs in connection/jobs/ (see ScheduledJob.h); this
// file is the loop and the building blocks they share (MonitorLane.h).

namespace comfybridge
{

using namespace connection_detail;

namespace connection_detail
{
    /** The context both lanes ask their jobs with; call with the shared mutex held. */
    inline SchedulerContext makeSchedulerContext (const ConnectionManager::Shared& shared, bool channelOpen)
    {
        SchedulerContext ctx;
        ctx.now = Clock::now();
        ctx.available = shared.status.available;
        ctx.down = ! shared.status.available && shared.status.state != ConnectionState::disconnected;
        ctx.channelOpen = channelOpen;
        ctx.monitoring = shared.monitorInterval > 0.0;
        ctx.reconnecting = shared.reconnectInterval > 0.0;
        return ctx;
    }
}

//==============================================================================
/** The thread that watches the backend: probes, reconnection, the live channel. */
class ConnectionManager::Worker : public juce::Thread,
                                  private MonitorLane
{
public:
    explicit Worker (ConnectionManager& m)
        : juce::Thread ("ComfyBridge connection"), manager (m), shared (*m.shared), client (*m.client)
    {
        // In priority order: requests first, then what keeps the view honest.
        MonitorLane& lane = *this; // the jobs see only the lane's building blocks
        scheduler.add (std::make_unique<ConnectRequestJob> (lane));
        scheduler.add (std::make_unique<HealthCheckRequestJob> (lane));
        scheduler.add (std::make_unique<SignOfLifeJob> (lane));
        scheduler.add (std::make_unique<ReconnectJob> (lane));
        scheduler.add (std::make_unique<LiveChannelOpenJob> (lane)); // right after a good probe, before readiness
        scheduler.add (std::make_unique<PeriodicProbeJob> (lane));
        scheduler.add (std::make_unique<PingJob> (lane));
        scheduler.add (std::make_unique<LiveChannelDoorbellJob> (lane));
    }

    void run() override
    {
        while (! threadShouldExit())
        {
            // Anything that woke us before this point is visible under the lock below.
            manager.liveChannel.resetCancellation();

            ScheduledJob* job = nullptr;
            auto until = Clock::time_point::max();
            {
                std::unique_lock<std::mutex> lock (shared.mutex);
                const auto choice = scheduler.choose (context());

                if (choice.job != nullptr)
                {
                    job = choice.job;
                    job->claim();
                }
                else
                {
                    // Capped above: libstdc++ cannot wait until time_point::max() reliably.
                    until = std::min (choice.wakeAt, Clock::now() + std::chrono::hours (1));

                    if (! manager.liveChannel.isOpen())
                    {
                        shared.wakeUp.wait_until (lock, until, [&] { return shouldLookAgain (until); });
                        continue;
                    }
                }
            }

            if (job == nullptr)
            {
                // The live channel is open: wait on it instead (a wake cancels the receive).
                listenToLiveChannel (until);
                checkPong();
                continue;
            }

            job->run();

            if (threadShouldExit() || client.isCancelled())
                break;

            // The next periodic check is timed from the end of this one: no pile-up.
            if (job->probes())
                scheduler.probeFinished();
        }

        // Shutting down: drop the socket without a goodbye (close() returns at once when cancelled).
        manager.liveChannel.cancel();
        manager.liveChannel.close();
        manager.liveChannelOpen = false;
        pingMonitor.reset();
    }

private:
    ConnectionManager& manager;
    Shared& shared;
    HttpClient& client;
    juce::Random random;
    JobScheduler scheduler;
    DiscoveringProbe discovery { shared, client, [this] { return interrupted() || client.isCancelled(); } };

    PingMonitor pingMonitor; // while the live channel is open: pings, and the verdict on their pongs

    juce::String lastLiveChannelError;  // logged once per distinct cause

    //==============================================================================
    /** What the jobs are asked with (mutex held). */
    SchedulerContext context() const
    {
        return makeSchedulerContext (shared, manager.liveChannel.isOpen());
    }

    /** Wait predicate (mutex held): told to stop, a job became due, or one is due before @p until. */
    bool shouldLookAgain (Clock::time_point until)
    {
        if (threadShouldExit())
            return true;

        const auto again = scheduler.choose (context());
        return again.job != nullptr || again.wakeAt < until;
    }

    //==============================================================================
    // MonitorLane
    Shared& state() override { return shared; }
    PingMonitor& pings() override { return pingMonitor; }
    bool isLiveChannelOpen() const override { return manager.liveChannel.isOpen(); }
    ComfyUIStatus currentStatus() const override { return manager.getStatus(); }
    Clock::time_point lastDiscoveryTime() const override { return discovery.lastRun(); }
    bool cancelled() const override { return threadShouldExit() || client.isCancelled(); }

    ComfyUIStatus updateStatus (const std::function<bool (ComfyUIStatus&)>& change) override
    {
        return manager.updateStatus (change);
    }

    /** How often a ping goes out while the live channel is open (mutex held). */
    double pingCadence() const override
    {
        return juce::jmin (shared.monitorInterval, maxPingCadenceSeconds);
    }

    /** The config to use now: the configured one, with the discovered port if any. */
    ComfyUIConfig configSnapshot() const override
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        return shared.effectiveConfig();
    }

    bool interrupted() const override
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        return threadShouldExit() || shared.configChanged || shared.shuttingDown;
    }

    /** Sleeps between tries; returns false when told to stop or when the config changed. */
    bool pause (double seconds) override
    {
        std::unique_lock<std::mutex> lock (shared.mutex);
        return ! shared.wakeUp.wait_for (lock, toDuration (seconds), [this]
        {
            return threadShouldExit() || shared.configChanged || shared.shuttingDown;
        });
    }

    double jittered (double seconds) override
    {
        // +-10 % so that many instances started together spread out.
        return seconds * (0.9 + 0.2 * random.nextDouble());
    }

    /** Builds the status that follows a probe and publishes it. */
    ComfyUIStatus apply (const ProbeResult& probe, const ComfyUIConfig& config) override
    {
        bool laneHasWork = false;
        auto status = manager.updateStatus ([&] (ComfyUIStatus& s)
        {
            s.url = config.getBaseUrl();
            s.endpoint = Endpoint::from (shared.config, config.port != shared.config.port ? config.port : 0); // the one this probe asked
            s.corsCheckEnabled = config.enableCorsCheck;
            s.lastCheck = juce::Time::getCurrentTime();
            s.discoveryNote = shared.discoveryNote;

            if (probe.reachedComfyUI)
            {
                // A backend that (re)appears may have other models and nodes: ask again;
                // its running jobs look themselves up.
                if (! s.available)
                    shared.readinessRequested = shared.restoredPending = laneHasWork = true;

                s.available = true;
                s.state = ConnectionState::connected;
                s.version = probe.version;
                s.queueSize = probe.queueSize;
                s.errorMessage.reset();
                shared.legacyPaths = probe.legacyPaths;
                shared.metrics.recordSuccess (probe.latencySeconds);
            }
            else
            {
                s.available = false;
                s.queueSize = 0;
                s.errorMessage = probe.errorMessage;
                s.state = shared.reconnectInterval > 0.0 ? ConnectionState::reconnecting : ConnectionState::unavailable;
                shared.readinessActivity.clear();
                auto readiness = ReadinessReport::notChecked ("ComfyUI is not reachable");
                readiness.activity = shared.combinedActivity();
                readiness.applyTo (s);
                shared.metrics.recordFailure (probe.errorMessage);
                laneHasWork = ! shared.readinessWaiters.empty(); // to be answered with this status
            }

            s.metrics = shared.metrics.get();
            return true;
        });

        if (laneHasWork)
            manager.wakeLanes(); // readiness and restored jobs, or readiness waiters to answer

        return status;
    }

    /** The configured port first; when it does not answer as ComfyUI, port discovery (once). */
    ProbeResult probeConfiguredPort (const ComfyUIConfig& configured, double timeout, bool& discoveryTried) override
    {
        return discovery.probe (configured, timeout, discoveryTried);
    }

    /** Forgets a discovered port: the next try starts from the configured one. */
    ComfyUIConfig configuredConfig() override
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        shared.discoveredPort = 0;
        shared.discoveryNote.clear();
        return shared.config;
    }

    //==============================================================================
    // The live channel (ConnectionLiveChannel.cpp).

    /** Opens /ws?clientId=...; on failure polling carries on and the next try is in 10 s. */
    Clock::time_point openLiveChannel() override;

    /** A ping over the open live channel; its pong must come within the probe timeout. */
    void pingNow() override;

    /** Reads what already arrived (a pong is counted as it is read), then judges the oldest unanswered ping. */
    PingMonitor::Verdict judgePing();

    /** A pong since the oldest unanswered ping: alive. None by its deadline: the server hangs. */
    void checkPong() override;

    /** The live channel closed: the fastest sign of a dead backend, so a check is requested. */
    void liveChannelLost();

    /** Drops the channel of a server that stopped answering, and says so. */
    ProbeResult hungResult (const ComfyUIConfig& config);

    /** Waits for live events until @p until or a wake; a closed socket triggers an immediate check. */
    void listenToLiveChannel (Clock::time_point until);

    /** Any message is a sign of life (of a lost backend too: it is probed at once); a text one is an event. */
    void handleLiveMessage (const WebSocketMessage& message);

    /** A live event: the queue size is ours, generation events go to the long-work lane. */
    void handleLiveEvent (const std::string& text);

    //==============================================================================
    ProbeResult probe (const ComfyUIConfig& config, double timeout)
    {
        return probeComfyUI (client, config.getBaseUrl(), timeout, config.getAuthHeaders(), config.caFile);
    }

    ComfyUIStatus runCheck (bool periodic) override
    {
        const auto config = configSnapshot();
        const auto wasAvailable = manager.isAvailable();
        auto timeout = config.getEffectiveProbeTimeout();

        // With the live channel open a ping goes along; the probe need not outlast its deadline.
        if (manager.liveChannel.isOpen() && wasAvailable)
        {
            if (! pingMonitor.isOutstanding())
                pingNow();

            // Ending just after the ping's deadline, a timed-out probe finds the verdict ready.
            if (pingMonitor.isOutstanding())
                timeout = juce::jmax (0.1, pingMonitor.secondsToDeadline (Clock::now()) + 0.02);
        }

        auto result = probe (config, timeout);

        // No flapping: one failed probe of an up backend is retried once, unless its ping went unanswered too.
        if (periodic && wasAvailable && ! result.reachedComfyUI && result.worthRetrying && ! interrupted())
        {
            const auto verdict = judgePing();

            if (verdict == PingMonitor::Verdict::hung)
                result = hungResult (config);
            else
                result = probe (config, config.getEffectiveProbeTimeout());
        }

        if (client.isCancelled())
            return manager.getStatus();

        return apply (result, config);
    }
};

} // namespace comfybridge
