#pragma once

namespace comfybridge
{

/**
    Drags a file out of a component onto a host's timeline or a file manager
    (juce::DragAndDropContainer::performExternalDragDropOfFiles), one drag at a
    time. The end-of-drag callback holds only shared state, so it is safe after
    the component has gone. Message thread.
*/
class FileDragOut
{
public:
    /** True from start() until the drag ends or end() is called. */
    bool isDragging() const noexcept { return *dragging; }

    /** Starts dragging @p file out of @p source, unless a drag runs or the file is missing. */
    void start (juce::Component& source, const juce::File& file)
    {
        if (*dragging || ! file.existsAsFile())
            return;

        *dragging = true;
        juce::DragAndDropContainer::performExternalDragDropOfFiles ({ file.getFullPathName() }, false, &source,
                                                                   [flag = dragging] { *flag = false; });
    }

    /** Forgets the drag (the mouse went up without one starting). */
    void end() noexcept { *dragging = false; }

private:
    std::shared_ptr<bool> dragging = std::make_shared<bool> (false);
};

} // namespace comfybridge
