// Conformance: status, readiness and deployment against the real ComfyUI.

#include "ConformanceSupport.h"
#include "Shared/BundledWorkflows.h"

using namespace Conformance;

namespace
{
    /** A manager that checks readiness for the bundled workflows without acting on it. */
    comfybridge::ComfyUIStatus readinessOf (const RealComfyUI& server)
    {
        juce::StringArray errors;
        comfybridge::ReadinessOptions options;
        options.workflows = comfybridge::loadBundledWorkflows (errors).getWorkflows();
        options.actOnFindings = false;
        REQUIRE (errors.isEmpty());

        comfybridge::ConnectionManager manager (configFor (server));
        manager.setReadinessOptions (options);
        REQUIRE (manager.connect().get().available);
        auto checked = manager.readinessChecked();
        REQUIRE (TestSupport::pumpUntil ([&] { return checked.wait_for (std::chrono::milliseconds (0)) == std::future_status::ready; }, 30000));
        return checked.get();
    }

    bool serverHasFile (const RealComfyUI& server, const juce::String& folder, const juce::String& name)
    {
        const auto listing = jsonOf (http (server, "GET", "/models/" + folder));
        return listing.is_array() && std::find (listing.begin(), listing.end(), name.toStdString()) != listing.end();
    }
}

TEST_CASE ("conformance: status reports available, ComfyUI's version and the queue", "[conformance][status]")
{
    auto& server = requireServer();
    const auto stats = jsonOf (http (server, "GET", "/system_stats"));
    const auto queue = jsonOf (http (server, "GET", "/prompt"));
    REQUIRE (stats.is_object());

    comfybridge::ConnectionManager manager (configFor (server));
    const auto status = manager.connect().get();
    CHECK (status.available);
    CHECK (status.state == comfybridge::ConnectionState::connected);
    REQUIRE (status.version.has_value());
    CHECK (status.version->toStdString() == stats["system"].value ("comfyui_version", std::string ("?")));
    CHECK (status.queueSize == queue["exec_info"].value ("queue_remaining", -1));

    TemporaryHome home;
    const auto cli = runCli (cliArgs ({ "status", "--json" }, server), home.dir);
    INFO (cli.out << cli.err);
    CHECK (cli.exitCode == 0);
    const auto json = nlohmann::json::parse (cli.out.toStdString(), nullptr, false);
    REQUIRE (json.is_object());
    CHECK (json["available"] == true);
    CHECK (json["version"] == stats["system"]["comfyui_version"]);
    CHECK (json["queue_size"].is_number_integer());
}

TEST_CASE ("conformance: readiness sees the origin check, the missing checkpoint and the runnable model-free workflows", "[conformance][readiness]")
{
    auto& server = requireServer();
    const auto status = readinessOf (server);
    INFO (status.toJson (true));

    // CORS: what the server really does with a foreign Origin decides the expected verdict
    // (our own server runs without --enable-cors-header: the origin check answers 403).
    juce::StringPairArray origin;
    origin.set ("Origin", "http://example.com");
    const auto foreign = http (server, "GET", "/system_stats", {}, origin);
    const auto admitsForeignOrigins = foreign.statusCode == 200 && foreign.headers["access-control-allow-origin"].trim() == "*";
    if (server.isManaged())
        CHECK (foreign.statusCode == 403);

    CHECK (status.corsCheck.checked);
    CHECK (status.corsEnabled == admitsForeignOrigins);
    if (! admitsForeignOrigins)
        CHECK (status.corsCheck.reason.contains ("--enable-cors-header"));

    // Models: the bundled txt2img needs the SD 1.5 checkpoint; our own server has no models.
    const auto hasCheckpoint = serverHasFile (server, "checkpoints", "v1-5-pruned-emaonly-fp16.safetensors");
    if (server.isManaged())
        CHECK_FALSE (hasCheckpoint);

    CHECK (status.modelsCheck.checked);
    CHECK (status.modelsReady == hasCheckpoint);
    const auto missing = std::find_if (status.missingModels.begin(), status.missingModels.end(),
                                       [] (const auto& m) { return m.workflow == "txt2img" && m.folder == "checkpoints"; });
    CHECK ((missing != status.missingModels.end()) == ! hasCheckpoint);
    if (missing != status.missingModels.end())
        CHECK (missing->url.startsWith ("https://huggingface.co/"));

    // Workflows: the model-free ones run on any ComfyUI; txt2img only with its checkpoint.
    CHECK (status.workflowsCheck.checked);
    auto problemOf = [&] (const juce::String& name)
    {
        for (const auto& p : status.workflowProblems)
            if (p.workflow == name)
                return p.problem;
        return juce::String();
    };
    CHECK (problemOf ("empty_image").isEmpty());
    CHECK (problemOf ("invert_image").isEmpty());
    CHECK (problemOf ("txt2img").isEmpty() == hasCheckpoint);

    TemporaryHome home;
    const auto cli = runCli (cliArgs ({ "workflows" }, server), home.dir);
    INFO (cli.out << cli.err);
    CHECK (cli.exitCode == (hasCheckpoint ? 0 : 6));
    CHECK (cli.out.contains ("empty_image   can run"));
    CHECK (cli.out.contains ("invert_image  can run"));
}

