/*  The real-time probe's self-test: an LV2 plugin that does in run() everything the
    probe must catch (an allocation and a free, a write to a file, and a lock another
    thread holds now and then), so run_jalv_test.sh can check that the probe sees
    them before it trusts the probe's zeros for ComfyBridge.
*/

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <lv2/core/lv2.h>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace
{

    struct MisbehavingPlugin
    {
        const float* input = nullptr;
        float* output = nullptr;
        int devNull = open ("/dev/null", O_WRONLY);
        std::mutex shared;
        std::atomic<bool> running { true };
        // Holds the lock for 2 ms of every 4 ms, so run() often has to wait for it.
        std::thread holder { [this]
                             {
                                 while (running)
                                 {
                                     {
                                         std::lock_guard<std::mutex> held (shared);
                                         std::this_thread::sleep_for (std::chrono::milliseconds (2));
                                     }
                                     std::this_thread::sleep_for (std::chrono::milliseconds (2));
                                 }
                             } };

        ~MisbehavingPlugin()
        {
            running = false;
            holder.join();
            close (devNull);
        }

        void run (uint32_t frames)
        {
            auto* scratch = static_cast<float*> (malloc (frames * sizeof (float)));
            if (input != nullptr && output != nullptr && scratch != nullptr)
            {
                memcpy (scratch, input, frames * sizeof (float));
                memcpy (output, scratch, frames * sizeof (float));
            }
            free (scratch);
            [[maybe_unused]] auto written = write (devNull, "x", 1);
            std::lock_guard<std::mutex> held (shared);
        }
    };

    const LV2_Descriptor descriptor {
        "urn:comfybridge:test:misbehaving",
        [] (const LV2_Descriptor*, double, const char*, const LV2_Feature* const*) -> LV2_Handle { return new MisbehavingPlugin(); },
        [] (LV2_Handle handle, uint32_t port, void* data)
        {
            auto* plugin = static_cast<MisbehavingPlugin*> (handle);
            if (port == 0)
                plugin->input = static_cast<const float*> (data);
            else if (port == 1)
                plugin->output = static_cast<float*> (data);
        },
        nullptr,
        [] (LV2_Handle handle, uint32_t frames) { static_cast<MisbehavingPlugin*> (handle)->run (frames); },
        nullptr,
        [] (LV2_Handle handle) { delete static_cast<MisbehavingPlugin*> (handle); },
        [] (const char*) -> const void* { return nullptr; },
    };
} // namespace

LV2_SYMBOL_EXPORT const LV2_Descriptor* lv2_descriptor (uint32_t index)
{
    return index == 0 ? &descriptor : nullptr;
}
