#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include "Shared/BundledWorkflows.h"

#include <nlohmann/json.hpp>

using comfybridge::InputBinding;
using comfybridge::WorkflowDefinition;
using comfybridge::WorkflowInputs;
using comfybridge::WorkflowLibrary;

namespace
{
    using Json = nlohmann::json;

    // The bundled set is read the way the front ends read it (Source/Shared/BundledWorkflows).
    using comfybridge::loadBundledWorkflows;
    using comfybridge::readBundledFile;

    //==============================================================================
    bool mentions (const juce::StringArray& messages, const juce::String& text)
    {
        for (const auto& m : messages)
            if (m.contains (text))
                return true;
        return false;
    }

    Json parse (const juce::String& text)
    {
        return Json::parse (text.toStdString());
    }

    /** Instantiates and parses, failing the test on errors. */
    /** The image inputs, in WorkflowInputs' order (what the tests set; the rest stays unset). */
    WorkflowInputs imageInputs (std::optional<juce::String> prompt, std::optional<juce::String> negative,
                                std::optional<juce::int64> seed, std::optional<int> width, std::optional<int> height)
    {
        WorkflowInputs inputs;
        inputs.prompt = prompt;
        inputs.negativePrompt = negative;
        inputs.seed = seed;
        inputs.width = width;
        inputs.height = height;
        return inputs;
    }

    Json instantiate (const WorkflowDefinition& workflow, const WorkflowInputs& inputs)
    {
        auto result = comfybridge::instantiateWorkflow (workflow, inputs);

        if (auto* errors = std::get_if<juce::StringArray> (&result))
            FAIL ("instantiation failed: " << errors->joinIntoString ("; "));

        return parse (std::get<juce::String> (result));
    }

    juce::StringArray instantiationErrors (const WorkflowDefinition& workflow, const WorkflowInputs& inputs)
    {
        auto result = comfybridge::instantiateWorkflow (workflow, inputs);
        return std::holds_alternative<juce::StringArray> (result) ? std::get<juce::StringArray> (result) : juce::StringArray();
    }

    WorkflowDefinition bundled (const juce::String& name)
    {
        juce::StringArray errors;
        const auto library = loadBundledWorkflows (errors);
        const auto* workflow = library.find (name);

        if (workflow == nullptr)
            FAIL ("no bundled workflow " << name);

        return *workflow;
    }

    bool sameBinding (const std::vector<InputBinding>& bindings, const char* node, const char* input)
    {
        return bindings.size() == 1 && bindings[0].node == node && bindings[0].input == input;
    }

    //==============================================================================
    /** A user file in a fresh temporary folder, deleted with the object. */
    struct UserFile
    {
        explicit UserFile (const juce::String& content, const juce::String& name = "my_workflow.json")
            : folder (juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("comfybridge-workflow-test", {})),
              file (folder.getChildFile (name))
        {
            folder.createDirectory();
            file.replaceWithText (content);
        }

        ~UserFile() { folder.deleteRecursively(); }

        juce::File folder, file;

        JUCE_DECLARE_NON_COPYABLE (UserFile)
    };

    juce::String loadUserError (const juce::String& content)
    {
        const UserFile user (content);
        auto result = WorkflowLibrary::loadUserFile (user.file);
        return std::holds_alternative<juce::String> (result) ? std::get<juce::String> (result) : juce::String();
    }

    WorkflowDefinition loadUser (const juce::String& content)
    {
        const UserFile user (content);
        auto result = WorkflowLibrary::loadUserFile (user.file);

        if (auto* error = std::get_if<juce::String> (&result))
            FAIL ("user file rejected: " << *error);

        return std::get<WorkflowDefinition> (result);
    }

    const char* const minimalManifestEntry = R"({"name": "solid", "file": "solid.json",
        "inputs": {"seed": [{"node": "1", "input": "color"}], "width": [{"node": "1", "input": "width"}]}})";

    const char* const solidGraph = R"({"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
                                       "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "t"}}})";

    /** Loads a manifest whose files come from a map; missing names are unreadable. */
    WorkflowLibrary loadWith (const juce::String& manifest, const std::map<juce::String, juce::String>& files, juce::StringArray& errors)
    {
        return WorkflowLibrary::load (manifest, [files] (const juce::String& name) -> std::optional<juce::String>
        {
            const auto it = files.find (name);
            return it != files.end() ? std::optional<juce::String> (it->second) : std::nullopt;
        }, errors);
    }
}

