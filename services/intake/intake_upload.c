/* intake_upload: attachments received in parts, in order, and stored as
 * content-addressed blobs once whole and checked. */
#include "intake_upload.h"

#include "intake_attach.h"
#include "intake_reply.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_text.h"

#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SHA_LEN 64
#define S_APPLICANT_MAX RY_ORG_ID_MAX
/* applicant \0 sha256 \0 be64 offset */
#define S_KEY_MAX (S_APPLICANT_MAX + 1 + S_SHA_LEN + 1 + 8)
#define S_STATE_LEN 24

typedef struct {
    uint64_t size, received, seq;
} s_state_t;

/* The key of an upload ("uploads"), which is also the prefix of its parts'
 * keys; returns its length. */
static size_t
s_key(char *key, const char *applicant, const char *sha)
{
    size_t n = strlen(applicant);
    memcpy(key, applicant, n);
    key[n++] = '\0';
    memcpy(key + n, sha, S_SHA_LEN);
    return n + S_SHA_LEN;
}

/* The key of the part at 'offset'; returns its length. */
static size_t
s_part_key(char *key, const char *applicant, const char *sha, uint64_t offset)
{
    size_t n = s_key(key, applicant, sha);
    key[n++] = '\0';
    ry_be64_put((uint8_t *)key + n, offset);
    return n + 8;
}

static int
s_state_get(ry_txn_t *txn, const char *key, size_t klen, s_state_t *st)
{
    ry_val_t v;
    int rc = ry_txn_get(txn, "uploads", key, klen, &v);
    if (rc)
        return rc;
    if (v.len != S_STATE_LEN)
        return RY_EIO;
    const uint8_t *b = v.data;
    st->size = ry_be64_get(b);
    st->received = ry_be64_get(b + 8);
    st->seq = ry_be64_get(b + 16);
    return 0;
}

static int
s_state_put(ry_txn_t *txn, const char *key, size_t klen, const s_state_t *st)
{
    uint8_t b[S_STATE_LEN];
    ry_be64_put(b, st->size);
    ry_be64_put(b + 8, st->received);
    ry_be64_put(b + 16, st->seq);
    return ry_txn_put(txn, "uploads", key, klen, b, sizeof b, 0);
}

static int
s_del_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    return ry_txn_del(arg, "upload_parts", key->data, key->len);
}

/* Deletes the upload under 'key' (klen bytes), if any, and its parts. */
static int
s_drop(ry_txn_t *txn, const char *key, size_t klen)
{
    char prefix[S_KEY_MAX];
    memcpy(prefix, key, klen);
    prefix[klen] = '\0';
    int rc = ry_txn_scan(txn, "upload_parts", prefix, klen + 1, NULL, 0,
                         s_del_row, txn);
    if (!rc)
        rc = ry_txn_del(txn, "uploads", key, klen);
    return rc == RY_ENOTFOUND ? 0 : rc;
}

/* The applicant's unfinished uploads: how many, and the oldest. */
typedef struct {
    uint64_t n, oldest_seq;
    char oldest[S_KEY_MAX];
    size_t oldest_len;
} s_open_t;

static int
s_open_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_open_t *o = arg;
    if (val->len != S_STATE_LEN || key->len > sizeof o->oldest)
        return RY_EIO;
    uint64_t seq = ry_be64_get((const uint8_t *)val->data + 16);
    if (o->n++ == 0 || seq < o->oldest_seq) {
        o->oldest_seq = seq;
        memcpy(o->oldest, key->data, key->len);
        o->oldest_len = key->len;
    }
    return 0;
}

static int
s_open_scan(ry_txn_t *txn, const char *applicant, s_open_t *o)
{
    memset(o, 0, sizeof *o);
    return ry_txn_scan(txn, "uploads", applicant, strlen(applicant) + 1, NULL,
                       0, s_open_row, o);
}

int
intake_upload_count(ry_txn_t *txn, const char *applicant, uint64_t *n)
{
    s_open_t o;
    int rc = s_open_scan(txn, applicant, &o);
    *n = o.n;
    return rc;
}

/* The parts of an upload, copied in order into one buffer. */
typedef struct {
    uint8_t *buf;
    uint64_t size, pos;
} s_join_t;

