/* intake_attach: attachment contents stored once each under their SHA-256
 * ("blobs"), and the swap of a request's attachment fields for the
 * stored references. */
#include "intake_attach.h"

#include "ry_media.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
intake_attach_take(ry_txn_t *txn, const Rongyu__Application *a,
                   size_t max_attachment, intake_attach_set_t *out,
                   intake_reply_t *r)
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
                    0)
                return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                         "attachments[%zu].content", i);
            snprintf(it->media, sizeof it->media, "%s",
                     ry_media_sniff(v.data, v.len));
            it->at.media_type = it->media;
            it->at.size = v.len;
            continue;
        }
        if (in->content.len > max_attachment)
            return intake_reply_fail(
                r, RONGYU__ERROR_CODE__E_TOO_LARGE,
                "attachments[%zu] '%s': %zu bytes, at most %zu", i, in->name,
                in->content.len, max_attachment);
        uint8_t h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, in->content.data, in->content.len);
        sodium_bin2hex(it->sha, sizeof it->sha, h, sizeof h);
        if (!intake_is_empty(in->sha256) && strcmp(in->sha256, it->sha) != 0)
            return intake_reply_fail(
                r, RONGYU__ERROR_CODE__E_INVALID,
                "attachments[%zu] '%s': sha256 does not match "
                "the content",
                i, in->name);
        int rc = ry_txn_put(txn, "blobs", it->sha, 64, in->content.data,
                            in->content.len, 0);
        if (rc)
            return rc;
        snprintf(it->media, sizeof it->media, "%s",
                 ry_media_sniff(in->content.data, in->content.len));
        it->at.media_type = it->media;
        it->at.sha256 = it->sha;
        it->at.size = in->content.len;
        it->at.content.data = NULL;
        it->at.content.len = 0;
    }
    return 0;
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
