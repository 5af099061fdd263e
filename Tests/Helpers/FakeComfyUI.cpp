#include "FakeComfyUI.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <random>
#include <stdexcept>

#include <arpa/inet.h>

namespace TestHelpers
{

namespace
{
    const char* const serverHeader = "Python/3.11 aiohttp/3.9.5";

    std::vector<std::string> splitPath (const std::string& path)
    {
        std::vector<std::string> segments;
        std::size_t start = 0;

        while (start <= path.size())
        {
            auto slash = path.find ('/', start);

            if (slash == std::string::npos)
                slash = path.size();

            segments.push_back (path.substr (start, slash - start));
            start = slash + 1;
        }

        return segments;
    }

    bool isParamSegment (const std::string& segment)
    {
        return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
    }

    /** Matches raw path segments against a pattern; fills URL-decoded "{name}" values. */
    bool matchSegments (const std::vector<std::string>& pattern,
                        const std::vector<std::string>& path,
                        std::map<std::string, std::string>& params)
    {
        if (pattern.size() != path.size())
            return false;

        std::map<std::string, std::string> found;

        for (std::size_t i = 0; i < pattern.size(); ++i)
        {
            if (isParamSegment (pattern[i]))
            {
                if (path[i].empty())
                    return false;

                found[pattern[i].substr (1, pattern[i].size() - 2)] = urlDecode (path[i], false);
            }
            else if (pattern[i] != urlDecode (path[i], false))
            {
                return false;
            }
        }

        params = std::move (found);
        return true;
    }

    std::string toLower (std::string s)
    {
        for (auto& c : s)
            c = (char) std::tolower ((unsigned char) c);

        return s;
    }

    /** What Python's urlsplit gives for a netloc: .hostname (lowercase, no brackets/userinfo) and .port. */
    struct NetLocation
    {
        std::string hostname;
        bool hasPort = false;
    };

    NetLocation splitNetLocation (const std::string& netloc)
    {
        NetLocation result;
        auto hostPart = netloc.substr (netloc.rfind ('@') == std::string::npos ? 0 : netloc.rfind ('@') + 1);

        if (! hostPart.empty() && hostPart.front() == '[')
        {
            auto close = hostPart.find (']');
            result.hostname = hostPart.substr (1, close == std::string::npos ? std::string::npos : close - 1);

            if (close != std::string::npos && close + 1 < hostPart.size() && hostPart[close + 1] == ':')
                result.hasPort = close + 2 < hostPart.size();
        }
        else
        {
            auto colon = hostPart.rfind (':');
            result.hostname = hostPart.substr (0, colon);
            result.hasPort = colon != std::string::npos && colon + 1 < hostPart.size();
        }

        result.hostname = toLower (result.hostname);
        return result;
    }

    /** ComfyUI's is_loopback() without DNS: IP literals, plus "localhost" (which resolves only to loopback). */
    bool isLoopbackHost (const std::string& hostname)
    {
        in_addr v4 {};
        in6_addr v6 {};

        if (::inet_pton (AF_INET, hostname.c_str(), &v4) == 1)
            return (ntohl (v4.s_addr) >> 24) == 127;

        if (::inet_pton (AF_INET6, hostname.c_str(), &v6) == 1)
            return IN6_IS_ADDR_LOOPBACK (&v6);

        return hostname == "localhost";
    }

    /** urlparse(origin).netloc: the part after "scheme://" up to the next '/', '?' or '#'. */
    std::string originNetLocation (const std::string& origin)
    {
        auto schemeEnd = origin.find ("://");

        if (schemeEnd == std::string::npos)
            return {};

        auto rest = origin.substr (schemeEnd + 3);
        return rest.substr (0, rest.find_first_of ("/?#"));
    }

    std::string fakeUuid (char prefix, int index)
    {
        char text[40];
        std::snprintf (text, sizeof (text), "%c0000000-0000-4000-8000-%012d", prefix, index);
        return text;
    }

