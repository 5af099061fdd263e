#include <cerrno>
#include <cstring>

#include <openssl/x509.h>

namespace comfybridge::detail
{

CurlSocketTransport::CurlSocketTransport()
{
    initialiseCurlOnce();
}

CurlSocketTransport::~CurlSocketTransport()
{
    if (attached)
        curl_multi_remove_handle (multi, easy); // closes a CONNECT_ONLY connection

    if (easy != nullptr)
        curl_easy_cleanup (easy);

    if (multi != nullptr)
        curl_multi_cleanup (multi);
}

juce::Result CurlSocketTransport::connect (const SocketTarget& newTarget, const std::atomic<bool>& cancelled,
                                           int cancelDescriptor)
{
    target = newTarget;
    easy = curl_easy_init();
    multi = curl_multi_init();

    if (easy == nullptr || multi == nullptr)
        return juce::Result::fail ("cannot set up libcurl for the live channel");

    applyCommonCurlOptions (easy, target.curlUrl.toRawUTF8(), target.timeoutSeconds, target.caFile.toRawUTF8());
    curl_easy_setopt (easy, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt (easy, CURLOPT_HTTPPROXYTUNNEL, 1L); // through a proxy: CONNECT, then our upgrade request
    curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, curlError);
   #if LIBCURL_VERSION_NUM >= 0x075700
    curl_easy_setopt (easy, CURLOPT_QUICK_EXIT, 1L); // cancel never waits for a name lookup thread to finish
   #endif

    attached = curl_multi_add_handle (multi, easy) == CURLM_OK;

    if (! attached)
        return juce::Result::fail ("cannot set up libcurl for the live channel");

    CURLcode code = CURLE_OK;

    if (! driveConnect (cancelled, cancelDescriptor, code))
        return juce::Result::fail ("cancelled");

    if (code != CURLE_OK)
        return juce::Result::fail (describeFailure (code));

    if (curl_easy_getinfo (easy, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK || socket == CURL_SOCKET_BAD)
        return juce::Result::fail ("libcurl connected to " + target.where + " but gave no socket");

    return juce::Result::ok();
}

bool CurlSocketTransport::driveConnect (const std::atomic<bool>& cancelled, int cancelDescriptor, CURLcode& code)
{
    // curl enforces the deadline (CURLOPT_CONNECTTIMEOUT_MS); the cancel descriptor
    // sits in the same poll, so cancel() is seen at once in every phase.
    for (;;)
    {
        if (cancelled)
            return false;

        int running = 0;
        curl_multi_perform (multi, &running);

        int queued = 0;

        while (auto* message = curl_multi_info_read (multi, &queued))
        {
            if (message->msg == CURLMSG_DONE && message->easy_handle == easy)
            {
                code = message->data.result;
                return true;
            }
        }

        curl_waitfd cancelWait { (curl_socket_t) cancelDescriptor, CURL_WAIT_POLLIN, 0 };
        curl_multi_poll (multi, &cancelWait, cancelDescriptor >= 0 ? 1u : 0u, 1000, nullptr);
    }
}

juce::String CurlSocketTransport::describeFailure (CURLcode code) const
{
    curl_off_t connectTime = 0;
    curl_easy_getinfo (easy, CURLINFO_CONNECT_TIME_T, &connectTime);
    const auto kind = classifyCurlResult (code, connectTime > 0);
    const auto detail = juce::String (curlError[0] != 0 ? curlError : curl_easy_strerror (code));

    switch (kind)
    {
        case HttpError::dnsFailure:
            return code == CURLE_COULDNT_RESOLVE_HOST ? "the host name \"" + target.host + "\" does not resolve"
                                                      : "the proxy's host name does not resolve: " + detail;

        case HttpError::refused:
        {
            long osErrno = 0;
            curl_easy_getinfo (easy, CURLINFO_OS_ERRNO, &osErrno);

            if (osErrno == ECONNREFUSED || osErrno == 0)
                return "connection refused by " + target.where + " (is ComfyUI running?)";

            return "cannot connect to " + target.where + ": " + juce::String (std::strerror ((int) osErrno));
        }

        case HttpError::connectTimeout:
        case HttpError::responseTimeout:
            if (detail.startsWith ("Resolving timed out"))
                return "timed out resolving \"" + target.host + "\"";

            if (target.secure && (kind == HttpError::responseTimeout || detail.containsIgnoreCase ("SSL")))
                return "timed out in the TLS handshake with " + target.where + " (is it serving https/wss on this port?)";

            return "timed out connecting to " + target.where;

        case HttpError::tls:
            return describeTlsFailure (code);

        default:
            return "cannot connect to " + target.where + ": " + detail;
    }
}

juce::String CurlSocketTransport::describeTlsFailure (CURLcode code) const
{
    const auto detail = juce::String (curlError[0] != 0 ? curlError : curl_easy_strerror (code));

    if (code == CURLE_SSL_CACERT_BADFILE)
        return "certificate problem: cannot read CA certificates from \"" + target.caFile + "\" (" + detail + ")";

    if (code == CURLE_PEER_FAILED_VERIFICATION)
    {
        long verify = 0;
        curl_easy_getinfo (easy, CURLINFO_SSL_VERIFYRESULT, &verify);

        // OpenSSL's own reason ("unable to get local issuer certificate", ...); when the
        // chain is fine, curl's host name check refused the certificate (OpenSSL then
        // reports X509_V_OK or, with OpenSSL 3, X509_V_ERR_UNSPECIFIED).
        if (verify != X509_V_OK && verify != X509_V_ERR_UNSPECIFIED)
            return "certificate problem: " + juce::String (X509_verify_cert_error_string (verify));

        if (detail.containsIgnoreCase ("host name") || detail.containsIgnoreCase ("subject name"))
            return "certificate problem: hostname mismatch (" + detail + ")";

        return "certificate problem: " + detail;
    }

    if (detail.containsIgnoreCase ("wrong version number"))
        return "TLS handshake failed: " + detail + " (is it serving plain http/ws on this port?)";

    if (detail.containsIgnoreCase ("unexpected eof") || detail.containsIgnoreCase ("SSL_ERROR_SYSCALL"))
        return "TLS handshake failed: the server closed the connection (is it serving https/wss on this port?)";

    return "TLS handshake failed: " + detail + " (" + target.where + ")";
}

//==============================================================================
CurlSocketTransport::Status CurlSocketTransport::read (char* dest, size_t size, size_t& got)
{
    const auto code = curl_easy_recv (easy, dest, size, &got);

    if (code == CURLE_OK)
        return got > 0 ? Status::done : Status::closed;

    return code == CURLE_AGAIN ? Status::wantRead : ioFailure (code);
}

CurlSocketTransport::Status CurlSocketTransport::write (const char* source, size_t size, size_t& sent)
{
    const auto code = curl_easy_send (easy, source, size, &sent);

    if (code == CURLE_OK)
        return sent > 0 || size == 0 ? Status::done : Status::wantWrite;

    return code == CURLE_AGAIN ? Status::wantWrite : ioFailure (code);
}

CurlSocketTransport::Status CurlSocketTransport::ioFailure (CURLcode code)
{
    errorText = curlError[0] != 0 ? juce::String (curlError) : juce::String (curl_easy_strerror (code));
    curlError[0] = 0;

    // A TLS server that drops TCP without close_notify has simply closed, as over ws://.
    if (target.secure && code == CURLE_RECV_ERROR && errorText.containsIgnoreCase ("unexpected eof"))
        return Status::closed;

    return Status::failed;
}

} // namespace comfybridge::detail
