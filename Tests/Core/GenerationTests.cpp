#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Support/FakeExecutor.h"
#include "Support/TestUtilities.h"
#include "Shared/BundledWorkflows.h"

using namespace TestSupport;
using comfybridge::ConnectionManager;
using comfybridge::GenerationOutcome;
using comfybridge::GenerationResult;
using TestHelpers::FakeComfyUI;

namespace
{
    comfybridge::GenerationRequest requestFor (const juce::String& workflow, juce::int64 seed = 0x336699, int w = 64, int h = 48)
    {
        auto found = comfybridge::findWorkflow (workflow);
        REQUIRE (std::holds_alternative<comfybridge::WorkflowDefinition> (found));
        comfybridge::GenerationRequest request;
        request.workflow = std::get<comfybridge::WorkflowDefinition> (found);
        request.inputs.prompt = "a red fox in the snow";
        request.inputs.seed = seed;
        request.inputs.width = w;
        request.inputs.height = h;
        request.timeoutSeconds = 30.0;
        return request;
    }

    GenerationResult waitFor (const std::shared_ptr<comfybridge::GenerationJob>& job, int timeoutMs = 20000)
    {
        auto future = job->getFuture();
        const auto finished = pumpUntil ([&] { return future.wait_for (std::chrono::milliseconds (0)) == std::future_status::ready; }, timeoutMs);
        pumpFor (30); // deliver the callbacks already posted, while their captures are alive
        REQUIRE (finished);
        return future.get();
    }

    /** A connected manager with the live channel open (when the server offers one). */
    std::unique_ptr<ConnectionManager> connectedManager (int port, bool waitForLiveChannel = true)
    {
        auto manager = std::make_unique<ConnectionManager> (localConfig (port));
        REQUIRE (manager->connect().get().available);
        if (waitForLiveChannel)
            REQUIRE (pumpUntil ([&] { return manager->isLiveChannelOpen(); }, 5000));
        return manager;
    }
}

TEST_CASE ("generate runs a workflow end to end and returns the image", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port());

    std::vector<double> fractions;
    auto request = requestFor ("empty_image", 0x336699, 64, 48);
    request.onProgress = [&] (const comfybridge::GenerationProgress& p) { fractions.push_back (p.fraction); };
    const auto result = waitFor (manager->generate (request));

    INFO (result.messages.joinIntoString ("\n"));
    REQUIRE (result.outcome == GenerationOutcome::generated);
    REQUIRE (result.images.size() == 1);
    CHECK (result.images[0].getWidth() == 64);
    CHECK (result.images[0].getHeight() == 48);
    CHECK (result.images[0].getPixelAt (10, 10).getARGB() == 0xff336699u);
    REQUIRE (result.pngData.size() == 1);
    CHECK (juce::ImageFileFormat::loadFrom (result.pngData[0].getData(), result.pngData[0].getSize()).getWidth() == 64);
    CHECK (executor.submittedPromptIds() == std::vector<std::string> { result.promptId.toStdString() });

    // The prompt went out with our client id and a client-made prompt id.
    nlohmann::json posted;
    for (const auto& r : server.requests())
        if (r.method == "POST" && r.path == "/api/prompt")
            posted = nlohmann::json::parse (r.body);
    CHECK (posted.value ("client_id", "") == ConnectionManager::getClientId().toStdString());
    CHECK (posted.value ("prompt_id", "") == result.promptId.toStdString());

    pumpFor (50);
    REQUIRE (fractions.size() >= 3);
    CHECK (std::is_sorted (fractions.begin(), fractions.end()));
    CHECK (fractions.back() == Approx (1.0));
}

TEST_CASE ("the invert workflow inverts the colour", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port());

    const auto result = waitFor (manager->generate (requestFor ("invert_image", 0x000000)));
    REQUIRE (result.outcome == GenerationOutcome::generated);
    CHECK (result.images[0].getPixelAt (0, 0).getARGB() == 0xffffffffu);
}

