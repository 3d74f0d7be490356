"""notify_scope: what a principal stated in a read of notification sees;
used by tests/integration/notify_scope.sh.

    notify_scope.py SOURCE_DIR NOTIFY_EP APPLICANT UNIT
    notify_scope.py SOURCE_DIR NOTIFY_EP --feed ORG...

With the tests' platform key: acting as itself it reads every
organisation's deliveries and feed; acting for APPLICANT (grassroots) it
reads APPLICANT's alone, and asking for UNIT's, or the timers, is
E_FORBIDDEN; a principal missing its organisation or role, or naming no
role there is, is refused as subscriptions refuse it, never widened to
the platform's reach. Prints one "ok - ..." line per check; exits 1 at
the first that fails. With --feed, subscribes each ORG to the feed
first, as the platform acting as itself."""
import sys

import zmq

import rypb
from tap import fail, ok
from zprobe import tests_dealer

src, ep = sys.argv[1:3]
pb = rypb.load(src)
ctx = zmq.Context()
s = tests_dealer(ctx, ep, service="notification")
n = [0]


def call(principal=None, **body):
    n[0] += 1
    req = pb.Request(request_id="scope-%d" % n[0],
                     idempotency_key="scope-%d" % n[0])
    if principal:
        for k, v in principal.items():
            setattr(req.principal, k, v)
    for name, fields in body.items():
        part = getattr(req, name)
        part.SetInParent()
        for k, v in fields.items():
            setattr(part, k, v)
    s.send(req.SerializeToString())
    if not s.poll(20000):
        fail("no reply to %s" % req)
    rep = pb.Reply()
    rep.ParseFromString(s.recv_multipart()[-1])
    if rep.request_id != req.request_id:
        fail("request_id %r echoed as %r" % (req.request_id, rep.request_id))
    return rep


def expect(rep, code, field, what):
    if rep.code != code or rep.field_path != field:
        fail("%s: %s at %r (%s), %s at %r expected" % (
            what, pb.ErrorCode.Name(rep.code), rep.field_path, rep.detail,
            pb.ErrorCode.Name(code), field))
    if code != pb.OK and ("。" not in rep.detail and rep.detail != field):
        fail("%s: detail %r is not bilingual" % (what, rep.detail))


def orgs(rep):
    return sorted({d.org for d in rep.notifications.deliveries})


if sys.argv[3] == "--feed":
    for org in sys.argv[4:]:
        rep = call(subscribe={"org": org, "channel": pb.CHANNEL_FEED})
        expect(rep, pb.OK, "", "subscribe %s to the feed" % org)
    sys.exit(0)
app, unit = sys.argv[3:5]

every = call(notifications={})
expect(every, pb.OK, "", "the platform as itself")
if orgs(every) != sorted([app, unit]):
    fail("the platform reads %s, %s expected" % (orgs(every), sorted([app, unit])))
ok("the platform acting as itself reads every organisation's deliveries (%s)"
   % ", ".join(orgs(every)))

me = {"org_id": app, "role": "grassroots"}
own = call(me, notifications={})
expect(own, pb.OK, "", "the applicant's own")
if orgs(own) != [app] or not own.notifications.deliveries:
    fail("acting for %s: deliveries of %s" % (app, orgs(own)))
if any(a.delivery_id not in {d.id for d in own.notifications.deliveries}
       for a in own.notifications.attempts):
    fail("acting for %s: attempts of another's deliveries" % app)
ok("acting for %s (grassroots): its own %d deliveries alone" %
   (app, len(own.notifications.deliveries)))
expect(call(me, notifications={"org": app}), pb.OK, "", "its own, named")
expect(call(me, notifications={"org": unit}), pb.E_FORBIDDEN,
       "notifications.org", "another's deliveries")
expect(call(me, notifications={"timers": True}), pb.E_FORBIDDEN,
       "notifications.timers", "the timers")
ok("acting for %s: %s's deliveries and the timers are E_FORBIDDEN" % (app, unit))

feed = call(me, feed_replay={})
expect(feed, pb.OK, "", "its own feed")
if [i.topic for i in feed.feed_replay.items] != [app] * len(feed.feed_replay.items) \
        or not feed.feed_replay.items:
    fail("acting for %s: feed items of %s" % (app, [i.topic for i in feed.feed_replay.items]))
expect(call(me, feed_replay={"topic": app + "|"}), pb.OK, "", "its own topic")
expect(call(me, feed_replay={"topic": unit + "|"}), pb.E_FORBIDDEN,
       "feed_replay.topic", "another's feed")
expect(call(me, feed_replay={"topic": app + "X"}), pb.E_FORBIDDEN,
       "feed_replay.topic", "a topic its id begins")
ok("acting for %s: its own feed alone, another's topic E_FORBIDDEN" % app)

for principal, code, field in [
        ({"role": "grassroots"}, pb.E_MISSING_FIELD, "principal.org_id"),
        ({"org_id": app}, pb.E_MISSING_FIELD, "principal.kind"),
        ({"org_id": app, "role": "nonsense"}, pb.E_INVALID, "principal.role")]:
    for body in ({"notifications": {}}, {"feed_replay": {}},
                 {"notifications": {"timers": True}}):
        expect(call(principal, **body), code, field,
               "%s %s" % (principal, list(body)[0]))
ok("a principal without its organisation or role, or with a role there is "
   "not, is refused as subscriptions refuse it")
