/* notify_timers: durable timers keyed by due time, and the plan. */
#include "notify_timers.h"

#include "notify_deliver.h"
#include "notify_events.h"
#include "notify_posting.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_str.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reason of a timer that fell due before it was scheduled (skipped). */
#define S_LATE_REASON "排定前已到期。fell due before it could be scheduled"

/* ------------------------------------------------------------ store */

static size_t
s_due_key(uint8_t *out, size_t cap, int64_t due, const char *id)
{
    size_t n = strlen(id);
    if (8 + n > cap)
        n = cap - 8;
    ry_be64_put(out, (uint64_t)(due < 0 ? 0 : due));
    memcpy(out + 8, id, n);
    return 8 + n;
}

static int
s_put(ry_txn_t *txn, const char *table, const void *key, size_t klen,
      const Rongyu__NotifyTimer *t)
{
    size_t len;
    uint8_t *buf = ry_pb_pack(&t->base, &len);
    int rc = ry_txn_put(txn, table, key, klen, buf, len, 0);
    free(buf);
    return rc;
}

/* Reads the index row of 'id': 0 with *out (free with ry_pb_free),
 * RY_ENOTFOUND or RY_EIO. */
static int
s_get(ry_txn_t *txn, const char *id, Rongyu__NotifyTimer **out)
{
    ry_val_t v;
    int rc = ry_txn_get(txn, "timer_ix", id, strlen(id), &v);
    if (rc)
        return rc;
    *out = (Rongyu__NotifyTimer *)ry_pb_unpack(
        &rongyu__notify_timer__descriptor, v.data, v.len, 0);
    return *out ? 0 : RY_EIO;
}

/* What s_schedule and notify_timers_fail compare of a stored timer: its
 * state, due time and reason, read from the index row's bytes without
 * decoding the rest (the targets, the case event). 'reason' points into
 * the row: read it before the transaction writes. */
typedef struct {
    char state[16]; /* pending, fired, cancelled, skipped or failed */
    int64_t due_ms;
    const char *reason;
    size_t reason_len;
} s_head_t;

enum { S_T_DUE = 3, S_T_STATE = 4, S_T_REASON = 5 };

/* Reads the head of the timer row v: 0, or RY_EIO when it is not a timer
 * (not a message, or those fields of the wrong kind). */
static int
s_head_read(const ry_val_t *v, s_head_t *h)
{
    *h = (s_head_t){.reason = ""};
    size_t pos = 0;
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(v->data, v->len, &pos, &f)) == 1) {
        int want = f.number == S_T_DUE                               ? 0
                   : f.number == S_T_STATE || f.number == S_T_REASON ? 2
                                                                     : -1;
        if (want < 0)
            continue;
        if ((int)f.wire != want)
            return RY_EIO;
        if (f.number == S_T_DUE) {
            h->due_ms = (int64_t)f.varint;
        } else if (f.number == S_T_STATE) {
            /* Longer than any state: kept as no state (never equal). */
            size_t n = f.vlen < sizeof h->state ? f.vlen : 0;
            memcpy(h->state, f.val, n);
            h->state[n] = '\0';
        } else {
            h->reason = (const char *)f.val;
            h->reason_len = f.vlen;
        }
    }
    return more == 0 ? 0 : RY_EIO;
}

/* Reads the head of timer 'id': 0, RY_ENOTFOUND, or RY_EIO (s_head_read). */
static int
s_get_head(ry_txn_t *txn, const char *id, s_head_t *h)
{
    ry_val_t v;
    int rc = ry_txn_get(txn, "timer_ix", id, strlen(id), &v);
    return rc ? rc : s_head_read(&v, h);
}

/* Writes t with 'state' (and reason) to the index, and, when pending, its
 * key to the due index: (due, id) with nothing else, the timer itself is
 * the index's row. (Stores written before hold a copy of the timer as
 * the due row's value; it is not read.) */
static int
s_write(ry_txn_t *txn, const Rongyu__NotifyTimer *t, const char *state,
        const char *reason)
{
    Rongyu__NotifyTimer c = *t;
    c.state = (char *)state;
    c.reason = (char *)(reason ? reason : "");
    int rc = s_put(txn, "timer_ix", t->timer_id, strlen(t->timer_id), &c);
    if (!rc && strcmp(state, "pending") == 0) {
        uint8_t key[512];
        size_t kl = s_due_key(key, sizeof key, t->due_ms, t->timer_id);
        rc = ry_txn_put(txn, "timers", key, kl, "", 0, 0);
    }
    return rc;
}

