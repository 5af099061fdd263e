namespace comfybridge
{

namespace
{
    using Clock = std::chrono::steady_clock;

    /** The first delay between tries; each later one is multiplied by retry_backoff. */
    constexpr double firstRetryDelaySeconds = 0.5;
    constexpr double maxRetryDelaySeconds = 30.0;
    constexpr size_t maxLiveMessageBytes = 8u << 20; // previews are at most ~512 px JPEG/PNG

    Clock::duration toDuration (double seconds)
    {
        return std::chrono::duration_cast<Clock::duration> (std::chrono::duration<double> (seconds));
    }

    void resolveAll (std::vector<std::promise<ComfyUIStatus>>& waiters, const ComfyUIStatus& status)
    {
        for (auto& w : waiters)
            w.set_value (status);

        waiters.clear();
    }
}

//==============================================================================
/** State shared between the callers' threads, the worker and the notifier. */
struct ConnectionManager::Shared
{
    mutable std::mutex mutex;
    std::condition_variable wakeUp;

    ComfyUIConfig config;
    ComfyUIStatus status;

    // Commands for the worker (guarded by mutex).
    bool connectRequested = false;
    bool checkRequested = false;
    bool configChanged = false;
    bool shuttingDown = false;
    std::vector<std::promise<ComfyUIStatus>> connectWaiters, checkWaiters;
    double monitorInterval = 0.0;   // seconds, 0 = off
    double reconnectInterval = 0.0; // seconds, 0 = off

    // Readiness (guarded by mutex).
    bool readinessRequested = false;
    bool readinessRunning = false;
    std::vector<std::promise<ComfyUIStatus>> readinessWaiters;
    ReadinessOptions readiness;
    juce::StringArray failedDownloads;  // not retried automatically until refreshReadiness()
    juce::String downloadActivity;      // the download queue's line for status.activity
    juce::String readinessActivity;     // what the last readiness check did (deployment)
    MetricsRecorder metrics;
    int discoveredPort = 0;             // 0 = the configured port is used
    std::vector<int> discoveryCandidates; // empty = 8188, then 8000..9000
    juce::String discoveryNote;         // says which port discovery found

    /** The config in use: the configured one, with a discovered port. */
    ComfyUIConfig effectiveConfig() const
    {
        auto c = config;
        if (discoveredPort != 0)
            c.port = discoveredPort;
        return c;
    }

    juce::String combinedActivity() const
    {
        juce::StringArray parts { downloadActivity, readinessActivity };
        parts.removeEmptyStrings();
        return parts.joinIntoString (" · ");
    }

    // Notifications waiting for the message thread (guarded by mutex).
    std::deque<ComfyUIStatus> pendingNotifications;

    // Callbacks (own lock: they are called without holding `mutex`).
    std::mutex callbackMutex;
    std::vector<std::pair<CallbackId, std::shared_ptr<StatusCallback>>> callbacks;
    CallbackId nextCallbackId = 1;
};

//==============================================================================
/** Delivers queued status changes on the message thread. */
class ConnectionManager::Notifier : private juce::AsyncUpdater
{
public:
    explicit Notifier (ConnectionManager& m) : manager (m) {}
    ~Notifier() override { cancelPendingUpdate(); }

    void post() { triggerAsyncUpdate(); }
    void cancel() { cancelPendingUpdate(); }

private:
    ConnectionManager& manager;

    void handleAsyncUpdate() override { manager.deliverNotifications(); }
};

//==============================================================================
/** The one thread that does all of a manager's network I/O. */
class ConnectionManager::Worker : public juce::Thread
{
public:
    Worker (ConnectionManager& m)
        : juce::Thread ("ComfyBridge connection"), manager (m), shared (*m.shared), client (*m.client)
    {
    }

    void run() override
    {
        auto nextMonitorProbe = Clock::time_point::max();
        auto nextReconnect = Clock::time_point::max();
        auto nextLiveChannelTry = Clock::time_point::min();

        while (! threadShouldExit())
        {
            enum class Job { none, connect, check, probe, reconnect, readiness, generation, openLiveChannel };
            auto job = Job::none;
            std::vector<std::promise<ComfyUIStatus>> waiters;
            auto until = Clock::time_point::max();

            // Anything that woke us before this point is visible under the lock below.
            manager.liveChannel.resetCancellation();

            {
                std::unique_lock<std::mutex> lock (shared.mutex);

                const auto now = Clock::now();
                const auto state = shared.status.state;
                const auto down = ! shared.status.available && state != ConnectionState::disconnected;

                // Schedules follow the intervals; an interval switched off clears its timer.
                if (shared.monitorInterval <= 0.0)
                    nextMonitorProbe = Clock::time_point::max();
                else if (nextMonitorProbe == Clock::time_point::max())
                    nextMonitorProbe = now + toDuration (shared.monitorInterval);

                if (shared.reconnectInterval <= 0.0 || ! down)
                    nextReconnect = Clock::time_point::max();
                else if (nextReconnect == Clock::time_point::max())
                    nextReconnect = now + toDuration (jittered (shared.reconnectInterval));

                const auto wantLiveChannel = shared.status.available && ! manager.liveChannel.isOpen();

                if (shared.connectRequested || shared.configChanged)
                {
                    job = Job::connect;
                    shared.connectRequested = shared.configChanged = false;
                    waiters.swap (shared.connectWaiters);
                }
                else if (shared.checkRequested)
                {
                    job = Job::check;
                    shared.checkRequested = false;
                    waiters.swap (shared.checkWaiters);
                }
                else if (now >= nextReconnect)
                {
                    job = Job::reconnect;
                }
                else if (now >= nextMonitorProbe && ! (down && shared.reconnectInterval > 0.0))
                {
                    // (While reconnection owns a lost backend, monitoring waits for it.)
                    job = Job::probe;
                }
                else if (shared.readinessRequested && shared.status.available)
                {
                    job = Job::readiness;
                    shared.readinessRequested = false;
                    shared.readinessRunning = true;
                }
                else if (! shared.readinessWaiters.empty() && ! shared.status.available)
                {
                    // Nothing can be checked while the backend is away: answer with what is known.
                    waiters.swap (shared.readinessWaiters);
                    resolveAll (waiters, shared.status);
                }
                else if (manager.engine->hasDueWork())
                {
                    // After the periodic checks, so a busy job can never starve them.
                    job = Job::generation;
                }
                else if (wantLiveChannel && now >= nextLiveChannelTry)
                {
                    job = Job::openLiveChannel;
                }

                if (job == Job::none)
                {
                    const auto engineDue = manager.engine->nextDueMs() - juce::Time::getMillisecondCounterHiRes();
                    until = std::min ({ nextMonitorProbe, nextReconnect, now + std::chrono::hours (1),
                                        now + toDuration (juce::jlimit (0.0, 3600.0, engineDue / 1000.0)) });

                    if (wantLiveChannel)
                        until = std::min (until, nextLiveChannelTry);

                    if (! manager.liveChannel.isOpen())
                    {
                        // Capped above: libstdc++ cannot wait until time_point::max() reliably.
                        shared.wakeUp.wait_until (lock, until, [this]
                        {
                            return threadShouldExit() || shared.connectRequested || shared.checkRequested
                                || shared.configChanged || (shared.monitorInterval > 0.0) != monitoring
                                || (shared.reconnectInterval > 0.0) != reconnecting || manager.engine->hasDueWork()
                                || (shared.readinessRequested && shared.status.available)
                                || (! shared.readinessWaiters.empty() && ! shared.status.available);
                        });

                        monitoring = shared.monitorInterval > 0.0;
                        reconnecting = shared.reconnectInterval > 0.0;
                        continue;
                    }

                    monitoring = shared.monitorInterval > 0.0;
                    reconnecting = shared.reconnectInterval > 0.0;
                }
            }

            if (job == Job::none)
            {
                // The live channel is open: wait on it instead (a wake cancels the receive).
                listenToLiveChannel (until);
                continue;
            }

            ComfyUIStatus result;

            switch (job)
            {
                case Job::connect:         result = runConnectAttempt(); break;
                case Job::check:           result = runCheck (false); break;
                case Job::probe:           result = runCheck (true); break;
                case Job::reconnect:       result = runReconnectTry(); break;
                case Job::readiness:       result = runReadinessCheck(); break;
                case Job::generation:      runGenerationSteps(); break;
                case Job::openLiveChannel: nextLiveChannelTry = openLiveChannel(); break;
                case Job::none:            break;
            }

            if (threadShouldExit() || client.isCancelled())
            {
                // Interrupted (disconnect or a config change): whoever stopped us
                // resolves these waiters with the status that really follows.
                std::lock_guard<std::mutex> lock (shared.mutex);
                shared.readinessRunning = false;
                auto& list = job == Job::check ? shared.checkWaiters : shared.connectWaiters;
                for (auto& w : waiters)
                    list.push_back (std::move (w));

                if (! waiters.empty() && ! shared.shuttingDown)
                    (job == Job::check ? shared.checkRequested : shared.connectRequested) = true;

                break;
            }

            if (job == Job::readiness)
            {
                // Waiters want the state after the last due check: a newer request keeps them waiting.
                std::lock_guard<std::mutex> lock (shared.mutex);
                shared.readinessRunning = false;
                if (! shared.readinessRequested)
                    waiters.swap (shared.readinessWaiters);
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
    }

private:
    ConnectionManager& manager;
    Shared& shared;
    HttpClient& client;
    juce::Random random;
    bool monitoring = false, reconnecting = false;

    double jittered (double seconds)
    {
        // +-10 % so that many instances started together spread out.
        return seconds * (0.9 + 0.2 * random.nextDouble());
    }

    bool legacyPaths = false;           // the last probe found a server without the /api prefix
    juce::String lastLiveChannelError;  // logged once per distinct cause

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

    ComfyUIStatus setState (ConnectionState state)
    {
        auto status = manager.getStatus();
        status.state = state;
        manager.publish (status);
        return status;
    }

    /** Builds the status that follows a probe and publishes it. */
    ComfyUIStatus apply (const ProbeResult& probe, const ComfyUIConfig& config)
    {
        auto status = manager.getStatus();
        status.url = config.getBaseUrl();
        status.corsCheckEnabled = config.enableCorsCheck;
        status.lastCheck = juce::Time::getCurrentTime();

        if (probe.reachedComfyUI)
        {
            if (! status.available)
                manager.engine->connectionRestored();

            std::lock_guard<std::mutex> lock (shared.mutex);

            // A backend that (re)appears may have other models and nodes: ask again.
            if (! status.available)
                shared.readinessRequested = true;

            status.available = true;
            status.state = ConnectionState::connected;
            status.version = probe.version;
            status.queueSize = probe.queueSize;
            status.errorMessage.reset();
            legacyPaths = probe.legacyPaths;
            status.discoveryNote = shared.discoveryNote;
            shared.metrics.recordSuccess (probe.latencySeconds);
            status.metrics = shared.metrics.get();
        }
        else
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            status.available = false;
            status.queueSize = 0;
            status.errorMessage = probe.errorMessage;
            status.state = shared.reconnectInterval > 0.0 ? ConnectionState::reconnecting : ConnectionState::unavailable;
            shared.readinessActivity.clear();
            status.discoveryNote = shared.discoveryNote;
            auto readiness = ReadinessReport::notChecked ("ComfyUI is not reachable");
            readiness.activity = shared.combinedActivity();
            readiness.applyTo (status);
            shared.metrics.recordFailure (probe.errorMessage);
            status.metrics = shared.metrics.get();
        }

        manager.publish (status);
        return status;
    }

    /** Runs the readiness checks of an available backend and publishes what they found. */
    ComfyUIStatus runReadinessCheck()
    {
        auto config = configSnapshot();
        ReadinessOptions options;
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            options = shared.readiness;
        }

        if (! options.actOnFindings)
            config.autoDeployWorkflows = config.autoDownloadModels = false;

        auto report = checkReadiness (client, config, legacyPaths, options.workflows, config.timeout, options.deploymentRecordFile);

        if (client.isCancelled())
            return manager.getStatus();

        std::vector<ModelDownloadJob> toFetch;
        auto status = manager.getStatus();
        {
            std::lock_guard<std::mutex> lock (shared.mutex);

            if (! status.available || shared.readinessRequested)
                return status; // gone meanwhile, or another check is due anyway

            // That failed request was as good as a failed probe: check now rather than at the next interval.
            if (report.backendStoppedAnswering)
                shared.checkRequested = true;

            for (auto& job : report.downloads)
                if (! shared.failedDownloads.contains (job.model.folder + "/" + job.model.name))
                    toFetch.push_back (std::move (job));

            shared.readinessActivity = report.activity;
            report.activity = shared.combinedActivity();
        }

        report.applyTo (status);
        manager.publish (status);

        if (! toFetch.empty())
            manager.downloads->enqueue (toFetch);

        return status;
    }

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

    void runGenerationSteps()
    {
        manager.engine->runDueWork (configSnapshot(), manager.isAvailable(), manager.liveChannel.isOpen());
    }

    /** Opens /ws?clientId=...; on failure polling carries on and the next try is in 10 s. */
    Clock::time_point openLiveChannel()
    {
        const auto config = configSnapshot();

        WebSocketClient::Options options;
        options.url = config.getWebSocketUrl (ConnectionManager::getClientId());
        options.headers = config.getAuthHeaders();
        options.caFile = config.caFile;
        options.connectTimeoutSeconds = config.getEffectiveProbeTimeout();
        options.maxMessageBytes = maxLiveMessageBytes;

        const auto result = manager.liveChannel.connect (options);
        manager.liveChannelOpen = manager.liveChannel.isOpen();

        if (result.wasOk())
        {
            lastLiveChannelError.clear();
            return Clock::now();
        }

        // A wake (not a failure) interrupted the handshake: try again at once.
        if (manager.liveChannel.isCancelled())
            return Clock::now();

        // Said once per distinct cause (a certificate problem would otherwise go unseen), not every 10 s.
        if (result.getErrorMessage() != lastLiveChannelError)
        {
            lastLiveChannelError = result.getErrorMessage();
            juce::Logger::writeToLog ("ComfyBridge: live channel unavailable, polling instead: " + lastLiveChannelError);
        }

        return Clock::now() + std::chrono::seconds (10);
    }

    /** Waits for live events until @p until or a wake; a closed socket triggers an immediate check. */
    void listenToLiveChannel (Clock::time_point until)
    {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds> (until - Clock::now()).count();
        WebSocketMessage message;
        const auto received = manager.liveChannel.receive (message, (int) juce::jlimit ((long long) 0, (long long) 3600000, (long long) left));

        using Status = WebSocketClient::ReceiveStatus;

        if (received == Status::message && ! message.isBinary)
            handleLiveEvent (message.data);

        if (received == Status::closed || received == Status::error)
        {
            manager.liveChannelOpen = false;

            // A closed socket is the fastest sign of a dead backend: check now.
            std::lock_guard<std::mutex> lock (shared.mutex);
            if (! shared.shuttingDown)
                shared.checkRequested = true;
        }
    }

    void handleLiveEvent (const std::string& text)
    {
        const auto event = nlohmann::json::parse (text, nullptr, false);

        if (event.is_discarded() || ! event.is_object())
            return;

        // Live queue size from "status" events.
        if (event.value ("type", std::string()) == "status")
        {
            const auto& data = event.value ("data", nlohmann::json::object());
            const auto status = data.is_object() ? data.value ("status", nlohmann::json::object()) : nlohmann::json();

            if (status.is_object() && status.contains ("exec_info") && status["exec_info"].is_object())
            {
                const auto remaining = status["exec_info"].value ("queue_remaining", -1);
                auto current = manager.getStatus();

                if (remaining >= 0 && current.available && current.queueSize != remaining)
                {
                    current.queueSize = remaining;
                    manager.publish (current);
                }
            }
            return;
        }

        manager.engine->handleLiveEvent (event);
    }

    ProbeResult probe (const ComfyUIConfig& config, double timeout)
    {
        return probeComfyUI (client, config.getBaseUrl(), timeout, config.getAuthHeaders(), config.caFile);
    }

    ComfyUIStatus runConnectAttempt()
    {
        const auto config = configuredConfig();
        bool discoveryTried = false;

        {
            auto status = manager.getStatus();
            status.url = config.getBaseUrl();
            status.state = ConnectionState::connecting;
            manager.publish (status);
        }

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
        auto result = probe (config, config.getEffectiveProbeTimeout());

        // No flapping: one failed probe of an up backend is retried once.
        if (periodic && wasAvailable && ! result.reachedComfyUI && result.worthRetrying && ! interrupted())
            result = probe (config, config.getEffectiveProbeTimeout());

        if (client.isCancelled())
            return manager.getStatus();

        return apply (result, config);
    }

    ComfyUIStatus runReconnectTry()
    {
        const auto config = configuredConfig();
        setState (ConnectionState::reconnecting);
        bool discoveryTried = false;
        const auto result = probeConfiguredPort (config, config.timeout, discoveryTried);

        if (client.isCancelled())
            return manager.getStatus();

        return apply (result, configSnapshot());
    }
};

//==============================================================================
ConnectionManager::ConnectionManager (const ComfyUIConfig& config, std::unique_ptr<HttpClient> httpClient)
    : client (httpClient != nullptr ? std::move (httpClient) : std::make_unique<CurlHttpClient>()),
      shared (std::make_unique<Shared>()),
      notifier (std::make_unique<Notifier> (*this))
{
    if (auto problems = config.validate(); ! problems.isEmpty())
    {
        juce::Logger::writeToLog ("ComfyBridge: invalid config, using defaults: " + problems.joinIntoString ("; "));
        shared->config = ComfyUIConfig {};
    }
    else
    {
        shared->config = config;
    }

    shared->status.url = shared->config.getBaseUrl();
    shared->status.corsCheckEnabled = shared->config.enableCorsCheck;
    engine = std::make_unique<detail::GenerationEngine> (*client, getClientId(), [this] { wakeWorker(); });
    downloads = std::make_unique<ModelDownloadQueue> ([this] (const juce::String& a) { downloadActivityChanged (a); },
                                                      [this] (const ModelDownloadJob& j, const ModelDownloadResult& r) { downloadFinished (j, r); });
    worker = std::make_unique<Worker> (*this);
}

const juce::String& ConnectionManager::getClientId()
{
    // One id per process, the same on every reconnect, so ComfyUI routes our events to us.
    static const juce::String id = juce::Uuid().toString();
    return id;
}

std::shared_ptr<GenerationJob> ConnectionManager::generate (GenerationRequest request)
{
    const auto status = getStatus();
    auto job = engine->start (std::move (request), status.available, getFallbackMode(),
                              status.errorMessage.value_or (status.state == ConnectionState::disconnected ? "not connected" : "not connected yet"));
    ensureWorkerRunning();
    wakeWorker();
    return job;
}

ConnectionManager::~ConnectionManager()
{
    disconnect();
    downloads.reset(); // joins its thread before anything it calls back into goes away
    notifier->cancel();
    notifier.reset();
    removeAllChangeListeners();
}

//==============================================================================
void ConnectionManager::wakeWorker()
{
    // Taking the mutex first means the worker is either before its predicate
    // check (and will see the new state) or already waiting (and gets the notify).
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
    }
    shared->wakeUp.notify_all();
    liveChannel.cancel(); // a worker waiting on the live channel wakes too
}

