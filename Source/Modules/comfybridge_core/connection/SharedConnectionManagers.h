#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Lets plugin instances in one host process share one ConnectionManager per
    backend: instances whose configs are identical get the same manager, and the
    last one to let go shuts it down (its destructor disconnects).

    Thread-safe. Use it through a juce::SharedResourcePointer or as a static.
*/
class SharedConnectionManagers
{
public:
    /** The process-wide registry. */
    static SharedConnectionManagers& getInstance();

    /** The manager for @p config, created (without I/O) if nobody holds one yet. */
    std::shared_ptr<ConnectionManager> acquire (const ComfyUIConfig& config);

    /** How many managers are alive right now (for tests and diagnostics). */
    int getNumLiveManagers();

private:
    std::mutex mutex;
    std::map<juce::String, std::weak_ptr<ConnectionManager>> managers;
};

} // namespace comfybridge
