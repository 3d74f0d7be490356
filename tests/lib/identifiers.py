"""identifiers: every identifier a request names has one bound in every
service, and a longer one is refused E_INVALID at its own field; used by
tests/integration/identifiers.sh.

    identifiers.py SOURCE_DIR INTAKE_EP NOTIFY_EP

The fields are found by walking each request body's descriptor (so a
field added later is covered by its name): org_id, org, applicant_org,
organising_unit and parent_id at most 200 bytes, campaign_id 100, a feed
topic ("org|") 201 (docs/protocol.md, "Data formats"). For each, one byte
over: E_INVALID at its path and no case or subscription made. At the
bound: an organisation of 200 bytes subscribes to the feed, lists its
subscription and replays its topic. Also: filters that name no value
there can be (a campaign, a delivery state or channel), enums holding a
value their type does not name, and an imported organisation's name over
400 bytes, each refused naming what is wrong; and notification takes a
request without a principal as its key's own, as intake does.
Prints one "ok - ..." line per check; exits 1 at the first failure."""
import os
import sys

import zmq
from google.protobuf.descriptor import FieldDescriptor as F

import rypb
from zprobe import cert_keys
from tap import fail, ok

src, intake_ep, notify_ep = sys.argv[1:4]
pb = rypb.load(src)
ctx = zmq.Context()
BOUNDS = {"org_id": 200, "org": 200, "applicant_org": 200,
          "organising_unit": 200, "parent_id": 200, "campaign_id": 100,
          "topic": 201}
NOTIFY_BODIES = {"notifications", "feed_replay", "subscribe",
                 "subscriptions", "unsubscribe"}


def dealer(ep, server):
    keys = os.path.join(os.environ["RONGYU_HOME"], "keys")
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    s.curve_serverkey = cert_keys(os.path.join(keys, server + ".cert"))[0].encode()
    s.curve_publickey = cert_keys(os.environ["RONGYU_KEY"])[0].encode()
    s.curve_secretkey = cert_keys(os.environ["RONGYU_KEY"] + "_secret")[1].encode()
    s.connect(ep)
    return s


socks = {"intake": dealer(intake_ep, "intake"),
         "notification": dealer(notify_ep, "notification")}
seq = [0]


def request(body, org="city", role="city"):
    seq[0] += 1
    r = pb.Request(request_id="id-%d" % seq[0], idempotency_key="k-%d" % seq[0],
                   principal=pb.Principal(org_id=org, role=role))
    getattr(r, body).SetInParent()
    return r


def call(req):
    body = req.WhichOneof("body")
    s = socks["notification" if body in NOTIFY_BODIES else "intake"]
    s.send(req.SerializeToString())
    while True:
        if not s.poll(20000):
            fail("no reply to %s" % body)
        rep = pb.Reply()
        rep.ParseFromString(s.recv_multipart()[-1])
        if rep.request_id == req.request_id:
            return rep


def paths(desc, prefix=(), depth=0):
    """(path, field) of every string field under desc, a repeated
    message's first element included (path parts "name[0]")."""
    for f in desc.fields:
        if f.type == F.TYPE_STRING and f.label != F.LABEL_REPEATED:
            yield prefix + (f.name,), f
        elif f.type == F.TYPE_MESSAGE and depth < 3:
            part = f.name + ("[0]" if f.label == F.LABEL_REPEATED else "")
            yield from paths(f.message_type, prefix + (part,), depth + 1)


def set_path(msg, path, value):
    for part in path[:-1]:
        if part.endswith("[0]"):
            rep = getattr(msg, part[:-3])
            msg = rep[0] if len(rep) else rep.add()
        else:
            msg = getattr(msg, part)
            msg.SetInParent()
    setattr(msg, path[-1], value)


def counts():
    st = call(request("status")).status.cases
    subs = call(request("subscriptions")).subscriptions
    return st, len(subs.subscriptions)


