namespace comfybridge
{

namespace
{
    const juce::String howToEnable = "start ComfyUI with --enable-cors-header (ComfyUI Desktop: Settings > Server Config), "
                                     "or switch enable_cors_check off if nothing runs in a browser";
}

CorsProbeResult probeCors (HttpClient& client, const ComfyUIConfig& config, bool legacyPaths, double timeoutSeconds)
{
    HttpRequest request;
    request.method = "OPTIONS";
    request.url = config.getBaseUrl() + (legacyPaths ? "/system_stats" : "/api/system_stats");
    applyBackendSettings (request, config);
    request.headers.set ("Origin", corsProbeOrigin);
    request.headers.set ("Access-Control-Request-Method", "POST");
    request.timeoutSeconds = timeoutSeconds;
    request.connectTimeoutSeconds = timeoutSeconds;
    request.maxBodyBytes = maxStatusBodyBytes;

    const auto response = client.perform (request);
    CorsProbeResult result;

    if (! response.arrived())
    {
        result.transportFailed = true;
        result.reason = "could not check CORS: " + toString (response.error) + " (" + response.errorText + ")";
        return result;
    }

    result.checked = true;
    result.allowedOrigin = response.headers["access-control-allow-origin"].trim();

    if (response.statusCode == 403)
    {
        result.reason = "ComfyUI's origin check refuses cross-origin requests (HTTP 403): " + howToEnable;
        return result;
    }

    if (response.statusCode >= 400)
    {
        result.checked = false;
        result.reason = "could not check CORS: OPTIONS answered HTTP " + juce::String (response.statusCode);
        return result;
    }

    if (result.allowedOrigin.isEmpty())
    {
        result.reason = "ComfyUI sends no CORS headers, so browser-based tools cannot call it: " + howToEnable;
        return result;
    }

    if (result.allowedOrigin == "*" || result.allowedOrigin == corsProbeOrigin)
    {
        result.enabled = true;
        return result;
    }

    result.reason = "ComfyUI allows cross-origin requests only from " + result.allowedOrigin
                  + ": start it with --enable-cors-header alone (any origin) if other tools need it";
    return result;
}

} // namespace comfybridge
