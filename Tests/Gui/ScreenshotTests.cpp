// Renders the editor in its main states to PNG files, headless (no X needed):
//   ComfyBridgeTests "[screenshots]"
// Files go to $COMFYBRIDGE_SCREENSHOT_DIR, or /tmp/comfybridge-screens.
// Hidden from the default run: it writes files and proves nothing by itself.

#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Plugin/PluginTestSupport.h"
#include "Support/FakeExecutor.h"

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

    //==============================================================================
    /** The editor's content showing a made-up status: readiness states a test
        server cannot easily produce, rendered exactly as the editor draws them.
    */
    struct StatusPreview
    {
        explicit StatusPreview (const comfybridge::ComfyUIStatus& status)
        {
            view.setLookAndFeel (&lookAndFeel);
            view.setSize (760, 540);
            view.showPage (MainView::Page::status);
            view.getStatusPanel().setStatus (status);
            view.getStatusBadge().setStatus (status);
            view.resized(); // the badge's width follows its text
        }

        ~StatusPreview() { view.setLookAndFeel (nullptr); }

        comfybridge::ComfyBridgeLookAndFeel lookAndFeel;
        juce::TemporaryFile defaultsFile { ".settings" };
        MainView view { comfybridge::UserDefaults (defaultsFile.getFile()) };
    };

    juce::Time ago (double seconds)
    {
        return juce::Time::getCurrentTime() - juce::RelativeTime::seconds (seconds);
    }

    comfybridge::ComfyUIStatus connectedStatus()
    {
        comfybridge::ComfyUIStatus status;
        status.available = true;
        status.state = comfybridge::ConnectionState::connected;
        status.url = "http://127.0.0.1:8188";
        status.version = "0.3.64";
        status.queueSize = 0;
        status.lastCheck = ago (2);
        status.corsEnabled = status.modelsReady = status.workflowsReady = true;
        status.corsCheck.checked = status.modelsCheck.checked = status.workflowsCheck.checked = true;
        status.discoveryNote = "nothing usable answered on port 8000; found ComfyUI on port 8188";
        status.metrics.lastLatencyMs = 12.4;
        status.metrics.medianLatencyMs = 10.2;
        status.metrics.connectedSince = ago (190);
        status.metrics.reconnectCount = 1;
        status.metrics.checksDone = 42;
        status.metrics.lastError = "connection refused at http://127.0.0.1:8000. Is ComfyUI running?";
        status.metrics.lastErrorTime = ago (200);
        return status;
    }

    comfybridge::ComfyUIStatus modelsMissingStatus()
    {
        auto status = connectedStatus();
        status.discoveryNote = {};
        status.url = "http://localhost:8000";
        status.queueSize = 1;
        status.corsCheckEnabled = false;
        status.corsEnabled = false;
        status.corsCheck = {};
        status.modelsReady = false;
        status.modelsCheck.reason = "3 model files are missing";
        status.missingModels = {
            { "txt2img", "checkpoints", "v1-5-pruned-emaonly-fp16.safetensors", "https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors" },
            { "img2img", "checkpoints", "v1-5-pruned-emaonly-fp16.safetensors", "https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors" },
            { "upscale", "upscale_models", "RealESRGAN_x4plus.pth", "https://github.com/xinntao/Real-ESRGAN/releases/download/v0.1.0/RealESRGAN_x4plus.pth" },
            { "inpaint", "checkpoints", "sd-v1-5-inpainting.ckpt", "" }
        };
        status.workflowsReady = false;
        status.workflowsCheck.reason = "1 workflow cannot run";
        status.workflowProblems = { { "upscale", "node class UpscaleModelLoader is not installed" } };
        status.activity = juce::String (juce::CharPointer_UTF8 ("downloading v1-5-pruned-emaonly-fp16.safetensors: 42 %"));
        status.metrics.reconnectCount = 0;
        status.metrics.lastError = {};
        return status;
    }

    comfybridge::ComfyUIStatus unavailableStatus()
    {
        comfybridge::ComfyUIStatus status;
        status.state = comfybridge::ConnectionState::unavailable;
        status.url = "http://localhost:8000";
        status.lastCheck = ago (4);
        status.errorMessage = "connection refused at http://localhost:8000. Is ComfyUI running? Start ComfyUI (Desktop uses port 8000, "
                              "the portable build 8188) or change the host and port in Preferences.";
        status.corsCheck.reason = status.modelsCheck.reason = status.workflowsCheck.reason = "backend unavailable";
        status.metrics.lastLatencyMs = 11.0;
        status.metrics.medianLatencyMs = 9.6;
        status.metrics.reconnectCount = 2;
        status.metrics.consecutiveFailures = 4;
        status.metrics.checksDone = 57;
        status.metrics.lastError = *status.errorMessage;
        status.metrics.lastErrorTime = ago (4);
        return status;
    }
}

