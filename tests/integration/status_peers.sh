#!/usr/bin/env bash
# The peers' store counters in intake's status are stamped when their
# PONG reached intake, on intake's clock, not on the peer's own: with
# intake's clock an hour behind the others' (RONGYU_CLOCK), each peer's
# at_ms lies within the last seconds of intake's own, never an hour ahead
# of it (rongyu-load compares them with intake's to know counters taken
# after a run).
. "$(dirname "$0")/../lib/services.sh"

ry_pick_ports
for svc in validation quota notification; do
    ry_start "$svc" RONGYU_CLOCK=2018-11-20T09:00:00+08:00
done
ry_start intake RONGYU_CLOCK=2018-11-20T08:00:00+08:00

peers_in() {
    ry status --json >"$RY_TMP/status.json" &&
        jq -e '[.stores[].service] | sort ==
            ["intake", "notification", "quota", "validation"]' \
            "$RY_TMP/status.json" >/dev/null
}
ry_until 10 peers_in || ry_fail "status lacks the peers' counters: $(cat "$RY_TMP/status.json")"
jq -e '(.stores[] | select(.service == "intake") | .at_ms) as $now |
    [.stores[] | select(.service != "intake") | .at_ms] |
    length == 3 and all(. <= $now and . > $now - 10000)' \
    "$RY_TMP/status.json" >/dev/null ||
    ry_fail "the peers' at_ms are not on intake's clock: $(jq -c '[.stores[] | {service, at_ms}]' "$RY_TMP/status.json")"
ry_ok "the peers' counters stamped on intake's clock, within its last seconds"
