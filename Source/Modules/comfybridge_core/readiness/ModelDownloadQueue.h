#pragma once

namespace comfybridge
{

//==============================================================================
/** One model file to fetch, and where it goes. */
struct ModelDownloadJob
{
    ModelRequirement model; ///< what to fetch (url and sha256 are set)
    juce::File modelsRoot;  ///< the folder that holds model.folder
    juce::String workflow;  ///< the workflow that needs it, for messages
};

//==============================================================================
/**
    Fetches model files one after another on its own thread.

    Model files are gigabytes and take minutes: on the connection manager's
    thread they would hold back every health check, so they get this thread
    (the one exception to "one thread does a manager's I/O"). It does nothing
    but downloads and stops promptly (ModelDownloader::cancel()).
*/
class ModelDownloadQueue : private juce::Thread
{
public:
    /** Receives a line for the status ("downloading x: 42 %"); called on the download thread. */
    using ActivityCallback = std::function<void (const juce::String& activity)>;

    /** Called on the download thread after each file, successful or not. */
    using FinishedCallback = std::function<void (const ModelDownloadJob& job, const ModelDownloadResult& result)>;

    /** An idle queue; @p options' onProgress is replaced by the queue's own. */
    ModelDownloadQueue (ActivityCallback onActivity, FinishedCallback onFinished, ModelDownloadOptions options = {});

    /** Cancels the running download and joins the thread. */
    ~ModelDownloadQueue() override;

    /** Adds jobs that are not already queued or running, and starts the thread if needed. */
    void enqueue (const std::vector<ModelDownloadJob>& jobs);

    /** Drops queued jobs, cancels the running one (its .part stays for a resume) and joins the thread. */
    void stop();

    /** True while a download runs or waits. */
    bool isBusy() const;

    /** Resolves once no download runs or waits (at once when none does), after the
        last file's FinishedCallback has returned. For a tool to wait on without polling.
    */
    std::shared_future<void> whenIdle();

    /** Limits for the downloads that start from now on (onProgress is the queue's own). */
    void setOptions (ModelDownloadOptions newOptions);

private:
    ActivityCallback onActivity;
    FinishedCallback onFinished;
    ModelDownloadOptions options;
    ModelDownloader downloader;

    mutable std::mutex mutex;
    std::deque<ModelDownloadJob> queue;
    juce::String running;      // folder/name of the job in progress
    bool threadActive = false; // run() is working through the queue (guarded by mutex)
    std::vector<std::promise<void>> idleWaiters;

    void resolveIdleWaiters(); // with mutex held

    void run() override;
    static juce::String keyOf (const ModelDownloadJob& job) { return job.model.folder + "/" + job.model.name; }

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (ModelDownloadQueue)
};

} // namespace comfybridge
