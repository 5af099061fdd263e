#pragma once

#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

#include "RealComfyUI.h"
#include "WireFacts.h"
#include "Cli/CliRunner.h"
#include "Support/MessageLoop.h"

#include <nlohmann/json.hpp>

namespace Conformance
{

/** The real server, running with @p extraArgs; fails the test (with the server's log) when it cannot. */
inline RealComfyUI& requireServer (const juce::StringArray& extraArgs = {})
{
    auto* server = RealComfyUI::instance();
    REQUIRE (server != nullptr);
    const auto problem = server->ensureRunning (extraArgs);
    INFO (problem << "\n" << server->logTail());
    REQUIRE (problem.isEmpty());
    return *server;
}

/** Ends the scenario with a warning (not a failure) unless this process started the server. */
#define CONFORMANCE_NEEDS_OWN_SERVER(what)                                                                  \
    if (auto* ownServer = RealComfyUI::instance(); ownServer == nullptr || ! ownServer->isManaged())         \
    {                                                                                                       \
        WARN ("skipped with COMFYUI_URL: " what " needs a server the tests start (set COMFYUI_GIT_DIR)");    \
        return;                                                                                             \
    }

/** A config for the real server, with test-friendly timings and no port discovery. */
inline comfybridge::ComfyUIConfig configFor (const RealComfyUI& server, double timeout = 5.0)
{
    comfybridge::ComfyUIConfig config;
    config.host = server.host();
    config.port = server.port();
    config.timeout = timeout;
    config.probeTimeout = 1.0;
    config.maxRetries = 0;
    config.retryBackoff = 1.0;
    config.discoverPort = false; // never find some other ComfyUI on this machine
    return config;
}

/** CLI words plus the options that point at the real server. */
inline juce::StringArray cliArgs (juce::StringArray words, const RealComfyUI& server)
{
    words.addArray ({ "--host", server.host(), "--port", juce::String (server.port()), "--timeout", "10",
                      "--max-retries", "0", "--no-discover-port" });
    return words;
}

/** One raw HTTP exchange with the real server (for wire facts the public API does not show). */
inline comfybridge::HttpResponse http (const RealComfyUI& server, const juce::String& method, const juce::String& path,
                                       const std::string& body = {}, const juce::StringPairArray& headers = {})
{
    comfybridge::CurlHttpClient client;
    return rawHttp (client, server.baseUrl(), method, path, body, headers, 10.0);
}

/** The JSON body of @p response (discarded value when it is not JSON). */
inline nlohmann::json jsonOf (const comfybridge::HttpResponse& response)
{
    return nlohmann::json::parse (response.body, nullptr, false);
}

/** The last line of @p out as JSON (the CLI's result line). */
inline nlohmann::json lastJsonLine (const juce::String& out)
{
    const auto lines = juce::StringArray::fromLines (out.trim());
    return nlohmann::json::parse (lines[lines.size() - 1].toStdString(), nullptr, false);
}

/** Waits for a job's result while pumping the message loop (callbacks arrive there). */
inline comfybridge::GenerationResult waitFor (const std::shared_ptr<comfybridge::GenerationJob>& job, int timeoutMs = 60000)
{
    auto future = job->getFuture();
    const auto finished = TestSupport::pumpUntil ([&] { return future.wait_for (std::chrono::milliseconds (0)) == std::future_status::ready; }, timeoutMs);
    TestSupport::pumpFor (30);
    REQUIRE (finished);
    return future.get();
}

} // namespace Conformance
