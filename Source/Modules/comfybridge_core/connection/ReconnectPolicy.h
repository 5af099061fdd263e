#pragma once

namespace comfybridge
{

//==============================================================================
/**
    When the next reconnection try is due, after how many failed ones.

    - A loopback host is tried at a fixed fast cadence (loopbackCadenceSeconds):
      a refused loopback connect costs microseconds, and the server is back
      within one cadence of answering, however long it was away.
    - A remote host is tried with exponential backoff and full jitter: the n-th
      wait is uniform in [0, min (cap, firstStepSeconds * 2^n)], where the cap is
      the configured reconnect interval. reset() (a success) starts again from
      the first step. One try per step: the caller asks for one delay per try.

    Pure and deterministic for a given seed, so the sequence can be unit-tested.
*/
class ReconnectPolicy
{
public:
    /** The fixed cadence for loopback hosts. */
    static constexpr double loopbackCadenceSeconds = 0.25;

    /** The first backoff step for remote hosts (before jitter). */
    static constexpr double firstStepSeconds = 0.25;

    /** @p capSeconds is the configured reconnect interval; @p seed feeds the jitter. */
    ReconnectPolicy (bool loopbackHost, double capSeconds, juce::int64 seed = juce::Time::currentTimeMillis());

    /** The wait before the next try, and counts that try. */
    double nextDelaySeconds();

    /** The upper bound of the next wait (before jitter): what nextDelaySeconds() draws from. */
    double nextCeilingSeconds() const;

    /** A success: the next outage starts from the first step again. */
    void reset() noexcept { failedTries = 0; }

    /** Tries counted since the last reset(). */
    int getTries() const noexcept { return failedTries; }

    /** True when this host is tried at the fast loopback cadence. */
    bool isLoopback() const noexcept { return loopback; }

private:
    bool loopback;
    double cap;
    int failedTries = 0;
    juce::Random random;
};

} // namespace comfybridge
