"""steady: submits applications to intake at a steady rate until STOP_FILE
exists, for tests/soak/soak.sh.

usage: steady.py SOURCE_DIR INTAKE_EP RATE ACKED_FILE STOP_FILE

Each submission has its own idempotency key and is retried with it until
intake answers; E_BUSY answers are counted (and the submission is given
up: the caller's client would retry later). Every 10 s prints
"t=S ok=N busy=M". Writes acknowledged case ids to ACKED_FILE."""
import os
import sys
import time

import zmq

import rypb

src, ep, rate, acked_path, stop_path = sys.argv[1:6]
rate = float(rate)
pb = rypb.load(src)
ctx = zmq.Context()
sock = ctx.socket(zmq.DEALER)
sock.setsockopt(zmq.LINGER, 0)
sock.connect(ep)
acked = open(acked_path, "a", buffering=1)
ok = busy = 0
t0 = last = time.time()
i = 0
while not os.path.exists(stop_path):
    i += 1
    app = pb.Application(campaign_id="hangzhou-2018", honour=pb.ADVANCED_HOME,
                         category=pb.SINGLE_ESTABLISHMENT,
                         applicant_org="xiaoshan-hengyi-textile", organising_unit="萧山区")
    req = pb.Request(idempotency_key="soak-%d" % i, request_id="s%d" % i,
                     principal=pb.Principal(org_id="xiaoshan-hengyi-textile",
                                            role="grassroots"),
                     submit=pb.SubmitRequest(application=app))
    data = req.SerializeToString()
    while True:
        sock.send(data)
        if sock.poll(10000):
            rep = pb.Reply()
            rep.ParseFromString(sock.recv_multipart()[-1])
            if rep.request_id != req.request_id:
                continue
            if rep.code == pb.OK:
                ok += 1
                acked.write(rep.case.case.case_id + "\n")
            elif rep.code == pb.E_BUSY:
                busy += 1
            else:
                print("unexpected reply: %s %s" % (rep.code, rep.detail), flush=True)
            break
    now = time.time()
    if now - last >= 10:
        print("t=%d ok=%d busy=%d" % (now - t0, ok, busy), flush=True)
        last = now
    wait = t0 + i / rate - time.time()
    if wait > 0:
        time.sleep(wait)
print("total ok=%d busy=%d" % (ok, busy), flush=True)
