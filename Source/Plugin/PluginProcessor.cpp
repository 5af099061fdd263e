#include "PluginProcessor.h"
#include "PluginEditor.h"

#include "Shared/BundledWorkflows.h"

namespace
{
    const juce::Identifier stateType { "ComfyBridgeState" };
    const juce::Identifier editorWidthId { "editor_width" };
    const juce::Identifier editorHeightId { "editor_height" };
    const juce::Identifier editorPageId { "editor_page" };

    constexpr double healthCheckSeconds = 5.0;
    constexpr double reconnectSeconds = 10.0;

    comfybridge::ComfyUIConfig loadDefaults (const comfybridge::UserDefaults& defaults)
    {
        auto loaded = defaults.load();

        for (const auto& error : loaded.errors)
            juce::Logger::writeToLog ("ComfyBridge: ignoring stored defaults: " + error);

        return loaded.config.value_or (comfybridge::ComfyUIConfig {});
    }
}

//==============================================================================
ComfyBridgeProcessor::ComfyBridgeProcessor()
    : ComfyBridgeProcessor (comfybridge::UserDefaults {})
{
}

ComfyBridgeProcessor::ComfyBridgeProcessor (const comfybridge::UserDefaults& defaults)
    : AudioProcessor (BusesProperties()
                          .withInput ("Input", juce::AudioChannelSet::stereo(), true)
                          .withOutput ("Output", juce::AudioChannelSet::stereo(), true)),
      userDefaults (defaults),
      config (loadDefaults (defaults)),
      lifetime (std::make_shared<Lifetime>()),
      backendAvailable (std::make_shared<std::atomic<bool>> (false))
{
    lifetime->processor = this;

    // Without a host timeline (standalone) a result would start in the past: the
    // running sample count goes back to its start so it is heard at once.
    audio.onResultPlaying = [this] (const comfybridge::AudioSession::Result& result)
    {
        transport.rewindTo (result.start);
    };

    // No connection here: hosts construct plugins to scan them, and that must stay
    // fast and silent. The connection starts in prepareToPlay() or with the editor.
}

ComfyBridgeProcessor::~ComfyBridgeProcessor()
{
    // Waits for a running tick (the host may destroy us on its own thread); no tick after.
    hostControlsTimer.detach();

    // Waits for posted work that is running now; work that runs later finds no processor.
    {
        const std::lock_guard<std::mutex> lock (lifetime->mutex);
        lifetime->processor = nullptr;
    }

    lastJob.reset();

    if (manager != nullptr && statusCallback != 0)
        manager->unregisterStatusCallback (statusCallback);

    // The last holder of a manager shuts it down (promptly, even while a request
    // hangs). A manager belongs to the message thread: when a host destroys the
    // plugin elsewhere, the message thread lets go of it.
    if (auto released = std::move (manager); released != nullptr && ! juce::MessageManager::existsAndIsLockedByCurrentThread())
        juce::MessageManager::callAsync ([released] {});
}

//==============================================================================
juce::StringArray ComfyBridgeProcessor::setConfig (const comfybridge::ComfyUIConfig& newConfig)
{
    JUCE_ASSERT_MESSAGE_MANAGER_IS_LOCKED

    auto problems = newConfig.validate();

    if (! problems.isEmpty() || newConfig == config)
        return problems;

    {
        const juce::ScopedLock lock (stateLock);
        config = newConfig;
    }

    // Instances share a manager only while their configs are identical: switch to
    // the one for the new config rather than changing the shared one under others.
    if (manager != nullptr)
        connectTo (config);
    else
        notifyChange();

    return problems;
}

void ComfyBridgeProcessor::setGenerationSettings (const comfybridge::GenerationSettings& settings)
{
    const juce::ScopedLock lock (stateLock);
    generationSettings = settings;
}

//==============================================================================
void ComfyBridgeProcessor::ensureConnectionStarted()
{
    JUCE_ASSERT_MESSAGE_MANAGER_IS_LOCKED

    // Once started, the connection is the user's to stop (Disconnect) and start
    // again (Connect): reopening the editor or preparing again does not override that.
    if (manager == nullptr)
        connectTo (config);
}

