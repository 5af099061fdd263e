/*
    TlsProxy — a TLS-terminating proxy on 127.0.0.1 for https/wss tests.

    Pure C++17 + POSIX sockets + OpenSSL (no JUCE), like the other servers here. On
    construction it makes a throwaway CA and a server certificate signed by it (EC P-256,
    valid for a day, subjectAltName IP:127.0.0.1) with the OpenSSL API, and writes the CA
    certificate to a temporary PEM file for the client under test to trust. start() listens
    on an ephemeral 127.0.0.1 port, completes the TLS handshake with each client and then
    forwards bytes both ways to a plaintext server (e.g. FakeComfyUI) on 127.0.0.1.

    startSilent() listens instead as a server that accepts TCP and never says a word (not
    even a TLS ServerHello): for tests of handshake timeouts and cancellation.
*/

#pragma once

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;

namespace TestHelpers
{

class TlsProxy
{
public:
    /** Makes the CA and the server certificate; check isValid(). Nothing listens yet. */
    TlsProxy();

    /** stop(), then deletes the CA file. */
    ~TlsProxy();

    TlsProxy (const TlsProxy&) = delete;
    TlsProxy& operator= (const TlsProxy&) = delete;

    /** True when the certificates were made and the CA file written. */
    bool isValid() const;

    /** Listens on 127.0.0.1 (ephemeral port) and forwards every TLS connection to
        127.0.0.1:@p backendPort in plain text. False if binding failed.
    */
    bool start (int backendPort);

    /** Listens on 127.0.0.1 and accepts connections, then never answers (reads and drops). */
    bool startSilent();

    /** Stops listening, cuts every connection and joins the threads. Idempotent. */
    void stop();

    /** The listening port (0 before start()). */
    int port() const;

    /** Path of the PEM file holding the test CA's certificate (what a client must trust). */
    std::string caFile() const;

    /** Connections accepted so far. */
    int acceptedConnections() const;

    /** TLS handshakes that completed (the client trusted the certificate). */
    int completedHandshakes() const;

private:
    bool listen();
    void acceptLoop();
    void serve (int clientFd);
    void serveSilently (int clientFd);
    int connectToBackend();
    void track (int fd);
    void untrackAndClose (int fd);

    SSL_CTX* context = nullptr;
    std::string caPath;
    bool valid = false;
    bool silent = false;
    int backend = 0;
    int listenFd = -1;
    int boundPort = 0;
    int stopPipe[2] = { -1, -1 };
    std::atomic<int> accepted { 0 }, handshakes { 0 };

    std::thread acceptThread;
    std::mutex mutex;              // guards the two members below
    std::vector<std::thread> connectionThreads;
    std::set<int> openFds;         // sockets the connection threads use: stop() shuts them down
};

} // namespace TestHelpers
