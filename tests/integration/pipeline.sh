#!/usr/bin/env bash
# End to end through the CLI: the four real services on free loopback
# ports; every example submitted and judged; idempotency; filters;
# authority; bad input; a service down and back.
. "$(dirname "$0")/../lib/services.sh"

EX=$RY_SOURCE_DIR/examples
ry_start_all

# 0. The CPU policy of every thread of each service (the 39th field of
# /proc/PID/task/TID/stat after the command: 0 normal, 3 SCHED_BATCH):
# intake's as any process's, the others' batch, ZeroMQ's threads too.
policies() {
    local t
    for t in /proc/"$1"/task/*; do
        sed 's/^.*) //' "$t/stat" | awk '{print $39}'
    done | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
}
for s in intake validation quota notification; do
    got=$(policies "${RY_PID[$s]}")
    want=3
    [ "$s" = intake ] && want=0
    [[ $got =~ ^$want:([0-9]+)\ $ ]] && [ "${BASH_REMATCH[1]}" -ge 2 ] ||
        ry_fail "$s: thread policies $got, expected all $want (two threads or more)"
done

# submit FILE: prints the new case id.
submit() {
    ry submit "$EX/$1" --json | jq -r '.case.case_id'
}

# verdict ID ORG: waits for the verdict and prints "state code code ...".
verdict() {
    local out state
    for _ in $(seq 1 100); do
        out=$(ry show "$1" --org "$2" --json)
        state=$(jq -r '.case.state' <<<"$out")
        if [ "$state" != submitted ]; then
            jq -r '[.case.state] + [.case.verdict.checks[] | select(.passed != true) | .code] | join(" ")' <<<"$out"
            return 0
        fi
        sleep 0.1
    done
    ry_fail "case $1 has no verdict"
}

org_of() {
    jq -r '.applicant_org' "$EX/$1"
}

# 1. Every valid example is eligible, with no failed check.
for f in advanced_home.valid.json advanced_home.township.valid.json \
    model_home.valid.json advanced_small_home.valid.json \
    excellent_worker.valid.json; do
    id=$(submit "$f")
    [[ $id =~ ^[0-9a-f]{16}$ ]] || ry_fail "$f: no case id ($id)"
    got=$(verdict "$id" "$(org_of "$f")")
    [ "$got" = eligible ] || ry_fail "$f: want eligible, got '$got'"
    ry_ok "$f is eligible"
done

# 2. Every invalid example is ineligible with exactly its failed codes.
declare -A WANT=(
    [advanced_home.low_membership.json]="R_MEMBERSHIP_MIN"
    [advanced_home.stated_rate_disagrees.json]="R_RATE_COUNTS_AGREE R_MEMBERSHIP_MIN"
    [advanced_home.members_exceed_workers.json]="R_MEMBERS_LE_WORKERS R_RATE_RANGE"
    [advanced_home.posting_over_national_day.json]="R_POSTING_WORKDAYS"
    [advanced_home.disguised_pdf.json]="R_FORM_MEDIA_TYPE"
    [advanced_small_home.rate_over_100.json]="R_RATE_RANGE"
    [model_home.short_posting.json]="R_POSTING_WORKDAYS"
    [excellent_worker.missing_name.json]="R_REQUIRED_PERSON_NAME"
)
for f in "${!WANT[@]}"; do
    id=$(submit "$f")
    got=$(verdict "$id" "$(org_of "$f")")
    want="ineligible ${WANT[$f]}"
    [ "$(tr ' ' '\n' <<<"$got" | sort | tr '\n' ' ')" = "$(tr ' ' '\n' <<<"$want" | sort | tr '\n' ' ')" ] ||
        ry_fail "$f: want '$want', got '$got'"
    # The plain table shows each failed code too.
    table=$(ry show "$id" --org "$(org_of "$f")")
    for code in ${WANT[$f]}; do
        grep -q "$code" <<<"$table" || ry_fail "$f: 'rongyu show' lacks $code"
    done
    ry_ok "$f is ineligible: ${WANT[$f]}"
done

# 2b. 'rongyu show' puts what needs attention first: the failed checks, then
#     the items left to the reviewer; the passed ones are a count unless
#     --all lists them.
id=$(submit advanced_home.low_membership.json)
verdict "$id" xiaoshan-hengyi-textile >/dev/null
out=$(ry show "$id" --org xiaoshan-hengyi-textile)
passed=$(ry show "$id" --org xiaoshan-hengyi-textile --json | jq '[.case.verdict.checks[] | select(.passed and (.needs_review | not))] | length')
f=$(grep -n 'R_MEMBERSHIP_MIN' <<<"$out" | head -1 | cut -d: -f1)
r=$(grep -n 'R_POLITICAL_REVIEW' <<<"$out" | head -1 | cut -d: -f1)
n=$(grep -n "另有 $passed 项检查通过" <<<"$out" | head -1 | cut -d: -f1)
[ -n "$f" ] && [ -n "$r" ] && [ -n "$n" ] && [ "$f" -lt "$r" ] && [ "$r" -lt "$n" ] ||
    ry_fail "show: want failed ($f) < reviewer ($r) < passed count ($n): $out"
grep -q "$passed more checks passed (--all lists them)" <<<"$out" || ry_fail "show: no English count of passed checks"
! grep -q 'R_DEADLINE' <<<"$out" || ry_fail "show lists a passed check without --all"
all=$(ry show "$id" --org xiaoshan-hengyi-textile --all)
grep -q 'R_DEADLINE' <<<"$all" && grep -q 'R_SATISFACTION_MIN' <<<"$all" || ry_fail "show --all does not list the passed checks"
ry_ok "show: failed checks, then reviewer items, then '$passed more checks passed'; --all lists them"

# 3. Malformed files are refused by the CLI with exit 2 and the place of
#    the error; nothing is sent.
before=$(ry status --json | jq '.cases')
set +e
out=$(ry submit "$EX/malformed.syntax.json" 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] || ry_fail "malformed JSON: exit $rc, want 2"
grep -q 'malformed.syntax.json:7:19' <<<"$out" || ry_fail "no line:column in '$out'"
for f in malformed.unknown_key.json malformed.wrong_enum.json \
    malformed.negative_count.json malformed.string_for_number.json \
    malformed.missing_attachment.json; do
    set +e
    ry submit "$EX/$f" >/dev/null 2>&1
    rc=$?
    set -e
    [ "$rc" = 2 ] || ry_fail "$f: exit $rc, want 2"
done
after=$(ry status --json | jq '.cases')
[ "$before" = "$after" ] || ry_fail "malformed files created cases"
ry_ok "malformed files refused with exit 2, nothing stored"

# Each service's store counters: intake's own, the peers' from their
# answers to intake's pings (once a second).
stores_ok() {
    ry status --json | jq -e --argjson cases "$after" '
        (.stores | map(.service) | sort) ==
            ["intake", "notification", "quota", "validation"] and
        (.stores[] | select(.service == "intake") |
            .cases == $cases and .syncs > 0 and .bytes_written > 0 and
            .bytes_known and .used_bytes > 0 and .commit_us > 0) and
        (.stores[] | select(.service == "validation") |
            .cases > 0 and .syncs > 0 and .bytes_written > 0 and
            .commit_us > 0)' >/dev/null
}
ry_until 10 stores_ok || ry_fail "status lacks the stores' counters: $(ry status --json | jq -c .stores)"
ry_ok "status: each service's store counters (commits, syncs, bytes, time in commits, size, case rows)"

# 4. Idempotency: the same key gives the same case; another body with the
#    same key is refused with E_CONFLICT and changes nothing.
a=$(ry submit "$EX/advanced_home.valid.json" --idem demo-key-1 --json | jq -r .case.case_id)
b=$(ry submit "$EX/advanced_home.valid.json" --idem demo-key-1 --json | jq -r .case.case_id)
[ "$a" = "$b" ] || ry_fail "same key gave two cases: $a $b"
set +e
out=$(ry submit "$EX/advanced_home.low_membership.json" --idem demo-key-1 \
    --org "$(org_of advanced_home.valid.json)" 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] && grep -q E_CONFLICT <<<"$out" || ry_fail "key reuse: exit $rc: $out"
ry_ok "idempotency key: one case per key, reuse refused (E_CONFLICT)"

# 5. Another organisation may neither see nor submit for this one.
org=$(org_of advanced_home.valid.json)
set +e
out=$(ry show "$a" --org someone-else 2>&1)
rc=$?
set -e
# A case it may not see answers as an unknown one would.
[ "$rc" = 1 ] && grep -q E_NOT_FOUND <<<"$out" || ry_fail "foreign show: exit $rc: $out"
set +e
out=$(ry submit "$EX/advanced_home.valid.json" --as someone-else --idem k2 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] && grep -q E_FORBIDDEN <<<"$out" || ry_fail "foreign submit: exit $rc: $out"
ry_ok "actions by the wrong organisation refused (E_NOT_FOUND to see, E_FORBIDDEN to submit)"

# 6. Lists by organisation, unit, state and honour.
n=$(ry list --org "$org" --json | jq '.cases | length')
want=$(ry list --as city --role city --json | jq --arg o "$org" '[.cases[] | select(.application.applicant_org == $o)] | length')
[ "$n" -ge 3 ] && [ "$n" = "$want" ] || ry_fail "list by org: $n vs $want"
n=$(ry list --as city --role city --state ineligible --json | jq '.cases | length')
[ "$n" = "${#WANT[@]}" ] || ry_fail "list by state: $n ineligible, want ${#WANT[@]}"
n=$(ry list --as city --role city --honour model_home --json | jq '[.cases[] | select(.application.honour != "model_home")] | length')
[ "$n" = 0 ] || ry_fail "list by honour returned other honours"
n=$(ry list --as 萧山区 --role unit --json | jq '[.cases[] | select(.application.organising_unit != "萧山区")] | length')
[ "$n" = 0 ] || ry_fail "list by unit returned other units"
ry_ok "list filters by organisation, unit, state and honour"

# 7. A service down: the CLI names it and its endpoint; intake keeps
#    accepting; the verdict arrives once validation is back.
ry_kill9 validation
set +e
out=$(ry ping validation --timeout 1 2>&1)
rc=$?
set -e
[ "$rc" != 0 ] && grep -q "$RONGYU_VALIDATION_ENDPOINT" <<<"$out" || ry_fail "ping of a dead service: $out"
id=$(ry submit "$EX/excellent_worker.valid.json" --idem while-down --json | jq -r .case.case_id)
[ "$(ry show "$id" --org "$(org_of excellent_worker.valid.json)" --json | jq -r .case.state)" = submitted ] ||
    ry_fail "case judged while validation was down?"
ry_start validation
[ "$(verdict "$id" "$(org_of excellent_worker.valid.json)")" = eligible ] || ry_fail "no verdict after restart"
ry_ok "validation down then up: the case waited and was judged once"
ry_kill9 intake
set +e
out=$(ry list --org "$org" --timeout 1 --retries 1 2>&1)
rc=$?
set -e
[ "$rc" = 3 ] && grep -q "$RONGYU_INTAKE_ENDPOINT" <<<"$out" || ry_fail "intake down: exit $rc: $out"
ry_start intake
ry_ok "intake down: the CLI says which service at which endpoint (exit 3)"

# 8. Everything drained: no outbox row, no dead letter.
ry_wait_drained 30
dead=$(ry status --json | jq '.dead')
[ "$dead" = 0 ] || ry_fail "$dead dead letters"
ry_ok "all drained, no dead letters"

# 9. Oversized uploads: a 2 GB file is refused by the CLI before anything
#    is read or sent; an attachment over intake's max_attachment (sent
#    inline: it fits in a frame) gets E_TOO_LARGE and changes nothing.
mkdir -p "$RY_TMP/big"
truncate -s 2G "$RY_TMP/big/huge.pdf"
head -c 700000 /dev/zero >"$RY_TMP/big/large.pdf"
for f in huge large; do
    jq --arg p "$f.pdf" '.attachments = [{"path": $p, "kind": "application_form"}]' \
        "$EX/advanced_home.valid.json" >"$RY_TMP/big/$f.json"
done
set +e
out=$(ry submit "$RY_TMP/big/huge.json" 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "over the" <<<"$out" || ry_fail "2 GB upload: exit $rc: $out"
ry_stop intake
ry_start intake RONGYU_MAX_ATTACHMENT=512K
before=$(ry status --json | jq '.cases')
set +e
out=$(ry submit "$RY_TMP/big/large.json" 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] && grep -q E_TOO_LARGE <<<"$out" || ry_fail "large attachment: exit $rc: $out"
[ "$(ry status --json | jq '.cases')" = "$before" ] || ry_fail "oversized upload stored"
ry_ok "oversized uploads refused (CLI: exit 2; intake: E_TOO_LARGE), nothing stored"
