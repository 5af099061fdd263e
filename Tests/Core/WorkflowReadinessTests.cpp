#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include "Shared/BundledWorkflows.h"
#include "Support/TestUtilities.h"

#include <nlohmann/json.hpp>

using comfybridge::ServerInventory;
using comfybridge::WorkflowDefinition;
using TestHelpers::FakeComfyUI;
using TestHelpers::Response;

namespace
{
    using Json = nlohmann::json;

    const juce::String checkpoint ("v1-5-pruned-emaonly-fp16.safetensors");

    std::vector<WorkflowDefinition> bundledWorkflows()
    {
        juce::StringArray errors;
        const auto library = comfybridge::loadBundledWorkflows (errors);
        REQUIRE (errors.isEmpty());
        REQUIRE (library.getWorkflows().size() == 7);
        return library.getWorkflows();
    }

    WorkflowDefinition bundled (const juce::String& name)
    {
        for (auto& w : bundledWorkflows())
            if (w.name == name)
                return w;

        FAIL ("no bundled workflow " << name);
        return {};
    }

    /** A workflow whose graph is @p graph, needing @p models. */
    WorkflowDefinition workflowWith (const juce::String& name, const Json& graph, std::vector<comfybridge::ModelRequirement> models = {})
    {
        WorkflowDefinition w;
        w.name = name;
        w.apiJson = graph.dump();
        w.models = std::move (models);
        return w;
    }

    /** EmptyImage -> ImageRotate (a V3 node) -> SaveImage. */
    Json rotateGraph (const std::string& rotation)
    {
        return {
            { "1", { { "class_type", "EmptyImage" }, { "inputs", { { "width", 64 }, { "height", 64 }, { "batch_size", 1 }, { "color", 0 } } } } },
            { "2", { { "class_type", "ImageRotate" }, { "inputs", { { "image", { "1", 0 } }, { "rotation", rotation } } } } },
            { "3", { { "class_type", "SaveImage" }, { "inputs", { { "images", { "2", 0 } }, { "filename_prefix", "rotated" } } } } }
        };
    }

    Json withInput (const WorkflowDefinition& workflow, const std::string& node, const std::string& input, const Json& value)
    {
        auto graph = Json::parse (workflow.apiJson.toStdString());
        graph[node]["inputs"][input] = value;
        return graph;
    }

    struct Server
    {
        Server()
        {
            REQUIRE (fake.start());
            config = TestSupport::localConfig (fake.port());
        }

        ServerInventory fetch (const std::vector<WorkflowDefinition>& workflows)
        {
            return comfybridge::fetchServerInventory (client, config, workflows, 5.0);
        }

        std::vector<std::string> requestedPaths() const
        {
            std::vector<std::string> paths;

            for (auto& r : fake.requests())
                paths.push_back (r.path);

            return paths;
        }

        FakeComfyUI fake;
        comfybridge::CurlHttpClient client;
        comfybridge::ComfyUIConfig config;
    };

    bool contains (const std::vector<std::string>& items, const std::string& item)
    {
        return std::find (items.begin(), items.end(), item) != items.end();
    }

    juce::String problemOf (const std::vector<comfybridge::WorkflowProblem>& problems, const juce::String& workflow)
    {
        for (auto& p : problems)
            if (p.workflow == workflow)
                return p.problem;

        return {};
    }
}

//==============================================================================
TEST_CASE ("every bundled workflow is ready on a default ComfyUI", "[readiness]")
{
    Server server;
    const auto workflows = bundledWorkflows();
    const auto inventory = server.fetch (workflows);

    CHECK (inventory.error.isEmpty());
    REQUIRE (inventory.nodes.isRead());
    CHECK (inventory.nodes.hasNode ("KSampler"));
    CHECK_FALSE (inventory.nodes.hasNode ("NoSuchNode"));
    CHECK_FALSE (inventory.legacyPaths);
    CHECK (inventory.modelsByFolder.at ("checkpoints").contains (checkpoint));
    CHECK (inventory.unknownFolders.isEmpty());
    CHECK (inventory.modelFolderPaths.at ("checkpoints") == juce::StringArray ("/opt/ComfyUI/models/checkpoints"));

    CHECK (comfybridge::findMissingModels (workflows, inventory).empty());
    CHECK (comfybridge::findWorkflowProblems (workflows, inventory).empty());

    const auto paths = server.requestedPaths();
    CHECK (contains (paths, "/api/object_info"));
    CHECK (contains (paths, "/api/models/checkpoints"));
    CHECK (contains (paths, "/api/experiment/models"));
}

