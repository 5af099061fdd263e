#include "ReadmeExamples.h"

#include <thread>

namespace examples
{

//[basic-connection]
void basicConnection (const comfybridge::ComfyUIConfig& config, std::ostream& out)
{
    comfybridge::ConnectionManager manager (config);

    // connect() returns at once; a command-line tool may wait for the outcome.
    // (On the message or audio thread, never wait: listen for changes instead.)
    const auto status = manager.connect().get();

    if (status.available)
        out << "Connected to ComfyUI " << status.version.value_or ("(unknown version)") << "\n"
            << "Queue size: " << status.queueSize << "\n";
    else
        out << "Connection failed: " << status.errorMessage.value_or ("") << "\n";

    manager.disconnect();
}
//[/basic-connection]

//[health-monitoring]
void healthMonitoring (const comfybridge::ComfyUIConfig& config, std::ostream& out, int secondsToWatch)
{
    comfybridge::ConnectionManager manager (config);
    manager.connect().get();

    // Checks every 5 seconds on the manager's thread; checks never pile up.
    manager.startHealthMonitoring (5.0);

    for (int second = 0; second < secondsToWatch; ++second)
    {
        std::this_thread::sleep_for (std::chrono::seconds (1));
        out << second + 1 << " s: " << (manager.isAvailable() ? "up" : "down") << "\n";
    }

    manager.stopHealthMonitoring();
    manager.disconnect();
}
//[/health-monitoring]

//[status-callbacks]
void statusCallbacks (const comfybridge::ComfyUIConfig& config, std::ostream& out, int secondsToWatch)
{
    comfybridge::ConnectionManager manager (config);

    // Runs on the message thread, once per real change, in registration order. A change
    // may be the queue or readiness alone, so this reacts to availability changes only.
    std::optional<bool> wasAvailable;
    const auto id = manager.registerStatusCallback ([&out, &wasAvailable] (const comfybridge::ComfyUIStatus& status)
    {
        if (status.state == comfybridge::ConnectionState::connecting || wasAvailable == status.available)
            return;

        wasAvailable = status.available;

        if (status.available)
            out << "ComfyUI available: " << status.url << "\n";
        else
            out << "ComfyUI unavailable: " << status.errorMessage.value_or ("") << "\n";
    });

    manager.connect();
    manager.startHealthMonitoring (5.0);

    // A plugin or app already runs the message loop; a console tool runs it here. (On Linux
    // runDispatchLoopUntil() checks for messages every millisecond: fine for seconds, but a tool
    // that waits for long should block in runDispatchLoop() and end it with stopDispatchLoop(),
    // as the CLI's BlockingMessageLoop does.)
    juce::MessageManager::getInstance()->runDispatchLoopUntil (secondsToWatch * 1000);

    manager.unregisterStatusCallback (id);
    manager.disconnect();
}
//[/status-callbacks]

//[fallback-handling]
void fallbackHandling (const comfybridge::ComfyUIConfig& config, std::ostream& out)
{
    comfybridge::ConnectionManager manager (config);
    const auto status = manager.connect().get();

    if (! status.available && manager.shouldUseFallback())
    {
        out << "Using fallback mode: " << comfybridge::toString (manager.getFallbackMode()) << "\n";

        // Says which URL, why, and what the mode will do (also written to the log).
        out << manager.triggerFallbackWarning() << "\n";
    }

    manager.disconnect();
}
//[/fallback-handling]

//[audio-round-trip]
void audioRoundTrip (const comfybridge::ComfyUIConfig& config, const comfybridge::WorkflowDefinition& workflow,
                     const juce::File& in, const juce::File& out, std::ostream& log)
{
    juce::MemoryBlock bytes;
    in.loadFileAsData (bytes);
    auto decoded = comfybridge::decodeAudio (bytes); // WAV or FLAC, else a message

    if (auto* error = std::get_if<juce::String> (&decoded))
    {
        log << "Cannot read " << in.getFileName() << ": " << *error << "\n";
        return;
    }

    comfybridge::ConnectionManager manager (config);
    manager.connect().get();

    comfybridge::GenerationRequest request;
    request.workflow = workflow;                                      // e.g. audio_gain: LoadAudio -> -6 dB -> SaveAudio
    request.inputAudio = std::get<comfybridge::AudioClip> (decoded); // uploaded and bound to LoadAudio
    request.outputSampleRate = 48000.0;                               // resampled on the worker, not here

    // A tool may wait; the message thread gets onFinished instead.
    const auto result = manager.generate (request)->getFuture().get();
    juce::String error;

    if (! result.audio.empty() && comfybridge::writeAudioFile (result.audio[0], out, error))
        log << comfybridge::toString (result.outcome) << ": " << result.audio[0].getLengthSeconds() << " s at "
             << result.audio[0].sampleRate << " Hz\n";
    else
        log << comfybridge::toString (result.outcome) << ": " << result.messages.joinIntoString ("; ") << error << "\n";

    manager.disconnect();
}
//[/audio-round-trip]

//[background-reconnection]
void backgroundReconnection (const comfybridge::ComfyUIConfig& config, std::ostream& out, int maxChecks, double checkEverySeconds)
{
    comfybridge::ConnectionManager manager (config);

    if (! manager.connect().get().available)
    {
        out << "Initial connection failed, starting background reconnection...\n";

        // Tries every 10 seconds (with a little jitter) while the backend is down.
        manager.startBackgroundReconnection (10.0);

        for (int check = 1; check <= maxChecks; ++check)
        {
            std::this_thread::sleep_for (std::chrono::duration<double> (checkEverySeconds));

            if (manager.getStatus().available)
            {
                out << "Reconnection successful!\n";
                break;
            }

            out << "Still disconnected... (" << check * checkEverySeconds << " s elapsed)\n";
        }

        manager.stopBackgroundReconnection();
    }

    manager.disconnect();
}
//[/background-reconnection]

} // namespace examples
