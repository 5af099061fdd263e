#include "PromptValidation.h"

#include <map>
#include <set>
#include <sstream>

namespace TestHelpers
{

using json = nlohmann::json;

namespace
{
    /** Python's KeyError for a link to a node id that is not in the prompt. */
    struct MissingNode
    {
        std::string id;
    };

    struct Verdict
    {
        bool valid = true;
        json reasons = json::array();
    };

    json error (const std::string& type, const std::string& message, const std::string& details, json extraInfo = json::object())
    {
        return { { "type", type }, { "message", message }, { "details", details }, { "extra_info", std::move (extraInfo) } };
    }

    /** Python's str() of a JSON scalar, as ComfyUI's messages format them. */
    std::string pythonText (const json& value)
    {
        if (value.is_string())
            return value.get<std::string>();
        if (value.is_boolean())
            return value.get<bool>() ? "True" : "False";
        return value.dump();
    }

    /** Python's repr() of a list of choices: ['a', 'b']. */
    std::string pythonList (const json& choices)
    {
        std::ostringstream out;
        out << "[";
        for (size_t i = 0; i < choices.size(); ++i)
            out << (i > 0 ? ", " : "") << (choices[i].is_string() ? "'" + choices[i].get<std::string>() + "'" : pythonText (choices[i]));
        out << "]";
        return out.str();
    }

    class Validator
    {
    public:
        Validator (const json& p, const json& info, const std::set<std::string>& files)
            : prompt (p), objectInfo (info), inputFiles (files) {}

        Verdict validate (const std::string& id)
        {
            if (const auto done = validated.find (id); done != validated.end())
                return done->second;

            const auto& node = prompt.at (id);
            const auto inputs = node.value ("inputs", json::object());
            const auto& classInfo = objectInfo[node["class_type"].get<std::string>()];
            const auto required = classInfo.value ("input", json::object()).value ("required", json::object());
            Verdict verdict;

            for (const auto& [name, spec] : required.items())
            {
                if (! inputs.contains (name))
                {
                    verdict.valid = false;
                    verdict.reasons.push_back (error ("required_input_missing", "Required input is missing", name, { { "input_name", name } }));
                    continue;
                }

                const auto& value = inputs[name];

                if (value.is_array())
                {
                    if (value.size() != 2)
                        continue;
                    const auto upstream = value[0].is_string() ? value[0].get<std::string>() : value[0].dump();
                    if (! prompt.contains (upstream))
                        throw MissingNode { upstream };
                    if (! validate (upstream).valid)
                        verdict.valid = false;
                    continue;
                }

                // LoadAudio's VALIDATE_INPUTS takes "audio": ComfyUI skips the combo check for it and
                // asks the node instead, which looks for the file in the input directory.
                if (node["class_type"] == "LoadAudio" && name == "audio")
                {
                    if (! value.is_string() || inputFiles.count (value.get<std::string>()) == 0)
                    {
                        verdict.valid = false;
                        verdict.reasons.push_back (error ("custom_validation_failed", "Custom validation failed for node",
                                                          name + " - Invalid audio file: " + pythonText (value), { { "input_name", name } }));
                    }
                    continue;
                }

                if (auto problem = checkValue (name, value, spec); ! problem.is_null())
                {
                    verdict.valid = false;
                    verdict.reasons.push_back (std::move (problem));
                }
            }

            validated[id] = verdict;
            return verdict;
        }

        const json& prompt;
        const json& objectInfo;
        const std::set<std::string>& inputFiles;
        std::map<std::string, Verdict> validated;

