#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include "Shared/BundledWorkflows.h"
#include "Support/TestUtilities.h"

#include <nlohmann/json.hpp>

#include <atomic>

using comfybridge::DeployOutcome;
using comfybridge::DeploymentRecord;
using comfybridge::DeploymentReport;
using comfybridge::WorkflowDefinition;
using TestHelpers::FakeComfyUI;
using TestHelpers::Request;
using TestHelpers::Response;

namespace
{
    using Json = nlohmann::json;

    std::vector<WorkflowDefinition> bundledWorkflows()
    {
        juce::StringArray errors;
        const auto library = comfybridge::loadBundledWorkflows (errors);
        REQUIRE (errors.isEmpty());
        REQUIRE (library.getWorkflows().size() == 7);
        return library.getWorkflows();
    }

    std::string fileFor (const juce::String& name)
    {
        return ("workflows/comfybridge-" + name + ".json").toStdString();
    }

    /** The bundled workflows with txt2img's step count changed: a new bundled version. */
    std::vector<WorkflowDefinition> withChangedTxt2img()
    {
        auto workflows = bundledWorkflows();

        for (auto& w : workflows)
        {
            if (w.name == "txt2img")
            {
                auto graph = Json::parse (w.apiJson.toStdString());
                graph["3"]["inputs"]["steps"] = 25;
                w.apiJson = graph.dump();
            }
        }

        return workflows;
    }

    const comfybridge::WorkflowDeployment& entryFor (const DeploymentReport& report, const juce::String& name)
    {
        for (auto& w : report.workflows)
            if (w.name == name)
                return w;

        FAIL ("no report entry for " << name);
        return report.workflows.front();
    }

    struct Deployment
    {
        Deployment()
        {
            REQUIRE (fake.start());
            config = TestSupport::localConfig (fake.port());
        }

        DeploymentReport deploy (const std::vector<WorkflowDefinition>& workflows)
        {
            return comfybridge::deployWorkflows (client, config, workflows, comfybridge::NodeCatalog::parse (fake.objectInfo().dump()), record, 5.0);
        }

        /** What a deployment stores for @p workflow on this server. */
        std::string graphFor (const WorkflowDefinition& workflow) const
        {
            return comfybridge::deployedContent (workflow, comfybridge::NodeCatalog::parse (fake.objectInfo().dump()));
        }

        std::vector<Request> posts() const
        {
            std::vector<Request> result;

            for (auto& r : fake.requests())
                if (r.method == "POST")
                    result.push_back (r);

            return result;
        }

        FakeComfyUI fake;
        comfybridge::CurlHttpClient client;
        comfybridge::ComfyUIConfig config;
        juce::TemporaryFile recordFile { ".json" };
        DeploymentRecord record { recordFile.getFile() };
    };
}

//==============================================================================
TEST_CASE ("stores every bundled workflow on an empty server", "[deploy]")
{
    Deployment d;
    const auto workflows = bundledWorkflows();
    const auto report = d.deploy (workflows);

    REQUIRE (report.workflows.size() == 7);
    CHECK (report.succeeded());
    CHECK (report.summary.contains ("7 created"));

    for (auto& w : workflows)
    {
        const auto& entry = entryFor (report, w.name);
        CHECK (entry.outcome == DeployOutcome::created);
        CHECK (entry.fileName == juce::String (fileFor (w.name)));
        CHECK (entry.message.contains (fileFor (w.name)));

        // The graph format ComfyUI's frontend opens, not the API format we submit.
        const auto stored = d.fake.userdataFile (fileFor (w.name));
        REQUIRE (stored.has_value());
        CHECK (*stored == d.graphFor (w));
        CHECK (Json::parse (*stored)["version"] == 0.4);
        CHECK (Json::parse (*stored)["nodes"].size() == Json::parse (w.apiJson.toStdString()).size());
        CHECK (stored->find ("\n  ") != std::string::npos); // pretty-printed
        CHECK (d.record.getHash (d.config.getBaseUrl(), fileFor (w.name)) == DeploymentRecord::hashOf (*stored));
    }

    // One path segment with the slash encoded, created without overwriting.
    const auto posts = d.posts();
    REQUIRE (posts.size() == 7);

    for (auto& post : posts)
    {
        CHECK (post.path.rfind ("/api/userdata/workflows%2Fcomfybridge-", 0) == 0);
        CHECK (post.param ("overwrite") == "false");
    }
}

