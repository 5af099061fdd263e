#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

using comfybridge::ReconnectPolicy;

TEST_CASE ("a loopback host is retried at a fixed fast cadence, whatever the outage's length", "[reconnect-policy]")
{
    ReconnectPolicy policy (true, 10.0, 42);

    for (int i = 0; i < 1000; ++i)
        REQUIRE (policy.nextDelaySeconds() == Approx (ReconnectPolicy::loopbackCadenceSeconds));

    CHECK (ReconnectPolicy::loopbackCadenceSeconds <= 0.5);
    CHECK (policy.getTries() == 1000);
}

TEST_CASE ("a remote host backs off from 0.25 s, doubling up to the reconnect interval, with full jitter", "[reconnect-policy]")
{
    ReconnectPolicy policy (false, 10.0, 7);
    const std::vector<double> ceilings { 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0 };

    std::vector<double> delays;
    for (auto ceiling : ceilings)
    {
        REQUIRE (policy.nextCeilingSeconds() == Approx (ceiling));
        const auto delay = policy.nextDelaySeconds();
        REQUIRE (delay >= 0.0);
        REQUIRE (delay <= ceiling);
        delays.push_back (delay);
    }

    SECTION ("the same seed gives the same sequence")
    {
        ReconnectPolicy again (false, 10.0, 7);
        for (auto d : delays)
            CHECK (again.nextDelaySeconds() == d);
    }

    SECTION ("the jitter spreads: the delays are not simply the ceilings")
    {
        int belowHalf = 0;
        ReconnectPolicy many (false, 10.0, 99);
        for (int i = 0; i < 10; ++i)
            many.nextDelaySeconds();
        for (int i = 0; i < 200; ++i)
            belowHalf += many.nextDelaySeconds() < 5.0 ? 1 : 0;
        CHECK (belowHalf > 50);
        CHECK (belowHalf < 150);
    }

    SECTION ("a success starts the next outage from the first step")
    {
        policy.reset();
        CHECK (policy.getTries() == 0);
        CHECK (policy.nextCeilingSeconds() == Approx (0.25));
    }
}

TEST_CASE ("the reconnect interval is the cap, even below the first step", "[reconnect-policy]")
{
    ReconnectPolicy remote (false, 0.1, 1);
    CHECK (remote.nextCeilingSeconds() == Approx (0.1));
    ReconnectPolicy loopback (true, 0.1, 1);
    CHECK (loopback.nextDelaySeconds() == Approx (0.1));
}
