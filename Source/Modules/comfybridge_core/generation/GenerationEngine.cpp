// The GenerationEngine's job list and step dispatch, and the fallback outcomes of
// an unavailable backend. Submission is in GenerationSubmission.cpp, following a
// job to its results in GenerationFollowing.cpp.

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

        submit (job, config);

        // Its events may pass before the live channel (just opening, or not yet routed to us) carries
        // them: look early, then back off to the usual cadence. A few tiny GETs for a fast job.
        if (job.stage == Stage::waiting)
        {
            job.blindPollGapMs = firstBlindPollMs;
            job.nextPollMs = nowMs() + firstBlindPollMs;
        }

        return;
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

        if (job.blindPollGapMs > 0.0)
        {
            job.blindPollGapMs *= 2.0;
            job.nextPollMs = now + juce::jmin (job.blindPollGapMs, pollIntervalWithoutLiveChannelMs);
            if (job.blindPollGapMs >= pollIntervalWithoutLiveChannelMs)
                job.blindPollGapMs = 0.0;
        }

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

} // namespace detail
} // namespace comfybridge
