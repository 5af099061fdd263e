#pragma once

namespace comfybridge::detail
{

/** The value kinds a config field can hold; each kind knows how to read JSON and text. */
enum class FieldKind { text, integer, number, boolean, fallbackMode };

/**
    One row of the config's field table. JSON, text (CLI, preferences, XML) and
    ValueTree conversion all walk this table, so a field is declared once.
*/
struct ConfigField
{
    const char* key;
    FieldKind kind;
    std::function<juce::var (const ComfyUIConfig&)> get;
    std::function<void (ComfyUIConfig&, const juce::var&)> set;
    bool secret = false; ///< kept out of plugin state, JSON output and logs (see ComfyUIConfig::Secrets)
};

/** All fields, in the order they are written out. */
const std::vector<ConfigField>& configFields();

/** Converts text (e.g. "8000", "true", "skip") to a var of the field's kind,
    or returns an error message naming the field and the text.
*/
std::variant<juce::var, juce::String> parseFieldText (const ConfigField& field, const juce::String& text);

} // namespace comfybridge::detail
