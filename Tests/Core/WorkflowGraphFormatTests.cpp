#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include "Shared/BundledWorkflows.h"

#include <nlohmann/json.hpp>

using comfybridge::WorkflowDefinition;

namespace
{
    using Json = nlohmann::json;

    /** The fake's object_info: v0.3.64's definitions of the nodes the bundled workflows use. */
    Json objectInfo()
    {
        return TestHelpers::FakeComfyUI().objectInfo();
    }

    comfybridge::NodeCatalog catalogOf (const Json& info)
    {
        return comfybridge::NodeCatalog::parse (info.dump());
    }

    WorkflowDefinition bundled (const juce::String& name)
    {
        juce::StringArray errors;
        const auto library = comfybridge::loadBundledWorkflows (errors);
        REQUIRE (errors.isEmpty());

        for (const auto& w : library.getWorkflows())
            if (w.name == name)
                return w;

        FAIL ("no bundled workflow " << name);
        return {};
    }

    Json graphOf (const juce::String& apiJson, const Json& info = objectInfo(), const juce::String& name = "test")
    {
        const auto text = comfybridge::toGraphWorkflow (apiJson, catalogOf (info), name);
        REQUIRE_FALSE (text.empty());
        return Json::parse (text);
    }

    const Json& nodeWithId (const Json& graph, int id)
    {
        for (const auto& node : graph["nodes"])
            if (node["id"] == id)
                return node;

        FAIL ("no node " << id);
        return graph;
    }

    std::vector<std::string> inputNames (const Json& node)
    {
        std::vector<std::string> names;
        for (const auto& input : node["inputs"])
            names.push_back (input["name"]);
        return names;
    }
}

//==============================================================================
TEST_CASE ("graph format: links are stored as the frontend stores them", "[graphformat]")
{
    const auto graph = graphOf (bundled ("txt2img").apiJson);

    REQUIRE (graph["nodes"].size() == 7);
    CHECK (graph["last_node_id"] == 9);
    CHECK (graph["last_link_id"] == 9);

    // [id, origin node, origin slot, target node, target slot, type]; numbered in node, then slot order.
    const auto expected = Json::parse (R"([
        [1, 4, 0, 3, 0, "MODEL"], [2, 6, 0, 3, 1, "CONDITIONING"], [3, 7, 0, 3, 2, "CONDITIONING"],
        [4, 5, 0, 3, 3, "LATENT"], [5, 4, 1, 6, 0, "CLIP"], [6, 4, 1, 7, 0, "CLIP"],
        [7, 3, 0, 8, 0, "LATENT"], [8, 4, 2, 8, 1, "VAE"], [9, 8, 0, 9, 0, "IMAGE"] ])");
    CHECK (graph["links"] == expected);

    // Every link is named at both of its ends, with matching types.
    for (const auto& link : graph["links"])
    {
        const auto& origin = nodeWithId (graph, link[1]);
        const auto& target = nodeWithId (graph, link[3]);
        const auto& output = origin["outputs"][link[2].get<std::size_t>()];
        const auto& input = target["inputs"][link[4].get<std::size_t>()];

        CHECK (output["slot_index"] == link[2]);
        CHECK (std::count (output["links"].begin(), output["links"].end(), link[0]) == 1);
        CHECK (input["link"] == link[0]);
        CHECK (output["type"] == link[5]);
        CHECK (input["type"] == link[5]);
    }

    const auto& loader = nodeWithId (graph, 4);
    CHECK (loader["outputs"] == Json::parse (R"([
        { "name": "MODEL", "type": "MODEL", "links": [1], "slot_index": 0 },
        { "name": "CLIP", "type": "CLIP", "links": [5, 6], "slot_index": 1 },
        { "name": "VAE", "type": "VAE", "links": [8], "slot_index": 2 } ])"));
    CHECK (nodeWithId (graph, 9)["outputs"] == Json::array());
}

