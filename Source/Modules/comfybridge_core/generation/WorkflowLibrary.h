#pragma once

#include <variant>

namespace comfybridge
{

//==============================================================================
/** A model file a workflow needs on the ComfyUI server. */
struct ModelRequirement
{
    juce::String folder; ///< ComfyUI model folder, e.g. "checkpoints", "loras", "vae"
    juce::String name;   ///< file name as ComfyUI lists it, e.g. "v1-5-pruned-emaonly-fp16.safetensors"
    juce::String url;    ///< where to download it from; empty when unknown
    juce::String sha256; ///< lower-case hex digest; empty when unknown
    juce::int64 sizeBytes = -1; ///< exact file size in bytes (manifest key "size"); -1 when unknown
};

/** One place in a workflow graph that receives a value: node id and input name. */
struct InputBinding
{
    juce::String node;  ///< node id, e.g. "6"
    juce::String input; ///< input name, e.g. "text"
};

//==============================================================================
/**
    A ComfyUI workflow in API format, plus where the request's values go.

    Each binding list names the node inputs that receive one value; a list may be
    empty (e.g. a model-free workflow ignores the prompt) or name several inputs
    (e.g. the seeds of two samplers).
*/
struct WorkflowDefinition
{
    juce::String name;        ///< short identifier used on the command line and in settings, e.g. "txt2img"
    juce::String title;       ///< human-readable name
    juce::String description; ///< one or two sentences for the UI
    juce::String apiJson;     ///< the API-format prompt graph (object keyed by node id), as JSON text

    std::vector<InputBinding> prompt, negativePrompt, seed, width, height;
    std::vector<ModelRequirement> models;

    bool isBundled = true;    ///< false for a user's own file
};

/** The values of one generation request. */
struct WorkflowInputs
{
    juce::String prompt, negativePrompt;
    juce::int64 seed = 0; ///< 0 .. 2^53 - 1 (JSON numbers above that lose precision)
    int width = 512;      ///< 1 .. 16384 pixels
    int height = 512;     ///< 1 .. 16384 pixels
};

//==============================================================================
/**
    The workflows the product can run: the bundled set described by a manifest,
    and users' own API-format files.

    The manifest (version 1) is a JSON object:
    @code
    { "version": 1,
      "workflows": [ { "name": "txt2img", "file": "txt2img_checkpoint.json",
                       "title": "...", "description": "...",
                       "inputs": { "prompt": [ { "node": "6", "input": "text" } ],
                                   "negative_prompt": [...], "seed": [...], "width": [...], "height": [...] },
                       "models": [ { "folder": "checkpoints", "name": "...", "url": "https://...", "sha256": null, "size": 2132625894 } ] } ] }
    @endcode
    Missing binding lists are empty. The library does not know where files live:
    the caller passes a reader, so the module never depends on generated BinaryData.

    A library is a plain value; it is safe to read from several threads at once.
*/
class WorkflowLibrary
{
public:
    /** Returns a file's text, or nullopt when there is no such file. */
    using FileReader = std::function<std::optional<juce::String> (const juce::String& fileName)>;

    /** Reads a manifest and the workflow files it names through readFile.
        Every problem is added to errors (prefixed with the workflow's name); the
        valid workflows still load, the broken ones are left out.
    */
    static WorkflowLibrary load (const juce::String& manifestJson, const FileReader& readFile, juce::StringArray& errors);

    /** A user's own API-format workflow file, with inputs bound by convention:
        the prompt goes to the first CLIPTextEncode reached upstream from a
        KSampler's "positive" input (else the first CLIPTextEncode), the negative
        prompt likewise from "negative", the seed to every KSampler "seed",
        KSamplerAdvanced/RandomNoise "noise_seed", and the size to every
        EmptyLatentImage/EmptyImage width and height. Model loaders become
        ModelRequirements without URL.

        Returns a message instead for UI-format files (which ComfyUI cannot run),
        text that is not JSON, nodes without class_type, links to missing nodes
        and graphs without an output node (SaveImage/PreviewImage).
    */
    static std::variant<WorkflowDefinition, juce::String> loadUserFile (const juce::File& file);

    /** All loaded workflows, in manifest order. */
    const std::vector<WorkflowDefinition>& getWorkflows() const noexcept { return workflows; }

    /** The workflow with this name, or nullptr. */
    const WorkflowDefinition* find (const juce::String& name) const;

    /** The workflows' names, in manifest order. */
    juce::StringArray getNames() const;

private:
    std::vector<WorkflowDefinition> workflows;

    JUCE_LEAK_DETECTOR (WorkflowLibrary)
};

//==============================================================================
/** The workflow's API-format prompt graph with the inputs applied, as compact JSON
    text ready to be sent as the "prompt" of POST /prompt; or every problem found.

    Errors: seed outside 0..2^53-1, width/height outside 1..16384, a binding that
    names a missing node or input or an input fed by a link, malformed apiJson.
    Seeds bound to EmptyImage's "color" become seed mod 16777216 (a 0xRRGGBB
    colour), so different seeds still give different images; EmptyLatentImage
    sizes are rounded up to a multiple of 8 (at least 16) as ComfyUI requires.
*/
std::variant<juce::String, juce::StringArray> instantiateWorkflow (const WorkflowDefinition& workflow, const WorkflowInputs& inputs);

} // namespace comfybridge
