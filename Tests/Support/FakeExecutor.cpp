#include "FakeExecutor.h"

#include <PromptValidation.h>

#include <juce_graphics/juce_graphics.h>

#include <cstdio>
#include <functional>

namespace TestSupport
{

using json = nlohmann::json;
using TestHelpers::FakeComfyUI;
using TestHelpers::Request;
using TestHelpers::Response;

namespace
{
    long long nowMs()
    {
        return juce::Time::currentTimeMillis();
    }

    /** Renders what EmptyImage (+ ImageInvert) would output, as PNG bytes. */
    std::string renderGraph (const json& graph)
    {
        int width = 64, height = 64;
        juce::uint32 colour = 0;
        bool invert = false;

        for (const auto& [id, node] : graph.items())
        {
            const auto type = node.value ("class_type", std::string());
            const auto inputs = node.value ("inputs", json::object());

            if (type == "EmptyImage")
            {
                width = inputs.value ("width", 64);
                height = inputs.value ("height", 64);
                colour = (juce::uint32) inputs.value ("color", 0);
            }
            else if (type == "ImageInvert")
            {
                invert = true;
            }
        }

        if (invert)
            colour = ~colour & 0xffffffu;

        juce::Image image (juce::Image::RGB, width, height, false);
        image.clear (image.getBounds(), juce::Colour (0xff000000u | colour));
        juce::MemoryOutputStream out;
        juce::PNGImageFormat().writeImageToStream (image, out);
        return std::string (static_cast<const char*> (out.getData()), out.getDataSize());
    }

    /** Upstream nodes first, from each output node ComfyUI was asked to execute (its execution order). */
    std::vector<std::string> executionOrder (const json& graph, const json& outputs)
    {
        std::vector<std::string> order;
        std::function<void (const std::string&)> visit = [&] (const std::string& id)
        {
            if (std::find (order.begin(), order.end(), id) != order.end() || ! graph.contains (id))
                return;
            const auto inputs = graph[id].value ("inputs", json::object()); // named: items() must not outlive it
            for (const auto& [name, value] : inputs.items())
                if (value.is_array() && value.size() == 2 && value[0].is_string())
                    visit (value[0].get<std::string>());
            order.push_back (id);
        };

        for (const auto& output : outputs)
            visit (output.get<std::string>());
        return order;
    }

