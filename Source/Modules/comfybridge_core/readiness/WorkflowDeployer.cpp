namespace comfybridge
{

// Named, not anonymous: the module is one translation unit.
namespace workflowDeployerDetail
{
    using Json = nlohmann::json;
    using detail::fromStd;
    using detail::encodePathSegment;

    constexpr double maxConnectSeconds = 5.0;
    constexpr size_t maxWorkflowBytes = (size_t) 16 << 20;

    /** aiohttp's own 404 for an unknown route carries "404: Not Found"; ComfyUI's
        userdata handlers answer a missing file with an empty 404.
    */
    bool isUnknownRoute (const HttpResponse& r)
    {
        return (r.statusCode == 404 || r.statusCode == 405) && ! r.body.empty();
    }

    bool isSuccess (const HttpResponse& r)
    {
        return r.arrived() && r.statusCode >= 200 && r.statusCode < 300;
    }

    juce::String firstLineOf (const std::string& body)
    {
        return fromStd (body.substr (0, 200)).upToFirstOccurrenceOf ("\n", false, false).trim();
    }

    /** Why a request about @p fileName failed, in words a user can act on. */
    juce::String describeFailure (const HttpResponse& r, const juce::String& baseUrl,
                                  const juce::String& fileName, const juce::String& action)
    {
        const auto what = "could not " + action + " " + fileName;

        if (! r.arrived())
        {
            switch (r.error)
            {
                case HttpError::refused:         return what + ": connection refused at " + baseUrl + " (is ComfyUI still running?)";
                case HttpError::connectTimeout:
                case HttpError::responseTimeout: return what + ": " + baseUrl + " did not answer in time";
                case HttpError::cancelled:       return what + ": cancelled";
                case HttpError::bodyTooLarge:    return what + ": the server's copy is larger than "
                                                        + juce::String ((int) (maxWorkflowBytes >> 20)) + " MB";
                case HttpError::none:
                case HttpError::dnsFailure:
                case HttpError::tls:
                case HttpError::connectionLost:
                case HttpError::protocol:
                case HttpError::other:
                    break;
            }

            return what + ": " + (r.errorText.isNotEmpty() ? r.errorText : toString (r.error));
        }

        switch (r.statusCode)
        {
            case 400: return what + ": ComfyUI at " + baseUrl + " rejected the file name (HTTP 400)";
            case 401: return what + ": ComfyUI at " + baseUrl + " asked for an access token (HTTP 401); "
                             "set auth_token in the preferences, or check it";
            case 403: return what + ": ComfyUI at " + baseUrl + " refused it (HTTP 403: the path is outside "
                             "the user's folder, or an origin check or proxy rule blocked it)";
            case 409: return what + ": another program keeps creating it at the same time (HTTP 409); try again";
            case 413: return what + ": it is larger than ComfyUI's --max-upload-size (HTTP 413)";
            default: break;
        }

        if (isUnknownRoute (r))
            return what + ": ComfyUI at " + baseUrl + " has no userdata API (HTTP " + juce::String (r.statusCode)
                   + "); update ComfyUI to keep workflows in its library";

        const auto detail = firstLineOf (r.body);

        return what + ": ComfyUI at " + baseUrl + " answered HTTP " + juce::String (r.statusCode)
               + (r.statusCode >= 500 ? " (server error" + (detail.isNotEmpty() ? ": " + detail : juce::String()) + ")" : juce::String());
    }

    //==============================================================================
    /** The userdata routes of one server; remembers whether it lacks the /api prefix. */
    class UserdataApi
    {
    public:
        UserdataApi (HttpClient& c, const ComfyUIConfig& backend, double timeout)
            : client (c), config (backend), baseUrl (backend.getBaseUrl()), timeoutSeconds (timeout)
        {
        }

        HttpResponse send (const juce::String& method, const juce::String& fileName,
                           const juce::String& query, const std::string& body)
        {
            const auto path = "/userdata/" + encodePathSegment (fileName) + query;
            auto response = perform (method, (legacy ? juce::String() : juce::String ("/api")) + path, body);

            // Servers from before 2024-06 answer only the plain path.
            if (! legacy && response.arrived() && isUnknownRoute (response))
            {
                auto plain = perform (method, path, body);

                if (plain.arrived() && ! isUnknownRoute (plain))
                {
                    legacy = true;
                    return plain;
                }
            }

            return response;
        }

        const juce::String& getBaseUrl() const noexcept { return baseUrl; }
        bool isCancelled() const { return client.isCancelled(); }

        /** True once a request got no HTTP answer at all: the rest would only wait for timeouts too. */
        bool serverStoppedAnswering() const noexcept { return stoppedAnswering; }

    private:
        HttpResponse perform (const juce::String& method, const juce::String& path, const std::string& body)
        {
            HttpRequest request;
            request.method = method;
            request.url = baseUrl + path;
            applyBackendSettings (request, config);
            request.body = body;
            request.timeoutSeconds = timeoutSeconds;
            request.connectTimeoutSeconds = juce::jmin (timeoutSeconds, maxConnectSeconds);
            request.maxBodyBytes = maxWorkflowBytes;

            if (method == "POST")
                request.headers.set ("Content-Type", "application/json");

            auto response = client.perform (request);
            stoppedAnswering = stoppedAnswering || ! response.arrived();
            return response;
        }

        HttpClient& client;
        const ComfyUIConfig& config; // outlives the deployment that uses this
        juce::String baseUrl;
        double timeoutSeconds;
        bool legacy = false;
        bool stoppedAnswering = false;
    };

    //==============================================================================
    WorkflowDeployment deployOne (UserdataApi& api, const WorkflowDefinition& workflow,
                                  const NodeCatalog& nodes, DeploymentRecord& record)
    {
        const auto& serverUrl = api.getBaseUrl();
        WorkflowDeployment result { workflow.name, deployedFileName (workflow), DeployOutcome::failed, {} };
        const auto& fileName = result.fileName;

        auto finish = [&result] (DeployOutcome outcome, juce::String message)
        {
            result.outcome = outcome;
            result.message = std::move (message);
            return result;
        };

        auto remember = [&] (const std::string& bytes) -> juce::String
        {
            if (record.setHash (serverUrl, fileName, DeploymentRecord::hashOf (bytes)))
                return {};

            return " (could not write " + record.getFile().getFullPathName()
                   + ", so a later bundled version will not replace it)";
        };

        if (! nodes.isRead())
            return finish (DeployOutcome::failed, "could not deploy " + fileName + ": the server's list of node classes "
                                                  "(/object_info) could not be read, so the workflow cannot be laid out for ComfyUI");

        const auto content = deployedContent (workflow, nodes);

        if (content.empty())
            return finish (DeployOutcome::failed, "could not deploy " + fileName + ": the bundled workflow is not valid JSON");

        const auto ours = Json::parse (content);
        const auto apiFormat = Json::parse (workflow.apiJson.toStdString(), nullptr, false);

        // Twice at most: a 409 on create means someone stored the file meanwhile; judge again what is there now.
        for (int attempt = 0; attempt < 2; ++attempt)
        {
            if (api.isCancelled())
                return finish (DeployOutcome::failed, "could not deploy " + fileName + ": cancelled");

            const auto current = api.send ("GET", fileName, {}, {});

            if (! current.arrived() || (current.statusCode != 200 && (current.statusCode != 404 || isUnknownRoute (current))))
                return finish (DeployOutcome::failed, describeFailure (current, serverUrl, fileName, "read"));

            if (current.statusCode == 404)
            {
                const auto created = api.send ("POST", fileName, "?overwrite=false", content);

                if (created.arrived() && created.statusCode == 409 && attempt == 0)
                    continue;

                if (! isSuccess (created))
                    return finish (DeployOutcome::failed, describeFailure (created, serverUrl, fileName, "store"));

                return finish (DeployOutcome::created,
                               "added " + fileName + " to ComfyUI's workflow library" + remember (content));
            }

            const auto theirs = Json::parse (current.body, nullptr, false);

            if (! theirs.is_discarded() && theirs == ours)
            {
                // The same workflow: remember its bytes as ours, so a later bundled version may replace it.
                const auto hash = DeploymentRecord::hashOf (current.body);
                const auto note = record.getHash (serverUrl, fileName) == hash ? juce::String() : remember (current.body);
                return finish (DeployOutcome::unchanged, fileName + " is up to date" + note);
            }

            // Ours when it is what we stored last, or the API-format copy deployed before the graph format.
            const auto recorded = record.getHash (serverUrl, fileName) == DeploymentRecord::hashOf (current.body);
            const auto oldFormat = ! theirs.is_discarded() && theirs == apiFormat;

            if (! recorded && ! oldFormat)
                return finish (DeployOutcome::keptUserCopy,
                               "kept your edited copy of " + fileName + " (it differs from the bundled version; "
                               "rename or delete it in ComfyUI to get the current one)");

            const auto updated = api.send ("POST", fileName, "?overwrite=true", content);

            if (! isSuccess (updated))
                return finish (DeployOutcome::failed, describeFailure (updated, serverUrl, fileName, "update"));

            return finish (DeployOutcome::updated,
                           "updated " + fileName + (oldFormat ? juce::String (" to the graph format ComfyUI opens")
                                                               : juce::String (" to the current bundled version"))
                               + remember (content));
        }

        return finish (DeployOutcome::failed,
                       "could not store " + fileName + ": another program keeps creating it at the same time (HTTP 409); try again");
    }

    std::mutex& recordMutex()
    {
        static std::mutex m; // serialises read-modify-write of record files within this process
        return m;
    }

    Json readRecord (const juce::File& file)
    {
        if (! file.existsAsFile())
            return Json::object();

        auto json = Json::parse (file.loadFileAsString().toStdString(), nullptr, false);
        return json.is_object() ? json : Json::object();
    }
} // namespace workflowDeployerDetail

//==============================================================================
DeploymentRecord::DeploymentRecord (juce::File f)
    : file (std::move (f))
{
}

juce::File DeploymentRecord::getDefaultFile()
{
    return juce::File::getSpecialLocation (juce::File::userApplicationDataDirectory)
        .getChildFile ("ComfyBridge")
        .getChildFile ("deployed-workflows.json");
}

juce::String DeploymentRecord::hashOf (const std::string& bytes)
{
    return sha256Hex (bytes.data(), bytes.size());
}

juce::String DeploymentRecord::getHash (const juce::String& serverUrl, const juce::String& fileName) const
{
    using namespace workflowDeployerDetail;

    std::lock_guard<std::mutex> lock (recordMutex());
    const auto json = readRecord (file);
    const auto servers = json.find ("servers");

    if (servers == json.end() || ! servers->is_object())
        return {};

    const auto server = servers->find (serverUrl.toStdString());

    if (server == servers->end() || ! server->is_object())
        return {};

    const auto hash = server->find (fileName.toStdString());
    return hash != server->end() && hash->is_string() ? fromStd (hash->get<std::string>()) : juce::String();
}

bool DeploymentRecord::setHash (const juce::String& serverUrl, const juce::String& fileName, const juce::String& sha256)
{
    using namespace workflowDeployerDetail;

    std::lock_guard<std::mutex> lock (recordMutex());
    auto json = readRecord (file);

    json["version"] = 1;

    if (! json["servers"].is_object())
        json["servers"] = Json::object();

    auto& server = json["servers"][serverUrl.toStdString()];

    if (! server.is_object())
        server = Json::object();

    server[fileName.toStdString()] = sha256.toStdString();

    if (! file.getParentDirectory().createDirectory())
        return false;

    juce::TemporaryFile temp (file);

    return temp.getFile().replaceWithText (fromStd (json.dump (2) + "\n"))
           && temp.overwriteTargetFileWithTemporary();
}

//==============================================================================
juce::String toString (DeployOutcome outcome)
{
    switch (outcome)
    {
        case DeployOutcome::created:      return "created";
        case DeployOutcome::updated:      return "updated";
        case DeployOutcome::unchanged:    return "unchanged";
        case DeployOutcome::keptUserCopy: return "kept user copy";
        case DeployOutcome::failed:       return "failed";
    }

    return "failed";
}

bool DeploymentReport::succeeded() const
{
    return std::none_of (workflows.begin(), workflows.end(),
                         [] (const WorkflowDeployment& w) { return w.outcome == DeployOutcome::failed; });
}

juce::String deployedFileName (const WorkflowDefinition& workflow)
{
    return "workflows/comfybridge-" + workflow.name + ".json";
}

std::string deployedContent (const WorkflowDefinition& workflow, const NodeCatalog& nodes)
{
    return toGraphWorkflow (workflow.apiJson, nodes, workflow.name);
}

DeploymentReport deployWorkflows (HttpClient& client,
                                  const ComfyUIConfig& config,
                                  const std::vector<WorkflowDefinition>& workflows,
                                  const NodeCatalog& nodes,
                                  DeploymentRecord& record,
                                  double timeoutSeconds)
{
    using namespace workflowDeployerDetail;

    UserdataApi api (client, config, timeoutSeconds);
    DeploymentReport report;

    for (const auto& workflow : workflows)
    {
        if (api.serverStoppedAnswering())
        {
            // A hung or vanished server: do not spend a timeout on every remaining workflow.
            report.workflows.push_back ({ workflow.name, deployedFileName (workflow), DeployOutcome::failed,
                                          "not tried: " + api.getBaseUrl() + " stopped answering" });
            continue;
        }

        report.workflows.push_back (deployOne (api, workflow, nodes, record));
    }

    if (report.workflows.empty())
    {
        report.summary = "no workflows to deploy";
        return report;
    }

    juce::StringArray parts;

    for (const auto outcome : { DeployOutcome::created, DeployOutcome::updated, DeployOutcome::unchanged,
                                DeployOutcome::keptUserCopy, DeployOutcome::failed })
    {
        const auto count = std::count_if (report.workflows.begin(), report.workflows.end(),
                                          [outcome] (const WorkflowDeployment& w) { return w.outcome == outcome; });

        if (count > 0)
            parts.add (juce::String ((int) count) + " "
                       + (outcome == DeployOutcome::keptUserCopy ? juce::String ("kept as you edited them") : toString (outcome)));
    }

    const auto total = (int) report.workflows.size();
    report.summary = juce::String (total) + (total == 1 ? " workflow" : " workflows") + " in ComfyUI's library at "
                     + api.getBaseUrl() + ": " + parts.joinIntoString (", ");
    return report;
}

} // namespace comfybridge