TEST_CASE ("a second deployment finds everything unchanged and posts nothing", "[deploy]")
{
    Deployment d;
    d.deploy (bundledWorkflows());
    d.fake.clearRequests();

    const auto report = d.deploy (bundledWorkflows());

    for (auto& w : report.workflows)
        CHECK (w.outcome == DeployOutcome::unchanged);

    CHECK (report.summary.contains ("7 unchanged"));
    CHECK (d.posts().empty());
    CHECK (d.fake.requestCount() == 7);
}

TEST_CASE ("a copy that differs only in formatting counts as unchanged", "[deploy]")
{
    Deployment d;
    const auto workflows = bundledWorkflows();

    for (auto& w : workflows)
        d.fake.setUserdataFile (fileFor (w.name), Json::parse (d.graphFor (w)).dump());

    const auto report = d.deploy (workflows);

    for (auto& w : report.workflows)
        CHECK (w.outcome == DeployOutcome::unchanged);

    CHECK (d.posts().empty());
}

TEST_CASE ("replaces our own earlier copy when the bundled workflow changed", "[deploy]")
{
    Deployment d;
    d.deploy (bundledWorkflows());
    d.fake.clearRequests();

    const auto changed = withChangedTxt2img();
    const auto report = d.deploy (changed);

    CHECK (entryFor (report, "txt2img").outcome == DeployOutcome::updated);
    CHECK (entryFor (report, "empty_image").outcome == DeployOutcome::unchanged);
    CHECK (entryFor (report, "invert_image").outcome == DeployOutcome::unchanged);
    CHECK (report.summary.contains ("1 updated"));

    const auto stored = d.fake.userdataFile (fileFor ("txt2img"));
    REQUIRE (stored.has_value());
    const auto graph = Json::parse (*stored);
    const auto& sampler = graph["nodes"][0];
    CHECK (sampler["type"] == "KSampler");
    CHECK (sampler["widgets_values"][2] == 25);

    const auto posts = d.posts();
    REQUIRE (posts.size() == 1);
    CHECK (posts[0].param ("overwrite") == "true");

    // The record now holds the new version, so going back is an update again.
    CHECK (entryFor (d.deploy (bundledWorkflows()), "txt2img").outcome == DeployOutcome::updated);
}

TEST_CASE ("keeps the user's edited copy and never overwrites it", "[deploy]")
{
    Deployment d;
    const std::string edited = "{\"1\": {\"class_type\": \"EmptyImage\", \"inputs\": {}}}";

    SECTION ("edited after we stored it")
    {
        CHECK (entryFor (d.deploy (bundledWorkflows()), "txt2img").outcome == DeployOutcome::created);
        d.fake.setUserdataFile (fileFor ("txt2img"), edited);
    }

    SECTION ("the user's own file of that name, never deployed by us")
    {
        d.fake.setUserdataFile (fileFor ("txt2img"), edited);
        CHECK (d.fake.userdataFiles().size() == 1);
    }

    d.fake.clearRequests();
    const auto report = d.deploy (withChangedTxt2img());
    const auto& entry = entryFor (report, "txt2img");

    CHECK (entry.outcome == DeployOutcome::keptUserCopy);
    CHECK (entry.message.contains ("kept your edited copy of workflows/comfybridge-txt2img.json"));
    CHECK (report.succeeded());
    CHECK (d.fake.userdataFile (fileFor ("txt2img")) == edited);

    for (auto& post : d.posts())
        CHECK (post.path.find ("txt2img") == std::string::npos);
}

