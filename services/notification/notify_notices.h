/* notify_notices: each notice addressed to at least one subscriber, kept
 * once. Its deliveries and feed items name it by number and are rendered
 * from it each time they are sent or read: rendering is a function of
 * what is stored, so a retried webhook carries the same body and
 * signature, and a delivery row holds no prose.
 *
 * Table:
 *   notices  be64(number) -> rongyu.StoredNotice
 * The case a notice is about is kept by its key in notify_events' table
 * when the notice's is the event stored there, else whole. */
#ifndef NOTIFY_NOTICES_H
#define NOTIFY_NOTICES_H

#include "notify_text.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stdint.h>

#define NOTIFY_NOTICE_TABLES "notices"

/* Stores n in txn under the next number, set in *number. Returns 0,
 * RY_EFULL or RY_EIO. */
int notify_notices_put(ry_txn_t *txn, const notify_notice_t *n,
                       uint64_t *number);

/* What one delivery of a notice says: its title and text, and its JSON
 * body when asked for. New strings, freed by notify_rendered_clear. */
typedef struct {
    char *title, *text, *json;
} notify_rendered_t;

/* Renders notice 'number' as delivery 'delivery_id' (0: a feed item) to
 * subscriber 'org', with the JSON body when 'json'. Returns 0,
 * RY_ENOTFOUND (no such notice), RY_EMALFORMED (it does not decode) or
 * RY_EIO; *out is then all NULL. */
int notify_notices_render(ry_txn_t *txn, uint64_t number, uint64_t delivery_id,
                          const char *org, bool json, notify_rendered_t *out);

void notify_rendered_clear(notify_rendered_t *r);

#endif
