#!/usr/bin/env bash
# Notification, end to end (the "done" demo of issue 5): with the clock on
# 2018-10-29 a case is submitted; on 2018-11-26 its review reminder and on
# 2018-11-27 the 30 November reminder reach a real webhook receiver and a
# real SMTP server on loopback, each exactly once, signed, in Chinese with
# the dates in full; a kill -9 and restart of notification repeats none.
# A unit whose summary deadline the city extended is reminded against its
# own deadline, and the campaign's summary notices leave it out.
. "$(dirname "$0")/../lib/services.sh"
. "$(dirname "$0")/../lib/notify.sh"

HOOKS=$RY_TMP/hooks.jsonl
MAIL=$RY_TMP/mail.jsonl
ry_clock_set 2018-10-29T10:00:00+08:00
ry_http_sink hooks "${HOOK_SECRETS[@]}"
ry_smtp_sink mail
ry_subscribers "$HTTP_PORT"
export RONGYU_NOTIFY_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
export RONGYU_NOTIFY_MAIL_FROM=notify@rongyu.example
ry_notify_ports
ry_start_all

ry_application "$RY_TMP/app/app.json"
out=$(ry submit "$RY_TMP/app/app.json" --as xiaoshan-hengyi-textile --json) ||
    ry_fail "submit failed: $out"
CASE=$(jq -r '.case.case_id' <<<"$out")
[ -n "$CASE" ] && [ "$CASE" != null ] || ry_fail "no case id in: $out"
ry_ok "case $CASE submitted on 2018-10-29"

# The state changes: submitted and eligible, to the applicant and its unit.
ry_wait_count "$HOOKS" '.json.kind == "case_eligible"' 2
ry_wait_count "$HOOKS" '.json.kind == "case_submitted"' 2
ry_wait_count "$MAIL" '.notice != null' 4
ry_expect_count "$HOOKS" '.json.kind == "case_submitted" and .json.case_id == "'"$CASE"'" and .signature_ok == true' 2
ry_expect_count "$HOOKS" '.json.kind == "case_eligible" and .json.state == "eligible"' 2
ry_ok "submitted and eligible events delivered to both subscribers (webhook and mail)"

# Nothing else is due yet.
ry_notify_settled
ry_expect_count "$HOOKS" 'true' 4
ry_expect_count "$MAIL" 'true' 4

# 2018-11-26 10:00: the review (due 2018-11-29, one month after
# submission) is 3 working days away: the unit is reminded, once.
ry_clock_set 2018-11-26T10:00:00+08:00
ry_wait_count "$HOOKS" '.json.kind == "review_remind"' 1
ry_wait_count "$MAIL" '.subject | test("验家")' 1
sel='.json.kind == "review_remind" and .json.org == "萧山区" and
     .json.case_id == "'"$CASE"'" and .json.deadline == "2018-11-29" and
     .json.deadline_zh == "2018年11月29日（星期四）" and
     .json.workdays_before == 3 and .json.at == "2018-11-26T09:00:00+08:00" and
     .signature_ok == true and .path == "/hook/unit" and
     (.json.text | contains("2018年10月29日（星期一）提交申请"))'
ry_expect_count "$HOOKS" "$sel" 1
ry_expect_count "$MAIL" '.to == ["<xiaoshan@unit.example>"] and
     .subject == "【提醒】请于2018年11月29日（星期四）前完成验家：杭州恒毅纺织有限公司工会" and
     (.body | contains("审查截止日期为2018年11月29日（星期四），距截止还有3个工作日")) and
     (.body | contains("applied on Monday 29 October 2018 and is to be inspected within one month: the review is due by the end of Thursday 29 November 2018, 3 working days before it"))' 1
ry_ok "review reminder delivered once to the unit's webhook and mailbox, in Chinese and English"
# On the way the clock passed Wed 11-21 09:00, 3 working days before the
# last day a posting could start (Mon 11-26): everyone was told.
ry_wait_count "$HOOKS" '.json.kind == "posting_last_start_remind"' 2
ry_wait_count "$MAIL" '.subject | contains("公示最晚开始日期：2018年11月26日（星期一）")' 3
ry_ok "last posting start day (26 November) announced once to every subscriber"

# 2018-11-27 10:00: 3 working days before the 30 November deadline.
ry_clock_set 2018-11-27T10:00:00+08:00
ry_wait_count "$HOOKS" '.json.kind == "submission_remind"' 2
ry_wait_count "$MAIL" '.subject | test("基层申报截止")' 3
ry_expect_count "$HOOKS" '.json.kind == "submission_remind" and
     .json.deadline_zh == "2018年11月30日（星期五）" and .signature_ok == true and
     .json.campaign_id == "hangzhou-2018"' 2
ry_expect_count "$MAIL" '(.subject | contains("基层申报截止日期：2018年11月30日（星期五）")) and
     (.body | contains("申报截止日期为2018年11月30日（星期五），距截止还有3个工作日")) and
     (.body | contains("are due by the end of Friday 30 November 2018, 3 working days before it"))' 3
