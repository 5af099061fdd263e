#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include <juce_graphics/juce_graphics.h>
#include "CliRunner.h"
#include "Support/FakeExecutor.h"

namespace
{
    juce::StringArray generateArgs (int port, const juce::File& out, const juce::String& workflow = "empty_image")
    {
        return { "generate", "--workflow", workflow, "--prompt", "a quiet harbour", "--seed", "255",
                 "--width", "32", "--height", "16", "--out", out.getFullPathName(),
                 "--host", "127.0.0.1", "--port", juce::String (port), "--timeout", "2", "--max-retries", "0", "--no-discover-port" };
    }

    nlohmann::json lastJsonLine (const juce::String& out)
    {
        const auto lines = juce::StringArray::fromLines (out.trim());
        return nlohmann::json::parse (lines[lines.size() - 1].toStdString());
    }
}

TEST_CASE ("generate writes the image ComfyUI made and prints a JSON result", "[cli][generation]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TestSupport::FakeExecutor executor (server);
    TemporaryHome home;
    const auto out = home.dir.getChildFile ("out.png");

    const auto result = runCli (generateArgs (server.port(), out), home.dir);
    INFO (result.out << result.err);
    REQUIRE (result.exitCode == 0);

    const auto json = lastJsonLine (result.out);
    CHECK (json["result"] == "generated");
    CHECK (json["path"] == out.getFullPathName().toStdString());
    CHECK (json["prompt_id"].is_string());
    CHECK (json["seconds"].is_number());

    const auto image = juce::ImageFileFormat::loadFrom (out);
    REQUIRE (image.isValid());
    CHECK (image.getWidth() == 32);
    CHECK (image.getPixelAt (0, 0).getARGB() == 0xff0000ffu); // seed 255 = colour 0x0000ff
    CHECK (result.err.contains ("progress 100%"));           // plain progress lines when not a terminal
}

TEST_CASE ("generate exit codes follow the fallback mode when ComfyUI is unavailable", "[cli][generation]")
{
    TemporaryHome home;
    const auto out = home.dir.getChildFile ("fallback.png");
    const auto port = TestHelpers::closedPort();

    auto placeholder = runCli (generateArgs (port, out), home.dir);
    CHECK (placeholder.exitCode == 0);
    CHECK (lastJsonLine (placeholder.out)["result"] == "placeholder");
    CHECK (juce::ImageFileFormat::loadFrom (out).getWidth() == 32);

    auto args = generateArgs (port, home.dir.getChildFile ("skip.png"));
    args.addArray ({ "--fallback-mode", "skip" });
    const auto skipped = runCli (args, home.dir);
    CHECK (skipped.exitCode == 5);
    CHECK (lastJsonLine (skipped.out)["result"] == "skipped");
    CHECK_FALSE (home.dir.getChildFile ("skip.png").exists());

    args = generateArgs (port, home.dir.getChildFile ("abort.png"));
    args.addArray ({ "--fallback-mode", "abort" });
    const auto aborted = runCli (args, home.dir);
    CHECK (aborted.exitCode == 3);
    CHECK (lastJsonLine (aborted.out)["result"] == "aborted");
}

TEST_CASE ("generate exits 1 with ComfyUI's messages when the workflow is rejected", "[cli][generation]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TestSupport::FakeExecutor executor (server);
    executor.setRejection ({ { "1", { { "errors", { { { "message", "Value bigger than max" }, { "details", "width: 99999 > 16384" } } } },
                                      { "class_type", "EmptyImage" } } } });
    TemporaryHome home;

    const auto result = runCli (generateArgs (server.port(), home.dir.getChildFile ("x.png")), home.dir);
    CHECK (result.exitCode == 1);
    CHECK (result.err.contains ("node 1 (EmptyImage): Value bigger than max: width: 99999 > 16384"));
    CHECK (lastJsonLine (result.out)["result"] == "failed");
}

