// The live channel's figures (issue 13: "one network stack"): how fast the WebSocket
// client gives up when told to, what one received message costs in CPU, and how long a
// ws:// connect takes. Prints numbers, asserts nothing. Uses only the public API, so the
// same program measures the transport before and after a change.

#include <comfybridge_core/comfybridge_core.h>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include <WebSocketTestSupport.h>
#include "BenchmarkTiming.h"

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

#include <time.h>

namespace
{
    using benchmark_timing::Clock;
    using benchmark_timing::msSince;
    using comfybridge::WebSocketClient;
    namespace ws = TestHelpers::WebSocket;

    struct Samples
    {
        std::vector<double> v;
        double at (double q) { std::sort (v.begin(), v.end()); return v[(size_t) ((double) (v.size() - 1) * q + 0.5)]; }
        double median() { return at (0.5); }
        double max() { return at (1.0); }
    };

    void row (const char* what, const juce::String& figure)
    {
        std::printf ("| %-66s | %-34s |\n", what, figure.toRawUTF8());
    }

    juce::String medMax (Samples& s, int decimals = 2)
    {
        return "med " + juce::String (s.median(), decimals) + ", max " + juce::String (s.max(), decimals) + " ms";
    }

    /** CPU time (user + system) of the calling thread, in microseconds (ns resolution). */
    double threadCpuMicroseconds()
    {
        timespec now {};
        clock_gettime (CLOCK_THREAD_CPUTIME_ID, &now);
        return (double) now.tv_sec * 1.0e6 + (double) now.tv_nsec / 1000.0;
    }

