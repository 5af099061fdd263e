// Conformance: generation, errors, cancellation and user workflows against the real ComfyUI.

#include "ConformanceSupport.h"
#include "Shared/BundledWorkflows.h"

#include <juce_graphics/juce_graphics.h>

using namespace Conformance;
using json = nlohmann::json;

namespace
{
    juce::StringArray generateArgs (const RealComfyUI& server, const juce::String& workflow, const juce::File& out)
    {
        return cliArgs ({ "generate", "--workflow", workflow, "--prompt", "conformance", "--seed", "255",
                          "--width", "32", "--height", "16", "--out", out.getFullPathName(), "--fallback-mode", "abort" }, server);
    }

    juce::File writeWorkflow (const juce::File& dir, const juce::String& name, const json& graph)
    {
        const auto file = dir.getChildFile (name);
        REQUIRE (file.replaceWithText (graph.dump (2)));
        return file;
    }

    /** EmptyImage → @p blurs × ImageBlur (radius 31) → SaveImage: a graph that keeps a CPU busy for a
        while, in steps (ComfyUI checks for an interrupt between nodes).
    */
    json slowGraph (int blurs, int size, const std::string& prefix)
    {
        // A colour of its own each time: ComfyUI caches nodes whose inputs it has seen in the previous prompt.
        const auto colour = juce::Random::getSystemRandom().nextInt (0x1000000);
        json graph = { { "1", { { "class_type", "EmptyImage" }, { "inputs", { { "width", size }, { "height", size }, { "batch_size", 1 }, { "color", colour } } } } } };
        for (int i = 0; i < blurs; ++i)
            graph[std::to_string (i + 2)] = { { "class_type", "ImageBlur" },
                                              { "inputs", { { "image", json::array ({ std::to_string (i + 1), 0 }) }, { "blur_radius", 31 }, { "sigma", 10.0 } } } };
        graph[std::to_string (blurs + 2)] = { { "class_type", "SaveImage" },
                                              { "inputs", { { "images", json::array ({ std::to_string (blurs + 1), 0 }) }, { "filename_prefix", prefix } } } };
        return graph;
    }

    /** Queues @p graph as another client would (not through our API); returns its prompt id. */
    std::string submitForeignPrompt (const RealComfyUI& server, const json& graph)
    {
        const auto response = http (server, "POST", "/prompt", json { { "prompt", graph }, { "client_id", "conformance-other-client" } }.dump());
        INFO (response.body);
        REQUIRE (response.statusCode == 200);
        return jsonOf (response).value ("prompt_id", std::string());
    }

    /** Where @p promptId is: "running", "pending", or "" when it is in neither list. */
    std::string queuePlaceOf (const RealComfyUI& server, const std::string& promptId)
    {
        const auto queue = jsonOf (http (server, "GET", "/queue"));
        for (const auto* list : { "queue_running", "queue_pending" })
            if (queue.is_object() && queue.contains (list))
                for (const auto& item : queue[list])
                    if (item.is_array() && item.size() > 1 && item[1] == promptId)
                        return std::string (list).substr (6);
        return {};
    }

    /** The history entry's status_str for @p promptId once ComfyUI has written it, or "" after the timeout. */
    std::string waitForHistoryStatus (const RealComfyUI& server, const std::string& promptId, int timeoutMs = 60000)
    {
        std::string result;
        TestSupport::pumpUntil ([&]
        {
            const auto history = jsonOf (http (server, "GET", juce::String ("/history/") + promptId));
            if (history.is_object() && history.contains (promptId))
                result = history[promptId]["status"].value ("status_str", std::string ("?"));
            return ! result.empty();
        }, timeoutMs);
        return result;
    }

    comfybridge::GenerationRequest bundledRequest (const juce::String& workflow, int width, int height, juce::int64 seed)
    {
        auto found = comfybridge::findWorkflow (workflow);
        REQUIRE (std::holds_alternative<comfybridge::WorkflowDefinition> (found));
        comfybridge::GenerationRequest request;
        request.workflow = std::get<comfybridge::WorkflowDefinition> (found);
        request.inputs.prompt = "conformance";
        request.inputs.seed = seed;
        request.inputs.width = width;
        request.inputs.height = height;
        request.timeoutSeconds = 120.0;
        return request;
    }

    std::unique_ptr<comfybridge::ConnectionManager> connectedManager (const RealComfyUI& server)
    {
        auto manager = std::make_unique<comfybridge::ConnectionManager> (configFor (server));
        REQUIRE (manager->connect().get().available);
        REQUIRE (TestSupport::pumpUntil ([&] { return manager->isLiveChannelOpen(); }, 10000));
        return manager;
    }
}

