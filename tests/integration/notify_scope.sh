#!/usr/bin/env bash
# A read of notification (notifications, feed_replay) acts as the
# principal it states, as subscribe does: the platform acting for an
# applicant union reads that union's deliveries and feed alone, not its
# unit's, nor the timers; a principal missing its organisation or role
# is refused, never widened to the platform's own reach
# (docs/protocol.md, "notifications"). The union and its unit subscribe
# a webhook and the feed by request; one application makes a notice to
# each.
. "$(dirname "$0")/../lib/services.sh"
. "$(dirname "$0")/../lib/notify.sh"

HOOKS=$RY_TMP/hooks.jsonl
APP=xiaoshan-hengyi-textile
ry_clock_set 2018-10-29T10:00:00+08:00
ry_http_sink hooks
ry_notify_ports
ry_start_all

py() {
    PYTHONPATH=$RY_SOURCE_DIR/tests/lib /usr/bin/python3 "$@"
}
for org in 萧山区 "$APP"; do
    py "$RY_SOURCE_DIR/tests/lib/subscribe.py" "$RY_SOURCE_DIR" \
        "$RONGYU_NOTIFY_CLIENT_ENDPOINT" "$org" \
        "http://127.0.0.1:$HTTP_PORT/hook" "secret-0123456789abcdef" >/dev/null ||
        ry_fail "subscribe $org"
done
py "$RY_SOURCE_DIR/tests/lib/notify_scope.py" "$RY_SOURCE_DIR" \
    "$RONGYU_NOTIFY_CLIENT_ENDPOINT" --feed 萧山区 "$APP"
ry_application "$RY_TMP/app/app.json"
out=$(ry submit "$RY_TMP/app/app.json" --as $APP --json) || ry_fail "submit failed: $out"
ry_wait_count "$HOOKS" '.json.kind == "case_eligible"' 2
ry_notify_settled
py "$RY_SOURCE_DIR/tests/lib/notify_scope.py" "$RY_SOURCE_DIR" \
    "$RONGYU_NOTIFY_CLIENT_ENDPOINT" "$APP" 萧山区
ry_stop_all
