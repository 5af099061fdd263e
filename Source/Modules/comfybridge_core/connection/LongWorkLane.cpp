// The long-work lane of a ConnectionManager: readiness checks (a big install's
// /object_info takes seconds, deployment writes files) and generation I/O
// (submit, history polls, image fetches). It has its own thread and its own
// HttpClient, so the monitor lane (ConnectionWorker.cpp) never waits behind it.
// What it runs are the scheduled jobs in connection/jobs/ (see ScheduledJob.h).

namespace comfybridge
{

using namespace connection_detail;

//==============================================================================
/** Runs the long-work jobs, one at a time, off the monitor lane. */
class ConnectionManager::LongWork : public juce::Thread,
                                    private LongLane
{
public:
    explicit LongWork (ConnectionManager& m)
        : juce::Thread ("ComfyBridge long work"), manager (m), shared (*m.shared), client (*m.longClient)
    {
        // In priority order: generation first, so a short job never waits for a readiness pass.
        LongLane& lane = *this; // the jobs see only the lane's building blocks
        scheduler.add (std::make_unique<ReadinessAnswerJob> (lane));
        scheduler.add (std::make_unique<LiveEventsJob> (lane));
        scheduler.add (std::make_unique<GenerationStepsJob> (lane));
        scheduler.add (std::make_unique<ReadinessCheckJob> (lane));
    }

    void run() override
    {
        while (! threadShouldExit())
        {
            ScheduledJob* job = nullptr;
            {
                std::unique_lock<std::mutex> lock (shared.mutex);
                auto choice = scheduler.choose (context());

                if (choice.job == nullptr)
                {
                    // Capped: libstdc++ cannot wait until time_point::max() reliably.
                    const auto until = std::min (choice.wakeAt, Clock::now() + std::chrono::hours (1));
                    shared.laneWakeUp.wait_until (lock, until, [&]
                    {
                        if (threadShouldExit())
                            return true;

                        const auto again = scheduler.choose (context());
                        return again.job != nullptr || again.wakeAt < until;
                    });
                    continue;
                }

                job = choice.job;
                job->claim();
            }

            job->run();
        }
    }

private:
    ConnectionManager& manager;
    Shared& shared;
    HttpClient& client;
    JobScheduler scheduler;

    /** What the jobs are asked with (mutex held). */
    SchedulerContext context() const
    {
        return makeSchedulerContext (shared, manager.liveChannelOpen.load());
    }

    //==============================================================================
    // LongLane
    Shared& state() override { return shared; }

    ComfyUIConfig configSnapshot() const override
    {
        std::lock_guard<std::mutex> lock (shared.mutex);
        return shared.effectiveConfig();
    }

    HttpClient& http() override { return client; }
    detail::GenerationEngine& engine() override { return *manager.engine; }
    ModelDownloadQueue& downloadQueue() override { return *manager.downloads; }
    bool interrupted() const override { return threadShouldExit() || client.isCancelled(); }
    bool isAvailable() const override { return manager.isAvailable(); }
    bool isLiveChannelOpen() const override { return manager.liveChannel.isOpen(); }
    ComfyUIStatus currentStatus() const override { return manager.getStatus(); }
    void wakeMonitor() override { manager.wakeWorker(); }

    ComfyUIStatus updateStatus (const std::function<bool (ComfyUIStatus&)>& change) override
    {
        return manager.updateStatus (change);
    }
};

} // namespace comfybridge
