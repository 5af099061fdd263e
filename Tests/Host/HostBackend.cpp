// comfybridge_host_backend: the backend side of the shell-driven real-host tests
// (run_jalv_test.sh, run_ardour_test.sh). Everything binds 127.0.0.1 only.
//
//   comfybridge_host_backend serve fake|hang|closed PORTFILE
//       fake:   a FakeComfyUI that answers like ComfyUI and runs the prompts it
//               queues (FakeExecutor: audio_gain, audio_trim and image graphs)
//       hang:   accepts, reads the request and never answers
//       closed: a 127.0.0.1 port nothing listens on (connection refused)
//   comfybridge_host_backend serve fake PORTFILE PORT
//       the same FakeComfyUI on a fixed port (Builds/test-with-busy-ports puts ComfyUI
//       look-alikes on 8000 and 8188 to prove the suite never reaches them)
//     Writes the port to PORTFILE once listening, runs until SIGTERM/SIGINT, then
//     prints "requests N" (requests that reached it), "prompts N" (POST /prompt) and
//     "uploads N" (POST /upload/image) on stdout and exits 0.
//
//   comfybridge_host_backend peak FILE.wav
//     Prints "frames N peak P nonzero Z" for a 16/24/32-bit PCM or 32-bit float WAV.
//
//   comfybridge_host_backend lv2-state DIR LABEL WORKFLOW CAPTURE_SECONDS
//     Writes an LV2 state/preset bundle (manifest.ttl, state.ttl) for the ComfyBridge
//     LV2 whose plugin state selects WORKFLOW on the Generate page, a capture length
//     of CAPTURE_SECONDS and a fully wet mix: `jalv -l DIR` loads it, and with DIR on
//     LV2_PATH Ardour offers it as the preset LABEL.

#include <FakeComfyUI.h>
#include <MisbehavingServers.h>
#include "Support/FakeExecutor.h"

#include <juce_events/juce_events.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

namespace
{
    volatile std::sig_atomic_t stopRequested = 0;
    void onSignal (int) { stopRequested = 1; }

    bool writePortFile (const std::string& path, int port)
    {
        // Written then renamed, so a script polling for the file never reads half of it.
        const auto tmp = path + ".tmp";
        {
            std::ofstream out (tmp);
            out << port << "\n";
            if (! out)
                return false;
        }
        return std::rename (tmp.c_str(), path.c_str()) == 0;
    }

    template <typename Server>
    int serveUntilSignalled (Server& server, const std::string& portFile)
    {
        if (! writePortFile (portFile, server.port()))
            return 2;

        while (stopRequested == 0)
            ::usleep (20 * 1000);

        const auto count = server.requestCount();
        int prompts = 0, uploads = 0;

        for (const auto& request : server.requests())
        {
            // Each one named, so a run that should have reached nobody says who came.
            std::cout << "request " << request.method << " " << request.path << std::endl;
            prompts += request.method == "POST" && (request.path == "/prompt" || request.path == "/api/prompt") ? 1 : 0;
            uploads += request.method == "POST" && (request.path == "/upload/image" || request.path == "/api/upload/image") ? 1 : 0;
        }

        server.stop();
        std::cout << "requests " << count << "\nprompts " << prompts << "\nuploads " << uploads << std::endl;
        return 0;
    }

    int serve (const std::string& mode, const std::string& portFile, int fixedPort)
    {
        std::signal (SIGTERM, onSignal);
        std::signal (SIGINT, onSignal);

        if (mode == "fake")
        {
            TestHelpers::FakeComfyUI server;
            if (! (fixedPort > 0 ? server.start (fixedPort) : server.start()))
                return 2;
            TestSupport::FakeExecutor executor (server); // prompts run, as on ComfyUI
            executor.setStepDelayMs (0);
            return serveUntilSignalled (server, portFile);
        }

        if (mode == "hang")
        {
            auto server = TestHelpers::MisbehavingServers::neverAnswering();
            if (server == nullptr)
                return 2;
            return serveUntilSignalled (*server, portFile);
        }

        if (mode == "closed")
        {
            if (! writePortFile (portFile, TestHelpers::closedPort()))
                return 2;
            while (stopRequested == 0)
                ::usleep (20 * 1000);
            std::cout << "requests 0" << std::endl;
            return 0;
        }

        std::cerr << "unknown mode " << mode << "\n";
        return 2;
    }

    std::uint32_t le (const unsigned char* p, int bytes)
    {
        std::uint32_t v = 0;
        for (int i = bytes - 1; i >= 0; --i)
            v = (v << 8) | p[i];
        return v;
    }

