#!/usr/bin/env bash
# Tests run several at a time, each on its own block of eight loopback
# ports (ry_pick_ports, tests/lib/services.sh): with room for three blocks
# only, three tests picking at once get the three; a fourth finds none
# while they hold them, also after the first test's shell is gone but a
# process it started still runs; once that process ends, the fourth gets
# the block it held. A lock directory that is a link (another user's,
# say) is refused.
. "$(dirname "$0")/../lib/services.sh"

# Ports below those other tests pick from (10000 up), and apart from the
# services' defaults (7701 up).
for p in $(seq 9700 9723); do
    ! ry_port_listening "$p" || ry_skip "port $p is in use on this machine"
done
export RY_PORT_LOCKS=$RY_TMP/locks RY_PORT_LOW=9700 RY_PORT_HIGH=9724 TMPDIR=$RY_TMP
LIB=$RY_SOURCE_DIR/tests/lib/services.sh
# Whatever happens, the holders' processes are let go.
release() {
    local f
    for f in "$RY_TMP"/go.*; do
        [ -p "$f" ] && timeout 1 sh -c ': >"$1"' sh "$f"
    done
    return 0
}
trap 'rc=$?; set +e; release; (exit $rc); ry_it_cleanup' EXIT

# holder N: a test that picks its block, writes it to $RY_TMP/base.N, and
# starts a process that runs until $RY_TMP/go.N is written to.
holder() {
    mkfifo "$RY_TMP/go.$1"
    bash -c '. "$0"; ry_pick_ports; cat "$1" >/dev/null & echo "$RY_PORT_BASE" >"$2.tmp"
             mv "$2.tmp" "$2"; wait' \
        "$LIB" "$RY_TMP/go.$1" "$RY_TMP/base.$1" 2>>"$RY_TMP/holders.err" &
    HOLDER[$1]=$!
}
declare -A HOLDER=()
# fourth: a fourth test's pick; prints its block, or fails.
fourth() {
    bash -c '. "$0"; ry_pick_ports; echo "$RY_PORT_BASE"' "$LIB" 2>"$RY_TMP/fourth.err"
}

holder 1
holder 2
ry_until 10 test -s "$RY_TMP/base.1" -a -s "$RY_TMP/base.2" ||
    ry_fail "the two holders did not pick: $(cat "$RY_TMP/holders.err")"
B1=$(cat "$RY_TMP/base.1")
B2=$(cat "$RY_TMP/base.2")
ry_pick_ports
B3=$RY_PORT_BASE
[ "$(printf '%s\n' "$B1" "$B2" "$B3" | sort -u | tr '\n' ' ')" = "9700 9708 9716 " ] ||
    ry_fail "three tests picked $B1, $B2 and $B3, not the three blocks"
ry_ok "three tests at once: blocks $B1, $B2 and $B3"

if got=$(fourth); then
    ry_fail "a fourth test got block $got while the three held them all"
fi
grep -q 'no free ports found' "$RY_TMP/fourth.err" ||
    ry_fail "the fourth test did not say why: $(cat "$RY_TMP/fourth.err")"
ry_ok "a fourth test finds no block: no free ports found"

# The first test's shell goes; the process it started holds its block.
exec 3>&2 2>/dev/null # not the shell's word on the job it killed
kill -9 "${HOLDER[1]}"
wait "${HOLDER[1]}" || true
exec 2>&3 3>&-
if got=$(fourth); then
    ry_fail "a fourth test got block $got, held by a process of a test that is gone"
fi
ry_ok "the block stays held by a process the first test started"

: >"$RY_TMP/go.1"
ry_until 10 fourth >"$RY_TMP/fourth.out" ||
    ry_fail "the first test's block never came free: $(cat "$RY_TMP/fourth.err")"
[ "$(cat "$RY_TMP/fourth.out")" = "$B1" ] ||
    ry_fail "the fourth test got $(cat "$RY_TMP/fourth.out"), not the freed block $B1"
ry_ok "once that process ends, a fourth test gets block $B1"

: >"$RY_TMP/go.2"
wait "${HOLDER[2]}" || ry_fail "the second holder failed: $(cat "$RY_TMP/holders.err")"

ln -s "$RY_PORT_LOCKS" "$RY_TMP/link"
if got=$(RY_PORT_LOCKS=$RY_TMP/link fourth); then
    ry_fail "a test took block $got with its locks behind a link"
fi
grep -q "is not a directory of this user's own" "$RY_TMP/fourth.err" ||
    ry_fail "a lock directory behind a link not refused as such: $(cat "$RY_TMP/fourth.err")"
ry_ok "a lock directory behind a link is refused"