void ConnectionManager::stopWorker()
{
    worker->signalThreadShouldExit();
    client->cancel();
    wakeWorker();
    worker->stopThread (-1);
    client->resetCancellation();
}

void ConnectionManager::ensureWorkerRunning()
{
    if (! worker->isThreadRunning())
        worker->startThread();
}

std::shared_future<ComfyUIStatus> ConnectionManager::connect()
{
    std::promise<ComfyUIStatus> promise;
    auto future = promise.get_future().share();

    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->shuttingDown = false;
        shared->connectRequested = true;
        shared->connectWaiters.push_back (std::move (promise));
    }

    // Show "connecting" at once, not when the worker gets round to it.
    auto status = getStatus();
    status.state = ConnectionState::connecting;
    publish (status);

    client->resetCancellation();
    ensureWorkerRunning();
    wakeWorker();
    return future;
}

std::shared_future<ComfyUIStatus> ConnectionManager::checkHealth()
{
    std::promise<ComfyUIStatus> promise;
    auto future = promise.get_future().share();

    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->shuttingDown = false;
        shared->checkRequested = true;
        shared->checkWaiters.push_back (std::move (promise));
    }

    client->resetCancellation();
    ensureWorkerRunning();
    wakeWorker();
    return future;
}

void ConnectionManager::disconnect()
{
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->shuttingDown = true;
        shared->monitorInterval = 0.0;
        shared->reconnectInterval = 0.0;
        shared->connectRequested = shared->checkRequested = shared->configChanged = false;
    }

    stopWorker();
    downloads->stop(); // the .part file stays: the next connect resumes it
    engine->finishAll (GenerationOutcome::cancelled, "cancelled: the connection was closed");

    auto status = getStatus();
    status.available = false;
    status.state = ConnectionState::disconnected;
    status.queueSize = 0;
    status.errorMessage.reset(); // the user chose this: it is not an error
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->metrics.recordDisconnect();
        shared->downloadActivity.clear();
        shared->readinessActivity.clear();
        status.metrics = shared->metrics.get();
    }
    ReadinessReport::notChecked ("not connected").applyTo (status);
    publish (status);

    std::vector<std::promise<ComfyUIStatus>> waiters;
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        waiters.swap (shared->connectWaiters);
        for (auto* list : { &shared->checkWaiters, &shared->readinessWaiters })
        {
            for (auto& w : *list)
                waiters.push_back (std::move (w));
            list->clear();
        }
        shared->readinessRunning = false;
    }

    resolveAll (waiters, status);
}

