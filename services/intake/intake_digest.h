/* intake_digest: how intake's case rows hold an attachment's sha256.
 *
 * A client names content by 64 lower-case hex digits; intake keeps only
 * such digests in an application (intake_attach). In a "cases" or
 * "revisions" row each of them is stored as the Z85 text of its 32 bytes
 * (40 characters), 24 bytes less per attachment. Every reader of a
 * decoded case gets the hex digits back (intake_digest_restore);
 * validation, which reads no digest, is sent the application without them
 * (intake_digest_strip_bytes).
 * A row of an earlier version, with hex digests, reads as it is: a stored
 * digest of 40 characters can only be the Z85 form. Private to
 * services/intake. */
#ifndef INTAKE_DIGEST_H
#define INTAKE_DIGEST_H

#include "rongyu.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ry_z85.h"

enum { INTAKE_DIGEST_HEX = 64, INTAKE_DIGEST_Z85 = RY_Z85_LEN };

/* Field numbers of rongyu.proto that the readers of an application's
 * bytes look for: Application.attachments, Attachment.sha256
 * (test_intake_digest holds them to the descriptors). */
enum { INTAKE_APP_ATTACHMENTS = 11, INTAKE_ATT_SHA256 = 3 };

/* The stored form of hex (z, NUL-terminated) when hex is 64 lower-case
 * hex digits; false (z untouched) for anything else, kept as it is. */
bool intake_digest_pack(const char *hex, char z[INTAKE_DIGEST_Z85 + 1]);

/* The hex digits of a stored form (z, n bytes, not NUL-terminated);
 * false when it is not one. */
bool intake_digest_unpack(const char *z, size_t n,
                          char hex[INTAKE_DIGEST_HEX + 1]);

/* A shallow copy of app for storing: *out is app with each attachment
 * whose digest packs replaced by a copy holding the stored form. The
 * copy points into app and into *scratch (the caller frees *scratch with
 * free() once done with *out). Returns false when nothing changes (then
 * store app itself; *scratch is NULL). */
bool intake_digest_pack_app(const Rongyu__Application *app,
                            Rongyu__Application *out, void **scratch);

/* Puts the hex digits back in the attachments of a decoded application
 * (a message of ry_pb_unpack; app may be NULL). */
void intake_digest_restore(Rongyu__Application *app);

/* The encoded application (data, len) with no attachment's digest (in
 * either form): a new buffer (the caller's to free) and its length in
 * *out_len; NULL when no attachment has one (send data as it is) or the
 * bytes do not decode. */
uint8_t *intake_digest_strip_bytes(const uint8_t *data, size_t len,
                                   size_t *out_len);

#endif
