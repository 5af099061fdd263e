#include "FakeComfyUI.h"
#include "WebSocketTestSupport.h"
#include "PromptValidation.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <stdexcept>

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

    bool headerHasToken (const std::string& value, const std::string& token)
    {
        std::size_t start = 0;

        while (start <= value.size())
        {
            auto comma = value.find (',', start);

            if (comma == std::string::npos)
                comma = value.size();

            auto item = value.substr (start, comma - start);
            item.erase (0, item.find_first_not_of (" \t"));
            item.erase (item.find_last_not_of (" \t") + 1);

            if (toLower (item) == toLower (token))
                return true;

            start = comma + 1;
        }

        return false;
    }

    /** ComfyUI's status event; the sid is only included in the first one of a session. */
    std::string statusEvent (int queueRemaining, const std::string& sid)
    {
        nlohmann::ordered_json data;
        data["status"] = { { "exec_info", { { "queue_remaining", queueRemaining } } } };

        if (! sid.empty())
            data["sid"] = sid;

        nlohmann::ordered_json event;
        event["type"] = "status";
        event["data"] = data;
        return event.dump();
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

    //==============================================================================
    using Json = nlohmann::json;

    /** Input specs in the server's order (a Json object would sort them by name). */
    using Fields = std::vector<std::pair<std::string, Json>>;

    Json nodeInfo (const std::string& name, const std::string& displayName, const std::string& category,
                   const Fields& required, const Fields& hidden, Json outputs, bool outputNode, const std::string& description)
    {
        Json input = Json::object();
        Json order = Json::object();

        for (const auto* section : { "required", "hidden" })
        {
            const auto& fields = std::string (section) == "required" ? required : hidden;

            if (fields.empty() && std::string (section) == "hidden")
                continue;

            input[section] = Json::object();
            order[section] = Json::array();

            // input_order is what carries the order: ComfyUI's own object_info sends it since 2024.
            for (const auto& [key, spec] : fields)
            {
                input[section][key] = spec;
                order[section].push_back (key);
            }
        }

        return { { "input", input },
                 { "input_order", order },
                 { "output", outputs },
                 { "output_is_list", Json::array() },
                 { "output_name", outputs },
                 { "name", name },
                 { "display_name", displayName },
                 { "description", description },
                 { "python_module", "nodes" },
                 { "category", category },
                 { "output_node", outputNode } };
    }

    Json withListFlags (Json info)
    {
        for (std::size_t i = 0; i < info["output"].size(); ++i)
            info["output_is_list"].push_back (false);

        return info;
    }

    Json intSpec (long long def, long long min, unsigned long long max, long long step = 1)
    {
        return Json::array ({ "INT", { { "default", def }, { "min", min }, { "max", max }, { "step", step } } });
    }

    Json floatSpec (double def, double min, double max, double step, double round)
    {
        return Json::array ({ "FLOAT", { { "default", def }, { "min", min }, { "max", max }, { "step", step }, { "round", round } } });
    }

    const std::vector<std::string>& samplerNames()
    {
        static const std::vector<std::string> names {
            "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2", "dpm_2",
            "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral", "dpmpp_2s_ancestral_cfg_pp",
            "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde", "dpmpp_2m_sde_gpu",
            "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v", "deis", "res_multistep",
            "res_multistep_cfg_pp", "res_multistep_ancestral", "res_multistep_ancestral_cfg_pp",
            "gradient_estimation", "gradient_estimation_cfg_pp", "er_sde", "seeds_2", "seeds_3", "sa_solver",
            "sa_solver_pece", "ddim", "uni_pc", "uni_pc_bh2"
        };
        return names;
    }

    const std::vector<std::string>& schedulerNames()
    {
        static const std::vector<std::string> names {
            "simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal", "linear_quadratic", "kl_optimal"
        };
        return names;
    }

    /** The default object_info: a v0.3.64-like subset (nodes.py) plus one V3 node. */
    Json defaultNodeClasses()
    {
        const Fields promptHidden { { "prompt", "PROMPT" }, { "extra_pnginfo", "EXTRA_PNGINFO" } };
        Json classes = Json::object();

        classes["EmptyImage"] = withListFlags (nodeInfo ("EmptyImage", "EmptyImage", "image",
            { { "width", intSpec (512, 1, 16384) },
              { "height", intSpec (512, 1, 16384) },
              { "batch_size", intSpec (1, 1, 4096) },
              { "color", Json::array ({ "INT", { { "default", 0 }, { "min", 0 }, { "max", 16777215 }, { "step", 1 }, { "display", "color" } } }) } },
            {}, Json::array ({ "IMAGE" }), false, ""));

        classes["SaveImage"] = withListFlags (nodeInfo ("SaveImage", "Save Image", "image",
            { { "images", Json::array ({ "IMAGE", { { "tooltip", "The images to save." } } }) },
              { "filename_prefix", Json::array ({ "STRING", { { "default", "ComfyUI" }, { "tooltip", "The prefix for the file to save." } } }) } },
            promptHidden, Json::array(), true, "Saves the input images to your ComfyUI output directory."));

        classes["PreviewImage"] = withListFlags (nodeInfo ("PreviewImage", "Preview Image", "image",
            { { "images", Json::array ({ "IMAGE" }) } },
            promptHidden, Json::array(), true, "Saves the input images to your ComfyUI output directory."));

        classes["ImageInvert"] = withListFlags (nodeInfo ("ImageInvert", "Invert Image", "image",
            { { "image", Json::array ({ "IMAGE" }) } },
            {}, Json::array ({ "IMAGE" }), false, ""));

        auto checkpointLoader = withListFlags (nodeInfo ("CheckpointLoaderSimple", "Load Checkpoint", "loaders",
            { { "ckpt_name", Json::array ({ Json::array(), { { "tooltip", "The name of the checkpoint (model) to load." } } }) } },
            {}, Json::array ({ "MODEL", "CLIP", "VAE" }), false,
            "Loads a diffusion model checkpoint, diffusion models are used to denoise latents."));
        checkpointLoader["output_tooltips"] = Json::array ({ "The model used for denoising latents.",
                                                             "The CLIP model used for encoding text prompts.",
                                                             "The VAE model used for encoding and decoding images to and from latent space." });
        classes["CheckpointLoaderSimple"] = checkpointLoader;

        auto textEncode = withListFlags (nodeInfo ("CLIPTextEncode", "CLIP Text Encode (Prompt)", "conditioning",
            { { "text", Json::array ({ "STRING", { { "multiline", true }, { "dynamicPrompts", true }, { "tooltip", "The text to be encoded." } } }) },
              { "clip", Json::array ({ "CLIP", { { "tooltip", "The CLIP model used for encoding the text." } } }) } },
            {}, Json::array ({ "CONDITIONING" }), false,
            "Encodes a text prompt using a CLIP model into an embedding that can be used to guide the diffusion model towards generating specific images."));
        classes["CLIPTextEncode"] = textEncode;

        classes["EmptyLatentImage"] = withListFlags (nodeInfo ("EmptyLatentImage", "Empty Latent Image", "latent",
            { { "width", intSpec (512, 16, 16384, 8) },
              { "height", intSpec (512, 16, 16384, 8) },
              { "batch_size", intSpec (1, 1, 4096) } },
            {}, Json::array ({ "LATENT" }), false, "Create a new batch of empty latent images to be denoised via sampling."));

        Json seed = intSpec (0, 0, 18446744073709551615ULL);
        seed[1]["control_after_generate"] = true;

        classes["KSampler"] = withListFlags (nodeInfo ("KSampler", "KSampler", "sampling",
            { { "model", Json::array ({ "MODEL" }) },
              { "seed", seed },
              { "steps", intSpec (20, 1, 10000) },
              { "cfg", floatSpec (8.0, 0.0, 100.0, 0.1, 0.01) },
              { "sampler_name", Json::array ({ samplerNames() }) },
              { "scheduler", Json::array ({ schedulerNames() }) },
              { "positive", Json::array ({ "CONDITIONING" }) },
              { "negative", Json::array ({ "CONDITIONING" }) },
              { "latent_image", Json::array ({ "LATENT" }) },
              { "denoise", floatSpec (1.0, 0.0, 1.0, 0.01, 0.01) } },
            {}, Json::array ({ "LATENT" }), false, "Uses the provided model, positive and negative conditioning to denoise the latent image."));

        classes["VAEDecode"] = withListFlags (nodeInfo ("VAEDecode", "VAE Decode", "latent",
            { { "samples", Json::array ({ "LATENT" }) }, { "vae", Json::array ({ "VAE" }) } },
            {}, Json::array ({ "IMAGE" }), false, "Decodes latent images back into pixel space images."));

        classes["LoadImage"] = withListFlags (nodeInfo ("LoadImage", "Load Image", "image",
            { { "image", Json::array ({ Json::array ({ "example.png" }), { { "image_upload", true } } }) } },
            {}, Json::array ({ "IMAGE", "MASK" }), false, ""));

        // A V3 (comfy_api) node: "COMBO" with the options in the dict, nulls for unset fields.
        classes["ImageRotate"] = {
            { "input", { { "required", {
                  { "image", Json::array ({ "IMAGE", Json::object() }) },
                  { "rotation", Json::array ({ "COMBO", { { "multiselect", false },
                                                          { "options", Json::array ({ "none", "90 degrees", "180 degrees", "270 degrees" }) },
                                                          { "default", nullptr },
                                                          { "tooltip", nullptr } } }) } } } } },
            { "input_order", { { "required", Json::array ({ "image", "rotation" }) } } },
            { "output", Json::array ({ "IMAGE" }) },
            { "output_is_list", Json::array ({ false }) },
            { "output_name", Json::array ({ "IMAGE" }) },
            { "output_tooltips", Json::array ({ nullptr }) },
            { "name", "ImageRotate" },
            { "display_name", nullptr },
            { "description", "" },
            { "python_module", "comfy_extras.nodes_images" },
            { "category", "image/transform" },
            { "output_node", false },
            { "deprecated", false },
            { "experimental", false },
            { "api_node", false } };

        return classes;
    }

    const char* const defaultCheckpoint = "v1-5-pruned-emaonly-fp16.safetensors";
    const char* const stableAudioCheckpoint = "stable_audio_open_1.0.safetensors";
    const char* const stableAudioTextEncoder = "t5_base.safetensors";

    /** ComfyUI's user_manager path rules: a value still holding '%' is unquoted again;
        the result must stay inside the user's folder (403), and must name something (400).
    */
    int userdataPath (const std::string& param, std::string& relative)
    {
        auto file = param.find ('%') != std::string::npos ? urlDecode (param, false) : param;

        if (file.empty() || file.find ('\0') != std::string::npos)
            return 400;

        if (file.front() == '/' || file.front() == '\\')
            return 403; // os.path.join drops the user folder for an absolute path

        std::vector<std::string> parts;

        for (auto& segment : splitPath (file))
        {
            if (segment.empty() || segment == ".")
                continue;

            if (segment == "..")
            {
                if (parts.empty())
                    return 403;

                parts.pop_back();
                continue;
            }

            parts.push_back (segment);
        }

        if (parts.empty())
            return 400; // the user folder itself is not a file

        relative.clear();

        for (auto& p : parts)
            relative += (relative.empty() ? "" : "/") + p;

        return 0;
    }

    bool endsWith (const std::string& s, const std::string& suffix)
    {
        return s.size() >= suffix.size() && s.compare (s.size() - suffix.size(), suffix.size(), suffix) == 0;
    }
}

