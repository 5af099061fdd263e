namespace comfybridge::statustext
{

juce::String version (const ComfyUIStatus& status)
{
    if (! status.available)
        return {};

    return status.version.value_or ("not reported (ComfyUI before August 2024)");
}

juce::String headline (const ComfyUIStatus& status, const juce::String& timestamp)
{
    juce::String line;

    if (timestamp.isNotEmpty())
        line << timestamp << "  ";

    line << toString (status.state) << "  " << status.url;

    if (status.available)
        line << "  version " << status.version.value_or ("unknown") << "  queue " << status.queueSize;

    if (status.errorMessage && status.errorMessage->isNotEmpty())
        line << "  -- " << *status.errorMessage;

    return line;
}

juce::String advice (const ComfyUIStatus& status, bool started)
{
    if (! started)
        return "No connection has been started.";

    switch (status.state)
    {
        case ConnectionState::connected:
            return status.fullyReady() ? "ComfyUI is reachable and ready to generate."
                                       : "ComfyUI is reachable and answering.";
        case ConnectionState::connecting:
            return "Contacting ComfyUI" + juce::String (juce::CharPointer_UTF8 ("\xe2\x80\xa6"));
        case ConnectionState::reconnecting:
            return "Trying again automatically. Retry now tries at once.";
        case ConnectionState::unavailable:
            return "Fix the problem below, then press Retry now.";
        case ConnectionState::disconnected:
            break;
    }

    return "Press Connect to reach ComfyUI.";
}

juce::String fallbackAction (FallbackMode mode)
{
    switch (mode)
    {
        case FallbackMode::placeholder: return "draw a placeholder image";
        case FallbackMode::skip:        return "skip (produce nothing)";
        case FallbackMode::abort:       return "abort with an error";
    }

    return {};
}

juce::String milliseconds (double ms)
{
    return (ms < 10.0 ? juce::String (ms, 1) : juce::String (juce::roundToInt (ms))) + " ms";
}

juce::String latency (const ConnectionMetrics& metrics, const juce::String& separator)
{
    if (! metrics.lastLatencyMs.has_value())
        return {};

    auto text = "last " + milliseconds (*metrics.lastLatencyMs);

    if (metrics.medianLatencyMs.has_value())
        text << separator << "median " << milliseconds (*metrics.medianLatencyMs);

    return text;
}

juce::String uptime (double seconds)
{
    if (seconds <= 0.0)
        return {};

    const auto s = (juce::int64) seconds;
    const auto withRest = [] (juce::int64 big, const char* bigUnit, juce::int64 small, const char* smallUnit)
    {
        return "up " + juce::String (big) + " " + bigUnit + (small > 0 ? " " + juce::String (small) + " " + smallUnit : juce::String());
    };

    if (s < 1)     return "just connected";
    if (s < 60)    return "up " + juce::String (s) + " s";
    if (s < 3600)  return "up " + juce::String (s / 60) + " min";
    if (s < 86400) return withRest (s / 3600, "h", (s % 3600) / 60, "min");
    return withRest (s / 86400, "d", (s % 86400) / 3600, "h");
}

juce::String age (juce::Time then, juce::Time now)
{
    if (then == juce::Time())
        return "never";

    const auto seconds = juce::jmax ((juce::int64) 0, (juce::int64) (now - then).inSeconds());

    if (seconds < 1)    return "just now";
    if (seconds < 60)   return juce::String (seconds) + " s ago";
    if (seconds < 3600) return juce::String (seconds / 60) + " min ago";
    return juce::String (seconds / 3600) + " h ago";
}

juce::String count (juce::int64 n, const char* singular, const char* plural)
{
    return juce::String (n) + " " + (n == 1 ? singular : plural);
}

} // namespace comfybridge::statustext
