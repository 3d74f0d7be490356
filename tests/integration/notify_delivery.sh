#!/usr/bin/env bash
# Notification under failure: a webhook receiver that is down gets
# everything once when it comes back, while e-mail is not held up; a
# timer whose case event does not read is not fired, and its round is
# tried again each second, said once; a
# notification killed before or right after the commit that fires a timer
# delivers that reminder exactly once; one killed (-9) while a webhook is
# in flight re-sends it with the same delivery id, body and signature (so
# the receiver sees one delivery), and fires nothing twice.
. "$(dirname "$0")/../lib/services.sh"
. "$(dirname "$0")/../lib/notify.sh"

HOOKS=$RY_TMP/hooks.jsonl
MAIL=$RY_TMP/mail.jsonl
ry_clock_set 2018-10-29T10:00:00+08:00
HP=$(ry_free_port)
ry_smtp_sink mail
ry_subscribers "$HP"
export RONGYU_NOTIFY_SMTP_URL=smtp://127.0.0.1:$SMTP_PORT
export RONGYU_NOTIFY_RETRY_BASE_MS=200 RONGYU_NOTIFY_RETRY_MAX_MS=1000
ry_notify_ports
ry_start_all

# 1. The webhook receiver is down: mails go, webhooks wait and retry.
ry_application "$RY_TMP/app/app.json"
CASE=$(ry submit "$RY_TMP/app/app.json" --as xiaoshan-hengyi-textile --json |
    jq -r .case.case_id)
ry_wait_count "$MAIL" '.notice != null' 4
retried() {
    pend=$(ry notifications --state pending --channel webhook --json)
    jq -e '[.deliveries[] | select(.attempts >= 2 and (.last_error | length) > 0)] | length == 4' \
        <<<"$pend" >/dev/null
}
ry_until 30 retried || true
pend=$(ry notifications --state pending --channel webhook --json)
[ "$(jq '.deliveries | length' <<<"$pend")" = 4 ] || ry_fail "pending webhooks: $pend"
jq -e '[.deliveries[] | select(.attempts >= 2 and (.last_error | length) > 0)] | length == 4' \
    <<<"$pend" >/dev/null || ry_fail "webhooks not retried: $pend"
ry_ok "receiver down: 4 webhooks pending and retried, 4 mails delivered meanwhile"

ry_http_sink hooks --port "$HP" "${HOOK_SECRETS[@]}"
ry_wait_count "$HOOKS" 'true' 4 30
ry_notify_settled
ry_expect_count "$HOOKS" 'true' 4
ry_expect_count "$HOOKS" '.signature_ok == true' 4
[ "$(jq -s '[.[].delivery] | unique | length' "$HOOKS")" = 4 ] || ry_fail "duplicate webhook"
log=$(ry notifications --channel webhook --json)
jq -e '[.deliveries[] | select(.state == "sent")] | length == 4' <<<"$log" >/dev/null ||
    ry_fail "webhooks not all sent: $log"
jq -e '[.attempts[] | select(.ok == false)] | length >= 4' <<<"$log" >/dev/null ||
    ry_fail "failed attempts not logged: $log"
ry_ok "receiver up: each webhook arrived once; every attempt is in the log"

# 2. The case events do not read (LMDB failing a read) when the review
# reminder falls due: the firing round is undone and nothing is sent; the
# log says it once, and the round is tried again each second, not at
# every turn of the loop.
ry_stop notification
ry_clock_set 2018-11-26T10:00:00+08:00
# This run's lines of the log.
from=$(($(wc -l <"$RONGYU_HOME/log/notification.log") + 1))
nlog() { tail -n "+$from" "$RONGYU_HOME/log/notification.log"; }
ry_start notification RONGYU_NOTIFY_FAULT=events_unreadable RONGYU_LOG_LEVEL=debug
tried_again() { [ "$(nlog | grep -c 'due timers not fired again')" -ge 3 ]; }
ry_until 30 tried_again || ry_fail "the failing round was not tried again: $(nlog | grep -c 'not fired') lines"
[ "$(nlog | grep -c 'due timers not fired: ')" = 1 ] ||
    ry_fail "the failure was logged $(nlog | grep -c 'due timers not fired: ') times"
# The tries' times (the log's UTC stamps, in ms): a second apart, where a
# loop turning without pause would try thousands of times a second.
nlog >"$RY_TMP/tries.log"
gaps=$(grep -m 4 -E 'due timers not fired' "$RY_TMP/tries.log" | cut -d' ' -f1 |
    while read -r t; do date -u -d "${t%Z}" +%s%3N; done |
    awk 'NR > 1 { print $1 - prev } { prev = $1 }')