TEST_CASE ("conformance: generate runs the bundled empty_image and invert_image and writes PNGs of the requested size", "[conformance][generate]")
{
    auto& server = requireServer();
    TemporaryHome home;

    const auto plain = home.dir.getChildFile ("empty.png");
    const auto result = runCli (generateArgs (server, "empty_image", plain), home.dir);
    INFO (result.out << result.err);
    REQUIRE (result.exitCode == 0);
    CHECK (lastJsonLine (result.out)["result"] == "generated");
    const auto image = juce::ImageFileFormat::loadFrom (plain);
    REQUIRE (image.isValid());
    CHECK (image.getWidth() == 32);
    CHECK (image.getHeight() == 16);
    CHECK (image.getPixelAt (5, 5).getARGB() == 0xff0000ffu); // seed 255 = colour 0x0000ff

    const auto inverted = home.dir.getChildFile ("inverted.png");
    const auto invertResult = runCli (generateArgs (server, "invert_image", inverted), home.dir);
    INFO (invertResult.out << invertResult.err);
    REQUIRE (invertResult.exitCode == 0);
    const auto invertedImage = juce::ImageFileFormat::loadFrom (inverted);
    REQUIRE (invertedImage.isValid());
    CHECK (invertedImage.getWidth() == 32);
    CHECK (invertedImage.getHeight() == 16);
    CHECK (invertedImage.getPixelAt (5, 5).getARGB() == 0xffffff00u);

    // The same through the module's API, with progress from the live channel.
    auto manager = connectedManager (server);
    double lastFraction = 0.0;
    auto request = bundledRequest ("empty_image", 64, 48, 0x336699);
    request.onProgress = [&] (const comfybridge::GenerationProgress& p) { lastFraction = p.fraction; };
    const auto generated = waitFor (manager->generate (request));
    INFO (generated.messages.joinIntoString ("; "));
    REQUIRE (generated.outcome == comfybridge::GenerationOutcome::generated);
    REQUIRE (generated.images.size() == 1);
    CHECK (generated.images[0].getWidth() == 64);
    CHECK (generated.images[0].getHeight() == 48);
    CHECK (generated.images[0].getPixelAt (0, 0).getARGB() == 0xff336699u);
    CHECK (lastFraction == Approx (1.0));
}

TEST_CASE ("conformance: a prompt ComfyUI rejects exits 1 with ComfyUI's own message", "[conformance][generate]")
{
    auto& server = requireServer();
    TemporaryHome home;

    // batch_size 0 is below EmptyImage's minimum of 1: ComfyUI's validation says so.
    const auto file = writeWorkflow (home.dir, "bad-batch.json", {
        { "1", { { "class_type", "EmptyImage" }, { "inputs", { { "width", 64 }, { "height", 64 }, { "batch_size", 0 }, { "color", 0 } } } } },
        { "2", { { "class_type", "SaveImage" }, { "inputs", { { "images", json::array ({ "1", 0 }) }, { "filename_prefix", "conformance_bad" } } } } } });

    const auto out = home.dir.getChildFile ("bad.png");
    const auto result = runCli (cliArgs ({ "generate", "--workflow", file.getFullPathName(), "--prompt", "x", "--out", out.getFullPathName() }, server), home.dir);
    INFO (result.out << result.err);
    CHECK (result.exitCode == 1);
    CHECK (result.err.contains ("Value 0 smaller than min of 1"));
    CHECK (result.err.contains ("EmptyImage"));
    CHECK (lastJsonLine (result.out)["result"] == "failed");
    CHECK_FALSE (out.exists());

    // A node class this ComfyUI does not have: its "invalid_prompt" error carries no node_errors.
    const auto unknown = writeWorkflow (home.dir, "unknown-node.json", {
        { "1", { { "class_type", "EmptyImage" }, { "inputs", { { "width", 64 }, { "height", 64 }, { "batch_size", 1 }, { "color", 0 } } } } },
        { "2", { { "class_type", "ConformanceNoSuchNode" }, { "inputs", { { "image", json::array ({ "1", 0 }) } } } } },
        { "3", { { "class_type", "SaveImage" }, { "inputs", { { "images", json::array ({ "2", 0 }) }, { "filename_prefix", "conformance_bad" } } } } } });

    const auto unknownResult = runCli (cliArgs ({ "generate", "--workflow", unknown.getFullPathName(), "--prompt", "x", "--out", out.getFullPathName() }, server), home.dir);
    INFO (unknownResult.out << unknownResult.err);
    CHECK (unknownResult.exitCode == 1);
    CHECK (unknownResult.err.contains ("ConformanceNoSuchNode"));
    CHECK_FALSE (out.exists());
}

