#include <catch2/catch.hpp>
#include <comfybridge_gui/comfybridge_gui.h>
#include "Support/TestUtilities.h"

using namespace TestSupport;
using comfybridge::ComfyUIConfig;
using comfybridge::PreferencesPanel;

namespace
{
    /** A panel whose "my defaults" live in a temporary file; it counts what Apply hands over. */
    struct Preferences
    {
        Preferences()
        {
            panel.setSize (760, 480);
            panel.setConfig (ComfyUIConfig {});
            panel.onApply = [this] (const ComfyUIConfig& config)
            {
                applied.push_back (config);
                return juce::StringArray();
            };
        }

        /** Types @p text into a field the way a user's edit arrives (change message included). */
        void type (const juce::String& key, const juce::String& text)
        {
            auto* editor = panel.getTextField (key);
            REQUIRE (editor != nullptr);
            editor->setText (text, true);
            pumpFor (30);
        }

        void click (juce::Button& button)
        {
            button.triggerClick();
            pumpFor (30);
        }

        juce::TemporaryFile defaultsFile { ".settings" };
        PreferencesPanel panel { comfybridge::UserDefaults (defaultsFile.getFile()) };
        std::vector<ComfyUIConfig> applied;
    };

    const juce::StringArray textKeys { "host", "port", "timeout", "max_retries", "retry_backoff", "probe_timeout" };
}

TEST_CASE ("typing 0 into the port shows the error beside the port and disables Apply", "[gui]")
{
    Preferences p;
    p.type ("port", "0");

    CHECK (p.panel.isFieldInvalid ("port"));
    CHECK (p.panel.getFieldMessage ("port") == "0 is out of range; expected 1 to 65535");
    CHECK_FALSE (p.panel.getApplyButton().isEnabled());
    CHECK_FALSE (p.panel.getSaveDefaultsButton().isEnabled());
    CHECK (p.panel.getFeedbackText().contains ("marked in red"));

    for (const auto& key : textKeys)
        if (key != "port")
            CHECK_FALSE (p.panel.isFieldInvalid (key));

    // Neither the button nor a direct call nor Return can apply it.
    p.click (p.panel.getApplyButton());
    CHECK_FALSE (p.panel.apply());
    p.panel.getTextField ("port")->onReturnKey();
    CHECK (p.applied.empty());
    CHECK (p.panel.getAppliedConfig() == ComfyUIConfig {});

    p.type ("port", "8188");
    CHECK_FALSE (p.panel.isFieldInvalid ("port"));
    CHECK (p.panel.getFieldMessage ("port").contains ("8188")); // the hint is back
    CHECK (p.panel.getApplyButton().isEnabled());
}

TEST_CASE ("every bad field gets its own message at the same time", "[gui]")
{
    Preferences p;
    const std::pair<const char*, const char*> bad[] = {
        { "host", "http://studio" }, { "port", "abc" }, { "timeout", "0" },
        { "max_retries", "101" }, { "retry_backoff", "0.5" }, { "probe_timeout", "61" }
    };

    for (const auto& [key, text] : bad)
        p.type (key, text);

    for (const auto& [key, text] : bad)
    {
        INFO (key << " -> " << p.panel.getFieldMessage (key));
        CHECK (p.panel.isFieldInvalid (key));

        // The message is about this field only (the key itself is implied by its place).
        for (const auto& other : textKeys)
            CHECK_FALSE (p.panel.getFieldMessage (key).contains (other + ":"));
    }

    CHECK (p.panel.getFieldMessage ("host").contains ("scheme"));
    CHECK (p.panel.getFieldMessage ("port").contains ("not a whole number"));
    CHECK (p.panel.getFieldMessage ("retry_backoff").contains ("1.0 to 10.0"));
    CHECK_FALSE (p.panel.getApplyButton().isEnabled());
    CHECK_FALSE (p.panel.parseFields().ok());
}