//==============================================================================
TEST_CASE ("the bundled workflows load with no errors", "[workflows]")
{
    juce::StringArray errors;
    const auto library = loadBundledWorkflows (errors);

    CHECK (errors.isEmpty());
    INFO (errors.joinIntoString ("\n"));
    CHECK (library.getNames() == juce::StringArray { "txt2img", "empty_image", "invert_image", "audio_gain", "audio_trim", "audio_sao_t2a", "audio_sao_a2a" });

    for (const auto& workflow : library.getWorkflows())
    {
        INFO (workflow.name);
        CHECK (workflow.isBundled);
        CHECK (workflow.title.isNotEmpty());
        CHECK (workflow.description.isNotEmpty());
        CHECK (parse (workflow.apiJson).is_object());
        // Image workflows take a seed and a size; audio ones a LoadAudio file or a duration instead.
        CHECK (workflow.producesAudio() == workflow.name.startsWith ("audio_"));
        if (workflow.producesAudio())
        {
            CHECK (workflow.audio.size() + workflow.duration.size() >= 1);
            CHECK (workflow.width.empty());
            continue;
        }
        CHECK (workflow.seed.size() == 1);
        CHECK (workflow.width.size() == 1);
        CHECK (workflow.height.size() == 1);
    }

    for (const auto* name : { "audio_sao_t2a", "audio_sao_a2a" })
    {
        INFO (name);
        const auto* sao = library.find (name);
        REQUIRE (sao != nullptr);
        REQUIRE (sao->models.size() == 2);
        CHECK (sao->models[0].folder == "checkpoints");
        CHECK (sao->models[0].name == "stable_audio_open_1.0.safetensors");
        CHECK (sao->models[1].folder == "text_encoders");
        CHECK (sao->models[1].name == "t5_base.safetensors");
        CHECK (sao->models[1].url.startsWith ("https://huggingface.co/"));
        CHECK (sao->seed.size() == 1);
    }
    CHECK (library.find ("audio_sao_t2a")->duration.size() == 1);
    CHECK (library.find ("audio_sao_a2a")->audio.size() == 1);

    const auto* txt2img = library.find ("txt2img");
    REQUIRE (txt2img != nullptr);
    CHECK (sameBinding (txt2img->prompt, "6", "text"));
    CHECK (sameBinding (txt2img->negativePrompt, "7", "text"));
    CHECK (sameBinding (txt2img->seed, "3", "seed"));
    CHECK (sameBinding (txt2img->width, "5", "width"));
    CHECK (sameBinding (txt2img->height, "5", "height"));
    REQUIRE (txt2img->models.size() == 1);
    CHECK (txt2img->models[0].folder == "checkpoints");
    CHECK (txt2img->models[0].name == "v1-5-pruned-emaonly-fp16.safetensors");
    CHECK (txt2img->models[0].url == "https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors");
    CHECK (txt2img->models[0].sha256 == "e9476a13728cd75d8279f6ec8bad753a66a1957ca375a1464dc63b37db6e3916");

    for (const auto* name : { "empty_image", "invert_image" })
    {
        INFO (name);
        const auto* modelFree = library.find (name);
        REQUIRE (modelFree != nullptr);
        CHECK (modelFree->models.empty());
        CHECK (modelFree->prompt.empty());
        CHECK (sameBinding (modelFree->seed, "1", "color"));
    }

    CHECK (library.find ("nonexistent") == nullptr);
}