//==============================================================================
FakeComfyUI::FakeComfyUI()
    : httpServer ([this] (const Request& r) { return dispatch (r); })
{
    nodeClasses = defaultNodeClasses();
    addAudioNodeClasses (nodeClasses);

    for (const char* name : { "checkpoints", "loras", "vae", "text_encoders", "diffusion_models",
                              "clip_vision", "embeddings", "controlnet", "upscale_models" })
        modelFolders.push_back ({ name, {}, {} });

    // The bundled workflows' models: SD 1.5 for txt2img, Stable Audio Open 1.0 and its T5 for the audio ones.
    modelFolders.front().files = { defaultCheckpoint, stableAudioCheckpoint };
    modelFolders[3].files = { stableAudioTextEncoder };
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
    {
        std::lock_guard<std::mutex> lock (stateMutex);
        queueRunning = running;
        queuePending = pending;
    }

    // ComfyUI sends every socket a status event when the queue changes.
    broadcast (statusEvent (queueRemaining(), {}));
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
        system["required_frontend_version"] = "1.27.10"; // v0.3.64's fields (2025), as the real server sends them
        system["installed_templates_version"] = nullptr;  // null when the templates package is not installed
        system["required_templates_version"] = "0.1.95";
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
    setRoute ("GET",  "/ws",           [this] (const Request& r) { return handleWebSocket (r); });
    setRoute ("GET",  "/object_info",  [this] (const Request& r) { return handleObjectInfo (r); });
    setRoute ("GET",  "/object_info/{node_class}", [this] (const Request& r) { return handleObjectInfoClass (r); });
    setRoute ("GET",  "/models",       [this] (const Request& r) { return handleModelFolders (r); });
    setRoute ("GET",  "/models/{folder}", [this] (const Request& r) { return handleModelFiles (r); });
    setRoute ("GET",  "/experiment/models", [this] (const Request& r) { return handleExperimentModels (r); });
    setRoute ("GET",  "/userdata/{file}", [this] (const Request& r) { return handleGetUserdata (r); });
    setRoute ("POST", "/userdata/{file}", [this] (const Request& r) { return handlePostUserdata (r); });
    setRoute ("DELETE", "/userdata/{file}", [this] (const Request& r) { return handleDeleteUserdata (r); });
    setRoute ("POST", "/upload/image", [this] (const Request& r) { return handleUploadImage (r); });
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

        // A reverse proxy in front of ComfyUI checks the token before anything else.
        if (! requiredBearerToken.empty() && request.header ("Authorization") != "Bearer " + requiredBearerToken)
        {
            auto denied = Response::text (401, "401: Unauthorized");
            denied.headers.emplace_back ("WWW-Authenticate", "Bearer");
            denied.delayMs = extraDelay;
            return denied;
        }
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

    // ComfyUI validates the graph against its node classes before queueing it.
    nlohmann::json partialErrors = nlohmann::json::object();
    if (auto refusal = validatePrompt (body["prompt"], objectInfo(), nullptr, &partialErrors, inputFileNames()))
        return jsonResponse (*refusal, 400);

    std::string promptId = makeUuid();

    if (body.contains ("prompt_id"))
        promptId = body["prompt_id"].is_string() ? body["prompt_id"].get<std::string>() : body["prompt_id"].dump();

    {
        std::lock_guard<std::mutex> lock (stateMutex);
        acceptedPrompts.push_back (body);
    }

    return jsonResponse ({ { "prompt_id", promptId }, { "number", number }, { "node_errors", partialErrors } });
}

