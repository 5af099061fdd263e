#include <catch2/catch.hpp>
#include <MisbehavingServers.h>
#include <comfybridge_gui/comfybridge_gui.h>
#include "Support/TestUtilities.h"
#include "Shared/BundledWorkflows.h"

using namespace TestSupport;
using comfybridge::GenerationJob;
using comfybridge::GenerationOutcome;
using comfybridge::GenerationProgress;
using comfybridge::GenerationRequest;
using comfybridge::GenerationResult;
using comfybridge::GenerationView;
using comfybridge::WorkflowDefinition;

namespace
{
    /** A job the test finishes by hand. */
    struct ManualJob : public GenerationJob
    {
        ManualJob() : future (promise.get_future().share()) {}

        void cancel() override { cancelRequested = true; }
        GenerationProgress getProgress() const override { std::lock_guard<std::mutex> l (mutex); return progress; }
        bool isFinished() const override { return finished; }
        std::shared_future<GenerationResult> getFuture() const override { return future; }

        void setProgress (double fraction, const juce::String& text)
        {
            {
                std::lock_guard<std::mutex> l (mutex);
                progress = { fraction, text };
            }
            sendChangeMessage(); // as a real job does: the view follows change messages, it does not poll
        }

        void finish (GenerationResult result)
        {
            promise.set_value (std::move (result));
            finished = true;
            sendChangeMessage();
        }

        mutable std::mutex mutex;
        GenerationProgress progress;
        std::promise<GenerationResult> promise;
        std::shared_future<GenerationResult> future;
        std::atomic<bool> finished { false }, cancelRequested { false };
    };

    WorkflowDefinition workflow (const juce::String& name, bool withPrompt = true)
    {
        WorkflowDefinition w;
        w.name = name;
        w.title = "Workflow " + name;
        w.description = "A test workflow.";
        w.apiJson = "{}";
        if (withPrompt)
            w.prompt.push_back ({ "6", "text" });
        return w;
    }

    /** A view with two workflows whose jobs are recorded and come from @p makeJob. */
    struct View
    {
        View()
        {
            view.setSize (760, 480);
            view.setWorkflows ({ workflow ("txt2img"), workflow ("empty_image", false) });
            view.setStartFunction ([this] (GenerationRequest request)
            {
                requests.push_back (request);
                lastJob = std::make_shared<ManualJob>();
                return std::static_pointer_cast<GenerationJob> (lastJob);
            });
        }

        GenerationView view;
        std::vector<GenerationRequest> requests;
        std::shared_ptr<ManualJob> lastJob;
    };

    juce::Image solidImage (int w, int h)
    {
        juce::Image image (juce::Image::ARGB, w, h, true);
        juce::Graphics (image).fillAll (juce::Colours::teal);
        return image;
    }
}

TEST_CASE ("Generate hands the whole request over once and follows the job to its result", "[gui]")
{
    View v;
    v.view.getPromptEditor().setText ("a red fox in snow", false);
    v.view.getNegativeEditor().setText ("blurry", false);
    v.view.getSeedEditor().setText ("123456789", false);
    v.view.getWidthEditor().setText ("640", false);
    v.view.getHeightEditor().setText ("384", true);
    pumpFor (30);
    REQUIRE (v.view.getGenerateButton().isEnabled());

    v.view.getGenerateButton().triggerClick();
    REQUIRE (pumpUntil ([&] { return v.requests.size() == 1; }));

    const auto& request = v.requests.front();
    CHECK (request.workflow.name == "txt2img");
    CHECK (request.inputs.prompt == "a red fox in snow");
    CHECK (request.inputs.negativePrompt == "blurry");
    CHECK (request.inputs.seed == 123456789);
    CHECK (request.inputs.width == 640);
    CHECK (request.inputs.height == 384);

    CHECK (v.view.isRunning());
    CHECK_FALSE (v.view.getGenerateButton().isEnabled());
    CHECK (v.view.getCancelButton().isEnabled());

    v.lastJob->setProgress (0.35, "KSampler: step 7 of 20");
    REQUIRE (pumpUntil ([&] { return v.view.getProgressText() == "KSampler: step 7 of 20"; }));

    GenerationResult result;
    result.outcome = GenerationOutcome::generated;
    result.images.push_back (solidImage (64, 32));
    result.seconds = 4.2;
    v.lastJob->finish (result);
    REQUIRE (pumpUntil ([&] { return ! v.view.isRunning(); }));

    CHECK (v.view.getOutcomeText() == "Generated in 4.2 s.");
    CHECK (v.view.getImageView().getImage().getWidth() == 64);
    CHECK_FALSE (v.view.getImageView().isShowingPlaceholder());
    CHECK (v.view.getSavePngButton().isEnabled());
    CHECK (v.view.getGenerateButton().isEnabled());
    CHECK (v.requests.size() == 1);
}

