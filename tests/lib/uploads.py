"""uploads: attachments in parts against the real intake; used by
tests/integration/uploads.sh.

usage: uploads.py SOURCE_DIR INTAKE_EP MAX_REQUEST MAX_ATTACHMENT

Refusals (a gap, an offset whose end wraps past 2^64, content unlike its
sha256, over max_attachment, a part longer than what is left, a
stranger, an unregistered applicant) each with its code and field path, and nothing stored: an application naming
the content by sha256 is refused afterwards. Resent parts change nothing;
a fifth unfinished upload drops the oldest; a frame over max_request gets
no answer (the transport drops it) and the next connection is served.
Prints one "ok - ..." line per check and exits 1 at the first failed one."""
import hashlib
import sys
import uuid

import zmq

import rypb
from zprobe import tests_dealer
from tap import fail, ok

src, intake_ep, max_request, max_attachment = sys.argv[1:5]
MAX_REQUEST, MAX_ATTACHMENT = int(max_request), int(max_attachment)
pb = rypb.load(src)
ctx = zmq.Context()
ORG = "xiaoshan-hengyi-textile"
PART = 256 << 10


def dealer():
    return tests_dealer(ctx, intake_ep)


SOCK = dealer()


def call(req, timeout_ms=20000):
    req.request_id = uuid.uuid4().hex
    SOCK.send(req.SerializeToString())
    while SOCK.poll(timeout_ms):
        rep = pb.Reply()
        rep.ParseFromString(SOCK.recv_multipart()[-1])
        if rep.request_id == req.request_id:
            return rep
    fail("no reply to %s" % req.WhichOneof("body"))


def part(content, offset, n, sha=None, size=None, org=ORG, applicant=""):
    """An upload part for 'applicant' ("": the principal's org) from
    principal 'org' as a grassroots union (None: the platform itself)."""
    who = pb.Principal() if org is None else \
        pb.Principal(org_id=org, role="grassroots")
    r = pb.Request(principal=who)
    r.upload.sha256 = sha or hashlib.sha256(content).hexdigest()
    r.upload.size = len(content) if size is None else size
    r.upload.offset = offset
    r.upload.data = content[offset:offset + n]
    r.upload.applicant_org = applicant
    return call(r)


def expect(rep, code, path, what):
    if rep.code != code or rep.field_path != path:
        fail("%s: %s %r %s, want %s %r" % (what, pb.ErrorCode.Name(rep.code),
                                          rep.field_path, rep.detail,
                                          pb.ErrorCode.Name(code), path))


def progress(rep, received, complete, what):
    if rep.code != pb.OK or rep.WhichOneof("body") != "upload":
        fail("%s: %s %s" % (what, pb.ErrorCode.Name(rep.code), rep.detail))
    if rep.upload.received != received or rep.upload.complete != complete:
        fail("%s: received %d complete %s, want %d %s" % (
            what, rep.upload.received, rep.upload.complete, received, complete))


def not_stored(sha, what):
    """A draft naming sha alone is refused: nothing is stored under it."""
    r = pb.Request(principal=pb.Principal(org_id=ORG, role="grassroots"),
                   idempotency_key="ref-" + uuid.uuid4().hex)
    a = r.save_draft.application
    a.campaign_id = "hangzhou-2018"
    a.applicant_org = ORG
    a.honour = pb.ADVANCED_HOME
    a.organising_unit = "萧山区"
    a.attachments.add(name="x.pdf", kind="application_form", sha256=sha)
    rep = call(r)
    expect(rep, pb.E_MISSING_FIELD,
           "save_draft.application.attachments[0].content", what)


def pdf(n, seed):
    head = b"%PDF-1.4 " + seed.encode()
    return head + bytes((i * 7 + len(seed)) % 251 for i in range(n - len(head)))


# A gap: only the next offset is taken; the detail names it.
a = pdf(3 * PART, "gap")
progress(part(a, 0, PART), PART, False, "gap: first part")
rep = part(a, 2 * PART, PART)
expect(rep, pb.E_OUT_OF_RANGE, "upload.offset", "a part after a gap")
if "offset %d" % PART not in rep.detail:
    fail("gap: the detail does not name offset %d: %s" % (PART, rep.detail))
progress(part(a, 0, 0), PART, False, "gap: after the refusal")
not_stored(hashlib.sha256(a).hexdigest(), "content of an unfinished upload")
ok("a part after a gap: E_OUT_OF_RANGE at upload.offset naming offset %d; "
   "the upload as it was, nothing stored" % PART)

# An offset whose end wraps past 2^64 (as an outside tester sent them):
# not the next part either, whether nothing or half was received.


def raw_part(sha, size, offset, data):
    r = pb.Request(principal=pb.Principal(org_id=ORG, role="grassroots"))
    r.upload.sha256, r.upload.size = sha, size
    r.upload.offset, r.upload.data = offset, data
    return call(r)


