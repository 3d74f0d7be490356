"""subscribe: subscribes an organisation to a webhook by SubscribeRequest
on notification's request socket, with the tests' key ($RONGYU_KEY, a
platform key acting as itself, as a platform does for its users); used
by tests/integration/notify_roles.sh.

    subscribe.py SOURCE_DIR NOTIFY_EP ORG URL SECRET

Prints the subscription's id; exits 1 (with the reply) when refused."""
import os
import sys

import zmq

import rypb
from tap import fail
from zprobe import cert_keys

src, ep, org, url, secret = sys.argv[1:6]
pb = rypb.load(src)
keys = os.path.join(os.environ["RONGYU_HOME"], "keys")
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.setsockopt(zmq.LINGER, 0)
s.curve_serverkey = cert_keys(os.path.join(keys, "notification.cert"))[0].encode()
s.curve_publickey = cert_keys(os.environ["RONGYU_KEY"])[0].encode()
s.curve_secretkey = cert_keys(os.environ["RONGYU_KEY"] + "_secret")[1].encode()
s.connect(ep)
req = pb.Request(request_id="sub-" + org, idempotency_key="sub-" + org)
req.subscribe.org = org
req.subscribe.channel = pb.CHANNEL_WEBHOOK
req.subscribe.url = url
req.subscribe.secret = secret
s.send(req.SerializeToString())
while True:
    if not s.poll(20000):
        fail("no reply to subscribe %s" % org)
    rep = pb.Reply()
    rep.ParseFromString(s.recv_multipart()[-1])
    if rep.request_id == req.request_id:
        break
if rep.code != pb.OK:
    fail("subscribe %s: %s %s" % (org, pb.ErrorCode.Name(rep.code), rep.detail))
print(rep.subscriptions.subscriptions[0].id)
s.close()
ctx.term()
