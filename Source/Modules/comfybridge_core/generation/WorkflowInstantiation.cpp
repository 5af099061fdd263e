// Filling a workflow's bound inputs with a request's values, and reading them back.
// Part of the module's one translation unit; helpers shared by the workflow files live in
// WorkflowHelpers (see WorkflowGraph.cpp).

namespace comfybridge
{

namespace WorkflowHelpers
{
    /** The request values outside what ComfyUI accepts, one message per field. */
    juce::StringArray checkRanges (const WorkflowInputs& inputs)
    {
        juce::StringArray errors;

        if (inputs.seed && (*inputs.seed < 0 || *inputs.seed > maxSeed))
            errors.add ("seed: " + juce::String (*inputs.seed) + " is out of range; expected 0 to " + juce::String (maxSeed));

        if (inputs.width && (*inputs.width < 1 || *inputs.width > maxImageSize))
            errors.add ("width: " + juce::String (*inputs.width) + " is out of range; expected 1 to " + juce::String (maxImageSize));

        if (inputs.height && (*inputs.height < 1 || *inputs.height > maxImageSize))
            errors.add ("height: " + juce::String (*inputs.height) + " is out of range; expected 1 to " + juce::String (maxImageSize));

        if (inputs.durationSeconds && ! (*inputs.durationSeconds > 0.0 && *inputs.durationSeconds <= WorkflowInputs::maxDurationSeconds))
            errors.add ("duration: " + juce::String (*inputs.durationSeconds) + " s is out of range; expected more than 0 and at most "
                        + juce::String (WorkflowInputs::maxDurationSeconds, 0) + " s");

        return errors;
    }

    /** Whether the request sets the value a slot binds. */
    bool isSet (const BindingSlot& slot, const WorkflowInputs& inputs)
    {
        const auto bindings = slot.bindings;
        return bindings == &WorkflowDefinition::prompt         ? inputs.prompt.has_value()
             : bindings == &WorkflowDefinition::negativePrompt ? inputs.negativePrompt.has_value()
             : bindings == &WorkflowDefinition::seed           ? inputs.seed.has_value()
             : bindings == &WorkflowDefinition::audio          ? inputs.audioFile.has_value()
             : bindings == &WorkflowDefinition::duration       ? inputs.durationSeconds.has_value()
             : bindings == &WorkflowDefinition::width          ? inputs.width.has_value()
                                                               : inputs.height.has_value();
    }

    /** Writes the request's value for @p slot into the bound input of @p node. */
    void applyValue (Json& node, const InputBinding& binding, const BindingSlot& slot, const WorkflowInputs& inputs)
    {
        const auto bindings = slot.bindings;
        auto& target = node["inputs"][binding.input.toStdString()];
        const auto classType = classOf (node);
        const auto& size = bindings == &WorkflowDefinition::width ? inputs.width : inputs.height;

        if (bindings == &WorkflowDefinition::prompt)
            target = *inputs.prompt;
        else if (bindings == &WorkflowDefinition::negativePrompt)
            target = *inputs.negativePrompt;
        else if (bindings == &WorkflowDefinition::audio)
            target = *inputs.audioFile;
        else if (bindings == &WorkflowDefinition::duration)
            target = *inputs.durationSeconds;
        else if (bindings == &WorkflowDefinition::seed)
            target = (classType == "EmptyImage" && binding.input == "color") ? *inputs.seed % emptyImageColours : *inputs.seed;
        else if (classType == "EmptyLatentImage")
            target = juce::jmax (16, (*size + 7) / 8 * 8); // ComfyUI wants a multiple of 8, at least 16
        else
            target = *size;
    }

    /** See comfybridge::instantiateWorkflow(). */
    std::variant<juce::String, juce::StringArray> instantiate (const WorkflowDefinition& workflow, const WorkflowInputs& inputs)
    {
        auto errors = checkRanges (inputs);

        auto parsed = parseJsonText (workflow.apiJson);

        if (auto* error = std::get_if<juce::String> (&parsed))
        {
            errors.add ("workflow " + quoted (workflow.name) + ": the graph is " + *error);
            return errors;
        }

        auto graph = std::get<Json> (std::move (parsed));

        if (! graph.is_object())
        {
            errors.add ("workflow " + quoted (workflow.name) + ": the graph must be a JSON object, got " + describeType (graph));
            return errors;
        }

        for (const auto& slot : bindingSlots)
        {
            for (const auto& binding : workflow.*(slot.bindings))
            {
                // A broken binding is the definition's fault, whether or not the value is set.
                if (const auto problem = checkBinding (graph, binding, slot.kind); problem.isNotEmpty())
                    errors.add (juce::String (slot.key) + ": " + problem);
                else if (isSet (slot, inputs)) // unset: the workflow's own value stays, as written
                    applyValue (graph[binding.node.toStdString()], binding, slot, inputs);
            }
        }

        if (! errors.isEmpty())
            return errors;

        return dumpJson (graph, -1);
    }

    /** See comfybridge::readWorkflowValues(). */
    WorkflowInputs readValues (const WorkflowDefinition& workflow)
    {
        WorkflowInputs values;
        auto parsed = parseJsonText (workflow.apiJson);

        if (! std::holds_alternative<Json> (parsed) || ! std::get<Json> (parsed).is_object())
            return values;

        const auto& graph = std::get<Json> (parsed);

        // The literal at a slot's first binding, if it has one of the right kind.
        auto literalAt = [&graph] (const std::vector<InputBinding>& bindings, ValueKind kind) -> const Json*
        {
            if (bindings.empty() || checkBinding (graph, bindings.front(), kind).isNotEmpty())
                return nullptr;

            return &graph.at (bindings.front().node.toStdString()).at ("inputs").at (bindings.front().input.toStdString());
        };

        auto wholeNumber = [] (const Json* value, juce::int64 low, juce::int64 high) -> std::optional<juce::int64>
        {
            if (value == nullptr || ! value->is_number_integer())
                return std::nullopt;

            if (value->is_number_unsigned() && value->get<std::uint64_t>() > (std::uint64_t) high)
                return std::nullopt;

            const auto number = value->get<juce::int64>();
            return number >= low && number <= high ? std::optional<juce::int64> (number) : std::nullopt;
        };

        if (const auto* text = literalAt (workflow.prompt, ValueKind::text))
            values.prompt = fromStd (text->get<std::string>());

        if (const auto* text = literalAt (workflow.negativePrompt, ValueKind::text))
            values.negativePrompt = fromStd (text->get<std::string>());

        values.seed = wholeNumber (literalAt (workflow.seed, ValueKind::integer),
                                   std::numeric_limits<juce::int64>::min(), std::numeric_limits<juce::int64>::max());

        constexpr auto intMin = (juce::int64) std::numeric_limits<int>::min(), intMax = (juce::int64) std::numeric_limits<int>::max();

        if (const auto width = wholeNumber (literalAt (workflow.width, ValueKind::integer), intMin, intMax))
            values.width = (int) *width;

        if (const auto height = wholeNumber (literalAt (workflow.height, ValueKind::integer), intMin, intMax))
            values.height = (int) *height;

        if (const auto* text = literalAt (workflow.audio, ValueKind::text))
            values.audioFile = fromStd (text->get<std::string>());

        if (const auto* seconds = literalAt (workflow.duration, ValueKind::number); seconds != nullptr && seconds->get<double>() > 0.0)
            values.durationSeconds = seconds->get<double>();

        return values;
    }
} // namespace WorkflowHelpers

} // namespace comfybridge
