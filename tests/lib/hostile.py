"""hostile: hostile and heavy traffic against the real services, while good
clients work; used by tests/integration/hostile.sh.

usage: hostile.py SOURCE_DIR INTAKE_EP VALIDATION_EP CAP MAX_ATTACHMENT ACKED_FILE

CAP is intake's max_request in bytes, MAX_ATTACHMENT its max_attachment
(less than CAP); RY_HOSTILE_IDS how many routing ids connect (10,000
unless set). Prints one "ok - ..." line per
check and exits 1 at the first failed one. Writes the id of every case
acknowledged (to anyone) to ACKED_FILE, one per line."""
import os
import random
import sys
import threading
import time

import zmq

import rypb
from zprobe import cert_keys
from tap import fail, ok

src, intake_ep, validation_ep, cap, max_attachment, acked_path = sys.argv[1:7]
CAP, MAX_ATTACHMENT = int(cap), int(max_attachment)
# Routing ids that connect, in hundreds (RY_HOSTILE_IDS; 10,000 unless
# told).
IDS = int(os.environ.get("RY_HOSTILE_IDS", "10000")) // 100 * 100
pb = rypb.load(src)
ctx = zmq.Context()
acked = open(acked_path, "a", buffering=1)
acked_lock = threading.Lock()
random.seed(8)


# Every socket is a CURVE server: clients use the tests' key
# ($RONGYU_KEY, registered as a platform key), which validation's peer
# socket does not admit.
KEYS = os.path.join(os.environ["RONGYU_HOME"], "keys")


def pair(cert):
    pub, _ = cert_keys(cert)
    _, sec = cert_keys(cert + "_secret")
    return pub, sec


CLIENT = pair(os.environ["RONGYU_KEY"])


def curve(s, server, client=CLIENT):
    s.curve_serverkey = cert_keys(os.path.join(KEYS, server + ".cert"))[0].encode()
    s.curve_publickey = client[0].encode()
    s.curve_secretkey = client[1].encode()


def dealer(ep=intake_ep, ident=None):
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    curve(s, "intake" if ep == intake_ep else "validation")
    if ident:
        s.setsockopt(zmq.ROUTING_ID, ident)
    s.connect(ep)
    return s


def app(attachments=()):
    a = pb.Application(campaign_id="hangzhou-2018", honour=pb.ADVANCED_HOME,
                       category=pb.SINGLE_ESTABLISHMENT,
                       applicant_org="xiaoshan-hengyi-textile",
                       organising_unit="萧山区")
    a.attachments.extend(attachments)
    return a


def request(rid, key="", **body):
    r = pb.Request(idempotency_key=key, request_id=rid,
                   principal=pb.Principal(org_id="xiaoshan-hengyi-textile",
                                          role="grassroots"))
    for k, v in body.items():
        getattr(r, k).CopyFrom(v)
    return r


def note_acked(reply):
    if reply.code == pb.OK and reply.WhichOneof("body") == "case":
        with acked_lock:
            acked.write(reply.case.case.case_id + "\n")


def call(sock, req, timeout=20.0):
    """Sends req (retrying the same bytes on a timeout) and returns its
    reply."""
    data = req.SerializeToString()
    deadline = time.time() + 60
    while time.time() < deadline:
        sock.send(data)
        end = time.time() + timeout
        while time.time() < end:
            if sock.poll(int((end - time.time()) * 1000) + 1):
                rep = pb.Reply()
                rep.ParseFromString(sock.recv_multipart()[-1])
                if rep.request_id == req.request_id:
                    if req.WhichOneof("body") == "submit":
                        note_acked(rep)
                    return rep
    fail("no reply to %s" % req.request_id)


class Good(threading.Thread):
    """A good client submitting one case after another."""

    def __init__(self, n, tag):
        super().__init__(daemon=True)
        self.n, self.tag, self.ids, self.errors = n, tag, [], []

    def run(self):
        s = dealer()
        for i in range(self.n):
            rep = call(s, request("%s-%d" % (self.tag, i), key="%s-%d" % (self.tag, i),
                                  submit=pb.SubmitRequest(application=app())))
            if rep.code != pb.OK:
                self.errors.append("%s-%d: %s %s" % (self.tag, i, rep.code, rep.detail))
            else:
                self.ids.append(rep.case.case.case_id)
        s.close()


def expect_replies(sock, n, what, timeout=60.0):
    """Waits for n replies on sock; returns them."""
    got = []
    end = time.time() + timeout
    while len(got) < n and time.time() < end:
        if sock.poll(200):
            got.append(sock.recv_multipart())
    if len(got) < n:
        fail("%s: %d of %d replies" % (what, len(got), n))
    return got


