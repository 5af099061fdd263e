#include "Commands.h"
#include "BlockingMessageLoop.h"
#include "CliExitCodes.h"
#include "Shared/BundledWorkflows.h"

#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace cli
{

namespace
{
    const char* const generateHelp =
        "Usage: comfybridge generate --workflow NAME|FILE [--prompt TEXT] [--negative-prompt TEXT]\n"
        "                            [--seed N] [--width W] [--height H] [--audio IN.wav|IN.flac] [--duration S]\n"
        "                            [--job-timeout S] --out FILE.png|FILE.wav|FILE.flac [config options]\n"
        "  Submits the workflow to ComfyUI and writes the image(s), or for an audio workflow\n"
        "  (SaveAudio/PreviewAudio) the audio, as WAV or FLAC by --out's extension. --audio is\n"
        "  uploaded to ComfyUI and bound to the workflow's LoadAudio; --duration (seconds,\n"
        "  0 < S <= 600) to its EmptyLatentAudio/TrimAudioDuration. Only the inputs you\n"
        "  give are changed; the rest run as the workflow has them. When ComfyUI is\n"
        "  unavailable the fallback mode applies: placeholder (a drawn image; for audio the dry\n"
        "  --audio or silence, of the requested length; exit 0), skip (exit 5) or abort (exit 3).\n"
        "  Progress goes to stderr, a JSON result to stdout:\n"
        "  {\"result\": \"generated\"|\"placeholder\"|\"skipped\"|..., \"path\", \"paths\", \"audio\": [{\"path\",\n"
        "   \"seconds\", \"sample_rate\", \"channels\"}], \"prompt_id\", \"seconds\", \"messages\"}\n"
        "  Exit 1 when ComfyUI reports a validation or execution error. Ctrl-C cancels the job.\n\n";

    const char* const placeholderHelp =
        "Usage: comfybridge placeholder --width W --height H --prompt TEXT [--seed N] [--reason TEXT] --out FILE.png\n"
        "  Draws the placeholder image the fallback mode uses, without any network access.\n\n";

    /** An integer flag within [min, max]; nullopt when it is absent, or bad (then an error naming it is recorded). */
    std::optional<juce::int64> integerFlag (ParsedArguments& parsed, const juce::String& name, juce::int64 min, juce::int64 max)
    {
        if (! parsed.flags.containsKey (name))
            return std::nullopt;

        const auto text = parsed.flags[name].trim();
        const auto digits = text.startsWithChar ('-') ? text.substring (1) : text;

        if (digits.isEmpty() || ! digits.containsOnly ("0123456789") || digits.length() > 16
            || text.getLargeIntValue() < min || text.getLargeIntValue() > max)
        {
            parsed.errors.add ("--" + name + ": '" + parsed.flags[name] + "' is not a whole number from "
                               + juce::String (min) + " to " + juce::String (max));
            return std::nullopt;
        }

        return text.getLargeIntValue();
    }

    juce::String requiredFlag (ParsedArguments& parsed, const juce::String& name)
    {
        if (! parsed.flags.containsKey (name) || parsed.flags[name].isEmpty())
            parsed.errors.add ("--" + name + " is required");
        return parsed.flags[name];
    }

    int exitCodeFor (comfybridge::GenerationOutcome outcome)
    {
        using O = comfybridge::GenerationOutcome;
        switch (outcome)
        {
            case O::generated:
            case O::placeholder: return exitCode::ok;
            case O::skipped:     return exitCode::skipped;
            case O::aborted:     return exitCode::unavailable;
            case O::failed:
            case O::cancelled:
            case O::lost:        return exitCode::executionError;
        }
        return exitCode::executionError;
    }

    /** Writes every image; the first to @p out, further ones as NAME_2.png, NAME_3.png ... */
    juce::StringArray writeImages (const comfybridge::GenerationResult& result, const juce::File& out, juce::StringArray& errors)
    {
        juce::StringArray paths;

        for (size_t i = 0; i < result.pngData.size(); ++i)
        {
            const auto file = i == 0 ? out : out.getSiblingFile (out.getFileNameWithoutExtension() + "_" + juce::String ((int) i + 1) + out.getFileExtension());

            if (! file.replaceWithData (result.pngData[i].getData(), result.pngData[i].getSize()))
                errors.add ("cannot write " + file.getFullPathName());
            else
                paths.add (file.getFullPathName());
        }

        return paths;
    }

    bool isAudioFileName (const juce::String& path)
    {
        return path.endsWithIgnoreCase (".wav") || path.endsWithIgnoreCase (".flac");
    }

    /** Writes every audio result; the first to @p out, further ones as NAME_2.EXT ... FLAC that
        ComfyUI made is written byte for byte when --out is .flac; anything else (a placeholder,
        WAV output) is encoded.
    */
    juce::StringArray writeAudio (const comfybridge::GenerationResult& result, const juce::File& out, juce::StringArray& errors)
    {
        juce::StringArray paths;

        for (size_t i = 0; i < result.audio.size(); ++i)
        {
            const auto file = i == 0 ? out : out.getSiblingFile (out.getFileNameWithoutExtension() + "_" + juce::String ((int) i + 1) + out.getFileExtension());
            // The CLI asks for no resampling, so a fetched FLAC is exactly result.audio[i].
            const auto asFetched = i < result.audioFiles.size() && out.hasFileExtension ("flac")
                                && result.audioFiles[i].getSize() > 4 && std::memcmp (result.audioFiles[i].getData(), "fLaC", 4) == 0;
            juce::String error;

            if (asFetched ? file.replaceWithData (result.audioFiles[i].getData(), result.audioFiles[i].getSize())
                          : comfybridge::writeAudioFile (result.audio[i], file, error))
                paths.add (file.getFullPathName());
            else
                errors.add (error.isNotEmpty() ? error : "cannot write " + file.getFullPathName());
        }

        return paths;
    }

    /** --audio: the file decoded with JUCE's readers (WAV or FLAC); an error names the flag. */
    comfybridge::AudioClip readAudioFlag (ParsedArguments& parsed)
    {
        if (! parsed.flags.containsKey ("audio"))
            return {};

        const auto file = juce::File::getCurrentWorkingDirectory().getChildFile (parsed.flags["audio"]);
        juce::MemoryBlock bytes;

        if (! file.existsAsFile() || ! file.loadFileAsData (bytes))
        {
            parsed.errors.add ("--audio: cannot read " + file.getFullPathName());
            return {};
        }

        auto decoded = comfybridge::decodeAudio (bytes);
        if (auto* error = std::get_if<juce::String> (&decoded))
        {
            parsed.errors.add ("--audio: " + file.getFileName() + ": " + *error);
            return {};
        }

        return std::get<comfybridge::AudioClip> (decoded);
    }

    /** --duration: seconds, 0 < S <= 600. */
    std::optional<double> durationFlag (ParsedArguments& parsed)
    {
        if (! parsed.flags.containsKey ("duration"))
            return std::nullopt;

        const auto text = parsed.flags["duration"].trim();
        const auto value = text.getDoubleValue();

        if (text.isEmpty() || ! text.containsOnly ("0123456789.") || ! (value > 0.0 && value <= comfybridge::WorkflowInputs::maxDurationSeconds))
        {
            parsed.errors.add ("--duration: '" + parsed.flags["duration"] + "' is not a number of seconds above 0 and at most 600");
            return std::nullopt;
        }

        return value;
    }

    /** The workflow inputs the flags set: only what was given, so the workflow's own
        values stand for the rest.
    */
    comfybridge::WorkflowInputs inputsFromFlags (ParsedArguments& parsed)
    {
        comfybridge::WorkflowInputs inputs;
        if (parsed.flags.containsKey ("prompt"))
            inputs.prompt = parsed.flags["prompt"];
        if (parsed.flags.containsKey ("negative-prompt"))
            inputs.negativePrompt = parsed.flags["negative-prompt"];
        inputs.seed = integerFlag (parsed, "seed", 0, (juce::int64 (1) << 53) - 1);
        if (const auto width = integerFlag (parsed, "width", 1, 16384))
            inputs.width = (int) *width;
        if (const auto height = integerFlag (parsed, "height", 1, 16384))
            inputs.height = (int) *height;
        inputs.durationSeconds = durationFlag (parsed);
        return inputs;
    }

    /** The one JSON line generate prints on stdout. */
    std::string resultJson (const comfybridge::GenerationResult& result, const juce::StringArray& paths, bool producesAudio)
    {
        const auto toStrings = [] (const juce::StringArray& lines)
        {
            auto array = nlohmann::ordered_json::array();
            for (const auto& line : lines)
                array.push_back (line.toStdString());
            return array;
        };

        nlohmann::ordered_json json;
        json["result"] = comfybridge::toString (result.outcome).toStdString();
        json["path"] = paths.isEmpty() ? nlohmann::ordered_json() : nlohmann::ordered_json (paths[0].toStdString());
        json["paths"] = toStrings (paths);
        json["audio"] = nlohmann::ordered_json::array();
        for (int i = 0; producesAudio && i < paths.size() && i < (int) result.audio.size(); ++i)
            json["audio"].push_back ({ { "path", paths[i].toStdString() }, { "seconds", result.audio[(size_t) i].getLengthSeconds() },
                                       { "sample_rate", result.audio[(size_t) i].sampleRate }, { "channels", result.audio[(size_t) i].getNumChannels() } });
        json["prompt_id"] = result.promptId.isEmpty() ? nlohmann::ordered_json() : nlohmann::ordered_json (result.promptId.toStdString());
        json["seconds"] = result.seconds;
        json["messages"] = toStrings (result.messages);
        return json.dump (-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }

    /** A progress bar on a terminal, plain lines otherwise (both on stderr). */
    void showProgress (const comfybridge::GenerationProgress& progress)
    {
        const auto percent = juce::roundToInt (progress.fraction * 100.0);

        if (isatty (STDERR_FILENO))
        {
            constexpr int width = 30;
            const auto filled = juce::roundToInt (progress.fraction * width);
            std::cerr << "\r[" << juce::String::repeatedString ("#", filled) << juce::String::repeatedString ("-", width - filled)
                      << "] " << juce::String (percent).paddedLeft (' ', 3) << "% " << progress.text.substring (0, 40).paddedRight (' ', 40)
                      << std::flush;
        }
        else
        {
            // The engine may report the same step twice (e.g. as it starts and as it is posted
            // again); a log reads each step once.
            static juce::String lastLine;
            const auto line = "progress " + juce::String (percent) + "% " + progress.text;

            if (line != lastLine)
                std::cerr << line << "\n";

            lastLine = line;
        }
    }
}

int runGenerateCommand (const juce::StringArray& args)
{
    if (args.contains ("--help") || args.contains ("-h"))
    {
        std::cout << generateHelp << configOptionsHelp();
        return exitCode::ok;
    }

    const juce::StringArray valueFlags { "workflow", "prompt", "negative-prompt", "seed", "width", "height", "out", "job-timeout", "audio", "duration" };
    auto parsed = parseArguments (args, valueFlags);
    rejectUnknownFlags (parsed, valueFlags);

    const auto workflowName = requiredFlag (parsed, "workflow");
    const auto outPath = requiredFlag (parsed, "out");
    const auto inputs = inputsFromFlags (parsed);
    const auto jobTimeout = integerFlag (parsed, "job-timeout", 1, 86400).value_or (600);
    const auto inputAudio = readAudioFlag (parsed);

    if (! parsed.positional.isEmpty())
        parsed.errors.add ("unexpected argument '" + parsed.positional[0] + "'");

    std::optional<comfybridge::WorkflowDefinition> workflow;

    if (workflowName.isNotEmpty())
    {
        auto found = comfybridge::findWorkflow (workflowName);
        if (auto* error = std::get_if<juce::String> (&found))
            parsed.errors.add ("--workflow: " + *error);
        else
            workflow = std::get<comfybridge::WorkflowDefinition> (found);
    }

    const auto producesAudio = workflow && workflow->producesAudio();
    if (producesAudio && outPath.isNotEmpty() && ! isAudioFileName (outPath))
        parsed.errors.add ("--out: the workflow makes audio; give a .wav or .flac file, not '" + outPath + "'");

    printErrors (parsed.warnings);

    if (! parsed.errors.isEmpty())
    {
        printErrors (parsed.errors);
        return exitCode::usageError;
    }

    // Ctrl-C or SIGTERM cancels the job (also one that arrives while connecting:
    // the call waits in the queue until the job exists and the loop runs).
    std::shared_ptr<comfybridge::GenerationJob> job;
    BlockingMessageLoop loop ([&job]
    {
        if (job != nullptr)
            job->cancel();
    });

    comfybridge::ConnectionManager manager (parsed.config);
    const auto status = manager.connect().get();

    if (! status.available)
        std::cerr << manager.triggerFallbackWarning() << "\n";

    comfybridge::GenerationRequest request;
    request.workflow = *workflow;
    request.inputs = inputs;
    request.timeoutSeconds = (double) jobTimeout;
    request.inputAudio = inputAudio;
    request.onProgress = showProgress;

    job = manager.generate (request);
    const auto future = job->getFuture();

    // Progress callbacks arrive on this (the message) thread; it sleeps in between.
    // The progress is posted before the result is set, so every line is printed.
    loop.runWhile ([future] { future.wait(); });

    if (isatty (STDERR_FILENO))
        std::cerr << "\n";

    const auto result = future.get();
    juce::StringArray errors;
    const auto outFile = juce::File::getCurrentWorkingDirectory().getChildFile (outPath);
    const auto paths = producesAudio ? writeAudio (result, outFile, errors) : writeImages (result, outFile, errors);

    for (const auto& message : result.messages)
        std::cerr << message << "\n";
    printErrors (errors);

    std::cout << resultJson (result, paths, producesAudio) << std::endl;

    manager.disconnect();
    return errors.isEmpty() ? exitCodeFor (result.outcome) : exitCode::executionError;
}

int runPlaceholderCommand (const juce::StringArray& args)
{
    if (args.contains ("--help") || args.contains ("-h"))
    {
        std::cout << placeholderHelp;
        return exitCode::ok;
    }

    const juce::StringArray valueFlags { "prompt", "seed", "width", "height", "out", "reason" };
    auto parsed = parseArguments (args, valueFlags);
    rejectUnknownFlags (parsed, valueFlags);

    const auto outPath = requiredFlag (parsed, "out");
    requiredFlag (parsed, "width");
    requiredFlag (parsed, "height");
    const auto seed = integerFlag (parsed, "seed", 0, (juce::int64 (1) << 53) - 1).value_or (0);
    const auto width = integerFlag (parsed, "width", comfybridge::PlaceholderRenderer::minDimension, comfybridge::PlaceholderRenderer::maxDimension);
    const auto height = integerFlag (parsed, "height", comfybridge::PlaceholderRenderer::minDimension, comfybridge::PlaceholderRenderer::maxDimension);

    if (! parsed.positional.isEmpty())
        parsed.errors.add ("unexpected argument '" + parsed.positional[0] + "'");

    if (! parsed.errors.isEmpty())
    {
        printErrors (parsed.errors);
        return exitCode::usageError;
    }

    comfybridge::PlaceholderRequest request;
    request.prompt = parsed.flags["prompt"];
    request.seed = seed;
    request.width = (int) *width; // required: present once there are no errors
    request.height = (int) *height;
    request.reason = parsed.flags.containsKey ("reason") ? parsed.flags["reason"] : juce::String ("drawn by comfybridge placeholder");

    auto rendered = comfybridge::PlaceholderRenderer::render (request);

    if (auto* error = std::get_if<juce::String> (&rendered))
    {
        std::cerr << *error << "\n";
        return exitCode::usageError;
    }

    const auto png = comfybridge::PlaceholderRenderer::encodePng (std::get<juce::Image> (rendered));
    const auto file = juce::File::getCurrentWorkingDirectory().getChildFile (outPath);

    if (! file.replaceWithData (png.getData(), png.getSize()))
    {
        std::cerr << "cannot write " << file.getFullPathName() << "\n";
        return exitCode::executionError;
    }

    std::cout << file.getFullPathName() << "\n";
    return exitCode::ok;
}

} // namespace cli
