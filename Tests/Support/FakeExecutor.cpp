#include "FakeExecutor.h"

#include <juce_graphics/juce_graphics.h>

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

    /** node_errors for literal numbers outside their INT/FLOAT min..max in object_info,
        worded as ComfyUI's validate_inputs words them (execution.py); empty when none.
    */
    json rangeErrors (const json& graph, const json& objectInfo)
    {
        json nodeErrors = json::object(), outputs = json::array();

        for (const auto& [id, node] : graph.items())
            if (node.is_object() && (node.value ("class_type", std::string()) == "SaveImage" || node.value ("class_type", std::string()) == "PreviewImage"))
                outputs.push_back (id);

        for (const auto& [id, node] : graph.items())
        {
            const auto type = node.is_object() ? node.value ("class_type", std::string()) : std::string();

            if (! objectInfo.contains (type) || ! node.contains ("inputs") || ! node["inputs"].is_object())
                continue;

            const auto inputSpecs = objectInfo[type].value ("input", json::object());
            json errors = json::array();

            for (const auto& [name, value] : node["inputs"].items())
            {
                json spec;

                for (const auto* group : { "required", "optional" })
                    if (inputSpecs.contains (group) && inputSpecs[group].contains (name))
                        spec = inputSpecs[group][name];

                if (! value.is_number() || ! spec.is_array() || spec.size() < 2 || ! spec[1].is_object())
                    continue;

                const auto& options = spec[1];
                auto error = [&] (const char* errorType, const std::string& message)
                {
                    errors.push_back ({ { "type", errorType }, { "message", message }, { "details", name },
                                        { "extra_info", { { "input_name", name }, { "input_config", spec }, { "received_value", value } } } });
                };

                if (options.contains ("min") && value.get<double>() < options["min"].get<double>())
                    error ("value_smaller_than_min", "Value " + value.dump() + " smaller than min of " + options["min"].dump());
                else if (options.contains ("max") && value.get<double>() > options["max"].get<double>())
                    error ("value_bigger_than_max", "Value " + value.dump() + " bigger than max of " + options["max"].dump());
            }

            if (! errors.empty())
                nodeErrors[id] = { { "errors", errors }, { "dependent_outputs", outputs }, { "class_type", type } };
        }

        return nodeErrors;
    }

    std::string outputNodeOf (const json& graph)
    {
        for (const auto& [id, node] : graph.items())
            if (node.value ("class_type", std::string()) == "SaveImage")
                return id;
        return graph.empty() ? std::string ("1") : graph.begin().key();
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

    if (! recordOnly && currentMode != Mode::skipEvents)
        server.sendToClient (prompt.clientId, json { { "type", type }, { "data", std::move (data) } }.dump());
}

