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
        && state == other.state;
}

juce::String ComfyUIStatus::toJson (bool pretty) const
{
    const auto text = [] (const juce::String& s) { return s.toStdString(); };
    auto json = nlohmann::ordered_json::object();

    json["available"] = available;
    json["url"] = text (url);
    json["version"] = version ? nlohmann::ordered_json (text (*version)) : nlohmann::ordered_json();
    json["queue_size"] = queueSize;
    json["error_message"] = errorMessage ? nlohmann::ordered_json (text (*errorMessage)) : nlohmann::ordered_json();
    json["last_check"] = lastCheck.toMilliseconds() != 0 ? nlohmann::ordered_json (text (toIso8601Utc (lastCheck)))
                                                          : nlohmann::ordered_json();
    json["cors_enabled"] = corsEnabled;
    json["models_ready"] = modelsReady;
    json["workflows_ready"] = workflowsReady;
    json["fully_ready"] = fullyReady();
    json["state"] = text (toString (state));

    return juce::String::fromUTF8 (json.dump (pretty ? 2 : -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace).c_str());
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
    return text;
}

} // namespace comfybridge
