# tests/lib/services.sh: sourced by the integration tests. Starts the real
# services as processes on free loopback ports in a temporary directory,
# and stops them, whatever happens, when the test exits.
set -euo pipefail

RY_BIN=${RY_BIN:?RY_BIN must point at the build bin/ directory}
RY_SOURCE_DIR=${RY_SOURCE_DIR:?RY_SOURCE_DIR must point at the repository}
RY_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rongyu-it.XXXXXX")
export RONGYU_HOME=$RY_TMP/home
mkdir -p "$RONGYU_HOME/log"
# The default campaign is 2018's: run its demo inside its submission window.
export RONGYU_CLOCK=${RONGYU_CLOCK:-2018-11-20T09:00:00+08:00}
export RONGYU_LOG_LEVEL=${RONGYU_LOG_LEVEL:-info}
# Every test runs with CURVE on: the keys of 'rongyu keys init' and a
# platform key that acts for whichever organisation a command names
# (--as, --org), as the platform backend does for its users.
export RONGYU_KEY=$RONGYU_HOME/keys/tests-platform.cert
RY_ADMIN_KEY=$RONGYU_HOME/keys/admin.cert
declare -A RY_PID=()

ry_it_cleanup() {
    local rc=$?
    local svc
    # After a passing test the services stop cleanly (SIGTERM, 10 s at
    # most), so that under a sanitizer build LeakSanitizer reports at
    # their exit; a report in a log fails the test.
    if [ "$rc" -eq 0 ]; then
        for svc in "${!RY_PID[@]}"; do
            kill -TERM "${RY_PID[$svc]}" 2>/dev/null || true
        done
        for svc in "${!RY_PID[@]}"; do
            ry_until 10 ry_gone "$svc" || true
        done
        for f in "$RONGYU_HOME"/log/*.log; do
            if [ -f "$f" ] && grep -qE 'ERROR: (Leak|Address|UndefinedBehavior)Sanitizer|runtime error:' "$f"; then
                echo "FAIL: sanitizer report in $f" >&2
                rc=1
            fi
        done
    fi
    for svc in "${!RY_PID[@]}"; do
        kill -9 "${RY_PID[$svc]}" 2>/dev/null || true
    done
    # Whatever else the test left running (a load generator) goes too.
    local jobs_left
    jobs_left=$(jobs -p)
    if [ -n "$jobs_left" ]; then
        kill -9 $jobs_left 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        echo "--- test failed (exit $rc); service logs in $RY_TMP ---" >&2
        for f in "$RONGYU_HOME"/log/*.log; do
            [ -f "$f" ] || continue
            echo "--- tail of $f ---" >&2
            tail -n 25 "$f" >&2
        done
    else
        rm -rf "$RY_TMP"
    fi
    exit "$rc"
}
trap ry_it_cleanup EXIT

ry_fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# ry_skip WHY: the test cannot run here: exit 77, which CTest counts as
# skipped and deploy/test.sh lists with WHY.
ry_skip() {
    echo "SKIPPED: $*"
    echo "SKIPPED: $*" >&2
    exit 77
}

# ry_port_listening PORT: true when something listens on loopback PORT.
ry_port_listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

ry_ok() {
    echo "ok - $*"
}

# ry_until SECONDS CMD...: runs CMD until it succeeds or SECONDS pass (it
# is tried every 0.1 s); returns 1 when it never succeeded. Tests wait for
# an event this way, never for a fixed time.
ry_until() {
    local end=$((SECONDS + $1))
    shift
    while :; do
        "$@" && return 0
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.1
    done
}

# Picks a block of eight consecutive free loopback ports for the test,
# once (a later call keeps them), below the kernel's ephemeral range so
# that no outgoing connection can take one while its service is down for
# a restart: the four services' ports (notification also binds its
# request socket and feed at its port + 1 and + 2), then two spare ones,
# the first RY_SPARE_PORT, for a receiver the test starts itself.
# Tests run several at a time: a block is held with flock on a file of
# RY_PORT_LOCKS for as long as the test or a service it started runs
# (they inherit the descriptor), so that two tests never pick the same
# block between the probe and the services' bind. The files stay (empty,
# one per block ever used): one removed while another test opens it would
# let two tests hold the same block. The directory is the user's own
# (mode 700, not a link), and a file in it is opened without truncating.
# tests/integration/ports.sh checks this with RY_PORT_LOCKS, RY_PORT_LOW
# and RY_PORT_HIGH (the blocks lie from the one up to the other; default
# 10000 up to where the ephemeral range begins) of its own.
RY_PORT_LOCKS=${RY_PORT_LOCKS:-${TMPDIR:-/tmp}/rongyu-ports-$(id -u)}
RY_PORT_BASE=
ry_pick_ports() {
    [ -z "$RY_PORT_BASE" ] || return 0
    local base p busy low high fd
    low=${RY_PORT_LOW:-10000}
    high=${RY_PORT_HIGH:-}
    if [ -z "$high" ]; then
        high=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
        [ "$high" -gt 12000 ] || high=32768
    fi
    mkdir -m 700 -p "$RY_PORT_LOCKS" 2>/dev/null
    [ -d "$RY_PORT_LOCKS" ] && [ ! -L "$RY_PORT_LOCKS" ] && [ -O "$RY_PORT_LOCKS" ] ||
        ry_fail "$RY_PORT_LOCKS is not a directory of this user's own"
    for _ in $(seq 1 50); do
        base=$((low + 8 * ((RANDOM * 7 + $$) % ((high - low) / 8))))
        exec {fd}>>"$RY_PORT_LOCKS/$base" || ry_fail "cannot open $RY_PORT_LOCKS/$base"
        if ! flock -n "$fd"; then
            exec {fd}>&-
            continue
        fi
        busy=0
        for p in $(seq "$base" $((base + 7))); do
            if ry_port_listening "$p"; then
                busy=1
                break
            fi
        done
        if [ "$busy" = 1 ]; then
            exec {fd}>&-
            continue
        fi
        RY_PORT_BASE=$base
        export RONGYU_INTAKE_ENDPOINT=tcp://127.0.0.1:$base
        export RONGYU_VALIDATION_ENDPOINT=tcp://127.0.0.1:$((base + 1))
        export RONGYU_QUOTA_ENDPOINT=tcp://127.0.0.1:$((base + 2))
        export RONGYU_NOTIFICATION_ENDPOINT=tcp://127.0.0.1:$((base + 3))
        RY_SPARE_PORT=$((base + 6))
        return 0
    done
    ry_fail "no free ports found"
}

# ry_keys: makes the keys once (services and administrator, and the
# tests' platform key).
ry_keys() {
    [ -f "$RY_ADMIN_KEY" ] || "$RY_BIN/rongyu" keys init >/dev/null ||
        ry_fail "rongyu keys init failed"
    [ -f "$RONGYU_KEY" ] || "$RY_BIN/rongyu" keys gen tests-platform >/dev/null ||
        ry_fail "rongyu keys gen failed"
}

# ry_platform_key: registers the tests' platform key with the
# administrator's (again after intake's store was wiped: it answers the
# same record when it is there).
ry_platform_key() {
    "$RY_BIN/rongyu" keys add --key "$RY_ADMIN_KEY" --org platform \
        --role platform --label tests "$RONGYU_KEY" >/dev/null ||
        ry_fail "cannot register the tests' platform key"
    # Intake tells notification which keys may read it: wait for that.
    if [ -n "${RY_PID[notification]:-}" ]; then
        ry_until 10 "$RY_BIN/rongyu" notifications --timers --timeout 1 \
            --retries 1 >/dev/null 2>&1 ||
            ry_fail "notification does not admit the tests' platform key"
    fi
}

# ry_launch SVC [ENV=VALUE...]: starts one service in the background.
ry_launch() {
    local svc=$1
    shift
    ry_keys
    env "$@" "$RY_BIN/rongyu-$svc" >>"$RONGYU_HOME/log/$svc.log" 2>&1 &
    RY_PID[$svc]=$!
    # The tests' platform key must be registered before any client comes,
    # also when intake runs towards a crash point (then it may die first).
    if [ "$svc" = intake ]; then
        for _ in $(seq 1 100); do
            if "$RY_BIN/rongyu" ping intake --timeout 1 >/dev/null 2>&1; then
                "$RY_BIN/rongyu" keys add --key "$RY_ADMIN_KEY" --org platform \
                    --role platform --label tests "$RONGYU_KEY" >/dev/null 2>&1 ||
                    ry_alive intake || return 0
                return 0
            fi
            ry_alive intake || return 0
            sleep 0.1
        done
    fi
}

# ry_alive SVC: true while the service's process runs (not a zombie).
ry_alive() {
    local pid=${RY_PID[$1]:-}
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
        [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != Z ]
}

# ry_gone SVC: true once the service's process has ended.
ry_gone() {
    ! ry_alive "$1"
}

# ry_wait_dead SVC SECONDS: true once the service has died by itself
# (a crash point of RONGYU_FAULT), false if it still runs after SECONDS.
ry_wait_dead() {
    for _ in $(seq 1 $(($2 * 10))); do
        if ! ry_alive "$1"; then
            wait "${RY_PID[$1]}" 2>/dev/null || true
            unset "RY_PID[$1]"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# ry_start SVC [ENV=VALUE...]: starts one service and waits until it
# answers a ping.
ry_start() {
    local svc=$1
    shift
    ry_launch "$svc" "$@"
    for _ in $(seq 1 100); do
        if "$RY_BIN/rongyu" ping "$svc" --timeout 1 >/dev/null 2>&1; then
            [ "$svc" != intake ] || ry_platform_key
            return 0
        fi
        ry_alive "$svc" || ry_fail "$svc exited at start"
        sleep 0.1
    done
    ry_fail "$svc does not answer"
}

# ry_start_services: starts the four services (on the ports picked).
ry_start_services() {
    local svc
    for svc in validation quota notification intake; do
        ry_start "$svc"
    done
}

ry_start_all() {
    ry_pick_ports
    ry_start_services
}

# ry_kill9 SVC: kills a service without warning.
ry_kill9() {
    kill -9 "${RY_PID[$1]}" 2>/dev/null || true
    wait "${RY_PID[$1]}" 2>/dev/null || true
    unset "RY_PID[$1]"
}

# ry_stop SVC: stops a service cleanly (SIGTERM) and waits for it. Under
# a sanitizer build a report in its log (a leak found at exit, an error)
# fails the test; so does a write tried while handling a request its
# service took for a read (ry_txn_reads_only).
ry_stop() {
    kill -TERM "${RY_PID[$1]}" 2>/dev/null || true
    wait "${RY_PID[$1]}" 2>/dev/null || true
    unset "RY_PID[$1]"
    if grep -qE 'ERROR: (Leak|Address|UndefinedBehavior)Sanitizer|runtime error:' \
        "$RONGYU_HOME/log/$1.log" 2>/dev/null; then
        grep -m 20 -E -A 12 'Sanitizer|runtime error:' "$RONGYU_HOME/log/$1.log" >&2
        ry_fail "$1: sanitizer report in its log"
    fi
    if grep -q 'where only reads are allowed' "$RONGYU_HOME/log/$1.log" 2>/dev/null; then
        grep -m 5 'where only reads are allowed' "$RONGYU_HOME/log/$1.log" >&2
        ry_fail "$1: a request taken for a read tried to write"
    fi
}

ry_stop_all() {
    local svc
    for svc in intake validation quota notification; do
        [ -n "${RY_PID[$svc]:-}" ] && ry_stop "$svc"
    done
    return 0
}

ry() {
    "$RY_BIN/rongyu" "$@"
}

# ry_need_py: finds a python3 with Debian's python3-zmq and
# python3-protobuf (RY_PY) and the generated rongyu_pb2.py, or fails the
# test saying what is missing. ry_py ARGS...: runs that python3 with the
# Python reference client (clients/python) and rongyu_pb2 on its path.
ry_need_py() {
    local p
    RY_PY=
    for p in /usr/bin/python3 python3; do
        if "$p" -c 'import zmq, google.protobuf' 2>/dev/null; then
            RY_PY=$p
            break
        fi
    done
    [ -n "$RY_PY" ] || ry_fail "no python3 with zmq and protobuf (apt-get install python3-zmq python3-protobuf)"
    [ -f "$RY_BIN/../clients/python/rongyu_pb2.py" ] ||
        ry_fail "rongyu_pb2.py was not generated in $RY_BIN/../clients/python"
}
ry_py() {
    PYTHONDONTWRITEBYTECODE=1 \
        PYTHONPATH=$RY_BIN/../clients/python:$RY_SOURCE_DIR/clients/python \
        "$RY_PY" "$@"
}

# ry_wait_drained [SECONDS]: waits until intake has no outbox row and no
# case waits for its verdict. The outboxes are read again after the
# cases: a verdict applied between the first two reads adds an event.
ry_wait_drained() {
    local limit=${1:-60} waiting
    for _ in $(seq 1 $((limit * 5))); do
        if s_outbox_empty; then
            waiting=$(ry list --role city --as city --state submitted --json 2>/dev/null |
                jq '.cases | length') || waiting=unknown
            if [ "$waiting" = 0 ] && s_outbox_empty; then
                return 0
            fi
        fi
        sleep 0.2
    done
    ry_fail "not drained after ${limit}s: $(ry status 2>&1 | tr '\n' ' ')"
}
s_outbox_empty() {
    local out
    out=$(ry status --json 2>/dev/null) &&
        [ "$(jq '[.links[]?.outbox // 0] | add // 0' <<<"$out")" = 0 ]
}
