namespace comfybridge
{

//==============================================================================
namespace WorkflowHelpers
{
    // ordered_json keeps the nodes in file order, so what we send reads like what we ship.
    using Json = nlohmann::ordered_json;

    constexpr juce::int64 maxSeed = (juce::int64 (1) << 53) - 1; // larger JSON numbers lose precision in many clients
    constexpr int maxImageSize = 16384;                          // ComfyUI's limit for EmptyImage / EmptyLatentImage
    constexpr juce::int64 maxUserFileBytes = 32 * 1024 * 1024;
    constexpr juce::int64 emptyImageColours = 16777216;          // EmptyImage "color" is 0xRRGGBB

    const juce::String uiFormatMessage ("this is a UI-format workflow; in ComfyUI use Workflow > Export (API)");

    juce::String fromStd (const std::string& text)
    {
        return juce::String::fromUTF8 (text.data(), (int) text.size());
    }

    juce::String quoted (const juce::String& text)
    {
        return "'" + text + "'";
    }

    juce::String describeType (const Json& value)
    {
        return juce::String (value.type_name());
    }

    /** Parses JSON text; the error message drops nlohmann's "[json.exception...]" tag. */
    std::variant<Json, juce::String> parseJsonText (const juce::String& text)
    {
        try
        {
            return Json::parse (text.toStdString());
        }
        catch (const Json::exception& e)
        {
            return "not valid JSON (" + juce::String (e.what()).fromFirstOccurrenceOf ("] ", false, false) + ")";
        }
    }

    juce::String dumpJson (const Json& json, int indent)
    {
        return fromStd (json.dump (indent, ' ', false, Json::error_handler_t::replace));
    }

    /** An input fed by another node: ["source id", output index]. */
    bool isLink (const Json& value)
    {
        return value.is_array() && value.size() == 2 && value[0].is_string() && value[1].is_number_integer();
    }

    std::string classOf (const Json& node)
    {
        if (node.is_object())
            if (const auto it = node.find ("class_type"); it != node.end() && it->is_string())
                return it->get<std::string>();

        return {};
    }

    const Json* inputsOf (const Json& node)
    {
        if (node.is_object())
            if (const auto it = node.find ("inputs"); it != node.end() && it->is_object())
                return &*it;

        return nullptr;
    }

    bool isAudioOutputNode (const std::string& classType)
    {
        return classType == "SaveAudio" || classType == "PreviewAudio" || classType == "SaveAudioMP3" || classType == "SaveAudioOpus";
    }

    bool isOutputNode (const std::string& classType)
    {
        return classType == "SaveImage" || classType == "PreviewImage" || isAudioOutputNode (classType);
    }

    /** Node ids in a stable order: numeric ids by value ("2" before "10"), then the rest by name. */
    std::vector<std::string> sortedNodeIds (const Json& graph)
    {
        std::vector<std::string> ids;

        for (const auto& item : graph.items())
            ids.push_back (item.key());

        auto numericValue = [] (const std::string& id) -> std::optional<long long>
        {
            if (id.empty() || id.size() > 15 || id.find_first_not_of ("0123456789") != std::string::npos)
                return std::nullopt;
            return std::stoll (id);
        };

        std::stable_sort (ids.begin(), ids.end(), [&] (const std::string& a, const std::string& b)
        {
            const auto na = numericValue (a), nb = numericValue (b);

            if (na && nb)
                return *na < *nb;
            if (na || nb)
                return na.has_value();
            return a < b;
        });

        return ids;
    }

    /** A file saved from the /prompt request body wraps the graph as {"prompt": {...}}. */
    const Json& unwrapRequestBody (const Json& json)
    {
        if (json.is_object())
            if (const auto it = json.find ("prompt"); it != json.end() && it->is_object() && ! it->contains ("class_type"))
                return *it;

        return json;
    }

