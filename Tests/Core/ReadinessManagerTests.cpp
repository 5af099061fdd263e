#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <DownloadServer.h>
#include <MisbehavingServers.h>
#include <nlohmann/json.hpp>
#include "Shared/BundledWorkflows.h"
#include "Support/TestUtilities.h"

using namespace TestSupport;
using TestHelpers::FakeComfyUI;

namespace
{
    std::vector<comfybridge::WorkflowDefinition> bundled()
    {
        juce::StringArray errors;
        auto workflows = comfybridge::loadBundledWorkflows (errors).getWorkflows();
        REQUIRE (errors.isEmpty());
        return workflows;
    }

    /** A manager with the bundled workflows and a private deployment record. */
    struct ReadinessFixture
    {
        FakeComfyUI server;
        juce::TemporaryFile record { ".json" };
        std::unique_ptr<comfybridge::ConnectionManager> manager;

        explicit ReadinessFixture (bool actOnFindings = true)
        {
            REQUIRE (server.start());
            server.setCorsOrigin ("*");
            manager = std::make_unique<comfybridge::ConnectionManager> (localConfig (server.port(), 5.0));

            comfybridge::ReadinessOptions options;
            options.workflows = bundled();
            options.deploymentRecordFile = record.getFile();
            options.actOnFindings = actOnFindings;
            manager->setReadinessOptions (options);
        }

        comfybridge::ComfyUIStatus connectAndCheck()
        {
            const auto connected = manager->connect();
            REQUIRE (ready (connected));
            REQUIRE (connected.get().available);
            const auto checked = manager->readinessChecked();
            REQUIRE (ready (checked));
            return checked.get();
        }
    };

    bool workflowHasProblem (const comfybridge::ComfyUIStatus& status, const juce::String& name)
    {
        return std::any_of (status.workflowProblems.begin(), status.workflowProblems.end(),
                            [&] (const auto& p) { return p.workflow == name; });
    }
}

TEST_CASE ("readiness: a complete server is fully ready and the workflows are deployed", "[readiness][manager]")
{
    ReadinessFixture f;
    const auto status = f.connectAndCheck();

    CHECK (status.corsCheck.checked);
    CHECK (status.corsEnabled);
    CHECK (status.modelsCheck.checked);
    CHECK (status.modelsReady);
    CHECK (status.workflowsCheck.checked);
    CHECK (status.workflowsReady);
    CHECK (status.missingModels.empty());
    CHECK (status.workflowProblems.empty());
    CHECK (status.fullyReady());

    for (auto name : { "txt2img", "empty_image", "invert_image" })
        CHECK (f.server.userdataFile ("workflows/comfybridge-" + std::string (name) + ".json").has_value());

    CHECK (status.activity.contains ("created"));

    // Deployed already: a second pass changes nothing and has nothing to say.
    f.manager->refreshReadiness();
    const auto again = f.manager->readinessChecked();
    REQUIRE (ready (again));
    CHECK (again.get().fullyReady());
    CHECK (again.get().activity.isEmpty());
}

TEST_CASE ("readiness: a missing checkpoint is listed with its workflow and URL, and that workflow cannot run", "[readiness][manager]")
{
    ReadinessFixture f;
    f.server.setModelFiles ("checkpoints", { "stable_audio_open_1.0.safetensors" });
    const auto status = f.connectAndCheck();

    CHECK (status.available);
    CHECK (status.modelsCheck.checked);
    CHECK_FALSE (status.modelsReady);
    REQUIRE (status.missingModels.size() == 1);
    CHECK (status.missingModels[0].workflow == "txt2img");
    CHECK (status.missingModels[0].folder == "checkpoints");
    CHECK (status.missingModels[0].name == "v1-5-pruned-emaonly-fp16.safetensors");
    CHECK (status.missingModels[0].url.startsWith ("https://"));
    CHECK (status.modelsCheck.reason.contains ("1 model file missing"));
    // Its folder (as the fake server reports it) is not on this machine: nothing is downloaded.
    CHECK (status.modelsCheck.reason.contains ("not a writable folder on this machine"));

    CHECK_FALSE (status.workflowsReady);
    CHECK (workflowHasProblem (status, "txt2img"));
    CHECK_FALSE (workflowHasProblem (status, "empty_image"));
    CHECK_FALSE (status.fullyReady());
    CHECK_FALSE (f.manager->isDownloadingModels());
}

