#!/usr/bin/env bash
# Long polls (WaitRequest, --wait): a wait parked while validation is down
# is answered by the verdict as soon as validation comes back; a wait
# whose time runs out answers with the case as it is; a wait on a case
# the principal may not see answers E_NOT_FOUND; the CLI's --wait.
. "$(dirname "$0")/../lib/services.sh"

ry_start_all
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null
app=$RY_SOURCE_DIR/examples/advanced_home.valid.json
org=$(jq -r .applicant_org "$app")

# Validation down: the submission stays SUBMITTED.
ry_stop validation
id=$(ry draft save "$app" --json | jq -r .case.case_id)
t0=$SECONDS
out=$(ry draft submit "$id" --org "$org" --wait=2 --json 2>"$RY_TMP/warn.txt")
[ "$(jq -r .case.state <<<"$out")" = submitted ] || ry_fail "want submitted after a wait that ran out: $out"
grep -q 'still' "$RY_TMP/warn.txt" || ry_fail "no warning after the wait ran out"
[ $((SECONDS - t0)) -ge 2 ] || ry_fail "the wait returned before its time"
ry_ok "a wait whose time runs out answers with the case still submitted, and warns"

# A wait parked now is answered by the verdict once validation is back.
ry show "$id" --org "$org" --wait=60 --json >"$RY_TMP/waited.json" 2>"$RY_TMP/waited.err" &
waiter=$!
# Validation starts only once intake has parked the wait (its log says so).
ry_until 10 grep -q "$id.*wait parked until the case leaves SUBMITTED" \
    "$RONGYU_HOME/log/intake.log" || ry_fail "intake did not park the wait"
t0=$SECONDS
ry_start validation
wait "$waiter" || ry_fail "the waiting show failed: $(cat "$RY_TMP/waited.err")"
state=$(jq -r .case.state "$RY_TMP/waited.json")
[ "$state" = eligible ] || ry_fail "want eligible from the parked wait, got $state"
# Answered because the case moved, not when the wait's 60 s ran out (a
# late answer would show the moved case too).
[ $((SECONDS - t0)) -lt 45 ] ||
    ry_fail "the parked wait was answered only when its time ran out"
ry_ok "a parked wait is answered by the verdict when validation comes back"

# Another organisation waiting on the case learns nothing.
if ry show "$id" --org other-union --wait=2 --json >"$RY_TMP/other.json" 2>&1; then
    ry_fail "another organisation's wait succeeded"
fi
grep -q E_NOT_FOUND "$RY_TMP/other.json" || ry_fail "want E_NOT_FOUND: $(cat "$RY_TMP/other.json")"
ry_ok "a case the principal may not see answers E_NOT_FOUND"