TEST_CASE ("keeps the user's edits to our graph, even a moved node", "[deploy]")
{
    Deployment d;
    d.deploy (bundledWorkflows());

    auto edited = Json::parse (*d.fake.userdataFile (fileFor ("txt2img")));
    edited["nodes"][0]["pos"] = { 900, 700 };
    d.fake.setUserdataFile (fileFor ("txt2img"), edited.dump (2));
    d.fake.clearRequests();

    CHECK (entryFor (d.deploy (withChangedTxt2img()), "txt2img").outcome == DeployOutcome::keptUserCopy);
    CHECK (Json::parse (*d.fake.userdataFile (fileFor ("txt2img"))) == edited);
    CHECK (d.posts().empty());
}

TEST_CASE ("upgrades an API-format copy that an earlier ComfyBridge stored to the graph format", "[deploy]")
{
    Deployment d;
    const auto workflows = bundledWorkflows();

    // What deployments stored before the graph format: the API JSON, pretty-printed in the author's key order.
    auto oldCopy = [] (const WorkflowDefinition& w)
    {
        return nlohmann::ordered_json::parse (w.apiJson.toStdString()).dump (2) + "\n";
    };

    SECTION ("recorded as ours")
    {
        for (auto& w : workflows)
        {
            d.fake.setUserdataFile (fileFor (w.name), oldCopy (w));
            REQUIRE (d.record.setHash (d.config.getBaseUrl(), fileFor (w.name), DeploymentRecord::hashOf (oldCopy (w))));
        }
    }

    SECTION ("without a record (another machine stored it), recognised by its content")
    {
        for (auto& w : workflows)
        {
            d.fake.setUserdataFile (fileFor (w.name), Json::parse (w.apiJson.toStdString()).dump());
            REQUIRE (d.record.getHash (d.config.getBaseUrl(), fileFor (w.name)).isEmpty());
        }
    }

    const auto report = d.deploy (workflows);

    for (auto& w : workflows)
    {
        const auto& entry = entryFor (report, w.name);
        CHECK (entry.outcome == DeployOutcome::updated);
        CHECK (entry.message.contains ("graph format"));
        CHECK (d.fake.userdataFile (fileFor (w.name)) == d.graphFor (w));
        CHECK (d.record.getHash (d.config.getBaseUrl(), fileFor (w.name)) == DeploymentRecord::hashOf (d.graphFor (w)));
    }

    // And the next deployment leaves the upgraded copies alone.
    d.fake.clearRequests();
    for (auto& w : d.deploy (workflows).workflows)
        CHECK (w.outcome == DeployOutcome::unchanged);
    CHECK (d.posts().empty());
}

TEST_CASE ("deploys nothing without the server's node definitions", "[deploy]")
{
    Deployment d;
    const auto report = comfybridge::deployWorkflows (d.client, d.config, bundledWorkflows(), comfybridge::NodeCatalog(), d.record, 5.0);

    for (auto& w : report.workflows)
    {
        CHECK (w.outcome == DeployOutcome::failed);
        CHECK (w.message.contains ("/object_info"));
    }

    CHECK (d.fake.requestCount() == 0);
    CHECK (d.fake.userdataFiles().empty());
}

TEST_CASE ("judges again when someone creates the file between our read and write (409)", "[deploy]")
{
    Deployment d;
    const std::string theirs = "{\"9\": {\"class_type\": \"SaveImage\", \"inputs\": {}}}";
    std::atomic<bool> raced { false };
    auto& fake = d.fake;

    // The first read finds nothing; meanwhile someone else stores their own file there.
    fake.setRoute ("GET", "/userdata/{file}", [&] (const Request& r)
    {
        const auto path = r.pathParams.at ("file");

        if (path == fileFor ("txt2img") && ! raced.exchange (true))
        {
            fake.setUserdataFile (path, theirs);
            return Response::empty (404);
        }

        const auto stored = fake.userdataFile (path);
        return stored ? Response::json (200, *stored) : Response::empty (404);
    });

    const auto report = d.deploy (bundledWorkflows());
    const auto& entry = entryFor (report, "txt2img");

    CHECK (entry.outcome == DeployOutcome::keptUserCopy);
    CHECK (fake.userdataFile (fileFor ("txt2img")) == theirs);

    int reads = 0, writes = 0;

    for (auto& r : fake.requests())
    {
        if (r.path.find ("txt2img") == std::string::npos)
            continue;

        reads += r.method == "GET" ? 1 : 0;
        writes += r.method == "POST" ? 1 : 0;
        CHECK (r.param ("overwrite") != "true");
    }

    CHECK (reads == 2);
    CHECK (writes == 1);
    CHECK (entryFor (report, "empty_image").outcome == DeployOutcome::created);
}

