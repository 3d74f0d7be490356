#!/usr/bin/env bash
# Hostile and heavy traffic against the real services (tests/lib/hostile.py):
# applications with values that cannot be true and identifiers too long
# (refused, nothing stored),
# random bytes, odd frame shapes, a REQ client, truncated protobuf, a
# request of exactly max_request, pipelined near-cap frames from one
# connection, a frame over the cap, refused attachments with large ones,
# 10,000 routing ids (2,000 under the sanitizers, where each connection
# costs intake some 7 ms of CPU), a stranger on validation's peer socket, and a flood
# of clients during which verdicts must keep arriving; meanwhile good
# clients submit. Afterwards every good request has had its reply, each
# service's anonymous RSS is within the bound stated here, and
# rongyu-inspect verify holds (strangers' dead letters within theirs).
. "$(dirname "$0")/../lib/services.sh"

PY=/usr/bin/python3
# The default frame cap; attachments are capped at half of it, so that a
# request of exactly the cap holds one too large.
export RONGYU_MAX_REQUEST=$((1 << 20))
export RONGYU_MAX_ATTACHMENT=$((512 << 10))
# Anonymous RSS per service after the traffic, in MiB (under the
# sanitizers, whose shadow memory and quarantine count, far more).
BOUND=64
if grep -q 'RY_SANITIZE:BOOL=ON' "$RY_BIN/../CMakeCache.txt" 2>/dev/null; then
    BOUND=768
    export RY_HOSTILE_IDS=2000
fi
ry_start_all
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null

rss_anon() { awk '/^RssAnon:/ {print int($2 / 1024)}' "/proc/${RY_PID[$1]}/status"; }
for svc in intake validation quota notification; do
    echo "RSS before: $svc $(rss_anon $svc) MiB"
done

PYTHONPATH=$RY_SOURCE_DIR/tests/lib $PY "$RY_SOURCE_DIR/tests/lib/hostile.py" \
    "$RY_SOURCE_DIR" "$RONGYU_INTAKE_ENDPOINT" "$RONGYU_VALIDATION_ENDPOINT" \
    "$RONGYU_MAX_REQUEST" "$RONGYU_MAX_ATTACHMENT" "$RY_TMP/acked.txt" ||
    ry_fail "hostile traffic (above)"

ry_wait_drained 120
for svc in intake validation quota notification; do
    ry_alive "$svc" || ry_fail "$svc died"
    rss=$(rss_anon "$svc")
    echo "RSS after: $svc $rss MiB"
    [ "$rss" -le "$BOUND" ] || ry_fail "$svc: anonymous RSS $rss MiB over $BOUND MiB"
done
ry_ok "every service alive, anonymous RSS within $BOUND MiB"

# An attachment too large for one frame and over max_attachment: the
# command line sends it in parts and intake refuses the first with
# E_TOO_LARGE (it never sends a frame over max_request, which ZeroMQ
# would drop with the connection, so that intake could not answer).
mkdir -p "$RY_TMP/big/files"
head -c $((5 << 20)) /dev/zero | sed 's/^/%PDF-1.4 /' >"$RY_TMP/big/files/big.pdf"
jq '.attachments = [{"path": "files/big.pdf", "kind": "application_form"}]' \
    "$RY_SOURCE_DIR/examples/advanced_home.valid.json" >"$RY_TMP/big/app.json"
set +e
out=$(ry submit "$RY_TMP/big/app.json" --idem big 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] && grep -q E_TOO_LARGE <<<"$out" && ! grep -q "not answering" <<<"$out" ||
    ry_fail "an oversized request: exit $rc: $out"
ry_ok "an attachment over max_attachment: E_TOO_LARGE, answered"

dead=$(ry status --json | jq .dead)
[ "$dead" = 0 ] || ry_fail "intake has $dead dead letters: $(ry dead list 2>&1)"
ry_stop_all
"$RY_BIN/rongyu-inspect" verify "$RONGYU_HOME" "$RY_TMP/acked.txt" --strangers ||
    ry_fail "stores inconsistent after the hostile traffic"
ry_ok "every acknowledged case once with one verdict; nothing left undelivered; strangers' dead letters bounded"
