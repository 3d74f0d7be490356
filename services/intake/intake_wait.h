/* intake_wait: long polls. A WaitRequest is answered at once when its
 * case is no longer in the state named, else parked (the channel keeps
 * the client's envelope, ry_channel_defer) and answered after the round
 * whose commit moved the case, or when its time runs out. Waiters are
 * connections, not state: a restart of intake forgets them and the
 * client, whose reply does not come, asks again. Private to
 * services/intake. */
#ifndef INTAKE_WAIT_H
#define INTAKE_WAIT_H

#include "intake_internal.h"

#include <stdbool.h>

/* A reply under construction (intake_reply.h). */
typedef struct intake_reply intake_reply_t;

#include <stdint.h>

/* Waiters at most; past it a WaitRequest gets E_BUSY. */
#define INTAKE_WAIT_MAX 1024
/* Cases one WaitRequest may name (case_ids) at most, and all the parked
 * waits on several cases together; past either, E_BUSY. */
#define INTAKE_WAIT_CASES 256
#define INTAKE_WAIT_CASES_PARKED 16384
/* What one organisation's own key (not a platform key, which acts for
 * many users) may hold of both at most: an eighth, so that no one key
 * keeps the others from waiting; past it, that key's oldest waits are
 * answered at once, timed out, to make room for its new one. */
#define INTAKE_WAIT_PER_KEY (INTAKE_WAIT_MAX / 8)
#define INTAKE_WAIT_CASES_PER_KEY (INTAKE_WAIT_CASES_PARKED / 8)
/* WaitRequest.timeout_ms: 0 means this; more than the max is refused. */
#define INTAKE_WAIT_DEFAULT_MS 30000
#define INTAKE_WAIT_MAX_MS 120000

typedef struct intake_waits intake_waits_t;

void intake_waits_destroy(intake_waits_t **self_p);

/* Handles a WaitRequest for principal p inside txn: 0 with r->kase set
 * (answer now, r->wait set), or with r->wcases (a wait on case_ids, of
 * which these have left the state; r->wait_many set), 0 with *deferred
 * true (parked: send no reply now), or -1 after intake_reply_fail
 * (E_MISSING_FIELD, E_OUT_OF_RANGE, E_INVALID, E_NOT_FOUND, E_BUSY), or a
 * store error. */
int intake_wait_request(intake_cases_t *self, ry_txn_t *txn,
                        const Rongyu__Request *req, const intake_principal_t *p,
                        intake_reply_t *r, bool *deferred);

/* Notes that the round under way wrote case_id (intake_cases' one place
 * that stores a case calls it): its waiters are looked at after the
 * round. */
void intake_wait_poke(intake_cases_t *self, const char *case_id);

/* After a round: answers the waiters whose case was written and left
 * its state, and those whose time ran out; the others' cases are not
 * read. 'synced': called once a round synced apart is on the disk, while
 * the next is applied (ry_channel_sync_apart's on_synced): only the
 * writes of committed rounds count, and the waiters the round under way
 * parked wait. Returns the milliseconds until the next waiter's time
 * runs out (INT32_MAX: none). */
int intake_wait_tick(intake_cases_t *self, bool synced);

/* After a round's commit synced apart: the writes noted so far are of
 * committed rounds (intake_wait_tick). */
void intake_wait_committed(intake_cases_t *self);

#endif
