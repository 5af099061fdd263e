namespace comfybridge::detail
{

void initialiseCurlOnce()
{
    static std::once_flag once;
    std::call_once (once, [] { curl_global_init (CURL_GLOBAL_DEFAULT); });
}

void applyCommonCurlOptions (CURL* easy, const char* url, double connectTimeoutSeconds, const char* caFile)
{
    curl_easy_setopt (easy, CURLOPT_URL, url);
    curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS, (long) juce::jmax (1.0, connectTimeoutSeconds * 1000.0));
    curl_easy_setopt (easy, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    curl_easy_setopt (easy, CURLOPT_USERAGENT, "ComfyBridge/0.1");

    if (caFile != nullptr && *caFile != 0)
        curl_easy_setopt (easy, CURLOPT_CAINFO, caFile);
}

HttpError classifyCurlResult (CURLcode code, bool connected)
{
    switch (code)
    {
        case CURLE_OK:                   return HttpError::none;
        case CURLE_COULDNT_CONNECT:      return HttpError::refused;
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_RESOLVE_HOST: return HttpError::dnsFailure;
        case CURLE_OPERATION_TIMEDOUT:   return connected ? HttpError::responseTimeout : HttpError::connectTimeout;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:     return HttpError::tls;
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:           return HttpError::connectionLost;
        case CURLE_WEIRD_SERVER_REPLY:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_HTTP2:
        case CURLE_BAD_CONTENT_ENCODING: return HttpError::protocol;
        default:                         return HttpError::other;
    }
}

std::optional<juce::String> responseHeader (CURL* easy, const char* name)
{
    curl_header* header = nullptr;

    if (curl_easy_header (easy, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK || header == nullptr)
        return std::nullopt;

    return juce::String (juce::CharPointer_UTF8 (header->value)).trim();
}

//==============================================================================
CurlTransferRunner::CurlTransferRunner()
{
    initialiseCurlOnce();
    multi = curl_multi_init();
}

CurlTransferRunner::~CurlTransferRunner()
{
    curl_multi_cleanup (multi);
}

void CurlTransferRunner::wake()
{
    curl_multi_wakeup (multi); // documented as thread-safe
}

CurlTransferRunner::Outcome CurlTransferRunner::run (CURL* easy, const std::atomic<bool>& cancelFlag,
                                                     double inactivityLimitMs, double firstByteGraceMs,
                                                     const double* lastActivityMs, const std::atomic<bool>* abandonFlag)
{
    Outcome outcome;
    const auto startMs = juce::Time::getMillisecondCounterHiRes();
    curl_multi_add_handle (multi, easy);

    while (! outcome.finished)
    {
        if (cancelFlag.load() || (abandonFlag != nullptr && abandonFlag->load()))
        {
            outcome.cancelled = true;
            break;
        }

        int running = 0;
        curl_multi_perform (multi, &running);

        int queued = 0;
        while (auto* message = curl_multi_info_read (multi, &queued))
        {
            if (message->msg == CURLMSG_DONE && message->easy_handle == easy)
            {
                outcome.code = message->data.result;
                outcome.finished = true;
            }
        }

        if (outcome.finished)
            break;

        int waitMs = abandonFlag != nullptr ? 50 : 1000;

        if (inactivityLimitMs > 0.0 && lastActivityMs != nullptr)
        {
            const auto last = *lastActivityMs;
            const auto limit = last <= startMs ? inactivityLimitMs + firstByteGraceMs : inactivityLimitMs;
            const auto quietFor = juce::Time::getMillisecondCounterHiRes() - juce::jmax (last, startMs);

            if (quietFor >= limit)
            {
                outcome.inactive = true;
                break;
            }

            waitMs = juce::jmin (waitMs, (int) juce::jlimit (1.0, 100.0, limit - quietFor));
        }

        curl_multi_poll (multi, nullptr, 0, waitMs, nullptr);
    }

    curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &outcome.statusCode);
    curl_off_t connectTime = 0;
    curl_easy_getinfo (easy, CURLINFO_CONNECT_TIME_T, &connectTime);
    outcome.connected = connectTime > 0;
    curl_multi_remove_handle (multi, easy);
    return outcome;
}

} // namespace comfybridge::detail
