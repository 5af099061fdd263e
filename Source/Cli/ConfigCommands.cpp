#include "Commands.h"
#include "CliExitCodes.h"

#include <iostream>

namespace cli
{

namespace
{
    const char* const configHelp =
        "Usage:\n"
        "  comfybridge config validate FILE   check a JSON config file; one line per problem\n"
        "  comfybridge config show [options]  print the effective config as JSON\n\n";

    int validateFile (const juce::String& path)
    {
        const auto file = juce::File::getCurrentWorkingDirectory().getChildFile (path);

        if (! file.existsAsFile())
        {
            std::cerr << path << ": no such file\n";
            return exitCode::usageError;
        }

        const auto result = comfybridge::ComfyUIConfig::fromJson (file.loadFileAsString());

        for (const auto& warning : result.warnings)
            std::cerr << path << ": warning: " << warning << "\n";

        for (const auto& error : result.errors)
            std::cerr << path << ": " << error << "\n";

        if (! result.ok())
            return exitCode::usageError;

        std::cout << path << ": valid\n";
        return exitCode::ok;
    }
}

int runConfigCommand (const juce::StringArray& args)
{
    if (args.contains ("--help") || args.contains ("-h") || args.isEmpty())
    {
        std::cout << configHelp << configOptionsHelp();
        return args.isEmpty() ? exitCode::usageError : exitCode::ok;
    }

    const auto subcommand = args[0];
    const juce::StringArray rest (args.begin() + 1, args.size() - 1);

    if (subcommand == "validate")
    {
        if (rest.size() != 1 || rest[0].startsWith ("--"))
        {
            std::cerr << "usage: comfybridge config validate FILE\n";
            return exitCode::usageError;
        }

        return validateFile (rest[0]);
    }

    if (subcommand == "show")
    {
        auto parsed = parseArguments (rest);
        rejectUnknownFlags (parsed, {});

        if (! parsed.positional.isEmpty())
            parsed.errors.add ("unexpected argument '" + parsed.positional[0] + "'");

        printErrors (parsed.warnings);

        if (! parsed.errors.isEmpty())
        {
            printErrors (parsed.errors);
            return exitCode::usageError;
        }

        std::cout << parsed.config.toJson() << "\n";
        return exitCode::ok;
    }

    std::cerr << "unknown config command '" << subcommand << "'\n" << configHelp;
    return exitCode::usageError;
}

} // namespace cli
