#include "TextKeyForwarder.h"

namespace
{
    /** Visible with all its parents up to @p root (a field on a page switched away is not). */
    bool isVisibleWithin (const juce::Component& root, const juce::Component& component)
    {
        for (auto* c = &component; c != &root; c = c->getParentComponent())
            if (c == nullptr || ! c->isVisible())
                return false;
        return true;
    }
}

TextKeyForwarder::TextKeyForwarder (juce::Component& rootToWatch) : root (rootToWatch)
{
    root.addMouseListener (this, true);
}

TextKeyForwarder::~TextKeyForwarder()
{
    root.removeMouseListener (this);

    for (auto& field : listenedFields)
        if (field != nullptr)
            field->removeKeyListener (this);
}

bool TextKeyForwarder::forward (const juce::KeyPress& key)
{
    // Tab is the user moving JUCE's focus on purpose: from then on keys go where it is.
    if (key.isKeyCode (juce::KeyPress::tabKey))
        target = nullptr;

    auto* field = target.getComponent();

    if (field == nullptr || ! isVisibleWithin (root, *field) || ! field->isEnabled() || field->hasKeyboardFocus (false))
        return false;

    return field->keyPressed (key);
}

bool TextKeyForwarder::keyPressed (const juce::KeyPress& key, juce::Component* originatingComponent)
{
    // A key for a field clicked before (JUCE's focus stayed there): the field clicked last gets it.
    return originatingComponent != target.getComponent() && forward (key);
}

void TextKeyForwarder::mouseDown (const juce::MouseEvent& event)
{
    target = nullptr;

    // A click may land on a part of the field (its viewport or text holder).
    for (auto* c = event.eventComponent; c != nullptr && c != &root; c = c->getParentComponent())
    {
        if (auto* field = dynamic_cast<juce::TextEditor*> (c))
        {
            target = field;

            const auto known = std::any_of (listenedFields.begin(), listenedFields.end(), [field] (auto& f) { return f == field; });
            if (! known)
            {
                field->addKeyListener (this);
                listenedFields.emplace_back (field);
            }
            return;
        }
    }
}