before = counts()
bodies = pb.Request.DESCRIPTOR.oneofs_by_name["body"].fields
checked = set()
for bf in bodies:
    for path, f in paths(bf.message_type):
        bound = BOUNDS.get(f.name)
        if not bound:
            continue
        req = request(bf.name)
        set_path(getattr(req, bf.name), path, "x" * (bound + 1))
        rep = call(req)
        want = ".".join((bf.name,) + path)
        if rep.code != pb.E_INVALID or rep.field_path != want:
            fail("%s of %d bytes: %s at '%s' (%s); want E_INVALID there" % (
                want, bound + 1, pb.ErrorCode.Name(rep.code), rep.field_path,
                rep.detail))
        if "%d bytes, at most %d" % (bound + 1, bound) not in rep.detail:
            fail("%s: the detail does not give the bound: %s" % (want, rep.detail))
        checked.add(want)
# The principal's own, to both services.
for body in ("list", "subscriptions"):
    rep = call(request(body, org="x" * 201))
    if rep.code != pb.E_INVALID or rep.field_path != "principal.org_id":
        fail("principal.org_id of 201 bytes (%s): %s at '%s'" % (
            body, pb.ErrorCode.Name(rep.code), rep.field_path))
    checked.add("%s principal.org_id" % body)
for must in ("submit.application.applicant_org", "list.campaign_id",
             "quota.organising_unit", "subscribe.org", "feed_replay.topic",
             "org_import.orgs[0].parent_id", "key_add.org_id"):
    if must not in checked:
        fail("the walk did not reach %s" % must)
if counts() != before:
    fail("identifiers one byte too long: %s before, %s after" % (before, counts()))
ok("%d identifiers one byte over their bound, in every request of both "
   "services: E_INVALID at each field, nothing made" % len(checked))

# At the bound: an organisation of 200 bytes subscribes, lists its
# subscription and replays its feed.
org = "u" * 200
req = request("subscribe")
req.subscribe.org = org
req.subscribe.channel = pb.CHANNEL_FEED
rep = call(req)
if rep.code != pb.OK:
    fail("subscribing %d bytes: %s %s" % (len(org), pb.ErrorCode.Name(rep.code),
                                          rep.detail))
req = request("subscriptions")
req.subscriptions.org = org
subs = call(req).subscriptions.subscriptions
if [s.org for s in subs] != [org]:
    fail("the subscription of 200 bytes is not listed: %r" % [s.org for s in subs])
req = request("feed_replay")
req.feed_replay.topic = org + "|"
rep = call(req)
if rep.code != pb.OK:
    fail("replaying a topic of 201 bytes: %s" % pb.ErrorCode.Name(rep.code))
ok("an organisation of 200 bytes subscribes, lists its subscription and "
   "replays its topic of 201 bytes")

# Filters that name nothing there can be.
wrong = [("list", "campaign_id", "c" * 100, pb.E_NOT_FOUND),
         ("postings", "campaign_id", "hangzhou-2108", pb.E_NOT_FOUND),
         ("quota", "campaign_id", "hangzhou-2108", pb.E_NOT_FOUND),
         ("deadlines", "campaign_id", "hangzhou-2108", pb.E_NOT_FOUND),
         ("notifications", "state", "faild", pb.E_INVALID),
         ("notifications", "channel", "sms", pb.E_INVALID)]
for body, field, value, code in wrong:
    req = request(body)
    setattr(getattr(req, body), field, value)
    if body == "postings":
        req.postings.organising_unit = "萧山区"
    rep = call(req)
    want = "%s.%s" % (body, field)
    if rep.code != code or rep.field_path != want:
        fail("%s = %r: %s at '%s' (%s); want %s there" % (
            want, value, pb.ErrorCode.Name(rep.code), rep.field_path,
            rep.detail, pb.ErrorCode.Name(code)))
req = request("notifications")
req.notifications.timers = True
req.notifications.state = "fired"
if call(req).code != pb.OK:
    fail("a timer's state 'fired' was refused")
ok("an unknown campaign in a listing, quota or deadlines: E_NOT_FOUND at its "
   "campaign_id; an unknown delivery state or channel: E_INVALID")

