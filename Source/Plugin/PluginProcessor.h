#pragma once

#include <juce_audio_utils/juce_audio_utils.h>
#include <comfybridge_core/comfybridge_core.h>
#include <comfybridge_gui/comfybridge_gui.h>

#include "HostControls.h"
#include "TransportTracker.h"

//==============================================================================
/**
    The ComfyBridge audio processor: audio passes through untouched; the
    processor holds this instance's ComfyUI config and saves it with the host's
    project. The user's global defaults seed new instances.

    The connection is lazy: constructing an instance (as hosts do when they
    scan plugins) does no I/O. The first prepareToPlay() or editor opening
    acquires the manager shared by every instance with the same config and
    starts connecting, health monitoring and background reconnection; all of
    that runs on the manager's own thread. processBlock() touches no manager: it
    may only read the lock-free isBackendAvailable() flag, which a status
    callback keeps up to date.

    Hosts can drive capture and generation without the editor through two
    automatable parameters, "Arm capture" and "Generate" (see HostControls):
    the audio thread arms and ends captures itself; a generation request goes
    to the message thread through an atomic flag that a timer reads.

    Threads: the connection and the config change only on the message thread
    (or a thread holding the MessageManagerLock, as JUCE's Linux wrappers do).
    Hosts call prepareToPlay(), setStateInformation() and the destructor from
    other threads too (LV2 on Linux does): that work is posted to the message
    thread and guarded so it never runs on a processor being destroyed, and a
    manager let go of on another thread is released on the message thread.
*/
class ComfyBridgeProcessor : public juce::AudioProcessor
{
public:
    /** Creates an instance whose config starts from the user's global defaults. */
    ComfyBridgeProcessor();

    /** Creates an instance that reads its initial defaults from @p defaults (tests use a temporary file). */
    explicit ComfyBridgeProcessor (const comfybridge::UserDefaults& defaults);

    ~ComfyBridgeProcessor() override;

    //==============================================================================
    /** This instance's config. Message thread only. */
    const comfybridge::ComfyUIConfig& getConfig() const noexcept { return config; }

    /** Replaces the config if it validates; otherwise returns the problems and keeps
        the old one. When the connection was started, the instance switches to the
        manager for the new config (the old one is released; the last holder shuts
        it down). Message thread only.
    */
    juce::StringArray setConfig (const comfybridge::ComfyUIConfig& newConfig);

    /** Where this instance's "my defaults" live (the editor's preferences save and load there). */
    const comfybridge::UserDefaults& getUserDefaults() const noexcept { return userDefaults; }

    /** Counts the states restored by setStateInformation(), so an editor can tell a
        restored project (whose settings replace what it shows) from its own edits.
    */
    int getStateRestoreCount() const noexcept { return stateRestoreCount; }

    /** Problems met by the last setStateInformation() (empty when it loaded cleanly). */
    const juce::StringArray& getLastStateProblems() const noexcept { return lastStateProblems; }

    /** The editor size the user chose last (saved with the state). */
    juce::Point<int> getEditorSize() const noexcept { return editorSize; }

    /** Remembers the editor size so it is restored with the project. */
    void setEditorSize (juce::Point<int> size) noexcept { const juce::ScopedLock lock (stateLock); editorSize = size; }

    /** The editor page shown last (0 status, 1 generate, 2 preferences; saved with the state). */
    int getEditorPage() const noexcept { return editorPage; }

    /** Remembers the editor page. */
    void setEditorPage (int page) noexcept { const juce::ScopedLock lock (stateLock); editorPage = juce::jlimit (0, 2, page); }

    /** The generation page's workflow and the values the user edited there (prompt, seed, size), saved with the state. */
    const comfybridge::GenerationSettings& getGenerationSettings() const noexcept { return generationSettings; }

    /** Replaces the generation settings. Message thread only. */
    void setGenerationSettings (const comfybridge::GenerationSettings& settings);

    //==============================================================================
    /** The first time: acquires the shared manager for the config and, if nobody
        started it yet, connects and starts health monitoring (5 s) and background
        reconnection (10 s). Later calls do nothing, so a user's Disconnect stays in
        force. Returns at once. Message thread only.
    */
    void ensureConnectionStarted();

    /** The manager in use, or nullptr before the connection was started. Message thread only. */
    std::shared_ptr<comfybridge::ConnectionManager> getConnectionManager() const { return manager; }

    /** Lock-free and wait-free: whether the backend was available at the last
        status change. The only connection state processBlock() may read.
    */
    bool isBackendAvailable() const noexcept { return backendAvailable->load (std::memory_order_relaxed); }

    /** Broadcasts (synchronously, on the message thread) when the config, the
        manager or the restored state changed; editors listen and pull.
    */
    juce::ChangeBroadcaster& getChangeBroadcaster() noexcept { return changeBroadcaster; }

