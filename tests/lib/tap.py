"""tap: what the Python test tools print. ok(what) for each check that
held: "ok - what [seconds since the last ok]"; fail(what) at the first
that did not: "FAIL: what", and the process ends with status 1 at once,
whichever thread calls it."""
import os
import time

_last = [time.time()]


def ok(msg):
    now = time.time()
    print("ok - %s [%.1f s]" % (msg, now - _last[0]), flush=True)
    _last[0] = now


def fail(msg):
    print("FAIL: " + msg, flush=True)
    os._exit(1)
