#pragma once

namespace comfybridge
{

/**
    What a user chose on the Generate page: the workflow and only the values they
    edited (the workflow's own values stand for the rest). A plain value kept with a
    plugin's state, so the plugin saves it without any GUI type.
*/
struct GenerationSettings
{
    /** The largest width or height the Generate page accepts (the placeholder's limit). */
    static constexpr int maxDimension = PlaceholderRenderer::maxDimension;

    /** The largest seed: larger JSON numbers lose precision in many clients. */
    static constexpr juce::int64 maxSeed = (juce::int64 (1) << 53) - 1;

    juce::String workflowName { "txt2img" }; ///< a bundled workflow's name (ignored when workflowFile is set)
    juce::String workflowFile;              ///< full path of the user's own workflow file, or empty

    std::optional<juce::String> prompt, negativePrompt;
    std::optional<juce::int64> seed;  ///< 0 .. maxSeed
    std::optional<int> width, height; ///< 1 .. maxDimension

    /** A tree of type "Generation" holding only the values that are set (seed as
        text, so all 53 bits survive XML), marked with format version 2.
    */
    juce::ValueTree toValueTree() const;

    /** Reads a tree written by toValueTree(); missing or bad values stay unset.
        A tree from before version 2 held every value whether edited or not: there,
        values equal to the old defaults (empty prompts, seed 0, 512 x 512) are
        taken as not edited and the others as the user's.
    */
    static GenerationSettings fromValueTree (const juce::ValueTree& tree);

    /** The workflow inputs these settings set: only the edited values, so the
        workflow's own values stand for the rest.
    */
    WorkflowInputs toInputs() const;

    /** True when every field is the same. */
    bool operator== (const GenerationSettings&) const;

    /** True when some field differs. */
    bool operator!= (const GenerationSettings& other) const { return ! operator== (other); }

    /** A whole number in [low, high] from text a person typed (digits only, trimmed), or
        nothing; how the Generate page and the saved state read seeds and sizes.
    */
    static std::optional<juce::int64> parseWholeNumber (const juce::String& text, juce::int64 low, juce::int64 high);

    /** The tree type used by toValueTree(). */
    static const juce::Identifier treeType;
};

} // namespace comfybridge