    /** What ComfyUI's cache keys a node by: its class and inputs, links replaced by the upstream signatures. */
    std::string signatureOf (const json& graph, const std::string& id)
    {
        auto node = graph[id];
        for (auto& [name, value] : node["inputs"].items())
            if (value.is_array() && value.size() == 2 && value[0].is_string() && graph.contains (value[0].get<std::string>()))
                value = json::array ({ signatureOf (graph, value[0].get<std::string>()), value[1] });
        return json { node.value ("class_type", std::string()), node["inputs"] }.dump();
    }
}

FakeExecutor::FakeExecutor (FakeComfyUI& s) : server (s)
{
    installRoutes();
}

FakeExecutor::~FakeExecutor()
{
    {
        std::lock_guard<std::mutex> lock (mutex);
        stopping = true;
    }
    changed.notify_all();

    for (auto& t : workers)
        t.join();

    server.resetRoutes();
}

void FakeExecutor::setMode (Mode m)                          { std::lock_guard<std::mutex> l (mutex); mode = m; }
void FakeExecutor::setStepDelayMs (int ms)                   { std::lock_guard<std::mutex> l (mutex); stepDelayMs = ms; }
void FakeExecutor::setRejection (const json& nodeErrors)     { std::lock_guard<std::mutex> l (mutex); rejection = nodeErrors; }
void FakeExecutor::setPartialNodeErrors (const json& errors) { std::lock_guard<std::mutex> l (mutex); partialErrors = errors; }
int FakeExecutor::interruptCount() const                     { std::lock_guard<std::mutex> l (mutex); return interrupts; }
int FakeExecutor::deleteCount() const                        { std::lock_guard<std::mutex> l (mutex); return deletes; }
std::vector<std::string> FakeExecutor::submittedPromptIds() const { std::lock_guard<std::mutex> l (mutex); return order; }

std::vector<std::string> FakeExecutor::eventsSentFor (const std::string& promptId) const
{
    std::lock_guard<std::mutex> lock (mutex);
    const auto it = events.find (promptId);
    return it == events.end() ? std::vector<std::string>() : it->second;
}

bool FakeExecutor::waitUntilRunning (const std::string& promptId, int timeoutMs) const
{
    std::unique_lock<std::mutex> lock (mutex);
    return changed.wait_for (lock, std::chrono::milliseconds (timeoutMs), [&]
    {
        const auto it = prompts.find (promptId);
        return it != prompts.end() && it->second->state == Prompt::State::running;
    });
}

bool FakeExecutor::waitForSubmission (int count, int timeoutMs) const
{
    std::unique_lock<std::mutex> lock (mutex);
    return changed.wait_for (lock, std::chrono::milliseconds (timeoutMs), [&] { return (int) order.size() >= count; });
}

void FakeExecutor::forgetEverything()
{
    std::lock_guard<std::mutex> lock (mutex);
    for (auto& [id, p] : prompts)
        p->deleted = true;
    prompts.clear();
    history = json::object();
    cachedOutputs.clear();
    audioCache.clear();
}

bool FakeExecutor::sleepUnlessStopping (int ms)
{
    std::unique_lock<std::mutex> lock (mutex);
    return ! changed.wait_for (lock, std::chrono::milliseconds (ms), [this] { return stopping; });
}

json FakeExecutor::queueJson() const
{
    json running = json::array(), pending = json::array();
    for (const auto& [id, p] : prompts)
    {
        const json item = { p->number, p->id, p->graph, { { "client_id", p->clientId } }, json::array() };
        if (p->state == Prompt::State::running)
            running.push_back (item);
        else if (p->state == Prompt::State::pending)
            pending.push_back (item);
    }
    return { { "queue_running", running }, { "queue_pending", pending } };
}

void FakeExecutor::send (const Prompt& prompt, const std::string& type, json data, bool recordOnly)
{
    Mode currentMode;
    {
        std::lock_guard<std::mutex> lock (mutex);
        events[prompt.id].push_back (type);
        currentMode = mode;
    }

    if (recordOnly || currentMode == Mode::skipEvents)
        return;

    const auto text = json { { "type", type }, { "data", std::move (data) } }.dump();

    if (! prompt.clientId.empty())
        server.sendToClient (prompt.clientId, text);
    else if (type != "execution_start" && type != "execution_cached" && type != "execution_success" && type != "execution_error")
        server.broadcast (text); // ComfyUI's send_sync(sid=None) goes to every socket; add_message() events go nowhere
}

bool FakeExecutor::isStopping() const
{
    std::lock_guard<std::mutex> lock (mutex);
    return stopping;
}

void FakeExecutor::broadcastStatus()
{
    int remaining = 0;
    {
        std::lock_guard<std::mutex> lock (mutex);
        for (const auto& [id, p] : prompts)
            if (p->state != Prompt::State::done)
                ++remaining;
        for (const auto& [id, p] : prompts)
            if (p->state != Prompt::State::done)
                events[id].push_back ("status");
    }

    // "status" goes to every socket, not only the prompt's client.
    server.broadcast (json { { "type", "status" }, { "data", { { "status", { { "exec_info", { { "queue_remaining", remaining } } } } } } } }.dump());
}

void FakeExecutor::installRoutes()
{
    server.setRoute ("GET", "/prompt", [this] (const Request&)
    {
        std::lock_guard<std::mutex> lock (mutex);
        int remaining = 0;
        for (const auto& [id, p] : prompts)
            if (p->state != Prompt::State::done)
                ++remaining;
        return FakeComfyUI::jsonResponse ({ { "exec_info", { { "queue_remaining", remaining } } } });
    });

    server.setRoute ("POST", "/prompt", [this] (const Request& request)
    {
        // Throws on a body that is not JSON: the server turns that into aiohttp's plain-text 500, as ComfyUI's does.
        const auto body = json::parse (request.body);
        if (! body.is_object() || ! body.contains ("prompt") || ! body["prompt"].is_object())
            return FakeComfyUI::jsonResponse ({ { "error", { { "type", "no_prompt" }, { "message", "No prompt provided" }, { "details", "No prompt provided" }, { "extra_info", json::object() } } },
                                                { "node_errors", json::object() } }, 400);

        // ComfyUI validates against its node classes first (the same checks as FakeComfyUI's own route).
        json goodOutputs, nodeErrors;
        if (auto refusal = TestHelpers::validatePrompt (body["prompt"], server.objectInfo(), &goodOutputs, &nodeErrors, server.inputFileNames()))
            return FakeComfyUI::jsonResponse (*refusal, 400);

        std::unique_lock<std::mutex> lock (mutex);

        if (! rejection.is_null())
            return FakeComfyUI::jsonResponse ({ { "error", { { "type", "prompt_outputs_failed_validation" }, { "message", "Prompt outputs failed validation" }, { "details", "" }, { "extra_info", json::object() } } },
                                                { "node_errors", rejection } }, 400);

        auto prompt = std::make_shared<Prompt>();
        prompt->id = body.value ("prompt_id", FakeComfyUI::makeUuid());
        prompt->clientId = body.value ("client_id", std::string());
        prompt->graph = body["prompt"];
        prompt->extraData = body.value ("extra_data", json::object());
        if (body.contains ("client_id"))
            prompt->extraData["client_id"] = body["client_id"];
        prompt->outputs = goodOutputs;
        prompt->number = counter++;
        prompts[prompt->id] = prompt;
        order.push_back (prompt->id);
        const auto answer = FakeComfyUI::jsonResponse ({ { "prompt_id", prompt->id }, { "number", prompt->number },
                                                          { "node_errors", partialErrors.is_null() ? nodeErrors : partialErrors } });
        lock.unlock();

        broadcastStatus(); // PromptQueue.put() → queue_updated(), before the worker can take it

        lock.lock();
        workers.emplace_back ([this, prompt] { execute (prompt); });
        changed.notify_all();
        return answer;
    });

    server.setRoute ("GET", "/history/{prompt_id}", [this] (const Request& request)
    {
        std::lock_guard<std::mutex> lock (mutex);
        const auto id = request.pathParams.at ("prompt_id");
        return FakeComfyUI::jsonResponse (history.contains (id) ? json { { id, history[id] } } : json::object());
    });

    server.setRoute ("GET", "/view", [this] (const Request& request)
    {
        std::lock_guard<std::mutex> lock (mutex);
        const auto subfolder = request.param ("subfolder");
        const auto name = request.param ("filename");
        const auto it = files.find (subfolder.empty() ? name : subfolder + "/" + name);
        if (it == files.end())
            return Response::empty (404);
        auto response = Response::empty (200);
        response.body = it->second;
        const auto isFlac = name.size() > 5 && name.compare (name.size() - 5, 5, ".flac") == 0;
        response.setHeader ("Content-Type", isFlac ? "audio/flac" : "image/png");
        response.setHeader ("Content-Disposition", "filename=\"" + request.param ("filename") + "\"");
        return response;
    });

    server.setRoute ("GET", "/queue", [this] (const Request&)
    {
        std::lock_guard<std::mutex> lock (mutex);
        return FakeComfyUI::jsonResponse (queueJson());
    });

    server.setRoute ("POST", "/queue", [this] (const Request& request)
    {
        const auto body = json::parse (request.body, nullptr, false);
        std::lock_guard<std::mutex> lock (mutex);
        if (body.is_object() && body.contains ("delete"))
            for (const auto& id : body["delete"])
                if (auto it = prompts.find (id.get<std::string>()); it != prompts.end() && it->second->state == Prompt::State::pending)
                {
                    it->second->deleted = true;
                    prompts.erase (it);
                    ++deletes;
                }
        changed.notify_all();
        return Response::empty (200);
    });

    server.setRoute ("POST", "/interrupt", [this] (const Request& request)
    {
        const auto body = json::parse (request.body.empty() ? "{}" : request.body, nullptr, false);
        std::lock_guard<std::mutex> lock (mutex);
        ++interrupts;
        for (auto& [id, p] : prompts)
            if (p->state == Prompt::State::running && (! body.contains ("prompt_id") || body["prompt_id"] == id))
                p->interrupt = true;
        changed.notify_all();
        return Response::empty (200);
    });
}

json FakeExecutor::saveAudio (const std::string& classType, const json& inputs, const FakeAudio& audio)
{
    // get_save_image_path: the prefix's directory is the subfolder; PreviewAudio writes to temp with a random suffix.
    const auto isPreview = classType == "PreviewAudio";
    const auto prefix = isPreview ? std::string ("ComfyUI_temp_") + "abcde" : inputs.value ("filename_prefix", std::string ("audio/ComfyUI"));
    const auto slash = prefix.rfind ('/');
    const auto subfolder = slash == std::string::npos ? std::string() : prefix.substr (0, slash);
    const auto base = slash == std::string::npos ? prefix : prefix.substr (slash + 1);
    const auto flac = encodeFlac16 (audio);

    std::lock_guard<std::mutex> lock (mutex);
    char number[16];
    std::snprintf (number, sizeof (number), "%05d", ++fileCounters[prefix]);
    const auto filename = base + "_" + number + "_.flac";
    files[subfolder.empty() ? filename : subfolder + "/" + filename] = flac;
    return { { "audio", json::array ({ { { "filename", filename }, { "subfolder", subfolder }, { "type", isPreview ? "temp" : "output" } } }) } };
}

void FakeExecutor::execute (std::shared_ptr<Prompt> prompt)
{
    auto delay = [this] { std::lock_guard<std::mutex> l (mutex); return stepDelayMs; };

    // ComfyUI runs one prompt at a time, lowest number first; held prompts wait.
    while (true)
    {
        std::unique_lock<std::mutex> lock (mutex);
        if (stopping || prompt->deleted)
            return;

        bool isNext = mode != Mode::holdPending;
        for (const auto& [id, other] : prompts)
            if (other != prompt && (other->state == Prompt::State::running
                                    || (other->state == Prompt::State::pending && other->number < prompt->number)))
                isNext = false;

        if (isNext)
        {
            prompt->state = Prompt::State::running;
            changed.notify_all();
            break;
        }
        changed.wait_for (lock, std::chrono::milliseconds (20));
    }

    broadcastStatus(); // PromptQueue.get(): the prompt moved from pending to running

    const auto order = executionOrder (prompt->graph, prompt->outputs);
    json cachedNodes = json::array(), toRun = json::array();
    std::map<std::string, std::string> signatures;
    {
        std::lock_guard<std::mutex> lock (mutex);
        for (const auto& id : order)
        {
            signatures[id] = signatureOf (prompt->graph, id);
            (cachedOutputs.count (signatures[id]) > 0 ? cachedNodes : toRun).push_back (id);
        }
    }

    std::map<std::string, std::shared_ptr<const FakeAudio>> audioValues;
    const UpstreamAudio upstreamAudio = [&] (const json& link) -> std::shared_ptr<const FakeAudio>
    {
        if (! link.is_array() || link.size() != 2 || ! link[0].is_string())
            return nullptr;
        const auto id = link[0].get<std::string>();
        if (const auto it = audioValues.find (id); it != audioValues.end())
            return it->second;
        std::lock_guard<std::mutex> lock (mutex);
        const auto cached = signatures.count (id) ? audioCache.find (signatures[id]) : audioCache.end();
        return cached != audioCache.end() ? cached->second : nullptr;
    };

    json messages = json::array();
    auto record = [&] (const std::string& type, json data) { messages.push_back (json::array ({ type, data })); send (*prompt, type, std::move (data)); };

    record ("execution_start", { { "prompt_id", prompt->id }, { "timestamp", nowMs() } });
    record ("execution_cached", { { "nodes", cachedNodes }, { "prompt_id", prompt->id }, { "timestamp", nowMs() } });

    Mode currentMode;
    { std::lock_guard<std::mutex> l (mutex); currentMode = mode; }

    json progressNodes = json::object(), outputs = json::object(), meta = json::object(), executed = cachedNodes;
    std::map<std::string, json> newCache;

    auto progressState = [&] (const std::string& nodeId, double value, const char* state)
    {
        progressNodes[nodeId] = { { "value", value }, { "max", 1.0 }, { "state", state }, { "node_id", nodeId }, { "prompt_id", prompt->id },
                                  { "display_node_id", nodeId }, { "parent_node_id", nullptr }, { "real_node_id", nodeId } };
        send (*prompt, "progress_state", { { "prompt_id", prompt->id }, { "nodes", progressNodes } });
    };

    auto finish = [&] (const std::string& statusText, bool completed)
    {
        {
            std::lock_guard<std::mutex> lock (mutex);
            history[prompt->id] = { { "prompt", { prompt->number, prompt->id, prompt->graph, prompt->extraData, prompt->outputs } },
                                    { "outputs", outputs },
                                    { "status", { { "status_str", statusText }, { "completed", completed }, { "messages", messages } } },
                                    { "meta", meta } };
            cachedOutputs = std::move (newCache); // ComfyUI's classic cache keeps what this prompt used
            prompt->state = Prompt::State::done;
            changed.notify_all();
        }

        broadcastStatus();
        // The worker's "done" signal, after history is written, whatever the outcome.
        send (*prompt, "executing", { { "node", nullptr }, { "prompt_id", prompt->id } });
    };

    // Cached nodes are not run again; an output among them reports its stored output once more.
    for (const auto& id : cachedNodes)
    {
        const auto nodeId = id.get<std::string>();
        newCache[signatures[nodeId]] = cachedOutputs[signatures[nodeId]];
        if (const auto& ui = newCache[signatures[nodeId]]; ! ui.empty())
        {
            outputs[nodeId] = ui;
            meta[nodeId] = { { "node_id", nodeId }, { "display_node", nodeId }, { "parent_node", nullptr }, { "real_node_id", nodeId } };
            send (*prompt, "executed", { { "node", nodeId }, { "display_node", nodeId }, { "output", ui }, { "prompt_id", prompt->id } });
        }
    }

    for (const auto& id : toRun)
    {
        const auto nodeId = id.get<std::string>();
        const auto& node = prompt->graph[nodeId];
        const auto classType = node.value ("class_type", std::string());

        progressState (nodeId, 0.0, "running");
        send (*prompt, "executing", { { "node", nodeId }, { "display_node", nodeId }, { "prompt_id", prompt->id } });

        if (! sleepUnlessStopping (delay()))
            return;

        // Only nodes that report progress (samplers) send "progress"; image nodes send none.
        if (classType == "KSampler" || classType == "KSamplerAdvanced")
            for (int step = 1; step <= 3; ++step)
            {
                if (! sleepUnlessStopping (delay()))
                    return;
                send (*prompt, "progress", { { "value", step }, { "max", 3 }, { "prompt_id", prompt->id }, { "node", nodeId } });
            }

        const bool interrupted = [&]
        {
            if (currentMode != Mode::holdRunning)
                return false;
            while (true) // run "forever" in this node until interrupted
            {
                std::unique_lock<std::mutex> lock (mutex);
                if (stopping || prompt->interrupt)
                    return true;
                changed.wait_for (lock, std::chrono::milliseconds (20));
            }
        }();

        if (interrupted)
        {
            if (isStopping())
                return;
            record ("execution_interrupted", { { "prompt_id", prompt->id }, { "node_id", nodeId }, { "node_type", classType },
                                               { "executed", executed }, { "timestamp", nowMs() } });
            return finish ("error", false);
        }

        const bool isOutput = std::find (prompt->outputs.begin(), prompt->outputs.end(), nodeId) != prompt->outputs.end();

        if (currentMode == Mode::failAtNode && isOutput)
        {
            record ("execution_error", { { "prompt_id", prompt->id }, { "node_id", nodeId }, { "node_type", classType }, { "executed", executed },
                                         { "exception_message", "CUDA out of memory\n" }, { "exception_type", "torch.OutOfMemoryError" },
                                         { "traceback", json::array() }, { "current_inputs", json::object() }, { "current_outputs", json::object() },
                                         { "timestamp", nowMs() } });
            return finish ("error", false);
        }

        if (isFakeAudioNode (classType))
        {
            auto result = runAudioNode (classType, node["inputs"], upstreamAudio, [this] (const std::string& path) { return server.inputFile (path); });
            if (auto* failure = std::get_if<std::string> (&result))
            {
                record ("execution_error", { { "prompt_id", prompt->id }, { "node_id", nodeId }, { "node_type", classType }, { "executed", executed },
                                             { "exception_message", *failure + "\n" }, { "exception_type", "ValueError" },
                                             { "traceback", json::array() }, { "current_inputs", json::object() }, { "current_outputs", json::object() },
                                             { "timestamp", nowMs() } });
                return finish ("error", false);
            }
            std::lock_guard<std::mutex> lock (mutex);
            audioValues[nodeId] = audioCache[signatures[nodeId]] = std::get<std::shared_ptr<const FakeAudio>> (result);
        }

        json ui = json::object();
        if (classType == "SaveAudio" || classType == "PreviewAudio")
        {
            ui = saveAudio (classType, node["inputs"], *audioValues[nodeId]);
        }
        else if (classType == "SaveImage" || classType == "PreviewImage")
        {
            const auto png = renderGraph (prompt->graph);
            const auto prefix = node["inputs"].value ("filename_prefix", std::string ("ComfyUI"));
            std::lock_guard<std::mutex> lock (mutex);
            char counter[16];
            std::snprintf (counter, sizeof (counter), "%05d", ++fileCounters[prefix]);
            const auto filename = prefix + "_" + counter + "_.png";
            files[filename] = png;
            ui = { { "images", json::array ({ { { "filename", filename }, { "subfolder", "" }, { "type", classType == "SaveImage" ? "output" : "temp" } } }) } };
        }

        newCache[signatures[nodeId]] = ui;
        executed.push_back (nodeId);

        // "executed" only for nodes that return UI output (SaveImage, PreviewImage), as ComfyUI does.
        if (! ui.empty())
        {
            outputs[nodeId] = ui;
            meta[nodeId] = { { "node_id", nodeId }, { "display_node", nodeId }, { "parent_node", nullptr }, { "real_node_id", nodeId } };
            send (*prompt, "executed", { { "node", nodeId }, { "display_node", nodeId }, { "output", ui }, { "prompt_id", prompt->id } });
        }

        progressState (nodeId, 1.0, "finished");
    }

    record ("execution_success", { { "prompt_id", prompt->id }, { "timestamp", nowMs() } });
    finish ("success", true);
}

} // namespace TestSupport
