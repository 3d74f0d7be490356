/* notify_text: what a notice says: its Chinese title and text with the
 * dates in full, its JSON form (webhooks, feed) and its e-mail form. */
#ifndef NOTIFY_TEXT_H
#define NOTIFY_TEXT_H

#include "rongyu.pb-c.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One notice, before it is addressed. Strings are borrowed. */
typedef struct {
    const char *notice_id;
    const char *kind;            /* submission_remind, ..., case_<event> */
    const char *campaign_id;
    const char *campaign_name;   /* may be NULL */
    const char *deadline;        /* "YYYY-MM-DD" or "" */
    int workdays_before;         /* of a reminder, else 0 */
    int64_t at_ms;               /* when it fell due or happened */
    const Rongyu__CaseEvent *ev; /* the case, or NULL */
    const char *case_id;         /* without ev: the case a timer names,
                                    or NULL */
    const char *submit_by;       /* postings: the deadline to meet, or "" */
    int posting_workdays;        /* postings: working days required */
    int missing_year;            /* postings: the year the calendar lacks
                                    to work out its dates, or 0 */
    /* Where ev is kept (notify_notices stores the key, not a copy): its
     * key in notify_events' table when ev is the event stored there
     * (without its failed checks when event_no_checks), else NULL. */
    const uint8_t *event_key;
    size_t event_key_len;
    bool event_no_checks;
    /* Organisations its targets by role (@unit, @all, ...) do not reach
     * (units whose extended deadline has its own notices:
     * notify_extensions_except), or NULL. */
    char *const *left_out;
    size_t nleft_out;
} notify_notice_t;

/* The case n is about: its event's, else the one its timer names, else
 * "" (borrowed). */
const char *notify_notice_case(const notify_notice_t *n);

/* Writes "2018年11月30日（星期五）" for the date "2018-11-30" to buf.
 * Returns 0, or RY_EINVAL for a bad date or a small buffer. */
int notify_date_zh(const char *ymd, char *buf, size_t len);

/* Writes "Monday 26 November 2018" for the date "2018-11-26" to buf.
 * Returns 0, or RY_EINVAL for a bad date or a small buffer. */
int notify_date_en(const char *ymd, char *buf, size_t len);

/* The normalised event name ("seat refused" -> "seat_refused") and its
 * Chinese wording (static strings; "" wording for an unknown event). */
void notify_event_name(const char *event, char *buf, size_t len);
const char *notify_event_zh(const char *event);

/* Writes the title (one line) and the text (lines ending in '\n') of a
 * notice in Chinese to new strings, the caller's to free. Returns 0. */
int notify_text_render(const notify_notice_t *n, char **title, char **text);

/* Writes the JSON body of a notice for subscriber 'org' as delivery
 * 'delivery_id' (0 for the feed) to a new string, the caller's. Keys:
 * delivery_id, notice_id, kind, org, title, text, campaign_id, deadline,
 * deadline_zh, workdays_before, at, at_ms, and for a case: case_id,
 * revision, event, state, applicant_org, applicant_name, organising_unit,
 * honour, failed [{code, threshold, actual, message_zh, message_en}]; for
 * the posting kinds also submit_by, submit_by_zh, posting_workdays and,
 * for a case, posting_start, posting_end, earliest_end, earliest_end_zh,
 * last_start, last_start_zh.
 * Returns 0. */
int notify_text_json(const notify_notice_t *n, const char *title,
                     const char *text, uint64_t delivery_id, const char *org,
                     char **out);

/* Writes an RFC 5322 message (CRLF line ends; UTF-8 subject as encoded
 * words, body base64) to a new buffer *out of *len bytes, the caller's.
 * Message-ID is <rongyu-d<delivery_id>@rongyu>, and the headers
 * X-Rongyu-Delivery and X-Rongyu-Notice carry the ids. Returns 0. */
int notify_text_mail(const char *from, const char *to, const char *title,
                     const char *text, uint64_t delivery_id,
                     const char *notice_id, int64_t date_ms, char **out,
                     size_t *len);

#endif