TEST_CASE ("live progress events arrive in ComfyUI's order", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port());

    std::vector<juce::String> texts;
    auto request = requestFor ("invert_image");
    request.onProgress = [&] (const comfybridge::GenerationProgress& p) { texts.push_back (p.text); };
    const auto result = waitFor (manager->generate (request));
    REQUIRE (result.outcome == GenerationOutcome::generated);

    const auto events = executor.eventsSentFor (result.promptId.toStdString());
    REQUIRE (events.size() > 4);
    // ComfyUI's order: "status" twice (queued, then taken), execution_start, ..., "executing" null last.
    CHECK (events[0] == "status");
    CHECK (events[1] == "status");
    CHECK (events[2] == "execution_start");
    CHECK (events.back() == "executing");

    pumpFor (50);
    // Node names from the live channel show up as progress text.
    CHECK (std::find (texts.begin(), texts.end(), juce::String ("ImageInvert")) != texts.end());
}

TEST_CASE ("a rejected workflow reports each node's error in words", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    executor.setRejection ({ { "4", { { "errors", { { { "type", "value_not_in_list" }, { "message", "Value not in list" },
                                                      { "details", "ckpt_name: 'v1-5.safetensors' not in []" } } } },
                                      { "dependent_outputs", { "9" } }, { "class_type", "CheckpointLoaderSimple" } } } });
    auto manager = connectedManager (server.port(), false);

    const auto result = waitFor (manager->generate (requestFor ("empty_image")));
    CHECK (result.outcome == GenerationOutcome::failed);
    INFO (result.messages.joinIntoString ("\n"));
    CHECK (result.messages.contains ("node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name: 'v1-5.safetensors' not in []"));
    CHECK (result.messages[0].startsWith ("ComfyUI rejected the workflow"));
}

TEST_CASE ("partial node errors on 200 are reported beside the result", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    executor.setPartialNodeErrors ({ { "12", { { "errors", { { { "message", "Required input is missing" }, { "details", "images" } } } },
                                               { "class_type", "PreviewImage" } } } });
    auto manager = connectedManager (server.port());

    const auto result = waitFor (manager->generate (requestFor ("empty_image")));
    CHECK (result.outcome == GenerationOutcome::generated);
    CHECK (result.messages.contains ("node 12 (PreviewImage): Required input is missing: images"));
}

TEST_CASE ("an execution error becomes a failed result naming the node", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    executor.setMode (FakeExecutor::Mode::failAtNode);
    auto manager = connectedManager (server.port());

    const auto result = waitFor (manager->generate (requestFor ("empty_image")));
    CHECK (result.outcome == GenerationOutcome::failed);
    INFO (result.messages.joinIntoString ("\n"));
    CHECK (result.messages.joinIntoString ("\n").contains ("ComfyUI failed at node 2 (SaveImage): CUDA out of memory"));
}

TEST_CASE ("cancelling a pending job deletes it from the queue and interrupts nothing", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    executor.setMode (FakeExecutor::Mode::holdPending);
    auto manager = connectedManager (server.port());

    auto job = manager->generate (requestFor ("empty_image"));
    REQUIRE (executor.waitForSubmission (1, 5000));
    REQUIRE (pumpUntil ([&] { return job->getProgress().text == "queued"; }));
    job->cancel();
    const auto result = waitFor (job);

    CHECK (result.outcome == GenerationOutcome::cancelled);
    CHECK (executor.deleteCount() == 1);
    CHECK (executor.interruptCount() == 0);
}

TEST_CASE ("cancelling a running job interrupts only that prompt", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    executor.setMode (FakeExecutor::Mode::holdRunning);
    auto manager = connectedManager (server.port());

    auto job = manager->generate (requestFor ("empty_image"));
    REQUIRE (executor.waitForSubmission (1, 5000));
    REQUIRE (executor.waitUntilRunning (executor.submittedPromptIds()[0], 5000));
    job->cancel();
    const auto result = waitFor (job);

    CHECK (result.outcome == GenerationOutcome::cancelled);
    CHECK (executor.interruptCount() == 1);
    CHECK (executor.deleteCount() == 0);

    bool interruptNamedOurPrompt = false;
    for (const auto& r : server.requests())
        if (r.method == "POST" && r.path.find ("interrupt") != std::string::npos)
            interruptNamedOurPrompt = r.body.find (executor.submittedPromptIds()[0]) != std::string::npos;
    CHECK (interruptNamedOurPrompt);
}

