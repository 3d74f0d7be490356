"""The share of the parked waits an organisation's own key may hold:
128 waits, naming 2,048 cases; a platform key is held to the whole
bounds only.

    wait_share.py waits ENDPOINT INTAKE_CERT ORG_CERT ORG CASE_ID PLATFORM_CERT
    wait_share.py cases ENDPOINT INTAKE_CERT ORG_CERT ORG IDS_FILE

waits: with ORG_CERT (ORG's own key), on a first connection, 128 waits
of a minute on CASE_ID in its state (parked: nothing answers them); that
connection is closed, as a client that timed out closes it, and on a new
one the same key waits once more, for a second: the oldest of the 128 is
answered at once, timed out, to make room (so its closed connection
holds no room the client needs), and the new wait is parked, not
refused: answered timed out after its second. Then, on the new
connection, 129 waits more: each past the share takes the room of the
oldest still running, the rest of the first 128 first, then the new
connection's own oldest, whose answer (timed out, well before its
minute) comes first. Then a platform key acting
for ORG parks 130 waits of two seconds (more than an organisation's
share) beside them: each answered as timed out (parked, not refused).

cases: IDS_FILE lists at least 2,049 cases of ORG, all SUBMITTED. With
ORG_CERT, on one connection, 8 waits of a minute on 256 of them (2,048
cases, parked), then a 9th of a second naming one more: the first of
the 8 is answered at once, timed out, and the 9th after its second, also
timed out (parked, not refused). Exits 0 when all is so."""
import sys
import uuid

import zmq

import rongyu_pb2 as pb
from rongyu_client import load_cert, principal
from tap import fail

SHARE, CASES_SHARE, PER_WAIT = 128, 2048, 256
mode, endpoint, intake_cert, org_cert, org, arg = sys.argv[1:7]
intake_pub, _ = load_cert(intake_cert)
ctx = zmq.Context()


def dealer(cert):
    public, secret = load_cert(cert)
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.curve_publickey = public
    s.curve_secretkey = secret
    s.curve_serverkey = intake_pub
    s.connect(endpoint)
    return s


def wait_req(state, timeout_ms, rid, ids):
    """A brief wait of ORG on one case (ids a str) or several (a list)."""
    r = pb.Request(principal=principal(org, "ROLE_GRASSROOTS"),
                   request_id=rid or uuid.uuid4().hex)
    if isinstance(ids, str):
        r.wait.case_id = ids
    else:
        r.wait.case_ids.extend(ids)
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


def timed_out(rep, what):
    """An answer OK and timed out."""
    if rep.code != pb.OK or not rep.wait.timed_out:
        fail("%s: %s %r, want OK timed out" % (what, pb.ErrorCode.Name(rep.code),
                                              rep.detail))


def cases(ids_file):
    with open(ids_file, encoding="utf-8") as f:
        ids = [line.strip() for line in f if line.strip()]
    if len(ids) <= CASES_SHARE:
        fail("%d cases, want %d" % (len(ids), CASES_SHARE + 1))
    own = dealer(org_cert)
    for i in range(CASES_SHARE // PER_WAIT):
        part = ids[i * PER_WAIT:(i + 1) * PER_WAIT]
        own.send(wait_req(pb.SUBMITTED, 60000, "m%d" % i,
                          part).SerializeToString())
    own.send(wait_req(pb.SUBMITTED, 1000, "over",
                      ids[CASES_SHARE:CASES_SHARE + 1]).SerializeToString())
    timed_out(answer(own, "m0"), "the oldest wait, past the share")
    timed_out(answer(own, "over"), "the wait past 2,048 cases")
    print("ok - a wait past 2,048 cases named by an organisation's key: "
          "its oldest wait answered at once (timed out), the new one parked")
    own.close()


def waits(case_id, plat_cert):
    own = dealer(org_cert)
    # The case's state once it has left SUBMITTED (its verdict).
    first = wait_req(pb.SUBMITTED, 30000, "first", case_id)
    own.send(first.SerializeToString())
    rep = answer(own, "first", 40000)
    if rep.code != pb.OK or rep.wait.timed_out:
        fail("the case did not leave SUBMITTED: %s" %
             pb.ErrorCode.Name(rep.code))
    state = rep.wait.case.case.state

    for i in range(SHARE):
        own.send(wait_req(state, 60000, "w%d" % i,
                          case_id).SerializeToString())
    # All 128 parked before the connection goes: a status on it is
    # answered after them (a connection's requests are taken in order).
    st = pb.Request(principal=principal(org, "ROLE_GRASSROOTS"),
                    request_id="parked", status=pb.StatusRequest())
    own.send(st.SerializeToString())
    answer(own, "parked")
    own.close()
    own = dealer(org_cert)
    own.send(wait_req(state, 1000, "over", case_id).SerializeToString())
    timed_out(answer(own, "over"), "the 129th wait, on a new connection")
    print("ok - the 129th wait of an organisation's key, on a new "
          "connection: parked, answered timed out after its second")
    # 129 more on the new connection: n0 takes the room "over" left,
    # n1..n127 push out the rest of the closed connection's (w1..w127),
    # n128 its own oldest (n0).
    for i in range(SHARE + 1):
        own.send(wait_req(state, 60000, "n%d" % i,
                          case_id).SerializeToString())
    timed_out(answer(own, "n0"), "the new connection's oldest wait")
    print("ok - past the share again, the key's oldest running wait is "
          "answered at once (timed out): the new connection's own oldest")

    plat = dealer(plat_cert)
    for i in range(SHARE + 2):
        plat.send(wait_req(state, 2000, "p%d" % i,
                           case_id).SerializeToString())
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


if mode == "cases":
    cases(arg)
elif mode == "waits":
    waits(arg, sys.argv[7])
else:
    fail("mode %r: waits or cases" % mode)
