#pragma once

namespace comfybridge
{

//==============================================================================
/**
    The user's global defaults for new plugin instances and for the CLI, kept in
    a juce::PropertiesFile in the user's application-data folder
    (~/.config/ComfyBridge/ComfyBridge.settings on Linux).

    Reading never fails hard: a missing file gives the built-in defaults, and a
    damaged value is reported while the rest of the file still applies on top of
    the built-in defaults only if the whole file validates.
*/
class UserDefaults
{
public:
    /** Uses @p file, or the standard per-user location when it is left empty. */
    explicit UserDefaults (juce::File file = {});

    /** The standard per-user location of the preferences file. */
    static juce::File getDefaultFile();

    /** The file this object reads and writes. */
    const juce::File& getFile() const noexcept { return file; }

    /** Reads the stored defaults. A missing file yields ComfyUIConfig{} with no errors. */
    ConfigParseResult load() const;

    /** Stores @p config (which must be valid) atomically; fails with a message otherwise. */
    juce::Result save (const ComfyUIConfig& config) const;

private:
    juce::File file;

    std::unique_ptr<juce::PropertiesFile> open() const;

    JUCE_LEAK_DETECTOR (UserDefaults)
};

} // namespace comfybridge
