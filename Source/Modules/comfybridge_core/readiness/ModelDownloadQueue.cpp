namespace comfybridge
{

ModelDownloadQueue::ModelDownloadQueue (ActivityCallback activity, FinishedCallback finished, ModelDownloadOptions downloadOptions)
    : juce::Thread ("ComfyBridge model downloads"),
      onActivity (std::move (activity)), onFinished (std::move (finished)), options (std::move (downloadOptions))
{
}

ModelDownloadQueue::~ModelDownloadQueue()
{
    stop();
}

void ModelDownloadQueue::enqueue (const std::vector<ModelDownloadJob>& jobs)
{
    bool start = false;
    {
        std::lock_guard<std::mutex> lock (mutex);

        for (const auto& job : jobs)
        {
            const auto key = keyOf (job);
            const auto queued = std::any_of (queue.begin(), queue.end(), [&] (const auto& j) { return keyOf (j) == key; });

            if (! queued && key != running)
                queue.push_back (job);
        }

        if (! queue.empty() && ! threadActive)
            start = threadActive = true;
    }

    if (start)
    {
        stopThread (-1); // joins a thread that has just decided to finish, if any
        downloader.resetCancellation();
        startThread();
    }
}

void ModelDownloadQueue::stop()
{
    {
        std::lock_guard<std::mutex> lock (mutex);
        queue.clear();
        threadActive = false;
    }

    signalThreadShouldExit();
    downloader.cancel();
    stopThread (-1);
    downloader.resetCancellation();

    std::lock_guard<std::mutex> lock (mutex);
    if (! threadActive)
        resolveIdleWaiters();
}

void ModelDownloadQueue::setOptions (ModelDownloadOptions newOptions)
{
    std::lock_guard<std::mutex> lock (mutex);
    options = std::move (newOptions);
}

bool ModelDownloadQueue::isBusy() const
{
    std::lock_guard<std::mutex> lock (mutex);
    return running.isNotEmpty() || ! queue.empty();
}

std::shared_future<void> ModelDownloadQueue::whenIdle()
{
    std::promise<void> promise;
    auto future = promise.get_future().share();

    std::lock_guard<std::mutex> lock (mutex);

    if (running.isEmpty() && queue.empty())
        promise.set_value();
    else
        idleWaiters.push_back (std::move (promise));

    return future;
}

void ModelDownloadQueue::resolveIdleWaiters()
{
    for (auto& waiter : idleWaiters)
        waiter.set_value();

    idleWaiters.clear();
}

void ModelDownloadQueue::run()
{
    while (! threadShouldExit())
    {
        ModelDownloadJob job;
        ModelDownloadOptions jobOptions;
        {
            std::lock_guard<std::mutex> lock (mutex);

            if (queue.empty())
            {
                running.clear();
                threadActive = false; // under the lock: enqueue() sees it and starts a new run
                resolveIdleWaiters();
                return;
            }

            job = queue.front();
            queue.pop_front();
            running = keyOf (job);
            jobOptions = options;
        }

        int lastPercent = -1;
        const auto label = "downloading " + job.model.name + " for " + job.workflow;

        jobOptions.onProgress = [&] (juce::int64 received, juce::int64 total)
        {
            // Whole percents only: a status change per percent, not per packet.
            const auto percent = total > 0 ? (int) (received * 100 / total) : -1;

            if (percent != lastPercent || total <= 0)
            {
                lastPercent = percent;
                onActivity (percent >= 0 ? label + ": " + juce::String (percent) + " %"
                                         : label + ": " + juce::File::descriptionOfSizeInBytes (received));
            }
        };

        onActivity (label);
        const auto result = downloader.download (job.model, job.modelsRoot, jobOptions);
        onFinished (job, result);

        std::lock_guard<std::mutex> lock (mutex);
        running.clear();
    }
}

} // namespace comfybridge