TEST_CASE ("a refused write fails with a clear message and changes nothing", "[deploy]")
{
    Deployment d;

    SECTION ("403")
    {
        d.fake.setRoute ("POST", "/userdata/{file}", [] (const Request&) { return Response::empty (403); });
        const auto report = d.deploy (bundledWorkflows());

        for (auto& w : report.workflows)
        {
            CHECK (w.outcome == DeployOutcome::failed);
            CHECK (w.message.contains ("HTTP 403"));
            CHECK (w.message.contains (w.fileName));
        }

        CHECK_FALSE (report.succeeded());
        CHECK (report.summary.contains ("7 failed"));
    }

    SECTION ("500")
    {
        d.fake.setRoute ("POST", "/userdata/{file}", [] (const Request&) { return Response::text (500, "500 Internal Server Error\n\nServer got itself in trouble"); });
        const auto report = d.deploy (bundledWorkflows());

        CHECK (entryFor (report, "txt2img").outcome == DeployOutcome::failed);
        CHECK (entryFor (report, "txt2img").message.contains ("HTTP 500 (server error"));
    }

    SECTION ("400")
    {
        d.fake.setRoute ("POST", "/userdata/{file}", [] (const Request&) { return Response::empty (400); });
        CHECK (entryFor (d.deploy (bundledWorkflows()), "txt2img").message.contains ("rejected the file name"));
    }

    CHECK (d.fake.userdataFiles().empty());
    CHECK_FALSE (d.recordFile.getFile().existsAsFile());
}

TEST_CASE ("fails clearly when nothing listens", "[deploy]")
{
    comfybridge::CurlHttpClient client;
    juce::TemporaryFile recordFile (".json");
    DeploymentRecord record (recordFile.getFile());
    const auto config = TestSupport::localConfig (TestHelpers::TestHttpServer::findFreePort());
    const auto report = comfybridge::deployWorkflows (client, config, bundledWorkflows(), comfybridge::NodeCatalog::parse (FakeComfyUI().objectInfo().dump()), record, 2.0);

    REQUIRE (report.workflows.size() == 7);
    for (auto& w : report.workflows)
        CHECK (w.outcome == DeployOutcome::failed);

    // The first says why; the others are not tried (each would only wait for its own failure).
    CHECK (report.workflows[0].message.contains ("connection refused"));
    CHECK (report.workflows[1].message.contains ("not tried"));
    CHECK (report.workflows[2].message.contains ("stopped answering"));
    CHECK_FALSE (report.succeeded());

    CHECK_FALSE (recordFile.getFile().existsAsFile());
}

TEST_CASE ("sends the auth header with every deployment request", "[deploy]")
{
    Deployment d;
    d.fake.setRequiredBearerToken ("s3cret-token");

    SECTION ("with the right token")
    {
        d.config.authToken = "s3cret-token";
        const auto report = d.deploy (bundledWorkflows());
        CHECK (report.succeeded());
        CHECK (d.fake.userdataFiles().size() == 7);

        const auto headers = d.fake.authorizationHeaders();
        REQUIRE (headers.size() == 14);

        for (auto& h : headers)
            CHECK (h == "Bearer s3cret-token");
    }

    SECTION ("with a wrong one")
    {
        d.config.authToken = "wrong";
        const auto report = d.deploy (bundledWorkflows());
        CHECK (entryFor (report, "txt2img").outcome == DeployOutcome::failed);
        CHECK (entryFor (report, "txt2img").message.contains ("HTTP 401"));
        CHECK (d.fake.userdataFiles().empty());
    }
}

