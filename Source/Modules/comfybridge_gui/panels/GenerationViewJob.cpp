// GenerationView: starting a job, following it (change messages, no timer) and showing its result.

namespace comfybridge
{

//==============================================================================
bool GenerationView::generate()
{
    const auto* workflow = getSelectedWorkflow();

    if (job != nullptr || start == nullptr || workflow == nullptr || ! getInputProblems().isEmpty())
        return false;

    // Only what the user edited: the workflow's own values go as written.
    GenerationRequest request;
    request.workflow = *workflow;
    request.inputs = getSettings().toInputs();

    auto started = start (std::move (request));

    if (started == nullptr)
    {
        const auto why = whyNotStarted != nullptr ? whyNotStarted() : juce::String();
        setOutcome ("The generation could not be started." + (why.isNotEmpty() ? " " + why : juce::String()), Palette::errorText);
        return false;
    }

    if (onJobStarted != nullptr)
        onJobStarted (started);

    setOutcome ({}, Palette::secondaryText);
    attachJob (std::move (started));
    return true;
}

void GenerationView::cancel()
{
    if (job == nullptr)
        return;

    job->cancel();
    setProgress (progress, juce::String (juce::CharPointer_UTF8 ("Cancelling\xe2\x80\xa6")));
    cancelButton.setEnabled (false);
}

void GenerationView::attachJob (std::shared_ptr<GenerationJob> newJob)
{
    if (newJob == nullptr)
        return;

    stopFollowing();
    job = std::move (newJob);
    job->addChangeListener (this); // the job says when it moved; nothing polls
    setProgress (0.0, juce::String (juce::CharPointer_UTF8 ("Starting\xe2\x80\xa6")));
    updateButtons();
    poll();
}

void GenerationView::stopFollowing()
{
    if (job == nullptr)
        return;

    job->removeChangeListener (this);

    // Let go of it after this message: we may be inside the job's own change
    // message, and ours may be the last reference.
    juce::MessageManager::callAsync ([finished = std::move (job)] {});
    job.reset();
}

void GenerationView::changeListenerCallback (juce::ChangeBroadcaster*)
{
    poll();
}

void GenerationView::poll()
{
    if (job == nullptr)
        return;

    if (job->isFinished())
    {
        const auto future = job->getFuture();

        // isFinished() means the result is set; the zero wait only guards against a job that lies.
        if (future.wait_for (std::chrono::seconds (0)) == std::future_status::ready)
        {
            stopFollowing();
            showResult (future.get());
            return;
        }
    }

    const auto latest = job->getProgress();
    setProgress (latest.fraction, latest.text.isNotEmpty() ? latest.text : juce::String (juce::CharPointer_UTF8 ("Working\xe2\x80\xa6")));
}

void GenerationView::showResult (const GenerationResult& finished)
{
    result = finished;

    const auto hasImage = ! finished.images.empty() && finished.images.front().isValid();
    const auto isPlaceholder = finished.outcome == GenerationOutcome::placeholder;

    if (hasImage)
        imageView.setImage (finished.images.front(), isPlaceholder,
                            finished.pngData.empty() ? juce::MemoryBlock() : finished.pngData.front());

    juce::String text;
    auto colour = Palette::errorText;

    switch (finished.outcome)
    {
        case GenerationOutcome::generated:
            text << "Generated in " << juce::String (finished.seconds, 1) << " s"
                 << (finished.images.size() > 1 ? " (" + juce::String ((int) finished.images.size()) + " images; showing the first)" : juce::String())
                 << ".";
            colour = Palette::successText;
            setProgress (1.0, "Done");
            break;
        case GenerationOutcome::placeholder:
            text << (finished.audio.empty() ? "Placeholder, not a generated image. " : "Placeholder, not generated audio. ")
                 << joinMessages (finished);
            colour = Palette::busy;
            setProgress (1.0, finished.audio.empty() ? "Placeholder drawn" : "Placeholder made");
            break;
        case GenerationOutcome::skipped:
            text << "Skipped: " << joinMessages (finished);
            colour = Palette::busy;
            setProgress (0.0, "Skipped");
            break;
        case GenerationOutcome::aborted:
            text << "Aborted: " << joinMessages (finished);
            setProgress (0.0, "Aborted");
            break;
        case GenerationOutcome::failed:
            text << "Failed: " << joinMessages (finished);
            setProgress (0.0, "Failed");
            break;
        case GenerationOutcome::cancelled:
            text << "Cancelled.";
            colour = Palette::secondaryText;
            setProgress (0.0, "Cancelled");
            break;
        case GenerationOutcome::lost:
            text << "Lost: " << joinMessages (finished);
            setProgress (0.0, "Lost");
            break;
    }

    setOutcome (text.trim(), colour);
    updateButtons();
}

void GenerationView::setOutcome (const juce::String& text, juce::Colour colour)
{
    ui::setReadOnlyText (outcomeText, text, colour);
    resized(); // the outcome's height follows its text
}

void GenerationView::setProgress (double fraction, const juce::String& text)
{
    progress = juce::jlimit (0.0, 1.0, fraction);
    progressText = text;
    progressBar.setTextToDisplay (text);
    progressBar.repaint();
}

} // namespace comfybridge
