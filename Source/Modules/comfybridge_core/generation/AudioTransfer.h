#pragma once

namespace comfybridge::detail
{

//==============================================================================
/** An audio clip encoded for upload: the bytes and the name they go under. */
struct EncodedAudio
{
    juce::MemoryBlock bytes;
    juce::String fileName; ///< "cb-<content hash>.flac": the same audio gets the same name
    juce::String mimeType; ///< "audio/flac"
};

/** ComfyUI's default --max-upload-size: larger uploads are refused before sending. */
constexpr size_t maxUploadBytes = 100u << 20;

/** Encodes @p clip as 16-bit FLAC (measured to be the cheaper upload: see the module
    README) with a content-hash name.
*/
EncodedAudio encodeForUpload (const AudioClip& clip);

/** The multipart/form-data body of POST /upload/image: the file as part "image",
    then "type" = input and "subfolder" = @p subfolder.
*/
std::string buildUploadBody (const EncodedAudio& audio, const juce::String& subfolder, const juce::String& boundary);

/** Makes a request to the backend: method and path (e.g. "/api/view?…"). */
using BackendRequestFactory = std::function<HttpRequest (const juce::String& method, const juce::String& path)>;

/** What uploading produced. */
struct AudioUploadOutcome
{
    juce::String reference;      ///< what LoadAudio takes: "subfolder/name" as the server answered
    juce::String error;          ///< for people, when reference is empty
    bool backendUnreachable = false; ///< no HTTP answer at all (the fallback applies)
    bool cancelled = false;      ///< the job (or the client) was cancelled
};

/** Encodes and uploads @p clip (POST /api/upload/image, type input, subfolder
    "comfybridge"). Bounded: at most maxUploadBytes, and a deadline of the
    configured timeout or 1 MB/s, whichever is longer. @p abandon cancels it.
*/
AudioUploadOutcome uploadAudio (HttpClient& client, const BackendRequestFactory& makeRequest,
                                const AudioClip& clip, const std::atomic<bool>* abandon);

//==============================================================================
/** Audio results fetched from a history entry's outputs. */
struct FetchedAudio
{
    std::vector<AudioClip> clips;
    std::vector<juce::MemoryBlock> files;
    juce::StringArray names;
    juce::StringArray messages;  ///< what could not be fetched or decoded
    bool cancelled = false;
};

/** The largest audio file fetched from /view. */
constexpr size_t maxAudioDownloadBytes = 512u << 20;

/** True when some output node in @p outputs (a history entry's "outputs") lists audio. */
bool hasAudioOutputs (const nlohmann::json& outputs);

/** Fetches every file listed under "audio" in @p outputs with /view, decodes it
    and resamples it to @p outputSampleRate (0 = keep). @p abandon cancels it.
*/
FetchedAudio fetchAudioOutputs (HttpClient& client, const BackendRequestFactory& makeRequest, const nlohmann::json& outputs,
                                double outputSampleRate, const std::atomic<bool>* abandon);

//==============================================================================
/** The audio placeholder for @p request (fallback mode placeholder): exactly
    durationSeconds long (else the input's length, else the workflow's own
    duration, else 10 s) at outputSampleRate (else the input's rate, else 48 kHz);
    the dry input (resampled, trimmed or padded with silence) when there is one,
    else silence. Deterministic.
*/
AudioClip makeAudioPlaceholder (const GenerationRequest& request);

} // namespace comfybridge::detail
