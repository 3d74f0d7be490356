#!/usr/bin/env bash
# Idempotency against the real services, through the Python reference
# client: every state-changing request of a case's life (a draft edited,
# submitted, validated, returned, revised as revision 2, resubmitted,
# approved, withdrawn; a submission rejected) is resent after the case
# moved on, and again after intake restarted: each retry gets its first
# answer byte for byte but the request id, nothing is done twice (audit
# log, cases, idempotency rows), and another request under a used key is
# E_CONFLICT. The idempotency table holds no copy of the cases.
. "$(dirname "$0")/../lib/services.sh"

ry_need_py

ry_start_all
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null

cat >"$RY_TMP/idem.py" <<'EOF'
"""idem.py MODE STATE_FILE: 'run' takes two cases through their lives and
writes every state-changing request and its first answer to STATE_FILE;
'retry' resends each and compares."""
import os
import pickle
import sys

import rongyu_pb2 as pb
from rongyu_client import (Client, RongyuError, load_application, load_cert,
                           principal)

mode, state_file, intake, key, keys_dir, examples = sys.argv[1:7]
public, secret = load_cert(key)
intake_pub, _ = load_cert(os.path.join(keys_dir, "intake.cert"))
c = Client(intake, curve=(public, secret, intake_pub))
unit = principal("萧山区", "ROLE_UNIT", "验家组")
city = principal("city", "ROLE_CITY")


def fail(what):
    print("FAIL: " + what)
    sys.exit(1)


def bare(reply):
    """The answer's bytes without its request id."""
    r = pb.Reply()
    r.CopyFrom(reply)
    r.request_id = ""
    return r.SerializeToString()


def audit_of(cid):
    r = pb.Request(principal=city)
    r.get.case_id = cid
    return [e.SerializeToString() for e in c.intake.call(r).case.audit]


if mode == "run":
    tape = []

    def send(r, key):
        r.idempotency_key = key
        rep = c.intake.call(r)
        tape.append((r.SerializeToString(), rep.SerializeToString()))
        return rep.case

    def settle(cr):
        return c.settle(who, cr)

    app = load_application(os.path.join(examples, "advanced_home.valid.json"))
    who = principal(app.applicant_org, "ROLE_GRASSROOTS", "申报人")
    r = pb.Request(principal=who)
    r.save_draft.application.CopyFrom(app)
    cid = send(r, "draft-1").case.case_id
    app.deeds = app.deeds + "（修改）"
    r = pb.Request(principal=who)
    r.save_draft.case_id = cid
    r.save_draft.application.CopyFrom(app)
    send(r, "draft-2")
    r = pb.Request(principal=who)
    r.submit_draft.case_id = cid
    cr = send(r, "submit-1")
    if settle(cr).case.state != pb.ELIGIBLE:
        fail("revision 1 not eligible")
    r = pb.Request(principal=unit)
    r.review.case_id = cid
    r.review.decision = pb.REVIEW_RETURN
    r.review.opinion = "请补充事迹"
    send(r, "return-1")
    app.deeds = app.deeds + "（补充）"
    r = pb.Request(principal=who)
    r.save_draft.case_id = cid
    r.save_draft.application.CopyFrom(app)
    if send(r, "revise-1").case.revision != 2:
        fail("no revision 2")
    r = pb.Request(principal=who)
    r.submit_draft.case_id = cid
    cr = send(r, "submit-2")
    if settle(cr).case.state != pb.ELIGIBLE:
        fail("revision 2 not eligible")
    r = pb.Request(principal=unit)
    r.review.case_id = cid
    r.review.decision = pb.REVIEW_APPROVE
    r.review.opinion = "验家合格"
    send(r, "approve-1")
    r = pb.Request(principal=who)
    r.withdraw.case_id = cid
    r.withdraw.reason = "撤回"
    if send(r, "withdraw-1").case.state != pb.WITHDRAWN:
        fail("not withdrawn")

    small = load_application(
        os.path.join(examples, "advanced_small_home.valid.json"))
    who = principal(small.applicant_org, "ROLE_GRASSROOTS", "申报人")
    r = pb.Request(principal=who)
    r.submit.application.CopyFrom(small)
    cr = send(r, "submit-small")
    cid2 = cr.case.case_id
    if settle(cr).case.state != pb.ELIGIBLE:
        fail("the small home is not eligible")
    r = pb.Request(principal=unit)
    r.review.case_id = cid2
    r.review.decision = pb.REVIEW_REJECT
    r.review.opinion = "不予推荐"
    send(r, "reject-small")
    pickle.dump({"tape": tape, "cases": [cid, cid2],
                 "audit": [audit_of(cid), audit_of(cid2)]},
                open(state_file, "wb"))
    print("ok - %d requests answered" % len(tape))
