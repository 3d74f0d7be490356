"""wait_many.py ORG TIMEOUT_MS BRIEF WANT ID...: one wait on the cases
ID... (to leave SUBMITTED) as ORG, by the Python reference client, and a
check of its answer. WANT is what the answer must be:
- "late": timed out, no cases;
- "moved:N" or "moved": not timed out, exactly N (or at least one) of
  the cases, in the order named, each out of SUBMITTED, whole
  (application, verdict, audit) or brief (none of them) as BRIEF (1 or
  0) asks; with "moved", the others are then waited on until each is
  judged;
- "E_CODE@field.path": refused with that code, naming that field.
Exits 0 when the answer is as wanted."""
import os
import sys

import rongyu_pb2 as pb
from rongyu_client import Client, RongyuError, load_cert, principal
from tap import fail

org, timeout_ms, brief, want = sys.argv[1:5]
ids = sys.argv[5:]
brief = brief == "1"
public, secret = load_cert(os.environ["RONGYU_KEY"])
intake_pub, _ = load_cert(os.path.join(os.environ["RONGYU_HOME"], "keys",
                                       "intake.cert"))
c = Client(os.environ["RONGYU_INTAKE_ENDPOINT"],
           curve=(public, secret, intake_pub))
who = principal(org, "ROLE_GRASSROOTS")


try:
    w = c.wait_many(who, ids, pb.SUBMITTED, int(timeout_ms), brief=brief)
except RongyuError as e:
    got = "%s@%s" % (e.code, e.field_path)
    if got != want:
        fail("got %s, want %s" % (got, want))
    print("ok - refused: " + got)
    sys.exit(0)
if w.HasField("case"):
    fail("a wait on several cases answered in WaitReply.case")
if want == "late":
    if not w.timed_out or len(w.cases):
        fail("want timed out with no cases, got %s" % w)
    print("ok - timed out, no cases")
    sys.exit(0)
if w.timed_out or not w.cases:
    fail("want moved cases, got timed_out %s with %d" % (w.timed_out,
                                                        len(w.cases)))
if ":" in want and len(w.cases) != int(want.split(":")[1]):
    fail("want %s, got %d cases" % (want, len(w.cases)))
order = [cr.case.case_id for cr in w.cases]
if order != [i for i in ids if i in order]:
    fail("cases %s not in the order named %s" % (order, ids))
for cr in w.cases:
    k = cr.case
    if k.state == pb.SUBMITTED:
        fail("case %s listed while still submitted" % k.case_id)
    whole = (k.HasField("application"), k.HasField("verdict"),
             len(cr.audit) > 0)
    if whole != ((False,) * 3 if brief else (True,) * 3):
        fail("case %s: application, verdict, audit %s with brief %s"
             % (k.case_id, whole, brief))
left = [i for i in ids if i not in order] if want == "moved" else []
while left:
    w = c.wait_many(who, left, pb.SUBMITTED, 60000, brief=brief)
    if w.timed_out:
        fail("cases %s not judged in 60 s" % left)
    done = [cr.case.case_id for cr in w.cases]
    left = [i for i in left if i not in done]
print("ok - %d moved%s" % (len(order), ", the rest judged after"
                            if want == "moved" else ""))
