/* notify_timers: durable timers keyed by due time, and the plan that says
 * which timers a campaign and a case get, on the working-day calendar.
 *
 * Tables:
 *   timers    be64(due_ms) timer_id -> (empty)        (pending ones only)
 *   timer_ix  timer_id -> NotifyTimer                (every timer, with its
 *                                                     state and reason)
 * A case's review timer names its case event by its key in notify_events'
 * table instead of holding a copy.
 * A timer fires once: it leaves "timers" and becomes "fired" in the same
 * transaction that writes its deliveries. */
#ifndef NOTIFY_TIMERS_H
#define NOTIFY_TIMERS_H

#include "rongyu.pb-c.h"
#include "ry_calendar.h"
#include "ry_campaign.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stdint.h>

#define NOTIFY_TIMER_TABLES "timers", "timer_ix"

/* Puts timer t (timer_id, kind, due_ms and the rest set by the caller) in
 * txn. A timer already fired or cancelled is left alone; a pending one
 * with another due time is moved; a new one (or one skipped or failed
 * before) whose due time is before 'now' is recorded "skipped" instead
 * of firing late. Sets *changed (may be NULL) when anything was written.
 * Returns 0, RY_EFULL or RY_EIO. */
int notify_timers_schedule(ry_txn_t *txn, const Rongyu__NotifyTimer *t,
                           int64_t now, bool *changed);

/* As notify_timers_schedule, except that a cancelled timer is planned
 * again as if it were new (a draft's posting changed back). */
int notify_timers_revive(ry_txn_t *txn, const Rongyu__NotifyTimer *t,
                         int64_t now, bool *changed);

/* Records that timer t could not be scheduled (state "failed" with
 * 'reason'), unless it is fired, cancelled or already failed for the same
 * reason. Sets *changed as above. Returns 0, RY_EFULL or RY_EIO. */
int notify_timers_fail(ry_txn_t *txn, const Rongyu__NotifyTimer *t,
                       const char *reason, bool *changed);

/* Cancels every pending or failed timer whose id starts with 'prefix',
 * but the one named 'keep' (may be NULL): a failed one too, so that a
 * reminder the calendar could not tell is not planned again
 * (notify_plan_failed) once what it was for has moved on. Sets *n (may be
 * NULL) to how many. Returns 0, RY_EFULL or RY_EIO. */
int notify_timers_cancel(ry_txn_t *txn, const char *prefix, const char *keep,
                         const char *reason, unsigned *n);

/* Sets *due to the due time of the earliest pending timer, or INT64_MAX.
 * Returns 0 or RY_EIO. */
int notify_timers_next_due(ry_txn_t *txn, int64_t *due);

/* Called for each timer that fires, inside the transaction that marks it
 * fired; a negative return aborts the round. */
typedef int (*notify_fire_fn)(void *arg, ry_txn_t *txn,
                              const Rongyu__NotifyTimer *t, int64_t now);

/* Fires up to 'limit' timers due at or before 'now', in due order: each
 * leaves the due index, is marked fired and is passed to fn with its case
 * event (read from the events table when the timer names it there; a
 * timer whose event is not stored or does not decode fires without it,
 * and the error is logged), all in txn.
 * Sets *fired. Returns 0, fn's error, RY_EFULL or RY_EIO. */
int notify_timers_fire_due(ry_txn_t *txn, int64_t now, unsigned limit,
                           notify_fire_fn fn, void *arg, unsigned *fired);

/* Appends to r->timers (n_timers) a page of the timers whose state is
 * 'state' (NULL or "" for all) and whose id starts with 'prefix' (may be
 * NULL or ""), in timer id order, each with its case event in 'event'
 * when it can be read (never event_key): those after position 'after'
 * (the ordinal, from 1, of the last timer of the previous page among the
 * prefix's timers, whatever their state; 0: from the first), at most
 * notify_deliver_page_limit(limit) of them. Sets r->next_after to the
 * position of the page's last timer while more timers match, else 0, as
 * notify_deliver_list does with delivery ids. Free with
 * notify_deliver_reply_clear. Returns 0 or RY_EIO. */
