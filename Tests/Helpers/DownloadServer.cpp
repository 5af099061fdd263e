#include "DownloadServer.h"

#include <algorithm>
#include <cstring>

namespace TestHelpers
{

namespace
{
    std::uint64_t splitMix (std::uint64_t x)
    {
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    }

    /** Parses "bytes=N-" or "bytes=N-M"; false for anything else (multiple ranges, suffix ranges). */
    bool parseRange (const std::string& header, std::uint64_t& first, std::uint64_t& last)
    {
        const std::string prefix = "bytes=";

        if (header.compare (0, prefix.size(), prefix) != 0)
            return false;

        const auto dash = header.find ('-', prefix.size());

        if (dash == std::string::npos || dash == prefix.size() || header.find (',') != std::string::npos)
            return false;

        try
        {
            first = std::stoull (header.substr (prefix.size(), dash - prefix.size()));
            const auto lastText = header.substr (dash + 1);
            last = lastText.empty() ? UINT64_MAX : std::stoull (lastText);
            return last >= first;
        }
        catch (...)
        {
            return false;
        }
    }

    constexpr std::uint64_t flippedOffsetFraction = 2; // wrongContent flips the byte at size / 2
}

//==============================================================================
DownloadServer::DownloadServer (std::uint64_t size)
    : blobSize (size),
      server ([this] (const Request& request) { return handle (request); })
{
}

DownloadServer::~DownloadServer()
{
    stop();
}

bool DownloadServer::start()   { return server.start (0); }
void DownloadServer::stop()    { server.stop(); }

std::string DownloadServer::baseUrl() const
{
    return server.baseUrl();
}

std::string DownloadServer::url (const std::string& name) const
{
    return baseUrl() + "/files/" + name;
}

std::string DownloadServer::redirectUrl (const std::string& name, int hops) const
{
    return baseUrl() + "/redirect/" + std::to_string (hops) + "/files/" + name;
}

std::string DownloadServer::ftpRedirectUrl (const std::string& name) const
{
    return baseUrl() + "/redirect-ftp/" + name;
}

void DownloadServer::setMode (Mode newMode, std::uint64_t newParameter)
{
    const std::lock_guard<std::mutex> lock (mutex);
    mode = newMode;
    parameter = newParameter;
}

//==============================================================================
char DownloadServer::byteAt (std::uint64_t offset)
{
    return (char) (std::uint8_t) (splitMix (offset >> 3) >> (8 * (offset & 7)));
}

void DownloadServer::fill (std::uint64_t offset, char* dest, std::size_t count)
{
    while (count > 0 && (offset & 7) != 0)
    {
        *dest++ = byteAt (offset++);
        --count;
    }

    for (; count >= 8; count -= 8, offset += 8, dest += 8)
    {
        const auto word = splitMix (offset >> 3);

        for (int i = 0; i < 8; ++i)
            dest[i] = (char) (std::uint8_t) (word >> (8 * i));
    }

    for (; count > 0; --count)
        *dest++ = byteAt (offset++);
}

std::string DownloadServer::content (std::uint64_t count) const
{
    std::string result ((std::size_t) std::min (count, blobSize), '\0');
    fill (0, result.data(), result.size());
    return result;
}

//==============================================================================
std::vector<DownloadServer::Served> DownloadServer::served() const
{
    const std::lock_guard<std::mutex> lock (mutex);
    std::vector<Served> result;

    for (const auto& record : records)
    {
        result.push_back (record.info);
        result.back().bodyBytes = record.bytes->load();
    }

    return result;
}

std::uint64_t DownloadServer::totalBodyBytes() const
{
    std::uint64_t total = 0;

    for (const auto& s : served())
        total += s.bodyBytes;

    return total;
}

std::size_t DownloadServer::requestCount() const
{
    return server.requestCount();
}

std::vector<Request> DownloadServer::requests() const
{
    return server.requests();
}

bool DownloadServer::waitForStall (int timeoutMs) const
{
    std::unique_lock<std::mutex> lock (mutex);
    return stallChanged.wait_for (lock, std::chrono::milliseconds (timeoutMs), [this] { return stallsStarted > 0; });
}

//==============================================================================
Response DownloadServer::handle (const Request& request)
{
    const auto& path = request.path;

    if (path.rfind ("/files/", 0) == 0 && path.size() > 7)
        return serveFile (request);

    if (path.rfind ("/redirect-ftp/", 0) == 0)
    {
        auto response = Response::text (302, "moved");
        response.setHeader ("Location", "ftp://127.0.0.1:1/" + path.substr (14));
        return response;
    }

    if (path.rfind ("/redirect/", 0) == 0)
    {
        const auto slash = path.find ('/', 10);
        const auto hops = slash == std::string::npos ? 0 : std::atoi (path.substr (10, slash - 10).c_str());

        if (hops > 0)
        {
            const auto rest = path.substr (slash); // "/files/<name>"
            auto response = Response::text (302, "moved");
            response.setHeader ("Location", hops > 1 ? baseUrl() + "/redirect/" + std::to_string (hops - 1) + rest
                                                     : baseUrl() + rest);
            return response;
        }
    }

    return Response::text (404, "404: Not Found");
}

Response DownloadServer::serveFile (const Request& request)
{
    Mode currentMode;
    std::uint64_t currentParameter;
    Record record;
    record.info.path = request.path;
    record.info.range = request.header ("Range");
    auto counter = record.bytes;

    {
        const std::lock_guard<std::mutex> lock (mutex);
        currentMode = mode;
        currentParameter = parameter;

        if (mode == Mode::cutOnce || mode == Mode::stallOnce)
            mode = Mode::normal;
    }

    const auto remember = [&] (int status, std::uint64_t firstByte)
    {
        record.info.status = status;
        record.info.firstByte = firstByte;
        const std::lock_guard<std::mutex> lock (mutex);
        records.push_back (record);
    };

    if (currentMode == Mode::httpError)
    {
        const auto status = currentParameter >= 400 ? (int) currentParameter : 404;
        remember (status, 0);
        return Response::text (status, std::to_string (status) + ": " + reasonPhraseFor (status));
    }

    // Which part of the blob to send.
    std::uint64_t first = 0, last = blobSize - 1;
    auto status = 200;

    if (std::uint64_t rangeFirst = 0, rangeLast = 0;
        currentMode != Mode::ignoreRange && currentMode != Mode::oversize && currentMode != Mode::oversizeDeclared
        && parseRange (record.info.range, rangeFirst, rangeLast))
    {
        if (rangeFirst >= blobSize)
        {
            remember (416, 0);
            auto response = Response::empty (416);
            response.setHeader ("Content-Range", "bytes */" + std::to_string (blobSize));
            return response;
        }

        first = rangeFirst;
        last = std::min (rangeLast, blobSize - 1);
        status = 206;
    }

    const auto length = last - first + 1;
    remember (status, first);

    if (currentMode == Mode::cutOnce || currentMode == Mode::stallOnce || currentMode == Mode::stallAlways)
        return partialThenHold (request, first, length, status, std::min (currentParameter, length),
                                currentMode != Mode::cutOnce, counter);

    Response response;
    response.status = status;
    response.setHeader ("Content-Type", "application/octet-stream");
    response.setHeader ("Accept-Ranges", currentMode == Mode::ignoreRange ? "none" : "bytes");

    if (status == 206)
        response.setHeader ("Content-Range", "bytes " + std::to_string (first) + "-" + std::to_string (last) + "/"
                                                 + std::to_string (blobSize));

    const auto extra = (currentMode == Mode::oversize || currentMode == Mode::oversizeDeclared) ? currentParameter : 0;
    const auto flipAt = currentMode == Mode::wrongContent ? blobSize / flippedOffsetFraction : UINT64_MAX;
    const auto size = blobSize;

    response.bodySize = length + extra;
    response.addContentLength = currentMode != Mode::oversize;
    response.bodyGenerator = [first, flipAt, size, counter] (std::uint64_t offset, char* dest, std::size_t maxBytes)
    {
        const auto position = first + offset;
        fill (position, dest, maxBytes); // past the blob's end (oversize) the pattern simply continues

        if (flipAt >= position && flipAt < position + maxBytes && flipAt < size)
            dest[flipAt - position] = (char) ~dest[flipAt - position];

        *counter += maxBytes;
        return maxBytes;
    };

    return response;
}

Response DownloadServer::partialThenHold (const Request&, std::uint64_t first, std::uint64_t length, int status,
                                          std::uint64_t sendBytes, bool hold,
                                          std::shared_ptr<std::atomic<std::uint64_t>> counter)
{
    const auto size = blobSize;

    return Response::takingOver ([this, first, length, status, sendBytes, hold, counter, size] (TakenConnection& connection)
    {
        std::string head = "HTTP/1.1 " + std::to_string (status) + " " + reasonPhraseFor (status) + "\r\n"
                           "Content-Type: application/octet-stream\r\n"
                           "Accept-Ranges: bytes\r\n"
                           "Content-Length: " + std::to_string (length) + "\r\n";

        if (status == 206)
            head += "Content-Range: bytes " + std::to_string (first) + "-" + std::to_string (first + length - 1) + "/"
                    + std::to_string (size) + "\r\n";

        if (! connection.send (head + "Connection: close\r\n\r\n"))
            return;

        std::string chunk;

        for (std::uint64_t sent = 0; sent < sendBytes;)
        {
            chunk.resize ((std::size_t) std::min<std::uint64_t> (64 * 1024, sendBytes - sent));
            fill (first + sent, chunk.data(), chunk.size());

            if (! connection.send (chunk))
                return;

            sent += chunk.size();
            *counter += chunk.size();
        }

        if (! hold)
            return; // the server closes the connection: a cut mid-body

        {
            const std::lock_guard<std::mutex> lock (mutex);
            ++stallsStarted;
        }

        stallChanged.notify_all();

        // Silent until the client gives up or the server stops.
        for (std::string ignored; connection.receive (ignored, 1000) >= 0;)
            ignored.clear();
    });
}

} // namespace TestHelpers
