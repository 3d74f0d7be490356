#!/usr/bin/env python3
"""smtp_sink: an SMTP server for the tests. Accepts every message and
records it to --out as one JSON line: envelope sender and recipients, the
decoded Subject, the decoded text body, Message-ID and the X-Rongyu-*
headers, and the raw message."""
import argparse
import email
import email.policy
import json
import os
import socketserver
import threading

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--port-file")
ap.add_argument("--out", required=True)
args = ap.parse_args()
lock = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.reply("220 smtp_sink ready")
        mail_from, rcpt = None, []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 smtp_sink")
            elif verb == "MAIL":
                mail_from, rcpt = line.split(":", 1)[1].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                rcpt.append(line.split(":", 1)[1].strip())
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = []
                while True:
                    d = self.rfile.readline()
                    if not d or d in (b".\r\n", b".\n"):
                        break
                    if d.startswith(b".."):
                        d = d[1:]
                    data.append(d)
                self.record(mail_from, rcpt, b"".join(data))
                self.reply("250 OK queued")
            elif verb == "RSET":
                mail_from, rcpt = None, []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")

    def record(self, mail_from, rcpt, raw):
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",))
        rec = {"from": mail_from, "to": rcpt,
               "subject": str(msg["Subject"]),
               "body": body.get_content() if body else None,
               "message_id": msg["Message-ID"],
               "date": msg["Date"],
               "delivery": msg["X-Rongyu-Delivery"],
               "notice": msg["X-Rongyu-Notice"],
               "content_type": msg["Content-Type"],
               "raw": raw.decode("utf-8", "replace")}
        with lock:
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", args.port), Handler)
if args.port_file:
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
