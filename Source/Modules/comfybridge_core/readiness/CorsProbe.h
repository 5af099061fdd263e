#pragma once

namespace comfybridge
{

//==============================================================================
/** What the CORS probe found. */
struct CorsProbeResult
{
    bool checked = false;       ///< false: the server could not be asked (see reason)
    bool enabled = false;       ///< the server admits cross-origin requests from corsProbeOrigin
    juce::String allowedOrigin; ///< the server's Access-Control-Allow-Origin, when it sent one
    juce::String reason;        ///< why not enabled (with how to fix it), or why it was not checked
    bool transportFailed = false; ///< no HTTP answer at all (refused, timed out, cancelled)
};

/** The Origin the probe presents: a name that can never be a real site. */
inline constexpr const char* corsProbeOrigin = "http://comfybridge.invalid";

/**
    Asks a ComfyUI server whether browser code may call it, as the reference
    describes: OPTIONS /api/system_stats (or /system_stats on servers without
    the /api prefix) with an Origin header. Access-Control-Allow-Origin of "*"
    or our origin = enabled; another origin = enabled for that origin only;
    403 = ComfyUI's origin check is on; 200 without the header = CORS is off.

    This is the only request the product sends with an Origin header, and it is
    made once per connection, not on every periodic probe (the origin check
    logs a warning on the server for each one).
*/
CorsProbeResult probeCors (HttpClient& client, const ComfyUIConfig& config, bool legacyPaths, double timeoutSeconds);

} // namespace comfybridge
