#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Edits every ComfyUIConfig field with validation as the user types.

    Each field shows its hint beside it, or in red the validation message for
    that field (from ComfyUIConfig::fromText / validate(), so the panel and the
    rest of the product agree on what is valid). Apply is enabled only while
    every field is valid and something changed, and hands the whole new config
    to the owner's onApply callback in one call: an invalid config can never be
    applied. Revert puts the config in use back into the fields; "Save as my
    defaults" and "Load my defaults" use UserDefaults.

    The access token (auth_token) is a secret: its field shows bullets, no
    label, message or feedback ever contains it, and it is kept only in the
    user's preferences file. When Apply changes it, the panel first stores the
    new token in UserDefaults (leaving the other stored defaults as they are),
    then calls onApply with the whole config, token included; the owner keeps
    the token in memory and must never write it into per-instance state
    (ComfyUIConfig::toValueTree() leaves it out by default).
*/
class PreferencesPanel : public juce::Component
{
public:
    /** Applies a config; returns the problems (empty = applied). */
    using ApplyFunction = std::function<juce::StringArray (const ComfyUIConfig&)>;

    /** Creates the panel; @p defaults is where "my defaults" live (tests pass a temporary file). */
    explicit PreferencesPanel (UserDefaults defaults = UserDefaults {});
    ~PreferencesPanel() override;

    //==============================================================================
    /** Sets the config in use. The fields follow it unless the user has unapplied edits. */
    void setConfig (const ComfyUIConfig& config);

    /** The config in use (what Revert goes back to). */
    const ComfyUIConfig& getAppliedConfig() const noexcept { return applied; }

    /** What the fields say now: a config only when every field is valid. */
    ConfigParseResult parseFields() const;

    /** True when the fields are valid and differ from the config in use. */
    bool hasUnappliedChanges() const;

    /** Called by Apply with the whole new config (auth_token included, already
        stored in the user's defaults when it changed); when empty, Apply just adopts it.
    */
    ApplyFunction onApply;

    //==============================================================================
    /** Applies the fields if they are valid and changed; true when applied. */
    bool apply();

    /** Puts the config in use back into the fields. */
    void revert();

    /** Stores the fields (when valid) as the user's defaults and says whether that worked. */
    void saveAsDefaults();

    /** Puts the user's stored defaults into the fields (not applied until Apply). */
    void loadDefaults();

    //==============================================================================
    /** The text field for a JSON key ("host", "port", "timeout", "max_retries",
        "retry_backoff", "probe_timeout", "models_folder", "auth_token"), or nullptr.
    */
    juce::TextEditor* getTextField (const juce::String& key) noexcept;

    /** The toggle for "use_tls", "discover_port", "enable_cors_check",
        "auto_download_models" or "auto_deploy_workflows", or nullptr.
    */
    juce::ToggleButton* getToggle (const juce::String& key) noexcept;

    /** The "Browse…" button beside the models folder (opens an asynchronous folder chooser). */
    juce::Button& getBrowseButton() noexcept { return browseButton; }

    /** Every text a user can read in the panel: labels, messages, feedback,
        tooltips and the text fields as drawn (the token as bullets). For tests
        that prove the token never shows.
    */
    juce::StringArray getVisibleTexts() const;

    /** The fallback mode selector. */
    juce::ComboBox& getFallbackModeBox() noexcept { return fallbackBox; }

    /** The message beside a field: its validation problem, or its hint when valid. */
    juce::String getFieldMessage (const juce::String& key) const;

    /** True when the field's text is invalid (its message is an error). */
    bool isFieldInvalid (const juce::String& key) const;

    /** The line that reports what the last action did (applied, saved, ...). */
    juce::String getFeedbackText() const { return feedback.getText(); }

    juce::Button& getApplyButton() noexcept        { return applyButton; }
    juce::Button& getRevertButton() noexcept       { return revertButton; }
    juce::Button& getSaveDefaultsButton() noexcept { return saveButton; }
    juce::Button& getLoadDefaultsButton() noexcept { return loadButton; }

    //==============================================================================
    /** @internal */
    void paint (juce::Graphics&) override;
    /** @internal */
    void resized() override;

private:
    struct TextField
    {
        juce::String key, hint;
        juce::Label caption, message;
        juce::TextEditor editor;
        bool invalid = false;
    };

    struct ToggleField
    {
        juce::String key;
        juce::ToggleButton button;
    };

    class Content;

    UserDefaults defaults;
    std::unique_ptr<juce::FileChooser> folderChooser;
    ComfyUIConfig applied;
    std::vector<std::unique_ptr<TextField>> textFields;
    std::vector<std::unique_ptr<ToggleField>> toggles;
    juce::Label fallbackCaption, fallbackMessage;
    juce::ComboBox fallbackBox;
    juce::Label serverHeading, accessHeading, behaviourHeading;
    juce::TextButton browseButton;

    std::unique_ptr<Content> content;
    juce::Viewport viewport;
    juce::Label feedback;
    juce::TextButton applyButton { "Apply" }, revertButton { "Revert" },
                     saveButton { "Save as my defaults" }, loadButton { "Load my defaults" };

    TextField& addTextField (const juce::String& key, const juce::String& caption, const juce::String& hint, int maxLength);
    void browseForModelsFolder();
    juce::Result storeTokenInDefaults (const juce::String& token) const;
    juce::String withoutSecret (const juce::String& text) const;
    void addToggle (const juce::String& key, const juce::String& text);
    void showConfig (const ComfyUIConfig& config);
    juce::StringPairArray collectText() const;
    void revalidate();
    void setFeedback (const juce::String& text, juce::Colour colour);
    void layoutContent (int width);
    TextField& findField (const juce::String& key);
    void layoutTextRow (juce::Rectangle<int>& inner, const juce::String& key);
    void layoutWideRow (juce::Rectangle<int>& inner, const juce::String& key, juce::Button* button);
    void layoutToggleRow (juce::Rectangle<int>& inner, const juce::String& key);

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (PreferencesPanel)
};

} // namespace comfybridge
