// The monitor lane's live channel: opening it, listening to it, and the pings
// that tell a hung server from a quiet one (the rest of the Worker is in
// ConnectionWorker.cpp).

namespace comfybridge
{

using namespace connection_detail;

Clock::time_point ConnectionManager::Worker::openLiveChannel()
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
    pingMonitor.reset();

    if (result.wasOk())
    {
        lastLiveChannelError.clear();
        manager.wakeLanes(); // jobs waiting on polls may now follow events
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

void ConnectionManager::Worker::pingNow()
{
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        pingMonitor.configure (pingCadence(), shared.effectiveConfig().getEffectiveProbeTimeout());
    }

    pingMonitor.pingSent (Clock::now(), manager.liveChannel.getPongCount());

    if (! manager.liveChannel.sendPing())
        liveChannelLost();
}

PingMonitor::Verdict ConnectionManager::Worker::judgePing()
{
    if (! pingMonitor.isOutstanding())
        return PingMonitor::Verdict::none;

    for (WebSocketMessage message; manager.liveChannel.isOpen();)
    {
        const auto received = manager.liveChannel.receive (message, 0);

        if (received == WebSocketClient::ReceiveStatus::message)
            handleLiveMessage (message);
        else if (received == WebSocketClient::ReceiveStatus::closed || received == WebSocketClient::ReceiveStatus::error)
            liveChannelLost();
        else
            break;
    }

    return pingMonitor.judge (Clock::now(), manager.liveChannel.getPongCount());
}

void ConnectionManager::Worker::checkPong()
{
    const auto verdict = judgePing();

    if (verdict == PingMonitor::Verdict::alive)
        manager.updateStatus ([] (ComfyUIStatus& s) { s.lastCheck = juce::Time::getCurrentTime(); return s.available; });

    if (verdict == PingMonitor::Verdict::hung)
    {
        const auto config = configSnapshot();
        apply (hungResult (config), config);
        scheduler.probeFinished(); // as good as a failed probe: periodic timers restart from here
    }
}

void ConnectionManager::Worker::liveChannelLost()
{
    manager.liveChannelOpen = false;
    pingMonitor.reset();

    std::lock_guard<std::mutex> lock (shared.mutex);
    if (! shared.shuttingDown)
        shared.checkRequested = true;
}

ProbeResult ConnectionManager::Worker::hungResult (const ComfyUIConfig& config)
{
    pingMonitor.reset();

    // Drop the socket without waiting for a goodbye a hung server would never send.
    manager.liveChannel.cancel();
    manager.liveChannel.close();
    manager.liveChannel.resetCancellation();
    manager.liveChannelOpen = false;

    ProbeResult hung;
    hung.worthRetrying = true;
    hung.transportError = HttpError::responseTimeout;
    hung.errorMessage = "timed out: ComfyUI at " + config.getBaseUrl() + " stopped answering (no answer to a WebSocket ping within "
                      + juce::String (config.getEffectiveProbeTimeout(), 1) + " s)";
    return hung;
}

void ConnectionManager::Worker::listenToLiveChannel (Clock::time_point until)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds> (until - Clock::now()).count();
    WebSocketMessage message;
    const auto received = manager.liveChannel.receive (message, (int) juce::jlimit ((long long) 0, (long long) 3600000, (long long) left));

    using Status = WebSocketClient::ReceiveStatus;

    if (received == Status::message)
        handleLiveMessage (message);

    if (received == Status::closed || received == Status::error)
        liveChannelLost();
}

void ConnectionManager::Worker::handleLiveMessage (const WebSocketMessage& message)
{
    pingMonitor.signOfLife();

    {
        // A frame from a backend we think is down: probe now (SignOfLifeJob), not at the next tick.
        std::lock_guard<std::mutex> lock (shared.mutex);
        if (! shared.status.available && shared.status.state != ConnectionState::disconnected)
            shared.lifeSeen = true;
    }

    if (! message.isBinary)
        handleLiveEvent (message.data);
}

void ConnectionManager::Worker::handleLiveEvent (const std::string& text)
{
    auto event = nlohmann::json::parse (text, nullptr, false);

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

            manager.updateStatus ([remaining] (ComfyUIStatus& s)
            {
                if (remaining < 0 || ! s.available || s.queueSize == remaining)
                    return false;

                s.queueSize = remaining;
                return true;
            });
        }
        return;
    }

    // Generation events: the long-work lane owns the jobs.
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        shared.liveEvents.push_back (std::move (event));
    }
    manager.wakeLanes();
}

} // namespace comfybridge