    /** Everything that would make ComfyUI refuse the graph before running it; empty if none. */
    juce::StringArray validateGraph (const Json& graph)
    {
        juce::StringArray problems;

        if (! graph.is_object())
        {
            problems.add ("expected a JSON object keyed by node id, got " + describeType (graph));
            return problems;
        }

        if (const auto nodes = graph.find ("nodes"); nodes != graph.end() && nodes->is_array())
        {
            problems.add (uiFormatMessage);
            return problems;
        }

        if (graph.empty())
        {
            problems.add ("the workflow has no nodes");
            return problems;
        }

        bool hasOutput = false;

        for (const auto& id : sortedNodeIds (graph))
        {
            const auto& node = graph.at (id);
            const auto nodeLabel = "node " + quoted (fromStd (id));

            if (! node.is_object())
            {
                problems.add (nodeLabel + " is " + describeType (node) + ", not an object");
                continue;
            }

            const auto classType = classOf (node);

            if (classType.empty())
            {
                problems.add (nodeLabel + " has no class_type");
                continue;
            }

            const auto* inputs = inputsOf (node);

            if (inputs == nullptr)
            {
                problems.add (nodeLabel + " (" + fromStd (classType) + ") has no \"inputs\" object");
                continue;
            }

            for (const auto& input : inputs->items())
                if (isLink (input.value()) && ! graph.contains (input.value()[0].get<std::string>()))
                    problems.add (nodeLabel + " (" + fromStd (classType) + ") input " + quoted (fromStd (input.key()))
                                  + " links to node " + quoted (fromStd (input.value()[0].get<std::string>())) + ", which does not exist");

            hasOutput = hasOutput || isOutputNode (classType);
        }

        if (! hasOutput)
            problems.add ("no output node: add a SaveImage, PreviewImage, SaveAudio or PreviewAudio node");

        return problems;
    }

    //==============================================================================
    enum class ValueKind
    {
        text,
        integer,
        number
    };

    /** One kind of request value, its manifest key and where its bindings live. */
    struct BindingSlot
    {
        const char* key;
        std::vector<InputBinding> WorkflowDefinition::*bindings;
        ValueKind kind;
    };

    constexpr BindingSlot bindingSlots[] = {
        { "prompt",          &WorkflowDefinition::prompt,         ValueKind::text },
        { "negative_prompt", &WorkflowDefinition::negativePrompt, ValueKind::text },
        { "seed",            &WorkflowDefinition::seed,           ValueKind::integer },
        { "width",           &WorkflowDefinition::width,          ValueKind::integer },
        { "height",          &WorkflowDefinition::height,         ValueKind::integer },
        { "audio",           &WorkflowDefinition::audio,          ValueKind::text },
        { "duration",        &WorkflowDefinition::duration,       ValueKind::number },
    };

    /** Empty if the bound input exists and holds a literal of the right kind, else why not. */
    juce::String checkBinding (const Json& graph, const InputBinding& binding, ValueKind kind)
    {
        const auto node = graph.find (binding.node.toStdString());

        if (node == graph.end() || ! node->is_object())
            return "node " + quoted (binding.node) + " does not exist";

        const auto nodeLabel = "node " + quoted (binding.node) + " (" + fromStd (classOf (*node)) + ")";
        const auto* inputs = inputsOf (*node);

        if (inputs == nullptr || ! inputs->contains (binding.input.toStdString()))
            return nodeLabel + " has no input " + quoted (binding.input);

        const auto& value = inputs->at (binding.input.toStdString());

        if (isLink (value))
            return nodeLabel + " input " + quoted (binding.input) + " is fed by node " + quoted (fromStd (value[0].get<std::string>()))
                 + "; only literal inputs can be bound";

        if (kind == ValueKind::text && ! value.is_string())
            return nodeLabel + " input " + quoted (binding.input) + " holds a " + describeType (value) + ", not text";

        if (kind != ValueKind::text && ! value.is_number())
            return nodeLabel + " input " + quoted (binding.input) + " holds a " + describeType (value) + ", not a number";

        return {};
    }