    int peak (const std::string& path)
    {
        std::ifstream in (path, std::ios::binary);
        const std::vector<unsigned char> data ((std::istreambuf_iterator<char> (in)), std::istreambuf_iterator<char>());

        if (data.size() < 12 || std::memcmp (data.data(), "RIFF", 4) != 0 || std::memcmp (data.data() + 8, "WAVE", 4) != 0)
        {
            std::cerr << path << ": not a WAV file\n";
            return 2;
        }

        int format = 0, channels = 0, bits = 0;
        std::size_t pos = 12;

        while (pos + 8 <= data.size())
        {
            const auto size = (std::size_t) le (&data[pos + 4], 4);
            const auto* body = &data[pos + 8];
            const auto available = std::min (size, data.size() - pos - 8);

            if (std::memcmp (&data[pos], "fmt ", 4) == 0 && available >= 16)
            {
                format = (int) le (body, 2);
                channels = (int) le (body + 2, 2);
                bits = (int) le (body + 14, 2);

                if (format == 0xfffe && available >= 26) // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
                    format = (int) le (body + 24, 2);
            }
            else if (std::memcmp (&data[pos], "data", 4) == 0 && channels > 0 && bits > 0)
            {
                const int bytesPerSample = bits / 8;
                const auto samples = available / (std::size_t) bytesPerSample;
                double maxAbs = 0.0;
                std::size_t nonZero = 0;

                for (std::size_t i = 0; i < samples; ++i)
                {
                    const auto* s = body + i * (std::size_t) bytesPerSample;
                    double value = 0.0;

                    if (format == 3 && bits == 32)
                    {
                        float f;
                        std::memcpy (&f, s, 4);
                        value = f;
                    }
                    else if (format == 1 && (bits == 16 || bits == 24 || bits == 32))
                    {
                        auto raw = le (s, bytesPerSample) << (32 - bits);
                        value = (double) (std::int32_t) raw / 2147483648.0;
                    }
                    else
                    {
                        std::cerr << path << ": unsupported sample format " << format << "/" << bits << "\n";
                        return 2;
                    }

                    maxAbs = std::max (maxAbs, value < 0 ? -value : value);
                    nonZero += value != 0.0 ? 1 : 0;
                }

                std::cout << "frames " << samples / (std::size_t) channels << " peak " << maxAbs << " nonzero " << nonZero << std::endl;
                return 0;
            }

            pos += 8 + size + (size & 1);
        }

        std::cerr << path << ": no audio data\n";
        return 2;
    }
}

namespace
{
    /** The plugin's state as JUCE's AudioProcessor::copyXmlToBinary() stores it:
        a magic number, the text's length, the XML and a terminating zero.
    */
    juce::MemoryBlock pluginStateBlock (const juce::String& xml)
    {
        juce::MemoryBlock block;
        juce::MemoryOutputStream out (block, false);
        out.writeInt (0x21324356);
        out.writeInt ((int) xml.getNumBytesAsUTF8());
        out.write (xml.toRawUTF8(), xml.getNumBytesAsUTF8());
        out.writeByte (0);
        out.flush();
        return block;
    }

    int writeLv2State (const std::string& dir, const std::string& label, const std::string& workflow, double seconds)
    {
        const juce::String pluginUri ("http://comfybridge/lv2/comfybridge");
        const auto xml = "<ComfyBridgeState editor_page=\"1\"><ComfyUIConfig/>"
                         "<Generation version=\"2\" workflow=\"" + juce::String (workflow) + "\"/>"
                         "<Audio wet=\"1.0\" capture_length=\"" + juce::String (seconds) + "\" capture_in_bars=\"0\"/>"
                         "</ComfyBridgeState>";
        // JUCE's LV2 wrapper keeps the state as its own base64 text under <URI>:StateString.
        const auto text = pluginStateBlock (xml).toBase64Encoding();
        const juce::String prefixes ("@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
                                     "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
                                     "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                                     "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n\n");

        const juce::File folder { juce::String (dir) };
        const auto ok = folder.createDirectory().wasOk()
            && folder.getChildFile ("manifest.ttl").replaceWithText (prefixes + "<state.ttl> a pset:Preset ;\n"
                                                                                 "    lv2:appliesTo <" + pluginUri + "> ;\n"
                                                                                 "    rdfs:seeAlso <state.ttl> .\n")
            && folder.getChildFile ("state.ttl").replaceWithText (prefixes + "<> a pset:Preset ;\n"
                                                                              "    lv2:appliesTo <" + pluginUri + "> ;\n"
                                                                              "    rdfs:label \"" + juce::String (label) + "\" ;\n"
                                                                              "    state:state [ <" + pluginUri + ":StateString> \"" + text + "\" ] .\n");
        return ok ? 0 : 2;
    }
}

int main (int argc, char* argv[])
{
    const juce::ScopedJuceInitialiser_GUI juceInitialiser; // FakeExecutor draws images with JUCE

    const std::vector<std::string> args (argv + 1, argv + argc);

    if ((args.size() == 3 || args.size() == 4) && args[0] == "serve")
        return serve (args[1], args[2], args.size() == 4 ? std::atoi (args[3].c_str()) : 0);

    if (args.size() == 2 && args[0] == "peak")
        return peak (args[1]);

    if (args.size() == 5 && args[0] == "lv2-state")
        return writeLv2State (args[1], args[2], args[3], std::atof (args[4].c_str()));

    std::cerr << "usage: comfybridge_host_backend serve fake|hang|closed PORTFILE [PORT]\n"
                 "       comfybridge_host_backend peak FILE.wav\n"
                 "       comfybridge_host_backend lv2-state DIR LABEL WORKFLOW CAPTURE_SECONDS\n";
    return 2;
}
