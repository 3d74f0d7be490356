#!/usr/bin/env python3
"""The README walkthrough through the reference client: one application
of each honour from draft to award, waiting for each verdict and seat with
a long poll (no sleep); a retry answered from the first answer; another
organisation told E_NOT_FOUND; the quota table; a subscription to the
feed made by request, its live items (numbered within the topic) and the
feed replayed by its live topic.

    PYTHONPATH=build/clients/python python3 clients/python/walkthrough.py \\
        --intake tcp://127.0.0.1:7701 --notify tcp://127.0.0.1:7705 \\
        --examples examples

Exits 1 with a message when an outcome is not the expected one."""

import argparse
import hashlib
import os
import sys

import rongyu_pb2 as pb
from rongyu_client import (Client, RongyuError, load_application, load_cert,
                           principal)


def check(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


def key_for(*parts):
    """An idempotency key made from what the action means."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--intake", default="tcp://127.0.0.1:7701")
    ap.add_argument("--notify", default="tcp://127.0.0.1:7705")
    ap.add_argument("--feed", help="the PUB feed (notification port + 2); "
                    "when given, the live items of 萧山区| are checked too")
    ap.add_argument("--examples", default="examples")
    ap.add_argument("--key", required=True,
                    help="this client's certificate (NAME.cert, with "
                    "NAME.cert_secret beside it), registered with "
                    "'rongyu keys add'")
    ap.add_argument("--keys-dir", required=True,
                    help="where intake.cert and notification.cert are")
    a = ap.parse_args()
    public, secret = load_cert(a.key)
    intake_pub, _ = load_cert(os.path.join(a.keys_dir, "intake.cert"))
    notify_pub, _ = load_cert(os.path.join(a.keys_dir, "notification.cert"))
    c = Client(a.intake, a.notify, curve=(public, secret, intake_pub),
               notify_curve=(public, secret, notify_pub))

    unit = principal("萧山区", "ROLE_UNIT", "验家组")
    city = principal("city", "ROLE_CITY", "基层工作部")

    # The unit follows its cases on the feed: a subscription by request.
    sub = c.subscribe(unit, key_for("subscribe", "萧山区", "feed"))
    print("subscribed %s to the feed: %s" % (sub.org, sub.id))
    check(any(s.id == sub.id for s in c.subscriptions(unit)),
          "the subscription is listed")
    before = c.feed_replay("萧山区|").last_seq
    sub_sock = None
    if a.feed:
        import zmq
        sub_sock = zmq.Context.instance().socket(zmq.SUB)
        sub_sock.setsockopt(zmq.LINGER, 0)
        sub_sock.curve_publickey = public
        sub_sock.curve_secretkey = secret
        sub_sock.curve_serverkey = notify_pub
        sub_sock.setsockopt(zmq.SUBSCRIBE, "萧山区|".encode())
        sub_sock.connect(a.feed)

    awarded = []
    briefs = 0  # recommendations answered by a brief wait
    for name in ("advanced_home", "model_home", "advanced_small_home",
                 "excellent_worker"):
        path = os.path.join(a.examples, name + ".valid.json")
        app = load_application(path)
        raw = open(path, "rb").read()
        who = principal(app.applicant_org, "ROLE_GRASSROOTS", "申报人")
        draft = c.save_draft(who, app, key_for("save_draft", raw.hex()))
        cid = draft.case.case_id
        print("%s: draft %s" % (name, cid))

        k = key_for("submit_draft", cid)
        first = c.submit_draft(who, cid, k)
        again = c.submit_draft(who, cid, k)  # a retry: the first answer
        check(again.case.state == first.case.state == pb.SUBMITTED,
              "a retry gets the first answer")
        done = c.settle(who, first)
        check(done.case.state == pb.ELIGIBLE, "%s eligible, is %s" % (
            cid, pb.CaseState.Name(done.case.state)))
        for k_ in done.case.verdict.checks:
            if k_.HasField("threshold_value"):
                t = k_.threshold_value
                print("  %s %s %s (%s %s)" % (
                    k_.code, k_.threshold, k_.actual, t.op,
                    t.number if t.WhichOneof("value") == "number" else t))
        print("  eligible: %d checks" % len(done.case.verdict.checks))

        try:
            c.get(principal("other-union", "ROLE_GRASSROOTS"), cid)
            check(False, "another organisation read the case")
        except RongyuError as e:
            check(e.code == "E_NOT_FOUND", "want E_NOT_FOUND, got " + e.code)

        c.review(unit, cid, pb.REVIEW_APPROVE, "验家合格",
                 key_for("review", cid))
        # Only the state matters here: brief waits (no application,
        # verdict or audit in their answers).
        asked = c.recommend(unit, cid, "同意推荐", key_for("recommend", cid))
        rec = c.settle(unit, asked, brief=True)
        check(rec.case.state == pb.RECOMMENDED, "%s recommended, is %s" % (
            cid, pb.CaseState.Name(rec.case.state)))
        if asked.case.state != rec.case.state:  # answered by a wait
            check(rec.case.case_id == cid and rec.case.revision > 0,
                  "a brief answer has the case's id and revision")
            check(not rec.case.HasField("application") and
                  not rec.case.HasField("verdict") and not rec.audit,
                  "a brief answer has no application, verdict or audit")
            briefs += 1
        fin = c.settle(city, c.decide(city, cid, pb.CITY_AWARD, "同意表彰",
                                      key_for("decide", cid)), brief=True)
        check(fin.case.state == pb.AWARDED, "%s awarded, is %s" % (
            cid, pb.CaseState.Name(fin.case.state)))
        log = c.get(who, cid).audit
        print("  awarded; audit: " + " → ".join(
            pb.CaseState.Name(e.to) for e in log))
        awarded.append(cid)

    rows = c.quota(unit, "萧山区").rows
    for r in rows:
        print("quota %s %s: %d of %d" % (
            r.organising_unit, pb.Honour.Name(r.honour), r.used, r.cap))
    check(rows, "the quota table has rows for 萧山区")

    feed = c.feed_replay("萧山区|", since_seq=before)
    nums = [i.topic_seq for i in feed.items]
    print("feed 萧山区|: %d items after %d, last %d" % (
        len(nums), before, feed.last_seq))
    check(nums and nums == list(range(before + 1, before + 1 + len(nums))),
          "the topic's numbers run without a gap: %s" % nums)
    check(feed.last_seq == nums[-1], "last_seq is the topic's newest")
    if sub_sock is not None:
        # Live: [topic, number, json], numbered within the topic. A PUB
        # subscriber may miss the first items (it joined late): those are
        # what the replay is for; what it got must run without a gap.
        live = []
        while not live or live[-1] < feed.last_seq:
            if not sub_sock.poll(5000):
                break
            topic, num, body = sub_sock.recv_multipart()
            check(topic == "萧山区|".encode(), "live topic %r" % topic)
            live.append(int(num))
        print("live feed 萧山区|: %d items, %s..%s" % (
            len(live), live[0] if live else "-", live[-1] if live else "-"))
        check(live and live[-1] == feed.last_seq,
              "the live feed reached the topic's last number")
        check(live == list(range(live[0], live[0] + len(live))),
              "the live numbers run without a gap: %s" % live)
        sub_sock.close()
    # Items may still be coming (notification works through its events
    # while we read): the bare topic gives the same items first, then
    # only later ones, without a gap.
    again = [i.topic_seq for i in
             c.feed_replay("萧山区", since_seq=before).items]
    check(again[:len(nums)] == nums and
          again == list(range(before + 1, before + 1 + len(again))),
          "the bare topic replays the same items: %s" % again)

    # The model home and the excellent worker wait for quota's seat.
    check(briefs >= 2, "%d recommendations answered by brief waits" % briefs)
    c.unsubscribe(unit, sub.id, key_for("unsubscribe", sub.id))
    check(all(s.id != sub.id for s in c.subscriptions(unit)),
          "the subscription is cancelled")
    print("ok - %d cases from draft to award through the reference client"
          % len(awarded))
    c.close()


if __name__ == "__main__":
    main()
