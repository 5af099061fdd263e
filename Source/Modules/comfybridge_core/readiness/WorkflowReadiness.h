#pragma once

namespace comfybridge
{

//==============================================================================
/**
    What the server offers, fetched once per readiness check by
    fetchServerInventory() and then read by findMissingModels() and
    findWorkflowProblems(), which do no I/O.

    A plain value: the parsed object_info is shared, never copied.
*/
struct ServerInventory
{
    /** GET /api/object_info; not read (isRead() false) when it could not be read. */
    NodeCatalog nodes;

    /** GET /api/models/{folder} for every folder the workflows need, with Windows
        "\" separators turned into "/". A folder that could not be listed is absent.
    */
    std::map<juce::String, juce::StringArray> modelsByFolder;

    /** Folders the server does not know (GET /api/models/{folder} answered 404). */
    juce::StringArray unknownFolders;

    /** GET /api/experiment/models: folder name -> absolute paths on the server's
        machine where model files go. Empty on servers without that route.
    */
    std::map<juce::String, juce::StringArray> modelFolderPaths;

    /** Non-empty when the inventory could not be read; a message a user can act on. */
    juce::String error;

    /** True when the server was found to predate the /api prefix. */
    bool legacyPaths = false;
};

//==============================================================================
/**
    Reads what the server at config.getBaseUrl() offers: /object_info (up to
    32 MB), /models/{folder} for each folder named by the workflows' model
    requirements, and /experiment/models. Every request carries
    config.getAuthHeaders(); all of them share one deadline of @p timeoutSeconds.

    Servers from before 2024-06 have no /api prefix: a 404 on /api/object_info
    is retried on /object_info and the plain paths are used from then on.

    Blocks: call it on a worker thread. Fills ServerInventory::error (and stops)
    when object_info cannot be read or a request gets no HTTP answer; a model
    folder that cannot be listed is left out instead, so that
    findMissingModels() falls back to the loaders' choices in object_info.
*/
ServerInventory fetchServerInventory (HttpClient& client,
                                      const ComfyUIConfig& config,
                                      const std::vector<WorkflowDefinition>& workflows,
                                      double timeoutSeconds);

/** The model files each workflow needs that the server does not list, in
    workflow and manifest order.

    Uses the /models/{folder} listing; when a folder's listing is unavailable,
    falls back to the choices of the loader input that names the file in the
    workflow (e.g. CheckpointLoaderSimple's ckpt_name combo in object_info).
    A file that cannot be confirmed present counts as missing. Names are
    compared with "\" and "/" treated alike.
*/
std::vector<MissingModel> findMissingModels (const std::vector<WorkflowDefinition>& workflows,
                                             const ServerInventory& inventory);

/** The first thing that stops @p workflow from running, or nullopt when it can run:

    - a node class missing from object_info:
      "node class X (node 4) is not installed on the server" (checked for every
      node first), then
    - a combo input set to a value the server does not allow:
      "KSampler (node 3) sampler_name 'foo' is not one of the server's choices".
      Both classic combos (TYPE is an array of values) and V3 combos ("COMBO"
      with "options" in the dict) are checked; model-name combos count too (the
      status also lists the model as missing).

    Nodes are visited in numeric id order. Without object_info, or with an
    apiJson that is not an object of nodes, that is the problem reported.
*/
std::optional<juce::String> findWorkflowProblem (const WorkflowDefinition& workflow,
                                                 const ServerInventory& inventory);

/** findWorkflowProblem() for each workflow; only the workflows with a problem appear. */
std::vector<WorkflowProblem> findWorkflowProblems (const std::vector<WorkflowDefinition>& workflows,
                                                   const ServerInventory& inventory);

} // namespace comfybridge
