namespace comfybridge
{

namespace
{
    /** Numbers as people write them: "30", "2.5" (never "30.0"). */
    juce::String formatNumber (double value)
    {
        if (std::isfinite (value) && value == std::floor (value) && std::abs (value) < 1.0e12)
            return juce::String ((juce::int64) value);

        return juce::String (value);
    }

    /** "port: 0 is out of range..." -> "0 is out of range..." for the field's own line. */
    juce::String withoutKey (const juce::String& message, const juce::String& key)
    {
        const auto prefix = key + ": ";
        return ui::capitalised (message.startsWith (prefix) ? message.substring (prefix.length()) : message);
    }

    /** "~/.config/..." rather than the full home path. */
    juce::String friendlyPath (const juce::File& file)
    {
        const auto home = juce::File::getSpecialLocation (juce::File::userHomeDirectory).getFullPathName();
        const auto path = file.getFullPathName();
        return path.startsWith (home + "/") ? "~" + path.substring (home.length()) : path;
    }

    const FallbackMode fallbackModes[] = { FallbackMode::placeholder, FallbackMode::skip, FallbackMode::abort };

    int comboIdFor (FallbackMode mode)
    {
        for (int i = 0; i < (int) std::size (fallbackModes); ++i)
            if (fallbackModes[i] == mode)
                return i + 1;

        return 1;
    }

    const juce::String hostKey { "host" }, portKey { "port" }, timeoutKey { "timeout" }, probeKey { "probe_timeout" },
                       retriesKey { "max_retries" }, backoffKey { "retry_backoff" }, corsKey { "enable_cors_check" },
                       downloadKey { "auto_download_models" }, deployKey { "auto_deploy_workflows" }, fallbackKey { "fallback_mode" },
                       tlsKey { "use_tls" }, discoverKey { "discover_port" }, modelsFolderKey { "models_folder" }, tokenKey { "auth_token" },
                       caFileKey { "ca_file" };

    /** Fields whose text can be long: their editor takes the row's width and their message goes below it. */
    bool isWideField (const juce::String& key) { return key == modelsFolderKey || key == tokenKey || key == caFileKey; }

    constexpr juce::juce_wchar passwordBullet = 0x2022;
}

//==============================================================================
/** The scrollable part: rows grouped on cards. */
class PreferencesPanel::Content : public juce::Component
{
public:
    std::vector<juce::Rectangle<int>> cards;

