#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

using comfybridge::ComfyUIConfig;
using comfybridge::FallbackMode;

namespace
{
    /** Parses one "key": value pair on top of the defaults. */
    comfybridge::ConfigParseResult parseOne (const std::string& key, const std::string& jsonValue)
    {
        return ComfyUIConfig::fromJson ("{\"" + key + "\": " + jsonValue + "}");
    }

    bool mentions (const juce::StringArray& messages, const juce::String& text)
    {
        for (const auto& m : messages)
            if (m.contains (text))
                return true;
        return false;
    }
}

TEST_CASE ("defaults match the specification", "[config]")
{
    const ComfyUIConfig config;
    CHECK (config.host == "localhost");
    CHECK (config.port == 8000);
    CHECK (config.timeout == 30.0);
    CHECK (config.maxRetries == 3);
    CHECK (config.retryBackoff == 2.0);
    CHECK (config.enableCorsCheck);
    CHECK (config.autoDownloadModels);
    CHECK (config.autoDeployWorkflows);
    CHECK (config.fallbackMode == FallbackMode::placeholder);
    CHECK (config.validate().isEmpty());
    CHECK (config.getBaseUrl() == "http://localhost:8000");
}

TEST_CASE ("numeric fields accept their boundaries and reject just past them", "[config]")
{
    struct Row { const char* key; const char* value; bool valid; };

    const Row rows[] = {
        { "port", "0", false }, { "port", "1", true }, { "port", "65535", true }, { "port", "65536", false },
        { "port", "-1", false },
        { "timeout", "0", false }, { "timeout", "-1", false }, { "timeout", "0.001", true },
        { "timeout", "600", true }, { "timeout", "601", false }, { "timeout", "600.0001", false },
        { "max_retries", "-1", false }, { "max_retries", "0", true }, { "max_retries", "100", true },
        { "max_retries", "101", false },
        { "retry_backoff", "0.99", false }, { "retry_backoff", "1", true }, { "retry_backoff", "10", true },
        { "retry_backoff", "10.01", false },
        { "probe_timeout", "0", false }, { "probe_timeout", "0.5", true }, { "probe_timeout", "60", true },
        { "probe_timeout", "61", false },
    };

    for (const auto& row : rows)
    {
        INFO (row.key << " = " << row.value);
        const auto result = parseOne (row.key, row.value);
        CHECK (result.ok() == row.valid);

        if (! row.valid)
        {
            REQUIRE (result.errors.size() == 1);
            CHECK (result.errors[0].startsWith (juce::String (row.key) + ":"));
            CHECK (result.errors[0].contains (row.value));
        }
    }
}

TEST_CASE ("host accepts names and IP literals and rejects schemes, paths, ports and junk", "[config]")
{
    struct Row { juce::String host; bool valid; const char* why; };

    const Row rows[] = {
        { "localhost", true, "" },
        { "127.0.0.1", true, "" },
        { "comfy-box.local", true, "" },
        { "::1", true, "" },
        { "[::1]", true, "" },
        { "fe80::1:2:3", true, "" },
        { "", false, "empty" },
        { " a", false, "spaces" },
        { "a b", false, "spaces" },
        { "http://x", false, "scheme" },
        { "x/y", false, "path" },
        { "x:80", false, "port" },
        { "[::1", false, "" },
        { "-bad.example", false, "not a valid host name" },
        { "host\r\nX-Injected: 1", false, "control character" },
        { "line\nfeed", false, "control character" },
        { juce::String::repeatedString ("a", 63) + "." + juce::String::repeatedString ("b", 63) + "."
              + juce::String::repeatedString ("c", 63) + "." + juce::String::repeatedString ("d", 61), true, "" }, // 253
        { juce::String::repeatedString ("a", 254), false, "254 characters" },
        { juce::String::repeatedString ("a", 64), false, "not a valid host name" },
    };

    for (const auto& row : rows)
    {
        INFO ("host = '" << row.host << "'");
        ComfyUIConfig config;
        config.host = row.host;
        const auto problems = config.validate();
        CHECK (problems.isEmpty() == row.valid);

        if (! row.valid)
        {
            REQUIRE (problems.size() == 1);
            CHECK (problems[0].startsWith ("host: "));
            CHECK (problems[0].contains (row.why));
        }
    }
}

TEST_CASE ("IPv6 hosts get brackets in the base URL", "[config]")
{
    ComfyUIConfig config;
    config.host = "::1";
    config.port = 8188;
    CHECK (config.getBaseUrl() == "http://[::1]:8188");
    config.host = "[::1]";
    CHECK (config.getBaseUrl() == "http://[::1]:8188");
}

TEST_CASE ("validate reports every bad field at once, one message each", "[config]")
{
    ComfyUIConfig config;
    config.host = "http://x";
    config.port = 70000;
    config.timeout = 0;
    config.maxRetries = 101;
    config.retryBackoff = 0.5;

    const auto problems = config.validate();
    REQUIRE (problems.size() == 5);
    CHECK (problems[0].startsWith ("host: 'http://x'"));
    CHECK (problems[1] == "port: 70000 is out of range; expected 1 to 65535");
    CHECK (problems[2].startsWith ("timeout: '0'"));
    CHECK (problems[3].startsWith ("max_retries: 101"));
    CHECK (problems[4].startsWith ("retry_backoff: '0.5'"));
}

