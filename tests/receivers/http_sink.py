#!/usr/bin/env python3
"""http_sink: a webhook receiver for the tests. Records every POST it gets
to --out as one JSON line (path, headers, body, parsed JSON, whether the
X-Rongyu-Signature is the HMAC-SHA256 of the body under --secret), written
and flushed BEFORE it answers. --fail-first N answers 500 to the first N
requests; --delay S waits S seconds before answering."""
import argparse
import hashlib
import hmac
import http.server
import json
import socketserver
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--port-file")
ap.add_argument("--out", required=True)
ap.add_argument("--secret", action="append", default=[],
                help="ORG=SECRET (the key used for that org's webhook)")
ap.add_argument("--fail-first", type=int, default=0)
ap.add_argument("--delay", type=float, default=0.0)
args = ap.parse_args()
secrets = dict(s.split("=", 1) for s in args.secret)
lock = threading.Lock()
count = [0]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        try:
            doc = json.loads(body.decode("utf-8"))
        except ValueError:
            doc = None
        sig = self.headers.get("X-Rongyu-Signature", "")
        org = doc.get("org") if isinstance(doc, dict) else None
        key = secrets.get(org or "")
        sig_ok = None
        if key is not None:
            want = hmac.new(key.encode(), body, hashlib.sha256).hexdigest()
            sig_ok = hmac.compare_digest(want, sig)
        with lock:
            count[0] += 1
            nth = count[0]
            rec = {"n": nth, "path": self.path,
                   "headers": {k: v for k, v in self.headers.items()},
                   "body": body.decode("utf-8", "replace"), "json": doc,
                   "signature": sig, "signature_ok": sig_ok,
                   "delivery": self.headers.get("X-Rongyu-Delivery")}
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                f.flush()
        if args.delay:
            time.sleep(args.delay)
        code = 500 if nth <= args.fail_first else 200
        out = b'{"ok":true}' if code == 200 else b'{"ok":false}'
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", args.port), Handler)
if args.port_file:
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