TEST_CASE ("a placeholder result is badged as a placeholder and says why", "[gui]")
{
    // A real manager that has never connected: its fallback draws the placeholder.
    auto manager = std::make_shared<comfybridge::ConnectionManager> (localConfig (TestHelpers::closedPort()));
    GenerationView view;
    view.setSize (760, 480);
    view.setWorkflows ({ workflow ("txt2img") });
    view.setStartFunction ([manager] (GenerationRequest request) { return manager->generate (std::move (request)); });
    view.getPromptEditor().setText ("a lighthouse at dusk", false);

    REQUIRE (view.generate());
    REQUIRE (pumpUntil ([&] { return view.getResult().has_value(); }));

    CHECK (view.getResult()->outcome == GenerationOutcome::placeholder);
    CHECK (view.getImageView().isShowingPlaceholder());
    CHECK (view.getImageView().getImage().getWidth() == 512);
    CHECK (view.getOutcomeText().startsWith ("Placeholder, not a generated image."));
    CHECK (view.getSavePngButton().isEnabled());
}

TEST_CASE ("Cancel asks the running job to cancel and shows the outcome", "[gui]")
{
    View v;
    REQUIRE (v.view.generate());
    CHECK_FALSE (v.view.generate()); // one job at a time

    v.view.getCancelButton().triggerClick();
    REQUIRE (pumpUntil ([&] { return v.lastJob->cancelRequested.load(); }));
    CHECK (v.view.getProgressText().startsWith ("Cancelling"));

    GenerationResult result;
    result.outcome = GenerationOutcome::cancelled;
    v.lastJob->finish (result);
    REQUIRE (pumpUntil ([&] { return ! v.view.isRunning(); }));
    CHECK (v.view.getOutcomeText() == "Cancelled.");
    CHECK_FALSE (v.view.getSavePngButton().isEnabled());
}

TEST_CASE ("Generate stays disabled while the seed or size is invalid", "[gui]")
{
    View v;
    CHECK (v.view.getGenerateButton().isEnabled());

    v.view.getWidthEditor().setText ("0", true);
    pumpFor (30);
    CHECK_FALSE (v.view.getGenerateButton().isEnabled());
    CHECK (v.view.getInputProblems().joinIntoString (" ").contains ("Width"));
    CHECK_FALSE (v.view.generate());

    v.view.getWidthEditor().setText ("9000", true);
    pumpFor (30);
    CHECK_FALSE (v.view.getGenerateButton().isEnabled());

    v.view.getWidthEditor().setText ("1024", true);
    v.view.getSeedEditor().setText ("9007199254740992", true); // 2^53
    pumpFor (30);
    CHECK_FALSE (v.view.getGenerateButton().isEnabled());
    CHECK (v.view.getInputProblems().joinIntoString (" ").contains ("Seed"));

    v.view.getRandomSeedButton().triggerClick();
    pumpFor (30);
    CHECK (v.view.getGenerateButton().isEnabled());
    CHECK (v.requests.empty());

    GenerationView withoutStarter;
    CHECK_FALSE (withoutStarter.getGenerateButton().isEnabled());
}

