/*  A real-time probe for the real-host tests, preloaded into the host (LD_PRELOAD):
    it watches what the ComfyBridge LV2 does inside the host's audio callback, on the
    host's own audio thread, in the shipped plugin binary.

    How: lilv (jalv's and Ardour's LV2 loader) finds a plugin's descriptors with
    dlsym (lib, "lv2_descriptor"). The probe answers that lookup for the library whose
    descriptors carry COMFYBRIDGE_RT_PROBE_URI with descriptors whose run() marks the
    calling thread "in run" for the length of the real run(). While a thread is in run,
    every heap call (malloc, free; operator new goes through them), every mutex lock,
    and every I/O or sleeping call of the list below is counted, with its call stack; a
    lock that would have waited (its trylock fails) is also counted as a wait. Locks
    are kept with their stacks so the test can tell JUCE's wrapper's own (the callback
    lock around processBlock, a parameter's listener lock when the host sets it) from
    any of ours.

    At exit a process that loaded the plugin appends to COMFYBRIDGE_RT_PROBE_REPORT:
        runs N / allocations N / frees N / lock_calls N / lock_waits N / io_calls N /
        stacks_dropped N (distinct stacks beyond the table)
    then, for each distinct stack, "stack KIND CALL COUNT" and its frames ("frame
    LIBRARY 0xOFFSET" lines, for addr2line).

    Only glibc's exported entry points are used for the real calls (__libc_malloc and
    friends, dlvsym for the rest), so the probe never allocates through itself. A host's
    dlsym (RTLD_NEXT, ...) is answered as if asked from the probe: the next library
    after it, which for a preloaded probe is the usual global order.
*/

#ifndef _GNU_SOURCE
 #define _GNU_SOURCE
#endif

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <lv2/core/lv2.h>
#include <execinfo.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

extern "C"
{
    void* __libc_malloc (size_t);
    void* __libc_calloc (size_t, size_t);
    void* __libc_realloc (void*, size_t);
    void* __libc_memalign (size_t, size_t);
    void __libc_free (void*);
}

namespace
{
    using DescriptorFunction = const LV2_Descriptor* (*) (uint32_t);

    enum class Kind { allocation, release, lock, lockWait, io };
    const char* nameOf (Kind kind)
    {
        switch (kind)
        {
            case Kind::allocation: return "allocation";
            case Kind::release: return "free";
            case Kind::lock: return "lock";
            case Kind::lockWait: return "lock-wait";
            case Kind::io: return "io";
        }
        return "?";
    }

    // initial-exec: a preloaded library may use static TLS, and a dynamic TLS access
    // can itself allocate (recursion inside malloc).
    __attribute__ ((tls_model ("initial-exec"))) thread_local int runDepth = 0;
    __attribute__ ((tls_model ("initial-exec"))) thread_local bool insideProbe = false;

    std::atomic<long> runs { 0 }, allocations { 0 }, releases { 0 }, lockCalls { 0 }, lockWaits { 0 }, ioCalls { 0 };

    //==========================================================================
    // Each distinct call stack (kind, call and return addresses) is kept once, with how
    // often it happened. Its frames are named by library and offset when first seen:
    // the plugin may be unloaded by the time the report is written.
    constexpr int maxStacks = 32, maxFrames = 40, maxPath = 240;
    struct KeptFrame
    {
        char library[maxPath];
        uintptr_t offset;
    };
    struct KeptStack
    {
        Kind kind;
        const char* call;
        void* addresses[maxFrames];
        KeptFrame frames[maxFrames];
        int depth;
        long count;
    };
    KeptStack keptStacks[maxStacks];
    int keptCount = 0;
    long droppedStacks = 0;
    std::atomic_flag keptStacksLock = ATOMIC_FLAG_INIT; // audio threads only, and a test tool

