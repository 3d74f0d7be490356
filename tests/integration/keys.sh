#!/usr/bin/env bash
# Keys and principals through the real services: private key files; who
# may register whose key; a key acts only as its principal (a forged
# principal field is refused); a revoked key is refused on its next
# request without a restart; a platform key acting for a named user is
# audited with both; another union's attachment by SHA-256 is refused; the
# CLI reads attachments only from the application's folder.
. "$(dirname "$0")/../lib/services.sh"

ry_start_all
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null
K=$RONGYU_HOME/keys
EX=$RY_SOURCE_DIR/examples

# --- key files ------------------------------------------------------------
[ "$(stat -c %a "$K")" = 700 ] || ry_fail "key directory mode $(stat -c %a "$K")"
for f in "$K"/*_secret; do
    [ "$(stat -c %a "$f")" = 600 ] || ry_fail "$f has mode $(stat -c %a "$f")"
done
for f in "$K"/*.cert; do
    ! grep -q secret-key "$f" || ry_fail "$f holds a secret key"
done
! grep -rhqF "$(grep secret-key "$K/admin.cert_secret" | sed 's/.*= *"\(.*\)"/\1/')" \
    "$RONGYU_HOME/log" || ry_fail "a secret key appears in a log"
ry_ok "key directory 0700, secret files 0600, public files without secrets, no secret in the logs"

# code EXPECTED CMD...: runs CMD, expects its error code name on stderr.
code() {
    local want=$1 out
    shift
    if out=$("$@" 2>&1); then
        ry_fail "'$*' succeeded, want $want"
    fi
    grep -q "$want" <<<"$out" || ry_fail "'$*' said: $out (want $want)"
}
# with KEYFILE CMD...: the CLI with that key.
with() {
    local key=$1
    shift
    ry "$@" --key "$key"
}
admin() { with "$K/admin.cert" "$@"; }

# --- who registers whose key ------------------------------------------------
for n in unit unit2 union union2 other plat; do
    ry keys gen "$n" >/dev/null
done
admin keys add --org 萧山区 --role unit --label 萧山区 "$K/unit.cert" >/dev/null
admin keys add --org 余杭区 --role unit --label 余杭区 "$K/unit2.cert" >/dev/null
admin keys add --org platform --role platform --label backend "$K/plat.cert" >/dev/null
with "$K/unit.cert" keys add --org xiaoshan-hengyi-textile --role grassroots \
    "$K/union.cert" >/dev/null || ry_fail "a unit could not register a union under it"
code E_FORBIDDEN with "$K/unit.cert" keys add --org yuhang-demo-union \
    --role grassroots "$K/other.cert"
code E_FORBIDDEN with "$K/unit.cert" keys add --org 萧山区 --role unit "$K/other.cert"
code E_FORBIDDEN with "$K/union.cert" keys add --org xiaoshan-hengyi-textile \
    --role grassroots "$K/other.cert"
with "$K/unit2.cert" keys add --org yuhang-demo-union --role grassroots \
    "$K/union2.cert" >/dev/null
n=$(with "$K/unit.cert" keys list --json | jq '.keys | length')
[ "$n" = 2 ] || ry_fail "萧山区 lists $n keys, want its own and its union's"
added_by=$(admin keys list --json | jq -r --arg k "$(admin keys list --json |
    jq -r '.keys[] | select(.org_id == "xiaoshan-hengyi-textile") | .public_key')" \
    '.keys[] | select(.public_key == $k) | .added_by')
grep -q '^萧山区' <<<"$added_by" || ry_fail "the union's key was added by '$added_by'"
ry_ok "the city registers any key, a unit only its unions' (audited), a union none"

# --- a key acts as its principal only ----------------------------------------
U="with $K/union.cert"
id=$($U submit "$EX/advanced_home.valid.json" --json | jq -r .case.case_id)
[ -n "$id" ] && [ "$id" != null ] || ry_fail "the union's own submission failed"
code E_FORBIDDEN $U submit "$EX/advanced_home.valid.json" --as xiaoshan-yunlu-logistics --idem f1
code E_FORBIDDEN $U list --as city --role city
code E_FORBIDDEN $U list --role unit
code E_FORBIDDEN with "$K/unit.cert" decide "$id" --decision award --opinion x --as city --role city
code E_NOT_FOUND with "$K/unit2.cert" show "$id"   # another unit: to it the case does not exist
with "$K/unit.cert" show "$id" >/dev/null || ry_fail "the union's unit cannot read its case"
ry_ok "a forged principal field is refused with E_FORBIDDEN; each key sees what its principal may"

# --- an organisation's key parks at most its share of the waits -------------
ry_need_py
ry_py "$RY_SOURCE_DIR/tests/lib/wait_share.py" waits "$RONGYU_INTAKE_ENDPOINT" \
    "$K/intake.cert" "$K/union.cert" xiaoshan-hengyi-textile "$id" \
    "$K/plat.cert" >"$RY_TMP/share.out" 2>&1 || {
    cat "$RY_TMP/share.out" >&2
    ry_fail "an organisation's share of the parked waits (above)"
}
cat "$RY_TMP/share.out"
ry_ok "an organisation's own key keeps 128 waits running at most, its oldest answered early past them; a platform key parks more beside them"

# --- revocation on the next request ------------------------------------------
$U list >/dev/null || ry_fail "the union's key does not work before revocation"
admin keys revoke "$K/union.cert" >/dev/null
set +e
$U list --timeout 2 >/dev/null 2>"$RY_TMP/rev.txt"
rc=$?
set -e
[ "$rc" = 4 ] || ry_fail "a revoked key: exit $rc: $(cat "$RY_TMP/rev.txt")"
grep -q '拒绝' "$RY_TMP/rev.txt" && grep -q 'refused' "$RY_TMP/rev.txt" ||
    ry_fail "the refusal is not explained in both languages"
code E_CONFLICT admin keys add --org xiaoshan-hengyi-textile --role grassroots "$K/union.cert"
admin keys list --revoked --json | jq -e '.keys[] | select(.revoked_at_ms > 0) |
    select(.revoked_by | test("^city"))' >/dev/null || ry_fail "revocation not audited"
ry_ok "a revoked key is refused on its next request, without a restart (exit 4, both languages)"
# rongyu-load with that key: its connections' handshakes are refused,
# which it finds by looking (not on each wait) and says, instead of
# waiting out its timeout.
set +e
RONGYU_KEY="$K/union.cert" "$RY_BIN/rongyu-load" -n 10 -c 4 --timeout 60 \
    --example "$EX/advanced_home.valid.json" >/dev/null 2>"$RY_TMP/load.txt"
rc=$?
set -e
[ "$rc" = 1 ] && grep -q 'refuses this key' "$RY_TMP/load.txt" ||
    ry_fail "rongyu-load with a revoked key: exit $rc: $(cat "$RY_TMP/load.txt")"
ry_ok "rongyu-load with a revoked key stops and says its key is refused"

# --- a client waiting while intake starts -----------------------------------
# A client that connects while intake starts again is admitted once intake
# answers: intake binds its client socket only after listing the keys its
# ZAP handler admits. Held 2 s before that listing (RONGYU_FAULT), an
# intake that bound first refused the waiting client's handshake (exit 4).
ry_stop intake
with "$K/unit2.cert" list --timeout 30 >"$RY_TMP/early.txt" 2>&1 &
EARLY=$!
ry_launch intake RONGYU_FAULT=keys_pause:2000
grep -q 'pausing 2000 ms at keys_pause' "$RONGYU_HOME/log/intake.log" ||
    ry_fail "intake did not pause before listing its keys"
wait "$EARLY" ||
    ry_fail "a client waiting for a starting intake was refused: $(cat "$RY_TMP/early.txt")"
ry_ok "a client that connects while intake starts is admitted, not refused"

# --- the platform acts for a named user, audited with both -------------------
P="with $K/plat.cert"
pid=$($P submit "$EX/model_home.valid.json" --as xiaoshan-yunlu-logistics --user 张三 --json |
    jq -r .case.case_id)
actor=$($P show "$pid" --as xiaoshan-yunlu-logistics --json | jq -r '.audit[0].actor')
grep -q '^xiaoshan-yunlu-logistics (张三) via platform key .backend.' <<<"$actor" ||
    ry_fail "audit actor '$actor'"
ry_ok "a platform key acting for a named user: the audit names the user and the key ($actor)"

# --- attachments by SHA-256 ----------------------------------------------------
sha=$(sha256sum "$EX/files/form.pdf" | cut -d' ' -f1)
mkdir -p "$RY_TMP/y"
jq --arg sha "$sha" '.applicant_org = "yuhang-demo-union" | .organising_unit = "余杭区"
    | .attachments = [{"name": "form.pdf", "kind": "application_form", "sha256": $sha}]' \
    "$EX/advanced_home.valid.json" >"$RY_TMP/y/app.json"
code E_FORBIDDEN with "$K/union2.cert" submit "$RY_TMP/y/app.json"
jq --arg sha "$sha" '.attachments = [{"name": "form.pdf", "kind": "application_form", "sha256": $sha}]' \
    "$EX/advanced_home.valid.json" >"$RY_TMP/y/own.json"
$P submit "$RY_TMP/y/own.json" --as xiaoshan-hengyi-textile --idem own >/dev/null ||
    ry_fail "content uploaded for the applicant cannot be named by SHA-256"
ry_ok "another union's stored file is refused by SHA-256; the applicant's own is accepted"

# --- the CLI reads attachments only from the application's folder ---------
mkdir -p "$RY_TMP/a/files"
cp "$EX/files/"* "$RY_TMP/a/files/"
jq '.attachments[0].path = "../../../../../../../etc/passwd"' "$EX/advanced_home.valid.json" >"$RY_TMP/a/up.json"
jq '.attachments[0].path = "/etc/hostname"' "$EX/advanced_home.valid.json" >"$RY_TMP/a/abs.json"
ln -sf /etc/passwd "$RY_TMP/a/files/link.pdf"
jq '.attachments[0].path = "files/link.pdf"' "$EX/advanced_home.valid.json" >"$RY_TMP/a/link.json"
for f in up abs link; do
    set +e
    out=$($P submit "$RY_TMP/a/$f.json" 2>&1)
    rc=$?
    set -e
    [ "$rc" = 2 ] && grep -q 'outside the application file' <<<"$out" ||
        ry_fail "$f.json: exit $rc: $out"
done
mkdir -p "$RY_TMP/elsewhere"
cp "$EX/files/form.pdf" "$RY_TMP/elsewhere/"
jq --arg p "$RY_TMP/elsewhere/form.pdf" '.attachments[0].path = $p' \
    "$EX/advanced_home.valid.json" >"$RY_TMP/a/else.json"
set +e
$P submit "$RY_TMP/a/else.json" --idem else >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 2 ] || ry_fail "a file in another folder was read (exit $rc)"
$P submit "$RY_TMP/a/else.json" --allow-path "$RY_TMP/elsewhere" --idem else >/dev/null ||
    ry_fail "--allow-path did not allow its folder"
ry_ok "../ paths, absolute paths and symbolic links out of the folder refused; --allow-path allows"
