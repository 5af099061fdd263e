#!/usr/bin/env bash
# Real-host test: jalv runs the ComfyBridge LV2 as a JACK client on a private JACK
# server (dummy driver, no sound card, no realtime). For each backend - a fake ComfyUI,
# a backend that accepts and never answers, and a closed port, all on 127.0.0.1 - it
# checks that the plugin instantiates, reaches the backend (where there is one), passes
# a metronome through unchanged in level, and that jalv quits promptly and cleanly on
# SIGTERM.
#
# Then a round trip with no GUI, as a user's automation would do it: jalv loads a state
# choosing audio_gain (-6 dB) and a 1 s capture, and sets the "Arm capture" and "Generate"
# parameters; the JACK transport rolls from 0 while the metronome plays into the plugin
# (the capture), the generation starts when the capture is in; the fake ComfyUI runs it; with the metronome unplugged and
# the transport rolled from 0 again, the plugin's output is the metronome at half its
# level, heard where it was captured.
#
# With the real-time probe (Host/RealtimeProbe.cpp) every jalv runs with it preloaded,
# and each run must show the plugin's run() free of allocations, I/O and lock waits on
# JACK's process thread. The probe first proves itself on a plugin that does all three.
#
# usage: run_jalv_test.sh LV2_BUNDLE_DIR BACKEND_TOOL [RT_PROBE_LIB PROBE_SELFTEST_BUNDLE]
# Exit 0 pass, 1 fail, 77 skipped (jalv or jackd not installed).

TEST_NAME=jalv
LV2_BUNDLE="${1:?usage: run_jalv_test.sh LV2_BUNDLE_DIR BACKEND_TOOL}"
BACKEND_TOOL="${2:?usage: run_jalv_test.sh LV2_BUNDLE_DIR BACKEND_TOOL}"
RT_PROBE="${3:-}"
PROBE_SELFTEST_BUNDLE="${4:-}"
URI="http://comfybridge/lv2/comfybridge"

for tool in jalv jackd jack_wait jack_lsp jack_connect jack_metro jack_rec; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: '$tool' is not installed (apt-get install --no-install-recommends jalv jackd2)"; exit 77; }
done

source "$(dirname "${BASH_SOURCE[0]}")/host_test_common.sh"

[ -f "$LV2_BUNDLE/manifest.ttl" ] || { fail "no LV2 bundle at $LV2_BUNDLE"; exit 1; }

# Only our bundle on the LV2 path.
mkdir -p "$WORK/lv2"
ln -s "$(cd "$LV2_BUNDLE" && pwd)" "$WORK/lv2/ComfyBridge.lv2"
export LV2_PATH="$WORK/lv2"

# A private JACK server: a unique name so parallel runs do not meet, and clients
# must not start a default server of their own.
export JACK_DEFAULT_SERVER="comfybridge-test-$$-$RANDOM"
export JACK_NO_START_SERVER=1
export JACK_NO_AUDIO_RESERVATION=1

jackd --no-realtime -d dummy -r 48000 -p 256 > "$WORK/jackd.log" 2>&1 &
JACKD_PID=$!
STARTED_PIDS+=("$JACKD_PID")

if ! jack_wait -w -t 10 > /dev/null 2>&1; then
    echo "jackd (dummy driver) did not start:"; cat "$WORK/jackd.log"
    fail "no JACK server"
    exit 1
fi
log "jackd (dummy, 48 kHz, 256 frames) is up as '$JACK_DEFAULT_SERVER'"

jack_metro -n metro -b 600 -A 0.5 -D 50 > "$WORK/metro.log" 2>&1 &
STARTED_PIDS+=($!)

# port_of CLIENT DIRECTION: the first audio port of a client ("input" or "output").
port_of() {
    jack_lsp -p "$1:" 2>/dev/null | awk -v dir="$2" '
        /^[^ \t]/ { port = $0 }
        /properties:/ && index($0, dir) { print port; exit }'
}

# start_jalv NAME REPORT [VAR=VALUE...] jalv ARGS...: starts jalv in the background (with
# the probe writing to REPORT, when there is one), its output in $WORK/jalv-NAME.log; sets JALV_PID.
start_jalv() {
    local name="$1" report="$2"; shift 2
    # jalv's console quits at the end of its input: keep its stdin open (a FIFO we hold).
    rm -f "$WORK/jalv-$name.in"; mkfifo "$WORK/jalv-$name.in"
    exec 9<> "$WORK/jalv-$name.in"
    probe_env "$report"
    "${PROBED[@]}" "$@" <&9 > "$WORK/jalv-$name.log" 2>&1 &
    JALV_PID=$!
    exec 9>&-
    STARTED_PIDS+=("$JALV_PID")
}

