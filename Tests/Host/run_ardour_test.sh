#!/usr/bin/env bash
# Real-host test: Ardour 7's headless Lua session tool (`ardour7-lua`, Debian package
# ardour) on its Dummy audio backend loads the ComfyBridge LV2 and VST3 into a new
# session, rolls, saves, reloads and removes them (see ardour_session_test.lua). It runs
# once per backend on 127.0.0.1 - a fake ComfyUI, one that accepts and never answers,
# and a closed port - and checks that every run passes, that the plugin reached the
# backend where there is one, and that Ardour finishes promptly while a request hangs.
#
# Then a round trip in Ardour (LV2): a sine goes into ComfyBridge, loaded with a preset
# that selects audio_gain (-6 dB) and a 1 s capture; the plugin's "Arm capture" and
# "Generate" parameters are set through Ardour's automation controls; the fake ComfyUI
# runs the prompt; the result is heard at the track's output at -6 dB where it was
# captured (see ardour_roundtrip_test.lua).
#
# With the real-time probe (Host/RealtimeProbe.cpp, proven by run_jalv_test.sh's self-
# test) preloaded, every run must show the LV2's run() free of allocations, I/O and lock
# waits on Ardour's process threads.
#
# usage: run_ardour_test.sh LV2_BUNDLE_DIR VST3_BUNDLE_DIR BACKEND_TOOL [RT_PROBE_LIB]
# Exit 0 pass, 1 fail, 77 skipped (ardour7-lua not installed).

TEST_NAME=ardour
LV2_BUNDLE="${1:?usage: run_ardour_test.sh LV2_BUNDLE_DIR VST3_BUNDLE_DIR BACKEND_TOOL}"
VST3_BUNDLE="${2:?usage: run_ardour_test.sh LV2_BUNDLE_DIR VST3_BUNDLE_DIR BACKEND_TOOL}"
BACKEND_TOOL="${3:?usage: run_ardour_test.sh LV2_BUNDLE_DIR VST3_BUNDLE_DIR BACKEND_TOOL}"
RT_PROBE="${4:-}"

command -v ardour7-lua >/dev/null 2>&1 || { echo "SKIP: ardour7-lua is not installed (apt-get install --no-install-recommends ardour)"; exit 77; }
VST3_SCANNER=/usr/lib/ardour7/ardour-vst3-scanner

source "$(dirname "${BASH_SOURCE[0]}")/host_test_common.sh"
LUA_SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ardour_session_test.lua"
ROUNDTRIP_SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ardour_roundtrip_test.lua"

[ -f "$LV2_BUNDLE/manifest.ttl" ] || { fail "no LV2 bundle at $LV2_BUNDLE"; exit 1; }
[ -d "$VST3_BUNDLE/Contents" ] || { fail "no VST3 bundle at $VST3_BUNDLE"; exit 1; }

# Ardour's config, caches and plugin scan results all live in the private HOME.
export XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache" XDG_DATA_HOME="$HOME/.local/share"
mkdir -p "$WORK/lv2" "$HOME/.vst3"
ln -s "$(cd "$LV2_BUNDLE" && pwd)" "$WORK/lv2/ComfyBridge.lv2"
ln -s "$(cd "$VST3_BUNDLE" && pwd)" "$HOME/.vst3/ComfyBridge.vst3"
export LV2_PATH="$WORK/lv2:/usr/lib/ardour7/LV2"

