#!/usr/bin/env bash
# The case lifecycle end to end through the CLI and the four real services:
# organisations imported; one application of each honour from submission to
# award; a return and a resubmission as a new revision; withdrawal, rejection
# and non-selection freeing seats; the one-model-home-per-unit limit refused
# with a message naming unit, column, used and cap; forbidden actors and
# illegal transitions refused; the review due date and 'list --overdue'.
. "$(dirname "$0")/../lib/services.sh"

EX=$RY_SOURCE_DIR/examples
ry_start_all

CITY=(--role city --as city)
UNIT=(--role unit --as 萧山区)

# show ID: the case as JSON (read as the city).
show() {
    ry show "$1" "${CITY[@]}" --json
}

state_of() {
    show "$1" | jq -r '.case.state'
}

# wait_state ID STATE: waits until the case is in STATE.
wait_state() {
    local got
    for _ in $(seq 1 150); do
        got=$(state_of "$1")
        [ "$got" = "$2" ] && return 0
        sleep 0.1
    done
    ry_fail "case $1: want state $2, still $got"
}

# submit FILE [ARGS...]: submits, prints the new case id.
submit() {
    local f=$1
    shift
    ry submit "$EX/$f" --json "$@" | jq -r '.case.case_id'
}

# quota_used UNIT COLUMN: seats used in that row of the quota table.
quota_used() {
    ry quota --unit "$1" --json |
        jq -r --arg c "$2" '.rows[] | select(.organising_unit != "" and ((.column == $c) or (.honour == $c and .column == "model_home_recommendation"))) | .used'
}

# wait_quota UNIT COLUMN N
wait_quota() {
    local got
    for _ in $(seq 1 150); do
        got=$(quota_used "$1" "$2")
        [ "$got" = "$3" ] && return 0
        sleep 0.1
    done
    ry_fail "quota $1 $2: want $3 used, got $got"
}

# refused CODE CMD...: the command must fail with error code CODE.
refused() {
    local code=$1 out
    shift
    if out=$("$@" --json 2>&1); then
        ry_fail "'$*' succeeded; want $code"
    fi
    grep -q "$code" <<<"$out" || ry_fail "'$*': want $code, got: $out"
}

# 1. Organisations: import, idempotent re-import, list, bad files refused.
out=$(ry org import "$EX/orgs.csv" --json)
n=$(grep -cv '^#\|^id,\|^$' "$EX/orgs.csv")
[ "$(jq .added <<<"$out")" = "$n" ] || ry_fail "org import: $out (want $n added)"
out=$(ry org import "$EX/orgs.csv" --json)
[ "$(jq '.added + .updated' <<<"$out")" = 0 ] && [ "$(jq .unchanged <<<"$out")" = "$n" ] ||
    ry_fail "org re-import changed something: $out"
[ "$(ry org list --json | jq '.orgs | length')" = "$n" ] || ry_fail "org list"
printf 'bad-1,无上级基层工会,grassroots,no-such-parent,萧山区\n' >"$RY_TMP/bad.csv"
refused E_INVALID ry org import "$RY_TMP/bad.csv"
printf 'x1,某工会,grassroots,萧山区,不存在区\n' >"$RY_TMP/bad2.csv"
refused E_INVALID ry org import "$RY_TMP/bad2.csv"
refused E_FORBIDDEN ry org import "$EX/orgs.csv" --role unit --as 萧山区
[ "$(ry org list --json | jq '.orgs | length')" = "$n" ] || ry_fail "a refused import changed the registry"
ry_ok "organisations imported ($n), re-import idempotent, bad files refused"

# 2. Advanced home: submit -> eligible -> approved -> recommended -> awarded.
ah=$(submit advanced_home.valid.json)
wait_state "$ah" eligible
due=$(show "$ah" | jq '.case.review_due_ms')
want=$(( $(TZ=Asia/Shanghai date -d '2018-12-21 00:00' +%s) * 1000 - 1 ))
[ "$due" = "$want" ] || ry_fail "review of 2018-11-20 due until the end of 2018-12-20 ($want), got $due ms"
# Another unit cannot see the case: to it, it does not exist.
refused E_NOT_FOUND ry review "$ah" --decision approve --opinion 好 --role unit --as 余杭区
# The applicant sees its case but may not review it: E_FORBIDDEN in plain
# text is one line for the code and its meaning, one for the detail, which
# is in both languages.
if out=$(ry review "$ah" --decision approve --opinion 好 --role grassroots --as xiaoshan-hengyi-textile 2>&1); then
    ry_fail "the applicant reviewed its own case"
