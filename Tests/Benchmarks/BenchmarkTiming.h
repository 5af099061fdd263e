#pragma once

// Timing helpers shared by the benchmark programs (they print figures; nothing here asserts).

#include <algorithm>
#include <chrono>
#include <vector>

namespace benchmark_timing
{
    using Clock = std::chrono::steady_clock;

    /** Milliseconds from @p start until now. */
    inline double msSince (Clock::time_point start)
    {
        return std::chrono::duration<double, std::milli> (Clock::now() - start).count();
    }

    /** The middle sample (the upper one of the two middles for an even count). */
    inline double median (std::vector<double> v)
    {
        std::sort (v.begin(), v.end());
        return v[v.size() / 2];
    }
}