TEST_CASE ("graph format: only sockets are inputs; widget values follow the server's input order", "[graphformat]")
{
    const auto graph = graphOf (bundled ("txt2img").apiJson);
    const auto& sampler = nodeWithId (graph, 3);

    CHECK (inputNames (sampler) == std::vector<std::string> { "model", "positive", "negative", "latent_image" });
    CHECK (inputNames (nodeWithId (graph, 6)) == std::vector<std::string> { "clip" });
    CHECK (nodeWithId (graph, 4)["inputs"] == Json::array());

    // seed, its control_after_generate value, steps, cfg, sampler_name, scheduler, denoise.
    CHECK (sampler["widgets_values"] == Json::parse (R"([0, "fixed", 20, 7.0, "euler", "normal", 1.0])"));
    CHECK (nodeWithId (graph, 4)["widgets_values"] == Json::parse (R"(["v1-5-pruned-emaonly-fp16.safetensors"])"));
    CHECK (nodeWithId (graph, 5)["widgets_values"] == Json::parse ("[512, 512, 1]"));
    CHECK (nodeWithId (graph, 7)["widgets_values"] == Json::parse (R"(["blurry, low quality, watermark, text"])"));
    CHECK (nodeWithId (graph, 9)["widgets_values"] == Json::parse (R"(["ComfyBridge"])"));

    // EmptyImage's color INT has no control_after_generate: no extra value.
    const auto solid = graphOf (bundled ("empty_image").apiJson);
    CHECK (nodeWithId (solid, 1)["widgets_values"] == Json::parse ("[512, 512, 1, 0]"));

    for (const auto& node : graph["nodes"])
    {
        CHECK (node["properties"]["Node name for S&R"] == node["type"]);
        CHECK (node["mode"] == 0);
        CHECK (node["flags"] == Json::object());
    }
}

TEST_CASE ("graph format: the server's input_order wins over the JSON key order", "[graphformat]")
{
    // Width before height in the server's order, whatever order the API graph and object_info keys have.
    const auto api = R"({ "1": { "class_type": "EmptyImage", "inputs": { "color": 7, "height": 64, "batch_size": 2, "width": 32 } } })";
    CHECK (nodeWithId (graphOf (api), 1)["widgets_values"] == Json::parse ("[32, 64, 2, 7]"));

    // Without input_order (servers before 2024): the API graph's order, missing values from the defaults.
    auto info = objectInfo();
    info["EmptyImage"].erase ("input_order");
    const auto partial = R"({ "1": { "class_type": "EmptyImage", "inputs": { "width": 32, "height": 64, "color": 7 } } })";
    CHECK (nodeWithId (graphOf (partial, info), 1)["widgets_values"] == Json::parse ("[32, 64, 7, 1]"));
}

TEST_CASE ("graph format: a widget fed by a link becomes a widget input and keeps a value", "[graphformat]")
{
    const auto api = R"({
        "1": { "class_type": "EmptyImage", "inputs": { "width": ["2", 0], "height": 64, "batch_size": 1, "color": 0 } },
        "2": { "class_type": "SomeCustomInt", "inputs": { "value": 48 }, "_meta": { "title": "Width" } } })";
    const auto graph = graphOf (api);
    const auto& image = nodeWithId (graph, 1);

    REQUIRE (image["inputs"].size() == 1);
    CHECK (image["inputs"][0] == Json::parse (R"({ "name": "width", "type": "INT", "widget": { "name": "width" }, "link": 1 })"));
    CHECK (image["widgets_values"] == Json::parse ("[512, 64, 1, 0]"));

    // A class the server does not know is kept: its literal values, and untyped sockets for its links.
    const auto& custom = nodeWithId (graph, 2);
    CHECK (custom["type"] == "SomeCustomInt");
    CHECK (custom["title"] == "Width");
    CHECK (custom["widgets_values"] == Json::parse ("[48]"));
    CHECK (custom["outputs"] == Json::parse (R"([{ "name": "*", "type": "*", "links": [1], "slot_index": 0 }])"));
    CHECK (graph["links"] == Json::parse (R"([[1, 2, 0, 1, 0, "INT"]])"));
}

TEST_CASE ("graph format: titles, ids and the top level", "[graphformat]")
{
    const auto api = bundled ("txt2img").apiJson;
    const auto text = comfybridge::toGraphWorkflow (api, catalogOf (objectInfo()), "txt2img");
    const auto graph = Json::parse (text);

    CHECK (nodeWithId (graph, 6)["title"] == "CLIP Text Encode (Positive Prompt)");
    CHECK (nodeWithId (graph, 7)["title"] == "CLIP Text Encode (Negative Prompt)");
    CHECK_FALSE (nodeWithId (graph, 9).contains ("title")); // "Save Image" is the class's own name
    CHECK_FALSE (nodeWithId (graph, 3).contains ("title"));

    CHECK (graph["version"] == 0.4);
    CHECK (graph["groups"] == Json::array());
    CHECK (graph["config"] == Json::object());
    CHECK (graph["extra"].is_object());

    // A stable UUID per workflow name, so that a redeployment writes the same bytes.
    const auto id = graph["id"].get<std::string>();
    REQUIRE (id.size() == 36); // 8-4-4-4-12 hex digits, version 5
    CHECK (id[8] == '-');
    CHECK (id[13] == '-');
    CHECK (id[14] == '5');
    CHECK (id[18] == '-');
    CHECK (id[23] == '-');
    CHECK (id.find_first_not_of ("0123456789abcdef-") == std::string::npos);
    CHECK (id == comfybridge::graphWorkflowId ("txt2img").toStdString());
    CHECK (comfybridge::graphWorkflowId ("txt2img") != comfybridge::graphWorkflowId ("empty_image"));
    CHECK (comfybridge::toGraphWorkflow (api, catalogOf (objectInfo()), "txt2img") == text);
    CHECK (text.back() == '\n');

    // A cycle cannot run, but is still converted whole (and the conversion ends).
    const auto cycle = graphOf (R"({ "a": { "class_type": "X", "inputs": { "in": ["b", 0] } },
                                     "b": { "class_type": "X", "inputs": { "in": ["a", 0] } } })");
    CHECK (cycle["nodes"].size() == 2);
    CHECK (cycle["links"].size() == 2);

    CHECK (comfybridge::toGraphWorkflow ("[1, 2]", catalogOf (objectInfo()), "x").empty());
    CHECK (comfybridge::toGraphWorkflow ("{ not json", catalogOf (objectInfo()), "x").empty());
}

