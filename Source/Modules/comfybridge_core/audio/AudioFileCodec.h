#pragma once

#include <variant>

namespace comfybridge
{

//==============================================================================
/*  Audio files in and out of AudioClips, with JUCE's readers and writers.
    Every function is thread-safe (no shared state) and may take a while for
    long clips: call them off the audio thread, and for long clips off the
    message thread too.
*/

/** The clip as a WAV file (PCM, @p bitsPerSample 16, 24 or 32; anything else
    becomes 24). An empty clip gives an empty block.
*/
juce::MemoryBlock encodeWav (const AudioClip& clip, int bitsPerSample = 24);

/** The clip as a FLAC file (@p bitsPerSample 16 or 24; anything else becomes
    16). An empty clip, or a rate FLAC cannot store, gives an empty block.
*/
juce::MemoryBlock encodeFlac (const AudioClip& clip, int bitsPerSample = 16);

/** Decodes WAV or FLAC bytes (recognised by their content, not a name) into a
    clip; or a message for people when the bytes are neither, are damaged, or
    hold no audio.
*/
std::variant<AudioClip, juce::String> decodeAudio (const juce::MemoryBlock& bytes);

/** The clip at @p targetRate (a polyphase Kaiser-windowed sinc per channel, see
    audio/Resampler.h; about 0.2 s per minute of stereo). The
    result has round (length * targetRate / sourceRate) frames. Returns the same
    clip (sharing its samples) when the rates already match, the clip is empty or
    @p targetRate is not positive.
*/
AudioClip resampleClip (const AudioClip& clip, double targetRate);

/** Writes the clip to @p file as WAV (24-bit) or FLAC (16-bit), chosen by the
    extension (.wav / .flac, any case). Returns false with @p error set when the
    extension is neither, the clip is empty or the file cannot be written. The
    file is written next to the target and moved into place, so a reader never
    sees half a file.
*/
bool writeAudioFile (const AudioClip& clip, const juce::File& file, juce::String& error);

} // namespace comfybridge
