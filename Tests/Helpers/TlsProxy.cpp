#include "TlsProxy.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace TestHelpers
{

namespace
{
    struct KeyDeleter  { void operator() (EVP_PKEY* k) const { EVP_PKEY_free (k); } };
    struct CertDeleter { void operator() (X509* c) const { X509_free (c); } };
    using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
    using Cert = std::unique_ptr<X509, CertDeleter>;

    Key makeKey()
    {
        return Key (EVP_EC_gen ("P-256"));
    }

    bool addExtension (X509* cert, X509* issuer, int nid, const char* value)
    {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb (&ctx);
        X509V3_set_ctx (&ctx, issuer, cert, nullptr, nullptr, 0);
        auto* extension = X509V3_EXT_conf_nid (nullptr, &ctx, nid, value);

        if (extension == nullptr)
            return false;

        const auto added = X509_add_ext (cert, extension, -1) == 1;
        X509_EXTENSION_free (extension);
        return added;
    }

    /** A certificate for @p subjectCN with @p key, signed by @p issuerKey (self-signed when issuer is null). */
    Cert makeCertificate (EVP_PKEY* key, const char* subjectCN, X509* issuer, EVP_PKEY* issuerKey, long serial,
                          const std::vector<std::pair<int, const char*>>& extensions)
    {
        Cert cert (X509_new());

        if (cert == nullptr || X509_set_version (cert.get(), 2) != 1)
            return {};

        ASN1_INTEGER_set (X509_get_serialNumber (cert.get()), serial);
        X509_gmtime_adj (X509_getm_notBefore (cert.get()), -3600);
        X509_gmtime_adj (X509_getm_notAfter (cert.get()), 24 * 3600);
        X509_set_pubkey (cert.get(), key);

        auto* name = X509_get_subject_name (cert.get());
        X509_NAME_add_entry_by_txt (name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*> ("ComfyBridge tests"), -1, -1, 0);
        X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*> (subjectCN), -1, -1, 0);
        X509_set_issuer_name (cert.get(), issuer != nullptr ? X509_get_subject_name (issuer) : name);

        for (const auto& [nid, value] : extensions)
            if (! addExtension (cert.get(), issuer != nullptr ? issuer : cert.get(), nid, value))
                return {};

        if (X509_sign (cert.get(), issuerKey, EVP_sha256()) == 0)
            return {};

        return cert;
    }

    bool sendAll (int fd, const char* data, size_t size)
    {
        while (size > 0)
        {
            const auto sent = ::send (fd, data, size, MSG_NOSIGNAL);

            if (sent < 0 && errno == EINTR)
                continue;

            if (sent <= 0)
                return false;

            data += sent;
            size -= (size_t) sent;
        }

        return true;
    }
}

//==============================================================================
TlsProxy::TlsProxy()
{
    if (::pipe (stopPipe) != 0)
        return;

    auto caKey = makeKey();
    auto serverKey = makeKey();

    if (caKey == nullptr || serverKey == nullptr)
        return;

    auto ca = makeCertificate (caKey.get(), "ComfyBridge Test CA", nullptr, caKey.get(), 1,
                               { { NID_basic_constraints, "critical,CA:TRUE" },
                                 { NID_key_usage, "critical,keyCertSign,cRLSign" },
                                 { NID_subject_key_identifier, "hash" } });

    if (ca == nullptr)
        return;

    auto server = makeCertificate (serverKey.get(), "127.0.0.1", ca.get(), caKey.get(), 2,
                                   { { NID_basic_constraints, "critical,CA:FALSE" },
                                     { NID_key_usage, "critical,digitalSignature" },
                                     { NID_ext_key_usage, "serverAuth" },
                                     { NID_subject_alt_name, "IP:127.0.0.1" },
                                     { NID_authority_key_identifier, "keyid:always" } });

    if (server == nullptr)
        return;

    // The CA certificate, for the client under test to trust.
    char path[] = "/tmp/comfybridge-test-ca-XXXXXX.pem";
    const int fd = ::mkstemps (path, 4);

    if (fd < 0)
        return;

    caPath = path;
    auto* file = ::fdopen (fd, "w");

    if (file == nullptr)
    {
        ::close (fd);
        return;
    }

    const auto written = PEM_write_X509 (file, ca.get()) == 1;
    std::fclose (file);

    if (! written)
        return;

    context = SSL_CTX_new (TLS_server_method());

    if (context == nullptr || SSL_CTX_use_certificate (context, server.get()) != 1
        || SSL_CTX_use_PrivateKey (context, serverKey.get()) != 1 || SSL_CTX_check_private_key (context) != 1)
        return;

    valid = true;
}

