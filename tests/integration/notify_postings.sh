#!/usr/bin/env bash
# Public postings (公示) followed from the day they start, against a real
# webhook receiver and a real SMTP server on loopback, with the campaign
# clock moved by the clock file: the earliest end answered at once (across
# National Day 2018, across New Year 2019 for a nomination, too late in
# late November), each posting notice delivered once by webhook and mail,
# a draft submitted mid-posting has its timers cancelled, a posting
# timer that falls due while notification is down fires once after
# restart, a posting started on the last possible day is announced on
# the deadline day's morning, in time to submit, and a nomination too late
# for 31 December is followed against its unit's extended deadline.
. "$(dirname "$0")/../lib/services.sh"
. "$(dirname "$0")/../lib/notify.sh"

HOOKS=$RY_TMP/hooks.jsonl
MAIL=$RY_TMP/mail.jsonl
ry_clock_set 2018-09-27T10:00:00+08:00
ry_http_sink hooks "${HOOK_SECRETS[@]}"
ry_smtp_sink mail
ry_subscribers "$HTTP_PORT"
export RONGYU_NOTIFY_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
ry_notify_ports
ry_start_all

APP=xiaoshan-hengyi-textile
mkdir -p "$RY_TMP/app"
cp -r "$RY_SOURCE_DIR/examples/files" "$RY_TMP/app/"
for h in advanced_home excellent_worker; do
    jq 'del(.declarations.posting_start, .declarations.posting_end)' \
        "$RY_SOURCE_DIR/examples/$h.valid.json" >"$RY_TMP/app/$h.json"
done

# draft HONOUR: saves a draft without a posting, prints its id.
draft() {
    local out
    out=$(ry draft save "$RY_TMP/app/$1.json" --idem "$RANDOM$RANDOM$1" --json) ||
        ry_fail "draft save: $out"
    jq -r .case.case_id <<<"$out"
}
# timer_state ID_PART KIND: the state of the case's timer of that kind.
timer_state() {
    ry notifications --timers --json --limit 1000 |
        jq -r --arg c "$1" --arg k "$2" \
            '[.timers[] | select(.case_id == $c and .kind == $k) | .state] | join(",")'
}

# --- Fri 2018-09-28: the 5th working day is Tue 10-09 (make-up Sat 09-29
# and Sun 09-30; 10-01..10-07 off).
ND=$(draft advanced_home)
out=$(ry posting start "$ND" --from 2018-09-28 --as $APP --json) || ry_fail "posting start: $out"
jq -e '.posting.earliest_end == "2018-10-09" and .posting.last_start == "2018-11-26"
       and .posting.deadline == "2018-11-30" and .posting.warning == ""' <<<"$out" >/dev/null ||
    ry_fail "National Day posting: $out"
ry_wait_count "$HOOKS" '.json.kind == "posting_recorded" and .json.case_id == "'"$ND"'"' 1
ry_wait_count "$MAIL" '.subject | contains("最早可于2018年10月9日（星期二）结束")' 1
ry_expect_count "$HOOKS" '.json.kind == "posting_recorded" and .json.case_id == "'"$ND"'" and
    .json.earliest_end_zh == "2018年10月9日（星期二）" and .json.org == "'$APP'" and
    .signature_ok == true and (.json.text | contains("Tuesday 9 October 2018")) and
    (.json.text | contains("的公示已登记，定于2018年9月28日（星期五）开始")) and
    (.json.text | contains("it is to start on Friday 28 September 2018"))' 1
ry_ok "posting from Fri 2018-09-28, recorded the day before: to start, earliest end Tue 2018-10-09 answered and noticed once"
[ "$(timer_state "$ND" posting_complete)" = pending ] || ry_fail "no posting_complete timer for $ND"

