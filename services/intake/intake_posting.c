/* intake_posting: recording a draft's public posting, its status in every
 * draft's reply, and a unit's list of postings. */
#include "intake_posting.h"

#include "intake_deadline.h"
#include "intake_reply.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_posting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
intake_posting_set_calendar(intake_cases_t *self, ry_calendar_t **cal)
{
    ry_calendar_destroy(&self->cal);
    self->cal = *cal;
    *cal = NULL;
}

static void
s_fmt(bool has, ry_date_t d, char *buf)
{
    if (!has || ry_date_format(d, buf, RY_DATE_STRLEN) != 0)
        buf[0] = '\0';
}

int
intake_posting_deadline(const intake_cases_t *self, ry_txn_t *txn,
                        const Rongyu__Application *a, int64_t at,
                        ry_date_t *out)
{
    const ry_campaign_t *camp =
        a ? ry_campaigns_find(self->campaigns, a->campaign_id) : NULL;
    if (!camp)
        return RY_ENOTFOUND;
    if (a->honour != RONGYU__HONOUR__EXCELLENT_WORKER) {
        *out = ry_posting_deadline(camp, false);
        return 0;
    }
    bool extended;
    return intake_deadline_at(txn, camp, a->organising_unit, at, out,
                              &extended);
}

int
intake_posting_status(const intake_cases_t *self, ry_txn_t *txn,
                      const Rongyu__Case *c, int64_t now,
                      intake_posting_status_t *out)
{
    const Rongyu__Application *a = c->application;
    const ry_campaign_t *camp =
        a ? ry_campaigns_find(self->campaigns, a->campaign_id) : NULL;
    if (!self->cal || !camp)
        return RY_ENOTFOUND;
    ry_date_t today, deadline;
    if (ry_date_from_epoch_ms(now, ry_campaign_utc_offset_minutes(camp), &today,
                              NULL) != 0)
        return RY_EINVAL;
    int rc = intake_posting_deadline(self, txn, a, now, &deadline);
    if (rc)
        return rc;
    const Rongyu__Declarations *d = a->declarations;
    ry_posting_t p;
    rc = ry_posting_assess_by(self->cal, camp, deadline,
                              d ? d->posting_start : NULL,
                              d ? d->posting_end : NULL, today, &p);
    if (rc && rc != RY_ENODATA)
        return rc;
    Rongyu__PostingStatus init = RONGYU__POSTING_STATUS__INIT;
    out->msg = init;
    out->at_ms = now;
    s_fmt(p.has_start, p.start, out->start);
    s_fmt(p.has_end, p.end, out->end);
    s_fmt(p.has_start && !rc, p.earliest_end, out->earliest);
    s_fmt(!rc && p.has_last_start, p.last_start, out->last);
    s_fmt(true, p.deadline, out->deadline);
    s_fmt(p.has_start && !rc, p.until, out->until);
    ry_posting_explain(&p, out->zh, sizeof out->zh, out->en, sizeof out->en);
    out->msg.posting_start = out->start;
    out->msg.posting_end = out->end;
    out->msg.earliest_end = out->earliest;
    out->msg.last_start = out->last;
    out->msg.deadline = out->deadline;
    out->msg.until = out->until;
    out->msg.workdays_needed = (uint32_t)p.need;
    out->msg.workdays_planned = p.planned;
    out->msg.state = (Rongyu__PostingState)p.state;
    out->msg.warning = (char *)p.warning;
    out->msg.message_zh = out->zh;
    out->msg.message_en = out->en;
    return rc;
}

void
intake_posting_attach(const intake_cases_t *self, ry_txn_t *txn,
                      intake_reply_t *r)
{
    if (!r->out.kase || r->out.kase->state != RONGYU__CASE_STATE__DRAFT || r->posting)
        return;
    intake_posting_status_t *st = malloc(sizeof *st);
    if (!st)
        abort();
    int rc =
        intake_posting_status(self, txn, r->out.kase, ry_clock_now_ms(), st);
    if (rc && rc != RY_ENODATA) {
        free(st);
        return;
    }
    r->posting = st;
}

static const char *
s_str(const Rongyu__Declarations *d, bool end)
{
    const char *s = d ? (end ? d->posting_end : d->posting_start) : NULL;
    return s ? s : "";
}

bool
intake_posting_changed(const Rongyu__Application *before,
                       const Rongyu__Application *a, char *what, size_t len)
{
    const Rongyu__Declarations *o = before ? before->declarations : NULL;
    const Rongyu__Declarations *n = a->declarations;
    if (!*s_str(n, false))
        return false;
    if (o && strcmp(s_str(o, false), s_str(n, false)) == 0 &&
        strcmp(s_str(o, true), s_str(n, true)) == 0)
        return false;
    snprintf(what, len, "posting recorded: %s..%s", s_str(n, false),
             *s_str(n, true) ? s_str(n, true) : "(no end planned)");
    return true;
}

