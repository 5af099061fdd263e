#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Shows where a ConnectionManager stands and lets the user act on it.

    The panel listens to the manager's ChangeBroadcaster and pulls a
    getStatus() snapshot on every change, so it shows exactly the state the
    manager reports (never "connected" while the backend is gone); the manager
    also sends one when only the metrics moved, so latency and checks need no
    timer. A one-second timer only refreshes the texts that age with time ("last
    check N s ago", uptime, the last error's age). Nothing here does I/O or waits:
    the buttons call connect(), checkHealth() and disconnect(), which return at
    once (their futures are never waited on).

    Readiness rows (CORS, models, workflows) show one of three states: "not
    checked yet" (muted, with the reason when there is one), ready (a green
    tick) or not ready (amber, with the reason; missing models and workflow
    problems are listed briefly, and in full in the row's tooltip).

    When the panel is shorter than its content (the editor's smallest size),
    everything under the header scrolls; the header and its buttons stay put.

    The panel is independent of the plugin: give it any manager (tests use a
    real one against a local fake ComfyUI).
*/
class StatusPanel : public juce::Component,
                    private juce::ChangeListener,
                    private juce::Timer
{
public:
    StatusPanel();
    ~StatusPanel() override;

    //==============================================================================
    /** Shows @p manager (may be nullptr) and follows its changes. The panel keeps
        the manager alive while it shows it.
    */
    void setConnectionManager (std::shared_ptr<ConnectionManager> manager);

    /** The manager shown, or nullptr. */
    ConnectionManager* getConnectionManager() const noexcept { return manager.get(); }

    /** What the Connect button starts besides connect(): health monitoring and
        background reconnection at these intervals in seconds (0 = leave off).
        Defaults: 5 and 10, as the plugin uses.
    */
    void setConnectionPolicy (double healthCheckSeconds, double reconnectSeconds);

    /** Shows @p status without a manager (previews and tests); a manager's next change replaces it. */
    void setStatus (const ComfyUIStatus& status);

    /** The status currently shown. */
    const ComfyUIStatus& getStatus() const noexcept { return status; }

    //==============================================================================
    /** The texts the panel shows, by field (for tests and accessibility). */
    enum class Field
    {
        state, summary, url, discovery, version, queue, lastCheck, fallback,
        latency, uptime, checks, cors, models, workflows, activity, error
    };

    /** The text currently shown for @p field (empty for a row that is hidden). */
    juce::String getText (Field field) const;

    /** The tooltip of @p field's value (e.g. every missing model with its URL). */
    juce::String getTooltip (Field field) const;

    /** The colour @p field's value is drawn in (readiness: green ready, amber not ready, muted not checked). */
    juce::Colour getTextColour (Field field) const;

    juce::Button& getConnectButton() noexcept    { return connectButton; }
    juce::Button& getRetryButton() noexcept      { return retryButton; }
    juce::Button& getDisconnectButton() noexcept { return disconnectButton; }

    /** The colour of the state light for @p state (green, amber, red or grey). */
    static juce::Colour colourFor (ConnectionState state) { return StateLight::colourFor (state); }

    //==============================================================================
    /** @internal */
    void paint (juce::Graphics&) override;
    /** @internal */
    void resized() override;

private:
    struct Row
    {
        juce::Label caption, value;
    };

    class Body;

    ManagerSubscription manager { *this };
    ComfyUIStatus status;
    std::optional<FallbackMode> fallbackMode;
    double healthCheckInterval = 5.0, reconnectInterval = 10.0;
    bool errorFirst = false; ///< a current error: its card comes before readiness

    StateLight light;
    juce::Label stateLabel, summaryLabel, connectionHeading, healthHeading, readinessHeading, errorHeading, discoveryLabel;
    Row url, version, queue, lastCheck, fallback, latency, uptime, checks, cors, models, workflows, activity;
    juce::TextEditor errorText;
    juce::TextButton connectButton { "Connect" }, retryButton { "Retry now" }, disconnectButton { "Disconnect" };
    juce::Rectangle<int> headerCard;
    std::unique_ptr<Body> body;
    juce::Viewport viewport;

    void changeListenerCallback (juce::ChangeBroadcaster*) override;
    void timerCallback() override;

    void refreshFromManager();
    void showStatus();
    void showFittedTexts();
    void showMetrics();
    void updateLastCheck();
    void layoutBody (int width, int minHeight);
    void layoutCards (bool hasNote, bool hasActivity);
    const Row* rowFor (Field field) const;
    void connectPressed();
    void retryPressed();
    void disconnectPressed();

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (StatusPanel)
};

} // namespace comfybridge
