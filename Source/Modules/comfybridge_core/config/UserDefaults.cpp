namespace comfybridge
{

namespace
{
    juce::PropertiesFile::Options propertiesOptions()
    {
        juce::PropertiesFile::Options options;
        options.applicationName = "ComfyBridge";
        options.filenameSuffix = ".settings";
        options.folderName = "ComfyBridge";
        options.osxLibrarySubFolder = "Application Support";
        options.storageFormat = juce::PropertiesFile::storeAsXML;
        // Another plugin instance or the CLI may write the same file at the same time.
        options.processLock = nullptr;
        return options;
    }
}

UserDefaults::UserDefaults (juce::File fileToUse)
    : file (fileToUse == juce::File() ? getDefaultFile() : std::move (fileToUse))
{
}

juce::File UserDefaults::getDefaultFile()
{
   #if JUCE_LINUX || JUCE_BSD
    // PropertiesFile would use ~/ComfyBridge; the XDG place for settings is ~/.config.
    return juce::File::getSpecialLocation (juce::File::userApplicationDataDirectory)
               .getChildFile ("ComfyBridge").getChildFile ("ComfyBridge.settings");
   #else
    return propertiesOptions().getDefaultFile();
   #endif
}

std::unique_ptr<juce::PropertiesFile> UserDefaults::open() const
{
    return std::make_unique<juce::PropertiesFile> (file, propertiesOptions());
}

ConfigParseResult UserDefaults::load() const
{
    if (! file.existsAsFile())
        return ComfyUIConfig::fromText ({});

    auto properties = open();
    juce::StringPairArray values;

    for (const auto& key : properties->getAllProperties().getAllKeys())
        values.set (key, properties->getValue (key));

    auto result = ComfyUIConfig::fromText (values);

    for (auto& error : result.errors)
        error = file.getFullPathName() + ": " + error;

    return result;
}

juce::Result UserDefaults::save (const ComfyUIConfig& config) const
{
    if (auto problems = config.validate(); ! problems.isEmpty())
        return juce::Result::fail ("not saved, the config is invalid: " + problems.joinIntoString ("; "));

    auto properties = open();
    properties->clear();

    const auto tree = config.toValueTree (ComfyUIConfig::Secrets::include); // the token lives here and only here

    for (int i = 0; i < tree.getNumProperties(); ++i)
    {
        const auto name = tree.getPropertyName (i);
        const auto& value = tree.getProperty (name);
        properties->setValue (name.toString(), value.isBool() ? juce::var (value ? "true" : "false") : value);
    }

    // PropertiesFile writes through a temporary file and renames it, so a crash
    // mid-write never leaves a half file behind.
    if (! properties->save())
        return juce::Result::fail ("could not write " + file.getFullPathName());

    return juce::Result::ok();
}

} // namespace comfybridge
