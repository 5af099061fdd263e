// The monitor lane of a ConnectionManager: connect attempts, health checks,
// reconnection and the live channel (events, and pings that see a hung server).
// It never runs long work (LongWorkLane.cpp does), so it is never blind.

namespace comfybridge
{

using namespace connection_detail;

//==============================================================================
/** The thread that watches the backend: probes, reconnection, the live channel. */
class ConnectionManager::Worker : public juce::Thread
{
public:
    explicit Worker (ConnectionManager& m)
        : juce::Thread ("ComfyBridge connection"), manager (m), shared (*m.shared), client (*m.client)
    {
    }

    void run() override
    {
        while (! threadShouldExit())
        {
            std::vector<std::promise<ComfyUIStatus>> waiters;
            auto until = Clock::time_point::max();

            // Anything that woke us before this point is visible under the lock below.
            manager.liveChannel.resetCancellation();
            const auto job = chooseJob (waiters, until);

            if (job == Job::wait)
                continue;

            if (job == Job::none)
            {
                // The live channel is open: wait on it instead (a wake cancels the receive).
                listenToLiveChannel (until);
                checkPong();
                continue;
            }

            const auto result = runJob (job);

            if (threadShouldExit() || client.isCancelled())
            {
                handBack (job, waiters);
                break;
            }

            resolveAll (waiters, result);

            // The next periodic check is timed from the end of this one: no pile-up.
            if (job == Job::connect || job == Job::check || job == Job::probe || job == Job::reconnect)
            {
                nextMonitorProbe = Clock::time_point::max();
                nextReconnect = Clock::time_point::max();
            }
        }

        // Shutting down: drop the socket without a goodbye (close() returns at once when cancelled).
        manager.liveChannel.cancel();
        manager.liveChannel.close();
        manager.liveChannelOpen = false;
        pings.reset();
    }

private:
    enum class Job { none, wait, connect, check, probe, ping, reconnect, openLiveChannel };

    ConnectionManager& manager;
    Shared& shared;
    HttpClient& client;
    juce::Random random;
    bool monitoring = false, reconnecting = false;

    Clock::time_point nextMonitorProbe = Clock::time_point::max();
    Clock::time_point nextReconnect = Clock::time_point::max();
    Clock::time_point nextLiveChannelTry = Clock::time_point::min();
    Clock::time_point lastDiscovery = Clock::time_point::min();

    std::optional<ReconnectPolicy> reconnectPolicy;

    PingMonitor pings; // while the live channel is open: pings, and the verdict on their pongs

    juce::String lastLiveChannelError;  // logged once per distinct cause

    //==============================================================================
    /** The wait before the next reconnection try (mutex held). */
    double nextReconnectDelay()
    {
        const auto loopback = shared.config.isLoopbackHost();

        if (! reconnectPolicy || reconnectPolicy->isLoopback() != loopback || reconnectCap != shared.reconnectInterval)
        {
            reconnectPolicy.emplace (loopback, shared.reconnectInterval, random.nextInt64());
            reconnectCap = shared.reconnectInterval;
        }

        return reconnectPolicy->nextDelaySeconds();
    }

    double reconnectCap = 0.0;

    /** Picks what is due now (or waits for it). Job::wait: waited, look again. */
    Job chooseJob (std::vector<std::promise<ComfyUIStatus>>& waiters, Clock::time_point& until)
    {
        std::unique_lock<std::mutex> lock (shared.mutex);

        const auto now = Clock::now();
        const auto down = ! shared.status.available && shared.status.state != ConnectionState::disconnected;
        const auto channelOpen = manager.liveChannel.isOpen();


        // Schedules follow the intervals; an interval switched off clears its timer.
        if (shared.monitorInterval <= 0.0)
            nextMonitorProbe = Clock::time_point::max();
        else if (nextMonitorProbe == Clock::time_point::max())
            nextMonitorProbe = now + toDuration (shared.monitorInterval);

        // While the live channel is open, pings between the probes see a hang within the probe timeout.
        const auto pinging = shared.monitorInterval > 0.0 && channelOpen && shared.status.available;
        if (pinging)
            pings.configure (pingCadence(), shared.effectiveConfig().getEffectiveProbeTimeout());
        else
            pings.reset();

        if (! down && reconnectPolicy)
            reconnectPolicy->reset(); // a success: the next outage starts from the first step

        if (shared.reconnectInterval <= 0.0 || ! down)
            nextReconnect = Clock::time_point::max();
        else if (nextReconnect == Clock::time_point::max())
            nextReconnect = now + toDuration (nextReconnectDelay());

        const auto wantLiveChannel = shared.status.available && ! channelOpen;

        if (shared.connectRequested || shared.configChanged)
        {
            shared.connectRequested = shared.configChanged = false;
            waiters.swap (shared.connectWaiters);
            return Job::connect;
        }

        if (shared.checkRequested)
        {
            shared.checkRequested = false;
            waiters.swap (shared.checkWaiters);
            return Job::check;
        }

        if (now >= nextReconnect)
            return Job::reconnect;

        // Right after a good probe, before readiness or anything else.
        if (wantLiveChannel && now >= nextLiveChannelTry)
            return Job::openLiveChannel;

        // (While reconnection owns a lost backend, monitoring waits for it.)
        if (now >= nextMonitorProbe && ! (down && shared.reconnectInterval > 0.0))
            return Job::probe;

        if (pinging && pings.isDue (now))
            return Job::ping;

        until = std::min ({ nextMonitorProbe, pings.nextWake(), nextReconnect, now + std::chrono::hours (1) });

        if (wantLiveChannel)
            until = std::min (until, nextLiveChannelTry);

        monitoring = shared.monitorInterval > 0.0;
        reconnecting = shared.reconnectInterval > 0.0;

        if (channelOpen)
            return Job::none;

        // Capped above: libstdc++ cannot wait until time_point::max() reliably.
        shared.wakeUp.wait_until (lock, until, [this]
        {
            return threadShouldExit() || shared.connectRequested || shared.checkRequested
                || shared.configChanged || (shared.monitorInterval > 0.0) != monitoring
                || (shared.reconnectInterval > 0.0) != reconnecting;
        });

        monitoring = shared.monitorInterval > 0.0;
        reconnecting = shared.reconnectInterval > 0.0;
        return Job::wait;
    }

