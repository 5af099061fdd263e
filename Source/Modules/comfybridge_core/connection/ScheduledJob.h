#pragma once
// Private to the comfybridge_core module: the small scheduler both lanes of a
// ConnectionManager run. Each source of work is one ScheduledJob (its own class
// in connection/jobs/); a lane asks every job when it is due, runs the first due
// one in priority order, or waits until the earliest due time (or a wake-up).
// Adding a job is one new class and one add() call.

namespace comfybridge
{

namespace connection_detail
{
    using Clock = std::chrono::steady_clock;

    /** What a lane knows at the moment it asks its jobs (taken under the shared mutex). */
    struct SchedulerContext
    {
        Clock::time_point now;
        bool available = false;    ///< the status says the backend is available
        bool down = false;         ///< not available and not disconnected: a backend was lost or never found
        bool channelOpen = false;  ///< the WebSocket live channel is open
        bool monitoring = false;   ///< periodic health checks are on
        bool reconnecting = false; ///< background reconnection is on
    };

    //==============================================================================
    /** One source of work for a lane: when it is due, and what it does then. */
    class ScheduledJob
    {
    public:
        virtual ~ScheduledJob() = default;

        /** Called with the shared mutex held, every time the lane looks for work.
            std::nullopt: nothing to do; a time at or before ctx.now: due now;
            a later time: the lane wakes then at the latest. May set its own timers.
        */
        virtual std::optional<Clock::time_point> dueAt (const SchedulerContext& ctx) = 0;

        /** Called with the shared mutex held once the job is chosen: takes the
            requests and waiters this run answers, so a new request made meanwhile
            is seen as new.
        */
        virtual void claim() {}

        /** Does the work, without the shared mutex. */
        virtual void run() = 0;

        /** Called after any job that probed the backend ran (a connect attempt,
            a check, a reconnection try): periodic timers restart from its end.
        */
        virtual void afterProbe() {}

        /** True when this job probes the backend (see afterProbe()). */
        virtual bool probes() const { return false; }

        /** The job's name, for logs and tests. */
        virtual const char* name() const = 0;
    };

    //==============================================================================
    /** The jobs of one lane, in priority order (the order they were added in). */
    class JobScheduler
    {
    public:
        /** The job chosen to run now (or none), and when to look again otherwise. */
        struct Choice
        {
            ScheduledJob* job = nullptr;
            Clock::time_point wakeAt = Clock::time_point::max();
        };

        /** Adds a job after every job added before (lower priority). */
        void add (std::unique_ptr<ScheduledJob> job) { jobs.push_back (std::move (job)); }

        /** Shared mutex held. Asks every job (each keeps its timers up to date);
            the first due one in priority order wins, else the earliest due time.
        */
        Choice choose (const SchedulerContext& ctx)
        {
            Choice choice;

            for (auto& job : jobs)
            {
                const auto due = job->dueAt (ctx);

                if (! due)
                    continue;

                if (*due <= ctx.now && choice.job == nullptr)
                    choice.job = job.get();
                else
                    choice.wakeAt = std::min (choice.wakeAt, *due);
            }

            return choice;
        }

        /** A job that probed the backend finished: every job's periodic timer restarts from now. */
        void probeFinished()
        {
            for (auto& job : jobs)
                job->afterProbe();
        }

    private:
        std::vector<std::unique_ptr<ScheduledJob>> jobs;
    };
}

} // namespace comfybridge
