#include "CliArguments.h"

#include <iostream>

namespace cli
{

namespace
{
    /** Command-line option name → config JSON key. */
    const std::map<juce::String, juce::String>& valueOptions()
    {
        static const std::map<juce::String, juce::String> options {
            { "host", "host" },
            { "port", "port" },
            { "timeout", "timeout" },
            { "max-retries", "max_retries" },
            { "retry-backoff", "retry_backoff" },
            { "fallback-mode", "fallback_mode" },
            { "probe-timeout", "probe_timeout" },
            { "models-folder", "models_folder" },
            { "ca-file", "ca_file" },
        };
        return options;
    }

    /** Switch option name (also accepted with a "no-" prefix) → config JSON key. */
    const std::map<juce::String, juce::String>& switchOptions()
    {
        static const std::map<juce::String, juce::String> options {
            { "cors-check", "enable_cors_check" },
            { "auto-download-models", "auto_download_models" },
            { "auto-deploy-workflows", "auto_deploy_workflows" },
            { "tls", "use_tls" },
            { "discover-port", "discover_port" },
        };
        return options;
    }

    void addLayer (ParsedArguments& parsed, const comfybridge::ConfigParseResult& layer, const juce::String& source)
    {
        for (const auto& w : layer.warnings)
            parsed.warnings.add (source + ": " + w);

        for (const auto& e : layer.errors)
            parsed.errors.add (source + ": " + e);

        if (layer.ok())
            parsed.config = *layer.config;
    }
}

ParsedArguments parseArguments (const juce::StringArray& args, const ValueFlagNames& valueFlags)
{
    ParsedArguments parsed;
    juce::StringPairArray configOptions;
    juce::String configFile;

    for (int i = 0; i < args.size(); ++i)
    {
        const auto& arg = args[i];

        if (! arg.startsWith ("--") || arg == "--")
        {
            parsed.positional.add (arg);
            continue;
        }

        auto name = arg.substring (2).upToFirstOccurrenceOf ("=", false, false);
        const auto hasInlineValue = arg.containsChar ('=');
        auto takeValue = [&]() -> std::optional<juce::String>
        {
            if (hasInlineValue)
                return arg.fromFirstOccurrenceOf ("=", false, false);

            if (i + 1 < args.size())
                return args[++i];

            parsed.errors.add ("--" + name + " needs a value");
            return std::nullopt;
        };

        if (auto it = valueOptions().find (name); it != valueOptions().end())
        {
            if (auto value = takeValue())
                configOptions.set (it->second, *value);
        }
        else if (auto sw = switchOptions().find (name.fromFirstOccurrenceOf ("no-", false, false)); name.startsWith ("no-") && sw != switchOptions().end())
        {
            configOptions.set (sw->second, "false");
        }
        else if (auto on = switchOptions().find (name); on != switchOptions().end())
        {
            configOptions.set (on->second, "true");
        }
        else if (name == "config")
        {
            if (auto value = takeValue())
                configFile = *value;
        }
        else if (valueFlags.contains (name))
        {
            if (auto value = takeValue())
                parsed.flags.set (name, *value);
        }
        else
        {
            parsed.flags.set (name, hasInlineValue ? arg.fromFirstOccurrenceOf ("=", false, false) : juce::String());
        }
    }

    const comfybridge::UserDefaults defaults;
    addLayer (parsed, defaults.load(), defaults.getFile().getFullPathName());

    // Every layer is checked even when an earlier one failed (on top of the last good
    // one), so a single run names every problem of the defaults, the file and the options.
    if (configFile.isNotEmpty())
    {
        const juce::File file (juce::File::getCurrentWorkingDirectory().getChildFile (configFile));

        if (! file.existsAsFile())
            parsed.errors.add (configFile + ": no such file");
        else
            addLayer (parsed, comfybridge::ComfyUIConfig::fromJson (file.loadFileAsString(), parsed.config), configFile);
    }

    // The token comes from the environment, never from an option: options show up in `ps`.
    if (const auto token = juce::SystemStats::getEnvironmentVariable ("COMFYBRIDGE_AUTH_TOKEN", {}); token.isNotEmpty())
        configOptions.set ("auth_token", token);

    addLayer (parsed, comfybridge::ComfyUIConfig::fromText (configOptions, parsed.config), "option");

    return parsed;
}

juce::String configOptionsHelp()
{
    return "Config options (override --config FILE, which overrides your saved defaults):\n"
           "  --host HOST                 ComfyUI host name or IP (default localhost)\n"
           "  --port N                    1-65535 (default 8000; plain ComfyUI uses 8188)\n"
           "  --timeout S                 seconds per connection try, >0..600 (default 30)\n"
           "  --max-retries N             extra tries, 0..100 (default 3)\n"
           "  --retry-backoff X           delay multiplier, 1..10 (default 2.0)\n"
           "  --probe-timeout S           seconds per health probe, >0..60 (default 3)\n"
           "  --fallback-mode MODE        placeholder | skip | abort (default placeholder)\n"
           "  --[no-]cors-check           probe CORS (default on)\n"
           "  --[no-]auto-download-models (default on)\n"
           "  --[no-]auto-deploy-workflows (default on)\n"
           "  --[no-]tls                  https and wss instead of http and ws (default off)\n"
           "  --[no-]discover-port        on a loopback host, look for ComfyUI on 8188 and\n"
           "                              8000-9000 when the port does not answer (default on)\n"
           "  --models-folder DIR         ComfyUI's models folder on this machine (default: ask the server)\n"
           "  --ca-file FILE              PEM file of CA certificates trusted for https/wss\n"
           "                              (default: the system's certificate authorities)\n"
           "  --config FILE               a JSON file with the snake_case config keys\n"
           "A bearer token (auth_token) is read from COMFYBRIDGE_AUTH_TOKEN or your saved defaults,\n"
           "never from an option, and is never printed.\n";
}

void printErrors (const juce::StringArray& lines)
{
    for (const auto& line : lines)
        std::cerr << line << "\n";
}

} // namespace cli

namespace cli
{
bool rejectUnknownFlags (ParsedArguments& parsed, const juce::StringArray& allowed)
{
    const auto before = parsed.errors.size();

    for (const auto& name : parsed.flags.getAllKeys())
        if (! allowed.contains (name))
            parsed.errors.add ("unknown option --" + name + " (see --help)");

    return parsed.errors.size() == before;
}

bool reportUsageProblems (ParsedArguments& parsed)
{
    if (! parsed.positional.isEmpty())
        parsed.errors.add ("unexpected argument '" + parsed.positional[0] + "'");

    printErrors (parsed.warnings);
    printErrors (parsed.errors);
    return ! parsed.errors.isEmpty();
}
}