TEST_CASE ("every bundled workflow instantiates into a graph ComfyUI accepts as API format", "[workflows]")
{
    juce::StringArray errors;
    const auto library = loadBundledWorkflows (errors);
    REQUIRE (library.getWorkflows().size() == 7);

    for (const auto& workflow : library.getWorkflows())
    {
        INFO (workflow.name);
        if (workflow.producesAudio())
            continue; // audio workflows: AudioFileCodecTests
        const auto graph = instantiate (workflow, imageInputs ("a red fox in the snow", "blurry", 123, 640, 384));

        bool hasSaveImage = false;

        for (const auto& [id, node] : graph.items())
        {
            CHECK (node["class_type"].is_string());
            CHECK (node["inputs"].is_object());
            hasSaveImage = hasSaveImage || node["class_type"] == "SaveImage";
        }

        CHECK (hasSaveImage);

        // What was instantiated is a user-loadable file too.
        CHECK (loadUserError (juce::String (graph.dump())).isEmpty());
    }
}

TEST_CASE ("txt2img puts prompt, negative prompt, seed and size on the right inputs and keeps the rest", "[workflows]")
{
    const auto workflow = bundled ("txt2img");
    const auto prompt = juce::String (juce::CharPointer_UTF8 ("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \"quoted\"\nsecond line"));
    const auto graph = instantiate (workflow, imageInputs (prompt, "ugly, blurry", 9007199254740991LL, 768, 512));

    CHECK (juce::String::fromUTF8 (graph["6"]["inputs"]["text"].get<std::string>().c_str()) == prompt);
    CHECK (graph["7"]["inputs"]["text"] == "ugly, blurry");
    CHECK (graph["3"]["inputs"]["seed"] == 9007199254740991LL);
    CHECK (graph["5"]["inputs"]["width"] == 768);
    CHECK (graph["5"]["inputs"]["height"] == 512);

    // Untouched: the sampler settings, the model, the links and the output.
    CHECK (graph["3"]["class_type"] == "KSampler");
    CHECK (graph["3"]["inputs"]["steps"] == 20);
    CHECK (graph["3"]["inputs"]["cfg"] == 7.0);
    CHECK (graph["3"]["inputs"]["sampler_name"] == "euler");
    CHECK (graph["3"]["inputs"]["scheduler"] == "normal");
    CHECK (graph["3"]["inputs"]["denoise"] == 1.0);
    CHECK (graph["3"]["inputs"]["positive"] == Json::array ({ "6", 0 }));
    CHECK (graph["3"]["inputs"]["negative"] == Json::array ({ "7", 0 }));
    CHECK (graph["3"]["inputs"]["latent_image"] == Json::array ({ "5", 0 }));
    CHECK (graph["4"]["inputs"]["ckpt_name"] == "v1-5-pruned-emaonly-fp16.safetensors");
    CHECK (graph["6"]["inputs"]["clip"] == Json::array ({ "4", 1 }));
    CHECK (graph["8"]["inputs"]["vae"] == Json::array ({ "4", 2 }));
    CHECK (graph["9"]["inputs"]["filename_prefix"] == "ComfyBridge");
    CHECK (graph["9"]["inputs"]["images"] == Json::array ({ "8", 0 }));
    CHECK (graph["5"]["inputs"]["batch_size"] == 1);
}

TEST_CASE ("EmptyLatentImage sizes are rounded up to a multiple of 8, at least 16", "[workflows]")
{
    const auto workflow = bundled ("txt2img");
    const std::pair<int, int> rows[] = { { 512, 512 }, { 500, 504 }, { 513, 520 }, { 1, 16 }, { 15, 16 }, { 17, 24 }, { 16384, 16384 } };

    for (const auto& [requested, expected] : rows)
    {
        INFO (requested);
        const auto graph = instantiate (workflow, imageInputs ("p", "n", 1, requested, requested));
        CHECK (graph["5"]["inputs"]["width"] == expected);
        CHECK (graph["5"]["inputs"]["height"] == expected);
    }
}

