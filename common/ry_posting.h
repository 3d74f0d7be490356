/* ry_posting: the rule of the public posting (公示) before submission
 * (SPEC §2.5, §6), as intake, the CLI and notification all need it: the
 * earliest day a posting can end, the last day one can start and still
 * meet its deadline, and where a posting stands on a given day, with the
 * dates written in full in Chinese and English. */
#ifndef RY_POSTING_H
#define RY_POSTING_H

#include "ry_calendar.h"
#include "ry_campaign.h"
#include "ry_date.h"

#include <stdbool.h>
#include <stddef.h>

/* Where a posting stands; the values are those of rongyu.PostingState. */
typedef enum {
    RY_POSTING_NOT_STARTED = 1, /* none recorded; one can start in time */
    RY_POSTING_UNDER_WAY = 2,   /* recorded; before until */
    RY_POSTING_COMPLETE = 3,    /* from until on: its required working days
                                   are done that day, and a submission
                                   that day qualifies */
    RY_POSTING_TOO_LATE = 4,    /* it can no longer finish by the deadline */
    RY_POSTING_PLANNED = 5,     /* recorded to start on a day to come */
} ry_posting_state_t;

/* Warning codes (stable strings) of an assessment; "" when none. */
#define RY_POSTING_W_SHORT "W_POSTING_SHORT"
#define RY_POSTING_W_TOO_LATE "W_POSTING_TOO_LATE"
#define RY_POSTING_W_NODATA "W_CALENDAR_NODATA"

/* What ry_posting_assess found. Dates are valid only where the flags say
 * so (has_start, has_end; the rest whenever it returned 0). */
typedef struct {
    bool has_start, has_end;
    bool has_last_start;    /* false when the calendar lacks a year of the
                               walk back from the deadline */
    ry_date_t start, end;   /* as recorded */
    ry_date_t deadline;     /* the day the posting must be over by */
    ry_date_t last_start;   /* has_last_start: the last day one can start
                               in time */
    ry_date_t earliest_end; /* has_start: the need-th working day */
    ry_date_t until;        /* has_start: the first day it may be
                               submitted (its last required working day):
                               the later of earliest_end and end */
    int need;               /* working days required */
    int planned;            /* working days in [start, end]; -1 no end */
    ry_posting_state_t state;
    const char *warning; /* RY_POSTING_W_* or "" (static) */
    int missing_year;    /* RY_POSTING_W_NODATA: the year the calendar
                            lacks; else 0 */
} ry_posting_t;

/* The day a posting must be over by: the campaign's submission deadline,
 * or for an excellent-worker nomination (nomination true) the units'
 * deadline for recommending to the city (the summary-table deadline), as
 * the campaign sets it: a unit's extension is not the campaign's to know
 * (ry_posting_assess_by). */
ry_date_t ry_posting_deadline(const ry_campaign_t *c, bool nomination);

/* Sets *out to the last day a posting of 'need' working days can start
 * and still end by 'deadline' (both ends counted): 2018-11-30, 5 ->
 * Mon 2018-11-26. Returns 0, RY_EINVAL or RY_ENODATA (calendar). */
int ry_posting_last_start(const ry_calendar_t *cal, ry_date_t deadline,
                          int need, ry_date_t *out);

/* Assesses the posting of an application of campaign c (nomination: an
 * excellent worker) recorded as 'start' .. 'end' ("YYYY-MM-DD"; NULL or
 * "" when not recorded) on day 'today'. Returns 0 with *out filled;
 * RY_EINVAL for a start or end that is not a real date, or an end before
 * the start; RY_ENODATA when the calendar has no data for a day it needs
 * (then out->warning is RY_POSTING_W_NODATA and the dates it could not
 * work out are left as the deadline). A posting under way needs only the
 * days from its start: one whose days are all known is assessed in full
 * (0) though the walk back from a deadline in a later year is not
 * (has_last_start false). */
int ry_posting_assess(const ry_calendar_t *cal, const ry_campaign_t *c,
                      bool nomination, const char *start, const char *end,
                      ry_date_t today, ry_posting_t *out);

/* ry_posting_assess against 'deadline', the day the posting must be over
 * by as the caller knows it: an organising unit's own deadline for
 * recommending to the city when the city extended it for the unit
 * (intake_deadline), which the campaign alone cannot tell. Same returns. */
int ry_posting_assess_by(const ry_calendar_t *cal, const ry_campaign_t *c,
                         ry_date_t deadline, const char *start, const char *end,
                         ry_date_t today, ry_posting_t *out);

/* Writes "2018年11月26日（星期一）" / "Monday 26 November 2018" for d to
 * buf. Return 0, or RY_EINVAL for an invalid date or a small buffer. */
int ry_posting_date_zh(ry_date_t d, char *buf, size_t len);
int ry_posting_date_en(ry_date_t d, char *buf, size_t len);

/* Writes what the assessment means in a sentence or two, in Chinese to zh
 * and in English to en, with every date in full (the earliest end, the
 * last start day, the deadline, and any warning with the earliest valid
 * end). Either buffer may be NULL. */
void ry_posting_explain(const ry_posting_t *p, char *zh, size_t zhlen, char *en,
                        size_t enlen);

/* The stable lower-case name of a state: not_started, under_way,
 * complete, too_late, planned ("" for anything else), and its Chinese
 * words. */
const char *ry_posting_state_name(int state);
const char *ry_posting_state_zh(int state);

#endif
