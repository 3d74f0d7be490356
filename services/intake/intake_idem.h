/* intake_idem: the "idem" table, per organisation and idempotency key:
 * the request's fingerprint, to tell a retry from a reuse, and what gives
 * a retry the first answer. Private to services/intake. */
#ifndef INTAKE_IDEM_H
#define INTAKE_IDEM_H

#include "intake_internal.h"
#include "intake_reply.h"
#include "rongyu.pb-c.h"
#include "ry_store.h"

#include <stddef.h>
#include <stdint.h>

/* The fingerprint of a request as it was received: SipHash-2-4, 128 bits
 * under key (the store's: intake_cases_t's idem_key), then 16 zero bytes,
 * of its fields but the idempotency key (1) and the request id (3), in
 * the order sent. Nothing is encoded again. */
void intake_idem_fingerprint(const uint8_t key[INTAKE_IDEM_KEY_LEN],
                             const uint8_t *data, size_t len, uint8_t out[32]);

/* Looks req's idempotency key up (scoped by req->principal->org_id); data
 * and len are req as received, fp its fingerprint (a row stored by an
 * earlier version, with its own kind of fingerprint, still matches).
 * Returns 0 when the key is new (go on and do the work); 1 when r is
 * settled: the first answer of a retry (out.code OK, with r->out.kase
 * rebuilt, with the posting status of a draft assessed again at the
 * instant it first was, or r->cached holding a stored answer), or a refusal
 * (E_MISSING_FIELD or E_INVALID for the key, E_CONFLICT for another
 * request under it, E_INTERNAL for a record that does not decode);
 * else a store error. */
int intake_idem_lookup(const intake_cases_t *self, ry_txn_t *txn,
                       const Rongyu__Request *req, const uint8_t *data,
                       size_t len, const uint8_t fp[32], intake_reply_t *r);

/* Keeps, under req's key, what gives a retry r's answer (r OK, its
 * verdict already joined): for an answer with a case, the few fields of
 * the case as it was then and the instant of its posting status (an
 * IdemCase), the rest being rebuilt from the case store; for any other
 * answer, the answer itself, packed without a request id, which is also
 * given back in *out (the caller's to free; NULL for a case). Nothing
 * happens without a key. Returns 0 or a store error. */
int intake_idem_store(ry_txn_t *txn, const Rongyu__Request *req,
                      const uint8_t fp[32], intake_reply_t *r, uint8_t **out,
                      size_t *out_len);

#endif
