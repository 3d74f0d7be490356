#!/usr/bin/env bash
# 50 clients race to recommend 50 approved excellent workers of 萧山区 into
# its grassroots-cadre column (6 seats): exactly 6 granted and 44 refused,
# every time: with quota running throughout, with quota dying by SIGKILL
# after a commit and before a commit in the middle of the race (crash
# points), and with quota killed -9 from outside while the race runs. After
# each round the quota table shows 6 of 6 used and nothing pending.
. "$(dirname "$0")/../lib/services.sh"

N=${RY_RACE_N:-50}
WANT=6
EX=$RY_SOURCE_DIR/examples
ry_pick_ports

# fresh: stops everything and starts from empty stores.
fresh() {
    ry_stop_all
    LOG_MARK=$( { cat "$RONGYU_HOME/log/quota.log" 2>/dev/null || true; } | wc -l)
    rm -rf "${RONGYU_HOME:?}"/{intake,validation,quota,notification}
    ry_start validation
    ry_start quota "$@"
    ry_start notification
    ry_start intake
}

# race ROUND: runs the race in the background; sets RACE to its pid.
race() {
    "$RY_BIN/rongyu-race" -n "$N" --unit 萧山区 --run "race-$1-$$" \
        --example "$EX/excellent_worker.valid.json" --timeout 300 \
        >"$RY_TMP/race-$1.json" 2>"$RY_TMP/race-$1.err" &
    RACE=$!
}

# check ROUND: the race's outcome and the quota table.
check() {
    wait "$RACE" || { cat "$RY_TMP/race-$1.err" >&2; ry_fail "round $1: the race did not finish"; }
    local out granted refused used pending
    out=$(cat "$RY_TMP/race-$1.json")
    granted=$(jq .granted <<<"$out")
    refused=$(jq .refused <<<"$out")
    [ "$granted" = "$WANT" ] && [ "$refused" = $((N - WANT)) ] ||
        ry_fail "round $1: want $WANT granted, $((N - WANT)) refused; got $out"
    out=$(ry quota --unit 萧山区 --json)
    used=$(jq '.rows[] | select(.column == "grassroots_cadre") | .used' <<<"$out")
    pending=$(jq '[.rows[].pending] | add' <<<"$out")
    [ "$used" = "$WANT" ] && [ "$pending" = 0 ] ||
        ry_fail "round $1: quota table shows used $used, pending $pending"
    ry_ok "round $1: $granted granted, $refused refused; quota 萧山区 grassroots_cadre $used/6"
}

# Round 1: quota runs throughout.
fresh
race plain
check plain

# Rounds 2 and 3: quota kills itself (SIGKILL) right after committing, and
# right before committing, a batch in the middle of the race; restarted.
for fault in after_commit:12 before_commit:8; do
    name=${fault%%:*}
    fresh RONGYU_FAULT="$fault"
    race "$name"
    ry_wait_dead quota 120 || ry_fail "quota did not reach its crash point $fault"
    tail -n +$((LOG_MARK + 1)) "$RONGYU_HOME/log/quota.log" | grep -q 'fault injection: killing' ||
        ry_fail "quota died, but not at its crash point $fault"
    # Only seat requests reach quota, so its crash point lies among them: the
    # race cannot have finished. A batch killed before its commit logged no
    # reservation; one killed after its commit did.
    kill -0 "$RACE" 2>/dev/null || ry_fail "the race ended before quota's crash point $fault"
    seen=$(tail -n +$((LOG_MARK + 1)) "$RONGYU_HOME/log/quota.log" | grep -c 'RESERVE' || true)
    [ "$name" != after_commit ] || [ "$seen" -gt 0 ] ||
        ry_fail "quota died after a commit at $fault with no reservation committed"
    ry_ok "quota killed at $fault mid-race ($seen reservations committed before); restarting"
    ry_start quota
    check "$name"
done

# Round 4: quota killed -9 from outside once the recommendations begin.
fresh
race kill9
ry_until 60 grep -q 'clients recommend' "$RY_TMP/race-kill9.err" ||
    ry_fail "the race never reached its recommendations"
ry_kill9 quota
ry_ok "quota killed -9 during the race; restarting"
ry_start quota
check kill9
