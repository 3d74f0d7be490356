#!/usr/bin/env bash
# `rongyu calendar` answers as the official calendar does, refuses to
# guess a year it has no data for, and reads the years of the calendar
# directory as the services do.
set -euo pipefail
RY=${RY_BIN:?}/rongyu
fail() { echo "FAIL: $*" >&2; exit 1; }
# A home of its own: no calendar directory but the one made below.
RONGYU_HOME=$(mktemp -d)
export RONGYU_HOME
unset RONGYU_CONFIG RONGYU_CALENDAR_DIR
tmp=$(mktemp)
trap 'rm -rf "$tmp" "$RONGYU_HOME"' EXIT

# SPEC §6: posted Fri 2018-09-28, the 5th working day is Tue 2018-10-09.
[ "$($RY calendar posting 2018-09-28 --json | jq -r .answer)" = 2018-10-09 ] || fail "National Day 2018"
# Across New Year 2019: 2018-12-29 (Sat) was a make-up workday, 12-30..01-01 off.
[ "$($RY calendar posting 2018-12-28 --json | jq -r .answer)" = 2019-01-04 ] || fail "New Year 2019"
[ "$($RY calendar workday 2018-12-29 --json | jq -r .workday)" = true ] || fail "make-up Saturday"
[ "$($RY calendar workday 2019-01-01 --json | jq -r .workday)" = false ] || fail "New Year's day"
[ "$($RY calendar count 2018-09-28 2018-10-08 --json | jq -r .workdays)" = 4 ] || fail "count"
[ "$($RY calendar before 2018-11-30 3 --json | jq -r .answer)" = 2018-11-27 ] || fail "before"
echo "ok - answers match the official calendar"

set +e
out=$($RY calendar workday 2027-03-01 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] && grep -q 2027 <<<"$out" || fail "a year without data: exit $rc: $out"
printf 'date,kind,name\n2027-01-01,off,元旦\n2027-02-20,work,春节\n' >"$tmp"
[ "$($RY calendar workday 2027-02-20 --file "$tmp" --json | jq -r .workday)" = true ] || fail "loaded year"
[ "$($RY calendar workday 2027-01-01 --file "$tmp" --json | jq -r .workday)" = false ] || fail "loaded holiday"
# The year actually missing is named: a posting from 2026-12-28 runs into
# 2027; under --json the error is JSON on stdout.
set +e
out=$($RY calendar posting 2026-12-28 2>&1)
rc=$?
jout=$($RY calendar posting 2026-12-28 --json 2>/dev/null)
jrc=$?
set -e
[ "$rc" = 1 ] && grep -q 'no data for 2027' <<<"$out" && grep -q '没有 2027 年' <<<"$out" ||
    fail "posting from 2026-12-28: want 2027 named, got: $out"
! grep -q 2026 <<<"$(grep -i 'no data' <<<"$out")" || fail "names 2026 instead of the missing 2027: $out"
[ "$jrc" = 1 ] && [ "$(jq -r '.code + " " + (.missing_year | tostring)' <<<"$jout")" = "E_NOT_FOUND 2027" ] ||
    fail "--json error: $jout"
[ "$($RY calendar posting 2026-12-28 --file "$tmp" --json | jq -r .answer)" = 2027-01-04 ] || fail "posting into a loaded 2027"
echo "ok - no data: an error, not a guess, naming the missing year; later years load from a file"
# The calendar directory ($RONGYU_HOME/calendar), without --file.
mkdir "$RONGYU_HOME/calendar"
cp "$tmp" "$RONGYU_HOME/calendar/2027.csv"
[ "$($RY calendar posting 2026-12-28 --json | jq -r .answer)" = 2027-01-04 ] ||
    fail "the calendar directory's 2027 is not read"
printf 'date,kind,name\n2028-13-01,off,x\n' >"$RONGYU_HOME/calendar/bad.csv"
set +e
out=$($RY calendar workday 2026-01-05 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] && grep -q 'bad.csv:2' <<<"$out" || fail "a bad file in the calendar directory: exit $rc: $out"
rm "$RONGYU_HOME/calendar/bad.csv" "$RONGYU_HOME/calendar/2027.csv"
echo "ok - the calendar directory's years are read, a bad file there refused"

# 'after' answers in general words, not as a posting.
out=$($RY calendar after 2018-09-28 5)
grep -q 'the 5th working day counting from 2018-09-28' <<<"$out" && ! grep -qi posting <<<"$out" ||
    fail "after: $out"
echo "ok - after: the Nth working day counting from a date"

# Every error as JSON under --json, with both languages.
for args in "workday 2018-02-30" "count 2018-10-08 2018-09-28" "when 2018-01-01" "workday 2018-01-01 --bogus"; do
    set +e
    # shellcheck disable=SC2086
    jout=$($RY calendar $args --json 2>/dev/null)
    set -e
    jq -e '.code == "E_INVALID" and (.message_zh | length > 0) and (.message_en | length > 0)' <<<"$jout" >/dev/null ||
        fail "calendar $args --json: not a JSON error: $jout"
done
echo "ok - errors as JSON under --json"
set +e
$RY calendar workday 2018-02-30 >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || fail "2018-02-30 accepted"
echo "ok - unreal dates refused"
