#pragma once

namespace comfybridge
{

//==============================================================================
/** Everything one readiness check found, ready to be copied into a status. */
struct ReadinessReport
{
    bool corsEnabled = false, modelsReady = false, workflowsReady = false;
    ReadinessCheck corsCheck, modelsCheck, workflowsCheck;
    std::vector<MissingModel> missingModels;
    std::vector<WorkflowProblem> workflowProblems;
    juce::String activity;                  ///< e.g. what deployment did
    std::vector<ModelDownloadJob> downloads; ///< missing files that can be fetched now (auto_download_models)
    bool backendStoppedAnswering = false;   ///< a request got no HTTP answer: the pass stopped early

    /** Copies the verdicts, checks, lists and activity into @p status. */
    void applyTo (ComfyUIStatus& status) const;

    /** The readiness part of a status for a backend that cannot be asked (unavailable, disconnected). */
    static ReadinessReport notChecked (const juce::String& reason);
};

/** Where model files for @p folder go on this machine, or an empty File and why not. */
std::pair<juce::File, juce::String> findLocalModelsRoot (const ComfyUIConfig& config, const ServerInventory& inventory,
                                                          const juce::String& folder);

/**
    Answers the three readiness questions of a reachable backend, on the
    manager's worker thread: CORS (probeCors, when enable_cors_check is on),
    models and workflows (one fetchServerInventory, then findMissingModels and
    findWorkflowProblems), stores the bundled workflows in the user's ComfyUI
    library when auto_deploy_workflows is on (WorkflowDeployer), and lists the
    missing models that can be downloaded when auto_download_models is on and
    the models folder is on this machine.
*/
ReadinessReport checkReadiness (HttpClient& client, const ComfyUIConfig& config, bool legacyPaths,
                                const std::vector<WorkflowDefinition>& workflows, double timeoutSeconds,
                                const juce::File& deploymentRecordFile = {});

/** The models that can be fetched, or why each cannot (folder not local, no checksum, no URL). */
std::vector<ModelDownloadJob> planModelDownloads (const ComfyUIConfig& config, const ServerInventory& inventory,
                                                  const std::vector<WorkflowDefinition>& workflows,
                                                  const std::vector<MissingModel>& missing, juce::StringArray& reasons);

} // namespace comfybridge
