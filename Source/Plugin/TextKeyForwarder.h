#pragma once

#include <juce_gui_basics/juce_gui_basics.h>

//==============================================================================
/**
    Gives typed keys to the text field the user clicked last, when the host keeps
    the keyboard focus to itself.

    Ardour shows an LV2 plugin's X11 window inside its GTK window (through suil)
    and takes the X input focus straight back whenever the plugin's window takes
    it, so JUCE's keyboard focus there is unreliable: it may rest on no component,
    on a button, or stay with the text field clicked before. With Ardour's keyboard
    button on, the keys still arrive (suil sends them to the plugin's window), and
    JUCE offers them to the focused component and its parents. This sends them to
    the field clicked last instead: from the editor's top component (forward(), for
    keys nothing took) and from any other field clicked before (a key listener).
    Where the clicked field has the focus, as in other hosts and the Standalone,
    its keys reach it directly and this stays out of the way; Tab (moving the
    focus on purpose) ends the redirection until the next click.

    Message thread only.
*/
class TextKeyForwarder : public juce::MouseListener,
                         public juce::KeyListener
{
public:
    /** Watches clicks anywhere inside @p root (which must outlive this). */
    explicit TextKeyForwarder (juce::Component& root);
    ~TextKeyForwarder() override;

    /** Passes @p key to the text field clicked last, if it is visible, enabled and
        not focused (then it has had the key already). Tab ends that until the next
        click: it moves JUCE's focus on purpose. True if the field used the key. */
    bool forward (const juce::KeyPress& key);

    /** @internal Remembers the text field under a click, or forgets it when the click is elsewhere. */
    void mouseDown (const juce::MouseEvent&) override;

    /** @internal A key JUCE gave a field clicked before (listened to since its click). */
    bool keyPressed (const juce::KeyPress&, juce::Component* originatingComponent) override;

private:
    juce::Component& root;
    juce::Component::SafePointer<juce::TextEditor> target;
    std::vector<juce::Component::SafePointer<juce::TextEditor>> listenedFields;

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR (TextKeyForwarder)
};
