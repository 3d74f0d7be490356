/* notify_extensions: a unit's extended summary deadline and its own
 * reminders. */
#include "notify_extensions.h"

#include "notify_posting.h"
#include "rongyu.pb-c.h"
#include "ry_date.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_KEY_MAX 512

/* campaign \0 unit into key; returns its length, or 0 when too long. */
static size_t
s_key(uint8_t *key, const char *campaign, const char *unit)
{
    size_t a = strlen(campaign), b = strlen(unit);
    if (a + b + 2 > S_KEY_MAX)
        return 0;
    memcpy(key, campaign, a + 1);
    memcpy(key + a + 1, unit, b + 1);
    return a + b + 2;
}

/* Plans the reminders of unit x->organising_unit against x->until (none
 * when it is not after the campaign's deadline) and cancels the unit's
 * others. */
static int
s_plan_unit(ry_txn_t *txn, const notify_plan_t *p, const ry_campaign_t *c,
            const Rongyu__DeadlineExtension *x, int64_t now)
{
    const char *cid = ry_campaign_id(c);
    char prefix[S_KEY_MAX], id[S_KEY_MAX + 64], ds[RY_DATE_STRLEN];
    ry_str_cat(prefix, sizeof prefix, "campaign|", cid, "|unit|",
               x->organising_unit, "|", (char *)NULL);
    /* Cancelled first, planned after: the ones of this very day are
     * planned again as new (notify_timers_revive). */
    int rc = notify_timers_cancel(txn, prefix, NULL,
                                  "截止日期已另行延期。the deadline was "
                                  "extended otherwise",
                                  NULL);
    ry_date_t until;
    if (rc || ry_date_parse(x->until, &until) != 0 ||
        ry_date_compare(until, ry_campaign_summary_deadline(c)) <= 0)
        return rc;
    ry_date_format(until, ds, sizeof ds);
    int offset = ry_campaign_utc_offset_minutes(c);
    const char *to[] = {x->organising_unit};
    Rongyu__NotifyTimer t = RONGYU__NOTIFY_TIMER__INIT;
    t.campaign_id = (char *)cid;
    t.deadline = ds;
    t.timer_id = id;
    t.targets = (char **)to;
    t.n_targets = 1;
    t.kind = "summary_remind";
    ry_str_cat(id, sizeof id, prefix, ds, "|summary_remind", (char *)NULL);
    rc = notify_plan_remind(txn, p, offset, &t, until, p->remind_workdays, true,
                            now, NULL);
    t.kind = "summary_due";
    ry_str_cat(id, sizeof id, prefix, ds, "|summary_due", (char *)NULL);
    t.workdays_before = 0;
    t.due_ms = notify_instant(ry_date_add_days(until, 1), 0, offset);
    if (!rc)
        rc = notify_timers_revive(txn, &t, now, NULL);
    /* The last day a nomination's posting can start to end by the unit's
     * own deadline, as notify_posting_plan_campaign announces the
     * campaign's. */
    char ls[RY_DATE_STRLEN];
    t.kind = "nomination_posting_last_start_remind";
    ry_str_cat(id, sizeof id, prefix, ds,
               "|nomination_posting_last_start_remind", (char *)NULL);
    t.submit_by = ds;
    if (rc)
        return rc;
    return notify_posting_plan_last_start(txn, p, offset, &t, until,
                                          ry_campaign_posting_min_workdays(c),
                                          ls, true, now, NULL);
}

int
notify_extensions_apply(ry_txn_t *txn, const notify_plan_t *p,
                        const ry_campaigns_t *camps, const uint8_t *payload,
                        size_t len, int64_t now)
{
    Rongyu__DeadlineExtension *x = (Rongyu__DeadlineExtension *)ry_pb_unpack(
        &rongyu__deadline_extension__descriptor, payload, len, 0);
    uint8_t key[S_KEY_MAX];
    size_t n = x ? s_key(key, x->campaign_id, x->organising_unit) : 0;
    ry_date_t until;
    if (!x || !n || !*x->campaign_id || !*x->organising_unit ||
        ry_date_parse(x->until, &until) != 0) {
        ry_pb_free(&x);
        return RY_EMALFORMED;
    }
    ry_val_t v;
    int rc = ry_txn_get(txn, "extensions", key, n, &v);
    if (rc == 0) {
        Rongyu__DeadlineExtension *old =
            (Rongyu__DeadlineExtension *)ry_pb_unpack(
                &rongyu__deadline_extension__descriptor, v.data, v.len, 0);
        bool newer = !old || x->seq > old->seq;
        ry_pb_free(&old);
        if (!newer) {
            ry_pb_free(&x);
            return 0;
        }
    } else if (rc != RY_ENOTFOUND) {
        ry_pb_free(&x);
        return rc;
    }
    rc = ry_txn_put(txn, "extensions", key, n, payload, len, 0);
    const ry_campaign_t *c = ry_campaigns_find(camps, x->campaign_id);
    if (!rc && c)
        rc = s_plan_unit(txn, p, c, x, now);
    if (!rc && !c)
        ry_warn(NULL,
                "deadline of %s extended to %s in unknown campaign '%s': no "
                "reminders",
                x->organising_unit, x->until, x->campaign_id);
    else if (!rc)
        ry_info(NULL, "deadline of %s in %s extended to %s (#%llu)",
                x->organising_unit, x->campaign_id, x->until,
                (unsigned long long)x->seq);
    ry_pb_free(&x);
    return rc;
}

typedef struct {
    ry_date_t deadline;
    char **units;
    size_t n, cap;
} s_except_t;

static int
s_except_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_except_t *e = arg;
    Rongyu__DeadlineExtension *x = (Rongyu__DeadlineExtension *)ry_pb_unpack(
        &rongyu__deadline_extension__descriptor, val->data, val->len, 0);
    if (!x)
        return RY_EIO;
    ry_date_t until;
    if (ry_date_parse(x->until, &until) == 0 &&
        ry_date_compare(until, e->deadline) > 0) {
        if (e->n == e->cap) {
            e->cap = e->cap ? e->cap * 2 : 8;
            e->units = realloc(e->units, e->cap * sizeof *e->units);
            if (!e->units)
                abort();
        }
        e->units[e->n] = strdup(x->organising_unit);
        if (!e->units[e->n++])
            abort();
    }
    ry_pb_free(&x);
    return 0;
}

int
notify_extensions_except(ry_txn_t *txn, const char *campaign,
                         const char *deadline, char ***units, size_t *n)
{
    *units = NULL;
    *n = 0;
    s_except_t e = {0};
    size_t klen = strlen(campaign) + 1;
    if (ry_date_parse(deadline, &e.deadline) != 0 || klen > S_KEY_MAX)
        return 0;
    int rc = ry_txn_scan(txn, "extensions", campaign, klen, NULL, 0,
                         s_except_row, &e);
    if (rc) {
        notify_extensions_free(e.units, e.n);
        return rc;
    }
    *units = e.units;
    *n = e.n;
    return 0;
}

void
notify_extensions_free(char **units, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(units[i]);
    free(units);
}
