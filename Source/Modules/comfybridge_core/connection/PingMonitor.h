#pragma once

namespace comfybridge
{

//==============================================================================
/**
    The monitor lane's ping job: while the live channel is open, when the next
    WebSocket ping is due, and what the pongs (or their absence) say.

    A ping goes out every cadence; the oldest unanswered one must be answered
    within the deadline (the probe timeout), else the server hangs. Any message
    from the server is a sign of life too. Pure: the caller passes the times and
    the channel's pong count, so it is unit-tested without sockets.
*/
class PingMonitor
{
public:
    using Clock = std::chrono::steady_clock;

    /** What the pongs say. */
    enum class Verdict
    {
        none,    ///< no ping is outstanding
        alive,   ///< a pong (or a message) came since the oldest unanswered ping
        pending, ///< no answer yet, but its deadline has not passed
        hung     ///< no answer within the deadline
    };

    /** Pings every @p cadenceSeconds; an answer is due within @p deadlineSeconds. */
    void configure (double cadenceSeconds, double deadlineSeconds) noexcept;

    /** Forgets the schedule and any outstanding ping (the channel opened or closed, monitoring stopped). */
    void reset() noexcept;

    /** True when a ping should go out at @p now (schedules the first one on the first call). */
    bool isDue (Clock::time_point now) noexcept;

    /** The next moment something happens: a ping is due or a deadline passes (max when idle). */
    Clock::time_point nextWake() const noexcept;

    /** A ping went out at @p now while the channel had received @p pongsSoFar pongs. */
    void pingSent (Clock::time_point now, juce::uint64 pongsSoFar) noexcept;

    /** A message arrived: the server is alive, whatever the pongs say. */
    void signOfLife() noexcept { outstanding = false; }

    /** Judges the oldest unanswered ping at @p now, given the channel's pong count. alive and hung end it. */
    Verdict judge (Clock::time_point now, juce::uint64 pongs) noexcept;

    /** True while a ping waits for its answer. */
    bool isOutstanding() const noexcept { return outstanding; }

    /** Seconds from @p now until the outstanding ping's deadline (negative when passed). */
    double secondsToDeadline (Clock::time_point now) const noexcept;

private:
    Clock::duration cadence { std::chrono::milliseconds (500) };
    Clock::duration deadline { std::chrono::seconds (3) };
    Clock::time_point nextPing = Clock::time_point::max();
    Clock::time_point answerDue = Clock::time_point::max();
    juce::uint64 pongsBefore = 0;
    bool outstanding = false;
};

} // namespace comfybridge