# The posting completes on Tue 10-09, when a submission already qualifies:
# the applicant is told at 09:00 that day. Notification is down then; it
# fires once when it comes back.
ry_kill9 notification
ry_clock_set 2018-10-09T10:00:00+08:00
ry_start notification
ry_wait_count "$HOOKS" '.json.kind == "posting_complete" and .json.case_id == "'"$ND"'"' 1
ry_wait_count "$MAIL" '.subject | contains("满5个工作日，当天起即可上报")' 1
ry_expect_count "$HOOKS" '.json.kind == "posting_complete" and .json.deadline == "2018-10-09" and
    .json.at == "2018-10-09T09:00:00+08:00" and
    (.json.text | contains("completes its 5 working days on Tuesday 9 October 2018: you may submit from that day"))' 1
ry_expect_count "$MAIL" '.to == ["<hengyi@union.example>"] and
    (.subject | contains("公示于2018年10月9日（星期二）满5个工作日，当天起即可上报")) and
    (.body | contains("公示于2018年10月9日（星期二）满5个工作日，当天起即可上报，截止日期为2018年11月30日（星期五）"))' 1
[ "$(timer_state "$ND" posting_complete)" = fired ] || ry_fail "posting_complete not fired"
ry_expect_count "$HOOKS" '.json.kind == "posting_complete"' 1
ry_ok "posting_complete due 09:00 on its last working day, while notification was down: fired once after restart"

# --- 2018-11-20: the "done" case, a draft posted from 2018-11-20.
ry_clock_set 2018-11-20T10:00:00+08:00
D=$(draft advanced_home)
out=$(ry posting start "$D" --from 2018-11-20 --as $APP --json) || ry_fail "posting start: $out"
jq -e '.posting.earliest_end == "2018-11-26" and .posting.last_start == "2018-11-26"' \
    <<<"$out" >/dev/null || ry_fail "2018-11-20 posting: $out"
ry show "$D" --as $APP | grep -q "最早可结束 earliest end 2018-11-26" || ry_fail "show lacks the earliest end"
# The audit names the platform key that recorded it, as every other entry.
ry show "$D" --as $APP --json |
    jq -e '[.audit[] | select(.what | startswith("posting recorded"))
            | .actor] | length == 1 and all(test(" via platform key "))' \
        >/dev/null || ry_fail "the posting's audit entry lacks the platform key"
ry_wait_count "$HOOKS" '.json.kind == "posting_recorded" and .json.case_id == "'"$D"'"' 1
ry_wait_count "$MAIL" '.subject | contains("最早可于2018年11月26日（星期一）结束")' 1
ry_ok "posting from 2018-11-20: earliest end Mon 2018-11-26 in the reply, show and notice"

# A planned end on Sun 11-25, after the 5th working day (Fri 11-23): it
# may be submitted from Sunday, when it ends, though Sunday is not its
# 5th working day; the notice says both days.
PE=$(draft advanced_home)
out=$(ry posting start "$PE" --from 2018-11-19 --to 2018-11-25 --as $APP --json) ||
    ry_fail "posting start: $out"
jq -e '.posting.earliest_end == "2018-11-23" and .posting.until == "2018-11-25"
       and .posting.workdays_planned == 5 and .posting.warning == ""' <<<"$out" >/dev/null ||
    ry_fail "posting to a Sunday: $out"

# A planned end before the 5th working day is a warning at once.
W=$(draft advanced_home)
out=$(ry posting start "$W" --from 2018-11-20 --to 2018-11-23 --as $APP --json 2>"$RY_TMP/warn.txt") ||
    ry_fail "posting start: $out"
jq -e '.posting.warning == "W_POSTING_SHORT" and .posting.workdays_planned == 4' <<<"$out" >/dev/null ||
    ry_fail "short posting: $out"
grep -q "2018年11月26日（星期一）" "$RY_TMP/warn.txt" || ry_fail "warning lacks the earliest valid end"
ry_ok "planned end after 4 working days: warning with the earliest valid end"

