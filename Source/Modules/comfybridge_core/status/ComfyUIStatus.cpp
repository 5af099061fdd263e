namespace comfybridge
{

juce::String toString (ConnectionState state)
{
    switch (state)
    {
        case ConnectionState::disconnected: return "disconnected";
        case ConnectionState::connecting:   return "connecting";
        case ConnectionState::connected:    return "connected";
        case ConnectionState::reconnecting: return "reconnecting";
        case ConnectionState::unavailable:  return "unavailable";
    }

    jassertfalse;
    return "unavailable";
}

juce::String toIso8601Utc (juce::Time time)
{
    // juce::Time::toISO8601 writes local time; logs and JSON want UTC ("...Z").
    const auto millis = time.toMilliseconds();
    const auto seconds = (std::time_t) (millis >= 0 ? millis / 1000 : (millis - 999) / 1000);
    std::tm utc {};
    gmtime_r (&seconds, &utc);

    return juce::String::formatted ("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                                    utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                                    utc.tm_hour, utc.tm_min, utc.tm_sec,
                                    (int) (millis - (juce::int64) seconds * 1000));
}

bool ComfyUIStatus::fullyReady() const noexcept
{
    return available && (corsEnabled || ! corsCheckEnabled) && modelsReady && workflowsReady;
}

bool ComfyUIStatus::isEquivalentTo (const ComfyUIStatus& other) const
{
    return available == other.available && url == other.url && version == other.version
        && queueSize == other.queueSize && errorMessage == other.errorMessage
        && corsEnabled == other.corsEnabled && corsCheckEnabled == other.corsCheckEnabled
        && modelsReady == other.modelsReady && workflowsReady == other.workflowsReady
        && state == other.state && corsCheck == other.corsCheck && modelsCheck == other.modelsCheck
        && workflowsCheck == other.workflowsCheck && missingModels == other.missingModels
        && workflowProblems == other.workflowProblems && activity == other.activity
        && discoveryNote == other.discoveryNote && endpoint == other.endpoint;
}

double ConnectionMetrics::uptimeSeconds (juce::Time now) const
{
    return connectedSince.toMilliseconds() == 0 ? 0.0 : juce::jmax (0.0, (now - connectedSince).inSeconds());
}

juce::String ComfyUIStatus::toJson (bool pretty) const
{
    auto json = nlohmann::ordered_json::object();

    json["available"] = available;
    json["url"] = url;
    json["version"] = version ? nlohmann::ordered_json (*version) : nlohmann::ordered_json();
    json["queue_size"] = queueSize;
    json["error_message"] = errorMessage ? nlohmann::ordered_json (*errorMessage) : nlohmann::ordered_json();
    json["last_check"] = lastCheck.toMilliseconds() != 0 ? nlohmann::ordered_json (toIso8601Utc (lastCheck))
                                                          : nlohmann::ordered_json();
    json["cors_enabled"] = corsEnabled;
    json["models_ready"] = modelsReady;
    json["workflows_ready"] = workflowsReady;
    json["fully_ready"] = fullyReady();
    json["state"] = toString (state);

    const auto time = [&] (juce::Time t) { return t.toMilliseconds() != 0 ? nlohmann::ordered_json (toIso8601Utc (t)) : nlohmann::ordered_json(); };
    const auto check = [&] (const ReadinessCheck& c, bool ready)
    {
        return nlohmann::ordered_json { { "checked", c.checked }, { "ready", c.checked && ready }, { "reason", c.reason } };
    };

    auto& readiness = json["readiness"];
    readiness["cors"] = check (corsCheck, corsEnabled);
    readiness["cors"]["required"] = corsCheckEnabled;
    readiness["models"] = check (modelsCheck, modelsReady);
    readiness["workflows"] = check (workflowsCheck, workflowsReady);
    readiness["missing_models"] = nlohmann::ordered_json::array();
    for (const auto& m : missingModels)
        readiness["missing_models"].push_back ({ { "workflow", m.workflow }, { "folder", m.folder },
                                                 { "name", m.name }, { "url", m.url.isEmpty() ? nlohmann::ordered_json() : nlohmann::ordered_json (m.url) } });
    readiness["workflow_problems"] = nlohmann::ordered_json::array();
    for (const auto& w : workflowProblems)
        readiness["workflow_problems"].push_back ({ { "workflow", w.workflow }, { "problem", w.problem } });
    readiness["activity"] = activity;
    json["discovery_note"] = discoveryNote.isEmpty() ? nlohmann::ordered_json() : nlohmann::ordered_json (discoveryNote);

    const auto optional = [] (const std::optional<double>& v) { return v ? nlohmann::ordered_json (*v) : nlohmann::ordered_json(); };
    auto& m = json["metrics"];
    m["last_latency_ms"] = optional (metrics.lastLatencyMs);
    m["median_latency_ms"] = optional (metrics.medianLatencyMs);
    m["consecutive_failures"] = metrics.consecutiveFailures;
    m["connected_since"] = time (metrics.connectedSince);
    m["uptime_seconds"] = metrics.uptimeSeconds();
    m["reconnect_count"] = metrics.reconnectCount;
    m["last_error"] = metrics.lastError.isEmpty() ? nlohmann::ordered_json() : nlohmann::ordered_json (metrics.lastError);
    m["last_error_time"] = time (metrics.lastErrorTime);
    m["checks_done"] = metrics.checksDone;

    return detail::fromStd (json.dump (pretty ? 2 : -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

juce::String ComfyUIStatus::describe() const
{
    juce::String text;
    text << "ComfyUI at " << url << ": " << toString (state);

    if (available)
        text << " (version " << version.value_or ("unknown") << ", queue " << queueSize << ")";

    if (errorMessage)
        text << "\n  " << *errorMessage;

    text << "\n  last check: " << (lastCheck.toMilliseconds() != 0 ? lastCheck.toString (true, true, true, true) : juce::String ("never"));

    if (discoveryNote.isNotEmpty())
        text << "\n  " << discoveryNote;

    const auto line = [&] (const char* name, const ReadinessCheck& check, bool ready)
    {
        text << "\n  " << name << ": " << (! check.checked ? "not checked" : ready ? "ready" : "NOT READY");
        if (check.reason.isNotEmpty())
            text << " (" << check.reason << ")";
    };

    line ("CORS", corsCheck, corsEnabled);
    line ("models", modelsCheck, modelsReady);
    line ("workflows", workflowsCheck, workflowsReady);

    for (const auto& m : missingModels)
        text << "\n    missing " << m.folder << "/" << m.name << " for " << m.workflow
             << (m.url.isNotEmpty() ? " - get it from " + m.url : juce::String());

    for (const auto& w : workflowProblems)
        text << "\n    " << w.workflow << ": " << w.problem;

    if (activity.isNotEmpty())
        text << "\n  activity: " << activity;

    const auto latency = statustext::latency (metrics, ", ");
    text << "\n  latency: " << (latency.isNotEmpty() ? latency : juce::String ("not measured yet"))
         << "; checks " << metrics.checksDone << ", consecutive failures " << metrics.consecutiveFailures
         << ", reconnects " << metrics.reconnectCount;

    if (metrics.connectedSince.toMilliseconds() != 0)
        text << ", " << statustext::uptime (metrics.uptimeSeconds());

    if (metrics.lastError.isNotEmpty())
        text << "\n  last error (" << toIso8601Utc (metrics.lastErrorTime) << "): " << metrics.lastError;

    return text;
}

} // namespace comfybridge