TEST_CASE ("generation settings survive a trip through the plugin state", "[gui]")
{
    GenerationView::Settings settings;
    settings.workflowName = "empty_image";
    settings.prompt = "line one\nline two & <three>";
    settings.negativePrompt = "no";
    settings.seed = GenerationView::maxSeed;
    settings.width = 768;
    settings.height = 320;

    const auto xml = settings.toValueTree().toXmlString();
    const auto back = GenerationView::Settings::fromValueTree (juce::ValueTree::fromXml (xml));
    CHECK (back == settings);

    View v;
    v.view.setSettings (settings);
    CHECK (v.view.getSettings() == settings);
    CHECK (v.view.getWorkflowBox().getText() == "Workflow empty_image");
}

TEST_CASE ("the settings are reported as the user edits them", "[gui]")
{
    View v;
    std::vector<GenerationView::Settings> reported;
    v.view.onSettingsChanged = [&] (const GenerationView::Settings& s) { reported.push_back (s); };

    v.view.getPromptEditor().setText ("hello", true);
    REQUIRE (pumpUntil ([&] { return ! reported.empty(); }));
    CHECK (reported.back().prompt == "hello");
}

TEST_CASE ("a user's API-format workflow file can be used, a UI-format file is refused with a reason", "[gui]")
{
    View v;
    const auto bundled = juce::File (COMFYBRIDGE_SOURCE_DIR).getChildFile ("Resources/workflows/empty_image.json");
    REQUIRE (bundled.existsAsFile());

    juce::TemporaryFile apiFile (".json");
    REQUIRE (bundled.copyFileTo (apiFile.getFile()));
    REQUIRE (v.view.loadWorkflowFile (apiFile.getFile()).wasOk());
    CHECK (v.view.getWorkflowBox().getText().startsWith ("My file:"));
    CHECK (v.view.getSettings().workflowFile == apiFile.getFile().getFullPathName());

    REQUIRE (v.view.generate());
    REQUIRE (v.requests.size() == 1);
    CHECK_FALSE (v.requests.front().workflow.isBundled);

    juce::TemporaryFile uiFile (".json");
    REQUIRE (uiFile.getFile().replaceWithText (R"({"last_node_id": 1, "nodes": [], "links": []})"));
    const auto refused = v.view.loadWorkflowFile (uiFile.getFile());
    CHECK (refused.failed());
    CHECK (refused.getErrorMessage().isNotEmpty());
}

TEST_CASE ("the result can be saved as PNG and written for dragging out", "[gui]")
{
    View v;
    REQUIRE (v.view.generate());
    GenerationResult result;
    result.outcome = GenerationOutcome::placeholder;
    result.images.push_back (solidImage (40, 30));
    v.lastJob->finish (result);
    REQUIRE (pumpUntil ([&] { return ! v.view.isRunning(); }));

    juce::TemporaryFile target (".png");
    REQUIRE (v.view.saveResult (target.getFile()).wasOk());
    const auto saved = juce::ImageFileFormat::loadFrom (target.getFile());
    CHECK (saved.getWidth() == 40);
    CHECK (saved.getHeight() == 30);

    const auto dragged = v.view.getImageView().writeTemporaryPng();
    REQUIRE (dragged.existsAsFile());
    CHECK (dragged.getFileName().startsWith ("ComfyBridge-placeholder-"));
    CHECK (juce::ImageFileFormat::loadFrom (dragged).getWidth() == 40);
    dragged.deleteFile();
}

