/*
    MisbehavingServers — local endpoints that fail in the ways real networks and wrong
    servers do, for testing the client's timeouts and error handling. All bind 127.0.0.1
    on an ephemeral port.

    "localhost resolves to ::1 first while only IPv4 listens": every server here (and
    TestHttpServer/FakeComfyUI) binds 127.0.0.1 only, so nothing listens on ::1 and a
    client connecting to localhost:PORT gets ECONNREFUSED on ::1 before trying 127.0.0.1.
*/

#pragma once

#include "TestHttpServer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace TestHelpers
{

/** A 127.0.0.1 port nothing listens on: connecting gets ECONNREFUSED at once
    (a race with other processes grabbing it is possible but unlikely).
*/
int closedPort();

//==============================================================================
/**
    A socket that listens (backlog 0) but never calls accept(), with its accept queue
    already filled by client connections this object opens itself.

    Measured on Linux 6.18 (tcp_syn_retries = 6, tcp_abort_on_overflow = 0, syncookies = 1):
    with backlog 0 exactly one connection completes the handshake and sits in the accept
    queue (the queue counts as full only when its length exceeds the backlog). Every later
    SYN is dropped silently: a further connect() stays in SYN_SENT (non-blocking: still
    not writable after 2.5 s) and a blocking connect() without a timeout failed with
    ETIMEDOUT after 134 s. So this means "connect hangs", not "refused"; a client must
    rely on its own connect timeout.
*/
class NeverAcceptingListener
{
public:
    /** Binds, listens and fills the accept queue; check isValid(). */
    NeverAcceptingListener();

    /** Closes the filler connections and the listener. */
    ~NeverAcceptingListener();

    NeverAcceptingListener (const NeverAcceptingListener&) = delete;
    NeverAcceptingListener& operator= (const NeverAcceptingListener&) = delete;

    /** True if the listener is up and the queue was filled (a probe connect did not complete). */
    bool isValid() const;

    /** The listening port. */
    int port() const;

    /** "http://127.0.0.1:PORT". */
    std::string baseUrl() const;

    /** How many filler connections completed the handshake (i.e. the accept queue length). */
    int completedFillers() const;

private:
    int listenFd = -1;
    int boundPort = 0;
    int completed = 0;
    bool queueFull = false;
    std::vector<int> fillerFds;
};

//==============================================================================
/** Factories for started TestHttpServers that misbehave; each returns nullptr if binding failed. */
namespace MisbehavingServers
{
    /** Reads the request, then holds the socket open silently until stop() or the client leaves. */
    std::unique_ptr<TestHttpServer> neverAnswering();

    /** Reads the request, then closes without a byte ("empty reply from server"). */
    std::unique_ptr<TestHttpServer> closingImmediately();

    /** Sends "200 OK" + headers with a Content-Length, then stalls forever. */
    std::unique_ptr<TestHttpServer> headersThenStall();

    /** Trickles a valid 200 JSON response (1 GiB Content-Length) one byte every intervalMs, forever. */
    std::unique_ptr<TestHttpServer> trickling (int intervalMs = 200);

    /** Sends headers and half of a JSON body, then closes. */
    std::unique_ptr<TestHttpServer> dyingMidBody();

    /** Answers every request with `status` (e.g. 500, 404, 403) and an empty body. */
    std::unique_ptr<TestHttpServer> statusOnly (int status);

    /** Answers 200 text/html with a small web page (e.g. a router admin page on the port). */
    std::unique_ptr<TestHttpServer> htmlPage();

    /** Answers 200 application/json {"status":"ok"}: valid JSON, wrong shape. */
    std::unique_ptr<TestHttpServer> wrongShapeJson();

    /** Answers 200 application/json with a `bytes`-long body streamed from a generator (never held in memory). */
    std::unique_ptr<TestHttpServer> hugeBody (std::uint64_t bytes = 100ull * 1024 * 1024);

    /** Answers 302 with Location pointing at the very same URL (absolute, 127.0.0.1). */
    std::unique_ptr<TestHttpServer> redirectLoop();

    /** Answers with binary garbage that is not HTTP at all, then closes. */
    std::unique_ptr<TestHttpServer> garbage();

    /** A generator for a valid JSON document {"pad":"xxxx…"} of exactly `size` bytes (size >= 10). */
    BodyGenerator paddedJsonBody (std::uint64_t size);
}

} // namespace TestHelpers
