// Catch2 runner with JUCE initialised, so message-thread code (ChangeBroadcaster,
// timers, components) works inside tests. Must start without a display:
// catch_discover_tests runs this binary right after it links.

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <juce_events/juce_events.h>

int main (int argc, char* argv[])
{
    juce::ScopedJuceInitialiser_GUI juceInitialiser;
    return Catch::Session().run (argc, argv);
}
