namespace comfybridge
{

juce::String toString (GenerationOutcome outcome)
{
    switch (outcome)
    {
        case GenerationOutcome::generated:   return "generated";
        case GenerationOutcome::placeholder: return "placeholder";
        case GenerationOutcome::skipped:     return "skipped";
        case GenerationOutcome::aborted:     return "aborted";
        case GenerationOutcome::failed:      return "failed";
        case GenerationOutcome::cancelled:   return "cancelled";
        case GenerationOutcome::lost:        return "lost";
    }

    return "failed";
}

namespace detail
{

namespace
{
    using json = nlohmann::json;

    double nowMs() { return juce::Time::getMillisecondCounterHiRes(); }

    constexpr double pollIntervalWithoutLiveChannelMs = 500.0;
    constexpr double pollIntervalWithLiveChannelMs = 5000.0; // a safety net for missed events
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

        if (request.onProgress)
        {
            auto self = shared_from_this();
            juce::MessageManager::callAsync ([self] { self->request.onProgress (self->getProgress()); });
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

        if (request.onFinished)
        {
            auto self = shared_from_this();
            juce::MessageManager::callAsync ([self, result] { self->request.onFinished (result); });
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
    std::atomic<bool> cancelRequested { false };

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

//==============================================================================
GenerationEngine::GenerationEngine (HttpClient& c, juce::String id, std::function<void()> w)
    : client (c), clientId (std::move (id)), wake (std::move (w))
{
}

GenerationEngine::~GenerationEngine()
{
    finishAll (GenerationOutcome::cancelled, "the connection manager was shut down");
}

std::shared_ptr<GenerationJob> GenerationEngine::start (GenerationRequest request, bool available,
                                                        FallbackMode fallbackMode, const juce::String& unavailableReason)
{
    auto job = std::make_shared<GenerationJobImpl> (std::move (request), wake);
    job->stage = available ? GenerationJobImpl::Stage::submit : GenerationJobImpl::Stage::fallback;
    job->fallbackMode = fallbackMode;
    job->fallbackReason = unavailableReason;

    {
        std::lock_guard<std::mutex> lock (mutex);
        jobs.push_back (job);
    }

    wake();
    return job;
}

bool GenerationEngine::hasDueWork() const
{
    return nextDueMs() <= nowMs();
}

double GenerationEngine::nextDueMs() const
{
    std::lock_guard<std::mutex> lock (mutex);
    auto next = std::numeric_limits<double>::max();

    for (auto& job : jobs)
    {
        if (job->isFinished())
            continue;

        if (job->stage != GenerationJobImpl::Stage::waiting || job->cancelRequested || job->executionEnded || job->lookUpNow)
            return 0.0;

        next = juce::jmin (next, job->nextPollMs, job->startedMs + job->request.timeoutSeconds * 1000.0);
    }

    return next;
}

void GenerationEngine::runDueWork (const ComfyUIConfig& config, bool available, bool liveChannelOpen)
{
    std::vector<std::shared_ptr<GenerationJobImpl>> snapshot;
    {
        std::lock_guard<std::mutex> lock (mutex);
        jobs.erase (std::remove_if (jobs.begin(), jobs.end(), [] (auto& j) { return j->isFinished(); }), jobs.end());
        snapshot = jobs;
    }

    for (auto& job : snapshot)
        if (! job->isFinished() && ! client.isCancelled())
            step (*job, config, available, liveChannelOpen);
}

void GenerationEngine::step (GenerationJobImpl& job, const ComfyUIConfig& config, bool available, bool liveChannelOpen)
{
    using Stage = GenerationJobImpl::Stage;

    if (job.stage == Stage::fallback)
        return runFallback (job);

    if (job.cancelRequested)
    {
        if (job.stage == Stage::waiting && available)
            cancelOnServer (job, config);

        return job.finish (GenerationOutcome::cancelled, { "cancelled by the user" });
    }

    if (job.stage == Stage::submit)
    {
        if (! available)
        {
            job.stage = Stage::fallback;
            job.fallbackReason = "the backend became unavailable before the job was submitted";
            return runFallback (job);
        }

        return submit (job, config);
    }

    const auto now = nowMs();

    if (now > job.startedMs + job.request.timeoutSeconds * 1000.0)
        return job.finish (GenerationOutcome::failed, { "ComfyUI did not finish the job within "
                                                        + juce::String (job.request.timeoutSeconds, 0) + " s (prompt "
                                                        + job.promptId + "); it may still be running there" });

    // While the backend is away the job waits (without spinning); after a
    // reconnect it looks itself up at once.
    if (! available)
    {
        job.nextPollMs = now + pollIntervalWithoutLiveChannelMs;
        return;
    }

    if (job.executionEnded || job.lookUpNow || now >= job.nextPollMs)
    {
        job.nextPollMs = now + (liveChannelOpen ? pollIntervalWithLiveChannelMs : pollIntervalWithoutLiveChannelMs);
        poll (job, config);
    }
}

void GenerationEngine::runFallback (GenerationJobImpl& job)
{
    const auto reason = "ComfyUI is unavailable" + (job.fallbackReason.isNotEmpty() ? ": " + job.fallbackReason : juce::String());

    switch (job.fallbackMode)
    {
        case FallbackMode::skip:
            return job.finish (GenerationOutcome::skipped, { reason + " (fallback mode skip: nothing was generated)" });

        case FallbackMode::abort:
            return job.finish (GenerationOutcome::aborted, { reason + " (fallback mode abort)" });

        case FallbackMode::placeholder:
            break;
    }

    if (job.request.workflow.producesAudio())
        return runAudioFallback (job, reason);

    job.setProgress (0.5, "drawing a placeholder");
    // What the user set, else what the workflow itself holds, else the renderer's defaults.
    const auto& inputs = job.request.inputs;
    const auto own = readWorkflowValues (job.request.workflow);
    const auto drawable = [] (std::optional<int> size)
    {
        return size && *size >= PlaceholderRenderer::minDimension && *size <= PlaceholderRenderer::maxDimension ? size : std::nullopt;
    };

    PlaceholderRequest placeholder;
    placeholder.prompt = inputs.prompt.value_or (own.prompt.value_or (juce::String()));
    placeholder.seed = inputs.seed.value_or (own.seed.value_or (placeholder.seed));
    placeholder.width = inputs.width.value_or (drawable (own.width).value_or (placeholder.width));
    placeholder.height = inputs.height.value_or (drawable (own.height).value_or (placeholder.height));
    placeholder.reason = reason;
    placeholder.workflowName = job.request.workflow.name;

    auto rendered = PlaceholderRenderer::render (placeholder);

    if (auto* error = std::get_if<juce::String> (&rendered))
        return job.finish (GenerationOutcome::failed, { "cannot draw the placeholder: " + *error });

    GenerationResult result;
    result.outcome = GenerationOutcome::placeholder;
    result.images.push_back (std::get<juce::Image> (rendered));
    result.pngData.push_back (PlaceholderRenderer::encodePng (result.images.back()));
    result.messages.add (reason + " (fallback mode placeholder: a placeholder image was drawn)");
    job.setProgress (1.0, "placeholder ready");
    job.finish (std::move (result));
}

void GenerationEngine::runAudioFallback (GenerationJobImpl& job, const juce::String& reason)
{
    job.setProgress (0.5, "making a placeholder");
    GenerationResult result;
    result.outcome = GenerationOutcome::placeholder;
    result.audio.push_back (makeAudioPlaceholder (job.request));
    result.messages.add (reason + (job.request.inputAudio.isEmpty() ? " (fallback mode placeholder: silence as a placeholder)"
                                                                      : " (fallback mode placeholder: the dry input as a placeholder)"));
    job.setProgress (1.0, "placeholder ready");
    job.finish (std::move (result));
}

//==============================================================================
namespace
{
    /** "node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: 'x' not in [...]" for each node error. */
    juce::StringArray describeNodeErrors (const json& nodeErrors)
    {
        juce::StringArray lines;

        if (! nodeErrors.is_object())
            return lines;

        for (const auto& [nodeId, info] : nodeErrors.items())
        {
            const auto classType = info.is_object() && info.contains ("class_type") ? text (info["class_type"]) : juce::String ("?");

            if (! info.is_object() || ! info.contains ("errors") || ! info["errors"].is_array())
                continue;

            for (const auto& error : info["errors"])
            {
                juce::String line;
                line << "node " << juce::String (nodeId) << " (" << classType << "): " << text (error.value ("message", json ("error")));
                const auto details = text (error.value ("details", json ("")));
                if (details.isNotEmpty())
                    line << ": " << details;
                lines.add (line);
            }
        }

        return lines;
    }

    HttpRequest makeRequest (const ComfyUIConfig& config, const juce::String& method, const juce::String& path, std::string body = {})
    {
        HttpRequest request;
        request.method = method;
        request.url = config.getBaseUrl() + path;
        applyBackendSettings (request, config);
        request.timeoutSeconds = config.timeout;
        request.connectTimeoutSeconds = config.getEffectiveProbeTimeout();
        request.body = std::move (body);
        if (! request.body.empty())
            request.headers.set ("Content-Type", "application/json");
        return request;
    }
}

void GenerationEngine::submit (GenerationJobImpl& job, const ComfyUIConfig& config)
{
    job.setProgress (0.01, "submitting");
    if (job.request.workflow.apiJson.isEmpty())
        return job.finish (GenerationOutcome::failed, { "no workflow was given" });

    auto inputs = job.request.inputs;

    if (! bindInputAudio (job, config, inputs))
        return;

    auto instantiated = instantiateWorkflow (job.request.workflow, inputs);

    if (auto* errors = std::get_if<juce::StringArray> (&instantiated))
        return job.finish (GenerationOutcome::failed, *errors);

    auto prompt = json::parse (std::get<juce::String> (instantiated).toStdString(), nullptr, false);

    if (prompt.is_discarded() || ! prompt.is_object())
        return job.finish (GenerationOutcome::failed, { "the workflow is not a JSON object" });

    for (const auto& [id, node] : prompt.items())
        job.nodeTypes[juce::String (id)] = node.is_object() ? text (node.value ("class_type", json (""))) : juce::String();

    const auto ourPromptId = juce::Uuid().toDashedString().toLowerCase();
    json body = { { "prompt", prompt }, { "client_id", clientId.toStdString() }, { "prompt_id", ourPromptId.toStdString() } };
    const auto response = client.perform (makeRequest (config, "POST", "/api/prompt", body.dump()));

    if (! response.arrived())
    {
        if (response.error == HttpError::cancelled)
            return;

        // Never sent (or no answer): nothing to look up later, so apply the fallback.
        job.stage = GenerationJobImpl::Stage::fallback;
        job.fallbackReason = "submitting the workflow failed (" + toString (response.error) + ")";
        return runFallback (job);
    }

    const auto answer = json::parse (response.body, nullptr, false);

    if (response.statusCode == 400)
    {
        auto lines = describeNodeErrors (answer.is_object() ? answer.value ("node_errors", json::object()) : json::object());
        if (answer.is_object() && answer.contains ("error") && answer["error"].is_object())
            lines.insert (0, "ComfyUI rejected the workflow: " + text (answer["error"].value ("message", json ("invalid prompt"))));
        return job.finish (GenerationOutcome::failed, lines.isEmpty() ? juce::StringArray { "ComfyUI rejected the workflow (HTTP 400)" } : lines);
    }

    if (response.statusCode != 200 || ! answer.is_object() || ! answer.contains ("prompt_id"))
        return job.finish (GenerationOutcome::failed, { "ComfyUI answered the submission with HTTP " + juce::String (response.statusCode) });

    job.promptId = text (answer["prompt_id"]);
    job.messages.addArray (describeNodeErrors (answer.value ("node_errors", json::object()))); // outputs that were dropped
    job.stage = GenerationJobImpl::Stage::waiting;
    job.nextPollMs = nowMs() + pollIntervalWithoutLiveChannelMs;
    job.setProgress (0.05, "queued");
}

bool GenerationEngine::bindInputAudio (GenerationJobImpl& job, const ComfyUIConfig& config, WorkflowInputs& inputs)
{
    const auto& request = job.request;

    if (request.workflow.audio.empty() || inputs.audioFile.has_value())
    {
        if (! request.inputAudio.isEmpty())
            job.messages.add ("the input audio was not used: the workflow " + juce::String (inputs.audioFile ? "was given a file name" : "has no LoadAudio input"));
        return true;
    }

    if (request.inputAudio.isEmpty())
    {
        if (! request.workflow.isBundled)
            return true; // a user's own file: the file its LoadAudio names stands, as written

        job.finish (GenerationOutcome::failed, { "the workflow \"" + request.workflow.name + "\" needs input audio for its LoadAudio node" });
        return false;
    }

    if (job.uploadedAudio.isEmpty())
    {
        job.setProgress (0.02, "uploading audio");
        const auto outcome = uploadAudio (client, [&config] (const juce::String& method, const juce::String& path)
                                          { return makeRequest (config, method, path); },
                                          request.inputAudio, &job.cancelRequested);
        if (outcome.cancelled)
            return false; // the next step finishes the job as cancelled

        if (outcome.backendUnreachable)
        {
            job.stage = GenerationJobImpl::Stage::fallback;
            job.fallbackReason = outcome.error;
            runFallback (job);
            return false;
        }

        if (outcome.reference.isEmpty())
        {
            job.finish (GenerationOutcome::failed, { outcome.error });
            return false;
        }

        job.uploadedAudio = outcome.reference;
    }

    inputs.audioFile = job.uploadedAudio;
    return true;
}

void GenerationEngine::poll (GenerationJobImpl& job, const ComfyUIConfig& config)
{
    const auto wasLookingUp = job.lookUpNow;
    job.lookUpNow = false;

    const auto response = client.perform (makeRequest (config, "GET", "/api/history/" + job.promptId));

    if (! response.arrived() || response.statusCode != 200)
        return; // the health check will notice a dead backend; try again later

    const auto history = json::parse (response.body, nullptr, false);
    const auto key = job.promptId.toStdString();

    if (history.is_object() && history.contains (key) && history[key].is_object())
    {
        const auto& entry = history[key];
        const auto status = entry.value ("status", json::object());

        if (status.is_object() && status.value ("status_str", std::string()) == "error")
        {
            juce::StringArray lines;
            const auto statusMessages = status.value ("messages", json::array());
            for (const auto& message : statusMessages)
            {
                if (! message.is_array() || message.size() < 2 || ! message[1].is_object())
                    continue;
                const auto event = message[0].get<std::string>();
                if (event == "execution_error")
                    lines.add ("ComfyUI failed at node " + text (message[1].value ("node_id", json (""))) + " ("
                               + text (message[1].value ("node_type", json (""))) + "): "
                               + text (message[1].value ("exception_message", json (""))).trim());
                else if (event == "execution_interrupted")
                    return job.finish (GenerationOutcome::cancelled, { "the job was interrupted in ComfyUI" });
            }
            return job.finish (GenerationOutcome::failed, lines.isEmpty() ? juce::StringArray { "ComfyUI reported an error" } : lines);
        }

        return fetchResults (job, config, entry);
    }

    if (job.executionEnded)
        return; // history is written just before "executing: null"; poll again shortly

    if (wasLookingUp)
    {
        // Back after a drop and not in history: still queued or running, or lost with a restart.
        const auto queue = client.perform (makeRequest (config, "GET", "/api/queue"));
        if (queue.arrived() && queue.statusCode == 200 && queue.body.find (key) == std::string::npos)
            return job.finish (GenerationOutcome::lost, { "the job " + job.promptId + " was lost: ComfyUI no longer knows it (it may have restarted)" });
    }
}

void GenerationEngine::fetchResults (GenerationJobImpl& job, const ComfyUIConfig& config, const nlohmann::json& entry)
{
    const auto withAudio = hasAudioOutputs (entry.value ("outputs", json::object()));
    job.setProgress (0.95, withAudio ? "fetching audio" : "fetching images");
    GenerationResult result;
    result.outcome = GenerationOutcome::generated;
    result.promptId = job.promptId;
    result.messages = job.messages;

    const auto outputs = entry.value ("outputs", json::object()); // a named copy: items() must not outlive it

    for (const auto& [nodeId, output] : outputs.items())
    {
        juce::ignoreUnused (nodeId);
        if (! output.is_object() || ! output.contains ("images") || ! output["images"].is_array())
            continue;

        for (const auto& image : output["images"])
        {
            if (! image.is_object())
                continue;

            const auto query = "filename=" + juce::URL::addEscapeChars (text (image.value ("filename", json (""))), true)
                             + "&subfolder=" + juce::URL::addEscapeChars (text (image.value ("subfolder", json (""))), true)
                             + "&type=" + juce::URL::addEscapeChars (text (image.value ("type", json ("output"))), true);
            auto request = makeRequest (config, "GET", "/api/view?" + query);
            request.maxBodyBytes = maxImageBytes;
            const auto response = client.perform (request);

            if (! response.arrived() || response.statusCode != 200)
            {
                result.messages.add ("could not fetch " + text (image.value ("filename", json (""))) + ": "
                                     + (response.arrived() ? "HTTP " + juce::String (response.statusCode) : toString (response.error)));
                continue;
            }

            const auto size = pngDimensions (response.body);
            if (size && (size->first <= 0 || size->second <= 0 || (juce::int64) size->first * size->second > maxImagePixels))
            {
                result.messages.add ("refused an image of " + juce::String (size->first) + " x " + juce::String (size->second) + " pixels");
                continue;
            }

            auto decoded = juce::ImageFileFormat::loadFrom (response.body.data(), response.body.size());
            if (! decoded.isValid())
            {
                result.messages.add ("could not decode " + text (image.value ("filename", json (""))));
                continue;
            }

            result.images.push_back (decoded);
            result.pngData.emplace_back (response.body.data(), response.body.size());
        }
    }

    if (withAudio)
    {
        auto audio = fetchAudioOutputs (client, [&config] (const juce::String& method, const juce::String& path)
                                        { return makeRequest (config, method, path); },
                                        outputs, job.request.outputSampleRate, &job.cancelRequested);
        if (audio.cancelled)
            return job.finish (GenerationOutcome::cancelled, { "cancelled while fetching the audio" });

        result.audio = std::move (audio.clips);
        result.audioFiles = std::move (audio.files);
        result.audioFileNames = audio.names;
        result.messages.addArray (audio.messages);
    }

    if (result.images.empty() && result.audio.empty())
    {
        result.outcome = GenerationOutcome::failed;
        result.messages.add (withAudio ? "ComfyUI finished but no audio could be fetched" : "ComfyUI finished but returned no image");
    }

    job.setProgress (1.0, "done");
    job.finish (std::move (result));
}

void GenerationEngine::cancelOnServer (GenerationJobImpl& job, const ComfyUIConfig& config)
{
    // Only our prompt: delete it if pending; interrupt it if (and only if) it is the running one,
    // because servers before 2025-09 ignore the prompt id and interrupt whatever runs.
    const auto queue = client.perform (makeRequest (config, "GET", "/api/queue"));
    const auto parsed = queue.arrived() ? json::parse (queue.body, nullptr, false) : json();
    const auto key = job.promptId.toStdString();

    auto contains = [&] (const char* list)
    {
        if (! parsed.is_object() || ! parsed.contains (list) || ! parsed[list].is_array())
            return false;
        for (const auto& item : parsed[list])
            if (item.is_array() && item.size() > 1 && item[1] == key)
                return true;
        return false;
    };

    if (contains ("queue_pending"))
        client.perform (makeRequest (config, "POST", "/api/queue", json ({ { "delete", json::array ({ key }) } }).dump()));
    else if (contains ("queue_running"))
        client.perform (makeRequest (config, "POST", "/api/interrupt", json ({ { "prompt_id", key } }).dump()));
}

void GenerationEngine::handleLiveEvent (const nlohmann::json& message)
{
    if (! message.is_object() || ! message.contains ("data") || ! message["data"].is_object())
        return;

    const auto type = message.value ("type", std::string());
    const auto& data = message["data"];
    const auto promptId = text (data.value ("prompt_id", json ("")));

    std::shared_ptr<GenerationJobImpl> job;
    {
        std::lock_guard<std::mutex> lock (mutex);
        for (auto& j : jobs)
            if (! j->isFinished() && j->promptId.isNotEmpty() && j->promptId == promptId)
                job = j;
    }

    if (job == nullptr)
        return;

    if (type == "execution_start")
    {
        job->updateRunningProgress();
    }
    else if (type == "execution_cached")
    {
        const auto nodes = data.value ("nodes", json::array());
        for (const auto& node : nodes)
            job->nodesDone.insert (text (node));
        job->updateRunningProgress();
    }
    else if (type == "executing")
    {
        if (data.contains ("node") && data["node"].is_null())
        {
            job->executionEnded = true;
            job->setProgress (0.95, "finishing");
            return;
        }

        if (job->runningNode.isNotEmpty())
            job->nodesDone.insert (job->runningNode);
        job->runningNode = text (data.value ("display_node", data.value ("node", json (""))));
        job->nodeFraction = 0.0;
        job->updateRunningProgress();
    }
    else if (type == "progress")
    {
        const auto max = data.value ("max", 0.0);
        job->nodeFraction = max > 0.0 ? juce::jlimit (0.0, 1.0, data.value ("value", 0.0) / max) : 0.0;
        job->updateRunningProgress();
    }
    else if (type == "executed")
    {
        job->nodesDone.insert (text (data.value ("display_node", data.value ("node", json ("")))));
        job->updateRunningProgress();
    }
    else if (type == "execution_error" || type == "execution_interrupted" || type == "execution_success")
    {
        job->executionEnded = true; // history has the details
    }
}

void GenerationEngine::connectionRestored()
{
    std::lock_guard<std::mutex> lock (mutex);
    for (auto& job : jobs)
        if (job->stage == GenerationJobImpl::Stage::waiting)
            job->lookUpNow = true;
}

void GenerationEngine::finishAll (GenerationOutcome outcome, const juce::String& reason)
{
    std::vector<std::shared_ptr<GenerationJobImpl>> snapshot;
    {
        std::lock_guard<std::mutex> lock (mutex);
        snapshot.swap (jobs);
    }

    for (auto& job : snapshot)
        job->finish (outcome, { reason });
}

} // namespace detail
} // namespace comfybridge
