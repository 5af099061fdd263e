#pragma once

namespace comfybridge::detail
{

//==============================================================================
/**
    Band-limited sample-rate conversion of whole clips: a Kaiser-windowed sinc
    (64 taps at the lower of the two rates, about 90 dB of stop-band rejection,
    flat to about 0.42 of the lower rate) read from a polyphase table computed
    once per rate pair.

    When the rates are whole numbers whose ratio reduces to at most 4096 output
    phases (44.1 <-> 48 kHz has 160 or 147), every output sample falls exactly on a
    table phase: one dot product per sample. Other ratios interpolate linearly
    between the two nearest of 512 phases.

    Output sample n sits at input position n * sourceRate / targetRate (no delay);
    the input is taken as silent outside its frames.

    Internal to the module: resampleClip() is the public entry.
*/
class Resampler
{
public:
    /** Prepares the table for @p sourceRate -> @p targetRate (both positive). */
    Resampler (double sourceRate, double targetRate);

    /** Resamples one channel of @p inputFrames into @p outputFrames. Thread-safe (const). */
    void process (const float* input, int inputFrames, float* output, int outputFrames) const;

private:
    int halfTaps = 32, taps = 64, phases = 512;
    bool exact = false;
    double ratio = 1.0;          // input samples per output sample
    juce::int64 stepWhole = 0;   // exact mode: whole input samples per output sample
    int stepPhase = 0;           // exact mode: and phases on top
    std::vector<float> table;    // (phases + 1) rows of `taps` coefficients

    float dot (const float* input, int inputFrames, juce::int64 first, const float* coefficients) const noexcept;
};

} // namespace comfybridge::detail
