#!/usr/bin/env bash
# Attachments larger than a frame (max_request, 1 MiB by default) travel
# in parts (upload): through 'rongyu submit' and 'rongyu draft save' (a
# progress line on stderr, none in --json output) and through the Python
# client, each ending up on the case with its sha256 and size; then the
# refusals of tests/lib/uploads.py, each with nothing stored, and a frame
# over max_request dropped by the transport.
. "$(dirname "$0")/../lib/services.sh"

PY=/usr/bin/python3
export RONGYU_MAX_REQUEST=$((1 << 20))
export RONGYU_MAX_ATTACHMENT=$((8 << 20))
ry_start_all
ry org import "$RY_SOURCE_DIR/examples/orgs.csv" --role city --as city >/dev/null

# An application whose form is 3 MiB: three times the frame cap.
mkdir -p "$RY_TMP/app/files"
cp "$RY_SOURCE_DIR/examples/files/photo.png" "$RY_TMP/app/files/"
{ printf '%%PDF-1.4\n'; head -c $((3 << 20)) /dev/urandom; } >"$RY_TMP/app/files/big.pdf"
want_sha=$(sha256sum "$RY_TMP/app/files/big.pdf" | cut -d' ' -f1)
want_size=$(stat -c %s "$RY_TMP/app/files/big.pdf")
jq '.attachments = [{"path": "files/big.pdf", "kind": "application_form"},
                    {"path": "files/photo.png", "kind": "deeds"}]' \
    "$RY_SOURCE_DIR/examples/advanced_home.valid.json" >"$RY_TMP/app/app.json"

# attachment_of ID: "sha256 size" of the case's form, as stored.
attachment_of() {
    ry show "$1" --json | jq -r '.case.application.attachments[] |
        select(.kind == "application_form") | "\(.sha256) \(.size)"'
}

ry submit "$RY_TMP/app/app.json" --json >"$RY_TMP/submit.json" 2>"$RY_TMP/submit.err" ||
    ry_fail "submit: $(cat "$RY_TMP/submit.err")"
id=$(jq -r '.case.case_id' "$RY_TMP/submit.json") ||
    ry_fail "--json output is not JSON alone: $(head -c 300 "$RY_TMP/submit.json")"
[ -n "$id" ] && [ "$id" != null ] || ry_fail "no case id: $(cat "$RY_TMP/submit.json")"
! grep -q uploading "$RY_TMP/submit.err" "$RY_TMP/submit.json" ||
    ry_fail "a progress line with --json"
[ "$(attachment_of "$id")" = "$want_sha $want_size" ] ||
    ry_fail "case $id holds '$(attachment_of "$id")', want '$want_sha $want_size'"
ry_ok "a 3 MiB attachment submitted with a 1 MiB frame cap: on case $id with its sha256 and size"

# The same file as a draft (without --json): the progress line on stderr;
# the content is the applicant's already, so its parts are not sent again.
ry draft save "$RY_TMP/app/app.json" >"$RY_TMP/draft.out" 2>"$RY_TMP/draft.err" ||
    ry_fail "draft save: $(cat "$RY_TMP/draft.err")"
grep -q "uploading big.pdf" "$RY_TMP/draft.err" || ry_fail "no progress line: $(cat "$RY_TMP/draft.err")"
draft=$(awk '/^case / {print $2}' "$RY_TMP/draft.out")
[ "$(attachment_of "$draft")" = "$want_sha $want_size" ] || ry_fail "draft $draft: $(attachment_of "$draft")"
ry_ok "draft save: progress on stderr, the attachment on draft $draft"

# A new 5 MiB file through the Python client.
{ printf '%%PDF-1.4\n'; head -c $((5 << 20)) /dev/urandom; } >"$RY_TMP/app/files/py.pdf"
py_sha=$(sha256sum "$RY_TMP/app/files/py.pdf" | cut -d' ' -f1)
py_size=$(stat -c %s "$RY_TMP/app/files/py.pdf")
jq '.attachments = [{"path": "files/py.pdf", "kind": "application_form"}]' \
    "$RY_SOURCE_DIR/examples/advanced_home.valid.json" >"$RY_TMP/app/py.json"
PB2_DIR=$RY_BIN/../clients/python
py_id=$(PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=$PB2_DIR:$RY_SOURCE_DIR/clients/python:$RY_SOURCE_DIR/tests/lib $PY - \
    "$RONGYU_INTAKE_ENDPOINT" "$RY_TMP/app/py.json" <<'EOF'
import os, sys
from rongyu_client import Client, load_application, principal
from zprobe import cert_keys
keys = os.path.join(os.environ["RONGYU_HOME"], "keys")
me = os.environ["RONGYU_KEY"]
curve = (cert_keys(me)[0].encode(), cert_keys(me + "_secret")[1].encode(),
         cert_keys(os.path.join(keys, "intake.cert"))[0].encode())
c = Client(sys.argv[1], curve=curve)
app = load_application(sys.argv[2])
who = principal(app.applicant_org, "ROLE_GRASSROOTS")
print(c.save_draft(who, app, key=Client.new_key()).case.case_id)
c.close()
EOF
) || ry_fail "the Python client's draft"
[ "$(attachment_of "$py_id")" = "$py_sha $py_size" ] ||
    ry_fail "Python draft $py_id: $(attachment_of "$py_id")"
ry_ok "a 5 MiB attachment through the Python client: on draft $py_id"

# Over max_attachment through the command line: E_TOO_LARGE at the first
# part, no case, nothing stored.
{ printf '%%PDF-1.4\n'; head -c $((9 << 20)) /dev/urandom; } >"$RY_TMP/app/files/huge.pdf"
jq '.attachments = [{"path": "files/huge.pdf", "kind": "application_form"}]' \
    "$RY_SOURCE_DIR/examples/advanced_home.valid.json" >"$RY_TMP/app/huge.json"
before=$(ry status --json | jq .cases)
set +e
out=$(ry submit "$RY_TMP/app/huge.json" --json 2>&1)
rc=$?
set -e
[ "$rc" = 1 ] && grep -q E_TOO_LARGE <<<"$out" && grep -q upload.size <<<"$out" ||
    ry_fail "9 MiB attachment: exit $rc: $out"
[ "$(ry status --json | jq .cases)" = "$before" ] || ry_fail "a case was made"
ry_ok "an attachment over max_attachment: E_TOO_LARGE at upload.size, no case"

PYTHONPATH=$RY_SOURCE_DIR/tests/lib $PY "$RY_SOURCE_DIR/tests/lib/uploads.py" \
    "$RY_SOURCE_DIR" "$RONGYU_INTAKE_ENDPOINT" "$RONGYU_MAX_REQUEST" \
    "$RONGYU_MAX_ATTACHMENT" || ry_fail "upload refusals (above)"
ry_alive intake || ry_fail "intake died"