# Late November: a posting from Tue 11-27 ends Mon 12-03, after 30 Nov.
L=$(draft advanced_home)
out=$(ry posting start "$L" --from 2018-11-27 --as $APP --json) || ry_fail "posting start: $out"
jq -e '.posting.earliest_end == "2018-12-03" and .posting.warning == "W_POSTING_TOO_LATE"' \
    <<<"$out" >/dev/null || ry_fail "late posting: $out"
ry_ok "posting from 2018-11-27 cannot finish by 30 Nov: too late at once"

# An excellent-worker nomination posted from Thu 12-27 ends Thu 2019-01-03
# (12-29 a make-up Saturday, 12-30..01-01 off), after the units' 31 Dec.
E=$(draft excellent_worker)
out=$(ry posting start "$E" --from 2018-12-27 --as $APP --json) || ry_fail "posting start: $out"
jq -e '.posting.earliest_end == "2019-01-03" and .posting.deadline == "2018-12-31"
       and .posting.last_start == "2018-12-25" and .posting.warning == "W_POSTING_TOO_LATE"' \
    <<<"$out" >/dev/null || ry_fail "New Year nomination: $out"
ry_ok "nomination from 2018-12-27: earliest end 2019-01-03, after the unit's 31 Dec"

# The city extends 萧山区's deadline to Thu 2019-01-10: the same posting
# ends in time for the unit's own deadline, in `rongyu postings` and in
# notification's plan (posting_complete at 09:00 on 2019-01-03).
ry deadline extend --unit 萧山区 --until 2019-01-10 --opinion "系统故障，准予延期" \
    --as city --role city >/dev/null || ry_fail "deadline extend"
out=$(ry postings --unit 萧山区 --json)
jq -e --arg e "$E" '[.rows[] | select(.case_id == $e) | .posting |
        [.state, .deadline, .until, .last_start, .warning]] ==
    [["planned", "2019-01-10", "2019-01-03", "2019-01-04", ""]]' <<<"$out" >/dev/null ||
    ry_fail "the extended unit's nomination: $out"
e_pending() { [ "$(timer_state "$E" posting_complete)" = pending ]; }
ry_until 10 e_pending || ry_fail "no posting_complete timer for $E after the extension"
ry notifications --timers --json --limit 1000 |
    jq -e --arg e "$E" '[.timers[] | select(.case_id == $e and .state == "pending") |
        [.kind, .deadline, .submit_by]] == [["posting_complete", "2019-01-03", "2019-01-10"]]' \
        >/dev/null || ry_fail "the nomination's timer: $(ry notifications --timers --json --limit 1000)"
ry_ok "萧山区 extended to 2019-01-10: the nomination from 2018-12-27 is planned, its posting_complete timer pending"

# A draft submitted mid-posting: its timer is cancelled.
S=$(draft advanced_home)
ry posting start "$S" --from 2018-11-21 --as $APP >/dev/null
# The posting reaches notification after intake's answer: waited for.
pending() { [ "$(timer_state "$S" posting_complete)" = pending ]; }
ry_until 10 pending || ry_fail "no timer for $S"
ry draft submit "$S" --as $APP >/dev/null
cancelled() { [ "$(timer_state "$S" posting_complete)" = cancelled ]; }
ry_until 10 cancelled || ry_fail "timer of submitted $S not cancelled"
ry_ok "a draft submitted mid-posting has its posting timer cancelled"

# A draft with no posting: its union and unit are told 3 working days
# before the last start day (Mon 11-26), on Wed 11-21 at 09:00, as every
# union is by the campaign-wide announcement.
N=$(draft advanced_home)
out=$(ry postings --unit 萧山区 --json)
jq -e --arg n "$N" --arg d "$D" --arg l "$L" '
    ([.rows[] | select(.case_id == $n) | .posting.state] == ["not_started"]) and
    ([.rows[] | select(.case_id == $d) | .posting.until] == ["2018-11-26"]) and
    ([.rows[] | select(.case_id == $l) | .posting.state] == ["too_late"])' <<<"$out" >/dev/null ||
    ry_fail "postings: $out"
