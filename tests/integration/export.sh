#!/usr/bin/env bash
# The summary tables (SPEC §5): one case of each honour taken to
# 'recommended' in 萧山区 (and one left at 'eligible', which must not
# appear), then Annexes 2, 3 and 4 exported as .xlsx and as CSV. The .xlsx
# is unzipped and its sheet XML and shared strings parsed; every cell is
# compared with the expected table built from the example files, and the
# header row must be frozen. The CSV must start with a UTF-8 BOM and hold
# the same cells.
. "$(dirname "$0")/../lib/services.sh"

EX=$RY_SOURCE_DIR/examples
ry_start_all
UNIT=(--role unit --as 萧山区)
ry org import "$EX/orgs.csv" >/dev/null

wait_state() {
    local got
    for _ in $(seq 1 150); do
        got=$(ry show "$1" --role city --as city --json | jq -r '.case.state')
        [ "$got" = "$2" ] && return 0
        sleep 0.1
    done
    ry_fail "case $1: want $2, got $got"
}

# recommend FILE: submits, approves and recommends; waits for the seat.
recommend() {
    local id
    id=$(ry submit "$EX/$1" --json | jq -r '.case.case_id')
    wait_state "$id" eligible
    ry review "$id" --decision approve --opinion 同意 "${UNIT[@]}" >/dev/null 2>&1
    ry recommend "$id" --opinion 推荐 "${UNIT[@]}" >/dev/null 2>&1
    wait_state "$id" recommended
}

recommend advanced_home.valid.json
recommend model_home.valid.json
recommend advanced_small_home.valid.json
recommend excellent_worker.valid.json
# Eligible but not recommended: not in Annex 2.
left=$(ry submit "$EX/advanced_home.township.valid.json" --json | jq -r '.case.case_id')
wait_state "$left" eligible
ry_ok "four cases recommended, one left eligible"

HEAD="区县级总工会（市级产业工会）名称（盖章）: 萧山区"
# rate(x): the membership rate the verdict judged, as the table shows it:
# the counts of metrics.membership, else union.members of union.workers,
# "968/1000 (96.80%)" with two decimals rounded down; 不适用 for a model
# home (no membership threshold).
RATE='def rate(x): (if (x.metrics.membership | type) == "object" then x.metrics.membership
        else {num: x.union.members, den: x.union.workers} end) as $r
    | ($r.num * 10000 / $r.den | floor) as $h
    | "\($r.num)/\($r.den) (\($h / 100 | floor).\($h % 100 | tostring | if length < 2 then "0" + . else . end)%)";'

