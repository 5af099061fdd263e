#pragma once

/**
    Counts heap allocations (operator new) made by the current thread while it is
    marked as the audio thread. operator new is replaced for the test binary,
    except in sanitizer builds, whose runtimes own operator new (there
    isAvailable() returns false and the real-time test is skipped).
*/
namespace AllocationCounter
{
    bool isAvailable();
    long count();

    /** Marks this thread as the audio thread for the scope's lifetime. */
    struct AudioThreadScope
    {
        AudioThreadScope();
        ~AudioThreadScope();
    };
}
