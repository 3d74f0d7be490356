/* intake_attach: the attachments of an application: their contents kept
 * once each in the "blobs" table under their SHA-256, the records keeping
 * only the reference. Private to services/intake. */
#ifndef INTAKE_ATTACH_H
#define INTAKE_ATTACH_H

#include "intake_outcome.h"
#include "rongyu.pb-c.h"
#include "ry_store.h"

#include <stddef.h>
#include <stdint.h>

/* One attachment as it is stored: the request's strings, the content
 * replaced by its SHA-256 and the recognised media type. */
typedef struct {
    Rongyu__Attachment at;
    char media[64], sha[65];
} intake_attach_item_t;

/* The application as it is stored: a shallow copy of the request's, with
 * its own attachment records. It owns only those records; the request is
 * never changed, so it stays whole for its own decoder to free. */
typedef struct {
    Rongyu__Application app;
    intake_attach_item_t *items;
    Rongyu__Attachment **ptrs;
} intake_attach_set_t;

/* Stores each attachment's content of 'a' under its SHA-256 in txn and
 * fills 'out' with the application to store: every attachment with its
 * media type recognised from the content and without the content; an
 * attachment without content must name the sha256 of content stored
 * before for the same applicant (a new revision; the "blob_owners"
 * table records for whom each content was uploaded). 'a' is not changed. Call intake_attach_release
 * on 'out' whatever this returned. Returns 0, -1 after intake_outcome_fail
 * (E_MISSING_FIELD: no content and no stored sha256; E_FORBIDDEN: content
 * uploaded for another applicant named by sha256 alone; E_TOO_LARGE: more
 * than max_attachment bytes; E_INVALID: sha256 does not match the
 * content), or a store error. */
int intake_attach_take(ry_txn_t *txn, const Rongyu__Application *a,
                       size_t max_attachment, intake_attach_set_t *out,
                       intake_outcome_t *o);

/* Whether content 'sha' (64 hex digits) is stored and was uploaded for
 * 'applicant' (a "blob_owners" row, or for content stored before those
 * rows existed, one of the applicant's cases naming it). Returns 0 and
 * sets *len to the content's size when so, RY_ENOTFOUND when the content
 * is not stored or not the applicant's, or a store error. */
int intake_attach_owned(ry_txn_t *txn, const char *sha, const char *applicant,
                        size_t *len);

/* Stores 'len' bytes of 'data' under 'sha' (their SHA-256, which the
 * caller checked) in "blobs", once, and records that they were uploaded
 * for 'applicant'. Returns 0, RY_ETOOBIG or a store error. */
int intake_attach_store(ry_txn_t *txn, const char *sha, const void *data,
                        size_t len, const char *applicant);

/* The bytes of set->app as a case row stores it, made from raw[0..rlen),
 * the application's bytes as received and decoded into what
 * intake_attach_take read: each of its fields as sent but the
 * attachments (11), whose stored records, their digests in stored form
 * (intake_digest), take the place of the first. Decoded, they are
 * set->app with its digests packed, as ry_pb_pack would have written it.
 * A new buffer (the caller's to free) and its length in *len; NULL when
 * raw does not hold as many attachments as set->app (pack set->app). */
uint8_t *intake_attach_stored_bytes(const uint8_t *raw, size_t rlen,
                                    const intake_attach_set_t *set,
                                    size_t *len);

/* Frees what intake_attach_take allocated in 'set'; safe twice. */
void intake_attach_release(intake_attach_set_t *set);

#endif