TEST_CASE ("readiness: a missing node class names the workflow and the node", "[readiness][manager]")
{
    ReadinessFixture f;
    f.server.removeNodeClass ("ImageInvert");
    const auto status = f.connectAndCheck();

    CHECK_FALSE (status.workflowsReady);
    REQUIRE (status.workflowProblems.size() == 1);
    CHECK (status.workflowProblems[0].workflow == "invert_image");
    CHECK (status.workflowProblems[0].problem.contains ("ImageInvert"));
    CHECK (status.workflowsCheck.reason.contains ("invert_image"));
}

TEST_CASE ("readiness: refreshReadiness sees what the user fixed on the server", "[readiness][manager]")
{
    ReadinessFixture f;
    f.server.setModelFiles ("checkpoints", { "stable_audio_open_1.0.safetensors" });
    CHECK_FALSE (f.connectAndCheck().modelsReady);

    f.server.setModelFiles ("checkpoints", { "v1-5-pruned-emaonly-fp16.safetensors", "stable_audio_open_1.0.safetensors" });
    f.manager->refreshReadiness();
    const auto checked = f.manager->readinessChecked();
    REQUIRE (ready (checked));
    CHECK (checked.get().modelsReady);
    CHECK (checked.get().workflowsReady);
}

TEST_CASE ("readiness: an unreachable backend makes every check 'not checked' again", "[readiness][manager]")
{
    ReadinessFixture f;
    REQUIRE (f.connectAndCheck().fullyReady());

    f.server.stop();
    const auto down = f.manager->checkHealth();
    REQUIRE (ready (down));
    const auto status = down.get();

    CHECK_FALSE (status.available);
    CHECK_FALSE (status.corsCheck.checked);
    CHECK_FALSE (status.modelsCheck.checked);
    CHECK_FALSE (status.workflowsCheck.checked);
    CHECK_FALSE (status.modelsReady);
    CHECK (status.modelsCheck.reason.contains ("not reachable"));
    CHECK_FALSE (status.fullyReady());
}

TEST_CASE ("readiness: only checking deploys nothing", "[readiness][manager]")
{
    ReadinessFixture f (false);
    const auto status = f.connectAndCheck();

    CHECK (status.workflowsReady);
    CHECK (f.server.userdataFiles().empty());

    for (const auto& r : f.server.requests())
        CHECK (r.method != "POST");
}

TEST_CASE ("readiness: without workflows, models and workflows say there is nothing to check", "[readiness][manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    comfybridge::ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);
    const auto status = manager.readinessChecked().get();

    CHECK (status.corsCheck.checked);
    CHECK_FALSE (status.modelsCheck.checked);
    CHECK (status.modelsCheck.reason == "no workflows to check");
}

TEST_CASE ("metrics: the manager counts checks, failures and reconnects", "[metrics][manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    comfybridge::ConnectionManager manager (localConfig (server.port()));

    auto status = manager.connect().get();
    REQUIRE (status.available);
    CHECK (status.metrics.checksDone == 1);
    REQUIRE (status.metrics.lastLatencyMs.has_value());
    CHECK (*status.metrics.lastLatencyMs > 0.0);
    CHECK (status.metrics.connectedSince.toMilliseconds() != 0);

    server.stop();
    status = manager.checkHealth().get();
    // (The closed live channel may have triggered a check of its own first.)
    CHECK (status.metrics.consecutiveFailures >= 1);
    CHECK (status.metrics.lastError.contains ("refused"));
    CHECK (status.metrics.connectedSince.toMilliseconds() == 0);

    REQUIRE (server.restart());
    status = manager.checkHealth().get();
    CHECK (status.available);
    CHECK (status.metrics.reconnectCount == 1);
    CHECK (status.metrics.consecutiveFailures == 0);
    CHECK (status.metrics.checksDone >= 3);

    const auto json = nlohmann::json::parse (status.toJson().toStdString());
    CHECK (json["metrics"]["reconnect_count"] == 1);
    CHECK (json["metrics"]["checks_done"] == status.metrics.checksDone);
    CHECK (json["readiness"]["cors"]["checked"].is_boolean());
}

