#include "AllocationCounter.h"

#include <atomic>
#include <cstdlib>
#include <new>

#if defined (__SANITIZE_ADDRESS__) || defined (__SANITIZE_THREAD__)
 #define COMFYBRIDGE_COUNT_ALLOCATIONS 0
#else
 #define COMFYBRIDGE_COUNT_ALLOCATIONS 1
#endif

namespace
{
    thread_local bool onAudioThread = false;
    std::atomic<long> allocations { 0 };
}

namespace AllocationCounter
{
    bool isAvailable() { return COMFYBRIDGE_COUNT_ALLOCATIONS != 0; }
    long count() { return allocations.load(); }
    AudioThreadScope::AudioThreadScope() { onAudioThread = true; }
    AudioThreadScope::~AudioThreadScope() { onAudioThread = false; }
}

#if COMFYBRIDGE_COUNT_ALLOCATIONS
namespace
{
    void* countedAllocation (std::size_t size)
    {
        if (onAudioThread)
            allocations.fetch_add (1, std::memory_order_relaxed);

        if (auto* p = std::malloc (size == 0 ? 1 : size))
            return p;

        throw std::bad_alloc();
    }
}

void* operator new (std::size_t size)   { return countedAllocation (size); }
void* operator new[] (std::size_t size) { return countedAllocation (size); }
void* operator new (std::size_t size, const std::nothrow_t&) noexcept   { try { return countedAllocation (size); } catch (...) { return nullptr; } }
void* operator new[] (std::size_t size, const std::nothrow_t&) noexcept { try { return countedAllocation (size); } catch (...) { return nullptr; } }
void operator delete (void* p) noexcept                  { std::free (p); }
void operator delete[] (void* p) noexcept                { std::free (p); }
void operator delete (void* p, std::size_t) noexcept     { std::free (p); }
void operator delete[] (void* p, std::size_t) noexcept   { std::free (p); }
#endif
