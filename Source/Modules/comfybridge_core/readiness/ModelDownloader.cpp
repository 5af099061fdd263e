namespace comfybridge
{

namespace modeldownload
{
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

    /** Words for a transfer that curl ended with an error. */
    juce::String describeTransportFailure (CURLcode code, const juce::String& detail, const juce::String& url, double connectTimeoutSeconds)
    {
        switch (code)
        {
            case CURLE_TOO_MANY_REDIRECTS:
                return "the server redirected more than 5 times";
            case CURLE_UNSUPPORTED_PROTOCOL:
                return "the server redirected to an address that is not http or https (" + detail + ")";
            default:
                break;
        }

        switch (detail::classifyCurlResult (code, true))
        {
            case HttpError::dnsFailure:
                return "the host name " + quoted (hostOf (url)) + " does not resolve; check the address and the internet connection";
            case HttpError::refused:
                return "the connection to " + hostOf (url) + " was refused or could not be made (" + detail + ")";
            case HttpError::responseTimeout:
            case HttpError::connectTimeout:
                return "no connection within " + juce::String (connectTimeoutSeconds, 1) + " s"
                       + (url.startsWithIgnoreCase ("https://") ? " (including the TLS handshake)" : "");
            case HttpError::tls:
                return code == CURLE_SSL_CONNECT_ERROR || code == CURLE_SSL_CIPHER
                         ? "the secure (TLS) connection failed, possibly a certificate problem (" + detail + ")"
                         : "certificate problem: the server's TLS certificate was not accepted (" + detail + ")";
            case HttpError::connectionLost:
                return "the connection was lost (" + detail + ")";
            case HttpError::none:
            case HttpError::bodyTooLarge:
            case HttpError::cancelled:
            case HttpError::protocol:
            case HttpError::other:
            default:
                return detail;
        }
    }

    /** Words for an HTTP status that is not a file. */
    juce::String describeHttpStatus (int status)
    {
        if (status == 404 || status == 410)
            return "the file is not there (HTTP " + juce::String (status) + "); the manifest's URL may be out of date";
        if (status == 401 || status == 403)
            return "access was denied (HTTP " + juce::String (status) + "); the file may need a login or accepting a licence on the website first";
        if (status == 429)
            return "the server asks to slow down (HTTP 429); try again later";
        if (status >= 500)
            return "the server had an error (HTTP " + juce::String (status) + "); try again later";
        if (status >= 300 && status < 400)
            return "the server redirected (HTTP " + juce::String (status) + ") without a usable address";
        return "the server answered HTTP " + juce::String (status);
    }
}

//==============================================================================
/** What one transfer left behind, for interpret(). */
struct ModelDownloader::ReceiveReport
{
    CURLcode code = CURLE_OK;
    bool stalled = false;
    long statusCode = 0;
    juce::int64 received = 0;    // bytes in the .part file afterwards
    juce::int64 resumedFrom = 0; // bytes that were already there and kept
    juce::String curlDetail;     // curl's own words for a failure
    juce::String writeError;     // empty when the file was written and flushed
};

//==============================================================================
/** State shared with curl's callbacks during one transfer into the .part file. */
struct ModelDownloader::Transfer
{
    Transfer (const ModelDownloadOptions& o, const std::atomic<bool>& cancel) : options (o), cancelRequested (cancel) {}

    const ModelDownloadOptions& options;
    const std::atomic<bool>& cancelRequested;
    CURL* easy = nullptr;
    std::unique_ptr<juce::FileOutputStream> out;
    juce::int64 written = 0;      // bytes in the .part file
    juce::int64 cap = 0;          // largest acceptable file
    juce::int64 expectedSize = -1;

    bool bodyStarted = false;     // the final response's first body byte arrived
    bool acceptBody = false;      // its body goes into the file (200/206), not an error page
    juce::String contentRange;

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

    /** Headers count as signs of life for the stall limit; their values are read with curl's header API. */
    static size_t onHeader (char*, size_t size, size_t count, void* user)
    {
        static_cast<Transfer*> (user)->lastActivityMs = nowMs();
        return size * count;
    }

    /** Decides, at the first body byte of the final response, what to do with the body; false = abort. */
    bool startBody()
    {
        bodyStarted = true;
        long status = 0;
        curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);

        if (status == 206)
        {
            juce::int64 first = 0, declaredTotal = -1;
            contentRange = detail::responseHeader (easy, "Content-Range").value_or (juce::String());

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

            const auto length = detail::responseHeader (easy, "Content-Length").value_or (juce::String());
            total = length.isNotEmpty() && length.containsOnly ("0123456789") ? length.getLargeIntValue() : -1;
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
ModelDownloader::ModelDownloader() : runner (std::make_unique<detail::CurlTransferRunner>()) {}

ModelDownloader::~ModelDownloader() = default;

void ModelDownloader::cancel()
{
    cancelled = true;
    runner->wake();
}

void ModelDownloader::resetCancellation()
{
    cancelled = false;
}

//==============================================================================
ModelDownloadResult ModelDownloader::download (const ModelRequirement& model, const juce::File& modelsRoot,
                                               const ModelDownloadOptions& options)
{
    using namespace modeldownload;

    ModelDownloadResult result;
    const auto shown = quoted (model.folder + "/" + model.name);
    const auto url = model.url.trim();
    const auto expected = model.sha256.trim().toLowerCase();

    if (const auto refusal = refusalWithoutIo (model, modelsRoot, result); refusal.isNotEmpty())
        return failed (result, refusal);

    const auto target = result.file;

    // An existing file is never replaced: either it is the right one, or the user decides.
    if (target.exists())
        return checkExistingTarget (model, result);

    const auto partPath = target.getFullPathName() + ".part";
    const juce::File partFile (partPath);

   #if ! JUCE_WINDOWS
    if (isSymbolicLink (partPath))
        return failed (result, "refusing to download " + shown + ": " + partPath + " is a symbolic link; delete it and try again");
   #endif

    if (partFile.isDirectory())
        return failed (result, "cannot download " + shown + ": " + partPath + " is a folder");

    if (auto made = target.getParentDirectory().createDirectory(); made.failed())
        return failed (result, "cannot create " + target.getParentDirectory().getFullPathName() + " for " + shown + ": " + made.getErrorMessage());

    const auto cap = model.sizeBytes > 0 ? juce::jmin (options.maxBytes, model.sizeBytes) : options.maxBytes;

    if (partFile.getSize() > cap)
        partFile.deleteFile(); // cannot be the right file; start afresh

    // A partial file of exactly the known size needs no request: check it as it is.
    if (model.sizeBytes > 0 && partFile.getSize() == model.sizeBytes)
        return verifyAndMove (model, partFile, model.sizeBytes, result);

    Transfer transfer (options, cancelled);
    transfer.out = std::make_unique<juce::FileOutputStream> (partFile, 1 << 20);

    if (transfer.out->failedToOpen())
        return failed (result, "cannot write " + partPath + " for " + shown + ": " + transfer.out->getStatus().getErrorMessage());

    transfer.written = transfer.out->getPosition(); // the stream opens at the end of an existing file
    transfer.cap = cap;
    transfer.expectedSize = model.sizeBytes;
    return receive (model, partFile, transfer, options, result);
}

ModelDownloadResult ModelDownloader::receive (const ModelRequirement& model, const juce::File& partFile, Transfer& transfer,
                                              const ModelDownloadOptions& options, ModelDownloadResult& result)
{
    using namespace modeldownload;

    const auto resumeFrom = transfer.written;
    auto* easy = curl_easy_init();
    transfer.easy = easy;
    char errorBuffer[CURL_ERROR_SIZE] = {};
    const auto urlText = model.url.trim().toStdString();
    const auto range = std::to_string (resumeFrom) + "-";

    detail::applyCommonCurlOptions (easy, urlText.c_str(), options.connectTimeoutSeconds, nullptr);
    curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, errorBuffer);
    curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt (easy, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt (easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt (easy, CURLOPT_BUFFERSIZE, 256L * 1024L);
    curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, &Transfer::onBody);
    curl_easy_setopt (easy, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, &Transfer::onHeader);
    curl_easy_setopt (easy, CURLOPT_HEADERDATA, &transfer);

    // CURLOPT_RANGE rather than CURLOPT_RESUME_FROM_LARGE: with the latter curl itself fails
    // when a server answers 200, while we want to start over then.
    if (resumeFrom > 0)
        curl_easy_setopt (easy, CURLOPT_RANGE, range.c_str());

    // Our own stall limit rather than CURLOPT_LOW_SPEED_TIME, which counts whole seconds.
    // Before the first byte the connect timeout applies on top (curl enforces it).
    transfer.lastProgressMs = Transfer::nowMs();
    const auto outcome = runner->run (easy, cancelled, juce::jmax (1.0, options.stallTimeoutSeconds * 1000.0),
                                      juce::jmax (1.0, options.connectTimeoutSeconds * 1000.0), &transfer.lastActivityMs);
    curl_easy_cleanup (easy);
    transfer.easy = nullptr;
    transfer.cancelled = transfer.cancelled || outcome.cancelled;

    const auto flushed = transfer.out->getStatus().wasOk() && (transfer.out->flush(), transfer.out->getStatus().wasOk());
    const auto writeError = transfer.out->getStatus().getErrorMessage();
    transfer.out.reset();

    const auto received = partFile.getSize();

    if (received == 0 && ! transfer.cancelled)
        partFile.deleteFile(); // nothing arrived: leave no empty file behind

    transfer.reportProgress (true);

    const ReceiveReport report { outcome.code, outcome.inactive, outcome.statusCode, received,
                                 transfer.restarted ? (juce::int64) 0 : resumeFrom,
                                 juce::String (errorBuffer[0] != 0 ? errorBuffer : curl_easy_strerror (outcome.code)).trim(),
                                 flushed ? juce::String() : (writeError.isNotEmpty() ? writeError : juce::String ("write error")) };
    return interpret (model, partFile, transfer, report, options, result);
}

ModelDownloadResult ModelDownloader::interpret (const ModelRequirement& model, const juce::File& partFile, const Transfer& transfer,
                                                const ReceiveReport& report, const ModelDownloadOptions& options,
                                                ModelDownloadResult& result)
{
    using namespace modeldownload;

    const auto shown = quoted (model.folder + "/" + model.name);
    const auto url = model.url.trim();
    const auto partPath = partFile.getFullPathName();
    const auto received = report.received;
    const auto keptNote = received > 0 ? "; the " + describeBytes (received) + " received so far are kept in " + partPath
                                             + " and the next try resumes from there"
                                       : juce::String();

    if (transfer.cancelled)
    {
        result.cancelled = true;
        return failed (result, "the download of " + shown + " from " + url + " was cancelled" + keptNote);
    }

    if (transfer.oversize)
    {
        partFile.deleteFile();
        const auto capText = model.sizeBytes > 0 && transfer.cap == model.sizeBytes
                               ? "the expected size of " + describeBytes (transfer.cap)
                               : "the download limit of " + describeBytes (transfer.cap);
        return failed (result, "stopped downloading " + shown + " from " + url + ": the file is larger than " + capText
                                   + ". The partial download was deleted; check the manifest's URL");
    }

    if (transfer.writeFailed || report.writeError.isNotEmpty())
        return failed (result, "cannot write " + partPath + " while downloading " + shown + ": "
                                   + (report.writeError.isNotEmpty() ? report.writeError : juce::String ("write error")) + " (is the disk full?)");

    if (transfer.rangeMismatch)
    {
        partFile.deleteFile();
        return failed (result, "the server at " + url + " answered the request to resume " + shown + " with the wrong part of the file ("
                                   + quoted (transfer.contentRange) + "); the partial download was deleted, try again");
    }

    if (report.stalled)
        return failed (result, "the download of " + shown + " from " + url + " stalled: nothing arrived for "
                                   + juce::String (options.stallTimeoutSeconds, 1) + " s" + keptNote);

    if (report.code != CURLE_OK)
        return failed (result, "could not download " + shown + " from " + url + ": "
                                   + describeTransportFailure (report.code, report.curlDetail, url, options.connectTimeoutSeconds) + keptNote);

    const auto status = report.statusCode;

    if (status == 200 || status == 206)
    {
        if (transfer.total >= 0 && received != transfer.total)
            return failed (result, "the download of " + shown + " from " + url + " ended early (" + describeBytes (received) + " of "
                                       + describeBytes (transfer.total) + ")" + keptNote);

        return verifyAndMove (model, partFile, report.resumedFrom, result);
    }

    if (status == 416 && received > 0)
        return verifyAndMove (model, partFile, report.resumedFrom, result); // nothing left to fetch: the partial file may be complete

    return failed (result, "could not download " + shown + " from " + url + ": " + describeHttpStatus ((int) status) + keptNote);
}

} // namespace comfybridge