TEST_CASE ("conformance: workflows --deploy stores the bundled workflows, readable through /userdata; a second run says unchanged", "[conformance][deploy]")
{
    auto& server = requireServer();
    TemporaryHome home;

    const auto first = runCli (cliArgs ({ "workflows", "--deploy" }, server), home.dir);
    INFO (first.out << first.err);
    CHECK ((first.exitCode == 0 || first.exitCode == 6)); // 6: txt2img lacks its checkpoint; deploying still works
    CHECK ((first.out.contains ("created") || first.out.contains ("unchanged")));  // unchanged: a user's server that already has them
    CHECK_FALSE (first.out.contains ("failed"));

    const auto second = runCli (cliArgs ({ "workflows", "--deploy" }, server), home.dir);
    INFO (second.out << second.err);
    CHECK (second.exitCode == first.exitCode);
    CHECK (second.out.contains ("unchanged"));
    CHECK_FALSE (second.out.contains ("created"));

    // The frontend opens the library's files as its graph format: nodes whose types the
    // server knows, links, version 0.4 (Tests/Frontend loads them with its graph library).
    const auto objectInfo = jsonOf (http (server, "GET", "/object_info"));
    REQUIRE (objectInfo.is_object());

    for (const auto* name : { "empty_image", "invert_image", "txt2img" })
    {
        const auto file = http (server, "GET", juce::String ("/userdata/workflows%2Fcomfybridge-") + name + ".json");
        INFO (name);
        CHECK (file.statusCode == 200);
        const auto graph = jsonOf (file);
        REQUIRE (graph.is_object());
        CHECK (graph.value ("version", 0.0) == Approx (0.4));
        CHECK (graph["links"].is_array());
        REQUIRE (graph["nodes"].is_array());
        CHECK_FALSE (graph["nodes"].empty());

        for (const auto& node : graph["nodes"])
            CHECK (objectInfo.contains (node.value ("type", std::string())));
    }
}

// Last in this file and followed by the CORS comparison (WireFacts...): one restart for both.
TEST_CASE ("conformance: readiness reports CORS enabled when ComfyUI runs with --enable-cors-header '*'", "[conformance][readiness]")
{
    CONFORMANCE_NEEDS_OWN_SERVER ("starting ComfyUI with --enable-cors-header");
    auto& server = requireServer ({ "--enable-cors-header", "*" });

    const auto status = readinessOf (server);
    INFO (status.toJson (true));
    CHECK (status.corsCheck.checked);
    CHECK (status.corsEnabled);
    CHECK (status.corsCheck.reason.isEmpty());

    TemporaryHome home;
    const auto cli = runCli (cliArgs ({ "status" }, server), home.dir);
    INFO (cli.out << cli.err);
    CHECK (cli.exitCode == 0);
    CHECK_FALSE (cli.out.contains ("CORS: NOT READY"));
}