TEST_CASE ("screenshots of the status page's readiness and metrics", "[.screenshots]")
{
    SECTION ("connected and fully ready, with metrics")
    {
        StatusPreview preview (connectedStatus());
        save (preview.view, "11-status-ready-metrics");
    }

    SECTION ("connected, models missing and a workflow problem")
    {
        StatusPreview preview (modelsMissingStatus());
        save (preview.view, "12-status-models-missing");
        preview.view.setSize (1000, 640);
        save (preview.view, "12b-status-models-missing-large");
        preview.view.setSize (ComfyBridgeEditor::minWidth, ComfyBridgeEditor::minHeight);
        save (preview.view, "12c-status-models-missing-min-size");
    }

    SECTION ("unavailable with the reason")
    {
        StatusPreview preview (unavailableStatus());
        save (preview.view, "13-status-unavailable");
        preview.view.setSize (ComfyBridgeEditor::minWidth, ComfyBridgeEditor::minHeight);
        save (preview.view, "13b-status-unavailable-min-size");
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
        preferences.getTextField ("models_folder")->setText ("ComfyUI/models", true);
        preferences.getTextField ("auth_token")->setText ("not a token!", true);
        REQUIRE (pumpUntil ([&] { return preferences.isFieldInvalid ("port") && preferences.isFieldInvalid ("retry_backoff")
                                         && preferences.isFieldInvalid ("models_folder") && preferences.isFieldInvalid ("auth_token"); }));
        save (*editor, "04-preferences-invalid");
        editor->setSize (760, 1000); // the whole page, new fields included
        save (*editor, "04b-preferences-invalid-whole-page");
        editor->setSize (760, 540);

        preferences.revert();
        preferences.getTextField ("host")->setText ("studio-gpu.local", true);
        preferences.getTextField ("models_folder")->setText ("/home/me/ComfyUI/models", true);
        preferences.getTextField ("auth_token")->setText ("s3cr3t-token", true);
        preferences.getToggle ("use_tls")->setToggleState (true, juce::sendNotificationSync);
        REQUIRE (pumpUntil ([&] { return preferences.getApplyButton().isEnabled(); }));
        save (*editor, "05-preferences-edited");
        editor->setSize (760, 1000);
        save (*editor, "05b-preferences-edited-whole-page");
        editor->setSize (760, 540);
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

//==============================================================================
namespace
{
    float screenshotTone (juce::int64 position)
    {
        // A 440 Hz tone that swells, so the waveform has a shape to see.
        const auto t = (double) position / 48000.0;
        return (float) (0.6 * std::sin (juce::MathConstants<double>::pi * std::fmod (t, 1.0))
                        * std::sin (juce::MathConstants<double>::twoPi * 440.0 * t));
    }

    /** The editor of a prepared processor on the Generate page with audio_gain selected. */
    struct AudioPage
    {
        explicit AudioPage (comfybridge::ComfyUIConfig config)
            : isolated (config)
        {
            folder.createDirectory();
            processor().getAudioSession().setResultFolder (folder);
            processor().setPlayHead (&playHead);
            processor().setPlayConfigDetails (2, 2, 48000.0, 512);
            processor().prepareToPlay (48000.0, 512);
            editor = std::make_unique<OpenEditor> (processor());
            (*editor)->getMainView().showPage (MainView::Page::generate);

            // The bundled workflows and audio_gain (bundled, or defined by the test).
            auto workflows = processor().getWorkflowLibrary().getWorkflows();
            if (processor().getWorkflowLibrary().find ("audio_gain") == nullptr)
                workflows.push_back (audioGainWorkflow (processor()));
            generation().setWorkflows (workflows);

            comfybridge::GenerationView::Settings settings;
            settings.workflowName = "audio_gain";
            generation().setSettings (settings);
        }

        ~AudioPage()
        {
            editor.reset();
            processor().releaseResources();
            folder.deleteRecursively();
        }

        ComfyBridgeProcessor& processor() { return isolated.processor; }
        comfybridge::GenerationView& generation() { return (*editor)->getMainView().getGenerationView(); }
        comfybridge::AudioGenerationSection& section() { return *generation().getAudioSection(); }

        IsolatedProcessor isolated;
        juce::File folder = juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("comfybridge-shots", {}, false);
        TestPlayHead playHead;
        std::unique_ptr<OpenEditor> editor;
    };
}

TEST_CASE ("screenshots of the audio Generate page", "[.screenshots]")
{
    auto captureAndGenerate = [] (AudioPage& page, const juce::String& resultName)
    {
        REQUIRE (page.generation().isAudioWorkflowSelected());
        page.section().getLengthEditor().setText ("2", true);
        REQUIRE (pumpUntil ([&] { return page.processor().getAudioSession().getCaptureLength().amount == 2.0; }));
        page.section().toggleArm();
        page.section().refresh();
        save (**page.editor, "20-audio-armed");

        page.playHead.position = 96000;
        playThrough (page.processor(), page.playHead, 48000, screenshotTone);
        page.section().refresh();
        REQUIRE (page.section().getCaptureText().startsWith ("Capturing"));
        save (**page.editor, "21-audio-capturing");

        playThrough (page.processor(), page.playHead, 48000 + 1024, screenshotTone);
        page.section().refresh();
        REQUIRE (! page.processor().getAudioSession().getInput().isEmpty());

        REQUIRE (page.generation().generate());
        REQUIRE (pumpUntil ([&] { return page.processor().getAudioSession().getResult().file.existsAsFile(); }, 30000));
        page.section().refresh();
        pumpFor (100);
        save (**page.editor, resultName);
    };

    SECTION ("placeholder (ComfyUI unavailable)")
    {
        AudioPage page (localConfig (TestHelpers::closedPort()));
        captureAndGenerate (page, "23-audio-placeholder");
        CHECK (page.section().getResultView().isShowingPlaceholder());
        (*page.editor)->setSize (ComfyBridgeEditor::minWidth, ComfyBridgeEditor::minHeight);
        save (**page.editor, "23b-audio-placeholder-min-size");
    }

    SECTION ("generated result")
    {
        TestHelpers::FakeComfyUI server;
        REQUIRE (server.start());
        FakeExecutor executor (server);
        AudioPage page (localConfig (server.port()));
        REQUIRE (pumpUntil ([&] { return page.processor().isBackendAvailable(); }));
        captureAndGenerate (page, "22-audio-result");
        CHECK_FALSE (page.section().getResultView().isShowingPlaceholder());
    }
}
