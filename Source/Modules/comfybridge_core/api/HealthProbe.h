#pragma once

namespace comfybridge
{

//==============================================================================
/** What one probe of a backend found. */
struct ProbeResult
{
    bool reachedComfyUI = false;          ///< a real ComfyUI answered
    bool worthRetrying = false;           ///< the failure may pass (refused, timeout, 5xx), unlike "not ComfyUI"
    juce::String errorMessage;            ///< what failed, in words a user can act on (empty on success)
    std::optional<juce::String> version;  ///< system.comfyui_version, when the server tells
    int queueSize = 0;                    ///< running + pending
    bool legacyPaths = false;             ///< the server predates the /api/ prefix
    double latencySeconds = 0.0;          ///< time for the whole probe
    HttpError transportError = HttpError::none; ///< why no HTTP answer came, when none did
    bool notComfyUI = false;              ///< something answered, but it is not ComfyUI
};

/**
    Probes a ComfyUI backend the way the reference describes: GET
    /api/system_stats (falling back to /system_stats on servers from before
    2024-06), recognises ComfyUI by its {system: {...}, devices: [...]} shape,
    then reads the queue from /api/queue. The whole probe shares one deadline.
    @p headers go with every request (e.g. ComfyUIConfig::getAuthHeaders()), and
    @p caFile (ComfyUIConfig::caFile) names the CA certificates trusted over https.
*/
ProbeResult probeComfyUI (HttpClient& client, const juce::String& baseUrl, double timeoutSeconds,
                          const juce::StringPairArray& headers = {}, const juce::String& caFile = {});

/** True when @p body is ComfyUI's /system_stats object; @p version is filled when present. */
bool parseSystemStats (const std::string& body, std::optional<juce::String>& version);

/** Running + pending from a /queue body, or nullopt when it is not one. */
std::optional<int> parseQueueSize (const std::string& body);

/** The maximum body accepted from a status endpoint: anything larger is not ComfyUI. */
constexpr size_t maxStatusBodyBytes = 1 << 20;

} // namespace comfybridge
