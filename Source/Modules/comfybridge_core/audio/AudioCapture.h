#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Records a plugin's input into a preallocated buffer, in time with the host.

    The message thread prepares the buffer (prepare(), its capacity is the cap:
    60 s by default, at most 10 minutes), arms a capture of a length, and takes
    the finished capture as an AudioClip. The audio thread calls process() once
    per block: it is lock-free, wait-free and never allocates.

    States: idle → armed → capturing → complete. An armed capture starts at the
    first block in which the host plays (at once when it already plays) and
    records from that block's timeline position for the armed length. It ends
    early, keeping what it has, when the host stops or the playhead jumps. A
    forward step of at most 0.1 s (a dropout: the host skipped a cycle) is filled
    with silence instead, so the capture stays in time.

    Handing over does not copy: takeClip() moves the buffer into the clip and
    only shortens it (no reallocation), then allocates the next buffer (malloc
    only: its pages are not touched until standBy() or arm() clears them).

    The audio thread can arm too (armNow(), for a host automating the plugin's
    "Arm capture" parameter): it starts at that very block when a buffer is
    ready and the capture is idle. standBy() readies the buffer for a length
    ahead of time, so that capture writes only pages already touched. finishNow()
    ends a capture at that block and keeps what was recorded (a punch-out).

    Threads: prepare(), setCapSeconds(), arm(), standBy(), disarm(), takeClip()
    and the length helpers on the message thread (prepare() may come from a host
    thread: a mutex keeps it from running into the others); process(), armNow()
    and finishNow() on the audio thread (lock-free: a flag and a state
    compare-and-swap decide who may touch the buffer while idle); the getters
    anywhere.
*/
class AudioCapture
{
public:
    /** Where a capture is. */
    enum class State
    {
        idle,      ///< nothing armed
        armed,     ///< waiting for the host to play
        capturing, ///< recording
        complete   ///< recorded; takeClip() hands it over
    };

    /** The cap's default and the largest cap allowed, in seconds. */
    static constexpr double defaultCapSeconds = 60.0, maxCapSeconds = 600.0;

    AudioCapture() = default;

    //==============================================================================
    /** Allocates the buffer for @p numChannels at @p sampleRate (the cap decides its
        length). Drops any capture in progress. Message thread, never while the audio
        thread is inside process().
    */
    void prepare (double sampleRate, int numChannels);

    /** Sets the cap (clamped to 1 s .. 10 min) and reallocates when prepared. Same
        threading rule as prepare(). Returns the cap in force.
    */
    double setCapSeconds (double seconds);

    /** The cap in seconds. */
    double getCapSeconds() const noexcept { return capSeconds; }

    //==============================================================================
    /** Arms a capture of @p lengthSamples. Returns an empty string when armed, or why
        not (above the cap, not prepared, a capture running).
    */
    juce::String arm (juce::int64 lengthSamples);

    /** Arms a capture of @p seconds at the prepared rate (see arm()). */
    juce::String armSeconds (double seconds);

    /** Stops an armed or running capture and forgets it. Returns true if there was one. */
    bool disarm() noexcept;

    /** Readies the buffer (allocated and the first @p lengthSamples touched) so that
        armNow() can start a capture of that length without the audio thread touching
        fresh memory. Does nothing unless idle. Message thread.
    */
    void standBy (juce::int64 lengthSamples);

    //==============================================================================
    /** Audio thread: arms a capture of @p lengthSamples (at most the buffer's
        capacity) now, so that process() in this same block starts it when the host
        plays. Returns false when not idle, no buffer is ready, or the message thread
        is working on the buffer (try again next block). Real-time safe.
    */
    bool armNow (juce::int64 lengthSamples) noexcept;

    /** Audio thread: ends an armed capture (forgotten) or a running one here,
        keeping what was recorded (complete). Returns true if there was one. Real-time safe.
    */
    bool finishNow() noexcept;

    /** Samples for @p bars at the last tempo and time signature the audio thread
        published, or 0 when the host gave no tempo yet.
    */
    juce::int64 samplesForBars (double bars) const noexcept;

    /** The last tempo the audio thread saw (0 when none). */
    double getLastBpm() const noexcept { return lastBpm.load (std::memory_order_relaxed); }

    /** Hands over the finished capture (state complete → idle), without copying the
        samples. Returns an empty clip in any other state.
    */
    AudioClip takeClip();

    //==============================================================================
    /** The audio thread's one call per block: records @p input's first @p numSamples
        as the state requires and publishes the host's tempo. Real-time safe.
    */
    void process (const juce::AudioBuffer<float>& input, int numSamples, const HostTransport& transport) noexcept;

    //==============================================================================
    /** Where the capture is. */
    State getState() const noexcept { return state.load (std::memory_order_acquire); }

    /** Samples recorded so far (the current or finished capture). */
    juce::int64 getCapturedSamples() const noexcept { return written.load (std::memory_order_acquire); }

    /** The armed length in samples. */
    juce::int64 getTargetSamples() const noexcept { return target.load (std::memory_order_relaxed); }

    /** The timeline position (samples) where the capture began. */
    juce::int64 getStartPosition() const noexcept { return startPosition.load (std::memory_order_relaxed); }

    /** The prepared sample rate (0 before prepare()). */
    double getSampleRate() const noexcept { return sampleRate; }

    /** The prepared channel count (0 before prepare()). */
    int getNumChannels() const noexcept { return channels; }

    /** The buffer's capacity in samples (0 while none is allocated). */
    juce::int64 getCapacitySamples() const noexcept { return capacity; }

    /** A one-line description of the state, e.g. "capturing 3.2 of 10.0 s". */
    juce::String describe() const;

private:
    std::unique_ptr<juce::AudioBuffer<float>> buffer; // written by the audio thread only while armed/capturing
    double sampleRate = 0.0, capSeconds = defaultCapSeconds;
    int channels = 0;
    juce::int64 capacity = 0;

    std::atomic<State> state { State::idle };
    std::atomic<juce::int64> target { 0 }, written { 0 }, startPosition { 0 };
    std::atomic<double> lastBpm { 0.0 };
    std::atomic<int> lastNumerator { 4 }, lastDenominator { 4 };
    std::atomic<bool> cancelRequested { false };
    juce::int64 expectedPosition = 0; // audio thread only

    // The message thread's work on the buffer: the mutex keeps prepare() (maybe a host
    // thread) apart from the rest; `working` tells armNow() to keep off meanwhile.
    std::mutex workMutex;
    std::atomic<bool> working { false };

    struct BufferWork;

    void allocate();
    void record (const juce::AudioBuffer<float>& input, int numSamples, const HostTransport& transport) noexcept;
    bool moveState (State from, State to) noexcept;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (AudioCapture)
};

} // namespace comfybridge
