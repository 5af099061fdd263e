namespace comfybridge
{

// Reading and checking API-format graphs: the helpers every workflow file uses.
// The module is one translation unit, so these live in a named namespace.
namespace WorkflowHelpers
{
    // ordered_json keeps the nodes in file order, so what we send reads like what we ship.
    using Json = nlohmann::ordered_json;
    using detail::fromStd;
    using detail::quoted;

    constexpr juce::int64 maxSeed = (juce::int64 (1) << 53) - 1; // larger JSON numbers lose precision in many clients
    constexpr int maxImageSize = 16384;                          // ComfyUI's limit for EmptyImage / EmptyLatentImage
    constexpr juce::int64 maxUserFileBytes = 32 * 1024 * 1024;
    constexpr juce::int64 emptyImageColours = 16777216;          // EmptyImage "color" is 0xRRGGBB

    const juce::String uiFormatMessage ("this is a UI-format workflow; in ComfyUI use Workflow > Export (API)");

    juce::String describeType (const Json& value)
    {
        return juce::String (value.type_name());
    }

    /** Parses JSON text; the error message drops nlohmann's "[json.exception...]" tag. */
    std::variant<Json, juce::String> parseJsonText (const juce::String& text)
    {
        try
        {
            return Json::parse (text.toStdString());
        }
        catch (const Json::exception& e)
        {
            return "not valid JSON (" + juce::String (e.what()).fromFirstOccurrenceOf ("] ", false, false) + ")";
        }
    }

    juce::String dumpJson (const Json& json, int indent)
    {
        return fromStd (json.dump (indent, ' ', false, Json::error_handler_t::replace));
    }

    /** An input fed by another node: ["source id", output index]. */
    bool isLink (const Json& value)
    {
        return value.is_array() && value.size() == 2 && value[0].is_string() && value[1].is_number_integer();
    }

    std::string classOf (const Json& node)
    {
        if (node.is_object())
            if (const auto it = node.find ("class_type"); it != node.end() && it->is_string())
                return it->get<std::string>();

        return {};
    }

    const Json* inputsOf (const Json& node)
    {
        if (node.is_object())
            if (const auto it = node.find ("inputs"); it != node.end() && it->is_object())
                return &*it;

        return nullptr;
    }

    bool isAudioOutputNode (const std::string& classType)
    {
        return classType == "SaveAudio" || classType == "PreviewAudio" || classType == "SaveAudioMP3" || classType == "SaveAudioOpus";
    }

    bool isOutputNode (const std::string& classType)
    {
        return classType == "SaveImage" || classType == "PreviewImage" || isAudioOutputNode (classType);
    }

    /** Node ids in a stable order: numeric ids by value ("2" before "10"), then the rest by name. */
    std::vector<std::string> sortedNodeIds (const Json& graph)
    {
        std::vector<std::string> ids;

        for (const auto& item : graph.items())
            ids.push_back (item.key());

        auto numericValue = [] (const std::string& id) -> std::optional<long long>
        {
            if (id.empty() || id.size() > 15 || id.find_first_not_of ("0123456789") != std::string::npos)
                return std::nullopt;
            return std::stoll (id);
        };

        std::stable_sort (ids.begin(), ids.end(), [&] (const std::string& a, const std::string& b)
        {
            const auto na = numericValue (a), nb = numericValue (b);

            if (na && nb)
                return *na < *nb;
            if (na || nb)
                return na.has_value();
            return a < b;
        });

        return ids;
    }

    /** A file saved from the /prompt request body wraps the graph as {"prompt": {...}}. */
    const Json& unwrapRequestBody (const Json& json)
    {
        if (json.is_object())
            if (const auto it = json.find ("prompt"); it != json.end() && it->is_object() && ! it->contains ("class_type"))
                return *it;

        return json;
    }

    /** Everything that would make ComfyUI refuse the graph before running it; empty if none. */
    juce::StringArray validateGraph (const Json& graph)
    {
        juce::StringArray problems;

        if (! graph.is_object())
        {
            problems.add ("expected a JSON object keyed by node id, got " + describeType (graph));
            return problems;
        }

        if (const auto nodes = graph.find ("nodes"); nodes != graph.end() && nodes->is_array())
        {
            problems.add (uiFormatMessage);
            return problems;
        }

        if (graph.empty())
        {
            problems.add ("the workflow has no nodes");
            return problems;
        }

        bool hasOutput = false;

        for (const auto& id : sortedNodeIds (graph))
        {
            const auto& node = graph.at (id);
            const auto nodeLabel = "node " + quoted (fromStd (id));

            if (! node.is_object())
            {
                problems.add (nodeLabel + " is " + describeType (node) + ", not an object");
                continue;
            }

            const auto classType = classOf (node);

            if (classType.empty())
            {
                problems.add (nodeLabel + " has no class_type");
                continue;
            }

            const auto* inputs = inputsOf (node);

            if (inputs == nullptr)
            {
                problems.add (nodeLabel + " (" + fromStd (classType) + ") has no \"inputs\" object");
                continue;
            }

            for (const auto& input : inputs->items())
                if (isLink (input.value()) && ! graph.contains (input.value()[0].get<std::string>()))
                    problems.add (nodeLabel + " (" + fromStd (classType) + ") input " + quoted (fromStd (input.key()))
                                  + " links to node " + quoted (fromStd (input.value()[0].get<std::string>())) + ", which does not exist");

            hasOutput = hasOutput || isOutputNode (classType);
        }

        if (! hasOutput)
            problems.add ("no output node: add a SaveImage, PreviewImage, SaveAudio or PreviewAudio node");

        return problems;
    }

    //==============================================================================
    enum class ValueKind
    {
        text,
        integer,
        number
    };

    /** One kind of request value, its manifest key and where its bindings live. */
    struct BindingSlot
    {
        const char* key;
        std::vector<InputBinding> WorkflowDefinition::*bindings;
        ValueKind kind;
    };

    constexpr BindingSlot bindingSlots[] = {
        { "prompt",          &WorkflowDefinition::prompt,         ValueKind::text },
        { "negative_prompt", &WorkflowDefinition::negativePrompt, ValueKind::text },
        { "seed",            &WorkflowDefinition::seed,           ValueKind::integer },
        { "width",           &WorkflowDefinition::width,          ValueKind::integer },
        { "height",          &WorkflowDefinition::height,         ValueKind::integer },
        { "audio",           &WorkflowDefinition::audio,          ValueKind::text },
        { "duration",        &WorkflowDefinition::duration,       ValueKind::number },
    };

    /** Empty if the bound input exists and holds a literal of the right kind, else why not. */
    juce::String checkBinding (const Json& graph, const InputBinding& binding, ValueKind kind)
    {
        const auto node = graph.find (binding.node.toStdString());

        if (node == graph.end() || ! node->is_object())
            return "node " + quoted (binding.node) + " does not exist";

        const auto nodeLabel = "node " + quoted (binding.node) + " (" + fromStd (classOf (*node)) + ")";
        const auto* inputs = inputsOf (*node);

        if (inputs == nullptr || ! inputs->contains (binding.input.toStdString()))
            return nodeLabel + " has no input " + quoted (binding.input);

        const auto& value = inputs->at (binding.input.toStdString());

        if (isLink (value))
            return nodeLabel + " input " + quoted (binding.input) + " is fed by node " + quoted (fromStd (value[0].get<std::string>()))
                 + "; only literal inputs can be bound";

        if (kind == ValueKind::text && ! value.is_string())
            return nodeLabel + " input " + quoted (binding.input) + " holds a " + describeType (value) + ", not text";

        if (kind != ValueKind::text && ! value.is_number())
            return nodeLabel + " input " + quoted (binding.input) + " holds a " + describeType (value) + ", not a number";

        return {};
    }
} // namespace WorkflowHelpers

} // namespace comfybridge