TEST_CASE ("names the node class the server does not have", "[readiness]")
{
    Server server;
    server.fake.removeNodeClass ("ImageInvert");
    const auto workflows = bundledWorkflows();
    const auto problems = comfybridge::findWorkflowProblems (workflows, server.fetch (workflows));

    REQUIRE (problems.size() == 1);
    CHECK (problems[0].workflow == "invert_image");
    CHECK (problems[0].problem == "node class ImageInvert (node 2) is not installed on the server");
}

TEST_CASE ("names a sampler value that is not one of the server's choices", "[readiness]")
{
    Server server;
    const auto workflow = workflowWith ("odd_sampler", withInput (bundled ("txt2img"), "3", "sampler_name", "foo"));
    const auto inventory = server.fetch ({ workflow });

    CHECK (comfybridge::findWorkflowProblem (workflow, inventory) == juce::String ("KSampler (node 3) sampler_name 'foo' is not one of the server's choices"));

    const auto scheduler = workflowWith ("odd_scheduler", withInput (bundled ("txt2img"), "3", "scheduler", "sometimes"));
    CHECK (comfybridge::findWorkflowProblem (scheduler, inventory) == juce::String ("KSampler (node 3) scheduler 'sometimes' is not one of the server's choices"));
}

TEST_CASE ("lists a missing checkpoint with its folder, workflow and download URL", "[readiness]")
{
    Server server;
    server.fake.setModelFiles ("checkpoints", { "some-other-model.safetensors", "stable_audio_open_1.0.safetensors" });
    const auto workflows = bundledWorkflows();
    const auto inventory = server.fetch (workflows);
    const auto missing = comfybridge::findMissingModels (workflows, inventory);

    REQUIRE (missing.size() == 1);
    CHECK (missing[0].workflow == "txt2img");
    CHECK (missing[0].folder == "checkpoints");
    CHECK (missing[0].name == checkpoint);
    CHECK (missing[0].url.startsWith ("https://huggingface.co/"));

    // The loader's combo does not allow it either, so the workflow cannot run.
    const auto problems = comfybridge::findWorkflowProblems (workflows, inventory);
    REQUIRE (problems.size() == 1);
    CHECK (problemOf (problems, "txt2img") == "CheckpointLoaderSimple (node 4) ckpt_name '" + checkpoint + "' is not one of the server's choices");
}

TEST_CASE ("uses the loader's choices when a model folder cannot be listed", "[readiness]")
{
    Server server;
    const auto workflows = bundledWorkflows();

    SECTION ("a server without the /models routes")
    {
        server.fake.removeRoute ("GET", "/models/{folder}");
        auto inventory = server.fetch (workflows);

        CHECK (inventory.error.isEmpty());
        CHECK (inventory.modelsByFolder.count ("checkpoints") == 0);
        CHECK (inventory.unknownFolders.isEmpty());
        CHECK (comfybridge::findMissingModels (workflows, inventory).empty());

        server.fake.setModelFiles ("checkpoints", { "stable_audio_open_1.0.safetensors" });
        inventory = server.fetch (workflows);
        CHECK (comfybridge::findMissingModels (workflows, inventory).size() == 1);
    }

    SECTION ("a folder the server does not know")
    {
        server.fake.removeModelFolder ("checkpoints");
        const auto inventory = server.fetch (workflows);

        CHECK (inventory.unknownFolders == juce::StringArray ("checkpoints"));
        auto missing = comfybridge::findMissingModels (workflows, inventory);
        // Every bundled checkpoint is missing then (the audio workflows' too); txt2img's is among them.
        missing.erase (std::remove_if (missing.begin(), missing.end(), [] (const auto& m) { return m.workflow != "txt2img"; }), missing.end());
        REQUIRE (missing.size() == 1);
        CHECK (missing[0].name == checkpoint);
    }
}

TEST_CASE ("checks V3 COMBO inputs against their options", "[readiness]")
{
    Server server;
    const auto good = workflowWith ("rotate", rotateGraph ("90 degrees"));
    const auto bad = workflowWith ("rotate_odd", rotateGraph ("45 degrees"));
    const auto inventory = server.fetch ({ good, bad });

    CHECK_FALSE (comfybridge::findWorkflowProblem (good, inventory).has_value());
    CHECK (comfybridge::findWorkflowProblem (bad, inventory) == juce::String ("ImageRotate (node 2) rotation '45 degrees' is not one of the server's choices"));
}

