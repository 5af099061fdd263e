#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include "Shared/BundledWorkflows.h"

#include <nlohmann/json.hpp>

// A workflow runs as written: only the inputs a user sets are changed (issue 11).

using comfybridge::WorkflowDefinition;
using comfybridge::WorkflowInputs;
using comfybridge::WorkflowLibrary;

namespace
{
    using Json = nlohmann::json;

    WorkflowDefinition bundledWorkflow (const juce::String& name)
    {
        juce::StringArray errors;
        const auto library = comfybridge::loadBundledWorkflows (errors);
        const auto* workflow = library.find (name);

        if (workflow == nullptr)
            FAIL ("no bundled workflow " << name);

        return *workflow;
    }

    /** A user's file, loaded the way `--workflow my.json` and "Open file…" load it. */
    WorkflowDefinition userWorkflow (const juce::String& content)
    {
        const auto folder = juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("comfybridge-inputs-test", {});
        folder.createDirectory();
        const auto file = folder.getChildFile ("my.json");
        file.replaceWithText (content);
        auto result = WorkflowLibrary::loadUserFile (file);
        folder.deleteRecursively();

        if (auto* error = std::get_if<juce::String> (&result))
            FAIL ("user file rejected: " << *error);

        return std::get<WorkflowDefinition> (result);
    }

    Json instantiated (const WorkflowDefinition& workflow, const WorkflowInputs& inputs)
    {
        auto result = comfybridge::instantiateWorkflow (workflow, inputs);

        if (auto* errors = std::get_if<juce::StringArray> (&result))
            FAIL ("instantiation failed: " << errors->joinIntoString ("; "));

        return Json::parse (std::get<juce::String> (result).toStdString());
    }

    juce::String emptyImageGraph (int width, int height, int colour)
    {
        return R"({"1": {"class_type": "EmptyImage", "inputs": {"width": )" + juce::String (width) + R"(, "height": )" + juce::String (height)
             + R"(, "batch_size": 1, "color": )" + juce::String (colour) + R"(}},
                   "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "mine"}}})";
    }

    const char* const latentGraph = R"({
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "my own prompt", "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "my own negative", "clip": ["1", 1]}},
        "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 500, "height": 300, "batch_size": 1}},
        "5": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "seed": 123456789012, "steps": 4, "cfg": 1, "sampler_name": "euler",
              "scheduler": "normal", "positive": ["2", 0], "negative": ["3", 0], "latent_image": ["4", 0], "denoise": 1}},
        "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
        "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "x"}}
    })";
}

TEST_CASE ("a user's file keeps its own size and colour when only the prompt is given", "[workflows][inputs]")
{
    // comfybridge generate --workflow my.json --prompt x: no size, no seed.
    const auto workflow = userWorkflow (emptyImageGraph (64, 48, 7));
    WorkflowInputs inputs;
    inputs.prompt = "x";

    const auto graph = instantiated (workflow, inputs);
    CHECK (graph["1"]["inputs"]["width"] == 64);
    CHECK (graph["1"]["inputs"]["height"] == 48);
    CHECK (graph["1"]["inputs"]["color"] == 7);
}

TEST_CASE ("a workflow's own out-of-range value is sent as written for ComfyUI to judge", "[workflows][inputs]")
{
    const auto workflow = userWorkflow (emptyImageGraph (0, 48, 0));

    auto result = comfybridge::instantiateWorkflow (workflow, WorkflowInputs {});
    REQUIRE (std::holds_alternative<juce::String> (result));
    const auto graph = Json::parse (std::get<juce::String> (result).toStdString());
    CHECK (graph["1"]["inputs"]["width"] == 0);
    CHECK (graph["1"]["inputs"]["height"] == 48);
}

TEST_CASE ("unset inputs leave a sampler workflow untouched: prompts, seed and an unrounded latent size", "[workflows][inputs]")
{
    const auto workflow = userWorkflow (latentGraph);

    const auto untouched = instantiated (workflow, WorkflowInputs {});
    CHECK (untouched == Json::parse (workflow.apiJson.toStdString()));
    CHECK (untouched["2"]["inputs"]["text"] == "my own prompt");
    CHECK (untouched["3"]["inputs"]["text"] == "my own negative");
    CHECK (untouched["5"]["inputs"]["seed"] == 123456789012LL);
    CHECK (untouched["4"]["inputs"]["width"] == 500); // not rounded: the user did not ask for a size

    WorkflowInputs onlyHeight;
    onlyHeight.height = 300;
    const auto sized = instantiated (workflow, onlyHeight);
    CHECK (sized["4"]["inputs"]["width"] == 500);
    CHECK (sized["4"]["inputs"]["height"] == 304); // a size the user gives is still rounded for ComfyUI
    CHECK (sized["2"]["inputs"]["text"] == "my own prompt");
}

