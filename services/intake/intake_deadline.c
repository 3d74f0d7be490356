/* intake_deadline: the summary deadline and the city's extensions. */
#include "intake_deadline.h"

#include "intake_reply.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_KEY_MAX 512

static const ry_campaign_t *
s_campaign(const ry_campaigns_t *camps, const char *id)
{
    return intake_is_empty(id) ? ry_campaigns_at(camps, 0)
                               : ry_campaigns_find(camps, id);
}

/* campaign \0 unit \0 into key; returns its length, or 0 when too long. */
static size_t
s_prefix(uint8_t *key, const char *campaign, const char *unit)
{
    size_t a = strlen(campaign), b = strlen(unit);
    if (a + b + 2 + 8 > S_KEY_MAX)
        return 0;
    memcpy(key, campaign, a + 1);
    memcpy(key + a + 1, unit, b + 1);
    return a + b + 2;
}

/* The newest extension granted at or before 'at', read in key order. */
typedef struct {
    int64_t at;
    ry_date_t *last;
    bool *extended;
} s_at_t;

static int
s_at_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_at_t *w = arg;
    Rongyu__DeadlineExtension *x = (Rongyu__DeadlineExtension *)ry_pb_unpack(
        &rongyu__deadline_extension__descriptor, val->data, val->len, 0);
    if (!x)
        return RY_EIO;
    ry_date_t d;
    if (x->at_ms <= w->at && ry_date_parse(x->until, &d) == 0) {
        *w->last = d;
        *w->extended = true;
    }
    ry_pb_free(&x);
    return 0;
}

int
intake_deadline_at(ry_txn_t *txn, const ry_campaign_t *c, const char *unit,
                   int64_t at, ry_date_t *last, bool *extended)
{
    *last = ry_campaign_summary_deadline(c);
    *extended = false;
    uint8_t key[S_KEY_MAX];
    size_t n = s_prefix(key, ry_campaign_id(c), unit ? unit : "");
    if (!n)
        return 0;
    if (at == INT64_MAX) {
        /* The one in force: the last row. */
        ry_val_t k, v;
        int rc = ry_txn_last(txn, "extensions", key, n, &k, &v);
        if (rc == RY_ENOTFOUND)
            return 0;
        return rc ? rc : s_at_row(&k, &v, &(s_at_t){at, last, extended});
    }
    s_at_t w = {at, last, extended};
    return ry_txn_scan(txn, "extensions", key, n, NULL, 0, s_at_row, &w);
}

int
intake_deadline_for(ry_txn_t *txn, const ry_campaign_t *c, const char *unit,
                    ry_date_t *last, bool *extended)
{
    return intake_deadline_at(txn, c, unit, INT64_MAX, last, extended);
}

int
intake_deadline_check(ry_txn_t *txn, const ry_campaigns_t *camps,
                      const Rongyu__Application *a, int64_t now,
                      intake_outcome_t *o)
{
    const ry_campaign_t *c = ry_campaigns_find(camps, a->campaign_id);
    if (!c)
        return 0;
    ry_date_t last;
    bool extended;
    int rc = intake_deadline_for(txn, c, a->organising_unit, &last, &extended);
    if (rc)
        return rc;
    int off = ry_campaign_utc_offset_minutes(c);
    if (now < ry_date_to_epoch_ms(ry_date_add_days(last, 1), 0, off))
        return 0;
    char day[RY_DATE_STRLEN];
    ry_date_format(last, day, sizeof day);
    return intake_outcome_fail(
        o, RONGYU__ERROR_CODE__E_DEADLINE_PASSED,
        "向市总工会推荐的截止日期%s（%s）已过，需由市总工会为%s延期。"
        " The deadline for recommending to the city, %s (%s), has passed; "
        "the city may extend it for %s ('rongyu deadline extend').",
        day, extended ? "已延期" : "汇总表截止日期", a->organising_unit, day,
        extended ? "extended" : "summary_deadline", a->organising_unit);
}

/* Appends every extension under 'prefix' to the reply. */
typedef struct {
    intake_reply_t *r;
} s_collect_t;

static int
s_collect(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_collect_t *c = arg;
    Rongyu__DeadlineExtension *x = (Rongyu__DeadlineExtension *)ry_pb_unpack(
        &rongyu__deadline_extension__descriptor, val->data, val->len, 0);
    if (!x)
        return RY_EIO;
    intake_reply_t *r = c->r;
    Rongyu__DeadlineExtension **grown =
        realloc(r->extensions, (r->nextensions + 1) * sizeof *grown);
    if (!grown)
        abort();
    r->extensions = grown;
    r->extensions[r->nextensions++] = x;
    return 0;
}

static int
s_list(ry_txn_t *txn, const ry_campaign_t *c, const char *unit,
       intake_reply_t *r)
{
    uint8_t key[S_KEY_MAX];
    size_t n;
    if (intake_is_empty(unit)) {
        const char *id = ry_campaign_id(c);
        n = strlen(id) + 1;
        if (n > S_KEY_MAX)
            return 0;
        memcpy(key, id, n);
    } else if (!(n = s_prefix(key, ry_campaign_id(c), unit))) {
        return 0;
    }
    s_collect_t acc = {r};
    int rc = ry_txn_scan(txn, "extensions", key, n, NULL, 0, s_collect, &acc);
    if (rc)
        return rc;
    ry_date_format(ry_campaign_summary_deadline(c), r->summary_deadline,
                   sizeof r->summary_deadline);
    r->dcampaign = ry_campaign_id(c);
    r->deadlines = true;
    return 0;
}

