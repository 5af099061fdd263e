#pragma once

// Internal to the module (included by comfybridge_core.cpp only): the one place where the
// module drives libcurl and waits on it. CurlHttpClient (requests with a body in memory) and
// ModelDownloader (bodies streamed to a file) both run their transfers here, so cancellation,
// deadlines, proxy rules and error classification cannot disagree between them.

#include <curl/curl.h>

namespace comfybridge::detail
{

/** One curl_global_init per process (it is not thread-safe on every libcurl build). */
void initialiseCurlOnce();

/** Options every request of ours carries: no signals, no proxy for loopback, our user agent,
    the connect deadline and, when given, a CA file for https.
*/
void applyCommonCurlOptions (CURL* easy, const char* url, double connectTimeoutSeconds, const char* caFile);

/** Maps a curl result to our error kinds; @p connected tells a connect timeout from a response timeout. */
HttpError classifyCurlResult (CURLcode code, bool connected);

/** The value of header @p name in the response being received (or the last one), via
    curl_easy_header; nullopt when it is absent. Usable inside curl's callbacks.
*/
std::optional<juce::String> responseHeader (CURL* easy, const char* name);

//==============================================================================
/**
    Runs one easy handle at a time on a multi handle so that another thread can stop it:
    cancel() wakes curl_multi_poll at once. An optional inactivity limit stops a transfer
    that receives nothing for that long (curl's own LOW_SPEED_TIME counts whole seconds).
*/
class CurlTransferRunner
{
public:
    CurlTransferRunner();
    ~CurlTransferRunner();

    /** How a run ended. */
    struct Outcome
    {
        CURLcode code = CURLE_OK; ///< curl's result when finished
        bool finished = false;    ///< curl completed (successfully or not)
        bool cancelled = false;   ///< stopped because the cancel flag was set
        bool inactive = false;    ///< stopped because nothing arrived within the inactivity limit
        long statusCode = 0;      ///< HTTP status of the last response (0 when none)
        bool connected = false;   ///< a connection was made at some point
    };

    /** Drives @p easy until it completes, @p cancelFlag becomes true, or nothing was
        received for @p inactivityLimitMs (0 = no limit) since lastActivityMs (which the
        caller's callbacks keep current; before anything arrives @p firstByteGraceMs is added).
        @p abandonFlag (may be null) is a second, per-request stop (one job's Cancel): it is
        looked at every 50 ms, as nobody wakes the runner for it. The handle stays the
        caller's to clean up.
    */
    Outcome run (CURL* easy, const std::atomic<bool>& cancelFlag,
                 double inactivityLimitMs = 0.0, double firstByteGraceMs = 0.0,
                 const double* lastActivityMs = nullptr, const std::atomic<bool>* abandonFlag = nullptr);

    /** Makes a running run() look at its cancel flag now. Any thread. */
    void wake();

private:
    CURLM* multi = nullptr;

    JUCE_DECLARE_NON_COPYABLE (CurlTransferRunner)
};

} // namespace comfybridge::detail
