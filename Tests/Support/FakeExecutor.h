#pragma once

#include <FakeComfyUI.h>
#include "FakeAudioNodes.h"
#include <nlohmann/json.hpp>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace TestSupport
{

/**
    Makes a FakeComfyUI run prompts the way ComfyUI v0.3.64 does (checked against
    the real server by the conformance tier; see Tests/Helpers/README.md):
    POST /prompt validates the graph (PromptValidation.h) and queues it; prompts
    run one at a time, lowest number first, the nodes the outputs need in
    dependency order, nodes unchanged since the previous prompt cached. The
    WebSocket events go to the prompt's client_id in ComfyUI's order ("status" to
    every socket, twice before execution_start; progress_state per node; "progress"
    only from samplers; "executed" only for SaveImage/PreviewImage), history is
    written before the final `executing {node: null}`, which follows success,
    error and interruption alike. Outputs are named PREFIX_00001_.png and served by
    /view. EmptyImage/ImageInvert graphs produce real pixels (drawn with JUCE). Audio graphs
    (LoadAudio, AudioAdjustVolume, TrimAudioDuration, SaveAudio, PreviewAudio; see
    FakeAudioNodes.h) produce real sound: SaveAudio writes 16-bit FLAC listed under "audio".
    GET /prompt, /queue, /queue delete, /interrupt and /history/{id} behave like ComfyUI's.
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
        nlohmann::json extraData = nlohmann::json::object(); // history's prompt[3]: {"client_id": ...}
        nlohmann::json outputs = nlohmann::json::array();    // the output nodes that passed validation
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
    std::map<std::string, nlohmann::json> cachedOutputs; // node signature → its UI output ({} for non-output nodes)
    std::map<std::string, int> fileCounters;             // filename_prefix → last number used
    std::map<std::string, std::shared_ptr<const FakeAudio>> audioCache; // node signature → its AUDIO
    std::map<std::string, std::vector<std::string>> events;
    std::vector<std::thread> workers;
    int interrupts = 0, deletes = 0, counter = 0;
    bool stopping = false;

    void installRoutes();
    void execute (std::shared_ptr<Prompt> prompt);
    nlohmann::json saveAudio (const std::string& classType, const nlohmann::json& inputs, const FakeAudio& audio);
    void send (const Prompt& prompt, const std::string& type, nlohmann::json data, bool recordOnly = false);
    nlohmann::json queueJson() const;
    void broadcastStatus();
    bool isStopping() const;
    bool sleepUnlessStopping (int ms);
};

} // namespace TestSupport