TEST_CASE ("conformance: cancelling a job cancels only that job", "[conformance][cancel]")
{
    auto& server = requireServer();
    auto manager = connectedManager (server);

    SECTION ("our job waiting behind another client's: deleted from the queue, the other one finishes")
    {
        const auto foreign = submitForeignPrompt (server, slowGraph (3, 64, "conformance_foreign"));
        REQUIRE (TestSupport::pumpUntil ([&] { return queuePlaceOf (server, foreign) == "running"; }, 20000));

        auto job = manager->generate (bundledRequest ("empty_image", 32, 32, 1));
        juce::String ours;
        REQUIRE (TestSupport::pumpUntil ([&]
        {
            const auto queue = jsonOf (http (server, "GET", "/queue"));
            for (const auto& item : queue.value ("queue_pending", json::array()))
                if (item.is_array() && item.size() > 3 && item[3].value ("client_id", std::string()) == comfybridge::ConnectionManager::getClientId().toStdString())
                    ours = juce::String (item[1].get<std::string>());
            return ours.isNotEmpty();
        }, 20000));
        INFO ("foreign " << foreign << ", ours " << ours);
        REQUIRE (queuePlaceOf (server, foreign) == "running"); // else the blocker was too quick for this machine

        job->cancel();
        const auto result = waitFor (job);
        CHECK (result.outcome == comfybridge::GenerationOutcome::cancelled);
        CHECK (queuePlaceOf (server, ours.toStdString()).empty());
        CHECK (waitForHistoryStatus (server, foreign) == "success"); // not interrupted
        CHECK (jsonOf (http (server, "GET", "/history/" + ours)).empty()); // never ran
    }

    SECTION ("our running job: interrupted, another client's job queued after it still runs")
    {
        TemporaryHome home;
        const auto slowFile = writeWorkflow (home.dir, "slow.json", slowGraph (3, 64, "conformance_ours"));
        auto slow = comfybridge::WorkflowLibrary::loadUserFile (slowFile);
        REQUIRE (std::holds_alternative<comfybridge::WorkflowDefinition> (slow));

        comfybridge::GenerationRequest request;
        request.workflow = std::get<comfybridge::WorkflowDefinition> (slow);
        request.inputs.width = 64;
        request.inputs.height = 64;
        request.timeoutSeconds = 120.0;
        auto job = manager->generate (request);

        // Running: our live progress has moved past "queued".
        REQUIRE (TestSupport::pumpUntil ([&] { return job->getProgress().fraction > 0.05 || job->isFinished(); }, 20000));
        const auto foreign = submitForeignPrompt (server, slowGraph (0, 32, "conformance_after"));
        if (job->isFinished())
            FAIL ("finished before it could be cancelled: " << toString (job->getFuture().get().outcome) << ": "
                  << job->getFuture().get().messages.joinIntoString ("; "));

        job->cancel();
        const auto result = waitFor (job);
        INFO (result.messages.joinIntoString ("; "));
        CHECK (result.outcome == comfybridge::GenerationOutcome::cancelled);
        CHECK (waitForHistoryStatus (server, result.promptId.toStdString()) == "error"); // ComfyUI records the interruption
        CHECK (waitForHistoryStatus (server, foreign) == "success");
    }
}

// The intended behaviour of a user's own workflow: its own sizes stand unless --width/--height
// are given.
TEST_CASE ("conformance: a user workflow whose EmptyImage is 64x48 comes back 64x48 without --width/--height", "[conformance][userworkflow]")
{
    auto& server = requireServer();
    TemporaryHome home;

    const auto file = writeWorkflow (home.dir, "my-workflow.json", {
        { "1", { { "class_type", "EmptyImage" }, { "inputs", { { "width", 64 }, { "height", 48 }, { "batch_size", 1 }, { "color", 0x112233 } } } } },
        { "2", { { "class_type", "SaveImage" }, { "inputs", { { "images", json::array ({ "1", 0 }) }, { "filename_prefix", "conformance_user" } } } } } });

    const auto out = home.dir.getChildFile ("user.png");
    const auto result = runCli (cliArgs ({ "generate", "--workflow", file.getFullPathName(), "--prompt", "x", "--out", out.getFullPathName() }, server), home.dir);
    INFO (result.out << result.err);
    REQUIRE (result.exitCode == 0);
    const auto image = juce::ImageFileFormat::loadFrom (out);
    REQUIRE (image.isValid());
    CHECK (image.getWidth() == 64);
    CHECK (image.getHeight() == 48);
}