namespace
{
    /** A workflow that needs one small checkpoint, served by a DownloadServer, which FakeComfyUI
        does not have yet; its models folder is a real temporary directory on this machine.
    */
    struct DownloadScenario
    {
        TestHelpers::DownloadServer files;
        std::string blob;
        juce::TemporaryFile modelsRoot;
        juce::File checkpoints = modelsRoot.getFile().getChildFile ("checkpoints");
        juce::TemporaryFile record { ".json" };
        FakeComfyUI server;
        std::unique_ptr<comfybridge::ConnectionManager> manager;

        DownloadScenario (std::uint64_t blobSize, bool deployWorkflows,
                          std::function<void (comfybridge::ReadinessOptions&)> adjust = {},
                          std::optional<TestHelpers::DownloadServer::Mode> mode = {})
            : files (blobSize)
        {
            REQUIRE (files.start());
            if (mode)
                files.setMode (*mode);
            blob = files.content();
            REQUIRE (checkpoints.createDirectory());

            juce::StringArray errors;
            auto workflow = *comfybridge::loadBundledWorkflows (errors).find ("txt2img");
            workflow.models = { { "checkpoints", "tiny.safetensors", juce::String (files.url ("tiny.safetensors")),
                                  juce::SHA256 (blob.data(), blob.size()).toHexString() } };
            workflow.apiJson = workflow.apiJson.replace ("v1-5-pruned-emaonly-fp16.safetensors", "tiny.safetensors");

            REQUIRE (server.start());
            server.setModelFolderPath ("checkpoints", checkpoints.getFullPathName().toStdString());

            auto config = localConfig (server.port(), 5.0);
            config.autoDeployWorkflows = deployWorkflows;
            manager = std::make_unique<comfybridge::ConnectionManager> (config);

            comfybridge::ReadinessOptions options;
            options.workflows = { workflow };
            options.deploymentRecordFile = record.getFile();
            if (adjust)
                adjust (options);
            manager->setReadinessOptions (options);
        }
    };
}

TEST_CASE ("readiness: a missing model with URL and checksum is downloaded into the local models folder, then ready", "[readiness][downloads][manager]")
{
    DownloadScenario d (1u << 20, true);
    auto& manager = *d.manager;

    juce::StringArray activities;
    manager.registerStatusCallback ([&] (const comfybridge::ComfyUIStatus& s)
    {
        if (s.activity.isNotEmpty())
            activities.addIfNotAlreadyThere (s.activity);
    });

    REQUIRE (manager.connect().get().available);
    const auto first = manager.readinessChecked().get();
    CHECK_FALSE (first.modelsReady);
    CHECK (first.modelsCheck.reason.contains ("downloading 1"));

    REQUIRE (pumpUntil ([&] { return manager.getStatus().modelsReady; }, 20000));

    const auto status = manager.getStatus();
    CHECK (status.workflowsReady);
    CHECK (status.missingModels.empty());
    CHECK (d.checkpoints.getChildFile ("tiny.safetensors").getSize() == (juce::int64) d.blob.size());
    CHECK_FALSE (d.checkpoints.getChildFile ("tiny.safetensors.part").exists());
    CHECK (activities.joinIntoString ("\n").contains ("downloading tiny.safetensors for txt2img"));
    CHECK_FALSE (manager.isDownloadingModels());
}

