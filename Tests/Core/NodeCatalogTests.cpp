#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>

using comfybridge::NodeCatalog;

TEST_CASE ("NodeCatalog: not read until a JSON object is parsed", "[readiness][nodecatalog]")
{
    CHECK_FALSE (NodeCatalog().isRead());
    CHECK_FALSE (NodeCatalog().hasNode ("KSampler"));
    CHECK (NodeCatalog().getNumNodes() == 0);

    CHECK_FALSE (NodeCatalog::parse ("").isRead());
    CHECK_FALSE (NodeCatalog::parse ("<html>proxy error</html>").isRead());
    CHECK_FALSE (NodeCatalog::parse ("[1, 2]").isRead());

    // A server that knows no nodes was still read: different from "could not read".
    const auto empty = NodeCatalog::parse ("{}");
    CHECK (empty.isRead());
    CHECK (empty.getNumNodes() == 0);
}

TEST_CASE ("NodeCatalog: node classes and combo choices, classic and V3", "[readiness][nodecatalog]")
{
    const auto catalog = NodeCatalog::parse (R"({
        "CheckpointLoaderSimple": { "input": { "required": { "ckpt_name": [ ["a.safetensors", "sub/b.ckpt"], {} ] } } },
        "LoadAudio": { "input": { "required": { "audio": [ "COMBO", { "options": ["x.flac", "y.wav"], "audio_upload": true } ] } } },
        "RemoteThing": { "input": { "optional": { "choice": [ "COMBO", { "options": [], "remote": { "route": "/x" } } ] } } },
        "EmptyImage": { "input": { "required": { "width": [ "INT", { "default": 512 } ] } } },
        "Odd": null
    })");

    REQUIRE (catalog.isRead());
    CHECK (catalog.getNumNodes() == 5);
    CHECK (catalog.hasNode ("LoadAudio"));
    CHECK_FALSE (catalog.hasNode ("loadaudio")); // class names are case-sensitive, as in ComfyUI

    CHECK (catalog.getInputChoices ("CheckpointLoaderSimple", "ckpt_name") == juce::StringArray ("a.safetensors", "sub/b.ckpt"));
    CHECK (catalog.getInputChoices ("LoadAudio", "audio") == juce::StringArray ("x.flac", "y.wav"));

    // Not knowable up front, not a combo, unknown, or malformed: no choices, no crash.
    CHECK (catalog.getInputChoices ("RemoteThing", "choice").isEmpty());
    CHECK (catalog.getInputChoices ("EmptyImage", "width").isEmpty());
    CHECK (catalog.getInputChoices ("EmptyImage", "nope").isEmpty());
    CHECK (catalog.getInputChoices ("Missing", "x").isEmpty());
    CHECK (catalog.getInputChoices ("Odd", "x").isEmpty());

    // Copies share the parsed data rather than copying it.
    const auto copy = catalog;
    CHECK (copy.getData() == catalog.getData());
}