//==============================================================================
void ConnectionManager::startHealthMonitoring (double intervalSeconds)
{
    jassert (intervalSeconds > 0.0);
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->shuttingDown = false;
        shared->monitorInterval = juce::jmax (0.05, intervalSeconds);
    }
    client->resetCancellation();
    ensureWorkerRunning();
    wakeWorker();
}

void ConnectionManager::stopHealthMonitoring()
{
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->monitorInterval = 0.0;
    }
    wakeWorker();
}

void ConnectionManager::startBackgroundReconnection (double intervalSeconds)
{
    jassert (intervalSeconds > 0.0);
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->shuttingDown = false;
        shared->reconnectInterval = juce::jmax (0.05, intervalSeconds);
    }
    transitionState (ConnectionState::unavailable, ConnectionState::reconnecting);
    client->resetCancellation();
    ensureWorkerRunning();
    wakeWorker();
}

void ConnectionManager::stopBackgroundReconnection()
{
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->reconnectInterval = 0.0;
    }
    transitionState (ConnectionState::reconnecting, ConnectionState::unavailable);
    wakeWorker();
}

bool ConnectionManager::isMonitoring() const
{
    std::lock_guard<std::mutex> lock (shared->mutex);
    return shared->monitorInterval > 0.0;
}

bool ConnectionManager::isReconnectionEnabled() const
{
    std::lock_guard<std::mutex> lock (shared->mutex);
    return shared->reconnectInterval > 0.0;
}