fi
[ "$(wc -l <<<"$out")" = 2 ] && [ "$(grep -c E_FORBIDDEN <<<"$out")" = 1 ] ||
    ry_fail "E_FORBIDDEN: want one error line and one detail line, got: $out"
grep -q '详情 detail: 只有组织单位审核和推荐.*Only the organising unit reviews and recommends' <<<"$out" ||
    ry_fail "E_FORBIDDEN detail is not in both languages: $out"
refused E_FORBIDDEN ry review "$ah" --decision approve --opinion 好 --role grassroots --as xiaoshan-hengyi-textile
refused E_MISSING_FIELD ry review "$ah" --decision approve "${UNIT[@]}"
refused E_BAD_STATE ry recommend "$ah" --opinion 推荐 "${UNIT[@]}"
ry review "$ah" --decision approve --opinion "验家合格，同意推荐" "${UNIT[@]}" >/dev/null
[ "$(state_of "$ah")" = approved ] || ry_fail "advanced home not approved"
refused E_FORBIDDEN ry decide "$ah" --decision award --opinion 抽验合格 --role unit --as 萧山区
ry recommend "$ah" --opinion "推荐为市先进职工之家" "${UNIT[@]}" >/dev/null
[ "$(state_of "$ah")" = recommended ] || ry_fail "advanced home not recommended"
ry decide "$ah" --decision award --opinion "抽验合格" >/dev/null
[ "$(state_of "$ah")" = awarded ] || ry_fail "advanced home not awarded"
refused E_BAD_STATE ry withdraw "$ah" --org xiaoshan-hengyi-textile
audit=$(show "$ah" | jq -r '[.audit[] | .to] | join(" ")')
[ "$audit" = "submitted eligible approved recommended awarded" ] || ry_fail "advanced home audit: $audit"
op=$(show "$ah" | jq -r '.audit[] | select(.to == "approved") | .opinion + "|" + .actor')
# The tests act through a platform key: the audit names the unit and the key.
case $op in
"验家合格，同意推荐|萧山区 via platform key 'tests' "*) ;;
*) ry_fail "approval audit entry: $op" ;;
esac
ry_ok "advanced home: submitted, eligible, approved, recommended, awarded; audit with actor and opinion"

# 3. Small home, submitted by the branch's grassroots union.
sh=$(submit advanced_small_home.valid.json --as xiaoshan-hengyi-textile)
wait_state "$sh" eligible
refused E_NOT_FOUND ry show "$sh" --as xiaoshan-yunlu-logistics
ry show "$sh" --as xiaoshan-hengyi-textile-weaving --json >/dev/null || ry_fail "the branch cannot see its case"
ry review "$sh" --decision approve --opinion "小家建设规范" "${UNIT[@]}" >/dev/null
ry recommend "$sh" --opinion "推荐" "${UNIT[@]}" >/dev/null
ry decide "$sh" --decision award --opinion "抽验合格" >/dev/null
[ "$(state_of "$sh")" = awarded ] || ry_fail "small home not awarded"
ry_ok "advanced small home (applied for by its grassroots union): awarded"

