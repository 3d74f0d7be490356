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

NOTE_UNION='填写说明：工会类型填写国有企业、集体企业、股份合作企业、联营企业、国有独资公司、其他有限责任公司、国有控股公司、其他股份有限公司、私营企业、港澳台商投资企业、外商投资企业工会，事业单位工会，机关工会，乡镇（街道、园区）、村（社区）工会，区域（行业）性工会联合会，其他等。职工入会率（审核采用）为资格审查时采用的数据（有人数时按人数计算）。'
NOTE_CADRE='填写说明：类型填写国有企业、集体企业、股份合作企业、联营企业、国有独资公司、其他有限责任公司、国有控股公司、其他股份有限公司、私营企业、港澳台商投资企业、外商投资企业工会干部，事业单位工会干部，机关工会干部，乡镇（街道）、村（社区）工会干部，社会化工会工作者，工会领导机关干部，其他等。'
# The campaign (quota's default when --campaign names none) and the date
# of export: the clock's day in Beijing time (RONGYU_CLOCK).
EXPORTED="评选活动：hangzhou-2018；导出日期：$(TZ=Asia/Shanghai date -d "$RONGYU_CLOCK" +%F)"

# expected ANNEX: the table as JSON rows of strings, with the notice's
# 填写说明 and the date of export under it.
expected() {
    expected_table "$1" | jq -c --arg d "$EXPORTED" --arg n "$([ "$1" = 4 ] && echo "$NOTE_CADRE" || echo "$NOTE_UNION")" \
        '. + [[$n], [$d]]'
}