    void nameFrames (KeptStack& kept)
    {
        for (int i = 0; i < kept.depth; ++i)
        {
            Dl_info info {};
            auto& frame = kept.frames[i];
            const auto address = reinterpret_cast<uintptr_t> (kept.addresses[i]);
            if (dladdr (kept.addresses[i], &info) != 0 && info.dli_fname != nullptr)
            {
                snprintf (frame.library, maxPath, "%s", info.dli_fname);
                frame.offset = address - reinterpret_cast<uintptr_t> (info.dli_fbase);
            }
            else
            {
                snprintf (frame.library, maxPath, "?");
                frame.offset = address;
            }
        }
    }

    void keepStack (Kind kind, const char* call)
    {
        void* addresses[maxFrames];
        const int depth = backtrace (addresses, maxFrames);

        while (keptStacksLock.test_and_set (std::memory_order_acquire))
        {
        }
        bool found = false;
        for (int i = 0; i < keptCount && ! found; ++i)
        {
            auto& kept = keptStacks[i];
            found = kept.kind == kind && kept.call == call && kept.depth == depth
                 && memcmp (kept.addresses, addresses, sizeof (void*) * (size_t) depth) == 0;
            if (found)
                ++kept.count;
        }
        if (! found && keptCount < maxStacks)
        {
            auto& kept = keptStacks[keptCount++];
            kept.kind = kind;
            kept.call = call;
            kept.depth = depth;
            kept.count = 1;
            memcpy (kept.addresses, addresses, sizeof (void*) * (size_t) depth);
            nameFrames (kept);
        }
        else if (! found)
        {
            ++droppedStacks;
        }
        keptStacksLock.clear (std::memory_order_release);
    }

    bool inRun() { return runDepth > 0 && ! insideProbe; }

    void note (Kind kind, const char* call)
    {
        switch (kind)
        {
            case Kind::allocation: ++allocations; break;
            case Kind::release: ++releases; break;
            case Kind::lock: ++lockCalls; break;
            case Kind::lockWait: ++lockWaits; break;
            case Kind::io: ++ioCalls; break;
        }
        insideProbe = true;
        keepStack (kind, call);
        insideProbe = false;
    }

    //==========================================================================
    // The descriptors handed to the host: ComfyBridge's, with run() wrapped.
    constexpr uint32_t maxDescriptors = 8;
    DescriptorFunction realDescriptorFunction = nullptr;
    LV2_Descriptor wrappedDescriptors[maxDescriptors];
    void (*realRun) (LV2_Handle, uint32_t) = nullptr;

    void probedRun (LV2_Handle handle, uint32_t frames)
    {
        ++runDepth;
        realRun (handle, frames);
        --runDepth;
        ++runs;
    }

    const LV2_Descriptor* probedDescriptor (uint32_t index)
    {
        const auto* real = realDescriptorFunction (index);
        if (real == nullptr || index >= maxDescriptors)
            return real;
        realRun = real->run; // one plugin class: the same run() for every descriptor
        wrappedDescriptors[index] = *real;
        wrappedDescriptors[index].run = probedRun;
        return &wrappedDescriptors[index];
    }

    const char* probedUri()
    {
        const char* uri = getenv ("COMFYBRIDGE_RT_PROBE_URI");
        return uri != nullptr ? uri : "http://comfybridge/lv2/comfybridge";
    }

    bool describesProbedPlugin (DescriptorFunction function)
    {
        for (uint32_t i = 0; i < maxDescriptors; ++i)
        {
            const auto* descriptor = function (i);
            if (descriptor == nullptr)
                return false;
            if (descriptor->URI != nullptr && strcmp (descriptor->URI, probedUri()) == 0)
                return true;
        }
        return false;
    }

    //==========================================================================
    using DlsymFunction = void* (*) (void*, const char*);
    DlsymFunction realDlsym()
    {
        static DlsymFunction function = reinterpret_cast<DlsymFunction> (dlvsym (RTLD_NEXT, "dlsym", "GLIBC_2.34"));
        if (function == nullptr)
            function = reinterpret_cast<DlsymFunction> (dlvsym (RTLD_NEXT, "dlsym", "GLIBC_2.2.5"));
        return function;
    }

