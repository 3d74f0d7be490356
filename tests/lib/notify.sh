# tests/lib/notify.sh: sourced (after services.sh) by the notification
# integration tests: the clock file, notification's ports, the receivers of
# tests/receivers/ and waiting for what they record.

RY_RECV=$RY_SOURCE_DIR/tests/receivers
export RONGYU_CLOCK_FILE=$RY_TMP/clock
unset RONGYU_CLOCK

# ry_clock_set TIME: sets every service's clock (atomically).
ry_clock_set() {
    echo "$1" >"$RONGYU_CLOCK_FILE.tmp"
    mv "$RONGYU_CLOCK_FILE.tmp" "$RONGYU_CLOCK_FILE"
}

# ry_notify_ports: notification's request socket and feed, named (the
# ports it would take by default, its port + 1 and + 2, in the test's
# block of ry_pick_ports).
ry_notify_ports() {
    ry_pick_ports
    export RONGYU_NOTIFY_CLIENT_ENDPOINT=tcp://127.0.0.1:$((RY_PORT_BASE + 4))
    export RONGYU_NOTIFY_PUB_ENDPOINT=tcp://127.0.0.1:$((RY_PORT_BASE + 5))
}

# ry_http_sink NAME [ARGS...]: starts http_sink.py recording to
# $RY_TMP/NAME.jsonl; sets HTTP_PORT (from --port or the one picked).
ry_http_sink() {
    local name=$1
    shift
    rm -f "$RY_TMP/$name.port"
    python3 "$RY_RECV/http_sink.py" --out "$RY_TMP/$name.jsonl" \
        --port-file "$RY_TMP/$name.port" "$@" 2>>"$RY_TMP/$name.err" &
    RY_SINK_PID[$name]=$!
    for _ in $(seq 1 100); do
        [ -s "$RY_TMP/$name.port" ] && break
        sleep 0.05
    done
    HTTP_PORT=$(cat "$RY_TMP/$name.port") || ry_fail "http sink $name did not start"
}

# ry_smtp_sink NAME [ARGS...]: the same for smtp_sink.py; sets SMTP_PORT.
ry_smtp_sink() {
    local name=$1
    shift
    rm -f "$RY_TMP/$name.port"
    python3 "$RY_RECV/smtp_sink.py" --out "$RY_TMP/$name.jsonl" \
        --port-file "$RY_TMP/$name.port" "$@" 2>>"$RY_TMP/$name.err" &
    RY_SINK_PID[$name]=$!
    for _ in $(seq 1 100); do
        [ -s "$RY_TMP/$name.port" ] && break
        sleep 0.05
    done
    SMTP_PORT=$(cat "$RY_TMP/$name.port") || ry_fail "smtp sink $name did not start"
}
declare -A RY_SINK_PID=()

ry_sink_stop() {
    kill "${RY_SINK_PID[$1]}" 2>/dev/null || true
    wait "${RY_SINK_PID[$1]}" 2>/dev/null || true
    unset "RY_SINK_PID[$1]"
}

# ry_count FILE JQ_FILTER: how many records of FILE (JSON lines) match.
ry_count() {
    [ -f "$1" ] || { echo 0; return; }
    jq -s "[.[] | select($2)] | length" "$1"
}

# ry_wait_count FILE JQ_FILTER N [SECONDS]: waits until exactly N match.
ry_wait_count() {
    local n
    for _ in $(seq 1 $((${4:-20} * 10))); do
        n=$(ry_count "$1" "$2")
        [ "$n" -ge "$3" ] && return 0
        sleep 0.1
    done
    ry_fail "$(basename "$1"): $n records match '$2', $3 expected"
}

# ry_notify_settled [SECONDS]: waits until notification has nothing left to
# do at the test clock's time: no pending delivery, and no pending timer due
# by then. A count taken after it is final: this, not a pause, is how a test
# asserts that nothing more (no repeat, no extra notice) arrives.
ry_notify_settled() {
    ry_until "${1:-30}" s_notify_idle || ry_fail "notification still has work pending"
}
s_notify_idle() {
    local now pending due
    if [ -f "$RONGYU_CLOCK_FILE" ]; then
        now=$(($(date -d "$(cat "$RONGYU_CLOCK_FILE")" +%s) * 1000))
    else
        now=$(($(date +%s) * 1000))
    fi
    pending=$(ry notifications --state pending --limit 1000 --json | jq '.deliveries | length') &&
        due=$(ry notifications --timers --limit 1000 --json |
            jq --argjson now "$now" '[.timers[]? | select(.state == "pending" and (.due_ms | tonumber) <= $now)] | length') &&
        [ "$pending" = 0 ] && [ "$due" = 0 ]
}

# ry_expect_count FILE JQ_FILTER N: fails unless exactly N match.
ry_expect_count() {
    local n
    n=$(ry_count "$1" "$2")
    [ "$n" = "$3" ] || ry_fail "$(basename "$1"): $n records match '$2', $3 expected"
}

# ry_application FILE: writes a valid advanced-home application posted
# 2018-10-15..19 (5 working days) for 萧山区, to submit from 2018-10-22 on.
ry_application() {
    mkdir -p "$(dirname "$1")"
    cp -r "$RY_SOURCE_DIR/examples/files" "$(dirname "$1")/"
    jq '.declarations = {"committee_study_date": "2018-10-08",
                         "party_consent_date": "2018-10-10",
                         "congress_approval_date": "2018-10-12",
                         "posting_start": "2018-10-15",
                         "posting_end": "2018-10-19"}' \
        "$RY_SOURCE_DIR/examples/advanced_home.valid.json" >"$1"
}

# ry_subscribers HTTP_PORT: writes $RONGYU_HOME/subscribers.json: the unit
# 萧山区 (feed, webhook, mail), the applicant (webhook, mail), the city
# department (mail).
ry_subscribers() {
    cat >"$RONGYU_HOME/subscribers.json" <<JSON
{"subscribers": [
  {"org": "萧山区", "role": "unit", "name": "萧山区总工会", "pub": true,
   "webhook": {"url": "http://127.0.0.1:$1/hook/unit", "secret": "unit-secret"},
   "email": "xiaoshan@unit.example"},
  {"org": "xiaoshan-hengyi-textile", "role": "grassroots",
   "webhook": {"url": "http://127.0.0.1:$1/hook/hengyi", "secret": "hengyi-secret"},
   "email": "hengyi@union.example"},
  {"org": "city", "role": "city", "email": "city@hzgh.example"}
]}
JSON
}
HOOK_SECRETS=(--secret "萧山区=unit-secret" --secret "xiaoshan-hengyi-textile=hengyi-secret")
