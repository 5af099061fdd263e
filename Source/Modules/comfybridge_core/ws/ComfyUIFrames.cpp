// Parsing ComfyUI's binary WebSocket frames (see ComfyUIFrames.h).

namespace comfybridge
{

namespace
{
    bool readBigEndian32 (const std::string& data, size_t offset, uint32_t& value)
    {
        if (data.size() < 4 || offset > data.size() - 4)
            return false;

        const auto* p = reinterpret_cast<const uint8_t*> (data.data() + offset);
        value = (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
        return true;
    }

    juce::String sniffImageType (const std::string& bytes)
    {
        if (bytes.size() >= 3 && bytes.compare (0, 3, "\xff\xd8\xff") == 0)
            return "image/jpeg";

        if (bytes.size() >= 8 && bytes.compare (0, 8, "\x89PNG\r\n\x1a\n") == 0)
            return "image/png";

        return {};
    }

    juce::String jsonIdToString (const nlohmann::json& value)
    {
        if (value.is_string())
            return juce::String::fromUTF8 (value.get_ref<const std::string&>().c_str());

        return value.is_number() ? juce::String (value.dump()) : juce::String();
    }
}

std::optional<ComfyUIPreview> parseComfyUIBinaryFrame (const std::string& payload)
{
    uint32_t eventType = 0, word = 0;

    if (! readBigEndian32 (payload, 0, eventType) || ! readBigEndian32 (payload, 4, word))
        return std::nullopt;

    ComfyUIPreview preview;
    preview.eventType = (int) eventType;

    if (eventType == 1)
    {
        if (word != 1 && word != 2)
            return std::nullopt;

        preview.mimeType = word == 1 ? "image/jpeg" : "image/png";
        preview.imageBytes = payload.substr (8);
    }
    else if (eventType == 4)
    {
        const auto metadataSize = (size_t) word;

        if (metadataSize > payload.size() - 8)
            return std::nullopt;

        const auto metadata = nlohmann::json::parse (payload.begin() + 8, payload.begin() + 8 + (std::ptrdiff_t) metadataSize,
                                                     nullptr, false);

        if (! metadata.is_object())
            return std::nullopt;

        preview.imageBytes = payload.substr (8 + metadataSize);
        preview.nodeId = jsonIdToString (metadata.value ("node_id", nlohmann::json()));
        preview.displayNodeId = jsonIdToString (metadata.value ("display_node_id", nlohmann::json()));
        preview.promptId = jsonIdToString (metadata.value ("prompt_id", nlohmann::json()));

        if (preview.displayNodeId.isEmpty())
            preview.displayNodeId = preview.nodeId;

        const auto imageType = metadata.value ("image_type", nlohmann::json());
        preview.mimeType = imageType.is_string() ? juce::String (imageType.get<std::string>()) : sniffImageType (preview.imageBytes);
    }
    else
    {
        return std::nullopt;
    }

    if (preview.imageBytes.empty() || preview.mimeType.isEmpty())
        return std::nullopt;

    return preview;
}

std::optional<ComfyUIProgressText> parseComfyUITextFrame (const std::string& payload)
{
    uint32_t eventType = 0, nodeIdSize = 0;

    if (! readBigEndian32 (payload, 0, eventType) || eventType != 3 || ! readBigEndian32 (payload, 4, nodeIdSize))
        return std::nullopt;

    if ((size_t) nodeIdSize > payload.size() - 8)
        return std::nullopt;

    ComfyUIProgressText result;
    result.nodeId = juce::String::fromUTF8 (payload.data() + 8, (int) nodeIdSize);
    result.text = juce::String::fromUTF8 (payload.data() + 8 + nodeIdSize, (int) (payload.size() - 8 - nodeIdSize));
    return result;
}

} // namespace comfybridge