//==============================================================================
namespace
{
    /** A user's sampler workflow with its own prompts, seed and (unrounded) size. */
    const char* const ownValuesGraph = R"({
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "my own prompt", "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "my own negative", "clip": ["1", 1]}},
        "4": {"class_type": "EmptyLatentImage", "inputs": {"width": 640, "height": 300, "batch_size": 1}},
        "5": {"class_type": "KSampler", "inputs": {"model": ["1", 0], "seed": 99, "steps": 4, "cfg": 1, "sampler_name": "euler",
              "scheduler": "normal", "positive": ["2", 0], "negative": ["3", 0], "latent_image": ["4", 0], "denoise": 1}},
        "6": {"class_type": "VAEDecode", "inputs": {"samples": ["5", 0], "vae": ["1", 2]}},
        "7": {"class_type": "SaveImage", "inputs": {"images": ["6", 0], "filename_prefix": "x"}}
    })";

    const std::optional<juce::String> unsetText;
    const std::optional<juce::int64> unsetSeed;
    const std::optional<int> unsetSize;

    void finishJob (View& v)
    {
        GenerationResult result;
        result.outcome = GenerationOutcome::generated;
        result.images.push_back (solidImage (8, 8));
        v.lastJob->finish (result);
        REQUIRE (pumpUntil ([&] { return ! v.view.isRunning(); }));
    }
}

TEST_CASE ("the Generate page shows the opened workflow's own values and sends only what the user edited", "[gui][inputs]")
{
    View v;
    juce::TemporaryFile file (".json");
    REQUIRE (file.getFile().replaceWithText (ownValuesGraph));
    REQUIRE (v.view.loadWorkflowFile (file.getFile()).wasOk());

    CHECK (v.view.getPromptEditor().getText() == "my own prompt");
    CHECK (v.view.getNegativeEditor().getText() == "my own negative");
    CHECK (v.view.getSeedEditor().getText() == "99");
    CHECK (v.view.getWidthEditor().getText() == "640");
    CHECK (v.view.getHeightEditor().getText() == "300");

    REQUIRE (v.view.generate());
    REQUIRE (v.requests.size() == 1);
    CHECK (v.requests[0].inputs.prompt == unsetText);
    CHECK (v.requests[0].inputs.negativePrompt == unsetText);
    CHECK (v.requests[0].inputs.seed == unsetSeed);
    CHECK (v.requests[0].inputs.width == unsetSize);
    CHECK (v.requests[0].inputs.height == unsetSize);
    finishJob (v);

    v.view.getWidthEditor().setText ("768", true);
    v.view.getPromptEditor().setText ("a different prompt", true);
    REQUIRE (v.view.generate());
    REQUIRE (v.requests.size() == 2);
    CHECK (v.requests[1].inputs.width == 768);
    CHECK (v.requests[1].inputs.prompt == juce::String ("a different prompt"));
    CHECK (v.requests[1].inputs.height == unsetSize);
    CHECK (v.requests[1].inputs.seed == unsetSeed);
    CHECK (v.requests[1].inputs.negativePrompt == unsetText);
}

TEST_CASE ("a workflow's own out-of-range size is not an input problem: it is sent as written", "[gui][inputs]")
{
    View v;
    juce::TemporaryFile file (".json");
    REQUIRE (file.getFile().replaceWithText (R"({"1": {"class_type": "EmptyImage", "inputs": {"width": 0, "height": 48, "batch_size": 1, "color": 0}},
                                                 "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "x"}}})"));
    REQUIRE (v.view.loadWorkflowFile (file.getFile()).wasOk());

    CHECK (v.view.getWidthEditor().getText() == "0");
    CHECK (v.view.getInputProblems().isEmpty());
    REQUIRE (v.view.generate());
    CHECK (v.requests[0].inputs.width == unsetSize);
}

