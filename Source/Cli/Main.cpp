// `comfybridge`: the command-line face of ComfyBridge. It only parses arguments
// and prints; all behaviour lives in the comfybridge_core module.

#include "Commands.h"
#include "CliExitCodes.h"

#include <iostream>

namespace
{
    const char* const mainHelp =
        "comfybridge - talk to a ComfyUI backend from the command line\n\n"
        "Usage: comfybridge COMMAND [options]\n\n"
        "Commands:\n"
        "  config validate FILE   check a JSON config file (exit 0 valid, 2 invalid)\n"
        "  config show            print the effective config as JSON\n"
        "  status [--json]        one connection attempt with readiness and metrics; exit 0 available, 3 unavailable\n"
        "  watch [--json]         monitor and reconnect; one line per status change\n"
        "  models [--download]    model files the bundled workflows need that ComfyUI lacks (and fetch them)\n"
        "  workflows [--deploy]   can the bundled workflows run there (and store them in ComfyUI's library)\n"
        "  generate               run a workflow with a prompt and write the image (fallback applies)\n"
        "  placeholder            draw the fallback placeholder image to a PNG file\n\n"
        "Run 'comfybridge COMMAND --help' for a command's options.\n"
        "Exit codes: 0 ok, 1 ComfyUI reported an error, 2 usage or config error,\n"
        "            3 backend unavailable, 5 skipped by the fallback mode,\n"
        "            6 available but models or workflows are missing (models, workflows).\n"
        "Set COMFYBRIDGE_LOG=1 to see the library's log lines on stderr.\n";

    /** The CLI prints what users need itself; the module's log lines only on request. */
    struct CliLogger : juce::Logger
    {
        const bool verbose = juce::SystemStats::getEnvironmentVariable ("COMFYBRIDGE_LOG", {}).isNotEmpty();
        void logMessage (const juce::String& message) override
        {
            if (verbose)
                std::cerr << message << std::endl;
        }
    };
}

int main (int argc, char* argv[])
{
    juce::ScopedJuceInitialiser_GUI juceInitialiser;
    CliLogger logger;
    juce::Logger::setCurrentLogger (&logger);
    const juce::ScopeGuard resetLogger { [] { juce::Logger::setCurrentLogger (nullptr); } };

    juce::StringArray args;
    for (int i = 1; i < argc; ++i)
        args.add (juce::String::fromUTF8 (argv[i]));

    if (args.isEmpty())
    {
        std::cerr << mainHelp;
        return cli::exitCode::usageError;
    }

    const auto command = args[0];
    const juce::StringArray rest (args.begin() + 1, args.size() - 1);

    if (command == "--help" || command == "-h" || command == "help")
    {
        std::cout << mainHelp;
        return cli::exitCode::ok;
    }

    if (command == "config")
        return cli::runConfigCommand (rest);

    if (command == "status")
        return cli::runStatusCommand (rest);

    if (command == "watch")
        return cli::runWatchCommand (rest);

    if (command == "models")
        return cli::runModelsCommand (rest);

    if (command == "workflows")
        return cli::runWorkflowsCommand (rest);

    if (command == "generate")
        return cli::runGenerateCommand (rest);

    if (command == "placeholder")
        return cli::runPlaceholderCommand (rest);

    std::cerr << "unknown command '" << command << "'\n\n" << mainHelp;
    return cli::exitCode::usageError;
}