def codes(frames_list):
    out = []
    for frames in frames_list:
        r = pb.Reply()
        r.ParseFromString(frames[-1])
        out.append(r.code)
    return out


# ---------------------------------------------------------------- phase 0
# Values that cannot be true (docs/protocol.md, "Data formats"), as an
# outside tester sent them: refused with E_OUT_OF_RANGE naming the field,
# in a submission and in a draft, and no case is made; identifiers over
# their length likewise, E_INVALID.
def held(year):
    return lambda a: a.held_honours.extend(
        [pb.HeldHonour(name="A", level=pb.COUNTY, year=2016),
         pb.HeldHonour(name="B", level=pb.COUNTY, year=year)])


absurd = [
    ("union.workers", lambda a: setattr(a.union, "workers", 2**64 - 1)),
    ("union.members", lambda a: setattr(a.union, "members", 2**63)),
    ("union.group_count", lambda a: setattr(a.union, "group_count", 2**32 - 1)),
    ("metrics.membership.counts.num",
     lambda a: a.metrics.membership.counts.MergeFrom(pb.Ratio(num=2**64 - 1, den=1000))),
    ("metrics.satisfaction.counts.den",
     lambda a: a.metrics.satisfaction.counts.MergeFrom(pb.Ratio(num=9, den=10**9 + 1))),
    ("held_honours[1].year", held(-2**31)),
]
v = dealer()
cases = call(v, request("absurd-cases", status=pb.StatusRequest())).status.cases
for i, (path, setter) in enumerate(absurd):
    for body in ("submit", "save_draft"):
        a = app()
        setter(a)
        msg = (pb.SubmitRequest if body == "submit" else pb.SaveDraftRequest)(
            application=a)
        rep = call(v, request("absurd-%d-%s" % (i, body),
                              key="absurd-%d-%s" % (i, body), **{body: msg}))
        want = body + ".application." + path
        if rep.code != pb.E_OUT_OF_RANGE or rep.field_path != want:
            fail("%s: %s at '%s' (%s); want E_OUT_OF_RANGE at %s" % (
                path, pb.ErrorCode.Name(rep.code), rep.field_path, rep.detail,
                want))
after = call(v, request("absurd-after", status=pb.StatusRequest())).status.cases
if after != cases:
    fail("values that cannot be true: %d cases before, %d after" % (cases, after))
ok("%d values that cannot be true (2^64-1 workers, 2^63 members, a year "
   "-2^31, ...): E_OUT_OF_RANGE at each field, no case made" % (2 * len(absurd)))
# Identifiers of 201 bytes (at most 200): E_INVALID naming the field.
long_id = "x" * 201
a = app()
a.applicant_org = long_id
too_long = [
    ("submit.application.applicant_org",
     request("long-1", key="long-1", submit=pb.SubmitRequest(application=a))),
    ("principal.org_id", request("long-2", list=pb.ListRequest())),
    ("list.applicant_org",
     request("long-3", list=pb.ListRequest(applicant_org=long_id))),
]
too_long[1][1].principal.org_id = long_id
for path, q in too_long:
    rep = call(v, q)
    if rep.code != pb.E_INVALID or rep.field_path != path:
        fail("201 bytes at %s: %s at '%s' (%s)" % (
            path, pb.ErrorCode.Name(rep.code), rep.field_path, rep.detail))
after = call(v, request("long-after", status=pb.StatusRequest())).status.cases
if after != cases:
    fail("identifiers of 201 bytes: %d cases before, %d after" % (cases, after))
v.close()
ok("identifiers of 201 bytes (an applicant, the principal's, a listing's "
   "filter): E_INVALID at each field, no case made")

# ---------------------------------------------------------------- phase 1
good = [Good(40, "g%d" % k) for k in range(3)]
for g in good:
    g.start()

h = dealer()
# Random bytes.
for i in range(50):
    h.send(bytes(random.getrandbits(8) for _ in range(random.randint(1, 1000))))
expect_replies(h, 50, "random frames")
ok("50 random frames: 50 replies")
# Multi-frame messages without a delimiter, delimiters alone, a message
# ending with a delimiter, too many frames.
shapes = [[b"a", b"b", b"c"], [b"", b""], [b"x", b""], [b"m"] * 40, [b""] * 3]
for frames in shapes * 4:
    h.send_multipart(frames)
