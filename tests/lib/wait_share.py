"""wait_share.py ENDPOINT INTAKE_CERT ORG_CERT PLATFORM_CERT ORG CASE_ID:
an organisation's own key parks at most its share of the waits (128),
and that share keeps no one else from waiting.

With ORG_CERT (ORG's own key), on one connection: 128 waits on CASE_ID
in its state (parked: nothing answers them), then a 129th: intake takes
a connection's requests in order, so it answers the 129th first, and it
must be E_BUSY with a time to retry after, naming the share. Then, while
those 128 are still parked, a platform key acting for ORG parks 130
waits of two seconds (more than an organisation's share): each must be
answered as timed out (parked, not refused). Exits 0 when all is so."""
import sys
import uuid

import zmq

import rongyu_pb2 as pb
from rongyu_client import load_cert, principal

SHARE = 128
endpoint, intake_cert, org_cert, plat_cert, org, case_id = sys.argv[1:7]
intake_pub, _ = load_cert(intake_cert)
ctx = zmq.Context()


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def dealer(cert):
    public, secret = load_cert(cert)
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.curve_publickey = public
    s.curve_secretkey = secret
    s.curve_serverkey = intake_pub
    s.connect(endpoint)
    return s


def wait_req(state, timeout_ms, rid=None):
    r = pb.Request(principal=principal(org, "ROLE_GRASSROOTS"),
                   request_id=rid or uuid.uuid4().hex)
    r.wait.case_id = case_id
    r.wait.state = state
    r.wait.timeout_ms = timeout_ms
    r.wait.brief = True
    return r


def answer(sock, rid, timeout_ms=30000):
    if not sock.poll(timeout_ms, zmq.POLLIN):
        fail("no answer to %s" % rid)
    rep = pb.Reply()
    rep.ParseFromString(sock.recv_multipart()[-1])
    if rep.request_id != rid:
        fail("answer to %r first, want %r" % (rep.request_id, rid))
    return rep


own = dealer(org_cert)
# The case's state once it has left SUBMITTED (its verdict).
first = wait_req(pb.SUBMITTED, 30000, "first")
own.send(first.SerializeToString())
rep = answer(own, "first", 40000)
if rep.code != pb.OK or rep.wait.timed_out:
    fail("the case did not leave SUBMITTED: %s" % pb.ErrorCode.Name(rep.code))
state = rep.wait.case.case.state

for i in range(SHARE):
    own.send(wait_req(state, 60000, "w%d" % i).SerializeToString())
own.send(wait_req(state, 60000, "over").SerializeToString())
rep = answer(own, "over")
if rep.code != pb.E_BUSY or rep.retry_after_ms <= 0 or \
        "128" not in rep.detail:
    fail("the wait past the share: %s %r" % (pb.ErrorCode.Name(rep.code),
                                             rep.detail))
print("ok - the 129th wait of an organisation's key: E_BUSY (%s)" % rep.detail)

plat = dealer(plat_cert)
for i in range(SHARE + 2):
    plat.send(wait_req(state, 2000, "p%d" % i).SerializeToString())
left = {"p%d" % i for i in range(SHARE + 2)}
while left:  # answered in any order
    if not plat.poll(10000, zmq.POLLIN):
        fail("no answer to %d of the platform key's waits" % len(left))
    rep = pb.Reply()
    rep.ParseFromString(plat.recv_multipart()[-1])
    if rep.request_id not in left or rep.code != pb.OK or \
            not rep.wait.timed_out:
        fail("the platform key's wait %r beside them: %s %r" % (
            rep.request_id, pb.ErrorCode.Name(rep.code), rep.detail))
    left.discard(rep.request_id)
print("ok - a platform key parks %d waits beside them (each timed out "
      "after 2 s)" % (SHARE + 2))
own.close()
plat.close()
