/*
    PromptValidation — what ComfyUI's validate_prompt() (execution.py, v0.3.64) answers
    for a POST /prompt graph, for the fake servers in this folder.
*/

#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string>

namespace TestHelpers
{

/**
    Checks an API-format prompt graph against an /object_info document the way ComfyUI
    does before it queues a prompt, and returns the body of its 400 answer, or nullopt
    when the prompt would be accepted.

    Modelled (checked against the real server by the conformance tier):
    - a node without class_type, or of a class not in @p objectInfo: "invalid_prompt"
      ("Cannot execute because node X does not exist.", details "Node ID '#id'"), no node_errors;
    - no output node (object_info "output_node": true): "prompt_no_outputs";
    - from each output node upwards: a missing required input ("required_input_missing"),
      an INT/FLOAT below "min" or above "max" ("value_smaller_than_min" /
      "value_bigger_than_max", "Value 0 smaller than min of 1"), a combo value not among the
      choices ("value_not_in_list"), a link to a node that does not exist
      ("exception_during_validation", details "'9'", on the output node). Errors land in
      node_errors[id] = {errors, dependent_outputs, class_type}, and the prompt is refused
      ("prompt_outputs_failed_validation") only when no output is left.
    - LoadAudio's VALIDATE_INPUTS: its "audio" is not checked against the combo but must name
      a file in @p inputFiles (paths relative to the input directory, e.g. "comfybridge/a.wav"),
      else "custom_validation_failed" with details "audio - Invalid audio file: NAME".
    Not modelled: type checks between linked outputs and inputs, optional inputs, other
    VALIDATE_INPUTS functions.

    @p goodOutputs receives the outputs that passed (what the 200 answer queues); @p nodeErrors
    the errors of the outputs that did not (sent along with a 200 when some outputs passed).
*/
std::optional<nlohmann::json> validatePrompt (const nlohmann::json& prompt, const nlohmann::json& objectInfo,
                                              nlohmann::json* goodOutputs = nullptr, nlohmann::json* nodeErrors = nullptr,
                                              const std::set<std::string>& inputFiles = {});

} // namespace TestHelpers
