#include "HostControls.h"

HostControls::HostControls (juce::AudioProcessor& processor)
{
    auto armParameter = std::make_unique<juce::AudioParameterBool> (juce::ParameterID { armId, 1 }, "Arm capture", false);
    auto generateParameter = std::make_unique<juce::AudioParameterBool> (juce::ParameterID { generateId, 1 }, "Generate", false);
    arm = armParameter.get();
    generate = generateParameter.get();
    processor.addParameter (armParameter.release());
    processor.addParameter (generateParameter.release());
}

HostControls::Edges HostControls::read() noexcept
{
    // AudioParameterBool::get() reads an atomic float.
    const auto armNow = arm->get(), generateNow = generate->get();
    Edges edges;
    edges.armOn = armNow && ! lastArm;
    edges.armOff = ! armNow && lastArm;
    edges.generate = generateNow && ! lastGenerate;
    lastArm = armNow;
    lastGenerate = generateNow;
    return edges;
}
