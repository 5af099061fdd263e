#include <catch2/catch.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Support/TestUtilities.h"

using namespace TestSupport;
using comfybridge::ComfyUIConfig;
using TestHelpers::FakeComfyUI;

namespace
{
    const juce::String token = "s3cr3t-T0ken_value.with~chars+/==";

    /** Collects every line written to the JUCE logger while it exists. */
    struct CapturingLogger : juce::Logger
    {
        CapturingLogger() { juce::Logger::setCurrentLogger (this); }
        ~CapturingLogger() override { juce::Logger::setCurrentLogger (nullptr); }
        void logMessage (const juce::String& message) override
        {
            const std::lock_guard<std::mutex> lock (mutex);
            lines.add (message);
        }
        juce::String all()
        {
            const std::lock_guard<std::mutex> lock (mutex);
            return lines.joinIntoString ("\n");
        }
        std::mutex mutex;
        juce::StringArray lines;
    };
}

TEST_CASE ("the auth token stays out of JSON, plugin state and XML unless secrets are asked for", "[secrets][config]")
{
    ComfyUIConfig config;
    config.authToken = token;
    REQUIRE (config.isValid());

    CHECK_FALSE (config.toJson().contains (token));
    CHECK_FALSE (config.toJson().contains ("auth_token"));
    CHECK (config.toJson (ComfyUIConfig::Secrets::include).contains (token));

    const auto tree = config.toValueTree();
    CHECK_FALSE (tree.hasProperty ("auth_token"));
    CHECK_FALSE (tree.toXmlString().contains (token));

    // Restoring such a state gives no token (the plugin takes it from the user's defaults).
    const auto restored = ComfyUIConfig::fromValueTree (tree);
    REQUIRE (restored.ok());
    CHECK (restored.config->authToken.isEmpty());
}

TEST_CASE ("the user's preferences file keeps the token across a save and load", "[secrets][config]")
{
    juce::TemporaryFile file (".settings");
    comfybridge::UserDefaults defaults (file.getFile());
    ComfyUIConfig config;
    config.authToken = token;

    REQUIRE (defaults.save (config).wasOk());
    const auto loaded = defaults.load();
    REQUIRE (loaded.ok());
    CHECK (loaded.config->authToken == token);
    CHECK (*loaded.config == config);
}

TEST_CASE ("a bad token is reported without repeating it", "[secrets][config]")
{
    ComfyUIConfig config;

    for (auto bad : { "has space", "tab\there", "quote\"d", "=leading", "bad;char" })
    {
        config.authToken = bad;
        const auto problems = config.validate();
        REQUIRE (problems.size() == 1);
        CHECK (problems[0].startsWith ("auth_token:"));
        CHECK_FALSE (problems[0].contains (bad));
    }

    config.authToken = juce::String::repeatedString ("a", 5000);
    REQUIRE (config.validate().size() == 1);
    CHECK_FALSE (config.validate()[0].contains ("aaaaaaaaaa"));

    config.authToken = {};
    CHECK (config.isValid()); // no token is fine
}

TEST_CASE ("the token goes with every HTTP request and the WebSocket handshake, and nowhere visible", "[secrets][manager]")
{
    FakeComfyUI server;
    REQUIRE (server.start());
    CapturingLogger logger;

    auto config = localConfig (server.port());
    config.authToken = token;
    comfybridge::ConnectionManager manager (config);

    const auto status = manager.connect().get();
    REQUIRE (status.available);
    REQUIRE (pumpUntil ([&] { return manager.isLiveChannelOpen(); }, 5000));

    const auto requests = server.requests();
    REQUIRE (requests.size() >= 3);
    for (const auto& r : requests)
    {
        INFO (r.method << " " << r.target);
        CHECK (r.header ("Authorization") == "Bearer " + token.toStdString());
    }

    // The live channel's handshake is one of them.
    CHECK (std::any_of (requests.begin(), requests.end(), [] (const auto& r) { return r.path == "/ws"; }));

    server.stop();
    const auto down = manager.checkHealth().get();
    CHECK_FALSE (down.available);

    CHECK_FALSE (status.toJson().contains (token));
    CHECK_FALSE (down.toJson().contains (token));
    CHECK_FALSE (down.describe().contains (token));
    CHECK_FALSE (manager.triggerFallbackWarning().contains (token));
    CHECK_FALSE (logger.all().contains (token));
}
