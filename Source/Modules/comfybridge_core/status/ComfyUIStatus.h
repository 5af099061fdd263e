#pragma once

namespace comfybridge
{

/** Where a connection stands; the panel and the CLI show this, never a guess. */
enum class ConnectionState
{
    disconnected, ///< not trying: never connected, or disconnect() was called
    connecting,   ///< a connect attempt is in progress
    connected,    ///< the last check reached a real ComfyUI
    reconnecting, ///< the backend was lost and background reconnection is trying again
    unavailable   ///< the last attempt or check failed (see errorMessage)
};

/** "disconnected", "connecting", "connected", "reconnecting" or "unavailable". */
juce::String toString (ConnectionState state);

/** Formats @p time as ISO 8601 in UTC with milliseconds, e.g. "2026-11-25T12:30:05.250Z". */
juce::String toIso8601Utc (juce::Time time);

//==============================================================================
/**
    A snapshot of what is known about one ComfyUI backend.

    A status is a plain value: the ConnectionManager hands out copies, so a
    reader on any thread sees one consistent picture.
*/
struct ComfyUIStatus
{
    bool available = false;                  ///< the last check reached a real ComfyUI
    juce::String url;                        ///< e.g. "http://localhost:8000"
    std::optional<juce::String> version;     ///< ComfyUI's version from /system_stats, if it says
    int queueSize = 0;                       ///< running + pending prompts
    std::optional<juce::String> errorMessage;///< what failed, in words a user can act on
    juce::Time lastCheck;                    ///< when the last check finished (zero = never)
    bool corsEnabled = false;                ///< the server admits cross-origin requests
    bool corsCheckEnabled = true;            ///< copied from the config: false means CORS is not required
    bool modelsReady = false;                ///< every model the bundled workflows need is present
    bool workflowsReady = false;             ///< every node and choice the bundled workflows use exists
    ConnectionState state = ConnectionState::disconnected; ///< where the connection stands

    /** Available, CORS satisfied (enabled, or its check switched off), models and workflows ready. */
    bool fullyReady() const noexcept;

    /** Equal in everything a user would notice, i.e. ignoring lastCheck alone. */
    bool isEquivalentTo (const ComfyUIStatus& other) const;

    /** One JSON object with snake_case keys: available, url, version, queue_size,
        error_message, last_check (ISO 8601 or null), cors_enabled, models_ready,
        workflows_ready, fully_ready, state.
    */
    juce::String toJson (bool pretty = false) const;

    /** A short human-readable summary over a few lines, for the CLI and logs. */
    juce::String describe() const;
};

} // namespace comfybridge
