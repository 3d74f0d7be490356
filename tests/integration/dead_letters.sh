#!/usr/bin/env bash
# Dead letters end to end: a peer that refuses intake's first message and
# sends intake one that does not decode. Both become dead letters in
# intake; the operator lists and shows them (also as JSON), retries the
# refused one (the peer gets it again under a new sequence number), finds
# the undecodable one refused again, drops it; both operations are in the
# audit; only the city may do this; nothing else stalls.
. "$(dirname "$0")/../lib/services.sh"

PY=/usr/bin/python3
EX=$RY_SOURCE_DIR/examples
ry_pick_ports
for svc in quota notification; do ry_start "$svc"; done
# A fake validation on validation's endpoint.
PEERLOG=$RY_TMP/fake.log
: >"$PEERLOG"
PYTHONPATH=$RY_SOURCE_DIR/tests/lib $PY "$RY_SOURCE_DIR/tests/lib/fake_peer.py" \
    "$RY_SOURCE_DIR" "$RONGYU_VALIDATION_ENDPOINT" validation "$PEERLOG" \
    >>"$RONGYU_HOME/log/fake.log" 2>&1 &
ry_start intake

id=$(ry submit "$EX/advanced_home.valid.json" --idem dead-1 --json | jq -r .case.case_id)
[[ $id =~ ^[0-9a-f]{16}$ ]] || ry_fail "no case"

two_dead() { [ "$(ry dead list --json | jq '.letters | length')" = 2 ]; }
ry_until 20 two_dead || ry_fail "two dead letters expected: $(ry dead list 2>&1)"
list=$(ry dead list --json)
out_key=$(jq -r '.letters[] | select(.direction == "out") | .key' <<<"$list")
in_key=$(jq -r '.letters[] | select(.direction == "in") | .key' <<<"$list")
[ "$out_key" = "out|validation|00000000000000000001" ] || ry_fail "out letter: $list"
[ "$in_key" = "in|validation|00000000000000000001" ] || ry_fail "in letter: $list"
[ "$(jq -r '.letters[] | select(.direction == "out") | .reason' <<<"$list")" = "refused by the fake peer" ] ||
    ry_fail "out reason: $list"
[ "$(jq -r '.letters[] | select(.direction == "out") | .correlation_id' <<<"$list")" = "$id" ] ||
    ry_fail "out letter names its case: $list"
ry dead list | grep -q "refused by the fake peer" || ry_fail "table output"
ry_ok "a refused message and an undecodable one are dead letters, listed"

show=$(ry dead show "$in_key" --json)
[ "$(jq -r '.letters[0].frame_bytes' <<<"$show")" -gt 0 ] || ry_fail "show: $show"
[ -n "$(jq -r '.letters[0].frame' <<<"$show")" ] || ry_fail "show has no frame: $show"
ry_ok "show gives the letter with its frame"

set +e
out=$(ry dead list --role grassroots --as xiaoshan-hengyi-textile 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] && grep -q E_FORBIDDEN <<<"$out" || ry_fail "grassroots may list dead letters: $rc $out"
ry_ok "only the city may see dead letters"

# The refused message goes again, under a new sequence number.
ry dead retry "$out_key" --key "$RY_ADMIN_KEY" >/dev/null
resent() { grep -q "^data 2 $id\$" "$PEERLOG"; }
ry_until 20 resent || ry_fail "the peer did not get the letter again: $(cat "$PEERLOG")"
ry_ok "retry sends the refused message again (sequence 2)"

set +e
out=$(ry dead retry "$in_key" --key "$RY_ADMIN_KEY" 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] && grep -q E_INVALID <<<"$out" && grep -q "refused again" <<<"$out" ||
    ry_fail "retrying an undecodable letter: $rc $out"
ry dead drop "$in_key" --key "$RY_ADMIN_KEY" >/dev/null
list=$(ry dead list --json)
[ "$(jq '.letters | length' <<<"$list")" = 0 ] || ry_fail "letters left: $list"
[ "$(jq -r '[.audit[] | .op + " " + .key + " " + .actor] | join(",")' <<<"$list")" = \
    "retry $out_key city,drop $in_key city" ] || ry_fail "audit: $list"
ry_ok "a letter refused again stays; drop deletes it; retry and drop are audited"

set +e
ry dead show "$in_key" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 1 ] || ry_fail "show of a dropped letter"
# Intake still serves.
id2=$(ry submit "$EX/advanced_home.valid.json" --idem dead-2 --json | jq -r .case.case_id)
[[ $id2 =~ ^[0-9a-f]{16}$ ]] || ry_fail "intake stalled"
ry_ok "intake goes on serving"