got = expect_replies(h, len(shapes) * 4, "odd shapes")
if codes(got).count(pb.E_MALFORMED) < 12:
    fail("odd shapes: not E_MALFORMED: %s" % codes(got))
ok("%d messages of odd shapes: each answered" % len(got))
# A REQ socket works as it is.
r = ctx.socket(zmq.REQ)
r.setsockopt(zmq.LINGER, 0)
curve(r, "intake")
r.connect(intake_ep)
rq = request("req-1", status=pb.StatusRequest())
r.send(rq.SerializeToString())
if not r.poll(20000):
    fail("REQ client: no reply")
rep = pb.Reply()
rep.ParseFromString(r.recv())
if rep.code != pb.OK or rep.request_id != "req-1":
    fail("REQ client: %s" % rep)
r.close()
ok("a REQ client gets its reply")
# Truncated protobuf.
full = request("trunc", key="trunc", submit=pb.SubmitRequest(application=app(
    [pb.Attachment(name="f.pdf", kind="application_form", content=b"%PDF-1.4 x" * 50)]))) \
    .SerializeToString()
for i in range(30):
    h.send(full[:random.randint(1, len(full) - 1)])
expect_replies(h, 30, "truncated requests")
ok("30 truncated requests: 30 replies")
# A request of exactly the cap: the transport takes it; its attachment is
# over max_attachment.
base = request("atcap", key="atcap", submit=pb.SubmitRequest(application=app(
    [pb.Attachment(name="big.pdf", kind="other", content=b"")])))
pad = CAP - len(base.SerializeToString())
for _ in range(3):
    base.submit.application.attachments[0].content = b"%PDF" + b"p" * max(0, pad - 4)
    pad += CAP - len(base.SerializeToString())
if len(base.SerializeToString()) != CAP:
    fail("could not build a request of exactly %d bytes" % CAP)
s = dealer()
rep = call(s, base)
if rep.code != pb.E_TOO_LARGE:
    fail("request at the cap: %s %s" % (rep.code, rep.detail))
