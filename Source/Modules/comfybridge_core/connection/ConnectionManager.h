#pragma once

namespace comfybridge
{

//==============================================================================
/** What the manager's readiness checks need from the front end (the module knows no bundled files). */
struct ReadinessOptions
{
    std::vector<WorkflowDefinition> workflows; ///< whose nodes and models are checked, and which are deployed
    juce::File deploymentRecordFile;           ///< remembers what was deployed; empty = the user's default file
    ModelDownloadOptions downloadOptions;      ///< limits for automatic model downloads
    bool actOnFindings = true;                 ///< false: only check, never deploy or download (e.g. `comfybridge status`)
};

//==============================================================================
/**
    Keeps an honest, live view of one ComfyUI backend without ever blocking the
    thread that asks.

    All network I/O runs on two background threads owned by the manager: the
    monitor lane (connect, health checks, reconnection, the WebSocket live
    channel and its pings) and the long-work lane (readiness: /object_info,
    deployment; generation: submit, history, image fetches). Each has its own
    HTTP client, so a slow request never leaves monitoring blind. Every status
    change goes through one update under one lock and gets the next
    ComfyUIStatus::sequence, so no snapshot ever overwrites a newer one.
    Callers get answers three ways:
    - getStatus(): a consistent snapshot, cheap, from any thread;
    - isAvailable(): a lock-free flag for the audio thread;
    - notifications on the message thread: the manager is a
      juce::ChangeBroadcaster (coalesced, no payload: read getStatus(); it is
      also sent when only the metrics moved, so a view needs no timer), and
      registered StatusCallbacks receive every change in order.

    connect() and checkHealth() return at once with a std::shared_future that a
    tool or test may wait on (never wait on it on the message or audio thread).

    @code
    comfybridge::ConnectionManager manager (config);
    auto status = manager.connect().get();   // CLI: fine to block here
    @endcode
*/
class ConnectionManager : public juce::ChangeBroadcaster
{
public:
    /** Receives each new status on the message thread. */
    using StatusCallback = std::function<void (const ComfyUIStatus&)>;

    /** Identifies a registered callback; 0 is never used. */
    using CallbackId = juce::uint64;

    /** Creates a manager for @p config (which should be valid; an invalid one is
        replaced by the defaults and logged). Does no I/O and starts no thread.
        @p client lets tests inject an HTTP client; by default libcurl is used.
    */
    explicit ConnectionManager (const ComfyUIConfig& config, std::unique_ptr<HttpClient> client = nullptr);

    /** Disconnects (cancelling whatever is in flight) and guarantees that no
        callback or change message is delivered afterwards.
    */
    ~ConnectionManager() override;

    //==============================================================================
    /** Starts a connection attempt on the background thread and returns at once.
        One attempt is up to 1 + max_retries tries, each bounded by `timeout`, with
        delays that grow by `retry_backoff` (plus jitter) between them. Failures
        that retrying cannot fix (not a ComfyUI server, HTTP 403) end it early.
        The future resolves with the resulting status.
    */
    std::shared_future<ComfyUIStatus> connect();

    /** Stops monitoring and reconnection, cancels any request in flight, joins the
        thread (promptly, even while a server hangs), and sets the state to
        disconnected. Idempotent. Pending futures resolve with the final status.
    */
    void disconnect();

    /** Checks the backend now (GET /system_stats and the queue) on the background
        thread, updates the status and resolves the future with it.
    */
    std::shared_future<ComfyUIStatus> checkHealth();

    //==============================================================================
    /** Probes the backend every @p intervalSeconds (default 5) with the short
        probe timeout. A probe is scheduled only after the previous one finished,
        so checks never pile up. One failed probe of an up backend is retried once
        before it is declared down. While the live channel is open, WebSocket
        pings (every min (interval, 0.5 s)) replace the HTTP probes: a ping left
        unanswered for the probe timeout means the server hangs.
    */
    void startHealthMonitoring (double intervalSeconds = 5.0);

    /** Stops periodic probes; a probe in flight finishes, no new one starts. */
    void stopHealthMonitoring();

    /** While the backend is unavailable, tries to connect again (one probe,
        bounded by the probe timeout, per try); idle while connected, and resumes
        when the connection is lost, until stopped. A loopback host is tried every
        0.25 s (back within that of answering, however long it was away); a remote
        host with backoff from 0.25 s, doubling up to @p intervalSeconds (default
        10: the cap, not the first wait), with full jitter, reset by a success
        (see ReconnectPolicy).
    */
    void startBackgroundReconnection (double intervalSeconds = 10.0);

    /** Stops background reconnection. */
    void stopBackgroundReconnection();

    /** True while periodic health monitoring is on. */
    bool isMonitoring() const;

    /** True while background reconnection is on. */
    bool isReconnectionEnabled() const;

    //==============================================================================
    /** Adds a callback, called on the message thread in registration order for
        every status change (a change of lastCheck alone is not a change). An
        exception thrown by a callback is caught and logged; the others still run.
    */
    CallbackId registerStatusCallback (StatusCallback callback);

    /** Removes a callback; safe from inside any callback, including itself.
        Returns false when the id is unknown.
    */
    bool unregisterStatusCallback (CallbackId id);

