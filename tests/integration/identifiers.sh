#!/usr/bin/env bash
# Identifiers have one bound in every service (tests/lib/identifiers.py):
# each organisation, campaign or feed topic a request of intake or
# notification names, one byte over its bound, is refused E_INVALID at
# its own field and makes nothing; an organisation of 200 bytes can
# subscribe; a filter naming a campaign, state or channel that does not
# exist is refused, not answered with an empty list.
. "$(dirname "$0")/../lib/services.sh"

ry_start_all
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null
# Notification's request socket: its peer port + 1 (docs/protocol.md).
notify_port=$((${RONGYU_NOTIFICATION_ENDPOINT##*:} + 1))
PYTHONPATH=$RY_SOURCE_DIR/tests/lib /usr/bin/python3 \
    "$RY_SOURCE_DIR/tests/lib/identifiers.py" "$RY_SOURCE_DIR" \
    "$RONGYU_INTAKE_ENDPOINT" "tcp://127.0.0.1:$notify_port" ||
    ry_fail "identifiers (above)"
ry_ok "every identifier bounded alike in intake and notification"