static int
s_unindex_due(ry_txn_t *txn, int64_t due, const char *id)
{
    uint8_t key[512];
    size_t kl = s_due_key(key, sizeof key, due, id);
    int rc = ry_txn_del(txn, "timers", key, kl);
    return rc == RY_ENOTFOUND ? 0 : rc;
}

/* notify_timers_schedule, and with 'revive' a cancelled timer is planned
 * again as if new. */
static int
s_schedule(ry_txn_t *txn, const Rongyu__NotifyTimer *t, int64_t now,
           bool *changed, bool revive)
{
    if (changed)
        *changed = false;
    s_head_t old;
    int rc = s_get_head(txn, t->timer_id, &old);
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    bool found = rc == 0;
    rc = 0;
    bool write = false;
    const char *state = "pending", *reason = "";
    /* Planned late but still of use: due at once. */
    Rongyu__NotifyTimer late;
    if (t->due_ms < now && now < t->late_until_ms) {
        late = *t;
        late.due_ms = now;
        t = &late;
    }
    if (found && revive && strcmp(old.state, "cancelled") == 0)
        found = false;
    if (!found) {
        write = true;
        if (t->due_ms < now) {
            state = "skipped";
            reason = S_LATE_REASON;
        }
    } else if (strcmp(old.state, "pending") == 0) {
        if (old.due_ms != t->due_ms && (t != &late || old.due_ms > now)) {
            rc = s_unindex_due(txn, old.due_ms, t->timer_id);
            write = true;
        }
    } else if (strcmp(old.state, "skipped") == 0 ||
               strcmp(old.state, "failed") == 0) {
        if (t->due_ms >= now)
            write = true;
        else if (strcmp(old.state, "failed") == 0 || old.due_ms != t->due_ms) {
            write = true;
            state = "skipped";
            reason = S_LATE_REASON;
        }
    }
    if (!rc && write) {
        rc = s_write(txn, t, state, reason);
        if (!rc && changed)
            *changed = true;
        /* A timer set as planned is part of its event's line; one that
         * could not be is worth its own. */
        if (!rc && *reason)
            ry_info(*t->case_id ? t->case_id : NULL,
                    "timer %s %s (due %" PRId64 "): %s", t->timer_id, state,
                    t->due_ms, reason);
        else if (!rc)
            ry_debug(*t->case_id ? t->case_id : NULL,
                     "timer %s %s (due %" PRId64 ")", t->timer_id, state,
                     t->due_ms);
    }
    return rc;
}

int
notify_timers_schedule(ry_txn_t *txn, const Rongyu__NotifyTimer *t,
                       int64_t now, bool *changed)
{
    return s_schedule(txn, t, now, changed, false);
}

int
notify_timers_revive(ry_txn_t *txn, const Rongyu__NotifyTimer *t, int64_t now,
                     bool *changed)
{
    return s_schedule(txn, t, now, changed, true);
}

int
notify_timers_fail(ry_txn_t *txn, const Rongyu__NotifyTimer *t,
                   const char *reason, bool *changed)
{
    if (changed)
        *changed = false;
    s_head_t old;
    int rc = s_get_head(txn, t->timer_id, &old);
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    bool found = rc == 0;
    rc = 0;
    if (found && (strcmp(old.state, "fired") == 0 ||
                  strcmp(old.state, "cancelled") == 0 ||
                  (strcmp(old.state, "failed") == 0 &&
                   old.reason_len == strlen(reason) &&
                   memcmp(old.reason, reason, old.reason_len) == 0)))
        return 0;
    if (found && strcmp(old.state, "pending") == 0)
        rc = s_unindex_due(txn, old.due_ms, t->timer_id);
    if (!rc)
        rc = s_write(txn, t, "failed", reason);
    if (!rc) {
        if (changed)
            *changed = true;
        ry_error(*t->case_id ? t->case_id : NULL,
                 "timer %s cannot be scheduled: %s", t->timer_id, reason);
    }
    return rc;
}

typedef struct {
    const char *keep;
    char **ids;
    size_t nids, cap;
} s_cancel_t;

