"""fair_share: one client connection cannot take a whole round while another
waits; used by tests/integration/fair_share.sh.

usage: fair_share.py SOURCE_DIR INTAKE_EP N INTAKE_PID

Connection A pipelines N status requests, then connection B sends one,
while intake is stopped (SIGSTOP), so that when it goes on (SIGCONT) both
are waiting for it: A with N requests, many more than its queue holds
(client_queue_bytes / max_request), B with one. Intake's queue per
connection is deep enough that, running, it could answer all of A's
before B's request even arrived; stopped, it shows the fairness: each
round takes one message per connection in turn. Every request must be
answered once, and B's reply must arrive before A's last one, within
about a round (two rounds' share of client messages). Prints one "ok - ..." line per check and exits 1 at the first
failed one."""
import os
import signal
import sys
import time

import zmq

import rypb
from zprobe import tests_dealer
from tap import fail, ok

src, intake_ep, n, intake_pid = sys.argv[1:5]
N, PID = int(n), int(intake_pid)
pb = rypb.load(src)
ctx = zmq.Context()


def dealer():
    return tests_dealer(ctx, intake_ep, 2 * N + 10)


def status(rid):
    return pb.Request(request_id=rid,
                      principal=pb.Principal(org_id="platform", role="platform"),
                      status=pb.StatusRequest()).SerializeToString()


a, b = dealer(), dealer()
# Both connected (a status answered on each) before the burst, so that B
# waits on its own connection, not on its handshake.
for s, tag in ((a, "a-hello"), (b, "b-hello")):
    s.send(status(tag))
    if not s.poll(30000):
        fail("no answer to %s" % tag)
    s.recv()

PORT = int(intake_ep.rsplit(":", 1)[1])


def connections_with_input():
    """Established connections to intake's port whose bytes wait in
    intake's kernel receive queue (/proc/net/tcp{,6})."""
    n = 0
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            col = row.split()
            if (int(col[1].rsplit(":", 1)[1], 16) == PORT and col[3] == "01"
                    and int(col[4].split(":")[1], 16) > 0):
                n += 1
    return n


os.kill(PID, signal.SIGSTOP)
try:
    for i in range(N):
        a.send(status("a-%d" % i))
    b.send(status("b-0"))
    # Intake goes on only once B's request waits in its socket beside A's
    # (what of A's is not there yet only makes the test easier for A).
    deadline = time.monotonic() + 30
    while connections_with_input() < 2:
        if time.monotonic() > deadline:
            fail("B's request did not reach intake's socket in 30 s")
        time.sleep(0.01)
finally:
    os.kill(PID, signal.SIGCONT)

poller = zmq.Poller()
poller.register(a, zmq.POLLIN)
poller.register(b, zmq.POLLIN)
got_a, b_after = set(), None
while len(got_a) < N or b_after is None:
    ready = dict(poller.poll(60000))
    if not ready:
        fail("no reply in 60 s: %d of %d from A, B %s"
             % (len(got_a), N, "answered" if b_after is not None else "waiting"))
    # One reply from each connection in turn: B's is counted against the
    # replies of A that came before it, not against how fast we read A.
    for s in (a, b):
        if s in ready and s.poll(0):
            rep = pb.Reply()
            rep.ParseFromString(s.recv())
            if rep.code != pb.OK:
                fail("%s: %s %s" % (rep.request_id, rep.code, rep.detail))
            if s is a:
                if rep.request_id in got_a:
                    fail("%s answered twice" % rep.request_id)
                got_a.add(rep.request_id)
            elif rep.request_id == "b-0":
                b_after = len(got_a)
if got_a != {"a-%d" % i for i in range(N)}:
    fail("A's replies are not its requests")
ok("every one of A's %d pipelined requests answered once" % N)
if b_after >= N:
    fail("B's one request was answered after all of A's %d" % N)
# A round takes at most 768 client messages (3/4 of 1024), one per
# connection in turn; B's request may be read by ZeroMQ's thread only
# after A's queue was filled and a round began, so it waits at most about
# one round: two rounds' share is the bound checked.
if b_after > 2 * 768:
    fail("B's request was answered after %d of A's: more than two rounds"
         % b_after)
ok("B's request answered after %d of A's %d, within two rounds" % (b_after, N))