TEST_CASE ("readiness: modelDownloadsFinished() resolves once the downloads are done, and the check after it sees the model", "[readiness][downloads][manager]")
{
    DownloadScenario d (1u << 20, false);
    auto& manager = *d.manager;
    using namespace std::chrono_literals;

    // Nothing queued yet: it resolves at once.
    CHECK (manager.modelDownloadsFinished().wait_for (0s) == std::future_status::ready);

    REQUIRE (manager.connect().get().available);
    REQUIRE (manager.readinessChecked().get().modelsCheck.reason.contains ("downloading 1"));

    // A tool waits on it without polling; it resolves after the file is in place.
    REQUIRE (manager.modelDownloadsFinished().wait_for (20s) == std::future_status::ready);
    CHECK_FALSE (manager.isDownloadingModels());
    CHECK (d.checkpoints.getChildFile ("tiny.safetensors").getSize() == (juce::int64) d.blob.size());

    // The finished download asked for a check, and readinessChecked() waits for it.
    const auto after = manager.readinessChecked().get();
    CHECK (after.modelsReady);
    CHECK (after.missingModels.empty());
}

TEST_CASE ("readiness: a download with the wrong hash leaves nothing behind and is not retried on its own", "[readiness][downloads][manager]")
{
    DownloadScenario d (256u << 10, false, {}, TestHelpers::DownloadServer::Mode::wrongContent);
    auto& manager = *d.manager;

    REQUIRE (manager.connect().get().available);
    REQUIRE (pumpUntil ([&] { return manager.getStatus().activity.contains ("download failed"); }, 20000));
    CHECK (manager.getStatus().activity.contains ("tiny.safetensors"));
    CHECK (d.checkpoints.findChildFiles (juce::File::findFiles, true).isEmpty());

    // Another readiness pass does not start it again by itself...
    const auto requestsBefore = d.files.served().size();
    d.server.stop();
    REQUIRE_FALSE (manager.checkHealth().get().available);
    REQUIRE (d.server.restart());
    REQUIRE (manager.checkHealth().get().available);
    const auto rechecked = manager.readinessChecked().get();
    CHECK (rechecked.modelsCheck.checked); // the readiness pass did run
    CHECK_FALSE (rechecked.modelsReady);
    CHECK_FALSE (manager.isDownloadingModels());
    CHECK (d.files.served().size() == requestsBefore);
}

TEST_CASE ("readiness: the download limits given in the readiness options apply", "[readiness][downloads][manager]")
{
    DownloadScenario d (256u << 10, false, [] (comfybridge::ReadinessOptions& options)
    {
        options.downloadOptions.maxBytes = 64 << 10; // a quarter of the file
    });
    auto& manager = *d.manager;

    REQUIRE (manager.connect().get().available);
    REQUIRE (pumpUntil ([&] { return manager.getStatus().activity.contains ("download failed"); }, 20000));
    INFO (manager.getStatus().activity);
    CHECK (manager.getStatus().activity.contains ("larger than"));
    CHECK (d.checkpoints.findChildFiles (juce::File::findFiles, true).isEmpty());
}

TEST_CASE ("readiness: a backend that stops answering ends the pass after one short probe, not a connection timeout", "[readiness]")
{
    auto server = TestHelpers::MisbehavingServers::neverAnswering();
    REQUIRE (server != nullptr);

    auto config = localConfig (server->port(), 30.0); // a long connection timeout...
    config.probeTimeout = 0.3;                        // ...but readiness uses the probe timeout

    comfybridge::CurlHttpClient client;
    comfybridge::ReadinessReport report;
    const auto ms = millisecondsFor ([&] { report = comfybridge::checkReadiness (client, config, false, bundled(), config.timeout); });

    CHECK (ms < 5000.0); // only catches a hang; the figure is in the benchmarks
    CHECK_FALSE (report.corsCheck.checked);
    CHECK_FALSE (report.modelsCheck.checked);
    CHECK (report.modelsCheck.reason == "ComfyUI stopped answering");
}
