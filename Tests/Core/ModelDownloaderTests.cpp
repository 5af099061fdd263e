#include <catch2/catch.hpp>
#include <comfybridge_core/comfybridge_core.h>
#include <DownloadServer.h>

#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using comfybridge::ModelDownloader;
using comfybridge::ModelDownloadOptions;
using comfybridge::ModelDownloadResult;
using comfybridge::ModelRequirement;
using TestHelpers::DownloadServer;
using Mode = DownloadServer::Mode;

namespace
{
    using Clock = std::chrono::steady_clock;

    double secondsSince (Clock::time_point start)
    {
        return std::chrono::duration<double> (Clock::now() - start).count();
    }

    /** A fresh models folder in the temp directory, deleted afterwards. */
    struct TempModels
    {
        TempModels()
        {
            base.createDirectory();
            root.createDirectory();
        }

        ~TempModels() { base.deleteRecursively(); }

        /** Every file and folder under the test's base folder (models root included), as relative paths. */
        juce::StringArray tree() const
        {
            juce::StringArray paths;

            for (const auto& entry : juce::RangedDirectoryIterator (base, true, "*", juce::File::findFilesAndDirectories))
                paths.add (entry.getFile().getRelativePathFrom (base));

            paths.sort (false);
            return paths;
        }

        juce::File base { juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("comfybridge-downloads", "") };
        juce::File root { base.getChildFile ("models") };
    };

    /** The blob's SHA-256 by JUCE's own implementation, independent of the one under test. */
    juce::String expectedHash (const DownloadServer& server)
    {
        const auto blob = server.content();
        return juce::SHA256 (blob.data(), blob.size()).toHexString();
    }

    ModelRequirement requirementFor (const DownloadServer& server, const juce::String& name = "model.safetensors")
    {
        ModelRequirement model;
        model.folder = "checkpoints";
        model.name = name;
        model.url = server.url (name.fromLastOccurrenceOf ("/", false, false).toStdString());
        model.sha256 = expectedHash (server);
        return model;
    }

    ModelDownloadOptions quickOptions()
    {
        ModelDownloadOptions options;
        options.connectTimeoutSeconds = 5.0;
        options.stallTimeoutSeconds = 10.0;
        return options;
    }

    juce::File partOf (const juce::File& target)
    {
        return juce::File (target.getFullPathName() + ".part");
    }

    /** Writes the first `bytes` of the server's blob as an earlier, interrupted download. */
    void writePart (const DownloadServer& server, const juce::File& target, std::uint64_t bytes)
    {
        target.getParentDirectory().createDirectory();
        const auto data = server.content (bytes);
        REQUIRE (partOf (target).replaceWithData (data.data(), data.size()));
    }

    bool fileHoldsBlob (const juce::File& file, const DownloadServer& server)
    {
        juce::MemoryBlock block;
        const auto blob = server.content();
        return file.loadFileAsData (block) && block.getSize() == blob.size() && std::memcmp (block.getData(), blob.data(), blob.size()) == 0;
    }

    /** Accepts one connection on 127.0.0.1 and answers in plain HTTP at once, whatever arrives:
        what an https client sees when the port does not speak TLS.
    */
    struct PlainTextListener
    {
        PlainTextListener()
        {
            listener = ::socket (AF_INET, SOCK_STREAM, 0);
            sockaddr_in address {};
            address.sin_family = AF_INET;
            address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
            socklen_t length = sizeof (address);
            REQUIRE (::bind (listener, reinterpret_cast<sockaddr*> (&address), sizeof (address)) == 0);
            REQUIRE (::listen (listener, 1) == 0);
            REQUIRE (::getsockname (listener, reinterpret_cast<sockaddr*> (&address), &length) == 0);
            port = ntohs (address.sin_port);

            thread = std::thread ([this]
            {
                if (const auto client = ::accept (listener, nullptr, nullptr); client >= 0)
                {
                    const char reply[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                    juce::ignoreUnused (::send (client, reply, sizeof (reply) - 1, MSG_NOSIGNAL));
                    ::shutdown (client, SHUT_RDWR);
                    ::close (client);
                }
            });
        }

        ~PlainTextListener()
        {
            ::shutdown (listener, SHUT_RDWR); // wakes accept() if nobody came
            thread.join();
            ::close (listener);
        }

        int listener = -1;
        int port = 0;
        std::thread thread;
    };