TEST_CASE ("JSON round trip keeps every field exactly", "[config]")
{
    ComfyUIConfig original;
    original.host = "::1";
    original.port = 8188;
    original.timeout = 12.345678901234567;
    original.maxRetries = 0;
    original.retryBackoff = 1.1;
    original.enableCorsCheck = false;
    original.autoDownloadModels = false;
    original.autoDeployWorkflows = false;
    original.fallbackMode = FallbackMode::abort;
    original.probeTimeout = 0.25;

    const auto json = original.toJson();
    const auto parsed = ComfyUIConfig::fromJson (json);
    REQUIRE (parsed.ok());
    CHECK (*parsed.config == original);
    CHECK (parsed.warnings.isEmpty());

    for (auto key : { "host", "port", "timeout", "max_retries", "retry_backoff", "enable_cors_check",
                      "auto_download_models", "auto_deploy_workflows", "fallback_mode" })
        CHECK (json.contains (juce::String ("\"") + key + "\""));
}

TEST_CASE ("the original tool's JSON files read unchanged", "[config]")
{
    const auto parsed = ComfyUIConfig::fromJson (R"({"host": "127.0.0.1", "port": 8188, "timeout": 30, "max_retries": 3,
        "retry_backoff": 2.0, "enable_cors_check": true, "auto_download_models": false,
        "auto_deploy_workflows": true, "fallback_mode": "skip"})");
    REQUIRE (parsed.ok());
    CHECK (parsed.config->port == 8188);
    CHECK (parsed.config->fallbackMode == FallbackMode::skip);
    CHECK_FALSE (parsed.config->autoDownloadModels);
}

TEST_CASE ("keys absent from JSON keep the base values", "[config]")
{
    ComfyUIConfig base;
    base.port = 9000;
    const auto parsed = ComfyUIConfig::fromJson (R"({"host": "example.org"})", base);
    REQUIRE (parsed.ok());
    CHECK (parsed.config->host == "example.org");
    CHECK (parsed.config->port == 9000);
}

TEST_CASE ("malformed JSON is an error and produces no config", "[config]")
{
    for (auto text : { "", "{", "{\"port\": }", "[1,2]", "42", "{\"port\": 8000,}" })
    {
        INFO (text);
        const auto parsed = ComfyUIConfig::fromJson (text);
        CHECK_FALSE (parsed.ok());
        CHECK_FALSE (parsed.errors.isEmpty());
    }
}

TEST_CASE ("wrong JSON types are errors naming the field", "[config]")
{
    struct Row { const char* key; const char* value; };
    const Row rows[] = {
        { "host", "42" }, { "port", "\"8000\"" }, { "port", "8000.5" }, { "port", "true" },
        { "timeout", "\"30\"" }, { "max_retries", "null" }, { "retry_backoff", "[2]" },
        { "enable_cors_check", "1" }, { "auto_download_models", "\"yes\"" },
        { "auto_deploy_workflows", "{}" }, { "fallback_mode", "1" }, { "fallback_mode", "\"retry\"" },
    };

    for (const auto& row : rows)
    {
        INFO (row.key << " = " << row.value);
        const auto parsed = parseOne (row.key, row.value);
        CHECK_FALSE (parsed.ok());
        REQUIRE (parsed.errors.size() == 1);
        CHECK (parsed.errors[0].startsWith (juce::String (row.key) + ":"));
    }
}

TEST_CASE ("a whole-number float is accepted for an integer field", "[config]")
{
    const auto parsed = parseOne ("port", "8188.0");
    REQUIRE (parsed.ok());
    CHECK (parsed.config->port == 8188);
}

TEST_CASE ("unknown keys are ignored with a warning", "[config]")
{
    const auto parsed = ComfyUIConfig::fromJson (R"({"port": 8188, "colour": "blue"})");
    REQUIRE (parsed.ok());
    CHECK (parsed.config->port == 8188);
    REQUIRE (parsed.warnings.size() == 1);
    CHECK (parsed.warnings[0].contains ("colour"));
}

TEST_CASE ("errors in several fields are all reported and nothing is half-applied", "[config]")
{
    ComfyUIConfig base;
    base.port = 8188;
    const auto parsed = ComfyUIConfig::fromJson (R"({"port": 0, "timeout": "x", "max_retries": 500, "fallback_mode": "nope"})", base);
    CHECK_FALSE (parsed.ok());
    REQUIRE (parsed.errors.size() == 4); // type and range errors alike, one per field
    CHECK (parsed.errors[0].startsWith ("port:"));
    CHECK (parsed.errors[1].startsWith ("timeout:"));
    CHECK (parsed.errors[2].startsWith ("max_retries:"));
    CHECK (parsed.errors[3].startsWith ("fallback_mode:"));
    CHECK (base.port == 8188);
}

