/* ry_verdict: a verdict's stored form (StoredVerdict): only what cannot
 * be derived again from the application it judges and the rule
 * catalogue; and the whole verdict filled back in from it. */
#ifndef RY_VERDICT_H
#define RY_VERDICT_H

#include "rongyu.pb-c.h"
#include "rongyu_services.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packs verdict v, made by validation for application app, in its
 * stored form. Each check is stored as little as gives it back exactly
 * (ry_verdict_expand with the same app yields v's checks byte for byte,
 * their codes left out: the rule number says them): a check derived
 * whole is one entry of 'steps'; otherwise the parts that cannot be
 * derived (a threshold from the campaign, a value from the calendar) are
 * stored; a check that does not come back exactly is stored as it is.
 * v and app are only read. Returns the bytes (the caller's to free) and
 * their length in *len. */
uint8_t *ry_verdict_pack(const Rongyu__Verdict *v,
                         const Rongyu__Application *app, size_t *len);

/* The bytes protobuf-c packs sv into, byte for byte, written field by
 * field instead of through the descriptors (the packing of validation's
 * verdicts); a message with unknown fields, or with a field this does
 * not know, is packed by protobuf-c. Returns the bytes (the caller's to
 * free) and their length in *len. */
uint8_t *ry_verdict_stored_pack(const Rongyu__StoredVerdict *sv, size_t *len);

/* Decodes a stored verdict (data, len: a StoredVerdict, or a Verdict
 * stored whole by an earlier version) into the whole verdict, filling
 * what was left out from app, the application of the same case and
 * revision. Display texts are not rendered (ry_rulecat_fill_verdict).
 * On success *out is a message from ry_pb_unpack (free with ry_pb_free).
 * Returns 0; RY_EMALFORMED when the bytes do not decode or the steps name
 * more stored checks than there are; RY_EINVAL when the verdict needs an
 * application and app is NULL. */
int ry_verdict_expand(const uint8_t *data, size_t len,
                      const Rongyu__Application *app, Rongyu__Verdict **out);

/* The whole verdict as ry_verdict_expand gives it, without the copy that
 * makes it a message of its own: v points into the view's decoded bytes,
 * its scratch and app's strings, and lives until ry_verdict_view_free (and
 * no longer than app). Read it, pack it, point to it for that long; never
 * give it to ry_pb_free or ry_pb_set_string. Same returns as
 * ry_verdict_expand; on failure the view holds nothing. */
typedef struct {
    Rongyu__Verdict *v;
    size_t n_all; /* the verdict's checks, failed or not */
    void *priv_;  /* what v points into */
} ry_verdict_view_t;
int ry_verdict_view(const uint8_t *data, size_t len,
                    const Rongyu__Application *app, ry_verdict_view_t *out);

/* The same view with only the checks that failed in v (n_all still counts
 * them all): what a verdict's arrival needs, without expanding the checks
 * that passed. */
int ry_verdict_view_failed(const uint8_t *data, size_t len,
                           const Rongyu__Application *app,
                           ry_verdict_view_t *out);
void ry_verdict_view_free(ry_verdict_view_t *view);

/* The view ry_verdict_view_failed gives of a verdict in stored form
 * whose checks all passed, read from its bytes with nothing decoded or
 * derived: app is read for its campaign id alone (a rule-set version's).
 * Returns true when it made *out; false, with *out untouched, for any
 * other verdict (a check failed, a verdict stored whole, bytes that are
 * not one): ry_verdict_view_failed, with the whole application, reads
 * those and says what is wrong. */
bool ry_verdict_view_passed(const uint8_t *data, size_t len,
                            const Rongyu__Application *app,
                            ry_verdict_view_t *out);

/* Whether the stored Check in data[0..len) passed (1) or not (0), read in
 * place: only bytes in the form protobuf-c writes (every field one of
 * Check's, Quantity's or Ratio's with its own wire type, varints of at
 * most nine bytes, a message field that is not repeated given at most
 * once, quantities nested at most 16 deep), which protobuf-c decodes to
 * the same 'passed'. -1 for any other bytes, a Check or not: decode those
 * to know. */
int ry_verdict_check_passed_canonical(const uint8_t *data, size_t len);

/* Whether protobuf-c reads c back, once packed, with every field as c
 * holds it (each string set; a oneof member set only when it is written;
 * no -0.0 outside a oneof, which comes back as +0.0; booleans 0 or 1; no
 * unknown fields; quantities at most 16 deep), so that whatever reads the
 * fields of c reads the same in the copy. False is the safe answer: for
 * any other check, and for all of them once Check, Quantity or Ratio has
 * a field this does not know. */
bool ry_verdict_check_kept(const Rongyu__Check *c);

/* Whether two checks (two quantities) pack to the same bytes: what
 * ry_pb_equal answers, field by field. NULL equals only NULL. */
bool ry_verdict_check_equal(const Rongyu__Check *a, const Rongyu__Check *b);
bool ry_verdict_quantity_equal(const Rongyu__Quantity *a,
                               const Rongyu__Quantity *b);

#endif
