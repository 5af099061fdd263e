// A timer's owner destroyed on another thread (as JUCE's LV2 wrapper destroys
// plugins) waits for a running callback instead of vanishing under it.

#include <catch2/catch.hpp>
#include "Support/TestUtilities.h"

#include <atomic>
#include <thread>

using comfybridge::GuardedTimer;
using TestSupport::pumpUntil;

namespace
{
    /** An owner whose callback takes a while and uses the owner's memory throughout. */
    struct SlowOwner
    {
        std::atomic<bool>& entered;
        std::atomic<int>& order; // 1 = the callback returned, 2 = the destructor went on
        std::vector<int> data = std::vector<int> (1024, 0);
        GuardedTimer timer { [this] { tick(); } };

        SlowOwner (std::atomic<bool>& e, std::atomic<int>& o) : entered (e), order (o) {}

        ~SlowOwner()
        {
            timer.detach();
            int expected = 0;
            order.compare_exchange_strong (expected, 2); // only if no callback returned first
        }

        void tick()
        {
            entered = true;
            std::this_thread::sleep_for (std::chrono::milliseconds (100)); // the owner is destroyed meanwhile
            for (auto& d : data)
                ++d; // freed memory here if the destructor did not wait (ASan would also say so)
            int expected = 0;
            order.compare_exchange_strong (expected, 1);
        }
    };
}

TEST_CASE ("an owner destroyed on another thread waits for its running timer callback", "[timer][threads]")
{
    std::atomic<bool> entered { false };
    std::atomic<int> order { 0 };
    auto* owner = new SlowOwner (entered, order);
    owner->timer.startTimer (1);

    std::atomic<bool> destroyed { false };
    std::thread host ([&]
    {
        while (! entered)
            std::this_thread::yield();
        delete owner; // while the message thread is inside tick()
        destroyed = true;
    });

    REQUIRE (pumpUntil ([&] { return destroyed.load(); }));
    host.join();
    CHECK (order == 1); // the callback finished before the destructor went on
    TestSupport::pumpFor (50); // the timer itself is deleted on this thread
}

TEST_CASE ("a detached timer never calls again, and a callback may destroy its own owner", "[timer]")
{
    SECTION ("detach stops the calls for good")
    {
        std::atomic<int> calls { 0 };
        GuardedTimer timer ([&] { ++calls; });
        timer.startTimer (1);
        REQUIRE (pumpUntil ([&] { return calls > 0; }));

        timer.detach();
        CHECK_FALSE (timer.isTimerRunning());
        timer.startTimer (1); // ignored once detached
        CHECK_FALSE (timer.isTimerRunning());

        const auto before = calls.load();
        TestSupport::pumpFor (50);
        CHECK (calls == before);
    }

    SECTION ("the callback deletes its owner")
    {
        struct SelfDeleting
        {
            bool& gone;
            GuardedTimer timer { [this] { delete this; } };
            explicit SelfDeleting (bool& g) : gone (g) {}
            ~SelfDeleting() { timer.detach(); gone = true; }
        };

        bool gone = false;
        (new SelfDeleting (gone))->timer.startTimer (1);
        CHECK (pumpUntil ([&] { return gone; }));
        TestSupport::pumpFor (20);
    }
}