TEST_CASE ("choosing another workflow refreshes the fields the user did not edit", "[gui][inputs]")
{
    juce::StringArray errors;
    const auto library = comfybridge::loadBundledWorkflows (errors);
    View v;
    v.view.setWorkflows (library.getWorkflows()); // txt2img first, then empty_image
    REQUIRE (v.view.getSettings().workflowName == "txt2img");

    CHECK (v.view.getPromptEditor().getText() == "a lighthouse on a rocky coast at dusk, warm light, detailed");
    CHECK (v.view.getWidthEditor().getText() == "512");

    v.view.getSeedEditor().setText ("5", true);
    v.view.getWorkflowBox().setSelectedItemIndex (1, juce::sendNotificationSync);
    REQUIRE (v.view.getSettings().workflowName == "empty_image");

    CHECK (v.view.getPromptEditor().getText().isEmpty()); // empty_image has no prompt
    CHECK (v.view.getSeedEditor().getText() == "5");     // the user's seed stays
    CHECK (v.view.getSettings().seed == 5);
    CHECK (v.view.getSettings().prompt == unsetText);
}

TEST_CASE ("Workflow values drops the user's edits", "[gui][inputs]")
{
    View v;
    juce::TemporaryFile file (".json");
    REQUIRE (file.getFile().replaceWithText (ownValuesGraph));
    REQUIRE (v.view.loadWorkflowFile (file.getFile()).wasOk());
    v.view.getSeedEditor().setText ("7", true);
    v.view.getWidthEditor().setText ("0", true); // an edited size is checked
    CHECK_FALSE (v.view.getInputProblems().isEmpty());

    std::vector<GenerationView::Settings> reported;
    v.view.onSettingsChanged = [&] (const GenerationView::Settings& s) { reported.push_back (s); };
    v.view.getWorkflowValuesButton().triggerClick();
    REQUIRE (pumpUntil ([&] { return ! reported.empty(); }));

    CHECK (v.view.getSeedEditor().getText() == "99");
    CHECK (v.view.getWidthEditor().getText() == "640");
    CHECK (v.view.getInputProblems().isEmpty());
    CHECK_FALSE (reported.back().seed.has_value());
    CHECK_FALSE (reported.back().width.has_value());
}

TEST_CASE ("settings keep only edited values, and settings saved before that load without our old defaults", "[gui][inputs]")
{
    GenerationView::Settings edited;
    edited.workflowName = "empty_image";
    edited.width = 640;

    const auto tree = edited.toValueTree();
    CHECK_FALSE (tree.hasProperty ("prompt"));
    CHECK_FALSE (tree.hasProperty ("seed"));
    CHECK_FALSE (tree.hasProperty ("height"));
    CHECK (GenerationView::Settings::fromValueTree (juce::ValueTree::fromXml (tree.toXmlString())) == edited);

    // The request carries the same: the edited width and nothing else.
    const auto inputs = edited.toInputs();
    CHECK (inputs.width == 640);
    CHECK (inputs.height == unsetSize);
    CHECK (inputs.prompt == unsetText);
    CHECK (inputs.negativePrompt == unsetText);
    CHECK (inputs.seed == unsetSeed);

    // Saved by an earlier version: every value was stored, edited or not.
    const auto old = GenerationView::Settings::fromValueTree (juce::ValueTree::fromXml (
        R"(<Generation workflow="empty_image" workflow_file="" prompt="" negative_prompt="" seed="0" width="512" height="360"/>)"));
    CHECK (old.workflowName == "empty_image");
    CHECK (old.prompt == unsetText);
    CHECK (old.negativePrompt == unsetText);
    CHECK (old.seed == unsetSeed);
    CHECK (old.width == unsetSize);
    CHECK (old.height == 360);

    const auto oldEdited = GenerationView::Settings::fromValueTree (juce::ValueTree::fromXml (
        R"(<Generation workflow="txt2img" prompt="a fox" negative_prompt="" seed="77" width="640" height="512"/>)"));
    CHECK (oldEdited.prompt == juce::String ("a fox"));
    CHECK (oldEdited.seed == 77);
    CHECK (oldEdited.width == 640);
    CHECK (oldEdited.height == unsetSize);
}
