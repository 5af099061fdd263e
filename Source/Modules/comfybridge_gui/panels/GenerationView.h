#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Where a user asks for an image: workflow, prompt, negative prompt, seed and
    size; Generate / Cancel with a progress bar; the result with Save PNG and
    drag-out.

    The prompt, seed and size fields show the selected workflow's own values
    (readWorkflowValues()). A field whose text differs from that value counts as
    edited: only edited values are sent and kept in the settings, so a workflow
    runs as written unless the user changed something. Choosing another workflow
    refreshes the fields that were not edited; "Workflow values" undoes all edits.

    The view starts jobs through a function its owner provides (normally
    ConnectionManager::generate), so it never touches the network itself and
    can be driven by tests. A job is followed through its change messages (the
    view listens to the job and pulls its progress; no timer, no callback that
    captures the view), and the view can re-attach to a job the owner kept, e.g.
    after the plugin window was closed and reopened.
*/
class GenerationView : public juce::Component,
                       private juce::ChangeListener
{
public:
    /** Starts a job and returns it at once (never blocks). */
    using StartFunction = std::function<std::shared_ptr<GenerationJob> (GenerationRequest)>;

    /** The workflow and what the user edited, kept with the plugin's state (a core type). */
    using Settings = GenerationSettings;

    /** Largest width or height accepted (the placeholder renderer's limit). */
    static constexpr int maxDimension = GenerationSettings::maxDimension;

    /** Largest seed accepted (2^53 - 1: JSON numbers above that lose precision). */
    static constexpr juce::int64 maxSeed = GenerationSettings::maxSeed;

    GenerationView();
    ~GenerationView() override;

    //==============================================================================
    /** The bundled workflows to offer (e.g. WorkflowLibrary::getWorkflows()). */
    void setWorkflows (std::vector<WorkflowDefinition> bundled);

    /** How jobs are started. Without one, Generate stays disabled. */
    void setStartFunction (StartFunction function);

    /** Puts @p settings into the controls (loading the user's workflow file if one is named). */
    void setSettings (const Settings& settings);

    /** What the controls say now. */
    Settings getSettings() const;

    /** Called whenever the settings change (the owner stores them). */
    std::function<void (const Settings&)> onSettingsChanged;

    /** Why the start function returned no job (shown to the user); may be empty. */
    std::function<juce::String()> whyNotStarted;

    /** Gives the view the owner's audio session: when the selected workflow produces
        audio, the result column shows the audio section (capture, waveforms, dry/wet)
        instead of the image. nullptr removes it. The session must outlive the view.
    */
    void setAudioSession (AudioSession* session);

    /** The audio section, or nullptr without an audio session. */
    AudioGenerationSection* getAudioSection() noexcept { return audioSection.get(); }

    /** True when the selected workflow produces audio. */
    bool isAudioWorkflowSelected() const;

    /** Called with every job the view starts (the owner may keep it across editor reopenings). */
    std::function<void (std::shared_ptr<GenerationJob>)> onJobStarted;

    //==============================================================================
    /** Starts a job with the current settings; false when the inputs are invalid,
        a job is running or there is no start function.
    */
    bool generate();

    /** Asks the running job to cancel (its result arrives as "cancelled"). */
    void cancel();

    /** Follows @p job (running or finished); nullptr does nothing. */
    void attachJob (std::shared_ptr<GenerationJob> job);

    /** True while a job is being followed and has not finished. */
    bool isRunning() const noexcept { return job != nullptr; }

    /** The last result shown, if any. */
    const std::optional<GenerationResult>& getResult() const noexcept { return result; }

    /** Loads a user's own API-format workflow file and selects it; returns the problem, if any. */
    juce::Result loadWorkflowFile (const juce::File& file);

    /** Writes the result image as PNG to @p file. */
    juce::Result saveResult (const juce::File& file) const;

    //==============================================================================
    /** Puts the selected workflow's own values back into every field (no field is edited then). */
    void showWorkflowValues();

    /** Problems with the workflow and the edited seed and size, one per field; empty when valid.
        A workflow's own values are not checked: they are sent as written and ComfyUI judges them.
    */
    juce::StringArray getInputProblems() const;

    juce::ComboBox& getWorkflowBox() noexcept          { return workflowBox; }
    juce::TextEditor& getPromptEditor() noexcept       { return promptEditor; }
    juce::TextEditor& getNegativeEditor() noexcept     { return negativeEditor; }
    juce::TextEditor& getSeedEditor() noexcept         { return seedEditor; }
    juce::TextEditor& getWidthEditor() noexcept        { return widthEditor; }
    juce::TextEditor& getHeightEditor() noexcept       { return heightEditor; }
    juce::Button& getGenerateButton() noexcept         { return generateButton; }
    juce::Button& getCancelButton() noexcept           { return cancelButton; }
    juce::Button& getRandomSeedButton() noexcept       { return randomSeedButton; }
    juce::Button& getOpenWorkflowButton() noexcept     { return openWorkflowButton; }
    juce::Button& getWorkflowValuesButton() noexcept   { return workflowValuesButton; }
    juce::Button& getSavePngButton() noexcept          { return saveButton; }
    ResultImageView& getImageView() noexcept           { return imageView; }

    /** The text on the progress bar. */
    juce::String getProgressText() const { return progressText; }

    /** The line that says how the last job ended. */
    juce::String getOutcomeText() const { return outcomeText.getText(); }

    //==============================================================================
    /** @internal */
    void paint (juce::Graphics&) override;
    /** @internal */
    void resized() override;

private:
    static constexpr int userWorkflowId = 1000;

    /** The fields that show a workflow value. */
    enum class Field
    {
        prompt,
        negativePrompt,
        seed,
        width,
        height
    };

    std::vector<WorkflowDefinition> workflows;
    WorkflowInputs shownValues; ///< the values of the workflow the fields were filled from
    std::optional<WorkflowDefinition> userWorkflow;
    juce::String userWorkflowFile;
    StartFunction start;
    std::shared_ptr<GenerationJob> job;
    std::optional<GenerationResult> result;
    double progress = 0.0;
    juce::String progressText;
    bool updatingControls = false;
    bool audioMode = false; ///< the selected workflow produces audio and there is an audio section

    juce::Label workflowCaption, workflowDescription, promptCaption, negativeCaption,
                seedCaption, sizeCaption, timesLabel, inputProblems, dragHint;
    juce::TextEditor outcomeText;
    juce::ComboBox workflowBox;
    juce::TextButton openWorkflowButton { juce::String (juce::CharPointer_UTF8 ("Open file\xe2\x80\xa6")) };
    juce::TextEditor promptEditor, negativeEditor, seedEditor, widthEditor, heightEditor;
    juce::TextButton randomSeedButton { "Random" }, workflowValuesButton { "Workflow values" };
    juce::TextButton generateButton { "Generate" }, cancelButton { "Cancel" };
    juce::TextButton saveButton { juce::String (juce::CharPointer_UTF8 ("Save PNG\xe2\x80\xa6")) };
    juce::ProgressBar progressBar { progress };
    ResultImageView imageView;
    std::unique_ptr<juce::FileChooser> chooser;
    std::unique_ptr<AudioGenerationSection> audioSection;
    juce::Rectangle<int> formCard, resultCard;

    void changeListenerCallback (juce::ChangeBroadcaster*) override;
    void setUpEditors();
    void layoutForm (juce::Rectangle<int> form);
    void layoutResult (juce::Rectangle<int> resultArea);
    void poll();
    void stopFollowing();
    void showResult (const GenerationResult& finished);
    void inputsChanged();
    void updateButtons();
    void rebuildWorkflowBox (const juce::String& selectName);
    void workflowSelectionChanged();
    juce::TextEditor& editorFor (Field field);
    const juce::TextEditor& editorFor (Field field) const;
    juce::String workflowText (Field field) const;
    bool isEdited (Field field) const;
    bool isSeedInvalid() const;
    bool isSizeInvalid (Field field) const;
    const WorkflowDefinition* getSelectedWorkflow() const;
    void showWorkflowDescription();
    void showAudioOrImage();
    void chooseWorkflowFile();
    void chooseSaveFile();
    void setProgress (double fraction, const juce::String& text);
    void setOutcome (const juce::String& text, juce::Colour colour);

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (GenerationView)
};

} // namespace comfybridge
