#!/usr/bin/python3
"""zprobe: knocks at a rongyu socket the way an outsider would and says
whether anything got through.

    zprobe.py MODE ENDPOINT SERVER_CERT [CLIENT_CERT]

MODE is one of
  curve   a CURVE client with CLIENT_CERT's key pair (a stranger's, or a
          client key at a peer socket) sends a request and a forged peer
          envelope;
  null    a ZeroMQ client with no key at all (the NULL mechanism);
  plain   ZeroMQ's PLAIN mechanism (user name and password in clear);
  raw     plain text over TCP (an HTTP request) with no ZeroMQ at all.
For a PUB feed (--sub) the probe subscribes to everything instead.

Prints one line "MODE ENDPOINT: refused (...)" and exits 0 when nothing
came back and the handshake did not succeed; prints what came back and
exits 1 otherwise. Exit 2 for bad usage.
"""
import os
import socket
import sys
import time

import zmq
from zmq.utils.monitor import recv_monitor_message


def cert_keys(path):
    """Reads public-key and secret-key from a zcert file (either may be
    absent)."""
    pub = sec = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("public-key"):
                pub = line.split("=", 1)[1].strip().strip('"')
            elif line.startswith("secret-key"):
                sec = line.split("=", 1)[1].strip().strip('"')
    return pub, sec


def tests_dealer(ctx, endpoint, hwm=None, rcvhwm=None, rcvbuf=None,
                 service="intake"):
    """A DEALER to 'service' (intake, or notification's request socket)
    at endpoint with the tests' platform key (RONGYU_KEY) and the
    service's public key from RONGYU_HOME/keys; hwm its queues' bound
    both ways, unless rcvhwm gives the receiving one (and rcvbuf the
    kernel's receive buffer)."""
    s = ctx.socket(zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    if hwm:
        s.setsockopt(zmq.SNDHWM, hwm)
        s.setsockopt(zmq.RCVHWM, hwm)
    if rcvhwm:
        s.setsockopt(zmq.RCVHWM, rcvhwm)
    if rcvbuf:
        s.setsockopt(zmq.RCVBUF, rcvbuf)
    keys = os.path.join(os.environ["RONGYU_HOME"], "keys")
    key = os.environ["RONGYU_KEY"]
    s.curve_serverkey = cert_keys(os.path.join(keys, service + ".cert"))[0].encode()
    s.curve_publickey = cert_keys(key)[0].encode()
    s.curve_secretkey = cert_keys(key + "_secret")[1].encode()
    s.connect(endpoint)
    return s


def probe_zmq(mode, endpoint, server_cert, client_cert, sub):
    ctx = zmq.Context()
    s = ctx.socket(zmq.SUB if sub else zmq.DEALER)
    s.setsockopt(zmq.LINGER, 0)
    if mode == "curve":
        server_pub, _ = cert_keys(server_cert)
        pub, _ = cert_keys(client_cert)
        _, sec = cert_keys(client_cert + "_secret")
        s.curve_serverkey = server_pub.encode()
        s.curve_publickey = pub.encode()
        s.curve_secretkey = sec.encode()
    elif mode == "plain":
        s.plain_username = b"intake"
        s.plain_password = b"intake"
    mon = s.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED |
                               zmq.EVENT_HANDSHAKE_FAILED_AUTH |
                               zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               zmq.EVENT_DISCONNECTED)
    s.connect(endpoint)
    if sub:
        s.setsockopt(zmq.SUBSCRIBE, b"")
    else:
        # A client request with no principal, then a peer envelope that
        # claims to be intake's next message: bytes of rongyu.Envelope
        # {kind: DATA, sender_id: "intake", link_seq: 1}.
        for frame in (b"\x1a\x00", b"\x08\x01\x12\x06intake\x18\x01"):
            try:
                s.send(frame, zmq.NOBLOCK)
            except zmq.Again:
                pass
    events, got = [], []
    deadline = time.monotonic() + 1.0
    poller = zmq.Poller()
    poller.register(s, zmq.POLLIN)
    poller.register(mon, zmq.POLLIN)
    while time.monotonic() < deadline:
        for sock, _ in poller.poll(100):
            if sock is mon:
                ev = recv_monitor_message(mon)
                events.append(ev["event"])
            else:
                got.append(s.recv_multipart())
    s.disable_monitor()
    mon.close()
    s.close()
    ctx.term()
    ok = zmq.EVENT_HANDSHAKE_SUCCEEDED not in events and not got
    names = sorted({zmq.Event(e).name for e in events})
    return ok, "events %s, %d messages" % (",".join(names) or "none", len(got))


def probe_raw(endpoint):
    host, port = endpoint.replace("tcp://", "").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=2) as c:
        c.sendall(b"GET / HTTP/1.0\r\n\r\n")
        c.settimeout(2)
        data = b""
        try:
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    # A ZeroMQ peer answers the first bytes with its own greeting, then
    # drops the connection: nothing but a greeting may come back.
    ok = len(data) <= 64 and b"HTTP" not in data
    return ok, "%d bytes back" % len(data)


def main(argv):
    sub = "--sub" in argv
    args = [a for a in argv[1:] if a != "--sub"]
    if len(args) < 3 or args[0] not in ("curve", "null", "plain", "raw"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, endpoint, server_cert = args[0], args[1], args[2]
    client_cert = args[3] if len(args) > 3 else None
    if mode == "curve" and not client_cert:
        print("curve needs CLIENT_CERT", file=sys.stderr)
        return 2
    if mode == "raw":
        ok, what = probe_raw(endpoint)
    else:
        ok, what = probe_zmq(mode, endpoint, server_cert, client_cert, sub)
    print("%s %s: %s (%s)" % (mode, endpoint, "refused" if ok else "GOT IN",
                              what))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
