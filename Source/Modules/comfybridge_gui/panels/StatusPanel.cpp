namespace comfybridge
{

namespace
{
    juce::String utf8 (const char* text) { return juce::String (juce::CharPointer_UTF8 (text)); }

    const juce::String tickMark = utf8 ("\xe2\x9c\x93 "), bullet = utf8 ("\xe2\x80\xa2 "), dot = utf8 (" \xc2\xb7 "), ellipsis = utf8 ("\xe2\x80\xa6");

    /** "3 prompts (running + pending)", or just "3 prompts" when @p width is too narrow for the rest. */
    juce::String describeQueue (const ComfyUIStatus& status, const juce::Font& font, int width)
    {
        if (! status.available)
            return ui::dash();

        if (status.queueSize == 0)
            return "empty";

        const auto count = juce::String (status.queueSize) + (status.queueSize == 1 ? " prompt" : " prompts");
        const auto full = count + " (running + pending)";
        return font.getStringWidthFloat (full) <= (float) width ? full : count;
    }

    juce::String orDash (const juce::String& text) { return text.isNotEmpty() ? text : ui::dash(); }
    juce::String latencyText (const ConnectionMetrics& m) { return orDash (statustext::latency (m, dot)); }
    juce::String uptimeText (double seconds) { return orDash (statustext::uptime (seconds)); }

    /** "v1-5-pru…fp16.safetensors": a file name's start and its end (the extension and a
        few characters before it) within about @p maxChars.
    */
    juce::String abbreviateFileName (const juce::String& name, int maxChars)
    {
        if (name.length() <= maxChars)
            return name;

        const auto extension = name.fromLastOccurrenceOf (".", true, false);
        const auto tail = (extension.length() <= 12 ? extension.length() : 0) + 4;
        const auto head = juce::jmax (6, maxChars - 1 - tail);
        return name.substring (0, head) + ellipsis + name.substring (name.length() - tail);
    }

    juce::String abbreviateEnd (const juce::String& text, int maxChars)
    {
        return text.length() <= maxChars ? text : text.substring (0, maxChars - 1).trimEnd() + ellipsis;
    }

    /** "prefix a, b and 3 more", showing as many of the first two items as fit
        @p width, in the first of @p forms (the same items, ever shorter) that fits.
    */
    juce::String fitList (const juce::String& prefix, std::initializer_list<const juce::StringArray*> forms,
                          const juce::Font& font, int width)
    {
        const auto compose = [&] (const juce::StringArray& items, int shown)
        {
            auto text = prefix;

            for (int i = 0; i < shown; ++i)
                text << (i == 0 ? "" : ", ") << items[i];

            if (items.size() > shown)
                text << " and " << (items.size() - shown) << " more";

            return text;
        };

        const auto& last = **std::prev (forms.end());
        const auto maxShown = juce::jmin (2, last.size());

        for (const auto* items : forms)
            for (int shown = maxShown; shown >= 1; --shown)
                if (const auto text = compose (*items, shown); font.getStringWidthFloat (text) <= (float) width)
                    return text;

        return compose (last, juce::jmin (1, last.size()));
    }

    //==============================================================================
    /** What one readiness row shows. */
    struct ReadinessText
    {
        juce::String text, tooltip;
        juce::Colour colour;
    };

    ReadinessText notCheckedRow (const ReadinessCheck& check)
    {
        if (check.reason.isEmpty())
            return { "not checked yet", "ComfyBridge has not asked the server yet.", Palette::mutedText };

        return { "not checked yet (" + check.reason + ")", "Not checked yet: " + check.reason, Palette::mutedText };
    }

    ReadinessText readyRow (const juce::String& text, const juce::String& tooltip)
    {
        return { tickMark + text, tooltip, Palette::successText };
    }

    ReadinessText notReadyRow (const juce::String& text, const juce::String& tooltip)
    {
        return { text, tooltip, Palette::busy };
    }

    ReadinessText describeCors (const ComfyUIStatus& status)
    {
        if (! status.corsCheckEnabled)
            return { "not required (check off)", "The CORS check is switched off in Preferences, so it does not hold back readiness.",
                     Palette::secondaryText };

        if (! status.corsCheck.checked)
            return notCheckedRow (status.corsCheck);

        if (status.corsEnabled)
            return readyRow ("allowed", "ComfyUI admits cross-origin requests from ComfyBridge.");

        const auto reason = status.corsCheck.reason.isNotEmpty() ? status.corsCheck.reason
                                                                  : juce::String ("ComfyUI does not admit cross-origin requests");
        return notReadyRow (reason, reason);
    }

    ReadinessText describeModels (const ComfyUIStatus& status, const juce::Font& font, int width)
    {
        if (! status.modelsCheck.checked)
            return notCheckedRow (status.modelsCheck);

        if (status.modelsReady)
            return readyRow ("ready", "Every model file the bundled workflows need is on the server.");

        if (status.missingModels.empty())
            return notReadyRow (status.modelsCheck.reason.isNotEmpty() ? status.modelsCheck.reason : juce::String ("not ready"),
                             status.modelsCheck.reason);

        // One entry per file, naming every workflow that needs it.
        struct File { juce::String path, url; juce::StringArray workflows; };
        std::vector<File> files;

        for (const auto& missing : status.missingModels)
        {
            const auto path = missing.folder.isNotEmpty() ? missing.folder + "/" + missing.name : missing.name;
            auto it = std::find_if (files.begin(), files.end(), [&] (const File& f) { return f.path == path; });

            if (it == files.end())
                it = files.insert (files.end(), File { path, missing.url, {} });

            if (it->url.isEmpty())
                it->url = missing.url;

            it->workflows.addIfNotAlreadyThere (missing.workflow);
        }

        juce::StringArray full, shortened, bare;
        auto tooltip = status.modelsCheck.reason.isNotEmpty() ? status.modelsCheck.reason + "\n\n" : juce::String();
        tooltip << "Missing on the server:";

        for (const auto& file : files)
        {
            const auto workflows = file.workflows.isEmpty() ? juce::String() : " (" + file.workflows.joinIntoString (", ") + ")";
            const auto folder = file.path.upToLastOccurrenceOf ("/", true, false);
            full.add (file.path + workflows);
            shortened.add (folder + abbreviateFileName (file.path.fromLastOccurrenceOf ("/", false, false), 22) + workflows);
            bare.add (folder + abbreviateFileName (file.path.fromLastOccurrenceOf ("/", false, false), 22));
            tooltip << "\n" << bullet << file.path << workflows
                    << "\n    " << (file.url.isNotEmpty() ? file.url : juce::String ("no download address known"));
        }

        return notReadyRow (fitList ("missing ", { &full, &shortened, &bare }, font, width), tooltip);
    }

    ReadinessText describeWorkflows (const ComfyUIStatus& status, const juce::Font& font, int width)
    {
        if (! status.workflowsCheck.checked)
            return notCheckedRow (status.workflowsCheck);

        if (status.workflowsReady)
            return readyRow ("ready", "Every node and choice the bundled workflows use exists on the server.");

        if (status.workflowProblems.empty())
            return notReadyRow (status.workflowsCheck.reason.isNotEmpty() ? status.workflowsCheck.reason : juce::String ("not ready"),
                             status.workflowsCheck.reason);

        juce::StringArray full, shortened;
        auto tooltip = status.workflowsCheck.reason.isNotEmpty() ? status.workflowsCheck.reason + "\n\n" : juce::String();
        tooltip << "Cannot run on this server:";

        for (const auto& problem : status.workflowProblems)
        {
            full.add (problem.workflow + ": " + problem.problem);
            shortened.add (problem.workflow + ": " + abbreviateEnd (problem.problem, 36));
            tooltip << "\n" << bullet << problem.workflow << ": " << problem.problem;
        }

        return notReadyRow (fitList ({}, { &full, &shortened }, font, width), tooltip);
    }

    void showValue (juce::Label& label, const juce::String& text, juce::Colour colour, const juce::String& tooltip = {})
    {
        label.setText (text, juce::dontSendNotification);
        label.setColour (juce::Label::textColourId, colour);
        label.setTooltip (tooltip);
    }
}

//==============================================================================
/** Everything under the header: the cards, scrolled when the panel is too short. */
class StatusPanel::Body : public juce::Component
{
public:
    juce::Rectangle<int> connectionCard, healthCard, readinessCard, errorCard;

    void paint (juce::Graphics& g) override
    {
        for (auto card : { connectionCard, healthCard, readinessCard, errorCard })
            ui::fillCard (g, card);
    }
};

//==============================================================================
StatusPanel::StatusPanel()
    : body (std::make_unique<Body>())
{
    setOpaque (true);

    addAndMakeVisible (light);

    stateLabel.setFont (ComfyBridgeLookAndFeel::headingFont (19.0f));
    stateLabel.setColour (juce::Label::textColourId, Palette::text);
    stateLabel.setBorderSize ({ 0, 0, 0, 0 });
    addAndMakeVisible (stateLabel);

    ui::styleHint (summaryLabel, Palette::secondaryText);
    summaryLabel.setJustificationType (juce::Justification::topLeft);
    addAndMakeVisible (summaryLabel);

    ui::styleHeading (connectionHeading, "Connection");
    ui::styleHeading (healthHeading, "Health");
    ui::styleHeading (readinessHeading, "Readiness");
    ui::styleHeading (errorHeading, "Last error");

    for (auto* heading : { &connectionHeading, &healthHeading, &readinessHeading, &errorHeading })
        body->addAndMakeVisible (heading);

    const std::pair<Row*, const char*> rows[] = { { &url, "Server" }, { &version, "ComfyUI version" },
                                                  { &queue, "Queue" }, { &fallback, "When unavailable" },
                                                  { &lastCheck, "Last check" }, { &latency, "Latency" },
                                                  { &uptime, "Uptime" }, { &checks, "Checks" },
                                                  { &cors, "CORS" }, { &models, "Models" },
                                                  { &workflows, "Workflows" }, { &activity, "Activity" } };

    for (auto& [row, caption] : rows)
    {
        ui::styleCaption (row->caption, caption);
        ui::styleValue (row->value);
        row->caption.setTitle (caption);
        row->value.setTitle (caption);
        body->addAndMakeVisible (row->caption);
        body->addAndMakeVisible (row->value);
    }

    ui::styleHint (discoveryLabel, Palette::secondaryText);
    discoveryLabel.setTitle ("Port discovery");
    discoveryLabel.setJustificationType (juce::Justification::topLeft);
    body->addChildComponent (discoveryLabel);

    ui::styleReadOnlyText (errorText, Palette::errorText);
    errorText.setTitle ("Last error");
    errorText.setWantsKeyboardFocus (false);
    body->addAndMakeVisible (errorText);

    viewport.setViewedComponent (body.get(), false);
    viewport.setScrollBarsShown (true, false);
    viewport.setScrollBarThickness (8);
    addAndMakeVisible (viewport);

    connectButton.setTooltip ("Connect to ComfyUI and keep watching it");
    retryButton.setTooltip ("Check the connection and readiness again now (failed downloads try again)");
    disconnectButton.setTooltip ("Stop talking to ComfyUI");
    connectButton.onClick = [this] { connectPressed(); };
    retryButton.onClick = [this] { retryPressed(); };
    disconnectButton.onClick = [this] { disconnectPressed(); };

    for (auto* button : { &connectButton, &retryButton, &disconnectButton })
        addAndMakeVisible (button);

    showStatus();
    startTimer (1000);
}

StatusPanel::~StatusPanel()
{
    stopTimer();
    manager.reset();
    viewport.setViewedComponent (nullptr, false);
}

//==============================================================================
void StatusPanel::setConnectionManager (std::shared_ptr<ConnectionManager> newManager)
{
    if (manager.set (std::move (newManager)))
        refreshFromManager();
}

void StatusPanel::setConnectionPolicy (double healthCheckSeconds, double reconnectSeconds)
{
    healthCheckInterval = juce::jmax (0.0, healthCheckSeconds);
    reconnectInterval = juce::jmax (0.0, reconnectSeconds);
}

void StatusPanel::setStatus (const ComfyUIStatus& newStatus)
{
    status = newStatus;
    showStatus();
}

void StatusPanel::changeListenerCallback (juce::ChangeBroadcaster*)
{
    refreshFromManager();
}

void StatusPanel::refreshFromManager()
{
    if (manager)
    {
        status = manager->getStatus();
        fallbackMode = manager->getFallbackMode();
    }
    else
    {
        fallbackMode.reset();
    }

    showStatus();
}

void StatusPanel::timerCallback()
{
    // The age of the last check and the metrics move with every check without
    // a change message (isEquivalentTo ignores them): read them here from a
    // fresh snapshot. getStatus() copies under a lock and never waits on I/O.
    if (manager)
    {
        const auto fresh = manager->getStatus();
        status.lastCheck = fresh.lastCheck;
        status.metrics = fresh.metrics;
    }

    updateLastCheck();
    showMetrics();
}

//==============================================================================
void StatusPanel::showStatus()
{
    const auto hasManager = (bool) manager;
    const auto state = status.state;
    const auto live = hasManager || state != ConnectionState::disconnected; // a preview from setStatus() counts
    const auto nowHasError = status.errorMessage.has_value() && status.errorMessage->isNotEmpty();

    light.setState (state);
    stateLabel.setText (live ? StateLight::describe (state) : juce::String ("Not started"), juce::dontSendNotification);
    summaryLabel.setText (statustext::advice (status, live), juce::dontSendNotification);
    fallback.value.setText ((fallbackMode.has_value() ? orDash (statustext::fallbackAction (*fallbackMode)) : ui::dash()), juce::dontSendNotification);

    url.value.setText (status.url.isNotEmpty() ? status.url : ui::dash(), juce::dontSendNotification);
    url.value.setTooltip (status.url);
    discoveryLabel.setText (status.discoveryNote, juce::dontSendNotification);
    discoveryLabel.setTooltip (status.discoveryNote);
    version.value.setText (orDash (statustext::version (status)), juce::dontSendNotification);
    activity.value.setText (status.activity, juce::dontSendNotification);
    activity.value.setTooltip (status.activity);

    connectButton.setEnabled (live && state == ConnectionState::disconnected);
    retryButton.setEnabled (live && state != ConnectionState::disconnected && state != ConnectionState::connecting);
    disconnectButton.setEnabled (live && state != ConnectionState::disconnected);

    // The discovery note and the activity take room only while they say something,
    // a current error moves up so that it stays in view when the body scrolls, and
    // the header grows when the summary needs a second line.
    const auto summaryWraps = summaryLabel.getFont().getStringWidthFloat (summaryLabel.getText()) > (float) summaryLabel.getWidth();

    if (discoveryLabel.isVisible() != status.discoveryNote.isNotEmpty() || activity.value.isVisible() != status.activity.isNotEmpty()
        || std::exchange (errorFirst, nowHasError) != nowHasError || summaryWraps != (summaryLabel.getHeight() > 24))
        resized();

    showFittedTexts();
    showMetrics();
    updateLastCheck();
    repaint (headerCard);
}

void StatusPanel::showFittedTexts()
{
    // Fitted to the width their row has now (resized() calls this again).
    queue.value.setText (describeQueue (status, queue.value.getFont(), queue.value.getWidth()), juce::dontSendNotification);
    queue.value.setTooltip (status.available && status.queueSize > 0 ? "Prompts running and waiting in ComfyUI's queue" : juce::String());
    const auto corsText = describeCors (status);
    const auto modelsText = describeModels (status, models.value.getFont(), models.value.getWidth());
    const auto workflowsText = describeWorkflows (status, workflows.value.getFont(), workflows.value.getWidth());

    showValue (cors.value, corsText.text, corsText.colour, corsText.tooltip);
    showValue (models.value, modelsText.text, modelsText.colour, modelsText.tooltip);
    showValue (workflows.value, workflowsText.text, workflowsText.colour, workflowsText.tooltip);
}

void StatusPanel::showMetrics()
{
    const auto& m = status.metrics;
    const auto now = juce::Time::getCurrentTime();

    showValue (latency.value, latencyText (m), Palette::text,
          m.lastLatencyMs.has_value() ? "Round trip of the last successful check, and the median over the last 32" : juce::String());

    const auto up = status.state == ConnectionState::connected ? m.uptimeSeconds (now) : 0.0;
    showValue (uptime.value,
          (up > 0.0 ? uptimeText (up) : juce::String ("not connected"))
              + dot + (m.reconnectCount == 0 ? juce::String ("no reconnects") : statustext::count (m.reconnectCount, "reconnect", "reconnects")),
          up > 0.0 ? Palette::text : Palette::secondaryText,
          m.connectedSince != juce::Time() ? "Connected since " + m.connectedSince.toString (true, true, true, true) : juce::String());

    if (m.checksDone == 0)
        showValue (checks.value, ui::dash(), Palette::text);
    else
        showValue (checks.value, juce::String (m.checksDone) + " done" + dot + statustext::count (m.consecutiveFailures, "failure", "failures") + " in a row",
              m.consecutiveFailures > 0 ? Palette::busy : Palette::text);

    // The current problem is shown prominently; a past one, once recovered, subdued.
    if (status.errorMessage.has_value() && status.errorMessage->isNotEmpty())
    {
        ui::setReadOnlyText (errorText, ui::capitalised (*status.errorMessage), Palette::errorText);
    }
    else if (m.lastError.isNotEmpty())
    {
        const auto when = m.lastErrorTime != juce::Time() ? " " + statustext::age (m.lastErrorTime, now) : juce::String();
        ui::setReadOnlyText (errorText, "Last error" + when + ": " + m.lastError, Palette::mutedText);
    }
    else
    {
        ui::setReadOnlyText (errorText, "None.", Palette::mutedText);
    }
}

void StatusPanel::updateLastCheck()
{
    lastCheck.value.setText (statustext::age (status.lastCheck, juce::Time::getCurrentTime()), juce::dontSendNotification);

    if (status.lastCheck != juce::Time())
        lastCheck.value.setTooltip (status.lastCheck.toString (true, true, true, true));
}

const StatusPanel::Row* StatusPanel::rowFor (Field field) const
{
    switch (field)
    {
        case Field::url:       return &url;
        case Field::version:   return &version;
        case Field::queue:     return &queue;
        case Field::lastCheck: return &lastCheck;
        case Field::fallback:  return &fallback;
        case Field::latency:   return &latency;
        case Field::uptime:    return &uptime;
        case Field::checks:    return &checks;
        case Field::cors:      return &cors;
        case Field::models:    return &models;
        case Field::workflows: return &workflows;
        case Field::activity:  return &activity;
        case Field::state:
        case Field::summary:
        case Field::discovery:
        case Field::error:     break;
    }

    return nullptr;
}

juce::String StatusPanel::getText (Field field) const
{
    switch (field)
    {
        case Field::state:     return stateLabel.getText();
        case Field::summary:   return summaryLabel.getText();
        case Field::discovery: return discoveryLabel.getText();
        case Field::error:     return errorText.getText();
        default:               break;
    }

    const auto* row = rowFor (field);
    return row != nullptr ? row->value.getText() : juce::String();
}

juce::String StatusPanel::getTooltip (Field field) const
{
    const auto* row = rowFor (field);
    return row != nullptr ? const_cast<juce::Label&> (row->value).getTooltip() : juce::String(); // getTooltip() is not const in JUCE 7
}

juce::Colour StatusPanel::getTextColour (Field field) const
{
    if (field == Field::error)
        return errorText.findColour (juce::TextEditor::textColourId);

    if (field == Field::discovery)
        return discoveryLabel.findColour (juce::Label::textColourId);

    const auto* row = rowFor (field);
    return row != nullptr ? row->value.findColour (juce::Label::textColourId) : stateLabel.findColour (juce::Label::textColourId);
}

//==============================================================================
void StatusPanel::connectPressed()
{
    if (! manager)
        return;

    // Futures are deliberately dropped: the result arrives as a change message.
    manager->connect();

    if (healthCheckInterval > 0.0)
        manager->startHealthMonitoring (healthCheckInterval);

    if (reconnectInterval > 0.0)
        manager->startBackgroundReconnection (reconnectInterval);

    refreshFromManager();
}

void StatusPanel::retryPressed()
{
    if (! manager)
        return;

    if (manager->getStatus().state == ConnectionState::connected)
    {
        manager->checkHealth();
        manager->refreshReadiness(); // the user may have installed a model or node meanwhile
    }
    else
    {
        manager->connect();
    }

    refreshFromManager();
}

void StatusPanel::disconnectPressed()
{
    if (manager)
        manager->disconnect(); // cancels what is in flight; returns in milliseconds

    refreshFromManager();
}

//==============================================================================
void StatusPanel::paint (juce::Graphics& g)
{
    g.fillAll (Palette::panel);
    ui::fillCard (g, headerCard);

    // A thin bar in the state's colour along the header's left edge.
    if (! headerCard.isEmpty())
    {
        g.setColour (StateLight::colourFor (status.state));
        g.fillRoundedRectangle (headerCard.withWidth (4).toFloat(), 2.0f);
    }
}

void StatusPanel::resized()
{
    constexpr int margin = 12, gap = 10, pad = 12;
    auto area = getLocalBounds().reduced (margin);

    // Header: light, state and summary on the left, the actions on the right.
    // It is taller when the summary needs two lines (narrow windows).
    constexpr int buttonsWidth = 3 * 104 + 2 * 8;
    const auto summaryWidth = area.getWidth() - 2 * (pad + 4) - buttonsWidth - pad - 32;
    const auto summaryWraps = summaryLabel.getFont().getStringWidthFloat (summaryLabel.getText()) > (float) summaryWidth;
    headerCard = area.removeFromTop (summaryWraps ? 88 : 72);
    area.removeFromTop (gap);
    {
        auto inner = headerCard.reduced (pad + 4, pad - 2);
        auto buttons = inner.removeFromRight (buttonsWidth).withSizeKeepingCentre (buttonsWidth, 30);
        inner.removeFromRight (pad);

        for (auto* button : { &connectButton, &retryButton, &disconnectButton })
        {
            button->setBounds (buttons.removeFromLeft (104));
            buttons.removeFromLeft (8);
        }

        auto top = inner.removeFromTop (28);
        light.setBounds (top.removeFromLeft (22).withSizeKeepingCentre (22, 22));
        top.removeFromLeft (10);
        stateLabel.setBounds (top);
        inner.removeFromTop (2);
        summaryLabel.setBounds (inner.withTrimmedLeft (32));
    }

    // The rest scrolls when the panel is too short for it.
    viewport.setBounds (area);
    layoutBody (area.getWidth(), area.getHeight());

    if (body->getHeight() > area.getHeight())
        layoutBody (area.getWidth() - viewport.getScrollBarThickness() - 4, area.getHeight());

    showFittedTexts(); // the lists fit the new width
}

void StatusPanel::layoutBody (int width, int minHeight)
{
    constexpr int gap = 10, pad = 12, rowHeight = 22, headingHeight = 22, noteHeight = 30, errorLines = 2;

    const auto hasNote = status.discoveryNote.isNotEmpty();
    const auto hasActivity = status.activity.isNotEmpty();
    discoveryLabel.setVisible (hasNote);
    activity.caption.setVisible (hasActivity);
    activity.value.setVisible (hasActivity);

    const auto cardHeight = [] (int contentHeight) { return (pad - 2) + headingHeight + contentHeight + (pad - 2); };
    const auto topHeight = cardHeight (4 * rowHeight + (hasNote ? noteHeight : 0));
    const auto readinessHeight = cardHeight ((hasActivity ? 4 : 3) * rowHeight);
    const auto errorMinHeight = cardHeight (errorLines * 17 + 4);
    const auto height = juce::jmax (minHeight, topHeight + gap + readinessHeight + gap + errorMinHeight);

    body->setSize (width, height);
    auto area = body->getLocalBounds();

    auto top = area.removeFromTop (topHeight);
    area.removeFromTop (gap);
    body->connectionCard = top.removeFromLeft ((top.getWidth() - gap) / 2);
    top.removeFromLeft (gap);
    body->healthCard = top;

    // Readiness then the (past) error; a current error first, so it is never scrolled away.
    if (errorFirst)
    {
        body->readinessCard = area.removeFromBottom (readinessHeight);
        area.removeFromBottom (gap);
        body->errorCard = area;
    }
    else
    {
        body->readinessCard = area.removeFromTop (readinessHeight);
        area.removeFromTop (gap);
        body->errorCard = area;
    }

    const auto cardInner = [] (juce::Rectangle<int> card) { return card.reduced (pad, pad - 2); };

    const auto layoutRow = [] (juce::Rectangle<int>& inner, Row& row, int captionWidth)
    {
        auto line = inner.removeFromTop (rowHeight);
        row.caption.setBounds (line.removeFromLeft (captionWidth));
        row.value.setBounds (line);
    };

    {
        auto inner = cardInner (body->connectionCard);
        connectionHeading.setBounds (inner.removeFromTop (headingHeight).withTrimmedBottom (2));
        constexpr int captionWidth = 126;
        layoutRow (inner, url, captionWidth);

        if (hasNote)
            discoveryLabel.setBounds (inner.removeFromTop (noteHeight).withTrimmedLeft (captionWidth).withTrimmedBottom (4).translated (0, -2));

        for (auto* row : { &version, &queue, &fallback })
            layoutRow (inner, *row, captionWidth);
    }
    {
        auto inner = cardInner (body->healthCard);
        healthHeading.setBounds (inner.removeFromTop (headingHeight).withTrimmedBottom (2));

        for (auto* row : { &lastCheck, &latency, &uptime, &checks })
            layoutRow (inner, *row, 84);
    }
    {
        auto inner = cardInner (body->readinessCard);
        readinessHeading.setBounds (inner.removeFromTop (headingHeight).withTrimmedBottom (2));

        for (auto* row : { &cors, &models, &workflows })
            layoutRow (inner, *row, 126);

        if (hasActivity)
            layoutRow (inner, activity, 126);
    }
    {
        // The last error takes what is left, full text, wrapped and scrollable.
        auto inner = cardInner (body->errorCard);
        errorHeading.setBounds (inner.removeFromTop (headingHeight).withTrimmedBottom (2));
        errorText.setBounds (inner);
    }

    body->repaint();
}

} // namespace comfybridge
