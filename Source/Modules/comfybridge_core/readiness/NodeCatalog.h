#pragma once

namespace comfybridge
{

/**
    What a server's GET /object_info says: every node class it can run, with its
    inputs and their choices ({ClassName: info}).

    Parsed once per readiness check and then shared: copies are cheap and the
    contents never change. A default-constructed catalog is "not read", which is
    different from a server that knows no nodes.
*/
class NodeCatalog
{
public:
    /** A catalog that was not read (isRead() is false). */
    NodeCatalog() = default;

    /** Parses /object_info text. Not read when the text is not a JSON object. */
    static NodeCatalog parse (const std::string& objectInfoJson);

    /** True when the server's list of node classes was read. */
    bool isRead() const noexcept { return data != nullptr; }

    /** True when the server knows the node class (e.g. "KSampler"). */
    bool hasNode (const juce::String& classType) const;

    /** The choices the server offers for a combo input (e.g. CheckpointLoaderSimple's
        "ckpt_name": the checkpoint files it can load); empty when the class or input is
        unknown, the input is no combo, or its choices load from a URL ("remote").
    */
    juce::StringArray getInputChoices (const juce::String& classType, const juce::String& input) const;

    /** How many node classes the server knows; 0 when not read. */
    int getNumNodes() const;

    /** The parsed JSON, opaque outside the module's own translation unit. */
    struct Data;

    /** The module's own code reads the JSON through this; null when not read. */
    const Data* getData() const noexcept { return data.get(); }

private:
    std::shared_ptr<const Data> data;
};

} // namespace comfybridge
