#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Support/TestUtilities.h"

using namespace TestSupport;
using comfybridge::ComfyUIStatus;
using comfybridge::ConnectionManager;
using comfybridge::ConnectionState;
using TestHelpers::FakeComfyUI;

TEST_CASE ("callbacks run on the message thread, in registration order, for each change", "[callbacks]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));

    juce::StringArray calls;
    bool allOnMessageThread = true;
    auto record = [&] (const char* name)
    {
        return [&, name] (const ComfyUIStatus& s)
        {
            allOnMessageThread = allOnMessageThread && juce::MessageManager::getInstance()->isThisTheMessageThread();
            calls.add (juce::String (name) + ":" + comfybridge::toString (s.state));
        };
    };

    manager.registerStatusCallback (record ("a"));
    manager.registerStatusCallback (record ("b"));
    REQUIRE (manager.connect().get().available);
    REQUIRE (ready (manager.readinessChecked())); // readiness (CORS here) is one more change
    REQUIRE (pumpUntil ([&] { return calls.size() >= 6; }));

    CHECK (allOnMessageThread);
    CHECK (calls == juce::StringArray { "a:connecting", "b:connecting", "a:connected", "b:connected", "a:connected", "b:connected" });
}

TEST_CASE ("a change of lastCheck alone notifies nobody", "[callbacks]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);
    // The readiness check that follows the connection changes the status: let it finish
    // first (on a loaded machine it can outlast a short pump).
    REQUIRE (manager.readinessChecked().get().available);
    pumpFor (50);

    int calls = 0;
    manager.registerStatusCallback ([&] (const ComfyUIStatus&) { ++calls; });
    const auto firstCheck = manager.getStatus().lastCheck;

    REQUIRE (manager.checkHealth().get().available);
    REQUIRE (manager.checkHealth().get().available);
    pumpFor (100);
    CHECK (manager.getStatus().lastCheck >= firstCheck);
    CHECK (calls == 0);

    server.setQueue (0, 1);
    REQUIRE (manager.checkHealth().get().queueSize == 1);
    REQUIRE (pumpUntil ([&] { return calls == 1; }));
}

TEST_CASE ("a callback that throws is logged and the others still run", "[callbacks]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));

    int after = 0;
    manager.registerStatusCallback ([] (const ComfyUIStatus&) { throw std::runtime_error ("listener bug"); });
    manager.registerStatusCallback ([] (const ComfyUIStatus&) { throw 42; });
    manager.registerStatusCallback ([&] (const ComfyUIStatus&) { ++after; });

    REQUIRE (manager.connect().get().available);
    REQUIRE (pumpUntil ([&] { return after >= 2; })); // connecting, connected (then readiness)
}

TEST_CASE ("a callback may unregister itself during a notification", "[callbacks]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));

    int selfCalls = 0, otherCalls = 0;
    ConnectionManager::CallbackId self = 0;
    self = manager.registerStatusCallback ([&] (const ComfyUIStatus&)
    {
        ++selfCalls;
        CHECK (manager.unregisterStatusCallback (self));
    });
    manager.registerStatusCallback ([&] (const ComfyUIStatus&) { ++otherCalls; });

    REQUIRE (manager.connect().get().available);
    REQUIRE (pumpUntil ([&] { return otherCalls >= 2; }));
    CHECK (selfCalls == 1);
}

TEST_CASE ("a callback may unregister another one that has not run yet", "[callbacks]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));

    int victimCalls = 0, killerCalls = 0;
    ConnectionManager::CallbackId victim = 0;
    manager.registerStatusCallback ([&] (const ComfyUIStatus&)
    {
        ++killerCalls;
        manager.unregisterStatusCallback (victim);
    });
    victim = manager.registerStatusCallback ([&] (const ComfyUIStatus&) { ++victimCalls; });

    REQUIRE (manager.connect().get().available);
    REQUIRE (pumpUntil ([&] { return killerCalls >= 2; }));
    CHECK (victimCalls == 0);
    CHECK_FALSE (manager.unregisterStatusCallback (victim));
}

TEST_CASE ("unregistering is exact: other callbacks with the same body stay", "[callbacks]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));

    int calls = 0, notifications = 0;
    auto body = [&] (const ComfyUIStatus&) { ++calls; };
    const auto first = manager.registerStatusCallback (body);
    manager.registerStatusCallback (body);
    manager.registerStatusCallback ([&] (const ComfyUIStatus&) { ++notifications; });
    CHECK (manager.unregisterStatusCallback (first));
    CHECK_FALSE (manager.unregisterStatusCallback (first));

    REQUIRE (manager.connect().get().available);
    REQUIRE (ready (manager.readinessChecked()));
    REQUIRE (pumpUntil ([&] { return notifications >= 3; })); // connecting, connected, readiness
    pumpFor (50);
    CHECK (calls == notifications); // exactly one of the two identical bodies is still registered
}

TEST_CASE ("ChangeBroadcaster listeners hear about changes", "[callbacks]")
{
    struct Listener : juce::ChangeListener
    {
        int changes = 0;
        void changeListenerCallback (juce::ChangeBroadcaster*) override { ++changes; }
    } listener;

    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));
    manager.addChangeListener (&listener);
    REQUIRE (manager.connect().get().available);
    REQUIRE (pumpUntil ([&] { return listener.changes >= 1 && manager.getStatus().available; }));
    manager.removeChangeListener (&listener);
}

TEST_CASE ("no callback or change message arrives after destruction", "[callbacks][lifecycle]")
{
    FakeComfyUI server;
    REQUIRE (server.start());

    struct Listener : juce::ChangeListener
    {
        int changes = 0;
        void changeListenerCallback (juce::ChangeBroadcaster*) override { ++changes; }
    } listener;

    int calls = 0;
    {
        ConnectionManager manager (localConfig (server.port()));
        manager.addChangeListener (&listener);
        manager.registerStatusCallback ([&] (const ComfyUIStatus&) { ++calls; });
        REQUIRE (manager.connect().get().available);
        // Destroyed with notifications still queued for the message thread.
    }

    pumpFor (200);
    CHECK (calls == 0);
    CHECK (listener.changes == 0);
}