else:
    st = pickle.load(open(state_file, "rb"))
    for i, (req, first) in enumerate(st["tape"]):
        r = pb.Request()
        r.ParseFromString(req)
        r.request_id = "retry-%d" % i
        try:
            again = c.intake.call(r)
        except RongyuError as e:
            fail("retry of %s: %s" % (r.idempotency_key, e))
        if again.request_id != r.request_id:
            fail("retry of %s: request id %s" % (r.idempotency_key,
                                                  again.request_id))
        f = pb.Reply()
        f.ParseFromString(first)
        if bare(again) != bare(f):
            fail("retry of %s: not the first answer:\n%s\n---\n%s" % (
                r.idempotency_key, f, again))
    for cid, audit in zip(st["cases"], st["audit"]):
        if audit_of(cid) != audit:
            fail("case %s: the audit log changed" % cid)
    r = pb.Request()
    r.ParseFromString(st["tape"][3][0])
    r.review.opinion = "另一意见"
    r.request_id = ""
    try:
        c.intake.call(r)
        fail("another request under key return-1 was taken")
    except RongyuError as e:
        if e.code != "E_CONFLICT":
            fail("another request under a used key: %s" % e.code)
    print("ok - %d retries got their first answers" % len(st["tape"]))
EOF

pyrun() {
    ry_py "$RY_TMP/idem.py" "$1" "$RY_TMP/tape.pickle" "$RONGYU_INTAKE_ENDPOINT" \
        "$RONGYU_KEY" "$RONGYU_HOME/keys" "$RY_SOURCE_DIR/examples" \
        >"$RY_TMP/$1.txt" 2>&1 || { cat "$RY_TMP/$1.txt" >&2; ry_fail "idem.py $1 failed"; }
    cat "$RY_TMP/$1.txt"
}

# idem_rows: "ROWS BYTES LARGEST" of intake's idem table (services stopped).
idem_rows() {
    "$RY_BIN/rongyu-inspect" bytes "$RONGYU_HOME" |
        awk '$1 == "intake" && $2 == "idem" { print $4, $6, $NF }'
}

pyrun run
ry_ok "two cases through their lives, each request answered"
cases=$(ry list --role city --as city --json | jq '.cases | length')
[ "$cases" = 2 ] || ry_fail "$cases cases, want 2"
pyrun retry
ry_ok "every retry got its first answer byte for byte; a reused key is E_CONFLICT"

ry_stop intake
ry_start intake
pyrun retry
ry_ok "after intake restarted too"
cases=$(ry list --role city --as city --json | jq '.cases | length')
[ "$cases" = 2 ] || ry_fail "$cases cases after the retries, want 2"
ry_stop_all
read -r rows bytes largest < <(idem_rows)
echo "idem: $rows rows, $bytes bytes, largest row $largest bytes"
[ "$rows" -ge 10 ] || ry_fail "idem holds $rows rows, want 10 or more"
# A row of a case request is the key, the fingerprint and a few fields,
# never the case (whose answer alone is some 800 bytes here); the largest
# rows are the small answers kept whole (a key registered).
[ "$largest" -le 300 ] || ry_fail "an idem row of $largest bytes"
ry_ok "the idempotency table holds $rows rows in $bytes bytes (largest $largest)"