    //==============================================================================
    /** A consistent snapshot of the current status; never waits on I/O. */
    ComfyUIStatus getStatus() const;

    /** Lock-free and wait-free: whether the backend is available. Safe on the audio thread. */
    bool isAvailable() const noexcept { return available.load (std::memory_order_relaxed); }

    /** True when the backend is unavailable and the fallback mode applies. Lock-free. */
    bool shouldUseFallback() const noexcept { return ! isAvailable(); }

    /** The configured fallback mode. */
    FallbackMode getFallbackMode() const;

    /** A message a user can act on: which URL, why it is unavailable and what the
        fallback mode will do. It is also written to the JUCE logger.
    */
    juce::String triggerFallbackWarning() const;

    //==============================================================================
    /** Starts a generation and returns at once. When the backend is available the
        workflow is submitted (with the live channel's client id), progress is
        followed over the WebSocket (or by polling history when it is closed) and
        the images are fetched; when it is not, the fallback mode decides
        (placeholder image, skipped, aborted) without any network I/O. A job that
        is running when the connection drops looks itself up in history after the
        reconnection and delivers its results, or reports itself lost.
    */
    std::shared_ptr<GenerationJob> generate (GenerationRequest request);

    /** The id this process uses for /ws?clientId= and every prompt's client_id; stable for the process. */
    static const juce::String& getClientId();

    //==============================================================================
    /** Sets the workflows whose readiness is checked (CORS is checked regardless)
        and starts a fresh readiness check when the backend is available. Until
        this is called the models and workflows checks say "no workflows to check".
    */
    void setReadinessOptions (ReadinessOptions options);

    /** Checks readiness again now (e.g. after the user installed a model), and
        lets downloads that failed earlier try once more.
    */
    void refreshReadiness();

    /** Resolves once no readiness check is due or running: at once when none is
        (or when the backend is unavailable), otherwise with the status that the
        pending check publishes. For tools and tests: connect().get(), then
        readinessChecked().get() gives a status with readiness filled in.
    */
    std::shared_future<ComfyUIStatus> readinessChecked();

    /** The ports port discovery tries, in order, instead of ComfyUI's usual ones
        (8188, then ComfyUI Desktop's 8000..9000); empty restores those. For a host
        application that knows where its ComfyUI may listen, and for tests, which
        must never find a developer's own ComfyUI. Applies from the next discovery.
    */
    void setDiscoveryCandidatePorts (std::vector<int> ports);

    /** True while a model download runs or waits. */
    bool isDownloadingModels() const;

    /** Resolves once no model download runs or waits (at once when none does); a
        finished download has by then asked for the readiness check that follows it,
        so readinessChecked() afterwards waits for that. For tools and tests.
    */
    std::shared_future<void> modelDownloadsFinished();

    /** True while the WebSocket live channel is open. */
    bool isLiveChannelOpen() const noexcept { return liveChannelOpen.load(); }

    //==============================================================================
    /** The config in use. */
    ComfyUIConfig getConfig() const;

    /** The config requests really use: getConfig() with the port that port
        discovery found, if it found one. A caller that talks to the backend itself
        (e.g. `comfybridge workflows --deploy`) must use this one.
    */
    ComfyUIConfig getEffectiveConfig() const;

    /** Validates @p newConfig; when valid, applies it atomically, cancels a request
        made under the old config and starts a fresh check (unless disconnected).
        Returns the problems (nothing is applied when there are any).
    */
    juce::StringArray setConfig (const ComfyUIConfig& newConfig);

    /** Opaque outside the module: the state the two lanes and their scheduled
        jobs share (defined in connection/ConnectionManagerShared.h).
    */
    struct Shared;

private:
    class Worker;    // the monitor lane: probes, reconnection, the live channel (never waits on long work)
    class LongWork;  // the long-work lane: readiness (/object_info, deploy) and generation I/O
    class Notifier;

    std::unique_ptr<HttpClient> client;                // the monitor lane's
    std::unique_ptr<HttpClient> longClient;            // the long-work lane's (its own, so neither waits for the other)
    std::unique_ptr<Shared> shared;
    std::unique_ptr<Worker> worker;
    std::unique_ptr<LongWork> longWork;
    std::unique_ptr<Notifier> notifier;
    WebSocketClient liveChannel;                       // used by the worker only (cancel() wakes it)
    std::unique_ptr<detail::GenerationEngine> engine;  // steps run on the long-work lane
    std::unique_ptr<ModelDownloadQueue> downloads;     // its own thread: files take minutes
    std::atomic<bool> available { false };
    std::atomic<bool> liveChannelOpen { false };

    void ensureWorkerRunning();
    void wakeWorker();
    void wakeLanes();
    void stopWorker();

    /** The one way the status changes: @p change edits a copy under the lock (and
        may read or write the shared state; it must not lock). It returns false to
        leave the status as it is. A change gets the next sequence number and, when
        a user would notice it, a notification. Returns the status after the update.
    */
    ComfyUIStatus updateStatus (const std::function<bool (ComfyUIStatus&)>& change);
    void transitionState (ConnectionState from, ConnectionState to);
    void deliverNotifications();
    void downloadActivityChanged (const juce::String& activity);
    void downloadFinished (const ModelDownloadJob& job, const ModelDownloadResult& result);

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (ConnectionManager)
};

} // namespace comfybridge
