#pragma once

// The payloads of ComfyUI's binary WebSocket frames (previews and progress text).

namespace comfybridge
{

/** A preview image from one of ComfyUI's binary WebSocket frames. */
struct ComfyUIPreview
{
    int eventType = 0;          /**< 1 (PREVIEW_IMAGE) or 4 (PREVIEW_IMAGE_WITH_METADATA). */
    juce::String mimeType;      /**< "image/jpeg" or "image/png". */
    juce::String nodeId;        /**< Type 4 only: the node that produced it. */
    juce::String displayNodeId; /**< Type 4 only: the node to show it on (may differ for expanded nodes). */
    juce::String promptId;      /**< Type 4 only: the prompt it belongs to. */
    std::string imageBytes;     /**< The encoded image. */
};

/** Parses a binary frame of type 1 (bytes 4-7: 1 = JPEG, 2 = PNG; rest: image) or
    type 4 (bytes 4-7: length M; M bytes JSON metadata; rest: image), all
    big-endian. Returns nullopt for other types, truncated frames, lengths beyond
    the payload, bad metadata or an empty image; never reads out of bounds.
*/
std::optional<ComfyUIPreview> parseComfyUIBinaryFrame (const std::string& payload);

/** Progress text from a type 3 binary frame (e.g. a node streaming log text). */
struct ComfyUIProgressText
{
    juce::String nodeId;  /**< The node that sent it. */
    juce::String text;    /**< The UTF-8 text. */
};

/** Parses a type 3 binary frame (bytes 4-7: node id length L; L bytes node id;
    rest: text). Returns nullopt for other types or malformed frames.
*/
std::optional<ComfyUIProgressText> parseComfyUITextFrame (const std::string& payload);

} // namespace comfybridge
