/* notify_deliver: the delivery log and the engine that works it off: one
 * row per (notice, subscriber, channel) with its own state, attempt count
 * and next-attempt time, so one failing channel never holds up another;
 * the PUB feed, kept in the store for replay; every attempt logged. */
#ifndef NOTIFY_DELIVER_H
#define NOTIFY_DELIVER_H

#include "notify_config.h"
#include "notify_notices.h"
#include "notify_readers.h"
#include "notify_subs.h"
#include "notify_subscribe.h"
#include "notify_text.h"
#include "rongyu.pb-c.h"
#include "ry_keys.h"
#include "ry_store.h"

#include <stdint.h>

/* The tables this module keeps, with the notices it writes and renders,
 * and the subscriptions and the readers (whose city keys name the city's
 * organisation) it reads. */
#define NOTIFY_DELIVER_TABLES                                                  \
    "deliveries", "dq", "attempts", "feed", "meta", NOTIFY_NOTICE_TABLES,      \
        NOTIFY_SUBSCRIBE_TABLES, NOTIFY_READER_TABLES

typedef struct notify_deliver notify_deliver_t;

/* Creates the engine over 'store' (borrowed) with the settings 'nc'
 * (copied) and the campaigns 'camps' (borrowed for the engine's life; may
 * be NULL), whose Annex 1 units are the organising units a subscription's
 * organisation is matched to (notify_subscribe_role). Binds the PUB feed
 * at nc->pub_bind unless it is "", a CURVE server with 'keys' (borrowed
 * for the call). Returns 0, RY_ENET or RY_ECONFIG (feed) or RY_EIO
 * (libcurl). */
int notify_deliver_new(ry_store_t *store, size_t max_map_size,
                       const notify_config_t *nc, const ry_campaigns_t *camps,
                       const ry_keys_t *keys, notify_deliver_t **out);
void notify_deliver_destroy(notify_deliver_t **self_p);

/* The feed's endpoint, or "" when there is no feed (borrowed). */
const char *notify_deliver_pub_endpoint(const notify_deliver_t *self);

/* Addresses notice n to every subscriber in 'subs' (the operator's file)
 * or subscribed by request that one of the targets names (org id, @all,
 * or @unit, @city, @grassroots: the file's role, or for a subscription
 * by request the role of its organisation) and writes, in
 * txn, one delivery per channel it asked for: a feed item (sent at once:
 * the store is the feed), a pending webhook, a pending e-mail (failed at
 * once when no SMTP server is configured). Sets *count (may be NULL) to
 * the deliveries written. Returns 0, RY_EFULL or RY_EIO. */
int notify_deliver_enqueue(notify_deliver_t *self, ry_txn_t *txn,
                           const notify_notice_t *n,
                           const char *const *targets, size_t ntargets,
                           const notify_subs_t *subs, int64_t now,
                           unsigned *count);

/* One round of the engine at clock time 'now': records the transfers that
 * finished (sent, or a retry after back-off, or failed after
 * max_attempts), starts the deliveries that are due, publishes new feed
 * items. Returns 0 or RY_EIO. */
int notify_deliver_pump(notify_deliver_t *self, int64_t now);

/* Drives the transfers in flight, waiting up to wait_ms for activity. */
void notify_deliver_wait(notify_deliver_t *self, int wait_ms);

/* Transfers in flight. */
unsigned notify_deliver_active(const notify_deliver_t *self);

/* The clock time the next pending delivery falls due (not counting those
 * in flight), or INT64_MAX. */
int64_t notify_deliver_next_due(notify_deliver_t *self);

/* The size of a page of a listing asked for 'limit' rows
 * (NotificationsRequest.limit): 100 when 0, at most 1000. Deliveries and
 * timers page alike: after_id is the position in the listing's order of
 * the last row already read (a delivery's id; a timer's ordinal, from 1,
 * in timer id order), and next_after is set to that of the page's last
 * row while more rows match, else 0. */
size_t notify_deliver_page_limit(uint32_t limit);

/* The attempts of one delivery a listing shows: its last ones
 * (Delivery.attempts counts them all). */
#define NOTIFY_DELIVER_LISTED_ATTEMPTS 20

/* Answers a NotificationsRequest (deliveries, newest last, with their
 * attempts) from txn, a page of notify_deliver_page_limit(q->limit)
 * after q->after_id: fills *r with messages the caller frees with
 * notify_deliver_reply_clear. Returns 0 or RY_EIO. */
int notify_deliver_list(ry_txn_t *txn, const Rongyu__NotificationsRequest *q,
                        Rongyu__NotificationsReply *r);

/* Answers a FeedReplayRequest from txn; free with
 * notify_deliver_reply_clear_feed. Returns 0 or RY_EIO. */
int notify_deliver_replay(ry_txn_t *txn, const Rongyu__FeedReplayRequest *q,
                          Rongyu__FeedReplayReply *r);

/* Frees what a listing put in r and leaves it empty (next_after 0), to
 * be filled again. */
void notify_deliver_reply_clear(Rongyu__NotificationsReply *r);
void notify_deliver_reply_clear_feed(Rongyu__FeedReplayReply *r);

#endif
