#!/usr/bin/env bash
# The README's walkthrough, run as written: one application of each honour
# from draft to award, the quota table, and the three summary tables of
# 萧山区 as .xlsx and CSV.
. "$(dirname "$0")/../lib/services.sh"

ry_start_all
# As ./deploy/up.sh does:
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null

# The block between the walkthrough markers, with build/bin/rongyu being
# this build's CLI, run in a scratch directory that has examples/.
mkdir -p "$RY_TMP/walk/build"
ln -s "$RY_SOURCE_DIR/examples" "$RY_TMP/walk/examples"
ln -s "$RY_BIN" "$RY_TMP/walk/build/bin"
sed -n '/^<!-- walkthrough -->$/,/^<!-- \/walkthrough -->$/p' "$RY_SOURCE_DIR/README.md" |
    sed '/^<!--/d; /^```/d' >"$RY_TMP/walk/walk.sh"
[ "$(wc -l <"$RY_TMP/walk/walk.sh")" -gt 5 ] || ry_fail "no walkthrough found in README.md"
# It waits for the verdict and the seats with --wait, never with a sleep.
! grep -qw sleep "$RY_TMP/walk/walk.sh" || ry_fail "the walkthrough sleeps"
grep -q -- '--wait' "$RY_TMP/walk/walk.sh" || ry_fail "the walkthrough does not use --wait"
(cd "$RY_TMP/walk" && env -u RONGYU_KEY bash -euo pipefail walk.sh) >"$RY_TMP/walk/out.txt" 2>&1 ||
    { cat "$RY_TMP/walk/out.txt" >&2; ry_fail "the README walkthrough failed"; }

# The show right after 'draft submit --wait' already has the verdict.
n=$(grep -c '合格 eligible' "$RY_TMP/walk/out.txt" || true)
[ "$n" -ge 4 ] || ry_fail "want 4 eligible verdicts right after --wait, saw $n"
n=$(grep -c '已表彰 awarded' "$RY_TMP/walk/out.txt" || true)
[ "$n" -ge 4 ] || ry_fail "want 4 awarded cases in the walkthrough's output, saw $n"
awarded=$(ry list --role city --as city --state awarded --json | jq '.cases | length')
[ "$awarded" = 4 ] || ry_fail "$awarded cases awarded, want 4"
ry_ok "one application of each honour went from draft to award"
for n in 2 3 4; do
    [ -s "$RY_TMP/walk/annex$n.xlsx" ] || ry_fail "annex$n.xlsx not written"
    unzip -tq "$RY_TMP/walk/annex$n.xlsx" >/dev/null || ry_fail "annex$n.xlsx is not a zip"
    head -c 3 "$RY_TMP/walk/annex$n.csv" | od -An -tx1 | grep -q 'ef bb bf' ||
        ry_fail "annex$n.csv has no UTF-8 BOM"
    grep -q '萧山区' "$RY_TMP/walk/annex$n.csv" || ry_fail "annex$n.csv lacks the unit"
done
# Three heading rows, then the cases, then the 填写说明 and the date.
rows2=$(($(wc -l <"$RY_TMP/walk/annex2.csv") - 5))
rows4=$(($(wc -l <"$RY_TMP/walk/annex4.csv") - 5))
[ "$rows2" = 2 ] && [ "$rows4" = 1 ] || ry_fail "annex 2 has $rows2 rows (want 2), annex 4 $rows4 (want 1)"
grep -q '李秀英' "$RY_TMP/walk/annex4.csv" || ry_fail "annex 4 lacks the nominee"
ry_ok "the three summary tables were written as .xlsx and CSV"
