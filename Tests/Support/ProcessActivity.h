#pragma once

#include <map>
#include <string>

namespace TestSupport
{

/**
    How much a process has run so far, from /proc (Linux): CPU time of all its
    threads and how often its threads were switched out (each wake-up of a
    sleeping thread ends in one). Two readings a known time apart give CPU %
    and wake-ups per second.
*/
struct ProcessActivity
{
    bool valid = false;                              ///< false when the process could not be read
    double cpuSeconds = 0.0;                         ///< utime + stime of the whole process (clock ticks: 10 ms steps)
    double onCpuSeconds = 0.0;                       ///< time on a CPU of its live threads (schedstat: ns steps)
    long long contextSwitches = 0;                   ///< voluntary + involuntary, summed over its live threads
    std::map<std::string, long long> threadSwitches; ///< "tid name" -> switches of that thread

    /** Reads the figures of process @p pid now. */
    static ProcessActivity read (int pid);
};

} // namespace TestSupport
