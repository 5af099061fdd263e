#pragma once

#include <comfybridge_core/comfybridge_core.h>
#include <nlohmann/json.hpp>

namespace Conformance
{

/**
    Asks a ComfyUI-speaking server the questions our client depends on and writes down
    the answers as comparable facts: status codes, JSON shapes (key names and value
    types, not values), error types and messages, header presence, the order of the
    WebSocket events of one run. The same probe runs against the real ComfyUI and
    against Tests/Helpers/FakeComfyUI (+ FakeExecutor), and every fact must agree.

    The probe queues two tiny prompts (EmptyImage 16x16 → SaveImage "wirefacts") and
    stores one userdata file (wirefacts-<random>.json, deleted again).
*/
nlohmann::json collectWireFacts (const juce::String& host, int port);

/** The facts about a server running with --enable-cors-header '*' (or FakeComfyUI::setCorsOrigin ("*")). */
nlohmann::json collectCorsFacts (const juce::String& host, int port);

/** The facts about the default origin check (no --enable-cors-header). */
nlohmann::json collectOriginCheckFacts (const juce::String& host, int port);

/** One raw HTTP exchange with a server at @p baseUrl, for the facts the public API does
    not show: a JSON body gets Content-Type application/json unless @p headers set one;
    bodies up to 64 MB (object_info) are read.
*/
comfybridge::HttpResponse rawHttp (comfybridge::HttpClient& client, const juce::String& baseUrl, const juce::String& method,
                                   const juce::String& path, const std::string& body = {},
                                   const juce::StringPairArray& headers = {}, double timeoutSeconds = 15.0);

/** The shape of @p value: objects keep their keys, arrays the shape of their first
    element, scalars become "string", "int", "float", "bool" or "null".
*/
nlohmann::json shapeOf (const nlohmann::json& value);

} // namespace Conformance
