/* notify_posting: the timers and notices of public postings (公示), on the
 * working-day calendar (common/ry_posting): the notice that tells a
 * union, when it records a posting, the earliest day it can end and the
 * last day one could start; posting_complete at the reminder hour of the
 * posting's last required working day ('until', the first day it may be
 * submitted); posting_start_by for a draft with no posting
 * yet; and the campaign-wide announcements of the last day a posting can
 * start (submission, and the units' recommendation of excellent workers).
 * Timer ids: "case|<id>|posting|r<rev>|complete|<start>|<until>",
 * "case|<id>|posting|r<rev>|start_by|<last start>",
 * "campaign|<id>|posting_last_start_remind",
 * "campaign|<id>|nomination_posting_last_start_remind". */
#ifndef NOTIFY_POSTING_H
#define NOTIFY_POSTING_H

#include "notify_deliver.h"
#include "notify_subs.h"
#include "notify_timers.h"
#include "rongyu.pb-c.h"
#include "ry_campaign.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stdint.h>

/* Schedules the campaign's two announcements of the last day a posting
 * can start (to @all, p->posting_workdays working days before it, at the
 * reminder hour): posting_last_start_remind against the submission
 * deadline, nomination_posting_last_start_remind against the units'
 * deadline for recommending excellent workers. Sets *changed (may be
 * NULL). Returns 0, RY_EFULL or RY_EIO. */
int notify_posting_plan_campaign(ry_txn_t *txn, const notify_plan_t *p,
                                 const ry_campaign_t *c, int64_t now,
                                 bool *changed);

/* True for an event about a draft (state DRAFT): notify_posting_on_draft
 * handles it instead of the ordinary case notice. */
bool notify_posting_is_draft(const Rongyu__CaseEvent *ev);

/* Plans the posting timers of the draft event ev (c: its campaign, NULL
 * when unknown) and cancels the case's other pending or failed posting timers;
 * for the event "posting_recorded" also writes the notice 'notice_id' (kind
 * posting_recorded) to the applicant through d. Returns 0, RY_EFULL or
 * RY_EIO. */
int notify_posting_on_draft(ry_txn_t *txn, const notify_plan_t *p,
                            const ry_campaign_t *c, const Rongyu__CaseEvent *ev,
                            const char *notice_id, notify_deliver_t *d,
                            const notify_subs_t *subs, int64_t now);

/* Plans t (its id, kind, targets and submit_by set by the caller) as the
 * reminder of the last day a posting of 'need' working days can start to
 * end by 'deadline', p->posting_workdays working days before that day:
 * the day is written to ds, which t->deadline is set to ("" when the
 * calendar lacks a year: t is then failed, naming it). 'revive' and the
 * rest as notify_plan_remind. Returns 0, RY_EFULL or RY_EIO. */
int notify_posting_plan_last_start(ry_txn_t *txn, const notify_plan_t *p,
                                   int offset, Rongyu__NotifyTimer *t,
                                   ry_date_t deadline, int need,
                                   char ds[RY_DATE_STRLEN], bool revive,
                                   int64_t now, bool *changed);

/* True for a failed posting timer of a draft that keeps its draft's
 * event (posting_complete, posting_start_by): notify_posting_replan can
 * plan it again. */
bool notify_posting_is_replannable(const Rongyu__NotifyTimer *t);

/* Plans the posting timers of failed timer t again from the draft event
 * it keeps, as notify_posting_on_draft did when the calendar lacked a
 * year (c: its campaign), without a notice: once the calendar has the
 * year, posting_complete or posting_start_by becomes pending (skipped
 * when its day has passed) and t is cancelled; else t stays failed.
 * Sets *changed when t is no longer failed. Returns 0, RY_EFULL or
 * RY_EIO. */
int notify_posting_replan(ry_txn_t *txn, const notify_plan_t *p,
                          const ry_campaign_t *c, const Rongyu__NotifyTimer *t,
                          int64_t now, bool *changed);

/* Cancels the pending and failed posting timers of case_id (it was submitted or
 * withdrawn: 'why'). Returns 0, RY_EFULL or RY_EIO. */
int notify_posting_cancel(ry_txn_t *txn, const char *case_id, const char *why);

#endif
