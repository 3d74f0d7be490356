/* intake_attach: attachment contents stored once each under their SHA-256
 * ("blobs"), and the swap of a request's attachment fields for the
 * stored references. */
#include "intake_attach.h"

#include "intake_digest.h"
#include "intake_internal.h"
#include "ry_error.h"
#include "ry_media.h"
#include "ry_pb.h"
#include "ry_str.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The "blob_owners" row "sha256\0applicant": content uploaded for that
 * applicant. Looks it up (RY_ENOTFOUND when absent) or, with put,
 * records it when absent: a row already there is not written again (its
 * page would be copied for nothing). */
static int
s_owner(ry_txn_t *txn, const char *sha, const char *applicant, bool put)
{
    char key[64 + 1 + 300];
    size_t n =
        ry_str_key2(key, sizeof key, sha, 64, applicant ? applicant : "");
    if (!n)
        return RY_ENOTFOUND;
    ry_val_t v;
    int rc = ry_txn_get(txn, "blob_owners", key, n, &v);
    if (rc == RY_ENOTFOUND && put)
        rc = ry_txn_put(txn, "blob_owners", key, n, "", 0, 0);
    return rc;
}

/* Content stored before blob_owners existed has no owner row: it counts
 * for the applicant when one of the applicant's own stored cases names it
 * (content uploaded for a case it may act on). */
typedef struct {
    ry_txn_t *txn;
    const char *sha;
    bool found;
} s_legacy_t;

static int
s_legacy_case(const char *id, void *arg)
{
    s_legacy_t *l = arg;
    Rongyu__Case *c = NULL;
    if (intake_cases_load(l->txn, id, &c) != 0)
        return 0;
    int found = 0;
    for (size_t i = 0; c->application && i < c->application->n_attachments;
         i++) {
        const char *h = c->application->attachments[i]->sha256;
        if (h && strcmp(h, l->sha) == 0)
            found = 1;
    }
    ry_pb_free(&c);
    l->found = found;
    return found;
}

static int
s_owner_legacy(ry_txn_t *txn, const char *sha, const char *applicant)
{
    if (!applicant || !*applicant)
        return RY_ENOTFOUND;
    s_legacy_t l = {txn, sha, false};
    intake_case_filter_t f = {.applicant_org = applicant};
    int rc = intake_cases_candidates(txn, &f, NULL, s_legacy_case, &l);
    if (rc < 0 && rc != RY_EINVAL) /* EINVAL: a name no index holds */
        return rc;
    return l.found ? 0 : RY_ENOTFOUND;
}

int
intake_attach_owned(ry_txn_t *txn, const char *sha, const char *applicant,
                    size_t *len)
{
    ry_val_t v;
    int rc = ry_txn_get(txn, "blobs", sha, strlen(sha), &v);
    if (rc)
        return rc;
    *len = v.len;
    rc = s_owner(txn, sha, applicant, false);
    if (rc == RY_ENOTFOUND)
        rc = s_owner_legacy(txn, sha, applicant);
    return rc;
}

int
intake_attach_store(ry_txn_t *txn, const char *sha, const void *data,
                    size_t len, const char *applicant)
{
    ry_val_t v;
    int rc = ry_txn_get(txn, "blobs", sha, strlen(sha), &v);
    if (rc == RY_ENOTFOUND)
        rc = ry_txn_put(txn, "blobs", sha, strlen(sha), data, len, 0);
    if (!rc)
        rc = s_owner(txn, sha, applicant, true);
    return rc;
}

/* The path of attachment i's content, for an error. */
static void
s_content_path(char *f, size_t size, size_t i)
{
    snprintf(f, size, "application.attachments[%zu].content", i);
}

/* True when the content of 'in' is byte for byte the stored content its
 * sha256 names: a stored blob's key is the SHA-256 of its bytes, so the
 * content needs no hashing again (the same attachment sent with every
 * application). */
static bool
s_stored_as_named(ry_txn_t *txn, const Rongyu__Attachment *in)
{
    ry_val_t v;
    return !intake_is_empty(in->sha256) &&
           strlen(in->sha256) == 2 * crypto_hash_sha256_BYTES &&
           ry_txn_get(txn, "blobs", in->sha256, strlen(in->sha256), &v) == 0 &&
           v.len == in->content.len &&
           memcmp(v.data, in->content.data, v.len) == 0;
}

