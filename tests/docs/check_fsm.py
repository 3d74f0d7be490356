#!/usr/bin/env python3
"""Keeps docs/review.md's lifecycle table equal to the table in
services/intake/intake_fsm.c, as `rongyu-inspect fsm --markdown` prints it:
the lines between "<!-- fsm table: ..." and "<!-- end of fsm table -->".
Usage: check_fsm.py INSPECT DOC. Standard library only."""
import difflib
import subprocess
import sys

inspect, doc_path = sys.argv[1], sys.argv[2]
table = subprocess.run([inspect, "fsm", "--markdown"], check=True,
                       capture_output=True, text=True).stdout
doc = open(doc_path, encoding="utf-8").read()
begin = doc.find("<!-- fsm table:")
end = doc.find("<!-- end of fsm table -->")
if begin < 0 or end < begin:
    print("FAIL: %s has no fsm table markers" % doc_path)
    sys.exit(1)
in_doc = doc[doc.index("\n", begin) + 1:end]
if in_doc != table:
    print("FAIL: %s's lifecycle table differs from intake_fsm "
          "(regenerate it with rongyu-inspect fsm --markdown):" % doc_path)
    sys.stdout.writelines(difflib.unified_diff(
        in_doc.splitlines(True), table.splitlines(True), "docs/review.md",
        "rongyu-inspect fsm --markdown"))
    sys.exit(1)
print("docs/review.md: lifecycle table matches intake_fsm (%d rows)"
      % (table.count("\n") - 2))
