#pragma once

#include <juce_events/juce_events.h>

namespace TestSupport
{

/** Runs the JUCE message loop until @p condition holds or @p timeoutMs pass; true if it held.
    Use this instead of sleeps: callbacks and change messages arrive on this thread.
*/
template <typename Condition>
bool pumpUntil (Condition&& condition, int timeoutMs = 10000)
{
    const auto deadline = juce::Time::getMillisecondCounterHiRes() + timeoutMs;

    while (! condition())
    {
        if (juce::Time::getMillisecondCounterHiRes() > deadline)
            return false;

        juce::MessageManager::getInstance()->runDispatchLoopUntil (5);
    }

    return true;
}

/** Processes the messages already queued (and those they post) for about @p ms. */
inline void pumpFor (int ms)
{
    juce::MessageManager::getInstance()->runDispatchLoopUntil (ms);
}

} // namespace TestSupport
