#if ! JUCE_WINDOWS
 #include <cerrno>
 #include <climits>
 #include <cstdlib>
 #include <fcntl.h>
 #include <sys/stat.h>
 #include <unistd.h>
#endif

namespace comfybridge
{

// Everything here is compiled in the module's single translation unit, so the helpers live in a
// named namespace rather than an anonymous one (which they would share with every other file).
namespace modeldownload
{
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
    juce::String quoted (const juce::String& text)
    {
        return "'" + text + "'";
    }

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

    /** Reads the "first" and "total" of a "Content-Range: bytes first-last/total" value. */
    bool parseContentRange (const juce::String& value, juce::int64& first, juce::int64& total)
    {
        const auto text = value.trim();

        if (! text.startsWithIgnoreCase ("bytes "))
            return false;

        const auto range = text.substring (6).trim();
        const auto firstText = range.upToFirstOccurrenceOf ("-", false, false);
        const auto totalText = range.fromFirstOccurrenceOf ("/", false, false).trim();

        if (firstText.isEmpty() || ! firstText.containsOnly ("0123456789"))
            return false;

        first = firstText.getLargeIntValue();
        total = totalText.isNotEmpty() && totalText.containsOnly ("0123456789") ? totalText.getLargeIntValue() : -1;
        return true;
    }

    juce::String describeBytes (juce::int64 bytes)
    {
        return juce::String (bytes) + " bytes";
    }

    juce::String hostOf (const juce::String& url)
    {
        return url.fromFirstOccurrenceOf ("://", false, false).upToFirstOccurrenceOf ("/", false, false)
                  .fromLastOccurrenceOf ("@", false, false);
    }
}

//==============================================================================
/** State shared with curl's callbacks during one transfer. */
struct ModelDownloader::Transfer
{
    Transfer (const ModelDownloadOptions& o, const std::atomic<bool>& cancel) : options (o), cancelRequested (cancel) {}

    const ModelDownloadOptions& options;
    const std::atomic<bool>& cancelRequested;
    std::unique_ptr<juce::FileOutputStream> out;
    juce::int64 written = 0;      // bytes in the .part file
    juce::int64 cap = 0;          // largest acceptable file
    juce::int64 expectedSize = -1;

    // the response being received (a redirect starts a new one)
    int status = 0;
    juce::int64 contentLength = -1;
    juce::String contentRange;
    bool bodyStarted = false;
    bool acceptBody = false;

    juce::int64 total = -1;       // full file size as the server declared it
    bool restarted = false;       // a 200 answered our range request
    bool oversize = false, writeFailed = false, rangeMismatch = false, cancelled = false;
    double lastActivityMs = 0, lastProgressMs = 0;

    static double nowMs() noexcept { return juce::Time::getMillisecondCounterHiRes(); }

    void reportProgress (bool force)
    {
        if (! options.onProgress)
            return;

        const auto now = nowMs();

        if (force || now - lastProgressMs >= 100.0)
        {
            lastProgressMs = now;
            options.onProgress (written, total >= 0 ? total : expectedSize);
        }
    }

    static size_t onHeader (char* data, size_t size, size_t count, void* user)
    {
        auto& self = *static_cast<Transfer*> (user);
        const auto bytes = size * count;
        const juce::String line (juce::CharPointer_UTF8 (data), juce::CharPointer_UTF8 (data + bytes));
        self.lastActivityMs = nowMs();

        if (line.startsWith ("HTTP/"))
        {
            self.status = line.fromFirstOccurrenceOf (" ", false, false).getIntValue();
            self.contentLength = -1;
            self.contentRange.clear();
            self.bodyStarted = false;
            self.acceptBody = false;
        }
        else if (line.startsWithIgnoreCase ("content-length:"))
        {
            const auto value = line.fromFirstOccurrenceOf (":", false, false).trim();
            self.contentLength = value.containsOnly ("0123456789") && value.isNotEmpty() ? value.getLargeIntValue() : -1;
        }
        else if (line.startsWithIgnoreCase ("content-range:"))
        {
            self.contentRange = line.fromFirstOccurrenceOf (":", false, false).trim();
        }

        return bytes;
    }

