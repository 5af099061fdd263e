#include <catch2/catch.hpp>
#include "Plugin/PluginProcessor.h"

TEST_CASE ("the plugin's saved state never holds the auth token, a restored instance takes it from the user's defaults", "[plugin][secrets]")
{
    const juce::String token = "proj3ct-must-not-hold-this";

    juce::TemporaryFile defaultsFile (".settings");
    comfybridge::UserDefaults defaults (defaultsFile.getFile());
    comfybridge::ComfyUIConfig withToken;
    withToken.port = 8188;
    withToken.authToken = token;
    REQUIRE (defaults.save (withToken).wasOk());

    juce::MemoryBlock state;
    {
        ComfyBridgeProcessor processor (defaults);
        REQUIRE (processor.getConfig().authToken == token);

        auto changed = processor.getConfig();
        changed.timeout = 12.0;
        REQUIRE (processor.setConfig (changed).isEmpty());
        processor.getStateInformation (state);
    }

    CHECK_FALSE (state.toString().contains (token));
    const auto xml = juce::AudioProcessor::getXmlFromBinary (state.getData(), (int) state.getSize());
    REQUIRE (xml != nullptr);
    CHECK_FALSE (xml->toString().contains (token));
    CHECK_FALSE (xml->toString().contains ("auth_token"));

    // Another machine (no token in its defaults) opens the project: no token, nothing else lost.
    juce::TemporaryFile otherDefaults (".settings");
    ComfyBridgeProcessor elsewhere { comfybridge::UserDefaults (otherDefaults.getFile()) };
    elsewhere.setStateInformation (state.getData(), (int) state.getSize());
    CHECK (elsewhere.getConfig().authToken.isEmpty());
    CHECK (elsewhere.getConfig().timeout == 12.0);
    CHECK (elsewhere.getConfig().port == 8188);

    // This machine opens it again: the token comes back from the user's defaults.
    ComfyBridgeProcessor again (defaults);
    again.setStateInformation (state.getData(), (int) state.getSize());
    CHECK (again.getConfig().authToken == token);
    CHECK (again.getConfig().timeout == 12.0);
}
