/* notify_posting: the timers and notices of public postings (公示). */
#include "notify_posting.h"

#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_posting.h"
#include "ry_str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
notify_posting_plan_last_start(ry_txn_t *txn, const notify_plan_t *p,
                               int offset, Rongyu__NotifyTimer *t,
                               ry_date_t deadline, int need,
                               char ds[RY_DATE_STRLEN], bool revive,
                               int64_t now, bool *changed)
{
    ry_date_t last;
    ds[0] = '\0';
    t->deadline = ds;
    t->posting_workdays = (uint32_t)need;
    if (ry_posting_last_start(p->cal, deadline, need, &last) != 0) {
        char reason[400], sb[RY_DATE_STRLEN];
        ry_date_format(deadline, sb, sizeof sb);
        int year = ry_calendar_year_missing_before(p->cal, deadline);
        snprintf(reason, sizeof reason,
                 "日历没有 %d 年的数据，无法给出在 %s 前完成的公示最迟"
                 "的开始日。the calendar cannot tell the last day a "
                 "posting can start to end by %s: no data for %d",
                 year, sb, sb, year);
        return notify_timers_fail(txn, t, reason, changed);
    }
    ry_date_format(last, ds, RY_DATE_STRLEN);
    return notify_plan_remind(txn, p, offset, t, last, p->posting_workdays,
                              revive, now, changed);
}

int
notify_posting_plan_campaign(ry_txn_t *txn, const notify_plan_t *p,
                             const ry_campaign_t *c, int64_t now, bool *changed)
{
    static const char *const all[] = {"@all"};
    static const char *const kinds[] = {"posting_last_start_remind",
                                        "nomination_posting_last_start_remind"};
    const char *cid = ry_campaign_id(c);
    int offset = ry_campaign_utc_offset_minutes(c);
    int need = ry_campaign_posting_min_workdays(c);
    int rc = 0;
    if (changed)
        *changed = false;
    for (int i = 0; rc == 0 && i < 2; i++) {
        char id[256], ds[RY_DATE_STRLEN], sb[RY_DATE_STRLEN];
        ry_date_t deadline = ry_posting_deadline(c, i == 1);
        ry_date_format(deadline, sb, sizeof sb);
        snprintf(id, sizeof id, "campaign|%s|%s", cid, kinds[i]);
        Rongyu__NotifyTimer t = RONGYU__NOTIFY_TIMER__INIT;
        t.timer_id = id;
        t.kind = (char *)kinds[i];
        t.campaign_id = (char *)cid;
        t.targets = (char **)all;
        t.n_targets = 1;
        t.submit_by = sb;
        bool ch = false;
        rc = notify_posting_plan_last_start(txn, p, offset, &t, deadline, need,
                                            ds, false, now, &ch);
        if (changed && ch)
            *changed = true;
    }
    return rc;
}

bool
notify_posting_is_draft(const Rongyu__CaseEvent *ev)
{
    return ev->state == RONGYU__CASE_STATE__DRAFT;
}

/* Cancels the pending posting timers of case_id except 'keep' (may be
 * NULL). */
static int
s_cancel_others(ry_txn_t *txn, const char *case_id, const char *keep,
                const char *why)
{
    char prefix[200];
    ry_str_cat(prefix, sizeof prefix, "case|", case_id, "|posting|",
               (char *)NULL);
    return notify_timers_cancel(txn, prefix, keep, why, NULL);
}

int
notify_posting_cancel(ry_txn_t *txn, const char *case_id, const char *why)
{
    return s_cancel_others(txn, case_id, NULL, why);
}

