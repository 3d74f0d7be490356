#!/usr/bin/env bash
# Campaigns as data: a second year added as a file (no recompiling) judges
# the applications that name it; the default still judges its own; a
# malformed campaign file is refused at start with the file, field and
# reason.
. "$(dirname "$0")/../lib/services.sh"

EX=$RY_SOURCE_DIR/examples
export RONGYU_CLOCK=2026-11-20T10:00:00+08:00
mkdir -p "$RONGYU_HOME/campaigns"
cp "$RY_SOURCE_DIR/tests/data/campaigns/hangzhou-2026.json" "$RONGYU_HOME/campaigns/"
ry_start_all

# The valid 2018 example, moved to 2026 (Mon 2026-11-02 .. Fri 11-06 is
# five working days).
jq --arg ex "$EX" '.campaign_id = "hangzhou-2026"
    | .declarations = {committee_study_date: "2026-10-12",
        party_consent_date: "2026-10-14", congress_approval_date: "2026-10-23",
        posting_start: "2026-11-02", posting_end: "2026-11-06"}
    | .attachments |= map(.path = ($ex + "/" + .path))' \
    "$EX/advanced_home.valid.json" >"$RY_TMP/2026.json"
jq '.campaign_id = "no-such-campaign"' "$RY_TMP/2026.json" >"$RY_TMP/unknown.json"
org=$(jq -r .applicant_org "$EX/advanced_home.valid.json")

verdict() {
    local out
    for _ in $(seq 1 100); do
        out=$(ry show "$1" --org "$org" --json)
        if [ "$(jq -r .case.state <<<"$out")" != submitted ]; then
            jq -r '[.case.state, .case.verdict.ruleset] + [.case.verdict.checks[] | select(.passed != true) | .code] | join(" ")' <<<"$out"
            return 0
        fi
        sleep 0.1
    done
    ry_fail "no verdict for $1"
}

id=$(ry submit "$RY_TMP/2026.json" --allow-path "$EX" --json | jq -r .case.case_id)
got=$(verdict "$id")
[ "$got" = "eligible hangzhou-2026/2026.1" ] || ry_fail "2026 application: $got"
ry_ok "an application under the added 2026 campaign file is judged by it: eligible"

# A unit's summary table is of one campaign: by default the one 'rongyu
# quota' shows (the built-in), which has no case put forward here; the
# 2026 table holds the 2026 case. Each names its campaign under the table.
ry review "$id" --decision approve --opinion "合格" --as 萧山区 --role unit >/dev/null
ry recommend "$id" --opinion "推荐" --as 萧山区 --role unit >/dev/null
rows() { grep -c "$(jq -r .union.name "$EX/advanced_home.valid.json")" "$1" || true; }
ry export --unit 萧山区 --annex 2 --format csv -o "$RY_TMP/default.csv" >/dev/null
ry export --unit 萧山区 --annex 2 --format csv -o "$RY_TMP/y2026.csv" --campaign hangzhou-2026 >/dev/null
[ "$(rows "$RY_TMP/default.csv")" = 0 ] && grep -q '评选活动：hangzhou-2018；' "$RY_TMP/default.csv" ||
    ry_fail "the default table is not 2018's alone: $(cat "$RY_TMP/default.csv")"
[ "$(rows "$RY_TMP/y2026.csv")" = 1 ] && grep -q '评选活动：hangzhou-2026；' "$RY_TMP/y2026.csv" ||
    ry_fail "the 2026 table: $(cat "$RY_TMP/y2026.csv")"
[ "$(ry quota --unit 萧山区 --json | jq -r .campaign_id)" = hangzhou-2018 ] || ry_fail "quota's default is not the built-in campaign"
ry_ok "export: one campaign per table, by default quota's (hangzhou-2018), named under the table"

id=$(ry submit "$EX/advanced_home.valid.json" --json | jq -r .case.case_id)
got=$(verdict "$id")
[ "$got" = "ineligible hangzhou-2018/2018.1 R_DEADLINE" ] || ry_fail "2018 application in 2026: $got"
ry_ok "the same application under hangzhou-2018, submitted in 2026: late (R_DEADLINE)"

# A campaign intake does not have is refused at once, and no case is made
# of it (docs/protocol.md: E_NOT_FOUND at the application's campaign_id).
cases() { ry list --role city --as city --json | jq '.cases | length'; }
before=$(cases)
set +e
out=$(ry submit "$RY_TMP/unknown.json" --allow-path "$EX" --json 2>/dev/null)
rc=$?
set -e
[ "$rc" = 1 ] && [ "$(jq -r '.code + " " + .field_path' <<<"$out")" = \
    "E_NOT_FOUND submit.application.campaign_id" ] ||
    ry_fail "unknown campaign: exit $rc: $out"
[ "$(cases)" = "$before" ] || ry_fail "unknown campaign: $before cases before, $(cases) after"
ry_ok "an unknown campaign is refused: E_NOT_FOUND at submit.application.campaign_id, no case made"

# A malformed campaign file stops validation at start, naming it.
ry_stop validation
jq '.honours.advanced_home.categories.township.membership_min = 120' \
    "$RONGYU_HOME/campaigns/hangzhou-2026.json" >"$RONGYU_HOME/campaigns/bad.json"
jq '.id = "bad-2027"' "$RONGYU_HOME/campaigns/bad.json" >"$RONGYU_HOME/campaigns/bad2.json"
rm "$RONGYU_HOME/campaigns/bad.json"
set +e
RONGYU_VALIDATION_BIND=$RONGYU_VALIDATION_ENDPOINT timeout 10 "$RY_BIN/rongyu-validation" 2>"$RY_TMP/bad.log"
rc=$?
set -e
[ "$rc" != 0 ] && [ "$rc" != 124 ] || ry_fail "validation started with a bad campaign (exit $rc)"
grep -q "bad2.json" "$RY_TMP/bad.log" && grep -q "membership_min" "$RY_TMP/bad.log" ||
    ry_fail "refusal does not name the file and field: $(cat "$RY_TMP/bad.log")"
