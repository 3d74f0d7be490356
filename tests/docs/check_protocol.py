#!/usr/bin/env python3
"""Keeps docs/protocol.md honest against proto/rongyu.proto:
- every member of Request's oneof body has a section "### `name`" under
  "## The requests", and every such section names a member;
- every section has a "- Roles:" and an "- Errors:" line, and each error
  code named there is one of the proto's;
- every ErrorCode of the proto appears in the document, and every E_*
  code the document names is in the proto.
Usage: check_protocol.py PROTO DOC. Standard library only."""
import re
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


proto = open(sys.argv[1], encoding="utf-8").read()
doc = open(sys.argv[2], encoding="utf-8").read()

# The Request message's oneof body members.
m = re.search(r"message Request \{.*?oneof body \{(.*?)\n  \}", proto, re.S)
if not m:
    fail("no 'oneof body' in message Request")
members = re.findall(r"^\s*\w+\s+(\w+)\s*=\s*\d+;", m.group(1), re.M)
if len(members) < 10:
    fail("only %d request members found in the proto" % len(members))

m = re.search(r"enum ErrorCode \{(.*?)\}", proto, re.S)
codes = set(re.findall(r"^\s*([A-Z_]+)\s*=\s*\d+;", m.group(1), re.M))
if "E_NOT_FOUND" not in codes:
    fail("ErrorCode not read from the proto")

part = doc.split("## The requests", 1)
if len(part) != 2:
    fail("docs/protocol.md has no '## The requests' section")
reqs = re.split(r"^### ", part[1].split("\n## ", 1)[0], flags=re.M)[1:]
sections = {}
for body in reqs:
    title, _, text = body.partition("\n")
    t = re.fullmatch(r"`(\w+)`", title.strip())
    if not t:
        fail("request section with a title that is not `name`: %r" % title)
    sections[t.group(1)] = text

errors = []
for name in members:
    if name not in sections:
        errors.append("request '%s' of the proto has no section" % name)
for name, text in sections.items():
    if name not in members:
        errors.append("section '%s' names no request of the proto" % name)
    if not re.search(r"^- Roles: ", text, re.M):
        errors.append("section '%s' does not say which roles" % name)
    e = re.search(r"^- Errors: (.*?)(?:\n\n|\n- |\Z)", text, re.M | re.S)
    if not e:
        errors.append("section '%s' does not list its errors" % name)
    elif "none particular" not in e.group(1):
        named = re.findall(r"`(E_[A-Z_]+)`", e.group(1))
        if not named:
            errors.append("section '%s' lists no error code" % name)
        for c in named:
            if c not in codes:
                errors.append("section '%s': %s is not in the proto" % (name, c))

for c in codes:
    if "`%s`" % c not in doc:
        errors.append("error code %s of the proto is not in the document" % c)
for c in set(re.findall(r"\bE_[A-Z_]+\b", doc)):
    if c not in codes:
        errors.append("the document names %s, which the proto lacks" % c)

if errors:
    fail("; ".join(sorted(errors)))
print("ok - docs/protocol.md covers %d requests and %d error codes of the proto"
      % (len(members), len(codes)))