TEST_CASE ("model-free workflows take the seed as a colour and the exact size, and ignore the prompt", "[workflows]")
{
    for (const auto* name : { "empty_image", "invert_image" })
    {
        INFO (name);
        const auto workflow = bundled (name);

        const auto graph = instantiate (workflow, imageInputs ("ignored prompt", "ignored", 16777216LL * 3 + 42, 1, 16384));
        CHECK (graph["1"]["inputs"]["color"] == 42);
        CHECK (graph["1"]["inputs"]["width"] == 1);
        CHECK (graph["1"]["inputs"]["height"] == 16384);
        CHECK (graph.dump().find ("ignored") == std::string::npos);

        const auto other = instantiate (workflow, imageInputs ({}, {}, 43, 64, 64));
        CHECK (other["1"]["inputs"]["color"] == 43);
        CHECK (other["1"]["inputs"]["batch_size"] == 1);
    }

    CHECK (instantiate (bundled ("invert_image"), {})["2"]["inputs"]["image"] == Json::array ({ "1", 0 }));
}

TEST_CASE ("out-of-range seeds and sizes are refused with every problem named", "[workflows]")
{
    const auto workflow = bundled ("txt2img");

    CHECK (mentions (instantiationErrors (workflow, imageInputs ("p", "n", -1, 512, 512)), "seed: -1"));
    CHECK (mentions (instantiationErrors (workflow, imageInputs ("p", "n", 9007199254740992LL, 512, 512)), "seed: 9007199254740992"));
    CHECK (mentions (instantiationErrors (workflow, imageInputs ("p", "n", 0, 0, 512)), "width: 0"));
    CHECK (mentions (instantiationErrors (workflow, imageInputs ("p", "n", 0, 512, 16385)), "height: 16385"));

    const auto all = instantiationErrors (workflow, imageInputs ("p", "n", -5, -1, 100000));
    CHECK (all.size() == 3);
    CHECK (mentions (all, "seed: -5"));
    CHECK (mentions (all, "width: -1"));
    CHECK (mentions (all, "height: 100000"));

    CHECK (instantiationErrors (workflow, imageInputs ("p", "n", 0, 1, 16384)).isEmpty());
}

TEST_CASE ("bindings to missing nodes, missing inputs, links or the wrong kind of value are errors", "[workflows]")
{
    auto workflow = bundled ("txt2img");

    SECTION ("missing node")
    {
        workflow.prompt = { { "99", "text" } };
        const auto errors = instantiationErrors (workflow, {});
        CHECK (mentions (errors, "prompt: node '99' does not exist"));
    }

    SECTION ("missing input")
    {
        workflow.seed = { { "3", "noise_seed" } };
        CHECK (mentions (instantiationErrors (workflow, {}), "seed: node '3' (KSampler) has no input 'noise_seed'"));
    }

    SECTION ("an input fed by a link")
    {
        workflow.negativePrompt = { { "7", "clip" } };
        CHECK (mentions (instantiationErrors (workflow, {}), "is fed by node '4'"));
    }

    SECTION ("a number bound to a text input and text to a number")
    {
        workflow.width = { { "3", "sampler_name" } };
        workflow.prompt = { { "3", "steps" } };
        const auto errors = instantiationErrors (workflow, {});
        CHECK (errors.size() == 2);
        CHECK (mentions (errors, "width: node '3' (KSampler) input 'sampler_name' holds a string, not a number"));
        CHECK (mentions (errors, "prompt: node '3' (KSampler) input 'steps' holds a number, not text"));
    }

    SECTION ("a graph that is not JSON")
    {
        workflow.apiJson = "{ nope";
        CHECK (mentions (instantiationErrors (workflow, {}), "not valid JSON"));
    }
}

