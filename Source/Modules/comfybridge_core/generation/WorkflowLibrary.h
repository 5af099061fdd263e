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

    /** Where an uploaded audio file's name goes: LoadAudio's "audio" (manifest input key "audio"). */
    std::vector<InputBinding> audio;

    /** Where a length in seconds goes (manifest input key "duration"), e.g. EmptyLatentAudio
        "seconds" or TrimAudioDuration "duration".
    */
    std::vector<InputBinding> duration;

    std::vector<ModelRequirement> models;

    bool isBundled = true;    ///< false for a user's own file

    /** True when the graph has an audio output node (SaveAudio, PreviewAudio,
        SaveAudioMP3 or SaveAudioOpus). False when apiJson cannot be read.
    */
    bool producesAudio() const;
};

/** The values of one generation request: only what the user set.

    An unset value leaves the workflow's own literal input as written, so a
    user's file (or a bundled workflow) runs exactly as saved unless the user
    asked for something else. readWorkflowValues() tells what those are.
*/
struct WorkflowInputs
{
    std::optional<juce::String> prompt, negativePrompt;
    std::optional<juce::int64> seed; ///< 0 .. 2^53 - 1 (JSON numbers above that lose precision)
    std::optional<int> width;        ///< 1 .. 16384 pixels
    std::optional<int> height;       ///< 1 .. 16384 pixels
    std::optional<double> durationSeconds; ///< 0 < d <= 600 seconds (maxDurationSeconds)

    /** A file name for the audio binding (LoadAudio's "audio"), e.g.
        "comfybridge/abc.flac". The engine sets it after uploading
        GenerationRequest::inputAudio; front ends normally leave it unset.
    */
    std::optional<juce::String> audioFile;

    /** The longest durationSeconds accepted (ten minutes). */
    static constexpr double maxDurationSeconds = 600.0;
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
                                   "negative_prompt": [...], "seed": [...], "width": [...], "height": [...],
                                   "audio": [ { "node": "1", "input": "audio" } ], "duration": [...] },
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
        EmptyLatentImage/EmptyImage width and height, the audio to every LoadAudio
        "audio", the duration to every EmptyLatentAudio "seconds" and
        TrimAudioDuration "duration". Model loaders become ModelRequirements
        without URL.

        Returns a message instead for UI-format files (which ComfyUI cannot run),
        text that is not JSON, nodes without class_type, links to missing nodes
        and graphs without an output node (SaveImage/PreviewImage, SaveAudio/PreviewAudio/
        SaveAudioMP3/SaveAudioOpus).
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
/** The workflow's API-format prompt graph with the inputs that are set applied,
    as compact JSON text ready to be sent as the "prompt" of POST /prompt; or
    every problem found. Inputs that are not set keep the graph's own values,
    untouched and unchecked (ComfyUI validates them).

    Errors: a set seed outside 0..2^53-1, a set width/height outside 1..16384,
    a set duration outside 0 < d <= 600 s,
    a binding that names a missing node or input, an input fed by a link or a
    literal of the wrong kind (checked whether or not its value is set),
    malformed apiJson.
    A set seed bound to EmptyImage's "color" becomes seed mod 16777216 (a 0xRRGGBB
    colour), so different seeds still give different images; a set size bound to
    EmptyLatentImage is rounded up to a multiple of 8 (at least 16) as ComfyUI requires.
*/
std::variant<juce::String, juce::StringArray> instantiateWorkflow (const WorkflowDefinition& workflow, const WorkflowInputs& inputs);

/** The values the workflow's graph holds now at its bound inputs: for each of
    prompt, negative prompt, seed, width, height and duration, the literal at the first
    binding. A value is unset when there is no binding, the graph cannot be read,
    or the literal is not of the right kind (text; a whole number that fits; a
    positive number of seconds).
    Front ends show these until the user edits them; the placeholder takes its
    size from them.
*/
WorkflowInputs readWorkflowValues (const WorkflowDefinition& workflow);

} // namespace comfybridge