int
intake_posting_start(intake_cases_t *self, ry_txn_t *txn,
                     const Rongyu__Request *req, const intake_principal_t *p,
                     intake_reply_t *r)
{
    const Rongyu__PostingStartRequest *q = req->posting_start;
    ry_date_t from, to;
    if (intake_is_empty(q->from))
        return intake_reply_fail(
            r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
            "from: 须给出公示开始的日期。from: the day the "
            "posting starts");
    if (ry_date_parse(q->from, &from) != 0)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                                 "from: 「%.40s」不是 YYYY-MM-DD 格式的日期。"
                                 "from: '%.40s' is not a date YYYY-MM-DD",
                                 q->from, q->from);
    if (!intake_is_empty(q->to) && ry_date_parse(q->to, &to) != 0)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                                 "to: 「%.40s」不是 YYYY-MM-DD 格式的日期。"
                                 "to: '%.40s' is not a date YYYY-MM-DD",
                                 q->to, q->to);
    if (!intake_is_empty(q->to) && ry_date_compare(to, from) < 0)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                                 "to: %s 早于开始日期 %s。to: %s is before the "
                                 "start %s",
                                 q->to, q->from, q->to, q->from);
    Rongyu__Case *c = NULL;
    int rc = intake_cases_load_for(txn, p, INTAKE_ACT_APPLY, q->case_id, &r->out, &c);
    if (rc)
        return rc;
    /* The new declarations borrow the request's strings while the case is
     * stored; the reply gets a copy of its own. */
    Rongyu__Application *a = c->application;
    Rongyu__Declarations *orig = a->declarations;
    Rongyu__Declarations nd = RONGYU__DECLARATIONS__INIT;
    if (orig)
        nd = *orig;
    nd.posting_start = q->from;
    nd.posting_end = q->to ? q->to : (char *)"";
    Rongyu__Application na = *a;
    na.declarations = &nd;
    char what[160], actor[512];
    if (!intake_posting_changed(a, &na, what, sizeof what))
        snprintf(what, sizeof what, "posting recorded again: %s..%s",
                 nd.posting_start,
                 *nd.posting_end ? nd.posting_end : "(no end planned)");
    /* The application as it was stays readable (a retry's first answer). */
    rc = intake_cases_supersede(txn, c, &na);
    if (rc) {
        ry_pb_free(&c);
        return rc;
    }
    a->declarations = &nd;
    intake_posting_status_t *st = malloc(sizeof *st);
    if (!st)
        abort();
    int sr = intake_posting_status(self, txn, c, ry_clock_now_ms(), st);
    bool have = sr == 0 || sr == RY_ENODATA;
    /* Refused unless a draft (intake_fsm). */
    rc = intake_cases_step(self, txn, c, INTAKE_EV_POSTING, p,
                           intake_principal_actor(p, actor, sizeof actor), what,
                           have ? st->zh : "", &r->out);
    if (!rc) {
        size_t len;
        uint8_t *buf = ry_pb_pack(&c->base, &len);
        r->out.kase = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor, buf,
                                               len, 0);
        free(buf);
        if (!r->out.kase)
            rc = RY_EIO;
    }
    if (!rc && have) {
        r->posting = st;
        st = NULL;
    }
    free(st);
    a->declarations = orig;
    ry_pb_free(&c);
    return rc;
}

typedef struct {
    intake_cases_t *self;
    ry_txn_t *txn;
    const char *campaign;
    size_t skip;
    int64_t now;
    intake_reply_t *r;
    size_t cap;
} s_list_t;

static int
s_list_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    s_list_t *l = arg;
    if (key->len < l->skip + INTAKE_ID_LEN)
        return 0;
    char id[INTAKE_ID_LEN + 1];
    memcpy(id, (const char *)key->data + l->skip, INTAKE_ID_LEN);
    id[INTAKE_ID_LEN] = '\0';
    Rongyu__Case *c;
    int rc = intake_cases_load(l->txn, id, &c);
    if (rc)
        return rc == RY_ENOTFOUND ? 0 : rc;
    if (c->state != RONGYU__CASE_STATE__DRAFT ||
        (!intake_is_empty(l->campaign) &&
         strcmp(c->application->campaign_id, l->campaign) != 0)) {
        ry_pb_free(&c);
        return 0;
    }
    intake_reply_t *r = l->r;
    if (r->nprows == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        r->pcases = realloc(r->pcases, sizeof *r->pcases * l->cap);
        r->pstat = realloc(r->pstat, sizeof *r->pstat * l->cap);
        if (!r->pcases || !r->pstat)
            abort();
    }
    intake_posting_status_t *st = &r->pstat[r->nprows];
    rc = intake_posting_status(l->self, l->txn, c, l->now, st);
    if (rc && rc != RY_ENODATA) {
        /* No calendar or campaign: the row still shows, without status. */
        Rongyu__PostingStatus init = RONGYU__POSTING_STATUS__INIT;
        st->msg = init;
    }
    r->pcases[r->nprows++] = c;
    return 0;
}

