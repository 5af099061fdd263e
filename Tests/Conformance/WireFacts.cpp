#include "WireFacts.h"

#include <comfybridge_core/comfybridge_core.h>

#include <regex>

namespace Conformance
{

using json = nlohmann::json;

namespace
{
    struct Probe
    {
        explicit Probe (juce::String baseUrl) : base (std::move (baseUrl)) {}

        juce::String base;
        comfybridge::CurlHttpClient client;

        comfybridge::HttpResponse send (const juce::String& method, const juce::String& path, const std::string& body = {},
                                        const juce::StringPairArray& headers = {})
        {
            return rawHttp (client, base, method, path, body, headers);
        }

        json get (const juce::String& path)
        {
            return json::parse (send ("GET", path).body, nullptr, false);
        }
    };

    json emptyImageGraph (int width, const std::string& prefix)
    {
        return { { "1", { { "class_type", "EmptyImage" }, { "inputs", { { "width", width }, { "height", 16 }, { "batch_size", 1 }, { "color", 0 } } } } },
                 { "2", { { "class_type", "SaveImage" }, { "inputs", { { "images", json::array ({ "1", 0 }) }, { "filename_prefix", prefix } } } } } };
    }

    /** Status, content type family and, for JSON, the error type of a 4xx/5xx answer. */
    json answerFacts (const comfybridge::HttpResponse& response)
    {
        json facts = { { "status", response.statusCode },
                       { "json", response.headers["content-type"].startsWith ("application/json") } };
        const auto body = json::parse (response.body, nullptr, false);
        if (body.is_object() && body.contains ("error") && body["error"].is_object())
        {
            facts["error_keys"] = shapeOf (body["error"]);
            facts["error_type"] = body["error"].value ("type", std::string());
            facts["node_errors_empty"] = body.value ("node_errors", json::object()).empty();
        }
        return facts;
    }

    /** The parts of an object_info entry our readiness check reads. */
    json nodeFacts (const json& info)
    {
        if (! info.is_object())
            return nullptr;

        json required = json::object();
        const auto specs = info.value ("input", json::object()).value ("required", json::object()); // named: items() must not outlive it
        for (const auto& [name, spec] : specs.items())
            required[name] = spec.is_array() && ! spec.empty() ? (spec[0].is_string() ? spec[0] : json ("COMBO list")) : json (nullptr);

        return { { "required", required },
                 { "output", info.value ("output", json::array()) },
                 { "output_node", info.value ("output_node", false) } };
    }