ry postings --unit 萧山区 | grep -q "公示中 under_way until 2018-11-26" || ry_fail "postings table"
ry_ok "rongyu postings --unit 萧山区: not started, under way until 11-26, too late"
# N's draft reaches notification after intake's answer: waited for, so
# that its reminder is planned before the clock passes its due time.
start_by() { [ "$(timer_state "$N" posting_start_by)" = pending ]; }
ry_until 10 start_by || ry_fail "no posting_start_by timer for $N"

ry_clock_set 2018-11-21T10:00:00+08:00
ry_wait_count "$HOOKS" '.json.kind == "posting_start_by"' 2
ry_wait_count "$HOOKS" '.json.kind == "posting_last_start_remind"' 2
ry_wait_count "$MAIL" '.subject | contains("公示最晚开始日期：2018年11月26日（星期一）")' 3
ry_wait_count "$MAIL" '.subject | contains("请于2018年11月26日（星期一）前开始公示")' 2
ry_notify_settled
ry_expect_count "$HOOKS" '.json.kind == "posting_start_by" and .json.case_id == "'"$N"'" and
    .json.deadline_zh == "2018年11月26日（星期一）" and .json.workdays_before == 3' 2
ry_expect_count "$MAIL" '.subject | contains("请于2018年11月26日（星期一）前开始公示")' 2
ry_expect_count "$HOOKS" '.json.kind == "posting_last_start_remind" and
    .json.submit_by_zh == "2018年11月30日（星期五）" and
    (.json.text | contains("Monday 26 November 2018"))' 2
ry_ok "posting_start_by (union and unit) and the last-start announcement (everyone) once each"

# 2018-11-26 10:00: the 2018-11-20 posting completes its 5th working day
# today, and may be submitted today: told at 09:00, and complete in
# `rongyu postings`.
ry_clock_set 2018-11-26T10:00:00+08:00
ry_wait_count "$HOOKS" '.json.kind == "posting_complete" and .json.case_id == "'"$D"'"' 1
ry_wait_count "$MAIL" '(.subject | contains("当天起即可上报")) and (.body | contains("2018年11月26日"))' 1
ry_expect_count "$HOOKS" '.json.kind == "posting_complete" and .json.case_id == "'"$D"'" and
    .json.deadline == "2018-11-26" and .json.at == "2018-11-26T09:00:00+08:00" and
    .json.org == "'$APP'" and .signature_ok == true' 1
out=$(ry postings --unit 萧山区 --json)
jq -e --arg d "$D" '[.rows[] | select(.case_id == $d) | .posting.state] == ["complete"]' \
    <<<"$out" >/dev/null || ry_fail "postings on the posting's last day: $out"
ry_ok "posting_complete for the 2018-11-20 posting at 09:00 on 2018-11-26, once by webhook and mail; complete that day"
ry_wait_count "$HOOKS" '.json.kind == "posting_complete" and .json.case_id == "'"$PE"'"' 1
ry_expect_count "$HOOKS" '.json.kind == "posting_complete" and .json.case_id == "'"$PE"'" and
    .json.deadline == "2018-11-25" and .json.at == "2018-11-25T09:00:00+08:00" and
    .json.title == "【公示】杭州恒毅纺织有限公司工会的公示于2018年11月25日（星期日）结束，当天起即可上报" and
    (.json.text | contains("已于2018年11月23日（星期五）满5个工作日，按计划于2018年11月25日（星期日）结束")) and
    (.json.text | contains("had its 5 working days on Friday 23 November 2018 and ends as planned on Sunday 25 November 2018"))' 1
ry_expect_count "$MAIL" '.subject | contains("2018年11月25日（星期日）满5个工作日")' 0
ry_ok "a posting planned to end on Sun 11-25: told it ends that day, having had its 5 working days on Fri 11-23"

