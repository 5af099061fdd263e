#pragma once

namespace comfybridge
{

//==============================================================================
/** What a port discovery found. */
struct PortDiscoveryResult
{
    bool attempted = false;  ///< false when the host is not loopback (nothing was touched)
    std::optional<int> port; ///< the first candidate where a real ComfyUI answered
    ProbeResult probe;       ///< that probe (its version, queue, latency)
    int portsScanned = 0;    ///< candidates tried with a TCP connect
    int portsProbed = 0;     ///< open candidates asked over HTTP
};

/** Plain ComfyUI's 8188 first, then ComfyUI Desktop's range 8000..9000, without @p exclude. */
std::vector<int> comfyUICandidatePorts (int exclude);

/**
    The candidates that accept a TCP connection on @p host, in order, at most
    @p maxOpen of them. Refuses to touch anything unless every address @p host
    resolves to is a loopback address. Each connect is non-blocking with a
    short deadline, so the whole 8000..9000 range takes milliseconds on
    loopback. @p shouldStop is polled between ports.
*/
std::vector<int> findOpenLoopbackPorts (const juce::String& host, const std::vector<int>& candidates, size_t maxOpen,
                                        const std::function<bool()>& shouldStop);

/**
    Looks for ComfyUI on another port of a loopback host (ComfyUI Desktop takes
    the first free port from 8000): finds open candidates with a TCP connect
    scan, then probes at most a few of them as ComfyUI. Never scans a host
    that is not loopback.
*/
PortDiscoveryResult discoverComfyUIPort (HttpClient& client, const ComfyUIConfig& config, double probeTimeoutSeconds,
                                         const std::function<bool()>& shouldStop,
                                         std::vector<int> candidates = {});

} // namespace comfybridge