    /** Decides, at the first body byte of a response, what to do with the body; false = abort. */
    bool startBody()
    {
        bodyStarted = true;

        if (status == 206)
        {
            juce::int64 first = 0, declaredTotal = -1;

            if (! modeldownload::parseContentRange (contentRange, first, declaredTotal) || first != written)
            {
                rangeMismatch = true;
                return false;
            }

            total = declaredTotal;
        }
        else if (status == 200)
        {
            if (written > 0)
            {
                // The server ignored our Range header and sends the whole file: start over.
                out->setPosition (0);

                if (out->truncate().failed())
                {
                    writeFailed = true;
                    return false;
                }

                written = 0;
                restarted = true;
            }

            total = contentLength;
        }
        else
        {
            return true; // an error page (or a 416's body): read and ignore it
        }

        acceptBody = true;

        if (total > cap)
        {
            oversize = true;
            return false;
        }

        return true;
    }

    static size_t onBody (char* data, size_t size, size_t count, void* user)
    {
        auto& self = *static_cast<Transfer*> (user);
        const auto bytes = size * count;
        self.lastActivityMs = nowMs();

        if (self.cancelRequested.load())
        {
            self.cancelled = true;
            return 0;
        }

        if (! self.bodyStarted && ! self.startBody())
            return 0;

        if (! self.acceptBody)
            return bytes;

        if (self.written + (juce::int64) bytes > self.cap)
        {
            self.oversize = true;
            return 0;
        }

        if (! self.out->write (data, bytes))
        {
            self.writeFailed = true;
            return 0;
        }

        self.written += (juce::int64) bytes;
        self.reportProgress (false);
        return bytes;
    }
};

//==============================================================================
ModelDownloader::ModelDownloader()
{
    initialiseCurlOnce(); // net/CurlHttpClient.cpp: one curl_global_init per process
    multi = curl_multi_init();
}

ModelDownloader::~ModelDownloader()
{
    curl_multi_cleanup (static_cast<CURLM*> (multi));
}

void ModelDownloader::cancel()
{
    cancelled = true;
    curl_multi_wakeup (static_cast<CURLM*> (multi)); // documented as thread-safe
}

void ModelDownloader::resetCancellation()
{
    cancelled = false;
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
ModelDownloadResult ModelDownloader::download (const ModelRequirement& model, const juce::File& modelsRoot,
                                               const ModelDownloadOptions& options)
{
    return run (model, modelsRoot, options);
}

ModelDownloadResult ModelDownloader::run (const ModelRequirement& model, const juce::File& modelsRoot,
                                          const ModelDownloadOptions& options)
{
    using namespace modeldownload;

    ModelDownloadResult result;
    const auto shown = quoted (model.folder + "/" + model.name);
    const auto url = model.url.trim();
    const auto expected = model.sha256.trim().toLowerCase();

    const auto fail = [&result] (const juce::String& message) -> ModelDownloadResult&
    {
        result.ok = false;
        result.error = message;
        return result;
    };

    //==============================================================================
    // Refusals that need no I/O at all.
    auto resolved = resolveTarget (modelsRoot, model.folder, model.name);

    if (auto* message = std::get_if<juce::String> (&resolved))
        return fail (*message);

    const auto target = std::get<juce::File> (resolved);
    const auto targetFolder = target.getParentDirectory().getFullPathName();
    result.file = target;

    if (! (url.startsWithIgnoreCase ("https://") || url.startsWithIgnoreCase ("http://")) || hostOf (url).isEmpty()
        || url.containsAnyOf (" \t\r\n") || hasControlCharacters (url))
        return fail (url.isEmpty() ? "no download address is known for " + shown + "; put the file into " + targetFolder + " yourself"
                                   : "not downloading " + shown + ": " + quoted (url) + " is not an http or https address");

    if (expected.isEmpty())
        return fail ("no checksum is known for " + shown + "; download it by hand from " + url + " into " + targetFolder);

    if (expected.length() != 64 || ! expected.containsOnly ("0123456789abcdef"))
        return fail ("not downloading " + shown + ": its checksum " + quoted (model.sha256)
                     + " is not a SHA-256 (64 hexadecimal digits); download it by hand from " + url);

    if (cancelled)
    {
        result.cancelled = true;
        return fail ("the download of " + shown + " was cancelled");
    }

    if (! modelsRoot.isDirectory())
        return fail ("cannot download " + shown + ": the models folder " + modelsRoot.getFullPathName() + " does not exist");

    //==============================================================================
    // An existing file is never replaced: either it is the right one, or the user decides.
    if (target.exists())
    {
        if (target.isDirectory())
            return fail ("cannot download " + shown + ": " + target.getFullPathName() + " is a folder");

        const auto actual = hashFile (target, &cancelled);

        if (cancelled)
        {
            result.cancelled = true;
            return fail ("the check of the existing " + target.getFullPathName() + " was cancelled");
        }

        if (actual == expected)
        {
            result.ok = true;
            result.alreadyPresent = true;
            result.bytes = target.getSize();
            return result;
        }

        return fail (target.getFullPathName() + " already exists but is not the expected file (SHA-256 "
                     + (actual.isEmpty() ? juce::String ("unreadable") : actual) + ", expected " + expected
                     + "); it was left alone. Delete or rename it to download " + shown + " from " + url);
    }

    //==============================================================================
    const auto partPath = target.getFullPathName() + ".part";
    const juce::File partFile (partPath);

   #if ! JUCE_WINDOWS
    if (isSymbolicLink (partPath))
        return fail ("refusing to download " + shown + ": " + partPath + " is a symbolic link; delete it and try again");
   #endif

    if (partFile.isDirectory())
        return fail ("cannot download " + shown + ": " + partPath + " is a folder");

    if (auto made = target.getParentDirectory().createDirectory(); made.failed())
        return fail ("cannot create " + targetFolder + " for " + shown + ": " + made.getErrorMessage());

    const auto cap = model.sizeBytes > 0 ? juce::jmin (options.maxBytes, model.sizeBytes) : options.maxBytes;
    const auto capText = model.sizeBytes > 0 && cap == model.sizeBytes
                           ? "the expected size of " + describeBytes (cap)
                           : "the download limit of " + describeBytes (cap);

    if (partFile.getSize() > cap)
        partFile.deleteFile(); // cannot be the right file; start afresh

    const auto deletePart = [&partFile] { partFile.deleteFile(); };

    /** Hashes the complete .part and renames it into place; deletes it on a mismatch. */
    const auto verifyAndMove = [&] (juce::int64 resumedFrom) -> ModelDownloadResult&
    {
        const auto actual = hashFile (partFile, &cancelled);

        if (cancelled)
        {
            result.cancelled = true;
            return fail ("the download of " + shown + " was cancelled while checking it; "
                         "the downloaded data is kept in " + partPath + " for the next try");
        }

        if (actual != expected)
        {
            const auto size = partFile.getSize();
            deletePart();
            return fail ("the file downloaded from " + url + " for " + shown + " is not the expected one: its SHA-256 is "
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
            return fail ("downloaded and checked " + shown + " but could not move " + partPath + " to " + target.getFullPathName()
                         + (target.exists() ? juce::String (" because a file of that name appeared meanwhile; it was left alone")
                                            : juce::String()));

        result.ok = true;
        result.error.clear();
        result.bytes = target.getSize();
        result.resumedFrom = resumedFrom;
        return result;
    };

    // A partial file of exactly the known size needs no request: check it as it is.
    if (model.sizeBytes > 0 && partFile.getSize() == model.sizeBytes)
        return verifyAndMove (model.sizeBytes);

    //==============================================================================
    Transfer transfer (options, cancelled);
    transfer.out = std::make_unique<juce::FileOutputStream> (partFile, 1 << 20);

    if (transfer.out->failedToOpen())
        return fail ("cannot write " + partPath + " for " + shown + ": " + transfer.out->getStatus().getErrorMessage());

    const auto resumeFrom = transfer.out->getPosition(); // the stream opens at the end of an existing file
    transfer.written = resumeFrom;
    transfer.cap = cap;
    transfer.expectedSize = model.sizeBytes;

    auto* easy = curl_easy_init();
    auto* multiHandle = static_cast<CURLM*> (multi);
    char errorBuffer[CURL_ERROR_SIZE] = {};
    const auto urlText = url.toStdString();
    const auto range = std::to_string (resumeFrom) + "-";

    curl_easy_setopt (easy, CURLOPT_URL, urlText.c_str());
    curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS, (long) juce::jmax (1.0, options.connectTimeoutSeconds * 1000.0));
    curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt (easy, CURLOPT_MAXREDIRS, 5L);
   #if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt (easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
   #else
    curl_easy_setopt (easy, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt (easy, CURLOPT_REDIR_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
   #endif
    curl_easy_setopt (easy, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    curl_easy_setopt (easy, CURLOPT_USERAGENT, "ComfyBridge/0.1");
    curl_easy_setopt (easy, CURLOPT_BUFFERSIZE, 256L * 1024L);
    curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, &Transfer::onBody);
    curl_easy_setopt (easy, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, &Transfer::onHeader);
    curl_easy_setopt (easy, CURLOPT_HEADERDATA, &transfer);

    // CURLOPT_RANGE rather than CURLOPT_RESUME_FROM_LARGE: with the latter curl itself fails
    // when a server answers 200, while we want to start over then.
    if (resumeFrom > 0)
        curl_easy_setopt (easy, CURLOPT_RANGE, range.c_str());

    curl_multi_add_handle (multiHandle, easy);

    const auto startMs = Transfer::nowMs();
    const auto stallMs = juce::jmax (1.0, options.stallTimeoutSeconds * 1000.0);
    const auto connectMs = juce::jmax (1.0, options.connectTimeoutSeconds * 1000.0);
    transfer.lastActivityMs = startMs;
    transfer.lastProgressMs = startMs;

    CURLcode code = CURLE_OK;
    bool finished = false, stalled = false;

    while (! finished)
    {
        int running = 0;
        curl_multi_perform (multiHandle, &running);

        int queued = 0;
        while (auto* message = curl_multi_info_read (multiHandle, &queued))
        {
            if (message->msg == CURLMSG_DONE && message->easy_handle == easy)
            {
                code = message->data.result;
                finished = true;
            }
        }

        if (finished)
            break;

        if (cancelled)
        {
            transfer.cancelled = true;
            break;
        }

        // Before the first byte the connect timeout applies on top (curl enforces it).
        const auto now = Transfer::nowMs();
        const auto quietFor = now - transfer.lastActivityMs;
        const auto limit = transfer.lastActivityMs == startMs ? stallMs + connectMs : stallMs;

        if (quietFor >= limit)
        {
            stalled = true;
            break;
        }

        curl_multi_poll (multiHandle, nullptr, 0, (int) juce::jlimit (1.0, 100.0, limit - quietFor), nullptr);
    }

    curl_multi_remove_handle (multiHandle, easy);
    curl_easy_cleanup (easy);

    const auto flushed = transfer.out->getStatus().wasOk() && (transfer.out->flush(), transfer.out->getStatus().wasOk());
    const auto writeError = transfer.out->getStatus().getErrorMessage();
    transfer.out.reset();

    auto received = partFile.getSize();

    if (received == 0 && ! transfer.cancelled)
        deletePart(); // nothing arrived: leave no empty file behind
    const auto resumedFrom = transfer.restarted ? (juce::int64) 0 : resumeFrom;
    transfer.reportProgress (true);
    const auto keptNote = received > 0 ? "; the " + describeBytes (received) + " received so far are kept in " + partPath
                                             + " and the next try resumes from there"
                                       : juce::String();

    //==============================================================================
    if (transfer.cancelled)
    {
        result.cancelled = true;
        return fail ("the download of " + shown + " from " + url + " was cancelled" + keptNote);
    }

    if (transfer.oversize)
    {
        deletePart();
        return fail ("stopped downloading " + shown + " from " + url + ": the file is larger than " + capText
                     + ". The partial download was deleted; check the manifest's URL");
    }

    if (transfer.writeFailed || ! flushed)
        return fail ("cannot write " + partPath + " while downloading " + shown + ": "
                     + (writeError.isNotEmpty() ? writeError : juce::String ("write error")) + " (is the disk full?)");

    if (transfer.rangeMismatch)
    {
        deletePart();
        return fail ("the server at " + url + " answered the request to resume " + shown + " with the wrong part of the file ("
                     + quoted (transfer.contentRange) + "); the partial download was deleted, try again");
    }

    if (stalled)
        return fail ("the download of " + shown + " from " + url + " stalled: nothing arrived for "
                     + juce::String (options.stallTimeoutSeconds, 1) + " s" + keptNote);

    if (code != CURLE_OK)
    {
        const auto detail = juce::String (errorBuffer[0] != 0 ? errorBuffer : curl_easy_strerror (code)).trim();
        juce::String reason;

        switch (code)
        {
            case CURLE_COULDNT_RESOLVE_HOST:
            case CURLE_COULDNT_RESOLVE_PROXY:
                reason = "the host name " + quoted (hostOf (url)) + " does not resolve; check the address and the internet connection";
                break;
            case CURLE_COULDNT_CONNECT:
                reason = "the connection to " + hostOf (url) + " was refused or could not be made (" + detail + ")";
                break;
            case CURLE_OPERATION_TIMEDOUT:
                reason = "no connection within " + juce::String (options.connectTimeoutSeconds, 1) + " s"
                         + (url.startsWithIgnoreCase ("https://") ? " (including the TLS handshake)" : "");
                break;
            case CURLE_PEER_FAILED_VERIFICATION:
            case CURLE_SSL_CACERT_BADFILE:
            case CURLE_SSL_ISSUER_ERROR:
            case CURLE_SSL_CERTPROBLEM:
                reason = "certificate problem: the server's TLS certificate was not accepted (" + detail + ")";
                break;
            case CURLE_SSL_CONNECT_ERROR:
            case CURLE_SSL_CIPHER:
                reason = "the secure (TLS) connection failed, possibly a certificate problem (" + detail + ")";
                break;
            case CURLE_TOO_MANY_REDIRECTS:
                reason = "the server redirected more than 5 times";
                break;
            case CURLE_UNSUPPORTED_PROTOCOL:
                reason = "the server redirected to an address that is not http or https (" + detail + ")";
                break;
            case CURLE_PARTIAL_FILE:
            case CURLE_RECV_ERROR:
            case CURLE_SEND_ERROR:
            case CURLE_GOT_NOTHING:
                reason = "the connection was lost (" + detail + ")";
                break;
            default:
                reason = detail;
                break;
        }

        return fail ("could not download " + shown + " from " + url + ": " + reason + keptNote);
    }

    const auto status = transfer.status;

    if (status == 200 || status == 206)
    {
        if (transfer.total >= 0 && received != transfer.total)
            return fail ("the download of " + shown + " from " + url + " ended early (" + describeBytes (received) + " of "
                         + describeBytes (transfer.total) + ")" + keptNote);

        return verifyAndMove (resumedFrom);
    }

    if (status == 416 && received > 0)
        return verifyAndMove (resumedFrom); // nothing left to fetch: the partial file may be complete

    juce::String reason;

    if (status == 404 || status == 410)
        reason = "the file is not there (HTTP " + juce::String (status) + "); the manifest's URL may be out of date";
    else if (status == 401 || status == 403)
        reason = "access was denied (HTTP " + juce::String (status) + "); the file may need a login or accepting a licence on the website first";
    else if (status == 429)
        reason = "the server asks to slow down (HTTP 429); try again later";
    else if (status >= 500)
        reason = "the server had an error (HTTP " + juce::String (status) + "); try again later";
    else if (status >= 300 && status < 400)
        reason = "the server redirected (HTTP " + juce::String (status) + ") without a usable address";
    else
        reason = "the server answered HTTP " + juce::String (status);

    return fail ("could not download " + shown + " from " + url + ": " + reason + keptNote);
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
