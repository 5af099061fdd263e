namespace comfybridge
{

namespace
{
    /** Deadline for reading the whole inventory (object_info can be megabytes and slow to build). */
    constexpr double maxInventorySeconds = 10.0;
}

void ReadinessReport::applyTo (ComfyUIStatus& status) const
{
    status.corsEnabled = corsEnabled;
    status.modelsReady = modelsReady;
    status.workflowsReady = workflowsReady;
    status.corsCheck = corsCheck;
    status.modelsCheck = modelsCheck;
    status.workflowsCheck = workflowsCheck;
    status.missingModels = missingModels;
    status.workflowProblems = workflowProblems;
    status.activity = activity;
}

ReadinessReport ReadinessReport::notChecked (const juce::String& reason)
{
    ReadinessReport report;
    report.corsCheck.reason = report.modelsCheck.reason = report.workflowsCheck.reason = reason;
    return report;
}

std::pair<juce::File, juce::String> findLocalModelsRoot (const ComfyUIConfig& config, const ServerInventory& inventory,
                                                          const juce::String& folder)
{
    if (config.modelsFolder.isNotEmpty())
    {
        const juce::File root (config.modelsFolder);
        if (root.isDirectory())
            return { root, {} };

        return { {}, "the models folder " + config.modelsFolder + " set in the preferences does not exist" };
    }

    if (! config.isLoopbackHost())
        return { {}, "ComfyUI runs on another machine: put the file in its models/" + folder + " folder there, "
                     "or set models_folder to a shared folder" };

    const auto paths = inventory.modelFolderPaths.find (folder);

    if (paths == inventory.modelFolderPaths.end() || paths->second.isEmpty())
        return { {}, "the server does not say where its " + folder + " folder is (no /experiment/models): set models_folder" };

    for (const auto& path : paths->second)
    {
        const juce::File dir (path);

        // The downloader writes <root>/<folder>/<name>; ComfyUI's folder is .../models/<folder>.
        if (dir.isDirectory() && dir.getFileName() == folder && dir.getParentDirectory().hasWriteAccess())
            return { dir.getParentDirectory(), {} };
    }

    return { {}, "ComfyUI's " + folder + " folder (" + paths->second[0] + ") is not a writable folder on this machine" };
}

std::vector<ModelDownloadJob> planModelDownloads (const ComfyUIConfig& config, const ServerInventory& inventory,
                                                  const std::vector<WorkflowDefinition>& workflows,
                                                  const std::vector<MissingModel>& missing, juce::StringArray& reasons)
{
    std::vector<ModelDownloadJob> jobs;

    for (const auto& m : missing)
    {
        const auto label = m.folder + "/" + m.name + " (" + m.workflow + ")";
        const ModelRequirement* requirement = nullptr;

        for (const auto& w : workflows)
            if (w.name == m.workflow)
                for (const auto& r : w.models)
                    if (r.folder == m.folder && r.name == m.name)
                        requirement = &r;

        if (requirement == nullptr || requirement->url.isEmpty())
        {
            reasons.add (label + ": no download address is known; install it by hand");
            continue;
        }

        if (requirement->sha256.isEmpty())
        {
            reasons.add (label + ": no checksum is known, so it is not downloaded automatically; get it from " + requirement->url);
            continue;
        }

        auto [root, whyNot] = findLocalModelsRoot (config, inventory, m.folder);

        if (root == juce::File())
        {
            reasons.add (label + ": " + whyNot);
            continue;
        }

        const auto duplicate = std::any_of (jobs.begin(), jobs.end(), [&] (const auto& j)
                                            { return j.model.folder == m.folder && j.model.name == m.name; });
        if (! duplicate)
            jobs.push_back ({ *requirement, root, m.workflow });
    }

    return jobs;
}

ReadinessReport checkReadiness (HttpClient& client, const ComfyUIConfig& config, bool legacyPaths,
                                const std::vector<WorkflowDefinition>& workflows, double timeoutSeconds,
                                const juce::File& deploymentRecordFile)
{
    ReadinessReport report;

    // Readiness runs on the manager's worker between health checks: a backend that hangs
    // now must not hold those checks back for a whole connection timeout. Small requests
    // get the probe timeout; only object_info (large, slow on servers with many custom
    // nodes) gets longer.
    const auto quickTimeout = config.getEffectiveProbeTimeout();

    // CORS: asked once per connection (the origin check logs a warning for each probe).
    if (config.enableCorsCheck)
    {
        const auto cors = probeCors (client, config, legacyPaths, quickTimeout);
        report.corsEnabled = cors.enabled;
        report.corsCheck = { cors.checked, cors.reason };

        if (cors.transportFailed)
        {
            report.backendStoppedAnswering = ! client.isCancelled();
            report.modelsCheck.reason = report.workflowsCheck.reason = "ComfyUI stopped answering";
            return report;
        }
    }
    else
    {
        report.corsCheck.reason = "not required: enable_cors_check is off";
    }

    if (client.isCancelled())
        return report;

    if (workflows.empty())
    {
        report.modelsCheck.reason = report.workflowsCheck.reason = "no workflows to check";
        return report;
    }

    const auto inventory = fetchServerInventory (client, config, workflows, juce::jmin (timeoutSeconds, maxInventorySeconds));

    if (inventory.error.isNotEmpty())
    {
        report.modelsCheck.reason = report.workflowsCheck.reason = inventory.error;
        return report;
    }

    report.missingModels = findMissingModels (workflows, inventory);
    report.workflowProblems = findWorkflowProblems (workflows, inventory);
    report.modelsReady = report.missingModels.empty();
    report.workflowsReady = report.workflowProblems.empty();
    report.modelsCheck.checked = report.workflowsCheck.checked = true;

    if (! report.modelsReady)
    {
        juce::StringArray reasons;
        report.downloads = planModelDownloads (config, inventory, workflows, report.missingModels, reasons);

        if (! config.autoDownloadModels)
            report.downloads.clear();

        report.modelsCheck.reason = juce::String (report.missingModels.size()) + " model file"
                                  + (report.missingModels.size() == 1 ? "" : "s") + " missing";

        if (! report.downloads.empty())
            report.modelsCheck.reason << "; downloading " << (int) report.downloads.size() << " in the background";
        else if (! config.autoDownloadModels)
            report.modelsCheck.reason << " (not downloaded automatically)";

        if (! reasons.isEmpty())
            report.modelsCheck.reason << ". " << reasons.joinIntoString ("; ");
    }

    if (! report.workflowsReady)
        report.workflowsCheck.reason = juce::String (report.workflowProblems.size()) + " of " + juce::String ((int) workflows.size())
                                     + " workflows cannot run: " + report.workflowProblems.front().workflow + ": "
                                     + report.workflowProblems.front().problem;

    if (config.autoDeployWorkflows && ! client.isCancelled())
    {
        DeploymentRecord record (deploymentRecordFile == juce::File() ? DeploymentRecord::getDefaultFile() : deploymentRecordFile);
        const auto deployment = deployWorkflows (client, config, workflows,
                                                 inventory.nodes,
                                                 record, quickTimeout);

        // Worth a line in the status only when something happened (or went wrong).
        const auto allUnchanged = std::all_of (deployment.workflows.begin(), deployment.workflows.end(),
                                               [] (const auto& w) { return w.outcome == DeployOutcome::unchanged; });
        if (! allUnchanged)
            report.activity = deployment.summary;
    }

    return report;
}

} // namespace comfybridge