TEST_CASE ("copes with nulls and odd shapes in V3 node info", "[readiness]")
{
    ServerInventory inventory;
    auto info = Json {
        { "EmptyImage", nullptr },
        { "ImageRotate", { { "input", { { "required", { { "image", { "IMAGE", nullptr } },
                                                       { "rotation", { "COMBO", nullptr } } } },
                                        { "optional", nullptr } } },
                           { "display_name", nullptr }, { "output_tooltips", { nullptr } } } },
        { "SaveImage", { { "input", nullptr } } } };
    inventory.nodes = comfybridge::NodeCatalog::parse (info.dump());

    // Nothing can be checked for the rotation, so nothing is reported; no crash.
    CHECK_FALSE (comfybridge::findWorkflowProblem (workflowWith ("rotate", rotateGraph ("45 degrees")), inventory).has_value());

    // A "remote" combo loads its options from a URL: its value cannot be judged here.
    info["ImageRotate"]["input"]["required"]["rotation"] = { "COMBO", { { "options", Json::array() }, { "remote", { { "route", "/x" } } } } };
    inventory.nodes = comfybridge::NodeCatalog::parse (info.dump());
    CHECK (inventory.nodes.getInputChoices ("ImageRotate", "rotation").isEmpty());
    CHECK_FALSE (comfybridge::findWorkflowProblem (workflowWith ("rotate", rotateGraph ("45 degrees")), inventory).has_value());
}

TEST_CASE ("accepts model names from a Windows server's backslash listing", "[readiness]")
{
    Server server;
    server.fake.setWindowsPaths (true);
    server.fake.setModelFiles ("checkpoints", { "SD1.5/" + checkpoint.toStdString() });

    auto workflow = workflowWith ("sub_txt2img", withInput (bundled ("txt2img"), "4", "ckpt_name", "SD1.5/" + checkpoint.toStdString()),
                                  { { "checkpoints", "SD1.5/" + checkpoint, {}, {} } });
    const auto inventory = server.fetch ({ workflow });

    CHECK (inventory.modelsByFolder.at ("checkpoints") == juce::StringArray ("SD1.5/" + checkpoint));
    CHECK (comfybridge::findMissingModels ({ workflow }, inventory).empty());
    CHECK_FALSE (comfybridge::findWorkflowProblem (workflow, inventory).has_value());

    // A workflow written on Windows, with a backslash, matches too.
    auto windowsWorkflow = workflowWith ("win_txt2img", withInput (bundled ("txt2img"), "4", "ckpt_name", "SD1.5\\" + checkpoint.toStdString()),
                                         { { "checkpoints", "SD1.5\\" + checkpoint, {}, {} } });
    CHECK (comfybridge::findMissingModels ({ windowsWorkflow }, inventory).empty());
    CHECK_FALSE (comfybridge::findWorkflowProblem (windowsWorkflow, inventory).has_value());
}

TEST_CASE ("reads the inventory from a server that predates the /api prefix", "[readiness]")
{
    Server server;
    server.fake.setLegacy (true);
    const auto workflows = bundledWorkflows();
    const auto inventory = server.fetch (workflows);

    CHECK (inventory.error.isEmpty());
    CHECK (inventory.legacyPaths);
    CHECK (inventory.modelFolderPaths.empty()); // /experiment/models came later
    CHECK (comfybridge::findMissingModels (workflows, inventory).empty());
    CHECK (comfybridge::findWorkflowProblems (workflows, inventory).empty());

    const auto paths = server.requestedPaths();
    CHECK (contains (paths, "/object_info"));
    CHECK (contains (paths, "/models/checkpoints"));
    CHECK_FALSE (contains (paths, "/api/models/checkpoints"));
}

TEST_CASE ("reports an object_info that is not JSON clearly, without crashing", "[readiness]")
{
    Server server;
    const auto workflows = bundledWorkflows();

    SECTION ("an HTML page")
    {
        server.fake.setRoute ("GET", "/object_info", [] (const TestHelpers::Request&) { return Response::html (200, "<html><body>Welcome</body></html>"); });
        const auto inventory = server.fetch (workflows);

        CHECK_FALSE (inventory.nodes.isRead());
        CHECK (inventory.error.contains ("an HTML page"));
        CHECK (inventory.error.contains ("/object_info"));

        const auto problems = comfybridge::findWorkflowProblems (workflows, inventory);
        REQUIRE (problems.size() == workflows.size()); // every bundled workflow
        CHECK (problems[0].problem.contains ("could not be read"));
    }

    SECTION ("truncated JSON")
    {
        server.fake.setRoute ("GET", "/object_info", [] (const TestHelpers::Request&) { return Response::json (200, "{\"KSampler\": {\"input\": "); });
        const auto inventory = server.fetch (workflows);

        CHECK_FALSE (inventory.nodes.isRead());
        CHECK (inventory.error.contains ("something other than a JSON object"));
    }

    SECTION ("a server error")
    {
        server.fake.setRoute ("GET", "/object_info", [] (const TestHelpers::Request&) { return Response::text (500, "500 Internal Server Error"); });
        const auto inventory = server.fetch (workflows);

        CHECK (inventory.error.contains ("HTTP 500"));
    }
}