static int
s_cancel_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_cancel_t *c = arg;
    s_head_t h;
    bool kept = c->keep && strlen(c->keep) == key->len &&
                memcmp(c->keep, key->data, key->len) == 0;
    if (!kept && s_head_read(val, &h) == 0 &&
        (strcmp(h.state, "pending") == 0 || strcmp(h.state, "failed") == 0)) {
        if (c->nids == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 8;
            c->ids = realloc(c->ids, sizeof *c->ids * c->cap);
            if (!c->ids)
                abort();
        }
        char *id = malloc(key->len + 1);
        if (!id)
            abort();
        memcpy(id, key->data, key->len);
        id[key->len] = '\0';
        c->ids[c->nids++] = id;
    }
    return 0;
}

int
notify_timers_cancel(ry_txn_t *txn, const char *prefix, const char *keep,
                     const char *reason, unsigned *n)
{
    s_cancel_t c = {keep, NULL, 0, 0};
    int rc = ry_txn_scan(txn, "timer_ix", prefix, strlen(prefix), NULL, 0,
                         s_cancel_row, &c);
    for (size_t i = 0; rc == 0 && i < c.nids; i++) {
        Rongyu__NotifyTimer *t = NULL;
        rc = s_get(txn, c.ids[i], &t);
        /* A failed timer was never in the due index. */
        if (!rc && strcmp(t->state, "pending") == 0)
            rc = s_unindex_due(txn, t->due_ms, t->timer_id);
        if (!rc)
            rc = s_write(txn, t, "cancelled", reason);
        if (!rc)
            ry_info(*t->case_id ? t->case_id : NULL, "timer %s cancelled: %s",
                    t->timer_id, reason);
        ry_pb_free(&t);
    }
    for (size_t i = 0; i < c.nids; i++)
        free(c.ids[i]);
    free(c.ids);
    if (n)
        *n = rc ? 0 : (unsigned)c.nids;
    return rc;
}

static int
s_first_due(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    if (key->len >= 8)
        *(int64_t *)arg = (int64_t)ry_be64_get(key->data);
    return 1;
}

int
notify_timers_next_due(ry_txn_t *txn, int64_t *due)
{
    *due = INT64_MAX;
    return ry_txn_scan(txn, "timers", NULL, 0, NULL, 0, s_first_due, due);
}

typedef struct {
    int64_t now;
    unsigned limit;
    uint8_t (*keys)[512];
    size_t *klens;
    unsigned n;
} s_due_t;

static int
s_collect_due(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    s_due_t *d = arg;
    if (key->len < 8 || key->len > 512 ||
        (int64_t)ry_be64_get(key->data) > d->now || d->n == d->limit)
        return 1;
    memcpy(d->keys[d->n], key->data, key->len);
    d->klens[d->n++] = key->len;
    return 0;
}

int
notify_timers_fire_due(ry_txn_t *txn, int64_t now, unsigned limit,
                       notify_fire_fn fn, void *arg, unsigned *fired)
{
    *fired = 0;
    s_due_t d = {now, limit ? limit : 64, NULL, NULL, 0};
    d.keys = malloc(sizeof *d.keys * d.limit);
    d.klens = malloc(sizeof *d.klens * d.limit);
    if (!d.keys || !d.klens)
        abort();
    int rc = ry_txn_scan(txn, "timers", NULL, 0, NULL, 0, s_collect_due, &d);
    for (unsigned i = 0; rc == 0 && i < d.n; i++) {
        rc = ry_txn_del(txn, "timers", d.keys[i], d.klens[i]);
        /* The due row names the timer; the index is the truth: only a
         * timer still pending at that due time fires. */
        char id[512];
        size_t n = d.klens[i] - 8;
        memcpy(id, d.keys[i] + 8, n);
        id[n] = '\0';
        int64_t due = (int64_t)ry_be64_get(d.keys[i]);
        Rongyu__NotifyTimer *t = NULL;
        int grc = rc ? rc : s_get(txn, id, &t);
        if (grc == RY_EIO)
            ry_error(NULL, "timer %s: undecodable index row, not fired", id);
        if (grc == 0 && strcmp(t->state, "pending") == 0 &&
            t->due_ms == due) {
            t->fired_at_ms = now;
            rc = s_write(txn, t, "fired", "");
            /* After the write: the stored timer keeps naming its event.
             * A store that fails undoes the round. */
            if (!rc)
                rc = notify_events_attach(txn, t);
            if (!rc)
                rc = fn(arg, txn, t, now);
            if (!rc) {
                (*fired)++;
                ry_info(*t->case_id ? t->case_id : NULL, "timer %s fired",
                        t->timer_id);
            }
        }
        ry_pb_free(&t);
    }
    free(d.keys);
    free(d.klens);
    return rc;
}

