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
/** Whether one readiness question (CORS, models, workflows) has been answered, and why not "ready". */
struct ReadinessCheck
{
    bool checked = false; ///< false: not asked yet (or it could not be asked); the verdict bool means nothing then
    juce::String reason;  ///< why it is not ready, or why it could not be checked; empty when ready

    bool operator== (const ReadinessCheck& o) const { return checked == o.checked && reason == o.reason; }
    bool operator!= (const ReadinessCheck& o) const { return ! operator== (o); }
};

/** A model file a bundled workflow needs and the server does not have. */
struct MissingModel
{
    juce::String workflow; ///< the workflow that needs it, e.g. "txt2img"
    juce::String folder;   ///< ComfyUI model folder, e.g. "checkpoints"
    juce::String name;     ///< file name
    juce::String url;      ///< where to get it; empty when unknown

    bool operator== (const MissingModel& o) const { return workflow == o.workflow && folder == o.folder && name == o.name && url == o.url; }
};

/** The first thing that stops one bundled workflow from running on the server. */
struct WorkflowProblem
{
    juce::String workflow; ///< e.g. "txt2img"
    juce::String problem;  ///< e.g. "node class CheckpointLoaderSimple is not installed"

    bool operator== (const WorkflowProblem& o) const { return workflow == o.workflow && problem == o.problem; }
};

/** How the connection has fared; measured on the manager's thread. */
struct ConnectionMetrics
{
    std::optional<double> lastLatencyMs;   ///< the last successful check's round trip
    std::optional<double> medianLatencyMs; ///< median over the last 32 successful checks
    int consecutiveFailures = 0;           ///< failed checks since the last success
    juce::Time connectedSince;             ///< when the backend last became available (zero while down)
    int reconnectCount = 0;                ///< times the backend came back after being lost
    juce::String lastError;                ///< the last failure's message (kept after recovery)
    juce::Time lastErrorTime;              ///< when it happened (zero = never)
    juce::int64 checksDone = 0;            ///< probes run, successful or not

    /** Seconds since connectedSince at @p now, or 0 while not connected. */
    double uptimeSeconds (juce::Time now = juce::Time::getCurrentTime()) const;
};

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

    ReadinessCheck corsCheck;                ///< whether corsEnabled was measured, and why not when false
    ReadinessCheck modelsCheck;              ///< whether modelsReady was measured, and why not when false
    ReadinessCheck workflowsCheck;           ///< whether workflowsReady was measured, and why not when false
    std::vector<MissingModel> missingModels; ///< per workflow, with the download URL when known
    std::vector<WorkflowProblem> workflowProblems; ///< the first problem of each workflow that cannot run
    juce::String activity;                   ///< background readiness work, e.g. "downloading x.safetensors: 42 %"
    juce::String discoveryNote;              ///< set when port discovery found ComfyUI elsewhere than configured
    ConnectionMetrics metrics;               ///< latency, failures, uptime; not part of isEquivalentTo
    Endpoint endpoint;                       ///< the backend this status describes (how it was found included)
    juce::uint64 sequence = 0;               ///< grows with every update the manager makes (newer snapshot = larger); not part of isEquivalentTo

    /** Available, CORS satisfied (enabled, or its check switched off), models and workflows ready. */
    bool fullyReady() const noexcept;

    /** Equal in everything a user would notice: ignores lastCheck and the metrics,
        which change with every check (a panel refreshes them on its own timer).
    */
    bool isEquivalentTo (const ComfyUIStatus& other) const;

    /** One JSON object with snake_case keys: available, url, version, queue_size,
        error_message, last_check (ISO 8601 or null), cors_enabled, models_ready,
        workflows_ready, fully_ready, state, readiness {cors, models, workflows:
        {checked, ready, reason}, missing_models, workflow_problems, activity},
        discovery_note and metrics.
    */
    juce::String toJson (bool pretty = false) const;

    /** A short human-readable summary over a few lines, for the CLI and logs. */
    juce::String describe() const;
};

} // namespace comfybridge
