namespace comfybridge
{

namespace
{
    juce::String describeQueue (const ComfyUIStatus& status)
    {
        if (! status.available)
            return ui::dash();

        if (status.queueSize == 0)
            return "empty";

        return juce::String (status.queueSize) + (status.queueSize == 1 ? " prompt" : " prompts") + " (running + pending)";
    }

    juce::String describeVersion (const ComfyUIStatus& status)
    {
        if (! status.available)
            return ui::dash();

        return status.version.value_or ("not reported (ComfyUI before August 2024)");
    }

    juce::String describeCors (const ComfyUIStatus& status)
    {
        if (! status.corsCheckEnabled)
            return "not required (check switched off)";

        // The status cannot yet tell "checked and refused" from "not checked":
        // readiness checks arrive later, so only a positive answer is shown as one.
        return status.corsEnabled ? "allowed" : "not checked yet";
    }

    juce::String describeReady (bool ready)
    {
        return ready ? "ready" : "not checked yet";
    }

    juce::String describeFallback (std::optional<FallbackMode> mode)
    {
        if (! mode.has_value())
            return ui::dash();

        switch (*mode)
        {
            case FallbackMode::placeholder: return "draw a placeholder image";
            case FallbackMode::skip:        return "skip (produce nothing)";
            case FallbackMode::abort:       return "abort with an error";
        }

        return ui::dash();
    }

    juce::String describeSummary (const ComfyUIStatus& status, bool hasManager)
    {
        if (! hasManager)
            return "No connection has been started.";

        switch (status.state)
        {
            case ConnectionState::connected:
                return "ComfyUI is reachable and answering.";
            case ConnectionState::connecting:
                return juce::String (juce::CharPointer_UTF8 ("Contacting ComfyUI\xe2\x80\xa6"));
            case ConnectionState::reconnecting:
                return "Trying again automatically. Retry now tries at once.";
            case ConnectionState::unavailable:
                return "Fix the problem below, then press Retry now.";
            case ConnectionState::disconnected:
                break;
        }

        return "Press Connect to reach ComfyUI.";
    }
}

//==============================================================================
StatusPanel::StatusPanel()
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
    ui::styleHeading (readinessHeading, "Readiness");
    ui::styleHeading (errorHeading, "Last error");

    for (auto* heading : { &connectionHeading, &readinessHeading, &errorHeading })
        addAndMakeVisible (heading);

    const std::pair<Row*, const char*> rows[] = { { &url, "Server" }, { &version, "ComfyUI version" },
                                                  { &queue, "Queue" }, { &lastCheck, "Last check" },
                                                  { &fallback, "When unavailable" }, { &cors, "CORS" },
                                                  { &models, "Models" }, { &workflows, "Workflows" } };

    for (auto& [row, caption] : rows)
    {
        ui::styleCaption (row->caption, caption);
        ui::styleValue (row->value);
        row->caption.setTitle (caption);
        row->value.setTitle (caption);
        addAndMakeVisible (row->caption);
        addAndMakeVisible (row->value);
    }

    ui::styleReadOnlyText (errorText, Palette::errorText);
    errorText.setTitle ("Last error");
    errorText.setWantsKeyboardFocus (false);
    addAndMakeVisible (errorText);

    connectButton.setTooltip ("Connect to ComfyUI and keep watching it");
    retryButton.setTooltip ("Check the connection again now");
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
    // Only the age of the last check moves with time; a new lastCheck alone
    // is not a status change, so it is read here rather than notified.
    if (manager)
        status.lastCheck = manager->getStatus().lastCheck;

    updateLastCheck();
}

//==============================================================================
void StatusPanel::showStatus()
{
    const auto hasManager = (bool) manager;
    const auto state = status.state;

    light.setState (state);
    stateLabel.setText (hasManager ? StateLight::describe (state) : juce::String ("Not started"), juce::dontSendNotification);
    summaryLabel.setText (describeSummary (status, hasManager), juce::dontSendNotification);
    fallback.value.setText (describeFallback (fallbackMode), juce::dontSendNotification);

    url.value.setText (status.url.isNotEmpty() ? status.url : ui::dash(), juce::dontSendNotification);
    version.value.setText (describeVersion (status), juce::dontSendNotification);
    queue.value.setText (describeQueue (status), juce::dontSendNotification);
    cors.value.setText (describeCors (status), juce::dontSendNotification);
    models.value.setText (describeReady (status.modelsReady), juce::dontSendNotification);
    workflows.value.setText (describeReady (status.workflowsReady), juce::dontSendNotification);

    const auto notYet = [] (Row& row, bool ready)
    {
        row.value.setColour (juce::Label::textColourId, ready ? Palette::successText : Palette::mutedText);
    };

    notYet (cors, status.corsEnabled || ! status.corsCheckEnabled);
    notYet (models, status.modelsReady);
    notYet (workflows, status.workflowsReady);

    if (status.errorMessage.has_value() && status.errorMessage->isNotEmpty())
        ui::setReadOnlyText (errorText, ui::capitalised (*status.errorMessage), Palette::errorText);
    else
        ui::setReadOnlyText (errorText, "None.", Palette::mutedText);

    connectButton.setEnabled (hasManager && state == ConnectionState::disconnected);
    retryButton.setEnabled (hasManager && state != ConnectionState::disconnected && state != ConnectionState::connecting);
    disconnectButton.setEnabled (hasManager && state != ConnectionState::disconnected);

    updateLastCheck();
    repaint (headerCard);
}

