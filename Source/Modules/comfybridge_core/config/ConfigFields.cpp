namespace comfybridge::detail
{

const std::vector<ConfigField>& configFields()
{
    using C = ComfyUIConfig;

    static const std::vector<ConfigField> fields {
        { "host", FieldKind::text,
          [] (const C& c) { return juce::var (c.host); },
          [] (C& c, const juce::var& v) { c.host = v.toString(); } },
        { "port", FieldKind::integer,
          [] (const C& c) { return juce::var (c.port); },
          [] (C& c, const juce::var& v) { c.port = (int) v; } },
        { "timeout", FieldKind::number,
          [] (const C& c) { return juce::var (c.timeout); },
          [] (C& c, const juce::var& v) { c.timeout = (double) v; } },
        { "max_retries", FieldKind::integer,
          [] (const C& c) { return juce::var (c.maxRetries); },
          [] (C& c, const juce::var& v) { c.maxRetries = (int) v; } },
        { "retry_backoff", FieldKind::number,
          [] (const C& c) { return juce::var (c.retryBackoff); },
          [] (C& c, const juce::var& v) { c.retryBackoff = (double) v; } },
        { "enable_cors_check", FieldKind::boolean,
          [] (const C& c) { return juce::var (c.enableCorsCheck); },
          [] (C& c, const juce::var& v) { c.enableCorsCheck = (bool) v; } },
        { "auto_download_models", FieldKind::boolean,
          [] (const C& c) { return juce::var (c.autoDownloadModels); },
          [] (C& c, const juce::var& v) { c.autoDownloadModels = (bool) v; } },
        { "auto_deploy_workflows", FieldKind::boolean,
          [] (const C& c) { return juce::var (c.autoDeployWorkflows); },
          [] (C& c, const juce::var& v) { c.autoDeployWorkflows = (bool) v; } },
        { "fallback_mode", FieldKind::fallbackMode,
          [] (const C& c) { return juce::var (toString (c.fallbackMode)); },
          [] (C& c, const juce::var& v) { c.fallbackMode = *parseFallbackMode (v.toString()); } },
        { "probe_timeout", FieldKind::number,
          [] (const C& c) { return juce::var (c.probeTimeout); },
          [] (C& c, const juce::var& v) { c.probeTimeout = (double) v; } },
        { "use_tls", FieldKind::boolean,
          [] (const C& c) { return juce::var (c.useTls); },
          [] (C& c, const juce::var& v) { c.useTls = (bool) v; } },
        { "discover_port", FieldKind::boolean,
          [] (const C& c) { return juce::var (c.discoverPort); },
          [] (C& c, const juce::var& v) { c.discoverPort = (bool) v; } },
        { "models_folder", FieldKind::text,
          [] (const C& c) { return juce::var (c.modelsFolder); },
          [] (C& c, const juce::var& v) { c.modelsFolder = v.toString(); } },
        { "ca_file", FieldKind::text,
          [] (const C& c) { return juce::var (c.caFile); },
          [] (C& c, const juce::var& v) { c.caFile = v.toString(); } },
        { "auth_token", FieldKind::text,
          [] (const C& c) { return juce::var (c.authToken); },
          [] (C& c, const juce::var& v) { c.authToken = v.toString(); },
          true },
    };

    return fields;
}

std::variant<juce::var, juce::String> parseFieldText (const ConfigField& field, const juce::String& text)
{
    const juce::String key (field.key);
    const auto trimmed = text.trim();

    switch (field.kind)
    {
        case FieldKind::text:
            return juce::var (text);

        case FieldKind::integer:
        {
            const auto digits = trimmed.startsWithChar ('-') ? trimmed.substring (1) : trimmed;

            if (digits.isEmpty() || ! digits.containsOnly ("0123456789") || digits.length() > 9)
                return key + ": " + quoted (text) + " is not a whole number";

            return juce::var (trimmed.getIntValue());
        }

        case FieldKind::number:
        {
            // strtod must consume everything: "3s" or "" are errors, not 3 or 0.
            const auto utf8 = trimmed.toStdString();
            char* end = nullptr;
            const auto value = std::strtod (utf8.c_str(), &end);

            if (utf8.empty() || end != utf8.c_str() + utf8.size() || ! std::isfinite (value))
                return key + ": " + quoted (text) + " is not a number";

            return juce::var (value);
        }

        case FieldKind::boolean:
        {
            const auto lower = trimmed.toLowerCase();

            if (lower == "true" || lower == "1" || lower == "yes" || lower == "on")
                return juce::var (true);

            if (lower == "false" || lower == "0" || lower == "no" || lower == "off")
                return juce::var (false);

            return key + ": " + quoted (text) + " is not true or false";
        }

        case FieldKind::fallbackMode:
            if (! parseFallbackMode (text).has_value())
                return key + ": " + quoted (text) + " is not one of placeholder, skip, abort";

            return juce::var (text);
    }

    return key + ": unsupported field kind";
}

} // namespace comfybridge::detail
