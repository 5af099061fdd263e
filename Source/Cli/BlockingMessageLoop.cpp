#include "BlockingMessageLoop.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <unistd.h>

namespace cli
{

namespace
{
    constexpr char signalByte = 's';
    constexpr char finishByte = 'q'; // the destructor's "stop watching"

    /** Written by the signal handler, read by the watcher thread. Opened once and never
        closed, so a handler that runs late can never write to a reused descriptor.
    */
    int signalPipe[2] = { -1, -1 };

    std::atomic<bool> interruptsCaught { false };

    extern "C" void writeSignalByte (int)
    {
        // Only async-signal-safe calls here; errno belongs to the code the signal interrupted.
        const auto savedErrno = errno;
        [[maybe_unused]] const auto written = ::write (signalPipe[1], &signalByte, 1);
        errno = savedErrno;
    }

    bool setFlags (int fd, int statusFlags)
    {
        return ::fcntl (fd, F_SETFD, FD_CLOEXEC) == 0
            && ::fcntl (fd, F_SETFL, ::fcntl (fd, F_GETFL) | statusFlags) == 0;
    }

    bool openSignalPipe()
    {
        if (signalPipe[0] < 0 && ::pipe (signalPipe) != 0)
            return false;

        // Non-blocking both ways: the handler must never block, and leftovers are drained below.
        if (! setFlags (signalPipe[0], O_NONBLOCK) || ! setFlags (signalPipe[1], O_NONBLOCK))
            return false;

        char bytes[64];
        while (::read (signalPipe[0], bytes, sizeof (bytes)) > 0) {}
        return true;
    }

    void writeFinishByte()
    {
        while (::write (signalPipe[1], &finishByte, 1) < 0 && (errno == EAGAIN || errno == EINTR))
            std::this_thread::yield(); // full only after thousands of signals: the watcher is draining it
    }
}

//==============================================================================
struct BlockingMessageLoop::Interrupts
{
    std::function<void()> onInterrupt; // used on the message thread only
    struct sigaction previousInt {}, previousTerm {};

    /** Calls onInterrupt on the message thread; this object outlives the call (shared). */
    static void post (const std::shared_ptr<Interrupts>& self)
    {
        juce::MessageManager::callAsync ([self]
        {
            if (self->onInterrupt)
                self->onInterrupt();
        });
    }

    /** The watcher thread: blocked on the pipe (and the time limit) until the destructor ends it. */
    static void watch (std::shared_ptr<Interrupts> self, double timeLimitSeconds)
    {
        using Clock = std::chrono::steady_clock;
        std::optional<Clock::time_point> deadline;

        if (timeLimitSeconds > 0.0)
            deadline = Clock::now() + std::chrono::duration_cast<Clock::duration> (std::chrono::duration<double> (timeLimitSeconds));

        for (;;)
        {
            auto timeoutMs = -1;

            if (deadline)
                timeoutMs = (int) juce::jlimit ((long long) 0, (long long) INT_MAX,
                                                (long long) std::chrono::ceil<std::chrono::milliseconds> (*deadline - Clock::now()).count());

            pollfd fd { signalPipe[0], POLLIN, 0 };
            const auto ready = ::poll (&fd, 1, timeoutMs);

            if (ready < 0 && errno != EINTR)
                return;

            if (ready == 0 && deadline && Clock::now() >= *deadline)
            {
                deadline.reset();
                post (self);
            }

            if (ready <= 0)
                continue;

            char bytes[64];
            const auto count = ::read (signalPipe[0], bytes, sizeof (bytes));

            for (ssize_t i = 0; i < count; ++i)
            {
                if (bytes[i] == finishByte)
                    return;

                post (self);
            }
        }
    }
};

//==============================================================================
BlockingMessageLoop::BlockingMessageLoop() = default;

BlockingMessageLoop::BlockingMessageLoop (std::function<void()> onInterrupt, double timeLimitSeconds)
{
    [[maybe_unused]] const auto wasCaught = interruptsCaught.exchange (true);
    jassert (! wasCaught); // one signal pipe, one watcher

    if (! openSignalPipe())
    {
        // Out of descriptors at start-up: Ctrl-C keeps its default action (and no time limit).
        jassertfalse;
        return;
    }

    interrupts = std::make_shared<Interrupts>();
    interrupts->onInterrupt = std::move (onInterrupt);

    struct sigaction action {};
    action.sa_handler = writeSignalByte;
    sigemptyset (&action.sa_mask);
    action.sa_flags = SA_RESTART; // as std::signal() on glibc: interrupted system calls resume
    ::sigaction (SIGINT, &action, &interrupts->previousInt);
    ::sigaction (SIGTERM, &action, &interrupts->previousTerm);

    signalWatcher = std::thread (&Interrupts::watch, interrupts, timeLimitSeconds);
}

BlockingMessageLoop::~BlockingMessageLoop()
{
    if (interrupts == nullptr)
        return;

    ::sigaction (SIGINT, &interrupts->previousInt, nullptr);
    ::sigaction (SIGTERM, &interrupts->previousTerm, nullptr);
    interrupts->onInterrupt = nullptr; // a call still queued does nothing

    writeFinishByte();
    signalWatcher.join();
    interruptsCaught = false;
}

void BlockingMessageLoop::run()
{
    // JUCE's Linux loop sleeps in poll() on its message queue until a message
    // arrives (waking every 2 s when there is none); runDispatchLoopUntil() would
    // instead check and sleep 1 ms in a loop.
    juce::MessageManager::getInstance()->runDispatchLoop();
}

void BlockingMessageLoop::runWhile (std::function<void()> work)
{
    std::thread helper ([&work]
    {
        work();
        quit();
    });

    run();
    helper.join();
}

void BlockingMessageLoop::quit()
{
    // Posted rather than called: what is queued now is delivered before JUCE's quit message.
    juce::MessageManager::callAsync ([] { juce::MessageManager::getInstance()->stopDispatchLoop(); });
}

} // namespace cli
