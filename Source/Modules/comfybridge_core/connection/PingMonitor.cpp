namespace comfybridge
{

namespace
{
    PingMonitor::Clock::duration pingDuration (double s)
    {
        return std::chrono::duration_cast<PingMonitor::Clock::duration> (std::chrono::duration<double> (s));
    }
}

void PingMonitor::configure (double cadenceSeconds, double deadlineSeconds) noexcept
{
    cadence = pingDuration (juce::jmax (0.01, cadenceSeconds));
    deadline = pingDuration (juce::jmax (0.01, deadlineSeconds));
}

void PingMonitor::reset() noexcept
{
    nextPing = answerDue = Clock::time_point::max();
    outstanding = false;
}

bool PingMonitor::isDue (Clock::time_point now) noexcept
{
    if (nextPing == Clock::time_point::max())
        nextPing = now + cadence;

    return now >= nextPing;
}

PingMonitor::Clock::time_point PingMonitor::nextWake() const noexcept
{
    return outstanding ? std::min (nextPing, answerDue) : nextPing;
}

void PingMonitor::pingSent (Clock::time_point now, juce::uint64 pongsSoFar) noexcept
{
    // The deadline belongs to the oldest unanswered ping: later ones do not extend it.
    if (! outstanding)
    {
        outstanding = true;
        pongsBefore = pongsSoFar;
        answerDue = now + deadline;
    }

    nextPing = now + cadence;
}

PingMonitor::Verdict PingMonitor::judge (Clock::time_point now, juce::uint64 pongs) noexcept
{
    if (! outstanding)
        return Verdict::none;

    if (pongs != pongsBefore)
    {
        outstanding = false;
        return Verdict::alive;
    }

    if (now < answerDue)
        return Verdict::pending;

    outstanding = false;
    return Verdict::hung;
}

double PingMonitor::secondsToDeadline (Clock::time_point now) const noexcept
{
    return outstanding ? std::chrono::duration<double> (answerDue - now).count() : 1.0e9;
}

} // namespace comfybridge
