namespace comfybridge
{

//==============================================================================
ClipPlayer::~ClipPlayer()
{
    releaseTimer.detach();
    delete live.exchange (nullptr);
    retired.clear();
}

void ClipPlayer::setClip (AudioClip clip, juce::int64 startSample)
{
    auto* replacement = clip.isEmpty() ? nullptr : new Holder { std::move (clip), startSample };
    auto* replaced = live.exchange (replacement);
    current = replacement;

    if (replaced != nullptr)
    {
        // Read after the swap: a block that began before it may still be reading `replaced`.
        retired.push_back ({ std::unique_ptr<Holder> (replaced), blockMarks.load() });
    }

    if (releaseRetired() > 0 && ! releaseTimer.isTimerRunning())
        releaseTimer.startTimer (20);
}

int ClipPlayer::releaseRetired()
{
    const auto mark = blockMarks.load();

    // A holder is safe to free when the audio thread was outside process() at the
    // swap (even mark), or has moved on since (another mark): every block after the
    // swap reads the new pointer.
    retired.erase (std::remove_if (retired.begin(), retired.end(), [mark] (const Retired& r)
                   {
                       return (r.blockMark % 2) == 0 || r.blockMark != mark;
                   }),
                   retired.end());

    return (int) retired.size();
}

//==============================================================================
void ClipPlayer::process (juce::AudioBuffer<float>& buffer, int numSamples, const HostTransport& transport) noexcept
{
    // Sequentially consistent (with the swap in setClip): either this block sees the
    // new holder, or setClip sees this block's odd mark.
    blockMarks.fetch_add (1); // inside (odd)

    if (const auto* holder = live.load(); holder != nullptr && transport.isPlaying)
        mix (buffer, *holder, numSamples, transport.timeInSamples, wet.load (std::memory_order_relaxed));

    blockMarks.fetch_add (1); // outside (even)
}

void ClipPlayer::mix (juce::AudioBuffer<float>& buffer, const Holder& holder, int numSamples,
                      juce::int64 position, float wetGain) noexcept
{
    const auto& samples = *holder.clip.samples;
    const auto clipLength = (juce::int64) samples.getNumSamples();

    // The part of this block inside the clip: block offsets [first, last).
    const auto first = juce::jlimit ((juce::int64) 0, (juce::int64) numSamples, holder.start - position);
    const auto last = juce::jlimit ((juce::int64) 0, (juce::int64) numSamples, holder.start + clipLength - position);

    if (last <= first)
        return;

    const auto count = (int) (last - first);
    const auto clipOffset = (int) (position + first - holder.start);
    const auto clipChannels = samples.getNumChannels();

    for (int channel = 0; channel < buffer.getNumChannels(); ++channel)
    {
        auto* out = buffer.getWritePointer (channel, (int) first);
        const auto* in = samples.getReadPointer (juce::jmin (channel, clipChannels - 1), clipOffset);

        juce::FloatVectorOperations::multiply (out, 1.0f - wetGain, count);
        juce::FloatVectorOperations::addWithMultiply (out, in, wetGain, count);
    }
}

} // namespace comfybridge