void StatusPanel::updateLastCheck()
{
    lastCheck.value.setText (describeLastCheck (status.lastCheck, juce::Time::getCurrentTime()), juce::dontSendNotification);

    if (status.lastCheck != juce::Time())
        lastCheck.value.setTooltip (status.lastCheck.toString (true, true, true, true));
}

juce::String StatusPanel::describeLastCheck (juce::Time then, juce::Time now)
{
    if (then == juce::Time())
        return "never";

    const auto seconds = juce::jmax ((juce::int64) 0, (juce::int64) (now - then).inSeconds());

    if (seconds < 1)
        return "just now";

    if (seconds < 60)
        return juce::String (seconds) + " s ago";

    if (seconds < 3600)
        return juce::String (seconds / 60) + " min ago";

    return juce::String (seconds / 3600) + " h ago";
}

juce::String StatusPanel::getText (Field field) const
{
    switch (field)
    {
        case Field::state:     return stateLabel.getText();
        case Field::summary:   return summaryLabel.getText();
        case Field::url:       return url.value.getText();
        case Field::version:   return version.value.getText();
        case Field::queue:     return queue.value.getText();
        case Field::lastCheck: return lastCheck.value.getText();
        case Field::fallback:  return fallback.value.getText();
        case Field::cors:      return cors.value.getText();
        case Field::models:    return models.value.getText();
        case Field::workflows: return workflows.value.getText();
        case Field::error:     return errorText.getText();
    }

    return {};
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
        manager->checkHealth();
    else
        manager->connect();

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

    for (auto card : { headerCard, connectionCard, readinessCard, errorCard })
        ui::fillCard (g, card);

    // A thin bar in the state's colour along the header's left edge.
    if (! headerCard.isEmpty())
    {
        g.setColour (StateLight::colourFor (status.state));
        g.fillRoundedRectangle (headerCard.withWidth (4).toFloat(), 2.0f);
    }
}

void StatusPanel::resized()
{
    constexpr int margin = 12, gap = 10, pad = 12, rowHeight = 24;
    auto area = getLocalBounds().reduced (margin);

    // Header: light, state and summary on the left, the actions on the right.
    headerCard = area.removeFromTop (78);
    area.removeFromTop (gap);
    {
        auto inner = headerCard.reduced (pad + 4, pad - 2);
        auto buttons = inner.removeFromRight (3 * 104 + 2 * 8).withSizeKeepingCentre (3 * 104 + 2 * 8, 30);
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

    // Connection and readiness side by side.
    auto middle = area.removeFromTop (pad + 20 + 5 * rowHeight + pad - 4);
    area.removeFromTop (gap);
    connectionCard = middle.removeFromLeft ((middle.getWidth() - gap) * 11 / 20);
    middle.removeFromLeft (gap);
    readinessCard = middle;

    auto layoutRows = [&] (juce::Rectangle<int> card, juce::Label& heading, std::initializer_list<Row*> rows, int captionWidth)
    {
        auto inner = card.reduced (pad, pad - 2);
        heading.setBounds (inner.removeFromTop (20));

        for (auto* row : rows)
        {
            auto line = inner.removeFromTop (rowHeight);
            row->caption.setBounds (line.removeFromLeft (captionWidth));
            row->value.setBounds (line);
        }
    };

    layoutRows (connectionCard, connectionHeading, { &url, &version, &queue, &lastCheck, &fallback }, 130);
    layoutRows (readinessCard, readinessHeading, { &cors, &models, &workflows }, 84);

    // The last error takes what is left, full text, wrapped and scrollable.
    errorCard = area;
    auto inner = errorCard.reduced (pad, pad - 2);
    errorHeading.setBounds (inner.removeFromTop (20));
    inner.removeFromTop (2);
    errorText.setBounds (inner);
}

} // namespace comfybridge
