"""wait_cap.py ORG IDS_FILE READY_FILE GO_FILE: the bound on parked waits
on several cases (16,384 cases named in all). IDS_FILE lists at least
16,385 cases of ORG, all SUBMITTED (validation down). On one connection:
64 brief waits of 256 cases each (16,384 in all), then a 65th naming
one more. Intake takes a connection's requests in order, so when the
65th's answer comes first, the 64 are parked: it must be E_BUSY with a
time to retry after. Then writes READY_FILE and, once GO_FILE exists
(validation started again), reads the 64 answers: each must name cases
that left SUBMITTED, none timed out. Exits 0 when all is as wanted."""
import os
import sys
import time

import zmq

import rongyu_pb2 as pb
from rongyu_client import load_cert, principal
from tap import fail

org, ids_file, ready_file, go_file = sys.argv[1:5]
with open(ids_file, encoding="utf-8") as f:
    ids = [line.strip() for line in f if line.strip()]
if len(ids) < 64 * 256 + 1:
    print("FAIL: %d cases, want 16385" % len(ids))
    sys.exit(1)

public, secret = load_cert(os.environ["RONGYU_KEY"])
intake_pub, _ = load_cert(os.path.join(os.environ["RONGYU_HOME"], "keys",
                                       "intake.cert"))
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.setsockopt(zmq.LINGER, 0)
s.curve_publickey = public
s.curve_secretkey = secret
s.curve_serverkey = intake_pub
s.connect(os.environ["RONGYU_INTAKE_ENDPOINT"])
who = principal(org, "ROLE_GRASSROOTS")


def wait_req(rid, names):
    r = pb.Request(principal=who, request_id=rid)
    r.wait.case_ids.extend(names)
    r.wait.state = pb.SUBMITTED
    r.wait.timeout_ms = 120000
    r.wait.brief = True
    s.send(r.SerializeToString())


def reply(timeout_s):
    if not s.poll(int(timeout_s * 1000)):
        fail("no answer in %d s" % timeout_s)
    rep = pb.Reply()
    rep.ParseFromString(s.recv())
    return rep


for k in range(64):
    wait_req("cap%d" % k, ids[k * 256:(k + 1) * 256])
wait_req("over", ids[64 * 256:64 * 256 + 1])
first = reply(60)
if first.request_id != "over":
    fail("a parked wait was answered before the one past the bound: %s %s"
         % (first.request_id, pb.ErrorCode.Name(first.code)))
if first.code != pb.E_BUSY or first.retry_after_ms <= 0:
    fail("past the bound: want E_BUSY with retry_after_ms, got %s (%d)"
         % (pb.ErrorCode.Name(first.code), first.retry_after_ms))
print("ok - past 16384 cases named in parked waits: E_BUSY, retry after %d ms"
      % first.retry_after_ms)
with open(ready_file, "w", encoding="utf-8") as f:
    f.write("parked\n")
while not os.path.exists(go_file):
    time.sleep(0.05)
answered = set()
while len(answered) < 64:
    r = reply(120)
    if r.code != pb.OK:
        fail("%s: %s %s" % (r.request_id, pb.ErrorCode.Name(r.code),
                            r.detail))
    w = r.wait
    if w.timed_out or not w.cases:
        fail("%s: want moved cases, got timed_out %s with %d"
             % (r.request_id, w.timed_out, len(w.cases)))
    if any(c.case.state == pb.SUBMITTED for c in w.cases):
        fail("%s: a case still SUBMITTED in the answer" % r.request_id)
    answered.add(r.request_id)
print("ok - the 64 parked waits (16384 cases) answered once validation "
      "was back")