# An imported organisation's name over 400 bytes is named as such.
req = request("org_import")
o = req.org_import.orgs.add()
o.id, o.name, o.kind = "long-name", "名" * 134, pb.ORG_GRASSROOTS
o.parent_id, o.organising_unit = "city", "萧山区"
rep = call(req)
if rep.code != pb.E_INVALID or "402 bytes, at most 400" not in rep.detail:
    fail("an organisation's name of 402 bytes: %s (%s)" % (
        pb.ErrorCode.Name(rep.code), rep.detail))
ok("an imported organisation's name of 402 bytes: E_INVALID giving its length")

# Enums: a value its type does not name, anywhere in a request, is
# refused at its field (a filter of 99 had answered an empty list).
enums = [("list", ("state",)), ("list", ("honour",)),
         ("submit", ("application", "honour")),
         ("org_import", ("orgs[0]", "kind")), ("wait", ("state",)),
         ("subscribe", ("channel",)), ("dead", ("op",))]
before = counts()
for body, path in enums:
    req = request(body)
    set_path(getattr(req, body), path, 99)
    rep = call(req)
    want = ".".join((body,) + path)
    if (rep.code != pb.E_INVALID or rep.field_path != want or
            "99 is not a value of" not in rep.detail):
        fail("%s = 99: %s at '%s' (%s); want E_INVALID there" % (
            want, pb.ErrorCode.Name(rep.code), rep.field_path, rep.detail))
if counts() != before:
    fail("enums out of their type: %s before, %s after" % (before, counts()))
ok("%d enums holding 99, to both services: E_INVALID at each field, nothing "
   "made" % len(enums))

# A request with no principal acts as its key's own, in notification as in
# intake (docs/protocol.md, "Principals and roles"): the tests' platform
# key subscribes, lists and unsubscribes as the platform.
req = request("subscriptions")
req.ClearField("principal")
req.subscriptions.org = "萧山区"
rep = call(req)
if rep.code != pb.OK:
    fail("subscriptions without a principal: %s at '%s' (%s)" % (
        pb.ErrorCode.Name(rep.code), rep.field_path, rep.detail))
req.subscriptions.org = ""
rep = call(req)
if rep.code != pb.E_MISSING_FIELD or rep.field_path != "subscriptions.org":
    fail("the platform listing its own subscriptions: %s at '%s' (%s)" % (
        pb.ErrorCode.Name(rep.code), rep.field_path, rep.detail))
req = request("subscribe")
req.ClearField("principal")
req.subscribe.org = "萧山区"
req.subscribe.channel = pb.CHANNEL_FEED
rep = call(req)
if rep.code != pb.OK or [s.org for s in rep.subscriptions.subscriptions] != ["萧山区"]:
    fail("subscribe without a principal: %s (%s)" % (
        pb.ErrorCode.Name(rep.code), rep.detail))
req = request("subscribe", org="", role="platform")
req.subscribe.org = "萧山区"
req.subscribe.channel = pb.CHANNEL_FEED
rep = call(req)
if rep.code != pb.OK:
    fail("subscribe with a role only: %s (%s)" % (pb.ErrorCode.Name(rep.code),
                                                  rep.detail))
req = request("subscribe")
req.ClearField("principal")
req.subscribe.channel = pb.CHANNEL_FEED
rep = call(req)
if rep.code != pb.E_MISSING_FIELD or rep.field_path != "subscribe.org":
    fail("the platform subscribing itself: %s at '%s' (%s)" % (
        pb.ErrorCode.Name(rep.code), rep.field_path, rep.detail))
ok("notification takes a request without a principal, or with the key's "
   "role only, as its key's own; the platform names whom it subscribes "
   "and whose subscriptions it lists")

# A required field left out is missing, not invalid.
req = request("extend_deadline")
req.extend_deadline.organising_unit = "萧山区"
req.extend_deadline.opinion = "延期"
rep = call(req)
if rep.code != pb.E_MISSING_FIELD or rep.field_path != "extend_deadline.until":
    fail("extend_deadline without until: %s at '%s' (%s)" % (
        pb.ErrorCode.Name(rep.code), rep.field_path, rep.detail))
ok("extend_deadline without until: E_MISSING_FIELD at extend_deadline.until")
