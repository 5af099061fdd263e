#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Remembers, per server URL and userdata file name, the SHA-256 of the
    content ComfyBridge last stored there, so that a later deployment can tell
    "our copy, safe to update" from "the user's edited copy, leave it alone".

    A small JSON file, by default ~/.config/ComfyBridge/deployed-workflows.json:
    @code
    { "version": 1, "servers": { "http://localhost:8188": { "workflows/comfybridge-txt2img.json": "<sha256 hex>" } } }
    @endcode
    Every change re-reads the file and replaces it atomically (juce::TemporaryFile)
    under an inter-process lock, so plugin instances and the CLI can share it.
*/
class DeploymentRecord
{
public:
    /** A record kept in @p file (created on the first write). */
    explicit DeploymentRecord (juce::File file = getDefaultFile());

    /** userApplicationDataDirectory/ComfyBridge/deployed-workflows.json. */
    static juce::File getDefaultFile();

    /** The SHA-256 (lower-case hex) recorded for this server and file, or empty. */
    juce::String getHash (const juce::String& serverUrl, const juce::String& fileName) const;

    /** Records @p sha256 for this server and file; false (and nothing changed) when
        the record cannot be written.
    */
    bool setHash (const juce::String& serverUrl, const juce::String& fileName, const juce::String& sha256);

    /** The file the record lives in. */
    const juce::File& getFile() const noexcept { return file; }

    /** The lower-case hex SHA-256 of @p bytes. */
    static juce::String hashOf (const std::string& bytes);

private:
    juce::File file;

    JUCE_LEAK_DETECTOR (DeploymentRecord)
};

//==============================================================================
/** What happened to one workflow in a deployment. */
enum class DeployOutcome
{
    created,      ///< the file was absent and has been stored
    updated,      ///< our earlier copy was replaced by the current bundled version
    unchanged,    ///< the server already holds the same workflow (compared as JSON)
    keptUserCopy, ///< the server's copy differs and is not one we wrote: left alone
    failed        ///< nothing was changed for this workflow (see the message)
};

/** "created", "updated", "unchanged", "kept user copy" or "failed". */
juce::String toString (DeployOutcome outcome);

/** One workflow's line in a DeploymentReport. */
struct WorkflowDeployment
{
    juce::String name;     ///< the workflow's name, e.g. "txt2img"
    juce::String fileName; ///< userdata file, e.g. "workflows/comfybridge-txt2img.json"
    DeployOutcome outcome = DeployOutcome::failed;
    juce::String message;  ///< one sentence for the user
};

/** The outcome of deployWorkflows(). */
struct DeploymentReport
{
    std::vector<WorkflowDeployment> workflows; ///< in the order given
    juce::String summary;                      ///< one line, e.g. "3 workflows in ComfyUI's library: 1 created, 2 unchanged"

    /** True when no workflow failed (a kept user copy is not a failure). */
    bool succeeded() const;
};

//==============================================================================
/**
    Stores the bundled workflows in the user's ComfyUI workflow library through
    the userdata API (reference §4.6), as "workflows/comfybridge-<name>.json",
    so that they can be opened from ComfyUI's workflow browser.

    The library holds graph ("workflow", schema 0.4) files, the format the
    frontend opens as a canvas (it rejects API-format prompts there), so each
    workflow is stored as toGraphWorkflow() builds it from its API graph and
    @p nodes. ComfyBridge itself keeps submitting the API format. The
    comfybridge- prefix marks the files as ours and keeps them apart from the
    user's own workflows.

    For each workflow: GET the file; absent -> POST ?overwrite=false (a 409 means
    someone created it meanwhile: it is read and judged again, once); the same
    JSON -> unchanged; different -> overwritten (?overwrite=true) only when it is
    ours: the server's bytes are what @p record says we stored there last, or
    they are the workflow's API-format JSON (what ComfyBridge deployed before
    the graph format: upgraded). Otherwise it is the user's edit and is left
    alone ("kept your edited copy of ..."). The user's own files are never
    overwritten.

    Every request carries config.getAuthHeaders(); servers without the /api
    prefix are handled. A failure (401/403/400/413/5xx, no answer) leaves that
    workflow untouched and the record unchanged. Blocks: worker threads only.

    @param nodes           the server's GET /object_info (ServerInventory::nodes);
                           without it (not an object) nothing is deployed
    @param timeoutSeconds  deadline for each request
*/
DeploymentReport deployWorkflows (HttpClient& client,
                                  const ComfyUIConfig& config,
                                  const std::vector<WorkflowDefinition>& workflows,
                                  const NodeCatalog& nodes,
                                  DeploymentRecord& record,
                                  double timeoutSeconds);

/** "workflows/comfybridge-<name>.json": the userdata file a workflow is deployed to. */
juce::String deployedFileName (const WorkflowDefinition& workflow);

/** The text deployed for a workflow: its graph form (toGraphWorkflow()) for the
    server whose /object_info is @p nodes; empty when the workflow's JSON is invalid.
*/
std::string deployedContent (const WorkflowDefinition& workflow, const NodeCatalog& nodes);

} // namespace comfybridge
