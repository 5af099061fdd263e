// Issue 12: the lanes' scheduler (connection/ScheduledJob.h): each job says when
// it is due; the first due one in priority order runs, otherwise the lane wakes
// at the earliest due time.

#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include <comfybridge_core/connection/ScheduledJob.h>

using namespace comfybridge::connection_detail;
using namespace std::chrono_literals;

namespace
{
    /** A job due at a time the test sets (nullopt = not wanted). */
    struct TestJob : ScheduledJob
    {
        explicit TestJob (const char* n, bool isProbe = false) : jobName (n), probing (isProbe) {}

        std::optional<Clock::time_point> due;
        int asked = 0, claimed = 0, ran = 0, probesSeen = 0;
        const char* jobName;
        bool probing;

        std::optional<Clock::time_point> dueAt (const SchedulerContext&) override { ++asked; return due; }
        void claim() override { ++claimed; }
        void run() override { ++ran; }
        void afterProbe() override { ++probesSeen; }
        bool probes() const override { return probing; }
        const char* name() const override { return jobName; }
    };

    struct Lane
    {
        JobScheduler scheduler;
        std::vector<TestJob*> jobs;

        TestJob& add (const char* name, bool probes = false)
        {
            auto job = std::make_unique<TestJob> (name, probes);
            jobs.push_back (job.get());
            scheduler.add (std::move (job));
            return *jobs.back();
        }
    };

    SchedulerContext at (Clock::time_point now)
    {
        SchedulerContext ctx;
        ctx.now = now;
        return ctx;
    }
}

TEST_CASE ("the scheduler runs the first due job in priority order and asks every job each time", "[scheduler]")
{
    Lane lane;
    auto& request = lane.add ("request");
    auto& probe = lane.add ("probe");
    auto& ping = lane.add ("ping");
    const auto now = Clock::now();

    SECTION ("two due jobs: the one added first wins")
    {
        probe.due = now - 1s;
        ping.due = now;
        const auto choice = lane.scheduler.choose (at (now));
        REQUIRE (choice.job == &probe);
        CHECK (request.asked == 1);
        CHECK (ping.asked == 1); // asked too: every job keeps its timers up to date
    }

    SECTION ("nothing due: no job, and the wake-up is the earliest due time")
    {
        probe.due = now + 5s;
        ping.due = now + 500ms;
        const auto choice = lane.scheduler.choose (at (now));
        CHECK (choice.job == nullptr);
        CHECK (choice.wakeAt == now + 500ms);
    }

    SECTION ("nothing wanted at all: no job and no wake-up")
    {
        const auto choice = lane.scheduler.choose (at (now));
        CHECK (choice.job == nullptr);
        CHECK (choice.wakeAt == Clock::time_point::max());
    }

    SECTION ("a later job's time still sets the wake-up when an earlier one runs")
    {
        request.due = now;
        ping.due = now + 200ms;
        const auto choice = lane.scheduler.choose (at (now));
        CHECK (choice.job == &request);
        CHECK (choice.wakeAt == now + 200ms);
    }
}

TEST_CASE ("after a probe every job hears of it, so periodic timers restart from its end", "[scheduler]")
{
    Lane lane;
    auto& a = lane.add ("reconnect", true);
    auto& b = lane.add ("open channel");
    lane.scheduler.probeFinished();
    CHECK (a.probesSeen == 1);
    CHECK (b.probesSeen == 1);
    CHECK (a.probes());
    CHECK_FALSE (b.probes());
}