TEST_CASE ("an unknown enum value does not hide the range errors of other fields", "[config]")
{
    const auto parsed = ComfyUIConfig::fromJson (
        R"({"host":"http://x/y","port":70000,"timeout":-1,"retry_backoff":0.5,"fallback_mode":"explode"})");
    CHECK_FALSE (parsed.ok());
    REQUIRE (parsed.errors.size() == 5);
    CHECK (parsed.errors[0].startsWith ("host: 'http://x/y'"));
    CHECK (parsed.errors[1].startsWith ("port: 70000"));
    CHECK (parsed.errors[2].startsWith ("timeout: '-1'"));
    CHECK (parsed.errors[3].startsWith ("retry_backoff: '0.5'"));
    CHECK (parsed.errors[4].startsWith ("fallback_mode:"));
}

TEST_CASE ("type errors and range errors are reported together in the file's order", "[config]")
{
    const auto parsed = ComfyUIConfig::fromJson (R"({"port":"abc","timeout":"x","max_retries":-5})");
    CHECK_FALSE (parsed.ok());
    REQUIRE (parsed.errors.size() == 3);
    CHECK (parsed.errors[0].startsWith ("port: expected a whole number"));
    CHECK (parsed.errors[1].startsWith ("timeout: expected a number"));
    CHECK (parsed.errors[2].startsWith ("max_retries: -5 is out of range"));

    // The file's order, not the field table's: the same fields written backwards.
    const auto reversed = ComfyUIConfig::fromJson (R"({"max_retries":-5,"timeout":"x","port":"abc"})");
    REQUIRE (reversed.errors.size() == 3);
    CHECK (reversed.errors[0].startsWith ("max_retries:"));
    CHECK (reversed.errors[1].startsWith ("timeout:"));
    CHECK (reversed.errors[2].startsWith ("port:"));
}

TEST_CASE ("text values report type and range errors together in the given order", "[config]")
{
    juce::StringPairArray values;
    values.set ("retry_backoff", "0.5");
    values.set ("fallback_mode", "explode");
    values.set ("port", "abc");
    values.set ("max_retries", "-5");
    const auto parsed = ComfyUIConfig::fromText (values);
    CHECK_FALSE (parsed.ok());
    REQUIRE (parsed.errors.size() == 4);
    CHECK (parsed.errors[0].startsWith ("retry_backoff:"));
    CHECK (parsed.errors[1].startsWith ("fallback_mode:"));
    CHECK (parsed.errors[2].startsWith ("port:"));
    CHECK (parsed.errors[3].startsWith ("max_retries:"));
}

TEST_CASE ("text values (CLI options, preferences) parse strictly", "[config]")
{
    juce::StringPairArray values;
    values.set ("port", "81x");
    values.set ("timeout", "");
    values.set ("enable_cors_check", "maybe");
    const auto bad = ComfyUIConfig::fromText (values);
    CHECK_FALSE (bad.ok());
    CHECK (bad.errors.size() == 3);

    juce::StringPairArray good;
    good.set ("port", "8188");
    good.set ("timeout", "2.5");
    good.set ("enable_cors_check", "false");
    good.set ("fallback_mode", "abort");
    const auto parsed = ComfyUIConfig::fromText (good);
    REQUIRE (parsed.ok());
    CHECK (parsed.config->port == 8188);
    CHECK (parsed.config->timeout == 2.5);
    CHECK_FALSE (parsed.config->enableCorsCheck);
    CHECK (parsed.config->fallbackMode == FallbackMode::abort);
}

TEST_CASE ("ValueTree round trip survives XML without loss", "[config]")
{
    ComfyUIConfig original;
    original.host = "comfy.example";
    original.timeout = 0.1 + 0.2; // not representable in a short decimal
    original.retryBackoff = 3.3333333333333335;
    original.fallbackMode = FallbackMode::skip;
    original.enableCorsCheck = false;

    const auto xml = original.toValueTree().toXmlString();
    const auto restored = ComfyUIConfig::fromValueTree (juce::ValueTree::fromXml (xml));
    REQUIRE (restored.ok());
    CHECK (*restored.config == original);
}

TEST_CASE ("a damaged ValueTree produces errors and no config", "[config]")
{
    auto tree = ComfyUIConfig().toValueTree();
    tree.setProperty ("port", "eighty", nullptr);
    const auto result = ComfyUIConfig::fromValueTree (tree);
    CHECK_FALSE (result.ok());
    CHECK (mentions (result.errors, "port: 'eighty'"));

    const auto wrongType = ComfyUIConfig::fromValueTree (juce::ValueTree ("Something"));
    CHECK_FALSE (wrongType.ok());
}

TEST_CASE ("probe timeout is bounded by the connection timeout", "[config]")
{
    ComfyUIConfig config;
    config.timeout = 1.0;
    config.probeTimeout = 3.0;
    CHECK (config.isValid());
    CHECK (config.getEffectiveProbeTimeout() == 1.0);
}