    //==============================================================================
    /** The bundled workflows (read from the plugin's binary data on first use). */
    const comfybridge::WorkflowLibrary& getWorkflowLibrary();

    /** Starts a generation through the manager (starting the connection first if
        needed) and keeps the job so a reopened editor can follow it. Returns at once.
        For a workflow that produces audio the audio session fills in the captured
        input and the host's rate, and plays the result when it arrives; when it
        cannot (nothing captured yet) this returns nullptr and getLastStartProblem() says why.
    */
    std::shared_ptr<comfybridge::GenerationJob> startGeneration (comfybridge::GenerationRequest request);

    /** Why the last startGeneration() returned nullptr (e.g. nothing captured yet). */
    juce::String getLastStartProblem() const { return lastStartProblem; }

    /** The audio capture, generation result and playback of this instance. */
    comfybridge::AudioSession& getAudioSession() noexcept { return audio; }

    /** The job started last (running or finished), or nullptr. */
    std::shared_ptr<comfybridge::GenerationJob> getLastGenerationJob() const { return lastJob; }

    /** Starts the workflow in the saved generation settings (the "Generate"
        parameter does this), with the values the user edited. Returns the job, or
        nullptr with getLastStartProblem() saying why. Message thread only.
    */
    std::shared_ptr<comfybridge::GenerationJob> startGenerationFromSettings();

    /** The host-automatable parameters ("Arm capture", "Generate"). */
    HostControls& getHostControls() noexcept { return hostControls; }

    //==============================================================================
    void prepareToPlay (double sampleRate, int samplesPerBlock) override;
    void releaseResources() override;
    bool isBusesLayoutSupported (const BusesLayout& layouts) const override;

    using AudioProcessor::processBlock;
    void processBlock (juce::AudioBuffer<float>&, juce::MidiBuffer&) override;

    juce::AudioProcessorEditor* createEditor() override;
    bool hasEditor() const override { return true; }

    const juce::String getName() const override { return "ComfyBridge"; }
    bool acceptsMidi() const override { return false; }
    bool producesMidi() const override { return false; }
    bool isMidiEffect() const override { return false; }
    double getTailLengthSeconds() const override { return 0.0; }

    int getNumPrograms() override { return 1; }
    int getCurrentProgram() override { return 0; }
    void setCurrentProgram (int) override {}
    const juce::String getProgramName (int) override { return {}; }
    void changeProgramName (int, const juce::String&) override {}

    void getStateInformation (juce::MemoryBlock& destData) override;
    void setStateInformation (const void* data, int sizeInBytes) override;

    /** Default editor size. */
    static constexpr int defaultWidth = 760, defaultHeight = 540;

private:
    comfybridge::UserDefaults userDefaults;
    comfybridge::ComfyUIConfig config;
    juce::StringArray lastStateProblems;
    juce::Point<int> editorSize { defaultWidth, defaultHeight };
    int editorPage = 0;
    int stateRestoreCount = 0;
    comfybridge::GenerationSettings generationSettings;

    // Guards the members above against a host reading the state on another thread
    // while the message thread changes them.
    mutable juce::CriticalSection stateLock;

    /** Outlives the processor in work posted to the message thread: that work runs
        only while `processor` is set, and the destructor clears it under the mutex.
    */
    struct Lifetime
    {
        std::mutex mutex;
        ComfyBridgeProcessor* processor = nullptr;
    };

    std::shared_ptr<Lifetime> lifetime;
    std::shared_ptr<comfybridge::ConnectionManager> manager;
    comfybridge::ConnectionManager::CallbackId statusCallback = 0;
    std::shared_ptr<std::atomic<bool>> backendAvailable; // shared with the status callback, which may outlive us by one call
    std::shared_ptr<comfybridge::GenerationJob> lastJob;
    std::optional<comfybridge::WorkflowLibrary> workflowLibrary;
    juce::ChangeBroadcaster changeBroadcaster;
    juce::String lastStartProblem;
    comfybridge::AudioSession audio;
    HostControls hostControls { *this };
    TransportTracker transport;            // audio thread (its rewindTo() from the message thread)
    bool armPending = false;               // audio thread: "Arm capture" went on, the capture not armed yet
    std::atomic<bool> generateRequested { false }; // audio thread -> message thread ("Generate" went on)

    void runOnMessageThread (std::function<void (ComfyBridgeProcessor&)> work);
    void connectTo (const comfybridge::ComfyUIConfig& configToUse);
    void useManager (std::shared_ptr<comfybridge::ConnectionManager> newManager);
    void applyState (const void* data, int sizeInBytes);
    void notifyChange();
    void followHostControls() noexcept;
    void followHostControlsTick();

    // Follows "Generate" and takes finished captures; detached first in the destructor.
    comfybridge::GuardedTimer hostControlsTimer { [this] { followHostControlsTick(); } };

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (ComfyBridgeProcessor)
};