//==============================================================================
ConnectionManager::CallbackId ConnectionManager::registerStatusCallback (StatusCallback callback)
{
    std::lock_guard<std::mutex> lock (shared->callbackMutex);
    const auto id = shared->nextCallbackId++;
    shared->callbacks.emplace_back (id, std::make_shared<StatusCallback> (std::move (callback)));
    return id;
}

bool ConnectionManager::unregisterStatusCallback (CallbackId id)
{
    std::lock_guard<std::mutex> lock (shared->callbackMutex);
    auto& list = shared->callbacks;
    const auto it = std::find_if (list.begin(), list.end(), [id] (const auto& entry) { return entry.first == id; });

    if (it == list.end())
        return false;

    list.erase (it);
    return true;
}

void ConnectionManager::publish (ComfyUIStatus newStatus)
{
    bool changed = false;

    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        changed = ! newStatus.isEquivalentTo (shared->status);
        shared->status = newStatus;
        available.store (newStatus.available, std::memory_order_relaxed);

        if (changed)
            shared->pendingNotifications.push_back (std::move (newStatus));
    }

    if (changed)
    {
        notifier->post();
        sendChangeMessage();
    }
}

void ConnectionManager::transitionState (ConnectionState from, ConnectionState to)
{
    {
        std::lock_guard<std::mutex> lock (shared->mutex);

        // Checked and changed under one lock, so a status the worker publishes meanwhile is never overwritten.
        if (shared->status.state != from)
            return;

        shared->status.state = to;
        shared->pendingNotifications.push_back (shared->status);
    }

    notifier->post();
    sendChangeMessage();
}

