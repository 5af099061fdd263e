#pragma once

// Internal to the module's one translation unit (comfybridge_core.cpp includes it right
// after nlohmann/json.hpp): text helpers every file shares, so nothing is written twice
// and nlohmann stays out of the public headers.

namespace comfybridge::detail
{

/** A UTF-8 std::string (as nlohmann and libcurl hand them out) as a juce::String. */
inline juce::String fromStd (const std::string& text)
{
    return juce::String::fromUTF8 (text.data(), (int) text.size());
}

/** Puts a value in quotes for an error message, with CR/LF made visible. */
inline juce::String quoted (const juce::String& text)
{
    return "'" + text.replace ("\r", "\\r").replace ("\n", "\\n") + "'";
}

/** Percent-encodes all but RFC 3986 unreserved characters, so the text stays one URL
    path segment ("workflows/x.json" becomes "workflows%2Fx.json", as ComfyUI's
    userdata routes expect).
*/
inline juce::String encodePathSegment (const juce::String& text)
{
    return juce::URL::addEscapeChars (text, true, false);
}

} // namespace comfybridge::detail

namespace nlohmann
{

/** Lets juce::String go in and out of JSON directly: json["name"] = someJuceString;
    and value.get<juce::String>(). Strings are UTF-8 both sides.
*/
template <>
struct adl_serializer<juce::String>
{
    template <typename BasicJson>
    static void to_json (BasicJson& json, const juce::String& text)
    {
        json = text.toStdString();
    }

    template <typename BasicJson>
    static void from_json (const BasicJson& json, juce::String& text)
    {
        text = comfybridge::detail::fromStd (json.template get_ref<const std::string&>());
    }
};

} // namespace nlohmann
