// Issue 12: one notification channel. Listeners hear change messages and pull one
// snapshot: the manager's (metrics included) and a generation job's progress.

#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include "Support/FakeExecutor.h"
#include "Support/MessageLoop.h"
#include "Support/TestUtilities.h"
#include "Shared/BundledWorkflows.h"

using namespace TestSupport;
using comfybridge::ConnectionManager;
using TestHelpers::FakeComfyUI;

namespace
{
    struct CountingListener : juce::ChangeListener
    {
        int changes = 0;
        void changeListenerCallback (juce::ChangeBroadcaster*) override { ++changes; }
    };
}

TEST_CASE ("a change message comes when only the metrics moved, so a view needs no timer for them", "[callbacks]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    ConnectionManager manager (localConfig (server.port()));
    CountingListener listener;
    manager.addChangeListener (&listener);
    int statusCallbacks = 0;
    manager.registerStatusCallback ([&] (const comfybridge::ComfyUIStatus&) { ++statusCallbacks; });

    REQUIRE (manager.connect().get().available);
    REQUIRE (pumpUntil ([&] { return manager.isLiveChannelOpen(); }, 10000));
    REQUIRE (manager.readinessChecked().get().available);
    pumpFor (200);

    const auto before = manager.getStatus();
    const auto changesBefore = listener.changes, callbacksBefore = statusCallbacks;

    manager.startHealthMonitoring (0.1);
    REQUIRE (pumpUntil ([&] { return manager.getStatus().metrics.checksDone >= before.metrics.checksDone + 3; }, 10000));
    pumpFor (100);

    const auto after = manager.getStatus();
    REQUIRE (after.isEquivalentTo (before)); // nothing a status callback would report
    CHECK (statusCallbacks == callbacksBefore);
    CHECK (listener.changes > changesBefore); // yet listeners heard that the metrics moved

    manager.removeChangeListener (&listener);
}

TEST_CASE ("a generation job tells its listeners as it moves and when it finished", "[generation][callbacks]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    FakeExecutor executor (server);
    ConnectionManager manager (localConfig (server.port()));
    REQUIRE (manager.connect().get().available);

    auto found = comfybridge::findWorkflow ("empty_image");
    REQUIRE (std::holds_alternative<comfybridge::WorkflowDefinition> (found));
    comfybridge::GenerationRequest request;
    request.workflow = std::get<comfybridge::WorkflowDefinition> (found);
    request.inputs.width = 64;
    request.inputs.height = 48;
    request.timeoutSeconds = 30.0;

    struct Follower : juce::ChangeListener
    {
        std::shared_ptr<comfybridge::GenerationJob> job;
        int changes = 0;
        bool sawFinished = false;
        std::vector<double> fractions;

        void changeListenerCallback (juce::ChangeBroadcaster*) override
        {
            ++changes;
            fractions.push_back (job->getProgress().fraction);
            sawFinished = sawFinished || job->isFinished();
        }
    } follower;

    follower.job = manager.generate (request);
    follower.job->addChangeListener (&follower);

    REQUIRE (pumpUntil ([&] { return follower.sawFinished; }, 20000));
    follower.job->removeChangeListener (&follower);

    CHECK (follower.changes >= 1);
    CHECK (follower.job->getFuture().get().outcome == comfybridge::GenerationOutcome::generated);
    CHECK (std::is_sorted (follower.fractions.begin(), follower.fractions.end()));
    CHECK (follower.fractions.back() == Approx (1.0));
}
