// StatusPanel: painting and layout.

namespace comfybridge
{

namespace
{
    constexpr int pad = 12, rowHeight = 22, headingHeight = 22, noteHeight = 30;
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
    constexpr int gap = 10, errorLines = 2;

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

    layoutCards (hasNote, hasActivity);
    body->repaint();
}

/** The rows inside each card (the cards are placed by layoutBody()). */
void StatusPanel::layoutCards (bool hasNote, bool hasActivity)
{
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
}

} // namespace comfybridge
