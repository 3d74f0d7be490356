"""fake_peer: stands in for a service behind intake (binds its peer
endpoint as a ROUTER) and misbehaves on purpose, for the dead-letter test.

usage: fake_peer.py SOURCE_DIR ENDPOINT NAME LOGFILE

It answers PING with PONG; refuses (REJECT) the first message intake
sends it, then acknowledges everything; once, it sends intake a message
whose payload does not decode. Every DATA it receives is logged as
"data SEQ CORRELATION" to LOGFILE."""
import os
import sys

import zmq

import rypb
from zprobe import cert_keys

src, endpoint, name, logfile = sys.argv[1:5]
pb = rypb.load(src)
ctx = zmq.Context()
sock = ctx.socket(zmq.ROUTER)
sock.setsockopt(zmq.LINGER, 0)
# A CURVE server with the real service's key pair, as intake expects.
keys = os.path.join(os.environ["RONGYU_HOME"], "keys", name + ".cert")
sock.curve_server = True
sock.curve_publickey = cert_keys(keys)[0].encode()
sock.curve_secretkey = cert_keys(keys + "_secret")[1].encode()
sock.bind(endpoint)
log = open(logfile, "a", buffering=1)
E = pb.Envelope
rejected = False
sent_bad = False
applied = 0


def send(rid, env):
    sock.send_multipart([rid, env.SerializeToString()])


while True:
    if not sock.poll(200):
        continue
    rid, body = sock.recv_multipart()[:2]
    env = E()
    env.ParseFromString(body)
    if env.kind == pb.PING:
        send(rid, E(kind=pb.PONG, sender_id=name))
        continue
    if env.kind != pb.DATA:
        continue
    log.write("data %d %s\n" % (env.link_seq, env.correlation_id))
    if env.link_seq == applied + 1:
        applied = env.link_seq
        if not rejected:
            rejected = True
            send(rid, E(kind=pb.REJECT, sender_id=name, link_seq=env.link_seq,
                        correlation_id=env.correlation_id,
                        reason="refused by the fake peer"))
    send(rid, E(kind=pb.ACK, sender_id=name, ack_seq=applied))
    if not sent_bad:
        sent_bad = True
        send(rid, E(kind=pb.DATA, sender_id=name, link_seq=1,
                    type=pb.VALIDATION_RESULT, correlation_id="junk",
                    payload=b"\x12\xff\xff\xff\x0f not a result"))
