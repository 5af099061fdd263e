#include "Commands.h"
#include "BlockingMessageLoop.h"
#include "CliExitCodes.h"
#include "../Shared/BundledWorkflows.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace cli
{

namespace
{
    const char* const statusHelp =
        "Usage: comfybridge status [--json] [config options]\n"
        "  One connection attempt (with the configured retries); prints the status with\n"
        "  CORS, models and workflows readiness (checked only: nothing is deployed or\n"
        "  downloaded) and the connection metrics.\n"
        "  Exit 0 when ComfyUI is available, 3 when it is not, 2 on usage errors.\n\n";

    const char* const watchHelp =
        "Usage: comfybridge watch [--json] [--interval S] [--reconnect-interval S] [--duration S] [config options]\n"
        "  Connects, monitors (every --interval, default 5) and reconnects (every\n"
        "  --reconnect-interval, default 10) in the background; prints one line for the\n"
        "  initial status and one for every change, until Ctrl-C, SIGTERM or --duration.\n\n";

    /** Reads a positive number of seconds from a flag, or reports why not. */
    std::optional<double> secondsFlag (ParsedArguments& parsed, const juce::String& name, double fallback)
    {
        if (! parsed.flags.containsKey (name))
            return fallback;

        const auto text = parsed.flags[name].trim();
        const auto value = text.getDoubleValue();

        if (text.isEmpty() || ! text.containsOnly ("0123456789.") || value <= 0.0 || value > 86400.0)
        {
            parsed.errors.add ("--" + name + ": '" + parsed.flags[name] + "' is not a number of seconds between 0 and 86400");
            return std::nullopt;
        }

        return value;
    }

    juce::String statusLine (const comfybridge::ComfyUIStatus& status, bool json)
    {
        if (json)
        {
            // One object per line; the timestamp says when the change was seen.
            auto object = nlohmann::ordered_json::parse (status.toJson().toStdString());
            object["timestamp"] = comfybridge::toIso8601Utc (juce::Time::getCurrentTime()).toStdString();
            return juce::String::fromUTF8 (object.dump (-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        }

        return comfybridge::statustext::headline (status, comfybridge::toIso8601Utc (juce::Time::getCurrentTime()));
    }
}

int runStatusCommand (const juce::StringArray& args)
{
    if (args.contains ("--help") || args.contains ("-h"))
    {
        std::cout << statusHelp << configOptionsHelp();
        return exitCode::ok;
    }

    auto parsed = parseArguments (args);
    rejectUnknownFlags (parsed, { "json" });

    if (reportUsageProblems (parsed))
        return exitCode::usageError;

    comfybridge::ConnectionManager manager (parsed.config);

    // Readiness is checked, never acted on: `status` deploys and downloads nothing.
    juce::StringArray workflowErrors;
    comfybridge::ReadinessOptions readiness;
    readiness.workflows = comfybridge::loadBundledWorkflows (workflowErrors).getWorkflows();
    readiness.actOnFindings = false;
    manager.setReadinessOptions (readiness);

    auto status = manager.connect().get();

    if (status.available)
        status = manager.readinessChecked().get();

    if (parsed.flags.containsKey ("json"))
        std::cout << status.toJson() << std::endl;
    else
        std::cout << status.describe() << std::endl;

    return status.available ? exitCode::ok : exitCode::unavailable;
}

int runWatchCommand (const juce::StringArray& args)
{
    if (args.contains ("--help") || args.contains ("-h"))
    {
        std::cout << watchHelp << configOptionsHelp();
        return exitCode::ok;
    }

    auto parsed = parseArguments (args, { "interval", "reconnect-interval", "duration" });
    rejectUnknownFlags (parsed, { "json", "interval", "reconnect-interval", "duration" });
    const auto interval = secondsFlag (parsed, "interval", 5.0);
    const auto reconnectInterval = secondsFlag (parsed, "reconnect-interval", 10.0);
    const auto duration = secondsFlag (parsed, "duration", 0.0);

    if (reportUsageProblems (parsed))
        return exitCode::usageError;

    const auto json = parsed.flags.containsKey ("json");
    comfybridge::ConnectionManager manager (parsed.config);

    // Ctrl-C, SIGTERM and --duration end the watch the same way. The manager's
    // "disconnected" status is posted before the loop's quit message, so it is
    // the last line printed.
    BlockingMessageLoop loop ([&manager]
    {
        manager.disconnect();
        BlockingMessageLoop::quit();
    }, *duration);

    juce::StringArray workflowErrors;
    comfybridge::ReadinessOptions readiness;
    readiness.workflows = comfybridge::loadBundledWorkflows (workflowErrors).getWorkflows();
    readiness.actOnFindings = false; // watching changes nothing on the server
    manager.setReadinessOptions (readiness);

    // Prints each change as the manager reports it, on this (the message) thread.
    // "connecting" is skipped: the first line is the outcome of the first attempt.
    // A change only in fields the line does not show (readiness details) prints nothing:
    // two identical lines in a row would read as two events.
    manager.registerStatusCallback ([json, lastShown = juce::String()] (const comfybridge::ComfyUIStatus& status) mutable
    {
        if (status.state == comfybridge::ConnectionState::connecting)
            return;

        const auto content = json ? status.toJson() : comfybridge::statustext::headline (status);

        if (content == lastShown)
            return;

        lastShown = content;
        std::cout << statusLine (status, json) << std::endl;
    });

    manager.startHealthMonitoring (*interval);
    manager.startBackgroundReconnection (*reconnectInterval);
    manager.connect();

    // Sleeps until the manager reports something: no polling while nothing happens.
    loop.run();
    return exitCode::ok;
}

} // namespace cli
