#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <FakeComfyUI.h>
#include <comfybridge_core/comfybridge_core.h>
#include "CliRunner.h"

namespace
{
    juce::StringArray command (juce::StringArray words, int port)
    {
        words.addArray ({ "--host", "127.0.0.1", "--port", juce::String (port), "--timeout", "5", "--max-retries", "0", "--no-discover-port" });
        return words;
    }
}

TEST_CASE ("cli: status shows readiness and metrics, and changes nothing on the server", "[cli][readiness]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TemporaryHome home;

    const auto result = runCli (command ({ "status" }, server.port()), home.dir);
    INFO (result.out << result.err);
    CHECK (result.exitCode == 0);
    CHECK (result.out.contains ("CORS: NOT READY"));          // ComfyUI's default origin check
    CHECK (result.out.contains ("--enable-cors-header"));
    CHECK (result.out.contains ("models: ready"));
    CHECK (result.out.contains ("workflows: ready"));
    CHECK (result.out.contains ("latency: last"));
    CHECK (server.userdataFiles().empty());                   // nothing deployed by a status call
}

TEST_CASE ("cli: models lists what is missing with its URL and exits 6", "[cli][readiness]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    server.setModelFiles ("checkpoints", { "stable_audio_open_1.0.safetensors" });
    TemporaryHome home;

    const auto result = runCli (command ({ "models" }, server.port()), home.dir);
    INFO (result.out << result.err);
    CHECK (result.exitCode == 6);
    CHECK (result.out.contains ("missing  checkpoints/v1-5-pruned-emaonly-fp16.safetensors  (txt2img)"));
    CHECK (result.out.contains ("https://huggingface.co/"));

    const auto json = runCli (command ({ "models", "--json" }, server.port()), home.dir);
    const auto parsed = nlohmann::json::parse (json.out.toStdString());
    CHECK (parsed["readiness"]["missing_models"].size() == 1);
    CHECK (parsed["models_ready"] == false);
}

TEST_CASE ("cli: workflows --deploy stores the bundled workflows, a second run leaves them unchanged", "[cli][readiness]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TemporaryHome home;

    auto result = runCli (command ({ "workflows", "--deploy" }, server.port()), home.dir);
    INFO (result.out << result.err);
    CHECK (result.exitCode == 0);
    CHECK (result.out.contains ("txt2img       can run"));
    CHECK (result.out.contains ("created"));
    CHECK (server.userdataFile ("workflows/comfybridge-txt2img.json").has_value());
    CHECK (server.userdataFile ("workflows/comfybridge-empty_image.json").has_value());

    result = runCli (command ({ "workflows", "--deploy" }, server.port()), home.dir);
    CHECK (result.exitCode == 0);
    CHECK (result.out.contains ("unchanged"));
    CHECK_FALSE (result.out.contains ("created"));
}

TEST_CASE ("cli: workflows exits 6 and names a missing node", "[cli][readiness]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    server.removeNodeClass ("ImageInvert");
    TemporaryHome home;

    const auto result = runCli (command ({ "workflows" }, server.port()), home.dir);
    INFO (result.out << result.err);
    CHECK (result.exitCode == 6);
    CHECK (result.out.contains ("invert_image  cannot run"));
    CHECK (result.out.contains ("ImageInvert"));
}

TEST_CASE ("cli: the saved token is sent but never printed", "[cli][secrets]")
{
    const std::string token = "cli-t0ken-never-printed";
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    server.setRequiredBearerToken (token);
    TemporaryHome home;

    comfybridge::ComfyUIConfig saved;
    saved.authToken = token;
    REQUIRE (comfybridge::UserDefaults (home.dir.getChildFile (".config/ComfyBridge/ComfyBridge.settings")).save (saved).wasOk());

    const auto status = runCli (command ({ "status", "--json" }, server.port()), home.dir);
    INFO (status.out << status.err);
    CHECK (status.exitCode == 0); // the proxy-style server let us in: the token was sent
    CHECK_FALSE (status.out.contains (token));
    CHECK_FALSE (status.err.contains (token));

    const auto shown = runCli (command ({ "config", "show" }, server.port()), home.dir);
    CHECK (shown.exitCode == 0);
    CHECK_FALSE (shown.out.contains (token));
    CHECK_FALSE (shown.out.contains ("auth_token"));

    // Without the token the same server says what is wrong.
    TemporaryHome empty;
    const auto refused = runCli (command ({ "status" }, server.port()), empty.dir);
    CHECK (refused.exitCode == 3);
    CHECK (refused.out.contains ("HTTP 401"));
}