TEST_CASE ("Apply hands the whole new config to the owner exactly once", "[gui]")
{
    Preferences p;
    CHECK_FALSE (p.panel.getApplyButton().isEnabled()); // nothing changed yet

    p.type ("host", "studio-gpu.local");
    p.type ("port", "8188");
    p.type ("timeout", "12.5");
    p.type ("max_retries", "5");
    p.panel.getFallbackModeBox().setSelectedId (3); // abort
    pumpFor (30);
    p.panel.getToggle ("auto_download_models")->setToggleState (false, juce::sendNotificationSync);
    REQUIRE (p.panel.getApplyButton().isEnabled());
    CHECK (p.applied.empty()); // typing applies nothing

    p.click (p.panel.getApplyButton());

    ComfyUIConfig expected;
    expected.host = "studio-gpu.local";
    expected.port = 8188;
    expected.timeout = 12.5;
    expected.maxRetries = 5;
    expected.fallbackMode = comfybridge::FallbackMode::abort;
    expected.autoDownloadModels = false;

    REQUIRE (p.applied.size() == 1);
    CHECK (p.applied.front() == expected);
    CHECK (p.panel.getAppliedConfig() == expected);
    CHECK_FALSE (p.panel.getApplyButton().isEnabled());
    CHECK (p.panel.getFeedbackText().startsWith ("Applied"));
}

TEST_CASE ("Apply keeps the old config when the owner refuses the new one", "[gui]")
{
    Preferences p;
    p.panel.onApply = [] (const ComfyUIConfig&) { return juce::StringArray { "port: 8188 is taken" }; };
    p.type ("port", "8188");
    CHECK_FALSE (p.panel.apply());
    CHECK (p.panel.getAppliedConfig() == ComfyUIConfig {});
    CHECK (p.panel.getFeedbackText().contains ("Not applied"));
    CHECK (p.panel.getFeedbackText().contains ("8188 is taken"));
}

TEST_CASE ("Revert puts the config in use back into the fields", "[gui]")
{
    Preferences p;
    ComfyUIConfig inUse;
    inUse.port = 8188;
    inUse.enableCorsCheck = false;
    p.panel.setConfig (inUse);
    CHECK (p.panel.getTextField ("port")->getText() == "8188");
    CHECK (p.panel.getTextField ("timeout")->getText() == "30"); // numbers as people write them

    p.type ("port", "0");
    p.type ("host", "elsewhere");
    p.click (p.panel.getRevertButton());

    CHECK (p.panel.getTextField ("port")->getText() == "8188");
    CHECK (p.panel.getTextField ("host")->getText() == "localhost");
    CHECK_FALSE (p.panel.isFieldInvalid ("port"));
    CHECK_FALSE (p.panel.getToggle ("enable_cors_check")->getToggleState());
    CHECK_FALSE (p.panel.getApplyButton().isEnabled());
}

TEST_CASE ("a new config in use replaces the fields unless the user is editing", "[gui]")
{
    Preferences p;
    ComfyUIConfig restored;
    restored.port = 9000;
    p.panel.setConfig (restored);
    CHECK (p.panel.getTextField ("port")->getText() == "9000");

    p.type ("host", "my-edit");
    restored.port = 9001;
    p.panel.setConfig (restored);
    CHECK (p.panel.getTextField ("host")->getText() == "my-edit");
    CHECK (p.panel.getTextField ("port")->getText() == "9000");
}