int
intake_attach_take(ry_txn_t *txn, const Rongyu__Application *a,
                   size_t max_attachment, intake_attach_set_t *out,
                   intake_outcome_t *o)
{
    size_t n = a->n_attachments;
    out->app = *a;
    out->items = calloc(n + 1, sizeof *out->items);
    out->ptrs = calloc(n + 1, sizeof *out->ptrs);
    if (!out->items || !out->ptrs)
        abort();
    out->app.attachments = out->ptrs;
    for (size_t i = 0; i < n; i++) {
        const Rongyu__Attachment *in = a->attachments[i];
        intake_attach_item_t *it = &out->items[i];
        it->at = *in;
        out->ptrs[i] = &it->at;
        if (in->content.len == 0) {
            /* A reference to content stored before (a new revision). */
            ry_val_t v;
            if (intake_is_empty(in->sha256) ||
                ry_txn_get(txn, "blobs", in->sha256, strlen(in->sha256), &v) !=
                    0) {
                char f[64];
                s_content_path(f, sizeof f, i);
                return intake_outcome_fail_at(
                    o, RONGYU__ERROR_CODE__E_MISSING_FIELD, f,
                    "attachments[%zu].content 为空，也没有 sha256 为「%.64s」的"
                    "已存内容。attachments[%zu].content: no content, and no "
                    "stored content has sha256 '%s'",
                    i, in->sha256 ? in->sha256 : "", i,
                    in->sha256 ? in->sha256 : "");
            }
            /* Stored content is shared storage, not shared permission: a
             * reference counts only for the applicant it was uploaded
             * for. */
            int orc = s_owner(txn, in->sha256, a->applicant_org, false);
            if (orc == RY_ENOTFOUND)
                orc = s_owner_legacy(txn, in->sha256, a->applicant_org);
            char f[64];
            snprintf(f, sizeof f, "application.attachments[%zu].sha256", i);
            if (orc == RY_ENOTFOUND)
                return intake_outcome_fail_at(
                    o, RONGYU__ERROR_CODE__E_FORBIDDEN, f,
                    "attachments[%zu]: 内容 %.12s… "
                    "不是为「%.64s」上传的，请发送"
                    "文件本身。attachments[%zu]: content %.12s... was not "
                    "uploaded for '%s'; send the file itself",
                    i, in->sha256, a->applicant_org, i, in->sha256,
                    a->applicant_org);
            if (orc)
                return orc;
            /* v still holds the content: the owner checks only read. */
            ry_str_cat(it->media, sizeof it->media,
                       ry_media_sniff(v.data, v.len), (char *)NULL);
            it->at.media_type = it->media;
            it->at.size = v.len;
            continue;
        }
        char f[64];
        if (in->content.len > max_attachment) {
            s_content_path(f, sizeof f, i);
            return intake_outcome_fail_at(o, RONGYU__ERROR_CODE__E_TOO_LARGE, f,
                                          "附件「%.64s」有 %zu 字节，至多 %zu "
                                          "字节。attachments[%zu] '%s': "
                                          "%zu bytes, at most %zu",
                                          in->name, in->content.len,
                                          max_attachment, i, in->name,
                                          in->content.len, max_attachment);
        }
        bool stored = s_stored_as_named(txn, in);
        if (stored) {
            ry_str_cat(it->sha, sizeof it->sha, in->sha256, (char *)NULL);
        } else {
            uint8_t h[crypto_hash_sha256_BYTES];
            crypto_hash_sha256(h, in->content.data, in->content.len);
            sodium_bin2hex(it->sha, sizeof it->sha, h, sizeof h);
        }
        if (!intake_is_empty(in->sha256) && strcmp(in->sha256, it->sha) != 0) {
            s_content_path(f, sizeof f, i);
            return intake_outcome_fail_at(
                o, RONGYU__ERROR_CODE__E_INVALID, f,
                "附件「%.64s」的 sha256 与内容不符。attachments[%zu] '%s': "
                "sha256 does not match the content",
                in->name, i, in->name);
        }
        /* Content stored already needs only its owner row. */
        int rc = stored ? s_owner(txn, it->sha, a->applicant_org, true)
                        : intake_attach_store(txn, it->sha, in->content.data,
                                              in->content.len,
                                              a->applicant_org);
        if (rc)
            return rc;
        ry_str_cat(it->media, sizeof it->media,
                   ry_media_sniff(in->content.data, in->content.len),
                   (char *)NULL);
        it->at.media_type = it->media;
        it->at.sha256 = it->sha;
        it->at.size = in->content.len;
        it->at.content.data = NULL;
        it->at.content.len = 0;
    }
    return 0;
}

uint8_t *
intake_attach_stored_bytes(const uint8_t *raw, size_t rlen,
                           const intake_attach_set_t *set, size_t *len)
{
    /* The stored records, their digests in stored form, packed. */
    Rongyu__Application stored;
    void *scratch;
    const Rongyu__Application *a =
        intake_digest_pack_app(&set->app, &stored, &scratch) ? &stored
                                                             : &set->app;
    size_t n = a->n_attachments, at_len = 0;
    uint8_t **packed = calloc(n + 1, sizeof *packed);
    size_t *plen = calloc(n + 1, sizeof *plen);
    if (!packed || !plen)
        abort();
    for (size_t i = 0; i < n; i++) {
        packed[i] = ry_pb_pack(&a->attachments[i]->base, &plen[i]);
        at_len += plen[i] + 15;
    }
    free(scratch);
    uint8_t *out = malloc(rlen + at_len + 1);
    if (!out)
        abort();
    size_t pos = 0, o = 0, seen = 0;
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(raw, rlen, &pos, &f)) == 1) {
        if (f.number != INTAKE_APP_ATTACHMENTS) {
            memcpy(out + o, f.start, f.n);
            o += f.n;
        } else if (seen++ == 0) {
            for (size_t i = 0; i < n; i++)
                ry_pb_put_bytes(out, &o, INTAKE_APP_ATTACHMENTS, packed[i],
                                plen[i]);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(packed[i]);
    free(packed);
    free(plen);
    if (more != 0 || seen != n) {
        free(out);
        return NULL;
    }
    *len = o;
    return out;
}

void
intake_attach_release(intake_attach_set_t *set)
{
    free(set->items);
    free(set->ptrs);
    set->items = NULL;
    set->ptrs = NULL;
    set->app.attachments = NULL;
    set->app.n_attachments = 0;
}