void ComfyBridgeProcessor::connectTo (const comfybridge::ComfyUIConfig& configToUse)
{
    useManager (comfybridge::SharedConnectionManagers::getInstance().acquire (configToUse));

    // Another instance with the same config may have started it already.
    if (manager->getStatus().state == comfybridge::ConnectionState::disconnected && ! manager->isMonitoring())
    {
        // Readiness is judged against the bundled workflows (deployed and fetched as configured).
        juce::StringArray workflowErrors;
        comfybridge::ReadinessOptions readiness;
        readiness.workflows = comfybridge::loadBundledWorkflows (workflowErrors).getWorkflows();
        manager->setReadinessOptions (std::move (readiness));

        manager->connect(); // returns at once; the future is not waited on
        manager->startHealthMonitoring (healthCheckSeconds);
        manager->startBackgroundReconnection (reconnectSeconds);
    }

    notifyChange();
}

void ComfyBridgeProcessor::useManager (std::shared_ptr<comfybridge::ConnectionManager> newManager)
{
    if (newManager == manager)
        return;

    if (manager != nullptr && statusCallback != 0)
        manager->unregisterStatusCallback (statusCallback);

    statusCallback = 0;
    auto previous = std::exchange (manager, std::move (newManager));

    if (manager != nullptr)
    {
        // The callback holds the flag, not the processor: a notification being
        // delivered while the processor goes away touches nothing that is gone.
        statusCallback = manager->registerStatusCallback ([flag = backendAvailable] (const comfybridge::ComfyUIStatus& status)
        {
            flag->store (status.available, std::memory_order_relaxed);
        });

        backendAvailable->store (manager->isAvailable(), std::memory_order_relaxed);
    }
    else
    {
        backendAvailable->store (false, std::memory_order_relaxed);
    }

    previous.reset(); // if this was the last holder, the old manager disconnects here
}

void ComfyBridgeProcessor::notifyChange()
{
    // Always on the message thread (see runOnMessageThread), so listeners hear it
    // at once and nothing is left pending in the broadcaster when we are destroyed.
    changeBroadcaster.sendSynchronousChangeMessage();
}

void ComfyBridgeProcessor::runOnMessageThread (std::function<void (ComfyBridgeProcessor&)> work)
{
    if (juce::MessageManager::existsAndIsLockedByCurrentThread())
    {
        work (*this);
        return;
    }

    juce::MessageManager::callAsync ([guard = lifetime, work = std::move (work)]
    {
        const std::lock_guard<std::mutex> lock (guard->mutex);

        if (guard->processor != nullptr)
            work (*guard->processor);
    });
}

//==============================================================================
const comfybridge::WorkflowLibrary& ComfyBridgeProcessor::getWorkflowLibrary()
{
    JUCE_ASSERT_MESSAGE_MANAGER_IS_LOCKED

    if (! workflowLibrary.has_value())
    {
        juce::StringArray errors;
        workflowLibrary = comfybridge::loadBundledWorkflows (errors);

        for (const auto& error : errors)
            juce::Logger::writeToLog ("ComfyBridge: bundled workflows: " + error);
    }

    return *workflowLibrary;
}

std::shared_ptr<comfybridge::GenerationJob> ComfyBridgeProcessor::startGeneration (comfybridge::GenerationRequest request)
{
    JUCE_ASSERT_MESSAGE_MANAGER_IS_LOCKED

    lastStartProblem = {};

    const auto producesAudio = request.workflow.producesAudio();

    if (producesAudio)
    {
        lastStartProblem = audio.prepareRequest (request);

        if (lastStartProblem.isNotEmpty())
            return nullptr;
    }

    ensureConnectionStarted();
    lastJob = manager->generate (std::move (request));

    if (producesAudio)
        audio.followJob (lastJob); // the result plays even when no editor is open

    return lastJob;
}

