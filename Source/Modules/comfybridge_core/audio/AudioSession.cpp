namespace comfybridge
{

namespace
{
    const juce::Identifier resultFileId { "result_file" }, resultStartId { "result_start" }, placeholderId { "placeholder" },
                           wetId { "wet" }, lengthAmountId { "capture_length" }, lengthInBarsId { "capture_in_bars" };

    juce::File defaultResultFolder()
    {
        return juce::File::getSpecialLocation (juce::File::userDocumentsDirectory).getChildFile ("ComfyBridge").getChildFile ("Audio");
    }

    /** A new file name in @p folder: ComfyBridge-<time>[-placeholder].<extension>. */
    juce::File newResultFile (const juce::File& folder, bool placeholder, const juce::String& extension)
    {
        const auto stem = "ComfyBridge-" + juce::Time::getCurrentTime().formatted ("%Y%m%d-%H%M%S")
                        + (placeholder ? "-placeholder" : "");
        return folder.getNonexistentChildFile (stem, extension, false);
    }
}

const juce::Identifier AudioSession::treeType { "Audio" };

//==============================================================================
AudioSession::AudioSession()
    : resultFolder (defaultResultFolder()),
      lifetime (std::make_shared<Lifetime>())
{
    lifetime->session = this;
}

AudioSession::~AudioSession()
{
    jobTimer.detach();
    const std::lock_guard<std::mutex> guard (lifetime->mutex);
    lifetime->session = nullptr; // background work finishing later finds no session
}

void AudioSession::prepare (double sampleRate, int numChannels)
{
    // Hosts prepare again often with the same settings: a capture armed or held survives that.
    if (sampleRate != capture.getSampleRate() || juce::jmax (1, numChannels) != capture.getNumChannels())
    {
        capture.prepare (sampleRate, numChannels);
        standBy();
    }
}

void AudioSession::standBy()
{
    capture.standBy (getCaptureLengthSamples());
}

void AudioSession::process (juce::AudioBuffer<float>& buffer, int numSamples, const HostTransport& transport) noexcept
{
    playhead.store (transport.timeInSamples, std::memory_order_relaxed);
    capture.process (buffer, numSamples, transport); // the dry input, before the result is mixed in
    player.process (buffer, numSamples, transport);
}

//==============================================================================
AudioSession::CaptureLength AudioSession::getCaptureLength() const
{
    const juce::ScopedLock sl (lock);
    return captureLength;
}

void AudioSession::setCaptureLength (CaptureLength length)
{
    length.amount = juce::jlimit (0.0, length.inBars ? 1000.0 : AudioCapture::maxCapSeconds, length.amount);
    {
        const juce::ScopedLock sl (lock);
        captureLength = length;
    }

    audioThreadLength.store (length.amount, std::memory_order_relaxed);
    audioThreadLengthInBars.store (length.inBars, std::memory_order_relaxed);
    standBy();
}

juce::int64 AudioSession::getCaptureLengthSamples() const noexcept
{
    const auto length = getCaptureLength();

    if (length.inBars)
        return capture.samplesForBars (length.amount);

    return (juce::int64) std::llround (length.amount * capture.getSampleRate());
}

juce::String AudioSession::arm()
{
    const auto length = getCaptureLength();
    const auto samples = getCaptureLengthSamples();

    if (length.inBars && samples <= 0)
        return "the host has not told its tempo yet: start playback once, or set the length in seconds";

    return capture.arm (samples);
}

bool AudioSession::armFromAudioThread() noexcept
{
    const auto amount = audioThreadLength.load (std::memory_order_relaxed);
    const auto samples = audioThreadLengthInBars.load (std::memory_order_relaxed)
                       ? capture.samplesForBars (amount)
                       : (juce::int64) (amount * capture.getSampleRate() + 0.5);
    return capture.armNow (samples);
}

bool AudioSession::pollCapture()
{
    const auto start = capture.getStartPosition();
    auto clip = capture.takeClip();

    if (clip.isEmpty())
        return false;

    setInput (std::move (clip), start);
    standBy(); // the next capture's buffer, ready for the audio thread to arm
    return true;
}

void AudioSession::setInput (AudioClip clip, juce::int64 start)
{
    input = std::move (clip);
    inputStart = start;
    ++changeCount;
}

//==============================================================================
juce::String AudioSession::prepareRequest (GenerationRequest& request)
{
    pollCapture();

    if (! request.workflow.audio.empty())
    {
        if (input.isEmpty())
            return "Capture some audio first: arm the capture and play the host.";

        request.inputAudio = input;
        pendingStart = inputStart;
    }
    else
    {
        pendingStart = playhead.load (std::memory_order_relaxed); // text-to-audio starts where the host is now
    }

    request.outputSampleRate = getSampleRate();
    return {};
}

void AudioSession::followJob (std::shared_ptr<GenerationJob> newJob)
{
    job = std::move (newJob);

    if (job != nullptr)
        jobTimer.startTimer (50);
}

void AudioSession::followJobTick()
{
    if (job == nullptr || ! job->isFinished())
    {
        if (job == nullptr)
            jobTimer.stopTimer();
        return;
    }

    const auto future = job->getFuture();
    job.reset();
    jobTimer.stopTimer();

    if (future.wait_for (std::chrono::seconds (0)) == std::future_status::ready)
        applyResult (future.get());
}

bool AudioSession::applyResult (const GenerationResult& finished)
{
    if (finished.audio.empty() || finished.audio.front().isEmpty())
        return false;

    const auto& clip = finished.audio.front();
    const auto placeholder = finished.outcome == GenerationOutcome::placeholder;

    ++resultGeneration;
    resultProblem = {};
    player.setClip (clip, pendingStart);
    setResult ({ clip, {}, pendingStart, placeholder });
    writeResultFile (finished, clip, placeholder);

    if (onResultPlaying != nullptr)
        onResultPlaying (getResult());

    return true;
}

AudioSession::Result AudioSession::getResult() const
{
    const juce::ScopedLock sl (lock);
    return result;
}

void AudioSession::setResult (Result newResult)
{
    {
        const juce::ScopedLock sl (lock);
        result = std::move (newResult);
    }

    ++changeCount;
}

//==============================================================================
void AudioSession::writeResultFile (const GenerationResult& finished, const AudioClip& clip, bool placeholder)
{
    // The file as ComfyUI made it (FLAC from SaveAudio) when there is one; a placeholder as WAV.
    auto bytes = finished.audioFiles.empty() ? juce::MemoryBlock() : finished.audioFiles.front();
    const auto name = finished.audioFileNames.isEmpty() ? juce::String() : finished.audioFileNames[0];
    const auto extension = bytes.getSize() > 0 ? (name.contains (".") ? name.fromLastOccurrenceOf (".", true, false) : ".flac") : ".wav";
    const auto file = newResultFile (resultFolder, placeholder, extension);
    const auto generation = resultGeneration;

    runInBackground ([bytes = std::move (bytes), clip, file, generation]() -> std::function<void (AudioSession&)>
    {
        juce::String error;
        // (Another write may create the folder at the same moment: then it exists all the same.)
        const auto folder = file.getParentDirectory();
        auto written = folder.createDirectory().wasOk() || folder.isDirectory();

        if (! written)
            error = "cannot create the folder " + file.getParentDirectory().getFullPathName();
        else if (bytes.getSize() > 0)
        {
            written = file.replaceWithData (bytes.getData(), bytes.getSize());

            if (! written)
                error = "cannot write " + file.getFullPathName();
        }
        else
            written = writeAudioFile (clip, file, error);

        return [written, error, file, generation] (AudioSession& session)
        {
            if (generation != session.resultGeneration)
                return; // a newer result replaced this one meanwhile

            if (! written)
            {
                session.resultProblem = "The result could not be saved to a file: " + error + ".";
                ++session.changeCount;
                return;
            }

            auto updated = session.getResult();
            updated.file = file;
            session.setResult (std::move (updated));
        };
    });
}

void AudioSession::loadResultFile (const juce::File& file)
{
    const auto rate = getSampleRate();
    const auto generation = resultGeneration;

    runInBackground ([file, rate, generation]() -> std::function<void (AudioSession&)>
    {
        juce::MemoryBlock bytes;
        std::variant<AudioClip, juce::String> decoded = juce::String ("cannot read " + file.getFullPathName());

        if (file.loadFileAsData (bytes))
            decoded = decodeAudio (bytes);

        if (auto* clip = std::get_if<AudioClip> (&decoded))
            decoded = resampleClip (*clip, rate);

        return [decoded = std::move (decoded), file, generation] (AudioSession& session)
        {
            if (generation != session.resultGeneration)
                return;

            if (auto* problem = std::get_if<juce::String> (&decoded))
            {
                session.resultProblem = "The result file " + file.getFullPathName() + " cannot be played: " + *problem + ".";
                ++session.changeCount;
                return;
            }

            auto updated = session.getResult();
            updated.clip = std::get<AudioClip> (decoded);
            session.player.setClip (updated.clip, updated.start);
            session.setResult (std::move (updated));

            if (session.onResultPlaying != nullptr)
                session.onResultPlaying (session.getResult());
        };
    });
}

void AudioSession::runInBackground (std::function<std::function<void (AudioSession&)>()> work)
{
    ++pendingWork;

    juce::Thread::launch ([guard = lifetime, work = std::move (work)]
    {
        auto then = work();

        juce::MessageManager::callAsync ([guard, then = std::move (then)]
        {
            const std::lock_guard<std::mutex> held (guard->mutex);

            if (auto* session = guard->session)
            {
                --session->pendingWork;
                then (*session);
            }
        });
    });
}

//==============================================================================
juce::ValueTree AudioSession::toValueTree() const
{
    juce::ValueTree tree (treeType);
    const juce::ScopedLock sl (lock);

    if (result.file != juce::File())
    {
        tree.setProperty (resultFileId, result.file.getFullPathName(), nullptr);
        tree.setProperty (resultStartId, juce::String (result.start), nullptr); // as text: all 64 bits survive XML
        tree.setProperty (placeholderId, result.placeholder, nullptr);
    }

    tree.setProperty (wetId, (double) player.getWet(), nullptr);
    tree.setProperty (lengthAmountId, captureLength.amount, nullptr);
    tree.setProperty (lengthInBarsId, captureLength.inBars, nullptr);
    return tree;
}

void AudioSession::restore (const juce::ValueTree& tree)
{
    if (! tree.hasType (treeType))
        return;

    player.setWet ((float) (double) tree.getProperty (wetId, 1.0));
    setCaptureLength ({ (double) tree.getProperty (lengthAmountId, 10.0), (bool) tree.getProperty (lengthInBarsId, false) });

    ++resultGeneration;
    resultProblem = {};
    player.clear();

    const auto path = tree.getProperty (resultFileId).toString();
    Result restored;
    restored.start = tree.getProperty (resultStartId).toString().getLargeIntValue();
    restored.placeholder = (bool) tree.getProperty (placeholderId, false);

    if (path.isNotEmpty() && juce::File::isAbsolutePath (path))
    {
        restored.file = juce::File (path);

        if (! restored.file.existsAsFile())
            resultProblem = "The result file " + path + " is missing (moved or deleted). Generate again to make a new one.";
        else
            loadResultFile (restored.file);
    }

    setResult (std::move (restored));
}

} // namespace comfybridge
