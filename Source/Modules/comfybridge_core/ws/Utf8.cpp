namespace comfybridge
{

bool isValidUtf8 (const void* data, size_t numBytes) noexcept
{
    const auto* bytes = static_cast<const uint8_t*> (data);
    size_t i = 0;

    while (i < numBytes)
    {
        const auto lead = bytes[i];

        if (lead < 0x80)
        {
            ++i;
            continue;
        }

        // The well-formed byte sequences of Unicode's table 3-7: the second byte's
        // range depends on the lead byte, which rules out overlongs, surrogates and
        // code points above U+10FFFF.
        size_t length = 0;
        uint8_t secondLow = 0x80, secondHigh = 0xbf;

        if (lead >= 0xc2 && lead <= 0xdf)      { length = 2; }
        else if (lead == 0xe0)                 { length = 3; secondLow = 0xa0; }
        else if (lead >= 0xe1 && lead <= 0xec) { length = 3; }
        else if (lead == 0xed)                 { length = 3; secondHigh = 0x9f; }
        else if (lead >= 0xee && lead <= 0xef) { length = 3; }
        else if (lead == 0xf0)                 { length = 4; secondLow = 0x90; }
        else if (lead >= 0xf1 && lead <= 0xf3) { length = 4; }
        else if (lead == 0xf4)                 { length = 4; secondHigh = 0x8f; }
        else                                   { return false; }

        if (numBytes - i < length || bytes[i + 1] < secondLow || bytes[i + 1] > secondHigh)
            return false;

        for (size_t k = 2; k < length; ++k)
            if ((bytes[i + k] & 0xc0) != 0x80)
                return false;

        i += length;
    }

    return true;
}

} // namespace comfybridge
