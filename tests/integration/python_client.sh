#!/usr/bin/env bash
# The README walkthrough through the Python reference client
# (clients/python/walkthrough.py) against the four real services: four
# cases from draft to award with long polls, retries, E_NOT_FOUND for a
# stranger, the quota table, a subscription by request and the feed
# replayed by its live topic. Then the stores are checked through the CLI.
. "$(dirname "$0")/../lib/services.sh"

ry_need_py

ry_start_all
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null
# Notification's request socket: its peer port + 1 (docs/protocol.md).
notify_port=$((${RONGYU_NOTIFICATION_ENDPOINT##*:} + 1))
RY_NOTIFY_CLIENT=tcp://127.0.0.1:$notify_port
RY_NOTIFY_FEED=tcp://127.0.0.1:$((notify_port + 1))
ry_py \
    "$RY_SOURCE_DIR/clients/python/walkthrough.py" \
    --intake "$RONGYU_INTAKE_ENDPOINT" --notify "$RY_NOTIFY_CLIENT" --feed "$RY_NOTIFY_FEED" \
    --examples "$RY_SOURCE_DIR/examples" \
    --key "$RONGYU_KEY" --keys-dir "$RONGYU_HOME/keys" >"$RY_TMP/walk.txt" 2>&1 ||
    { cat "$RY_TMP/walk.txt" >&2; ry_fail "the Python walkthrough failed"; }
cat "$RY_TMP/walk.txt"
grep -q '^ok - 4 cases from draft to award' "$RY_TMP/walk.txt" || ry_fail "no ok line"

awarded=$(ry list --role city --as city --state awarded --json | jq '.cases | length')
[ "$awarded" = 4 ] || ry_fail "$awarded cases awarded in the store, want 4"
ry_ok "the Python client took one application of each honour from draft to award"
# The last events reach notification after intake's answers: waited for.
fed() {
    delivered=$(ry notifications --org 萧山区 --channel pub --json | jq '.deliveries | length')
    [ "$delivered" -ge 8 ]
}
ry_until 10 fed || ry_fail "only $delivered feed deliveries to 萧山区 from the subscription"
ry_ok "the subscription made by request received the unit's case events ($delivered)"

# Client.new_key(): a UUIDv7 in hex, so a later key sorts after an earlier
# one (what protocol.md advises: intake keeps an organisation's keys in
# order).
ry_py -c '
import time, uuid
from rongyu_client import Client
a = Client.new_key()
time.sleep(0.002)
b = Client.new_key()
u = uuid.UUID(a)
assert len(a) == 32 and u.version == 7 and u.variant == uuid.RFC_4122, a
assert abs(int(a[:12], 16) - time.time_ns() // 1000000) < 60000, a
assert b > a, (a, b)
' || ry_fail "Client.new_key() is not a time-ordered UUIDv7"
ry_ok "the client's idempotency keys are time-ordered (UUIDv7)"