TEST_CASE ("a job finishing while the connection is down is recovered from history", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    executor.setStepDelayMs (150);
    auto manager = connectedManager (server.port());
    manager->startHealthMonitoring (0.1);

    auto job = manager->generate (requestFor ("empty_image", 0x123456));
    REQUIRE (executor.waitForSubmission (1, 5000));

    server.stop(); // the job keeps running "in ComfyUI" while we cannot reach it
    REQUIRE (pumpUntil ([&] { return ! manager->isAvailable(); }, 5000));
    pumpFor (1500);
    CHECK_FALSE (job->isFinished());

    REQUIRE (server.restart());
    const auto result = waitFor (job);
    INFO (result.messages.joinIntoString ("\n"));
    CHECK (result.outcome == GenerationOutcome::generated);
    CHECK (result.images.at (0).getPixelAt (1, 1).getARGB() == 0xff123456u);
}

TEST_CASE ("a job the backend forgot (restart) is reported lost, not waited for", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    executor.setMode (FakeExecutor::Mode::holdPending);
    auto manager = connectedManager (server.port());
    manager->startHealthMonitoring (0.1);

    auto job = manager->generate (requestFor ("empty_image"));
    REQUIRE (executor.waitForSubmission (1, 5000));
    REQUIRE (pumpUntil ([&] { return job->getProgress().text == "queued"; }));

    server.stop();
    REQUIRE (pumpUntil ([&] { return ! manager->isAvailable(); }, 5000));
    executor.forgetEverything();
    REQUIRE (server.restart());

    const auto result = waitFor (job);
    CHECK (result.outcome == GenerationOutcome::lost);
    CHECK (result.messages[0].contains ("lost"));
}

TEST_CASE ("a job that never finishes is reported at its timeout", "[generation]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    executor.setMode (FakeExecutor::Mode::holdRunning);
    auto manager = connectedManager (server.port());

    auto request = requestFor ("empty_image");
    request.timeoutSeconds = 1.0;
    const auto result = waitFor (manager->generate (request), 10000);
    CHECK (result.outcome == GenerationOutcome::failed);
    CHECK (result.messages[0].contains ("did not finish the job within 1 s"));
}

TEST_CASE ("without a live channel the engine polls history and still finishes", "[generation]")
{
    FakeComfyUI server;
    server.setRoute ("GET", "/ws", [] (const TestHelpers::Request&) { return TestHelpers::Response::text (404, "404: Not Found"); });
    REQUIRE (server.start());
    FakeExecutor executor (server);
    auto manager = connectedManager (server.port(), false);
    pumpFor (200);
    CHECK_FALSE (manager->isLiveChannelOpen());

    const auto result = waitFor (manager->generate (requestFor ("empty_image")));
    CHECK (result.outcome == GenerationOutcome::generated);
}

TEST_CASE ("fallback modes apply when the backend is unavailable", "[generation][fallback]")
{
    auto config = localConfig (TestHelpers::closedPort());

    SECTION ("placeholder draws an image of the requested size")
    {
        ConnectionManager manager (config);
        REQUIRE_FALSE (manager.connect().get().available);
        const auto result = waitFor (manager.generate (requestFor ("empty_image", 7, 320, 200)));
        REQUIRE (result.outcome == GenerationOutcome::placeholder);
        REQUIRE (result.images.size() == 1);
        CHECK (result.images[0].getWidth() == 320);
        CHECK (result.images[0].getHeight() == 200);
        CHECK (result.messages[0].contains ("connection refused"));
    }

    SECTION ("skip produces nothing and says why")
    {
        config.fallbackMode = comfybridge::FallbackMode::skip;
        ConnectionManager manager (config);
        REQUIRE_FALSE (manager.connect().get().available);
        const auto result = waitFor (manager.generate (requestFor ("empty_image")));
        CHECK (result.outcome == GenerationOutcome::skipped);
        CHECK (result.images.empty());
        CHECK (result.messages[0].contains ("nothing was generated"));
    }

    SECTION ("abort stops with an error")
    {
        config.fallbackMode = comfybridge::FallbackMode::abort;
        ConnectionManager manager (config);
        REQUIRE_FALSE (manager.connect().get().available);
        const auto result = waitFor (manager.generate (requestFor ("empty_image")));
        CHECK (result.outcome == GenerationOutcome::aborted);
        CHECK (result.images.empty());
    }
}

