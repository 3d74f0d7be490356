/* intake_attach: the attachments of an application: their contents kept
 * once each in the "blobs" table under their SHA-256, the records keeping
 * only the reference. Private to services/intake. */
#ifndef INTAKE_ATTACH_H
#define INTAKE_ATTACH_H

#include "intake_reply.h"
#include "rongyu.pb-c.h"
#include "ry_store.h"

#include <stddef.h>
#include <stdint.h>

/* Saved attachment fields, to restore the decoded request before freeing
 * it (its strings belong to the decoder). */
typedef struct {
    ProtobufCBinaryData content;
    char *media_type, *sha256;
    uint64_t size;
    char media_buf[64], sha_buf[65];
} intake_attach_save_t;

/* Stores each attachment's content of 'a' under its SHA-256 in txn,
 * records the media type recognised from the content, and strips the
 * content from the record; an attachment without content must name the
 * sha256 of content stored before for the same applicant (a new revision;
 * the "blob_owners" table records for whom each content was uploaded). 'saved' (one entry per
 * attachment, the caller's) records the fields swapped, and a's new
 * strings point into it: call intake_attach_restore before 'saved' goes
 * away, whatever this returned. Returns 0, -1 after intake_reply_fail
 * (E_MISSING_FIELD: no content and no stored sha256; E_FORBIDDEN: content
 * uploaded for another applicant named by sha256 alone; E_TOO_LARGE: more
 * than max_attachment bytes; E_INVALID: sha256 does not match the
 * content), or a store error. */
int intake_attach_take(ry_txn_t *txn, Rongyu__Application *a,
                       size_t max_attachment, intake_attach_save_t *saved,
                       intake_reply_t *r);

/* Puts back the first n attachments' fields of 'a' from 'saved'. */
void intake_attach_restore(Rongyu__Application *a,
                           const intake_attach_save_t *saved, size_t n);

#endif