void FakeExecutor::installRoutes()
{
    server.setRoute ("POST", "/prompt", [this] (const Request& request)
    {
        const auto body = json::parse (request.body, nullptr, false);
        if (! body.is_object() || ! body.contains ("prompt") || ! body["prompt"].is_object())
            return FakeComfyUI::jsonResponse ({ { "error", { { "type", "no_prompt" }, { "message", "No prompt provided" }, { "details", "" }, { "extra_info", json::object() } } },
                                                { "node_errors", json::object() } }, 400);

        const auto outOfRange = rangeErrors (body["prompt"], server.objectInfo());
        std::lock_guard<std::mutex> lock (mutex);

        if (! rejection.is_null() || ! outOfRange.empty())
            return FakeComfyUI::jsonResponse ({ { "error", { { "type", "prompt_outputs_failed_validation" }, { "message", "Prompt outputs failed validation" }, { "details", "" }, { "extra_info", json::object() } } },
                                                { "node_errors", rejection.is_null() ? outOfRange : rejection } }, 400);

        auto prompt = std::make_shared<Prompt>();
        prompt->id = body.value ("prompt_id", FakeComfyUI::makeUuid());
        prompt->clientId = body.value ("client_id", std::string());
        prompt->graph = body["prompt"];
        prompt->number = counter++;
        prompts[prompt->id] = prompt;
        order.push_back (prompt->id);
        workers.emplace_back ([this, prompt] { execute (prompt); });
        changed.notify_all();

        return FakeComfyUI::jsonResponse ({ { "prompt_id", prompt->id }, { "number", prompt->number },
                                            { "node_errors", partialErrors.is_null() ? json::object() : partialErrors } });
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
        const auto it = files.find (request.param ("filename"));
        if (it == files.end())
            return Response::empty (404);
        auto response = Response::empty (200);
        response.body = it->second;
        response.setHeader ("Content-Type", "image/png");
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

void FakeExecutor::execute (std::shared_ptr<Prompt> prompt)
{
    auto delay = [this] { std::lock_guard<std::mutex> l (mutex); return stepDelayMs; };

    // Pending until it is its turn (immediately here) or held.
    while (true)
    {
        std::unique_lock<std::mutex> lock (mutex);
        if (stopping || prompt->deleted)
            return;
        if (mode != Mode::holdPending)
        {
            prompt->state = Prompt::State::running;
            changed.notify_all();
            break;
        }
        changed.wait_for (lock, std::chrono::milliseconds (20));
    }

    send (*prompt, "status", { { "status", { { "exec_info", { { "queue_remaining", 1 } } } } } });
    send (*prompt, "execution_start", { { "prompt_id", prompt->id }, { "timestamp", nowMs() } });
    send (*prompt, "execution_cached", { { "nodes", json::array() }, { "prompt_id", prompt->id }, { "timestamp", nowMs() } });

    const auto outputNode = outputNodeOf (prompt->graph);
    const auto filename = "ComfyBridge_" + std::to_string (++imageCounter) + "_.png";
    Mode currentMode;
    { std::lock_guard<std::mutex> l (mutex); currentMode = mode; }

    for (const auto& [nodeId, node] : prompt->graph.items())
    {
        send (*prompt, "executing", { { "node", nodeId }, { "display_node", nodeId }, { "prompt_id", prompt->id } });

        for (int step = 1; step <= 3; ++step)
        {
            if (! sleepUnlessStopping (delay()))
                return;
            send (*prompt, "progress", { { "value", step }, { "max", 3 }, { "node", nodeId }, { "prompt_id", prompt->id } });
        }

        if (currentMode == Mode::holdRunning)
        {
            // Run "forever" in this node until interrupted.
            while (true)
            {
                std::unique_lock<std::mutex> lock (mutex);
                if (stopping)
                    return;
                if (prompt->interrupt)
                    break;
                changed.wait_for (lock, std::chrono::milliseconds (20));
            }

            send (*prompt, "execution_interrupted", { { "prompt_id", prompt->id }, { "node_id", nodeId }, { "node_type", node.value ("class_type", "") },
                                                      { "executed", json::array() }, { "timestamp", nowMs() } });
            std::lock_guard<std::mutex> lock (mutex);
            history[prompt->id] = { { "prompt", { prompt->number, prompt->id, prompt->graph, json::object(), json::array() } },
                                    { "outputs", json::object() },
                                    { "status", { { "status_str", "error" }, { "completed", false },
                                                  { "messages", json::array ({ json::array ({ "execution_interrupted", { { "prompt_id", prompt->id } } }) }) } } } };
            prompt->state = Prompt::State::done;
            changed.notify_all();
            return;
        }

        if (currentMode == Mode::failAtNode && nodeId == outputNode)
        {
            send (*prompt, "execution_error", { { "prompt_id", prompt->id }, { "node_id", nodeId }, { "node_type", node.value ("class_type", "") },
                                                { "exception_message", "CUDA out of memory" }, { "exception_type", "torch.OutOfMemoryError" } });
            std::lock_guard<std::mutex> lock (mutex);
            history[prompt->id] = { { "prompt", { prompt->number, prompt->id, prompt->graph, json::object(), json::array() } },
                                    { "outputs", json::object() },
                                    { "status", { { "status_str", "error" }, { "completed", false },
                                                  { "messages", json::array ({ json::array ({ "execution_error",
                                                        { { "prompt_id", prompt->id }, { "node_id", nodeId }, { "node_type", node.value ("class_type", "") },
                                                          { "exception_message", "CUDA out of memory\n" } } }) }) } } } };
            prompt->state = Prompt::State::done;
            changed.notify_all();
            return;
        }

        json output = json::object();
        if (nodeId == outputNode)
            output = { { "images", json::array ({ { { "filename", filename }, { "subfolder", "" }, { "type", "output" } } }) } };

        send (*prompt, "executed", { { "node", nodeId }, { "display_node", nodeId }, { "output", output }, { "prompt_id", prompt->id } });
    }

    const auto png = renderGraph (prompt->graph);
    send (*prompt, "execution_success", { { "prompt_id", prompt->id }, { "timestamp", nowMs() } });

    {
        std::lock_guard<std::mutex> lock (mutex);
        files[filename] = png;
        history[prompt->id] = { { "prompt", { prompt->number, prompt->id, prompt->graph, json::object(), json::array ({ outputNode }) } },
                                { "outputs", { { outputNode, { { "images", json::array ({ { { "filename", filename }, { "subfolder", "" }, { "type", "output" } } }) } } } } },
                                { "status", { { "status_str", "success" }, { "completed", true }, { "messages", json::array() } } },
                                { "meta", json::object() } };
        prompt->state = Prompt::State::done;
        changed.notify_all();
    }

    send (*prompt, "status", { { "status", { { "exec_info", { { "queue_remaining", 0 } } } } } });
    send (*prompt, "executing", { { "node", nullptr }, { "display_node", nullptr }, { "prompt_id", prompt->id } });
}

} // namespace TestSupport
