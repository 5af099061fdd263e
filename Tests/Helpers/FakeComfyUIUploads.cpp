// FakeComfyUI: uploads (POST /upload/image) and the audio node classes, as ComfyUI v0.3.64 has them.

#include "FakeComfyUI.h"

#include <algorithm>
#include <cctype>

namespace TestHelpers
{

namespace
{
    /** The audio node classes exactly as the real server's /object_info/{class} sent them
        (v0.3.64, captured on the conformance machine); the LoadAudio and CLIPLoader combos
        are filled from the fake's state when served.
    */
    const std::pair<const char*, const char*> audioNodeClasses[] = {
        { "LoadAudio", R"json({"input": {"required": {"audio": [[], {"audio_upload": true}]}}, "input_order": {"required": ["audio"]}, "output": ["AUDIO"], "output_is_list": [false], "output_name": ["AUDIO"], "name": "LoadAudio", "display_name": "Load Audio", "description": "", "python_module": "comfy_extras.nodes_audio", "category": "audio", "output_node": false})json" },
        { "AudioAdjustVolume", R"json({"input": {"required": {"audio": ["AUDIO"], "volume": ["INT", {"default": 1.0, "min": -100, "max": 100, "tooltip": "Volume adjustment in decibels (dB). 0 = no change, +6 = double, -6 = half, etc"}]}}, "input_order": {"required": ["audio", "volume"]}, "output": ["AUDIO"], "output_is_list": [false], "output_name": ["AUDIO"], "name": "AudioAdjustVolume", "display_name": "Audio Adjust Volume", "description": "", "python_module": "comfy_extras.nodes_audio", "category": "audio", "output_node": false})json" },
        { "TrimAudioDuration", R"json({"input": {"required": {"audio": ["AUDIO"], "start_index": ["FLOAT", {"default": 0.0, "min": -18446744073709551615, "max": 18446744073709551615, "step": 0.01, "tooltip": "Start time in seconds, can be negative to count from the end (supports sub-seconds)."}], "duration": ["FLOAT", {"default": 60.0, "min": 0.0, "step": 0.01, "tooltip": "Duration in seconds"}]}}, "input_order": {"required": ["audio", "start_index", "duration"]}, "output": ["AUDIO"], "output_is_list": [false], "output_name": ["AUDIO"], "name": "TrimAudioDuration", "display_name": "Trim Audio Duration", "description": "Trim audio tensor into chosen time range.", "python_module": "comfy_extras.nodes_audio", "category": "audio", "output_node": false})json" },
        { "SaveAudio", R"json({"input": {"required": {"audio": ["AUDIO"], "filename_prefix": ["STRING", {"default": "audio/ComfyUI"}]}, "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}, "input_order": {"required": ["audio", "filename_prefix"], "hidden": ["prompt", "extra_pnginfo"]}, "output": [], "output_is_list": [], "output_name": [], "name": "SaveAudio", "display_name": "Save Audio (FLAC)", "description": "", "python_module": "comfy_extras.nodes_audio", "category": "audio", "output_node": true})json" },
        { "PreviewAudio", R"json({"input": {"required": {"audio": ["AUDIO"]}, "hidden": {"prompt": "PROMPT", "extra_pnginfo": "EXTRA_PNGINFO"}}, "input_order": {"required": ["audio"], "hidden": ["prompt", "extra_pnginfo"]}, "output": [], "output_is_list": [], "output_name": [], "name": "PreviewAudio", "display_name": "Preview Audio", "description": "", "python_module": "comfy_extras.nodes_audio", "category": "audio", "output_node": true})json" },
        { "EmptyLatentAudio", R"json({"input": {"required": {"seconds": ["FLOAT", {"default": 47.6, "min": 1.0, "max": 1000.0, "step": 0.1}], "batch_size": ["INT", {"default": 1, "min": 1, "max": 4096, "tooltip": "The number of latent images in the batch."}]}}, "input_order": {"required": ["seconds", "batch_size"]}, "output": ["LATENT"], "output_is_list": [false], "output_name": ["LATENT"], "name": "EmptyLatentAudio", "display_name": "Empty Latent Audio", "description": "", "python_module": "comfy_extras.nodes_audio", "category": "latent/audio", "output_node": false})json" },
        { "VAEEncodeAudio", R"json({"input": {"required": {"audio": ["AUDIO"], "vae": ["VAE"]}}, "input_order": {"required": ["audio", "vae"]}, "output": ["LATENT"], "output_is_list": [false], "output_name": ["LATENT"], "name": "VAEEncodeAudio", "display_name": "VAE Encode Audio", "description": "", "python_module": "comfy_extras.nodes_audio", "category": "latent/audio", "output_node": false})json" },
        { "VAEDecodeAudio", R"json({"input": {"required": {"samples": ["LATENT"], "vae": ["VAE"]}}, "input_order": {"required": ["samples", "vae"]}, "output": ["AUDIO"], "output_is_list": [false], "output_name": ["AUDIO"], "name": "VAEDecodeAudio", "display_name": "VAE Decode Audio", "description": "", "python_module": "comfy_extras.nodes_audio", "category": "latent/audio", "output_node": false})json" },
        { "CLIPLoader", R"json({"input": {"required": {"clip_name": [[]], "type": [["stable_diffusion", "stable_cascade", "sd3", "stable_audio", "mochi", "ltxv", "pixart", "cosmos", "lumina2", "wan", "hidream", "chroma", "ace", "omnigen2", "qwen_image", "hunyuan_image"]]}, "optional": {"device": [["default", "cpu"], {"advanced": true}]}}, "input_order": {"required": ["clip_name", "type"], "optional": ["device"]}, "output": ["CLIP"], "output_is_list": [false], "output_name": ["CLIP"], "name": "CLIPLoader", "display_name": "Load CLIP", "description": "[Recipes]\n\nstable_diffusion: clip-l\nstable_cascade: clip-g\nsd3: t5 xxl/ clip-g / clip-l\nstable_audio: t5 base\nmochi: t5 xxl\ncosmos: old t5 xxl\nlumina2: gemma 2 2B\nwan: umt5 xxl\n hidream: llama-3.1 (Recommend) or t5\nomnigen2: qwen vl 2.5 3B", "python_module": "nodes", "category": "advanced/loaders", "output_node": false})json" },
    };

    std::string lower (std::string text)
    {
        std::transform (text.begin(), text.end(), text.begin(), [] (unsigned char c) { return (char) std::tolower (c); });
        return text;
    }

    /** folder_paths.filter_files_content_types (..., ["audio", "video"]): by the extension's mime type. */
    bool isAudioOrVideo (const std::string& name)
    {
        static const char* const extensions[] = { ".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".aif", ".aiff",
                                                  ".mp4", ".webm", ".mkv", ".mov", ".avi" };
        const auto dot = name.rfind ('.');
        const auto extension = dot == std::string::npos ? std::string() : lower (name.substr (dot));
        return std::find (std::begin (extensions), std::end (extensions), extension) != std::end (extensions);
    }

    /** One part of a multipart/form-data body. */
    struct FormPart
    {
        std::string name, fileName, content;
        bool isFile = false;
    };

    std::string dispositionField (const std::string& headers, const std::string& field)
    {
        const auto key = field + "=\"";
        auto at = headers.find (key);
        // "name=" must not match inside "filename=".
        while (at != std::string::npos && at > 0 && std::isalpha ((unsigned char) headers[at - 1]))
            at = headers.find (key, at + 1);
        if (at == std::string::npos)
            return {};
        const auto end = headers.find ('"', at + key.size());
        return end == std::string::npos ? std::string() : headers.substr (at + key.size(), end - at - key.size());
    }

    std::vector<FormPart> parseMultipart (const std::string& body, const std::string& contentType)
    {
        std::vector<FormPart> parts;
        const auto at = contentType.find ("boundary=");
        if (at == std::string::npos)
            return parts;

        auto boundary = contentType.substr (at + 9);
        if (const auto semicolon = boundary.find (';'); semicolon != std::string::npos)
            boundary.resize (semicolon);
        if (boundary.size() > 1 && boundary.front() == '"')
            boundary = boundary.substr (1, boundary.size() - 2);

        const auto delimiter = "--" + boundary;
        auto position = body.find (delimiter);

        while (position != std::string::npos)
        {
            position += delimiter.size();
            if (body.compare (position, 2, "--") == 0)
                break;
            position += 2; // CRLF
            const auto headersEnd = body.find ("\r\n\r\n", position);
            if (headersEnd == std::string::npos)
                break;
            const auto next = body.find ("\r\n" + delimiter, headersEnd + 4);
            if (next == std::string::npos)
                break;

            const auto headers = body.substr (position, headersEnd - position);
            FormPart part;
            part.name = dispositionField (headers, "name");
            part.isFile = headers.find ("filename=\"") != std::string::npos;
            part.fileName = dispositionField (headers, "filename");
            part.content = body.substr (headersEnd + 4, next - headersEnd - 4);
            parts.push_back (std::move (part));
            position = next + 2;
        }

        return parts;
    }

    /** os.path.normpath of a relative subfolder, "/"-separated; nullopt when it leaves the folder. */
    std::optional<std::string> normaliseSubfolder (const std::string& subfolder)
    {
        std::vector<std::string> parts;
        std::string segment;
        for (size_t i = 0; i <= subfolder.size(); ++i)
        {
            if (i == subfolder.size() || subfolder[i] == '/' || subfolder[i] == '\\')
            {
                if (segment == "..")
                {
                    if (parts.empty())
                        return std::nullopt;
                    parts.pop_back();
                }
                else if (! segment.empty() && segment != ".")
                {
                    parts.push_back (segment);
                }
                segment.clear();
            }
            else
            {
                segment += subfolder[i];
            }
        }

        if (! subfolder.empty() && (subfolder.front() == '/' || subfolder.front() == '\\'))
            return std::nullopt;

        std::string joined;
        for (const auto& part : parts)
            joined += (joined.empty() ? "" : "/") + part;
        return joined;
    }
}