    std::string randomSuffix()
    {
        return juce::String::toHexString (juce::Random::getSystemRandom().nextInt64()).toStdString();
    }
}

json shapeOf (const json& value)
{
    if (value.is_object())
    {
        json shape = json::object();
        for (const auto& [key, item] : value.items())
            shape[key] = shapeOf (item);
        return shape;
    }
    if (value.is_array())
        return value.empty() ? json::array() : json::array ({ shapeOf (value[0]) });
    if (value.is_string())          return "string";
    if (value.is_number_integer())  return "int";
    if (value.is_number_float())    return "float";
    if (value.is_boolean())         return "bool";
    return "null";
}

json collectWireFacts (const juce::String& host, int port)
{
    Probe probe ("http://" + host + ":" + juce::String (port));
    json facts = json::object();

    // GET /system_stats: key names of "system" and of a device (values differ per machine).
    {
        const auto response = probe.send ("GET", "/system_stats");
        const auto stats = json::parse (response.body, nullptr, false);
        facts["system_stats.answer"] = answerFacts (response);
        json systemKeys = json::array(), deviceKeys = json::array();
        const auto system = stats.value ("system", json::object());
        for (const auto& [key, value] : system.items())
            systemKeys.push_back (key);
        if (stats.contains ("devices") && stats["devices"].is_array() && ! stats["devices"].empty())
            for (const auto& [key, value] : stats["devices"][0].items())
                deviceKeys.push_back (key);
        facts["system_stats.system_keys"] = systemKeys;
        facts["system_stats.device_keys"] = deviceKeys;
        facts["system_stats.api_alias"] = probe.send ("GET", "/api/system_stats").statusCode;
    }

    facts["prompt.get_shape"] = shapeOf (probe.get ("/prompt"));
    facts["queue.idle_shape"] = shapeOf (probe.get ("/queue"));

    // object_info: the entries the bundled workflows use.
    {
        const auto all = probe.get ("/object_info");
        for (const auto* name : { "EmptyImage", "SaveImage", "ImageInvert", "CheckpointLoaderSimple" })
            facts[std::string ("object_info.") + name] = nodeFacts (all.value (name, json()));
        facts["object_info.unknown_class"] = probe.get ("/object_info/WireFactsNoSuchNode");
        facts["object_info.single_class_keys"] = shapeOf (probe.get ("/object_info/ImageInvert")).is_object()
                                                     ? json (probe.get ("/object_info/ImageInvert").size()) : json (nullptr);
    }

    // POST /prompt: refusals.
    facts["prompt.post.no_prompt"] = answerFacts (probe.send ("POST", "/prompt", "{}"));
    facts["prompt.post.not_json"] = answerFacts (probe.send ("POST", "/prompt", "this is not json"));
    facts["prompt.post.unknown_class"] = answerFacts (probe.send ("POST", "/prompt", json { { "prompt", { { "1", { { "class_type", "WireFactsNoSuchNode" }, { "inputs", json::object() } } } } } }.dump()));
    facts["prompt.post.no_outputs"] = answerFacts (probe.send ("POST", "/prompt", json { { "prompt", { { "1", emptyImageGraph (16, "x")["1"] } } } }.dump()));
    {
        const auto response = probe.send ("POST", "/prompt", json { { "prompt", emptyImageGraph (0, "wirefacts") } }.dump());
        auto below = answerFacts (response);
        const auto body = json::parse (response.body, nullptr, false);
        const auto nodeError = body.is_object() ? body.value ("node_errors", json::object()).value ("1", json::object()) : json::object();
        below["node_error_shape"] = shapeOf (nodeError);
        if (nodeError.contains ("errors") && ! nodeError["errors"].empty())
        {
            const auto& first = nodeError["errors"][0];
            below["first_error"] = { { "type", first.value ("type", "") }, { "message", first.value ("message", "") }, { "details", first.value ("details", "") } };
        }
        below["class_type"] = nodeError.value ("class_type", "");
        facts["prompt.post.value_below_min"] = below;
    }

    // One run over the live channel: the order of events, what the last ones carry, history and /view.
    const auto clientId = "wirefacts" + randomSuffix();
    comfybridge::WebSocketClient socket;
    comfybridge::WebSocketClient::Options options;
    options.url = "ws://" + host + ":" + juce::String (port) + "/ws?clientId=" + clientId;
    const auto connected = socket.connect (options);
    facts["ws.connects"] = connected.wasOk();

    comfybridge::WebSocketMessage message;
    if (connected.wasOk() && socket.receive (message, 5000) == comfybridge::WebSocketClient::ReceiveStatus::message)
    {
        const auto first = json::parse (message.data, nullptr, false);
        facts["ws.first_message"] = { { "type", first.value ("type", "") }, { "sid_is_client_id", first.value ("data", json::object()).value ("sid", "") == clientId } };
    }

    const auto accepted = probe.send ("POST", "/prompt", json { { "prompt", emptyImageGraph (16, "wirefacts") }, { "client_id", clientId } }.dump());
    const auto acceptedBody = json::parse (accepted.body, nullptr, false);
    facts["prompt.post.accepted"] = { { "status", accepted.statusCode }, { "shape", shapeOf (acceptedBody) } };
    const auto promptId = acceptedBody.is_object() ? acceptedBody.value ("prompt_id", std::string()) : std::string();

    json sequence = json::array(), lastExecuting, executedNodes = json::array(), progressTypes = json::array();
    const auto deadline = juce::Time::getMillisecondCounterHiRes() + 30000;
    while (connected.wasOk() && juce::Time::getMillisecondCounterHiRes() < deadline
           && socket.receive (message, 1000) != comfybridge::WebSocketClient::ReceiveStatus::closed)
    {
        if (message.isBinary || message.data.empty())
            continue;
        const auto event = json::parse (message.data, nullptr, false);
        message.data.clear();
        const auto type = event.value ("type", std::string());
        const auto data = event.value ("data", json::object());

        if (type == "progress" || type == "progress_state")
        {
            if (std::find (progressTypes.begin(), progressTypes.end(), type) == progressTypes.end())
                progressTypes.push_back (type); // node progress varies by node: only which kind is sent
            continue;
        }

        if (type != "status" && data.value ("prompt_id", std::string()) != promptId)
            continue;

        const auto node = data.value ("node", json());
        sequence.push_back (type == "executing" ? (node.is_null() ? "executing null" : "executing node") : type);
        if (type == "executed")
            executedNodes.push_back (data.value ("node", ""));
        if (type == "executing" && node.is_null())
        {
            lastExecuting = shapeOf (data);
            break;
        }
    }
    socket.close();

    facts["ws.sequence"] = sequence;
    facts["ws.executing_null_shape"] = lastExecuting;
    facts["ws.executed_nodes"] = executedNodes;
    facts["ws.progress_kinds_for_image_nodes"] = progressTypes;

    const auto history = probe.get ("/history/" + juce::String (promptId));
    const auto entry = history.value (promptId, json::object());
    {
        json messages = json::array();
        for (const auto& m : entry.value ("status", json::object()).value ("messages", json::array()))
            messages.push_back (m.is_array() && ! m.empty() ? m[0] : json ("?"));
        const auto prompt = entry.value ("prompt", json::array());
        facts["history.entry"] = {
            { "keys", shapeOf (entry).is_object() ? [&] { json k = json::array(); for (auto& [key, v] : entry.items()) k.push_back (key); return k; }() : json() },
            { "prompt_length", prompt.size() },
            { "prompt_extra_data", prompt.size() > 3 ? shapeOf (prompt[3]) : json() },
            { "prompt_outputs_to_execute", prompt.size() > 4 ? prompt[4] : json() },
            { "outputs_shape", shapeOf (entry.value ("outputs", json::object())) },
            { "status_str", entry.value ("status", json::object()).value ("status_str", "") },
            { "completed", entry.value ("status", json::object()).value ("completed", false) },
            { "status_messages", messages },
            { "meta_shape", shapeOf (entry.value ("meta", json())) } };
        facts["history.unknown_id"] = probe.get ("/history/00000000-0000-4000-8000-000000000000");
    }

    // /view of the output, and of a file that does not exist.
    {
        json image = json::object();
        const auto outputs = entry.value ("outputs", json::object());
        for (const auto& [node, output] : outputs.items())
            if (output.contains ("images") && ! output["images"].empty())
                image = output["images"][0];

        const auto filename = image.value ("filename", std::string());
        facts["output.filename_pattern"] = std::regex_match (filename, std::regex ("wirefacts_[0-9]{5}_\\.png"));
        const auto view = probe.send ("GET", "/view?filename=" + juce::URL::addEscapeChars (filename, true) + "&subfolder=&type=output");
        facts["view.answer"] = { { "status", view.statusCode }, { "content_type", view.headers["content-type"].toStdString() },
                                 { "content_disposition", view.headers["content-disposition"] == "filename=\"" + juce::String (filename) + "\"" },
                                 { "png", view.body.rfind ("\x89PNG", 0) == 0 } };
        const auto missing = probe.send ("GET", "/view?filename=wirefacts-missing.png&subfolder=&type=output");
        facts["view.missing"] = { { "status", missing.statusCode }, { "body", missing.body } };
    }

    // /queue delete and /interrupt with a prompt id (nothing pending or running now).
    facts["queue.delete_answer"] = { { "status", probe.send ("POST", "/queue", json { { "delete", json::array ({ promptId }) } }.dump()).statusCode } };
    facts["interrupt.answer"] = { { "status", probe.send ("POST", "/interrupt", json { { "prompt_id", promptId } }.dump()).statusCode } };

    // /userdata: what the deployer uses.
    {
        const auto name = "wirefacts-" + randomSuffix() + ".json";
        const juce::String path = "/userdata/workflows%2F" + juce::String (name);
        facts["userdata.missing"] = { { "status", probe.send ("GET", path).statusCode }, { "body", probe.send ("GET", path).body } };
        const auto stored = probe.send ("POST", path + "?overwrite=false", "{\"a\":1}");
        facts["userdata.post"] = { { "status", stored.statusCode }, { "body", json::parse (stored.body, nullptr, false) == json ("workflows/" + name) } };
        const auto again = probe.send ("POST", path + "?overwrite=false", "{\"a\":2}");
        facts["userdata.post_existing_no_overwrite"] = { { "status", again.statusCode } };
        const auto fullInfo = probe.send ("POST", path + "?overwrite=true&full_info=true", "{\"a\":3}");
        facts["userdata.post_full_info_shape"] = shapeOf (json::parse (fullInfo.body, nullptr, false));
        const auto readBack = probe.send ("GET", path);
        facts["userdata.read_back"] = { { "status", readBack.statusCode }, { "same_bytes", readBack.body == "{\"a\":3}" } };
        facts["userdata.delete"] = { { "status", probe.send ("DELETE", path).statusCode } };
    }

    facts["unknown_route"] = { { "status", probe.send ("GET", "/wirefacts-no-such-route").statusCode } };
    return facts;
}

json collectOriginCheckFacts (const juce::String& host, int port)
{
    Probe probe ("http://" + host + ":" + juce::String (port));
    json facts = json::object();

    auto withOrigin = [&] (const juce::String& method, const juce::String& origin)
    {
        juce::StringPairArray headers;
        if (origin.isNotEmpty())
            headers.set ("Origin", origin);
        const auto response = probe.send (method, "/system_stats", {}, headers);
        return json { { "status", response.statusCode }, { "body_empty", response.body.empty() },
                      { "allow_origin", response.headers["access-control-allow-origin"].toStdString() } };
    };

    facts["origin.none"] = withOrigin ("GET", {});
    facts["origin.foreign"] = withOrigin ("GET", "http://example.com");
    facts["origin.same_host_port"] = withOrigin ("GET", "http://" + host + ":" + juce::String (port));
    facts["origin.localhost_vs_127"] = withOrigin ("GET", "http://localhost:" + juce::String (port));
    facts["origin.options_without_origin"] = withOrigin ("OPTIONS", {});

    comfybridge::WebSocketClient socket; // our client sends no Origin: the upgrade must pass
    comfybridge::WebSocketClient::Options options;
    options.url = "ws://" + host + ":" + juce::String (port) + "/ws";
    facts["origin.ws_without_origin"] = socket.connect (options).wasOk();
    return facts;
}

json collectCorsFacts (const juce::String& host, int port)
{
    Probe probe ("http://" + host + ":" + juce::String (port));
    json facts = json::object();

    auto corsHeaders = [] (const comfybridge::HttpResponse& response)
    {
        return json { { "status", response.statusCode },
                      { "allow_origin", response.headers["access-control-allow-origin"].toStdString() },
                      { "allow_methods", response.headers["access-control-allow-methods"].toStdString() },
                      { "allow_headers", response.headers["access-control-allow-headers"].toStdString() },
                      { "allow_credentials", response.headers["access-control-allow-credentials"].toStdString() } };
    };

    juce::StringPairArray foreign;
    foreign.set ("Origin", "http://example.com");
    facts["cors.foreign_get"] = corsHeaders (probe.send ("GET", "/system_stats", {}, foreign));
    facts["cors.no_origin_get"] = corsHeaders (probe.send ("GET", "/system_stats"));
    facts["cors.options"] = corsHeaders (probe.send ("OPTIONS", "/prompt", {}, foreign));
    facts["cors.unknown_route"] = corsHeaders (probe.send ("GET", "/wirefacts-no-such-route", {}, foreign));
    return facts;
}

comfybridge::HttpResponse rawHttp (comfybridge::HttpClient& client, const juce::String& baseUrl, const juce::String& method,
                                   const juce::String& path, const std::string& body,
                                   const juce::StringPairArray& headers, double timeoutSeconds)
{
    comfybridge::HttpRequest request;
    request.method = method;
    request.url = baseUrl + path;
    request.body = body;
    request.headers = headers;
    if (! body.empty() && ! headers.containsKey ("Content-Type"))
        request.headers.set ("Content-Type", "application/json");
    request.timeoutSeconds = timeoutSeconds;
    request.maxBodyBytes = 64 << 20;
    return client.perform (request);
}

} // namespace Conformance