//==============================================================================
/** One WebSocket session. Only its own connection thread touches the socket;
    other threads queue bytes in `outbox` and wake it through the pipe.
*/
struct FakeComfyUI::WsSession
{
    WsSession()
    {
        if (::pipe (wakePipe) == 0)
            for (auto fd : wakePipe)
                ::fcntl (fd, F_SETFL, ::fcntl (fd, F_GETFL, 0) | O_NONBLOCK);
    }

    ~WsSession()
    {
        for (auto fd : wakePipe)
            if (fd >= 0)
                ::close (fd);
    }

    void wake()
    {
        char byte = 'x';
        [[maybe_unused]] auto ignored = ::write (wakePipe[1], &byte, 1);
    }

    std::string sid;
    int wakePipe[2] = { -1, -1 };

    std::mutex mutex;              // guards the members below
    std::string outbox;            // bytes waiting to be sent, in order
    bool endAfterFlush = false;    // end the session once outbox is sent...
    bool awaitCloseReply = false;  // ...after waiting (up to 1 s) for the client's close frame
};

Response FakeComfyUI::handleWebSocket (const Request& request)
{
    // aiohttp's WebSocketResponse.prepare() checks, in this order.
    auto upgrade = request.header ("Upgrade");

    if (toLower (upgrade) != "websocket" || ! headerHasToken (request.header ("Connection"), "upgrade"))
        return Response::text (400, "No WebSocket UPGRADE hdr: " + upgrade + "\n Can \"Upgrade\" only to \"WebSocket\".");

    if (request.header ("Sec-WebSocket-Version") != "13")
        return Response::text (400, "Unsupported version: " + request.header ("Sec-WebSocket-Version"));

    auto key = request.header ("Sec-WebSocket-Key");
    std::string nonce;

    if (! WebSocket::base64Decode (key, nonce) || nonce.size() != 16)
        return Response::text (400, "Handshake error: " + key);

    auto sid = request.param ("clientId");
    return Response::takingOver ([this, key, sid] (TakenConnection& connection) { runWsSession (connection, key, sid); });
}

