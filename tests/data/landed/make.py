#!/usr/bin/env python3
"""Writes the fixtures of test_compat: messages encoded by the landed
contract, proto/rongyu.proto as of commit 1bf7a97 (git main before the
platform-contract change). Run once, from a directory where protoc made
rongyu_pb2.py from that proto:
    git show 1bf7a97:proto/rongyu.proto >rongyu.proto
    protoc --python_out=. rongyu.proto
    python3 make.py OUTDIR
The outputs are committed; this script documents how they were made."""
import sys
import rongyu_pb2 as pb

out = sys.argv[1]

c = pb.Case(case_id="0000018b2c3d4e5f", revision=2, state=pb.ELIGIBLE,
            created_at_ms=1542679200000, updated_at_ms=1542679260000,
            submitted_at_ms=1542679230000, idempotency_key="k-landed",
            review_due_ms=1545271230000, note="")
a = c.application
a.campaign_id = "hangzhou-2018"
a.honour = pb.ADVANCED_HOME
a.category = pb.SINGLE_ESTABLISHMENT
a.applicant_org = "xiaoshan-hengyi-textile"
a.organising_unit = "萧山区"
a.union.name = "恒逸纺织工会"
a.union.workers = 1000
a.union.members = 923
a.metrics.membership.counts.num = 923
a.metrics.membership.counts.den = 1000
a.metrics.satisfaction.percent = 96.5
a.metrics.self_score.value = 92.0
a.declarations.posting_start = "2018-11-12"
a.declarations.posting_end = "2018-11-16"
att = a.attachments.add(name="form.pdf", media_type="application/pdf",
                        sha256="ab" * 32, size=1234, kind="application_form")
v = c.verdict
v.eligible = True
v.ruleset = "hangzhou-2018/1"
v.decided_at_ms = 1542679240000
v.checks.add(code="R_MEMBERSHIP_MIN", passed=True, threshold="≥ 90%",
             actual="923/1000 (92.30%)", message_zh="职工入会率：符合",
             message_en="membership rate: met")
open(f"{out}/case.pb", "wb").write(c.SerializeToString())

r = pb.Request(idempotency_key="k-landed", request_id="r-landed")
r.principal.org_id = "xiaoshan-hengyi-textile"
r.principal.role = "grassroots"
r.principal.user = "王敏"
r.submit.application.CopyFrom(a)
open(f"{out}/request.pb", "wb").write(r.SerializeToString())

f = pb.FeedItem(seq=7, topic="萧山区", body='{"kind":"case_eligible"}',
                at_ms=1542679240000)
open(f"{out}/feed_item.pb", "wb").write(f.SerializeToString())

rep = pb.Reply(code=pb.E_FORBIDDEN, message_zh="无权执行此操作",
               message_en="this organisation may not do that",
               detail="case '0000018b2c3d4e5f'", request_id="r-landed")
open(f"{out}/reply.pb", "wb").write(rep.SerializeToString())
