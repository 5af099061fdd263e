namespace comfybridge
{

using namespace connection_detail;

namespace
{
    /** True when a check moved the metrics (lastCheck alone does not count: pings move it twice a second). */
    bool metricsMoved (const ConnectionMetrics& a, const ConnectionMetrics& b)
    {
        return a.checksDone != b.checksDone || a.consecutiveFailures != b.consecutiveFailures
            || a.reconnectCount != b.reconnectCount || a.lastErrorTime != b.lastErrorTime
            || a.connectedSince != b.connectedSince || a.lastLatencyMs != b.lastLatencyMs
            || a.medianLatencyMs != b.medianLatencyMs;
    }
}

//==============================================================================
ConnectionManager::ConnectionManager (const ComfyUIConfig& config, std::unique_ptr<HttpClient> httpClient)
    : client (httpClient != nullptr ? std::move (httpClient) : std::make_unique<CurlHttpClient>()),
      longClient (std::make_unique<CurlHttpClient>()),
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
    shared->status.endpoint = Endpoint::from (shared->config);
    shared->status.corsCheckEnabled = shared->config.enableCorsCheck;
    engine = std::make_unique<detail::GenerationEngine> (*longClient, getClientId(), [this] { wakeLanes(); });
    downloads = std::make_unique<ModelDownloadQueue> ([this] (const juce::String& a) { downloadActivityChanged (a); },
                                                      [this] (const ModelDownloadJob& j, const ModelDownloadResult& r) { downloadFinished (j, r); });
    worker = std::make_unique<Worker> (*this);
    longWork = std::make_unique<LongWork> (*this);
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
    shared->laneWakeUp.notify_all();
    liveChannel.cancel(); // a worker waiting on the live channel wakes too
}

void ConnectionManager::wakeLanes()
{
    {
        std::lock_guard<std::mutex> lock (shared->mutex);
    }
    shared->laneWakeUp.notify_all();
}

void ConnectionManager::stopWorker()
{
    worker->signalThreadShouldExit();
    longWork->signalThreadShouldExit();
    client->cancel();
    longClient->cancel();
    wakeWorker();
    worker->stopThread (-1);
    longWork->stopThread (-1);
    client->resetCancellation();
    longClient->resetCancellation();
}

void ConnectionManager::ensureWorkerRunning()
{
    if (! worker->isThreadRunning())
        worker->startThread();

    if (! longWork->isThreadRunning())
        longWork->startThread();
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
    updateStatus ([] (ComfyUIStatus& s) { s.state = ConnectionState::connecting; return true; });

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

    const auto status = updateStatus ([this] (ComfyUIStatus& s)
    {
        s.available = false;
        s.state = ConnectionState::disconnected;
        s.queueSize = 0;
        s.errorMessage.reset(); // the user chose this: it is not an error
        shared->metrics.recordDisconnect();
        shared->downloadActivity.clear();
        shared->readinessActivity.clear();
        s.metrics = shared->metrics.get();
        ReadinessReport::notChecked ("not connected").applyTo (s);
        return true;
    });

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

ComfyUIStatus ConnectionManager::updateStatus (const std::function<bool (ComfyUIStatus&)>& change)
{
    bool changed = false, metricsChanged = false;
    ComfyUIStatus result;

    {
        // Read, changed and stored under one lock: no update ever overwrites a newer one.
        std::lock_guard<std::mutex> lock (shared->mutex);
        auto next = shared->status;

        if (! change (next))
            return shared->status;

        changed = ! next.isEquivalentTo (shared->status);
        metricsChanged = metricsMoved (next.metrics, shared->status.metrics);
        next.sequence = shared->status.sequence + 1;
        shared->status = next;
        available.store (next.available, std::memory_order_relaxed);

        if (changed)
            shared->pendingNotifications.push_back (next);

        result = std::move (next);
    }

    if (changed)
        notifier->post();

    // Change listeners pull one snapshot, metrics included: they need no timer to see them move.
    if (changed || metricsChanged)
        sendChangeMessage();

    return result;
}

void ConnectionManager::transitionState (ConnectionState from, ConnectionState to)
{
    updateStatus ([from, to] (ComfyUIStatus& s)
    {
        if (s.state != from)
            return false;

        s.state = to;
        return true;
    });
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
    updateStatus ([this, &activity] (ComfyUIStatus& s)
    {
        shared->downloadActivity = activity;
        s.activity = shared->combinedActivity();
        return true;
    });
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

    updateStatus ([&] (ComfyUIStatus& s)
    {
        shared->config = newConfig;
        shared->discoveredPort = 0;
        shared->discoveryNote.clear();
        shared->readinessRequested = true;
        shared->configChanged = restart;
        shared->shuttingDown = false;
        s.discoveryNote.clear();
        s.url = newConfig.getBaseUrl();
        s.endpoint = Endpoint::from (newConfig);
        s.corsCheckEnabled = newConfig.enableCorsCheck;
        return true;
    });

    if (restart)
    {
        ensureWorkerRunning();
        wakeWorker();
    }

    return {};
}

} // namespace comfybridge
