#!/usr/bin/env bash
# Long polls (WaitRequest, --wait): a wait parked while validation is down
# is answered by the verdict as soon as validation comes back; a wait
# whose time runs out answers with the case as it is; a wait on a case
# the principal may not see answers E_NOT_FOUND; the CLI's --wait; and
# brief waits (the Python reference client), which intake answers from
# the case's row read in place, both when their time runs out and when
# the case moves; and waits on several cases at once (case_ids,
# tests/lib/wait_many.py): answered at once with those already moved,
# parked until one moves and then answered with every one that has (brief
# and whole), timed out with none, refused whole for another
# organisation's case or one named twice; and the bound on the cases
# parked waits name (16,384: a wait past it is refused E_BUSY, those
# parked are answered; tests/lib/wait_cap.py).
# Intake logs a parked wait at debug: the test waits for those lines.
export RONGYU_LOG_LEVEL=debug
. "$(dirname "$0")/../lib/services.sh"

ry_need_py
cat >"$RY_TMP/brief.py" <<'EOF'
"""brief.py CASE ORG TIMEOUT_MS WANT_STATE WANT_TIMED_OUT: one brief wait
on CASE (left SUBMITTED) as ORG; checks the answer."""
import os
import sys

import rongyu_pb2 as pb
from rongyu_client import Client, load_cert, principal

cid, org, timeout_ms, want_state, want_late = sys.argv[1:6]
public, secret = load_cert(os.environ["RONGYU_KEY"])
intake_pub, _ = load_cert(os.path.join(os.environ["RONGYU_HOME"], "keys",
                                       "intake.cert"))
c = Client(os.environ["RONGYU_INTAKE_ENDPOINT"],
           curve=(public, secret, intake_pub))
w = c.wait(principal(org, "ROLE_GRASSROOTS"), cid, pb.SUBMITTED,
           int(timeout_ms), brief=True)
k = w.case.case
got = (k.case_id, pb.CaseState.Name(k.state), w.timed_out,
       k.HasField("application"), k.HasField("verdict"), len(w.case.audit))
want = (cid, want_state, want_late == "1", False, False, 0)
if got != want:
    print("FAIL: got %r, want %r" % (got, want))
    sys.exit(1)
print("ok - brief wait: %s, timed_out %s" % (got[1], got[2]))
EOF
brief() {
    ry_py "$RY_TMP/brief.py" "$@"
}
many() {
    ry_py "$RY_SOURCE_DIR/tests/lib/wait_many.py" "$@"
}

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
brief "$id" "$org" 1500 SUBMITTED 1 || ry_fail "a brief wait whose time ran out"
ry_ok "a brief wait whose time runs out answers with the case's head, timed out"

# A wait parked now is answered by the verdict once validation is back.
parked_n() {
    grep -c "$id.*wait parked until the case leaves SUBMITTED" \
        "$RONGYU_HOME/log/intake.log" || true
}
before=$(parked_n)
ry show "$id" --org "$org" --wait=60 --json >"$RY_TMP/waited.json" 2>"$RY_TMP/waited.err" &
waiter=$!
brief "$id" "$org" 60000 ELIGIBLE 0 >"$RY_TMP/brief.out" 2>&1 &
briefer=$!
# Validation starts only once intake has parked both waits (its log says
# so, a line for each).
both_parked() { [ "$(parked_n)" -ge $((before + 2)) ]; }
ry_until 10 both_parked || ry_fail "intake did not park the waits"
t0=$SECONDS
ry_start validation
wait "$waiter" || ry_fail "the waiting show failed: $(cat "$RY_TMP/waited.err")"
wait "$briefer" || ry_fail "the brief wait failed: $(cat "$RY_TMP/brief.out")"
state=$(jq -r .case.state "$RY_TMP/waited.json")
[ "$state" = eligible ] || ry_fail "want eligible from the parked wait, got $state"
# Answered because the case moved, not when the wait's 60 s ran out (a
# late answer would show the moved case too).
[ $((SECONDS - t0)) -lt 45 ] ||
    ry_fail "the parked wait was answered only when its time ran out"
ry_ok "a parked wait is answered by the verdict when validation comes back"
ry_ok "a parked brief wait is answered with the moved case's head, not timed out"

# Another organisation waiting on the case learns nothing.
if ry show "$id" --org other-union --wait=2 --json >"$RY_TMP/other.json" 2>&1; then
    ry_fail "another organisation's wait succeeded"
fi
grep -q E_NOT_FOUND "$RY_TMP/other.json" || ry_fail "want E_NOT_FOUND: $(cat "$RY_TMP/other.json")"
ry_ok "a case the principal may not see answers E_NOT_FOUND"

