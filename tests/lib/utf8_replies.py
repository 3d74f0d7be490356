"""Every reply decodes with a protobuf library that checks UTF-8 (Python's),
whatever text a client sent: used by tests/integration/utf8_replies.sh.

    utf8_replies.py INTAKE NOTIFY EXAMPLES KEY KEYS_DIR

- an application whose declaration dates are 1,400 Chinese characters
  (a few KB, far longer than the texts a verdict's check renders): it is
  judged, and its case, and the city's whole register with it, decode;
- a request_id that is not UTF-8, to intake and to notification: refused
  E_INVALID without it (the reply could not decode with it);
- a case id of 300 Chinese characters, named in E_NOT_FOUND's detail;
- a subscription whose organisation is not UTF-8: refused E_INVALID,
  naming principal.org_id.
Exits 1 with a message when a reply does not decode or says otherwise."""

import os
import sys
import uuid

import zmq

import rongyu_pb2 as pb
from rongyu_client import (Client, RongyuError, Unreachable,
                           load_application, load_cert, principal)


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)
    print("ok - " + what)


def raw(channel, data, what):
    """Sends the bytes 'data' (or the frames, a list) on a socket of its
    own and returns the Reply, decoded by the protobuf library (which
    checks UTF-8)."""
    sock = channel._open()
    try:
        if isinstance(data, list):
            sock.send_multipart(data)
        else:
            sock.send(data)
        check(sock.poll(20000, zmq.POLLIN), what + ": answered")
        reply = pb.Reply()
        try:
            reply.ParseFromString(sock.recv_multipart()[-1])
        except Exception as e:  # a string that is not UTF-8
            check(False, "%s: the reply decodes (%s)" % (what, e))
        return reply
    finally:
        sock.close(0)


def with_bytes(req, placeholder, bad):
    """req serialised, its one placeholder string's bytes replaced by
    'bad' (as long): text no protobuf library would let a client set."""
    data = req.SerializeToString()
    check(data.count(placeholder) == 1 and len(placeholder) == len(bad),
          "the placeholder %r is in the request once" % placeholder)
    return data.replace(placeholder, bad)


def main():
    intake, notify, examples, key, keys_dir = sys.argv[1:6]
    public, secret = load_cert(key)
    intake_pub, _ = load_cert(os.path.join(keys_dir, "intake.cert"))
    notify_pub, _ = load_cert(os.path.join(keys_dir, "notification.cert"))
    c = Client(intake, notify, curve=(public, secret, intake_pub),
               notify_curve=(public, secret, notify_pub), timeout_ms=10000)
    city = principal("city", "ROLE_CITY")

    # Dates far longer than a check's texts: judged, and shown.
    app = load_application(os.path.join(examples, "advanced_home.valid.json"))
    who = principal(app.applicant_org, "ROLE_GRASSROOTS")
    long_text = "萧" * 1400
    for lead, field in enumerate(["party_consent_date", "posting_start",
                                  "posting_end"]):
        setattr(app.declarations, field, "d" * lead + long_text)
    try:
        first = c.submit(who, app, Client.new_key())
        done = c.settle(who, first)
        case_id = done.case.case_id
        got = c.get(who, case_id)
        register = c.list(city)
    except Unreachable as e:  # a reply that did not decode is dropped
        check(False, "the case with long dates is shown (%s)" % e)
    check(got.case.state == pb.INELIGIBLE,
          "the application with dates of 1,400 characters is judged "
          "ineligible (%s)" % pb.CaseState.Name(got.case.state))
    texts = [t for k in got.case.verdict.checks
             for t in (k.actual, k.message_zh, k.message_en)]
    check(any("萧萧萧" in t for t in texts),
          "its verdict shows the dates, cut on a character")
    check(any(k.case_id == case_id for k in register),
          "the city's register with it decodes (%d cases)" % len(register))

    # A request_id that is not UTF-8: refused, not echoed. The fixed
    # texts of a code are the same from either service, for an answer as
    # for a refusal.
    texts = {}
    for name, channel, body in [("intake", c.intake, "status"),
                                ("notification", c.notify, "notifications")]:
        req = pb.Request(principal=city, request_id="Q")
        getattr(req, body).SetInParent()
        rep = raw(channel, with_bytes(req, b"\x1a\x01Q", b"\x1a\x01\xff"),
                  name + ", a request_id that is not UTF-8")
        check(rep.code == pb.E_INVALID and rep.request_id == "",
              "%s refuses it E_INVALID without echoing it (%s, %r)" %
              (name, pb.ErrorCode.Name(rep.code), rep.request_id))
        ok = raw(channel, req.SerializeToString(), name + ", " + body)
        check(ok.code == pb.OK, "%s answers %s (%s)" %
              (name, body, pb.ErrorCode.Name(ok.code)))
        texts[name] = [(r.message_zh, r.message_en) for r in (rep, ok)]
    check(texts["intake"] == texts["notification"] and
          all(zh and en for zh, en in texts["intake"]),
          "both give a code's fixed texts, in Chinese and English: %r" %
          texts)
    # E_MALFORMED for bytes that do not decode (the service) and for
    # frames of a wrong shape (its channel, before the service): one text.
    bad = [raw(c.intake, b"\xff\xff\xff", "bytes that do not decode"),
           raw(c.intake, [b"x", b"y"], "two frames without a delimiter")]
    check(all(r.code == pb.E_MALFORMED for r in bad) and
          bad[0].message_zh == bad[1].message_zh and
          bad[0].message_en == bad[1].message_en,
          "E_MALFORMED has one fixed text, whatever found it: %r" %
          [(r.message_zh, r.message_en, r.detail) for r in bad])

    # A case id of 300 Chinese characters, named in the detail.
    rid = uuid.uuid4().hex
    req = pb.Request(principal=who, request_id=rid)
    req.get.case_id = "萧" * 300
    rep = raw(c.intake, req.SerializeToString(), "a case id of 300 characters")
    check(rep.code == pb.E_NOT_FOUND and rep.request_id == rid and
          "萧萧" in rep.detail,
          "E_NOT_FOUND names the id, cut on a character")

    # A subscription whose organisation is not UTF-8.
    req = pb.Request(principal=principal("Q", "ROLE_UNIT"),
                     idempotency_key=Client.new_key(), request_id="r-1")
    req.subscribe.channel = pb.CHANNEL_FEED
    rep = raw(c.notify, with_bytes(req, b"\x0a\x01Q", b"\x0a\x01\xc3"),
              "a subscription of an organisation that is not UTF-8")
    check(rep.code == pb.E_INVALID and
          rep.field_path == "principal.org_id" and rep.request_id == "r-1",
          "notification refuses it E_INVALID at principal.org_id (%s, %r)" %
          (pb.ErrorCode.Name(rep.code), rep.field_path))
    print("ok - every reply decodes")


if __name__ == "__main__":
    try:
        main()
    except RongyuError as e:
        print("FAIL: %s" % e)
        sys.exit(1)
