#!/usr/bin/env bash
# Reminders addressed by role reach subscriptions made by request. A
# SubscribeRequest has no role: the subscription's organisation gives it
# (docs/notifications.md, "Subscribers"): "city" is @city, an organising
# unit (a row of Annex 1, e.g. 萧山区) is @unit. With no subscribers file,
# the unit, the city and an applicant union subscribe a webhook by request
# (the platform acting as itself, naming each); the clock passes the
# review due date of a case submitted on 2018-10-29 (Thu 11-29, overdue at
# 11-30 00:00) and the submission deadline (30 Nov, due at 12-01 00:00):
# the unit and the city each receive submission_due and review_overdue
# once, signed; the union neither.
. "$(dirname "$0")/../lib/services.sh"
. "$(dirname "$0")/../lib/notify.sh"

HOOKS=$RY_TMP/hooks.jsonl
APP=xiaoshan-hengyi-textile
ry_clock_set 2018-10-29T10:00:00+08:00
ry_http_sink hooks --secret "萧山区=unit-secret-0123456789" \
    --secret "city=city-secret-0123456789" --secret "$APP=union-secret-0123456789"
ry_notify_ports
ry_start_all

# subscribe ORG PATH SECRET: a webhook subscription by request.
subscribe() {
    local id
    id=$(PYTHONPATH=$RY_SOURCE_DIR/tests/lib /usr/bin/python3 \
        "$RY_SOURCE_DIR/tests/lib/subscribe.py" "$RY_SOURCE_DIR" \
        "$RONGYU_NOTIFY_CLIENT_ENDPOINT" "$1" "http://127.0.0.1:$HTTP_PORT/hook/$2" "$3") ||
        ry_fail "subscribe $1: $id"
    [ -n "$id" ] || ry_fail "subscribe $1: no id"
}
subscribe 萧山区 unit unit-secret-0123456789
subscribe city city city-secret-0123456789
subscribe "$APP" union union-secret-0123456789
ry_ok "萧山区, city and $APP subscribed by request (no subscribers file)"

ry_application "$RY_TMP/app/app.json"
out=$(ry submit "$RY_TMP/app/app.json" --as $APP --json) || ry_fail "submit failed: $out"
CASE=$(jq -r '.case.case_id' <<<"$out")
# Addressed by organisation: the applicant and its unit. Once it is here,
# the case's review timers are planned.
ry_wait_count "$HOOKS" '.json.kind == "case_eligible"' 2
ry_expect_count "$HOOKS" '.json.kind == "case_eligible" and .json.org == "city"' 0

ry_clock_set 2018-12-01T01:00:00+08:00
ry_wait_count "$HOOKS" '.json.kind == "submission_due"' 2
ry_wait_count "$HOOKS" '.json.kind == "review_overdue"' 2
ry_notify_settled
for org in 萧山区 city; do
    path=$([ "$org" = city ] && echo /hook/city || echo /hook/unit)
    ry_expect_count "$HOOKS" '.json.kind == "submission_due" and .json.org == "'"$org"'" and
        .json.deadline == "2018-11-30" and .signature_ok == true and .path == "'"$path"'"' 1
    ry_expect_count "$HOOKS" '.json.kind == "review_overdue" and .json.org == "'"$org"'" and
        .json.case_id == "'"$CASE"'" and .json.deadline == "2018-11-29" and
        .signature_ok == true and .path == "'"$path"'"' 1
done
ry_expect_count "$HOOKS" '(.json.kind == "submission_due" or .json.kind == "review_overdue")
    and .json.org == "'$APP'"' 0
ry_expect_count "$HOOKS" '.json.kind == "submission_due" or .json.kind == "review_overdue"' 4
ry_ok "submission_due and review_overdue once each to the unit's and the city's subscriptions, none to the union's"
[ "$(jq -s '[.[].delivery] | unique | length' "$HOOKS")" = "$(jq -s length "$HOOKS")" ] ||
    ry_fail "a webhook delivery arrived twice"
ry_stop_all