for who in xiaoshan@unit.example hengyi@union.example city@hzgh.example; do
    ry_expect_count "$MAIL" '(.subject | contains("2018年11月30日")) and .to == ["<'"$who"'>"]' 1
done
ry_ok "30 November reminder delivered once to every subscriber (2 webhooks, 3 mailboxes)"

# The signature is the HMAC-SHA256 of the exact body, and every record
# names its delivery; no delivery id twice.
ry_expect_count "$HOOKS" '.signature_ok != true' 0
[ "$(jq -s '[.[].delivery] | unique | length' "$HOOKS")" = "$(jq -s length "$HOOKS")" ] ||
    ry_fail "a webhook delivery arrived twice"
[ "$(jq -s '[.[].delivery] | unique | length' "$MAIL")" = "$(jq -s length "$MAIL")" ] ||
    ry_fail "a mail arrived twice"

# A kill -9 and a restart repeat nothing: the timers are marked fired.
ry_kill9 notification
ry_start notification
ry_notify_settled
ry_expect_count "$HOOKS" 'true' 9
ry_expect_count "$MAIL" 'true' 11
ry_ok "no repeat after kill -9 and restart"

# The delivery log: every webhook and mail sent, none pending.
log=$(ry notifications --json --limit 1000)
[ "$(jq '[.deliveries[] | select(.state == "sent")] | length' <<<"$log")" = 25 ] ||
    ry_fail "delivery log: $(jq -c '[.deliveries[] | {id, state, channel, org, kind}]' <<<"$log")"
[ "$(ry notifications --state pending --json | jq '.deliveries | length')" = 0 ] ||
    ry_fail "pending deliveries left"
[ "$(jq '[.deliveries[] | select(.secret != "")] | length' <<<"$log")" = 0 ] ||
    ry_fail "a webhook secret leaked to the client"
timers=$(ry notifications --timers --json)
jq -e '.timers[] | select(.kind == "review_remind" and .state == "fired")' <<<"$timers" >/dev/null ||
    ry_fail "review reminder not marked fired"
jq -e '.timers[] | select(.kind == "submission_remind" and .state == "fired")' <<<"$timers" >/dev/null ||
    ry_fail "submission reminder not marked fired"
jq -e '.timers[] | select(.kind == "review_overdue" and .state == "pending")' <<<"$timers" >/dev/null ||
    ry_fail "review overdue alert not pending"
ry_ok "delivery log: 25 sent (9 webhooks, 11 mails, 5 feed items), none pending; timers fired once"

# The timers page as the deliveries do: pages of 2 from --after 0, each
# next_after on until it is 0, give every timer once, in order; with a
# state filter too.
page_all() {
    local after=0 page n=0
    while :; do
        page=$(ry notifications --timers --limit 2 --after "$after" "$@" --json) ||
            ry_fail "timers --after $after: $page"
        jq -r '.timers[]?.timer_id' <<<"$page"
        after=$(jq -r '.next_after // 0 | tonumber' <<<"$page")
        [ "$after" != 0 ] || break
        [ "$(jq ".timers | length" <<<"$page")" = 2 ] || ry_fail "a short page with more: $page"
        n=$((n + 1))
        [ $n -lt 100 ] || ry_fail "timers: next_after never 0"
    done
}
for filter in "" "--state fired"; do
    # shellcheck disable=SC2086
    all=$(ry notifications --timers --limit 1000 $filter --json | jq -r '.timers[]?.timer_id')
    # shellcheck disable=SC2086
    paged=$(page_all $filter)
    [ "$(wc -l <<<"$all")" -gt 2 ] || ry_fail "too few timers ($filter) to page: $all"
    [ "$paged" = "$all" ] || ry_fail "timers paged by 2 ($filter): $paged; all: $all"
done
all=$(ry notifications --timers --limit 1000 --json | jq -r '.timers[]?.timer_id')
second=$(ry notifications --timers --limit 3 --after 3 --json | jq -r '.timers[0].timer_id')
[ "$second" = "$(sed -n 4p <<<"$all")" ] || ry_fail "--after 3 starts at $second, not the 4th"
ry_ok "timers paged by 2 until next_after is 0: each once, in order (all, and fired ones)"

# The feed is replayable from the store.
feed=$(ry notifications --feed --since 0 --org 萧山区 --json)
[ "$(jq '.items | length' <<<"$feed")" = 5 ] || ry_fail "feed replay: $feed"
[ "$(jq -r '[.items[].body | fromjson | .kind] | join(",")' <<<"$feed")" = \
    "case_submitted,case_eligible,posting_last_start_remind,review_remind,submission_remind" ] ||
    ry_fail "feed replay order: $feed"
ry_ok "feed replayed from seq 0: 5 items for 萧山区 in order"

