#include "Commands.h"
#include "BlockingMessageLoop.h"
#include "CliExitCodes.h"
#include "../Shared/BundledWorkflows.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <variant>

namespace cli
{

namespace
{
    const char* const modelsHelp =
        "Usage: comfybridge models [--download] [--json] [config options]\n"
        "  Lists the model files the bundled workflows need that ComfyUI does not have,\n"
        "  with where to get them. --download fetches those that have a URL and a SHA-256\n"
        "  into ComfyUI's models folder when it is on this machine (resumable, verified),\n"
        "  printing progress. Exit 0 when every model is present, 6 when some are missing,\n"
        "  3 when ComfyUI is unavailable, 2 on usage errors.\n\n";

    const char* const workflowsHelp =
        "Usage: comfybridge workflows [--deploy] [--json] [config options]\n"
        "  Checks that every node and choice the bundled workflows use exists on the server\n"
        "  (/object_info). --deploy stores them in ComfyUI's workflow library as\n"
        "  workflows/comfybridge-<name>.json, in the graph format ComfyUI's UI opens\n"
        "  (your own edits are never overwritten).\n"
        "  Exit 0 when all can run, 6 when some cannot, 3 when ComfyUI is unavailable.\n\n";

    /** Connects and checks readiness without deploying or downloading anything. */
    comfybridge::ComfyUIStatus checkOnce (comfybridge::ConnectionManager& manager, const std::vector<comfybridge::WorkflowDefinition>& workflows)
    {
        comfybridge::ReadinessOptions options;
        options.workflows = workflows;
        options.actOnFindings = false;
        manager.setReadinessOptions (options);

        const auto status = manager.connect().get();
        return status.available ? manager.readinessChecked().get() : status;
    }

    /** What `models` and `workflows` both start from. */
    struct ReadinessCommand
    {
        ParsedArguments parsed;
        std::vector<comfybridge::WorkflowDefinition> workflows;
    };

    /** Help, argument checks and the bundled workflows: the command, or the exit code to stop with. */
    std::variant<ReadinessCommand, int> prepare (const juce::StringArray& args, const char* help, const juce::String& actionFlag)
    {
        if (args.contains ("--help") || args.contains ("-h"))
        {
            std::cout << help << configOptionsHelp();
            return exitCode::ok;
        }

        ReadinessCommand command { parseArguments (args), {} };
        rejectUnknownFlags (command.parsed, { actionFlag, "json" });

        if (reportUsageProblems (command.parsed))
            return exitCode::usageError;

        juce::StringArray errors;
        command.workflows = comfybridge::loadBundledWorkflows (errors).getWorkflows();
        printErrors (errors);

        if (command.workflows.empty())
            return exitCode::usageError;

        return command;
    }

    void printModels (const comfybridge::ComfyUIStatus& status)
    {
        if (! status.modelsCheck.checked)
        {
            std::cout << "models not checked: " << status.modelsCheck.reason << "\n";
            return;
        }

        if (status.missingModels.empty())
        {
            std::cout << "every model the bundled workflows need is on the server\n";
            return;
        }

        for (const auto& m : status.missingModels)
            std::cout << "missing  " << m.folder << "/" << m.name << "  (" << m.workflow << ")"
                      << (m.url.isNotEmpty() ? "  " + m.url : juce::String ("  no known download address")) << "\n";

        std::cout << status.modelsCheck.reason << "\n";
    }

