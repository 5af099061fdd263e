namespace comfybridge
{

namespace
{
    /** The longest forward step of the host's position taken as a dropout (filled with
        silence) rather than a jump of the playhead (which ends a capture).
    */
    constexpr double maxDropoutSeconds = 0.1;
}

//==============================================================================
/** The message thread's claim on the buffer while the audio thread could arm
    (idle): it raises `working` and then reads the state; armNow() swaps the state
    and then reads `working`. Both sequentially consistent, so at most one of them
    goes ahead (Dekker's rule); the loser backs off.
*/
struct AudioCapture::BufferWork
{
    explicit BufferWork (AudioCapture& c) : lock (c.workMutex), capture (c) { capture.working.store (true); }
    ~BufferWork() { capture.working.store (false); }

    /** The state now that armNow() keeps off (it may have armed just before). */
    State state() const noexcept { return capture.state.load(); }

    std::lock_guard<std::mutex> lock;
    AudioCapture& capture;
};

//==============================================================================
void AudioCapture::prepare (double newSampleRate, int numChannels)
{
    const BufferWork work (*this);
    sampleRate = newSampleRate;
    channels = juce::jmax (1, numChannels);
    state.store (State::idle, std::memory_order_release);
    cancelRequested.store (false, std::memory_order_relaxed);
    written.store (0, std::memory_order_relaxed);
    allocate();
}

double AudioCapture::setCapSeconds (double seconds)
{
    const BufferWork work (*this);
    capSeconds = juce::jlimit (1.0, maxCapSeconds, seconds);

    // The audio thread writes the buffer only while armed or capturing: reallocate
    // only when it cannot be there (otherwise the next arm() does).
    const auto current = work.state();

    if (sampleRate > 0.0 && (current == State::idle || current == State::complete))
    {
        state.store (State::idle, std::memory_order_release);
        allocate();
    }

    return capSeconds;
}

void AudioCapture::allocate()
{
    capacity = sampleRate > 0.0 ? (juce::int64) std::ceil (capSeconds * sampleRate) : 0;

    // malloc only: the pages are touched by arm(), for the armed length alone.
    buffer = capacity > 0 ? std::make_unique<juce::AudioBuffer<float>> (channels, (int) capacity) : nullptr;
}

//==============================================================================
juce::String AudioCapture::arm (juce::int64 lengthSamples)
{
    const BufferWork work (*this);

    if (sampleRate <= 0.0)
        return "audio is not running yet (the host has not prepared the plugin)";

    const auto current = work.state();

    if (current == State::armed || current == State::capturing)
        return "a capture is already armed or running";

    if (lengthSamples <= 0)
        return "the capture length must be more than 0";

    const auto capSamples = (juce::int64) std::ceil (capSeconds * sampleRate);

    if (lengthSamples > capSamples)
        return "a capture of " + juce::String ((double) lengthSamples / sampleRate, 1) + " s is longer than the cap of "
             + juce::String (capSeconds, 1) + " s (raise it in the capture settings, up to "
             + juce::String (maxCapSeconds / 60.0, 0) + " minutes)";

    // Idle or complete: the audio thread does not touch the buffer now.
    if (buffer == nullptr || capacity != capSamples)
        allocate();

    // Touch (clear) only the pages the audio thread will write, here and not there.
    for (int channel = 0; channel < buffer->getNumChannels(); ++channel)
        juce::FloatVectorOperations::clear (buffer->getWritePointer (channel), (int) lengthSamples);

    target.store (lengthSamples, std::memory_order_relaxed);
    written.store (0, std::memory_order_relaxed);
    cancelRequested.store (false, std::memory_order_relaxed);

    // From complete, or idle: then armNow() may hold a passing "armed" it is about to
    // give back (it saw `working`); wait for that rather than be overwritten by it.
    for (auto from = current; ! moveState (from, State::armed); from = State::idle)
        std::this_thread::yield();

    return {};
}

juce::String AudioCapture::armSeconds (double seconds)
{
    return arm ((juce::int64) std::llround (seconds * sampleRate));
}

void AudioCapture::standBy (juce::int64 lengthSamples)
{
    const BufferWork work (*this);

    if (sampleRate <= 0.0 || work.state() != State::idle)
        return;

    if (buffer == nullptr)
        allocate();

    if (buffer != nullptr)
        for (int channel = 0; channel < buffer->getNumChannels(); ++channel)
            juce::FloatVectorOperations::clear (buffer->getWritePointer (channel), (int) juce::jlimit ((juce::int64) 0, capacity, lengthSamples));
}

bool AudioCapture::armNow (juce::int64 lengthSamples) noexcept
{
    auto expected = State::idle;

    if (lengthSamples <= 0 || ! state.compare_exchange_strong (expected, State::armed))
        return false;

    // Armed: unless the message thread is at the buffer, it is ours to use now.
    if (working.load() || buffer == nullptr || capacity <= 0)
    {
        state.store (State::idle);
        return false;
    }

    target.store (juce::jmin (lengthSamples, capacity), std::memory_order_relaxed);
    written.store (0, std::memory_order_relaxed);
    cancelRequested.store (false, std::memory_order_relaxed);
    return true;
}

bool AudioCapture::finishNow() noexcept
{
    if (moveState (State::armed, State::idle))
        return true;

    // Only this thread moves a running capture on (or the message thread's cancel, seen at the next block).
    if (getState() != State::capturing)
        return false;

    return moveState (State::capturing, written.load (std::memory_order_relaxed) > 0 ? State::complete : State::idle);
}

bool AudioCapture::disarm() noexcept
{
    if (moveState (State::armed, State::idle) || moveState (State::complete, State::idle))
        return true;

    if (getState() == State::capturing)
    {
        // The audio thread may be writing right now: it stops itself at its next block.
        cancelRequested.store (true, std::memory_order_release);
        return true;
    }

    return false;
}

juce::int64 AudioCapture::samplesForBars (double bars) const noexcept
{
    const auto bpm = lastBpm.load (std::memory_order_relaxed);
    const auto numerator = lastNumerator.load (std::memory_order_relaxed);
    const auto denominator = lastDenominator.load (std::memory_order_relaxed);

    if (bpm <= 0.0 || numerator <= 0 || denominator <= 0 || sampleRate <= 0.0)
        return 0;

    const auto quarterNotes = bars * numerator * 4.0 / denominator;
    return (juce::int64) std::llround (quarterNotes * 60.0 / bpm * sampleRate);
}

AudioClip AudioCapture::takeClip()
{
    // Complete: armNow() keeps off (it needs idle); the mutex keeps prepare() out.
    const std::lock_guard<std::mutex> lock (workMutex);

    if (getState() != State::complete || buffer == nullptr)
        return {};

    // Complete: the audio thread is done with the buffer. Shorten it in place (no
    // reallocation, no copy) and hand the whole allocation to the clip.
    const auto length = (int) written.load (std::memory_order_acquire);
    buffer->setSize (buffer->getNumChannels(), length, true, false, true);
    auto clip = AudioClip::fromBuffer (std::move (*buffer), sampleRate);

    // The next buffer, before the state goes idle (from then on armNow() may use it).
    allocate();

    state.store (State::idle, std::memory_order_release);
    return clip;
}

//==============================================================================
void AudioCapture::process (const juce::AudioBuffer<float>& input, int numSamples, const HostTransport& transport) noexcept
{
    if (transport.bpm > 0.0)
    {
        lastBpm.store (transport.bpm, std::memory_order_relaxed);
        lastNumerator.store (transport.timeSigNumerator, std::memory_order_relaxed);
        lastDenominator.store (transport.timeSigDenominator, std::memory_order_relaxed);
    }

    auto current = state.load (std::memory_order_acquire);

    if (current == State::armed && transport.isPlaying)
    {
        startPosition.store (transport.timeInSamples, std::memory_order_relaxed);
        expectedPosition = transport.timeInSamples;

        if (moveState (State::armed, State::capturing))
            current = State::capturing;
    }

    if (current == State::capturing)
        record (input, numSamples, transport);
}

void AudioCapture::record (const juce::AudioBuffer<float>& input, int numSamples, const HostTransport& transport) noexcept
{
    if (cancelRequested.exchange (false, std::memory_order_acq_rel))
    {
        written.store (0, std::memory_order_relaxed);
        state.store (State::idle, std::memory_order_release);
        return;
    }

    auto done = written.load (std::memory_order_relaxed);
    const auto targetSamples = target.load (std::memory_order_relaxed);

    // A short step forward is a dropout (the host skipped a cycle or two, an xrun), not
    // the user moving the playhead: silence fills the gap and the capture stays in time.
    const auto gap = transport.timeInSamples - expectedPosition;
    const auto maxDropout = (juce::int64) (sampleRate * maxDropoutSeconds);

    // The host stopped or jumped: keep what was recorded up to here.
    if (! transport.isPlaying || gap < 0 || gap > maxDropout)
    {
        moveState (State::capturing, done > 0 ? State::complete : State::idle);
        return;
    }

    if (gap > 0)
    {
        const auto fill = (int) juce::jmin (gap, targetSamples - done);

        for (int channel = 0; channel < buffer->getNumChannels(); ++channel)
            juce::FloatVectorOperations::clear (buffer->getWritePointer (channel, (int) done), fill);

        done += fill;
        expectedPosition += gap;
        written.store (done, std::memory_order_release);

        if (done >= targetSamples)
        {
            moveState (State::capturing, State::complete);
            return;
        }
    }

    const auto count = (int) juce::jmin ((juce::int64) numSamples, targetSamples - done);
    const auto inputChannels = input.getNumChannels();

    for (int channel = 0; channel < buffer->getNumChannels(); ++channel)
    {
        auto* destination = buffer->getWritePointer (channel, (int) done);

        if (inputChannels > 0)
            juce::FloatVectorOperations::copy (destination, input.getReadPointer (juce::jmin (channel, inputChannels - 1)), count);
        else
            juce::FloatVectorOperations::clear (destination, count);
    }

    written.store (done + count, std::memory_order_release);
    expectedPosition += numSamples;

    if (done + count >= targetSamples)
        moveState (State::capturing, State::complete);
}

bool AudioCapture::moveState (State from, State to) noexcept
{
    return state.compare_exchange_strong (from, to, std::memory_order_acq_rel);
}

//==============================================================================
juce::String AudioCapture::describe() const
{
    const auto seconds = [this] (juce::int64 samples)
    {
        return juce::String (sampleRate > 0.0 ? (double) samples / sampleRate : 0.0, 1);
    };

    switch (getState())
    {
        case State::idle:      return "not armed";
        case State::armed:     return "armed: " + seconds (getTargetSamples()) + " s from when the host plays";
        case State::capturing: return "capturing " + seconds (getCapturedSamples()) + " of " + seconds (getTargetSamples()) + " s";
        case State::complete:  return "captured " + seconds (getCapturedSamples()) + " s";
    }

    return {};
}

} // namespace comfybridge
