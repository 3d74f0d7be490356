#!/usr/bin/env bash
# Notification when its store fails to read: a case's review reminder
# falls due while the case's event does not read, as when LMDB cannot read
# its page (RONGYU_NOTIFY_FAULT=events_unreadable:3: for three firing
# rounds). Each round is undone and nothing is sent; the round is tried
# again each second, not at every turn of the loop; the failure is logged
# once, and nothing of the undone rounds is logged as done (the campaign's
# timer due beside it included). Once the event reads again, the reminder
# goes, once, with the case's event in it, and the recovery is logged
# once.
. "$(dirname "$0")/../lib/services.sh"
. "$(dirname "$0")/../lib/notify.sh"

HOOKS=$RY_TMP/hooks.jsonl
ry_clock_set 2018-10-29T10:00:00+08:00
ry_http_sink hooks "${HOOK_SECRETS[@]}"
ry_subscribers "$HTTP_PORT"
ry_notify_ports
ry_start_all

ry_application "$RY_TMP/app/app.json"
out=$(ry submit "$RY_TMP/app/app.json" --as xiaoshan-hengyi-textile --json) ||
    ry_fail "submit failed: $out"
CASE=$(jq -r '.case.case_id' <<<"$out")
# Notification has the case's events (and so its review timers).
ry_wait_count "$HOOKS" '.json.kind == "case_eligible"' 2
ry_ok "case $CASE submitted on 2018-10-29, its events delivered"

# 2018-11-26 10:00: the review reminder is due (and the announcement of
# the last posting start day, due since 11-21, a timer without event).
ry_stop notification
ry_clock_set 2018-11-26T10:00:00+08:00
LOG=$RONGYU_HOME/log/notification.log
from=$(($(wc -l <"$LOG") + 1))
ry_start notification RONGYU_NOTIFY_FAULT=events_unreadable:3 RONGYU_LOG_LEVEL=debug
recovered() { tail -n "+$from" "$LOG" >"$RY_TMP/run.log" && grep -q 'due timers fire again' "$RY_TMP/run.log"; }
ry_until 30 recovered || ry_fail "no recovery logged: $(grep -c 'not fired' "$RY_TMP/run.log") failures"
RUN=$RY_TMP/run.log
[ "$(grep -c 'due timers not fired: ' "$RUN")" = 1 ] ||
    ry_fail "the failure was logged $(grep -c 'due timers not fired: ' "$RUN") times"
[ "$(grep -c 'due timers not fired again' "$RUN")" = 2 ] ||
    ry_fail "$(grep -c 'due timers not fired again' "$RUN") tries after the first, not 2"
[ "$(grep -c 'due timers fire again' "$RUN")" = 1 ] || ry_fail "the recovery logged more than once"
# The tries and the recovery (the log's UTC stamps, in ms): a second
# apart, where a loop turning without pause would try thousands of times
# a second.
gaps=$(grep -E 'due timers (not fired|fire again)' "$RUN" | cut -d' ' -f1 |
    while read -r t; do date -u -d "${t%Z}" +%s%3N; done |
    awk 'NR > 1 { print $1 - prev } { prev = $1 }')
[ "$(wc -l <<<"$gaps")" = 3 ] || ry_fail "tries: $gaps"
for g in $gaps; do
    [ "$g" -ge 900 ] || ry_fail "tried again after $g ms: the loop spins"
done
# Up to the last failed try, nothing is told as done: no timer said
# fired, no delivery said written.
last=$(grep -n 'due timers not fired' "$RUN" | tail -n 1 | cut -d: -f1)
[ "$(head -n "$last" "$RUN" | grep -cE 'timer .* fired|delivery [0-9]+: ')" = 0 ] ||
    ry_fail "the log tells of work the failed rounds undid"
ry_ok "case event unreadable: 3 rounds undone, said once, a second apart ($(tr '\n' ' ' <<<"$gaps")ms), nothing logged as done"

# Read again: the reminder goes once, with the case's event (its
# submission date in the text), and the campaign's announcement too.
ry_wait_count "$HOOKS" '.json.kind == "review_remind"' 1
ry_wait_count "$HOOKS" '.json.kind == "posting_last_start_remind"' 2
ry_notify_settled
ry_expect_count "$HOOKS" '.json.kind == "review_remind"' 1
ry_expect_count "$HOOKS" '.json.kind == "review_remind" and .json.case_id == "'"$CASE"'" and
     (.json.text | contains("2018年10月29日（星期一）提交申请"))' 1
ry_expect_count "$HOOKS" '.json.kind == "posting_last_start_remind"' 2
ry_ok "read again: the review reminder delivered once, with its event; the recovery logged once"
ry_stop_all
