#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Plays an AudioClip through a plugin's output in time with the host's
    transport: while the host plays and the playhead is inside the clip (which
    starts at a timeline position in samples), the output is
    dry·(1 − wet) + clip·wet; everywhere else it is the dry input.

    The clip reaches the audio thread without locks: the message thread puts it
    in a holder it allocated and swaps a pointer; the audio thread only reads
    the holder and never owns a reference, so no memory is ever freed there. The
    holder it replaced is freed on the message thread once the audio thread
    cannot be reading it any more (it marks each block's start and end).

    The clip's sample rate should be the host's (the generation engine resamples);
    a mono clip plays on every channel, otherwise channel n plays on output n.

    Threads: setClip(), clear() and releaseRetired() on the message thread;
    process() on the audio thread; setWet()/getWet() anywhere.
*/
class ClipPlayer
{
public:
    ClipPlayer() = default;

    /** Frees every holder: only when the audio thread no longer calls process(). */
    ~ClipPlayer();

    //==============================================================================
    /** Plays @p clip from timeline position @p startSample (samples) on. */
    void setClip (AudioClip clip, juce::int64 startSample);

    /** Stops playing any clip (the output becomes the dry input). */
    void clear() { setClip ({}, 0); }

    /** The clip playing now (empty when none). Message thread. */
    AudioClip getClip() const { return current != nullptr ? current->clip : AudioClip {}; }

    /** Where the clip starts on the timeline (samples). Message thread. */
    juce::int64 getStartSample() const noexcept { return current != nullptr ? current->start : 0; }

    /** The mix, 0 (dry only) .. 1 (clip only, the default). */
    void setWet (float newWet) noexcept { wet.store (juce::jlimit (0.0f, 1.0f, newWet), std::memory_order_relaxed); }

    /** The mix (see setWet()). */
    float getWet() const noexcept { return wet.load (std::memory_order_relaxed); }

    /** Frees replaced holders the audio thread has finished with. Returns how many
        are still waiting. A timer calls it too while any wait.
    */
    int releaseRetired();

    //==============================================================================
    /** Mixes the clip into @p buffer's first @p numSamples (which hold the dry input)
        for the block the host described. Real-time safe.
    */
    void process (juce::AudioBuffer<float>& buffer, int numSamples, const HostTransport& transport) noexcept;

private:
    struct Holder
    {
        AudioClip clip;
        juce::int64 start = 0;
    };

    struct Retired
    {
        std::unique_ptr<Holder> holder;
        juce::uint64 blockMark = 0; // the audio thread's mark when it was replaced
    };

    std::atomic<Holder*> live { nullptr };    // what the audio thread reads
    Holder* current = nullptr;                // the same, for the message thread (owned)
    std::vector<Retired> retired;             // message thread only
    std::atomic<juce::uint64> blockMarks { 0 }; // odd while the audio thread is inside process()
    std::atomic<float> wet { 1.0f };

    // Frees retired holders while any wait; a host may destroy the player on its own thread.
    GuardedTimer releaseTimer { [this] { if (releaseRetired() == 0) releaseTimer.stopTimer(); } };
    static void mix (juce::AudioBuffer<float>& buffer, const Holder& holder, int numSamples, juce::int64 position, float wetGain) noexcept;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (ClipPlayer)
};

} // namespace comfybridge