    private:
        static json checkValue (const std::string& name, const json& value, const json& spec)
        {
            if (! spec.is_array() || spec.empty())
                return nullptr;

            const auto options = spec.size() > 1 && spec[1].is_object() ? spec[1] : json::object();
            const json extraInfo = { { "input_name", name }, { "input_config", spec }, { "received_value", value } };

            json choices;
            if (spec[0].is_array())
                choices = spec[0];
            else if (spec[0] == "COMBO" && options.contains ("options"))
                choices = options["options"];

            if (choices.is_array())
            {
                if (std::find (choices.begin(), choices.end(), value) == choices.end())
                    return error ("value_not_in_list", "Value not in list", name + ": '" + pythonText (value) + "' not in " + pythonList (choices),
                                  { { "input_name", name }, { "input_config", spec }, { "received_value", value } });
                return nullptr;
            }

            if ((spec[0] == "INT" || spec[0] == "FLOAT") && value.is_number())
            {
                if (options.contains ("min") && value.get<double>() < options["min"].get<double>())
                    return error ("value_smaller_than_min", "Value " + pythonText (value) + " smaller than min of " + pythonText (options["min"]), name, extraInfo);
                if (options.contains ("max") && value.get<double>() > options["max"].get<double>())
                    return error ("value_bigger_than_max", "Value " + pythonText (value) + " bigger than max of " + pythonText (options["max"]), name, extraInfo);
            }

            return nullptr;
        }
    };
}

std::optional<json> validatePrompt (const json& prompt, const json& objectInfo, json* goodOutputs, json* nodeErrorsOut,
                                    const std::set<std::string>& inputFiles)
{
    auto refuse = [] (json errorObject, json nodeErrors = json::object())
    {
        return json { { "error", std::move (errorObject) }, { "node_errors", std::move (nodeErrors) } };
    };

    std::set<std::string> outputs;

    for (const auto& [id, node] : prompt.items())
    {
        if (! node.is_object() || ! node.contains ("class_type"))
            return refuse (error ("invalid_prompt", "Cannot execute because a node is missing the class_type property.", "Node ID '#" + id + "'"));

        const auto classType = node["class_type"].is_string() ? node["class_type"].get<std::string>() : node["class_type"].dump();
        if (! objectInfo.contains (classType))
            return refuse (error ("invalid_prompt", "Cannot execute because node " + classType + " does not exist.", "Node ID '#" + id + "'"));

        if (objectInfo[classType].value ("output_node", false))
            outputs.insert (id);
    }

    if (outputs.empty())
        return refuse (error ("prompt_no_outputs", "Prompt has no outputs", ""));

    Validator validator (prompt, objectInfo, inputFiles);
    json good = json::array(), nodeErrors = json::object();
    std::vector<std::string> failedMessages;

    for (const auto& output : outputs)
    {
        Verdict verdict;
        try
        {
            verdict = validator.validate (output);
        }
        catch (const MissingNode& missing)
        {
            verdict.valid = false;
            verdict.reasons = json::array ({ error ("exception_during_validation", "Exception when validating node", "'" + missing.id + "'",
                                                    { { "exception_type", "KeyError" }, { "traceback", json::array() } }) });
            validator.validated[output] = verdict;
        }

        if (verdict.valid)
        {
            good.push_back (output);
            continue;
        }

        for (const auto& reason : verdict.reasons)
            failedMessages.push_back (reason["message"].get<std::string>() + ": " + reason["details"].get<std::string>());

        for (const auto& [id, result] : validator.validated)
        {
            if (result.valid || result.reasons.empty())
                continue;
            if (! nodeErrors.contains (id))
                nodeErrors[id] = { { "errors", result.reasons }, { "dependent_outputs", json::array() }, { "class_type", prompt[id]["class_type"] } };
            nodeErrors[id]["dependent_outputs"].push_back (output);
        }
    }

    if (goodOutputs != nullptr)
        *goodOutputs = good;
    if (nodeErrorsOut != nullptr)
        *nodeErrorsOut = nodeErrors;

    if (! good.empty())
        return std::nullopt;

    std::string details;
    for (const auto& message : failedMessages)
        details += (details.empty() ? "" : "\n") + message;

    return refuse (error ("prompt_outputs_failed_validation", "Prompt outputs failed validation", details), nodeErrors);
}

} // namespace TestHelpers
