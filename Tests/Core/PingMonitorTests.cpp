#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

using comfybridge::PingMonitor;
using Verdict = PingMonitor::Verdict;
using namespace std::chrono_literals;

TEST_CASE ("pings go out at the cadence and an answered one means alive", "[ping-monitor]")
{
    PingMonitor pings;
    pings.configure (0.5, 3.0);
    const auto t0 = PingMonitor::Clock::now();

    CHECK_FALSE (pings.isDue (t0));          // the first one a cadence from now
    CHECK (pings.nextWake() == t0 + 500ms);
    CHECK (pings.isDue (t0 + 500ms));
    CHECK (pings.judge (t0, 0) == Verdict::none);

    pings.pingSent (t0 + 500ms, 7);
    CHECK (pings.isOutstanding());
    CHECK (pings.judge (t0 + 600ms, 7) == Verdict::pending);
    CHECK (pings.judge (t0 + 700ms, 8) == Verdict::alive);
    CHECK_FALSE (pings.isOutstanding());
    CHECK (pings.nextWake() == t0 + 1000ms);
}

TEST_CASE ("the oldest unanswered ping sets the deadline: later pings do not extend it", "[ping-monitor]")
{
    PingMonitor pings;
    pings.configure (0.5, 3.0);
    const auto t0 = PingMonitor::Clock::now();

    pings.pingSent (t0, 1);
    pings.pingSent (t0 + 500ms, 1);
    pings.pingSent (t0 + 1000ms, 1);
    CHECK (pings.secondsToDeadline (t0 + 1000ms) == Approx (2.0).margin (0.001));
    CHECK (pings.judge (t0 + 2999ms, 1) == Verdict::pending);
    CHECK (pings.judge (t0 + 3000ms, 1) == Verdict::hung);
    CHECK_FALSE (pings.isOutstanding()); // judged once
}

TEST_CASE ("any message is a sign of life; reset forgets everything", "[ping-monitor]")
{
    PingMonitor pings;
    pings.configure (0.25, 1.0);
    const auto t0 = PingMonitor::Clock::now();

    pings.pingSent (t0, 0);
    pings.signOfLife();
    CHECK (pings.judge (t0 + 5s, 0) == Verdict::none);

    pings.pingSent (t0, 0);
    pings.reset();
    CHECK_FALSE (pings.isOutstanding());
    CHECK (pings.nextWake() == PingMonitor::Clock::time_point::max());
}
