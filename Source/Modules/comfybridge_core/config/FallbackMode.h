#pragma once

namespace comfybridge
{

/** What happens to a generation request while the ComfyUI backend is unavailable. */
enum class FallbackMode
{
    placeholder, ///< draw a placeholder image locally with juce::Graphics
    skip,        ///< produce nothing and tell the user
    abort        ///< stop the operation with an error
};

/** The wire/JSON name of a mode: "placeholder", "skip" or "abort". */
juce::String toString (FallbackMode mode);

/** Parses "placeholder", "skip" or "abort" (exact, lower case); nullopt otherwise. */
std::optional<FallbackMode> parseFallbackMode (const juce::String& text);

} // namespace comfybridge
