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
