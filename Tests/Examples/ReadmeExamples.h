// The usage examples of Source/Modules/comfybridge_core/README.md, compiled.
// ReadmeExamplesTests.cpp runs each one against a test server and checks that
// every C++ block of the README appears verbatim in ReadmeExamples.cpp, so the
// documentation cannot drift from code that builds and works.

#pragma once

#include <comfybridge_core/comfybridge_core.h>
#include <ostream>

namespace examples
{
    void basicConnection (const comfybridge::ComfyUIConfig& config, std::ostream& out);
    void healthMonitoring (const comfybridge::ComfyUIConfig& config, std::ostream& out, int secondsToWatch);
    void statusCallbacks (const comfybridge::ComfyUIConfig& config, std::ostream& out, int secondsToWatch);
    void fallbackHandling (const comfybridge::ComfyUIConfig& config, std::ostream& out);
    void audioRoundTrip (const comfybridge::ComfyUIConfig& config, const comfybridge::WorkflowDefinition& workflow,
                         const juce::File& in, const juce::File& out, std::ostream& log);
    void backgroundReconnection (const comfybridge::ComfyUIConfig& config, std::ostream& out, int maxChecks, double checkEverySeconds);
}
