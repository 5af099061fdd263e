# Shared by the real-host tests (run_jalv_test.sh, run_ardour_test.sh). Sourced, not run.
#
# Gives each run a private scratch folder and HOME (the plugin reads its defaults from
# $HOME/.config/ComfyBridge/ComfyBridge.settings, so every instance a host creates talks
# to 127.0.0.1:<our backend> and nothing else), starts/stops backends made by
# comfybridge_host_backend, and cleans up whatever it started (by PID) on exit.
set -uo pipefail

SKIP_CODE=77 # ctest SKIP_RETURN_CODE

TEST_NAME="${TEST_NAME:-host-test}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/comfybridge-$TEST_NAME.XXXXXX")"
export HOME="$WORK/home"
mkdir -p "$HOME"
# Loopback only: never let a proxy setting route our requests elsewhere.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy="127.0.0.1" NO_PROXY="127.0.0.1"

STARTED_PIDS=()
FAILURES=0

log()  { printf '[%s %6.2fs] %s\n' "$TEST_NAME" "$(elapsed)" "$*"; }
fail() { log "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
pass() { log "ok: $*"; }
skip() { echo "SKIP: $*"; exit $SKIP_CODE; }
now()  { date +%s.%N; }
T_START="$(now)"
elapsed() { awk -v a="$T_START" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
less_than() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "${KEEP_WORK:-0}" = 1 ] || [ "$FAILURES" -ne 0 ]; then
        echo "(scratch folder kept: $WORK)"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT

# Writes the user's defaults (~/.config/ComfyBridge/ComfyBridge.settings) so new plugin
# instances use 127.0.0.1:$1 and no port discovery.
write_defaults() {
    local dir="$HOME/.config/ComfyBridge"
    mkdir -p "$dir"
    cat > "$dir/ComfyBridge.settings" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<PROPERTIES><VALUE name="host" val="127.0.0.1"/><VALUE name="port" val="$1"/><VALUE name="timeout" val="30"/><VALUE name="probe_timeout" val="30"/><VALUE name="max_retries" val="0"/><VALUE name="discover_port" val="0"/></PROPERTIES>
EOF
}

# start_backend MODE (fake|hang|closed): sets BACKEND_PID, BACKEND_PORT, BACKEND_OUT and writes the defaults.
start_backend() {
    local mode="$1" portfile="$WORK/backend-$1.port"
    BACKEND_OUT="$WORK/backend-$1.out"
    rm -f "$portfile"
    "$BACKEND_TOOL" serve "$mode" "$portfile" > "$BACKEND_OUT" 2>&1 &
    BACKEND_PID=$!
    STARTED_PIDS+=("$BACKEND_PID")
    local i
    for i in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.05; done
    BACKEND_PORT="$(cat "$portfile" 2>/dev/null)"
    [ -n "$BACKEND_PORT" ] || { fail "backend '$mode' did not start"; return 1; }
    write_defaults "$BACKEND_PORT"
}

# stop_backend: stops it and sets BACKEND_REQUESTS (how many requests reached it).
stop_backend() {
    kill -TERM "$BACKEND_PID" 2>/dev/null
    wait "$BACKEND_PID" 2>/dev/null
    BACKEND_REQUESTS="$(awk '/^requests/ { print $2 }' "$BACKEND_OUT")"
    BACKEND_REQUESTS="${BACKEND_REQUESTS:-0}"
}

# wait_for_exit PID TIMEOUT_S: waits for a child; sets EXIT_CODE (or "timeout") and EXIT_SECONDS.
wait_for_exit() {
    local pid="$1" limit="$2" t0
    t0="$(now)"
    while kill -0 "$pid" 2>/dev/null; do
        if ! less_than "$(seconds_since "$t0")" "$limit"; then
            EXIT_CODE=timeout
            EXIT_SECONDS="$(seconds_since "$t0")"
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            return
        fi
        sleep 0.02
    done
    wait "$pid"
    EXIT_CODE=$?
    EXIT_SECONDS="$(seconds_since "$t0")"
}

# The real-time probe (Host/RealtimeProbe.cpp), preloaded into a host: it counts what
# the plugin's LV2 run() does on the host's audio thread. RT_PROBE is its library ("" = off).
RT_PROBE="${RT_PROBE:-}"

# probe_env REPORT: sets PROBED to the command prefix that runs a host with the probe
# writing to REPORT (`"${PROBED[@]}" jalv ...`; env execs the host, so $! stays its PID).
probe_env() {
    rm -f "$1"
    if [ -n "$RT_PROBE" ]; then
        PROBED=(env "LD_PRELOAD=$RT_PROBE${LD_PRELOAD:+:$LD_PRELOAD}" "COMFYBRIDGE_RT_PROBE_REPORT=$1")
    else
        PROBED=(env)
    fi
}

# report_total REPORT KEY: KEY summed over every process that wrote to the report.
report_total() { awk -v key="$2" '$1 == key { sum += $2 } END { print sum + 0 }' "$1" 2>/dev/null || echo 0; }

# Our own sources, as the plugin's debug information names them.
OUR_SOURCES="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/Source/"

# print_report REPORT: the report, each frame given its function and source line (one
# addr2line per library: it reads the whole debug information each time).
print_report() {
    local report="$1" library offset line
    declare -A named=()
    while IFS= read -r library; do
        [ -f "$library" ] || continue
        local key=""
        while IFS= read -r line; do
            if [[ "$line" =~ ^0x([0-9a-f]+):\ (.*)$ ]]; then
                key="$library:$((16#${BASH_REMATCH[1]}))"; named[$key]="${BASH_REMATCH[2]}"
            elif [ -n "$key" ]; then
                named[$key]+=$'\n'"    $line"
            fi
        done < <(awk -v lib="$library" '$1 == "frame" && $2 == lib { print $3 }' "$report" | sort -u \
                     | while read -r offset; do printf '0x%x\n' $((offset - 1)); done \
                     | addr2line -a -f -i -C -p -e "$library" 2>/dev/null)
    done < <(awk '$1 == "frame" { print $2 }' "$1" | sort -u)

    while IFS= read -r line; do
        if [[ "$line" =~ ^\ *frame\ (.+)\ (0x[0-9a-f]+)$ ]]; then
            library="${BASH_REMATCH[1]}"; offset="${BASH_REMATCH[2]}"
            # A return address: the call is the byte before it.
            printf '    %s %s\n' "$(basename "$library")" "${named[$library:$((offset - 1))]:-$offset}"
        else
            printf '%s\n' "$line"
        fi
    done < "$report"
}

# lock_owners RESOLVED_REPORT: a line per distinct lock stack: "ours|juce COUNT WHERE",
# "ours" when any frame below the lock is in our sources, WHERE the function that took it.
lock_owners() {
    awk -v ours="$OUR_SOURCES" '
        function flush() {
            if (kind == "lock") print (mine ? "ours" : "juce"), count, where
            kind = ""
        }
        /^stack / { flush(); kind = $2; count = $4; mine = 0; where = ""; next }
        /RealtimeProbe.cpp|libcomfybridge_rt_probe/ { next }
        kind != "" {
            if (index($0, ours)) mine = 1
            if (where == "" && $0 !~ /ScopedLock|pthread_mutex/) {
                where = $0
                sub(/^ *(\(inlined by\) )?([^ ]+\.so[^ ]* )?/, "", where)
                sub(/\(.*/, "", where)
            }
        }
        END { flush() }' "$1"
}

# check_realtime REPORT WHAT MIN_RUNS: passes when the plugin's run() was called at least
# MIN_RUNS times and never allocated, freed, did I/O or waited for a lock, and every lock
# it took was JUCE's LV2 wrapper's own (the processor's callback lock around processBlock,
# a parameter's listener lock when the host sets a parameter), none from our code.
check_realtime() {
    local report="$1" what="$2" min_runs="$3"
    [ -n "$RT_PROBE" ] || { log "$what: no real-time probe given, not checked"; return; }
    local runs allocations frees locks waits io dropped resolved="$report.resolved"
    runs="$(report_total "$report" runs)"
    allocations="$(report_total "$report" allocations)"
    frees="$(report_total "$report" frees)"
    locks="$(report_total "$report" lock_calls)"
    waits="$(report_total "$report" lock_waits)"
    io="$(report_total "$report" io_calls)"
    dropped="$(report_total "$report" stacks_dropped)"
    : > "$resolved"
    [ -f "$report" ] && print_report "$report" > "$resolved"
    local ours juce
    ours="$(lock_owners "$resolved" | awk '$1 == "ours" { n += $2 } END { print n + 0 }')"
    juce="$(lock_owners "$resolved" | awk '$1 == "juce" { where = $0; sub(/^[^ ]+ [^ ]+ /, "", where); n[where] += $2 }
                                          END { for (where in n) { printf "%s%s x%d", sep, where, n[where]; sep = ", " } }')"
    local summary="$runs run() calls: $allocations allocations, $frees frees, $io I/O calls, $waits lock waits; $locks locks taken, $ours by our code, the rest JUCE's wrapper's: ${juce:-none}"
    if [ "$runs" -ge "$min_runs" ] && [ "$allocations" = 0 ] && [ "$frees" = 0 ] && [ "$io" = 0 ] \
        && [ "$waits" = 0 ] && [ "$ours" = 0 ] && [ "$dropped" = 0 ]; then
        pass "$what: real-time safe on the host's audio thread ($summary)"
    else
        fail "$what: not real-time safe or not probed (at least $min_runs runs expected; $summary; $dropped stacks not kept)"
        cat "$resolved"
    fi
}