# A posting started on the last possible day, Mon 11-26, completes on the
# deadline itself, Fri 11-30: told at 09:00 that day, while it can still
# be submitted (not at 12-01 00:00, after the deadline).
LD=$(draft advanced_home)
out=$(ry posting start "$LD" --from 2018-11-26 --as $APP --json) || ry_fail "posting start: $out"
jq -e '.posting.earliest_end == "2018-11-30" and .posting.until == "2018-11-30"
       and .posting.warning == ""' <<<"$out" >/dev/null ||
    ry_fail "posting from the last start day: $out"
last_pending() { [ "$(timer_state "$LD" posting_complete)" = pending ]; }
ry_until 10 last_pending || ry_fail "no posting_complete timer for $LD"
ry_clock_set 2018-11-30T10:00:00+08:00
ry_wait_count "$HOOKS" '.json.kind == "posting_complete" and .json.case_id == "'"$LD"'"' 1
ry_wait_count "$MAIL" '.body | contains("公示于2018年11月30日（星期五）满5个工作日，当天起即可上报，截止日期为2018年11月30日（星期五）")' 1
ry_expect_count "$HOOKS" '.json.kind == "posting_complete" and .json.case_id == "'"$LD"'" and
    .json.deadline == "2018-11-30" and .json.at == "2018-11-30T09:00:00+08:00" and
    (.json.text | contains("you may submit from that day; the deadline is Friday 30 November 2018"))' 1
out=$(ry postings --unit 萧山区 --json)
jq -e --arg d "$LD" '[.rows[] | select(.case_id == $d) | .posting.state] == ["complete"]' \
    <<<"$out" >/dev/null || ry_fail "postings on the deadline day: $out"
ry_ok "a posting from the last start day (11-26): posting_complete at 09:00 on the deadline day, 11-30"

# Nothing twice, nothing for the cancelled or too-late drafts.
[ "$(jq -s '[.[].delivery] | unique | length' "$HOOKS")" = "$(jq -s length "$HOOKS")" ] ||
    ry_fail "a webhook delivery arrived twice"
ry_expect_count "$HOOKS" '.json.kind == "posting_complete"' 4
ry_expect_count "$HOOKS" '.json.kind == "posting_complete" and (.json.case_id == "'"$S"'" or .json.case_id == "'"$L"'")' 0
ry_expect_count "$HOOKS" '.signature_ok != true' 0
ry_ok "every posting notice once, signed; none for the submitted or too-late drafts"

# Told it may submit, the union submits on the deadline day (the clock's
# 2018-11-30): the posting, recorded with no end, ends that day and the
# case is eligible.
ry draft submit "$D" --org $APP --wait >/dev/null || ry_fail "draft submit $D"
out=$(ry show "$D" --as $APP --json)
jq -e '.case.state == "eligible" and .case.application.declarations.posting_end == "2018-11-30"' \
    <<<"$out" >/dev/null || ry_fail "the open posting's draft, submitted: $(jq -c '[.case.state, .case.application.declarations, [.case.verdict.checks[] | select(.passed != true) | .code]]' <<<"$out")"
ry_ok "an open posting ends on the day its draft is submitted (2018-11-20..11-30): eligible"

# 2019-01-03: the extended unit's nomination completes its working days,
# in time for 萧山区's own deadline.
ry_clock_set 2019-01-03T10:00:00+08:00
ry_wait_count "$HOOKS" '.json.kind == "posting_complete" and .json.case_id == "'"$E"'"' 1
ry_expect_count "$HOOKS" '.json.kind == "posting_complete" and .json.case_id == "'"$E"'" and
    .json.deadline == "2019-01-03" and .json.at == "2019-01-03T09:00:00+08:00" and
    (.json.text | contains("the deadline is Thursday 10 January 2019"))' 1
ry_ok "the nomination's posting_complete at 09:00 on 2019-01-03, against 萧山区's 2019-01-10"
ry_stop_all
