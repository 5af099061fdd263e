// Submitting a generation (POST /prompt, with its input audio uploaded first)
// and cancelling it on the server.

namespace comfybridge::detail
{

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

} // namespace comfybridge::detail