# 4. Model home: the unit's one recommendation takes a seat; the city
#    selects it (confirmed against the 20 city-wide).
mh=$(submit model_home.valid.json)
wait_state "$mh" eligible
ry review "$mh" --decision approve --opinion "创新亮点突出" "${UNIT[@]}" >/dev/null
ry recommend "$mh" --opinion "推荐为示范职工之家" "${UNIT[@]}" >/dev/null
wait_state "$mh" recommended
wait_quota 萧山区 model_home 1
# The same union's second model home is refused at once (E_DUPLICATE,
# naming the first: one case put forward per union and honour).
dup=$(submit model_home.valid.json --idem same-union-model-home)
wait_state "$dup" eligible
ry review "$dup" --decision approve --opinion "合格" "${UNIT[@]}" >/dev/null
out=$(ry recommend "$dup" --opinion "推荐" "${UNIT[@]}" 2>&1) && ry_fail "duplicate recommended"
grep -q "E_DUPLICATE" <<<"$out" && grep -q "$mh" <<<"$out" || ry_fail "want E_DUPLICATE naming $mh: $out"
[ "$(state_of "$dup")" = approved ] || ry_fail "the duplicate moved: $(state_of "$dup")"
# Another union's model home of the same unit is refused by quota and
# stays approved.
cp -r "$EX/files" "$RY_TMP/files"
jq '.applicant_org = "xiaoshan-hengyi-textile"' "$EX/model_home.valid.json" >"$RY_TMP/mh2.json"
mh2=$(ry submit "$RY_TMP/mh2.json" --idem second-model-home --json | jq -r '.case.case_id')
wait_state "$mh2" eligible
ry review "$mh2" --decision approve --opinion "合格" "${UNIT[@]}" >/dev/null
ry recommend "$mh2" --opinion "推荐" "${UNIT[@]}" >/dev/null
wait_state "$mh2" approved
note=$(show "$mh2" | jq -r '.case.note')
for want in 萧山区 model_home "used 1 of 1"; do
    grep -q "$want" <<<"$note" || ry_fail "refusal note lacks '$want': $note"
done
plain=$(ry show "$mh2" "${CITY[@]}")
grep -q "提示 Note.*used 1 of 1" <<<"$plain" || ry_fail "'rongyu show' lacks the refusal"
show "$mh2" | jq -e '.audit[-1].what == "recommendation refused" and .audit[-1].actor == "quota"' >/dev/null ||
    ry_fail "the refusal is not in the audit log"
ry decide "$mh" --decision award --opinion "评选入选" >/dev/null
wait_state "$mh" awarded
selected=$(ry quota --json | jq '.rows[] | select(.organising_unit == "" and .honour == "model_home") | .used')
[ "$selected" = 1 ] || ry_fail "model homes selected city-wide: $selected"
ry_ok "model home: one per unit (second refused: $note), selected and awarded"

# 5. Excellent worker: a seat in 萧山区's grassroots column; confirmed.
ew=$(submit excellent_worker.valid.json)
wait_state "$ew" eligible
ry review "$ew" --decision approve --opinion "事迹突出" "${UNIT[@]}" >/dev/null
ry recommend "$ew" --opinion "推荐" "${UNIT[@]}" >/dev/null
wait_state "$ew" recommended
wait_quota 萧山区 grassroots_cadre 1
ry decide "$ew" --decision award --opinion "确认" >/dev/null
wait_state "$ew" awarded
ry_ok "excellent worker: seat reserved (1/6), confirmed, awarded"

# 6. Withdrawal and non-selection free their seats (two other cadres of
#    the same union).
for n in 2 3; do
    jq --arg n "第${n}位干部" '.person.name = $n' "$EX/excellent_worker.valid.json" >"$RY_TMP/ew$n.json"
done
ew2=$(ry submit "$RY_TMP/ew2.json" --idem ew-2 --json | jq -r '.case.case_id')
ew3=$(ry submit "$RY_TMP/ew3.json" --idem ew-3 --json | jq -r '.case.case_id')
for id in "$ew2" "$ew3"; do
    wait_state "$id" eligible
    ry review "$id" --decision approve --opinion "同意" "${UNIT[@]}" >/dev/null
    ry recommend "$id" --opinion "推荐" "${UNIT[@]}" >/dev/null
    wait_state "$id" recommended
done
wait_quota 萧山区 grassroots_cadre 3
ry withdraw "$ew2" --reason "本人调离工会岗位" --org xiaoshan-hengyi-textile >/dev/null
[ "$(state_of "$ew2")" = withdrawn ] || ry_fail "not withdrawn"
ry decide "$ew3" --decision not_selected --opinion "未入选" >/dev/null
[ "$(state_of "$ew3")" = not_selected ] || ry_fail "not not_selected"
wait_quota 萧山区 grassroots_cadre 1
ry_ok "withdrawal and non-selection released their seats (back to 1/6)"

# 7. Return for changes, edit, resubmit as revision 2 with its history.
tw=$(submit advanced_home.township.valid.json)
wait_state "$tw" eligible
ry review "$tw" --decision return --opinion "请补充满意度测评材料" "${UNIT[@]}" >/dev/null
[ "$(state_of "$tw")" = returned ] || ry_fail "not returned"
refused E_BAD_STATE ry review "$tw" --decision approve --opinion 好 "${UNIT[@]}"
ry draft save "$EX/advanced_home.township.valid.json" --case "$tw" --json >/dev/null
[ "$(show "$tw" | jq -r '.case.state + " " + (.case.revision | tostring)')" = "draft 2" ] ||
    ry_fail "the returned case did not become revision 2 as a draft"
