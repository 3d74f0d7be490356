#!/usr/bin/env bash
# A full disk: intake's store lies on a small tmpfs, and submissions go on
# until the file system has no room left. The refusal must say so
# (E_BUSY, "No space left on device", a retry hint), not E_INTERNAL or an
# "input/output error"; intake waits after each failed round (20 ms
# doubling to 1 s) instead of trying again at once; nothing of the
# refused request may be kept;
# intake must keep answering, take work again as soon as there is room
# (the tmpfs grown, no restart), and after a restart every acknowledged
# case must still be there. Runs in its own mount namespace (the tmpfs
# goes with it); needs root; exits 77 (SKIPPED, with the reason) where a
# tmpfs cannot be mounted (tests/lib/mountns.sh).
. "$(dirname "$0")/../lib/mountns.sh"
ry_mount_ns "$@"
. "$(dirname "$0")/../lib/services.sh"

EX=$RY_SOURCE_DIR/examples
STORE=$RONGYU_HOME/intake
mkdir -p "$STORE"
why=$(mount -t tmpfs -o size=512K,mode=0700 tmpfs "$STORE" 2>&1) ||
    ry_skip "cannot mount a tmpfs: $why"
ry_pick_ports
for svc in validation quota notification; do ry_start "$svc"; done
# A map far larger than the disk: the disk, not max_map_size, is the limit.
# At debug level the log shows each wait after a failed round.
ry_start intake RONGYU_MAP_SIZE=64M RONGYU_MAX_MAP_SIZE=64M RONGYU_LOG_LEVEL=debug

ids=() refused=
for i in $(seq 1 2000); do
    set +e
    out=$(ry submit "$EX/advanced_home.valid.json" --idem disk-$i --json \
        --timeout 10 --retries 3 2>&1)
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then
        ids+=("$(jq -r .case.case_id <<<"$out")")
    else
        refused=$out
        break
    fi
done
[ -n "$refused" ] || ry_fail "2000 submissions fitted on a 512 KiB disk?"
[ "${#ids[@]}" -gt 0 ] || ry_fail "not one submission fitted: $refused"
grep -q E_BUSY <<<"$refused" || ry_fail "a full disk is not E_BUSY: $refused"
grep -q "the disk of the store is full (No space left on device)" <<<"$refused" ||
    ry_fail "the refusal does not say the disk is full: $refused"
! grep -qiE "E_INTERNAL|input/output error" <<<"$refused" ||
    ry_fail "a full disk reported as an internal or I/O error: $refused"
grep -q "No space left on device" "$RONGYU_HOME/log/intake.log" ||
    ry_fail "intake's log does not say the disk is full"
ry_ok "submission $((${#ids[@]} + 1)) refused: $(tr '\n' ' ' <<<"$refused")"
grep -q "Input/output error\|input/output error" "$RONGYU_HOME/log/intake.log" &&
    ry_fail "intake logged a full disk as an I/O error"
grep -qE "round failed \(.*No space left on device.*\): waiting [0-9]+ ms" \
    "$RONGYU_HOME/log/intake.log" ||
    ry_fail "intake does not wait after a failed round"

# Still answering, nothing of the refused request kept.
cases=$(ry status --json | jq .cases)
[ "$cases" = "${#ids[@]}" ] || ry_fail "$cases cases stored, ${#ids[@]} acknowledged"
ry_ok "intake still answers; the ${#ids[@]} acknowledged cases, no more"

# Room again: the same intake takes work without a restart.
mount -o remount,size=16M "$STORE" || ry_fail "cannot grow the tmpfs"
submitted() {
    out=$(ry submit "$EX/advanced_home.valid.json" --idem disk-after --json \
        --timeout 10 --retries 3 2>/dev/null) && ids+=("$(jq -r .case.case_id <<<"$out")")
}
ry_until 30 submitted || ry_fail "no submission taken once there was room"
ry_ok "with room again intake takes work, without a restart"

ry_stop intake
ry_start intake RONGYU_MAP_SIZE=64M RONGYU_MAX_MAP_SIZE=64M
[ "$(ry status --json | jq .cases)" = "${#ids[@]}" ] || ry_fail "case count after restart"
for id in "${ids[@]}"; do
    [[ $id =~ ^[0-9a-f]{16}$ ]] || ry_fail "bad case id '$id'"
    ry show "$id" --role city --as city --json >/dev/null ||
        ry_fail "acknowledged case $id is gone after the restart"
done
ry_wait_drained 60
ry_ok "after a restart all ${#ids[@]} acknowledged cases are there; all drained"
# The services leave the tmpfs before it goes (the namespace would drop
# it anyway; the cleanup removes the test's directory).
ry_stop_all
umount "$STORE"