[ "$(wc -l <<<"$gaps")" = 3 ] || ry_fail "tries: $gaps"
for g in $gaps; do
    [ "$g" -ge 900 ] || ry_fail "tried again after $g ms: the loop spins"
done
# Nothing of the undone rounds is told as done: no timer said fired, no
# delivery said written (the campaign's timer due beside it included).
! grep -E 'timer .* fired|delivery [0-9]+: ' "$RY_TMP/tries.log" ||
    ry_fail "the log tells of work the failed rounds undid"
ry_expect_count "$HOOKS" '.json.kind == "review_remind"' 0
ry_ok "case events unreadable: the due reminder not fired, said once, tried again each second ($(tr '\n' ' ' <<<"$gaps")ms apart)"

# 3. Killed before the commit that fires a timer: it fires after restart.
ry_stop notification
ry_launch notification RONGYU_NOTIFY_FAULT=before_fire_commit:1
ry_wait_dead notification 20 || ry_fail "notification did not die at before_fire_commit"
ry_start notification
ry_wait_count "$HOOKS" '.json.kind == "review_remind"' 1
ry_wait_count "$MAIL" '.subject | test("验家")' 1
ry_notify_settled
ry_expect_count "$HOOKS" '.json.kind == "review_remind"' 1
ry_expect_count "$MAIL" '.subject | test("验家")' 1
ry_ok "killed before the firing commit: the review reminder came once"

# 4. Killed right after that commit, before any transfer: sent once.
ry_stop notification
ry_clock_set 2018-11-27T10:00:00+08:00
ry_launch notification RONGYU_NOTIFY_FAULT=after_fire:1
ry_wait_dead notification 20 || ry_fail "notification did not die at after_fire"
ry_expect_count "$HOOKS" '.json.kind == "submission_remind"' 0
ry_start notification
ry_wait_count "$HOOKS" '.json.kind == "submission_remind"' 2
ry_wait_count "$MAIL" '.subject | test("基层申报截止")' 3
ry_notify_settled
ry_expect_count "$HOOKS" '.json.kind == "submission_remind"' 2
ry_expect_count "$MAIL" '.subject | test("基层申报截止")' 3
ry_ok "killed after the firing commit: the 30 November reminder came once to each"

# 5. kill -9 while a webhook is in flight (the receiver answers after 3 s).
# On 2018-12-01 the submission deadline has passed and the case's review
# (due 2018-11-29) is overdue: the unit and the city department are told.
ry_sink_stop hooks
SLOW=$RY_TMP/slow.jsonl
ry_http_sink slow --port "$HP" --delay 3 "${HOOK_SECRETS[@]}"
ry_clock_set 2018-12-01T10:00:00+08:00
ry_wait_count "$SLOW" '.json.kind == "submission_due"' 1
ry_kill9 notification
ry_start notification
ry_notify_settled 20
copies=$(ry_count "$SLOW" 'true')
# Each notice is one delivery, however many copies the kill caused, and
# every copy is the same bytes under the same signature.
for kind in submission_due review_overdue; do
    [ "$(jq -s '[.[] | select(.json.kind == "'$kind'") | .delivery] | unique | length' "$SLOW")" = 1 ] ||
        ry_fail "the in-flight $kind webhook became two deliveries"
    [ "$(jq -s '[.[] | select(.json.kind == "'$kind'") | [.body, .signature]] | unique | length' "$SLOW")" = 1 ] ||
        ry_fail "a re-sent $kind webhook differs from the first"
done
[ "$(jq -s '[.[] | .delivery] | unique | length' "$SLOW")" = 2 ] ||
    ry_fail "slow receiver: $(jq -c '[.delivery, .json.kind]' "$SLOW")"
ry_expect_count "$SLOW" '.signature_ok != true' 0
[ "$(jq -s '[.[] | select(.subject | test("已于2018年11月30日（星期五）截止")) | .message_id] | unique | length' "$MAIL")" = 2 ] ||
    ry_fail "submission_due mails: $(jq -c 'select(.subject|test("截止")) | [.to, .message_id]' "$MAIL")"
timers=$(ry notifications --timers --json)
# Four deadline timers and the 26 November posting announcement.
[ "$(jq '[.timers[] | select(.state == "fired")] | length' <<<"$timers")" = 5 ] ||
    ry_fail "timers fired: $(jq -c '[.timers[] | {timer_id, state}]' <<<"$timers")"
ry_expect_count "$SLOW" '.json.kind == "review_overdue" and .json.deadline_zh != "2018年11月29日（星期四）"' 0
ry_expect_count "$MAIL" '.to == ["<city@hzgh.example>"] and (.subject | test("逾期"))' 1
ry_ok "killed with a webhook in flight: each webhook one delivery ($copies copies of 2 on the wire, same id, body and signature); no timer fired twice"
ry_stop_all