void ConnectionManager::deliverNotifications()
{
    JUCE_ASSERT_MESSAGE_THREAD

    std::deque<ComfyUIStatus> statuses;
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        statuses.swap (shared->pendingNotifications);
    }

    for (const auto& status : statuses)
    {
        std::vector<CallbackId> ids;
        {
            std::lock_guard<std::mutex> lock (shared->callbackMutex);
            for (const auto& entry : shared->callbacks)
                ids.push_back (entry.first);
        }

        for (auto id : ids)
        {
            // Looked up again each time: an earlier callback may have removed this one.
            std::shared_ptr<StatusCallback> callback;
            {
                std::lock_guard<std::mutex> lock (shared->callbackMutex);
                for (const auto& entry : shared->callbacks)
                    if (entry.first == id)
                        callback = entry.second;
            }

            if (callback == nullptr)
                continue;

            try
            {
                (*callback) (status);
            }
            catch (const std::exception& e)
            {
                juce::Logger::writeToLog ("ComfyBridge: a status callback threw: " + juce::String (e.what()));
            }
            catch (...)
            {
                juce::Logger::writeToLog ("ComfyBridge: a status callback threw an unknown exception");
            }
        }
    }
}

//==============================================================================
ComfyUIStatus ConnectionManager::getStatus() const
{
    std::lock_guard<std::mutex> lock (shared->mutex);
    return shared->status;
}

