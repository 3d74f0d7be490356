#!/usr/bin/env bash
# A second instance of a service started on the home of one that runs (a
# double start, on the same ports or on others) stops at once with a
# clear error (exit 2) and changes nothing: before, a second intake
# emptied the first's list of admitted client keys, and one on other
# ports took the store synced apart beside the first. The first goes on
# taking applications; intake restarts on its store; every acknowledged
# application is there once with one verdict.
. "$(dirname "$0")/../lib/services.sh"

N=200
ry_start_all
load() {
    "$RY_BIN/rongyu-load" -n "$N" -w 16 --run "$1-$$" --timeout 120 \
        --example "$RY_SOURCE_DIR/examples/advanced_home.valid.json" \
        --acked "$RY_TMP/acked-$1.txt" >"$RY_TMP/$1.out" 2>&1 ||
        { cat "$RY_TMP/$1.out" >&2; ry_fail "rongyu-load ($1) failed"; }
}
load first

# For a second instance on other ports: the spare port of this test's
# block (ry_pick_ports), which nothing else takes.
port=$RY_SPARE_PORT
for svc in intake validation quota notification; do
    var=RONGYU_$(echo "$svc" | tr a-z A-Z)_ENDPOINT
    for ep in "${!var}" "tcp://127.0.0.1:$port"; do
        rc=0
        env "$var=$ep" timeout 60 "$RY_BIN/rongyu-$svc" \
            >"$RY_TMP/second.log" 2>&1 || rc=$?
        [ "$rc" = 2 ] ||
            { cat "$RY_TMP/second.log" >&2; ry_fail "a second $svc on $ep: exit $rc, not 2"; }
        grep -q "another rongyu-$svc (pid ${RY_PID[$svc]}) runs on store" \
            "$RY_TMP/second.log" &&
            grep -q "正在使用存储" "$RY_TMP/second.log" ||
            { cat "$RY_TMP/second.log" >&2; ry_fail "a second $svc did not say why it stopped"; }
        ry_alive "$svc" || ry_fail "the first $svc stopped"
    done
done
ry_ok "a second instance of each service stopped at once (exit 2) and said why"

load after
ry_ok "the first intake goes on taking applications"

ry_stop intake
ry_start intake
load restarted
cat "$RY_TMP"/acked-*.txt >"$RY_TMP/acked.txt"
acked=$(sort -u "$RY_TMP/acked.txt" | wc -l)
[ "$acked" = $((3 * N)) ] || ry_fail "$acked of $((3 * N)) applications acknowledged"
ry_wait_drained 120
ry_stop_all
"$RY_BIN/rongyu-inspect" verify "$RONGYU_HOME" "$RY_TMP/acked.txt" ||
    ry_fail "stores inconsistent after the double starts"
ry_ok "intake restarts on its store; every acknowledged application exists once with one verdict"
