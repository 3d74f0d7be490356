"""subscribe: subscribes an organisation to a webhook by SubscribeRequest
on notification's request socket, with the tests' key ($RONGYU_KEY, a
platform key acting as itself, as a platform does for its users); used
by tests/integration/notify_roles.sh and bench/subscribers.sh.

    subscribe.py SOURCE_DIR NOTIFY_EP ORG URL SECRET [COUNT]

Prints the subscription's id; exits 1 (with the reply) when refused.
With COUNT, subscribes COUNT organisations ORG-00000, ORG-00001, ...
instead (64 requests in flight) and prints how many."""
import sys

import zmq

import rypb
from tap import fail
from zprobe import tests_dealer

src, ep, org, url, secret = sys.argv[1:6]
count = int(sys.argv[6]) if len(sys.argv) > 6 else 0
pb = rypb.load(src)
ctx = zmq.Context()
s = tests_dealer(ctx, ep, service="notification")


def request(name):
    req = pb.Request(request_id="sub-" + name, idempotency_key="sub-" + name)
    req.subscribe.org = name
    req.subscribe.channel = pb.CHANNEL_WEBHOOK
    req.subscribe.url = url
    req.subscribe.secret = secret
    s.send(req.SerializeToString())


def reply():
    if not s.poll(20000):
        fail("no reply to subscribe %s" % org)
    rep = pb.Reply()
    rep.ParseFromString(s.recv_multipart()[-1])
    if rep.code != pb.OK:
        fail("%s: %s %s" % (rep.request_id, pb.ErrorCode.Name(rep.code),
                            rep.detail))
    return rep


if count:
    sent = got = 0
    while got < count:
        while sent < count and sent - got < 64:
            request("%s-%05d" % (org, sent))
            sent += 1
        reply()
        got += 1
    print(count)
else:
    request(org)
    while True:
        rep = reply()
        if rep.request_id == "sub-" + org:
            break
    print(rep.subscriptions.subscriptions[0].id)
s.close()
ctx.term()
