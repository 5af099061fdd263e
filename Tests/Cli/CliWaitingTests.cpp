// How the CLI waits: asleep while nothing happens, and ended by Ctrl-C/SIGTERM
// with its usual output and exit code. (CPU and wake-up figures: the benchmarks.)

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <FakeComfyUI.h>
#include "CliRunner.h"
#include "Support/FakeExecutor.h"
#include "Support/ProcessActivity.h"

#include <csignal>
#include <thread>

namespace
{
    /** `watch` at the default intervals, one JSON line per change. */
    juce::StringArray watchArgs (int port)
    {
        return { "watch", "--json", "--host", "127.0.0.1", "--port", juce::String (port), "--no-discover-port" };
    }

    juce::StringArray statesIn (const juce::String& out)
    {
        juce::StringArray states;
        for (const auto& line : juce::StringArray::fromLines (out.trim()))
            states.add (nlohmann::json::parse (line.toStdString()).value ("state", std::string()));
        return states;
    }

    bool hasFirstLine (const juce::String& out) { return out.containsChar ('\n'); }
}

TEST_CASE ("cli: watch ends at once on SIGINT and on SIGTERM, exit 0, 'disconnected' last", "[cli][signals]")
{
    const auto signalNumber = GENERATE (SIGINT, SIGTERM);
    INFO ("signal " << signalNumber);

    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TemporaryHome home;

    CliProcess watch (watchArgs (server.port()), home.dir);
    REQUIRE (watch.waitForOutput (hasFirstLine, 20000));
    watch.sendSignal (signalNumber);

    // It ends by itself (milliseconds); one still running after 10 s is killed and exits -1.
    const auto result = watch.finish (10000);
    INFO (result.out << result.err);
    CHECK (result.exitCode == 0);

    const auto states = statesIn (result.out);
    REQUIRE (states.size() >= 2);
    CHECK (states[0] == "connected");
    CHECK (states[states.size() - 1] == "disconnected");
}

TEST_CASE ("cli: a watching process sleeps while nothing changes", "[cli][idle]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TemporaryHome home;

    CliProcess watch (watchArgs (server.port()), home.dir);
    REQUIRE (watch.waitForOutput (hasFirstLine, 20000));
    REQUIRE (server.waitForWsClient ("", 10000)); // the live channel is open: start-up is done

    // A measurement window, not a wait for something: 3 s in which no probe is due
    // (the interval is 5 s), summed over every thread of the process.
    const auto before = TestSupport::ProcessActivity::read (watch.pid());
    std::this_thread::sleep_for (std::chrono::seconds (3));
    const auto after = TestSupport::ProcessActivity::read (watch.pid());
    REQUIRE (before.valid);
    REQUIRE (after.valid);

    // Measured: a handful with the blocking loop, about 2,500 when the message
    // thread checked for messages every millisecond. The limit is far from both,
    // so a loaded machine cannot make this flake.
    const auto switches = after.contextSwitches - before.contextSwitches;
    INFO (switches << " context switches in 3 s");
    CHECK (switches < 100);

    watch.sendSignal (SIGINT);
    CHECK (watch.finish (10000).exitCode == 0);
}

TEST_CASE ("cli: generate cancels the job on SIGINT and reports it, exit 1", "[cli][signals][generation]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TestSupport::FakeExecutor executor (server);
    executor.setMode (TestSupport::FakeExecutor::Mode::holdRunning);
    TemporaryHome home;

    CliProcess generate ({ "generate", "--workflow", "empty_image", "--prompt", "a quiet harbour", "--width", "32", "--height", "16",
                           "--out", home.dir.getChildFile ("out.png").getFullPathName(),
                           "--host", "127.0.0.1", "--port", juce::String (server.port()), "--no-discover-port" },
                         home.dir);
    REQUIRE (executor.waitForSubmission (1, 20000));
    REQUIRE (executor.waitUntilRunning (executor.submittedPromptIds()[0], 10000));
    generate.sendSignal (SIGINT);

    const auto result = generate.finish (20000);
    INFO (result.out << result.err);
    CHECK (result.exitCode == 1);

    const auto lines = juce::StringArray::fromLines (result.out.trim());
    const auto json = nlohmann::json::parse (lines[lines.size() - 1].toStdString());
    CHECK (json["result"] == "cancelled");
    CHECK (executor.interruptCount() == 1);
    CHECK_FALSE (home.dir.getChildFile ("out.png").exists());
}