static int
s_join_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_join_t *j = arg;
    if (key->len < 8 ||
        ry_be64_get((const uint8_t *)key->data + key->len - 8) != j->pos ||
        val->len > j->size - j->pos)
        return RY_EIO;
    memcpy(j->buf + j->pos, val->data, val->len);
    j->pos += val->len;
    return 0;
}

/* The last part is in: checks the whole content against sha and stores
 * it for the applicant, or discards the upload. */
static int
s_finish(ry_txn_t *txn, const char *key, size_t klen, const char *applicant,
         const char *sha, uint64_t size, intake_outcome_t *o)
{
    s_join_t j = {malloc(size ? size : 1), size, 0};
    if (!j.buf)
        abort();
    char prefix[S_KEY_MAX];
    memcpy(prefix, key, klen);
    prefix[klen] = '\0';
    int rc = ry_txn_scan(txn, "upload_parts", prefix, klen + 1, NULL, 0,
                         s_join_row, &j);
    if (!rc && j.pos != size)
        rc = RY_EIO;
    char hex[S_SHA_LEN + 1];
    if (!rc) {
        uint8_t h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, j.buf, size);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    }
    bool match = !rc && strcmp(hex, sha) == 0;
    if (match)
        rc = intake_attach_store(txn, sha, j.buf, size, applicant);
    free(j.buf);
    if (!rc)
        rc = s_drop(txn, key, klen);
    if (rc)
        return rc;
    if (!match) {
        ry_warn(NULL,
                "upload %.12s... for '%s': the %" PRIu64
                " bytes received have sha256 %.12s...; discarded",
                sha, applicant, size, hex);
        intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_INVALID, "data",
            "内容的 SHA-256 为 %s，与 sha256 不符；已丢弃本次上传，请从偏移 0 "
            "重新上传。The %" PRIu64 " bytes received have SHA-256 %s, "
            "not sha256 %s; the upload is discarded: start again at "
            "offset 0.",
            hex, size, hex, sha);
        return INTAKE_UPLOAD_DISCARDED;
    }
    ry_info(NULL, "upload %.12s... of %" PRIu64 " bytes stored for '%s'", sha,
            size, applicant);
    return 0;
}

static bool
s_is_sha(const char *s)
{
    if (strlen(s) != S_SHA_LEN)
        return false;
    for (; *s; s++)
        if (!strchr("0123456789abcdef", *s))
            return false;
    return true;
}