void FakeComfyUI::runWsSession (TakenConnection& connection, const std::string& key, const std::string& requestedSid)
{
    using namespace WebSocket;

    auto session = std::make_shared<WsSession>();

    if (requestedSid.empty())
    {
        session->sid = makeUuid();
        session->sid.erase (std::remove (session->sid.begin(), session->sid.end(), '-'), session->sid.end());
    }
    else
    {
        session->sid = requestedSid;
    }

    const auto& sid = session->sid;

    // The answer and the first event are queued before the session is visible, so
    // anything a test sends afterwards arrives after them.
    session->outbox = "HTTP/1.1 101 Switching Protocols\r\n"
                      "Upgrade: websocket\r\n"
                      "Connection: upgrade\r\n"
                      "Sec-WebSocket-Accept: " + acceptKeyFor (key) + "\r\n"
                      "Server: " + std::string (serverHeader) + "\r\n\r\n"
                    + encodeFrame (text, statusEvent (queueRemaining(), sid));

    {
        // Like ComfyUI: the newer socket with this sid gets the events; the older one stays open, unused.
        std::lock_guard<std::mutex> lock (wsMutex);
        wsSessions[sid] = session;
    }

    wsChanged.notify_all();

    // Deregisters however the session ends (unless a newer socket took the sid).
    struct Deregister
    {
        FakeComfyUI& owner;
        std::shared_ptr<WsSession> session;

        ~Deregister()
        {
            {
                std::lock_guard<std::mutex> lock (owner.wsMutex);
                auto it = owner.wsSessions.find (session->sid);

                if (it != owner.wsSessions.end() && it->second == session)
                    owner.wsSessions.erase (it);
            }

            owner.wsChanged.notify_all();
        }
    } deregister { *this, session };

    auto inbound = connection.takeUnreadInput();
    bool closeSentByUs = false;
    auto closeDeadline = std::chrono::steady_clock::now();

    for (;;)
    {
        bool endNow = false;
        std::size_t offset = 0;
        Frame frame;

        while (! endNow)
        {
            auto decoded = decodeFrame (inbound, offset, frame);

            if (decoded == Decoded::needMore)
                break;

            if (decoded == Decoded::invalid)
            {
                endNow = true;
                break;
            }

            recordWsFrame ({ sid, frame.opcode, frame.fin, frame.masked, frame.payload });
            std::lock_guard<std::mutex> lock (session->mutex);

            if (! frame.masked)
            {
                // RFC 6455 §5.1: the server must fail the connection on an unmasked client frame.
                session->outbox += encodeFrame (close, closePayload (1002, "unmasked client frame"));
                session->endAfterFlush = true;
                session->awaitCloseReply = false;
            }
            else if (frame.opcode == ping)
            {
                session->outbox += encodeFrame (pong, frame.payload);
            }
            else if (frame.opcode == close)
            {
                if (closeSentByUs)
                {
                    endNow = true;
                }
                else
                {
                    session->outbox += encodeFrame (close, frame.payload.substr (0, 2));
                    session->endAfterFlush = true;
                    session->awaitCloseReply = false;
                }
            }
            else if (frame.opcode == text)
            {
                auto message = nlohmann::json::parse (frame.payload, nullptr, false);

                if (message.is_object() && message.contains ("type") && message["type"] == "feature_flags")
                {
                    nlohmann::json reply = { { "type", "feature_flags" },
                                             { "data", { { "supports_preview_metadata", true },
                                                         { "max_upload_size", 104857600 } } } };
                    session->outbox += encodeFrame (text, reply.dump());
                }
            }
        }

        inbound.erase (0, offset);
        bool wantWrite = false, finished = false;

        {
            std::lock_guard<std::mutex> lock (session->mutex);

            if (! session->outbox.empty())
            {
                auto sent = ::send (connection.fd(), session->outbox.data(), session->outbox.size(), MSG_NOSIGNAL);

                if (sent > 0)
                    session->outbox.erase (0, (std::size_t) sent);
                else if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                    endNow = true;
            }

            wantWrite = ! session->outbox.empty();

            if (! wantWrite && session->endAfterFlush)
            {
                if (! session->awaitCloseReply)
                {
                    finished = true;
                }
                else if (! closeSentByUs)
                {
                    closeSentByUs = true;
                    closeDeadline = std::chrono::steady_clock::now() + std::chrono::seconds (1);
                }
            }
        }

        if (endNow || finished)
            break;

        int timeoutMs = -1;

        if (closeSentByUs)
        {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds> (closeDeadline - std::chrono::steady_clock::now()).count();

            if (left <= 0)
                break;

            timeoutMs = (int) left;
        }

        pollfd fds[3] = { { connection.fd(), (short) (POLLIN | (wantWrite ? POLLOUT : 0)), 0 },
                          { session->wakePipe[0], POLLIN, 0 },
                          { connection.stopFd(), POLLIN, 0 } };

        if (::poll (fds, 3, timeoutMs) < 0 && errno != EINTR)
            break;

        if (fds[2].revents != 0)
            break;

        if (fds[1].revents != 0)
        {
            char scratch[64];

            while (::read (session->wakePipe[0], scratch, sizeof (scratch)) > 0)
            {
            }
        }

        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && connection.receive (inbound, 0) < 0)
            break;
    }
}

