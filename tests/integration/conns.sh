#!/usr/bin/env bash
# One key may have at most client_connections_per_key connections served
# at a time by intake and by notification (tests/lib/conns.py, here with
# a bound of 3): one more is answered E_BUSY and its requests change
# nothing; another key is served meanwhile; once one of the key's
# connections closes, the refused one is served.
. "$(dirname "$0")/../lib/services.sh"

export RONGYU_CLIENT_CONNECTIONS_PER_KEY=3
# Room for the burst below: its connections, each a descriptor here and
# in intake, and ZeroMQ's own per socket.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ry_start_all
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null
# Notification's request socket: its peer port + 1 (docs/protocol.md).
notify_port=$((${RONGYU_NOTIFICATION_ENDPOINT##*:} + 1))
PYTHONPATH=$RY_SOURCE_DIR/tests/lib /usr/bin/python3 \
    "$RY_SOURCE_DIR/tests/lib/conns.py" "$RY_SOURCE_DIR" \
    "$RONGYU_INTAKE_ENDPOINT" "tcp://127.0.0.1:$notify_port" "$RY_ADMIN_KEY" ||
    ry_fail "connections per key (above)"
ry_ok "connections bounded per key in intake and notification"

# A burst of connections of one key at once (most refused), then closed:
# intake gives the memory they took back to the system once it is idle
# (ry_mem; before, tcmalloc kept some 60 MB of free pages after such a
# burst of 1500). As many as the descriptor limit allows, at most 1500.
burst=$(( ($(ulimit -n) - 300) / 3 ))
[ "$burst" -le 1500 ] || burst=1500
rss_anon_mb() { awk '/^RssAnon:/ {print int($2 / 1024)}' "/proc/${RY_PID[intake]}/status"; }
PYTHONPATH=$RY_SOURCE_DIR/tests/lib /usr/bin/python3 \
    "$RY_SOURCE_DIR/tests/lib/conns.py" "$RY_SOURCE_DIR" \
    "$RONGYU_INTAKE_ENDPOINT" "tcp://127.0.0.1:$notify_port" "$RY_ADMIN_KEY" \
    burst "$burst" || ry_fail "the burst (above)"
under_bound() { [ "$(rss_anon_mb)" -lt 40 ]; }
ry_until 30 under_bound ||
    ry_fail "intake holds $(rss_anon_mb) MiB of anonymous memory after a burst of $burst connections closed"
ry_ok "after a burst of $burst connections, intake's anonymous memory back under 40 MiB ($(rss_anon_mb) MiB)"
