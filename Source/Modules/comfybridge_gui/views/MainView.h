#pragma once

namespace comfybridge
{

//==============================================================================
/**
    The whole ComfyBridge window content: a header with the product name, the
    page tabs (Status | Generate | Preferences) and a live connection badge,
    above the page shown.

    It holds the three panels and owns no connection: the owner gives it a
    manager and wires the panels' callbacks (apply a config, start a job).
*/
class MainView : public juce::Component
{
public:
    enum class Page { status = 0, generate = 1, preferences = 2 };

    /** @p defaults is where the preferences page keeps "my defaults". */
    explicit MainView (UserDefaults defaults = UserDefaults {});
    ~MainView() override;

    /** Shows @p manager in the status page and the header badge (may be nullptr). */
    void setConnectionManager (std::shared_ptr<ConnectionManager> manager);

    /** Switches to @p page. */
    void showPage (Page page);

    /** The page shown. */
    Page getCurrentPage() const noexcept { return currentPage; }

    /** Called when the user switches pages (e.g. to remember the page). */
    std::function<void (Page)> onPageChanged;

    StatusPanel& getStatusPanel() noexcept           { return statusPanel; }
    GenerationView& getGenerationView() noexcept     { return generationView; }
    PreferencesPanel& getPreferencesPanel() noexcept { return preferencesPanel; }
    StatusBadge& getStatusBadge() noexcept           { return badge; }

    /** The tab button for @p page. */
    juce::Button& getTabButton (Page page) noexcept  { return *tabs[(size_t) page]; }

    /** Page names for people ("Status", "Generate", "Preferences"). */
    static juce::String getPageName (Page page);

    /** @internal */
    void paint (juce::Graphics&) override;
    /** @internal */
    void resized() override;

    /** The header's height in pixels. */
    static constexpr int headerHeight = 44;

private:
    StatusPanel statusPanel;
    GenerationView generationView;
    PreferencesPanel preferencesPanel;
    StatusBadge badge;
    std::array<std::unique_ptr<juce::TextButton>, 3> tabs;
    Page currentPage = Page::status;

    juce::Component& getPageComponent (Page page) noexcept;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (MainView)
};

} // namespace comfybridge
