#!/usr/bin/env bash
# Crash test: while 2,000 applications are submitted, validation is killed
# (kill -9 from outside, and SIGKILL at its crash points: after its acks,
# after its commit before its acks, before its commit) and restarted. Every acknowledged application
# must exist once with exactly one verdict, and nothing its peer did not
# apply may be left in any outbox once all is drained.
. "$(dirname "$0")/../lib/services.sh"

N=${RY_CRASH_N:-2000}
ry_start_all
"$RY_BIN/rongyu-load" -n "$N" -w 16 --run "crash-v-$$" --timeout ${RY_LOAD_TIMEOUT:-600} \
    --example "$RY_SOURCE_DIR/examples/advanced_home.valid.json" \
    --acked "$RY_TMP/acked.txt" >"$RY_TMP/load.out" 2>&1 &
LOAD=$!


# An outside kill -9 once the load is under way, then deaths at the crash
# points (each after 100 frames of that run of validation).
acked_200() {
    [ "$(wc -l <"$RY_TMP/acked.txt" 2>/dev/null || echo 0)" -ge 200 ]
}
ry_until 120 acked_200 || ry_fail "the load did not reach 200 acknowledgements"
ry_kill9 validation
ry_ok "validation killed (-9) while the load runs"

# more M: M more applications, in the background, acknowledged into
# acked-K.txt (K counts them).
LOADS=("$LOAD")
EXTRA=0
more() {
    EXTRA=$((EXTRA + 1))
    "$RY_BIN/rongyu-load" -n "$1" -w 16 --run "crash-v-$$-$EXTRA" \
        --timeout ${RY_LOAD_TIMEOUT:-600} \
        --example "$RY_SOURCE_DIR/examples/advanced_home.valid.json" \
        --acked "$RY_TMP/acked-$EXTRA.txt" >"$RY_TMP/load-$EXTRA.out" 2>&1 &
    LOADS+=("$!")
}
loads_running() {
    local p
    for p in "${LOADS[@]}"; do
        kill -0 "$p" 2>/dev/null && return 0
    done
    return 1
}
dead_or_no_load() { ! ry_alive validation || ! loads_running; }
# Validation dies at a crash point once it has handled 100 messages. One
# round may have taken the whole backlog before, and the loads may be
# over: then 200 more applications bring it its messages.
for fault in after_reply:100 after_commit:100 before_commit:100; do
    ry_launch validation RONGYU_FAULT=$fault
    ry_until 120 dead_or_no_load || ry_fail "validation did not reach $fault"
    ry_alive validation && more 200
    ry_wait_dead validation 120 || ry_fail "validation did not reach $fault"
    ry_ok "validation died at $fault"
done
ry_start validation

wait "$LOAD" || { cat "$RY_TMP/load.out" >&2; ry_fail "load generator failed"; }
acked=$(sort -u "$RY_TMP/acked.txt" | wc -l)
[ "$acked" = "$N" ] || ry_fail "$acked of $N applications acknowledged"
for k in $(seq 1 "$EXTRA"); do
    wait "${LOADS[$k]}" || { cat "$RY_TMP/load-$k.out" >&2; ry_fail "load $k failed"; }
    acked=$(sort -u "$RY_TMP/acked-$k.txt" | wc -l)
    [ "$acked" = 200 ] || ry_fail "$acked of 200 more applications acknowledged"
done
[ "$EXTRA" = 0 ] || cat "$RY_TMP"/acked-*.txt >>"$RY_TMP/acked.txt"
ry_ok "$N applications acknowledged, and $((EXTRA * 200)) more to reach the crash points"
# rongyu-load's store figures: validation's counters began again at each
# restart, so they are counted from its last start, said as such, and
# never a difference that wrapped round.
grep -q '^  validation .*restarted during the run' "$RY_TMP/load.out" ||
    { cat "$RY_TMP/load.out" >&2; ry_fail "rongyu-load did not report validation's restart"; }
# Intake syncs its commits apart: how long each waited for its sync to
# begin, and its answers after it, follow intake's row.
grep -A1 '^  intake ' "$RY_TMP/load.out" |
    grep -qE '^ +synced apart, per commit: its sync began [0-9.]+ ms after it, its answers began to go out [0-9.]+ ms after the sync$' ||
    { cat "$RY_TMP/load.out" >&2; ry_fail "rongyu-load did not print intake's waits around its syncs"; }
! grep -q '18446744073709' "$RY_TMP/load.out" ||
    { cat "$RY_TMP/load.out" >&2; ry_fail "rongyu-load printed a wrapped counter"; }
ry_ok "rongyu-load counts validation's store from its restart"
ry_wait_drained 180
ry_stop_all
"$RY_BIN/rongyu-inspect" verify "$RONGYU_HOME" "$RY_TMP/acked.txt" ||
    ry_fail "stores inconsistent after validation crashes"
ry_ok "every acknowledged application exists once with one verdict; nothing left undelivered"
