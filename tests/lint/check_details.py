#!/usr/bin/env python3
"""Keeps every client's detail in Chinese and English: each format string
that builds a rongyu.Reply's detail in services/intake and
services/notification (intake_reply_fail, intake_reply_fail_at,
intake_outcome_fail, intake_outcome_fail_at, intake_why, notification's
s_fail, its details written directly), and the reasons common/ry_text.c,
ry_channel.c (a dead letter's retry, a batch refused) and ry_link.c (a
malformed message) write for them, must hold a Chinese sentence before
the English: before the first Chinese character at most a field path and
its ': ' (where code reads the path from the detail), and a full-width 。
after it. Allowed as they are: a detail that is a bare field path (an
E_MISSING_FIELD's, which intake_reply.c's s_is_path takes as the path),
"%s" or a variable, which passes on a reason made, and checked,
elsewhere, and the texts in ALLOWED.
Usage: check_details.py SOURCE_DIR. Lists the offenders and exits 1.
Standard library only."""
import os
import re
import sys

# function: index of its format argument
FUNCS = {
    "intake_reply_fail": 2,
    "intake_reply_fail_at": 3,
    "intake_outcome_fail": 2,
    "intake_outcome_fail_at": 3,
    "intake_why": 3,
    "s_fail": 3,  # notification's s_fail(o, code, field, fmt, ...)
}
# Where each kind of call is looked for (intake_keys.c's own s_fail
# passes on a reason: its argument is a variable).
SOURCES = [
    ("services/intake", FUNCS),
    ("services/notification", dict(FUNCS, snprintf=2)),
    ("common/ry_text.c", {"snprintf": 2}),
    ("common/ry_channel.c", {"snprintf": 2}),
    ("common/ry_link.c", {}),
]
# English only on purpose: what is never shown to a client (a peer's
# malformed message is dead-lettered, not answered).
ALLOWED = {"a peer message must be one frame"}
# A bare field path, as intake_reply.c's s_is_path reads one.
BARE_PATH = re.compile(r"^[a-z0-9_.\[\]]+$")
# Chinese first: before the first Chinese character at most a field path
# (and its ': ') and the values of conversions; a full-width 。 after it
# ends the Chinese sentence.
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
CONVERSION = re.compile(r"%[-+ #0-9.*]*(?:hh|h|ll|l|z|j|t)?[diouxXcspfeg%]|%")
LEAD = re.compile(r"^\s*(?:[a-z0-9_.\[\]]*:?\s*)?$")


def chinese_first(text):
    plain = CONVERSION.sub("", text)
    m = CJK.search(plain)
    return bool(m and LEAD.match(plain[:m.start()]) and
                "。" in plain[m.start():])


LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def strip_comments(src):
    """Blanks C comments, keeping line numbers and string literals."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c in "\"'":  # a string or character literal, kept whole
            j = i + 1
            while src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        elif src.startswith("/*", i):
            j = src.index("*/", i) + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def call_args(src, i):
    """The top-level arguments of the call whose '(' is at src[i]."""
    depth, args, cur, j = 0, [], [], i
    while j < len(src):
        c = src[j]
        if c in "\"'":
            k = j + 1
            while src[k] != c:
                k += 2 if src[k] == "\\" else 1
            cur.append(src[j:k + 1])
            j = k + 1
            continue
        if c in "([{":
            depth += 1
            if depth == 1:
                j += 1
                continue
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args
        elif c == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
            j += 1
            continue
        cur.append(c)
        j += 1
    return args


def texts(arg):
    """The format strings an argument can be: adjacent literals joined,
    each branch of a ?: on its own."""
    groups, cur, last = [], [], 0
    for m in LITERAL.finditer(arg):
        between = arg[last:m.start()]
        if cur and re.sub(r'\s|PRI[diux]\d+|PRI[diux]MAX', "", between):
            groups.append("".join(cur))
            cur = []
        cur.append(m.group(1))
        last = m.end()
    if cur:
        groups.append("".join(cur))
    return groups


def files(root, where):
    path = os.path.join(root, where)
    if os.path.isfile(path):
        return [path]
    return sorted(os.path.join(path, f) for f in os.listdir(path)
                  if f.endswith(".c"))


def offenders(root):
    bad, seen = [], 0
    for where, funcs in SOURCES:
        for path in files(root, where):
            src = strip_comments(open(path, encoding="utf-8").read())
            rel = os.path.relpath(path, root)
            names = "|".join(sorted(funcs, key=len, reverse=True)) or "$^"
            for m in re.finditer(r"\b(%s)\s*\(" % names, src):
                name = m.group(1)
                line_start = src.rfind("\n", 0, m.start()) + 1
                before = src[line_start:m.start()]
                # A definition or declaration, not a call.
                if re.match(r"^\s*$", before) and src[m.start() - 1] == "\n":
                    continue
                if re.search(r"\b(int|void|static)\s+$", before):
                    continue
                args = call_args(src, m.end() - 1)
                at = funcs[name]
                if name == "snprintf" and (not args or args[0] not in
                                           ("why", "unsupported", "detail")):
                    continue
                if at >= len(args):
                    continue
                line = src.count("\n", 0, m.start()) + 1
                for text in texts(args[at]):
                    seen += 1
                    if text == "%s" or BARE_PATH.match(text) or \
                            text in ALLOWED:
                        continue
                    if not chinese_first(text):
                        bad.append("%s:%d: %s: \"%s\"" % (rel, line, name,
                                                         text))
            # The reasons of an E_MALFORMED answer (ry_link), each branch.
            for m in re.finditer(r"\bmalformed\s*=([^;]*);", src):
                for text in texts(m.group(1)):
                    seen += 1
                    if text not in ALLOWED and not chinese_first(text):
                        line = src.count("\n", 0, m.start()) + 1
                        bad.append("%s:%d: malformed: \"%s\"" % (rel, line,
                                                                 text))
            # Details written directly into a Reply.
            for m in re.finditer(r"\bdetail\s*=\s*\(char \*\)((?:\s*"
                                 r"\"(?:[^\"\\\n]|\\.)*\")+)", src):
                seen += 1
                text = "".join(LITERAL.findall(m.group(1)))
                if not chinese_first(text):
                    line = src.count("\n", 0, m.start()) + 1
                    bad.append("%s:%d: detail: \"%s\"" % (rel, line, text))
    return bad, seen


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    bad, seen = offenders(root)
    if bad:
        print("FAIL: %d of %d client details have no Chinese sentence before "
              "the English (write '中文。English', or 'path: 中文。English' "
              "where the code reads the path):" % (len(bad), seen))
        for b in bad:
            print("  " + b)
        return 1
    print("client details: %d format strings, each in Chinese and English "
          "(or a bare field path)" % seen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