FallbackMode ConnectionManager::getFallbackMode() const
{
    std::lock_guard<std::mutex> lock (shared->mutex);
    return shared->config.fallbackMode;
}

juce::String ConnectionManager::triggerFallbackWarning() const
{
    const auto status = getStatus();
    const auto mode = getFallbackMode();

    juce::String consequence;
    switch (mode)
    {
        case FallbackMode::placeholder: consequence = "a placeholder image will be drawn locally instead of a generated one"; break;
        case FallbackMode::skip:        consequence = "generation requests will be skipped (nothing is produced)"; break;
        case FallbackMode::abort:       consequence = "generation requests will stop with an error"; break;
    }

    juce::String message;

    if (status.available)
        message << "ComfyUI at " << status.url << " is available; the fallback mode '" << toString (mode) << "' is not in use";
    else
        message << "ComfyUI at " << status.url << " is unavailable ("
                << status.errorMessage.value_or (status.state == ConnectionState::disconnected ? "not connected" : "not checked yet")
                << "). Fallback mode '" << toString (mode) << "': " << consequence << ".";

    juce::Logger::writeToLog ("ComfyBridge: " + message);
    return message;
}

//==============================================================================
void ConnectionManager::setReadinessOptions (ReadinessOptions options)
{
    downloads->setOptions (options.downloadOptions);
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->readiness = std::move (options);
        shared->readinessRequested = true;
    }
    wakeWorker();
}

