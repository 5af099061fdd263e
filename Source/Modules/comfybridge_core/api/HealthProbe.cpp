namespace comfybridge
{

bool parseSystemStats (const std::string& body, std::optional<juce::String>& version)
{
    const auto json = nlohmann::json::parse (body, nullptr, false);

    if (json.is_discarded() || ! json.is_object())
        return false;

    const auto system = json.find ("system");
    const auto devices = json.find ("devices");

    if (system == json.end() || ! system->is_object() || devices == json.end() || ! devices->is_array())
        return false;

    if (const auto v = system->find ("comfyui_version"); v != system->end() && v->is_string())
        version = v->get<juce::String>();

    return true;
}

std::optional<int> parseQueueSize (const std::string& body)
{
    const auto json = nlohmann::json::parse (body, nullptr, false);

    if (json.is_discarded() || ! json.is_object())
        return std::nullopt;

    const auto running = json.find ("queue_running");
    const auto pending = json.find ("queue_pending");

    if (running == json.end() || ! running->is_array() || pending == json.end() || ! pending->is_array())
        return std::nullopt;

    return (int) (running->size() + pending->size());
}

namespace
{
    juce::String portOf (const juce::String& baseUrl)
    {
        return baseUrl.fromLastOccurrenceOf (":", false, false);
    }

    juce::String seconds (double s)
    {
        return juce::String (s, s < 10.0 ? 1 : 0) + " s";
    }

    /** Words a user can act on for a request that got no HTTP response. */
    juce::String describeTransportFailure (const HttpResponse& r, const juce::String& baseUrl, double timeout)
    {
        switch (r.error)
        {
            case HttpError::refused:
                return "connection refused at " + baseUrl + ": nothing is listening on port " + portOf (baseUrl)
                     + ". Is ComfyUI running? (ComfyUI Desktop uses port 8000, plain ComfyUI 8188)";
            case HttpError::connectTimeout:
                if (baseUrl.startsWith ("https"))
                    return "timed out after " + seconds (timeout) + " connecting to " + baseUrl
                         + ": the host does not answer, or does not speak https (check the host, port, firewall and use_tls)";

                return "timed out after " + seconds (timeout) + " connecting to " + baseUrl
                     + ": the host does not answer (check the host, port and firewall)";
            case HttpError::responseTimeout:
                return "timed out after " + seconds (timeout) + " waiting for " + baseUrl
                     + " to answer: the server accepted the connection but did not respond (ComfyUI may be hung or overloaded)";
            case HttpError::dnsFailure:
                return "cannot resolve the host name in " + baseUrl + ": check the host setting";
            case HttpError::bodyTooLarge:
                return "not a ComfyUI server at " + baseUrl + ": its status answer is larger than 1 MB";
            case HttpError::tls:
                if (r.errorText.containsIgnoreCase ("certificate"))
                    return "the certificate of " + baseUrl + " is not trusted (" + r.errorText + "): install the CA that signed it"
                           " on this machine, or use the host name the certificate was issued for";

                return "secure connection to " + baseUrl + " failed (" + r.errorText + "): does the server speak https?"
                       " Switch use_tls off for a plain http ComfyUI";
            case HttpError::connectionLost:
                return "the connection to " + baseUrl + " closed before the answer was complete"
                       " (ComfyUI may have crashed or be restarting)";
            case HttpError::protocol:
                return "not a ComfyUI server at " + baseUrl + ": the answer is not valid HTTP (" + r.errorText + ")";
            case HttpError::cancelled:
                return "check cancelled";
            case HttpError::none:
            case HttpError::other:
                break;
        }

        return "cannot reach " + baseUrl + ": " + r.errorText;
    }

    struct Step
    {
        HttpResponse response;
        double deadlineMs;
    };
}

ProbeResult probeComfyUI (HttpClient& client, const juce::String& baseUrl, double timeoutSeconds,
                          const juce::StringPairArray& headers, const juce::String& caFile)
{
    const auto start = juce::Time::getMillisecondCounterHiRes();
    const auto deadline = start + timeoutSeconds * 1000.0;
    ProbeResult result;

    auto get = [&] (const juce::String& path)
    {
        HttpRequest request;
        request.url = baseUrl + path;
        request.headers = headers;
        request.caFile = caFile;
        request.timeoutSeconds = juce::jmax (0.001, (deadline - juce::Time::getMillisecondCounterHiRes()) / 1000.0);
        request.connectTimeoutSeconds = request.timeoutSeconds;
        request.maxBodyBytes = maxStatusBodyBytes;
        return client.perform (request);
    };

    auto fail = [&] (juce::String message, bool retry)
    {
        result.errorMessage = std::move (message);
        result.worthRetrying = retry;
        result.latencySeconds = (juce::Time::getMillisecondCounterHiRes() - start) / 1000.0;
        return result;
    };

    auto stats = get ("/api/system_stats");

    if (stats.arrived() && stats.statusCode == 404)
    {
        // Servers before 2024-06 have no /api/ alias.
        stats = get ("/system_stats");
        result.legacyPaths = true;
    }

    result.transportError = stats.error;
    result.notComfyUI = stats.error == HttpError::bodyTooLarge || stats.error == HttpError::protocol;

    if (! stats.arrived())
        return fail (describeTransportFailure (stats, baseUrl, timeoutSeconds),
                     stats.error != HttpError::bodyTooLarge && stats.error != HttpError::protocol && stats.error != HttpError::cancelled);

    if (stats.statusCode == 403 && stats.body.empty())
        return fail ("ComfyUI at " + baseUrl + " refused the request with HTTP 403 (its origin check). "
                     "Start ComfyUI with --enable-cors-header, or in ComfyUI Desktop add it under Settings > Server Config",
                     false);

    if (stats.statusCode == 401)
        return fail ("the server at " + baseUrl + " asks for authorisation (HTTP 401): set auth_token in the preferences"
                     " to the token your proxy expects, or check that it is still valid", false);

    if (stats.statusCode >= 500)
        return fail ("ComfyUI at " + baseUrl + " answered HTTP " + juce::String (stats.statusCode)
                     + " (server error); it may still be starting", true);

    result.notComfyUI = true; // until its answer shows otherwise

    if (stats.statusCode != 200)
        return fail ("not a ComfyUI server at " + baseUrl + ": /system_stats answered HTTP " + juce::String (stats.statusCode), false);

    if (! parseSystemStats (stats.body, result.version))
    {
        const auto type = stats.headers["content-type"];
        return fail ("not a ComfyUI server at " + baseUrl + ": /system_stats answered "
                     + (type.contains ("html") ? juce::String ("an HTML page") : "something other than ComfyUI's system stats"),
                     false);
    }

    result.notComfyUI = false;
    auto queue = get (result.legacyPaths ? "/queue" : "/api/queue");
    result.transportError = queue.error;

    if (! queue.arrived())
        return fail (describeTransportFailure (queue, baseUrl, timeoutSeconds), queue.error != HttpError::cancelled);

    const auto queueSize = queue.statusCode == 200 ? parseQueueSize (queue.body) : std::nullopt;

    if (! queueSize)
        return fail ("ComfyUI at " + baseUrl + " answered /queue with HTTP " + juce::String (queue.statusCode)
                     + " and no queue; it may be starting or damaged", true);

    result.reachedComfyUI = true;
    result.queueSize = *queueSize;
    result.latencySeconds = (juce::Time::getMillisecondCounterHiRes() - start) / 1000.0;
    return result;
}

} // namespace comfybridge