//==============================================================================
TEST_CASE ("a manifest reports every problem and still loads the valid workflows", "[workflows]")
{
    const std::map<juce::String, juce::String> files {
        { "solid.json", solidGraph },
        { "ui.json", R"({"last_node_id": 2, "nodes": [{"id": 1, "type": "EmptyImage"}], "links": [], "version": 0.4})" },
        { "broken.json", "{\"1\": " },
    };

    const juce::String manifest = juce::String (R"({"version": 1, "workflows": [)") + minimalManifestEntry + R"(,
        {"name": "unreadable", "file": "missing.json"},
        {"name": "ui", "file": "ui.json"},
        {"name": "broken", "file": "broken.json"},
        {"name": "badbinding", "file": "solid.json", "inputs": {"prompt": [{"node": "1", "input": "text"}]}},
        {"name": "badmodel", "file": "solid.json", "models": [{"folder": "checkpoints", "name": "../../etc/passwd", "sha256": "xyz"}]},
        {"name": "solid", "file": "solid.json"},
        {"file": "solid.json"},
        {"name": "escape", "file": "../solid.json"},
        {"name": "extra", "file": "solid.json", "colour": "red", "inputs": {"steps": [{"node": "1", "input": "width"}]}}
    ]})";

    juce::StringArray errors;
    const auto library = loadWith (manifest, files, errors);
    INFO (errors.joinIntoString ("\n"));

    CHECK (library.getNames() == juce::StringArray { "solid", "extra" });
    CHECK (mentions (errors, "workflow 'unreadable': cannot read 'missing.json'"));
    CHECK (mentions (errors, "workflow 'ui' (ui.json): this is a UI-format workflow; in ComfyUI use Workflow > Export (API)"));
    CHECK (mentions (errors, "workflow 'broken' (broken.json): not valid JSON"));
    CHECK (mentions (errors, "workflow 'badbinding': inputs.prompt: node '1' (EmptyImage) has no input 'text'"));
    CHECK (mentions (errors, "name '../../etc/passwd' must be a file name inside the folder"));
    CHECK (mentions (errors, "sha256 must be 64 hexadecimal digits"));
    CHECK (mentions (errors, "workflow 'solid': the name is used twice"));
    CHECK (mentions (errors, "workflow #8: has no name"));
    CHECK (mentions (errors, "workflow 'escape': \"file\" must name a workflow file"));
    CHECK (mentions (errors, "workflow 'extra': unknown key 'colour' ignored"));
    CHECK (mentions (errors, "workflow 'extra': unknown input 'steps' ignored"));
    CHECK (errors.size() == 11);

    const auto* solid = library.find ("solid");
    REQUIRE (solid != nullptr);
    CHECK (solid->title == "solid"); // the name stands in for a missing title
    CHECK (solid->prompt.empty());
    CHECK (solid->height.empty());
    CHECK (sameBinding (solid->seed, "1", "color"));
}

TEST_CASE ("a manifest that cannot be used at all says why", "[workflows]")
{
    const auto reader = [] (const juce::String&) { return std::optional<juce::String> (solidGraph); };

    const std::pair<const char*, const char*> rows[] = {
        { "{\"version\": 1, ", "manifest: not valid JSON" },
        { "[]", "manifest: expected a JSON object" },
        { "{\"workflows\": []}", "manifest: version (missing) is not supported" },
        { "{\"version\": 2, \"workflows\": []}", "manifest: version 2 is not supported; expected 1" },
        { "{\"version\": 1}", "manifest: \"workflows\" must be an array" },
    };

    for (const auto& [manifest, expected] : rows)
    {
        INFO (manifest);
        juce::StringArray errors;
        const auto library = WorkflowLibrary::load (manifest, reader, errors);
        CHECK (library.getWorkflows().empty());
        CHECK (errors.size() == 1);
        CHECK (mentions (errors, expected));
    }

    juce::StringArray errors;
    CHECK (WorkflowLibrary::load (R"({"version": 1, "workflows": []})", reader, errors).getWorkflows().empty());
    CHECK (errors.isEmpty());
}