TlsProxy::~TlsProxy()
{
    stop();

    if (context != nullptr)
        SSL_CTX_free (context);

    if (! caPath.empty())
        std::remove (caPath.c_str());

    for (auto fd : stopPipe)
        if (fd >= 0)
            ::close (fd);
}

bool TlsProxy::isValid() const          { return valid; }
int TlsProxy::port() const              { return boundPort; }
std::string TlsProxy::caFile() const    { return caPath; }
int TlsProxy::acceptedConnections() const { return accepted.load(); }
int TlsProxy::completedHandshakes() const { return handshakes.load(); }

bool TlsProxy::start (int backendPort)
{
    backend = backendPort;
    silent = false;
    return valid && listen();
}

bool TlsProxy::startSilent()
{
    silent = true;
    return stopPipe[0] >= 0 && listen();
}

bool TlsProxy::listen()
{
    if (listenFd >= 0)
        return false;

    listenFd = ::socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (listenFd < 0)
        return false;

    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t length = sizeof (address);

    if (::bind (listenFd, reinterpret_cast<sockaddr*> (&address), sizeof (address)) != 0 || ::listen (listenFd, 16) != 0
        || ::getsockname (listenFd, reinterpret_cast<sockaddr*> (&address), &length) != 0)
    {
        ::close (listenFd);
        listenFd = -1;
        return false;
    }

    boundPort = ntohs (address.sin_port);
    acceptThread = std::thread ([this] { acceptLoop(); });
    return true;
}

void TlsProxy::stop()
{
    if (listenFd < 0)
        return;

    // The pipe stays readable from now on: every poll() in every thread wakes up.
    const char wake = 'x';
    [[maybe_unused]] const auto ignored = ::write (stopPipe[1], &wake, 1);

    {
        // Threads blocked inside OpenSSL or send() are released by cutting their sockets.
        std::lock_guard<std::mutex> lock (mutex);

        for (auto fd : openFds)
            ::shutdown (fd, SHUT_RDWR);
    }

    if (acceptThread.joinable())
        acceptThread.join();

    std::vector<std::thread> threads;

    {
        std::lock_guard<std::mutex> lock (mutex);
        threads.swap (connectionThreads);
    }

    for (auto& thread : threads)
        thread.join();

    ::close (listenFd);
    listenFd = -1;

    char scratch[16];
    ::fcntl (stopPipe[0], F_SETFL, O_NONBLOCK);

    while (::read (stopPipe[0], scratch, sizeof (scratch)) > 0)
    {
    }
}

void TlsProxy::track (int fd)
{
    std::lock_guard<std::mutex> lock (mutex);
    openFds.insert (fd);
}

void TlsProxy::untrackAndClose (int fd)
{
    std::lock_guard<std::mutex> lock (mutex);
    openFds.erase (fd);
    ::close (fd); // under the lock, so stop() never shuts down a reused descriptor
}