std::shared_ptr<comfybridge::GenerationJob> ComfyBridgeProcessor::startGenerationFromSettings()
{
    JUCE_ASSERT_MESSAGE_MANAGER_IS_LOCKED

    if (lastJob != nullptr && ! lastJob->isFinished())
    {
        lastStartProblem = "A generation is already running.";
        return nullptr;
    }

    const auto settings = getGenerationSettings();
    comfybridge::GenerationRequest request;

    if (settings.workflowFile.isNotEmpty())
    {
        auto loaded = comfybridge::WorkflowLibrary::loadUserFile (juce::File (settings.workflowFile));

        if (auto* problem = std::get_if<juce::String> (&loaded))
        {
            lastStartProblem = "The workflow file " + settings.workflowFile + " cannot be used: " + *problem;
            return nullptr;
        }

        request.workflow = std::get<comfybridge::WorkflowDefinition> (std::move (loaded));
    }
    else if (const auto* workflow = getWorkflowLibrary().find (settings.workflowName))
    {
        request.workflow = *workflow;
    }
    else
    {
        lastStartProblem = "There is no bundled workflow named \"" + settings.workflowName + "\".";
        return nullptr;
    }

    // Only what the user edited: the workflow's own values go as written.
    request.inputs = settings.toInputs();

    auto job = startGeneration (std::move (request));

    if (job != nullptr)
        notifyChange(); // an open editor follows the job

    return job;
}

void ComfyBridgeProcessor::followHostControlsTick()
{
    // Without an editor nobody else takes a finished capture (and readies the next buffer).
    audio.pollCapture();

    if (! generateRequested.load (std::memory_order_acquire))
        return;

    // "Generate" while a capture runs: generate from that capture once it is in.
    const auto state = audio.getCapture().getState();

    if (state == comfybridge::AudioCapture::State::armed || state == comfybridge::AudioCapture::State::capturing)
        return;

    generateRequested.store (false, std::memory_order_release);

    if (startGenerationFromSettings() == nullptr)
        juce::Logger::writeToLog ("ComfyBridge: the Generate parameter could not start a generation: " + lastStartProblem);
}

//==============================================================================
void ComfyBridgeProcessor::prepareToPlay (double sampleRate, int)
{
    // No audio runs now: the capture buffer is allocated here (and again only when
    // the rate or the channel count changed).
    audio.prepare (sampleRate, juce::jmax (1, getTotalNumInputChannels()));

    // Most hosts call this on the message thread; some do not, and then the
    // message thread starts the connection a moment later. The timer follows
    // the host's "Generate" parameter and takes finished captures.
    runOnMessageThread ([] (ComfyBridgeProcessor& p)
    {
        p.ensureConnectionStarted();
        p.hostControlsTimer.startTimer (50);
    });
}

void ComfyBridgeProcessor::releaseResources() {}

bool ComfyBridgeProcessor::isBusesLayoutSupported (const BusesLayout& layouts) const
{
    const auto& out = layouts.getMainOutputChannelSet();
    return (out == juce::AudioChannelSet::mono() || out == juce::AudioChannelSet::stereo())
        && out == layouts.getMainInputChannelSet();
}

void ComfyBridgeProcessor::processBlock (juce::AudioBuffer<float>& buffer, juce::MidiBuffer&)
{
    // Audio passes through untouched: the buffer already holds the input. Only
    // channels with no matching input (none in the supported layouts) are cleared.
    // Nothing here touches the connection: no locks, no allocation, no I/O.
    for (auto channel = getTotalNumInputChannels(); channel < getTotalNumOutputChannels(); ++channel)
        buffer.clear (channel, 0, buffer.getNumSamples());

    // Capture and playback: atomics and preallocated buffers only. The transport
    // carries on between the host's positions (LV2) or runs free without a host.
    const auto numSamples = buffer.getNumSamples();
    const auto now = transport.next (getPlayHead(), numSamples);

    followHostControls();
    audio.process (buffer, numSamples, now);
}

