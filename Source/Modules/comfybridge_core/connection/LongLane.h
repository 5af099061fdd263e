#pragma once
// Private to the comfybridge_core module: what the long-work lane's scheduled
// jobs (connection/jobs/) may ask of the lane that runs them (LongWorkLane.cpp).

namespace comfybridge
{

namespace connection_detail
{
    //==============================================================================
    /** The long-work lane's building blocks: its HTTP client, the engine, the download queue. */
    class LongLane
    {
    public:
        virtual ~LongLane() = default;

        /** The state shared with the callers and the monitor lane (lock its mutex to read it). */
        virtual ConnectionManager::Shared& state() = 0;

        /** The config to use now: the configured one, with the discovered port if any. */
        virtual ComfyUIConfig configSnapshot() const = 0;

        /** This lane's own HTTP client. */
        virtual HttpClient& http() = 0;

        /** The generation jobs' steps. */
        virtual detail::GenerationEngine& engine() = 0;

        /** Model downloads (their own thread). */
        virtual ModelDownloadQueue& downloadQueue() = 0;

        /** True when told to stop or the client was cancelled. */
        virtual bool interrupted() const = 0;

        /** True while the backend is available (lock-free). */
        virtual bool isAvailable() const = 0;

        /** True while the live channel is open. */
        virtual bool isLiveChannelOpen() const = 0;

        /** The one way the status changes (ConnectionManager::updateStatus). */
        virtual ComfyUIStatus updateStatus (const std::function<bool (ComfyUIStatus&)>& change) = 0;

        /** The current status snapshot. */
        virtual ComfyUIStatus currentStatus() const = 0;

        /** Wakes the monitor lane (e.g. to run a check that was asked for). */
        virtual void wakeMonitor() = 0;
    };
}

} // namespace comfybridge
