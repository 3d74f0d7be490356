/* intake_requests: a client's rongyu.Request, from its bytes to the bytes
 * of its rongyu.Reply: the layer above the case store (intake_cases). The
 * service's channel calls these two for its clients. */
#ifndef INTAKE_REQUESTS_H
#define INTAKE_REQUESTS_H

#include "ry_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ry_on_request_fn, ctx an intake_cases_t: decodes a Request, checks its
 * principal, answers a repeated idempotency key from the first answer,
 * applies the request inside txn and sets *reply to a packed Reply
 * (*reply_len bytes, the caller's to free()), whatever happened. Returns 0
 * to keep the writes (an OK answer; or the one refusal that writes: an
 * upload whose content is unlike its sha256, deleted and answered
 * E_INVALID), RY_EFULL when the store is full (the batch is refused), or
 * -1 to drop them (a client error, or a store failure answered
 * E_INTERNAL). data stays the caller's. */
int intake_requests_on_request(void *ctx, ry_txn_t *txn, const uint8_t *data,
                               size_t len, uint8_t **reply, size_t *reply_len);

/* ry_channel_opts_t.reads_only: true when the request in data is one of
 * the reads (get, list, status, org_list, quota, postings, deadlines,
 * wait, key_list), judged by the body field alone, without decoding. */
bool intake_requests_reads_only(void *ctx, const uint8_t *data, size_t len);

/* ry_on_refuse_fn: sets *reply (the caller's to free()) to E_BUSY when
 * 'why' is RY_EFULL (the store is full at its limit), else E_INTERNAL,
 * answering the request in data (which may not decode); nothing was
 * stored. */
void intake_requests_on_refuse(void *ctx, const uint8_t *data, size_t len,
                               int why, uint8_t **reply, size_t *reply_len);

#endif
