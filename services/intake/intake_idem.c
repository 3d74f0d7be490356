/* intake_idem: idempotency keys: a request's fingerprint and what gives a
 * retry its first answer.
 *
 * A row of "idem" is org_id \0 key -> the 32-byte fingerprint, then
 * either a 0 byte and an IdemCase (an answer with a case: its case is
 * rebuilt from the case store, the fields that later steps overwrite
 * coming from the IdemCase), or the packed Reply (other answers, and
 * every answer stored by earlier versions: no Reply begins with a 0
 * byte). */
#include "intake_idem.h"

#include "intake_internal.h"
#include "intake_posting.h"
#include "ry_error.h"
#include "ry_pb.h"
#include "ry_str.h"
#include "ry_text.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_FP 32
#define S_CASE_MARK 0x00

/* Request.idempotency_key and Request.request_id (rongyu.proto): the
 * fields a fingerprint leaves out, so that a retry under a new request id
 * matches. */
enum { S_REQ_KEY = 1, S_REQ_ID = 3 };

/* The fields of a request as received but S_REQ_KEY and S_REQ_ID, one
 * after the other in the order sent, into small (cap bytes) or, for a
 * longer request, a buffer of their own (free it when *out != small).
 * Returns their length. */
static size_t
s_hashed_fields(const uint8_t *data, size_t len, uint8_t *small, size_t cap,
                uint8_t **out)
{
    uint8_t *buf = len <= cap ? small : malloc(len);
    if (!buf)
        abort();
    size_t pos = 0, n = 0;
    ry_pb_field_t f;
    while (ry_pb_next(data, len, &pos, &f) == 1) {
        if (f.number == S_REQ_KEY || f.number == S_REQ_ID)
            continue;
        memcpy(buf + n, f.start, f.n);
        n += f.n;
    }
    *out = buf;
    return n;
}

/* The fingerprint of those fields that earlier versions stored:
 * BLAKE2b-256 (before SipHash), or with 'sha256' SHA-256 (before
 * BLAKE2b). */
static void
s_fields_hash(const uint8_t *data, size_t len, bool sha256, uint8_t out[32])
{
    uint8_t small[4096], *buf;
    size_t n = s_hashed_fields(data, len, small, sizeof small, &buf);
    if (sha256)
        crypto_hash_sha256(out, buf, n);
    else
        crypto_generichash(out, S_FP, buf, n, NULL, 0);
    if (buf != small)
        free(buf);
}

void
intake_idem_fingerprint(const uint8_t key[INTAKE_IDEM_KEY_LEN],
                        const uint8_t *data, size_t len, uint8_t out[32])
{
    uint8_t small[4096], *buf;
    size_t n = s_hashed_fields(data, len, small, sizeof small, &buf);
    memset(out, 0, S_FP);
    crypto_shorthash_siphashx24(out, buf, n, key);
    if (buf != small)
        free(buf);
}

/* The fingerprint the earliest versions stored: the decoded request (with
 * the effective principal) encoded again, without key and request id. A
 * retry of a request first answered by one of them still matches. */
static void
s_fingerprint_encoded(const Rongyu__Request *req, uint8_t out[32])
{
    Rongyu__Request copy = *req;
    copy.request_id = (char *)"";
    copy.idempotency_key = (char *)"";
    size_t len;
    uint8_t *buf = ry_pb_pack(&copy.base, &len);
    crypto_hash_sha256(out, buf, len);
    free(buf);
}

/* The row's key, org_id \0 key, in buf; its length, or 0 when too long. */
static size_t
s_key(const Rongyu__Request *req, char *buf, size_t size)
{
    return ry_str_key2(buf, size, req->principal->org_id, SIZE_MAX,
                       req->idempotency_key);
}

/* A draft's posting status as it was assessed at 'at' (the calendar and
 * the campaign make its texts, as they make a verdict's). */
static int
s_posting(const intake_cases_t *self, ry_txn_t *txn, const Rongyu__Case *c,
          int64_t at, intake_reply_t *r)
{
    intake_posting_status_t *st = malloc(sizeof *st);
    if (!st)
        abort();
    int rc = intake_posting_status(self, txn, c, at, st);
    if (rc && rc != RY_ENODATA) {
        free(st);
        return 0;
    }
    r->posting = st;
    return 0;
}

/* The first answer of a case request, from its IdemCase: the case as the
 * store holds it, with the application it had then and the fields it had
 * then; its verdict joined when the first answer carried it. */
static int
s_rebuild(const intake_cases_t *self, ry_txn_t *txn, const uint8_t *data,
          size_t len, intake_reply_t *r)
{
    Rongyu__IdemCase *k = (Rongyu__IdemCase *)ry_pb_unpack(
        &rongyu__idem_case__descriptor, data, len, 0);
    if (!k || intake_is_empty(k->case_id)) {
        ry_pb_free(&k);
        return intake_reply_fail(
            r, RONGYU__ERROR_CODE__E_INTERNAL,
            "保存的首次答复无法解码。the stored first answer "
            "does not decode");
    }
    Rongyu__Case *c = NULL;
    int rc =
        intake_cases_load_as_of(txn, k->case_id, k->revision, k->audit_seq, &c);
    if (rc == RY_ENOTFOUND) {
        rc = intake_reply_fail(r, RONGYU__ERROR_CODE__E_INTERNAL,
                               "首次答复中的案件「%s」未保存。case '%s' of the "
                               "first answer is not stored",
                               k->case_id, k->case_id);
    } else if (rc == 0) {
        c->revision = k->revision;
        c->state = k->state;
        c->updated_at_ms = k->updated_at_ms;
        c->submitted_at_ms = k->submitted_at_ms;
        c->review_due_ms = k->review_due_ms;
        ry_pb_set_string(&c->note, k->note);
        if (!k->verdict)
            ry_pb_free(&c->verdict);
        else
            rc = intake_cases_join_verdict(txn, c);
        r->out.kase = c;
    }
    if (rc == 0 && k->posting_at_ms)
        rc = s_posting(self, txn, c, k->posting_at_ms, r);
    ry_pb_free(&k);
    return rc;
}