# The city extends 萧山区's summary deadline (31 Dec) on 2018-11-27, after
# the campaign's timers were planned: to 2019-01-08, then to Thu
# 2019-01-10. The unit's own reminders follow the newest; the campaign's
# summary notices go to the city and every other unit, not to 萧山区.
unit_timer() {
    ry notifications --timers --json --limit 1000 |
        jq -r --arg id "campaign|hangzhou-2018|unit|萧山区|$1" \
            '[.timers[] | select(.timer_id == $id) | .state] | join(",")'
}
ry deadline extend --unit 萧山区 --until 2019-01-08 --opinion "系统故障，准予延期" \
    --as city --role city >/dev/null || ry_fail "deadline extend"
planned8() { [ "$(unit_timer 2019-01-08\|summary_due)" = pending ]; }
ry_until 10 planned8 || ry_fail "no summary_due of 萧山区 for 2019-01-08"
ry deadline extend --unit 萧山区 --until 2019-01-10 --opinion "再次延期" \
    --as city --role city >/dev/null || ry_fail "deadline extend"
planned10() {
    [ "$(unit_timer 2019-01-10\|summary_remind)" = pending ] &&
        [ "$(unit_timer 2019-01-10\|summary_due)" = pending ] &&
        [ "$(unit_timer 2019-01-08\|summary_remind)" = cancelled ] &&
        [ "$(unit_timer 2019-01-08\|summary_due)" = cancelled ]
}
ry_until 10 planned10 || ry_fail "萧山区's timers: $(ry notifications --timers --json --limit 1000 | jq -c '[.timers[] | select(.timer_id | contains("|unit|")) | [.timer_id, .state]]')"
ry_ok "extended to 2019-01-08, then 2019-01-10: the unit's reminders planned for the newest, the others cancelled"

# Thu 12-27 09:00 (3 working days before 31 Dec) and 2019-01-01 00:00:
# the campaign's summary notices reach the city, not 萧山区.
ry_clock_set 2019-01-01T10:00:00+08:00
ry_wait_count "$MAIL" '.to == ["<city@hzgh.example>"] and (.subject | contains("汇总表报送截止日期：2018年12月31日"))' 1
ry_wait_count "$MAIL" '.to == ["<city@hzgh.example>"] and (.subject | contains("汇总表报送已于2018年12月31日（星期一）截止"))' 1
ry_notify_settled
ry_expect_count "$HOOKS" '.json.kind == "summary_remind" or .json.kind == "summary_due"' 0
ry_expect_count "$MAIL" '.to == ["<xiaoshan@unit.example>"] and (.subject | contains("汇总表"))' 0
ry_ok "31 December's summary reminder and closing notice: to the city, none to the extended 萧山区"
# The last day a nomination's posting can start: Tue 12-25 for the
# campaign's 31 December (told on Thu 12-20), Fri 2019-01-04 for 萧山区's
# 10 January (told on Sat 12-29, a make-up working day).
ry_expect_count "$HOOKS" '.json.kind == "nomination_posting_last_start_remind" and
    .json.org == "xiaoshan-hengyi-textile" and .json.deadline == "2018-12-25"' 1
ry_expect_count "$HOOKS" '.json.kind == "nomination_posting_last_start_remind" and .json.org == "萧山区"' 1
ry_expect_count "$HOOKS" '.json.kind == "nomination_posting_last_start_remind" and
    .json.org == "萧山区" and .json.deadline == "2019-01-04" and
    .json.at == "2018-12-29T09:00:00+08:00" and .json.submit_by == "2019-01-10"' 1
ry_ok "the last nomination posting start: 2018-12-25 to the union, 2019-01-04 to 萧山区 alone"

# Mon 2019-01-07 09:00, 3 working days before 萧山区's 10 January; the end
# of 10 January: to 萧山区 alone, against its own deadline.
ry_clock_set 2019-01-07T10:00:00+08:00
ry_wait_count "$HOOKS" '.json.kind == "summary_remind"' 1
ry_expect_count "$HOOKS" '.json.kind == "summary_remind" and .json.org == "萧山区" and
    .json.deadline == "2019-01-10" and .json.at == "2019-01-07T09:00:00+08:00" and
    .json.workdays_before == 3 and .signature_ok == true' 1
ry_wait_count "$MAIL" '.to == ["<xiaoshan@unit.example>"] and (.subject | contains("汇总表报送截止日期：2019年1月10日（星期四）"))' 1
ry_clock_set 2019-01-11T10:00:00+08:00
ry_wait_count "$HOOKS" '.json.kind == "summary_due"' 1
ry_expect_count "$HOOKS" '.json.kind == "summary_due" and .json.org == "萧山区" and
    .json.deadline == "2019-01-10" and .json.at == "2019-01-11T00:00:00+08:00"' 1
ry_notify_settled
ry_expect_count "$MAIL" '.to == ["<city@hzgh.example>"] and (.subject | contains("2019年1月10日"))' 0
ry_expect_count "$MAIL" '.subject | contains("2019年1月8日")' 0
ry_ok "萧山区 reminded on 2019-01-07 and told at the end of 2019-01-10, once each, against its own deadline"
ry_stop_all
