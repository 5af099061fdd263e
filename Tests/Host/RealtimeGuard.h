#pragma once

/** Marks the current thread as "inside the audio callback": any heap allocation
    made there is counted as a real-time violation (see HostMain.cpp).
*/
namespace RealtimeGuard
{
    void enter();
    void leave();
    long allocationsSoFar();

    /** RAII scope for one processBlock call. */
    struct Scope
    {
        Scope() { enter(); }
        ~Scope() { leave(); }
    };
}
