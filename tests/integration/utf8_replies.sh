#!/usr/bin/env bash
# Replies hold UTF-8 only, whatever a client sends (tests/lib/utf8_replies.py,
# through the Python reference client, whose protobuf library refuses a
# reply with other bytes): an application with dates of a few KB of
# Chinese text is judged and shown, alone and in the city's register;
# request ids that are not UTF-8 are refused without being echoed, by
# intake and by notification; a long Chinese case id is named in the
# detail cut on a character; a subscription of an organisation that is
# not UTF-8 is refused naming the field.
. "$(dirname "$0")/../lib/services.sh"

ry_need_py
ry_start_all
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null
# Notification's request socket: its peer port + 1 (docs/protocol.md).
notify_port=$((${RONGYU_NOTIFICATION_ENDPOINT##*:} + 1))
ry_py "$RY_SOURCE_DIR/tests/lib/utf8_replies.py" "$RONGYU_INTAKE_ENDPOINT" \
    "tcp://127.0.0.1:$notify_port" "$RY_SOURCE_DIR/examples" \
    "$RONGYU_KEY" "$RONGYU_HOME/keys" >"$RY_TMP/utf8.txt" 2>&1 ||
    { cat "$RY_TMP/utf8.txt" >&2; ry_fail "a reply did not hold UTF-8 (above)"; }
cat "$RY_TMP/utf8.txt"
grep -q '^ok - every reply decodes' "$RY_TMP/utf8.txt" || ry_fail "no ok line"
ry_ok "every reply held UTF-8"