    template <typename Function>
    Function realFunction (const char* name)
    {
        return reinterpret_cast<Function> (realDlsym() (RTLD_NEXT, name));
    }

    void writeReport()
    {
        const char* path = getenv ("COMFYBRIDGE_RT_PROBE_REPORT");
        if (path == nullptr || realDescriptorFunction == nullptr) // not the process that loaded the plugin
            return;
        insideProbe = true;
        // Appends: a host may be started more than once with the same report file.
        const int fd = open (path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0)
            return;
        dprintf (fd, "runs %ld\nallocations %ld\nfrees %ld\nlock_calls %ld\nlock_waits %ld\nio_calls %ld\nstacks_dropped %ld\n", runs.load(), allocations.load(), releases.load(), lockCalls.load(), lockWaits.load(), ioCalls.load(), droppedStacks);
        for (int i = 0; i < keptCount; ++i)
        {
            dprintf (fd, "stack %s %s %ld\n", nameOf (keptStacks[i].kind), keptStacks[i].call, keptStacks[i].count);
            for (int f = 0; f < keptStacks[i].depth; ++f)
                dprintf (fd, "    frame %s 0x%lx\n", keptStacks[i].frames[f].library, static_cast<unsigned long> (keptStacks[i].frames[f].offset));
        }
        close (fd);
    }

    __attribute__ ((constructor)) void startProbe()
    {
        // backtrace() loads libgcc_s (allocating) on its first call: do that now.
        void* frames[2];
        backtrace (frames, 2);
        realDlsym();
    }

    __attribute__ ((destructor)) void finishProbe() { writeReport(); }
} // namespace

//==============================================================================
extern "C"
{
    void* dlsym (void* handle, const char* name)
    {
        void* symbol = realDlsym() (handle, name);
        if (symbol == nullptr || strcmp (name, "lv2_descriptor") != 0)
            return symbol;
        auto function = reinterpret_cast<DescriptorFunction> (symbol);
        if (! describesProbedPlugin (function))
            return symbol;
        realDescriptorFunction = function;
        return reinterpret_cast<void*> (&probedDescriptor);
    }

    //==========================================================================
    void* malloc (size_t size)
    {
        if (inRun())
            note (Kind::allocation, "malloc");
        return __libc_malloc (size);
    }

    void* calloc (size_t count, size_t size)
    {
        if (inRun())
            note (Kind::allocation, "calloc");
        return __libc_calloc (count, size);
    }

    void* realloc (void* pointer, size_t size)
    {
        if (inRun())
            note (Kind::allocation, "realloc");
        return __libc_realloc (pointer, size);
    }

    void* memalign (size_t alignment, size_t size)
    {
        if (inRun())
            note (Kind::allocation, "memalign");
        return __libc_memalign (alignment, size);
    }

    void* aligned_alloc (size_t alignment, size_t size)
    {
        if (inRun())
            note (Kind::allocation, "aligned_alloc");
        return __libc_memalign (alignment, size);
    }

    int posix_memalign (void** result, size_t alignment, size_t size)
    {
        if (alignment % sizeof (void*) != 0 || (alignment & (alignment - 1)) != 0)
            return EINVAL;
        if (inRun())
            note (Kind::allocation, "posix_memalign");
        void* pointer = __libc_memalign (alignment, size);
        if (pointer == nullptr)
            return ENOMEM;
        *result = pointer;
        return 0;
    }

    void free (void* pointer)
    {
        if (pointer != nullptr && inRun())
            note (Kind::release, "free");
        __libc_free (pointer);
    }

    //==========================================================================
    int pthread_mutex_lock (pthread_mutex_t* mutex)
    {
        using Lock = int (*) (pthread_mutex_t*);
        static Lock realLock = reinterpret_cast<Lock> (dlvsym (RTLD_NEXT, "pthread_mutex_lock", "GLIBC_2.2.5"));
        static Lock realTryLock = reinterpret_cast<Lock> (dlvsym (RTLD_NEXT, "pthread_mutex_trylock", "GLIBC_2.34"));
        if (inRun())
        {
            note (Kind::lock, "pthread_mutex_lock");
            if (realTryLock != nullptr && realTryLock (mutex) == 0)
                return 0;
            note (Kind::lockWait, "pthread_mutex_lock");
        }
        return realLock (mutex);
    }
}

