#pragma once

namespace comfybridge
{

//==============================================================================
/**
    One plugin instance's audio work: capturing the input, generating from it,
    and playing the result back in time with the host.

    It owns an AudioCapture and a ClipPlayer (the audio thread calls process()
    once per block), the last captured input with its timeline start, and the
    result: the clip playing, the file it was written to, where it starts and
    whether it is a placeholder. The result file is written off the message
    thread (the FLAC bytes as fetched, or WAV for a placeholder) into the result
    folder; its path, start and the dry/wet mix are saved with the state, and a
    restored file is read and resampled off the message thread. A file that is
    gone is said plainly by getResultProblem().

    Threads: process() on the audio thread; everything else on the message
    thread, except toValueTree(), which any thread may call.
*/
class AudioSession
{
public:
    /** The generated (or placeholder) audio and where it plays. */
    struct Result
    {
        AudioClip clip;          ///< at the host's rate; empty while none (or still loading)
        juce::File file;         ///< where it was written (empty until written)
        juce::int64 start = 0;   ///< timeline position (samples) where it plays
        bool placeholder = false;///< the fallback's clip, not a generated one
    };

    /** How long a capture is, as the user set it. */
    struct CaptureLength
    {
        double amount = 10.0; ///< seconds or bars
        bool inBars = false;
    };

    AudioSession();
    ~AudioSession();

    //==============================================================================
    /** Prepares capture for @p sampleRate and @p numChannels (when they changed).
        Called where the host prepares the plugin; no audio runs then.
    */
    void prepare (double sampleRate, int numChannels);

    /** The audio thread's one call per block: captures the input held in @p buffer,
        then mixes the result in. Real-time safe.
    */
    void process (juce::AudioBuffer<float>& buffer, int numSamples, const HostTransport& transport) noexcept;

    AudioCapture& getCapture() noexcept { return capture; }
    ClipPlayer& getPlayer() noexcept { return player; }

    /** The host's rate as last prepared (0 before). */
    double getSampleRate() const noexcept { return capture.getSampleRate(); }

    /** The timeline position of the last block the audio thread saw. */
    juce::int64 getPlayheadPosition() const noexcept { return playhead.load (std::memory_order_relaxed); }

    //==============================================================================
    /** The capture length the user set (saved with the state). */
    CaptureLength getCaptureLength() const;

    /** Sets the capture length. */
    void setCaptureLength (CaptureLength length);

    /** The capture length in samples now (bars use the host's last tempo; 0 when unknown). */
    juce::int64 getCaptureLengthSamples() const noexcept;

    /** Arms a capture of the set length; returns why not, or an empty string. */
    juce::String arm();

    /** Audio thread: arms a capture of the set length at this block (the host's
        "Arm capture" parameter). False when it cannot now: not idle, no buffer ready,
        or a length in bars before the host gave a tempo. Real-time safe.
    */
    bool armFromAudioThread() noexcept;

    /** Audio thread: ends the capture here, keeping what was recorded. Real-time safe. */
    bool finishFromAudioThread() noexcept { return capture.finishNow(); }

    /** Takes a finished capture as the input. Returns true when there was one. */
    bool pollCapture();

    /** The audio generation works on (empty until something was captured). */
    const AudioClip& getInput() const noexcept { return input; }

    /** Where the input began on the timeline (samples). */
    juce::int64 getInputStart() const noexcept { return inputStart; }

    /** Uses @p clip as the input, as if captured at @p start. */
    void setInput (AudioClip clip, juce::int64 start);

    //==============================================================================
    /** Fills @p request's audio: for a workflow with a LoadAudio binding the captured
        input (an error when there is none), and the host's rate for the results. It
        remembers where the result will play: the input's start, or for text-to-audio
        the playhead now. Returns an empty string when the request can go.
    */
    juce::String prepareRequest (GenerationRequest& request);

    /** Follows @p job and applies its result when it finishes (editor open or not). */
    void followJob (std::shared_ptr<GenerationJob> job);

    /** Plays the result's first clip from where prepareRequest() said and writes its
        file in the background. Returns false when the result holds no audio.
    */
    bool applyResult (const GenerationResult& result);

    /** The result (clip, file, start). */
    Result getResult() const;

    /** Called (message thread) whenever a result starts playing: applied or restored.
        A plugin without a host timeline (standalone) uses it to go to the result's start.
    */
    std::function<void (const Result&)> onResultPlaying;

    /** Why the saved result cannot play (e.g. its file is missing), or empty. */
    juce::String getResultProblem() const { return resultProblem; }

    /** True while the result file is being written or read. */
    bool isBusy() const noexcept { return pendingWork > 0; }

    /** Grows by one whenever the input, the result or a problem changes (views compare it). */
    int getChangeCount() const noexcept { return changeCount; }

    //==============================================================================
    /** Where result files go (default: Documents/ComfyBridge/Audio). */
    void setResultFolder (const juce::File& folder) { resultFolder = folder; }

    /** Where result files go. */
    juce::File getResultFolder() const { return resultFolder; }

    /** The state to save: result file, start, placeholder, dry/wet, capture length. Any thread. */
    juce::ValueTree toValueTree() const;

    /** Restores a state from toValueTree(): the file is read (and resampled to the
        host's rate) off the message thread; a missing file sets getResultProblem().
    */
    void restore (const juce::ValueTree& tree);

    /** The tree type of toValueTree(). */
    static const juce::Identifier treeType;

private:
    struct Lifetime
    {
        std::mutex mutex;
        AudioSession* session = nullptr;
    };

    AudioCapture capture;
    ClipPlayer player;
    std::atomic<juce::int64> playhead { 0 };
    AudioClip input;
    juce::int64 inputStart = 0, pendingStart = 0;
    std::shared_ptr<GenerationJob> job;
    juce::String resultProblem;
    juce::File resultFolder;
    int changeCount = 0, pendingWork = 0, resultGeneration = 0;
    std::shared_ptr<Lifetime> lifetime;

    mutable juce::CriticalSection lock; // guards result and captureLength for toValueTree()
    Result result;
    CaptureLength captureLength;
    std::atomic<double> audioThreadLength { 10.0 }; // captureLength for armFromAudioThread()
    std::atomic<bool> audioThreadLengthInBars { false };

    // Follows the job to its end; a host may destroy the session on its own thread.
    GuardedTimer jobTimer { [this] { followJobTick(); } };

    void followJobTick();
    void standBy();
    void setResult (Result newResult);
    void writeResultFile (const GenerationResult& finished, const AudioClip& clip, bool placeholder);
    void loadResultFile (const juce::File& file);
    void runInBackground (std::function<std::function<void (AudioSession&)>()> work);

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (AudioSession)
};

} // namespace comfybridge
