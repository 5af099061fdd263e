#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Builds the graph ("workflow", schema 0.4) form of an API-format prompt: the
    format ComfyUI's frontend opens from the user's workflow library and shows
    as nodes on its canvas. The API format stays what ComfyBridge submits to
    /prompt; this form exists only so that a user can open our workflows in
    ComfyUI and run them there.

    What the frontend needs, taken from the server's /object_info:
    - each node's `type`, `title` (the API graph's _meta.title when it differs
      from the class's display name) and "Node name for S&R" property;
    - `inputs`: the sockets (non-widget inputs) in the server's input order,
      plus any widget input that the API graph feeds from a link (with a
      `widget` field, as the frontend stores a converted widget);
    - `widgets_values`: one value per widget in the server's input order
      (input_order, required then optional), with the extra value the frontend
      keeps after a widget whose spec asks for control_after_generate
      ("fixed": the graph runs with the seed it was deployed with) and after an
      image_upload combo ("image");
    - `outputs` with their links, and `links` as
      [id, origin_id, origin_slot, target_id, target_slot, type];
    - a left-to-right layout: one column per topological depth, nodes stacked
      without overlap, each column ordered by where its nodes feed the next.

    A node class missing from @p catalog is kept with its links and literal
    values (the frontend marks it as a missing node), so nothing of the
    workflow is lost.

    Pure and deterministic: the same input gives the same bytes, so a
    redeployment can compare what the server holds with what it would store.

    @param apiJson       the API-format prompt (object keyed by node id)
    @param catalog       GET /object_info (ServerInventory::nodes)
    @param workflowName  e.g. "txt2img": the graph's "id" is a UUID derived from it
    @returns the graph pretty-printed and newline-terminated, or an empty
             string when @p apiJson is not a JSON object
*/
std::string toGraphWorkflow (const juce::String& apiJson,
                             const NodeCatalog& catalog,
                             const juce::String& workflowName);

/** The stable UUID (version 5 layout, from a SHA-256 of the name) that
    toGraphWorkflow() gives the workflow called @p workflowName.
*/
juce::String graphWorkflowId (const juce::String& workflowName);

} // namespace comfybridge
