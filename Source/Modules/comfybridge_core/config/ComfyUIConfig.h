#pragma once

namespace comfybridge
{

struct ConfigParseResult;

//==============================================================================
/**
    Everything needed to reach a ComfyUI backend and to decide what happens when
    it cannot be reached.

    The nine fields of the original tool keep their JSON keys and defaults
    (host, port, timeout, max_retries, retry_backoff, enable_cors_check,
    auto_download_models, auto_deploy_workflows, fallback_mode); probeTimeout
    is an addition (JSON key "probe_timeout") so that periodic health checks
    notice a hung backend quickly without shortening the connect timeout.

    A config is a plain value: copy it, compare it, validate it. Nothing reads
    an invalid one: every parser returns a ConfigParseResult that holds a
    config only when it validated.
*/
struct ComfyUIConfig
{
    juce::String host { "localhost" };  ///< host name, IPv4 or IPv6 literal (no scheme, port or path)
    int port = 8000;                    ///< 1..65535; ComfyUI Desktop's default is 8000, plain ComfyUI 8188
    double timeout = 30.0;              ///< seconds for one connection try, > 0 and <= 600
    int maxRetries = 3;                 ///< extra tries after the first, 0..100
    double retryBackoff = 2.0;          ///< delay multiplier between tries, 1..10
    bool enableCorsCheck = true;        ///< probe whether the server admits cross-origin requests
    bool autoDownloadModels = true;     ///< fetch missing models named by the bundled workflows
    bool autoDeployWorkflows = true;    ///< store the bundled workflows in the user's ComfyUI library
    FallbackMode fallbackMode = FallbackMode::placeholder; ///< what to do while the backend is unavailable
    double probeTimeout = 3.0;          ///< seconds for one periodic health probe, > 0 and <= 60 (never more than timeout applies)
    bool useTls = false;                ///< https and wss instead of http and ws (curl's certificate checks stay on)
    bool discoverPort = true;           ///< on a loopback host, look for ComfyUI on 8188 and 8000-9000 when the port does not answer
    juce::String modelsFolder;          ///< absolute path of ComfyUI's models folder on this machine; empty = ask the server
    juce::String authToken;             ///< optional bearer token; a secret (see Secrets), never written to plugin state or logs
    juce::String caFile;                ///< absolute path of a PEM file of CA certificates trusted for https/wss; empty = the system's CAs

    /** Whether a conversion writes secret fields (auth_token). Only the user's own
        preferences file and in-memory comparisons include them.
    */
    enum class Secrets { omit, include };

    //==============================================================================
    /** Every problem at once, one human-readable message per bad field naming the
        field and its value. An empty array means the config is valid.
    */
    juce::StringArray validate() const;

    /** True when validate() finds nothing. */
    bool isValid() const { return validate().isEmpty(); }

    /** The probe timeout actually used: probeTimeout, bounded by timeout. */
    double getEffectiveProbeTimeout() const;

    /** The base URL, e.g. "http://localhost:8000" (https with useTls); IPv6 literals get brackets. */
    juce::String getBaseUrl() const;

    /** The same URL for @p otherPort (port discovery tries these). */
    juce::String getBaseUrlForPort (int otherPort) const;

    /** The live channel's URL: ws:// (or wss://) host:port /ws?clientId=@p clientId. */
    juce::String getWebSocketUrl (const juce::String& clientId) const;

    /** The headers every request to the backend carries: Authorization when a token is set. */
    juce::StringPairArray getAuthHeaders() const;

    /** True when host names this machine (localhost, 127.x.x.x, ::1): port
        discovery and using the server's models folder need that.
    */
    bool isLoopbackHost() const;

    //==============================================================================
    /** The config as a JSON object with the snake_case keys (pretty-printed);
        secret fields only with Secrets::include.
    */
    juce::String toJson (Secrets secrets = Secrets::omit) const;

    /** Reads a JSON object on top of @p base: keys that are present replace the
        base values, unknown keys become warnings, wrong types and malformed JSON
        become errors. The result holds a config only if there were no errors and
        the merged config validates; @p base itself is never modified.
    */
    static ConfigParseResult fromJson (const juce::String& jsonText, const ComfyUIConfig& base);

    /** The same, on top of the built-in defaults. */
    static ConfigParseResult fromJson (const juce::String& jsonText);

    /** Reads snake_case key/value text pairs (command-line options, preferences
        files, XML attributes) on top of @p base, with the same rules as fromJson.
    */
    static ConfigParseResult fromText (const juce::StringPairArray& values, const ComfyUIConfig& base);

    /** The same, on top of the built-in defaults. */
    static ConfigParseResult fromText (const juce::StringPairArray& values);

    //==============================================================================
    /** The config as a ValueTree of type "ComfyUIConfig" whose properties use the
        JSON keys; secret fields only with Secrets::include (the plugin's saved
        state never has them).
    */
    juce::ValueTree toValueTree (Secrets secrets = Secrets::omit) const;

    /** Reads a tree written by toValueTree() (also after a trip through XML, where
        every property has become text). Same rules as fromJson.
    */
    static ConfigParseResult fromValueTree (const juce::ValueTree& tree, const ComfyUIConfig& base);

    /** The same, on top of the built-in defaults. */
    static ConfigParseResult fromValueTree (const juce::ValueTree& tree);

    /** The ValueTree type used by toValueTree(). */
    static const juce::Identifier treeType;

    bool operator== (const ComfyUIConfig& other) const;
    bool operator!= (const ComfyUIConfig& other) const { return ! operator== (other); }
};

//==============================================================================
/** What a config parser produced: a validated config, or the reasons there is none. */
struct ConfigParseResult
{
    std::optional<ComfyUIConfig> config; ///< present only when errors is empty
    juce::StringArray errors;            ///< wrong types, malformed input, failed validation
    juce::StringArray warnings;          ///< e.g. unknown keys that were ignored

    /** True when a config was produced. */
    bool ok() const noexcept { return config.has_value(); }
};

} // namespace comfybridge
