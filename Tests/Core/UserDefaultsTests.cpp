#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

using comfybridge::ComfyUIConfig;
using comfybridge::UserDefaults;

TEST_CASE ("a missing preferences file gives the built-in defaults", "[defaults]")
{
    juce::TemporaryFile temp (".settings");
    const UserDefaults defaults (temp.getFile());
    const auto loaded = defaults.load();
    REQUIRE (loaded.ok());
    CHECK (*loaded.config == ComfyUIConfig {});
}

TEST_CASE ("the preferences file round trip is lossless", "[defaults]")
{
    juce::TemporaryFile temp (".settings");
    const UserDefaults defaults (temp.getFile());

    ComfyUIConfig config;
    config.host = "10.0.0.7";
    config.port = 8188;
    config.timeout = 7.77;
    config.maxRetries = 9;
    config.retryBackoff = 1.5;
    config.enableCorsCheck = false;
    config.autoDownloadModels = false;
    config.autoDeployWorkflows = false;
    config.fallbackMode = comfybridge::FallbackMode::skip;
    config.probeTimeout = 1.25;

    REQUIRE (defaults.save (config).wasOk());
    const auto loaded = UserDefaults (temp.getFile()).load();
    REQUIRE (loaded.ok());
    CHECK (*loaded.config == config);
}

TEST_CASE ("an invalid config is never written to the preferences file", "[defaults]")
{
    juce::TemporaryFile temp (".settings");
    const UserDefaults defaults (temp.getFile());

    ComfyUIConfig good;
    good.port = 8188;
    REQUIRE (defaults.save (good).wasOk());

    ComfyUIConfig bad;
    bad.port = 0;
    const auto result = defaults.save (bad);
    CHECK (result.failed());
    CHECK (result.getErrorMessage().contains ("port"));
    CHECK (defaults.load().config->port == 8188);
}

TEST_CASE ("a damaged preferences file is reported, not half-applied", "[defaults]")
{
    juce::TemporaryFile temp (".settings");
    temp.getFile().replaceWithText (R"(<?xml version="1.0" encoding="UTF-8"?>
<PROPERTIES><VALUE name="port" val="8188"/><VALUE name="timeout" val="soon"/></PROPERTIES>)");

    const auto loaded = UserDefaults (temp.getFile()).load();
    CHECK_FALSE (loaded.ok());
    REQUIRE (loaded.errors.size() == 1);
    CHECK (loaded.errors[0].contains ("timeout: 'soon'"));
}

TEST_CASE ("a preferences file with a bad enum and a bad range reports both", "[defaults]")
{
    juce::TemporaryFile temp (".settings");
    temp.getFile().replaceWithText (R"(<?xml version="1.0" encoding="UTF-8"?>
<PROPERTIES><VALUE name="fallback_mode" val="explode"/><VALUE name="max_retries" val="-5"/></PROPERTIES>)");

    const auto loaded = UserDefaults (temp.getFile()).load();
    CHECK_FALSE (loaded.ok());
    REQUIRE (loaded.errors.size() == 2);
    CHECK (loaded.errors.joinIntoString ("\n").contains ("fallback_mode: 'explode'"));
    CHECK (loaded.errors.joinIntoString ("\n").contains ("max_retries: -5"));
}

TEST_CASE ("the default preferences file lives in the user's app-data folder", "[defaults]")
{
    const auto file = UserDefaults::getDefaultFile();
    CHECK (file.getFileName() == "ComfyBridge.settings");
    CHECK (file.getParentDirectory().getFileName() == "ComfyBridge");
   #if JUCE_LINUX
    // XDG: ~/.config/ComfyBridge (juce::PropertiesFile alone would pick ~/ComfyBridge).
    CHECK (file.getParentDirectory().getParentDirectory() == juce::File ("~/.config"));
   #endif
}
