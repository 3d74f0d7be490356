#!/usr/bin/env bash
# Four hosts, really separated: each service in its own network namespace
# with its own home and keys (its secret key only, the others' public
# keys), joined by veth pairs to a bridge on a private subnet this test
# creates and removes; the operator's CLI in a fifth namespace. One
# application of each honour goes from submission to award while the
# validation host is killed and restarted; then, from the fifth
# namespace, a stranger's key, a client key at a peer socket, no key
# (ZeroMQ's NULL mechanism), ZeroMQ PLAIN and plain TCP text are refused
# at every port. Needs root; exits 77 (SKIPPED, with the reason) only
# where namespaces cannot be made.
. "$(dirname "$0")/../lib/services.sh"

[ "$(id -u)" = 0 ] || ry_skip "network namespaces need root (running as uid $(id -u))"
command -v ip >/dev/null || ry_skip "no 'ip' command (iproute2)"
PY=/usr/bin/python3
"$PY" -c 'import zmq; assert zmq.has("curve")' 2>/dev/null ||
    ry_fail "python3-zmq with CURVE is needed for the probes"

P=ry$$
HUB=${P}hub
declare -A NS=([intake]=${P}i [validation]=${P}v [quota]=${P}q
    [notification]=${P}n [client]=${P}c)
declare -A OCTET=([intake]=1 [validation]=2 [quota]=3 [notification]=4
    [client]=5)
declare -A PORT=([intake]=7701 [validation]=7702 [quota]=7703
    [notification]=7704)
NET=10.251.$((RANDOM % 250 + 1))

netns_cleanup() {
    local h
    for h in "${!NS[@]}"; do
        ip netns del "${NS[$h]}" 2>/dev/null || true
    done
    ip netns del "$HUB" 2>/dev/null || true
}
trap 'rc=$?; set +e; netns_cleanup; (exit $rc); ry_it_cleanup' EXIT

ip netns add "$HUB" 2>"$RY_TMP/netns.err" ||
    ry_skip "cannot create a network namespace: $(cat "$RY_TMP/netns.err")"
# 'ip netns exec' also needs a private mount of /sys; in a bare chroot,
# whose / is no mount point, it cannot make one.
ip netns exec "$HUB" true 2>"$RY_TMP/netns.err" ||
    ry_skip "cannot run a program in a network namespace: $(cat "$RY_TMP/netns.err")"
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" link set br0 up
ip -n "$HUB" link set lo up
for h in intake validation quota notification client; do
    ip netns add "${NS[$h]}"
    ip -n "$HUB" link add "v$h" type veth peer name eth0 netns "${NS[$h]}"
    ip -n "$HUB" link set "v$h" master br0 up
    ip -n "${NS[$h]}" addr add "$NET.${OCTET[$h]}/24" dev eth0
    ip -n "${NS[$h]}" link set eth0 up
    ip -n "${NS[$h]}" link set lo up
done
ry_ok "five namespaces on $NET.0/24 behind a bridge"

for h in intake validation quota notification; do
    up=$(echo "$h" | tr a-z A-Z)
    export "RONGYU_${up}_ENDPOINT=tcp://$NET.${OCTET[$h]}:${PORT[$h]}"
done