TEST_CASE ("a bundled workflow keeps its own prompt and negative prompt when only the seed is set", "[workflows][inputs]")
{
    const auto workflow = bundledWorkflow ("txt2img");
    const auto own = Json::parse (workflow.apiJson.toStdString());
    WorkflowInputs inputs;
    inputs.seed = 42;

    const auto graph = instantiated (workflow, inputs);
    CHECK (graph["3"]["inputs"]["seed"] == 42);
    CHECK (graph["6"]["inputs"]["text"] == own["6"]["inputs"]["text"]);
    CHECK (graph["6"]["inputs"]["text"] == "a lighthouse on a rocky coast at dusk, warm light, detailed");
    CHECK (graph["7"]["inputs"]["text"] == own["7"]["inputs"]["text"]);
    CHECK (graph["5"]["inputs"]["width"] == own["5"]["inputs"]["width"]);

    // The empty prompt a user types is still a value the user set.
    inputs.prompt = juce::String();
    CHECK (instantiated (workflow, inputs)["6"]["inputs"]["text"] == "");
}

TEST_CASE ("a user's out-of-range value is still refused before anything is sent", "[workflows][inputs]")
{
    WorkflowInputs inputs;
    inputs.width = 0;
    auto result = comfybridge::instantiateWorkflow (userWorkflow (emptyImageGraph (64, 48, 0)), inputs);
    REQUIRE (std::holds_alternative<juce::StringArray> (result));
    CHECK (std::get<juce::StringArray> (result).joinIntoString ("; ").contains ("width: 0 is out of range"));
}

TEST_CASE ("readWorkflowValues reads the values at a workflow's bindings", "[workflows][inputs]")
{
    SECTION ("a user's sampler workflow")
    {
        const auto values = comfybridge::readWorkflowValues (userWorkflow (latentGraph));
        CHECK (values.prompt == juce::String ("my own prompt"));
        CHECK (values.negativePrompt == juce::String ("my own negative"));
        CHECK (values.seed == 123456789012LL);
        CHECK (values.width == 500);
        CHECK (values.height == 300);
    }

    SECTION ("a user's EmptyImage workflow: a size, no prompt and no seed (its colour is not bound in a user's file)")
    {
        const auto values = comfybridge::readWorkflowValues (userWorkflow (emptyImageGraph (64, 48, 7)));
        CHECK_FALSE (values.prompt.has_value());
        CHECK_FALSE (values.negativePrompt.has_value());
        CHECK_FALSE (values.seed.has_value());
        CHECK (values.width == 64);
        CHECK (values.height == 48);
    }

    SECTION ("bundled workflows")
    {
        const auto txt2img = comfybridge::readWorkflowValues (bundledWorkflow ("txt2img"));
        CHECK (txt2img.prompt == juce::String ("a lighthouse on a rocky coast at dusk, warm light, detailed"));
        CHECK (txt2img.negativePrompt.has_value());
        CHECK (txt2img.seed == 0);
        CHECK (txt2img.width == 512);

        const auto emptyImage = comfybridge::readWorkflowValues (bundledWorkflow ("empty_image"));
        CHECK_FALSE (emptyImage.prompt.has_value());
        CHECK (emptyImage.seed == 0); // the manifest binds the seed to the colour
        CHECK (emptyImage.width == 512);
    }

    SECTION ("values that do not fit, or are not whole numbers, are unset")
    {
        auto workflow = userWorkflow (emptyImageGraph (64, 48, 0));
        workflow.seed = { { "1", "color" } };
        workflow.apiJson = R"({"1": {"class_type": "EmptyImage", "inputs": {"width": 64.5, "height": 99999999999, "batch_size": 1,
                                     "color": 18446744073709551615}},
                               "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "mine"}}})";
        const auto values = comfybridge::readWorkflowValues (workflow);
        CHECK_FALSE (values.width.has_value());
        CHECK_FALSE (values.height.has_value());
        CHECK_FALSE (values.seed.has_value());

        workflow.apiJson = "not json";
        CHECK_FALSE (comfybridge::readWorkflowValues (workflow).width.has_value());
    }
}