    int readinessExitCode (const comfybridge::ComfyUIStatus& status, bool ready)
    {
        if (! status.available)
            return exitCode::unavailable;

        return ready ? exitCode::ok : exitCode::notReady;
    }
}

int runModelsCommand (const juce::StringArray& args)
{
    auto prepared = prepare (args, modelsHelp, "download");
    if (auto* code = std::get_if<int> (&prepared))
        return *code;

    const auto& [parsed, workflows] = std::get<ReadinessCommand> (prepared);

    comfybridge::ConnectionManager manager (parsed.config);
    auto status = checkOnce (manager, workflows);

    if (status.available && parsed.flags.containsKey ("download") && ! status.missingModels.empty())
    {
        // The manager's own download path, asked for explicitly: progress comes as status activity.
        auto config = parsed.config;
        config.autoDownloadModels = true;
        config.autoDeployWorkflows = false;
        manager.setConfig (config);

        juce::String lastActivity;
        manager.registerStatusCallback ([&lastActivity] (const comfybridge::ComfyUIStatus& s)
        {
            if (s.activity.isNotEmpty() && s.activity != lastActivity)
                std::cerr << s.activity << "\n";
            lastActivity = s.activity;
        });

        comfybridge::ReadinessOptions options;
        options.workflows = workflows;
        manager.setReadinessOptions (options);

        // Until the check that queues downloads has run, the queue is empty again and
        // the checks that finished downloads asked for have run. The progress lines
        // arrive on this thread, which sleeps in between (Ctrl-C ends the process as
        // before; a .part file stays for a resume).
        BlockingMessageLoop loop;
        loop.runWhile ([&manager, &status]
        {
            status = manager.readinessChecked().get();

            while (manager.isDownloadingModels())
            {
                manager.modelDownloadsFinished().wait();
                status = manager.readinessChecked().get();
            }
        });
    }

    if (parsed.flags.containsKey ("json"))
        std::cout << status.toJson (true) << std::endl;
    else if (! status.available)
        std::cout << status.describe() << std::endl;
    else
        printModels (status);

    return readinessExitCode (status, status.modelsCheck.checked && status.modelsReady);
}

int runWorkflowsCommand (const juce::StringArray& args)
{
    auto prepared = prepare (args, workflowsHelp, "deploy");
    if (auto* code = std::get_if<int> (&prepared))
        return *code;

    const auto& [parsed, workflows] = std::get<ReadinessCommand> (prepared);

    comfybridge::ConnectionManager manager (parsed.config);
    const auto status = checkOnce (manager, workflows);
    const auto json = parsed.flags.containsKey ("json");
    std::optional<comfybridge::DeploymentReport> deployment;

    if (status.available && parsed.flags.containsKey ("deploy"))
    {
        // A command-line tool may block its own main thread on the network.
        comfybridge::CurlHttpClient client;
        comfybridge::DeploymentRecord record;
        // The server that answered: with port discovery that is not the configured port.
        const auto server = manager.getEffectiveConfig();
        // The graph format ComfyUI opens is built from the server's own node definitions.
        const auto inventory = comfybridge::fetchServerInventory (client, server, workflows, parsed.config.timeout);
        deployment = comfybridge::deployWorkflows (client, server, workflows,
                                                   inventory.nodes,
                                                   record, parsed.config.timeout);
    }

    if (json)
    {
        std::cout << status.toJson (true) << std::endl;
    }
    else if (! status.available)
    {
        std::cout << status.describe() << std::endl;
    }
    else
    {
        if (! status.workflowsCheck.checked)
            std::cout << "workflows not checked: " << status.workflowsCheck.reason << "\n";

        for (const auto& w : workflows)
        {
            const auto problem = std::find_if (status.workflowProblems.begin(), status.workflowProblems.end(),
                                               [&] (const auto& p) { return p.workflow == w.name; });
            std::cout << w.name.paddedRight (' ', 14)
                      << (problem == status.workflowProblems.end() ? juce::String ("can run") : "cannot run: " + problem->problem) << "\n";
        }

        if (deployment)
        {
            for (const auto& d : deployment->workflows)
                std::cout << "deploy " << d.fileName << ": " << toString (d.outcome) << (d.message.isNotEmpty() ? " - " + d.message : juce::String()) << "\n";
            std::cout << deployment->summary << "\n";
        }
    }

    if (deployment && ! deployment->succeeded())
        return exitCode::executionError;

    return readinessExitCode (status, status.workflowsCheck.checked && status.workflowsReady);
}

} // namespace cli
