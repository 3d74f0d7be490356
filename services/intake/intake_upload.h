/* intake_upload: attachments too large for one frame, received in parts
 * (UploadRequest) and, once whole and checked against their SHA-256,
 * stored as the inline ones are (intake_attach: "blobs", "blob_owners"),
 * so that an application names them by sha256 alone. Private to
 * services/intake. */
#ifndef INTAKE_UPLOAD_H
#define INTAKE_UPLOAD_H

#include "intake_internal.h"
#include "intake_outcome.h"
#include "rongyu.pb-c.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tables (listed in INTAKE_TABLES):
 *   "uploads": applicant \0 sha256 (64 hex digits) -> be64 size,
 *              be64 bytes received, be64 sequence number (the order
 *              uploads were started in, from "meta" upload_seq);
 *   "upload_parts": applicant \0 sha256 \0 be64 offset -> the part's
 *              bytes.
 * Both hold only unfinished uploads: a finished one is in "blobs". */

/* Unfinished uploads one applicant may have; starting another drops the
 * oldest, so the parts kept are at most this many times max_attachment
 * per registered organisation. */
#define INTAKE_UPLOAD_OPEN_MAX 4

/* intake_upload_part's refusal after which the upload is gone (its writes
 * are to be kept): the content did not match its sha256. */
#define INTAKE_UPLOAD_DISCARDED 1

/* Where an upload stands. */
typedef struct {
    uint64_t size;     /* of the whole content */
    uint64_t received; /* bytes received: the next part's offset */
    bool complete;     /* stored in "blobs" for the applicant */
} intake_upload_progress_t;

/* Applies part q of an upload for 'applicant' (an organisation id of at
 * most 200 bytes, whose right to upload the caller checked) inside txn,
 * and sets *out to the progress after it. A part that starts where the
 * bytes received end is stored; the last one completes the upload: the
 * content's SHA-256 is checked, the content stored for the applicant
 * (intake_attach_store) and the parts deleted. A part already received,
 * a part without data, and any part of content the applicant already has
 * change nothing and answer the progress. A first part drops the
 * applicant's oldest unfinished upload when it has INTAKE_UPLOAD_OPEN_MAX.
 * Returns 0; -1 after intake_outcome_fail with nothing written
 * (E_MISSING_FIELD: no sha256; E_INVALID: sha256 not 64 lower-case hex
 * digits, or size unlike the upload's or the stored content's;
 * E_OUT_OF_RANGE: size 0, an offset other than the bytes received (the
 * detail names the expected one), data longer than what is left;
 * E_TOO_LARGE: size over max_attachment); INTAKE_UPLOAD_DISCARDED after
 * intake_outcome_fail(E_INVALID) when the whole content does not match
 * sha256: the upload was deleted in txn and must start again from 0; or
 * a store error, after which txn must be dropped. q stays the caller's. */
int intake_upload_part(ry_txn_t *txn, const Rongyu__UploadRequest *q,
                       const char *applicant, size_t max_attachment,
                       intake_upload_progress_t *out, intake_outcome_t *o);

/* The number of unfinished uploads of 'applicant' (*n). Returns 0 or a
 * store error. */
int intake_upload_count(ry_txn_t *txn, const char *applicant, uint64_t *n);

typedef struct intake_reply intake_reply_t;

/* UploadRequest: checks that principal p may apply for the applicant
 * (applicant_org, or p's organisation: as for submit and save_draft),
 * which must be a registered organisation, then intake_upload_part; the
 * reply carries an UploadReply. Returns 0 (also after a refusal that
 * discarded the upload: its writes are kept, r holds the error), -1 after
 * intake_reply_fail (E_FORBIDDEN, E_NOT_FOUND for an unregistered
 * applicant, E_OUT_OF_RANGE for an over-long one, and those of
 * intake_upload_part) or a store error. */
int intake_upload_request(intake_cases_t *self, ry_txn_t *txn,
                          const Rongyu__Request *req,
                          const intake_principal_t *p, intake_reply_t *r);

#endif