typedef struct {
    ry_txn_t *txn;
    const char *state;
    uint64_t after, pos, last; /* positions: asked, this row, last listed */
    size_t limit, cap;
    Rongyu__NotificationsReply *r;
} s_tlist_t;

static int
s_tlist_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_tlist_t *l = arg;
    /* Every row counts, whatever its state, so that a timer that changes
     * state between two pages moves no other. */
    if (++l->pos <= l->after)
        return 0;
    s_head_t h;
    if (*l->state &&
        (s_head_read(val, &h) != 0 || strcmp(l->state, h.state) != 0))
        return 0;
    if (l->r->n_timers == l->limit) {
        l->r->next_after = l->last;
        return 1;
    }
    Rongyu__NotifyTimer *t = (Rongyu__NotifyTimer *)ry_pb_unpack(
        &rongyu__notify_timer__descriptor, val->data, val->len, 0);
    if (!t)
        return 0;
    /* The reply shows the event itself: the key is the store's. */
    int rc = notify_events_attach(l->txn, t);
    if (rc) {
        ry_pb_free(&t);
        return rc;
    }
    t->event_key.len = 0;
    t->event_key.data = NULL;
    if (l->r->n_timers == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->r->timers = realloc(l->r->timers, sizeof *l->r->timers * l->cap);
        if (!l->r->timers)
            abort();
    }
    l->r->timers[l->r->n_timers++] = t;
    l->last = l->pos;
    return 0;
}

int
notify_timers_list(ry_txn_t *txn, const char *state, const char *prefix,
                   uint64_t after, uint32_t limit,
                   Rongyu__NotificationsReply *r)
{
    s_tlist_t l = {.txn = txn,
                   .state = state ? state : "",
                   .after = after,
                   .limit = notify_deliver_page_limit(limit),
                   .r = r};
    return ry_txn_scan(txn, "timer_ix", prefix, prefix ? strlen(prefix) : 0,
                       NULL, 0, s_tlist_row, &l);
}

/* ------------------------------------------------------------ the plan */

int64_t
notify_instant(ry_date_t d, int minute, int offset_min)
{
    return ry_date_to_epoch_ms(d, minute, offset_min);
}

int
notify_plan_remind(ry_txn_t *txn, const notify_plan_t *p, int offset,
                   Rongyu__NotifyTimer *t, ry_date_t deadline, int workdays,
                   bool revive, int64_t now, bool *changed)
{
    ry_date_t day;
    int rc = ry_calendar_workdays_before(p->cal, deadline, workdays, &day);
    t->workdays_before = (uint32_t)workdays;
    if (rc) {
        char reason[400], ds[RY_DATE_STRLEN];
        ry_date_format(deadline, ds, sizeof ds);
        if (rc == RY_ENODATA) {
            int year = ry_calendar_year_missing_before(p->cal, deadline);
            snprintf(reason, sizeof reason,
                     "日历没有 %d 年的数据，无法给出 %s 之前第 %d 个工作日。"
                     "the calendar cannot tell the %d working days before "
                     "%s: no data for %d",
                     year, ds, workdays, workdays, ds, year);
        } else
            snprintf(reason, sizeof reason,
                     "日历无法给出 %s 之前第 %d 个工作日。the calendar "
                     "cannot tell the %d working days before %s: %s",
                     ds, workdays, workdays, ds, ry_strerror(rc));
        return notify_timers_fail(txn, t, reason, changed);
    }
    t->due_ms = notify_instant(day, p->remind_hour * 60, offset);
    return s_schedule(txn, t, now, changed, revive);
}

typedef struct {
    Rongyu__NotifyTimer **t;
    size_t n, cap;
} s_failed_t;

