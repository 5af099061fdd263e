// Catch2 runner with JUCE initialised, so message-thread code (ChangeBroadcaster,
// timers, components) works inside tests. Must start without a display:
// catch_discover_tests runs this binary right after it links.

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <juce_events/juce_events.h>

#include <cstdlib>
#include <unistd.h>

int main (int argc, char* argv[])
{
    // Code under test writes the user's settings and deployment record under $HOME:
    // a private HOME keeps the developer's real ~/.config/ComfyBridge out of every test.
    const auto home = juce::File::getSpecialLocation (juce::File::tempDirectory)
                          .getChildFile ("comfybridge-tests-" + juce::String (juce::Time::currentTimeMillis()) + "-" + juce::String (getpid()));
    home.createDirectory();
    setenv ("HOME", home.getFullPathName().toRawUTF8(), 1);

    int result = 0;
    {
        juce::ScopedJuceInitialiser_GUI juceInitialiser;
        result = Catch::Session().run (argc, argv);
    }

    home.deleteRecursively();
    return result;
}
