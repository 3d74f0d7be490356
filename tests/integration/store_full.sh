#!/usr/bin/env bash
# A store at its size limit: intake grows its map up to max_map_size, then
# refuses new work with E_BUSY and a clear reason, keeps answering, loses
# nothing it acknowledged, and takes work again once restarted with a
# larger limit.
. "$(dirname "$0")/../lib/services.sh"

EX=$RY_SOURCE_DIR/examples
ry_pick_ports
for svc in validation quota notification; do ry_start "$svc"; done
ry_start intake RONGYU_MAP_SIZE=256K RONGYU_MAX_MAP_SIZE=768K

acked=0 refused=
for i in $(seq 1 1000); do
    set +e
    out=$(ry submit "$EX/advanced_home.valid.json" --idem full-$i --timeout 3 --retries 1 2>&1)
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then
        acked=$((acked + 1))
    else
        refused=$out
        break
    fi
done
[ -n "$refused" ] || ry_fail "1000 submissions fitted in a 768 KiB store?"
grep -q E_BUSY <<<"$refused" && grep -q max_map_size <<<"$refused" ||
    ry_fail "refusal is not a clear E_BUSY: $refused"
grep -q "store map grown" "$RONGYU_HOME/log/intake.log" || ry_fail "the map never grew"
ry_ok "after growing its map, intake refuses submission $((acked + 1)) with E_BUSY: store full"

cases=$(ry status --json | jq .cases)
[ "$cases" = "$acked" ] || ry_fail "$cases cases stored, $acked acknowledged"
# Reads are answered while the store refuses writes, also when one shares
# a round with a write that fails (validation resends the verdict it
# could not store).
for i in $(seq 1 10); do
    n=$(ry list --json | jq '.cases | length')
    [ "$n" -gt 0 ] || ry_fail "list $i while the store is full: $n cases"
done
ry_ok "intake still answers; the $acked acknowledged cases are all there"

ry_stop intake
ry_start intake RONGYU_MAX_MAP_SIZE=64M
id=$(ry submit "$EX/advanced_home.valid.json" --idem full-after --json | jq -r .case.case_id)
[[ $id =~ ^[0-9a-f]{16}$ ]] || ry_fail "no case after raising the limit"
[ "$(ry status --json | jq .cases)" = $((acked + 1)) ] || ry_fail "case count after restart"
ry_wait_drained 30
ry_ok "with a larger max_map_size intake takes work again; all drained"
