#if ! JUCE_WINDOWS
 #include <cerrno>
 #include <climits>
 #include <cstdlib>
 #include <fcntl.h>
 #include <sys/stat.h>
 #include <unistd.h>
#endif

// The file-system side of model downloads: which paths are allowed, hashing, and the
// no-overwrite move into place. The HTTP side is ModelDownloader.cpp.

namespace comfybridge
{

// Everything here is compiled in the module's single translation unit, so the helpers live in a
// named namespace rather than an anonymous one (which they would share with every other file).
namespace modeldownload
{
    using detail::quoted;

    juce::String describeBytes (juce::int64 bytes)
    {
        return juce::String (bytes) + " bytes";
    }

    juce::String hostOf (const juce::String& url)
    {
        return url.fromFirstOccurrenceOf ("://", false, false).upToFirstOccurrenceOf ("/", false, false)
                  .fromLastOccurrenceOf ("@", false, false);
    }

    /** Hashes a file in 1 MB reads; empty when it cannot be read or `stop` became true. */
    juce::String hashFile (const juce::File& file, const std::atomic<bool>* stop)
    {
        juce::FileInputStream in (file);

        if (in.failedToOpen())
            return {};

        Sha256Stream sha;
        juce::HeapBlock<char> chunk (1 << 20);

        for (;;)
        {
            if (stop != nullptr && stop->load())
                return {};

            const auto got = in.read (chunk.get(), 1 << 20);

            if (got < 0)
                return {};

            if (got == 0)
                break;

            sha.update (chunk.get(), (size_t) got);
        }

        return in.isExhausted() ? sha.finishHex() : juce::String();
    }

    //==============================================================================
    bool hasControlCharacters (const juce::String& text)
    {
        for (auto p = text.getCharPointer(); ! p.isEmpty(); ++p)
            if (*p < 0x20 || *p == 0x7f)
                return true;

        return false;
    }

    /** Why a path segment of a model name is refused, or empty when it is fine. */
    juce::String problemWithNameSegment (const juce::String& segment)
    {
        if (segment.isEmpty())               return "it has an empty path segment";
        if (segment == "." || segment == "..") return "it contains " + quoted (segment);
        if (segment.containsChar ('\\'))     return "it contains a backslash";
        if (segment.containsChar (':'))      return "it contains a colon";
        if (hasControlCharacters (segment))  return "it contains control characters";
        if (segment.getNumBytesAsUTF8() > 255) return "a path segment is longer than 255 bytes";
        return {};
    }

   #if ! JUCE_WINDOWS
    /** The canonical path (symbolic links resolved), or empty when it does not resolve. */
    juce::String realPathOf (const juce::String& path)
    {
        char resolved[PATH_MAX];
        return ::realpath (path.toRawUTF8(), resolved) != nullptr ? juce::String (juce::CharPointer_UTF8 (resolved)) : juce::String();
    }

