#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include "CliRunner.h"

namespace
{
    juce::File writeTemp (const TemporaryHome& home, const juce::String& name, const juce::String& text)
    {
        auto file = home.dir.getChildFile (name);
        file.replaceWithText (text);
        return file;
    }
}

TEST_CASE ("config validate accepts a good file with exit 0", "[cli]")
{
    TemporaryHome home;
    const auto file = writeTemp (home, "good.json", R"({"host": "127.0.0.1", "port": 8188, "fallback_mode": "skip"})");
    const auto result = runCli ({ "config", "validate", file.getFullPathName() }, home.dir);
    CHECK (result.exitCode == 0);
    CHECK (result.err.isEmpty());
    CHECK (result.out.contains ("valid"));
}

TEST_CASE ("config validate prints one line per bad field and exits 2", "[cli]")
{
    TemporaryHome home;
    const auto file = writeTemp (home, "bad.json", R"({"port": 0, "timeout": 601, "max_retries": -1, "colour": "red"})");
    const auto result = runCli ({ "config", "validate", file.getFullPathName() }, home.dir);
    CHECK (result.exitCode == 2);

    const auto lines = juce::StringArray::fromLines (result.err.trim());
    CHECK (lines.size() == 4); // three errors and one warning
    CHECK (result.err.contains ("port: 0"));
    CHECK (result.err.contains ("timeout: '601'"));
    CHECK (result.err.contains ("max_retries: -1"));
    CHECK (result.err.contains ("warning: unknown key 'colour'"));
}

TEST_CASE ("config validate names every bad field at once, in the file's order", "[cli]")
{
    TemporaryHome home;
    const auto file = writeTemp (home, "bad.json",
                                 R"({"host":"http://x/y","port":70000,"timeout":-1,"retry_backoff":0.5,"fallback_mode":"explode"})");
    const auto result = runCli ({ "config", "validate", file.getFullPathName() }, home.dir);
    CHECK (result.exitCode == 2);

    const auto lines = juce::StringArray::fromLines (result.err.trim());
    REQUIRE (lines.size() == 5);
    CHECK (lines[0].contains ("host:"));
    CHECK (lines[1].contains ("port: 70000"));
    CHECK (lines[2].contains ("timeout:"));
    CHECK (lines[3].contains ("retry_backoff:"));
    CHECK (lines[4].contains ("fallback_mode:"));

    const auto mixed = writeTemp (home, "mixed.json", R"({"port":"abc","timeout":"x","max_retries":-5})");
    const auto second = runCli ({ "config", "validate", mixed.getFullPathName() }, home.dir);
    CHECK (second.exitCode == 2);
    const auto secondLines = juce::StringArray::fromLines (second.err.trim());
    REQUIRE (secondLines.size() == 3);
    CHECK (secondLines[2].contains ("max_retries: -5"));
}

TEST_CASE ("a config file and options report every problem of both at once", "[cli]")
{
    TemporaryHome home;
    const auto file = writeTemp (home, "c.json", R"({"timeout": -1, "fallback_mode": "explode"})");
    const auto result = runCli ({ "config", "show", "--config", file.getFullPathName(), "--port", "abc" }, home.dir);
    CHECK (result.exitCode == 2);
    CHECK (result.err.contains ("timeout:"));
    CHECK (result.err.contains ("fallback_mode:"));
    CHECK (result.out.isEmpty());
}

TEST_CASE ("config validate reports malformed JSON and missing files with exit 2", "[cli]")
{
    TemporaryHome home;
    const auto file = writeTemp (home, "broken.json", "{\"port\": ");
    const auto broken = runCli ({ "config", "validate", file.getFullPathName() }, home.dir);
    CHECK (broken.exitCode == 2);
    CHECK (broken.err.contains ("malformed JSON"));

    const auto missing = runCli ({ "config", "validate", home.dir.getChildFile ("nope.json").getFullPathName() }, home.dir);
    CHECK (missing.exitCode == 2);
    CHECK (missing.err.contains ("no such file"));
}

TEST_CASE ("config show layers defaults, file and options", "[cli]")
{
    TemporaryHome home;
    const auto file = writeTemp (home, "c.json", R"({"host": "box", "port": 8188, "timeout": 9})");
    const auto result = runCli ({ "config", "show", "--config", file.getFullPathName(), "--port", "8189",
                                  "--no-cors-check", "--fallback-mode=abort" }, home.dir);
    REQUIRE (result.exitCode == 0);

    const auto json = nlohmann::json::parse (result.out.toStdString());
    CHECK (json["host"] == "box");
    CHECK (json["port"] == 8189);
    CHECK (json["timeout"] == 9.0);
    CHECK (json["enable_cors_check"] == false);
    CHECK (json["fallback_mode"] == "abort");
    CHECK (json["max_retries"] == 3);
}

TEST_CASE ("config show rejects bad option values and unknown options with exit 2", "[cli]")
{
    TemporaryHome home;
    const auto bad = runCli ({ "config", "show", "--port", "http", "--retry-backoff", "0.5" }, home.dir);
    CHECK (bad.exitCode == 2);
    CHECK (bad.err.contains ("port: 'http'"));
    CHECK (bad.out.isEmpty());

    const auto range = runCli ({ "config", "show", "--retry-backoff", "0.5" }, home.dir);
    CHECK (range.exitCode == 2);
    CHECK (range.err.contains ("retry_backoff: '0.5'"));

    const auto unknown = runCli ({ "config", "show", "--colour", "red" }, home.dir);
    CHECK (unknown.exitCode == 2);
    CHECK (unknown.err.contains ("--colour"));
}

TEST_CASE ("--help works for the tool and for config", "[cli]")
{
    TemporaryHome home;
    const auto top = runCli ({ "--help" }, home.dir);
    CHECK (top.exitCode == 0);
    CHECK (top.out.contains ("config validate"));

    const auto config = runCli ({ "config", "--help" }, home.dir);
    CHECK (config.exitCode == 0);
    CHECK (config.out.contains ("--fallback-mode"));
}
