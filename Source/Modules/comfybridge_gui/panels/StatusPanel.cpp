// StatusPanel: what it shows (status, readiness, metrics) and its buttons.

namespace comfybridge
{

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
    // Only the "x s ago" texts move with time. The metrics arrive with the
    // manager's change messages (sent whenever they move); lastCheck alone moves
    // with every ping without one, and is read here for its age text only.
    if (manager)
        status.lastCheck = manager->getStatus().lastCheck;

    updateLastCheck();
    showMetrics(); // the uptime and the last error's age
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

} // namespace comfybridge
