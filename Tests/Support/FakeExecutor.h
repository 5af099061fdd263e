#pragma once

#include <FakeComfyUI.h>
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace TestSupport
{

/**
    Makes a FakeComfyUI run prompts the way ComfyUI does (reference §4.2-§5):
    POST /prompt refuses literal numbers outside object_info's min..max with
    ComfyUI's 400 (prompt_outputs_failed_validation, value_smaller_than_min /
    value_bigger_than_max), else queues; a worker "executes" the graph node by
    node and sends the WebSocket events to the prompt's client_id in ComfyUI's
    order, writes history before `executing {node: null}`, and serves the output
    PNG through /view. EmptyImage/ImageInvert graphs produce real pixels (drawn with JUCE).
    /queue, /queue delete, /interrupt and /history/{id} behave like ComfyUI's.
*/
class FakeExecutor
{
public:
    enum class Mode
    {
        complete,     ///< run to the end
        holdPending,  ///< leave prompts queued until deleted
        holdRunning,  ///< start, then run until interrupted
        failAtNode,   ///< an execution_error at the output node
        skipEvents    ///< complete, but send no WebSocket events (the client must poll history)
    };

    explicit FakeExecutor (TestHelpers::FakeComfyUI& server);
    ~FakeExecutor();

    void setMode (Mode newMode);
    void setStepDelayMs (int ms);

    /** Answer the next submissions with 400 and these node_errors (null = accept). */
    void setRejection (const nlohmann::json& nodeErrors);

    /** Accept, but report these node_errors alongside (200 with partial errors). */
    void setPartialNodeErrors (const nlohmann::json& nodeErrors);

    /** Event types sent, in order, for @p promptId. */
    std::vector<std::string> eventsSentFor (const std::string& promptId) const;

    int interruptCount() const;
    int deleteCount() const;
    std::vector<std::string> submittedPromptIds() const;

    /** Waits until @p promptId is running (true) or the time is up. */
    bool waitUntilRunning (const std::string& promptId, int timeoutMs) const;
    bool waitForSubmission (int count, int timeoutMs) const;

    /** Forgets all prompts and history, as a ComfyUI restart does. */
    void forgetEverything();

private:
    struct Prompt
    {
        std::string id, clientId;
        nlohmann::json graph;
        int number = 0;
        enum class State { pending, running, done } state = State::pending;
        bool interrupt = false, deleted = false;
    };

    TestHelpers::FakeComfyUI& server;
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    Mode mode = Mode::complete;
    int stepDelayMs = 20;
    nlohmann::json rejection, partialErrors;
    std::map<std::string, std::shared_ptr<Prompt>> prompts;
    std::vector<std::string> order;
    nlohmann::json history = nlohmann::json::object();
    std::map<std::string, std::string> files;
    std::map<std::string, std::vector<std::string>> events;
    std::vector<std::thread> workers;
    int interrupts = 0, deletes = 0, counter = 0, imageCounter = 0;
    bool stopping = false;

    void installRoutes();
    void execute (std::shared_ptr<Prompt> prompt);
    void send (const Prompt& prompt, const std::string& type, nlohmann::json data, bool recordOnly = false);
    nlohmann::json queueJson() const;
    bool sleepUnlessStopping (int ms);
};

} // namespace TestSupport
