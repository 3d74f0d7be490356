#!/usr/bin/env bash
# Crash test: while 2,000 applications are submitted, intake dies by SIGKILL
# right after it acknowledged (replies sent), after a commit before its
# sync and replies (the next start voids that commit), and before a
# commit, and is restarted each time; the clients
# retry with their idempotency keys. Every acknowledged application must
# exist once with exactly one verdict; no outbox row its peer did not apply
# may be left.
. "$(dirname "$0")/../lib/services.sh"

N=${RY_CRASH_N:-2000}
# Submitted over about 20 s, so that each of the three intakes meets its
# crash point (300 messages handled) with work still to come: unpaced, a
# busy machine let one intake take hundreds of verdicts in one round
# after a restart, and the last one found too little left to reach it.
RATE=$((N / 20))
ry_pick_ports
for svc in validation quota notification; do
    ry_start "$svc"
done
ry_launch intake RONGYU_FAULT=after_reply:300
"$RY_BIN/rongyu-load" -n "$N" -w 16 --rate "$RATE" --run "crash-i-$$" \
    --timeout ${RY_LOAD_TIMEOUT:-600} \
    --example "$RY_SOURCE_DIR/examples/advanced_home.valid.json" \
    --acked "$RY_TMP/acked.txt" >"$RY_TMP/load.out" 2>&1 &
LOAD=$!


for fault in after_commit:300 before_commit:300 ""; do
    ry_wait_dead intake 60 || ry_fail "intake did not reach its crash point"
    ry_ok "intake killed at its crash point; restarting ${fault:+with $fault}"
    if [ -n "$fault" ]; then
        ry_launch intake RONGYU_FAULT="$fault"
    else
        ry_start intake
    fi
    if [ "$fault" = before_commit:300 ]; then
        # The intake before was killed after a commit, before its sync
        # (intake's commits are synced apart): this one opens the store at
        # the commit before it, the last synced.
        ry_until 30 grep -q "was not synced when the service stopped" \
            "$RONGYU_HOME/log/intake.log" ||
            ry_fail "the commit killed before its sync was not voided"
        ry_ok "the commit killed before its sync was voided at the restart"
    fi
done

wait "$LOAD" || { cat "$RY_TMP/load.out" >&2; ry_fail "load generator failed"; }
acked=$(sort -u "$RY_TMP/acked.txt" | wc -l)
[ "$acked" = "$N" ] || ry_fail "$acked of $N applications acknowledged"
ry_ok "$N applications acknowledged"
ry_wait_drained 180
ry_stop_all
"$RY_BIN/rongyu-inspect" verify "$RONGYU_HOME" "$RY_TMP/acked.txt" ||
    ry_fail "stores inconsistent after intake crashes"
ry_ok "every acknowledged application exists once with one verdict; nothing left undelivered"
