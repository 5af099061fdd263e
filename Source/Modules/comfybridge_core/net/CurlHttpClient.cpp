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
    /** Collects the response body while enforcing the body cap. */
    struct BodySink
    {
        std::string& body;
        size_t maxBodyBytes = 0;
        bool tooLarge = false;

        static size_t onBody (char* data, size_t size, size_t count, void* user)
        {
            auto& self = *static_cast<BodySink*> (user);
            const auto bytes = size * count;

            if (self.body.size() + bytes > self.maxBodyBytes)
            {
                self.tooLarge = true;
                return 0; // makes curl stop with CURLE_WRITE_ERROR
            }

            self.body.append (data, bytes);
            return bytes;
        }
    };

    /** The last response's headers (names in lower case), read with curl's header API. */
    juce::StringPairArray readResponseHeaders (CURL* easy)
    {
        juce::StringPairArray headers;

        for (curl_header* header = nullptr; (header = curl_easy_nextheader (easy, CURLH_HEADER, -1, header)) != nullptr;)
            headers.set (juce::String (juce::CharPointer_UTF8 (header->name)).toLowerCase(),
                         juce::String (juce::CharPointer_UTF8 (header->value)).trim());

        return headers;
    }
}

CurlHttpClient::CurlHttpClient() : runner (std::make_unique<detail::CurlTransferRunner>()) {}

CurlHttpClient::~CurlHttpClient() = default;

void CurlHttpClient::cancel()
{
    cancelled = true;
    runner->wake(); // a perform() sleeping in curl_multi_poll returns at once
}

void CurlHttpClient::resetCancellation()
{
    cancelled = false;
}

HttpResponse CurlHttpClient::perform (const HttpRequest& request)
{
    const auto start = juce::Time::getMillisecondCounterHiRes();
    HttpResponse response;

    if (cancelled)
    {
        response.error = HttpError::cancelled;
        response.errorText = "cancelled";
        return response;
    }

    auto* easy = curl_easy_init();
    BodySink sink { response.body, request.maxBodyBytes };
    const auto url = request.url.toStdString();
    const auto caFile = request.caFile.toStdString();
    const auto timeoutMs = (long) juce::jmax (1.0, request.timeoutSeconds * 1000.0);

    detail::applyCommonCurlOptions (easy, url.c_str(), juce::jmin (request.connectTimeoutSeconds, request.timeoutSeconds), caFile.c_str());
    curl_easy_setopt (easy, CURLOPT_TIMEOUT_MS, timeoutMs);
    curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt (easy, CURLOPT_ACCEPT_ENCODING, ""); // gzip when ComfyUI compresses
    curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, &BodySink::onBody);
    curl_easy_setopt (easy, CURLOPT_WRITEDATA, &sink);

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

    const auto outcome = runner->run (easy, cancelled, 0.0, 0.0, nullptr, request.abandon);

    if (! outcome.finished)
    {
        response.error = HttpError::cancelled;
        response.errorText = "cancelled";
    }
    else if (sink.tooLarge)
    {
        response.error = HttpError::bodyTooLarge;
        response.errorText = "response body larger than " + juce::String ((juce::int64) request.maxBodyBytes) + " bytes";
    }
    else
    {
        response.error = detail::classifyCurlResult (outcome.code, outcome.connected);
        response.errorText = outcome.code == CURLE_OK ? juce::String() : juce::String (curl_easy_strerror (outcome.code));
    }

    if (response.error == HttpError::none)
    {
        response.statusCode = (int) outcome.statusCode;
        response.headers = readResponseHeaders (easy);
    }
    else
    {
        response.body.clear();
    }

    curl_easy_cleanup (easy);
    curl_slist_free_all (headers);

    response.elapsedSeconds = (juce::Time::getMillisecondCounterHiRes() - start) / 1000.0;
    return response;
}

} // namespace comfybridge