# Several cases in one wait. Validation down: two new submissions stay
# submitted; beside the judged case they are answered at once, with it
# alone.
ry_stop validation
# submitted N: a new case of the example, submitted (N makes it new).
submitted() {
    local c
    c=$(ry draft save "$app" --idem "wait-many-$1" --json | jq -r .case.case_id)
    ry draft submit "$c" --org "$org" --json >/dev/null
    echo "$c"
}
a=$(submitted 1)
b=$(submitted 2)
many "$org" 1500 1 moved:1 "$a" "$id" "$b" || ry_fail "a wait on several with one moved"
ry_ok "a wait on several cases answers at once with those that left the state"
many "$org" 1500 1 late "$a" "$b" || ry_fail "a wait on several whose time ran out"
ry_ok "a wait on several cases whose time runs out answers timed out, with no case"
many other-union 1500 1 'E_NOT_FOUND@wait.case_ids[0]' "$id" "$a" ||
    ry_fail "another organisation's wait on several"
many "$org" 1500 1 'E_INVALID@wait.case_ids[2]' "$a" "$b" "$a" ||
    ry_fail "a case named twice"
ry_ok "a wait on several is refused whole, naming the case, for another organisation's case or one named twice"

# Parked (brief on a and b, whole on two more), answered once validation
# is back, each with the cases that moved; the rest waited on after.
parked_many() {
    grep -c "wait on 2 cases parked until one leaves SUBMITTED" \
        "$RONGYU_HOME/log/intake.log" || true
}
before=$(parked_many)
c=$(submitted 3)
d=$(submitted 4)
many "$org" 60000 1 moved "$a" "$b" >"$RY_TMP/many1.out" 2>&1 &
m1=$!
many "$org" 60000 0 moved "$c" "$d" >"$RY_TMP/many2.out" 2>&1 &
m2=$!
both_parked_many() { [ "$(parked_many)" -ge $((before + 2)) ]; }
ry_until 10 both_parked_many || ry_fail "intake did not park the waits on several"
ry_start validation
wait "$m1" || ry_fail "the brief wait on several: $(cat "$RY_TMP/many1.out")"
wait "$m2" || ry_fail "the whole wait on several: $(cat "$RY_TMP/many2.out")"
ry_ok "a parked wait on several cases is answered when one moves, brief and whole"


# The bound on parked waits on several cases: 16,384 cases named in all.
# 16,640 submissions stay SUBMITTED (validation down; rongyu-load writes
# the acknowledged case ids); intake restarts so that none of the load's
# own polls is parked; then tests/lib/wait_cap.py parks 64 waits of 256
# cases on one connection, and a 65th naming one more is refused E_BUSY;
# the 64 are answered once validation is back.
ry_stop validation
"$RY_BIN/rongyu-load" -n 16640 -w 512 -c 4 --run wait-cap \
    --example "$app" --acked "$RY_TMP/acked.txt" --timeout 600 \
    >"$RY_TMP/load.out" 2>&1 &
loader=$!
all_acked() { [ "$(wc -l <"$RY_TMP/acked.txt" 2>/dev/null || echo 0)" -ge 16640 ]; }
ry_until 300 all_acked || ry_fail "16640 submissions not acknowledged: $(tail -3 "$RY_TMP/load.out")"
kill "$loader" 2>/dev/null || true
wait "$loader" 2>/dev/null || true
ry_stop intake
ry_start intake
# The organisation's own key names 2,048 of them at most in its waits
# (tests/lib/wait_share.py); the restart below lets those waits go.
ry keys gen org-own >/dev/null
ry keys add --key "$RY_ADMIN_KEY" --org "$org" --role grassroots \
    "$RONGYU_HOME/keys/org-own.cert" >/dev/null
ry_py "$RY_SOURCE_DIR/tests/lib/wait_share.py" cases "$RONGYU_INTAKE_ENDPOINT" \
    "$RONGYU_HOME/keys/intake.cert" "$RONGYU_HOME/keys/org-own.cert" "$org" \
    "$RY_TMP/acked.txt" >"$RY_TMP/share.out" 2>&1 ||
    ry_fail "an organisation's share of the cases waits name: $(cat "$RY_TMP/share.out")"
cat "$RY_TMP/share.out"
ry_ok "an organisation's own key names 2,048 cases in its parked waits at most"
ry_stop intake
ry_start intake
rm -f "$RY_TMP/cap.ready" "$RY_TMP/cap.go"
ry_py "$RY_SOURCE_DIR/tests/lib/wait_cap.py" "$org" "$RY_TMP/acked.txt" \
    "$RY_TMP/cap.ready" "$RY_TMP/cap.go" >"$RY_TMP/cap.out" 2>&1 &
capper=$!
cap_ready() { [ -e "$RY_TMP/cap.ready" ] || ! kill -0 "$capper" 2>/dev/null; }
ry_until 120 cap_ready || ry_fail "the waits were not parked: $(cat "$RY_TMP/cap.out")"
[ -e "$RY_TMP/cap.ready" ] || ry_fail "the bound on parked waits: $(cat "$RY_TMP/cap.out")"
ry_start validation
touch "$RY_TMP/cap.go"
wait "$capper" || ry_fail "the bound on parked waits: $(cat "$RY_TMP/cap.out")"
cat "$RY_TMP/cap.out"
ry_ok "past 16384 cases named in parked waits a wait is refused E_BUSY; those parked are answered"