// Calls that wait on the kernel or another party: none belongs in an audio callback.
#define COMFYBRIDGE_PROBE_IO(returnType, name, parameters, arguments)          \
    extern "C" returnType name parameters                                      \
    {                                                                          \
        using Real = returnType (*) parameters;                                \
        static Real real = realFunction<Real> (#name);                         \
        if (inRun())                                                           \
            note (Kind::io, #name);                                            \
        return real arguments;                                                 \
    }

COMFYBRIDGE_PROBE_IO (ssize_t, read, (int fd, void* buffer, size_t size), (fd, buffer, size))
COMFYBRIDGE_PROBE_IO (ssize_t, write, (int fd, const void* buffer, size_t size), (fd, buffer, size))
COMFYBRIDGE_PROBE_IO (ssize_t, send, (int fd, const void* buffer, size_t size, int flags), (fd, buffer, size, flags))
COMFYBRIDGE_PROBE_IO (ssize_t, recv, (int fd, void* buffer, size_t size, int flags), (fd, buffer, size, flags))
COMFYBRIDGE_PROBE_IO (ssize_t, sendto, (int fd, const void* buffer, size_t size, int flags, const struct sockaddr* to, socklen_t length), (fd, buffer, size, flags, to, length))
COMFYBRIDGE_PROBE_IO (ssize_t, recvfrom, (int fd, void* buffer, size_t size, int flags, struct sockaddr* from, socklen_t* length), (fd, buffer, size, flags, from, length))
COMFYBRIDGE_PROBE_IO (ssize_t, sendmsg, (int fd, const struct msghdr* message, int flags), (fd, message, flags))
COMFYBRIDGE_PROBE_IO (ssize_t, recvmsg, (int fd, struct msghdr* message, int flags), (fd, message, flags))
COMFYBRIDGE_PROBE_IO (int, connect, (int fd, const struct sockaddr* address, socklen_t length), (fd, address, length))
COMFYBRIDGE_PROBE_IO (int, poll, (struct pollfd * fds, nfds_t count, int timeout), (fds, count, timeout))
COMFYBRIDGE_PROBE_IO (int, select, (int count, fd_set* reads, fd_set* writes, fd_set* errors, struct timeval* timeout), (count, reads, writes, errors, timeout))
COMFYBRIDGE_PROBE_IO (int, nanosleep, (const struct timespec* duration, struct timespec* remaining), (duration, remaining))
COMFYBRIDGE_PROBE_IO (int, clock_nanosleep, (clockid_t clock, int flags, const struct timespec* duration, struct timespec* remaining), (clock, flags, duration, remaining))
COMFYBRIDGE_PROBE_IO (int, usleep, (useconds_t microseconds), (microseconds))
COMFYBRIDGE_PROBE_IO (int, close, (int fd), (fd))

extern "C" int open (const char* path, int flags, ...)
{
    using Real = int (*) (const char*, int, ...);
    static Real real = realFunction<Real> ("open");
    mode_t mode = 0;
    if ((flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE)
    {
        va_list arguments;
        va_start (arguments, flags);
        mode = static_cast<mode_t> (va_arg (arguments, int));
        va_end (arguments);
    }
    if (inRun())
        note (Kind::io, "open");
    return real (path, flags, mode);
}