w = pdf(10, "wrap")
wsha = hashlib.sha256(w).hexdigest()
rep = raw_part(wsha, 10, 2**64 - 5, w[:5])
expect(rep, pb.E_OUT_OF_RANGE, "upload.offset", "a fresh upload at 2^64-5")
progress(raw_part(wsha, 10, 0, b""), 0, False, "wrap: after 2^64-5")
progress(raw_part(wsha, 10, 0, w[:5]), 5, False, "wrap: first half")
rep = raw_part(wsha, 10, 2**64 - 1, w[5:])
expect(rep, pb.E_OUT_OF_RANGE, "upload.offset", "offset 2^64-1 after 5 of 10")
if "offset 5" not in rep.detail:
    fail("wrap: the detail does not name offset 5: %s" % rep.detail)
progress(raw_part(wsha, 10, 0, b""), 5, False, "wrap: after 2^64-1")
not_stored(wsha, "content of an upload sent at wrapping offsets")
ok("offsets whose end wraps past 2^64 (2^64-5 fresh, 2^64-1 after 5 of 10): "
   "E_OUT_OF_RANGE at upload.offset, the upload as it was")

# Resent parts change nothing; the last completes; after it, any part
# answers complete.
d = pdf(2 * PART + 1000, "resend")
progress(part(d, 0, PART), PART, False, "resend: first")
progress(part(d, 0, PART), PART, False, "resend: first again")
progress(part(d, PART, PART), 2 * PART, False, "resend: second")
progress(part(d, PART, PART), 2 * PART, False, "resend: second again")
progress(part(d, 2 * PART, PART), len(d), True, "resend: last")
progress(part(d, 2 * PART, PART), len(d), True, "resend: last again")
progress(part(d, 0, 0), len(d), True, "resend: a question after")
ok("resent parts answered with the progress; the last completes; again: complete")

# Content unlike its sha256: refused at the last part, upload discarded.
b = pdf(PART + 500, "wrong")
c = pdf(PART + 500, "claimed")
wrong = hashlib.sha256(c).hexdigest()
progress(part(b, 0, PART, sha=wrong), PART, False, "wrong hash: first")
rep = part(b, PART, PART, sha=wrong)
expect(rep, pb.E_INVALID, "upload.data", "content unlike its sha256")
progress(part(b, 0, 0, sha=wrong), 0, False, "wrong hash: after")
not_stored(wrong, "the claimed hash")
not_stored(hashlib.sha256(b).hexdigest(), "the content's real hash")
ok("content unlike its sha256: E_INVALID at upload.data, upload discarded, "
   "nothing stored")

# Over max_attachment, at the first part.
big = pdf(1000, "big")
rep = part(big, 0, 1000, size=MAX_ATTACHMENT + 1)
expect(rep, pb.E_TOO_LARGE, "upload.size", "size over max_attachment")
progress(part(big, 0, 0), 0, False, "too large: after")
not_stored(hashlib.sha256(big).hexdigest(), "refused as too large")
ok("size over max_attachment (%d): E_TOO_LARGE at upload.size, nothing stored"
   % MAX_ATTACHMENT)

# A part longer than what is left.
e = pdf(100, "left")
rep = part(e + b"x" * 50, 0, 150, sha=hashlib.sha256(e).hexdigest(), size=100)
expect(rep, pb.E_OUT_OF_RANGE, "upload.data", "a part longer than what is left")
not_stored(hashlib.sha256(e).hexdigest(), "a part longer than the content")
ok("a part longer than what is left: E_OUT_OF_RANGE at upload.data")

# Who may upload: as for submit.
rep = part(e, 0, 100, org="xiaoshan-yunlu-logistics", applicant=ORG)
expect(rep, pb.E_FORBIDDEN, "", "another union's applicant")
rep = part(e, 0, 100, applicant="nobody-registered")
expect(rep, pb.E_FORBIDDEN, "", "an applicant the union does not own")
ok("an upload for an applicant the principal may not act for: E_FORBIDDEN")
rep = part(e, 0, 100, org=None, applicant="nobody-registered")
expect(rep, pb.E_NOT_FOUND, "upload.applicant_org", "an unregistered applicant")
ok("the platform uploading for an unregistered applicant: E_NOT_FOUND")

# A fifth unfinished upload drops the oldest.
five = [pdf(2 * PART, "bound-%d" % i) for i in range(5)]
for i in range(4):
    progress(part(five[i], 0, PART), PART, False, "bound: upload %d" % i)
progress(part(five[4], 0, PART), PART, False, "bound: the fifth")
progress(part(five[0], 0, 0), 0, False, "bound: the oldest after the fifth")
for i in range(1, 5):
    progress(part(five[i], 0, 0), PART, False, "bound: upload %d after" % i)
# "gap" and the discarded one were older still: dropped before.
ok("a fifth unfinished upload drops the oldest; the other four stay")

# A frame over max_request: the transport drops it, nothing answers; a
# new connection is served.
over = dealer()
over.send(b"o" * (MAX_REQUEST + 1))
if over.poll(3000):
    fail("a frame of max_request + 1 bytes was answered")
over.close()
SOCK.close()
SOCK = dealer()
progress(part(d, 0, 0), len(d), True, "after the oversized frame")
ok("a frame of max_request + 1 bytes: no answer; the next connection is served")