TEST_CASE ("a model's optional size is read in bytes, and a bad size is reported", "[workflows]")
{
    const auto manifestWithModels = [] (const juce::String& models)
    {
        return R"({"version": 1, "workflows": [{"name": "solid", "file": "solid.json", "models": [)" + models + "]}]}";
    };

    const std::map<juce::String, juce::String> files { { "solid.json", solidGraph } };
    const auto model = R"({"folder": "checkpoints", "name": "m.safetensors", "url": "https://example.invalid/m")";

    juce::StringArray errors;
    const auto library = loadWith (manifestWithModels (juce::String (model) + R"(, "size": 4265146304}, )"
                                                       + model + R"(, "size": null}, )" + model + "}"),
                                   files, errors);
    INFO (errors.joinIntoString ("\n"));
    CHECK (errors.isEmpty());

    const auto* solid = library.find ("solid");
    REQUIRE (solid != nullptr);
    REQUIRE (solid->models.size() == 3);
    CHECK (solid->models[0].sizeBytes == 4265146304LL); // above 2^32: must not be truncated
    CHECK (solid->models[1].sizeBytes == -1);
    CHECK (solid->models[2].sizeBytes == -1);

    for (const auto* badSize : { "0", "-5", "1.5", "\"12\"", "true", "18446744073709551615" })
    {
        INFO (badSize);
        juce::StringArray badErrors;
        const auto badLibrary = loadWith (manifestWithModels (juce::String (model) + ", \"size\": " + badSize + "}"), files, badErrors);
        CHECK (badLibrary.getWorkflows().empty());
        CHECK (mentions (badErrors, "workflow 'solid': models[0]: size must be a positive whole number of bytes or null"));
    }
}

//==============================================================================
TEST_CASE ("a user's API-format file loads with inputs bound by convention", "[workflows]")
{
    const auto text = readBundledFile ("txt2img_checkpoint.json");
    REQUIRE (text.has_value());

    const UserFile user (*text, "Portrait SD15.json");
    auto result = WorkflowLibrary::loadUserFile (user.file);
    REQUIRE (std::holds_alternative<WorkflowDefinition> (result));
    const auto workflow = std::get<WorkflowDefinition> (result);

    CHECK (workflow.name == "Portrait SD15");
    CHECK_FALSE (workflow.isBundled);
    CHECK (sameBinding (workflow.prompt, "6", "text"));
    CHECK (sameBinding (workflow.negativePrompt, "7", "text"));
    CHECK (sameBinding (workflow.seed, "3", "seed"));
    CHECK (sameBinding (workflow.width, "5", "width"));
    CHECK (sameBinding (workflow.height, "5", "height"));
    REQUIRE (workflow.models.size() == 1);
    CHECK (workflow.models[0].folder == "checkpoints");
    CHECK (workflow.models[0].name == "v1-5-pruned-emaonly-fp16.safetensors");

    const auto graph = instantiate (workflow, imageInputs ("mine", "not this", 5, 640, 640));
    CHECK (graph["6"]["inputs"]["text"] == "mine");
    CHECK (graph["7"]["inputs"]["text"] == "not this");
    CHECK (graph["3"]["inputs"]["seed"] == 5);
}

TEST_CASE ("the prompt goes to the encoder that feeds the sampler's positive input, whatever the node order", "[workflows]")
{
    // The negative encoder has the lower id, the positive one goes through a
    // ConditioningCombine, and the sampler is a KSamplerAdvanced.
    const auto workflow = loadUser (R"({
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "negative", "clip": ["1", 1]}},
        "10": {"class_type": "CLIPTextEncode", "inputs": {"text": "positive", "clip": ["1", 1]}},
        "11": {"class_type": "CLIPTextEncode", "inputs": {"text": "style", "clip": ["1", 1]}},
        "12": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["10", 0], "conditioning_2": ["11", 0]}},
        "3": {"class_type": "EmptyLatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
        "4": {"class_type": "KSamplerAdvanced", "inputs": {"model": ["1", 0], "add_noise": "enable", "noise_seed": 7,
              "steps": 20, "cfg": 7, "sampler_name": "euler", "scheduler": "normal", "positive": ["12", 0],
              "negative": ["2", 0], "latent_image": ["3", 0], "start_at_step": 0, "end_at_step": 10000,
              "return_with_leftover_noise": "disable"}},
        "5": {"class_type": "VAEDecode", "inputs": {"samples": ["4", 0], "vae": ["1", 2]}},
        "6": {"class_type": "PreviewImage", "inputs": {"images": ["5", 0]}}
    })");

    CHECK (sameBinding (workflow.prompt, "10", "text"));
    CHECK (sameBinding (workflow.negativePrompt, "2", "text"));
    CHECK (sameBinding (workflow.seed, "4", "noise_seed"));
    CHECK (sameBinding (workflow.width, "3", "width"));
}