    bool isSymbolicLink (const juce::String& path)
    {
        struct stat info;
        return ::lstat (path.toRawUTF8(), &info) == 0 && S_ISLNK (info.st_mode);
    }
   #endif
}

//==============================================================================
std::variant<juce::File, juce::String> ModelDownloader::resolveTarget (const juce::File& modelsRoot,
                                                                       const juce::String& folder,
                                                                       const juce::String& name)
{
    using namespace modeldownload;
    const auto shown = quoted (folder + "/" + name);

    if (modelsRoot == juce::File())
        return "cannot place " + shown + ": the ComfyUI models folder is not known (set it in the preferences)";

    if (folder.isEmpty() || folder == "." || folder == ".."
        || ! folder.containsOnly ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."))
        return "refusing to download " + shown + ": the model folder " + quoted (folder)
               + " must be a single folder name such as 'checkpoints' (letters, digits, '_', '-', '.')";

    if (name.isEmpty())
        return "refusing to download " + shown + ": the file name is empty";

    if (name.startsWithChar ('/'))
        return "refusing to download " + shown + ": the file name is an absolute path; it must be a path inside "
               + modelsRoot.getChildFile (folder).getFullPathName();

    const auto segments = juce::StringArray::fromTokens (name, "/", "");

    for (const auto& segment : segments)
        if (const auto problem = problemWithNameSegment (segment); problem.isNotEmpty())
            return "refusing to download " + shown + ": the file name " + quoted (name) + " is not allowed (" + problem
                   + "); it must be a path inside " + modelsRoot.getChildFile (folder).getFullPathName();

    // Built by hand: File::getChildFile would interpret "..".
    auto path = modelsRoot.getFullPathName() + juce::File::getSeparatorString() + folder;
    juce::StringArray prefixes { path };

    for (const auto& segment : segments)
    {
        path += juce::File::getSeparatorString() + segment;
        prefixes.add (path);
    }

   #if ! JUCE_WINDOWS
    // A symbolic link on the way (e.g. models/checkpoints -> /somewhere/else) must stay inside.
    const auto realRoot = realPathOf (modelsRoot.getFullPathName());

    for (const auto& prefix : prefixes)
    {
        if (! isSymbolicLink (prefix))
        {
            if (juce::File (prefix).exists())
                continue;

            break; // nothing below a missing component exists yet
        }

        const auto real = realPathOf (prefix);

        if (realRoot.isEmpty() || real.isEmpty() || ! (real + "/").startsWith (realRoot + "/"))
            return "refusing to download " + shown + ": " + prefix + " is a symbolic link that leads outside the models folder "
                   + modelsRoot.getFullPathName();
    }
   #endif

    return juce::File (path);
}

//==============================================================================
ModelDownloadResult ModelDownloader::failed (ModelDownloadResult& result, const juce::String& message)
{
    result.ok = false;
    result.error = message;
    return result;
}

juce::String ModelDownloader::refusalWithoutIo (const ModelRequirement& model, const juce::File& modelsRoot,
                                                ModelDownloadResult& result) const
{
    using namespace modeldownload;
    const auto shown = quoted (model.folder + "/" + model.name);
    const auto url = model.url.trim();
    const auto expected = model.sha256.trim().toLowerCase();
    auto resolved = resolveTarget (modelsRoot, model.folder, model.name);

    if (auto* message = std::get_if<juce::String> (&resolved))
        return *message;

    result.file = std::get<juce::File> (resolved);
    const auto targetFolder = result.file.getParentDirectory().getFullPathName();

    if (! (url.startsWithIgnoreCase ("https://") || url.startsWithIgnoreCase ("http://")) || hostOf (url).isEmpty()
        || url.containsAnyOf (" \t\r\n") || hasControlCharacters (url))
        return url.isEmpty() ? "no download address is known for " + shown + "; put the file into " + targetFolder + " yourself"
                             : "not downloading " + shown + ": " + quoted (url) + " is not an http or https address";

    if (expected.isEmpty())
        return "no checksum is known for " + shown + "; download it by hand from " + url + " into " + targetFolder;

    if (expected.length() != 64 || ! expected.containsOnly ("0123456789abcdef"))
        return "not downloading " + shown + ": its checksum " + quoted (model.sha256)
               + " is not a SHA-256 (64 hexadecimal digits); download it by hand from " + url;

    if (cancelled)
    {
        result.cancelled = true;
        return "the download of " + shown + " was cancelled";
    }

    if (! modelsRoot.isDirectory())
        return "cannot download " + shown + ": the models folder " + modelsRoot.getFullPathName() + " does not exist";

    return {};
}

ModelDownloadResult ModelDownloader::checkExistingTarget (const ModelRequirement& model, ModelDownloadResult& result)
{
    using namespace modeldownload;
    const auto shown = quoted (model.folder + "/" + model.name);
    const auto& target = result.file;
    const auto expected = model.sha256.trim().toLowerCase();

    if (target.isDirectory())
        return failed (result, "cannot download " + shown + ": " + target.getFullPathName() + " is a folder");

    const auto actual = hashFile (target, &cancelled);

    if (cancelled)
    {
        result.cancelled = true;
        return failed (result, "the check of the existing " + target.getFullPathName() + " was cancelled");
    }

    if (actual == expected)
    {
        result.ok = true;
        result.alreadyPresent = true;
        result.bytes = target.getSize();
        return result;
    }

    return failed (result, target.getFullPathName() + " already exists but is not the expected file (SHA-256 "
                               + (actual.isEmpty() ? juce::String ("unreadable") : actual) + ", expected " + expected
                               + "); it was left alone. Delete or rename it to download " + shown + " from " + model.url.trim());
}

ModelDownloadResult ModelDownloader::verifyAndMove (const ModelRequirement& model, const juce::File& partFile,
                                                    juce::int64 resumedFrom, ModelDownloadResult& result)
{
    using namespace modeldownload;
    const auto shown = quoted (model.folder + "/" + model.name);
    const auto expected = model.sha256.trim().toLowerCase();
    const auto partPath = partFile.getFullPathName();
    const auto& target = result.file;
    const auto actual = hashFile (partFile, &cancelled);

    if (cancelled)
    {
        result.cancelled = true;
        return failed (result, "the download of " + shown + " was cancelled while checking it; "
                               "the downloaded data is kept in " + partPath + " for the next try");
    }

    if (actual != expected)
    {
        const auto size = partFile.getSize();
        partFile.deleteFile();
        return failed (result, "the file downloaded from " + model.url.trim() + " for " + shown + " is not the expected one: its SHA-256 is "
                                   + (actual.isEmpty() ? juce::String ("unreadable") : actual) + " (" + describeBytes (size) + "), expected "
                                   + expected + ". It was deleted; check the manifest's URL and checksum");
    }

   #if ! JUCE_WINDOWS
    if (const auto fd = ::open (partPath.toRawUTF8(), O_RDONLY); fd >= 0)
    {
        ::fsync (fd); // the data reaches the disk before the name says it is complete
        ::close (fd);
    }

    // link() never replaces an existing file, unlike rename(); some file systems lack it.
    auto moved = ::link (partPath.toRawUTF8(), target.getFullPathName().toRawUTF8()) == 0;
    const auto linkError = errno;

    if (moved)
        ::unlink (partPath.toRawUTF8());
    else if (linkError != EEXIST && ! target.exists())
        moved = ::rename (partPath.toRawUTF8(), target.getFullPathName().toRawUTF8()) == 0;
   #else
    const auto moved = ! target.exists() && partFile.moveFileTo (target);
   #endif

    if (! moved)
        return failed (result, "downloaded and checked " + shown + " but could not move " + partPath + " to " + target.getFullPathName()
                                   + (target.exists() ? juce::String (" because a file of that name appeared meanwhile; it was left alone")
                                                      : juce::String()));

    result.ok = true;
    result.error.clear();
    result.bytes = target.getSize();
    result.resumedFrom = resumedFrom;
    return result;
}

//==============================================================================
juce::String sha256OfFile (const juce::File& file)
{
    return modeldownload::hashFile (file, nullptr);
}

juce::String sha256OfMemory (const void* data, size_t numBytes)
{
    return sha256Hex (data, numBytes);
}

} // namespace comfybridge
