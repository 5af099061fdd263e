#pragma once

// Internal to the module's translation unit: the engine behind ConnectionManager::generate().
// Kept out of the public headers because its worker-side calls take nlohmann JSON.

namespace comfybridge::detail
{

class GenerationJobImpl;

//==============================================================================
/**
    Runs generation jobs as small steps on the connection manager's worker
    thread, so that one thread still does all of a manager's network I/O and a
    long generation never starves health checks. Only start(), the jobs'
    cancel() and hasDueWork() are called from other threads.
*/
class GenerationEngine
{
public:
    /** @p wake must make the worker look at its work soon (any thread). */
    GenerationEngine (HttpClient& client, juce::String clientId, std::function<void()> wake);
    ~GenerationEngine();

    /** Creates a job. When @p available is false the fallback mode decides the
        outcome; otherwise the workflow is submitted on the worker. Any thread.
    */
    std::shared_ptr<GenerationJob> start (GenerationRequest request, bool available,
                                          FallbackMode fallbackMode, const juce::String& unavailableReason);

    /** True when some job has a step due now. Any thread. */
    bool hasDueWork() const;

    /** Milliseconds (Time::getMillisecondCounterHiRes) when the next step is due, or a huge number. */
    double nextDueMs() const;

    /** Worker: runs every step that is due. */
    void runDueWork (const ComfyUIConfig& config, bool available, bool liveChannelOpen);

    /** Worker: a text message from the live channel (already parsed JSON). */
    void handleLiveEvent (const nlohmann::json& message);

    /** Worker: the backend came back; jobs look themselves up in history at once. */
    void connectionRestored();

    /** Worker or shutdown: ends every unfinished job with @p outcome and @p reason. */
    void finishAll (GenerationOutcome outcome, const juce::String& reason);

    /** The client id sent with every prompt (the live channel uses the same one). */
    const juce::String& getClientId() const noexcept { return clientId; }

private:
    HttpClient& client;
    juce::String clientId;
    std::function<void()> wake;

    mutable std::mutex mutex;
    std::vector<std::shared_ptr<GenerationJobImpl>> jobs;

    void step (GenerationJobImpl& job, const ComfyUIConfig& config, bool available, bool liveChannelOpen);
    void submit (GenerationJobImpl& job, const ComfyUIConfig& config);
    void poll (GenerationJobImpl& job, const ComfyUIConfig& config);
    void fetchResults (GenerationJobImpl& job, const ComfyUIConfig& config, const nlohmann::json& entry);
    void cancelOnServer (GenerationJobImpl& job, const ComfyUIConfig& config);
    void runFallback (GenerationJobImpl& job);
    void runAudioFallback (GenerationJobImpl& job, const juce::String& reason);
    bool bindInputAudio (GenerationJobImpl& job, const ComfyUIConfig& config, WorkflowInputs& inputs);
};

} // namespace comfybridge::detail
