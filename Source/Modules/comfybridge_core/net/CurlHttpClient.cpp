namespace comfybridge
{

juce::String toString (HttpError error)
{
    switch (error)
    {
        case HttpError::none:            return "none";
        case HttpError::refused:         return "connection refused";
        case HttpError::connectTimeout:  return "connect timed out";
        case HttpError::responseTimeout: return "response timed out";
        case HttpError::dnsFailure:      return "host name does not resolve";
        case HttpError::bodyTooLarge:    return "response too large";
        case HttpError::cancelled:       return "cancelled";
        case HttpError::tls:             return "TLS error";
        case HttpError::connectionLost:  return "connection lost";
        case HttpError::protocol:        return "not HTTP";
        case HttpError::other:           return "network error";
    }

    return "network error";
}

namespace
{
    void initialiseCurlOnce()
    {
        // curl_global_init is not guaranteed thread-safe on every libcurl build.
        static std::once_flag once;
        std::call_once (once, [] { curl_global_init (CURL_GLOBAL_DEFAULT); });
    }

    /** Collects the response while enforcing the body cap. */
    struct Transfer
    {
        HttpResponse response;
        size_t maxBodyBytes = 0;
        bool bodyTooLarge = false;

        static size_t onBody (char* data, size_t size, size_t count, void* user)
        {
            auto& self = *static_cast<Transfer*> (user);
            const auto bytes = size * count;

            if (self.response.body.size() + bytes > self.maxBodyBytes)
            {
                self.bodyTooLarge = true;
                return 0; // makes curl stop with CURLE_WRITE_ERROR
            }

            self.response.body.append (data, bytes);
            return bytes;
        }

        static size_t onHeader (char* data, size_t size, size_t count, void* user)
        {
            auto& self = *static_cast<Transfer*> (user);
            const auto bytes = size * count;
            const juce::String line (juce::CharPointer_UTF8 (data), juce::CharPointer_UTF8 (data + bytes));

            if (line.startsWith ("HTTP/"))
                self.response.headers.clear(); // a new response (e.g. after 100 Continue)
            else if (line.containsChar (':'))
                self.response.headers.set (line.upToFirstOccurrenceOf (":", false, false).trim().toLowerCase(),
                                           line.fromFirstOccurrenceOf (":", false, false).trim());
            return bytes;
        }
    };

    HttpError classify (CURLcode code, bool connected)
    {
        switch (code)
        {
            case CURLE_OK:                   return HttpError::none;
            case CURLE_COULDNT_CONNECT:      return HttpError::refused;
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
}

CurlHttpClient::CurlHttpClient()
{
    initialiseCurlOnce();
    multi = curl_multi_init();
}

CurlHttpClient::~CurlHttpClient()
{
    curl_multi_cleanup (static_cast<CURLM*> (multi));
}

void CurlHttpClient::cancel()
{
    cancelled = true;
    // Wakes a perform() sleeping in curl_multi_poll; documented as thread-safe.
    curl_multi_wakeup (static_cast<CURLM*> (multi));
}

void CurlHttpClient::resetCancellation()
{
    cancelled = false;
}

HttpResponse CurlHttpClient::perform (const HttpRequest& request)
{
    const auto start = juce::Time::getMillisecondCounterHiRes();
    Transfer transfer;
    transfer.maxBodyBytes = request.maxBodyBytes;

    if (cancelled)
    {
        transfer.response.error = HttpError::cancelled;
        transfer.response.errorText = "cancelled";
        return transfer.response;
    }

    auto* easy = curl_easy_init();
    auto* multiHandle = static_cast<CURLM*> (multi);

    const auto url = request.url.toStdString();
    const auto timeoutMs = (long) juce::jmax (1.0, request.timeoutSeconds * 1000.0);
    const auto connectMs = (long) juce::jmax (1.0, juce::jmin (request.connectTimeoutSeconds, request.timeoutSeconds) * 1000.0);

    curl_easy_setopt (easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, timeoutMs);
    curl_easy_setopt (easy, CURLOPT_CONNECTTIMEOUT_MS, connectMs);
    curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt (easy, CURLOPT_ACCEPT_ENCODING, ""); // gzip when ComfyUI compresses
    // A proxy between us and a local ComfyUI only adds ways to fail.
    curl_easy_setopt (easy, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
    curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, &Transfer::onBody);
    curl_easy_setopt (easy, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, &Transfer::onHeader);
    curl_easy_setopt (easy, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt (easy, CURLOPT_USERAGENT, "ComfyBridge/0.1");

    // A private CA (e.g. a reverse proxy's own) replaces the system bundle; verification stays on.
    const auto caFile = request.caFile.toStdString();

    if (! caFile.empty())
        curl_easy_setopt (easy, CURLOPT_CAINFO, caFile.c_str());

    if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH" || ! request.body.empty())
    {
        curl_easy_setopt (easy, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) request.body.size());
    }

    if (request.method == "HEAD")
        curl_easy_setopt (easy, CURLOPT_NOBODY, 1L);
    else if (request.method != "GET" && request.method != "POST")
        curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, request.method.toRawUTF8());

    curl_slist* headers = nullptr;
    headers = curl_slist_append (headers, "Expect:"); // no 100-continue round trip

    for (const auto& name : request.headers.getAllKeys())
        headers = curl_slist_append (headers, (name + ": " + request.headers[name]).toRawUTF8());

    curl_easy_setopt (easy, CURLOPT_HTTPHEADER, headers);
    curl_multi_add_handle (multiHandle, easy);

    CURLcode result = CURLE_OK;
    bool finished = false;

    while (! finished)
    {
        if (cancelled || (request.abandon != nullptr && request.abandon->load()))
            break;

        int running = 0;
        curl_multi_perform (multiHandle, &running);

        int queued = 0;
        while (auto* message = curl_multi_info_read (multiHandle, &queued))
        {
            if (message->msg == CURLMSG_DONE && message->easy_handle == easy)
            {
                result = message->data.result;
                finished = true;
            }
        }

        if (! finished)
            curl_multi_poll (multiHandle, nullptr, 0, request.abandon != nullptr ? 50 : 1000, nullptr);
    }

    long status = 0;
    curl_easy_getinfo (easy, CURLINFO_RESPONSE_CODE, &status);
    curl_off_t connectTime = 0;
    curl_easy_getinfo (easy, CURLINFO_CONNECT_TIME_T, &connectTime);

    auto& response = transfer.response;

    if (! finished)
    {
        response.error = HttpError::cancelled;
        response.errorText = "cancelled";
    }
    else if (transfer.bodyTooLarge)
    {
        response.error = HttpError::bodyTooLarge;
        response.errorText = "response body larger than " + juce::String ((juce::int64) request.maxBodyBytes) + " bytes";
    }
    else
    {
        response.error = classify (result, connectTime > 0);
        response.errorText = result == CURLE_OK ? juce::String() : juce::String (curl_easy_strerror (result));
    }

    if (response.error == HttpError::none)
        response.statusCode = (int) status;
    else
        response.body.clear();

    curl_multi_remove_handle (multiHandle, easy);
    curl_easy_cleanup (easy);
    curl_slist_free_all (headers);

    response.elapsedSeconds = (juce::Time::getMillisecondCounterHiRes() - start) / 1000.0;
    return response;
}

} // namespace comfybridge