void FakeComfyUI::recordWsFrame (WsFrame frame)
{
    {
        std::lock_guard<std::mutex> lock (wsMutex);
        wsFrames.push_back (std::move (frame));
    }

    wsChanged.notify_all();
}

bool FakeComfyUI::queueForClient (const std::string& sid, const std::string& bytes, bool closeAfter, bool politely)
{
    std::shared_ptr<WsSession> session;

    {
        std::lock_guard<std::mutex> lock (wsMutex);
        auto it = wsSessions.find (sid);

        if (it == wsSessions.end())
            return false;

        session = it->second;
    }

    {
        std::lock_guard<std::mutex> lock (session->mutex);
        session->outbox += bytes;

        if (closeAfter)
        {
            session->endAfterFlush = true;
            session->awaitCloseReply = politely;
        }
    }

    session->wake();
    return true;
}

bool FakeComfyUI::sendToClient (const std::string& sid, const std::string& jsonText)
{
    return queueForClient (sid, WebSocket::encodeFrame (WebSocket::text, jsonText), false, false);
}

int FakeComfyUI::broadcast (const std::string& jsonText)
{
    int sent = 0;

    for (auto& sid : wsClientIds())
        if (sendToClient (sid, jsonText))
            ++sent;

    return sent;
}

bool FakeComfyUI::sendBinaryToClient (const std::string& sid, const std::string& bytes)
{
    return queueForClient (sid, WebSocket::encodeFrame (WebSocket::binary, bytes), false, false);
}