int notify_timers_list(ry_txn_t *txn, const char *state, const char *prefix,
                       uint64_t after, uint32_t limit,
                       Rongyu__NotificationsReply *r);

/* ------------------------------------------------------------ the plan */

typedef struct {
    const ry_calendar_t *cal;
    int remind_workdays; /* N: reminders N working days before */
    int remind_hour;     /* reminders at this hour, campaign time */
    int posting_workdays; /* posting_start_by: N working days before the
                             last day a posting can start */
} notify_plan_t;

/* Schedules reminder t (timer_id, kind, targets set) at the reminder hour
 * 'workdays' working days before 'deadline' (with notify_timers_revive
 * when 'revive', else notify_timers_schedule), or records it as failed
 * with the reason when the calendar cannot tell the day. Sets
 * t->workdays_before and t->due_ms, and *changed (may be NULL). Returns
 * 0, RY_EFULL or RY_EIO. */
int notify_plan_remind(ry_txn_t *txn, const notify_plan_t *p, int offset,
                       Rongyu__NotifyTimer *t, ry_date_t deadline,
                       int workdays, bool revive, int64_t now, bool *changed);

/* Schedules the campaign's timers: submission_remind (N working days
 * before the submission deadline, to @all), submission_due (the end of
 * that day, to @unit and @city), summary_remind and summary_due (the
 * summary-table deadline, to @unit and @city). A reminder day the
 * calendar cannot answer is recorded as a failed timer and logged.
 * Sets *changed. Returns 0, RY_EFULL or RY_EIO. */
int notify_plan_campaign(ry_txn_t *txn, const notify_plan_t *p,
                         const ry_campaign_t *c, int64_t now, bool *changed);

/* Schedules or cancels the timers of the case an event is about. While
 * the case waits for its unit's review (submitted, eligible, ineligible):
 * review_remind
 * (N working days before the review due date, which is review_months
 * after the submission day, to the organising unit) and review_overdue
 * (the end of the due date, to the unit and @city), keyed by revision.
 * Any other state cancels the case's pending and failed timers. 'c' may be NULL
 * (unknown campaign): the review timers are then recorded as failed.
 * A timer names the event by 'ev_key', its key in the events table
 * (notify_events), where the caller has stored it; it is read back when
 * the timer fires or is listed.
 * Returns 0, RY_EFULL or RY_EIO. */
int notify_plan_case(ry_txn_t *txn, const notify_plan_t *p,
                     const ry_campaign_t *c, const Rongyu__CaseEvent *ev,
                     const uint8_t *ev_key, size_t ev_key_len, int64_t now);

/* Plans again every failed reminder (a timer that names its deadline and
 * its working days before it: a case's review_remind, a campaign's
 * reminders; and a draft's posting timers, posting_complete and
 * posting_start_by, from the draft's event they keep:
 * notify_posting_replan) whose campaign is in 'camps', now that the
 * calendar may tell its day (a year added to the calendar directory, read
 * at start): it becomes pending, or skipped when its day has passed, or
 * stays failed. Does nothing when neither the calendar's years nor the
 * campaigns changed since it last ran on this store (kept in the "meta"
 * table as "failed_plan_basis"): the work is a scan of every timer. Sets
 * *n to how many changed. Returns 0, RY_EFULL or RY_EIO. */
int notify_plan_failed(ry_txn_t *txn, const notify_plan_t *p,
                       const ry_campaigns_t *camps, int64_t now, unsigned *n);

/* The instant of 'minute' minutes into date d at UTC offset 'offset_min'
 * (milliseconds since the epoch). */
int64_t notify_instant(ry_date_t d, int minute, int offset_min);

#endif