void FakeComfyUI::addAudioNodeClasses (nlohmann::json& classes)
{
    for (const auto& [name, info] : audioNodeClasses)
        classes[name] = nlohmann::json::parse (info);
}

void FakeComfyUI::listAudioInputs (nlohmann::json& info) const
{
    if (auto loader = info.find ("LoadAudio"); loader != info.end() && loader->is_object())
    {
        std::vector<std::string> names;
        for (const auto& [path, bytes] : inputFiles)
            if (path.find ('/') == std::string::npos && isAudioOrVideo (path))
                names.push_back (path);
        (*loader)["input"]["required"]["audio"][0] = names; // a std::map: already sorted
    }

    if (auto loader = info.find ("CLIPLoader"); loader != info.end() && loader->is_object())
    {
        const auto folder = std::find_if (modelFolders.begin(), modelFolders.end(), [] (const ModelFolder& f) { return f.name == "text_encoders"; });
        (*loader)["input"]["required"]["clip_name"][0] = folder != modelFolders.end() ? listModelFolder (*folder, windowsPaths) : std::vector<std::string>();
    }
}

Response FakeComfyUI::handleUploadImage (const Request& request)
{
    std::lock_guard<std::mutex> lock (stateMutex);

    if (request.body.size() > maxUploadBytes)
        return Response::text (413, "Maximum request body size " + std::to_string (maxUploadBytes) + " exceeded, actual body size "
                                    + std::to_string (request.body.size()));

    const auto parts = parseMultipart (request.body, request.header ("Content-Type"));
    auto field = [&] (const std::string& name) -> const FormPart*
    {
        const auto it = std::find_if (parts.begin(), parts.end(), [&] (const FormPart& p) { return p.name == name; });
        return it != parts.end() ? &*it : nullptr;
    };

    const auto* image = field ("image");
    if (image == nullptr || ! image->isFile || image->fileName.empty())
        return Response::empty (400);

    const auto type = field ("type") != nullptr ? field ("type")->content : std::string ("input");
    const auto subfolder = field ("subfolder") != nullptr ? field ("subfolder")->content : std::string();
    const auto folder = normaliseSubfolder (subfolder);
    if (! folder || image->fileName.find ('/') != std::string::npos || image->fileName == "..")
        return Response::empty (400);

    const auto overwrite = field ("overwrite") != nullptr && (field ("overwrite")->content == "true" || field ("overwrite")->content == "1");
    const auto dot = image->fileName.rfind ('.');
    const auto stem = dot == std::string::npos || dot == 0 ? image->fileName : image->fileName.substr (0, dot);
    const auto extension = dot == std::string::npos || dot == 0 ? std::string() : image->fileName.substr (dot);
    auto fileName = image->fileName;
    auto pathOf = [&] (const std::string& name) { return folder->empty() ? name : *folder + "/" + name; };

    for (int i = 1; ! overwrite && inputFiles.count (pathOf (fileName)) > 0; ++i)
    {
        if (inputFiles[pathOf (fileName)] == image->content)
            break; // the same bytes: ComfyUI keeps the file and answers its name
        fileName = stem + " (" + std::to_string (i) + ")" + extension;
    }

    // Only the input directory is modelled; "temp" and "output" uploads are answered alike but kept there too.
    inputFiles[pathOf (fileName)] = image->content;
    const auto answeredType = type == "temp" || type == "output" ? type : std::string ("input");
    return jsonResponse ({ { "name", fileName }, { "subfolder", subfolder }, { "type", answeredType } });
}

std::optional<std::string> FakeComfyUI::inputFile (const std::string& path) const
{
    std::lock_guard<std::mutex> lock (stateMutex);
    const auto it = inputFiles.find (path);
    return it != inputFiles.end() ? std::optional<std::string> (it->second) : std::nullopt;
}

void FakeComfyUI::setInputFile (const std::string& path, const std::string& bytes)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    inputFiles[path] = bytes;
}

std::set<std::string> FakeComfyUI::inputFileNames() const
{
    std::lock_guard<std::mutex> lock (stateMutex);
    std::set<std::string> names;
    for (const auto& [path, bytes] : inputFiles)
        names.insert (path);
    return names;
}

void FakeComfyUI::setMaxUploadBytes (std::size_t bytes)
{
    std::lock_guard<std::mutex> lock (stateMutex);
    maxUploadBytes = bytes;
}

} // namespace TestHelpers