ry draft submit "$tw" --org xiaoshan-beigan-street >/dev/null
wait_state "$tw" eligible
[ "$(ry show "$tw" --revision 1 "${CITY[@]}" --json | jq -r '.case.state + " " + (.case.revision | tostring)')" = "returned 1" ] ||
    ry_fail "revision 1 is not kept"
whats=$(show "$tw" | jq -r '[.audit[] | .to] | join(" ")')
[ "$whats" = "submitted eligible returned draft submitted eligible" ] || ry_fail "history: $whats"
ry_ok "returned, edited and resubmitted as revision 2; revision 1 kept"

# 8. Rejection; an ineligible case cannot be approved.
lm=$(submit advanced_home.low_membership.json)
wait_state "$lm" ineligible
refused E_BAD_STATE ry review "$lm" --decision approve --opinion 好 "${UNIT[@]}"
ry review "$lm" --decision reject --opinion "入会率未达标" "${UNIT[@]}" >/dev/null
[ "$(state_of "$lm")" = rejected ] || ry_fail "not rejected"
refused E_BAD_STATE ry withdraw "$lm" --org xiaoshan-hengyi-textile
ry_ok "ineligible case rejected; approve and withdraw refused"

# 9. A registered applicant's unit is checked.
jq '.organising_unit = "余杭区"' "$EX/advanced_home.valid.json" >"$RY_TMP/wrong_unit.json"
cp -r "$EX/files" "$RY_TMP/files"
refused E_INVALID ry submit "$RY_TMP/wrong_unit.json"
ry_ok "application naming another unit than the registered one refused"

# 9b. The registered kind decides the category: a single-establishment union
# (registered grassroots) declaring itself a township union is ineligible,
# with both values; the street union registered as township is eligible.
jq '.category = "township" | .metrics.formation = {"num": 95, "den": 100}' \
    "$EX/advanced_home.valid.json" >"$RY_TMP/as_township.json"
tk=$(ry submit "$RY_TMP/as_township.json" --json | jq -r .case.case_id)
wait_state "$tk" ineligible
failed=$(show "$tk" | jq -r '[.case.verdict.checks[] | select(.passed | not) | .code] | join(" ")')
[ "$failed" = R_ORG_KIND_CATEGORY ] || ry_fail "registered grassroots as township: failed '$failed'"
show "$tk" | jq -e '.case.verdict.checks[] | select(.code == "R_ORG_KIND_CATEGORY")
    | (.threshold | contains("single_establishment")) and (.actual | contains("township"))' >/dev/null ||
    ry_fail "R_ORG_KIND_CATEGORY does not name both values"
st=$(submit advanced_home.township.valid.json --idem township-registered)
wait_state "$st" eligible
ry withdraw "$tk" --org xiaoshan-hengyi-textile >/dev/null
ry withdraw "$st" --org xiaoshan-beigan-street >/dev/null
ry_ok "registered kind checked against the declared category (R_ORG_KIND_CATEGORY)"

# 10. Overdue: one month after submission (2018-11-20 -> 2018-12-20).
[ "$(ry list --overdue "${CITY[@]}" --json | jq '.cases | length')" = 0 ] || ry_fail "overdue too early"
ry_stop intake
ry_start intake RONGYU_CLOCK=2018-12-21T09:00:00+08:00
late=$(ry list --overdue "${CITY[@]}" --json | jq -r '[.cases[].case_id] | join(" ")')
[ "$late" = "$tw" ] || ry_fail "overdue: got '$late', want '$tw' (resubmitted, awaiting review)"
[ "$(ry list --overdue "${UNIT[@]}" --json | jq '.cases | length')" -ge 1 ] || ry_fail "the unit does not see its overdue case"
[ "$(ry list --overdue --role unit --as 余杭区 --json | jq '.cases | length')" = 0 ] || ry_fail "余杭区 sees 萧山区's cases"
ry_ok "review due one month after submission; list --overdue: $late"

