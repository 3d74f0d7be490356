"""make_seeds: writes the seed corpora of the fuzz targets into
tests/fuzz/corpus/<target>/ and the hand-made regression cases into
tests/fuzz/regressions/<target>/ (run with Debian's python3; the outputs
are committed)."""
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import rypb  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
pb = rypb.load(ROOT)
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def app(att=()):
    a = pb.Application(campaign_id="hangzhou-2018", honour=pb.ADVANCED_HOME,
                       category=pb.SINGLE_ESTABLISHMENT,
                       applicant_org="xiaoshan-hengyi-textile",
                       organising_unit="萧山区", deeds="职工之家")
    a.attachments.extend(att)
    return a


def req(org="xiaoshan-hengyi-textile", role="grassroots", key="", **body):
    r = pb.Request(idempotency_key=key, request_id="r1",
                   principal=pb.Principal(org_id=org, role=role))
    for k, v in body.items():
        getattr(r, k).CopyFrom(v)
    return r.SerializeToString()


pdf = b"%PDF-1.4 a form"
put("request", "status", req(status=pb.StatusRequest()))
put("request", "submit", req(key="k1", submit=pb.SubmitRequest(application=app(
    [pb.Attachment(name="form.pdf", kind="application_form", content=pdf)]))))
put("request", "draft", req(save_draft=pb.SaveDraftRequest(application=app())))
put("request", "list", req(role="city", org="city", list=pb.ListRequest(limit=5)))
put("request", "get", req(get=pb.GetRequest(case_id="0000000000000001")))
put("request", "review", req(role="unit", org="萧山区", review=pb.ReviewRequest(
    case_id="0000000000000001", opinion="验家合格")))
put("request", "dead", req(role="city", org="city", dead=pb.DeadRequest(op=pb.DEAD_LIST)))
put("request", "orgs", req(role="city", org="city", org_list=pb.OrgListRequest()))
put("request", "upload", req(upload=pb.UploadRequest(
    sha256="5a" * 32, size=20, offset=0, data=b"%PDF-1.4 first part")))
put("request", "upload_next", req(upload=pb.UploadRequest(
    sha256="5a" * 32, size=20, offset=19, data=b"x",
    applicant_org="xiaoshan-hengyi-textile-weaving")))

env = pb.Envelope
result = pb.ValidationResult(case_id="0000000000000001", revision=1,
                             verdict=pb.Verdict(eligible=True))
put("envelope", "result", env(kind=pb.DATA, sender_id="validation", link_seq=1,
                              type=pb.VALIDATION_RESULT, correlation_id="0000000000000001",
                              schema_version=1,
                              payload=result.SerializeToString()).SerializeToString())
put("envelope", "ack", env(kind=pb.ACK, sender_id="validation", ack_seq=3).SerializeToString())
put("envelope", "ping", env(kind=pb.PING, sender_id="probe").SerializeToString())
put("envelope", "reject", env(kind=pb.REJECT, sender_id="quota", link_seq=2,
                              reason="invalid input").SerializeToString())

for f in sorted(os.listdir(os.path.join(ROOT, "examples"))):
    if f.endswith(".json"):
        put("application", f, open(os.path.join(ROOT, "examples", f), "rb").read())
put("campaign", "hangzhou-2018.json",
    open(os.path.join(ROOT, "campaigns", "hangzhou-2018.json"), "rb").read())
put("calendar", "year.csv", "date,kind,name\n2027-01-01,off,元旦\n2027-02-07,work,春节\n"
    "2027-02-10,off,春节\n")
put("calendar", "bom.csv", "\ufeffdate,kind,name\r\n\r\n2028-10-01,off,国庆节\r\n")
put("config", "all.conf", "# rongyu\nhome = /tmp/x\nintake_endpoint = tcp://127.0.0.1:7701\n"
    "map_size = 1G\nmax_map_size = 16G\nmax_request = 1M\nmax_attachment = 32M\n"
    "client_queue_bytes = 256M\noutbox_limit = 100000\n"
    "validation_bind = tcp://*:7702\n")
put("subscribers", "subs.json", '{"subscribers": [{"org": "萧山区", "role": "unit", '
    '"name": "萧山区总工会", "pub": true, "webhook": {"url": "http://127.0.0.1:1/h", '
    '"secret": "s"}, "email": "a@b.example"}, {"org": "city", "role": "city"}]}')

# pb: ry_pb_unpack's own reading against protobuf-c's, on messages of every
# kind the target decodes them as (it tries each descriptor on each input).
ratio = pb.Quantity(ratio=pb.Ratio(num=923, den=1000), unit="members")
check = pb.Check(rule=300, passed=True, subject="rate", threshold_value=pb.Quantity(
    number=85, unit="percent", op="range", min=-1.5, max=100),
    actual_value=pb.Quantity(text="萧山区", items=[ratio, pb.Quantity(count=-7)]))
put("pb", "stored_verdict", pb.StoredVerdict(eligible=True, checks=[check],
    steps=[0, 1, 5, 1 << 31], ruleset_version="v1",
    decided_at_ms=1543654800000).SerializeToString())
put("pb", "submit", req(key="k1", submit=pb.SubmitRequest(application=app())))
put("pb", "batch", env(kind=pb.DATA, sender_id="intake", link_seq=7,
    payload=b"\x08\x01", items=[b"abc", b"", b"\x00"]).SerializeToString())

# Regression: one attachment refused (its sha256 does not match) with a
# later one untouched: the restore of the request used to zero the later
# attachment's content pointer, and its bytes leaked.
REG = os.path.join(ROOT, "tests", "fuzz", "regressions", "request")
os.makedirs(REG, exist_ok=True)
leak = req(key="leak", submit=pb.SubmitRequest(application=app([
    pb.Attachment(name="a.pdf", kind="application_form", content=pdf),
    pb.Attachment(name="b.pdf", kind="other", content=pdf + b" b", sha256="0" * 64),
    pb.Attachment(name="c.pdf", kind="other", content=pdf + b" c" * 1000)])))
with open(os.path.join(REG, "attachment-restore-leak"), "wb") as f:
    f.write(leak)