TEST_CASE ("generate runs a user's workflow as written: its own size unless --width/--height are given", "[cli][generation]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TestSupport::FakeExecutor executor (server);
    TemporaryHome home;

    auto userFile = [&] (const juce::String& name, int width, int height)
    {
        const auto file = home.dir.getChildFile (name);
        file.replaceWithText (R"({"1": {"class_type": "EmptyImage", "inputs": {"width": )" + juce::String (width) + R"(, "height": )"
                              + juce::String (height) + R"(, "batch_size": 1, "color": 0}},
                                 "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "mine"}}})");
        return file.getFullPathName();
    };

    auto args = [&] (const juce::String& workflow, const juce::String& out, int port)
    {
        return juce::StringArray { "generate", "--workflow", workflow, "--prompt", "x", "--out", home.dir.getChildFile (out).getFullPathName(),
                                   "--host", "127.0.0.1", "--port", juce::String (port), "--timeout", "2", "--max-retries", "0", "--no-discover-port" };
    };

    const auto mine = userFile ("my.json", 64, 48);
    const auto result = runCli (args (mine, "o.png", server.port()), home.dir);
    INFO (result.out << result.err);
    REQUIRE (result.exitCode == 0);
    auto image = juce::ImageFileFormat::loadFrom (home.dir.getChildFile ("o.png"));
    REQUIRE (image.isValid());
    CHECK (image.getWidth() == 64);
    CHECK (image.getHeight() == 48);

    auto sized = args (mine, "sized.png", server.port());
    sized.addArray ({ "--width", "32" });
    REQUIRE (runCli (sized, home.dir).exitCode == 0);
    image = juce::ImageFileFormat::loadFrom (home.dir.getChildFile ("sized.png"));
    CHECK (image.getWidth() == 32);
    CHECK (image.getHeight() == 48);

    // Without a backend the placeholder has the workflow's size too.
    REQUIRE (runCli (args (mine, "placeholder.png", TestHelpers::closedPort()), home.dir).exitCode == 0);
    image = juce::ImageFileFormat::loadFrom (home.dir.getChildFile ("placeholder.png"));
    CHECK (image.getWidth() == 64);
    CHECK (image.getHeight() == 48);
}

TEST_CASE ("generate sends a user's width 0 as written and exits 1 naming width when ComfyUI refuses it", "[cli][generation]")
{
    TestHelpers::FakeComfyUI server;
    REQUIRE (server.start());
    TestSupport::FakeExecutor executor (server);
    TemporaryHome home;
    const auto file = home.dir.getChildFile ("zero.json");
    file.replaceWithText (R"({"1": {"class_type": "EmptyImage", "inputs": {"width": 0, "height": 48, "batch_size": 1, "color": 0}},
                              "2": {"class_type": "SaveImage", "inputs": {"images": ["1", 0], "filename_prefix": "mine"}}})");
    const auto out = home.dir.getChildFile ("zero.png");

    const auto result = runCli ({ "generate", "--workflow", file.getFullPathName(), "--prompt", "x", "--out", out.getFullPathName(),
                                  "--host", "127.0.0.1", "--port", juce::String (server.port()), "--timeout", "2", "--max-retries", "0",
                                  "--no-discover-port" }, home.dir);
    INFO (result.out << result.err);
    CHECK (result.exitCode == 1);
    CHECK (result.err.contains ("node 1 (EmptyImage): Value 0 smaller than min of 1: width"));
    CHECK (lastJsonLine (result.out)["result"] == "failed");
    CHECK_FALSE (out.exists());
}

TEST_CASE ("generate rejects bad usage with exit 2", "[cli][generation]")
{
    TemporaryHome home;
    CHECK (runCli ({ "generate", "--prompt", "x" }, home.dir).exitCode == 2);                                      // no workflow, no out
    CHECK (runCli ({ "generate", "--workflow", "nope", "--out", "x.png" }, home.dir).exitCode == 2);                // unknown workflow
    CHECK (runCli ({ "generate", "--workflow", "empty_image", "--out", "x.png", "--width", "0" }, home.dir).exitCode == 2);
}

TEST_CASE ("placeholder draws a PNG of the requested size without a backend", "[cli][placeholder]")
{
    TemporaryHome home;
    const auto out = home.dir.getChildFile ("p.png");
    const auto result = runCli ({ "placeholder", "--width", "300", "--height", "200", "--prompt", "hello", "--seed", "3", "--out", out.getFullPathName() }, home.dir);
    REQUIRE (result.exitCode == 0);
    const auto image = juce::ImageFileFormat::loadFrom (out);
    CHECK (image.getWidth() == 300);
    CHECK (image.getHeight() == 200);

    CHECK (runCli ({ "placeholder", "--width", "100000", "--height", "10", "--out", out.getFullPathName() }, home.dir).exitCode == 2);
}
