#!/usr/bin/env bash
# rongyu-inspect verify on stores where a peer applied rows whose
# acknowledgement never came back (a sender stopped before it did): the
# rows are accepted, their peer's applied count read from its store, and
# the sender, started again, sends them, finds them applied and empties
# its outbox. Rows the peer never applied still fail verify, and so do a
# row the link counters do not account for and a counter that does not
# read.
#
# The state is made, not waited for by chance: intake runs without
# notification (its two events per case stay in its outbox), its store
# is copied while it is stopped, notification then applies the events
# and intake deletes them; intake's copy, put back, holds the rows that
# notification's store says it applied.
. "$(dirname "$0")/../lib/services.sh"

N=3
ry_pick_ports
# Notification's store as it is before it applies anything.
ry_start notification
ry_stop notification
for svc in validation quota intake; do
    ry_start "$svc"
done
EX=$RY_SOURCE_DIR/examples
for i in $(seq 1 "$N"); do
    ry submit "$EX/advanced_home.valid.json" --idem "verify-$i" --json |
        jq -r .case.case_id >>"$RY_TMP/acked.txt"
done
[ "$(grep -cE '^[0-9a-f]{16}$' "$RY_TMP/acked.txt")" = "$N" ] ||
    ry_fail "not every application acknowledged: $(cat "$RY_TMP/acked.txt")"
# outbox_to PEER: intake's outbox rows for PEER, by its status.
outbox_to() {
    ry status --json | jq --arg p "$1" '[.links[]? | select(.peer == $p) | .outbox] | add // 0'
}
# Once intake holds every verdict, the events are in its outbox (put
# there in the same commits), beside what it tells notification of the
# keys (who may read it).
judged() {
    [ "$(outbox_to validation)" = 0 ] &&
        [ "$(ry list --role city --as city --state submitted --json | jq '.cases | length')" = 0 ]
}
ry_until 30 judged || ry_fail "the verdicts did not come: $(ry status 2>&1 | tr '\n' ' ')"
ROWS=$(outbox_to notification)
[ "$ROWS" -ge $((2 * N)) ] || ry_fail "intake's outbox to notification: $ROWS rows, want at least $((2 * N))"
ry_stop_all
cp -a "$RONGYU_HOME/intake" "$RY_TMP/intake-unacked"
# unacked: intake's store put back as it was at that stop.
unacked() {
    rm -rf "$RONGYU_HOME/intake"
    cp -a "$RY_TMP/intake-unacked" "$RONGYU_HOME/intake"
}
cp -a "$RONGYU_HOME/notification" "$RY_TMP/notification-empty"
ry_ok "intake stopped with $ROWS rows or more in its outbox to notification"

# drained OUT: the four services on the stores as they are until
# drained, then verify (its output in OUT), which must pass with no
# outbox row left.
drained() {
    ry_start_services
    ry_wait_drained 60
    ry_stop_all
    "$RY_BIN/rongyu-inspect" verify "$RONGYU_HOME" "$RY_TMP/acked.txt" >"$RY_TMP/$1" 2>&1 ||
        { cat "$RY_TMP/$1" >&2; ry_fail "verify fails once drained ($1)"; }
    ! grep -q "outbox rows" "$RY_TMP/$1" ||
        { cat "$RY_TMP/$1" >&2; ry_fail "outbox rows left once drained ($1)"; }
}

# Notification applies them; intake deletes them at its acknowledgement.
drained verify0.out

# Intake's store as it was: the rows are left, notification applied them.
unacked
"$RY_BIN/rongyu-inspect" verify "$RONGYU_HOME" "$RY_TMP/acked.txt" >"$RY_TMP/verify1.out" 2>&1 ||
    { cat "$RY_TMP/verify1.out" >&2; ry_fail "verify refuses rows their peer applied"; }
# (The count is verify's: read before the stop, intake's status gave a
# lower bound.)
LEFT=$(sed -n 's/^intake: \([0-9]*\) outbox rows applied by their peer.*/\1/p' "$RY_TMP/verify1.out")
[ -n "$LEFT" ] && [ "$LEFT" -ge "$ROWS" ] ||
    { cat "$RY_TMP/verify1.out" >&2; ry_fail "verify does not say the rows were applied"; }
ry_ok "verify accepts $LEFT rows that notification applied"

# With notification's store from before it applied them, the same rows
# fail verify (its event count fails it too).
mv "$RONGYU_HOME/notification" "$RY_TMP/notification-applied"
cp -a "$RY_TMP/notification-empty" "$RONGYU_HOME/notification"
if "$RY_BIN/rongyu-inspect" verify "$RONGYU_HOME" "$RY_TMP/acked.txt" >"$RY_TMP/verify2.out" 2>&1; then
    cat "$RY_TMP/verify2.out" >&2
    ry_fail "verify accepts rows their peer never applied"
fi
grep -q "intake: $LEFT outbox rows left, $LEFT of them not applied by their peer" \
    "$RY_TMP/verify2.out" ||
    { cat "$RY_TMP/verify2.out" >&2; ry_fail "verify does not name the rows not applied"; }
ry_ok "verify fails on $LEFT rows that notification never applied"

# What only a fault could make, each on intake's copy from the stop with
# one record put behind ry_outbox's back (mdb_load), and verify failing
# with its own reason: a row the link counters do not account for, and a
# counter that does not read.
hexof() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# tampered TABLE KEY VALUE WANT: KEY -> VALUE (hex) put in TABLE; verify
# must fail saying WANT. The store's record of its last synced commit
# goes first: mdb_load syncs its own commit, which the next open would
# otherwise void as one a stop left unsynced (common/ry_sync.h).
tampered() {
    unacked
    rm -f "$RONGYU_HOME/intake/synced"
    printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n %s\n %s\nDATA=END\n' \
        "$2" "$3" | mdb_load -s "$1" "$RONGYU_HOME/intake" ||
        ry_fail "mdb_load into $1 failed"
    if "$RY_BIN/rongyu-inspect" verify "$RONGYU_HOME" "$RY_TMP/acked.txt" >"$RY_TMP/tampered.out" 2>&1; then
        cat "$RY_TMP/tampered.out" >&2
        ry_fail "verify accepts the store with $1 changed"
    fi
    grep -q "$4" "$RY_TMP/tampered.out" ||
        { cat "$RY_TMP/tampered.out" >&2; ry_fail "verify does not say: $4"; }
}
# A row to notification far past the next sequence number.
tampered ry_outbox "$(hexof notification)000000000100000000" 0801 \
    "intake: $((LEFT + 1)) outbox rows left, the link counters account for $LEFT\$"
ry_ok "verify fails on a row the counters do not account for"
# The next sequence number to notification, 3 bytes instead of 8.
tampered ry_seq "$(hexof 'out|notification')" 000003 \
    "intake: $LEFT outbox rows left, their links unreadable: "
ry_ok "verify fails on a counter that does not read"
unacked

# Started again on the stores that go together, intake sends the rows,
# notification finds them applied and acknowledges them.
rm -rf "$RONGYU_HOME/notification"
mv "$RY_TMP/notification-applied" "$RONGYU_HOME/notification"
drained verify3.out
grep -q "events $((2 * N)):" "$RY_TMP/verify3.out" ||
    { cat "$RY_TMP/verify3.out" >&2; ry_fail "notification holds other than $((2 * N)) events"; }
ry_ok "intake sent the rows again, notification found them applied, nothing left"
