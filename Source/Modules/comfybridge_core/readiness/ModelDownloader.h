#pragma once

namespace comfybridge
{

namespace detail { class CurlTransferRunner; }

//==============================================================================
/** Limits and callbacks for one ModelDownloader::download() call. */
struct ModelDownloadOptions
{
    /** Seconds to wait for a TCP (and TLS) connection to the server, redirects included. */
    double connectTimeoutSeconds = 15.0;

    /** Seconds without a single byte after which the download counts as stalled: it
        stops with an error and the partial file is kept, so the next try resumes.
    */
    double stallTimeoutSeconds = 30.0;

    /** Hard cap on the file size; the model's sizeBytes, when known, caps it further.
        A download that grows past the cap stops at once and its partial file is deleted.
    */
    juce::int64 maxBytes = 32LL << 30;

    /** Called on the downloading thread, at most about ten times a second and once at the
        end, with the bytes in the partial file so far and the full size (-1 when unknown).
        Must not block.
    */
    std::function<void (juce::int64 received, juce::int64 total)> onProgress;
};

/** What one ModelDownloader::download() call did. */
struct ModelDownloadResult
{
    bool ok = false;             ///< true when the verified file is at `file`
    juce::String error;          ///< empty when ok; otherwise words a user can act on, naming the file and the URL
    juce::File file;             ///< the target path (also set on most errors, once it is known to be safe)
    juce::int64 bytes = 0;       ///< final size on success
    juce::int64 resumedFrom = 0; ///< bytes reused from an earlier partial file (0 when it started afresh)
    bool alreadyPresent = false; ///< the target already existed with the right hash: nothing was downloaded
    bool cancelled = false;      ///< stopped by cancel(); the partial file is kept
};

//==============================================================================
/**
    Downloads one model file named by the workflow manifest into a ComfyUI models folder:
    resumable, size-limited, hash-verified, and never writing outside that folder.

    - Refuses a requirement without an http(s) URL or without a SHA-256.
    - Writes to "<target>.part" and resumes an existing one with "Range: bytes=N-": a 206
      appends, a 200 (a server that ignores ranges) starts over, a 416 means the partial file
      may already be complete and it is verified as it is.
    - The complete file is hash-checked before it is renamed into place, so the target name
      never holds a broken file; a mismatching download is deleted. An existing target is
      never overwritten: with the right hash the result says alreadyPresent, with a wrong one
      it is left alone and reported.
    - Follows up to 5 redirects, http and https only; curl's certificate checks stay on.

    download() blocks the calling thread (a worker thread, never the message or audio
    thread); cancel() may be called from any thread and makes it return within about 100 ms.
    One downloader runs one download at a time.
*/
class ModelDownloader
{
public:
    /** Creates an idle downloader (no I/O). */
    ModelDownloader();

    /** Must not be destroyed while download() runs: cancel() and wait for it first. */
    ~ModelDownloader();

    /** Downloads `model` to <modelsRoot>/<model.folder>/<model.name>, blocking until it is
        done, failed, stalled or cancelled. The models folder itself must exist; sub-folders
        inside it are created as needed.
    */
    ModelDownloadResult download (const ModelRequirement& model, const juce::File& modelsRoot,
                                  const ModelDownloadOptions& options);

    /** Stops a running download (and refuses further ones until resetCancellation()).
        Safe to call from any thread; the partial file is kept for a later resume.
    */
    void cancel();

    /** Allows downloads again after cancel(). */
    void resetCancellation();

    /** True between cancel() and resetCancellation(). */
    bool isCancelled() const noexcept { return cancelled.load(); }

    /** <modelsRoot>/<folder>/<name>, or a message saying why that path is refused.

        folder must be one plain segment (letters, digits, '_', '-', '.'; not "." or "..").
        name may contain '/'-separated sub-folders ("SD1.5/x.safetensors"), but no segment may
        be empty, ".", "..", or contain '\\', ':' or control characters, and it must not be
        absolute. The resolved path, following any symbolic links that already exist on the
        way, must lie inside modelsRoot. Nothing is created or written.
    */
    static std::variant<juce::File, juce::String> resolveTarget (const juce::File& modelsRoot,
                                                                 const juce::String& folder,
                                                                 const juce::String& name);

private:
    struct Transfer;
    struct ReceiveReport;

    // ModelDownloader.cpp: the HTTP side
    ModelDownloadResult receive (const ModelRequirement&, const juce::File& partFile, Transfer&,
                                 const ModelDownloadOptions&, ModelDownloadResult&);
    ModelDownloadResult interpret (const ModelRequirement&, const juce::File& partFile, const Transfer&,
                                   const ReceiveReport&, const ModelDownloadOptions&, ModelDownloadResult&);

    // ModelFileStore.cpp: the file-system side
    juce::String refusalWithoutIo (const ModelRequirement&, const juce::File& modelsRoot, ModelDownloadResult&) const;
    ModelDownloadResult checkExistingTarget (const ModelRequirement&, ModelDownloadResult&);
    ModelDownloadResult verifyAndMove (const ModelRequirement&, const juce::File& partFile, juce::int64 resumedFrom, ModelDownloadResult&);
    static ModelDownloadResult failed (ModelDownloadResult&, const juce::String& message);

    std::atomic<bool> cancelled { false };
    std::unique_ptr<detail::CurlTransferRunner> runner; // net/CurlTransfer.h, shared with CurlHttpClient

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (ModelDownloader)
};

//==============================================================================
/** The SHA-256 of a file's content as 64 lower-case hex digits, or an empty string when the
    file cannot be read. Streams the file (constant memory, any size); uses OpenSSL's SHA-256.
*/
juce::String sha256OfFile (const juce::File& file);

/** The SHA-256 of a block of memory as 64 lower-case hex digits (same implementation as sha256OfFile). */
juce::String sha256OfMemory (const void* data, size_t numBytes);

} // namespace comfybridge