    struct StartedServer : DownloadServer
    {
        explicit StartedServer (std::uint64_t size = 4u << 20) : DownloadServer (size) { REQUIRE (start()); }
    };
}

//==============================================================================
TEST_CASE ("downloads a model into its folder, verified, with throttled progress", "[downloads]")
{
    StartedServer server;
    TempModels models;
    const auto model = requirementFor (server);

    std::vector<std::pair<juce::int64, juce::int64>> progress;
    auto options = quickOptions();
    options.onProgress = [&] (juce::int64 received, juce::int64 total) { progress.emplace_back (received, total); };

    ModelDownloader downloader;
    const auto start = Clock::now();
    const auto result = downloader.download (model, models.root, options);
    const auto seconds = secondsSince (start);
    INFO (result.error);

    REQUIRE (result.ok);
    CHECK (result.file == models.root.getChildFile ("checkpoints/model.safetensors"));
    CHECK (result.bytes == (juce::int64) server.size());
    CHECK (result.resumedFrom == 0);
    CHECK_FALSE (result.alreadyPresent);
    CHECK (fileHoldsBlob (result.file, server));
    CHECK_FALSE (partOf (result.file).exists());
    CHECK (models.tree() == juce::StringArray { "models", "models/checkpoints", "models/checkpoints/model.safetensors" });

    REQUIRE_FALSE (progress.empty());
    CHECK (progress.back() == std::make_pair ((juce::int64) server.size(), (juce::int64) server.size()));
    CHECK (progress.size() <= (size_t) (seconds * 10.0) + 3);

    for (size_t i = 1; i < progress.size(); ++i)
        CHECK (progress[i].first >= progress[i - 1].first);
}

TEST_CASE ("resumes a cut download with a Range request and fetches only the rest", "[downloads]")
{
    StartedServer server;
    TempModels models;
    const auto model = requirementFor (server);
    const std::uint64_t cut = 1u << 20;
    server.setMode (Mode::cutOnce, cut);

    ModelDownloader downloader;
    const auto first = downloader.download (model, models.root, quickOptions());
    INFO (first.error);
    CHECK_FALSE (first.ok);
    CHECK (first.error.contains ("connection was lost"));
    CHECK (first.error.contains (model.url));
    CHECK (first.error.contains ("resumes"));
    CHECK_FALSE (first.file.exists());
    CHECK (partOf (first.file).getSize() == (juce::int64) cut);

    const auto second = downloader.download (model, models.root, quickOptions());
    INFO (second.error);
    REQUIRE (second.ok);
    CHECK (second.resumedFrom == (juce::int64) cut);
    CHECK (second.bytes == (juce::int64) server.size());
    CHECK (comfybridge::sha256OfFile (second.file) == model.sha256);
    CHECK_FALSE (partOf (second.file).exists());

    const auto served = server.served();
    REQUIRE (served.size() == 2);
    CHECK (served[0].range.empty());
    CHECK (served[0].bodyBytes == cut);
    CHECK (served[1].range == "bytes=" + std::to_string (cut) + "-");
    CHECK (served[1].status == 206);
    CHECK (served[1].firstByte == cut);
    CHECK (served[1].bodyBytes == server.size() - cut);
}

TEST_CASE ("a server that ignores Range makes the download start over from zero", "[downloads]")
{
    StartedServer server;
    TempModels models;
    const auto model = requirementFor (server);
    const auto target = models.root.getChildFile ("checkpoints/model.safetensors");

    // A stale partial file whose bytes are not even the right ones: a 200 must replace them.
    target.getParentDirectory().createDirectory();
    REQUIRE (partOf (target).replaceWithText (juce::String::repeatedString ("x", 100000)));
    server.setMode (Mode::ignoreRange);

    ModelDownloader downloader;
    const auto result = downloader.download (model, models.root, quickOptions());
    INFO (result.error);
    REQUIRE (result.ok);
    CHECK (result.resumedFrom == 0);
    CHECK (fileHoldsBlob (target, server));

    const auto served = server.served();
    REQUIRE (served.size() == 1);
    CHECK (served[0].range == "bytes=100000-");
    CHECK (served[0].status == 200);
}

TEST_CASE ("a complete partial file is verified and moved into place", "[downloads]")
{
    StartedServer server;
    TempModels models;
    auto model = requirementFor (server);
    const auto target = models.root.getChildFile ("checkpoints/model.safetensors");
    writePart (server, target, server.size());
    ModelDownloader downloader;

    SECTION ("size unknown: the server's 416 says nothing is left to fetch")
    {
        const auto result = downloader.download (model, models.root, quickOptions());
        INFO (result.error);
        REQUIRE (result.ok);
        CHECK (result.resumedFrom == (juce::int64) server.size());
        const auto served = server.served();
        REQUIRE (served.size() == 1);
        CHECK (served[0].status == 416);
    }

    SECTION ("size known: no request at all")
    {
        model.sizeBytes = (juce::int64) server.size();
        const auto result = downloader.download (model, models.root, quickOptions());
        INFO (result.error);
        REQUIRE (result.ok);
        CHECK (server.requestCount() == 0);
    }

    CHECK (fileHoldsBlob (target, server));
    CHECK_FALSE (partOf (target).exists());
}

TEST_CASE ("a download with the wrong hash leaves neither the file nor a partial file", "[downloads]")
{
    StartedServer server;
    TempModels models;
    const auto model = requirementFor (server);
    server.setMode (Mode::wrongContent);

    ModelDownloader downloader;
    const auto result = downloader.download (model, models.root, quickOptions());
    INFO (result.error);
    CHECK_FALSE (result.ok);
    CHECK (result.error.contains ("is not the expected one"));
    CHECK (result.error.contains ("expected " + model.sha256));
    CHECK (result.error.contains (model.url));
    CHECK (result.error.contains ("checkpoints/model.safetensors"));

    // The actual digest is named too.
    auto wrong = server.content();
    wrong[server.size() / 2] = (char) ~wrong[server.size() / 2];
    CHECK (result.error.contains (juce::SHA256 (wrong.data(), wrong.size()).toHexString()));

    CHECK_FALSE (result.file.exists());
    CHECK_FALSE (partOf (result.file).exists());
    CHECK (models.tree() == juce::StringArray { "models", "models/checkpoints" });
}

TEST_CASE ("a download larger than the known size or the limit is stopped and deleted", "[downloads]")
{
    StartedServer server;
    TempModels models;
    auto model = requirementFor (server);
    auto options = quickOptions();
    const std::uint64_t extra = 8u << 20;

    SECTION ("more bytes than the manifest's size, with no Content-Length")
    {
        model.sizeBytes = (juce::int64) server.size();
        server.setMode (Mode::oversize, extra);
        CHECK (model.sizeBytes > 0);
    }

    SECTION ("a Content-Length above the manifest's size")
    {
        model.sizeBytes = (juce::int64) server.size();
        server.setMode (Mode::oversizeDeclared, extra);
        CHECK (model.sizeBytes > 0);
    }

    SECTION ("a file above maxBytes")
    {
        options.maxBytes = (juce::int64) server.size() / 2;
        CHECK (model.sizeBytes < 0); // only the limit stops it
    }

    ModelDownloader downloader;
    const auto result = downloader.download (model, models.root, options);
    INFO (result.error);
    CHECK_FALSE (result.ok);
    CHECK (result.error.contains ("is larger than"));
    CHECK (result.error.contains (model.url));
    CHECK_FALSE (result.file.exists());
    CHECK_FALSE (partOf (result.file).exists());
    CHECK (server.totalBodyBytes() < server.size() + extra); // stopped before the end
}

TEST_CASE ("model names that would leave the models folder are refused and nothing is written", "[downloads]")
{
    StartedServer server;
    TempModels models;
    ModelDownloader downloader;

    const std::pair<const char*, const char*> rows[] = {
        { "checkpoints", "../x.safetensors" },
        { "checkpoints", "/etc/passwd" },
        { "checkpoints", "a/../../x.safetensors" },
        { "checkpoints", "a//x.safetensors" },
        { "checkpoints", "./x.safetensors" },
        { "checkpoints", "a\\..\\x.safetensors" },
        { "checkpoints", "x\n.safetensors" },
        { "checkpoints", "" },
        { "..", "x.safetensors" },
        { ".", "x.safetensors" },
        { "check/points", "x.safetensors" },
        { "", "x.safetensors" },
    };

    for (const auto& [folder, name] : rows)
    {
        INFO (folder << " / " << name);
        auto model = requirementFor (server);
        model.folder = folder;
        model.name = name;

        CHECK (std::holds_alternative<juce::String> (ModelDownloader::resolveTarget (models.root, folder, name)));

        const auto result = downloader.download (model, models.root, quickOptions());
        CHECK_FALSE (result.ok);
        CHECK (result.error.startsWith ("refusing to download"));
    }

    CHECK (server.requestCount() == 0);
    CHECK (models.tree() == juce::StringArray { "models" });
}

TEST_CASE ("a symbolic link that leads outside the models folder is refused", "[downloads]")
{
    StartedServer server;
    TempModels models;
    const auto outside = models.base.getChildFile ("outside");
    REQUIRE (outside.createDirectory());
    REQUIRE (outside.createSymbolicLink (models.root.getChildFile ("checkpoints"), false));

    const auto before = models.tree();
    ModelDownloader downloader;
    const auto result = downloader.download (requirementFor (server), models.root, quickOptions());
    INFO (result.error);
    CHECK_FALSE (result.ok);
    CHECK (result.error.contains ("symbolic link that leads outside"));
    CHECK (server.requestCount() == 0);
    CHECK (models.tree() == before);
    CHECK (outside.getNumberOfChildFiles (juce::File::findFilesAndDirectories) == 0);

    // A link that stays inside is fine.
    const auto inside = models.root.getChildFile ("shared");
    REQUIRE (inside.createDirectory());
    REQUIRE (inside.createSymbolicLink (models.root.getChildFile ("loras"), false));
    CHECK (std::holds_alternative<juce::File> (ModelDownloader::resolveTarget (models.root, "loras", "x.safetensors")));
}

TEST_CASE ("model names with sub-folders are placed inside the model folder", "[downloads]")
{
    StartedServer server;
    TempModels models;
    const auto model = requirementFor (server, "SD1.5/sub/model.safetensors");

    const auto resolved = ModelDownloader::resolveTarget (models.root, "checkpoints", model.name);
    REQUIRE (std::holds_alternative<juce::File> (resolved));
    CHECK (std::get<juce::File> (resolved) == models.root.getChildFile ("checkpoints/SD1.5/sub/model.safetensors"));
    CHECK (models.tree() == juce::StringArray { "models" }); // resolving writes nothing

    ModelDownloader downloader;
    const auto result = downloader.download (model, models.root, quickOptions());
    INFO (result.error);
    REQUIRE (result.ok);
    CHECK (result.file == std::get<juce::File> (resolved));
    CHECK (fileHoldsBlob (result.file, server));
}

TEST_CASE ("a stalled download stops after the stall timeout, keeps its data and resumes next time", "[downloads]")
{
    StartedServer server;
    TempModels models;
    const auto model = requirementFor (server);
    const std::uint64_t before = 512u * 1024u;
    server.setMode (Mode::stallOnce, before);

    auto options = quickOptions();
    options.stallTimeoutSeconds = 0.3;

    ModelDownloader downloader;
    const auto start = Clock::now();
    const auto first = downloader.download (model, models.root, options);
    const auto seconds = secondsSince (start);
    INFO (first.error);
    CHECK_FALSE (first.ok);
    CHECK (first.error.contains ("stalled"));
    CHECK (first.error.contains ("kept"));
    CHECK (seconds >= 0.3);
    CHECK (seconds < 3.0);
    CHECK (partOf (first.file).getSize() == (juce::int64) before);

    const auto second = downloader.download (model, models.root, options);
    INFO (second.error);
    REQUIRE (second.ok);
    CHECK (second.resumedFrom == (juce::int64) before);
    CHECK (server.served().back().range == "bytes=" + std::to_string (before) + "-");
    CHECK (fileHoldsBlob (second.file, server));
}

TEST_CASE ("cancel stops a stalled download promptly and keeps the partial file", "[downloads]")
{
    StartedServer server;
    TempModels models;
    const auto model = requirementFor (server);
    server.setMode (Mode::stallAlways, 256u * 1024u);

    ModelDownloader downloader;
    ModelDownloadResult result;
    Clock::time_point finished;
    std::thread worker ([&]
    {
        result = downloader.download (model, models.root, quickOptions()); // 10 s stall timeout
        finished = Clock::now();
    });

    REQUIRE (server.waitForStall (10000));
    const auto cancelledAt = Clock::now();
    downloader.cancel();
    worker.join();

    const auto seconds = std::chrono::duration<double> (finished - cancelledAt).count();
    INFO (result.error << " (returned " << seconds * 1000.0 << " ms after cancel)");
    CHECK (seconds < 0.5);
    CHECK_FALSE (result.ok);
    CHECK (result.cancelled);
    CHECK (result.error.contains ("cancelled"));
    CHECK (partOf (result.file).exists());
    CHECK_FALSE (result.file.exists());

    // Cancelled stays cancelled until reset: no further request is made.
    const auto requests = server.requestCount();
    CHECK (downloader.download (model, models.root, quickOptions()).cancelled);
    CHECK (server.requestCount() == requests);

    downloader.resetCancellation();
    server.setMode (Mode::normal);
    const auto resumed = downloader.download (model, models.root, quickOptions());
    INFO (resumed.error);
    CHECK (resumed.ok);
}

TEST_CASE ("an existing file with the right hash is reported as present without any request", "[downloads]")
{
    StartedServer server;
    TempModels models;
    const auto model = requirementFor (server);
    const auto target = models.root.getChildFile ("checkpoints/model.safetensors");
    target.getParentDirectory().createDirectory();
    const auto blob = server.content();
    REQUIRE (target.replaceWithData (blob.data(), blob.size()));

    ModelDownloader downloader;
    const auto result = downloader.download (model, models.root, quickOptions());
    INFO (result.error);
    CHECK (result.ok);
    CHECK (result.alreadyPresent);
    CHECK (result.bytes == (juce::int64) blob.size());
    CHECK (server.requestCount() == 0);
}

TEST_CASE ("an existing file with a different hash is left alone and reported", "[downloads]")
{
    StartedServer server;
    TempModels models;
    const auto model = requirementFor (server);
    const auto target = models.root.getChildFile ("checkpoints/model.safetensors");
    target.getParentDirectory().createDirectory();
    REQUIRE (target.replaceWithText ("the user's own file"));

    ModelDownloader downloader;
    const auto result = downloader.download (model, models.root, quickOptions());
    INFO (result.error);
    CHECK_FALSE (result.ok);
    CHECK_FALSE (result.alreadyPresent);
    CHECK (result.error.contains ("already exists"));
    CHECK (result.error.contains ("left alone"));
    CHECK (result.error.contains (comfybridge::sha256OfFile (target)));
    CHECK (target.loadFileAsString() == "the user's own file");
    CHECK_FALSE (partOf (target).exists());
    CHECK (server.requestCount() == 0);
}

TEST_CASE ("a model without an http(s) URL or a SHA-256 is never downloaded", "[downloads]")
{
    StartedServer server;
    TempModels models;
    ModelDownloader downloader;
    auto model = requirementFor (server);

    SECTION ("no checksum")
    {
        model.sha256 = {};
        const auto result = downloader.download (model, models.root, quickOptions());
        CHECK (result.error.contains ("no checksum is known for 'checkpoints/model.safetensors'"));
        CHECK (result.error.contains ("download it by hand from " + model.url));
    }

    SECTION ("a checksum that is not a SHA-256")
    {
        model.sha256 = "abc123";
        CHECK (downloader.download (model, models.root, quickOptions()).error.contains ("is not a SHA-256"));
    }

    SECTION ("no URL")
    {
        model.url = {};
        CHECK (downloader.download (model, models.root, quickOptions()).error.contains ("no download address is known"));
    }

    SECTION ("not http or https")
    {
        model.url = "ftp://127.0.0.1/model.safetensors";
        CHECK (downloader.download (model, models.root, quickOptions()).error.contains ("is not an http or https address"));
        model.url = "file:///etc/passwd";
        CHECK (downloader.download (model, models.root, quickOptions()).error.contains ("is not an http or https address"));
    }

    CHECK (server.requestCount() == 0);
    CHECK (models.tree() == juce::StringArray { "models" });
}

TEST_CASE ("redirects are followed, but only to http or https", "[downloads]")
{
    StartedServer server;
    TempModels models;
    auto model = requirementFor (server);
    ModelDownloader downloader;

    SECTION ("two hops to the file")
    {
        model.url = server.redirectUrl ("model.safetensors", 2);
        const auto result = downloader.download (model, models.root, quickOptions());
        INFO (result.error);
        REQUIRE (result.ok);
        CHECK (fileHoldsBlob (result.file, server));

        const auto requests = server.requests();
        REQUIRE (requests.size() == 3);
        CHECK (requests[0].path == "/redirect/2/files/model.safetensors");
        CHECK (requests[1].path == "/redirect/1/files/model.safetensors");
        CHECK (requests[2].path == "/files/model.safetensors");
    }

    SECTION ("too many hops")
    {
        model.url = server.redirectUrl ("model.safetensors", 7);
        const auto result = downloader.download (model, models.root, quickOptions());
        CHECK (result.error.contains ("redirected more than 5 times"));
        CHECK (server.served().empty());
    }

    SECTION ("to ftp")
    {
        model.url = server.ftpRedirectUrl();
        const auto result = downloader.download (model, models.root, quickOptions());
        INFO (result.error);
        CHECK_FALSE (result.ok);
        CHECK (result.error.contains ("not http or https"));
        CHECK (server.requestCount() == 1);
        CHECK (models.tree() == juce::StringArray { "models", "models/checkpoints" });
    }
}

TEST_CASE ("HTTP errors, refused connections and TLS failures give a clear message", "[downloads]")
{
    StartedServer server;
    TempModels models;
    auto model = requirementFor (server);
    ModelDownloader downloader;

    const auto check = [&] (const juce::String& expected)
    {
        const auto result = downloader.download (model, models.root, quickOptions());
        INFO (result.error);
        CHECK_FALSE (result.ok);
        CHECK (result.error.contains (expected));
        CHECK (result.error.contains (model.url));
        CHECK (result.error.contains ("checkpoints/model.safetensors"));
        CHECK_FALSE (result.file.exists());
        CHECK_FALSE (partOf (result.file).exists());
    };

    SECTION ("404") { server.setMode (Mode::httpError, 404); check ("the file is not there (HTTP 404)"); }
    SECTION ("403") { server.setMode (Mode::httpError, 403); check ("access was denied (HTTP 403)"); }
    SECTION ("500") { server.setMode (Mode::httpError, 500); check ("the server had an error (HTTP 500)"); }

    SECTION ("refused")
    {
        model.url = "http://127.0.0.1:" + juce::String (TestHelpers::TestHttpServer::findFreePort()) + "/model.safetensors";
        check ("was refused");
    }

    SECTION ("https to a server that does not speak TLS")
    {
        PlainTextListener plain;
        model.url = "https://127.0.0.1:" + juce::String (plain.port) + "/files/model.safetensors";
        check ("TLS");
    }
}

TEST_CASE ("sha256OfFile matches known digests and JUCE's implementation", "[downloads]")
{
    TempModels models;
    const auto file = models.base.getChildFile ("data.bin");

    REQUIRE (file.replaceWithText ("abc"));
    CHECK (comfybridge::sha256OfFile (file) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

    REQUIRE (file.replaceWithText (""));
    CHECK (comfybridge::sha256OfFile (file) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

    for (const auto size : { 1, 55, 56, 63, 64, 65, 119, 120, 1000, (1 << 20) + 7, (3 << 20) - 1 })
    {
        INFO (size);
        std::string data ((size_t) size, '\0');
        DownloadServer::fill (0, data.data(), data.size());
        REQUIRE (file.replaceWithData (data.data(), data.size()));
        const auto reference = juce::SHA256 (data.data(), data.size()).toHexString();
        CHECK (comfybridge::sha256OfFile (file) == reference);
        CHECK (comfybridge::sha256OfMemory (data.data(), data.size()) == reference);
    }

    CHECK (comfybridge::sha256OfFile (models.base.getChildFile ("missing")).isEmpty());
}