# expected ANNEX: the table as JSON rows of strings.
expected() {
    case $1 in
    2) jq -n --arg h "$HEAD" \
        --slurpfile a "$EX/advanced_home.valid.json" --slurpfile m "$EX/model_home.valid.json" "$RATE"'
        def row(n; x; kind): [n] + ([x.union | .name, .union_type, (.workers, .members | tostring)])
            + [if kind == "示范" then "不适用" else rate(x) end]
            + ([x.union | ((.branch_count // 0), (.group_count // 0), (.fulltime_cadres // 0),
            (.parttime_cadres // 0) | tostring), .chair_name, .address, .phone]) + [kind];
        [["附件2 申报杭州市先进（示范）职工之家基层工会汇总表"], [$h],
         ["序号","基层工会名称","工会类型","职工人数","会员人数","职工入会率（审核采用）","工会分会数","工会小组数",
          "专职工会干部数","兼职工会干部数","工会主席姓名","联系地址","联系电话","申报类型（先进/示范）"],
         row("1"; $a[0]; "先进"), row("2"; $m[0]; "示范")]' ;;
    3) jq -n --arg h "$HEAD" --slurpfile s "$EX/advanced_small_home.valid.json" "$RATE"'
        [["附件3 申报杭州市先进职工小家汇总表"], [$h],
         ["序号","工会分会（小组）名称","所属基层工会名称","工会类型","职工人数","会员人数",
          "职工入会率（审核采用）","工会分会主席（小组长）姓名"],
         ["1"] + [$s[0].union | .name, .parent_union_name, .union_type, (.workers | tostring),
          (.members | tostring)] + [rate($s[0])] + [$s[0].union.chair_name]]' ;;
    4) jq -n --arg h "$HEAD" --slurpfile w "$EX/excellent_worker.valid.json" '
        [["附件4 推荐杭州市优秀工会工作者人选汇总表"], [$h],
         ["序号","姓名","性别","出生年月","工作单位","职务","专职或兼职","类型"],
         ["1"] + [$w[0].person | .name, .gender, .birth_month, .employer, .position,
          (if .fulltime then "专职" else "兼职" end), .cadre_type]]' ;;
    esac
}

for annex in 2 3 4; do
    x=$RY_TMP/annex$annex.xlsx
    c=$RY_TMP/annex$annex.csv
    ry export --unit 萧山区 --annex "$annex" -o "$x" "${UNIT[@]}" >/dev/null
    ry export --unit 萧山区 --annex "$annex" --format csv -o "$c" "${UNIT[@]}" >/dev/null
    want=$(expected "$annex" | jq -c .)

    # .xlsx: a real zip with the parts Excel and WPS need.
    unzip -l "$x" >"$RY_TMP/list.txt" || ry_fail "annex $annex: not a zip"
    for part in '\[Content_Types\].xml' xl/workbook.xml xl/worksheets/sheet1.xml xl/sharedStrings.xml; do
        grep -q "$part" "$RY_TMP/list.txt" || ry_fail "annex $annex: no $part in the .xlsx"
    done
    unzip -p "$x" xl/worksheets/sheet1.xml >"$RY_TMP/sheet.xml"
    unzip -p "$x" xl/sharedStrings.xml >"$RY_TMP/strings.xml"
    got=$(python3 "$RY_SOURCE_DIR/tests/lib/xlsx_cells.py" "$RY_TMP/sheet.xml" "$RY_TMP/strings.xml")
    rows=$(jq -c .rows <<<"$got")
    if [ "$rows" != "$want" ]; then
        echo "want: $want" >&2
        echo "got:  $rows" >&2
        ry_fail "annex $annex: .xlsx cells differ"
    fi
    [ "$(jq -r '.freeze.ySplit + " " + .freeze.state' <<<"$got")" = "3 frozen" ] ||
        ry_fail "annex $annex: the header rows are not frozen: $(jq -c .freeze <<<"$got")"
    ncols=$(jq '.[2] | length' <<<"$want")
    [ "$(jq '.cols | length' <<<"$got")" = "$ncols" ] || ry_fail "annex $annex: column widths not set"
    # Counts are numbers, text is text (序号 and 职工人数 are numbers).
    [ "$(jq -r '.types[3][0]' <<<"$got")" = n ] || ry_fail "annex $annex: 序号 is not a number"
    [ "$(jq -r '.types[3][1]' <<<"$got")" = s ] || ry_fail "annex $annex: a name is not text"

    # CSV: BOM, then the same cells.
    [ "$(head -c 3 "$c" | od -An -tx1 | tr -d ' \n')" = efbbbf ] || ry_fail "annex $annex: CSV has no UTF-8 BOM"
    csv=$(python3 -c 'import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline=""))), ensure_ascii=False))' "$c" | jq -c .)
    if [ "$csv" != "$want" ]; then
        echo "want: $want" >&2
        echo "got:  $csv" >&2
        ry_fail "annex $annex: CSV cells differ"
    fi
    ry_ok "annex $annex: .xlsx and CSV match cell by cell ($(jq 'length - 3' <<<"$want") rows), header frozen, BOM"
done

# Another unit's table is empty but well formed; a unit cannot export
# another's; bad arguments are refused.
ry export --unit 余杭区 --annex 2 -o "$RY_TMP/yh.xlsx" --role unit --as 余杭区 >/dev/null
unzip -p "$RY_TMP/yh.xlsx" xl/worksheets/sheet1.xml >"$RY_TMP/sheet.xml"
unzip -p "$RY_TMP/yh.xlsx" xl/sharedStrings.xml >"$RY_TMP/strings.xml"
[ "$(python3 "$RY_SOURCE_DIR/tests/lib/xlsx_cells.py" "$RY_TMP/sheet.xml" "$RY_TMP/strings.xml" | jq '.rows | length')" = 3 ] ||
    ry_fail "an empty table has more than its three heading rows"
if ry export --unit 萧山区 --annex 2 -o "$RY_TMP/no.xlsx" --role unit --as 余杭区 2>"$RY_TMP/err.txt"; then
    ry_fail "余杭区 exported 萧山区's table"
fi
grep -q E_FORBIDDEN "$RY_TMP/err.txt" || ry_fail "want E_FORBIDDEN: $(cat "$RY_TMP/err.txt")"
if ry export --unit 萧山区 --annex 5 -o "$RY_TMP/no.xlsx" 2>/dev/null; then
    ry_fail "annex 5 accepted"
fi
ry_ok "empty table well formed; another unit's table and annex 5 refused"
