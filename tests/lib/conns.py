"""conns: one key may have at most client_connections_per_key connections
served by a service at a time; used by tests/integration/conns.sh, which
sets the bound to 3.

    conns.py SOURCE_DIR INTAKE_EP NOTIFY_EP ADMIN_CERT [burst N]

With three connections of the tests' platform key served, a fourth is
answered E_BUSY (retry_after_ms 1000, its request_id echoed, the bound
named) in intake and in notification; a submission refused so makes no
case; the administrator's key is served meanwhile. Once one of the
three closes, the same bytes sent again on the fourth connection are
served, and make one case. Prints one "ok - ..." line per check; exits
1 at the first failure."""
import os
import sys
import time

import zmq

import rypb
from tap import fail, ok
from zprobe import cert_keys

src, intake_ep, notify_ep, admin_cert = sys.argv[1:5]
# "burst N": only a burst of N connections of the key at once, each with
# one request, answered (the bound's, the others E_BUSY), then closed.
BURST = int(sys.argv[6]) if len(sys.argv) > 6 and sys.argv[5] == "burst" else 0
pb = rypb.load(src)
ctx = zmq.Context()
KEYS = os.path.join(os.environ["RONGYU_HOME"], "keys")
PLATFORM = os.environ["RONGYU_KEY"]
ORG = "xiaoshan-hengyi-textile"


def dealer(ep, server, cert=PLATFORM):
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.curve_serverkey = cert_keys(os.path.join(KEYS, server + ".cert"))[0].encode()
    s.curve_publickey = cert_keys(cert)[0].encode()
    s.curve_secretkey = cert_keys(cert + "_secret")[1].encode()
    s.connect(ep)
    return s


def call(sock, req):
    sock.send(req.SerializeToString())
    while True:
        if not sock.poll(20000):
            fail("no reply to %s" % req.request_id)
        rep = pb.Reply()
        rep.ParseFromString(sock.recv_multipart()[-1])
        if rep.request_id == req.request_id:
            return rep


def status(rid):
    return pb.Request(request_id=rid, status=pb.StatusRequest(),
                      principal=pb.Principal(org_id="city", role="city"))


def notifications(rid):
    return pb.Request(request_id=rid, notifications=pb.NotificationsRequest(),
                      principal=pb.Principal(org_id="city", role="city"))


def busy(rep, rid, where):
    if rep.code != pb.E_BUSY or rep.retry_after_ms != 1000 or rep.request_id != rid \
            or "client_connections_per_key" not in rep.detail or "3" not in rep.detail \
            or not rep.message_zh:
        fail("%s: a fourth connection: %s %r %s %r" % (where, pb.ErrorCode.Name(rep.code),
                                                       rep.request_id, rep.retry_after_ms,
                                                       rep.detail))


def cases():
    """The cases of ORG, as the administrator's key lists them."""
    s = dealer(intake_ep, "intake", admin_cert)
    rep = call(s, pb.Request(request_id="list",
                             list=pb.ListRequest(campaign_id="hangzhou-2018", applicant_org=ORG),
                             principal=pb.Principal(org_id="city", role="city")))
    s.close()
    if rep.code != pb.OK:
        fail("list: %s %s" % (pb.ErrorCode.Name(rep.code), rep.detail))
    return [c.case_id for c in rep.list.cases]


if BURST:
    ctx.set(zmq.MAX_SOCKETS, BURST + 100)
    socks = [dealer(intake_ep, "intake") for _ in range(BURST)]
    for i, s in enumerate(socks):
        s.send(status("b-%d" % i).SerializeToString())
    for i, s in enumerate(socks):
        while True:
            if not s.poll(60000):
                fail("burst: no reply on connection %d" % i)
            rep = pb.Reply()
            rep.ParseFromString(s.recv_multipart()[-1])
            if rep.request_id == "b-%d" % i:
                break
    for s in socks:
        s.close()
    ok("a burst of %d connections of one key at once, each answered, then closed" % BURST)
    sys.exit(0)

for where, ep, server, req in (("intake", intake_ep, "intake", status),
                               ("notification", notify_ep, "notification", notifications)):
    held = [dealer(ep, server) for _ in range(3)]
    for i, s in enumerate(held):
        rep = call(s, req("held-%d" % i))
        if rep.code != pb.OK:
            fail("%s: connection %d of 3: %s %s" % (where, i, pb.ErrorCode.Name(rep.code), rep.detail))
    extra = dealer(ep, server)
    busy(call(extra, req("extra-1")), "extra-1", where)
    busy(call(extra, req("extra-2")), "extra-2", where)  # and on its next message
    ok("%s: three connections of one key served, a fourth answered E_BUSY naming the bound"
       % where)
    if where == "intake":
        before = cases()
        app = pb.Application(campaign_id="hangzhou-2018", honour=pb.ADVANCED_HOME,
                             category=pb.SINGLE_ESTABLISHMENT, applicant_org=ORG,
                             organising_unit="萧山区")
        sub = pb.Request(request_id="submit-1", idempotency_key="conns-submit-1",
                         principal=pb.Principal(org_id=ORG, role="grassroots"),
                         submit=pb.SubmitRequest(application=app))
        busy(call(extra, sub), "submit-1", where)
        if cases() != before:
            fail("a refused submission made a case")
        ok("a submission on the fourth connection refused, no case made; "
           "the administrator's key served meanwhile")
        held[0].close()
        # The same bytes again, as the protocol says, after retry_after_ms:
        # served once the closed connection is seen gone.
        for attempt in range(30):
            rep = call(extra, sub)
            if rep.code != pb.E_BUSY:
                break
            time.sleep(rep.retry_after_ms / 1000.0)
        if rep.code != pb.OK or rep.WhichOneof("body") != "case":
            fail("the submission once a connection closed: %s %s"
                 % (pb.ErrorCode.Name(rep.code), rep.detail))
        after = cases()
        if len(after) != len(before) + 1 or rep.case.case.case_id not in after:
            fail("the submission made %d cases" % (len(after) - len(before)))
        ok("one of the three closed: the same bytes on the fourth served, one case made")
        s = dealer(intake_ep, "intake", admin_cert)
        st = call(s, status("counters")).status
        s.close()
        if st.connections_refused < 3 or st.client_connections < 3:
            fail("status: %d client connections, %d refused"
                 % (st.client_connections, st.connections_refused))
        ok("status: %d client connections served, %d requests refused over the bound"
           % (st.client_connections, st.connections_refused))
    else:
        held[0].close()
        for attempt in range(30):
            rep = call(extra, req("extra-3"))
            if rep.code != pb.E_BUSY:
                break
            time.sleep(rep.retry_after_ms / 1000.0)
        if rep.code != pb.OK:
            fail("notification once a connection closed: %s" % pb.ErrorCode.Name(rep.code))
        ok("notification: one of the three closed, the fourth served")
    for s in held[1:] + [extra]:
        s.close()
