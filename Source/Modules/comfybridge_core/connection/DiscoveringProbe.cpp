// Port discovery for the monitor lane's connect and reconnection jobs: when the
// configured loopback port does not answer as ComfyUI, ComfyUI's usual ports are
// tried and the one found becomes the port in use (ConnectionManager::Shared).

namespace comfybridge::connection_detail
{

/** Probes the configured port; falls back to port discovery when that is worth it. */
class DiscoveringProbe
{
public:
    /** @p stop says when to give up (the lane was told to stop, or its request was cancelled). */
    DiscoveringProbe (ConnectionManager::Shared& s, HttpClient& c, std::function<bool()> stop)
        : shared (s), client (c), shouldStop (std::move (stop))
    {
    }

    /** The configured port first; when it does not answer as ComfyUI, discovery (once per @p discoveryTried). */
    ProbeResult probe (const ComfyUIConfig& configured, double timeout, bool& discoveryTried)
    {
        auto result = probeComfyUI (client, configured.getBaseUrl(), timeout, configured.getAuthHeaders(), configured.caFile);

        if (worthDiscovering (result, configured))
        {
            if (! discoveryTried)
            {
                discoveryTried = true;
                if (auto found = discover (configured))
                    return *found;
            }

            if (! shouldStop())
                result.errorMessage << " (ComfyUI was not found on port 8188 or 8000-9000 either)";
        }

        return result;
    }

    /** When discovery last ran (min = never). */
    Clock::time_point lastRun() const noexcept { return lastDiscovery; }

private:
    ConnectionManager::Shared& shared;
    HttpClient& client;
    std::function<bool()> shouldStop;
    Clock::time_point lastDiscovery = Clock::time_point::min();

    /** Should port discovery run after this failed probe of the configured port? */
    static bool worthDiscovering (const ProbeResult& probe, const ComfyUIConfig& config)
    {
        return config.discoverPort && config.isLoopbackHost() && ! probe.reachedComfyUI
            && (probe.transportError == HttpError::refused || probe.notComfyUI);
    }

    /** Looks for ComfyUI on another loopback port; on success it becomes the port in use. */
    std::optional<ProbeResult> discover (const ComfyUIConfig& configured)
    {
        const auto candidates = [this]
        {
            std::lock_guard<std::mutex> lock (shared.mutex);
            return shared.discoveryCandidates;
        }();

        lastDiscovery = Clock::now();
        const auto found = discoverComfyUIPort (client, configured, configured.getEffectiveProbeTimeout(),
                                                shouldStop, candidates);

        if (! found.port)
            return std::nullopt;

        std::lock_guard<std::mutex> lock (shared.mutex);
        shared.discoveredPort = *found.port;
        shared.discoveryNote = "nothing usable answered on port " + juce::String (configured.port)
                                    + "; found ComfyUI on port " + juce::String (*found.port);
        return found.probe;
    }
};

} // namespace comfybridge::connection_detail