run_scenario() {
    local mode="$1" expect_requests="$2" run_seconds="$3"
    log "--- backend: $mode"
    start_backend "$mode" || return

    local client="cb_$mode" t0
    t0="$(now)"
    start_jalv "$mode" "$WORK/rt-$mode.report" jalv -x -n "$client" "$URI"
    local jalv_pid=$JALV_PID

    local in="" out="" i
    for i in $(seq 200); do
        in="$(port_of "$client" input)"; out="$(port_of "$client" output)"
        [ -n "$in" ] && [ -n "$out" ] && break
        kill -0 "$jalv_pid" 2>/dev/null || break
        sleep 0.05
    done

    if [ -z "$in" ] || [ -z "$out" ]; then
        fail "$mode: jalv did not register the plugin's ports"; cat "$WORK/jalv-$mode.log"
        kill -KILL "$jalv_pid" 2>/dev/null
        stop_backend
        return
    fi
    pass "$mode: instantiated, JACK ports up after $(seconds_since "$t0") s ($in -> $out)"

    # metro -> plugin -> recorder.
    local metro_out
    metro_out="$(jack_lsp 'metro:' | head -n1)"
    jack_connect "$metro_out" "$in" || fail "$mode: cannot connect $metro_out to $in"
    jack_rec -f "$WORK/out-$mode.wav" -d "$run_seconds" "$out" > "$WORK/rec-$mode.log" 2>&1
    local measure
    measure="$("$BACKEND_TOOL" peak "$WORK/out-$mode.wav" 2>&1)"
    # The metronome clicks at amplitude 0.5: the same peak must come out of the plugin.
    if awk -v m="$measure" 'BEGIN { split(m, f, " "); exit !(f[2] > 0 && f[4] > 0.45 && f[4] < 0.55) }'; then
        pass "$mode: audio flows through the plugin ($measure)"
    else
        fail "$mode: no metronome at the plugin's output ($measure)"
    fi

    kill -0 "$jalv_pid" 2>/dev/null || fail "$mode: jalv died while running"

    kill -TERM "$jalv_pid" 2>/dev/null
    wait_for_exit "$jalv_pid" 10
    if [ "$EXIT_CODE" = 0 ] && less_than "$EXIT_SECONDS" 3; then
        pass "$mode: jalv quit cleanly on SIGTERM in $EXIT_SECONDS s"
    else
        fail "$mode: jalv quit with '$EXIT_CODE' after $EXIT_SECONDS s (expected 0 within 3 s)"
        cat "$WORK/jalv-$mode.log"
    fi
    # At 48 kHz in 256-frame blocks, 187 run() calls a second.
    check_realtime "$WORK/rt-$mode.report" "$mode" $((run_seconds * 150))

    stop_backend
    if [ "$expect_requests" = yes ] && [ "$BACKEND_REQUESTS" -lt 1 ]; then
        fail "$mode: the plugin never reached the backend"
    else
        log "$mode: $BACKEND_REQUESTS request(s) reached the backend"
    fi
}

# jack_transport reads commands on its standard input.
transport() { printf '%s\n' "$@" | jack_transport > /dev/null 2>&1; }

round_trip() {
    log "--- round trip: Arm capture, Generate, hear the result (audio_gain -6 dB)"
    start_backend fake || return
    local state="$WORK/state-roundtrip" client="cb_rt" t0
    "$BACKEND_TOOL" lv2-state "$state" "ComfyBridge round trip" audio_gain 1.0 || { fail "round trip: cannot write the LV2 state"; stop_backend; return; }

    # jalv tells a plugin the transport's position only when it changes. Stopped away from
    # 0, its first block carries one, so the plugin follows JACK's transport from the start.
    transport stop "locate 48000"

    # jalv sets parameters (LV2 properties: its console sets only ports) with -c at start,
    # and passes them on only with -s (it forwards "UI" events then; no display needed):
    # "Arm capture" arms while the transport stands, and "Generate" waits for that capture.
    start_jalv rt "$WORK/rt-roundtrip.report" \
        jalv -s -x -n "$client" -l "$state" -c comfybridge_arm_capture=1 -c comfybridge_generate=1 "$URI"
    local jalv_pid=$JALV_PID

    local in="" out="" i
    for i in $(seq 200); do
        in="$(port_of "$client" input)"; out="$(port_of "$client" output)"
        [ -n "$in" ] && [ -n "$out" ] && break
        sleep 0.05
    done
    if [ -z "$in" ] || [ -z "$out" ]; then
        fail "round trip: jalv did not register the plugin's ports"; cat "$WORK/jalv-rt.log"
        kill -KILL "$jalv_pid" 2>/dev/null; stop_backend; return
    fi

    local metro_out
    metro_out="$(jack_lsp 'metro:' | head -n1)"
    jack_connect "$metro_out" "$in" || fail "round trip: cannot connect $metro_out to $in"
    sleep 0.5

    # The capture starts where the transport rolls (0) and ends where it stops (1 s set).
    # One jack_transport client for it all: a client coming or going can make the dummy
    # driver skip a cycle, which the plugin sees as a jump (that ends a capture early).
    t0="$(now)"
    { printf 'locate 0\nplay\n'; sleep 1.5; printf 'stop\n'; } | jack_transport > /dev/null 2>&1

    local result=""
    for i in $(seq 300); do
        result="$(ls "$HOME"/Documents/ComfyBridge/Audio/*.flac 2>/dev/null | head -n1)"
        [ -n "$result" ] && break
        sleep 0.05
    done
    if [ -z "$result" ]; then
        fail "round trip: no result file after Generate"; cat "$WORK/jalv-rt.log"
    else
        pass "round trip: captured, generated and written ($(basename "$result")) $(seconds_since "$t0") s after the transport rolled"
    fi

    # Only the result can sound now: the metronome is unplugged, the dry input silent.
    jack_disconnect "$metro_out" "$in"
    transport "locate 0"
    sleep 0.3
    jack_rec -f "$WORK/out-roundtrip.wav" -d 1.5 "$out" > "$WORK/rec-roundtrip.log" 2>&1 &
    local rec_pid=$!
    sleep 0.2
    { printf 'play\n'; sleep 1.5; printf 'stop\n'; } | jack_transport > /dev/null 2>&1
    wait "$rec_pid"

    local measure
    measure="$("$BACKEND_TOOL" peak "$WORK/out-roundtrip.wav" 2>&1)"
    # The metronome's clicks peak at 0.5: after audio_gain at -6 dB, 0.25.
    if awk -v m="$measure" 'BEGIN { split(m, f, " "); exit !(f[6] > 0 && f[4] > 0.2 && f[4] < 0.3) }'; then
        pass "round trip: the result is heard at the output at $(awk -v m="$measure" 'BEGIN { split(m, f, " "); printf "%.2f dB", 20 * log(f[4] / 0.5) / log(10) }') of the input ($measure)"
    else
        fail "round trip: the result is not heard at -6 dB ($measure)"; cat "$WORK/jalv-rt.log"
    fi

    kill -TERM "$jalv_pid" 2>/dev/null
    wait_for_exit "$jalv_pid" 10
    [ "$EXIT_CODE" = 0 ] || fail "round trip: jalv quit with '$EXIT_CODE'"
    # Capture, generation, playback of the result and parameter changes all happened in here.
    check_realtime "$WORK/rt-roundtrip.report" "round trip" 500
    stop_backend
    log "round trip: $BACKEND_REQUESTS request(s) reached the backend"
}

