// Following a submitted generation: history polls, live events, and fetching
// its images and audio; ending every job at shutdown.

namespace comfybridge::detail
{

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

} // namespace comfybridge::detail
