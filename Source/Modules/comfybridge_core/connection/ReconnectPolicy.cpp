namespace comfybridge
{

ReconnectPolicy::ReconnectPolicy (bool loopbackHost, double capSeconds, juce::int64 seed)
    : loopback (loopbackHost), cap (juce::jmax (0.05, capSeconds)), random (seed)
{
}

double ReconnectPolicy::nextCeilingSeconds() const
{
    if (loopback)
        return juce::jmin (loopbackCadenceSeconds, cap);

    // 0.25, 0.5, 1, 2, ... capped (the exponent is bounded so it cannot overflow).
    return juce::jmin (cap, firstStepSeconds * std::pow (2.0, (double) juce::jmin (failedTries, 30)));
}

double ReconnectPolicy::nextDelaySeconds()
{
    const auto ceiling = nextCeilingSeconds();
    ++failedTries;

    if (loopback)
        return ceiling;

    // Full jitter: many clients of one remote server spread over the whole step.
    return ceiling * random.nextDouble();
}

} // namespace comfybridge