void ConnectionManager::setDiscoveryCandidatePorts (std::vector<int> ports)
{
    std::lock_guard<std::mutex> lock (shared->mutex);
    shared->discoveryCandidates = std::move (ports);
}

void ConnectionManager::refreshReadiness()
{
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->failedDownloads.clear();
        shared->readinessRequested = true;
    }
    wakeWorker();
}

std::shared_future<ComfyUIStatus> ConnectionManager::readinessChecked()
{
    std::promise<ComfyUIStatus> promise;
    auto future = promise.get_future().share();
    {
        std::lock_guard<std::mutex> lock (shared->mutex);

        if ((! shared->readinessRequested && ! shared->readinessRunning) || ! shared->status.available)
        {
            promise.set_value (shared->status);
            return future;
        }

        shared->readinessWaiters.push_back (std::move (promise));
    }
    wakeWorker();
    return future;
}

bool ConnectionManager::isDownloadingModels() const
{
    return downloads->isBusy();
}

std::shared_future<void> ConnectionManager::modelDownloadsFinished()
{
    return downloads->whenIdle();
}

void ConnectionManager::downloadActivityChanged (const juce::String& activity)
{
    ComfyUIStatus status;
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->downloadActivity = activity;
        status = shared->status;
        status.activity = shared->combinedActivity();
    }
    publish (status);
}