ry_ok "a malformed campaign file is refused at start: $(grep -o 'bad2.json.*' "$RY_TMP/bad.log" | head -1)"

# A later year's calendar is data too: without it a 2027 posting cannot be
# judged (R_CALENDAR_NODATA, never a guess); with a file in calendar/ it
# is counted on that file's holidays (test data, not an official list).
rm -f "$RONGYU_HOME/campaigns/bad2.json"
jq '.id = "hangzhou-2027" | .year = 2027 | .ruleset_version = "2027.1"
    | .deadlines.submission_deadline = "2027-11-30"
    | .deadlines.summary_deadline = "2027-12-31"' \
    "$RONGYU_HOME/campaigns/hangzhou-2026.json" >"$RONGYU_HOME/campaigns/hangzhou-2027.json"
jq '.campaign_id = "hangzhou-2027"
    | .declarations = {committee_study_date: "2027-09-01",
        party_consent_date: "2027-09-03", congress_approval_date: "2027-09-10",
        posting_start: "2027-09-30", posting_end: "2027-10-08"}' \
    "$RY_TMP/2026.json" >"$RY_TMP/2027.json"
ry_stop_all
export RONGYU_CLOCK=2027-11-20T10:00:00+08:00
ry_start_services
id=$(ry submit "$RY_TMP/2027.json" --allow-path "$EX" --idem y2027-a --json | jq -r .case.case_id)
got=$(verdict "$id")
grep -q "R_CALENDAR_NODATA" <<<"$got" || ry_fail "2027 without calendar data: $got"
ry_ok "a posting in a year without calendar data is reported: $got"
# Its review reminder (3 working days before the due date, Mon
# 2027-12-20) cannot be told either: recorded failed, not guessed.
remind() {
    ry notifications --timers --json |
        jq -r --arg t "case|$1|r1|review_remind" \
            '.timers[] | select(.timer_id == $t) | "\(.state) \(.due_ms)"'
}
failed_remind() { [ "$(remind "$id" | cut -d' ' -f1)" = failed ]; }
ry_until 20 failed_remind || ry_fail "the 2027 review reminder: $(remind "$id")"
first=$id
# A draft posted from Mon 2027-11-22, with no end yet: the day it
# completes cannot be told either (its posting_complete failed).
jq '.declarations.posting_start = "2027-11-22" | del(.declarations.posting_end)' \
    "$RY_TMP/2027.json" >"$RY_TMP/2027-draft.json"
pd=$(ry draft save "$RY_TMP/2027-draft.json" --allow-path "$EX" --idem y2027-d --json |
    jq -r .case.case_id)
ptimer() {
    ry notifications --timers --json --limit 1000 |
        jq -r --arg p "case|$pd|posting|r1|complete" \
            '.timers[] | select(.timer_id | startswith($p)) | "\(.timer_id) \(.state) \(.due_ms)"'
}
failed_posting() { [ "$(ptimer | cut -d' ' -f2)" = failed ]; }
ry_until 20 failed_posting || ry_fail "the 2027 draft's posting timer: $(ptimer)"

mkdir -p "$RONGYU_HOME/calendar"
printf 'date,kind,name\n2027-09-26,work,国庆节\n' >"$RONGYU_HOME/calendar/2027.csv"
for d in 01 02 03 04 05 06 07; do echo "2027-10-$d,off,国庆节"; done >>"$RONGYU_HOME/calendar/2027.csv"
ry_stop validation
ry_start validation
# Notification, restarted, plans the failed reminder again on the new
# year: Wed 2027-12-15 09:00 (the 17th, 16th and 15th are working days).
ry_stop notification
ry_start notification
want="pending $(($(date -d '2027-12-15T09:00:00+08:00' +%s) * 1000))"
[ "$(remind "$first")" = "$want" ] || ry_fail "the failed reminder after a restart: $(remind "$first"), want $want"
ry_ok "the review reminder the calendar could not tell is planned at the restart: $want"
# The draft's posting too: its 5th working day, Fri 2027-11-26, told at
# 09:00 that day; the failed timer gives way to it.
want="case|$pd|posting|r1|complete|2027-11-22|2027-11-26 pending $(($(date -d '2027-11-26T09:00:00+08:00' +%s) * 1000))"
ptimer | grep -qFx "$want" && ptimer | grep -qF "case|$pd|posting|r1|complete cancelled " &&
    ! ptimer | grep -qF " failed " ||
    ry_fail "the draft's failed posting timer after a restart: $(ptimer), want $want and the failed one cancelled"
ry_ok "the draft's posting_complete the calendar could not tell is planned at the restart: 2027-11-26 09:00"
id=$(ry submit "$RY_TMP/2027.json" --allow-path "$EX" --idem y2027-b --json | jq -r .case.case_id)
got=$(verdict "$id")
[ "$got" = "ineligible hangzhou-2027/2027.1 R_POSTING_WORKDAYS" ] || ry_fail "2027 with calendar data: $got"
actual=$(ry show "$id" --org "$org" --json | jq -r '.case.verdict.checks[] | select(.code == "R_POSTING_WORKDAYS") | .actual')
grep -q "^2" <<<"$actual" || ry_fail "posting 2027-09-30..10-08 should count 2 working days: $actual"
ry_ok "with calendar/2027.csv the same posting counts $actual"