TEST_CASE ("deploys to a server that predates the /api prefix", "[deploy]")
{
    Deployment d;
    d.fake.setLegacy (true);
    const auto report = d.deploy (bundledWorkflows());

    CHECK (report.succeeded());
    CHECK (d.fake.userdataFiles().size() == 7);

    // Only the very first request tries /api/.
    const auto requests = d.fake.requests();
    REQUIRE (requests.size() >= 2);
    CHECK (requests[0].path.rfind ("/api/", 0) == 0);

    for (std::size_t i = 1; i < requests.size(); ++i)
        CHECK (requests[i].path.rfind ("/userdata/", 0) == 0);
}

TEST_CASE ("the deployment record keeps hashes per server and file, and survives a damaged file", "[deploy]")
{
    juce::TemporaryFile temp (".json");
    DeploymentRecord record (temp.getFile());

    CHECK (record.getHash ("http://a:1", "workflows/x.json").isEmpty());
    CHECK (record.setHash ("http://a:1", "workflows/x.json", "aa"));
    CHECK (record.setHash ("http://b:2", "workflows/x.json", "bb"));
    CHECK (record.getHash ("http://a:1", "workflows/x.json") == "aa");
    CHECK (DeploymentRecord (temp.getFile()).getHash ("http://b:2", "workflows/x.json") == "bb");

    REQUIRE (temp.getFile().replaceWithText ("{ not json"));
    CHECK (record.getHash ("http://a:1", "workflows/x.json").isEmpty());
    CHECK (record.setHash ("http://a:1", "workflows/y.json", "cc"));
    CHECK (record.getHash ("http://a:1", "workflows/y.json") == "cc");

    CHECK (DeploymentRecord::hashOf ("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK (DeploymentRecord::getDefaultFile().getFullPathName().endsWith ("ComfyBridge/deployed-workflows.json"));
}

//==============================================================================
TEST_CASE ("FakeComfyUI stores userdata the way ComfyUI does", "[deploy][fake]")
{
    FakeComfyUI fake;
    REQUIRE (fake.start());
    comfybridge::CurlHttpClient client;

    auto send = [&] (const juce::String& method, const juce::String& path, const std::string& body = {})
    {
        comfybridge::HttpRequest request;
        request.method = method;
        request.url = juce::String (fake.baseUrl()) + path;
        request.body = body;
        return client.perform (request);
    };

    auto created = send ("POST", "/api/userdata/workflows%2Fa.json?overwrite=false", "{}");
    CHECK (created.statusCode == 200);
    CHECK (created.body == "\"workflows/a.json\"");
    CHECK (fake.userdataFile ("workflows/a.json") == std::string ("{}"));

    auto again = send ("POST", "/api/userdata/workflows%2Fa.json?overwrite=false", "{\"x\":1}");
    CHECK (again.statusCode == 409);
    CHECK (again.body == "File already exists");

    CHECK (send ("POST", "/api/userdata/workflows%2Fa.json", "{\"x\":1}").statusCode == 200); // overwrite defaults to true
    CHECK (send ("GET", "/api/userdata/workflows%252Fa.json").body == "{\"x\":1}");           // double encoding works
    CHECK (send ("GET", "/userdata/workflows%2Fa.json").statusCode == 200);                   // and the plain path
    CHECK (send ("GET", "/api/userdata/workflows%2Fmissing.json").statusCode == 404);
    CHECK (send ("GET", "/api/userdata/workflows/a.json").statusCode == 404);                 // two segments: no route

    CHECK (send ("POST", "/api/userdata/..%2Fescape.json", "{}").statusCode == 403);
    CHECK (send ("POST", "/api/userdata/workflows%2F..%2F..%2Fescape.json", "{}").statusCode == 403);
    CHECK (send ("POST", "/api/userdata/workflows%2F..%2Finside.json", "{}").statusCode == 200);
    CHECK (fake.userdataFile ("inside.json").has_value());

    CHECK (send ("DELETE", "/api/userdata/workflows%2Fa.json").statusCode == 204);
    CHECK (send ("DELETE", "/api/userdata/workflows%2Fa.json").statusCode == 404);
    CHECK_FALSE (fake.userdataFile ("workflows/a.json").has_value());

    fake.setRequiredBearerToken ("tok");
    CHECK (send ("GET", "/api/userdata/inside.json").statusCode == 401);
    CHECK (send ("GET", "/api/ws?clientId=x").statusCode == 401);
}