    nlohmann::json fakeQueueItem (int number, const std::string& promptId)
    {
        nlohmann::json prompt = {
            { "1", { { "class_type", "EmptyImage" },
                     { "inputs", { { "width", 64 }, { "height", 64 }, { "batch_size", 1 }, { "color", 0 } } } } },
            { "2", { { "class_type", "SaveImage" },
                     { "inputs", { { "images", { "1", 0 } }, { "filename_prefix", "fake_queue" } } } } }
        };

        return nlohmann::json::array ({ number, promptId, prompt,
                                        { { "client_id", "fake-client" } },
                                        nlohmann::json::array ({ "2" }) });
    }
}

//==============================================================================
FakeComfyUI::FakeComfyUI()
    : httpServer ([this] (const Request& r) { return dispatch (r); })
{
    installDefaultRoutes();
}

FakeComfyUI::~FakeComfyUI()
{
    httpServer.stop();
}

bool FakeComfyUI::start (int port)                  { return httpServer.start (port); }
void FakeComfyUI::stop()                            { httpServer.stop(); }
bool FakeComfyUI::restart()                         { return httpServer.restart(); }
bool FakeComfyUI::isRunning() const                 { return httpServer.isRunning(); }
int FakeComfyUI::port() const                       { return httpServer.port(); }
std::string FakeComfyUI::baseUrl() const            { return httpServer.baseUrl(); }

std::vector<Request> FakeComfyUI::requests() const  { return httpServer.requests(); }
std::size_t FakeComfyUI::requestCount() const       { return httpServer.requestCount(); }
Request FakeComfyUI::lastRequest() const            { return httpServer.lastRequest(); }
void FakeComfyUI::clearRequests()                   { httpServer.clearRequests(); }
TestHttpServer& FakeComfyUI::server()               { return httpServer; }

bool FakeComfyUI::waitForRequests (std::size_t count, int timeoutMs) const
{
    return httpServer.waitForRequests (count, timeoutMs);
}

//==============================================================================
void FakeComfyUI::setDelayMs (int ms)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    delayMs = std::max (0, ms);
}

void FakeComfyUI::setHang (bool shouldHang)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    hang = shouldHang;
}

void FakeComfyUI::setLegacy (bool isLegacy)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    legacy = isLegacy;
}

void FakeComfyUI::setVersion (const std::string& newVersion)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    version = newVersion;
}

void FakeComfyUI::setOriginCheck (bool enabled)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    originCheck = enabled;
}

void FakeComfyUI::setSecFetchSiteCheck (bool enabled)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    secFetchSiteCheck = enabled;
}

void FakeComfyUI::setCorsOrigin (const std::string& allowedOrigin)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    corsOrigin = allowedOrigin;
}

void FakeComfyUI::setQueue (int running, int pending)
{
    auto runningItems = nlohmann::json::array();
    auto pendingItems = nlohmann::json::array();

    for (int i = 0; i < running; ++i)
        runningItems.push_back (fakeQueueItem (i, fakeUuid ('a', i)));

    // Build a real min-heap (Python heapq) from descending pushes, so the order is not sorted.
    std::vector<int> heap;

    for (int i = pending - 1; i >= 0; --i)
    {
        heap.push_back (running + i);
        std::push_heap (heap.begin(), heap.end(), std::greater<int>());
    }

    for (auto number : heap)
        pendingItems.push_back (fakeQueueItem (number, fakeUuid ('b', number - running)));

    setQueueItems (runningItems, pendingItems);
}

void FakeComfyUI::setQueueItems (const nlohmann::json& running, const nlohmann::json& pending)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    queueRunning = running;
    queuePending = pending;
}

int FakeComfyUI::queueRemaining() const
{
    std::lock_guard<std::mutex> lock (stateMutex);
    return (int) (queueRunning.size() + queuePending.size());
}

std::vector<nlohmann::json> FakeComfyUI::postedPrompts() const
{
    std::lock_guard<std::mutex> lock (stateMutex);
    return acceptedPrompts;
}

nlohmann::json FakeComfyUI::systemStats() const
{
    std::lock_guard<std::mutex> lock (stateMutex);

    const long long ramTotal = 34359738368LL;
    const long long ramFree = 21474836480LL;

    nlohmann::json system = {
        { "os", "posix" },
        { "python_version", "3.11.7 (main, Dec  8 2023, 18:56:57) [GCC 12.2.0]" },
        { "embedded_python", false }
    };

    if (! legacy)
    {
        if (! version.empty())
            system["comfyui_version"] = version;

        system["pytorch_version"] = "2.4.0";
        system["argv"] = nlohmann::json::array ({ "main.py" });
        system["ram_total"] = ramTotal;
        system["ram_free"] = ramFree;
    }

    nlohmann::json device = {
        { "name", "cpu" },
        { "type", "cpu" },
        { "index", nullptr },
        { "vram_total", ramTotal },
        { "vram_free", ramFree },
        { "torch_vram_total", ramTotal },
        { "torch_vram_free", ramFree }
    };

    return { { "system", system }, { "devices", nlohmann::json::array ({ device }) } };
}

//==============================================================================
void FakeComfyUI::setRoute (const std::string& method, const std::string& pattern, RouteHandler handler)
{
    std::lock_guard<std::mutex> lock (stateMutex);

    for (auto& r : routes)
    {
        if (r.method == method && r.pattern == pattern)
        {
            r.handler = std::move (handler);
            return;
        }
    }

    routes.push_back ({ method, pattern, splitPath (pattern), std::move (handler) });
}

