#pragma once

#include <comfybridge_core/comfybridge_core.h>

namespace cli
{

//==============================================================================
/**
    The arguments of one command after the config options have been taken out.

    The effective config is built in layers: the user's global defaults, then
    `--config FILE`, then the individual options (`--host`, `--port`, ...), each
    layer validated as a whole so that nothing invalid is half-applied.
*/
struct ParsedArguments
{
    comfybridge::ComfyUIConfig config;  ///< the effective config (valid when errors is empty)
    juce::StringArray positional;       ///< words that are not options
    juce::StringPairArray flags;        ///< other `--name[=value]` options, value "" for bare flags
    juce::StringArray errors;           ///< one line per problem
    juce::StringArray warnings;         ///< e.g. unknown keys in a config file
};

/** The option names of a command's own flags that take a value (e.g. "interval"). */
using ValueFlagNames = juce::StringArray;

/** Splits @p args into config options, the command's own flags and positional words. */
ParsedArguments parseArguments (const juce::StringArray& args, const ValueFlagNames& valueFlags = {});

/** The help text for the config options shared by every command. */
juce::String configOptionsHelp();

/** Writes every line of @p lines to stderr. */
void printErrors (const juce::StringArray& lines);

} // namespace cli

namespace cli
{
/** Adds an error for every flag in @p parsed that is not in @p allowed; true when none was found. */
bool rejectUnknownFlags (ParsedArguments& parsed, const juce::StringArray& allowed);

/** Flags stray positional words, prints warnings and errors to stderr; true when the command must stop. */
bool reportUsageProblems (ParsedArguments& parsed);
}