TEST_CASE ("the placeholder takes the workflow's own size and prompt when the user gave none", "[generation][fallback]")
{
    ConnectionManager manager (localConfig (TestHelpers::closedPort()));
    REQUIRE_FALSE (manager.connect().get().available);

    auto workflowWith = [] (int width, int height)
    {
        juce::TemporaryFile file (".json");
        file.getFile().replaceWithText (R"({"1": {"class_type": "EmptyImage", "inputs": {"width": )" + juce::String (width) + R"(, "height": )"
                                        + juce::String (height) + R"(, "batch_size": 1, "color": 0}},
                                           "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "mine"}}})");
        auto loaded = comfybridge::WorkflowLibrary::loadUserFile (file.getFile());
        REQUIRE (std::holds_alternative<comfybridge::WorkflowDefinition> (loaded));
        return std::get<comfybridge::WorkflowDefinition> (loaded);
    };

    comfybridge::GenerationRequest request;
    request.workflow = workflowWith (96, 40);
    auto result = waitFor (manager.generate (request));
    REQUIRE (result.outcome == GenerationOutcome::placeholder);
    CHECK (result.images[0].getWidth() == 96);
    CHECK (result.images[0].getHeight() == 40);

    // A size the placeholder cannot draw falls back to the default for that side only.
    request.workflow = workflowWith (0, 40);
    result = waitFor (manager.generate (request));
    REQUIRE (result.outcome == GenerationOutcome::placeholder);
    CHECK (result.images[0].getWidth() == 512);
    CHECK (result.images[0].getHeight() == 40);

    // What the user sets still wins.
    request.inputs.width = 30;
    result = waitFor (manager.generate (request));
    CHECK (result.images[0].getWidth() == 30);
}

TEST_CASE ("the live channel notices a dead backend in well under a second", "[generation][live]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    auto manager = connectedManager (server.port()); // no health monitoring at all

    double ms = 0;
    server.stop();
    const auto start = juce::Time::getMillisecondCounterHiRes();
    REQUIRE (pumpUntil ([&] { return ! manager->isAvailable(); }, 3000));
    ms = juce::Time::getMillisecondCounterHiRes() - start;
    INFO ("noticed after " << ms << " ms");
    CHECK (ms < 1000.0);
}

TEST_CASE ("queue size updates live from status events", "[generation][live]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    auto manager = connectedManager (server.port());
    REQUIRE (server.waitForWsClient (ConnectionManager::getClientId().toStdString(), 5000));

    server.broadcast (R"({"type":"status","data":{"status":{"exec_info":{"queue_remaining":7}}}})");
    REQUIRE (pumpUntil ([&] { return manager->getStatus().queueSize == 7; }, 3000));
}

TEST_CASE ("malformed and oversized live frames close the channel but not the connection", "[generation][live]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    auto manager = connectedManager (server.port());
    const auto sid = ConnectionManager::getClientId().toStdString();
    REQUIRE (server.waitForWsClient (sid, 5000));

    auto liveChannelOpenings = [&]
    {
        int n = 0;
        for (const auto& r : server.requests())
            n += r.path == "/ws" ? 1 : 0;
        return n;
    };
    REQUIRE (liveChannelOpenings() == 1);

    // A frame header claiming 1 GiB: the client drops the socket, the manager
    // checks ComfyUI at once (still fine) and opens a fresh channel.
    server.sendRawToClient (sid, std::string ("\x82\x7f\x00\x00\x00\x00\x40\x00\x00\x00", 10));
    REQUIRE (pumpUntil ([&] { return liveChannelOpenings() == 2; }, 3000));

    // Then a frame with reserved bits set: the same again.
    REQUIRE (server.waitForWsClient (sid, 3000));
    server.sendRawToClient (sid, std::string ("\xf1\x02hi", 4));
    REQUIRE (pumpUntil ([&] { return liveChannelOpenings() == 3; }, 3000));

    CHECK (manager->isAvailable());
    CHECK (manager->getStatus().state == comfybridge::ConnectionState::connected);
}
