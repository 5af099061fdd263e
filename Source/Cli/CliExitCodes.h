#pragma once

/** Exit codes of the `comfybridge` tool (documented in --help and the README). */
namespace cli::exitCode
{
    constexpr int ok = 0;                  ///< success; for `status`, the backend is available
    constexpr int executionError = 1;      ///< ComfyUI reported an execution or validation error
    constexpr int usageError = 2;          ///< bad arguments or an invalid config
    constexpr int unavailable = 3;         ///< the backend is unavailable (or the fallback mode aborted)
    constexpr int skipped = 5;             ///< the fallback mode skipped the generation
    constexpr int notReady = 6;            ///< `models`/`workflows`: available, but something is missing
}