# 11. The summary deadline (31 December): after it the unit's recommendation
# is refused with the date and changes nothing, until the city extends it.
jq '.person.name = "第4位干部"' "$EX/excellent_worker.valid.json" >"$RY_TMP/ew4.json"
dl=$(ry submit "$RY_TMP/ew4.json" --idem after-deadline --json | jq -r '.case.case_id')
wait_state "$dl" eligible
ry review "$dl" --decision approve --opinion 同意 "${UNIT[@]}" >/dev/null
ry_stop intake
ry_start intake RONGYU_CLOCK=2019-01-02T09:00:00+08:00
if out=$(ry recommend "$dl" --opinion 推荐 "${UNIT[@]}" --json 2>&1); then
    ry_fail "a recommendation after 31 December was accepted"
fi
grep -q E_DEADLINE_PASSED <<<"$out" && grep -q 2018-12-31 <<<"$out" ||
    ry_fail "late recommendation: want E_DEADLINE_PASSED naming 2018-12-31, got: $out"
[ "$(state_of "$dl")" = approved ] || ry_fail "the refused recommendation changed the case"
refused E_FORBIDDEN ry deadline extend --unit 萧山区 --until 2019-01-10 --opinion 迟报 "${UNIT[@]}"
ry deadline extend --unit 萧山区 --until 2019-01-10 --opinion "系统故障，准予延期" --as city --role city >/dev/null
ry deadline list --unit 萧山区 --json |
    jq -e '.summary_deadline == "2018-12-31" and (.extensions | length == 1)
        and .extensions[0].until == "2019-01-10"
        and (.extensions[0].actor | test("^city via platform key .tests. "))' >/dev/null ||
    ry_fail "the extension is not listed with who and until: $(ry deadline list --json)"
ry recommend "$dl" --opinion 推荐 "${UNIT[@]}" >/dev/null
wait_state "$dl" recommended
ry_ok "recommendation after 2018-12-31 refused (E_DEADLINE_PASSED); extended by the city, then accepted"
# The extension is the unit's deadline for validation too: a nomination
# of 萧山区 submitted on 2019-01-02 is in time (R_DEADLINE against
# 2019-01-10, which intake tells validation).
jq '.person.name = "第5位干部"' "$EX/excellent_worker.valid.json" >"$RY_TMP/ew5.json"
ext=$(ry submit "$RY_TMP/ew5.json" --idem after-deadline-extended --json | jq -r '.case.case_id')
wait_state "$ext" eligible
ry show "$ext" --json |
    jq -e '[.case.verdict.checks[] | select(.code == "R_DEADLINE") |
        [.passed, (.threshold | contains("2019-01-10")), .actual]] == [[true, true, "2019-01-02"]]' \
        >/dev/null || ry_fail "the extended unit's nomination: $(ry show "$ext" --json | jq -c '.case.verdict.checks[] | select(.code == "R_DEADLINE")')"
ry_ok "a nomination of 萧山区 submitted on 2019-01-02, within its extension to 2019-01-10: eligible (R_DEADLINE)"
# The quota table: every row's column named; the grand total of Annex 1.
ry quota --json | jq -e '[.rows[] | select(.column == "column_unspecified" or .column == null)] | length == 0' >/dev/null ||
    ry_fail "quota --json leaves a column unnamed: $(ry quota --json | jq -c '[.rows[] | select(.column == "column_unspecified")]')"
ry quota --json | jq -e '[.rows[] | select(.organising_unit == "" and .honour == "model_home")][0].column == "model_home_selection"' >/dev/null ||
    ry_fail "the city-wide model-home pool is not model_home_selection"
out=$(ry quota)
grep -q '8 + 23 + 79 = 110' <<<"$out" || ry_fail "the quota table shows no grand total 8 + 23 + 79 = 110: $out"
ry_ok "quota: every column named (model_home_selection for the city-wide 入选); grand total 8 + 23 + 79 = 110"
out=$(ry status --json)
[ "$(jq .dead <<<"$out")" = 0 ] || ry_fail "intake dead-lettered messages: $out"
[ "$(jq '[.links[] | select(.peer == "quota" or .peer == "validation") | .outbox] | add // 0' <<<"$out")" = 0 ] ||
    ry_fail "messages to quota or validation not acknowledged: $out"
ry_ok "nothing dead-lettered; every message to validation and quota acknowledged"