static int
s_failed_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_failed_t *f = arg;
    s_head_t h;
    if (s_head_read(val, &h) != 0 || strcmp(h.state, "failed") != 0)
        return 0;
    Rongyu__NotifyTimer *t = (Rongyu__NotifyTimer *)ry_pb_unpack(
        &rongyu__notify_timer__descriptor, val->data, val->len, 0);
    if (!t)
        return 0;
    if ((!t->workdays_before || !*t->deadline) &&
        !notify_posting_is_replannable(t)) {
        ry_pb_free(&t);
        return 0;
    }
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->t = realloc(f->t, sizeof *f->t * f->cap);
        if (!f->t)
            abort();
    }
    f->t[f->n++] = t;
    return 0;
}

/* What a failed reminder may be planned with: the calendar's years and
 * the campaigns' ids, as "2018,...,2026|hangzhou-2018,". */
static void
s_plan_basis(const notify_plan_t *p, const ry_campaigns_t *camps, char *buf,
             size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int y = 1949; y <= 2999 && n < len; y++)
        if (ry_calendar_has_year(p->cal, y))
            n += (size_t)snprintf(buf + n, len - n, "%d,", y);
    for (size_t i = 0; i < ry_campaigns_count(camps) && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s,", i ? "" : "|",
                              ry_campaign_id(ry_campaigns_at(camps, i)));
}

int
notify_plan_failed(ry_txn_t *txn, const notify_plan_t *p,
                   const ry_campaigns_t *camps, int64_t now, unsigned *n)
{
    *n = 0;
    /* Nothing to do unless the calendar or the campaigns changed since
     * the last time: the scan reads every timer. */
    char basis[4096];
    s_plan_basis(p, camps, basis, sizeof basis);
    static const char key[] = "failed_plan_basis";
    ry_val_t v;
    int rc = ry_txn_get(txn, "meta", key, sizeof key - 1, &v);
    if (rc == 0 && v.len == strlen(basis) && memcmp(v.data, basis, v.len) == 0)
        return 0;
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    /* Read first, written after: the scan's cursor is not moved under. */
    s_failed_t f = {0};
    rc = ry_txn_scan(txn, "timer_ix", NULL, 0, NULL, 0, s_failed_row, &f);
    for (size_t i = 0; i < f.n; i++) {
        Rongyu__NotifyTimer *t = f.t[i];
        const ry_campaign_t *c = ry_campaigns_find(camps, t->campaign_id);
        ry_date_t deadline;
        bool changed = false;
        if (!rc && c && notify_posting_is_replannable(t))
            rc = notify_posting_replan(txn, p, c, t, now, &changed);
        else if (!rc && c && ry_date_parse(t->deadline, &deadline) == 0)
            rc = notify_plan_remind(txn, p, ry_campaign_utc_offset_minutes(c),
                                    t, deadline, (int)t->workdays_before, false,
                                    now, &changed);
        *n += changed;
        ry_pb_free(&t);
    }
    free(f.t);
    if (!rc)
        rc = ry_txn_put(txn, "meta", key, sizeof key - 1, basis, strlen(basis),
                        0);
    return rc;
}

int
notify_plan_campaign(ry_txn_t *txn, const notify_plan_t *p,
                     const ry_campaign_t *c, int64_t now, bool *changed)
{
    static const char *const all[] = {"@all"};
    static const char *const units[] = {"@unit", "@city"};
    const char *cid = ry_campaign_id(c);
    int offset = ry_campaign_utc_offset_minutes(c);
    struct {
        const char *what;
        ry_date_t date;
        const char *const *remind_to;
        size_t nremind;
    } dl[] = {{"submission", ry_campaign_submission_deadline(c), all, 1},
              {"summary", ry_campaign_summary_deadline(c), units, 2}};
    int rc = 0;
    if (changed)
        *changed = false;
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        char id[256], kind[64], ds[RY_DATE_STRLEN];
        ry_date_format(dl[i].date, ds, sizeof ds);
        Rongyu__NotifyTimer t = RONGYU__NOTIFY_TIMER__INIT;
        t.campaign_id = (char *)cid;
        t.deadline = ds;
        t.timer_id = id;
        t.kind = kind;
        bool ch = false;

        snprintf(kind, sizeof kind, "%s_remind", dl[i].what);
        snprintf(id, sizeof id, "campaign|%s|%s", cid, kind);
        t.targets = (char **)dl[i].remind_to;
        t.n_targets = dl[i].nremind;
        rc = notify_plan_remind(txn, p, offset, &t, dl[i].date,
                                p->remind_workdays, false, now, &ch);
        if (changed && ch)
            *changed = true;

        snprintf(kind, sizeof kind, "%s_due", dl[i].what);
        snprintf(id, sizeof id, "campaign|%s|%s", cid, kind);
        t.targets = (char **)units;
        t.n_targets = 2;
        t.workdays_before = 0;
        t.due_ms = notify_instant(ry_date_add_days(dl[i].date, 1), 0, offset);
        if (!rc)
            rc = notify_timers_schedule(txn, &t, now, &ch);
        if (changed && ch)
            *changed = true;
    }
    return rc;
}