void TlsProxy::acceptLoop()
{
    for (;;)
    {
        pollfd fds[2] = { { listenFd, POLLIN, 0 }, { stopPipe[0], POLLIN, 0 } };

        if (::poll (fds, 2, -1) < 0 && errno != EINTR)
            return;

        if (fds[1].revents != 0)
            return;

        if ((fds[0].revents & POLLIN) == 0)
            continue;

        const int clientFd = ::accept4 (listenFd, nullptr, nullptr, SOCK_CLOEXEC);

        if (clientFd < 0)
            continue;

        ++accepted;
        std::lock_guard<std::mutex> lock (mutex);
        openFds.insert (clientFd);
        connectionThreads.emplace_back ([this, clientFd] { silent ? serveSilently (clientFd) : serve (clientFd); });
    }
}

void TlsProxy::serveSilently (int clientFd)
{
    char buffer[4096];

    for (;;)
    {
        pollfd fds[2] = { { clientFd, POLLIN, 0 }, { stopPipe[0], POLLIN, 0 } };

        if ((::poll (fds, 2, -1) < 0 && errno != EINTR) || fds[1].revents != 0)
            break;

        if (fds[0].revents != 0 && ::recv (clientFd, buffer, sizeof (buffer), 0) <= 0)
            break; // the client left
    }

    untrackAndClose (clientFd);
}

int TlsProxy::connectToBackend()
{
    const int fd = ::socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -1;

    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    address.sin_port = htons ((uint16_t) backend);

    if (::connect (fd, reinterpret_cast<sockaddr*> (&address), sizeof (address)) != 0)
    {
        ::close (fd);
        return -1;
    }

    return fd;
}

void TlsProxy::serve (int clientFd)
{
    // OpenSSL writes with write(), not send (MSG_NOSIGNAL): a client that hangs up must not
    // kill the test process with SIGPIPE. Blocked here, the signal stays pending on this
    // thread and is discarded when it ends.
    sigset_t pipeSignal;
    sigemptyset (&pipeSignal);
    sigaddset (&pipeSignal, SIGPIPE);
    pthread_sigmask (SIG_BLOCK, &pipeSignal, nullptr);

    // A client that never finishes its hello cannot hold the thread past stop() (shutdown)
    // nor forever (receive timeout).
    const timeval timeout { 10, 0 };
    ::setsockopt (clientFd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof (timeout));

    auto* ssl = SSL_new (context);
    int backendFd = -1;

    if (ssl != nullptr && SSL_set_fd (ssl, clientFd) == 1 && SSL_accept (ssl) == 1)
    {
        ++handshakes;
        backendFd = connectToBackend();
    }

    if (backendFd >= 0)
    {
        track (backendFd);
        const timeval forever { 0, 0 };
        ::setsockopt (clientFd, SOL_SOCKET, SO_RCVTIMEO, &forever, sizeof (forever));
        char buffer[16 * 1024];

        for (;;)
        {
            pollfd fds[3] = { { clientFd, POLLIN, 0 }, { backendFd, POLLIN, 0 }, { stopPipe[0], POLLIN, 0 } };

            // Bytes OpenSSL already decrypted do not make the socket readable: use them first.
            if (SSL_pending (ssl) > 0)
                fds[0].revents = POLLIN;
            else if (::poll (fds, 3, -1) < 0 && errno != EINTR)
                break;

            if (fds[2].revents != 0)
                break;

            if (fds[0].revents != 0)
            {
                const auto got = SSL_read (ssl, buffer, sizeof (buffer));

                if (got <= 0 || ! sendAll (backendFd, buffer, (size_t) got))
                    break;
            }

            if (fds[1].revents != 0)
            {
                const auto got = ::recv (backendFd, buffer, sizeof (buffer), 0);

                if (got <= 0 || SSL_write (ssl, buffer, (int) got) <= 0)
                    break;
            }
        }

        SSL_shutdown (ssl); // close_notify, best effort
        untrackAndClose (backendFd);
    }

    if (ssl != nullptr)
        SSL_free (ssl);

    ERR_clear_error();
    untrackAndClose (clientFd);
}

} // namespace TestHelpers
