"""slow_reader: a client that does not read its replies costs intake
bounded memory and does not stop it answering others; used by
tests/integration/slow_reader.sh.

usage: slow_reader.py SOURCE_DIR INTAKE_EP INTAKE_PID INTAKE_LOG CASES

First a list of 1000 on a store of CASES cases is paged through: each
page at most 64 KiB of cases (and at least one), next_after set while
cases remain, every case once. Then connection S pipelines N lists of
1000 without reading: once intake says S does not read its replies (its
log line), intake's anonymous memory has grown by less than the bound
(1024 replies of at most a page each queued in ZeroMQ, 16 MiB more
waiting in intake, and room), and connection G is answered. Then S
reads what came and asks again until it is answered: served again once
its stall ends. Prints one "ok - ..." line per check and exits 1 at the
first failed one."""
import sys
import time

import zmq

import rypb
from zprobe import tests_dealer
from tap import fail, ok

src, intake_ep, intake_pid, intake_log, cases = sys.argv[1:6]
PID, CASES = int(intake_pid), int(cases)
PAGE = 64 << 10
REPLIES = 1024
N = 3000
LATE_MIB = 16  # replies waiting in intake past ZeroMQ's queue
BOUND_MIB = REPLIES * PAGE // (1 << 20) + LATE_MIB + 128
pb = rypb.load(src)
ctx = zmq.Context()


def principal():
    return pb.Principal(org_id="platform", role="platform")


def list_req(rid, after=""):
    return pb.Request(request_id=rid, principal=principal(),
                      list=pb.ListRequest(limit=1000, after_case_id=after)
                      ).SerializeToString()


def status_req(rid):
    return pb.Request(request_id=rid, principal=principal(),
                      status=pb.StatusRequest()).SerializeToString()


def call(sock, data, timeout_ms=30000):
    sock.send(data)
    if not sock.poll(timeout_ms):
        return None
    rep = pb.Reply()
    rep.ParseFromString(sock.recv())
    return rep


def rss_anon_mib():
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) // 1024
    fail("no RssAnon for intake")


def log_has(text):
    with open(intake_log, encoding="utf-8", errors="replace") as f:
        return text in f.read()


# Paging: every page within its bytes, every case once.
g = tests_dealer(ctx, intake_ep)
seen, after, pages = [], "", 0
while True:
    rep = call(g, list_req("page-%d" % pages, after))
    if rep is None or rep.code != pb.OK:
        fail("list page %d: %s" % (pages, rep))
    sizes = [c.ByteSize() for c in rep.list.cases]
    if len(sizes) > 1 and sum(sizes) > PAGE:
        fail("page %d holds %d bytes of cases, over %d" % (pages, sum(sizes), PAGE))
    seen += [c.case_id for c in rep.list.cases]
    pages += 1
    if not rep.list.next_after:
        break
    after = rep.list.next_after
if len(seen) != len(set(seen)) or len(seen) < CASES:
    fail("paging gave %d cases (%d distinct), %d stored"
         % (len(seen), len(set(seen)), CASES))
if pages < 2:
    fail("a list of %d cases fit one page: the test needs larger lists" % CASES)
ok("a list of 1000 came in %d pages of at most %d bytes, each of the %d "
   "cases once" % (pages, PAGE, len(seen)))

# The slow reader: its own queue holds every request, its receive queue
# one reply, so that it leaves the rest in intake's.
rss0 = rss_anon_mib()
s = tests_dealer(ctx, intake_ep, N + 10, rcvhwm=1, rcvbuf=4096)
for i in range(N):
    s.send(list_req("slow-%d" % i))
deadline = time.monotonic() + 120
while not log_has("does not read its replies"):
    if rss_anon_mib() - rss0 > BOUND_MIB:
        fail("intake's anonymous memory grew by %d MiB for a connection "
             "that does not read, over %d, and it did not find it stalled"
             % (rss_anon_mib() - rss0, BOUND_MIB))
    if time.monotonic() > deadline:
        fail("intake never found the slow connection stalled (anonymous "
             "memory %d MiB, %d before)" % (rss_anon_mib(), rss0))
    time.sleep(0.1)
grown = rss_anon_mib() - rss0
if grown > BOUND_MIB:
    fail("intake's anonymous memory grew by %d MiB for a connection that "
         "does not read, over %d" % (grown, BOUND_MIB))
ok("the slow connection stalled; intake's anonymous memory grew by %d MiB "
   "(bound %d)" % (grown, BOUND_MIB))
rep = call(g, status_req("good-during"))
if rep is None or rep.code != pb.OK:
    fail("the good connection was not answered while the slow one waits: %s" % rep)
ok("another connection answered meanwhile")

# The slow client reads again: what intake kept comes, then a new request
# is answered once the stall has ended (it asks again until then).
got = 0
while s.poll(5000):
    s.recv()
    got += 1
if got == 0 or got > N:
    fail("the slow connection read %d replies" % got)
deadline = time.monotonic() + 30
answered = False
k = 0
while not answered:
    if time.monotonic() > deadline:
        fail("the slow connection was never served again")
    s.send(status_req("slow-again-%d" % k))
    k += 1
    while s.poll(300):
        rep = pb.Reply()
        rep.ParseFromString(s.recv())
        if rep.request_id.startswith("slow-again-") and rep.code == pb.OK:
            answered = True
ok("the slow connection read %d of its %d replies, then was served again"
   % (got, N))
