namespace comfybridge
{

namespace
{
    /** Writes the clip through @p format into a memory block; empty on failure. */
    juce::MemoryBlock encodeWith (juce::AudioFormat& format, const AudioClip& clip, int bitsPerSample)
    {
        juce::MemoryBlock block;

        if (clip.isEmpty())
            return block;

        auto* stream = new juce::MemoryOutputStream (block, false);
        std::unique_ptr<juce::AudioFormatWriter> writer (format.createWriterFor (stream, clip.sampleRate,
                                                                                 (unsigned int) clip.getNumChannels(),
                                                                                 bitsPerSample, {}, 0));
        if (writer == nullptr)
        {
            delete stream; // createWriterFor only takes ownership when it succeeds
            return {};
        }

        const auto ok = writer->writeFromAudioSampleBuffer (*clip.samples, 0, clip.getNumSamples());
        writer.reset(); // flushes and finishes the header into block

        return ok ? block : juce::MemoryBlock();
    }

    constexpr unsigned int maxDecodedChannels = 8;
    constexpr juce::int64 maxDecodedFrames = (juce::int64) 48000 * 60 * 20; // 20 minutes at 48 kHz (460 MB of stereo floats)
}

juce::MemoryBlock encodeWav (const AudioClip& clip, int bitsPerSample)
{
    juce::WavAudioFormat format;
    return encodeWith (format, clip, bitsPerSample == 16 || bitsPerSample == 24 || bitsPerSample == 32 ? bitsPerSample : 24);
}

juce::MemoryBlock encodeFlac (const AudioClip& clip, int bitsPerSample)
{
    juce::FlacAudioFormat format;
    return encodeWith (format, clip, bitsPerSample == 24 ? 24 : 16);
}

std::variant<AudioClip, juce::String> decodeAudio (const juce::MemoryBlock& bytes)
{
    if (bytes.getSize() < 12)
        return juce::String ("not an audio file (" + juce::String ((int) bytes.getSize()) + " bytes)");

    const auto* data = static_cast<const char*> (bytes.getData());
    std::unique_ptr<juce::AudioFormat> format;

    if (std::memcmp (data, "RIFF", 4) == 0 && std::memcmp (data + 8, "WAVE", 4) == 0)
        format = std::make_unique<juce::WavAudioFormat>();
    else if (std::memcmp (data, "fLaC", 4) == 0)
        format = std::make_unique<juce::FlacAudioFormat>();
    else
        return juce::String ("not a WAV or FLAC file");

    auto* stream = new juce::MemoryInputStream (bytes, false);
    std::unique_ptr<juce::AudioFormatReader> reader (format->createReaderFor (stream, true));

    if (reader == nullptr)
        return juce::String ("damaged " + format->getFormatName());

    if (reader->numChannels == 0 || reader->numChannels > maxDecodedChannels || reader->sampleRate <= 0.0)
        return juce::String (format->getFormatName() + " with " + juce::String (reader->numChannels)
                             + " channels at " + juce::String (reader->sampleRate) + " Hz cannot be played");

    if (reader->lengthInSamples <= 0)
        return juce::String (format->getFormatName() + " holds no audio");

    if (reader->lengthInSamples > maxDecodedFrames)
        return juce::String (format->getFormatName() + " is too long (" + juce::String (reader->lengthInSamples) + " frames)");

    juce::AudioBuffer<float> buffer ((int) reader->numChannels, (int) reader->lengthInSamples);
    if (! reader->read (&buffer, 0, buffer.getNumSamples(), 0, true, true))
        return juce::String ("could not read the " + format->getFormatName());

    return AudioClip::fromBuffer (std::move (buffer), reader->sampleRate);
}

AudioClip resampleClip (const AudioClip& clip, double targetRate)
{
    if (clip.isEmpty() || targetRate <= 0.0 || std::abs (clip.sampleRate - targetRate) < 1.0e-9)
        return clip;

    const auto ratio = clip.sampleRate / targetRate; // input samples per output sample
    const auto inputFrames = clip.getNumSamples();
    const auto outputFrames = juce::jmax (1, (int) std::llround ((double) inputFrames / ratio));

    // A polyphase windowed sinc (Resampler.h): JUCE's WindowedSincInterpolator took
    // 25-40 s for ten minutes of stereo; this table-driven one reads each output from
    // one precomputed phase.
    const detail::Resampler resampler (clip.sampleRate, targetRate);
    juce::AudioBuffer<float> output (clip.getNumChannels(), outputFrames);

    for (int channel = 0; channel < clip.getNumChannels(); ++channel)
        resampler.process (clip.samples->getReadPointer (channel), inputFrames, output.getWritePointer (channel), outputFrames);

    return AudioClip::fromBuffer (std::move (output), targetRate);
}

bool writeAudioFile (const AudioClip& clip, const juce::File& file, juce::String& error)
{
    const auto extension = file.getFileExtension().toLowerCase();

    if (extension != ".wav" && extension != ".flac")
    {
        error = "cannot tell the format from \"" + file.getFileName() + "\": use .wav or .flac";
        return false;
    }

    if (clip.isEmpty())
    {
        error = "there is no audio to write";
        return false;
    }

    const auto bytes = extension == ".wav" ? encodeWav (clip) : encodeFlac (clip);

    if (bytes.isEmpty())
    {
        error = "could not encode " + juce::String (clip.getNumChannels()) + " channels at "
              + juce::String (clip.sampleRate) + " Hz as " + extension.substring (1).toUpperCase();
        return false;
    }

    juce::TemporaryFile temporary (file);

    if (! temporary.getFile().replaceWithData (bytes.getData(), bytes.getSize()) || ! temporary.overwriteTargetFileWithTemporary())
    {
        error = "could not write " + file.getFullPathName();
        return false;
    }

    return true;
}

} // namespace comfybridge