int
intake_idem_lookup(const intake_cases_t *self, ry_txn_t *txn,
                   const Rongyu__Request *req, const uint8_t *data,
                   size_t len, const uint8_t fp[32], intake_reply_t *r)
{
    if (intake_is_empty(req->idempotency_key)) {
        /* Required: without one a retry would do the work twice. */
        intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                             "idempotency_key",
                             "每个改变状态的请求都需要幂等键。idempotency_key: "
                             "every request that changes state needs one");
        return 1;
    }
    char why[160];
    if (ry_text_idem_key_check(req->idempotency_key, why, sizeof why) != 0) {
        intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_INVALID,
                             "idempotency_key", "%s", why);
        return 1;
    }
    char key[600];
    size_t n = s_key(req, key, sizeof key);
    if (!n) {
        intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_INVALID,
                             "principal.org_id",
                             "principal.org_id 过长。principal.org_id: too "
                             "long");
        return 1;
    }
    ry_val_t v;
    int rc = ry_txn_get(txn, "idem", key, n, &v);
    if (rc == RY_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    const uint8_t *d = v.data;
    bool same = v.len >= S_FP && memcmp(d, fp, S_FP) == 0;
    uint8_t earlier[32];
    if (!same && v.len >= S_FP) {
        /* A row of an earlier version, or another request. */
        s_fields_hash(data, len, false, earlier);
        same = memcmp(d, earlier, S_FP) == 0;
    }
    if (!same && v.len >= S_FP) {
        s_fields_hash(data, len, true, earlier);
        same = memcmp(d, earlier, S_FP) == 0;
    }
    if (!same && v.len >= S_FP) {
        s_fingerprint_encoded(req, earlier);
        same = memcmp(d, earlier, S_FP) == 0;
    }
    if (!same) {
        intake_reply_fail(r, RONGYU__ERROR_CODE__E_CONFLICT,
                          "幂等键「%s」已用于内容不同的请求。"
                          "idempotency_key '%s' was used for a different "
                          "request",
                          req->idempotency_key, req->idempotency_key);
        return 1;
    }
    if (v.len > S_FP && d[S_FP] == S_CASE_MARK) {
        rc = s_rebuild(self, txn, d + S_FP + 1, v.len - S_FP - 1, r);
        return rc == 0 || rc == -1 ? 1 : rc;
    }
    r->cached_len = v.len - S_FP;
    r->cached = malloc(r->cached_len ? r->cached_len : 1);
    if (!r->cached)
        abort();
    memcpy(r->cached, d + S_FP, r->cached_len);
    return 1;
}

/* The IdemCase of an answer with case c: the fields of c that later steps
 * overwrite, and the audit entry that tells which application it had. */
static int
s_pack_case(ry_txn_t *txn, const intake_reply_t *r, uint8_t **buf, size_t *len)
{
    const Rongyu__Case *c = r->out.kase;
    Rongyu__IdemCase k = RONGYU__IDEM_CASE__INIT;
    k.case_id = c->case_id;
    k.revision = c->revision;
    k.state = c->state;
    k.updated_at_ms = c->updated_at_ms;
    k.submitted_at_ms = c->submitted_at_ms;
    k.review_due_ms = c->review_due_ms;
    k.note = c->note;
    k.verdict = c->verdict != NULL;
    k.posting_at_ms = r->posting ? r->posting->at_ms : 0;
    int rc = 0;
    if (r->out.audit_seq && strcmp(r->out.audit_case, c->case_id) == 0)
        k.audit_seq = r->out.audit_seq;
    else
        rc = intake_cases_audit_seq(txn, c->case_id, &k.audit_seq);
    if (rc)
        return rc;
    size_t n;
    uint8_t *packed = ry_pb_pack(&k.base, &n);
    *buf = malloc(S_FP + 1 + n);
    if (!*buf)
        abort();
    (*buf)[S_FP] = S_CASE_MARK;
    memcpy(*buf + S_FP + 1, packed, n);
    free(packed);
    *len = S_FP + 1 + n;
    return 0;
}

int
intake_idem_store(ry_txn_t *txn, const Rongyu__Request *req,
                  const uint8_t fp[32], intake_reply_t *r, uint8_t **out,
                  size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (intake_is_empty(req->idempotency_key))
        return 0;
    char key[600];
    size_t n = s_key(req, key, sizeof key);
    uint8_t *v, *reply = NULL;
    size_t vlen, len = 0;
    /* A case with nothing beside it but its posting: rebuilt on a retry
     * (strlen: a case id of the store's own form). */
    bool rebuilt = r->out.kase && !r->naudit && !r->wait &&
                   strlen(r->out.kase->case_id) == INTAKE_ID_LEN;
    if (rebuilt) {
        int rc = s_pack_case(txn, r, &v, &vlen);
        if (rc)
            return rc;
    } else {
        reply = intake_reply_pack(r, "", &len);
        vlen = S_FP + len;
        v = malloc(vlen);
        if (!v)
            abort();
        memcpy(v + S_FP, reply, len);
    }
    memcpy(v, fp, S_FP);
    int rc = ry_txn_put(txn, "idem", key, n, v, vlen, 0);
    free(v);
    if (rc) {
        free(reply);
        return rc;
    }
    *out = reply;
    *out_len = len;
    return 0;
}
