#!/usr/bin/env bash
# What clients see of a verdict does not depend on how it is stored: every
# example that validation judges is submitted (before and after the
# organisations are registered, so the registered-kind rules are judged
# too); its verdict as 'rongyu show --json' prints it and notification's
# notice of it (the feed's JSON body) must equal the golden copy in
# tests/data/verdicts, made once from the verdicts stored whole. Case ids
# and times are replaced by placeholders. RY_GOLDEN_WRITE=1 writes the
# golden copy instead of comparing.
. "$(dirname "$0")/../lib/services.sh"

EX=$RY_SOURCE_DIR/examples
GOLD=$RY_SOURCE_DIR/tests/data/verdicts
OUT=$RY_TMP/verdicts
mkdir -p "$OUT"
# Every applicant of the examples reads the feed.
cat >"$RONGYU_HOME/subscribers.json" <<'JSON'
{"subscribers": [
  {"org": "xiaoshan-hengyi-textile", "role": "grassroots", "pub": true},
  {"org": "xiaoshan-beigan-street", "role": "grassroots", "pub": true},
  {"org": "xiaoshan-hengyi-textile-weaving", "role": "grassroots", "pub": true},
  {"org": "xiaoshan-yunlu-logistics", "role": "grassroots", "pub": true}
]}
JSON
ry_start_all

EXAMPLES=$(cd "$EX" && ls ./*.json | sed 's|^\./||' | grep -v '^malformed\.')

judged() {
    [ "$(ry show "$1" --org "$2" --json | jq -r .case.state)" != submitted ]
}

# notice ID: the feed's bodies of the case's verdict notices, normalised.
notice() {
    ry notifications --feed --json |
        jq -S --arg id "$1" '[.items[]? | .json // .body // . |
            (if type == "string" then fromjson else . end) |
            select(.case_id == $id and (.event == "eligible" or .event == "ineligible")) |
            del(.delivery_id, .notice_id, .at, .at_ms, .case_id) |
            .text |= gsub($id; "CASE")]'
}

noticed() {
    [ "$(notice "$1" | jq length)" -ge 1 ]
}

run() {
    local phase=$1 f id org
    for f in $EXAMPLES; do
        org=$(jq -r .applicant_org "$EX/$f")
        id=$(ry submit "$EX/$f" --json | jq -r .case.case_id)
        [[ $id =~ ^[0-9a-f]{16}$ ]] || ry_fail "$f: no case id ($id)"
        ry_until 30 judged "$id" "$org" || ry_fail "$f: no verdict"
        ry show "$id" --org "$org" --json |
            jq -S '.case | {state, revision, verdict: (.verdict | del(.decided_at_ms))}' \
                >"$OUT/$phase.${f%.json}.show.json"
        # The verdict's notice reaches the feed after intake has the
        # verdict (and after the submission's notice): waited for.
        ry_until 30 noticed "$id" || ry_fail "$f: no verdict notice on the feed"
        notice "$id" >"$OUT/$phase.${f%.json}.notice.json"
    done
}

run unregistered
ry org import "$EX/orgs.csv" >/dev/null || ry_fail "org import failed"
run registered

if [ "${RY_GOLDEN_WRITE:-0}" = 1 ]; then
    rm -rf "$GOLD"
    mkdir -p "$GOLD"
    cp "$OUT"/*.json "$GOLD"/
    ry_ok "golden copy written to $GOLD ($(ls "$GOLD" | wc -l) files)"
    exit 0
fi
n=0
for g in "$GOLD"/*.json; do
    b=$(basename "$g")
    [ -f "$OUT/$b" ] || ry_fail "$b: not produced"
    diff -u "$g" "$OUT/$b" >&2 || ry_fail "$b differs from the golden copy"
    n=$((n + 1))
done
[ "$n" -eq "$(ls "$OUT"/*.json | wc -l)" ] || ry_fail "outputs without a golden copy"
[ "$n" -gt 0 ] || ry_fail "no golden copy in $GOLD"
ry_ok "$n verdicts and notices are as the golden copy has them"