    /** A route that completes the handshake, then runs @p session on the connection. */
    void addWebSocketRoute (TestHelpers::FakeComfyUI& server, const std::string& path,
                            std::function<void (TestHelpers::TakenConnection&)> session)
    {
        server.setRoute ("GET", path, [session] (const TestHelpers::Request& request)
        {
            const auto key = request.header ("Sec-WebSocket-Key");
            return TestHelpers::Response::takingOver ([key, session] (TestHelpers::TakenConnection& connection)
            {
                if (connection.send ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                     "Sec-WebSocket-Accept: " + ws::acceptKeyFor (key) + "\r\n\r\n"))
                    session (connection);
            });
        });
    }

    /** Keeps the connection open and silent until the client or the server goes. */
    void holdSilently (TestHelpers::TakenConnection& connection)
    {
        std::string ignored;
        while (connection.receive (ignored, 100) >= 0) {}
    }

    WebSocketClient::Options optionsFor (int port, const char* path)
    {
        WebSocketClient::Options options;
        options.url = "ws://127.0.0.1:" + juce::String (port) + path;
        options.connectTimeoutSeconds = 10.0;
        return options;
    }

    /** cancel() from this thread while another thread is blocked in @p blockingCall;
        the time from cancel() until that call returned.
    */
    double cancelLatency (WebSocketClient& client, std::function<void()> blockingCall, int settleMs)
    {
        std::atomic<bool> returned { false };
        Clock::time_point returnedAt;
        std::thread worker ([&] { blockingCall(); returnedAt = Clock::now(); returned = true; });
        std::this_thread::sleep_for (std::chrono::milliseconds (settleMs));
        const auto start = Clock::now();
        client.cancel();
        worker.join();
        return std::chrono::duration<double, std::milli> (returnedAt - start).count();
    }

    void cancelWhileConnecting (int runs)
    {
        TestHelpers::NeverAcceptingListener blackhole;
        Samples tcp;
        for (int i = 0; i < runs && blackhole.isValid(); ++i)
        {
            WebSocketClient client;
            const auto options = optionsFor (blackhole.port(), "/ws");
            tcp.v.push_back (cancelLatency (client, [&] { client.connect (options); }, 50));
        }
        if (! tcp.v.empty())
            row ("cancel() while the TCP connect hangs (blackhole listener)", medMax (tcp));

        auto silent = TestHelpers::MisbehavingServers::neverAnswering();
        Samples handshake;
        for (int i = 0; i < runs; ++i)
        {
            WebSocketClient client;
            const auto options = optionsFor (silent->port(), "/ws");
            handshake.v.push_back (cancelLatency (client, [&] { client.connect (options); }, 50));
        }
        row ("cancel() while the server never answers the upgrade request", medMax (handshake));
    }

    void cancelWhileReading (int runs)
    {
        TestHelpers::FakeComfyUI server;
        addWebSocketRoute (server, "/silent", holdSilently);
        server.start();
        Samples samples;
        for (int i = 0; i < runs; ++i)
        {
            WebSocketClient client;
            if (client.connect (optionsFor (server.port(), "/silent")).failed())
                continue;
            comfybridge::WebSocketMessage message;
            samples.v.push_back (cancelLatency (client, [&] { client.receive (message, -1); }, 20));
        }
        if (! samples.v.empty())
            row ("cancel() while receive() waits on a silent connection", medMax (samples));
    }

    /** A ConnectionManager whose live channel hangs in the upgrade; disconnect() from here. */
    void managerDisconnectWhileLiveChannelConnects (int runs)
    {
        TestHelpers::FakeComfyUI server;
        std::atomic<int> upgrades { 0 };
        server.setRoute ("GET", "/ws", [&upgrades] (const TestHelpers::Request&)
        {
            ++upgrades;
            return TestHelpers::Response::takingOver (holdSilently); // never answers the upgrade
        });
        server.start();
        Samples samples;
        for (int i = 0; i < runs; ++i)
        {
            comfybridge::ComfyUIConfig config;
            config.host = "127.0.0.1";
            config.port = server.port();
            config.discoverPort = false;
            comfybridge::ConnectionManager manager (config);
            const auto before = upgrades.load();
            manager.connect();
            const auto waitStart = Clock::now();
            while (upgrades.load() == before && msSince (waitStart) < 5000.0)
                std::this_thread::sleep_for (std::chrono::milliseconds (1));
            std::this_thread::sleep_for (std::chrono::milliseconds (20));
            const auto start = Clock::now();
            manager.disconnect();
            samples.v.push_back (msSince (start));
        }
        row ("ConnectionManager::disconnect() while the live channel connects", medMax (samples));
    }

    void cpuPerMessage (int messages, int rounds)
    {
        const std::string event = R"({"type":"progress","data":{"value":7,"max":20,"prompt_id":"3f2a","node":"3"}})";
        std::string burst;
        for (int i = 0; i < messages; ++i)
            burst += ws::encodeFrame (ws::text, event);

        TestHelpers::FakeComfyUI server;
        addWebSocketRoute (server, "/burst", [burst] (TestHelpers::TakenConnection& connection)
        {
            if (connection.send (burst))
                holdSilently (connection);
        });
        server.start();

        Samples cpu, wall;
        int shortRounds = 0;
        for (int round = 0; round < rounds; ++round)
        {
            WebSocketClient client;
            if (client.connect (optionsFor (server.port(), "/burst")).failed())
                continue;
            comfybridge::WebSocketMessage message;
            int received = 0;
            const auto cpuStart = threadCpuMicroseconds();
            const auto start = Clock::now();
            while (received < messages && client.receive (message, 5000) == WebSocketClient::ReceiveStatus::message)
                ++received;
            shortRounds += received < messages ? 1 : 0;
            wall.v.push_back (msSince (start) * 1000.0 / juce::jmax (1, received));
            cpu.v.push_back ((threadCpuMicroseconds() - cpuStart) / juce::jmax (1, received));
            client.close();
        }
        const auto label = juce::String (messages) + " text frames of " + juce::String ((int) event.size()) + " B";
        row (("CPU per received message (" + label + ")").toRawUTF8(),
             "med " + juce::String (cpu.median(), 2) + " us, max " + juce::String (cpu.max(), 2) + " us");
        if (shortRounds > 0)
            std::printf ("|   (%d rounds ended before all messages arrived)\n", shortRounds);
        row ("  wall time per message, same runs",
             "med " + juce::String (wall.median(), 2) + " us, max " + juce::String (wall.max(), 2) + " us");
    }

    void connectTime (int runs)
    {
        TestHelpers::FakeComfyUI server;
        addWebSocketRoute (server, "/quiet", holdSilently);
        server.start();
        Samples samples, cpu;
        for (int i = 0; i < runs; ++i)
        {
            WebSocketClient client;
            const auto cpuStart = threadCpuMicroseconds();
            const auto start = Clock::now();
            const auto ok = client.connect (optionsFor (server.port(), "/quiet")).wasOk();
            samples.v.push_back (msSince (start));
            cpu.v.push_back (threadCpuMicroseconds() - cpuStart);
            if (! ok)
                std::printf ("|   (connect %d failed: %s)\n", i, client.getLastError().toRawUTF8());
            client.cancel(); // no close handshake: the server would only hold on
        }
        row ("ws:// connect + upgrade to 127.0.0.1 (wall)", medMax (samples, 3));
        row ("  CPU of the connecting thread per connect",
             "med " + juce::String (juce::roundToInt (cpu.median())) + " us, max " + juce::String (juce::roundToInt (cpu.max())) + " us");
    }
}

/** Prints the live channel's figures (issue 13). */
void runLiveChannelBenchmarks (bool quick)
{
    const int runs = quick ? 10 : 20;
    std::printf ("\nLive channel (WebSocketClient) figures\n");
    std::printf ("| %-66s | %-34s |\n", "what", "measured");
    cancelWhileConnecting (runs);
    cancelWhileReading (runs);
    managerDisconnectWhileLiveChannelConnects (runs);
    cpuPerMessage (10000, quick ? 3 : 7);
    connectTime (quick ? 20 : 50);
}
