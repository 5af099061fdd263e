namespace comfybridge
{

// A named namespace: the module is one translation unit, so file-local helpers
// must not collide with other files' anonymous-namespace helpers.
namespace workflowReadinessDetail
{
    using Json = nlohmann::json;
    using detail::fromStd;
    using detail::encodePathSegment;

    constexpr size_t maxObjectInfoBytes = (size_t) 32 << 20; // real ones are 1-5 MB; custom nodes add more
    constexpr size_t maxListingBytes = (size_t) 8 << 20;
    constexpr double maxConnectSeconds = 5.0;

    /** Windows servers list "sub\\name.safetensors"; workflows say "sub/name.safetensors". */
    juce::String normaliseModelName (const juce::String& name)
    {
        return name.replaceCharacter ('\\', '/');
    }

    juce::String describeNoAnswer (const HttpResponse& r, const juce::String& baseUrl, const juce::String& path)
    {
        switch (r.error)
        {
            case HttpError::refused:
                return "connection refused at " + baseUrl + " while reading " + path + ": is ComfyUI still running?";
            case HttpError::connectTimeout:
            case HttpError::responseTimeout:
                return "timed out reading " + path + " from " + baseUrl + " (ComfyUI may be busy or hung)";
            case HttpError::bodyTooLarge:
                return "the answer to " + path + " from " + baseUrl + " is too large (" + r.errorText
                       + "); is this really ComfyUI?";
            case HttpError::cancelled:
                return "readiness check cancelled";
            case HttpError::tls:
                return "secure connection to " + baseUrl + " failed while reading " + path + ": " + r.errorText;
            case HttpError::none:
            case HttpError::dnsFailure:
            case HttpError::connectionLost:
            case HttpError::protocol:
            case HttpError::other:
                break;
        }

        return "could not read " + path + " from " + baseUrl + ": "
               + (r.errorText.isNotEmpty() ? r.errorText : toString (r.error));
    }

    juce::String describeStatus (const HttpResponse& r, const juce::String& baseUrl, const juce::String& path)
    {
        const auto code = juce::String (r.statusCode);

        if (r.statusCode == 401)
            return "ComfyUI at " + baseUrl + " refused " + path + " with HTTP 401: it needs an access token "
                   "(set auth_token in the preferences) or the token is wrong";

        if (r.statusCode == 403)
            return "ComfyUI at " + baseUrl + " refused " + path + " with HTTP 403 (its origin check or a proxy rule)";

        if (r.statusCode >= 500)
            return "ComfyUI at " + baseUrl + " answered " + path + " with HTTP " + code + " (server error); it may still be starting";

        return "ComfyUI at " + baseUrl + " answered " + path + " with HTTP " + code;
    }

    /** aiohttp answers an unknown route with a plain-text "404: Not Found"; ComfyUI's
        own handlers (e.g. an unknown model folder) answer 404 with an empty body.
    */
    bool isUnknownRoute (const HttpResponse& r)
    {
        return r.statusCode == 404 && ! r.body.empty();
    }

    //==============================================================================
    bool isLink (const Json& value)
    {
        return value.is_array() && value.size() == 2 && (value[0].is_string() || value[0].is_number_integer())
               && value[1].is_number_integer();
    }

    using detail::findInputSpec;
    using detail::comboChoices;

    bool choicesInclude (const Json& choices, const Json& value)
    {
        for (const auto& choice : choices)
        {
            if (choice == value)
                return true;

            if (choice.is_string() && value.is_string()
                && normaliseModelName (fromStd (choice.get<std::string>())) == normaliseModelName (fromStd (value.get<std::string>())))
                return true;
        }

        return false;
    }

    juce::String describeValue (const Json& value)
    {
        return value.is_string() ? fromStd (value.get<std::string>()) : fromStd (value.dump());
    }

    /** Node ids in numeric order ("3" before "10"); non-numeric ids after, alphabetically. */
    std::vector<std::string> sortedNodeIds (const Json& graph)
    {
        std::vector<std::string> ids;

        for (const auto& item : graph.items())
            ids.push_back (item.key());

        const auto isNumber = [] (const std::string& s)
        {
            return ! s.empty() && s.size() < 19 && std::all_of (s.begin(), s.end(), [] (char c) { return c >= '0' && c <= '9'; });
        };

        std::stable_sort (ids.begin(), ids.end(), [&] (const std::string& a, const std::string& b)
        {
            const auto na = isNumber (a), nb = isNumber (b);

            if (na && nb)
                return std::stoll (a) < std::stoll (b);

            if (na != nb)
                return na;

            return a < b;
        });

        return ids;
    }

    Json parseGraph (const juce::String& apiJson)
    {
        auto graph = Json::parse (apiJson.toStdString(), nullptr, false);
        return graph.is_object() ? graph : Json();
    }

    /** Whether a loader input in @p graph that is set to @p name lists it among its
        choices; false when no such combo input exists (presence cannot be confirmed).
    */
    bool loaderChoicesInclude (const Json& graph, const NodeCatalog& nodes, const juce::String& name)
    {
        if (! nodes.isRead() || ! graph.is_object())
            return false;

        const auto* objectInfo = &detail::objectInfoOf (nodes);

        const auto wanted = normaliseModelName (name);

        for (const auto& item : graph.items())
        {
            const auto& node = item.value();

            if (! node.is_object() || ! node.contains ("class_type") || ! node["class_type"].is_string())
                continue;

            const auto classInfo = objectInfo->find (node["class_type"].get<std::string>());
            const auto inputs = node.find ("inputs");

            if (classInfo == objectInfo->end() || inputs == node.end() || ! inputs->is_object())
                continue;

            for (const auto& input : inputs->items())
            {
                if (! input.value().is_string() || normaliseModelName (fromStd (input.value().get<std::string>())) != wanted)
                    continue;

                if (const auto* spec = findInputSpec (*classInfo, input.key()))
                    if (const auto* choices = comboChoices (*spec))
                        return choicesInclude (*choices, input.value());
            }
        }

        return false;
    }

    //==============================================================================
    /** The GETs of one inventory fetch, all under one deadline. */
    struct InventoryRequests
    {
        HttpClient& client;
        const ComfyUIConfig& config;
        juce::String baseUrl;
        double deadlineMs;

        HttpResponse get (const juce::String& path, size_t maxBodyBytes) const
        {
            HttpRequest request;
            request.url = baseUrl + path;
            applyBackendSettings (request, config);
            request.timeoutSeconds = juce::jmax (0.001, (deadlineMs - juce::Time::getMillisecondCounterHiRes()) / 1000.0);
            request.connectTimeoutSeconds = juce::jmin (request.timeoutSeconds, maxConnectSeconds);
            request.maxBodyBytes = maxBodyBytes;
            return client.perform (request);
        }
    };

    /** The node catalog from /object_info (servers from before 2024-06 know only the
        plain path: then legacyPaths is set). False, with the error set, without one.
    */
    bool fetchNodes (const InventoryRequests& requests, ServerInventory& inventory)
    {
        const auto& baseUrl = requests.baseUrl;
        auto info = requests.get ("/api/object_info", maxObjectInfoBytes);

        if (info.arrived() && info.statusCode == 404)
        {
            auto legacy = requests.get ("/object_info", maxObjectInfoBytes);

            if (! legacy.arrived() || legacy.statusCode != 404)
            {
                info = std::move (legacy);
                inventory.legacyPaths = true;
            }
        }

        if (! info.arrived())
        {
            inventory.error = describeNoAnswer (info, baseUrl, "/object_info");
            return false;
        }

        if (info.statusCode != 200)
        {
            inventory.error = describeStatus (info, baseUrl, "/object_info");
            return false;
        }

        auto parsed = NodeCatalog::parse (info.body);

        if (! parsed.isRead())
        {
            const auto type = info.headers["content-type"];
            inventory.error = "ComfyUI at " + baseUrl + " answered /object_info with "
                              + (type.contains ("html") ? juce::String ("an HTML page") : juce::String ("something other than a JSON object"))
                              + " instead of its list of node classes; is a proxy or another server answering on this port?";
            return false;
        }

        inventory.nodes = std::move (parsed);
        return true;
    }

    juce::String apiPrefix (const ServerInventory& inventory) { return inventory.legacyPaths ? juce::String() : juce::String ("/api"); }

    /** The files in each model folder the workflows use (each folder asked once). False,
        with the error set, when the server stops answering.
    */
    bool fetchModelListings (const InventoryRequests& requests, const std::vector<WorkflowDefinition>& workflows, ServerInventory& inventory)
    {
        juce::StringArray folders;

        for (const auto& workflow : workflows)
            for (const auto& model : workflow.models)
                if (model.folder.isNotEmpty())
                    folders.addIfNotAlreadyThere (model.folder);

        for (const auto& folder : folders)
        {
            const auto path = apiPrefix (inventory) + "/models/" + encodePathSegment (folder);
            const auto listing = requests.get (path, maxListingBytes);

            if (! listing.arrived())
            {
                inventory.error = describeNoAnswer (listing, requests.baseUrl, path);
                return false;
            }

            if (listing.statusCode == 404 && ! isUnknownRoute (listing))
            {
                inventory.unknownFolders.add (folder);
                continue;
            }

            if (listing.statusCode != 200)
                continue; // no listing (an old server, or a failure): findMissingModels uses object_info

            const auto names = Json::parse (listing.body, nullptr, false);

            if (! names.is_array())
                continue;

            juce::StringArray list;

            for (const auto& name : names)
                if (name.is_string())
                    list.add (normaliseModelName (fromStd (name.get<std::string>())));

            inventory.modelsByFolder[folder] = std::move (list);
        }

        return true;
    }

    /** Where model files go on the server's machine (2024-09+; absent on older servers).
        Only a cancelled request is an error here.
    */
    void fetchModelFolderPaths (const InventoryRequests& requests, ServerInventory& inventory)
    {
        const auto paths = requests.get (apiPrefix (inventory) + "/experiment/models", maxListingBytes);

        if (! paths.arrived() && paths.error == HttpError::cancelled)
        {
            inventory.error = describeNoAnswer (paths, requests.baseUrl, "/experiment/models");
            return;
        }

        if (! paths.arrived() || paths.statusCode != 200)
            return;

        const auto entries = Json::parse (paths.body, nullptr, false);

        if (! entries.is_array())
            return;

        for (const auto& entry : entries)
        {
            if (! entry.is_object() || ! entry.contains ("name") || ! entry["name"].is_string())
                continue;

            juce::StringArray dirs;

            if (const auto f = entry.find ("folders"); f != entry.end() && f->is_array())
                for (const auto& dir : *f)
                    if (dir.is_string())
                        dirs.add (fromStd (dir.get<std::string>()));

            inventory.modelFolderPaths[fromStd (entry["name"].get<std::string>())] = std::move (dirs);
        }
    }
} // namespace workflowReadinessDetail

//==============================================================================
ServerInventory fetchServerInventory (HttpClient& client,
                                      const ComfyUIConfig& config,
                                      const std::vector<WorkflowDefinition>& workflows,
                                      double timeoutSeconds)
{
    using namespace workflowReadinessDetail;

    const InventoryRequests requests { client, config, config.getBaseUrl(),
                                       juce::Time::getMillisecondCounterHiRes() + timeoutSeconds * 1000.0 };
    ServerInventory inventory;

    if (fetchNodes (requests, inventory) && fetchModelListings (requests, workflows, inventory))
        fetchModelFolderPaths (requests, inventory);

    return inventory;
}

//==============================================================================
std::vector<MissingModel> findMissingModels (const std::vector<WorkflowDefinition>& workflows,
                                             const ServerInventory& inventory)
{
    using namespace workflowReadinessDetail;

    std::vector<MissingModel> missing;

    for (const auto& workflow : workflows)
    {
        std::optional<Json> graph; // parsed only when a listing is unavailable

        for (const auto& model : workflow.models)
        {
            bool present = false;

            if (const auto listing = inventory.modelsByFolder.find (model.folder); listing != inventory.modelsByFolder.end())
            {
                present = listing->second.contains (normaliseModelName (model.name));
            }
            else
            {
                if (! graph)
                    graph = parseGraph (workflow.apiJson);

                present = loaderChoicesInclude (*graph, inventory.nodes, model.name);
            }

            if (! present)
                missing.push_back ({ workflow.name, model.folder, model.name, model.url });
        }
    }

    return missing;
}

std::optional<juce::String> findWorkflowProblem (const WorkflowDefinition& workflow, const ServerInventory& inventory)
{
    using namespace workflowReadinessDetail;

    if (! inventory.nodes.isRead())
        return juce::String ("the server's list of node classes (/object_info) could not be read")
               + (inventory.error.isNotEmpty() ? ": " + inventory.error : juce::String());

    const auto& objectInfo = detail::objectInfoOf (inventory.nodes);
    const auto graph = parseGraph (workflow.apiJson);

    if (! graph.is_object() || graph.empty())
        return juce::String ("the workflow is not an API-format graph (a JSON object of nodes)");

    const auto ids = sortedNodeIds (graph);

    for (const auto& id : ids)
    {
        const auto& node = graph[id];

        if (! node.is_object() || ! node.contains ("class_type") || ! node["class_type"].is_string())
            return "node " + fromStd (id) + " has no class_type";

        const auto& classType = node["class_type"].get_ref<const std::string&>();

        if (! objectInfo.contains (classType))
            return "node class " + fromStd (classType) + " (node " + fromStd (id) + ") is not installed on the server";
    }

    for (const auto& id : ids)
    {
        const auto& node = graph[id];
        const auto& classType = node["class_type"].get_ref<const std::string&>();
        const auto inputs = node.find ("inputs");

        if (inputs == node.end() || ! inputs->is_object())
            continue;

        for (const auto& input : inputs->items())
        {
            if (isLink (input.value()) || input.value().is_object())
                continue;

            // LoadAudio's VALIDATE_INPUTS takes "audio": ComfyUI checks that the file exists instead of
            // the combo (which lists only top-level input files), and ComfyBridge uploads it per job.
            if (classType == "LoadAudio" && input.key() == "audio")
                continue;

            const auto* spec = findInputSpec (objectInfo[classType], input.key());
            const auto* choices = spec != nullptr ? comboChoices (*spec) : nullptr;

            if (choices != nullptr && ! choicesInclude (*choices, input.value()))
                return fromStd (classType) + " (node " + fromStd (id) + ") " + fromStd (input.key()) + " '"
                       + describeValue (input.value()) + "' is not one of the server's choices";
        }
    }

    return std::nullopt;
}

std::vector<WorkflowProblem> findWorkflowProblems (const std::vector<WorkflowDefinition>& workflows,
                                                   const ServerInventory& inventory)
{
    std::vector<WorkflowProblem> problems;

    for (const auto& workflow : workflows)
        if (auto problem = findWorkflowProblem (workflow, inventory))
            problems.push_back ({ workflow.name, *problem });

    return problems;
}

} // namespace comfybridge
