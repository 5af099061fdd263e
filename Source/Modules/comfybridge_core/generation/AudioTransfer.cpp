namespace comfybridge::detail
{

namespace
{
    juce::String jsonText (const nlohmann::json& value)
    {
        return value.is_string() ? value.get<juce::String>() : juce::String();
    }

    std::string formField (const juce::String& boundary, const char* name, const juce::String& value)
    {
        return ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n").toStdString();
    }
}

EncodedAudio encodeForUpload (const AudioClip& clip)
{
    EncodedAudio encoded;
    encoded.bytes = encodeFlac (clip, 16);
    encoded.mimeType = "audio/flac";
    encoded.fileName = "cb-" + sha256Hex (encoded.bytes.getData(), encoded.bytes.getSize()).substring (0, 24) + ".flac";
    return encoded;
}

std::string buildUploadBody (const EncodedAudio& audio, const juce::String& subfolder, const juce::String& boundary)
{
    std::string body;
    body.reserve (audio.bytes.getSize() + 512);
    body += ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"" + audio.fileName
             + "\"\r\nContent-Type: " + audio.mimeType + "\r\n\r\n").toStdString();
    body.append (static_cast<const char*> (audio.bytes.getData()), audio.bytes.getSize());
    body += "\r\n";
    body += formField (boundary, "type", "input");
    body += formField (boundary, "subfolder", subfolder);
    body += ("--" + boundary + "--\r\n").toStdString();
    return body;
}

AudioUploadOutcome uploadAudio (HttpClient& client, const BackendRequestFactory& makeRequest,
                                const AudioClip& clip, const std::atomic<bool>* abandon)
{
    AudioUploadOutcome outcome;
    const auto encoded = encodeForUpload (clip);

    if (encoded.bytes.isEmpty())
    {
        outcome.error = "could not encode the input audio (" + juce::String (clip.getNumChannels()) + " channels at "
                      + juce::String (clip.sampleRate) + " Hz)";
        return outcome;
    }

    if (encoded.bytes.getSize() > maxUploadBytes)
    {
        outcome.error = "the input audio is " + juce::File::descriptionOfSizeInBytes ((juce::int64) encoded.bytes.getSize())
                      + " encoded; ComfyUI takes at most " + juce::File::descriptionOfSizeInBytes ((juce::int64) maxUploadBytes);
        return outcome;
    }

    const auto boundary = "comfybridge-" + juce::Uuid().toString();
    auto request = makeRequest ("POST", "/api/upload/image");
    request.body = buildUploadBody (encoded, "comfybridge", boundary);
    request.headers.set ("Content-Type", "multipart/form-data; boundary=" + boundary);
    request.timeoutSeconds = juce::jmax (request.timeoutSeconds, 10.0 + (double) encoded.bytes.getSize() / 1.0e6);
    request.abandon = abandon;

    const auto response = client.perform (request);

    if (! response.arrived())
    {
        outcome.cancelled = response.error == HttpError::cancelled;
        outcome.backendUnreachable = ! outcome.cancelled;
        outcome.error = "uploading the input audio failed (" + toString (response.error) + ")";
        return outcome;
    }

    const auto answer = nlohmann::json::parse (response.body, nullptr, false);

    if (response.statusCode != 200 || ! answer.is_object() || ! answer.contains ("name") || ! answer["name"].is_string())
    {
        outcome.error = "ComfyUI refused the input audio upload (HTTP " + juce::String (response.statusCode) + ")";
        return outcome;
    }

    const auto name = jsonText (answer["name"]);
    const auto subfolder = answer.contains ("subfolder") ? jsonText (answer["subfolder"]) : juce::String();
    outcome.reference = subfolder.isEmpty() ? name : subfolder + "/" + name;
    return outcome;
}

//==============================================================================
bool hasAudioOutputs (const nlohmann::json& outputs)
{
    if (! outputs.is_object())
        return false;

    return std::any_of (outputs.begin(), outputs.end(), [] (const nlohmann::json& output)
    {
        return output.is_object() && output.contains ("audio") && output["audio"].is_array() && ! output["audio"].empty();
    });
}

FetchedAudio fetchAudioOutputs (HttpClient& client, const BackendRequestFactory& makeRequest, const nlohmann::json& outputs,
                                double outputSampleRate, const std::atomic<bool>* abandon)
{
    FetchedAudio fetched;

    if (! outputs.is_object())
        return fetched;

    for (const auto& output : outputs)
    {
        if (! output.is_object() || ! output.contains ("audio") || ! output["audio"].is_array())
            continue;

        for (const auto& file : output["audio"])
        {
            if (! file.is_object())
                continue;

            const auto name = jsonText (file.value ("filename", nlohmann::json ("")));
            const auto query = "filename=" + juce::URL::addEscapeChars (name, true)
                             + "&subfolder=" + juce::URL::addEscapeChars (jsonText (file.value ("subfolder", nlohmann::json (""))), true)
                             + "&type=" + juce::URL::addEscapeChars (jsonText (file.value ("type", nlohmann::json ("output"))), true);
            auto request = makeRequest ("GET", "/api/view?" + query);
            request.maxBodyBytes = maxAudioDownloadBytes;
            request.abandon = abandon;
            const auto response = client.perform (request);

            if (response.error == HttpError::cancelled)
            {
                fetched.cancelled = true;
                return fetched;
            }

            if (! response.arrived() || response.statusCode != 200)
            {
                fetched.messages.add ("could not fetch " + name + ": "
                                      + (response.arrived() ? "HTTP " + juce::String (response.statusCode) : toString (response.error)));
                continue;
            }

            juce::MemoryBlock bytes (response.body.data(), response.body.size());
            auto decoded = decodeAudio (bytes);

            if (auto* error = std::get_if<juce::String> (&decoded))
            {
                fetched.messages.add ("could not decode " + name + ": " + *error);
                continue;
            }

            fetched.clips.push_back (outputSampleRate > 0.0 ? resampleClip (std::get<AudioClip> (decoded), outputSampleRate)
                                                            : std::get<AudioClip> (decoded));
            fetched.files.push_back (std::move (bytes));
            fetched.names.add (name);
        }
    }

    return fetched;
}

//==============================================================================
AudioClip makeAudioPlaceholder (const GenerationRequest& request)
{
    const auto& input = request.inputAudio;
    const auto own = readWorkflowValues (request.workflow);

    const auto rate = request.outputSampleRate > 0.0 ? request.outputSampleRate
                    : ! input.isEmpty()               ? input.sampleRate
                                                      : 48000.0;
    const auto seconds = request.inputs.durationSeconds ? *request.inputs.durationSeconds
                       : ! input.isEmpty()              ? input.getLengthSeconds()
                                                        : own.durationSeconds.value_or (10.0);
    const auto frames = juce::jlimit (1, std::numeric_limits<int>::max(),
                                      (int) std::llround (juce::jmin (seconds, WorkflowInputs::maxDurationSeconds) * rate));
    const auto channels = input.isEmpty() ? 2 : input.getNumChannels();

    juce::AudioBuffer<float> buffer (channels, frames);
    buffer.clear();

    if (! input.isEmpty())
    {
        const auto dry = resampleClip (input, rate);
        const auto copied = juce::jmin (frames, dry.getNumSamples());

        for (int channel = 0; channel < channels; ++channel)
            buffer.copyFrom (channel, 0, *dry.samples, channel, 0, copied);
    }

    return AudioClip::fromBuffer (std::move (buffer), rate);
}

} // namespace comfybridge::detail
