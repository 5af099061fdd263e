#pragma once
// Private to the comfybridge_core module: a generation job's state (the
// GenerationEngine's steps write it on the long-work lane; anyone reads it).

namespace comfybridge
{

namespace detail
{

namespace
{
    using json = nlohmann::json;

    double nowMs() { return juce::Time::getMillisecondCounterHiRes(); }

    constexpr double pollIntervalWithoutLiveChannelMs = 500.0;
    constexpr double pollIntervalWithLiveChannelMs = 5000.0; // a safety net for missed events
    constexpr double firstBlindPollMs = 3.0; // after a submission: 3, 6, 12, ... ms, then the usual cadence
    constexpr size_t maxImageBytes = 256u << 20;
    constexpr int maxImagePixels = 16384 * 16384;

    juce::String text (const json& value)
    {
        if (value.is_string())
            return juce::String::fromUTF8 (value.get_ref<const std::string&>().c_str());
        if (value.is_null())
            return {};
        return juce::String (value.dump());
    }

    /** Width and height from a PNG's IHDR, read before decoding so absurd images are refused cheaply. */
    std::optional<std::pair<int, int>> pngDimensions (const std::string& bytes)
    {
        static const unsigned char signature[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
        if (bytes.size() < 24 || std::memcmp (bytes.data(), signature, 8) != 0 || bytes.compare (12, 4, "IHDR") != 0)
            return std::nullopt;

        auto be32 = [&] (size_t at)
        {
            return (juce::uint32) (unsigned char) bytes[at] << 24 | (juce::uint32) (unsigned char) bytes[at + 1] << 16
                 | (juce::uint32) (unsigned char) bytes[at + 2] << 8 | (juce::uint32) (unsigned char) bytes[at + 3];
        };

        return std::make_pair ((int) juce::jmin (be32 (16), (juce::uint32) INT_MAX), (int) juce::jmin (be32 (20), (juce::uint32) INT_MAX));
    }
}

//==============================================================================
/** A job's shared state: written by the worker, read by anyone. */
class GenerationJobImpl : public GenerationJob, public std::enable_shared_from_this<GenerationJobImpl>
{
public:
    enum class Stage { fallback, submit, waiting, done };

    GenerationJobImpl (GenerationRequest r, std::function<void()> wakeWorker)
        : request (std::move (r)), wake (std::move (wakeWorker)), future (promise.get_future().share())
    {
    }

    void detachCallbacks() override { callbacksDetached = true; }

    void cancel() override
    {
        cancelRequested = true;
        wake();
    }

    GenerationProgress getProgress() const override
    {
        std::lock_guard<std::mutex> lock (mutex);
        return progress;
    }

    bool isFinished() const override { return finished.load(); }
    std::shared_future<GenerationResult> getFuture() const override { return future; }

    void setProgress (double fraction, const juce::String& description)
    {
        {
            std::lock_guard<std::mutex> lock (mutex);
            // Progress never goes backwards (cached nodes and repeated events can reorder it).
            fraction = juce::jlimit (progress.fraction, 1.0, fraction);
            if (progress.text == description && std::abs (progress.fraction - fraction) < 0.001)
                return;
            progress = { fraction, description };
        }

        sendChangeMessage();

        if (request.onProgress)
        {
            auto self = shared_from_this();
            juce::MessageManager::callAsync ([self] { if (! self->callbacksDetached) self->request.onProgress (self->getProgress()); });
        }
    }

    void finish (GenerationResult result)
    {
        if (finished.exchange (true))
            return;

        stage = Stage::done;
        result.promptId = result.promptId.isNotEmpty() ? result.promptId : promptId;
        result.seconds = (nowMs() - startedMs) / 1000.0;
        promise.set_value (result);
        sendChangeMessage();

        if (request.onFinished)
        {
            auto self = shared_from_this();
            juce::MessageManager::callAsync ([self, result] { if (! self->callbacksDetached) self->request.onFinished (result); });
        }
    }

    void finish (GenerationOutcome outcome, juce::StringArray messages)
    {
        GenerationResult result;
        result.outcome = outcome;
        result.messages = std::move (messages);
        finish (std::move (result));
    }

    // Worker-only state --------------------------------------------------------
    GenerationRequest request;
    std::function<void()> wake;
    Stage stage = Stage::submit;
    FallbackMode fallbackMode = FallbackMode::placeholder;
    juce::String fallbackReason;
    juce::String promptId;
    std::map<juce::String, juce::String> nodeTypes; // node id -> class_type
    std::set<juce::String> nodesDone;
    juce::String runningNode;
    double nodeFraction = 0.0;
    bool executionEnded = false;        // the live channel said "done" (success or error)
    bool lookUpNow = false;             // after a reconnect: check history and queue at once
    juce::StringArray messages;         // partial node errors and the like
    juce::String uploadedAudio;         // LoadAudio's value once the input audio is uploaded
    double startedMs = nowMs();
    double nextPollMs = 0.0;
    double blindPollGapMs = 0.0;  // > 0: just submitted: early polls, doubling (events may have passed us by)
    std::atomic<bool> cancelRequested { false };
    std::atomic<bool> callbacksDetached { false }; // set on the message thread, read there by posted callbacks

    void updateRunningProgress()
    {
        const auto total = juce::jmax ((size_t) 1, nodeTypes.size());
        const auto runningCounts = runningNode.isNotEmpty() && nodesDone.count (runningNode) == 0;
        const auto done = (double) nodesDone.size() + (runningCounts ? nodeFraction : 0.0);
        juce::String description = "running";

        if (runningNode.isNotEmpty())
        {
            description = nodeTypes.count (runningNode) ? nodeTypes[runningNode] : "node " + runningNode;
            if (nodeFraction > 0.0)
                description << ": " << juce::roundToInt (nodeFraction * 100.0) << " %";
        }

        // 5 % for queueing, 90 % for execution, 5 % for fetching the images.
        setProgress (0.05 + 0.9 * done / (double) total, description);
    }

private:
    mutable std::mutex mutex;
    GenerationProgress progress { 0.0, "waiting" };
    std::atomic<bool> finished { false };
    std::promise<GenerationResult> promise;
    std::shared_future<GenerationResult> future;
};

} // namespace detail
} // namespace comfybridge
