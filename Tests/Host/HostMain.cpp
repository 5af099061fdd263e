// Runner for the host-level tests: loads the built plugin through JUCE's own
// plugin hosting, as a DAW would. Counts heap allocations that the plugin's
// shared library makes while the host is inside processBlock (operator new is
// replaced for the whole process, so the plugin's calls land here too).
// malloc() called directly is not seen; locks are not detected (processBlock
// reads only atomics by design: see PluginProcessor.cpp).

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <juce_events/juce_events.h>

#include "RealtimeGuard.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <execinfo.h>
#include <new>

namespace
{
    thread_local bool insideAudioCallback = false;
    std::atomic<long> violations { 0 };

    /** True when the code that called operator new lives in the plugin's own shared
        library (the host side of JUCE's VST3 hosting allocates per block by itself,
        which is the host's business, not the plugin's).
    */
    bool calledFromPlugin (void* caller)
    {
        Dl_info info {};
        return dladdr (caller, &info) != 0 && info.dli_fname != nullptr
            && std::strstr (info.dli_fname, "ComfyBridge.so") != nullptr;
    }

    __attribute__ ((noinline)) void* allocate (std::size_t size, void* caller)
    {
        if (insideAudioCallback && calledFromPlugin (caller))
        {
            // Print where the first violation happened (once), then count the rest.
            if (violations.fetch_add (1, std::memory_order_relaxed) == 0 && std::getenv ("COMFYBRIDGE_RT_TRACE") != nullptr)
            {
                insideAudioCallback = false;
                void* frames[32];
                backtrace_symbols_fd (frames, backtrace (frames, 32), 2);
                insideAudioCallback = true;
            }
        }

        if (auto* p = std::malloc (size == 0 ? 1 : size))
            return p;

        throw std::bad_alloc();
    }
}

void* operator new (std::size_t size)                                 { return allocate (size, __builtin_return_address (0)); }
void* operator new[] (std::size_t size)                               { return allocate (size, __builtin_return_address (0)); }
void* operator new (std::size_t size, const std::nothrow_t&) noexcept { try { return allocate (size, __builtin_return_address (0)); } catch (...) { return nullptr; } }
void* operator new[] (std::size_t size, const std::nothrow_t&) noexcept { try { return allocate (size, __builtin_return_address (0)); } catch (...) { return nullptr; } }
void operator delete (void* p) noexcept                               { std::free (p); }
void operator delete[] (void* p) noexcept                             { std::free (p); }
void operator delete (void* p, std::size_t) noexcept                  { std::free (p); }
void operator delete[] (void* p, std::size_t) noexcept                { std::free (p); }

namespace RealtimeGuard
{
    void enter() { insideAudioCallback = true; }
    void leave() { insideAudioCallback = false; }
    long allocationsSoFar() { return violations.load(); }
}

int main (int argc, char* argv[])
{
    juce::ScopedJuceInitialiser_GUI juceInitialiser;
    return Catch::Session().run (argc, argv);
}
