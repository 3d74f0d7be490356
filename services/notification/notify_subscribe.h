/* notify_subscribe: subscriptions made by request (SubscribeRequest,
 * SubscriptionsRequest, UnsubscribeRequest): kept in the store beside the
 * operator's subscribers file (which stays, as the bootstrap), each change
 * audited, each state-changing request under an idempotency key.
 *
 * Tables:
 *   subscriptions  be64(n) -> Subscription (secret kept; never returned)
 *                  (its id is "s<n>")
 *   sub_by_org     org \0 be64(n) -> ""  (index, in step with the above)
 *   sub_audit      be64(n) -> AuditEntry (case_id: the subscription id)
 *   sub_idem       org \0 key -> sha256(request) ++ packed first Reply
 * Counters "sub_seq", "sub_audit_seq" in the deliverer's "meta" table. */
#ifndef NOTIFY_SUBSCRIBE_H
#define NOTIFY_SUBSCRIBE_H

#include "notify_subs.h"
#include "rongyu.pb-c.h"
#include "ry_campaign.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stddef.h>

/* The most subscriptions by request one organisation may have. */
#define NOTIFY_SUBSCRIBE_MAX_PER_ORG 16

#define NOTIFY_SUBSCRIBE_TABLES                                                \
    "subscriptions", "sub_by_org", "sub_audit", "sub_idem"

/* Answers a subscribe, subscriptions or unsubscribe request 'req' in txn,
 * sent with the reader's key 'key' (its record, which the principal
 * narrows), with the file's subscribers 'file' shown in listings.
 * Sets *reply (the caller's to free()). Returns 0 when txn holds writes
 * to keep, -1 when nothing is to be kept, or a store error (then *reply
 * is NULL). */
int notify_subscribe_request(ry_txn_t *txn, const Rongyu__Request *req,
                             const Rongyu__KeyRecord *key,
                             const notify_subs_t *file, int64_t now,
                             uint8_t **reply, size_t *reply_len);

/* Whom a read (NotificationsRequest, FeedReplayRequest) 'req' sent with
 * the reader's key 'key' may see, its principal resolved and checked as
 * for subscriptions: the city and the platform acting as themselves or
 * as the city see every organisation's (*org set to ""); any other
 * principal (the platform acting for an organisation) sees its own
 * organisation's deliveries and feed alone (*org set to it, borrowed
 * from req or key), and neither another's nor the timers. Returns 0, or
 * -1 with *reply (the caller's to free()) the error: E_INVALID,
 * E_MISSING_FIELD at principal.*, E_FORBIDDEN at notifications.org,
 * notifications.timers or feed_replay.topic. */
int notify_subscribe_scope(const Rongyu__Request *req,
                           const Rongyu__KeyRecord *key, const char **org,
                           uint8_t **reply, size_t *reply_len);

/* Reads the stored subscriptions a notice to 'targets' (org ids, or @all
 * and the roles) may reach, each as a notify_sub_t whose role is the one
 * its organisation has (notify_subscribe_role), whoever subscribed it:
 * those of the organisations named, through sub_by_org, when every
 * target is an organisation (a case's notices); every one when a target
 * is a role. Sets *out (malloc'd, the caller's to free; NULL when none)
 * and *n. Returns 0 or a store error. */
int notify_subscribe_load(ry_txn_t *txn, const ry_campaigns_t *camps,
                          const char *const *targets, size_t ntargets,
                          notify_sub_t **out, size_t *n);

/* Brings sub_by_org in step with the subscriptions when it is not (a
 * store written before the index was kept, or one an earlier version
 * ran on since: a subscription without its row, or a row without its
 * subscription): rebuilt whole. Sets *rebuilt
 * (may be NULL). Returns 0 or a store error. */
int notify_subscribe_reindex(ry_txn_t *txn, bool *rebuilt);

/* Writes to role (at least 16 bytes) the role that selects organisation
 * 'org' in the targets @city, @unit and @grassroots, as a subscription
 * made by request has no role of its own: "city" for the city ("city",
 * or one of 'cities', the organisations of the city keys intake
 * registered: notify_readers_city_orgs); "unit" for an organising unit, a
 * row of Annex 1 of a campaign in 'camps' (may be NULL); else the role
 * 'stated' (may be NULL or "") when the organisation subscribed itself
 * with one; else "grassroots". */
void notify_subscribe_role(const ry_campaigns_t *camps, char *const *cities,
                           size_t ncities, const char *org, const char *stated,
                           char *role, size_t cap);

#endif