void ConnectionManager::downloadFinished (const ModelDownloadJob& job, const ModelDownloadResult& result)
{
    juce::String activity;
    {
        std::lock_guard<std::mutex> lock (shared->mutex);

        if (result.ok)
        {
            // ComfyUI rescans a folder whose contents changed: ask it again.
            shared->downloadActivity.clear();
            shared->readinessRequested = true;
        }
        else if (! result.cancelled)
        {
            shared->failedDownloads.addIfNotAlreadyThere (job.model.folder + "/" + job.model.name);
            shared->downloadActivity = "download failed: " + result.error;
        }

        activity = shared->downloadActivity;
    }

    if (! result.ok && ! result.cancelled)
        juce::Logger::writeToLog ("ComfyBridge: " + result.error);

    downloadActivityChanged (activity);
    wakeWorker();
}

//==============================================================================
ComfyUIConfig ConnectionManager::getConfig() const
{
    std::lock_guard<std::mutex> lock (shared->mutex);
    return shared->config;
}

ComfyUIConfig ConnectionManager::getEffectiveConfig() const
{
    std::lock_guard<std::mutex> lock (shared->mutex);
    return shared->effectiveConfig();
}

juce::StringArray ConnectionManager::setConfig (const ComfyUIConfig& newConfig)
{
    auto problems = newConfig.validate();

    if (! problems.isEmpty())
        return problems;

    bool restart = false;
    {
        std::lock_guard<std::mutex> lock (shared->mutex);

        if (shared->config == newConfig)
            return {};

        restart = shared->status.state != ConnectionState::disconnected;
    }

    // A request in flight was made under the old config: abandon it first, so
    // its waiters are handed back and answered under the new config.
    if (restart)
        stopWorker();

    {
        std::lock_guard<std::mutex> lock (shared->mutex);
        shared->config = newConfig;
        shared->discoveredPort = 0;
        shared->discoveryNote.clear();
        shared->status.discoveryNote.clear();
        shared->readinessRequested = true;
        shared->status.url = newConfig.getBaseUrl();
        shared->status.corsCheckEnabled = newConfig.enableCorsCheck;
        shared->configChanged = restart;
        shared->shuttingDown = false;
    }

    if (restart)
    {
        ensureWorkerRunning();
        wakeWorker();
    }

    return {};
}

} // namespace comfybridge
