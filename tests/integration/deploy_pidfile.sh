#!/usr/bin/env bash
# deploy/up.sh and down.sh when a pid file is lost or cannot be written:
# down.sh still stops a service whose pid file is gone (it holds its
# store's claim, RONGYU_HOME/SVC/owner), and a pid file that cannot be
# written (its disk full) starts nothing, rather than a service down.sh
# could not find. Runs up.sh --no-build on the tests' binaries, in its own
# mount namespace for the full tmpfs; needs root; exits 77 (SKIPPED, with
# the reason) where that cannot be.
. "$(dirname "$0")/../lib/mountns.sh"
ry_mount_ns "$@"
. "$(dirname "$0")/../lib/services.sh"

[ "$RY_BIN" -ef "$RY_SOURCE_DIR/build/bin" ] ||
    ry_skip "up.sh runs build/bin; the tests' binaries are in $RY_BIN"
ry_pick_ports
unset RONGYU_KEY # up.sh's own: the administrator's
UP=("$RY_SOURCE_DIR/deploy/up.sh" --no-build)
DOWN=("$RY_SOURCE_DIR/deploy/down.sh")
s_cleanup() {
    local rc=$?
    "${DOWN[@]}" >/dev/null 2>&1 || true
    umount "$RY_TMP/full" 2>/dev/null || true
    (exit "$rc")
    ry_it_cleanup
}
trap s_cleanup EXIT

"${UP[@]}" >"$RY_TMP/up1.log" 2>&1 || ry_fail "up.sh: $(tail -n 20 "$RY_TMP/up1.log")"
pid=$(tr -dc '0-9' <"$RONGYU_HOME/intake.pid")
[ -n "$pid" ] && kill -0 "$pid" || ry_fail "no intake after up.sh"

# 1. Its pid file lost: down.sh finds intake by its store's claim.
rm -f "$RONGYU_HOME/intake.pid"
"${DOWN[@]}" >"$RY_TMP/down1.log" 2>&1 || ry_fail "down.sh: $(cat "$RY_TMP/down1.log")"
ry_until 10 bash -c "! kill -0 $pid 2>/dev/null" ||
    ry_fail "intake (pid $pid) still runs after down.sh: $(cat "$RY_TMP/down1.log")"
grep -q "Stopping intake (pid $pid)" "$RY_TMP/down1.log" ||
    ry_fail "down.sh did not say it stopped intake: $(cat "$RY_TMP/down1.log")"
ry_ok "a service whose pid file was lost is found by its store's claim and stopped"

# 2. Intake's pid file on a full disk: up.sh says it did not start, and
# nothing runs on intake's store or port.
mkdir -p "$RY_TMP/full"
why=$(mount -t tmpfs -o size=64K,mode=0700 tmpfs "$RY_TMP/full" 2>&1) ||
    ry_skip "cannot mount a tmpfs: $why"
dd if=/dev/zero of="$RY_TMP/full/fill" bs=4k >/dev/null 2>&1 || true
ln -s "$RY_TMP/full/intake.pid" "$RONGYU_HOME/intake.pid"
if "${UP[@]}" >"$RY_TMP/up2.log" 2>&1; then
    ry_fail "up.sh succeeded with intake's pid file unwritable"
fi
grep -q "did not start" "$RY_TMP/up2.log" || ry_fail "up.sh: $(tail -n 20 "$RY_TMP/up2.log")"
grep -q "cannot write the pid file" "$RONGYU_HOME/log/intake.log" ||
    ry_fail "intake's log does not say why: $(tail -n 5 "$RONGYU_HOME/log/intake.log")"
ry_until 5 bash -c "flock -n '$RONGYU_HOME/intake/owner' true" ||
    ry_fail "a process holds intake's store"
ry_port_listening "$RY_PORT_BASE" && ry_fail "something listens on intake's port $RY_PORT_BASE"
ry_ok "a pid file that cannot be written (a full disk) starts nothing; up.sh says so"
