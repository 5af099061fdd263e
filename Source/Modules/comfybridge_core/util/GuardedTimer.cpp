namespace comfybridge
{

struct GuardedTimer::Impl : public juce::Timer
{
    std::recursive_mutex mutex; // held while the callback runs (recursive: it may detach)
    std::function<void()> callback;
    bool running = false; // message thread only: inside timerCallback()

    void timerCallback() override
    {
        const std::lock_guard<std::recursive_mutex> lock (mutex);

        // A copy: a callback that detaches (its owner going) clears the member under our feet.
        auto call = callback;

        if (call == nullptr)
            return stopTimer();

        running = true;
        call();
        running = false;
    }
};

GuardedTimer::GuardedTimer (std::function<void()> callback)
    : impl (std::make_shared<Impl>())
{
    impl->callback = std::move (callback);
}

GuardedTimer::~GuardedTimer()
{
    detach();

    // On the message thread, outside the callback: nothing can be using the timer.
    if (juce::MessageManager::existsAndIsCurrentThread() && ! impl->running)
        return;

    // Elsewhere, a callback may have been picked to run and not yet begun: the message
    // thread drops the last reference after it. Without a message manager no callback runs.
    auto last = std::move (impl);
    juce::MessageManager::callAsync ([last] {});
}

void GuardedTimer::startTimer (int intervalMs)
{
    const std::lock_guard<std::recursive_mutex> lock (impl->mutex);

    if (impl->callback != nullptr)
        impl->startTimer (intervalMs);
}

void GuardedTimer::stopTimer()
{
    impl->stopTimer();
}

bool GuardedTimer::isTimerRunning() const
{
    return impl->isTimerRunning();
}

void GuardedTimer::detach()
{
    const std::lock_guard<std::recursive_mutex> lock (impl->mutex);
    impl->callback = nullptr;
    impl->stopTimer();
}

} // namespace comfybridge