bool FakeComfyUI::sendRawToClient (const std::string& sid, const std::string& rawBytes)
{
    return queueForClient (sid, rawBytes, false, false);
}

bool FakeComfyUI::disconnectClient (const std::string& sid, bool politely)
{
    auto closeFrame = politely ? WebSocket::encodeFrame (WebSocket::close, WebSocket::closePayload (1000)) : std::string();
    return queueForClient (sid, closeFrame, true, politely);
}

std::vector<std::string> FakeComfyUI::wsClientIds() const
{
    std::lock_guard<std::mutex> lock (wsMutex);
    std::vector<std::string> ids;

    for (auto& entry : wsSessions)
        ids.push_back (entry.first);

    return ids;
}

bool FakeComfyUI::waitForWsClient (const std::string& sid, int timeoutMs) const
{
    std::unique_lock<std::mutex> lock (wsMutex);
    return wsChanged.wait_for (lock, std::chrono::milliseconds (timeoutMs), [&]
    {
        return sid.empty() ? ! wsSessions.empty() : wsSessions.count (sid) > 0;
    });
}

bool FakeComfyUI::waitForWsClientGone (const std::string& sid, int timeoutMs) const
{
    std::unique_lock<std::mutex> lock (wsMutex);
    return wsChanged.wait_for (lock, std::chrono::milliseconds (timeoutMs), [&] { return wsSessions.count (sid) == 0; });
}

std::vector<WsFrame> FakeComfyUI::receivedWsFrames() const
{
    std::lock_guard<std::mutex> lock (wsMutex);
    return wsFrames;
}

