#!/usr/bin/env bash
# A client that pipelines requests and never reads its replies: intake
# queues at most 1024 replies for its connection in ZeroMQ (ZMQ_SNDHWM on
# the client socket) and 16 MiB more of its own, list pages stop at
# 64 KiB, and past that the connection is stalled (its requests dropped
# unread for a second), so intake's memory stays bounded while a
# well-behaved client is answered; once the slow client reads again it
# is served again (tests/lib/slow_reader.py).
. "$(dirname "$0")/../lib/services.sh"

PY=/usr/bin/python3
ry_start_all
# Cases for the lists to return: 300 of the example (several pages of
# 64 KiB each for a list of 1000).
"$RY_BIN/rongyu-load" -n 300 -w 32 --run "slow-$$" --timeout 300 \
    --example "$RY_SOURCE_DIR/examples/advanced_home.valid.json" \
    >"$RY_TMP/load.out" 2>&1 || { cat "$RY_TMP/load.out" >&2; ry_fail "rongyu-load"; }
ry_ok "300 applications submitted"

PYTHONPATH=$RY_SOURCE_DIR/tests/lib $PY "$RY_SOURCE_DIR/tests/lib/slow_reader.py" \
    "$RY_SOURCE_DIR" "$RONGYU_INTAKE_ENDPOINT" "${RY_PID[intake]}" \
    "$RONGYU_HOME/log/intake.log" 300 ||
    ry_fail "slow reader (above)"
ry_alive intake || ry_fail "intake died"
ry_ok "intake alive"
