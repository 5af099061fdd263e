// The conformance tier: the user-facing scenarios against a real, unmodified ComfyUI.
// Without COMFYUI_GIT_DIR or COMFYUI_URL it prints one line saying how to run it and exits
// 77, which ctest reports as skipped (SKIP_RETURN_CODE), so CI stays green.

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <juce_events/juce_events.h>

#include "RealComfyUI.h"

#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace
{
    constexpr int skipExitCode = 77;

    bool wantsOnlyInformation (int argc, char* argv[])
    {
        for (int i = 1; i < argc; ++i)
        {
            const juce::String arg (argv[i]);
            if (arg == "-h" || arg == "--help" || arg.startsWith ("--list") || arg == "-l")
                return true;
        }
        return false;
    }
}

int main (int argc, char* argv[])
{
    const auto configured = std::getenv ("COMFYUI_GIT_DIR") != nullptr || std::getenv ("COMFYUI_URL") != nullptr;

    if (! configured && ! wantsOnlyInformation (argc, argv))
    {
        std::cout << Conformance::RealComfyUI::howToRun() << std::endl;
        return skipExitCode;
    }

    if (const auto problem = Conformance::RealComfyUI::configurationProblem(); problem.isNotEmpty())
    {
        std::cerr << "conformance: " << problem << std::endl;
        return 2;
    }

    // The CLI and the deployer write under $HOME: a private one keeps the developer's settings out.
    const auto home = juce::File::getSpecialLocation (juce::File::tempDirectory)
                          .getChildFile ("comfybridge-conformance-" + juce::String (juce::Time::currentTimeMillis()) + "-" + juce::String (getpid()));
    home.createDirectory();
    setenv ("HOME", home.getFullPathName().toRawUTF8(), 1);

    int result = 0;
    {
        juce::ScopedJuceInitialiser_GUI juceInitialiser;
        const auto started = juce::Time::getMillisecondCounterHiRes();
        result = Catch::Session().run (argc, argv);

        if (auto* server = Conformance::RealComfyUI::instance())
            std::cout << "conformance: " << (server->isManaged() ? "own ComfyUI on " : "ComfyUI at ") << server->baseUrl()
                      << ", run took " << juce::String ((juce::Time::getMillisecondCounterHiRes() - started) / 1000.0, 1) << " s" << std::endl;

        Conformance::RealComfyUI::shutdown(); // stops a server we started, before JUCE goes away
    }

    home.deleteRecursively();
    return result;
}