void FakeComfyUI::removeRoute (const std::string& method, const std::string& pattern)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    routes.erase (std::remove_if (routes.begin(), routes.end(),
                                  [&] (const Route& r) { return r.method == method && r.pattern == pattern; }),
                  routes.end());
}

void FakeComfyUI::resetRoutes()
{
    {
        std::lock_guard<std::mutex> lock (stateMutex);
        routes.clear();
    }

    installDefaultRoutes();
}

void FakeComfyUI::installDefaultRoutes()
{
    setRoute ("GET",  "/system_stats", [this] (const Request& r) { return handleSystemStats (r); });
    setRoute ("GET",  "/prompt",       [this] (const Request& r) { return handleGetPrompt (r); });
    setRoute ("POST", "/prompt",       [this] (const Request& r) { return handlePostPrompt (r); });
    setRoute ("GET",  "/queue",        [this] (const Request& r) { return handleGetQueue (r); });
}

//==============================================================================
Response FakeComfyUI::jsonResponse (const nlohmann::json& body, int status)
{
    return Response::json (status, body.dump());
}

Response FakeComfyUI::notFound()
{
    return Response::text (404, "404: Not Found");
}

std::string FakeComfyUI::makeUuid()
{
    static std::mutex generatorMutex;
    static std::mt19937_64 generator { std::random_device{}() };

    std::uint64_t high, low;

    {
        std::lock_guard<std::mutex> lock (generatorMutex);
        high = generator();
        low = generator();
    }

    high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;   // version 4
    low  = (low  & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant

    char text[40];
    std::snprintf (text, sizeof (text), "%08x-%04x-%04x-%04x-%012llx",
                   (unsigned) (high >> 32), (unsigned) ((high >> 16) & 0xffff), (unsigned) (high & 0xffff),
                   (unsigned) (low >> 48), (unsigned long long) (low & 0xffffffffffffULL));
    return text;
}

//==============================================================================
Response FakeComfyUI::dispatch (const Request& request)
{
    int extraDelay = 0;
    bool corsMode = false;

    {
        std::lock_guard<std::mutex> lock (stateMutex);

        if (hang)
            return Response::withBehaviour (Behaviour::NeverAnswer);

        extraDelay = delayMs;
        corsMode = ! corsOrigin.empty();
    }

    Response response;

    // Exactly one of ComfyUI's two middlewares applies; both short-circuit OPTIONS.
    if (corsMode)
    {
        if (request.method == "OPTIONS")
        {
            response = Response::empty (200);
            addCorsHeaders (response);
        }
        else
        {
            response = route (request);
        }
    }
    else if (isBlockedByOriginCheck (request))
    {
        response = Response::empty (403);
    }
    else
    {
        response = request.method == "OPTIONS" ? Response::empty (200) : route (request);
    }

    response.delayMs += extraDelay;

    if (! response.hasHeader ("Server"))
        response.headers.emplace_back ("Server", serverHeader);

    return response;
}

bool FakeComfyUI::isBlockedByOriginCheck (const Request& request) const
{
    bool checkOrigin, checkSecFetchSite;

    {
        std::lock_guard<std::mutex> lock (stateMutex);
        checkOrigin = originCheck;
        checkSecFetchSite = secFetchSiteCheck;
    }

    if (checkSecFetchSite && request.hasHeader ("Sec-Fetch-Site")
         && request.header ("Sec-Fetch-Site") == "cross-site")
        return true;

    if (! checkOrigin || ! request.hasHeader ("Host") || ! request.hasHeader ("Origin"))
        return false;

    // Mirrors server.py: compare host[:port]; drop the port from one side if the other lacks one.
    auto hostDomain = toLower (request.header ("Host"));
    auto originDomain = toLower (originNetLocation (request.header ("Origin")));
    auto host = splitNetLocation (hostDomain);
    auto origin = splitNetLocation (originDomain);

    bool loopback = isLoopbackHost (host.hostname);

    if (! origin.hasPort)
        hostDomain = host.hostname;

    if (! host.hasPort)
        originDomain = origin.hostname;

    return loopback && ! hostDomain.empty() && ! originDomain.empty() && hostDomain != originDomain;
}

Response FakeComfyUI::route (const Request& request)
{
    bool isLegacy, corsMode;
    std::vector<Route> table;

    {
        std::lock_guard<std::mutex> lock (stateMutex);
        isLegacy = legacy;
        corsMode = ! corsOrigin.empty();
        table = routes;
    }

    auto findMatches = [&table] (const std::string& path)
    {
        std::vector<const Route*> matches;
        auto segments = splitPath (path);
        std::map<std::string, std::string> ignored;

        for (auto& r : table)
            if (matchSegments (r.segments, segments, ignored))
                matches.push_back (&r);

        return matches;
    };

    auto effectivePath = request.path;
    auto matches = findMatches (effectivePath);

    // The /api alias (2024-06+) covers every route except /internal/*.
    if (matches.empty() && ! isLegacy && request.path.rfind ("/api/", 0) == 0
         && request.path.rfind ("/api/internal", 0) != 0)
    {
        effectivePath = request.path.substr (4);
        matches = findMatches (effectivePath);
    }

    if (matches.empty())
        return notFound();

    const Route* chosen = nullptr;
    std::string allowed;

    for (auto* r : matches)
    {
        // aiohttp's add_get() also answers HEAD.
        bool methodMatches = r->method == request.method || (request.method == "HEAD" && r->method == "GET");

        if (chosen == nullptr && methodMatches)
            chosen = r;

        allowed += (allowed.empty() ? "" : ",") + r->method;
    }

    if (chosen == nullptr)
    {
        auto response = Response::text (405, "405: Method Not Allowed");
        response.headers.emplace_back ("Allow", allowed);
        return response;
    }

    Request withParams = request;
    matchSegments (chosen->segments, splitPath (effectivePath), withParams.pathParams);

    Response response;

    try
    {
        response = chosen->handler ? chosen->handler (withParams) : notFound();
    }
    catch (...)
    {
        // aiohttp turns handler crashes (e.g. bad JSON) into this plain-text 500, without CORS headers.
        return Response::text (500, "500 Internal Server Error\n\nServer got itself in trouble");
    }

    if (corsMode)
        addCorsHeaders (response);

    return response;
}

void FakeComfyUI::addCorsHeaders (Response& response) const
{
    std::string origin;

    {
        std::lock_guard<std::mutex> lock (stateMutex);
        origin = corsOrigin;
    }

    response.setHeader ("Access-Control-Allow-Origin", origin);
    response.setHeader ("Access-Control-Allow-Methods", "POST, GET, DELETE, PUT, OPTIONS");
    response.setHeader ("Access-Control-Allow-Headers", "Content-Type, Authorization");
    response.setHeader ("Access-Control-Allow-Credentials", "true");
}

//==============================================================================
Response FakeComfyUI::handleSystemStats (const Request&)
{
    return jsonResponse (systemStats());
}

Response FakeComfyUI::handleGetPrompt (const Request&)
{
    return jsonResponse ({ { "exec_info", { { "queue_remaining", queueRemaining() } } } });
}

Response FakeComfyUI::handleGetQueue (const Request&)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    return jsonResponse ({ { "queue_running", queueRunning }, { "queue_pending", queuePending } });
}

