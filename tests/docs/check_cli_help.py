#!/usr/bin/env python3
"""Every command of the CLI, and every program, answers --help in Chinese
and English with exit 0; 'rongyu help --json' lists the commands as JSON.

Usage: check_cli_help.py BIN_DIR"""
import json
import os
import re
import subprocess
import sys

CJK = re.compile("[\u4e00-\u9fff]")


def run(*argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL, timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    bindir = sys.argv[1]
    cli = os.path.join(bindir, "rongyu")
    bad = []
    rc, out = run(cli, "help", "--json")
    try:
        commands = [c["name"] for c in json.loads(out)["commands"]]
        assert rc == 0 and len(commands) > 10
        for c in json.loads(out)["commands"]:
            assert c["zh"] and c["en"], c
    except (ValueError, KeyError, AssertionError) as e:
        print("not ok - rongyu help --json: exit %d, %r (%s)" % (rc, out[:200], e))
        return 1
    for name in commands:
        rc, out = run(cli, name, "--help")
        if rc != 0 or "用法" not in out or "Usage" not in out:
            bad.append("rongyu %s --help: exit %d, %r" % (name, rc, out[:120]))
    for prog in ("rongyu-intake", "rongyu-validation", "rongyu-quota",
                 "rongyu-notification", "rongyu-load", "rongyu-inspect",
                 "rongyu-floor", "rongyu-race"):
        rc, out = run(os.path.join(bindir, prog), "--help")
        if rc != 0 or "sage" not in out or not CJK.search(out):
            bad.append("%s --help: exit %d, %r" % (prog, rc, out[:120]))
    for b in bad:
        print("not ok - " + b)
    if bad:
        return 1
    print("ok - rongyu help --json lists %d commands; each, and every "
          "program, answers --help" % len(commands))
    return 0


if __name__ == "__main__":
    sys.exit(main())