# Ardour (7.3) reads VST3 plugins from its scan cache only when run headless: index
# the bundle first with Ardour's own scanner (it loads the plugin out of process).
FORMATS=(LV2)
if [ -x "$VST3_SCANNER" ]; then
    if LD_LIBRARY_PATH=/usr/lib/ardour7 timeout 60 "$VST3_SCANNER" -f -q "$HOME/.vst3/ComfyBridge.vst3" > "$WORK/vst3-scan.log" 2>&1 \
        && ls "$HOME"/.cache/ardour7/vst/*.v3i > /dev/null 2>&1; then
        pass "ardour-vst3-scanner indexed the VST3"
        FORMATS+=(VST3)
    else
        fail "ardour-vst3-scanner could not index the VST3"; cat "$WORK/vst3-scan.log"
    fi
else
    log "no $VST3_SCANNER: testing the LV2 only"
fi

run_session() {
    local mode="$1" expect_requests="$2"
    log "--- backend: $mode (${FORMATS[*]})"
    start_backend "$mode" || return

    local t0 out="$WORK/ardour-$mode.log"
    t0="$(now)"
    # ardour7-lua with -X gives up if the engine halts; timeout is the last resort.
    probe_env "$WORK/rt-$mode.report"
    timeout -k 5 120 "${PROBED[@]}" ardour7-lua -X "$LUA_SCRIPT" "$WORK/session-$mode" "${FORMATS[@]}" < /dev/null > "$out" 2>&1
    local rc=$? took
    took="$(seconds_since "$t0")"

    grep -E '^(ok:|FAIL:|time )' "$out" | sed "s/^/    [$mode] /"
    local result
    result="$(awk '/^RESULT / { print $2 }' "$out")"
    if [ "$rc" -eq 0 ] && [ "$result" = 0 ]; then
        pass "$mode: the Ardour session script passed in $took s"
    else
        fail "$mode: ardour7-lua exit $rc, RESULT '${result:-none}' after $took s"
        grep -vE '^(ok:|time )' "$out" | tail -n 40
    fi

    # Ardour must not wait for the network: a run with a hanging backend takes about as
    # long as one with a healthy backend (the script itself rolls ~3 s and sleeps ~1 s).
    if ! less_than "$took" 45; then
        fail "$mode: the Ardour run took $took s"
    fi

    check_realtime "$WORK/rt-$mode.report" "$mode (LV2)" 50

    stop_backend
    if [ "$expect_requests" = yes ] && [ "$BACKEND_REQUESTS" -lt 1 ]; then
        fail "$mode: the plugin never reached the backend"
    else
        log "$mode: $BACKEND_REQUESTS request(s) reached the backend"
    fi
}

round_trip() {
    log "--- round trip (LV2): Arm capture, Generate, hear the result (audio_gain -6 dB)"
    start_backend fake || return
    local label="ComfyBridge round trip" out="$WORK/ardour-roundtrip.log" t0
    # The preset bundle sits on LV2_PATH next to the plugin.
    "$BACKEND_TOOL" lv2-state "$WORK/lv2/comfybridge-roundtrip-preset.lv2" "$label" audio_gain 1.0 \
        || { fail "round trip: cannot write the LV2 preset"; stop_backend; return; }

    t0="$(now)"
    probe_env "$WORK/rt-roundtrip.report"
    timeout -k 5 120 "${PROBED[@]}" ardour7-lua -X "$ROUNDTRIP_SCRIPT" "$WORK/session-roundtrip" "$label" "$HOME/Documents/ComfyBridge/Audio" < /dev/null > "$out" 2>&1
    local rc=$? result
    grep -E '^(ok:|FAIL:|time )' "$out" | sed "s/^/    [round trip] /"
    result="$(awk '/^RESULT / { print $2 }' "$out")"
    if [ "$rc" -eq 0 ] && [ "$result" = 0 ]; then
        pass "round trip: the Ardour script passed in $(seconds_since "$t0") s"
    else
        fail "round trip: ardour7-lua exit $rc, RESULT '${result:-none}'"
        grep -vE '^(ok:|time )' "$out" | tail -n 40
    fi
    check_realtime "$WORK/rt-roundtrip.report" "round trip" 100
    rm -rf "$WORK/lv2/comfybridge-roundtrip-preset.lv2"
    stop_backend
    log "round trip: $BACKEND_REQUESTS request(s) reached the backend"
}

run_session fake   yes
round_trip
run_session hang   yes   # Ardour must close sessions and quit while a request hangs
run_session closed no    # connection refused

if [ "$FAILURES" -ne 0 ]; then
    log "$FAILURES failure(s)"
    exit 1
fi
log "all passed"