int
intake_posting_list(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const intake_principal_t *p,
                    intake_reply_t *r)
{
    const Rongyu__PostingsRequest *q = req->postings;
    const char *unit_q = q->organising_unit ? q->organising_unit : "";
    char unit[256];
    if (!intake_is_empty(q->campaign_id) &&
        !ry_campaigns_find(self->campaigns, q->campaign_id))
        return intake_reply_no_campaign(r, q->campaign_id);
    if (p->role == INTAKE_ROLE_UNIT) {
        int rc = intake_principal_unit(txn, p, unit, sizeof unit);
        if (rc == RY_EPERM)
            return intake_reply_fail(
                r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                "「%s」未登记为组织单位。'%s' is not registered as "
                "an organising unit",
                p->org_id, p->org_id);
        if (rc)
            return rc;
        if (*unit_q && strcmp(unit_q, unit) != 0)
            return intake_reply_fail(
                r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                "「%s」只能查看%s的公示。'%s' may see only "
                "the postings of %s",
                p->org_id, unit, p->org_id, unit);
    } else if (p->role == INTAKE_ROLE_CITY || p->role == INTAKE_ROLE_PLATFORM) {
        if (!*unit_q)
            return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                     "organising_unit");
        snprintf(unit, sizeof unit, "%s", unit_q);
    } else {
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                                 "只有组织单位或市总工会可以查看组织单位的"
                                 "公示。only an organising unit or the city "
                                 "sees a unit's postings");
    }
    /* The unit's drafts: by_unit_state under unit \0 DRAFT, in id order. */
    uint8_t prefix[sizeof unit + 1];
    size_t plen = strlen(unit) + 1;
    memcpy(prefix, unit, plen);
    prefix[plen++] = (uint8_t)RONGYU__CASE_STATE__DRAFT;
    s_list_t l = {self, txn, q->campaign_id, plen, ry_clock_now_ms(), r, 0};
    int rc = ry_txn_scan(txn, "by_unit_state", prefix, plen, NULL, 0,
                         s_list_row, &l);
    if (rc)
        return rc;
    r->prows = calloc(r->nprows + 1, sizeof *r->prows);
    r->prowp = calloc(r->nprows + 1, sizeof *r->prowp);
    if (!r->prows || !r->prowp)
        abort();
    for (size_t i = 0; i < r->nprows; i++) {
        const Rongyu__Case *c = r->pcases[i];
        const Rongyu__Application *a = c->application;
        Rongyu__PostingRow init = RONGYU__POSTING_ROW__INIT;
        Rongyu__PostingRow *row = &r->prows[i];
        *row = init;
        row->case_id = c->case_id;
        row->applicant_org = a->applicant_org;
        if (a->honour == RONGYU__HONOUR__EXCELLENT_WORKER && a->person)
            row->applicant_name = a->person->name;
        else if (a->union_)
            row->applicant_name = a->union_->name;
        row->honour = a->honour;
        row->case_state = c->state;
        row->organising_unit = a->organising_unit;
        row->posting = &r->pstat[i].msg;
        r->prowp[i] = row;
    }
    r->postings = true;
    return 0;
}

/* The case ids intake_cases_candidates gives. */
typedef struct {
    char (*ids)[INTAKE_ID_LEN + 1];
    size_t n, cap;
} s_ext_t;

static int
s_ext_id(const char *id, void *arg)
{
    s_ext_t *x = arg;
    if (x->n == x->cap) {
        x->cap = x->cap ? x->cap * 2 : 16;
        x->ids = realloc(x->ids, sizeof *x->ids * x->cap);
        if (!x->ids)
            abort();
    }
    snprintf(x->ids[x->n++], INTAKE_ID_LEN + 1, "%s", id);
    return 0;
}

int
intake_posting_extended(intake_cases_t *self, ry_txn_t *txn,
                        const char *campaign, const char *unit)
{
    /* The unit's drafts. Read first, told after: the outbox is written
     * in the same transaction. */
    intake_case_filter_t f = {.organising_unit = unit,
                              .state = RONGYU__CASE_STATE__DRAFT};
    s_ext_t x = {NULL, 0, 0};
    int rc = intake_cases_candidates(txn, &f, NULL, s_ext_id, &x);
    if (rc == RY_EINVAL) /* a name too long for an index: no case */
        rc = 0;
    unsigned told = 0;
    for (size_t i = 0; !rc && i < x.n; i++) {
        Rongyu__Case *c = NULL;
        rc = intake_cases_load(txn, x.ids[i], &c);
        if (rc == RY_ENOTFOUND) {
            rc = 0;
            continue;
        }
        const Rongyu__Application *a = rc ? NULL : c->application;
        if (a && c->state == RONGYU__CASE_STATE__DRAFT &&
            a->honour == RONGYU__HONOUR__EXCELLENT_WORKER &&
            strcmp(a->organising_unit, unit) == 0 &&
            strcmp(a->campaign_id, campaign) == 0) {
            rc = intake_cases_tell(self, txn, c, "deadline_extended");
            told += !rc;
        }
        ry_pb_free(&c);
    }
    free(x.ids);
    if (!rc && told)
        ry_info(NULL, "%u nomination drafts of %s told their new deadline",
                told, unit);
    return rc;
}