    //==============================================================================
    /** A manifest string field: absent and null give fallback, other non-strings an error. */
    std::optional<juce::String> readString (const Json& object, const char* key, const juce::String& fallback,
                                            const juce::String& label, juce::StringArray& problems)
    {
        const auto it = object.find (key);

        if (it == object.end() || it->is_null())
            return fallback;

        if (! it->is_string())
        {
            problems.add (label + ": " + key + " must be a string, got " + describeType (*it));
            return std::nullopt;
        }

        return fromStd (it->get<std::string>());
    }

    bool isPlainFileName (const juce::String& name)
    {
        return name.isNotEmpty() && ! name.containsAnyOf ("/\\:") && name != "." && name != "..";
    }

    /** Model names may contain sub-folders ("SD1.5/model.safetensors") but must stay inside the folder. */
    bool isSafeRelativePath (const juce::String& path)
    {
        if (path.isEmpty() || path.startsWithChar ('/') || path.containsAnyOf ("\\:"))
            return false;

        for (const auto& part : juce::StringArray::fromTokens (path, "/", ""))
            if (part.isEmpty() || part == "." || part == "..")
                return false;

        return true;
    }

    std::vector<InputBinding> readBindings (const Json& list, const juce::String& label, juce::StringArray& problems)
    {
        std::vector<InputBinding> bindings;

        if (! list.is_array())
        {
            problems.add (label + " must be an array of {\"node\", \"input\"} objects, got " + describeType (list));
            return bindings;
        }

        for (const auto& item : list)
        {
            const auto isText = [&] (const char* key) { return item.contains (key) && item.at (key).is_string(); };

            if (! item.is_object() || ! isText ("node") || ! isText ("input"))
            {
                problems.add (label + ": expected {\"node\": \"<id>\", \"input\": \"<name>\"}, got " + dumpJson (item, -1));
                continue;
            }

            bindings.push_back ({ fromStd (item.at ("node").get<std::string>()), fromStd (item.at ("input").get<std::string>()) });
        }

        return bindings;
    }

    std::optional<ModelRequirement> readModel (const Json& item, const juce::String& label, juce::StringArray& problems)
    {
        if (! item.is_object())
        {
            problems.add (label + ": expected an object, got " + describeType (item));
            return std::nullopt;
        }

        const auto before = problems.size();
        const auto folder = readString (item, "folder", {}, label, problems);
        const auto name = readString (item, "name", {}, label, problems);
        const auto url = readString (item, "url", {}, label, problems);
        const auto sha256 = readString (item, "sha256", {}, label, problems);
        juce::int64 sizeBytes = -1;

        if (const auto size = item.find ("size"); size != item.end() && ! size->is_null())
        {
            const auto tooLarge = size->is_number_unsigned()
                               && size->get<std::uint64_t>() > (std::uint64_t) std::numeric_limits<juce::int64>::max();

            if (size->is_number_integer() && ! tooLarge && size->get<juce::int64>() > 0)
                sizeBytes = size->get<juce::int64>();
            else
                problems.add (label + ": size must be a positive whole number of bytes or null, got " + dumpJson (*size, -1));
        }

        if (problems.size() > before)
            return std::nullopt;

        if (! isPlainFileName (*folder))
            problems.add (label + ": folder " + quoted (*folder) + " must be a ComfyUI model folder name such as 'checkpoints'");

        if (! isSafeRelativePath (*name))
            problems.add (label + ": name " + quoted (*name) + " must be a file name inside the folder");

        if (url->isNotEmpty() && ! (url->startsWith ("https://") || url->startsWith ("http://")))
            problems.add (label + ": url " + quoted (*url) + " must start with https://");

        if (sha256->isNotEmpty() && (sha256->length() != 64 || ! sha256->containsOnly ("0123456789abcdefABCDEF")))
            problems.add (label + ": sha256 must be 64 hexadecimal digits or null");

        if (problems.size() > before)
            return std::nullopt;

        return ModelRequirement { *folder, *name, *url, sha256->toLowerCase(), sizeBytes };
    }

