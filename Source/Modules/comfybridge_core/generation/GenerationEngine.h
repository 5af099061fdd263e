#pragma once

namespace comfybridge
{

//==============================================================================
/** What a generation produced. */
enum class GenerationOutcome
{
    generated,   ///< ComfyUI produced the images (or audio)
    placeholder, ///< the backend was unavailable; a placeholder was drawn, or for audio a dry/silent clip made (fallback mode placeholder)
    skipped,     ///< the backend was unavailable; nothing was produced (fallback mode skip)
    aborted,     ///< the backend was unavailable; the operation stopped (fallback mode abort)
    failed,      ///< ComfyUI rejected the workflow or its execution failed (see messages)
    cancelled,   ///< the user cancelled the job
    lost         ///< the connection dropped and the job could not be found again
};

/** "generated", "placeholder", "skipped", "aborted", "failed", "cancelled" or "lost". */
juce::String toString (GenerationOutcome outcome);

/** One generation: which workflow, and the inputs a user sets. */
struct GenerationRequest
{
    WorkflowDefinition workflow;               ///< bundled (WorkflowLibrary::find) or a user's own file
    WorkflowInputs inputs;                     ///< what the user set; the rest stays as the workflow has it
    double timeoutSeconds = 600.0;             ///< a job that has not finished by then is reported, not waited for

    /** Audio for the workflow's LoadAudio (empty = none). The engine encodes and
        uploads it on the worker (POST /upload/image, subfolder "comfybridge") and
        binds the uploaded name to the workflow's audio binding.
    */
    AudioClip inputAudio;

    /** The rate audio results are resampled to (on the worker, never the message
        thread); 0 keeps them as ComfyUI made them. The plugin passes the host's rate.
        Also the rate of an audio placeholder.
    */
    double outputSampleRate = 0.0;

    /** Called on the message thread as progress is made (may be empty). */
    std::function<void (const struct GenerationProgress&)> onProgress;

    /** Called once on the message thread with the result (may be empty). */
    std::function<void (const struct GenerationResult&)> onFinished;
};

/** Progress of a running job, as a 0..1 fraction plus text for people. */
struct GenerationProgress
{
    double fraction = 0.0;   ///< 0..1 over the whole job
    juce::String text;       ///< e.g. "queued (2 ahead)", "KSampler: step 7 of 20", "fetching images"
};

/** The end of a job. */
struct GenerationResult
{
    GenerationOutcome outcome = GenerationOutcome::failed;
    juce::String promptId;                  ///< ComfyUI's prompt id (generated/failed/cancelled)
    std::vector<juce::Image> images;        ///< decoded results (or the one placeholder)
    std::vector<juce::MemoryBlock> pngData; ///< the same images as PNG bytes
    std::vector<AudioClip> audio;           ///< decoded audio results (resampled when asked), or the one audio placeholder
    std::vector<juce::MemoryBlock> audioFiles; ///< the audio files exactly as fetched from /view (e.g. FLAC); empty for a placeholder
    juce::StringArray audioFileNames;       ///< the names ComfyUI gave them, parallel to audioFiles
    juce::StringArray messages;             ///< what went wrong, or why the fallback applied, for people
    double seconds = 0.0;                   ///< from generate() to the result
};

//==============================================================================
/**
    A running (or finished) generation. Hold the shared_ptr for as long as you
    care; cancel() may be called from any thread.

    It is a juce::ChangeBroadcaster: a listener hears (coalesced, on the message
    thread) whenever the progress moved or the result became known, and pulls
    getProgress() / isFinished() / getFuture() then. No polling is needed. A
    listener removes itself before it goes away (message thread).
*/
class GenerationJob : public juce::ChangeBroadcaster
{
public:
    ~GenerationJob() override = default;

    /** Asks the engine to cancel: a pending prompt is deleted from the queue, a
        running one is interrupted (only this prompt). The result arrives as
        `cancelled`. Any thread.
    */
    virtual void cancel() = 0;

    /** The latest progress. Any thread. */
    virtual GenerationProgress getProgress() const = 0;

    /** True once the result is known. */
    virtual bool isFinished() const = 0;

    /** Resolves with the result (tools and tests may wait on it; the UI must not). */
    virtual std::shared_future<GenerationResult> getFuture() const = 0;

    /** Message thread: from now on the request's onProgress and onFinished are
        never called, not even ones already posted. Call it before whatever the
        callbacks point into goes away (the lifetime guard of posted callbacks).
    */
    virtual void detachCallbacks() {}
};

/*  Starting a job: ConnectionManager::generate (request) returns a
    std::shared_ptr<GenerationJob> at once. When the backend is unavailable the
    configured fallback mode decides the outcome (placeholder / skipped /
    aborted) without any network I/O.
*/

} // namespace comfybridge

namespace comfybridge::detail
{
/** Runs generation jobs on a manager's long-work lane; internal (generation/GenerationEngineDetail.h). */
class GenerationEngine;
}