TEST_CASE ("Save as my defaults and Load my defaults use the user's file and say what happened", "[gui]")
{
    Preferences p;
    p.type ("port", "8188");
    p.type ("host", "render-box");
    p.click (p.panel.getSaveDefaultsButton());
    CHECK (p.panel.getFeedbackText().startsWith ("Saved as your defaults"));

    const auto stored = comfybridge::UserDefaults (p.defaultsFile.getFile()).load();
    REQUIRE (stored.ok());
    CHECK (stored.config->port == 8188);
    CHECK (stored.config->host == "render-box");
    CHECK (p.applied.empty()); // saving is not applying

    p.click (p.panel.getRevertButton());
    CHECK (p.panel.getTextField ("port")->getText() == "8000");

    p.click (p.panel.getLoadDefaultsButton());
    CHECK (p.panel.getTextField ("port")->getText() == "8188");
    CHECK (p.panel.getTextField ("host")->getText() == "render-box");
    CHECK (p.panel.getFeedbackText().contains ("press Apply"));
    CHECK (p.panel.getApplyButton().isEnabled());
}

TEST_CASE ("a save that fails says why", "[gui]")
{
    PreferencesPanel panel (comfybridge::UserDefaults (juce::File ("/proc/comfybridge-cannot-write/ComfyBridge.settings")));
    panel.setConfig (ComfyUIConfig {});
    panel.saveAsDefaults();
    CHECK (panel.getFeedbackText().startsWith ("Could not save your defaults"));
}

TEST_CASE ("keyboard focus moves through the fields top to bottom, then the buttons", "[gui]")
{
    Preferences p;
    const auto order = p.panel.createKeyboardFocusTraverser()->getAllComponents (&p.panel);

    auto indexOf = [&] (juce::Component* c) { return (int) std::distance (order.begin(), std::find (order.begin(), order.end(), c)); };

    std::vector<int> indices;
    for (const auto& key : { "host", "port", "timeout", "probe_timeout", "max_retries", "retry_backoff" })
        indices.push_back (indexOf (p.panel.getTextField (key)));

    indices.push_back (indexOf (&p.panel.getFallbackModeBox()));
    indices.push_back (indexOf (p.panel.getToggle ("enable_cors_check")));
    indices.push_back (indexOf (&p.panel.getLoadDefaultsButton())); // (Apply is disabled, so not focusable, until something changes)

    for (auto i : indices)
        CHECK (i < (int) order.size());

    CHECK (std::is_sorted (indices.begin(), indices.end()));
}

//==============================================================================
namespace
{
    const juce::String secretToken { "s3cr3t-T0ken_value.abc~xyz" };

    /** Fails the test if any text the panel shows contains @p secret. */
    void checkNeverShown (PreferencesPanel& panel, const juce::String& secret)
    {
        const auto texts = panel.getVisibleTexts();
        REQUIRE (! texts.isEmpty());

        for (const auto& text : texts)
        {
            INFO ("visible text: " << text);
            CHECK_FALSE (text.contains (secret));
        }
    }
}

TEST_CASE ("the new connection fields apply with the rest in one call", "[gui]")
{
    Preferences p;
    REQUIRE (p.panel.getToggle ("use_tls") != nullptr);
    REQUIRE (p.panel.getToggle ("discover_port") != nullptr);
    CHECK (p.panel.getToggle ("use_tls")->getButtonText() == "Use https/wss");
    CHECK (p.panel.getToggle ("discover_port")->getButtonText().contains ("loopback only"));
    CHECK (p.panel.getToggle ("discover_port")->getToggleState()); // the default

    p.panel.getToggle ("use_tls")->setToggleState (true, juce::sendNotificationSync);
    p.panel.getToggle ("discover_port")->setToggleState (false, juce::sendNotificationSync);
    p.type ("models_folder", "/srv/comfyui/models");
    p.type ("port", "8443");
    REQUIRE (p.panel.getApplyButton().isEnabled());
    p.click (p.panel.getApplyButton());

    ComfyUIConfig expected;
    expected.useTls = true;
    expected.discoverPort = false;
    expected.modelsFolder = "/srv/comfyui/models";
    expected.port = 8443;
    REQUIRE (p.applied.size() == 1);
    CHECK (p.applied.front() == expected);
    CHECK (p.panel.getFeedbackText().contains ("https://localhost:8443"));

    p.click (p.panel.getRevertButton());
    CHECK (p.panel.getTextField ("models_folder")->getText() == "/srv/comfyui/models");
    CHECK (p.panel.getToggle ("use_tls")->getToggleState());
}

