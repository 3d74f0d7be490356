/* notify_events: the case events notification has applied, each kept once
 * as it came, under the key the channel applied it by; a case's review
 * timers refer to their event by that key instead of holding a copy. */
#ifndef NOTIFY_EVENTS_H
#define NOTIFY_EVENTS_H

#include "rongyu.pb-c.h"
#include "ry_store.h"

#include <stddef.h>
#include <stdint.h>

/* The table: sender \0 be64(seq) -> packed rongyu.CaseEvent. */
#define NOTIFY_EVENT_TABLES "events"

/* The longest key notify_events_key writes. */
#define NOTIFY_EVENT_KEY_MAX (64 + 1 + 8)

/* Writes the key of event 'seq' from 'sender' (its first 64 bytes) to
 * out; returns its length. */
size_t notify_events_key(uint8_t out[NOTIFY_EVENT_KEY_MAX], const char *sender,
                         uint64_t seq);

/* Stores an event's bytes under 'key', in txn. The channel applies each
 * sequence number once, so a key is written once. Returns 0, RY_EFULL or
 * RY_EIO. */
int notify_events_put(ry_txn_t *txn, const uint8_t *key, size_t klen,
                      const uint8_t *payload, size_t len);

/* When timer t refers to its event (event_key set, no event), reads it
 * and hangs it on t as t->event, without its failed checks (a timer needs
 * the case, not the verdict), to be freed with t. An event not stored or
 * that does not decode is the timer's loss alone: logged, t goes on
 * without it. Returns 0, or the store's error (RY_EIO) when it fails;
 * t is then unchanged. */
int notify_events_attach(ry_txn_t *txn, Rongyu__NotifyTimer *t);

#endif
