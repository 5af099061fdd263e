#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace comfybridge
{

namespace
{
    constexpr size_t maxPortsToProbe = 8;
    constexpr int connectDeadlineMs = 50; // loopback answers in microseconds; this only guards odd stacks

    bool isLoopbackAddress (const sockaddr* address)
    {
        if (address->sa_family == AF_INET)
            return (ntohl (reinterpret_cast<const sockaddr_in*> (address)->sin_addr.s_addr) >> 24) == 127;

        if (address->sa_family == AF_INET6)
        {
            const auto& a6 = reinterpret_cast<const sockaddr_in6*> (address)->sin6_addr;
            if (IN6_IS_ADDR_LOOPBACK (&a6))
                return true;

            // ::ffff:127.x.x.x
            return IN6_IS_ADDR_V4MAPPED (&a6) && a6.s6_addr[12] == 127;
        }

        return false;
    }

    /** The host's addresses, or nothing when any of them is not loopback. */
    std::vector<std::vector<char>> loopbackAddresses (const juce::String& host)
    {
        addrinfo hints {};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_NUMERICSERV;
        addrinfo* list = nullptr;

        const auto name = host.trimCharactersAtStart ("[").trimCharactersAtEnd ("]");

        if (getaddrinfo (name.toRawUTF8(), "80", &hints, &list) != 0 || list == nullptr)
            return {};

        std::vector<std::vector<char>> addresses;
        bool allLoopback = true;

        for (auto* a = list; a != nullptr; a = a->ai_next)
        {
            allLoopback = allLoopback && isLoopbackAddress (a->ai_addr);
            addresses.emplace_back (reinterpret_cast<const char*> (a->ai_addr), reinterpret_cast<const char*> (a->ai_addr) + a->ai_addrlen);
        }

        freeaddrinfo (list);
        return allLoopback ? addresses : std::vector<std::vector<char>>();
    }

    bool acceptsConnection (std::vector<char> address, int port)
    {
        auto* sa = reinterpret_cast<sockaddr*> (address.data());

        if (sa->sa_family == AF_INET)
            reinterpret_cast<sockaddr_in*> (sa)->sin_port = htons ((uint16_t) port);
        else
            reinterpret_cast<sockaddr_in6*> (sa)->sin6_port = htons ((uint16_t) port);

        const int fd = ::socket (sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        if (fd < 0)
            return false;

        bool open = ::connect (fd, sa, (socklen_t) address.size()) == 0;

        if (! open && errno == EINPROGRESS)
        {
            pollfd p { fd, POLLOUT, 0 };
            int error = 0;
            socklen_t length = sizeof (error);
            open = ::poll (&p, 1, connectDeadlineMs) == 1
                && ::getsockopt (fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error == 0;
        }

        ::close (fd);
        return open;
    }
}

std::vector<int> comfyUICandidatePorts (int exclude)
{
    std::vector<int> ports;

    if (exclude != 8188)
        ports.push_back (8188);

    for (int p = 8000; p <= 9000; ++p)
        if (p != exclude && p != 8188)
            ports.push_back (p);

    return ports;
}

std::vector<int> findOpenLoopbackPorts (const juce::String& host, const std::vector<int>& candidates, size_t maxOpen,
                                        const std::function<bool()>& shouldStop)
{
    const auto addresses = loopbackAddresses (host);
    std::vector<int> open;

    for (auto port : candidates)
    {
        if (open.size() >= maxOpen || (shouldStop && shouldStop()))
            break;

        for (const auto& address : addresses)
        {
            if (acceptsConnection (address, port))
            {
                open.push_back (port);
                break;
            }
        }
    }

    return open;
}

PortDiscoveryResult discoverComfyUIPort (HttpClient& client, const ComfyUIConfig& config, double probeTimeoutSeconds,
                                         const std::function<bool()>& shouldStop, std::vector<int> candidates)
{
    PortDiscoveryResult result;

    if (! config.isLoopbackHost())
        return result;

    if (candidates.empty())
        candidates = comfyUICandidatePorts (config.port);

    result.attempted = true;
    result.portsScanned = (int) candidates.size();

    for (auto port : findOpenLoopbackPorts (config.host, candidates, maxPortsToProbe, shouldStop))
    {
        if (shouldStop && shouldStop())
            break;

        ++result.portsProbed;
        auto probe = probeComfyUI (client, config.getBaseUrlForPort (port), probeTimeoutSeconds, config.getAuthHeaders(), config.caFile);

        if (probe.reachedComfyUI)
        {
            result.port = port;
            result.probe = std::move (probe);
            break;
        }
    }

    return result;
}

} // namespace comfybridge
