/* intake_deadline: the summary deadline (SPEC §3.6: recommendations to the
 * city and the summary tables by 31 December) and the city's extensions of
 * it for one organising unit, kept in order as their own audit trail. */
#ifndef INTAKE_DEADLINE_H
#define INTAKE_DEADLINE_H

#include "intake_internal.h"
#include "rongyu.pb-c.h"
#include "ry_campaign.h"
#include "ry_store.h"

/* A reply under construction (intake_reply.h). */
typedef struct intake_reply intake_reply_t;

#include <stdint.h>

/* Table "extensions" (in INTAKE_TABLES):
 * campaign \0 unit \0 be64(seq) -> packed rongyu.DeadlineExtension. */

/* The last day on which 'unit' may still recommend to the city in
 * campaign c: the newest extension's day, else summary_deadline. Sets
 * *extended when an extension is in force. Returns 0 or a store error. */
int intake_deadline_for(ry_txn_t *txn, const ry_campaign_t *c, const char *unit,
                        ry_date_t *last, bool *extended);

/* intake_deadline_for as it stood at instant 'at' (ms): the newest
 * extension granted at or before it (a first answer made again, as it
 * was). Same returns. */
int intake_deadline_at(ry_txn_t *txn, const ry_campaign_t *c, const char *unit,
                       int64_t at, ry_date_t *last, bool *extended);

/* Refuses a recommendation made at 'now' (ms) by an organising unit for
 * application a once its deadline has passed (the end of that day in the
 * campaign's zone): E_DEADLINE_PASSED naming the date, in both languages.
 * A case of an unknown campaign is not refused here. Returns 0, -1 after
 * intake_outcome_fail, or a store error. */
int intake_deadline_check(ry_txn_t *txn, const ry_campaigns_t *camps,
                          const Rongyu__Application *a, int64_t now,
                          intake_outcome_t *o);

/* ExtendDeadlineRequest (the city only: the caller authorises): checks
 * the unit (an Annex 1 row), the date (real, not before summary_deadline)
 * and the opinion, then appends the extension (actor, now) and tells it
 * to notification through 'ch' (DEADLINE_EXTENSION; NULL: no peer),
 * which reminds the unit against it. Returns 0 with the unit's extensions
 * in the reply, -1 after intake_reply_fail, or a store error. */
int intake_deadline_extend(ry_txn_t *txn, ry_channel_t *ch,
                           const ry_campaigns_t *camps,
                           const Rongyu__ExtendDeadlineRequest *q,
                           const char *actor, int64_t now, intake_reply_t *r);

/* Tells notification through 'ch', once per store ("meta"
 * extensions_told), every extension granted before intake told it of
 * them: the units' own reminders. Notification keeps the newest one of a
 * unit, so one told again changes nothing. Sets *n (may be NULL) to how
 * many were told. Returns 0 or a store error. */
int intake_deadline_tell_all(ry_txn_t *txn, ry_channel_t *ch, unsigned *n);

/* DeadlinesRequest: the summary deadline and every extension (of one unit
 * or all), oldest first. Returns 0, -1 after intake_reply_fail, or a store
 * error. */
int intake_deadline_list(ry_txn_t *txn, const ry_campaigns_t *camps,
                         const Rongyu__DeadlinesRequest *q, intake_reply_t *r);

#endif
