#pragma once

namespace comfybridge
{

/**
    The words every front end uses for a status: the plugin's status panel, the CLI's
    `status`/`watch` lines and ComfyUIStatus::describe() all take them from here, so a
    user reads the same thing wherever they look. Plain functions of values; any thread.
*/
namespace statustext
{
    /** The server's version, or "not reported (ComfyUI before August 2024)"; empty when unavailable. */
    juce::String version (const ComfyUIStatus& status);

    /** One line for logs and `watch`: "connected  http://127.0.0.1:8188  version 0.3.64  queue 0",
        with "  -- <error>" when there is one. @p timestamp (may be empty) goes first.
    */
    juce::String headline (const ComfyUIStatus& status, const juce::String& timestamp = {});

    /** One sentence of advice for the state: "Fix the problem below, then press Retry now." etc.
        @p started is false before anything asked for a connection.
    */
    juce::String advice (const ComfyUIStatus& status, bool started);

    /** What the fallback mode does when ComfyUI is unavailable: "draw a placeholder image", ... */
    juce::String fallbackAction (FallbackMode mode);

    /** "0.8 ms" below 10 ms, "42 ms" above. */
    juce::String milliseconds (double ms);

    /** "last 0.8 ms<sep>median 1.1 ms"; empty before the first measured check. */
    juce::String latency (const ConnectionMetrics& metrics, const juce::String& separator);

    /** "just connected", "up 42 s", "up 2 h 5 min", "up 3 d 4 h"; empty when not connected. */
    juce::String uptime (double seconds);

    /** "never", "just now", "3 s ago", "2 min ago", "1 h ago" (a time in the future is "just now"). */
    juce::String age (juce::Time then, juce::Time now);

    /** "1 reconnect", "3 reconnects". */
    juce::String count (juce::int64 n, const char* singular, const char* plural);
}

} // namespace comfybridge
