namespace comfybridge
{

juce::String toString (FallbackMode mode)
{
    switch (mode)
    {
        case FallbackMode::placeholder: return "placeholder";
        case FallbackMode::skip:        return "skip";
        case FallbackMode::abort:       return "abort";
    }

    jassertfalse;
    return "placeholder";
}

std::optional<FallbackMode> parseFallbackMode (const juce::String& text)
{
    for (auto mode : { FallbackMode::placeholder, FallbackMode::skip, FallbackMode::abort })
        if (text == toString (mode))
            return mode;

    return std::nullopt;
}

} // namespace comfybridge