bool FakeComfyUI::waitForWsFrames (std::size_t count, int timeoutMs) const
{
    std::unique_lock<std::mutex> lock (wsMutex);
    return wsChanged.wait_for (lock, std::chrono::milliseconds (timeoutMs), [&] { return wsFrames.size() >= count; });
}

void FakeComfyUI::clearWsFrames()
{
    std::lock_guard<std::mutex> lock (wsMutex);
    wsFrames.clear();
}

//==============================================================================
// Nodes and models (reference §4.5)

std::vector<std::string> FakeComfyUI::listModelFolder (const ModelFolder& folder, bool windows) const
{
    std::vector<std::string> names;

    if (folder.directory.empty())
    {
        names = folder.files;
    }
    else
    {
        namespace fs = std::filesystem;
        std::error_code error;
        const fs::path root (folder.directory);

        for (fs::recursive_directory_iterator it (root, fs::directory_options::skip_permission_denied, error), end;
             ! error && it != end; it.increment (error))
        {
            std::error_code typeError;

            if (! it->is_regular_file (typeError))
                continue;

            auto relative = it->path().lexically_relative (root).generic_string();

            if (! endsWith (relative, ".part"))
                names.push_back (relative);
        }

        std::sort (names.begin(), names.end());
    }

    if (windows)
        for (auto& name : names)
            std::replace (name.begin(), name.end(), '/', '\\');

    return names;
}

nlohmann::json FakeComfyUI::objectInfoLocked() const
{
    auto info = nodeClasses;
    auto loader = info.find ("CheckpointLoaderSimple");

    // The checkpoint combo lists what /models/checkpoints lists, as in ComfyUI.
    if (loader != info.end() && loader->is_object())
    {
        auto& spec = (*loader)["input"]["required"]["ckpt_name"];

        if (spec.is_array() && ! spec.empty() && spec[0].is_array())
        {
            auto folder = std::find_if (modelFolders.begin(), modelFolders.end(),
                                        [] (const ModelFolder& f) { return f.name == "checkpoints"; });
            spec[0] = folder != modelFolders.end() ? listModelFolder (*folder, windowsPaths) : std::vector<std::string>();
        }
    }

    listAudioInputs (info);
    return info;
}

nlohmann::json FakeComfyUI::objectInfo() const
{
    std::lock_guard<std::mutex> lock (stateMutex);
    return objectInfoLocked();
}

void FakeComfyUI::removeNodeClass (const std::string& className)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    nodeClasses.erase (className);
}

void FakeComfyUI::setNodeClass (const std::string& className, const nlohmann::json& info)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    nodeClasses[className] = info;
}

void FakeComfyUI::resetNodeClasses()
{
    std::lock_guard<std::mutex> lock (stateMutex);
    nodeClasses = defaultNodeClasses();
    addAudioNodeClasses (nodeClasses);
}

void FakeComfyUI::setModelFiles (const std::string& folder, const std::vector<std::string>& names)
{
    std::lock_guard<std::mutex> lock (stateMutex);

    for (auto& f : modelFolders)
    {
        if (f.name == folder)
        {
            f.files = names;
            return;
        }
    }

    modelFolders.push_back ({ folder, names, {} });
}

std::vector<std::string> FakeComfyUI::modelFiles (const std::string& folder) const
{
    std::lock_guard<std::mutex> lock (stateMutex);

    for (auto& f : modelFolders)
        if (f.name == folder)
            return listModelFolder (f, windowsPaths);

    return {};
}

void FakeComfyUI::removeModelFolder (const std::string& folder)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    modelFolders.erase (std::remove_if (modelFolders.begin(), modelFolders.end(),
                                        [&] (const ModelFolder& f) { return f.name == folder; }),
                        modelFolders.end());
}

void FakeComfyUI::setModelFolderPath (const std::string& folder, const std::string& directory)
{
    std::lock_guard<std::mutex> lock (stateMutex);

    for (auto& f : modelFolders)
    {
        if (f.name == folder)
        {
            f.directory = directory;
            return;
        }
    }

    modelFolders.push_back ({ folder, {}, directory });
}

void FakeComfyUI::setWindowsPaths (bool windows)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    windowsPaths = windows;
}

Response FakeComfyUI::handleObjectInfo (const Request&)
{
    return jsonResponse (objectInfo());
}