void ComfyBridgeProcessor::followHostControls() noexcept
{
    const auto edges = hostControls.read();
    using State = comfybridge::AudioCapture::State;

    if (edges.armOff)
    {
        armPending = false;
        audio.finishFromAudioThread(); // punch-out: keeps what was recorded
    }

    if (edges.armOn)
        armPending = true;

    // Armed at this block when the buffer is free; a capture not yet handed over
    // (complete) or the message thread at the buffer makes it wait a block or two.
    if (armPending)
    {
        const auto state = audio.getCapture().getState();

        if (state == State::armed || state == State::capturing || audio.armFromAudioThread())
            armPending = false;
    }

    if (edges.generate)
        generateRequested.store (true, std::memory_order_release);
}

juce::AudioProcessorEditor* ComfyBridgeProcessor::createEditor()
{
    return new ComfyBridgeEditor (*this);
}

//==============================================================================
void ComfyBridgeProcessor::getStateInformation (juce::MemoryBlock& destData)
{
    // Holds the config's fields only: an auth token (when one exists) belongs to
    // the user's own settings, never to a project file that gets shared.
    juce::ValueTree state (stateType);
    {
        const juce::ScopedLock lock (stateLock);
        state.setProperty (editorWidthId, editorSize.x, nullptr);
        state.setProperty (editorHeightId, editorSize.y, nullptr);
        state.setProperty (editorPageId, editorPage, nullptr);
        state.appendChild (config.toValueTree(), nullptr);
        state.appendChild (generationSettings.toValueTree(), nullptr);
    }

    state.appendChild (audio.toValueTree(), nullptr); // locks itself

    if (auto xml = state.createXml())
        copyXmlToBinary (*xml, destData);
}

void ComfyBridgeProcessor::setStateInformation (const void* data, int sizeInBytes)
{
    if (juce::MessageManager::existsAndIsLockedByCurrentThread())
    {
        applyState (data, sizeInBytes);
        return;
    }

    // From a host thread: the message thread applies it a moment later.
    runOnMessageThread ([state = juce::MemoryBlock (data, (size_t) juce::jmax (0, sizeInBytes))] (ComfyBridgeProcessor& p)
    {
        p.applyState (state.getData(), (int) state.getSize());
    });
}

void ComfyBridgeProcessor::applyState (const void* data, int sizeInBytes)
{
    lastStateProblems.clear();
    const auto xml = getXmlFromBinary (data, sizeInBytes);

    if (xml == nullptr)
    {
        lastStateProblems.add ("saved state is not readable; keeping the current settings");
        return;
    }

    const auto state = juce::ValueTree::fromXml (*xml);

    if (! state.hasType (stateType))
    {
        lastStateProblems.add ("saved state is not a ComfyBridge state; keeping the current settings");
        return;
    }

    // A damaged config in a project must not wipe the instance's settings:
    // nothing is applied unless the whole config validates.
    auto parsed = comfybridge::ComfyUIConfig::fromValueTree (state.getChildWithName (comfybridge::ComfyUIConfig::treeType), config);

    lastStateProblems.addArray (parsed.errors);

    for (const auto& problem : lastStateProblems)
        juce::Logger::writeToLog ("ComfyBridge: " + problem);

    {
        const juce::ScopedLock lock (stateLock);
        editorSize = { juce::jlimit (400, 4000, (int) state.getProperty (editorWidthId, defaultWidth)),
                       juce::jlimit (300, 4000, (int) state.getProperty (editorHeightId, defaultHeight)) };
        editorPage = juce::jlimit (0, 2, (int) state.getProperty (editorPageId, 0));

        ++stateRestoreCount;
        const auto generation = state.getChildWithName (comfybridge::GenerationSettings::treeType);

        if (generation.isValid())
            generationSettings = comfybridge::GenerationSettings::fromValueTree (generation);
    }

    if (const auto audioState = state.getChildWithName (comfybridge::AudioSession::treeType); audioState.isValid())
        audio.restore (audioState); // the result file is read off the message thread

    if (parsed.ok())
        setConfig (*parsed.config); // switches managers when the connection was started; notifies

    notifyChange();
}

//==============================================================================
juce::AudioProcessor* JUCE_CALLTYPE createPluginFilter()
{
    return new ComfyBridgeProcessor();
}
