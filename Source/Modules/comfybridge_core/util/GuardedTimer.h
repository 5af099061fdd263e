#pragma once

namespace comfybridge
{

//==============================================================================
/**
    A juce::Timer for an object that a host may destroy on any thread.

    juce::Timer::stopTimer() does not wait for a callback that is running on the
    message thread, so an owner destroyed on another thread (JUCE's LV2 wrapper
    destroys plugins on the host's thread) can vanish under its own callback.
    Here the callback runs under a lock that detach() takes: detach() waits for a
    running callback, and no callback starts after it. The juce::Timer itself is
    deleted on the message thread, after any callback that already began.

    An owner calls detach() first thing in its destructor, before the members the
    callback uses go. A callback may destroy its own owner.
*/
class GuardedTimer
{
public:
    /** A stopped timer that will call @p callback on the message thread. */
    explicit GuardedTimer (std::function<void()> callback);

    /** Detaches (see detach()) and lets the message thread delete the timer. Any thread. */
    ~GuardedTimer();

    /** Calls the callback every @p intervalMs on the message thread (restarts the count
        when running). Does nothing after detach(). Any thread.
    */
    void startTimer (int intervalMs);

    /** No more calls until startTimer(). A call already running may finish. Any thread. */
    void stopTimer();

    /** True between startTimer() and stopTimer() or detach(). */
    bool isTimerRunning() const;

    /** Waits for a running callback to return and makes sure none starts again. Any
        thread, also from inside the callback; more than once is harmless.
    */
    void detach();

private:
    struct Impl;
    std::shared_ptr<Impl> impl;

    JUCE_DECLARE_NON_COPYABLE (GuardedTimer)
};

} // namespace comfybridge