Response FakeComfyUI::handleObjectInfoClass (const Request& request)
{
    const auto info = objectInfo();
    const auto name = request.pathParams.at ("node_class");
    const auto found = info.find (name);

    if (found == info.end())
        return jsonResponse (nlohmann::json::object());

    return jsonResponse ({ { name, *found } });
}

Response FakeComfyUI::handleModelFolders (const Request&)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    auto names = nlohmann::json::array();

    for (auto& f : modelFolders)
        names.push_back (f.name);

    return jsonResponse (names);
}

Response FakeComfyUI::handleModelFiles (const Request& request)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    const auto& name = request.pathParams.at ("folder");

    for (auto& f : modelFolders)
        if (f.name == name)
            return jsonResponse (listModelFolder (f, windowsPaths));

    return Response::empty (404); // server.py: web.Response(status=404)
}

Response FakeComfyUI::handleExperimentModels (const Request&)
{
    std::lock_guard<std::mutex> lock (stateMutex);

    if (legacy)
        return notFound(); // model_manager.py arrived after the /api alias

    auto entries = nlohmann::json::array();

    for (auto& f : modelFolders)
    {
        auto path = f.directory.empty() ? "/opt/ComfyUI/models/" + f.name : f.directory;
        entries.push_back ({ { "name", f.name }, { "folders", nlohmann::json::array ({ path }) } });
    }

    return jsonResponse (entries);
}

//==============================================================================
// Userdata (reference §4.6)

std::optional<std::string> FakeComfyUI::userdataFile (const std::string& path) const
{
    std::lock_guard<std::mutex> lock (stateMutex);
    auto it = userdata.find (path);

    if (it == userdata.end())
        return std::nullopt;

    return it->second;
}

void FakeComfyUI::setUserdataFile (const std::string& path, const std::string& bytes)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    userdata[path] = bytes;
}

void FakeComfyUI::removeUserdataFile (const std::string& path)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    userdata.erase (path);
}

std::map<std::string, std::string> FakeComfyUI::userdataFiles() const
{
    std::lock_guard<std::mutex> lock (stateMutex);
    return userdata;
}

Response FakeComfyUI::handleGetUserdata (const Request& request)
{
    std::string path;

    if (auto status = userdataPath (request.pathParams.at ("file"), path))
        return Response::empty (status);

    std::lock_guard<std::mutex> lock (stateMutex);
    auto it = userdata.find (path);

    if (it == userdata.end())
        return Response::empty (404);

    // aiohttp's FileResponse: the raw bytes, type guessed from the extension.
    Response response;
    response.status = 200;
    response.body = it->second;
    response.headers.emplace_back ("Content-Type", endsWith (path, ".json") ? "application/json" : "application/octet-stream");
    return response;
}

Response FakeComfyUI::handlePostUserdata (const Request& request)
{
    std::string path;

    if (auto status = userdataPath (request.pathParams.at ("file"), path))
        return Response::empty (status);

    const bool overwrite = request.queryParams.count ("overwrite") == 0 || request.param ("overwrite") != "false";
    const bool fullInfo = toLower (request.param ("full_info")) == "true";

    std::lock_guard<std::mutex> lock (stateMutex);

    if (! overwrite && userdata.count (path) != 0)
        return Response::text (409, "File already exists");

    userdata[path] = request.body;

    if (! fullInfo)
        return jsonResponse (path);

    const auto now = (double) std::time (nullptr);
    return jsonResponse ({ { "path", path }, { "size", request.body.size() }, { "modified", now }, { "created", now } });
}

Response FakeComfyUI::handleDeleteUserdata (const Request& request)
{
    std::string path;

    if (auto status = userdataPath (request.pathParams.at ("file"), path))
        return Response::empty (status);

    std::lock_guard<std::mutex> lock (stateMutex);

    if (userdata.erase (path) == 0)
        return Response::empty (404);

    return Response::empty (204);
}

//==============================================================================
void FakeComfyUI::setRequiredBearerToken (const std::string& token)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    requiredBearerToken = token;
}

std::vector<std::string> FakeComfyUI::authorizationHeaders() const
{
    std::vector<std::string> values;

    for (auto& r : httpServer.requests())
        values.push_back (r.header ("Authorization"));

    return values;
}

} // namespace TestHelpers
