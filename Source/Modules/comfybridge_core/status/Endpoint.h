#pragma once

namespace comfybridge
{

/**
    Which backend a job talked to or a status describes: scheme, host, port and
    how the address was found. Carried per status so that which server answered is
    never guessed (the ground for failing over between several backends later).
*/
struct Endpoint
{
    /** How the address was found. */
    enum class Origin
    {
        configured, ///< the configured host and port
        discovered  ///< port discovery found ComfyUI on another loopback port
    };

    juce::String scheme { "http" }; ///< "http" or "https"
    juce::String host;              ///< as configured (name, IPv4 or IPv6 literal)
    int port = 0;                   ///< 0 = not known yet
    Origin origin = Origin::configured;

    /** The endpoint @p config's requests go to; @p discoveredPort (0 = none) replaces its port. */
    static Endpoint from (const ComfyUIConfig& config, int discoveredPort = 0)
    {
        Endpoint e;
        e.scheme = config.useTls ? "https" : "http";
        e.host = config.host;
        e.port = discoveredPort != 0 ? discoveredPort : config.port;
        e.origin = discoveredPort != 0 ? Origin::discovered : Origin::configured;
        return e;
    }

    /** E.g. "http://127.0.0.1:8188 (discovered)". */
    juce::String describe() const
    {
        const auto bracketed = host.containsChar (':') && ! host.startsWithChar ('[') ? "[" + host + "]" : host;
        return scheme + "://" + bracketed + ":" + juce::String (port) + (origin == Origin::discovered ? " (discovered)" : "");
    }

    bool operator== (const Endpoint& other) const
    {
        return scheme == other.scheme && host == other.host && port == other.port && origin == other.origin;
    }

    bool operator!= (const Endpoint& other) const { return ! operator== (other); }
};

} // namespace comfybridge
