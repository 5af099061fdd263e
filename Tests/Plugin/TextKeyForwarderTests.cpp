#include <catch2/catch.hpp>
#include "Plugin/TextKeyForwarder.h"

namespace
{
    /** A click at the centre of @p component, as JUCE gives it to mouse listeners. */
    juce::MouseEvent clickOn (juce::Component& component)
    {
        const auto centre = component.getLocalBounds().getCentre().toFloat();
        const auto now = juce::Time::getCurrentTime();
        return { juce::Desktop::getInstance().getMainMouseSource(), centre, juce::ModifierKeys::leftButtonModifier,
                 juce::MouseInputSource::defaultPressure, juce::MouseInputSource::defaultOrientation,
                 juce::MouseInputSource::defaultRotation, juce::MouseInputSource::defaultTiltX,
                 juce::MouseInputSource::defaultTiltY, &component, &component, now, centre, now, 1, false };
    }

    juce::KeyPress typed (juce::juce_wchar character) { return { (int) character, juce::ModifierKeys(), character }; }

    /** A window's content as Ardour embeds it: nothing ever has keyboard focus. */
    struct Content : juce::Component
    {
        juce::TextEditor prompt, length;
        juce::TextButton button { "Generate" };

        Content()
        {
            for (auto* c : std::initializer_list<juce::Component*> { &prompt, &length, &button })
                addAndMakeVisible (c);
            prompt.setBounds (0, 0, 200, 40);
            length.setBounds (0, 50, 60, 24);
            button.setBounds (100, 50, 80, 24);
            setBounds (0, 0, 300, 100);
            setVisible (true);
        }
    };
}

TEST_CASE ("keys the host sends to the plugin's window reach the text field clicked last", "[plugin][keyboard]")
{
    Content content;
    TextKeyForwarder forwarder (content);

    // Nothing clicked yet: the keys stay with the host.
    CHECK_FALSE (forwarder.forward (typed ('a')));

    forwarder.mouseDown (clickOn (content.prompt));
    for (auto c : juce::String ("warm pad"))
        CHECK (forwarder.forward (typed (c)));
    CHECK (content.prompt.getText() == "warm pad");
    CHECK (content.length.getText().isEmpty());

    // Another field takes the keys once clicked; select-all and replace work as when focused.
    content.length.setText ("10");
    forwarder.mouseDown (clickOn (content.length));
    CHECK (forwarder.forward (juce::KeyPress ('a', juce::ModifierKeys::commandModifier, 0)));
    CHECK (forwarder.forward (typed ('4')));
    CHECK (content.length.getText() == "4");

    // A click elsewhere ends it: the space bar is the host's again (play/stop in Ardour).
    forwarder.mouseDown (clickOn (content.button));
    CHECK_FALSE (forwarder.forward (typed (' ')));
    CHECK (content.length.getText() == "4");

    // Keys that JUCE gives a field clicked before (its focus stayed there) go to the one
    // clicked last; the field clicked last keeps its own keys.
    content.length.clear();
    forwarder.mouseDown (clickOn (content.prompt));
    forwarder.mouseDown (clickOn (content.length));
    CHECK (forwarder.keyPressed (typed ('6'), &content.prompt));
    CHECK_FALSE (forwarder.keyPressed (typed ('7'), &content.length));
    CHECK (content.length.getText() == "6");
    CHECK (content.prompt.getText() == "warm pad");

    // Tab moves the focus on purpose: the keys are JUCE's to place until the next click.
    CHECK_FALSE (forwarder.keyPressed (juce::KeyPress (juce::KeyPress::tabKey), &content.prompt));
    CHECK_FALSE (forwarder.keyPressed (typed ('8'), &content.prompt));
    CHECK_FALSE (forwarder.forward (typed ('8')));
    CHECK (content.length.getText() == "6");

    // A field that is not visible (its page switched away) takes nothing.
    forwarder.mouseDown (clickOn (content.prompt));
    content.prompt.setVisible (false);
    CHECK_FALSE (forwarder.forward (typed ('x')));
    CHECK (content.prompt.getText() == "warm pad");
}
