// Renders the editor in its main states to PNG files, headless (no X needed):
//   ComfyBridgeTests "[screenshots]"
// Files go to $COMFYBRIDGE_SCREENSHOT_DIR, or /tmp/comfybridge-screens.
// Hidden from the default run: it writes files and proves nothing by itself.

#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Plugin/PluginTestSupport.h"

using namespace TestSupport;
using namespace PluginTestSupport;
using comfybridge::MainView;
using Field = comfybridge::StatusPanel::Field;

namespace
{
    juce::File screenshotFolder()
    {
        const auto fromEnvironment = juce::SystemStats::getEnvironmentVariable ("COMFYBRIDGE_SCREENSHOT_DIR", {});
        auto folder = juce::File (fromEnvironment.isNotEmpty() ? fromEnvironment : juce::String ("/tmp/comfybridge-screens"));
        folder.createDirectory();
        return folder;
    }

    void save (juce::Component& component, const juce::String& name, float scale = 1.0f)
    {
        const auto image = component.createComponentSnapshot (component.getLocalBounds(), true, scale);
        const auto file = screenshotFolder().getChildFile (name + ".png");
        file.deleteFile();
        juce::FileOutputStream stream (file);
        REQUIRE (stream.openedOk());
        REQUIRE (juce::PNGImageFormat().writeImageToStream (image, stream));
        INFO ("wrote " << file.getFullPathName());
        SUCCEED();
    }

    bool stateIs (ComfyBridgeEditor& editor, const char* state)
    {
        return editor.getStatusPanel().getText (Field::state).startsWith (state);
    }
}

TEST_CASE ("screenshots of the editor in its main states", "[.screenshots]")
{
    SECTION ("connected")
    {
        TestHelpers::FakeComfyUI server;
        REQUIRE (server.start());
        server.setQueue (1, 2);
        IsolatedProcessor p (localConfig (server.port()));
        OpenEditor editor (p.processor);
        REQUIRE (pumpUntil ([&] { return stateIs (*editor, "Connected"); }));
        save (*editor, "01-status-connected");
        editor->setSize (1000, 640);
        save (*editor, "01b-status-connected-large");
    }

    SECTION ("unavailable with the reason")
    {
        IsolatedProcessor p (localConfig (TestHelpers::closedPort()));
        OpenEditor editor (p.processor);
        REQUIRE (pumpUntil ([&] { return stateIs (*editor, "Reconnecting"); }));
        p.processor.getConnectionManager()->stopBackgroundReconnection();
        REQUIRE (pumpUntil ([&] { return stateIs (*editor, "Unavailable"); }));
        save (*editor, "02-status-unavailable");
    }

    SECTION ("reconnecting after a hung backend")
    {
        TestHelpers::FakeComfyUI server;
        REQUIRE (server.start());
        server.setHang (true);
        auto config = localConfig (server.port(), 1.0);
        IsolatedProcessor p (config);
        OpenEditor editor (p.processor);
        REQUIRE (pumpUntil ([&] { return stateIs (*editor, "Reconnecting"); }, 15000));
        save (*editor, "03-status-reconnecting");
    }

    SECTION ("preferences with validation errors")
    {
        IsolatedProcessor p (localConfig (TestHelpers::closedPort()));
        OpenEditor editor (p.processor);
        auto& view = editor->getMainView();
        view.showPage (MainView::Page::preferences);
        auto& preferences = view.getPreferencesPanel();
        preferences.getTextField ("port")->setText ("0", true);
        preferences.getTextField ("retry_backoff")->setText ("fast", true);
        REQUIRE (pumpUntil ([&] { return preferences.isFieldInvalid ("port") && preferences.isFieldInvalid ("retry_backoff"); }));
        save (*editor, "04-preferences-invalid");

        preferences.revert();
        preferences.getTextField ("host")->setText ("studio-gpu.local", true);
        REQUIRE (pumpUntil ([&] { return preferences.getApplyButton().isEnabled(); }));
        save (*editor, "05-preferences-edited");
    }

    SECTION ("generation view with a placeholder result")
    {
        IsolatedProcessor p (localConfig (TestHelpers::closedPort()));
        OpenEditor editor (p.processor);
        REQUIRE (pumpUntil ([&] { return stateIs (*editor, "Reconnecting"); }));

        auto& view = editor->getMainView();
        view.showPage (MainView::Page::generate);
        auto& generation = view.getGenerationView();
        save (*editor, "06-generate-empty");

        generation.getPromptEditor().setText ("a lighthouse on a cliff at dusk, oil painting, warm light", true);
        generation.getNegativeEditor().setText ("blurry, text, watermark", true);
        generation.getSeedEditor().setText ("424242", true);
        pumpFor (50);
        REQUIRE (generation.generate());
        REQUIRE (pumpUntil ([&] { return generation.getResult().has_value(); }));
        pumpFor (100);
        save (*editor, "07-generate-placeholder");

        const auto& result = *generation.getResult();
        INFO (result.messages.joinIntoString ("\n"));
        REQUIRE (result.outcome == comfybridge::GenerationOutcome::placeholder);
        REQUIRE (! result.pngData.empty());
        screenshotFolder().getChildFile ("07b-placeholder-image.png").replaceWithData (result.pngData[0].getData(), result.pngData[0].getSize());

        // The smallest size the editor allows: nothing may be clipped there either.
        editor->setSize (ComfyBridgeEditor::minWidth, ComfyBridgeEditor::minHeight);
        save (*editor, "08a-min-size-generate");
        view.showPage (MainView::Page::preferences);
        save (*editor, "08b-min-size-preferences");
        view.showPage (MainView::Page::status);
        save (*editor, "08c-min-size-status");
    }
}