ok("a request of exactly max_request bytes: answered, E_TOO_LARGE for its attachment")
# Pipelined near-cap frames from one connection.
near = bytes(random.getrandbits(8) for _ in range(1000)) * ((CAP - 2000) // 1000)
for _ in range(8):
    s.send(near)
expect_replies(s, 8, "pipelined near-cap frames", timeout=120)
ok("8 pipelined frames of %d bytes from one connection: 8 replies" % len(near))
# A frame over the cap: the transport drops the connection; nothing else
# is touched.
over = dealer()
over.send(b"o" * (CAP + 1))
if over.poll(2000):
    fail("a frame of max_request + 1 bytes was answered")
ok("a frame of max_request + 1 bytes: dropped by the transport, no answer")
# Refused attachments followed by large ones.
for i in range(10):
    q = request("refused-%d" % i, key="refused-%d" % i, submit=pb.SubmitRequest(application=app([
        pb.Attachment(name="a.pdf", kind="application_form", content=b"%PDF-1.4 a"),
        pb.Attachment(name="b.pdf", kind="other", content=b"%PDF-1.4 b", sha256="0" * 64),
        pb.Attachment(name="c.pdf", kind="other",
                      content=b"%PDF" + b"c" * (min(CAP // 2, MAX_ATTACHMENT) - 1000))])))
    rep = call(s, q)
    if rep.code != pb.E_INVALID:
        fail("refused attachment: %s %s" % (rep.code, rep.detail))
ok("10 requests with a refused attachment and a large one: E_INVALID each")
s.close()
over.close()
# Many connecting routing ids, 100 at a time, each answered.
t0 = time.time()
answered = 0
for b in range(IDS // 100):
    socks = []
    for i in range(100):
        d = ctx.socket(zmq.DEALER)
        d.setsockopt(zmq.LINGER, 0)
        d.setsockopt(zmq.ROUTING_ID, b"id-%d-%d" % (b, i))
        curve(d, "intake")
        d.connect(intake_ep)
        d.send(b"\x12\xff\xff")
        socks.append(d)
    poller = zmq.Poller()
    for d in socks:
        poller.register(d, zmq.POLLIN)
    left = set(socks)
    end = time.time() + 30
    while left and time.time() < end:
        for d, _ in poller.poll(500):
            if d in left:
                d.recv_multipart()
                left.discard(d)
                answered += 1
    for d in socks:
        d.close()
if answered != IDS:
    fail("%d routing ids: %d answered" % (IDS, answered))
ok("%d routing ids connected, each answered, and went" % IDS)
# Clients that fill their queue and hang up: with heartbeats on the
# server socket libzmq 4.3.4 asserts (!_io_error) on the next heartbeat
# of such a connection and the service aborts.
hang = request("hang", status=pb.StatusRequest()).SerializeToString()
for i in range(50):
    d = dealer()
    for _ in range(1000):
        d.send(hang)
    # Hung up once intake reads this connection, with the rest queued.
    if not d.poll(20000):
        fail("no answer to a client that pipelined 1000 requests")
    d.close()
time.sleep(3)  # past a heartbeat interval
s2 = dealer()
rep = call(s2, request("after-hangups", status=pb.StatusRequest()))
if rep.code != pb.OK:
    fail("status after the hang-ups: %s" % rep.code)
s2.close()
ok("50 clients pipelined 1000 requests each and hung up: intake still answers")
# A stranger on validation's peer socket: a valid client key, but not a
# peer's, so the handshake refuses it and nothing it sends arrives.
st = dealer(validation_ep, b"stranger")


def stranger_send(data):
    """Once the handshake is refused the socket has no peer: a send would
    wait forever, so it does not wait."""
    try:
        st.send(data, zmq.DONTWAIT)
    except zmq.Again:
        pass


for i in range(300):
    stranger_send(pb.Envelope(kind=pb.DATA, sender_id="stranger", link_seq=i + 1,
                              type=pb.VALIDATE_CASE, payload=b"x" * 2000).SerializeToString())
for i in range(50):
    stranger_send(bytes(random.getrandbits(8) for _ in range(500)))
stranger_send(pb.Envelope(kind=pb.PING, sender_id="stranger").SerializeToString())
if st.poll(2000):
    fail("validation answered a stranger's key")
st.close()
# Validation still answers its peer's key.
pp = ctx.socket(zmq.DEALER)
pp.setsockopt(zmq.LINGER, 0)
curve(pp, "validation", pair(os.path.join(KEYS, "intake.cert")))
pp.connect(validation_ep)
pp.send(pb.Envelope(kind=pb.PING, sender_id="intake").SerializeToString())
if not pp.poll(20000):
    fail("validation does not answer a PING after a stranger's flood")
pp.close()
ok("a stranger's 350 peer messages to validation: it still answers")

# ---------------------------------------------------------------- phase 2
# Fairness: a flood of client requests; verdicts keep arriving meanwhile.
stop = threading.Event()
flood_replies = [0]


def flood():
    """Keeps 50 requests in flight on its own connection."""
    f = dealer()
    sent = got = 0
    while not stop.is_set():
        while sent - got < 50:
            f.send(request("flood", status=pb.StatusRequest()).SerializeToString())
            sent += 1
        if f.poll(50):
            f.recv_multipart()
            got += 1
            with acked_lock:
                flood_replies[0] += 1
    f.close()


floods = [threading.Thread(target=flood, daemon=True) for _ in range(4)]
for t in floods:
    t.start()
end = time.time() + 30
while flood_replies[0] < 100:
    if time.time() > end:
        fail("the flood did not start: %d replies in 30 s" % flood_replies[0])
    time.sleep(0.01)
before = flood_replies[0]
s = dealer()
ids = []
for i in range(20):
    rep = call(s, request("fair-%d" % i, key="fair-%d" % i,
                          submit=pb.SubmitRequest(application=app())))
    if rep.code != pb.OK:
        fail("submit during the flood: %s %s" % (rep.code, rep.detail))
    ids.append(rep.case.case.case_id)
pending = set(ids)
end = time.time() + 60
while pending and time.time() < end:
    for cid in list(pending):
        rep = call(s, request("get-" + cid, get=pb.GetRequest(case_id=cid)))
        if rep.code == pb.OK and rep.case.case.state in (pb.ELIGIBLE, pb.INELIGIBLE):
            pending.discard(cid)
    time.sleep(0.05)
during = flood_replies[0] - before
stop.set()
for t in floods:
    t.join()
if pending:
    fail("%d of 20 cases got no verdict during the flood" % len(pending))
if during < 100:
    fail("the flood was not flowing: %d replies" % during)
ok("20 verdicts arrived while 4 clients flooded intake (%d flood replies)" % during)

for g in good:
    g.join(300)
    if g.is_alive():
        fail("a good client did not finish")
    if g.errors:
        fail("good client errors: %s" % g.errors[:3])
ok("3 good clients: %d submissions, each answered OK" % sum(len(g.ids) for g in good))
s.close()
h.close()
ctx.destroy(linger=0)
print("done", flush=True)