int
notify_posting_on_draft(ry_txn_t *txn, const notify_plan_t *p,
                        const ry_campaign_t *c, const Rongyu__CaseEvent *ev,
                        const char *notice_id, notify_deliver_t *d,
                        const notify_subs_t *subs, int64_t now)
{
    if (!c) {
        ry_warn(ev->case_id,
                "draft of unknown campaign '%s': no posting "
                "timers",
                ev->campaign_id);
        return s_cancel_others(txn, ev->case_id, NULL,
                               "评选活动未知。unknown campaign");
    }
    int offset = ry_campaign_utc_offset_minutes(c);
    ry_date_t today;
    if (ry_date_from_epoch_ms(now, offset, &today, NULL) != 0)
        return 0;
    /* The deadline intake told (a unit's extension is intake's to
     * know), else the campaign's, as an event from before it told one. */
    ry_date_t deadline;
    if (!ev->posting_deadline || !*ev->posting_deadline ||
        ry_date_parse(ev->posting_deadline, &deadline) != 0)
        deadline = ry_posting_deadline(c, ev->honour ==
                                              RONGYU__HONOUR__EXCELLENT_WORKER);
    ry_posting_t ps;
    int rc = ry_posting_assess_by(p->cal, c, deadline, ev->posting_start,
                                  ev->posting_end, today, &ps);
    if (rc == RY_EINVAL) {
        ry_warn(ev->case_id,
                "posting dates '%s'..'%s' are not a period: no "
                "posting timers",
                ev->posting_start, ev->posting_end);
        return s_cancel_others(txn, ev->case_id, NULL,
                               "公示日期无效。no valid posting");
    }
    char ee[RY_DATE_STRLEN] = "", ls[RY_DATE_STRLEN] = "",
         dl[RY_DATE_STRLEN] = "", un[RY_DATE_STRLEN] = "", id[400] = "",
         ds[RY_DATE_STRLEN] = "";
    ry_date_format(ps.deadline, dl, sizeof dl);
    if (!rc) {
        if (ps.has_last_start)
            ry_date_format(ps.last_start, ls, sizeof ls);
        if (ps.has_start) {
            ry_date_format(ps.earliest_end, ee, sizeof ee);
            ry_date_format(ps.until, un, sizeof un);
        }
    }
    Rongyu__CaseEvent evc = *ev;
    evc.n_failed = 0;
    evc.failed = NULL;
    evc.posting_earliest_end = ee;
    evc.posting_last_start = ls;
    evc.posting_deadline = dl;
    Rongyu__NotifyTimer t = RONGYU__NOTIFY_TIMER__INIT;
    t.timer_id = id;
    t.campaign_id = ev->campaign_id;
    t.case_id = ev->case_id;
    t.event = &evc;
    t.deadline = ds;
    t.submit_by = dl;
    t.posting_workdays = (uint32_t)ps.need;
    const char *to_app[] = {ev->applicant_org};
    const char *to_both[] = {ev->applicant_org, ev->organising_unit};
    const char *keep = NULL;
    int wr = 0;
    if (rc && ps.state != RY_POSTING_TOO_LATE) {
        /* The calendar lacks a year: say so on the timer, never guess. */
        char reason[400];
        snprintf(reason, sizeof reason,
                 "日历没有 %d 年的数据，无法计算公示日期（须在 %s 前完成）。"
                 "the calendar cannot tell the posting's dates (ending by "
                 "%s): no data for %d",
                 ps.missing_year, dl, dl, ps.missing_year);
        snprintf(id, sizeof id, "case|%s|posting|r%u|%s", ev->case_id,
                 ev->revision, ps.has_start ? "complete" : "start_by");
        t.kind = ps.has_start ? "posting_complete" : "posting_start_by";
        t.targets = (char **)(ps.has_start ? to_app : to_both);
        t.n_targets = ps.has_start ? 1 : 2;
        wr = notify_timers_fail(txn, &t, reason, NULL);
        keep = id;
    } else if (ps.has_start && ps.state != RY_POSTING_TOO_LATE &&
               strcmp(ps.warning, RY_POSTING_W_SHORT) != 0) {
        snprintf(id, sizeof id, "case|%s|posting|r%u|complete|%s|%s",
                 ev->case_id, ev->revision, ev->posting_start, un);
        snprintf(ds, sizeof ds, "%s", un);
        t.kind = "posting_complete";
        t.targets = (char **)to_app;
        t.n_targets = 1;
        /* Submission on 'until' itself qualifies (SPEC §6: the end not
         * after the submission date): told that morning, at the
         * reminder hour, so a posting that ends on the deadline day is
         * announced in time to submit. */
        t.due_ms = notify_instant(ps.until, p->remind_hour * 60, offset);
        /* Of use until the deadline has passed. */
        t.late_until_ms =
            notify_instant(ry_date_add_days(ps.deadline, 1), 0, offset);
        wr = notify_timers_revive(txn, &t, now, NULL);
        keep = id;
    } else if (!ps.has_start) {
        /* No posting yet: remind in time to start one. */
        snprintf(id, sizeof id, "case|%s|posting|r%u|start_by|%s", ev->case_id,
                 ev->revision, ls);
        snprintf(ds, sizeof ds, "%s", ls);
        t.kind = "posting_start_by";
        t.targets = (char **)to_both;
        t.n_targets = 2;
        /* Of use until the last day a posting could start. */
        t.late_until_ms =
            notify_instant(ry_date_add_days(ps.last_start, 1), 0, offset);
        wr = notify_plan_remind(txn, p, offset, &t, ps.last_start,
                                p->posting_workdays, true, now, NULL);
        keep = id;
    }
    if (!wr)
        wr = s_cancel_others(
            txn, ev->case_id, keep,
            "公示已登记或变更。the posting was recorded or changed");
    if (wr || strcmp(ev->event, "posting_recorded") != 0 || !ps.has_start)
        return wr;
    notify_notice_t n = {
        .notice_id = notice_id,
        .kind = "posting_recorded",
        .campaign_id = ev->campaign_id,
        .campaign_name = ry_campaign_name(c),
        .deadline = ee,
        .at_ms = ev->at_ms,
        .ev = &evc,
        .submit_by = dl,
        .posting_workdays = ps.need,
        .missing_year = ps.missing_year,
    };
    return notify_deliver_enqueue(d, txn, &n, to_app, 1, subs, now, NULL);
}

bool
notify_posting_is_replannable(const Rongyu__NotifyTimer *t)
{
    return t->event && t->case_id && *t->case_id && t->kind &&
           (strcmp(t->kind, "posting_complete") == 0 ||
            strcmp(t->kind, "posting_start_by") == 0);
}

int
notify_posting_replan(ry_txn_t *txn, const notify_plan_t *p,
                      const ry_campaign_t *c, const Rongyu__NotifyTimer *t,
                      int64_t now, bool *changed)
{
    *changed = false;
    /* The draft as it was last told, planned again: any later event of
     * the case cancelled this timer, so a failed one is the draft's
     * current plan. Not "posting_recorded": that notice was sent. */
    Rongyu__CaseEvent ev = *t->event;
    ev.event = "draft_saved";
    int rc = notify_posting_on_draft(txn, p, c, &ev, NULL, NULL, NULL, now);
    if (rc)
        return rc;
    ry_val_t v;
    rc = ry_txn_get(txn, "timer_ix", t->timer_id, strlen(t->timer_id), &v);
    if (rc)
        return rc == RY_ENOTFOUND ? 0 : rc;
    Rongyu__NotifyTimer *now_t = (Rongyu__NotifyTimer *)ry_pb_unpack(
        &rongyu__notify_timer__descriptor, v.data, v.len, 0);
    if (!now_t)
        return RY_EIO;
    *changed = strcmp(now_t->state, "failed") != 0;
    ry_pb_free(&now_t);
    return 0;
}
