// Download benchmarks: prints figures, asserts nothing. Run the
// comfybridge_download_benchmarks binary; pass a size in MB (default 256).
//
// - ModelDownloader throughput from a local DownloadServer vs /usr/bin/curl -o of the same
//   URL (libcurl easy to a file when the curl program is missing), in the same run.
// - sha256OfFile speed vs sha256sum and juce::SHA256 on the same (cached) file.

#include <comfybridge_core/comfybridge_core.h>
#include <DownloadServer.h>
#include <curl/curl.h>

#include <cstdio>

namespace
{
    using Clock = std::chrono::steady_clock;

    double secondsSince (Clock::time_point start)
    {
        return std::chrono::duration<double> (Clock::now() - start).count();
    }

    double megabytes (juce::int64 bytes)
    {
        return (double) bytes / (1024.0 * 1024.0);
    }

    /** Runs a shell command and returns its standard output ("" on failure). */
    juce::String runCommand (const juce::String& command)
    {
        juce::String output;

        if (auto* pipe = ::popen (command.toRawUTF8(), "r"))
        {
            char buffer[512];

            while (std::fgets (buffer, sizeof (buffer), pipe) != nullptr)
                output += buffer;

            ::pclose (pipe);
        }

        return output;
    }

    size_t writeToFile (char* data, size_t size, size_t count, void* user)
    {
        return std::fwrite (data, size, count, static_cast<std::FILE*> (user)) * size;
    }

    /** Downloads with plain libcurl easy into a file; false on error. */
    bool libcurlToFile (const std::string& url, const juce::File& file)
    {
        auto* out = std::fopen (file.getFullPathName().toRawUTF8(), "wb");

        if (out == nullptr)
            return false;

        auto* easy = curl_easy_init();
        curl_easy_setopt (easy, CURLOPT_URL, url.c_str());
        curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, &writeToFile);
        curl_easy_setopt (easy, CURLOPT_WRITEDATA, out);
        const auto code = curl_easy_perform (easy);
        curl_easy_cleanup (easy);
        std::fclose (out);
        return code == CURLE_OK;
    }

    void printRate (const char* label, juce::int64 bytes, double seconds)
    {
        std::printf ("  %-44s %8.3f s  %8.1f MB/s\n", label, seconds, megabytes (bytes) / seconds);
    }
}

int main (int argc, char* argv[])
{
    juce::ScopedJuceInitialiser_GUI juce;
    std::setvbuf (stdout, nullptr, _IOLBF, 0);
    curl_global_init (CURL_GLOBAL_DEFAULT);

    const auto sizeMb = argc > 1 ? juce::jmax (1, juce::String (argv[1]).getIntValue()) : 256;
    const auto size = (juce::int64) sizeMb << 20;

    TestHelpers::DownloadServer server ((std::uint64_t) size);

    if (! server.start())
    {
        std::printf ("cannot start the download server\n");
        return 1;
    }

    const auto base = juce::File::getSpecialLocation (juce::File::tempDirectory).getNonexistentChildFile ("comfybridge-bench", "");
    base.createDirectory();
    const auto url = server.url ("model.safetensors");
    const auto curlCopy = base.getChildFile ("curl-copy.bin");
    const auto haveCurl = juce::File ("/usr/bin/curl").existsAsFile();

    std::printf ("ComfyBridge download benchmarks: %d MB blob from %s\n", sizeMb, url.c_str());

    //==============================================================================
    std::printf ("Download (local server, file written to %s):\n", base.getFullPathName().toRawUTF8());

    for (int run = 0; run < 2; ++run)
    {
        curlCopy.deleteFile();
        const auto start = Clock::now();
        const auto ok = haveCurl ? std::system (("/usr/bin/curl -s -o '" + curlCopy.getFullPathName() + "' '" + juce::String (url) + "'").toRawUTF8()) == 0
                                 : libcurlToFile (url, curlCopy);
        const auto seconds = secondsSince (start);

        if (! ok || curlCopy.getSize() != size)
            std::printf ("  curl failed\n");
        else
            printRate (haveCurl ? "/usr/bin/curl -o" : "libcurl easy -> file", size, seconds);
    }

    const auto expected = comfybridge::sha256OfFile (curlCopy);

    for (int run = 0; run < 2; ++run)
    {
        const auto models = base.getChildFile ("models");
        models.deleteRecursively();
        models.createDirectory();

        comfybridge::ModelRequirement model;
        model.folder = "checkpoints";
        model.name = "model.safetensors";
        model.url = url;
        model.sha256 = expected;
        model.sizeBytes = size;

        int progressCalls = 0;
        comfybridge::ModelDownloadOptions options;
        options.onProgress = [&progressCalls] (juce::int64, juce::int64) { ++progressCalls; };

        comfybridge::ModelDownloader downloader;
        const auto start = Clock::now();
        const auto result = downloader.download (model, models, options);
        const auto seconds = secondsSince (start);

        if (! result.ok)
        {
            std::printf ("  ModelDownloader failed: %s\n", result.error.toRawUTF8());
            continue;
        }

        // The verification is a second pass over the (now cached) file; time it on its own.
        const auto hashStart = Clock::now();
        comfybridge::sha256OfFile (result.file);
        const auto hashSeconds = secondsSince (hashStart);

        printRate ("ModelDownloader (transfer + verify + rename)", size, seconds);
        printRate ("  of which transfer alone (est.)", size, seconds - hashSeconds);
        std::printf ("  %-44s %d\n", "  progress callbacks", progressCalls);
    }

    //==============================================================================
    std::printf ("SHA-256 of the same file (page cache warm):\n");

    for (int run = 0; run < 2; ++run)
    {
        auto start = Clock::now();
        const auto ours = comfybridge::sha256OfFile (curlCopy);
        printRate ("comfybridge::sha256OfFile", size, secondsSince (start));

        start = Clock::now();
        const auto theirs = runCommand ("sha256sum '" + curlCopy.getFullPathName() + "'").upToFirstOccurrenceOf (" ", false, false);
        printRate ("sha256sum", size, secondsSince (start));

        if (run == 0)
        {
            start = Clock::now();
            juce::FileInputStream in (curlCopy);
            juce::BufferedInputStream buffered (in, 1 << 20);
            const auto juceHash = juce::SHA256 (buffered).toHexString();
            printRate ("juce::SHA256 (1 MB BufferedInputStream)", size, secondsSince (start));
            std::printf ("  digests %s (ours == sha256sum: %s, == juce: %s)\n", ours.toRawUTF8(),
                         ours == theirs ? "yes" : "NO", ours == juceHash ? "yes" : "NO");
        }
    }

    base.deleteRecursively();
    return 0;
}
