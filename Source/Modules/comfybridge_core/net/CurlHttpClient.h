#pragma once

namespace comfybridge
{

namespace detail { class CurlTransferRunner; }

//==============================================================================
/**
    HttpClient on libcurl's multi interface.

    Chosen over juce::URL because the manager needs what JUCE's curl backend
    does not give (see debian-juce-notes): a real overall deadline in
    milliseconds (CURLOPT_TIMEOUT_MS), a body cap enforced while reading, and
    prompt cancellation from another thread: curl_multi_poll() sleeps until
    curl_multi_wakeup(), so cancel() ends even a hanging connect in well under
    a millisecond of waiting.

    One instance serves one worker thread at a time.
*/
class CurlHttpClient : public HttpClient
{
public:
    CurlHttpClient();
    ~CurlHttpClient() override;

    HttpResponse perform (const HttpRequest& request) override;
    void cancel() override;
    void resetCancellation() override;
    bool isCancelled() const override { return cancelled.load(); }

private:
    std::unique_ptr<detail::CurlTransferRunner> runner; // net/CurlTransfer.h: keeps curl out of this header
    std::atomic<bool> cancelled { false };

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (CurlHttpClient)
};

} // namespace comfybridge