TEST_CASE ("a relative models folder is refused beside the field, empty means ask the server", "[gui]")
{
    Preferences p;
    CHECK (p.panel.getFieldMessage ("models_folder").contains ("ask the server"));

    p.type ("models_folder", "ComfyUI/models");
    CHECK (p.panel.isFieldInvalid ("models_folder"));
    CHECK (p.panel.getFieldMessage ("models_folder").contains ("not an absolute folder path"));
    CHECK_FALSE (p.panel.getFieldMessage ("models_folder").startsWith ("models_folder"));
    CHECK_FALSE (p.panel.getApplyButton().isEnabled());
    CHECK_FALSE (p.panel.apply());
    CHECK (p.applied.empty());

    for (const auto& key : textKeys)
        CHECK_FALSE (p.panel.isFieldInvalid (key)); // only this field is marked

    p.type ("models_folder", "");
    CHECK_FALSE (p.panel.isFieldInvalid ("models_folder"));
    CHECK_FALSE (p.panel.getApplyButton().isEnabled()); // back to the config in use: nothing to apply
}

TEST_CASE ("the CA certificate field takes an absolute path and applies it", "[gui]")
{
    Preferences p;
    REQUIRE (p.panel.getTextField ("ca_file") != nullptr);

    p.type ("ca_file", "certs/my-ca.pem");
    CHECK (p.panel.isFieldInvalid ("ca_file"));
    CHECK (p.panel.getFieldMessage ("ca_file").contains ("absolute"));
    CHECK_FALSE (p.panel.apply());
    CHECK (p.applied.empty());

    p.type ("ca_file", "/etc/ssl/my-ca.pem");
    CHECK_FALSE (p.panel.isFieldInvalid ("ca_file"));
    REQUIRE (p.panel.apply());
    REQUIRE (p.applied.size() == 1);
    CHECK (p.applied.back().caFile == "/etc/ssl/my-ca.pem");
}

TEST_CASE ("a token with characters a bearer token cannot hold is refused without showing it", "[gui]")
{
    Preferences p;
    const juce::String badToken { "abc def\"<script>" };
    p.type ("auth_token", badToken);

    CHECK (p.panel.isFieldInvalid ("auth_token"));
    const auto message = p.panel.getFieldMessage ("auth_token");
    INFO (message);
    CHECK (message.contains ("characters a bearer token cannot hold"));
    CHECK_FALSE (message.contains ("abc def"));
    CHECK_FALSE (p.panel.getApplyButton().isEnabled());
    CHECK_FALSE (p.panel.apply());
    CHECK (p.applied.empty());
    checkNeverShown (p.panel, "abc def");

    // Another bad field at the same time keeps its own message.
    p.type ("port", "0");
    CHECK (p.panel.isFieldInvalid ("port"));
    CHECK (p.panel.isFieldInvalid ("auth_token"));
}

TEST_CASE ("the token field shows bullets, and no label, message or tooltip ever contains the token", "[gui]")
{
    Preferences p;
    auto* field = p.panel.getTextField ("auth_token");
    REQUIRE (field != nullptr);
    CHECK (field->getPasswordCharacter() != 0);
    CHECK (p.panel.getFieldMessage ("auth_token").contains ("Kept only in your user preferences file, never in the project"));

    p.type ("auth_token", secretToken);
    CHECK_FALSE (p.panel.isFieldInvalid ("auth_token"));
    checkNeverShown (p.panel, secretToken);

    p.click (p.panel.getApplyButton());
    REQUIRE (p.applied.size() == 1);
    checkNeverShown (p.panel, secretToken);

    // Even a refusal from the owner that quotes the token is shown without it.
    p.panel.onApply = [] (const ComfyUIConfig& config) { return juce::StringArray { "token " + config.authToken + " was rejected" }; };
    p.type ("auth_token", secretToken + "2");
    CHECK_FALSE (p.panel.apply());
    CHECK (p.panel.getFeedbackText().contains ("was rejected"));
    checkNeverShown (p.panel, secretToken);
}

