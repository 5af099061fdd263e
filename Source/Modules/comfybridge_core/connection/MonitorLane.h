#pragma once
// Private to the comfybridge_core module: what the monitor lane's scheduled jobs
// (connection/jobs/) may ask of the lane that runs them (ConnectionWorker.cpp).

namespace comfybridge
{

namespace connection_detail
{
    //==============================================================================
    /** The monitor lane's building blocks: probes, the published status, the live channel. */
    class MonitorLane
    {
    public:
        virtual ~MonitorLane() = default;

        /** The state shared with the callers and the other lane (lock its mutex to read it). */
        virtual ConnectionManager::Shared& state() = 0;

        /** The config to use now: the configured one, with the discovered port if any. */
        virtual ComfyUIConfig configSnapshot() const = 0;

        /** Forgets a discovered port: the configured config, for a try that starts afresh. */
        virtual ComfyUIConfig configuredConfig() = 0;

        /** True when told to stop, or the config changed under the running job. */
        virtual bool interrupted() const = 0;

        /** True when the lane's request was cancelled (disconnect, config change): drop the result. */
        virtual bool cancelled() const = 0;

        /** Sleeps between tries; false when told to stop or when the config changed. */
        virtual bool pause (double seconds) = 0;

        /** @p seconds with +-10 % jitter, so that many instances started together spread out. */
        virtual double jittered (double seconds) = 0;

        /** Probes the configured port; when it does not answer as ComfyUI, port discovery (once per @p discoveryTried). */
        virtual ProbeResult probeConfiguredPort (const ComfyUIConfig& config, double timeout, bool& discoveryTried) = 0;

        /** When port discovery last ran (min = never). */
        virtual Clock::time_point lastDiscoveryTime() const = 0;

        /** Builds the status that follows a probe and publishes it. */
        virtual ComfyUIStatus apply (const ProbeResult& probe, const ComfyUIConfig& config) = 0;

        /** A health check (with the live channel's ping); @p periodic retries one failure of an up backend. */
        virtual ComfyUIStatus runCheck (bool periodic) = 0;

        /** The one way the status changes (ConnectionManager::updateStatus). */
        virtual ComfyUIStatus updateStatus (const std::function<bool (ComfyUIStatus&)>& change) = 0;

        /** The current status snapshot. */
        virtual ComfyUIStatus currentStatus() const = 0;

        /** Opens the live channel; returns when the next try may be made (now when it opened or was woken). */
        virtual Clock::time_point openLiveChannel() = 0;

        /** True while the live channel is open. */
        virtual bool isLiveChannelOpen() const = 0;

        /** The ping schedule and verdicts (monitor lane only). */
        virtual PingMonitor& pings() = 0;

        /** How often a ping goes out while the live channel is open (mutex held). */
        virtual double pingCadence() const = 0;

        /** A ping over the open live channel; its pong must come within the probe timeout. */
        virtual void pingNow() = 0;

        /** Judges the outstanding ping: alive updates lastCheck, hung publishes the hang. */
        virtual void checkPong() = 0;
    };
}

} // namespace comfybridge
