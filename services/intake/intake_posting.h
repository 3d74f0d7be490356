/* intake_posting: the public posting (公示) of drafts at intake: recording
 * its start (PostingStartRequest), the status every draft's reply carries
 * (earliest end, last start day, warnings) and a unit's list of postings
 * (PostingsRequest). The date rules are common/ry_posting's. Private to
 * services/intake. */
#ifndef INTAKE_POSTING_H
#define INTAKE_POSTING_H

#include "intake_internal.h"
#include "rongyu.pb-c.h"
#include "ry_calendar.h"

/* A reply under construction (intake_reply.h). */
typedef struct intake_reply intake_reply_t;

#include <stdbool.h>

/* A PostingStatus with the storage of its strings. */
typedef struct intake_posting_status {
    Rongyu__PostingStatus msg;
    int64_t at_ms; /* the instant assessed */
    char start[RY_DATE_STRLEN], end[RY_DATE_STRLEN];
    char earliest[RY_DATE_STRLEN], last[RY_DATE_STRLEN];
    char deadline[RY_DATE_STRLEN], until[RY_DATE_STRLEN];
    char zh[1024], en[1024];
} intake_posting_status_t;

/* Gives intake the working-day calendar (taking *cal; NULL after). Without
 * one, replies carry no posting status. */
void intake_posting_set_calendar(intake_cases_t *self, ry_calendar_t **cal);

/* Sets *out to the day application a's posting must be over by, as it
 * stood at instant 'at' (ms; INT64_MAX: now in force): the campaign's
 * submission deadline, or for an excellent-worker nomination its
 * organising unit's deadline for recommending to the city, the city's
 * extension for the unit when there is one (intake_deadline). Returns 0,
 * RY_ENOTFOUND for an unknown campaign, or a store error. */
int intake_posting_deadline(const intake_cases_t *self, ry_txn_t *txn,
                            const Rongyu__Application *a, int64_t at,
                            ry_date_t *out);

/* Fills *out with where case c's posting stands at instant 'now', against
 * intake_posting_deadline as it stood then. Returns 0; RY_ENOTFOUND when
 * there is no calendar or the campaign is unknown; RY_EINVAL for
 * declared dates that are not real dates; RY_ENODATA when the calendar
 * lacks a year (out is then filled with that warning); or a store
 * error. */
int intake_posting_status(const intake_cases_t *self, ry_txn_t *txn,
                          const Rongyu__Case *c, int64_t now,
                          intake_posting_status_t *out);

/* Adds the posting status to a reply that carries a draft (r->kase in
 * state DRAFT). Nothing happens for other cases. */
void intake_posting_attach(const intake_cases_t *self, ry_txn_t *txn,
                           intake_reply_t *r);

/* The city extended the deadline of 'unit' in campaign 'campaign'
 * (intake_deadline_extend): tells notification again about each of the
 * unit's nomination drafts of the campaign (CaseEvent "deadline_extended",
 * state draft, with the new posting_deadline), so that their posting
 * timers are planned against it. Returns 0 or a store error. */
int intake_posting_extended(intake_cases_t *self, ry_txn_t *txn,
                            const char *campaign, const char *unit);

/* True when application a's posting (start and end) differs from that of
 * 'before' (NULL: a new draft) and a start is recorded; then writes the
 * audit line ("posting recorded: 2018-11-20..2018-11-26") to what. */
bool intake_posting_changed(const Rongyu__Application *before,
                            const Rongyu__Application *a, char *what,
                            size_t len);

/* PostingStartRequest: records the start (and planned end) of a draft's
 * posting, audited, and tells notification ("posting_recorded"). Returns
 * as the handlers of intake_internal.h: 0, -1 after intake_reply_fail
 * (E_MISSING_FIELD, E_INVALID, E_NOT_FOUND, E_FORBIDDEN, E_BAD_STATE) or a
 * store error. */
int intake_posting_start(intake_cases_t *self, ry_txn_t *txn,
                         const Rongyu__Request *req,
                         const intake_principal_t *p, intake_reply_t *r);

/* PostingsRequest: the drafts of a unit with their posting status (a unit
 * sees its own, the city any; grassroots unions are refused). Returns 0,
 * -1 after intake_reply_fail (E_FORBIDDEN, E_MISSING_FIELD) or a store
 * error. */
int intake_posting_list(intake_cases_t *self, ry_txn_t *txn,
                        const Rongyu__Request *req, const intake_principal_t *p,
                        intake_reply_t *r);

#endif
