#pragma once

#include <juce_events/juce_events.h>

#include <functional>
#include <memory>
#include <thread>

namespace cli
{

/**
    The main thread's message loop for a command that waits (watch, generate,
    models --download): it sleeps until a message is due, with no polling, so a
    waiting command costs no CPU, and it delivers the manager's callbacks on
    this (the message) thread.

    It can also turn SIGINT and SIGTERM (and a time limit) into a call on the
    message thread: the signal handler only writes a byte to a pipe, and a
    helper thread blocked on that pipe posts the call.

    JUCE ends a dispatch loop for good (stopDispatchLoop() works once per
    process), so a command runs one of these, as its last wait for messages.
*/
class BlockingMessageLoop
{
public:
    /** A loop that leaves SIGINT and SIGTERM alone (they end the process as usual). */
    BlockingMessageLoop();

    /** From now on, until destroyed, SIGINT and SIGTERM do not end the process:
        each one calls @p onInterrupt on the message thread (once run() runs).
        When @p timeLimitSeconds > 0, onInterrupt is also called once that long
        after now. Only one such loop may exist at a time.
    */
    explicit BlockingMessageLoop (std::function<void()> onInterrupt, double timeLimitSeconds = 0.0);

    /** Restores the signal handlers that were there before. */
    ~BlockingMessageLoop();

    /** Delivers messages on this (the message) thread until quit(); blocks while there are none. */
    void run();

    /** Runs @p work on a helper thread (it may block, and must return by itself)
        while delivering messages here; returns once work has returned and the
        messages it posted have been delivered.
    */
    void runWhile (std::function<void()> work);

    /** Ends run() once the messages posted before this call (and those they post
        in turn) have been delivered. Any thread.
    */
    static void quit();

private:
    struct Interrupts;
    std::shared_ptr<Interrupts> interrupts; // null when signals are left alone
    std::thread signalWatcher;

    JUCE_DECLARE_NON_COPYABLE (BlockingMessageLoop)
};

} // namespace cli