    /** One manifest entry, or nothing when it has a problem (all of them are added to errors). */
    std::optional<WorkflowDefinition> readManifestEntry (const Json& entry, size_t index, const WorkflowLibrary::FileReader& readFile,
                                                         const std::vector<WorkflowDefinition>& loaded, juce::StringArray& errors)
    {
        auto label = "workflow #" + juce::String ((int) index + 1);

        if (! entry.is_object())
        {
            errors.add (label + ": expected an object, got " + describeType (entry));
            return std::nullopt;
        }

        juce::StringArray problems; // these leave the workflow out
        const auto name = readString (entry, "name", {}, label, problems);

        if (! name || name->isEmpty())
        {
            errors.add (label + ": has no name");
            return std::nullopt;
        }

        label = "workflow " + quoted (*name);

        if (! name->containsOnly ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."))
            problems.add (label + ": the name may contain only letters, digits, '_', '-' and '.'");

        if (std::any_of (loaded.begin(), loaded.end(), [&] (const auto& w) { return w.name == *name; }))
        {
            errors.add (label + ": the name is used twice; only the first one is loaded");
            return std::nullopt;
        }

        WorkflowDefinition workflow;
        workflow.name = *name;
        workflow.isBundled = true;
        workflow.title = readString (entry, "title", *name, label, problems).value_or (*name);
        workflow.description = readString (entry, "description", {}, label, problems).value_or (juce::String());

        const auto file = readString (entry, "file", {}, label, problems).value_or (juce::String());

        if (! isPlainFileName (file))
            problems.add (label + ": \"file\" must name a workflow file such as \"txt2img.json\", got " + quoted (file));

        for (const auto& item : entry.items())
            if (! juce::StringArray ({ "name", "file", "title", "description", "inputs", "models" }).contains (fromStd (item.key())))
                errors.add (label + ": unknown key " + quoted (fromStd (item.key())) + " ignored");

        if (const auto inputs = entry.find ("inputs"); inputs != entry.end())
        {
            if (! inputs->is_object())
                problems.add (label + ": \"inputs\" must be an object, got " + describeType (*inputs));
            else
                for (const auto& item : inputs->items())
                {
                    const auto slot = std::find_if (std::begin (bindingSlots), std::end (bindingSlots),
                                                    [&] (const BindingSlot& s) { return item.key() == s.key; });

                    if (slot == std::end (bindingSlots))
                        errors.add (label + ": unknown input " + quoted (fromStd (item.key())) + " ignored (known: prompt, negative_prompt, seed, width, height, audio, duration)");
                    else
                        workflow.*(slot->bindings) = readBindings (item.value(), label + ": inputs." + slot->key, problems);
                }
        }

        if (const auto models = entry.find ("models"); models != entry.end() && ! models->is_null())
        {
            if (! models->is_array())
                problems.add (label + ": \"models\" must be an array, got " + describeType (*models));
            else
                for (size_t i = 0; i < models->size(); ++i)
                    if (auto model = readModel ((*models)[i], label + ": models[" + juce::String ((int) i) + "]", problems))
                        workflow.models.push_back (*model);
        }

        if (isPlainFileName (file))
        {
            const auto text = readFile != nullptr ? readFile (file) : std::nullopt;

            if (! text.has_value())
            {
                problems.add (label + ": cannot read " + quoted (file));
            }
            else
            {
                auto parsed = parseJsonText (*text);

                if (auto* error = std::get_if<juce::String> (&parsed))
                {
                    problems.add (label + " (" + file + "): " + *error);
                }
                else
                {
                    const auto& graph = unwrapRequestBody (std::get<Json> (parsed));
                    const auto graphProblems = validateGraph (graph);

                    for (const auto& problem : graphProblems)
                        problems.add (label + " (" + file + "): " + problem);

                    if (graphProblems.isEmpty())
                    {
                        for (const auto& slot : bindingSlots)
                            for (const auto& binding : workflow.*(slot.bindings))
                                if (const auto problem = checkBinding (graph, binding, slot.kind); problem.isNotEmpty())
                                    problems.add (label + ": inputs." + slot.key + ": " + problem);

                        workflow.apiJson = dumpJson (graph, 2);
                    }
                }
            }
        }

        errors.addArray (problems);

        if (! problems.isEmpty())
            return std::nullopt;

        return workflow;
    }

    //==============================================================================
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

            for (const auto& loader : modelLoaders)
            {
                if (classType != loader.classType)
                    continue;

                const auto* inputs = inputsOf (graph.at (id));

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

        const auto positive = findTextEncoderFeeding (graph, conditioned, "positive");
        const auto promptNode = positive ? positive : firstTextEncoder;

        if (promptNode)
            workflow.prompt.push_back ({ fromStd (*promptNode), "text" });

        // A negative built from the positive encoder (e.g. ConditioningZeroOut) must not overwrite it.
        if (const auto negative = findTextEncoderFeeding (graph, conditioned, "negative"); negative && negative != promptNode)
            workflow.negativePrompt.push_back ({ fromStd (*negative), "text" });
    }
    //==============================================================================
    /** See WorkflowLibrary::load(). */
    std::vector<WorkflowDefinition> loadManifest (const juce::String& manifestJson, const WorkflowLibrary::FileReader& readFile, juce::StringArray& errors)
    {
        std::vector<WorkflowDefinition> workflows;
        auto parsed = parseJsonText (manifestJson);

        if (auto* error = std::get_if<juce::String> (&parsed))
        {
            errors.add ("manifest: " + *error);
            return workflows;
        }

        const auto& manifest = std::get<Json> (parsed);

        if (! manifest.is_object())
        {
            errors.add ("manifest: expected a JSON object, got " + describeType (manifest));
            return workflows;
        }

        const auto version = manifest.find ("version");

        if (version == manifest.end() || ! version->is_number_integer() || version->get<int>() != 1)
        {
            errors.add ("manifest: version " + (version == manifest.end() ? juce::String ("(missing)") : dumpJson (*version, -1))
                        + " is not supported; expected 1");
            return workflows;
        }

        const auto entries = manifest.find ("workflows");

        if (entries == manifest.end() || ! entries->is_array())
        {
            errors.add ("manifest: \"workflows\" must be an array");
            return workflows;
        }

        for (size_t i = 0; i < entries->size(); ++i)
            if (auto workflow = readManifestEntry ((*entries)[i], i, readFile, workflows, errors))
                workflows.push_back (std::move (*workflow));

        return workflows;
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

    /** See comfybridge::instantiateWorkflow(). */
    std::variant<juce::String, juce::StringArray> instantiate (const WorkflowDefinition& workflow, const WorkflowInputs& inputs)
    {
        juce::StringArray errors;

        if (inputs.seed && (*inputs.seed < 0 || *inputs.seed > maxSeed))
            errors.add ("seed: " + juce::String (*inputs.seed) + " is out of range; expected 0 to " + juce::String (maxSeed));

        if (inputs.width && (*inputs.width < 1 || *inputs.width > maxImageSize))
            errors.add ("width: " + juce::String (*inputs.width) + " is out of range; expected 1 to " + juce::String (maxImageSize));

        if (inputs.height && (*inputs.height < 1 || *inputs.height > maxImageSize))
            errors.add ("height: " + juce::String (*inputs.height) + " is out of range; expected 1 to " + juce::String (maxImageSize));

        if (inputs.durationSeconds && ! (*inputs.durationSeconds > 0.0 && *inputs.durationSeconds <= WorkflowInputs::maxDurationSeconds))
            errors.add ("duration: " + juce::String (*inputs.durationSeconds) + " s is out of range; expected more than 0 and at most "
                        + juce::String (WorkflowInputs::maxDurationSeconds, 0) + " s");

        auto parsed = parseJsonText (workflow.apiJson);

        if (auto* error = std::get_if<juce::String> (&parsed))
        {
            errors.add ("workflow " + quoted (workflow.name) + ": the graph is " + *error);
            return errors;
        }

        auto graph = std::get<Json> (std::move (parsed));

        if (! graph.is_object())
        {
            errors.add ("workflow " + quoted (workflow.name) + ": the graph must be a JSON object, got " + describeType (graph));
            return errors;
        }

        for (const auto& slot : bindingSlots)
        {
            const auto bindings = slot.bindings;
            const auto isSize = bindings == &WorkflowDefinition::width || bindings == &WorkflowDefinition::height;
            const auto& size = bindings == &WorkflowDefinition::width ? inputs.width : inputs.height;

            const auto isSet = bindings == &WorkflowDefinition::prompt         ? inputs.prompt.has_value()
                             : bindings == &WorkflowDefinition::negativePrompt ? inputs.negativePrompt.has_value()
                             : bindings == &WorkflowDefinition::seed           ? inputs.seed.has_value()
                             : bindings == &WorkflowDefinition::audio          ? inputs.audioFile.has_value()
                             : bindings == &WorkflowDefinition::duration       ? inputs.durationSeconds.has_value()
                                                                               : size.has_value();

            for (const auto& binding : workflow.*bindings)
            {
                // A broken binding is the definition's fault, whether or not the value is set.
                if (const auto problem = checkBinding (graph, binding, slot.kind); problem.isNotEmpty())
                {
                    errors.add (juce::String (slot.key) + ": " + problem);
                    continue;
                }

                if (! isSet)
                    continue; // the user did not set it: the workflow's own value stays, as written

                auto& node = graph[binding.node.toStdString()];
                auto& target = node["inputs"][binding.input.toStdString()];
                const auto classType = classOf (node);

                if (bindings == &WorkflowDefinition::prompt)
                    target = inputs.prompt->toStdString();
                else if (bindings == &WorkflowDefinition::negativePrompt)
                    target = inputs.negativePrompt->toStdString();
                else if (bindings == &WorkflowDefinition::audio)
                    target = inputs.audioFile->toStdString();
                else if (bindings == &WorkflowDefinition::duration)
                    target = *inputs.durationSeconds;
                else if (bindings == &WorkflowDefinition::seed)
                    target = (classType == "EmptyImage" && binding.input == "color") ? *inputs.seed % emptyImageColours : *inputs.seed;
                else if (isSize && classType == "EmptyLatentImage")
                    target = juce::jmax (16, (*size + 7) / 8 * 8); // ComfyUI wants a multiple of 8, at least 16
                else
                    target = *size;
            }
        }

        if (! errors.isEmpty())
            return errors;

        return dumpJson (graph, -1);
    }

    /** See comfybridge::readWorkflowValues(). */
    WorkflowInputs readValues (const WorkflowDefinition& workflow)
    {
        WorkflowInputs values;
        auto parsed = parseJsonText (workflow.apiJson);

        if (! std::holds_alternative<Json> (parsed) || ! std::get<Json> (parsed).is_object())
            return values;

        const auto& graph = std::get<Json> (parsed);

        // The literal at a slot's first binding, if it has one of the right kind.
        auto literalAt = [&graph] (const std::vector<InputBinding>& bindings, ValueKind kind) -> const Json*
        {
            if (bindings.empty() || checkBinding (graph, bindings.front(), kind).isNotEmpty())
                return nullptr;

            return &graph.at (bindings.front().node.toStdString()).at ("inputs").at (bindings.front().input.toStdString());
        };

        auto wholeNumber = [] (const Json* value, juce::int64 low, juce::int64 high) -> std::optional<juce::int64>
        {
            if (value == nullptr || ! value->is_number_integer())
                return std::nullopt;

            if (value->is_number_unsigned() && value->get<std::uint64_t>() > (std::uint64_t) high)
                return std::nullopt;

            const auto number = value->get<juce::int64>();
            return number >= low && number <= high ? std::optional<juce::int64> (number) : std::nullopt;
        };

        if (const auto* text = literalAt (workflow.prompt, ValueKind::text))
            values.prompt = fromStd (text->get<std::string>());

        if (const auto* text = literalAt (workflow.negativePrompt, ValueKind::text))
            values.negativePrompt = fromStd (text->get<std::string>());

        values.seed = wholeNumber (literalAt (workflow.seed, ValueKind::integer),
                                   std::numeric_limits<juce::int64>::min(), std::numeric_limits<juce::int64>::max());

        constexpr auto intMin = (juce::int64) std::numeric_limits<int>::min(), intMax = (juce::int64) std::numeric_limits<int>::max();

        if (const auto width = wholeNumber (literalAt (workflow.width, ValueKind::integer), intMin, intMax))
            values.width = (int) *width;

        if (const auto height = wholeNumber (literalAt (workflow.height, ValueKind::integer), intMin, intMax))
            values.height = (int) *height;

        if (const auto* text = literalAt (workflow.audio, ValueKind::text))
            values.audioFile = fromStd (text->get<std::string>());

        if (const auto* seconds = literalAt (workflow.duration, ValueKind::number); seconds != nullptr && seconds->get<double>() > 0.0)
            values.durationSeconds = seconds->get<double>();

        return values;
    }
} // namespace WorkflowHelpers

//==============================================================================
WorkflowLibrary WorkflowLibrary::load (const juce::String& manifestJson, const FileReader& readFile, juce::StringArray& errors)
{
    WorkflowLibrary library;
    library.workflows = WorkflowHelpers::loadManifest (manifestJson, readFile, errors);
    return library;
}

std::variant<WorkflowDefinition, juce::String> WorkflowLibrary::loadUserFile (const juce::File& file)
{
    return WorkflowHelpers::loadUserWorkflow (file);
}

//==============================================================================
const WorkflowDefinition* WorkflowLibrary::find (const juce::String& name) const
{
    const auto it = std::find_if (workflows.begin(), workflows.end(), [&] (const auto& w) { return w.name == name; });
    return it != workflows.end() ? &*it : nullptr;
}

juce::StringArray WorkflowLibrary::getNames() const
{
    juce::StringArray names;

    for (const auto& workflow : workflows)
        names.add (workflow.name);

    return names;
}

//==============================================================================
std::variant<juce::String, juce::StringArray> instantiateWorkflow (const WorkflowDefinition& workflow, const WorkflowInputs& inputs)
{
    return WorkflowHelpers::instantiate (workflow, inputs);
}

bool WorkflowDefinition::producesAudio() const
{
    auto parsed = WorkflowHelpers::parseJsonText (apiJson);

    if (! std::holds_alternative<WorkflowHelpers::Json> (parsed) || ! std::get<WorkflowHelpers::Json> (parsed).is_object())
        return false;

    const auto& graph = WorkflowHelpers::unwrapRequestBody (std::get<WorkflowHelpers::Json> (parsed));
    return std::any_of (graph.begin(), graph.end(), [] (const auto& node) { return WorkflowHelpers::isAudioOutputNode (WorkflowHelpers::classOf (node)); });
}

WorkflowInputs readWorkflowValues (const WorkflowDefinition& workflow)
{
    return WorkflowHelpers::readValues (workflow);
}

} // namespace comfybridge
