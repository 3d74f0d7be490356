#!/usr/bin/env bash
# One key may have at most client_connections_per_key connections served
# at a time by intake and by notification (tests/lib/conns.py, here with
# a bound of 3): one more is answered E_BUSY and its requests change
# nothing; another key is served meanwhile; once one of the key's
# connections closes, the refused one is served.
. "$(dirname "$0")/../lib/services.sh"

export RONGYU_CLIENT_CONNECTIONS_PER_KEY=3
ry_start_all
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null
# Notification's request socket: its peer port + 1 (docs/protocol.md).
notify_port=$((${RONGYU_NOTIFICATION_ENDPOINT##*:} + 1))
PYTHONPATH=$RY_SOURCE_DIR/tests/lib /usr/bin/python3 \
    "$RY_SOURCE_DIR/tests/lib/conns.py" "$RY_SOURCE_DIR" \
    "$RONGYU_INTAKE_ENDPOINT" "tcp://127.0.0.1:$notify_port" "$RY_ADMIN_KEY" ||
    ry_fail "connections per key (above)"
ry_ok "connections bounded per key in intake and notification"
