#pragma once

namespace comfybridge
{

//==============================================================================
/**
    Holds a shared ConnectionManager and keeps one juce::ChangeListener
    registered with it for exactly as long as it is held.

    Holding the shared_ptr guarantees that the manager outlives the
    registration, so a component never listens to a manager being destroyed.
    Message thread only (ChangeBroadcaster's listener list is).
*/
class ManagerSubscription
{
public:
    explicit ManagerSubscription (juce::ChangeListener& listenerToRegister) : listener (listenerToRegister) {}

    ~ManagerSubscription() { reset(); }

    /** Switches to @p newManager (may be nullptr); returns true when it changed. */
    bool set (std::shared_ptr<ConnectionManager> newManager)
    {
        JUCE_ASSERT_MESSAGE_THREAD

        if (newManager == manager)
            return false;

        if (manager != nullptr)
            manager->removeChangeListener (&listener);

        manager = std::move (newManager);

        if (manager != nullptr)
            manager->addChangeListener (&listener);

        return true;
    }

    /** Lets go of the manager. */
    void reset() { set (nullptr); }

    /** The manager, or nullptr. */
    ConnectionManager* get() const noexcept { return manager.get(); }

    /** The manager as a shared_ptr (may be empty). */
    const std::shared_ptr<ConnectionManager>& getShared() const noexcept { return manager; }

    ConnectionManager* operator->() const noexcept { return manager.get(); }
    explicit operator bool() const noexcept { return manager != nullptr; }

private:
    juce::ChangeListener& listener;
    std::shared_ptr<ConnectionManager> manager;

    JUCE_DECLARE_NON_COPYABLE (ManagerSubscription)
};

} // namespace comfybridge