    void paint (juce::Graphics& g) override
    {
        for (auto card : cards)
            ui::fillCard (g, card);
    }
};

//==============================================================================
PreferencesPanel::PreferencesPanel (UserDefaults userDefaults)
    : defaults (std::move (userDefaults)), content (std::make_unique<Content>())
{
    setOpaque (true);

    ui::styleHeading (serverHeading, "Connection");
    ui::styleHeading (accessHeading, "Models and access");
    ui::styleHeading (behaviourHeading, "Behaviour");

    for (auto* heading : { &serverHeading, &accessHeading, &behaviourHeading })
        content->addAndMakeVisible (heading);

    addTextField (hostKey, "Host", "Name or IP address of the computer running ComfyUI", 253);
    addTextField (portKey, "Port", "ComfyUI Desktop uses 8000, plain ComfyUI 8188", 12);
    addTextField (timeoutKey, "Timeout (s)", "Seconds for one connection try, up to 600", 16);
    addTextField (probeKey, "Health check (s)", "Seconds for one periodic health check, up to 60", 16);
    addTextField (retriesKey, "Max retries", "Extra tries after the first, 0 to 100", 12);
    addTextField (backoffKey, "Retry backoff", "Delay multiplier between tries, 1 to 10", 16);
    addToggle (tlsKey, "Use https/wss");
    addToggle (discoverKey, "Find ComfyUI Desktop's port automatically (loopback only)");

    addTextField (modelsFolderKey, "Models folder",
                  "ComfyUI's models folder on this computer. Empty: ask the server", 4096);
    browseButton.setButtonText (juce::String (juce::CharPointer_UTF8 ("Browse\xe2\x80\xa6")));
    browseButton.setTooltip ("Choose ComfyUI's models folder");
    browseButton.onClick = [this] { browseForModelsFolder(); };
    content->addAndMakeVisible (browseButton);

    addTextField (caFileKey, "CA certificate",
                  "For https with your own certificate authority: its PEM file. Empty: the system's", 4096);

    auto& token = addTextField (tokenKey, "Access token",
                                "Optional. Kept only in your user preferences file, never in the project", 4096);
    token.editor.setPasswordCharacter (passwordBullet);
    token.editor.setPopupMenuEnabled (false);
    token.editor.setTooltip ("A bearer token sent with every request, if your ComfyUI needs one");

    ui::styleCaption (fallbackCaption, "When unavailable");
    fallbackBox.addItem ("Draw a placeholder image", 1);
    fallbackBox.addItem ("Skip: produce nothing", 2);
    fallbackBox.addItem ("Abort with an error", 3);
    fallbackBox.setTitle ("Fallback when ComfyUI is unavailable");
    fallbackBox.onChange = [this] { setFeedback ({}, {}); revalidate(); };
    ui::styleHint (fallbackMessage);
    fallbackMessage.setText ("What Generate does while ComfyUI cannot be reached", juce::dontSendNotification);
    content->addAndMakeVisible (fallbackCaption);
    content->addAndMakeVisible (fallbackBox);
    content->addAndMakeVisible (fallbackMessage);

    addToggle (corsKey, "Check whether ComfyUI allows cross-origin requests (CORS)");
    addToggle (downloadKey, "Download missing models automatically");
    addToggle (deployKey, "Install the bundled workflows in my ComfyUI");

    viewport.setViewedComponent (content.get(), false);
    viewport.setScrollBarsShown (true, false);
    viewport.setScrollBarThickness (8);
    addAndMakeVisible (viewport);

    ui::styleHint (feedback, Palette::secondaryText);
    addAndMakeVisible (feedback);

    applyButton.setColour (juce::TextButton::buttonColourId, Palette::accent);
    applyButton.setTooltip ("Use these settings now (Return in a field does the same)");
    revertButton.setTooltip ("Put the settings in use back into the fields");
    saveButton.setTooltip ("Store these settings as the starting point for new instances and the command-line tool");
    loadButton.setTooltip ("Put your stored defaults into the fields");

    applyButton.onClick = [this] { apply(); };
    revertButton.onClick = [this] { revert(); };
    saveButton.onClick = [this] { saveAsDefaults(); };
    loadButton.onClick = [this] { loadDefaults(); };

    for (auto* button : { &applyButton, &revertButton, &loadButton, &saveButton })
        addAndMakeVisible (button);

    showConfig (applied);
}

PreferencesPanel::~PreferencesPanel()
{
    viewport.setViewedComponent (nullptr, false);
}

PreferencesPanel::TextField& PreferencesPanel::addTextField (const juce::String& key, const juce::String& caption,
                                                             const juce::String& hint, int maxLength)
{
    auto field = std::make_unique<TextField>();
    field->key = key;
    field->hint = hint;

    ui::styleCaption (field->caption, caption);
    ui::styleHint (field->message);
    field->message.setJustificationType (isWideField (key) ? juce::Justification::topLeft : juce::Justification::centredLeft);
    field->message.setText (hint, juce::dontSendNotification);

    auto& editor = field->editor;
    editor.setTitle (caption);
    editor.setDescription (hint);
    editor.setFont (ComfyBridgeLookAndFeel::bodyFont (14.0f));
    editor.setIndents (8, 0);
    editor.setJustification (juce::Justification::centredLeft);
    editor.setInputRestrictions (maxLength);
    editor.setSelectAllWhenFocused (true);
    editor.onTextChange = [this] { setFeedback ({}, {}); revalidate(); };
    editor.onReturnKey = [this] { apply(); };
    editor.onEscapeKey = [this] { revert(); };

    content->addAndMakeVisible (field->caption);
    content->addAndMakeVisible (editor);
    content->addAndMakeVisible (field->message);
    textFields.push_back (std::move (field));
    return *textFields.back();
}

void PreferencesPanel::addToggle (const juce::String& key, const juce::String& text)
{
    auto toggle = std::make_unique<ToggleField>();
    toggle->key = key;
    toggle->button.setButtonText (text);
    toggle->button.onClick = [this] { setFeedback ({}, {}); revalidate(); };
    content->addAndMakeVisible (toggle->button);
    toggles.push_back (std::move (toggle));
}

//==============================================================================
void PreferencesPanel::setConfig (const ComfyUIConfig& config)
{
    const auto hadEdits = [this]
    {
        const auto parsed = parseFields();
        return ! parsed.ok() || *parsed.config != applied;
    }();

    applied = config;

    if (! hadEdits)
        showConfig (applied);
    else
        revalidate();
}

void PreferencesPanel::showConfig (const ComfyUIConfig& config)
{
    const std::pair<juce::String, juce::String> texts[] = {
        { hostKey, config.host }, { portKey, juce::String (config.port) }, { timeoutKey, formatNumber (config.timeout) },
        { probeKey, formatNumber (config.probeTimeout) }, { retriesKey, juce::String (config.maxRetries) },
        { backoffKey, formatNumber (config.retryBackoff) }, { modelsFolderKey, config.modelsFolder },
        { tokenKey, config.authToken }, { caFileKey, config.caFile }
    };

    for (const auto& [key, text] : texts)
        if (auto* editor = getTextField (key))
            editor->setText (text, false);

    getToggle (tlsKey)->setToggleState (config.useTls, juce::dontSendNotification);
    getToggle (discoverKey)->setToggleState (config.discoverPort, juce::dontSendNotification);
    getToggle (corsKey)->setToggleState (config.enableCorsCheck, juce::dontSendNotification);
    getToggle (downloadKey)->setToggleState (config.autoDownloadModels, juce::dontSendNotification);
    getToggle (deployKey)->setToggleState (config.autoDeployWorkflows, juce::dontSendNotification);
    fallbackBox.setSelectedId (comboIdFor (config.fallbackMode), juce::dontSendNotification);

    revalidate();
}

juce::StringPairArray PreferencesPanel::collectText() const
{
    juce::StringPairArray values;

    for (const auto& field : textFields)
        values.set (field->key, field->editor.getText());

    for (const auto& toggle : toggles)
        values.set (toggle->key, toggle->button.getToggleState() ? "true" : "false");

    const auto index = fallbackBox.getSelectedId() - 1;
    values.set (fallbackKey, toString (fallbackModes[juce::jlimit (0, (int) std::size (fallbackModes) - 1, index)]));
    return values;
}

ConfigParseResult PreferencesPanel::parseFields() const
{
    return ComfyUIConfig::fromText (collectText(), applied);
}

bool PreferencesPanel::hasUnappliedChanges() const
{
    const auto parsed = parseFields();
    return parsed.ok() && *parsed.config != applied;
}

void PreferencesPanel::revalidate()
{
    // Each field on its own on top of the config in use, so every bad field
    // gets its own message even while another one is also wrong.
    for (auto& field : textFields)
    {
        juce::StringPairArray one;
        one.set (field->key, field->editor.getText());
        const auto result = ComfyUIConfig::fromText (one, applied);

        juce::StringArray problems;
        for (const auto& error : result.errors)
            problems.add (withoutSecret (withoutKey (error, field->key)));

        field->invalid = ! problems.isEmpty();
        field->message.setText (field->invalid ? problems.joinIntoString ("; ") : field->hint, juce::dontSendNotification);
        field->message.setColour (juce::Label::textColourId, field->invalid ? Palette::errorText : Palette::mutedText);
        field->editor.setColour (juce::TextEditor::outlineColourId, field->invalid ? Palette::bad : Palette::outline);
        field->editor.setColour (juce::TextEditor::focusedOutlineColourId, field->invalid ? Palette::bad : Palette::accent);
        field->editor.repaint();
    }

    const auto parsed = parseFields();
    const auto changed = parsed.ok() && *parsed.config != applied;

    applyButton.setEnabled (changed);
    revertButton.setEnabled (! parsed.ok() || changed);
    saveButton.setEnabled (parsed.ok());

    if (feedback.getProperties()["action"])
        return; // the last action's outcome stays until the user edits again

    if (! parsed.ok())
    {
        // Problems no field claims (none today) are still shown, never hidden.
        juce::StringArray unclaimed;
        for (const auto& error : parsed.errors)
        {
            const auto claimed = std::any_of (textFields.begin(), textFields.end(),
                                              [&] (const auto& f) { return error.startsWith (f->key + ":"); });
            if (! claimed)
                unclaimed.add (error);
        }

        feedback.setText (unclaimed.isEmpty() ? juce::String ("Fix the fields marked in red to apply these settings.")
                                              : withoutSecret (unclaimed.joinIntoString ("; ")),
                          juce::dontSendNotification);
        feedback.setColour (juce::Label::textColourId, Palette::errorText);
    }
    else if (changed)
    {
        feedback.setText ("Changes are not applied yet: press Apply.", juce::dontSendNotification);
        feedback.setColour (juce::Label::textColourId, Palette::secondaryText);
    }
    else
    {
        feedback.setText ({}, juce::dontSendNotification);
    }
}

void PreferencesPanel::setFeedback (const juce::String& text, juce::Colour colour)
{
    feedback.getProperties().set ("action", text.isNotEmpty());
    feedback.setText (withoutSecret (text), juce::dontSendNotification);

    if (text.isNotEmpty())
        feedback.setColour (juce::Label::textColourId, colour);
}

//==============================================================================
bool PreferencesPanel::apply()
{
    const auto parsed = parseFields();

    if (! parsed.ok() || *parsed.config == applied)
        return false; // nothing valid to apply: an invalid config never leaves the panel

    const auto candidate = *parsed.config;
    const auto tokenChanged = candidate.authToken != applied.authToken;

    // The token lives in the user's preferences file, never in the instance's
    // state: store it there first, so a token that cannot be kept is not used.
    if (tokenChanged)
    {
        if (const auto stored = storeTokenInDefaults (candidate.authToken); stored.failed())
        {
            setFeedback ("Not applied: the access token could not be kept in " + friendlyPath (defaults.getFile())
                             + ": " + stored.getErrorMessage(),
                         Palette::errorText);
            revalidate();
            return false;
        }
    }

    const auto problems = onApply != nullptr ? onApply (candidate) : juce::StringArray();

    if (! problems.isEmpty())
    {
        if (tokenChanged)
            storeTokenInDefaults (applied.authToken); // put back the token still in use

        setFeedback ("Not applied: " + problems.joinIntoString ("; "), Palette::errorText);
        revalidate();
        return false;
    }

    applied = candidate;
    setFeedback ("Applied. ComfyBridge now uses " + applied.getBaseUrl() + ".", Palette::successText);
    revalidate();
    return true;
}

void PreferencesPanel::revert()
{
    setFeedback ({}, {});
    showConfig (applied);
}

void PreferencesPanel::saveAsDefaults()
{
    const auto parsed = parseFields();

    if (! parsed.ok())
    {
        setFeedback ("Not saved: fix the fields marked in red first.", Palette::errorText);
        revalidate();
        return;
    }

    const auto result = defaults.save (*parsed.config);

    if (result.wasOk())
        setFeedback ("Saved as your defaults in " + friendlyPath (defaults.getFile()) + ".", Palette::successText);
    else
        setFeedback ("Could not save your defaults: " + result.getErrorMessage(), Palette::errorText);

    revalidate();
}

void PreferencesPanel::loadDefaults()
{
    const auto loaded = defaults.load();

    if (! loaded.ok())
    {
        setFeedback ("Your saved defaults could not be used: " + loaded.errors.joinIntoString ("; "), Palette::errorText);
        revalidate();
        return;
    }

    showConfig (*loaded.config);

    if (*loaded.config == applied)
        setFeedback ("Your defaults are the settings in use.", Palette::secondaryText);
    else
        setFeedback ("Loaded your defaults into the fields: press Apply to use them.", Palette::successText);

    revalidate();
}

juce::Result PreferencesPanel::storeTokenInDefaults (const juce::String& token) const
{
    // Only the token changes: the other stored defaults stay what the user saved.
    const auto stored = defaults.load();

    if (! stored.ok())
        return juce::Result::fail ("the file has problems (" + withoutSecret (stored.errors.joinIntoString ("; "))
                                   + "); fix it with Save as my defaults");

    auto config = *stored.config;

    if (config.authToken == token)
        return juce::Result::ok();

    config.authToken = token;
    return defaults.save (config);
}

juce::String PreferencesPanel::withoutSecret (const juce::String& text) const
{
    // Validation messages never quote the token, but a message from elsewhere
    // (the owner's onApply, a damaged file) might: never let one reach the screen.
    auto result = text;
    const auto hidden = juce::String::repeatedString (juce::String::charToString (passwordBullet), 8);

    for (const auto& secret : { applied.authToken, textFields.empty() ? juce::String() : collectText()[tokenKey] })
        if (secret.length() >= 4)
            result = result.replace (secret, hidden);

    return result;
}

void PreferencesPanel::browseForModelsFolder()
{
    // JUCE's own chooser window needs a screen to centre on (a headless host has none).
    if (juce::Desktop::getInstance().getDisplays().getPrimaryDisplay() == nullptr)
    {
        setFeedback ("There is no screen to show a folder chooser on: type the folder's path instead.", Palette::errorText);
        return;
    }

    auto* editor = getTextField (modelsFolderKey);
    const auto current = juce::File::isAbsolutePath (editor->getText()) ? juce::File (editor->getText())
                                                                         : juce::File::getSpecialLocation (juce::File::userHomeDirectory);

    folderChooser = std::make_unique<juce::FileChooser> ("Choose ComfyUI's models folder", current);

    // Asynchronous: the message thread never waits in a modal loop.
    folderChooser->launchAsync (juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectDirectories,
                                [safeThis = juce::Component::SafePointer<PreferencesPanel> (this)] (const juce::FileChooser& chooser)
                                {
                                    if (safeThis == nullptr)
                                        return;

                                    const auto folder = chooser.getResult();

                                    if (folder != juce::File())
                                        if (auto* field = safeThis->getTextField (modelsFolderKey))
                                            field->setText (folder.getFullPathName(), true);
                                });
}

//==============================================================================
juce::StringArray PreferencesPanel::getVisibleTexts() const
{
    juce::StringArray texts;

    std::function<void (const juce::Component&)> collect = [&] (const juce::Component& component)
    {
        if (auto* label = dynamic_cast<const juce::Label*> (&component))
            texts.add (label->getText());
        else if (auto* editor = dynamic_cast<const juce::TextEditor*> (&component))
            texts.add (editor->getPasswordCharacter() != 0
                           ? juce::String::repeatedString (juce::String::charToString (editor->getPasswordCharacter()), editor->getTotalNumChars())
                           : editor->getText());
        else if (auto* button = dynamic_cast<const juce::Button*> (&component))
            texts.add (button->getButtonText());

        if (auto* tooltipClient = dynamic_cast<const juce::SettableTooltipClient*> (&component))
            texts.add (const_cast<juce::SettableTooltipClient*> (tooltipClient)->getTooltip()); // not const in JUCE 7

        texts.add (component.getTitle());
        texts.add (component.getDescription());

        for (auto* child : component.getChildren())
            collect (*child);
    };

    collect (*this);
    texts.removeEmptyStrings();
    return texts;
}

//==============================================================================
juce::TextEditor* PreferencesPanel::getTextField (const juce::String& key) noexcept
{
    for (auto& field : textFields)
        if (field->key == key)
            return &field->editor;

    return nullptr;
}

juce::ToggleButton* PreferencesPanel::getToggle (const juce::String& key) noexcept
{
    for (auto& toggle : toggles)
        if (toggle->key == key)
            return &toggle->button;

    return nullptr;
}

juce::String PreferencesPanel::getFieldMessage (const juce::String& key) const
{
    for (const auto& field : textFields)
        if (field->key == key)
            return field->message.getText();

    return key == fallbackKey ? fallbackMessage.getText() : juce::String();
}

bool PreferencesPanel::isFieldInvalid (const juce::String& key) const
{
    for (const auto& field : textFields)
        if (field->key == key)
            return field->invalid;

    return false;
}

} // namespace comfybridge
