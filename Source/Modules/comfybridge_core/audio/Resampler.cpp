namespace comfybridge::detail
{

namespace
{
    constexpr double kaiserBeta = 9.0;    // side lobes near -90 dB
    constexpr double passbandShare = 0.92; // cutoff, as a share of the lower rate's Nyquist
    constexpr int maxExactPhases = 4096, interpolatedPhases = 512;

    /** The zeroth-order modified Bessel function of the first kind (its power series). */
    double besselI0 (double x)
    {
        double sum = 1.0, term = 1.0;

        for (int k = 1; k < 64 && term > sum * 1.0e-12; ++k)
        {
            const auto half = x / (2.0 * k);
            term *= half * half;
            sum += term;
        }

        return sum;
    }

    juce::int64 greatestCommonDivisor (juce::int64 a, juce::int64 b)
    {
        while (b != 0)
            a = std::exchange (b, a % b);

        return a;
    }
}

//==============================================================================
Resampler::Resampler (double sourceRate, double targetRate)
    : ratio (sourceRate / targetRate)
{
    // Exact phases when the rates are whole numbers with a small reduced ratio.
    const auto source = (juce::int64) std::llround (sourceRate), target = (juce::int64) std::llround (targetRate);

    if ((double) source == sourceRate && (double) target == targetRate && source > 0 && target > 0)
    {
        const auto divisor = greatestCommonDivisor (source, target);
        const auto outputPhases = target / divisor;

        if (outputPhases <= maxExactPhases)
        {
            exact = true;
            phases = (int) outputPhases;
            stepWhole = (source / divisor) / outputPhases;
            stepPhase = (int) ((source / divisor) % outputPhases);
        }
    }

    if (! exact)
        phases = interpolatedPhases;

    // Downsampling widens the kernel (in input samples) by the ratio: the cutoff follows the lower rate.
    const auto scale = juce::jmin (1.0, 1.0 / ratio);
    const auto cutoff = 0.5 * passbandShare * scale; // cycles per input sample
    halfTaps = (int) std::ceil (32.0 / scale);
    taps = (halfTaps * 2 + 7) / 8 * 8; // a whole number of 8-float blocks for dot()

    table.assign ((size_t) (phases + 1) * (size_t) taps, 0.0f);
    const auto norm = besselI0 (kaiserBeta);

    for (int phase = 0; phase <= phases; ++phase)
    {
        auto* row = table.data() + (size_t) phase * (size_t) taps;
        const auto fraction = (double) phase / phases;
        double sum = 0.0;

        for (int k = 0; k < 2 * halfTaps; ++k)
        {
            // Distance from the output position to input sample (i - halfTaps + 1 + k).
            const auto distance = fraction + halfTaps - 1 - k;
            const auto x = distance / halfTaps;

            if (std::abs (x) >= 1.0)
                continue;

            const auto arg = 2.0 * cutoff * distance;
            const auto sinc = std::abs (arg) < 1.0e-12 ? 1.0 : std::sin (juce::MathConstants<double>::pi * arg) / (juce::MathConstants<double>::pi * arg);
            const auto value = 2.0 * cutoff * sinc * besselI0 (kaiserBeta * std::sqrt (1.0 - x * x)) / norm;
            row[k] = (float) value;
            sum += value;
        }

        // Every phase passes DC at exactly unity gain.
        for (int k = 0; k < taps; ++k)
            row[k] = (float) (row[k] / sum);
    }
}

//==============================================================================
float Resampler::dot (const float* input, int inputFrames, juce::int64 first, const float* coefficients) const noexcept
{
    float partial[8] = {};

    if (first >= 0 && first + taps <= inputFrames)
    {
        // Eight independent sums in a row: the compiler keeps them in one vector register.
        const auto* x = input + first;

        for (int k = 0; k < taps; k += 8)
            for (int j = 0; j < 8; ++j)
                partial[j] += x[k + j] * coefficients[k + j];
    }
    else
    {
        // Near the ends: silence outside the clip.
        for (int k = 0; k < taps; ++k)
        {
            const auto index = first + k;

            if (index >= 0 && index < inputFrames)
                partial[k & 7] += input[index] * coefficients[k];
        }
    }

    return ((partial[0] + partial[1]) + (partial[2] + partial[3])) + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

void Resampler::process (const float* input, int inputFrames, float* output, int outputFrames) const
{
    if (exact)
    {
        juce::int64 whole = 0;
        int phase = 0;

        for (int n = 0; n < outputFrames; ++n)
        {
            output[n] = dot (input, inputFrames, whole - halfTaps + 1, table.data() + (size_t) phase * (size_t) taps);
            whole += stepWhole;
            phase += stepPhase;

            if (phase >= phases)
            {
                phase -= phases;
                ++whole;
            }
        }

        return;
    }

    for (int n = 0; n < outputFrames; ++n)
    {
        const auto position = (double) n * ratio;
        const auto whole = (juce::int64) std::floor (position);
        const auto scaled = (position - (double) whole) * phases;
        const auto phase = juce::jlimit (0, phases - 1, (int) scaled);
        const auto blend = (float) (scaled - phase);
        const auto first = whole - halfTaps + 1;
        const auto* row = table.data() + (size_t) phase * (size_t) taps;
        const auto a = dot (input, inputFrames, first, row);
        const auto b = dot (input, inputFrames, first, row + taps);
        output[n] = a + blend * (b - a);
    }
}

} // namespace comfybridge::detail