int
intake_upload_part(ry_txn_t *txn, const Rongyu__UploadRequest *q,
                   const char *applicant, size_t max_attachment,
                   intake_upload_progress_t *out, intake_outcome_t *o)
{
    memset(out, 0, sizeof *out);
    const char *sha = q->sha256;
    if (intake_is_empty(sha))
        return intake_outcome_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                   "sha256");
    if (!s_is_sha(sha))
        return intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_INVALID, "sha256",
            "sha256 须为 64 位小写十六进制数字。sha256 must be 64 lower-case "
            "hex digits.");
    if (q->size == 0)
        return intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_OUT_OF_RANGE, "size",
            "size 为 0；上传至少 1 字节。size is 0; an upload has at least 1 "
            "byte.");
    if (q->size > max_attachment)
        return intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_TOO_LARGE, "size",
            "附件 %" PRIu64 " 字节，最多 %zu 字节（max_attachment）。The "
            "attachment is %" PRIu64 " bytes, at most %zu "
            "(max_attachment).",
            q->size, max_attachment, q->size, max_attachment);
    assert(strlen(applicant) <= S_APPLICANT_MAX);
    out->size = q->size;
    /* Content the applicant has already: done, whatever part this is. */
    size_t have;
    int rc = intake_attach_owned(txn, sha, applicant, &have);
    if (rc == 0) {
        if (have != q->size)
            return intake_outcome_fail_at(
                o, RONGYU__ERROR_CODE__E_INVALID, "size",
                "sha256 为 %.12s... 的内容有 %zu 字节，不是 %" PRIu64 "。The "
                "content with sha256 %.12s... has %zu bytes, not %" PRIu64 ".",
                sha, have, q->size, sha, have, q->size);
        out->received = q->size;
        out->complete = true;
        return 0;
    }
    if (rc != RY_ENOTFOUND)
        return rc;
    char key[S_KEY_MAX];
    size_t klen = s_key(key, applicant, sha);
    s_state_t st;
    rc = s_state_get(txn, key, klen, &st);
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    bool fresh = rc == RY_ENOTFOUND;
    if (fresh) {
        st = (s_state_t){.size = q->size};
    } else if (st.size != q->size) {
        return intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_INVALID, "size",
            "此次上传为 %" PRIu64 " 字节，不是 %" PRIu64 "。This upload is of "
            "%" PRIu64 " bytes, not %" PRIu64 ".",
            st.size, q->size, st.size, q->size);
    }
    out->received = st.received;
    size_t len = q->data.len;
    /* No data (a question), or a part received before (a resend): its
     * end compared without adding to the offset, which is the client's
     * (offset + len could wrap past 2^64 to an end already received). */
    if (len == 0 ||
        (q->offset <= st.received && len <= st.received - q->offset))
        return 0;
    if (q->offset != st.received)
        return intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_OUT_OF_RANGE, "offset",
            "偏移 %" PRIu64 " 不对：已收到 %" PRIu64 " 字节，下一部分应从偏移 "
            "%" PRIu64 " 开始。Offset %" PRIu64 " is not the next one: %" PRIu64
            " bytes received, so the next part starts at offset %" PRIu64 ".",
            q->offset, st.received, st.received, q->offset, st.received,
            st.received);
    if (len > st.size - st.received)
        return intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_OUT_OF_RANGE, "data",
            "此部分 %zu 字节，但只剩 %" PRIu64 " 字节。The part is %zu bytes, "
            "but only %" PRIu64 " are left.",
            len, st.size - st.received, len, st.size - st.received);
    if (fresh) {
        s_open_t open;
        if ((rc = s_open_scan(txn, applicant, &open)))
            return rc;
        if (open.n >= INTAKE_UPLOAD_OPEN_MAX) {
            ry_info(NULL,
                    "upload: '%s' has %" PRIu64 " unfinished; the "
                    "oldest is dropped",
                    applicant, open.n);
            if ((rc = s_drop(txn, open.oldest, open.oldest_len)))
                return rc;
        }
        if ((rc = ry_txn_next(txn, "meta", "upload_seq", &st.seq)))
            return rc;
    }
    char pkey[S_KEY_MAX];
    size_t plen = s_part_key(pkey, applicant, sha, q->offset);
    if ((rc =
             ry_txn_put(txn, "upload_parts", pkey, plen, q->data.data, len, 0)))
        return rc;
    st.received += len;
    out->received = st.received;
    if (st.received < st.size)
        return s_state_put(txn, key, klen, &st);
    rc = s_finish(txn, key, klen, applicant, sha, st.size, o);
    out->complete = rc == 0;
    return rc;
}

int
intake_upload_request(intake_cases_t *self, ry_txn_t *txn,
                      const Rongyu__Request *req, const intake_principal_t *p,
                      intake_reply_t *r)
{
    const Rongyu__UploadRequest *q = req->upload;
    const char *applicant =
        intake_is_empty(q->applicant_org) ? p->org_id : q->applicant_org;
    Rongyu__Application probe = RONGYU__APPLICATION__INIT;
    probe.applicant_org = (char *)applicant;
    int rc = intake_cases_allow(txn, p, INTAKE_ACT_APPLY, &probe, &r->out);
    if (rc)
        return rc;
    /* Only registered organisations hold uploads: the bound per applicant
     * is then a bound on the store. */
    Rongyu__Organisation *org = NULL;
    rc = intake_orgs_get(txn, applicant, &org);
    ry_pb_free(&org);
    if (rc == RY_ENOTFOUND)
        return intake_reply_fail_at(
            r, RONGYU__ERROR_CODE__E_NOT_FOUND, "applicant_org",
            "「%s」不是已登记的组织。'%s' is not a registered organisation.",
            applicant, applicant);
    if (rc)
        return rc;
    intake_upload_progress_t pr;
    rc = intake_upload_part(txn, q, applicant, self->limits.max_attachment, &pr,
                            &r->out);
    if (rc == 0 || rc == INTAKE_UPLOAD_DISCARDED) {
        snprintf(r->upload_sha, sizeof r->upload_sha, "%s", q->sha256);
        rongyu__upload_reply__init(&r->upload);
        r->upload.sha256 = r->upload_sha;
        r->upload.size = pr.size;
        r->upload.received = pr.received;
        r->upload.complete = pr.complete;
        r->uploaded = rc == 0;
        return 0;
    }
    return rc;
}
