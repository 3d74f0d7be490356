#!/usr/bin/env bash
# Fair reading per connection: while intake is stopped, one client
# connection pipelines 2000 requests (far more than its queue holds),
# then another sends one; once intake goes on, the second is answered
# before the first connection's last reply, and every request is answered
# once (tests/lib/fair_share.py).
. "$(dirname "$0")/../lib/services.sh"

PY=/usr/bin/python3
ry_start_all
PYTHONPATH=$RY_SOURCE_DIR/tests/lib $PY "$RY_SOURCE_DIR/tests/lib/fair_share.py" \
    "$RY_SOURCE_DIR" "$RONGYU_INTAKE_ENDPOINT" 2000 "${RY_PID[intake]}" ||
    ry_fail "fair share (above)"
ry_alive intake || ry_fail "intake died"
