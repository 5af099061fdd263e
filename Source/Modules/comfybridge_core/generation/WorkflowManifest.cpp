// The bundled manifest (Resources/workflows/manifest.json): entries, bindings and model requirements.
// Part of the module's one translation unit; helpers shared by the workflow files live in
// WorkflowHelpers (see WorkflowGraph.cpp).

namespace comfybridge
{

namespace WorkflowHelpers
{
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

    /** The entry's "inputs": which graph inputs each request value goes to. */
    void readEntryInputs (const Json& entry, const juce::String& label, WorkflowDefinition& workflow,
                          juce::StringArray& problems, juce::StringArray& errors)
    {
        const auto inputs = entry.find ("inputs");

        if (inputs == entry.end())
            return;

        if (! inputs->is_object())
        {
            problems.add (label + ": \"inputs\" must be an object, got " + describeType (*inputs));
            return;
        }

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

    /** The entry's "models": what the readiness check must find, download and verify. */
    void readEntryModels (const Json& entry, const juce::String& label, WorkflowDefinition& workflow, juce::StringArray& problems)
    {
        const auto models = entry.find ("models");

        if (models == entry.end() || models->is_null())
            return;

        if (! models->is_array())
        {
            problems.add (label + ": \"models\" must be an array, got " + describeType (*models));
            return;
        }

        for (size_t i = 0; i < models->size(); ++i)
            if (auto model = readModel ((*models)[i], label + ": models[" + juce::String ((int) i) + "]", problems))
                workflow.models.push_back (*model);
    }

    /** Reads the entry's graph file, checks it and its bindings, and keeps it as the workflow's apiJson. */
    void readEntryGraph (const juce::String& file, const juce::String& label, const WorkflowLibrary::FileReader& readFile,
                         WorkflowDefinition& workflow, juce::StringArray& problems)
    {
        const auto text = readFile != nullptr ? readFile (file) : std::nullopt;

        if (! text.has_value())
        {
            problems.add (label + ": cannot read " + quoted (file));
            return;
        }

        auto parsed = parseJsonText (*text);

        if (auto* error = std::get_if<juce::String> (&parsed))
        {
            problems.add (label + " (" + file + "): " + *error);
            return;
        }

        const auto& graph = unwrapRequestBody (std::get<Json> (parsed));
        const auto graphProblems = validateGraph (graph);

        for (const auto& problem : graphProblems)
            problems.add (label + " (" + file + "): " + problem);

        if (! graphProblems.isEmpty())
            return;

        for (const auto& slot : bindingSlots)
            for (const auto& binding : workflow.*(slot.bindings))
                if (const auto problem = checkBinding (graph, binding, slot.kind); problem.isNotEmpty())
                    problems.add (label + ": inputs." + slot.key + ": " + problem);

        workflow.apiJson = dumpJson (graph, 2);
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

        readEntryInputs (entry, label, workflow, problems, errors);
        readEntryModels (entry, label, workflow, problems);

        if (isPlainFileName (file))
            readEntryGraph (file, label, readFile, workflow, problems);

        errors.addArray (problems);

        if (! problems.isEmpty())
            return std::nullopt;

        return workflow;
    }

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
} // namespace WorkflowHelpers

} // namespace comfybridge