Response FakeComfyUI::handlePostPrompt (const Request& request)
{
    // Throws on invalid JSON, which route() turns into aiohttp's 500, as the real server does.
    auto body = nlohmann::json::parse (request.body);

    if (! body.is_object())
        throw std::runtime_error ("POST /prompt body is not an object");

    nlohmann::json number;

    {
        std::lock_guard<std::mutex> lock (stateMutex);

        // The counter advances even for rejected prompts, like server.py.
        if (body.contains ("number"))
        {
            number = body["number"].get<double>();
        }
        else
        {
            number = body.value ("front", false) ? -nextNumber : nextNumber;
            ++nextNumber;
        }
    }

    if (! body.contains ("prompt"))
    {
        nlohmann::json error = { { "type", "no_prompt" }, { "message", "No prompt provided" },
                                 { "details", "No prompt provided" }, { "extra_info", nlohmann::json::object() } };
        return jsonResponse ({ { "error", error }, { "node_errors", nlohmann::json::object() } }, 400);
    }

    if (! body["prompt"].is_object())
    {
        nlohmann::json error = { { "type", "invalid_prompt" }, { "message", "Invalid prompt" },
                                 { "details", "prompt must be an object keyed by node id" },
                                 { "extra_info", nlohmann::json::object() } };
        return jsonResponse ({ { "error", error }, { "node_errors", nlohmann::json::object() } }, 400);
    }

    std::string promptId = makeUuid();

    if (body.contains ("prompt_id"))
        promptId = body["prompt_id"].is_string() ? body["prompt_id"].get<std::string>() : body["prompt_id"].dump();

    {
        std::lock_guard<std::mutex> lock (stateMutex);
        acceptedPrompts.push_back (body);
    }

    return jsonResponse ({ { "prompt_id", promptId }, { "number", number }, { "node_errors", nlohmann::json::object() } });
}

} // namespace TestHelpers
