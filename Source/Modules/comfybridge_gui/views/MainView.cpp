namespace comfybridge
{

MainView::MainView (UserDefaults defaults)
    : preferencesPanel (std::move (defaults))
{
    setOpaque (true);

    for (auto page : { Page::status, Page::generate, Page::preferences })
    {
        auto button = std::make_unique<juce::TextButton> (getPageName (page));
        button->getProperties().set (ComfyBridgeLookAndFeel::tabProperty, true);
        button->setRadioGroupId (0x636d6279);
        button->setClickingTogglesState (false);
        button->setColour (juce::TextButton::textColourOffId, Palette::secondaryText);
        button->setColour (juce::TextButton::textColourOnId, Palette::text);
        button->onClick = [this, page]
        {
            showPage (page);

            if (onPageChanged != nullptr)
                onPageChanged (page);
        };
        addAndMakeVisible (*button);
        tabs[(size_t) page] = std::move (button);
    }

    badge.onClick = [this]
    {
        showPage (Page::status);

        if (onPageChanged != nullptr)
            onPageChanged (Page::status);
    };
    badge.onTextChanged = [this] { resized(); };
    addAndMakeVisible (badge);

    addChildComponent (statusPanel);
    addChildComponent (generationView);
    addChildComponent (preferencesPanel);

    showPage (Page::status);
}

MainView::~MainView() = default;

juce::String MainView::getPageName (Page page)
{
    switch (page)
    {
        case Page::status:      return "Status";
        case Page::generate:    return "Generate";
        case Page::preferences: return "Preferences";
    }

    return {};
}

juce::Component& MainView::getPageComponent (Page page) noexcept
{
    switch (page)
    {
        case Page::generate:    return generationView;
        case Page::preferences: return preferencesPanel;
        case Page::status:      break;
    }

    return statusPanel;
}

void MainView::setConnectionManager (std::shared_ptr<ConnectionManager> manager)
{
    statusPanel.setConnectionManager (manager);
    badge.setConnectionManager (std::move (manager));
}

void MainView::showPage (Page page)
{
    currentPage = page;

    for (auto p : { Page::status, Page::generate, Page::preferences })
    {
        tabs[(size_t) p]->setToggleState (p == page, juce::dontSendNotification);
        getPageComponent (p).setVisible (p == page);
    }
}

void MainView::paint (juce::Graphics& g)
{
    g.fillAll (Palette::window);

    auto header = getLocalBounds().removeFromTop (headerHeight);
    g.setColour (Palette::card);
    g.fillRect (header);
    g.setColour (Palette::outline);
    g.fillRect (header.removeFromBottom (1));

    // The product mark: a small accent square and the name.
    auto mark = getLocalBounds().removeFromTop (headerHeight).withTrimmedLeft (14).removeFromLeft (130);
    g.setColour (Palette::accent);
    g.fillRoundedRectangle (mark.removeFromLeft (14).withSizeKeepingCentre (12, 12).toFloat(), 3.0f);
    mark.removeFromLeft (8);
    g.setColour (Palette::text);
    g.setFont (ComfyBridgeLookAndFeel::headingFont (16.0f));
    g.drawText ("ComfyBridge", mark, juce::Justification::centredLeft, false);
}

void MainView::resized()
{
    auto area = getLocalBounds();
    auto header = area.removeFromTop (headerHeight);

    header.removeFromLeft (156);

    for (auto& tab : tabs)
    {
        const auto width = ComfyBridgeLookAndFeel::headingFont (14.0f).getStringWidth (tab->getButtonText()) + 32;
        tab->setBounds (header.removeFromLeft (width).withTrimmedBottom (1));
    }

    // The badge takes what the tabs leave; when that is too narrow for the
    // address too, it shows the state alone (the status page has the rest).
    const auto room = juce::jmax (0, header.getWidth() - 20);
    badge.setShowsAddress (badge.getIdealWidth (true) <= room);
    const auto badgeWidth = juce::jmin (room, badge.getIdealWidth (badge.getIdealWidth (true) <= room));
    badge.setBounds (header.removeFromRight (badgeWidth + 20).reduced (10, 10));

    for (auto p : { Page::status, Page::generate, Page::preferences })
        getPageComponent (p).setBounds (area);
}

} // namespace comfybridge
