#pragma once

namespace comfybridge
{

//==============================================================================
/**
    A compact connection indicator for a header: the state light, the state in
    words and the server URL. Like the status panel it follows a manager's
    change messages and shows only what the manager reports.
*/
class StatusBadge : public juce::Component,
                    public juce::SettableTooltipClient,
                    private juce::ChangeListener
{
public:
    StatusBadge();
    ~StatusBadge() override;

    /** Follows @p manager (may be nullptr). */
    void setConnectionManager (std::shared_ptr<ConnectionManager> manager);

    /** Shows @p status without a manager (previews and screenshots); a manager's next change replaces it. */
    void setStatus (const ComfyUIStatus& status);

    /** The text shown, e.g. "Connected · localhost:8000" (or "Connected" when narrow). */
    juce::String getText() const { return text; }

    /** The width that shows the whole text (with or without the server address). */
    int getIdealWidth (bool withAddress = true) const;

    /** Shows the server address after the state, or only the state (for narrow windows). */
    void setShowsAddress (bool shouldShow);

    /** Called after the text changed (e.g. to make room for it). */
    std::function<void()> onTextChanged;

    /** Called when the badge is clicked (e.g. to show the status page). */
    std::function<void()> onClick;

    /** @internal */
    void paint (juce::Graphics&) override;
    /** @internal */
    void resized() override;
    /** @internal */
    void mouseUp (const juce::MouseEvent&) override;

private:
    ManagerSubscription manager { *this };
    StateLight light;
    juce::String stateText, address, text;
    bool showsAddress = true;

    void changeListenerCallback (juce::ChangeBroadcaster*) override;
    void refresh();
    void showStatus (const ComfyUIStatus& status);
    juce::String compose (bool withAddress) const;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (StatusBadge)
};

} // namespace comfybridge