TEST_CASE ("reads a large object_info", "[readiness]")
{
    Server server;
    server.fake.setNodeClass ("HugeCustomNode", { { "input", { { "required", Json::object() } } },
                                                  { "description", std::string (3 << 20, 'x') } });
    const auto inventory = server.fetch (bundledWorkflows());

    CHECK (inventory.error.isEmpty());
    REQUIRE (inventory.nodes.isRead());
    CHECK (inventory.nodes.hasNode ("HugeCustomNode"));
}

TEST_CASE ("sends the auth header with every inventory request", "[readiness]")
{
    Server server;
    server.fake.setRequiredBearerToken ("s3cret-token");
    const auto workflows = bundledWorkflows();

    SECTION ("with the token")
    {
        server.config.authToken = "s3cret-token";
        const auto inventory = server.fetch (workflows);

        CHECK (inventory.error.isEmpty());
        const auto headers = server.fake.authorizationHeaders();
        REQUIRE (headers.size() >= 3);

        for (auto& h : headers)
            CHECK (h == "Bearer s3cret-token");
    }

    SECTION ("without it")
    {
        const auto inventory = server.fetch (workflows);
        CHECK (inventory.error.contains ("HTTP 401"));
        CHECK (inventory.error.contains ("auth_token"));
    }
}

TEST_CASE ("says so when nothing listens", "[readiness]")
{
    comfybridge::CurlHttpClient client;
    const auto config = TestSupport::localConfig (TestHelpers::TestHttpServer::findFreePort());
    const auto inventory = comfybridge::fetchServerInventory (client, config, bundledWorkflows(), 2.0);

    CHECK_FALSE (inventory.nodes.isRead());
    CHECK (inventory.error.contains ("connection refused"));
}

//==============================================================================
TEST_CASE ("FakeComfyUI lists a real models directory, skipping partial downloads", "[readiness][fake]")
{
    Server server;
    struct TempDir
    {
        juce::File dir = juce::File::createTempFile ("models");
        ~TempDir() { dir.deleteRecursively(); }
    } temp;

    const auto& dir = temp.dir;
    REQUIRE (dir.createDirectory());

    server.fake.setModelFolderPath ("checkpoints", dir.getFullPathName().toStdString());
    CHECK (server.fake.modelFiles ("checkpoints").empty());

    REQUIRE (dir.getChildFile ("a.safetensors").replaceWithText ("x"));
    REQUIRE (dir.getChildFile ("sub").getChildFile ("b.ckpt").create().wasOk());
    REQUIRE (dir.getChildFile ("c.safetensors.part").replaceWithText ("partial"));

    const auto inventory = server.fetch (bundledWorkflows());
    CHECK (inventory.modelsByFolder.at ("checkpoints") == juce::StringArray ("a.safetensors", "sub/b.ckpt"));
    CHECK (inventory.modelFolderPaths.at ("checkpoints") == juce::StringArray (dir.getFullPathName()));

    CHECK (inventory.nodes.getInputChoices ("CheckpointLoaderSimple", "ckpt_name") == juce::StringArray ("a.safetensors", "sub/b.ckpt"));
}

TEST_CASE ("FakeComfyUI answers object_info per class and the model folder list", "[readiness][fake]")
{
    Server server;
    auto get = [&] (const juce::String& path)
    {
        comfybridge::HttpRequest request;
        request.url = server.config.getBaseUrl() + path;
        return server.client.perform (request);
    };

    const auto one = get ("/api/object_info/KSampler");
    REQUIRE (one.statusCode == 200);
    const auto oneJson = Json::parse (one.body);
    CHECK (oneJson.size() == 1);
    CHECK (oneJson["KSampler"]["output"] == Json::array ({ "LATENT" }));

    CHECK (get ("/api/object_info/NoSuchNode").body == "{}");

    const auto folders = Json::parse (get ("/api/models").body);
    CHECK (folders.front() == "checkpoints");
    CHECK (std::find (folders.begin(), folders.end(), "loras") != folders.end());

    const auto unknown = get ("/api/models/clip");
    CHECK (unknown.statusCode == 404);
    CHECK (unknown.body.empty());

    server.fake.setRequiredBearerToken ("t0ken");
    CHECK (get ("/api/models").statusCode == 401);
}