# The keys, made once as an operator would, then handed out: each host
# its own pair and the public keys of the others; the operator's machine
# the administrator's pair.
KEYS=$RY_TMP/keys-made
RONGYU_HOME=$RY_TMP/keys-home RONGYU_KEYS_DIR=$KEYS "$RY_BIN/rongyu" keys init >/dev/null
declare -A HOME_OF
for h in intake validation quota notification client; do
    HOME_OF[$h]=$RY_TMP/hosts/$h
    mkdir -p "${HOME_OF[$h]}/keys" "${HOME_OF[$h]}/log"
    chmod 700 "${HOME_OF[$h]}/keys"
    cp "$KEYS"/*.cert "${HOME_OF[$h]}/keys/"
done
for h in intake validation quota notification; do
    cp -p "$KEYS/$h.cert_secret" "${HOME_OF[$h]}/keys/"
done
cp -p "$KEYS/admin.cert_secret" "${HOME_OF[client]}/keys/"
for h in intake validation quota notification; do
    n=$(ls "${HOME_OF[$h]}/keys/" | grep -c '_secret$')
    [ "$n" = 1 ] || ry_fail "$h holds $n secret keys"
done

# host H CMD...: runs CMD in H's namespace with H's home.
host() {
    local h=$1
    shift
    ip netns exec "${NS[$h]}" env RONGYU_HOME="${HOME_OF[$h]}" "$@"
}
CH=${HOME_OF[client]}
cl() {
    host client RONGYU_KEY="${CL_KEY:-$CH/keys/admin.cert}" "$RY_BIN/rongyu" "$@"
}

start_host() {
    local h=$1 up
    up=$(echo "$h" | tr a-z A-Z)
    ip netns exec "${NS[$h]}" env RONGYU_HOME="${HOME_OF[$h]}" \
        "RONGYU_${up}_BIND=tcp://$NET.${OCTET[$h]}:${PORT[$h]}" \
        "$RY_BIN/rongyu-$h" >>"${HOME_OF[$h]}/log/$h.log" 2>&1 &
    RY_PID[$h]=$!
    for _ in $(seq 1 100); do
        if cl ping "$h" --timeout 1 >/dev/null 2>&1; then
            return 0
        fi
        ry_alive "$h" || { tail "${HOME_OF[$h]}/log/$h.log" >&2; ry_fail "$h exited at start"; }
        sleep 0.1
    done
    ry_fail "$h does not answer from the client's namespace"
}

for h in validation quota notification intake; do
    start_host "$h"
done
cl ping all >/dev/null || ry_fail "ping all from the client's namespace"
ry_ok "four services answer across the namespaces"

# The operator registers the tree, the platform backend's key and the
# unit's key (the CLI in the fifth namespace, with the administrator's).
cl org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null
cl keys gen platform >/dev/null
cl keys gen xiaoshan >/dev/null
cl keys gen stranger >/dev/null
cl keys add --org platform --role platform --label backend "$CH/keys/platform.cert" >/dev/null
cl keys add --org 萧山区 --role unit --label 萧山区 "$CH/keys/xiaoshan.cert" >/dev/null
PLAT=$CH/keys/platform.cert
UNIT=$CH/keys/xiaoshan.cert

state_of() {
    CL_KEY=$PLAT cl show "$1" --as "$2" --json | jq -r .case.state
}
wait_state() {
    local id=$1 org=$2 want=$3
    is_state() { [ "$(state_of "$id" "$org")" = "$want" ]; }
    ry_until 30 is_state ||
        ry_fail "case $id is $(state_of "$id" "$org"), want $want"
}

declare -A CASE ORG
for f in advanced_home model_home advanced_small_home excellent_worker; do
    app=$RY_SOURCE_DIR/examples/$f.valid.json
    ORG[$f]=$(jq -r .applicant_org "$app")
    CASE[$f]=$(CL_KEY=$PLAT cl submit "$app" --as "${ORG[$f]}" --json | jq -r .case.case_id)
    [ -n "${CASE[$f]}" ] && [ "${CASE[$f]}" != null ] || ry_fail "$f not submitted"
    if [ "$f" = model_home ]; then
        # The validation host dies with work in flight and comes back.
        ry_kill9 validation
        ry_ok "validation host killed with submissions in flight"
    fi
done
start_host validation
for f in "${!CASE[@]}"; do
    wait_state "${CASE[$f]}" "${ORG[$f]}" eligible
done
ry_ok "every submission judged eligible after the validation host came back"

for f in "${!CASE[@]}"; do
    CL_KEY=$UNIT cl review "${CASE[$f]}" --decision approve --opinion 验家合格 >/dev/null
    CL_KEY=$UNIT cl recommend "${CASE[$f]}" --opinion 同意推荐 >/dev/null
done
for f in "${!CASE[@]}"; do
    wait_state "${CASE[$f]}" "${ORG[$f]}" recommended
    cl decide "${CASE[$f]}" --decision award --opinion 同意表彰 >/dev/null
done
for f in "${!CASE[@]}"; do
    wait_state "${CASE[$f]}" "${ORG[$f]}" awarded
done
out=$(CL_KEY=$PLAT cl show "${CASE[advanced_home]}" --as "${ORG[advanced_home]}" --json)
jq -e '[.audit[].actor] | any(test("via platform key .backend."))' <<<"$out" >/dev/null ||
    ry_fail "the audit does not name the platform key: $(jq -c '[.audit[].actor]' <<<"$out")"
jq -e '[.audit[].actor] | any(test("^萧山区"))' <<<"$out" >/dev/null ||
    ry_fail "the audit does not name the unit"
# The last events reach notification, and its acks intake, after the
# awards were answered: waited for.
drained() { [ "$(cl status --json | jq '[.links[].outbox] | add')" = 0 ]; }
ry_until 10 drained || ry_fail "outbox not drained: $(cl status --json)"
ry_ok "one application of each honour awarded across four hosts, nothing left in flight"

# From the fifth namespace: every port refuses what it must.
probe() {
    ip netns exec "${NS[client]}" "$PY" "$RY_SOURCE_DIR/tests/lib/zprobe.py" "$@" ||
        ry_fail "probe $* got in"
}
declare -A SERVER=([intake]=intake [validation]=validation [quota]=quota
    [notification]=notification)
ports=()
for h in intake validation quota notification; do
    ports+=("$h tcp://$NET.${OCTET[$h]}:${PORT[$h]}")
done
ports+=("notification tcp://$NET.4:7705" "notification tcp://$NET.4:7706")
for row in "${ports[@]}"; do
    read -r h ep <<<"$row"
    sub=
    [ "${ep##*:}" = 7706 ] && sub=--sub
    cert=$CH/keys/${SERVER[$h]}.cert
    probe curve "$ep" "$cert" "$CH/keys/stranger.cert" $sub
    probe null "$ep" "$cert" $sub
    probe plain "$ep" "$cert" $sub
    probe raw "$ep" "$cert"
done
ry_ok "a stranger's key, no key, PLAIN and plain text refused at all six ports"
# A valid client key is no key at a peer socket.
for h in validation quota notification; do
    probe curve "tcp://$NET.${OCTET[$h]}:${PORT[$h]}" "$CH/keys/$h.cert" "$UNIT"
done
ry_ok "a registered client key refused at every peer socket"
# And the refusal is told apart from an unreachable host.
set +e
CL_KEY=$CH/keys/stranger.cert cl list --timeout 2 >/dev/null 2>"$RY_TMP/refused.txt"
rc=$?
set -e
[ "$rc" = 4 ] && grep -q 'refused' "$RY_TMP/refused.txt" ||
    ry_fail "a stranger's CLI exits $rc: $(cat "$RY_TMP/refused.txt")"
ry_kill9 intake
set +e
cl list --timeout 1 --retries 1 >/dev/null 2>"$RY_TMP/down.txt"
rc=$?
set -e
[ "$rc" = 3 ] && grep -q 'not answering' "$RY_TMP/down.txt" ||
    ry_fail "with intake down the CLI exits $rc: $(cat "$RY_TMP/down.txt")"
ry_ok "refused key (exit 4) and unreachable service (exit 3) told apart"