expected_table() {
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
    unzip -p "$x" xl/workbook.xml >"$RY_TMP/workbook.xml"
    got=$(python3 "$RY_SOURCE_DIR/tests/lib/xlsx_cells.py" "$RY_TMP/sheet.xml" "$RY_TMP/strings.xml" "$RY_TMP/workbook.xml")
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
    ry_ok "annex $annex: .xlsx and CSV match cell by cell ($(jq 'length - 5' <<<"$want") rows), header frozen, BOM"

    # The page setup Excel, WPS and LibreOffice print from.
    jq -e '.setup.orientation == "landscape" and .setup.paperSize == "9"
        and .setup.fitToWidth == "1" and .setup.fitToHeight == "0" and .setup.fitToPage
        and .print_titles == "$3:$3" and (.footer | test("&P") and test("&N"))' <<<"$got" >/dev/null ||
        ry_fail "annex $annex: page setup: $(jq -c '{setup, print_titles, footer}' <<<"$got")"
done

# 4. Printed as the forms: each table through headless LibreOffice (its
# own profile, so parallel runs do not share one) to PDF, read back with
# poppler. A4 landscape, one page wide: every page holds the first and the
# last column heading; the title whole; the unit line with 盖章; the
# 填写说明 and the date of export; page numbers.
PDF=$RY_TMP/pdf
mkdir -p "$PDF"
to_pdf() {
    soffice -env:UserInstallation="file://$RY_TMP/lo-profile" --headless --norestore \
        --convert-to pdf --outdir "$PDF" "$@" >"$RY_TMP/soffice.log" 2>&1 ||
        ry_fail "soffice failed: $(cat "$RY_TMP/soffice.log")"
}
pages_of() {
    pdfinfo "$1" | awk '/^Pages:/ {print $2}'
}
# check_print PDF TITLE FIRST_HEAD LAST_HEAD LAST_CELL: the checks above.
check_print() {
    local pdf=$1 n p txt
    n=$(pages_of "$pdf")
    [ -n "$n" ] && [ "$n" -ge 1 ] || ry_fail "$pdf: no pages"
    pdfinfo "$pdf" | awk '/^Page size:/ { if (!($3 > $5 && $3 > 838 && $3 < 845 && $5 > 592 && $5 < 598)) exit 1 }' ||
        ry_fail "$pdf: not A4 landscape: $(pdfinfo "$pdf" | grep 'Page size')"
    for p in $(seq 1 "$n"); do
        pdfinfo -f "$p" -l "$p" "$pdf" | awk '/^Page.*size:/ { if (!($4 > $6)) exit 1 }' ||
            ry_fail "$pdf: page $p is not landscape"
        txt=$(pdftotext -f "$p" -l "$p" -layout "$pdf" - | tr -d ' ')
        for want in "$3" "$4" "第${p}页，共${n}页"; do
            grep -qF -- "$want" <<<"$txt" || ry_fail "$pdf page $p of $n: '$want' missing (not one page wide, or no page number)"
        done
    done
    txt=$(pdftotext -f 1 -l 1 "$pdf" - | tr -d ' \n')
    grep -qF -- "$(tr -d ' ' <<<"$2")" <<<"$txt" || ry_fail "$pdf: the title is cut: $(head -c 300 <<<"$txt")"
    grep -qF '名称（盖章）:萧山区' <<<"$txt" || ry_fail "$pdf: no unit line with 盖章"
    txt=$(pdftotext -f "$n" -l "$n" "$pdf" - | tr -d ' \n')
    for want in "$5" 填写说明 "$(tr -d ' ' <<<"$EXPORTED")"; do
        grep -qF -- "$want" <<<"$txt" || ry_fail "$pdf: '$want' missing on the last page"
    done
}
to_pdf "$RY_TMP/annex2.xlsx" "$RY_TMP/annex3.xlsx" "$RY_TMP/annex4.xlsx"
check_print "$PDF/annex2.pdf" "附件2 申报杭州市先进（示范）职工之家基层工会汇总表" 序号 申报类型 示范
check_print "$PDF/annex3.pdf" "附件3 申报杭州市先进职工小家汇总表" 序号 工会分会主席 "$(jq -r .union.chair_name "$EX/advanced_small_home.valid.json")"
check_print "$PDF/annex4.pdf" "附件4 推荐杭州市优秀工会工作者人选汇总表" 序号 专职或兼职 "$(jq -r .person.cadre_type "$EX/excellent_worker.valid.json")"
for n in 2 3 4; do
    [ "$(pages_of "$PDF/annex$n.pdf")" = 1 ] || ry_fail "annex $n: $(pages_of "$PDF/annex$n.pdf") pages for one or two rows"
done
# The picture of the printed Annex 2 in the README (docs/annex2-print.png)
# is this page: RY_PRINT_PNG=FILE keeps it.
pdftoppm -png -r 110 -f 1 -l 1 -singlefile "$PDF/annex2.pdf" "$RY_TMP/annex2-print" ||
    ry_fail "pdftoppm failed"
[ -s "$RY_TMP/annex2-print.png" ] || ry_fail "no PNG of the printed Annex 2"
[ -z "${RY_PRINT_PNG:-}" ] || cp "$RY_TMP/annex2-print.png" "$RY_PRINT_PNG"
ry_ok "annexes 2-4 print on one A4 landscape page each: title, unit line with 盖章, 填写说明, date, page number"

# A long Annex 2 runs over several pages: still one page wide, the heading
# row on every page, numbered pages.
# Each of 36 unions of 萧山区 (a unit puts forward one case per union).
cp -r "$EX/files" "$RY_TMP/files"
echo "id,name,kind,parent_id,organising_unit" >"$RY_TMP/orgs36.csv"
for i in $(seq 1 36); do
    echo "xiaoshan-test-$i,杭州萧山第${i}测试有限公司工会,grassroots,萧山区,萧山区" >>"$RY_TMP/orgs36.csv"
done
echo "xiaoshan-test-branch,杭州恒毅纺织有限公司工会测试分会,branch,xiaoshan-hengyi-textile,萧山区" >>"$RY_TMP/orgs36.csv"
ry org import "$RY_TMP/orgs36.csv" >/dev/null
ids=()
for i in $(seq 1 36); do
    jq --arg n "杭州萧山第${i}测试有限公司工会" --arg o "xiaoshan-test-$i" \
        '.union.name = $n | .applicant_org = $o' "$EX/advanced_home.valid.json" >"$RY_TMP/ah$i.json"
    ids+=("$(ry submit "$RY_TMP/ah$i.json" --idem "long-$i" --json | jq -r '.case.case_id')")
done
for id in "${ids[@]}"; do
    wait_state "$id" eligible
    ry review "$id" --decision approve --opinion 同意 "${UNIT[@]}" >/dev/null
    ry recommend "$id" --opinion 推荐 "${UNIT[@]}" >/dev/null
done
ry export --unit 萧山区 --annex 2 -o "$RY_TMP/annex2-long.xlsx" "${UNIT[@]}" >/dev/null
to_pdf "$RY_TMP/annex2-long.xlsx"
n=$(pages_of "$PDF/annex2-long.pdf")
[ "$n" -ge 2 ] || ry_fail "38 rows of Annex 2 on $n page(s)"
check_print "$PDF/annex2-long.pdf" "附件2 申报杭州市先进（示范）职工之家基层工会汇总表" 序号 申报类型 第36测试
ry_ok "a 38-row Annex 2 prints on $n pages, one page wide, headings repeated, pages numbered"

# Safe to open: a chair named like a formula and a parent union starting
# with @ are text in the CSV (quoted, a leading apostrophe) and strings in
# the .xlsx (no formula anywhere); a union name holding ESC sequences is
# shown escaped by the CLI, never sent raw to the terminal.
jq '.union.chair_name = "=HYPERLINK(\"http://example.invalid\",\"点我\")"
    | .union.parent_union_name = "@SUM(A1)" | .union.name = "\u001b[2J\u001b[31m恶意分会\u001b[0m"
    | .applicant_org = "xiaoshan-test-branch"' \
    "$EX/advanced_small_home.valid.json" >"$RY_TMP/evil.json"
ev=$(ry submit "$RY_TMP/evil.json" --idem evil --json | jq -r '.case.case_id')
wait_state "$ev" eligible
ry review "$ev" --decision approve --opinion 同意 "${UNIT[@]}" >/dev/null
ry recommend "$ev" --opinion 推荐 "${UNIT[@]}" >/dev/null
ry export --unit 萧山区 --annex 3 --format csv -o "$RY_TMP/evil.csv" "${UNIT[@]}" >/dev/null
ry export --unit 萧山区 --annex 3 -o "$RY_TMP/evil.xlsx" "${UNIT[@]}" >/dev/null
grep -qF '"'"'"'=HYPERLINK(""http://example.invalid"",""点我"")"' "$RY_TMP/evil.csv" ||
    ry_fail "the formula-like chair is not quoted as text: $(grep -a HYPERLINK "$RY_TMP/evil.csv")"
grep -qF '"'"'"'@SUM(A1)"' "$RY_TMP/evil.csv" || ry_fail "@SUM(A1) is not quoted as text"
python3 -c 'import csv,sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
cells = [c for r in rows for c in r]
bad = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
sys.exit("cells a spreadsheet would run: %r" % bad if bad else 0)' "$RY_TMP/evil.csv" || ry_fail "CSV holds formula cells"
unzip -p "$RY_TMP/evil.xlsx" xl/worksheets/sheet1.xml | grep -q '<f>' && ry_fail "the .xlsx holds a formula"
out=$(ry show "$ev" "${UNIT[@]}")
! grep -q $'\x1b' <<<"$out" || ry_fail "rongyu show sent a raw ESC to the terminal"
grep -qF '\x1B[2J\x1B[31m恶意分会' <<<"$out" || ry_fail "the ESC sequence is not shown escaped: $(grep -a 恶意 <<<"$out")"
out=$(ry list "${UNIT[@]}")
! grep -q $'\x1b' <<<"$out" || ry_fail "rongyu list sent a raw ESC to the terminal"
ry_ok "formula-like text exported as text; ESC sequences shown escaped by show and list"

# Another unit's table is empty but well formed; a unit cannot export
# another's; bad arguments are refused.
ry export --unit 余杭区 --annex 2 -o "$RY_TMP/yh.xlsx" --role unit --as 余杭区 >/dev/null
unzip -p "$RY_TMP/yh.xlsx" xl/worksheets/sheet1.xml >"$RY_TMP/sheet.xml"
unzip -p "$RY_TMP/yh.xlsx" xl/sharedStrings.xml >"$RY_TMP/strings.xml"
[ "$(python3 "$RY_SOURCE_DIR/tests/lib/xlsx_cells.py" "$RY_TMP/sheet.xml" "$RY_TMP/strings.xml" | jq '.rows | length')" = 5 ] ||
    ry_fail "an empty table has more than its three heading rows, the note and the date"
if ry export --unit 萧山区 --annex 2 -o "$RY_TMP/no.xlsx" --role unit --as 余杭区 2>"$RY_TMP/err.txt"; then
    ry_fail "余杭区 exported 萧山区's table"
fi
grep -q E_FORBIDDEN "$RY_TMP/err.txt" || ry_fail "want E_FORBIDDEN: $(cat "$RY_TMP/err.txt")"
if ry export --unit 萧山区 --annex 5 -o "$RY_TMP/no.xlsx" 2>/dev/null; then
    ry_fail "annex 5 accepted"
fi
ry_ok "empty table well formed; another unit's table and annex 5 refused"