TEST_CASE ("graph format: nodes are laid out left to right without overlapping", "[graphformat]")
{
    for (const auto* name : { "txt2img", "empty_image", "invert_image" })
    {
        INFO (name);
        const auto graph = graphOf (bundled (name).apiJson);
        const auto& nodes = graph["nodes"];

        // Every link runs left to right, and execution order follows the links.
        for (const auto& link : graph["links"])
        {
            const auto& origin = nodeWithId (graph, link[1]);
            const auto& target = nodeWithId (graph, link[3]);
            CHECK (origin["pos"][0].get<int>() + origin["size"][0].get<int>() < target["pos"][0].get<int>());
            CHECK (origin["order"] < target["order"]);
        }

        // No two nodes overlap, counting the 30-unit title bar above each one.
        for (std::size_t i = 0; i < nodes.size(); ++i)
        {
            for (std::size_t j = i + 1; j < nodes.size(); ++j)
            {
                auto box = [] (const Json& n)
                {
                    return juce::Rectangle<int> (n["pos"][0], n["pos"][1].get<int>() - 30, n["size"][0], n["size"][1].get<int>() + 30);
                };

                CHECK_FALSE (box (nodes[i]).intersects (box (nodes[j])));
            }
        }
    }

    // txt2img reads as five columns: loader | prompts and latent | sampler | decode | save.
    const auto graph = graphOf (bundled ("txt2img").apiJson);
    auto x = [&] (int id) { return nodeWithId (graph, id)["pos"][0].get<int>(); };
    auto y = [&] (int id) { return nodeWithId (graph, id)["pos"][1].get<int>(); };

    CHECK (x (4) < x (6));
    CHECK (x (6) == x (7));
    CHECK (x (7) == x (5));
    CHECK (x (5) < x (3));
    CHECK (x (3) < x (8));
    CHECK (x (8) < x (9));
    CHECK (y (6) < y (7)); // positive above negative above the latent, as they enter the sampler
    CHECK (y (7) < y (5));
}

//==============================================================================
/* Hidden (run by Tests/Frontend/run-frontend-check.sh, not by the suite): writes the
   fake's object_info and every bundled workflow's deployed graph into the folder named
   by COMFYBRIDGE_GRAPH_EXPORT_DIR (with its API graph beside it as NAME.api.json), for the
   frontend's own graph library to load.
*/
TEST_CASE ("export the deployed graphs for the frontend check", "[.frontend-export]")
{
    const auto folderName = juce::SystemStats::getEnvironmentVariable ("COMFYBRIDGE_GRAPH_EXPORT_DIR", {});
    REQUIRE (folderName.isNotEmpty());

    const juce::File folder (folderName);
    REQUIRE (folder.createDirectory());

    const auto info = objectInfo();
    REQUIRE (folder.getChildFile ("object_info.json").replaceWithText (info.dump (2), false, false, "\n"));

    juce::StringArray errors;
    const auto library = comfybridge::loadBundledWorkflows (errors);
    REQUIRE (errors.isEmpty());

    for (const auto& w : library.getWorkflows())
    {
        const auto content = comfybridge::deployedContent (w, catalogOf (info));
        REQUIRE_FALSE (content.empty());
        REQUIRE (folder.getChildFile ("comfybridge-" + w.name + ".json").replaceWithText (juce::String::fromUTF8 (content.data(), (int) content.size()), false, false, "\n"));
        REQUIRE (folder.getChildFile ("comfybridge-" + w.name + ".api.json").replaceWithText (w.apiJson, false, false, "\n"));
    }
}
