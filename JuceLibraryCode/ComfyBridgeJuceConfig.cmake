# Project-wide JUCE configuration.
#
# `comfybridge_juce_config` is the one INTERFACE target that the plugin, the CLI
# and the tests link, so that all of them compile JUCE with identical
# definitions and warning flags (pamplejuce's "shared code" idea).

add_library(comfybridge_juce_config INTERFACE)

target_compile_definitions(comfybridge_juce_config INTERFACE
    JUCE_WEB_BROWSER=0
    JUCE_USE_CURL=0                 # our own libcurl client does all HTTP (see net/)
    JUCE_DISPLAY_SPLASH_SCREEN=0
    JUCE_REPORT_APP_USAGE=0
    JUCE_VST3_CAN_REPLACE_VST2=0    # Debian ships no VST2 SDK
    JUCE_STRICT_REFCOUNTEDPOINTER=1
    JUCE_USE_FLAC=1                 # ComfyUI's SaveAudio writes FLAC; Debian's JUCE uses the system libFLAC (libflac-dev)
    JUCE_USE_OGGVORBIS=0            # not needed (Debian's repack has no bundled Vorbis either)
    JUCE_SILENCE_XCODE_15_LINKER_WARNING=1)

# Warnings on for our code. JUCE's own sources trip GCC 12's -Wdangling-pointer
# inside ListenerList; that is JUCE's, not ours, so it is not turned into an error.
add_library(comfybridge_warnings INTERFACE)
target_compile_options(comfybridge_warnings INTERFACE -Wall -Wextra -Wno-dangling-pointer)

target_link_libraries(comfybridge_juce_config INTERFACE
    juce::juce_recommended_config_flags
    comfybridge_warnings)