static bool
s_awaits_review(int state)
{
    return state == RONGYU__CASE_STATE__SUBMITTED ||
           state == RONGYU__CASE_STATE__ELIGIBLE ||
           state == RONGYU__CASE_STATE__INELIGIBLE;
}

int
notify_plan_case(ry_txn_t *txn, const notify_plan_t *p, const ry_campaign_t *c,
                 const Rongyu__CaseEvent *ev, const uint8_t *ev_key,
                 size_t ev_key_len, int64_t now)
{
    char prefix[200];
    ry_str_cat(prefix, sizeof prefix, "case|", ev->case_id, "|", (char *)NULL);
    if (!s_awaits_review(ev->state)) {
        char reason[200];
        const char *is = ev->event && *ev->event ? ev->event : "decided";
        snprintf(reason, sizeof reason, "案件已为 %s。the case is now %s", is,
                 is);
        return notify_timers_cancel(txn, prefix, NULL, reason, NULL);
    }
    if (!ev->submitted_at_ms)
        return 0;
    char id[300], ds[RY_DATE_STRLEN], rev[RY_STR_U64];
    ry_str_u64(rev, ev->revision);
    Rongyu__NotifyTimer t = RONGYU__NOTIFY_TIMER__INIT;
    t.timer_id = id;
    t.campaign_id = ev->campaign_id;
    t.case_id = ev->case_id;
    t.event_key.data = (uint8_t *)ev_key;
    t.event_key.len = ev_key_len;
    t.deadline = ds;
    int offset = c ? ry_campaign_utc_offset_minutes(c) : 480;
    int rc = 0;

    const char *to_unit[] = {ev->organising_unit};
    const char *to_over[] = {ev->organising_unit, "@city"};
    ry_date_t sub;
    if (ry_date_from_epoch_ms(ev->submitted_at_ms, offset, &sub, NULL) != 0)
        return 0;
    t.kind = "review_remind";
    ry_str_cat(id, sizeof id, prefix, "r", rev, "|review_remind", (char *)NULL);
    t.targets = (char **)to_unit;
    t.n_targets = 1;
    if (!c) {
        ds[0] = '\0';
        char reason[400];
        snprintf(reason, sizeof reason,
                 "评选活动「%s」未知，没有审核期限。unknown campaign '%s': no "
                 "review period",
                 ev->campaign_id, ev->campaign_id);
        if (!rc)
            rc = notify_timers_fail(txn, &t, reason, NULL);
        t.kind = "review_overdue";
        ry_str_cat(id, sizeof id, prefix, "r", rev, "|review_overdue",
                   (char *)NULL);
        if (!rc)
            rc = notify_timers_fail(txn, &t, reason, NULL);
        return rc;
    }
    /* The same due date as intake's Case.review_due_ms. */
    ry_date_t due;
    int64_t due_end = ry_campaign_review_due(c, ev->submitted_at_ms, &due);
    if (due_end == 0)
        return rc;
    ry_date_format(due, ds, sizeof ds);
    t.late_until_ms = due_end; /* of use until the review is due */
    if (!rc)
        rc = notify_plan_remind(txn, p, offset, &t, due, p->remind_workdays,
                                false, now, NULL);
    t.kind = "review_overdue";
    t.workdays_before = 0;
    t.late_until_ms = 0;
    ry_str_cat(id, sizeof id, prefix, "r", rev, "|review_overdue",
               (char *)NULL);
    t.targets = (char **)to_over;
    t.n_targets = 2;
    t.due_ms = due_end + 1;
    if (!rc)
        rc = notify_timers_schedule(txn, &t, now, NULL);
    return rc;
}