int
intake_deadline_extend(ry_txn_t *txn, ry_channel_t *ch,
                       const ry_campaigns_t *camps,
                       const Rongyu__ExtendDeadlineRequest *q,
                       const char *actor, int64_t now, intake_reply_t *r)
{
    const ry_campaign_t *c = s_campaign(camps, q->campaign_id);
    if (!c)
        return intake_reply_no_campaign(r, q->campaign_id);
    if (intake_is_empty(q->organising_unit))
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "organising_unit");
    if (ry_campaign_unit_find(c, q->organising_unit) < 0)
        return intake_reply_no_unit(r, ry_campaign_id(c), q->organising_unit);
    if (intake_is_empty(q->until))
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "until");
    if (intake_is_empty(q->opinion))
        return intake_reply_fail(
            r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
            "opinion: 延期须附理由（审批意见）。opinion: an extension needs "
            "its reason (审批意见)");
    if (strlen(q->opinion) > 4000)
        return intake_reply_fail(
            r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
            "opinion: 审批意见超过 4000 字节。opinion: longer "
            "than 4000 bytes");
    ry_date_t until, base = ry_campaign_summary_deadline(c);
    char bs[RY_DATE_STRLEN];
    ry_date_format(base, bs, sizeof bs);
    if (ry_date_parse(q->until, &until) != 0)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                                 "until: 「%.64s」不是 YYYY-MM-DD 格式的日期。"
                                 "until: '%s' is not a date YYYY-MM-DD",
                                 q->until, q->until);
    if (ry_date_compare(until, base) < 0)
        return intake_reply_fail(
            r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
            "until: %s 早于汇总表截止日期 %s。until: %s is "
            "before summary_deadline %s",
            q->until, bs, q->until, bs);
    uint8_t key[S_KEY_MAX];
    size_t n = s_prefix(key, ry_campaign_id(c), q->organising_unit);
    if (!n)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                                 "organising_unit: 组织单位过长。"
                                 "organising_unit: too long");
    ry_val_t lk, lv;
    uint64_t seq = 1;
    int rc = ry_txn_last(txn, "extensions", key, n, &lk, &lv);
    if (rc == 0 && lk.len == n + 8)
        seq = ry_be64_get((const uint8_t *)lk.data + n) + 1;
    else if (rc != 0 && rc != RY_ENOTFOUND)
        return rc;
    ry_be64_put(key + n, seq);
    char day[RY_DATE_STRLEN];
    ry_date_format(until, day, sizeof day);
    Rongyu__DeadlineExtension x = RONGYU__DEADLINE_EXTENSION__INIT;
    x.campaign_id = (char *)ry_campaign_id(c);
    x.organising_unit = q->organising_unit;
    x.until = day;
    x.opinion = q->opinion;
    x.actor = (char *)actor;
    x.at_ms = now;
    x.seq = seq;
    size_t len;
    uint8_t *buf = ry_pb_pack(&x.base, &len);
    rc = ry_txn_put(txn, "extensions", key, n + 8, buf, len, 0);
    free(buf);
    if (!rc && ch)
        rc = ry_channel_send_msg(ch, txn, "notification",
                                 RONGYU__MESSAGE_TYPE__DEADLINE_EXTENSION, "",
                                 &x.base);
    if (rc)
        return rc;
    ry_info(NULL, "summary deadline of %s in %s extended to %s by %s (#%llu)",
            q->organising_unit, ry_campaign_id(c), day, actor,
            (unsigned long long)seq);
    return s_list(txn, c, q->organising_unit, r);
}

int
intake_deadline_list(ry_txn_t *txn, const ry_campaigns_t *camps,
                     const Rongyu__DeadlinesRequest *q, intake_reply_t *r)
{
    const ry_campaign_t *c = s_campaign(camps, q->campaign_id);
    if (!c)
        return intake_reply_no_campaign(r, q->campaign_id);
    if (!intake_is_empty(q->organising_unit) &&
        ry_campaign_unit_find(c, q->organising_unit) < 0)
        return intake_reply_no_unit(r, ry_campaign_id(c), q->organising_unit);
    return s_list(txn, c, q->organising_unit, r);
}

/* The "meta" mark of intake_deadline_tell_all. */
#define S_TOLD_MARK "extensions_told"

typedef struct {
    ry_txn_t *txn;
    ry_channel_t *ch;
    unsigned n;
} s_tell_t;

static int
s_tell_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_tell_t *t = arg;
    Rongyu__DeadlineExtension *x = (Rongyu__DeadlineExtension *)ry_pb_unpack(
        &rongyu__deadline_extension__descriptor, val->data, val->len, 0);
    if (!x)
        return 0;
    int rc = ry_channel_send_msg(t->ch, t->txn, "notification",
                                 RONGYU__MESSAGE_TYPE__DEADLINE_EXTENSION, "",
                                 &x->base);
    ry_pb_free(&x);
    t->n += rc == 0;
    return rc; /* 0, or a store error (negative): the scan stops */
}

int
intake_deadline_tell_all(ry_txn_t *txn, ry_channel_t *ch, unsigned *n)
{
    if (n)
        *n = 0;
    ry_val_t v;
    int rc = ry_txn_get(txn, "meta", S_TOLD_MARK, strlen(S_TOLD_MARK), &v);
    if (rc != RY_ENOTFOUND)
        return rc;
    s_tell_t t = {txn, ch, 0};
    rc = ch ? ry_txn_scan(txn, "extensions", NULL, 0, NULL, 0, s_tell_row, &t)
            : 0;
    if (!rc)
        rc = ry_txn_put(txn, "meta", S_TOLD_MARK, strlen(S_TOLD_MARK), "1", 1,
                        0);
    if (n)
        *n = t.n;
    return rc;
}
