/*
    DownloadServer — a local file server for download tests and benchmarks.

    Pure C++17 on TestHttpServer (no JUCE); binds 127.0.0.1 on an ephemeral port. It serves
    one deterministic generated blob (never held in memory whole, so it can be gigabytes)
    and can misbehave in the ways real model hosts do: ignore Range, cut or stall mid-body,
    send the wrong bytes or too many, fail with an HTTP status, redirect.
*/

#pragma once

#include "TestHttpServer.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace TestHelpers
{

//==============================================================================
/**
    Serves a generated blob at /files/<any name>:

    - GET with "Range: bytes=N-" (or N-M) → 206 with Content-Range; N at or past the end → 416.
    - /redirect/<hops>/files/<name> → 302 chains ending at /files/<name> (absolute Location).
    - /redirect-ftp/<name> → 302 to an ftp:// address on 127.0.0.1 (which must not be followed).
    - any other path → 404.

    setMode() picks how /files answers. The "...Once" modes misbehave on the next /files
    request only and then serve normally, so a test can check that a retry resumes.

    Every request is recorded (by TestHttpServer) before it is answered; served() adds what
    the server did with each /files request, including how many body bytes it produced.
*/
class DownloadServer
{
public:
    /** How /files/... requests are answered. */
    enum class Mode
    {
        normal,           /**< 200, or 206 for a Range request. */
        ignoreRange,      /**< Always 200 with the whole blob, whatever Range says. */
        cutOnce,          /**< Sends `parameter` body bytes, then closes the connection (once). */
        stallOnce,        /**< Sends `parameter` body bytes, then holds the socket open silently (once). */
        stallAlways,      /**< As stallOnce, on every request. */
        wrongContent,     /**< Same size and Range support, but one byte in the middle differs. */
        oversize,         /**< 200 with `parameter` extra bytes after the blob and no Content-Length. */
        oversizeDeclared, /**< 200 with `parameter` extra bytes, declared in Content-Length. */
        httpError         /**< Answers with status `parameter` (e.g. 404, 403, 500) and a short text body. */
    };

    /** What the server did with one /files request. */
    struct Served
    {
        std::string path;           /**< Request path as sent. */
        std::string range;          /**< The Range header, "" if none. */
        int status = 0;             /**< Status it answered with. */
        std::uint64_t firstByte = 0;  /**< Offset in the blob of the first body byte sent. */
        std::uint64_t bodyBytes = 0;  /**< Body bytes produced for the client so far. */
    };

    /** A stopped server for a blob of `blobSize` bytes. */
    explicit DownloadServer (std::uint64_t blobSize = 4u << 20);

    /** Stops the server. */
    ~DownloadServer();

    DownloadServer (const DownloadServer&) = delete;
    DownloadServer& operator= (const DownloadServer&) = delete;

    //==============================================================================
    /** Starts listening on 127.0.0.1 with an ephemeral port. */
    bool start();

    /** Stops, closing open (e.g. stalled) connections. */
    void stop();

    /** "http://127.0.0.1:PORT". */
    std::string baseUrl() const;

    /** The blob's URL under a file name, e.g. http://127.0.0.1:PORT/files/model.safetensors. */
    std::string url (const std::string& name = "model.safetensors") const;

    /** A URL that redirects `hops` times before reaching url(name). */
    std::string redirectUrl (const std::string& name = "model.safetensors", int hops = 1) const;

    /** A URL that redirects to an ftp:// address. */
    std::string ftpRedirectUrl (const std::string& name = "model.safetensors") const;

    //==============================================================================
    /** Sets how /files answers from now on; see Mode for what `parameter` means. */
    void setMode (Mode newMode, std::uint64_t parameter = 0);

    /** Blob size in bytes. */
    std::uint64_t size() const noexcept { return blobSize; }

    /** The byte at `offset` of the blob (the same for every server of any size). */
    static char byteAt (std::uint64_t offset);

    /** Fills `dest` with blob bytes [offset, offset + count). */
    static void fill (std::uint64_t offset, char* dest, std::size_t count);

    /** The first `count` bytes of the blob (the whole blob by default) as a string. */
    std::string content (std::uint64_t count = UINT64_MAX) const;

    //==============================================================================
    /** Every /files request so far, oldest first. */
    std::vector<Served> served() const;

    /** Sum of bodyBytes over served(). */
    std::uint64_t totalBodyBytes() const;

    /** Number of requests of any kind so far. */
    std::size_t requestCount() const;

    /** Every request so far (method, path, headers), oldest first. */
    std::vector<Request> requests() const;

    /** Blocks until a stall mode has sent its bytes and gone quiet, or the timeout passes. */
    bool waitForStall (int timeoutMs) const;

    /** The underlying HTTP server. */
    TestHttpServer& http() noexcept { return server; }

private:
    struct Record
    {
        Served info;
        std::shared_ptr<std::atomic<std::uint64_t>> bytes = std::make_shared<std::atomic<std::uint64_t>> (0);
    };

    Response handle (const Request& request);
    Response serveFile (const Request& request);
    Response partialThenHold (const Request& request, std::uint64_t first, std::uint64_t length, int status,
                              std::uint64_t sendBytes, bool hold, std::shared_ptr<std::atomic<std::uint64_t>> counter);

    const std::uint64_t blobSize;
    TestHttpServer server;

    mutable std::mutex mutex;
    mutable std::condition_variable stallChanged;
    Mode mode = Mode::normal;
    std::uint64_t parameter = 0;
    int stallsStarted = 0;
    std::vector<Record> records;
};

} // namespace TestHelpers