TEST_CASE ("applying a new token keeps it in the user's defaults file and hands it to the owner with the rest", "[gui]")
{
    Preferences p;

    // The user's stored defaults, which applying a token must not otherwise change.
    ComfyUIConfig storedDefaults;
    storedDefaults.host = "render-box";
    REQUIRE (comfybridge::UserDefaults (p.defaultsFile.getFile()).save (storedDefaults).wasOk());

    p.type ("auth_token", secretToken);
    p.type ("port", "8188");
    p.click (p.panel.getApplyButton());

    REQUIRE (p.applied.size() == 1);
    CHECK (p.applied.front().authToken == secretToken);
    CHECK (p.applied.front().port == 8188);
    CHECK (p.panel.getAppliedConfig().authToken == secretToken);

    const auto stored = comfybridge::UserDefaults (p.defaultsFile.getFile()).load();
    REQUIRE (stored.ok());
    CHECK (stored.config->authToken == secretToken);
    CHECK (stored.config->host == "render-box"); // only the token changed there
    CHECK (stored.config->port == 8000);

    // What an instance writes into its state never holds it.
    CHECK_FALSE (p.applied.front().toValueTree().toXmlString().contains (secretToken));
    CHECK_FALSE (p.applied.front().toJson().contains (secretToken));
}

TEST_CASE ("a token the owner refuses is not left in the user's defaults", "[gui]")
{
    Preferences p;
    p.panel.onApply = [] (const ComfyUIConfig&) { return juce::StringArray { "refused" }; };
    p.type ("auth_token", secretToken);
    CHECK_FALSE (p.panel.apply());
    CHECK (p.panel.getAppliedConfig() == ComfyUIConfig {});

    const auto stored = comfybridge::UserDefaults (p.defaultsFile.getFile()).load();
    REQUIRE (stored.ok());
    CHECK (stored.config->authToken.isEmpty());
}

TEST_CASE ("a token that cannot be kept in the user's defaults is not applied", "[gui]")
{
    PreferencesPanel panel (comfybridge::UserDefaults (juce::File ("/proc/comfybridge-cannot-write/ComfyBridge.settings")));
    panel.setConfig (ComfyUIConfig {});
    std::vector<ComfyUIConfig> applied;
    panel.onApply = [&] (const ComfyUIConfig& config) { applied.push_back (config); return juce::StringArray(); };

    panel.getTextField ("auth_token")->setText (secretToken, true);
    CHECK_FALSE (panel.apply());
    CHECK (applied.empty());
    CHECK (panel.getFeedbackText().startsWith ("Not applied: the access token could not be kept"));
    CHECK_FALSE (panel.getFeedbackText().contains (secretToken));
}

TEST_CASE ("Browse... opens a folder chooser without blocking", "[gui]")
{
    Preferences p;
    CHECK (p.panel.getBrowseButton().getButtonText().startsWith ("Browse"));
    const auto headless = juce::Desktop::getInstance().getDisplays().getPrimaryDisplay() == nullptr;

    if (headless)
    {
        // No screen: the panel says so instead of opening a window nobody can see.
        p.click (p.panel.getBrowseButton());
        CHECK (p.panel.getFeedbackText().contains ("type the folder's path"));
    }
    else
    {
        // launchAsync returns at once: the message thread never waits in a modal loop.
        const auto ms = millisecondsFor ([&] { p.panel.getBrowseButton().triggerClick(); pumpFor (30); });
        CHECK (ms < 2000.0);
    }

    p.type ("models_folder", "/srv/models");
    CHECK_FALSE (p.panel.isFieldInvalid ("models_folder"));
}
