/*
    FakeComfyUI — an in-process stand-in for a ComfyUI server (aiohttp), faithful to
    /work/shared/reference/comfyui-api.md §1–§4.3 for the routes it implements.
*/

#pragma once

#include "TestHttpServer.h"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace TestHelpers
{

/** One frame a WebSocket client sent to FakeComfyUI (control frames included). */
struct WsFrame
{
    std::string sid;         /**< The session it arrived on. */
    int opcode = 0;          /**< 1 text, 2 binary, 0 continuation, 8 close, 9 ping, 10 pong. */
    bool fin = true;         /**< FIN bit. */
    bool wasMasked = false;  /**< Clients must mask every frame; an unmasked one also ends the session (1002). */
    std::string payload;     /**< Unmasked payload. */
};

/**
    A fake ComfyUI built on TestHttpServer (127.0.0.1 only).

    Built-in routes (each also answers under /api/... unless legacy mode is on):
      GET  /system_stats        200 {"system":{...},"devices":[{...}]}
      GET  /prompt              200 {"exec_info":{"queue_remaining":N}}
      POST /prompt              200 {"prompt_id","number","node_errors"} / 400 no_prompt, or ComfyUI's validation
                                errors against objectInfo() (see PromptValidation.h) / 500 on bad JSON
      GET  /queue               200 {"queue_running":[...],"queue_pending":[...]}
      GET  /object_info         200 {ClassName: info} (a realistic v0.3.64 subset, see objectInfo())
      GET  /object_info/{class} 200 {ClassName: info}, or {} for an unknown class
      GET  /models              200 folder names (without "configs" and "custom_nodes")
      GET  /models/{folder}     200 file names, or 404 with an empty body for an unknown folder
      GET  /experiment/models   200 [{"name","folders":[absolute paths]}] (404 in legacy mode: it is from 2024-09)
      GET  /userdata/{file}     raw bytes / 404 (empty body) when absent
      POST /userdata/{file}     ?overwrite=true|false (default true) stores the raw body → 200 JSON string
                                of the relative path (?full_info=true: {path,size,modified,created});
                                409 "File already exists"; 400 bad name; 403 when the path escapes
      DELETE /userdata/{file}   204 / 404
      POST /upload/image        multipart form (image = the file, type, subfolder, overwrite) stores the file in
                                the input directory (see inputFile()) → {"name","subfolder","type"}; the same
                                name with other bytes becomes "name (1).ext", identical bytes keep the name
                                (as server.py's image_upload does); 400 without a file; 413 above maxUploadBytes.
    {file} is one path segment ("workflows%2Fa.json"); a value still holding '%' after the
    router's decoding is decoded again, as ComfyUI does, so double encoding works too.
    Unknown path → 404 "404: Not Found"; known path, wrong method → 405 (both plain text, no CORS headers).

    Security middleware as in ComfyUI: by default the origin check (Sec-Fetch-Site: cross-site
    → 403; loopback Host whose host[:port] differs from Origin's → 403; both with an empty body;
    OPTIONS → 200 empty). With setCorsOrigin("...") the CORS middleware replaces it.

    WebSocket (§5): GET /ws?clientId=ID (and /api/ws) does the server side of the RFC 6455
    handshake (400 for a bad upgrade request; the origin check above applies, so a mismatched
    Origin gets 403), assigns sid = clientId or a new uuid hex (a second socket with the same
    clientId takes over the sid, as in ComfyUI), sends {"type":"status",...,"sid":...} first,
    then reads the client's frames (recorded, see receivedWsFrames()), answers ping and close
    and replies to feature_flags. Tests push events with sendToClient() and friends; setQueue()
    and setQueueItems() broadcast a status event.

    Optional reverse-proxy style auth: setRequiredBearerToken() makes every request (the /ws
    handshake and OPTIONS included) answer 401 without "Authorization: Bearer <token>".
    authorizationHeaders() tells what each request carried.

    Extend or override behaviour with setRoute(): patterns are paths whose "{name}" segments
    match one path segment and end up URL-decoded in Request::pathParams. Every method is
    thread-safe, so tests can flip modes while a client is talking to the server.
*/
class FakeComfyUI
{
public:
    /** A route handler; runs on a server thread, so it must be thread-safe. */
    using RouteHandler = std::function<Response (const Request&)>;

    /** Creates a stopped server with the built-in routes and the default (v0.3.64-like) state. */
    FakeComfyUI();

    /** Stops the server. */
    ~FakeComfyUI();

    FakeComfyUI (const FakeComfyUI&) = delete;
    FakeComfyUI& operator= (const FakeComfyUI&) = delete;

    //==============================================================================
    /** Starts listening on 127.0.0.1:port (0 = ephemeral). */
    bool start (int port = 0);

    /** Closes the listener and all connections promptly; joins threads. */
    void stop();

    /** stop() + start() on the same port; state (routes, modes, queue) is kept. */
    bool restart();

    /** True while serving. */
    bool isRunning() const;

    /** The bound port (kept after stop()). */
    int port() const;

    /** "http://127.0.0.1:PORT". */
    std::string baseUrl() const;

    //==============================================================================
    /** Every request received (oldest first), including ones that got 403/404. */
    std::vector<Request> requests() const;

    /** Number of requests received. */
    std::size_t requestCount() const;

    /** The most recent request (default Request if none). */
    Request lastRequest() const;

    /** Forgets the request log. */
    void clearRequests();

    /** Blocks until at least `count` requests were received or the timeout passes. */
    bool waitForRequests (std::size_t count, int timeoutMs) const;

    /** The underlying server, e.g. for connectionCount(). */
    TestHttpServer& server();

    //==============================================================================
    /** Delays every response by this many ms (0 = off). */
    void setDelayMs (int delayMs);

    /** When true, every request is read and then never answered (socket held open). */
    void setHang (bool shouldHang);

    /** Pre-2024-06 server: no /api/... aliases (they 404) and system_stats lacks
        comfyui_version, pytorch_version, argv, ram_total and ram_free.
    */
    void setLegacy (bool isLegacy);

    /** system.comfyui_version (default "0.3.64"); an empty string omits the field (pre-2024-08). */
    void setVersion (const std::string& version);

    /** Enables/disables the Host-vs-Origin check of the default middleware (default on). */
    void setOriginCheck (bool enabled);

    /** Enables/disables the "Sec-Fetch-Site: cross-site → 403" check (default on, as 2026 builds). */
    void setSecFetchSiteCheck (bool enabled);

    /** Switches to CORS mode (like --enable-cors-header ORIGIN; "*" for the bare flag).
        An empty string switches back to the default origin-check mode.
    */
    void setCorsOrigin (const std::string& allowedOrigin);

    /** Fills the queue with `running` and `pending` fake items. Running items get numbers
        0..running-1 and ids "a0000000-0000-4000-8000-00000000000i"; pending get the following
        numbers and ids starting "b0000000-". Pending is emitted in heap order (not sorted),
        as the real server does.
    */
    void setQueue (int running, int pending);

    /** Sets the queue items verbatim (each a 5-element array). */
    void setQueueItems (const nlohmann::json& running, const nlohmann::json& pending);

    /** running + pending, as reported by GET /prompt. */
    int queueRemaining() const;

    /** The JSON bodies of every POST /prompt that was accepted (200), oldest first. */
    std::vector<nlohmann::json> postedPrompts() const;

    /** The system_stats document currently served (reflects version/legacy settings). */
    nlohmann::json systemStats() const;

    //==============================================================================
    /** The object_info document currently served: the default node classes (EmptyImage,
        SaveImage, PreviewImage, ImageInvert, CheckpointLoaderSimple, CLIPTextEncode,
        EmptyLatentImage, KSampler, VAEDecode, LoadImage and the V3-style ImageRotate, whose
        "rotation" is ["COMBO", {"options": [...]}] with nulls for unset fields), minus
        removed ones, plus setNodeClass() additions. CheckpointLoaderSimple's ckpt_name
        choices are the current "checkpoints" listing.
    */
    nlohmann::json objectInfo() const;

    /** Removes a node class from object_info (as if its custom node were not installed). */
    void removeNodeClass (const std::string& className);

    /** Adds or replaces a node class's info verbatim. */
    void setNodeClass (const std::string& className, const nlohmann::json& info);

    /** Restores the default node classes. */
    void resetNodeClasses();

    /** Sets the files listed for a model folder (creating the folder if it is new).
        The default: "checkpoints" holds "v1-5-pruned-emaonly-fp16.safetensors" (the
        bundled txt2img's checkpoint) and "stable_audio_open_1.0.safetensors",
        "text_encoders" holds "t5_base.safetensors" (the bundled audio_sao_* models);
        loras, vae, diffusion_models, clip_vision, embeddings, controlnet and
        upscale_models are empty.
    */
    void setModelFiles (const std::string& folder, const std::vector<std::string>& names);

    /** The files currently listed for a folder (from its directory when one is set). */
    std::vector<std::string> modelFiles (const std::string& folder) const;

    /** Removes a model folder: /models/{folder} then answers 404. */
    void removeModelFolder (const std::string& folder);

    /** Points a model folder at a real directory: /experiment/models reports it, and
        /models/{folder} (and the checkpoint combo) list the regular files in it,
        recursively, relative, with "/" separators, ignoring "*.part" files. An empty
        path goes back to the setModelFiles() list. Default paths are "/opt/ComfyUI/models/<folder>".
    */
    void setModelFolderPath (const std::string& folder, const std::string& directory);

    /** A Windows server: model names are listed with "\" separators. */
    void setWindowsPaths (bool windows);

    //==============================================================================
    /** A stored userdata file (path relative to the user's folder, "/" separators), if present. */
    std::optional<std::string> userdataFile (const std::string& path) const;

    /** Stores a userdata file directly (as if the user had saved it). */
    void setUserdataFile (const std::string& path, const std::string& bytes);

    /** Deletes a userdata file directly. */
    void removeUserdataFile (const std::string& path);

    /** Every stored userdata file. */
    std::map<std::string, std::string> userdataFiles() const;

    //==============================================================================
    /** An uploaded (input directory) file by its path relative to the input directory, e.g.
        "comfybridge/a.wav", if present.
    */
    std::optional<std::string> inputFile (const std::string& path) const;

    /** Stores an input file directly (as if it had been uploaded). */
    void setInputFile (const std::string& path, const std::string& bytes);

    /** The paths of every input file. LoadAudio's combo in object_info lists only those at the
        top level with an audio or video extension, sorted, as ComfyUI's os.listdir does.
    */
    std::set<std::string> inputFileNames() const;

    /** The largest upload accepted (ComfyUI's --max-upload-size, default 100 MB); larger → 413. */
    void setMaxUploadBytes (std::size_t bytes);

    //==============================================================================
    /** Requires "Authorization: Bearer <token>" on every request (401 otherwise), as a
        reverse proxy in front of ComfyUI would; an empty token switches this off.
    */
    void setRequiredBearerToken (const std::string& token);

    /** The Authorization header of every request received ("" when absent), oldest first
        (the same order as requests()).
    */
    std::vector<std::string> authorizationHeaders() const;

    //==============================================================================
    /** Adds or replaces the route (method, pattern), e.g. setRoute ("GET", "/history/{prompt_id}", h).
        Patterns are registered without the /api prefix; the alias is automatic. A pattern that
        itself starts with "/api/" (e.g. the jobs API) only answers there.
    */
    void setRoute (const std::string& method, const std::string& pattern, RouteHandler handler);

    /** Removes a route; afterwards the path 404s (or 405s if other methods remain). */
    void removeRoute (const std::string& method, const std::string& pattern);

    /** Restores the built-in routes, dropping overrides and additions. */
    void resetRoutes();

    //==============================================================================
    /** Queues a text frame for the session `sid`; false if no such session. */
    bool sendToClient (const std::string& sid, const std::string& jsonText);

    /** Queues a text frame for every session; returns how many got it. */
    int broadcast (const std::string& jsonText);

    /** Queues a binary frame (e.g. a WebSocket::previewImageFrame()) for `sid`. */
    bool sendBinaryToClient (const std::string& sid, const std::string& bytes);

    /** Queues bytes verbatim (see WebSocketTestSupport.h for broken or oversized frames). */
    bool sendRawToClient (const std::string& sid, const std::string& rawBytes);

    /** Ends the session: with `politely`, a close frame (1000) first and up to a second
        for the client's answer; otherwise the TCP connection just closes. False if no such session.
    */
    bool disconnectClient (const std::string& sid, bool politely = true);

    /** The sids of the current sessions. */
    std::vector<std::string> wsClientIds() const;

    /** Waits until a session with `sid` exists (an empty sid: any session). */
    bool waitForWsClient (const std::string& sid, int timeoutMs) const;

    /** Waits until no session with `sid` exists any more. */
    bool waitForWsClientGone (const std::string& sid, int timeoutMs) const;

    /** Every frame the clients sent, oldest first. */
    std::vector<WsFrame> receivedWsFrames() const;

    /** Waits until at least `count` client frames were received. */
    bool waitForWsFrames (std::size_t count, int timeoutMs) const;

    /** Forgets the received frames. */
    void clearWsFrames();

    //==============================================================================
    /** An aiohttp-style json_response. */
    static Response jsonResponse (const nlohmann::json& body, int status = 200);

    /** aiohttp's plain-text 404 "404: Not Found". */
    static Response notFound();

    /** A random lowercase hyphenated UUID v4. */
    static std::string makeUuid();

private:
    struct Route
    {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;
        RouteHandler handler;
    };

    Response dispatch (const Request& request);
    Response route (const Request& request);
    bool isBlockedByOriginCheck (const Request& request) const;
    void installDefaultRoutes();
    void addCorsHeaders (Response& response) const;

    Response handleSystemStats (const Request&);
    Response handleGetPrompt (const Request&);
    Response handlePostPrompt (const Request&);
    Response handleGetQueue (const Request&);
    Response handleWebSocket (const Request&);
    Response handleObjectInfo (const Request&);
    Response handleObjectInfoClass (const Request&);
    Response handleModelFolders (const Request&);
    Response handleModelFiles (const Request&);
    Response handleExperimentModels (const Request&);
    Response handleGetUserdata (const Request&);
    Response handlePostUserdata (const Request&);
    Response handleDeleteUserdata (const Request&);
    Response handleUploadImage (const Request&);            // FakeComfyUIUploads.cpp
    static void addAudioNodeClasses (nlohmann::json& classes); // FakeComfyUIUploads.cpp
    void listAudioInputs (nlohmann::json& info) const;       // stateMutex held; FakeComfyUIUploads.cpp

    struct ModelFolder
    {
        std::string name;
        std::vector<std::string> files;
        std::string directory;   // a real directory to list instead of files, when set
    };

    std::vector<std::string> listModelFolder (const ModelFolder& folder, bool windows) const;
    nlohmann::json objectInfoLocked() const;   // stateMutex held

    struct WsSession;
    void runWsSession (TakenConnection& connection, const std::string& key, const std::string& requestedSid);
    bool queueForClient (const std::string& sid, const std::string& bytes, bool closeAfter, bool politely);
    void recordWsFrame (WsFrame frame);

    mutable std::mutex stateMutex;
    std::vector<Route> routes;
    int delayMs = 0;
    bool hang = false;
    bool legacy = false;
    std::string version = "0.3.64";
    bool originCheck = true;
    bool secFetchSiteCheck = true;
    std::string corsOrigin;
    nlohmann::json queueRunning = nlohmann::json::array();
    nlohmann::json queuePending = nlohmann::json::array();
    long long nextNumber = 0;
    std::vector<nlohmann::json> acceptedPrompts;
    nlohmann::json nodeClasses;
    std::vector<ModelFolder> modelFolders;
    bool windowsPaths = false;
    std::map<std::string, std::string> userdata;
    std::map<std::string, std::string> inputFiles;           // input directory: relative path → bytes
    std::size_t maxUploadBytes = 100u << 20;
    std::string requiredBearerToken;

    mutable std::mutex wsMutex;                  // guards the two members below
    mutable std::condition_variable wsChanged;
    std::map<std::string, std::shared_ptr<WsSession>> wsSessions;
    std::vector<WsFrame> wsFrames;

    TestHttpServer httpServer;   // last: destroyed (stopped) first, before the state it uses
};

} // namespace TestHelpers
