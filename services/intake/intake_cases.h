/* intake_cases: the intake service's case store: cases, their indexes,
 * revisions and audit trail, the transitions of intake_fsm, and the entry
 * point for peers' messages. Client requests enter at intake_requests, the
 * layer above. No socket in sight: tests drive it directly. */
#ifndef INTAKE_CASES_H
#define INTAKE_CASES_H

#include "intake_orgs.h"
#include "intake_seats.h"
#include "rongyu.pb-c.h"
#include "ry_campaign.h"
#include "ry_channel.h"
#include "ry_store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct intake_cases intake_cases_t;

/* The tables intake keeps, with the channel's. by_org and by_unit are
 * indexes of earlier versions, emptied when intake opens the store. */
#define INTAKE_TABLES                                                          \
    "cases", "by_org", "by_unit", "audit", "idem", "blobs", "meta",            \
        "revisions", "superseded", "verdicts", "extensions", "keys",           \
        "blob_owners", "dead_audit", "by_state", "by_org_state",               \
        "by_unit_state", "by_due", "uploads", "upload_parts", "apps",          \
        INTAKE_ORG_TABLES, INTAKE_SEAT_TABLES, RY_CHANNEL_TABLES

typedef struct {
    size_t max_attachment;  /* per attachment, bytes */
    unsigned outbox_limit;  /* past this many rows to a peer: E_BUSY */
} intake_limits_t;

/* Creates the handler over 'store' (borrowed), reading the last case id so
 * new ids keep rising after a restart. A store written before the case
 * indexes (by_state, by_org_state, by_unit_state, by_due) existed gets
 * them here, built once in one transaction. The channel is set later with
 * intake_cases_set_channel (it needs this object as its context).
 * Returns 0 or RY_EIO. */
int intake_cases_new(ry_store_t *store, const intake_limits_t *limits,
                     intake_cases_t **out);
void intake_cases_destroy(intake_cases_t **self_p);
void intake_cases_set_channel(intake_cases_t *self, ry_channel_t *channel);

/* Replaces the campaign registry (by default the built-in campaign only),
 * taking ownership of *campaigns and nulling it. The campaigns give the
 * review period (review_months), the units and the quota caps. */
void intake_cases_set_campaigns(intake_cases_t *self,
                                ry_campaigns_t **campaigns);

/* ry_on_message_fn: a ValidationResult from validation or a SeatResult
 * from quota. */
int intake_cases_on_message(void *self, ry_txn_t *txn, const ry_msg_t *msg);

/* Checks, inside txn, that the case indexes hold exactly the rows of the
 * stored cases, in the form this version keeps (a store whose indexes an
 * earlier version wrote fails, saying so, until intake has opened it).
 * Returns 0, RY_EINVAL with what is wrong in why (len bytes), or a store
 * error. */
int intake_cases_index_check(ry_txn_t *txn, char *why, size_t len);

/* Checks that case_id's application is whole as stored: its row holds
 * the head and "apps" the rest, or, in a row of an earlier version with
 * nothing apart, the row holds more than the head (a row of the head
 * alone and nothing apart fails: its rest was lost, or an earlier
 * version stored an application of the head alone, which this cannot
 * tell). Returns 0; RY_ENOTFOUND (no such case); RY_EIO with why (len
 * bytes) saying what is wrong; or another store error (why empty). */
int intake_cases_application_check(ry_txn_t *txn, const char *case_id,
                                   char *why, size_t len);

#endif