    ComfyUIStatus runJob (Job job)
    {
        switch (job)
        {
            case Job::connect:         return runConnectAttempt();
            case Job::check:           return runCheck (false);
            case Job::probe:           return runCheck (true);
            case Job::reconnect:       return runReconnectTry();
            case Job::ping:            pingNow(); break;
            case Job::openLiveChannel: nextLiveChannelTry = openLiveChannel(); break;
            case Job::none:
            case Job::wait:            break;
        }

        return {};
    }

    /** Interrupted (disconnect or a config change): whoever stopped us resolves these waiters. */
    void handBack (Job job, std::vector<std::promise<ComfyUIStatus>>& waiters)
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        auto& list = job == Job::check ? shared.checkWaiters : shared.connectWaiters;
        for (auto& w : waiters)
            list.push_back (std::move (w));

        if (! waiters.empty() && ! shared.shuttingDown)
            (job == Job::check ? shared.checkRequested : shared.connectRequested) = true;
    }

    /** How often a ping goes out while the live channel is open (mutex held). */
    double pingCadence() const
    {
        return juce::jmin (shared.monitorInterval, maxPingCadenceSeconds);
    }

    //==============================================================================
    /** The config to use now: the configured one, with the discovered port if any. */
    ComfyUIConfig configSnapshot() const
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        return shared.effectiveConfig();
    }

    bool interrupted() const
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        return threadShouldExit() || shared.configChanged || shared.shuttingDown;
    }

    /** Sleeps between tries; returns false when told to stop or when the config changed. */
    bool pause (double seconds)
    {
        std::unique_lock<std::mutex> lock (shared.mutex);
        return ! shared.wakeUp.wait_for (lock, toDuration (seconds), [this]
        {
            return threadShouldExit() || shared.configChanged || shared.shuttingDown;
        });
    }

    double jittered (double seconds)
    {
        // +-10 % so that many instances started together spread out.
        return seconds * (0.9 + 0.2 * random.nextDouble());
    }

    /** Builds the status that follows a probe and publishes it. */
    ComfyUIStatus apply (const ProbeResult& probe, const ComfyUIConfig& config)
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

    //==============================================================================
    /** Should port discovery run after this failed probe of the configured port? */
    bool worthDiscovering (const ProbeResult& probe, const ComfyUIConfig& config) const
    {
        return config.discoverPort && config.isLoopbackHost() && ! probe.reachedComfyUI
            && (probe.transportError == HttpError::refused || probe.notComfyUI);
    }

    /** Looks for ComfyUI on another loopback port; on success it becomes the port in use. */
    std::optional<ProbeResult> discoverPort (const ComfyUIConfig& configured)
    {
        const auto candidates = [this]
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            return shared.discoveryCandidates;
        }();

        lastDiscovery = Clock::now();
        const auto found = discoverComfyUIPort (client, configured, configured.getEffectiveProbeTimeout(),
                                                [this] { return interrupted() || client.isCancelled(); },
                                                candidates);

        if (! found.port)
            return std::nullopt;

        std::lock_guard<std::mutex> lock (shared.mutex);
        shared.discoveredPort = *found.port;
        shared.discoveryNote = "nothing usable answered on port " + juce::String (configured.port)
                                    + "; found ComfyUI on port " + juce::String (*found.port);
        return found.probe;
    }

    /** The configured port first; when it does not answer as ComfyUI, discovery (once). */
    ProbeResult probeConfiguredPort (const ComfyUIConfig& configured, double timeout, bool& discoveryTried)
    {
        auto result = probe (configured, timeout);

        if (worthDiscovering (result, configured))
        {
            if (! discoveryTried)
            {
                discoveryTried = true;
                if (auto found = discoverPort (configured))
                    return *found;
            }

            if (! interrupted())
                result.errorMessage << " (ComfyUI was not found on port 8188 or 8000-9000 either)";
        }

        return result;
    }

    /** Forgets a discovered port: the next try starts from the configured one. */
    ComfyUIConfig configuredConfig()
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        shared.discoveredPort = 0;
        shared.discoveryNote.clear();
        return shared.config;
    }

    //==============================================================================
    // The live channel (ConnectionLiveChannel.cpp).

    /** Opens /ws?clientId=...; on failure polling carries on and the next try is in 10 s. */
    Clock::time_point openLiveChannel();

    /** A ping over the open live channel; its pong must come within the probe timeout. */
    void pingNow();

    /** Reads what already arrived (a pong is counted as it is read), then judges the oldest unanswered ping. */
    PingMonitor::Verdict judgePing();

    /** A pong since the oldest unanswered ping: alive. None by its deadline: the server hangs. */
    void checkPong();

    /** The live channel closed: the fastest sign of a dead backend, so a check is requested. */
    void liveChannelLost();

    /** Drops the channel of a server that stopped answering, and says so. */
    ProbeResult hungResult (const ComfyUIConfig& config);

    /** Waits for live events until @p until or a wake; a closed socket triggers an immediate check. */
    void listenToLiveChannel (Clock::time_point until);

    /** Any message is a sign of life; a text one is an event. */
    void handleLiveMessage (const WebSocketMessage& message);

    /** A live event: the queue size is ours, generation events go to the long-work lane. */
    void handleLiveEvent (const std::string& text);

    //==============================================================================
    ProbeResult probe (const ComfyUIConfig& config, double timeout)
    {
        return probeComfyUI (client, config.getBaseUrl(), timeout, config.getAuthHeaders(), config.caFile);
    }

    ComfyUIStatus runConnectAttempt()
    {
        const auto config = configuredConfig();
        bool discoveryTried = false;

        manager.updateStatus ([&] (ComfyUIStatus& s)
        {
            s.url = config.getBaseUrl();
            s.endpoint = Endpoint::from (config);
            s.state = ConnectionState::connecting;
            return true;
        });

        ProbeResult last;
        auto delay = firstRetryDelaySeconds;

        for (int attempt = 0; attempt <= config.maxRetries; ++attempt)
        {
            if (interrupted())
                return manager.getStatus();

            last = probeConfiguredPort (config, config.timeout, discoveryTried);

            if (last.reachedComfyUI || ! last.worthRetrying || attempt == config.maxRetries)
                break;

            if (! pause (jittered (delay)))
                return manager.getStatus();

            delay = juce::jmin (maxRetryDelaySeconds, delay * config.retryBackoff);
        }

        if (client.isCancelled())
            return manager.getStatus();

        return apply (last, configSnapshot());
    }

    ComfyUIStatus runCheck (bool periodic)
    {
        const auto config = configSnapshot();
        const auto wasAvailable = manager.isAvailable();
        auto timeout = config.getEffectiveProbeTimeout();

        // With the live channel open a ping goes along; the probe need not outlast its deadline.
        if (manager.liveChannel.isOpen() && wasAvailable)
        {
            if (! pings.isOutstanding())
                pingNow();

            // Ending just after the ping's deadline, a timed-out probe finds the verdict ready.
            if (pings.isOutstanding())
                timeout = juce::jmax (0.1, pings.secondsToDeadline (Clock::now()) + 0.02);
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

    /** One try, bounded by the probe timeout; discovery at most once per reconnect interval. */
    ComfyUIStatus runReconnectTry()
    {
        const auto config = configuredConfig();
        const auto cap = [this]
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            return shared.reconnectInterval;
        }();

        manager.updateStatus ([] (ComfyUIStatus& s)
        {
            if (s.state == ConnectionState::disconnected)
                return false;

            s.state = ConnectionState::reconnecting;
            return true;
        });
        bool discoveryTried = Clock::now() - lastDiscovery < toDuration (cap);
        const auto result = probeConfiguredPort (config, config.getEffectiveProbeTimeout(), discoveryTried);

        if (client.isCancelled())
            return manager.getStatus();

        return apply (result, configSnapshot());
    }
};

} // namespace comfybridge
