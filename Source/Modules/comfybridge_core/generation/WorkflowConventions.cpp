// A user's own API-format file: the inputs and models its graph conventionally exposes.
// Part of the module's one translation unit; helpers shared by the workflow files live in
// WorkflowHelpers (see WorkflowGraph.cpp).

namespace comfybridge
{

namespace WorkflowHelpers
{
    /** The first CLIPTextEncode with literal text found upstream of a sampler's
        conditioning input, searching breadth-first so the nearest one wins.
    */
    std::optional<std::string> findTextEncoderFeeding (const Json& graph, const std::vector<std::string>& conditioned, const char* inputName)
    {
        for (const auto& start : conditioned)
        {
            const auto* inputs = inputsOf (graph.at (start));
            const auto it = inputs->find (inputName);

            if (it == inputs->end() || ! isLink (*it))
                continue;

            std::deque<std::string> queue { (*it)[0].get<std::string>() };
            std::map<std::string, bool> visited;

            while (! queue.empty())
            {
                const auto id = queue.front();
                queue.pop_front();

                if (! visited.emplace (id, true).second || ! graph.contains (id))
                    continue;

                const auto& node = graph.at (id);
                const auto* nodeInputs = inputsOf (node);

                if (nodeInputs == nullptr)
                    continue;

                if (classOf (node) == "CLIPTextEncode")
                {
                    if (const auto text = nodeInputs->find ("text"); text != nodeInputs->end() && text->is_string())
                        return id;
                }

                for (const auto& input : nodeInputs->items())
                    if (isLink (input.value()))
                        queue.push_back (input.value()[0].get<std::string>());
            }
        }

        return std::nullopt;
    }

    /** Model loader nodes: what the readiness check must find on the server. */
    struct ModelLoader
    {
        const char* classType;
        const char* input;
        const char* folder;
    };

    constexpr ModelLoader modelLoaders[] = {
        { "CheckpointLoaderSimple", "ckpt_name",        "checkpoints" },
        { "VAELoader",              "vae_name",         "vae" },
        { "LoraLoader",             "lora_name",        "loras" },
        { "LoraLoaderModelOnly",    "lora_name",        "loras" },
        { "UNETLoader",             "unet_name",        "diffusion_models" },
        { "CLIPLoader",             "clip_name",        "text_encoders" },
        { "ControlNetLoader",       "control_net_name", "controlnet" },
        { "UpscaleModelLoader",     "model_name",       "upscale_models" },
    };

    /** When @p node is a model loader, the model it loads becomes one of the workflow's requirements. */
    void addLoaderModel (const Json& node, const std::string& classType, WorkflowDefinition& workflow)
    {
        for (const auto& loader : modelLoaders)
        {
            if (classType != loader.classType)
                continue;

            const auto* inputs = inputsOf (node);

            if (const auto it = inputs->find (loader.input); it != inputs->end() && it->is_string())
            {
                const ModelRequirement model { loader.folder, fromStd (it->get<std::string>()), {}, {}, -1 };
                const auto known = std::any_of (workflow.models.begin(), workflow.models.end(),
                                                [&] (const auto& m) { return m.folder == model.folder && m.name == model.name; });
                if (! known)
                    workflow.models.push_back (model);
            }
        }
    }

    /** The input names a user's graph conventionally exposes; see WorkflowLibrary::loadUserFile(). */
    void bindByConvention (const Json& graph, WorkflowDefinition& workflow)
    {
        const auto ids = sortedNodeIds (graph);

        auto literalNumber = [&] (const std::string& id, const char* input)
        {
            const auto* inputs = inputsOf (graph.at (id));
            const auto it = inputs->find (input);
            return it != inputs->end() && it->is_number();
        };

        std::vector<std::string> conditioned; // nodes taking "positive"/"negative" conditioning
        std::optional<std::string> firstTextEncoder;

        for (const auto& id : ids)
        {
            const auto classType = classOf (graph.at (id));

            if (classType == "KSampler" || classType == "KSamplerAdvanced" || classType == "SamplerCustom" || classType == "CFGGuider")
                conditioned.push_back (id);

            if (classType == "CLIPTextEncode" && ! firstTextEncoder)
                if (const auto* inputs = inputsOf (graph.at (id)); inputs->contains ("text") && inputs->at ("text").is_string())
                    firstTextEncoder = id;

            const char* seedInput = classType == "KSampler" ? "seed"
                                  : (classType == "KSamplerAdvanced" || classType == "SamplerCustom" || classType == "RandomNoise") ? "noise_seed"
                                  : nullptr;

            if (seedInput != nullptr && literalNumber (id, seedInput))
                workflow.seed.push_back ({ fromStd (id), seedInput });

            if (classType == "EmptyLatentImage" || classType == "EmptyImage")
            {
                if (literalNumber (id, "width"))
                    workflow.width.push_back ({ fromStd (id), "width" });
                if (literalNumber (id, "height"))
                    workflow.height.push_back ({ fromStd (id), "height" });
            }

            if (classType == "LoadAudio")
                if (const auto* inputs = inputsOf (graph.at (id)); inputs->contains ("audio") && inputs->at ("audio").is_string())
                    workflow.audio.push_back ({ fromStd (id), "audio" });

            if (classType == "EmptyLatentAudio" && literalNumber (id, "seconds"))
                workflow.duration.push_back ({ fromStd (id), "seconds" });

            if (classType == "TrimAudioDuration" && literalNumber (id, "duration"))
                workflow.duration.push_back ({ fromStd (id), "duration" });

            addLoaderModel (graph.at (id), classType, workflow);
        }

        const auto positive = findTextEncoderFeeding (graph, conditioned, "positive");
        const auto promptNode = positive ? positive : firstTextEncoder;

        if (promptNode)
            workflow.prompt.push_back ({ fromStd (*promptNode), "text" });

        // A negative built from the positive encoder (e.g. ConditioningZeroOut) must not overwrite it.
        if (const auto negative = findTextEncoderFeeding (graph, conditioned, "negative"); negative && negative != promptNode)
            workflow.negativePrompt.push_back ({ fromStd (*negative), "text" });
    }
    /** See WorkflowLibrary::loadUserFile(). */
    std::variant<WorkflowDefinition, juce::String> loadUserWorkflow (const juce::File& file)
    {
        const auto label = file.getFileName() + ": ";

        if (! file.existsAsFile())
            return label + "file not found (" + file.getFullPathName() + ")";

        if (file.getSize() > maxUserFileBytes)
            return label + "the file is " + juce::File::descriptionOfSizeInBytes (file.getSize()) + "; a workflow is at most 32 MB";

        juce::FileInputStream stream (file);

        if (stream.failedToOpen())
            return label + "cannot be read (" + stream.getStatus().getErrorMessage() + ")";

        const auto text = stream.readEntireStreamAsString();

        if (text.trim().isEmpty())
            return label + "the file is empty";

        auto parsed = parseJsonText (text);

        if (auto* error = std::get_if<juce::String> (&parsed))
            return label + *error;

        const auto& graph = unwrapRequestBody (std::get<Json> (parsed));

        if (const auto problems = validateGraph (graph); ! problems.isEmpty())
            return label + problems.joinIntoString ("; ");

        WorkflowDefinition workflow;
        workflow.name = file.getFileNameWithoutExtension();
        workflow.title = file.getFileNameWithoutExtension();
        workflow.description = "Your workflow from " + file.getFullPathName();
        workflow.apiJson = dumpJson (graph, 2);
        workflow.isBundled = false;
        bindByConvention (graph, workflow);
        return workflow;
    }
} // namespace WorkflowHelpers

} // namespace comfybridge