# The probe proves it can see what it looks for: a plugin that allocates, frees, writes
# and waits for a lock in every run() must be caught at it.
probe_self_test() {
    [ -n "$RT_PROBE" ] || return
    log "--- the real-time probe on a plugin that breaks every rule"
    local uri="urn:comfybridge:test:misbehaving" report="$WORK/rt-selftest.report"
    mkdir -p "$WORK/lv2-selftest"
    ln -s "$(cd "$PROBE_SELFTEST_BUNDLE" && pwd)" "$WORK/lv2-selftest/misbehaving.lv2"
    start_jalv selftest "$report" LV2_PATH="$WORK/lv2-selftest" COMFYBRIDGE_RT_PROBE_URI="$uri" jalv -x -n cb_selftest "$uri"
    local jalv_pid=$JALV_PID
    sleep 1.5 # the window of audio to look at: about 280 run() calls
    kill -TERM "$jalv_pid" 2>/dev/null
    wait_for_exit "$jalv_pid" 10
    local runs allocations frees io waits
    runs="$(report_total "$report" runs)"; allocations="$(report_total "$report" allocations)"
    frees="$(report_total "$report" frees)"; io="$(report_total "$report" io_calls)"
    waits="$(report_total "$report" lock_waits)"
    # Every run() allocates, frees and writes once; the lock is held half the time. Its
    # stacks must name the plugin's source lines, and with the plugin's sources taken for
    # ours, its lock must be told from a JUCE wrapper's.
    print_report "$report" > "$report.resolved"
    local own_locks
    own_locks="$(OUR_SOURCES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ProbeSelfTest/" lock_owners "$report.resolved" \
                 | awk '$1 == "ours" { n += $2 } END { print n + 0 }')"
    # (Within one of the runs: the exit may cut the last run() short.)
    near() { [ $(($1 - runs)) -le 1 ] && [ $((runs - $1)) -le 1 ]; }
    if [ "$runs" -gt 100 ] && near "$allocations" && near "$frees" && near "$io" \
        && [ "$waits" -gt 0 ] && near "$own_locks" \
        && grep -q "comfybridge_misbehaving.so .*MisbehavingPlugin.cpp:" "$report.resolved"; then
        pass "the probe caught the misbehaving plugin: $runs runs, $allocations allocations, $frees frees, $io I/O calls, $waits lock waits, $own_locks locks of its own; stacks named to the source line"
    else
        fail "the probe missed what the misbehaving plugin did ($runs runs, $allocations allocations, $frees frees, $io I/O calls, $waits lock waits, ${own_locks:-?} locks of its own)"
        cat "$WORK/jalv-selftest.log" "$report.resolved"
    fi
}

probe_self_test
run_scenario fake   yes 3
round_trip
run_scenario hang   yes 3   # jalv must still quit promptly while a request hangs
run_scenario closed no  2   # connection refused: the host stays responsive

kill -TERM "$JACKD_PID" 2>/dev/null
wait_for_exit "$JACKD_PID" 5

if [ "$FAILURES" -ne 0 ]; then
    log "$FAILURES failure(s)"
    exit 1
fi
log "all passed"