TEST_CASE ("a negative made from the positive encoder is not bound, and without a sampler the first encoder gets the prompt", "[workflows]")
{
    const auto zeroed = loadUser (R"({
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "positive", "clip": ["1", 1]}},
        "3": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["2", 0]}},
        "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
        "5": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "seed": 1, "steps": 4, "cfg": 1, "sampler_name": "euler",
              "scheduler": "normal", "positive": ["2", 0], "negative": ["3", 0], "latent_image": ["4", 0], "denoise": 1}},
        "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
        "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "x"}}
    })");

    CHECK (sameBinding (zeroed.prompt, "2", "text"));
    CHECK (zeroed.negativePrompt.empty());

    const auto noSampler = loadUser (R"({
        "8": {"class_type": "CLIPTextEncode", "inputs": {"text": "first", "clip": ["9", 1]}},
        "9": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
        "20": {"class_type": "CLIPTextEncode", "inputs": {"text": "second", "clip": ["9", 1]}},
        "21": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
        "22": {"class_type": "SaveImage", "inputs": {"images": ["21", 0], "filename_prefix": "x"}}
    })");

    CHECK (sameBinding (noSampler.prompt, "8", "text"));
    CHECK (noSampler.negativePrompt.empty());
    CHECK (noSampler.seed.empty());
    CHECK (sameBinding (noSampler.width, "21", "width"));
}

TEST_CASE ("a saved /prompt request body is accepted as a user file", "[workflows]")
{
    const auto workflow = loadUser (juce::String (R"({"client_id": "abc", "prompt": )") + solidGraph + "}");

    CHECK (sameBinding (workflow.width, "1", "width"));
    CHECK (sameBinding (workflow.height, "1", "height"));
    CHECK (workflow.prompt.empty());
    CHECK (workflow.models.empty());
    CHECK (parse (workflow.apiJson).contains ("2"));
}

TEST_CASE ("user files that ComfyUI could not run are refused with a clear message", "[workflows]")
{
    SECTION ("UI format")
    {
        const auto error = loadUserError (R"({"last_node_id": 9, "last_link_id": 9, "nodes": [{"id": 3, "type": "KSampler"}],
                                              "links": [], "groups": [], "version": 0.4})");
        CHECK (error == "my_workflow.json: this is a UI-format workflow; in ComfyUI use Workflow > Export (API)");
    }

    SECTION ("malformed JSON")
    {
        const auto error = loadUserError ("{\"1\": {\"class_type\": \"SaveImage\",");
        CHECK (error.startsWith ("my_workflow.json: not valid JSON ("));
        CHECK_FALSE (error.contains ("json.exception"));
    }

    SECTION ("not JSON at all, or empty")
    {
        CHECK (loadUserError ("hello").contains ("not valid JSON"));
        CHECK (loadUserError ("").contains ("the file is empty"));
        CHECK (loadUserError ("[1, 2]").contains ("expected a JSON object keyed by node id, got array"));
        CHECK (loadUserError ("{}").contains ("the workflow has no nodes"));
    }

    SECTION ("a node without class_type")
    {
        const auto error = loadUserError (R"({"1": {"inputs": {"width": 8}},
                                              "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}}})");
        CHECK (error.contains ("node '1' has no class_type"));
    }

    SECTION ("no output node")
    {
        const auto error = loadUserError (R"({"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}}})");
        CHECK (error.contains ("no output node: add a SaveImage, PreviewImage, SaveAudio or PreviewAudio node"));
    }

    SECTION ("a link to a node that does not exist")
    {
        const auto error = loadUserError (R"({"2": {"class_type": "SaveImage", "inputs": {"images": ["7", 0], "filename_prefix": "x"}}})");
        CHECK (error.contains ("node '2' (SaveImage) input 'images' links to node '7', which does not exist"));
    }

    SECTION ("a missing file")
    {
        const auto missing = juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("nothing", ".json");
        auto result = WorkflowLibrary::loadUserFile (missing);
        REQUIRE (std::holds_alternative<juce::String> (result));
        CHECK (std::get<juce::String> (result).contains ("file not found"));
    }
}
