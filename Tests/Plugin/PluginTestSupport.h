#pragma once

#include "Plugin/PluginProcessor.h"
#include "Plugin/PluginEditor.h"
#include "Support/TestUtilities.h"
#include <MisbehavingServers.h>

namespace PluginTestSupport
{

/** A processor whose defaults come from a temporary file, not the user's own.
    Without @p defaults it points at a closed port of 127.0.0.1 with port discovery
    off: the built-in defaults (localhost:8000, discovery over 8000-9000) would
    reach a developer's own ComfyUI as soon as the processor is prepared.
*/
struct IsolatedProcessor
{
    explicit IsolatedProcessor (std::optional<comfybridge::ComfyUIConfig> defaults = std::nullopt)
        : processor (makeDefaults (defaultsFile, defaults.value_or (TestSupport::localConfig (TestHelpers::closedPort()))))
    {
    }

    juce::TemporaryFile defaultsFile { ".settings" };
    ComfyBridgeProcessor processor;

private:
    static comfybridge::UserDefaults makeDefaults (const juce::TemporaryFile& file, const comfybridge::ComfyUIConfig& config)
    {
        comfybridge::UserDefaults defaults (file.getFile());
        defaults.save (config);
        return defaults;
    }
};

/** Opens the processor's editor and closes it (as a host does) when it goes out of scope. */
struct OpenEditor
{
    explicit OpenEditor (ComfyBridgeProcessor& p)
        : processor (p), editor (dynamic_cast<ComfyBridgeEditor*> (p.createEditorIfNeeded()))
    {
    }

    ~OpenEditor()
    {
        if (editor != nullptr)
            processor.editorBeingDeleted (editor.get());
    }

    ComfyBridgeEditor* operator->() const noexcept { return editor.get(); }
    ComfyBridgeEditor& operator*() const noexcept { return *editor; }

    ComfyBridgeProcessor& processor;
    std::unique_ptr<ComfyBridgeEditor> editor;
};

} // namespace PluginTestSupport
