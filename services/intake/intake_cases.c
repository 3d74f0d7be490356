/* intake_cases: the case store, the state machine and the client requests
 * of the intake service. */
#include "intake_cases.h"

#include "ry_clock.h"
#include "ry_date.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_media.h"
#include "ry_pb.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ID_LEN 16
#define S_LIST_DEFAULT 100
#define S_LIST_MAX 1000

struct intake_cases {
    ry_store_t *store;
    ry_channel_t *channel;
    intake_limits_t limits;
    uint64_t last_id;
    ry_campaigns_t *campaigns;
};

/* What a handler produces; packed into a Reply by s_finish. */
typedef struct {
    Rongyu__ErrorCode code;
    char detail[512];
    uint32_t retry_after_ms;
    Rongyu__Case *kase;          /* owned (ry_pb) */
    Rongyu__AuditEntry **audit;  /* owned (ry_pb each) */
    size_t naudit;
    Rongyu__Case **cases;        /* owned (ry_pb each) */
    size_t ncases;
    char next_after[S_ID_LEN + 1];
    bool status;
    Rongyu__StatusReply st;
    Rongyu__LinkStatus links[16];
    Rongyu__LinkStatus *linkp[16];
    char link_names[16][64];
    uint8_t *cached;             /* a stored first answer, used as is */
    size_t cached_len;
    bool orgs;                   /* an OrgReply */
    Rongyu__Organisation **org_list; /* owned (ry_pb each) */
    size_t norgs;
    intake_import_counts_t counts;
    bool quota;                  /* a QuotaReply */
    Rongyu__QuotaRow *qrows;     /* one block; strings borrowed */
    Rongyu__QuotaRow **qrowp;
    size_t nq;
    const char *qcampaign;       /* borrowed from the registry */
} s_res_t;

static const struct {
    const char *zh, *en;
} s_messages[] = {
    [RONGYU__ERROR_CODE__OK] = {"成功", "ok"},
    [RONGYU__ERROR_CODE__E_MALFORMED] = {"请求无法解析", "request does not decode"},
    [RONGYU__ERROR_CODE__E_MISSING_FIELD] = {"缺少必填字段", "a required field is missing"},
    [RONGYU__ERROR_CODE__E_OUT_OF_RANGE] = {"字段取值超出范围", "a field is out of range"},
    [RONGYU__ERROR_CODE__E_NOT_FOUND] = {"申报不存在", "no such case"},
    [RONGYU__ERROR_CODE__E_FORBIDDEN] = {"无权执行此操作", "this organisation may not do that"},
    [RONGYU__ERROR_CODE__E_BAD_STATE] = {"当前状态下不允许此操作", "not allowed in the case's current state"},
    [RONGYU__ERROR_CODE__E_TOO_LARGE] = {"上传内容过大", "upload too large"},
    [RONGYU__ERROR_CODE__E_BUSY] = {"系统繁忙，请稍后重试", "busy, retry later"},
    [RONGYU__ERROR_CODE__E_CONFLICT] = {"幂等键已用于另一请求", "idempotency key already used for another request"},
    [RONGYU__ERROR_CODE__E_INTERNAL] = {"内部错误", "internal error"},
    [RONGYU__ERROR_CODE__E_UNSUPPORTED] = {"不支持的请求类型", "unsupported request"},
    [RONGYU__ERROR_CODE__E_INVALID] = {"请求内容不合规", "invalid request"},
};

static int
s_fail(s_res_t *r, Rongyu__ErrorCode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
s_fail(s_res_t *r, Rongyu__ErrorCode code, const char *fmt, ...)
{
    r->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
    return -1;
}

static void
s_res_release(s_res_t *r)
{
    ry_pb_free(&r->kase);
    for (size_t i = 0; i < r->naudit; i++)
        ry_pb_free(&r->audit[i]);
    free(r->audit);
    for (size_t i = 0; i < r->ncases; i++)
        ry_pb_free(&r->cases[i]);
    free(r->cases);
    free(r->cached);
    for (size_t i = 0; i < r->norgs; i++)
        ry_pb_free(&r->org_list[i]);
    free(r->org_list);
    free(r->qrows);
    free(r->qrowp);
}

/* Packs the reply; the bytes are the caller's. */
static uint8_t *
s_finish(s_res_t *r, const char *request_id, size_t *len)
{
    Rongyu__Reply rep = RONGYU__REPLY__INIT;
    rep.code = r->code;
    rep.message_zh = (char *)s_messages[r->code].zh;
    rep.message_en = (char *)s_messages[r->code].en;
    rep.detail = r->detail;
    rep.retry_after_ms = r->retry_after_ms;
    rep.request_id = (char *)(request_id ? request_id : "");
    Rongyu__CaseReply cr = RONGYU__CASE_REPLY__INIT;
    Rongyu__ListReply lr = RONGYU__LIST_REPLY__INIT;
    if (r->code == RONGYU__ERROR_CODE__OK && r->kase) {
        cr.case_ = r->kase;
        cr.audit = r->audit;
        cr.n_audit = r->naudit;
        rep.body_case = RONGYU__REPLY__BODY_CASE;
        rep.case_ = &cr;
    } else if (r->code == RONGYU__ERROR_CODE__OK && r->cases) {
        lr.cases = r->cases;
        lr.n_cases = r->ncases;
        lr.next_after = r->next_after;
        rep.body_case = RONGYU__REPLY__BODY_LIST;
        rep.list = &lr;
    } else if (r->code == RONGYU__ERROR_CODE__OK && r->status) {
        rep.body_case = RONGYU__REPLY__BODY_STATUS;
        rep.status = &r->st;
    }
    Rongyu__OrgReply orr = RONGYU__ORG_REPLY__INIT;
    Rongyu__QuotaReply qr = RONGYU__QUOTA_REPLY__INIT;
    if (r->code == RONGYU__ERROR_CODE__OK && r->orgs) {
        orr.orgs = r->org_list;
        orr.n_orgs = r->norgs;
        orr.added = r->counts.added;
        orr.updated = r->counts.updated;
        orr.unchanged = r->counts.unchanged;
        rep.body_case = RONGYU__REPLY__BODY_ORGS;
        rep.orgs = &orr;
    } else if (r->code == RONGYU__ERROR_CODE__OK && r->quota) {
        qr.campaign_id = (char *)r->qcampaign;
        qr.rows = r->qrowp;
        qr.n_rows = r->nq;
        rep.body_case = RONGYU__REPLY__BODY_QUOTA;
        rep.quota = &qr;
    }
    return ry_pb_pack(&rep.base, len);
}

/* ------------------------------------------------------------ ids */

static void
s_id_format(uint64_t id, char out[S_ID_LEN + 1])
{
    snprintf(out, S_ID_LEN + 1, "%016" PRIx64, id);
}

static int
s_id_parse(const char *s, uint64_t *id)
{
    if (!s || strlen(s) != S_ID_LEN)
        return RY_EINVAL;
    uint64_t v = 0;
    for (int i = 0; i < S_ID_LEN; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
        if (d < 0)
            return RY_EINVAL;
        v = v << 4 | (uint64_t)d;
    }
    *id = v;
    return 0;
}

/* Case ids rise with time (milliseconds in the high bits, a counter in the
 * low 16), so new keys land at the end of the B-tree. */
static uint64_t
s_next_id(intake_cases_t *self)
{
    uint64_t id = (uint64_t)ry_clock_now_ms() << 16;
    if (id <= self->last_id)
        id = self->last_id + 1;
    self->last_id = id;
    return id;
}

/* ------------------------------------------------------------ store */

static int
s_case_load(ry_txn_t *txn, const char *case_id, Rongyu__Case **out)
{
    *out = NULL;
    ry_val_t v;
    int rc = ry_txn_get(txn, "cases", case_id, strlen(case_id), &v);
    if (rc)
        return rc;
    *out = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor, v.data,
                                        v.len, 0);
    return *out ? 0 : RY_EIO;
}

static int
s_case_put(ry_txn_t *txn, const Rongyu__Case *c, bool is_new)
{
    size_t len;
    uint8_t *buf = ry_pb_pack(&c->base, &len);
    int rc = ry_txn_put(txn, "cases", c->case_id, strlen(c->case_id), buf,
                        len, is_new ? RY_PUT_APPEND : 0);
    free(buf);
    if (rc || !is_new)
        return rc;
    const Rongyu__Application *a = c->application;
    char key[600];
    int n = snprintf(key, sizeof key, "%s%c%s", a->applicant_org, '\0',
                     c->case_id);
    rc = ry_txn_put(txn, "by_org", key, (size_t)n, "", 0, 0);
    if (rc)
        return rc;
    n = snprintf(key, sizeof key, "%s%c%s", a->organising_unit, '\0',
                 c->case_id);
    return ry_txn_put(txn, "by_unit", key, (size_t)n, "", 0, 0);
}

static int
s_audit(ry_txn_t *txn, const char *case_id, const char *actor,
        Rongyu__CaseState from, Rongyu__CaseState to, const char *what,
        const char *opinion, int64_t at)
{
    uint8_t key[S_ID_LEN + 1 + 8];
    memcpy(key, case_id, S_ID_LEN);
    key[S_ID_LEN] = '\0';
    ry_val_t lk, lv;
    uint64_t n = 1;
    int rc = ry_txn_last(txn, "audit", key, S_ID_LEN + 1, &lk, &lv);
    if (rc == 0 && lk.len == sizeof key)
        n = ry_be64_get((const uint8_t *)lk.data + S_ID_LEN + 1) + 1;
    else if (rc != RY_ENOTFOUND && rc != 0)
        return rc;
    ry_be64_put(key + S_ID_LEN + 1, n);
    Rongyu__AuditEntry e = RONGYU__AUDIT_ENTRY__INIT;
    e.case_id = (char *)case_id;
    e.at_ms = at;
    e.actor = (char *)actor;
    e.from = from;
    e.to = to;
    e.what = (char *)what;
    e.opinion = (char *)(opinion ? opinion : "");
    size_t len;
    uint8_t *buf = ry_pb_pack(&e.base, &len);
    rc = ry_txn_put(txn, "audit", key, sizeof key, buf, len, 0);
    free(buf);
    if (rc == 0)
        ry_info(case_id, "%s: %s -> %s by %s", what,
                rongyu__case_state__descriptor.values[from].name,
                rongyu__case_state__descriptor.values[to].name, actor);
    return rc;
}

typedef struct {
    s_res_t *r;
} s_audit_acc_t;

static int
s_audit_collect(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_res_t *r = arg;
    Rongyu__AuditEntry *e = (Rongyu__AuditEntry *)ry_pb_unpack(
        &rongyu__audit_entry__descriptor, val->data, val->len, 0);
    if (!e)
        return RY_EIO;
    r->audit = realloc(r->audit, sizeof *r->audit * (r->naudit + 1));
    if (!r->audit)
        abort();
    r->audit[r->naudit++] = e;
    return 0;
}

/* ------------------------------------------------------------ messages */

static int
s_send_event(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Case *c,
             const char *event)
{
    Rongyu__CaseEvent ev = RONGYU__CASE_EVENT__INIT;
    const Rongyu__Application *a = c->application;
    ev.case_id = c->case_id;
    ev.revision = c->revision;
    ev.event = (char *)event;
    ev.state = c->state;
    ev.applicant_org = a->applicant_org;
    ev.organising_unit = a->organising_unit;
    ev.honour = a->honour;
    ev.campaign_id = a->campaign_id;
    ev.at_ms = c->updated_at_ms;
    ev.submitted_at_ms = c->submitted_at_ms;
    if (a->declarations)
        ev.posting_end = a->declarations->posting_end;
    if (a->honour == RONGYU__HONOUR__EXCELLENT_WORKER && a->person)
        ev.applicant_name = a->person->name;
    else if (a->union_)
        ev.applicant_name = a->union_->name;
    Rongyu__Check *failed[256];
    size_t nf = 0;
    if (c->verdict)
        for (size_t i = 0; i < c->verdict->n_checks && nf < 256; i++)
            if (!c->verdict->checks[i]->passed)
                failed[nf++] = c->verdict->checks[i];
    ev.failed = failed;
    ev.n_failed = nf;
    int rc = ry_channel_send_msg(self->channel, txn, "notification",
                                 RONGYU__MESSAGE_TYPE__CASE_EVENT,
                                 c->case_id, &ev.base);
    return rc;
}

static int
s_send_validate(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Case *c)
{
    Rongyu__ValidateCase vc = RONGYU__VALIDATE_CASE__INIT;
    vc.case_id = c->case_id;
    vc.revision = c->revision;
    vc.application = c->application;
    vc.submitted_at_ms = c->submitted_at_ms;
    int rc = ry_channel_send_msg(self->channel, txn, "validation",
                                 RONGYU__MESSAGE_TYPE__VALIDATE_CASE,
                                 c->case_id, &vc.base);
    return rc;
}

/* ------------------------------------------------------------ authority */

/* Asks intake_authorize; a refusal becomes E_FORBIDDEN with its reason. */
static int
s_allow(ry_txn_t *txn, const intake_principal_t *p, intake_action_t act,
        const Rongyu__Application *a, s_res_t *r)
{
    char why[400] = "";
    int rc = intake_authorize(txn, p, act, a, why, sizeof why);
    if (rc == RY_EPERM)
        return s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN, "%s", why);
    return rc;
}

/* ------------------------------------------------------------ submit */

static bool
s_empty(const char *s)
{
    return !s || !*s;
}

/* Checks the shape every stored application must have. */
static int
s_check_shape(const Rongyu__Application *a, bool draft, s_res_t *r)
{
    if (!a)
        return s_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD, "application");
    if (s_empty(a->campaign_id))
        return s_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                      "application.campaign_id");
    if (s_empty(a->applicant_org))
        return s_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                      "application.applicant_org");
    if (!draft && a->honour == RONGYU__HONOUR__HONOUR_UNSPECIFIED)
        return s_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                      "application.honour");
    if (!draft && s_empty(a->organising_unit))
        return s_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                      "application.organising_unit");
    if (strlen(a->applicant_org) > 200 || strlen(a->organising_unit) > 200 ||
        strlen(a->campaign_id) > 100)
        return s_fail(r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
                      "application: an identifier is longer than 200 bytes");
    return 0;
}

/* Saved attachment fields, to restore the decoded request before freeing
 * it (its strings belong to the decoder). */
typedef struct {
    ProtobufCBinaryData content;
    char *media_type, *sha256;
    uint64_t size;
    char media_buf[64], sha_buf[65];
} s_att_save_t;

/* Stores each attachment's content under its SHA-256, records the media
 * type recognised from the content, and strips the content from the
 * record. 'saved' (n_attachments entries) lets s_attachments_restore undo
 * the field swaps. */
static int
s_attachments_take(intake_cases_t *self, ry_txn_t *txn,
                   Rongyu__Application *a, s_att_save_t *saved, s_res_t *r)
{
    for (size_t i = 0; i < a->n_attachments; i++) {
        Rongyu__Attachment *at = a->attachments[i];
        s_att_save_t *sv = &saved[i];
        sv->content = at->content;
        sv->media_type = at->media_type;
        sv->sha256 = at->sha256;
        sv->size = at->size;
        if (at->content.len == 0) {
            /* A reference to content stored before (a new revision). */
            ry_val_t v;
            if (s_empty(at->sha256) ||
                ry_txn_get(txn, "blobs", at->sha256, strlen(at->sha256),
                           &v) != 0)
                return s_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                              "attachments[%zu].content", i);
            snprintf(sv->media_buf, sizeof sv->media_buf, "%s",
                     ry_media_sniff(v.data, v.len));
            at->media_type = sv->media_buf;
            at->size = v.len;
            continue;
        }
        if (at->content.len > self->limits.max_attachment)
            return s_fail(r, RONGYU__ERROR_CODE__E_TOO_LARGE,
                          "attachments[%zu] '%s': %zu bytes, at most %zu", i,
                          at->name, at->content.len,
                          self->limits.max_attachment);
        uint8_t h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, at->content.data, at->content.len);
        sodium_bin2hex(sv->sha_buf, sizeof sv->sha_buf, h, sizeof h);
        if (!s_empty(at->sha256) && strcmp(at->sha256, sv->sha_buf) != 0)
            return s_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                          "attachments[%zu] '%s': sha256 does not match "
                          "the content",
                          i, at->name);
        int rc = ry_txn_put(txn, "blobs", sv->sha_buf, 64, at->content.data,
                            at->content.len, 0);
        if (rc)
            return rc;
        snprintf(sv->media_buf, sizeof sv->media_buf, "%s",
                 ry_media_sniff(at->content.data, at->content.len));
        at->media_type = sv->media_buf;
        at->sha256 = sv->sha_buf;
        at->size = at->content.len;
        at->content.data = NULL;
        at->content.len = 0;
    }
    return 0;
}

static void
s_attachments_restore(Rongyu__Application *a, const s_att_save_t *saved,
                      size_t n)
{
    for (size_t i = 0; i < n && i < a->n_attachments; i++) {
        Rongyu__Attachment *at = a->attachments[i];
        at->content = saved[i].content;
        at->media_type = saved[i].media_type;
        at->sha256 = saved[i].sha256;
        at->size = saved[i].size;
    }
}

/* Fingerprint of the request body, to tell a retry from a reuse. */
static void
s_fingerprint(const Rongyu__Request *req, uint8_t out[32])
{
    Rongyu__Request copy = *req;
    copy.request_id = (char *)"";
    copy.idempotency_key = (char *)"";
    size_t len;
    uint8_t *buf = ry_pb_pack(&copy.base, &len);
    crypto_hash_sha256(out, buf, len);
    free(buf);
}

static int
s_busy(intake_cases_t *self, s_res_t *r)
{
    uint64_t depth = ry_channel_outbox_depth(self->channel, "validation");
    if (depth >= self->limits.outbox_limit) {
        r->retry_after_ms = 1000;
        return s_fail(r, RONGYU__ERROR_CODE__E_BUSY,
                      "%" PRIu64 " cases wait for validation", depth);
    }
    return 0;
}

/* When the review of a case submitted at 'submitted' is due: the same
 * local time review_months calendar months later in the campaign's zone
 * (Asia/Shanghai), the day clamped to the month's end (01-31 -> 02-28). */
static int64_t
s_review_due(const intake_cases_t *self, const char *campaign,
             int64_t submitted)
{
    const ry_campaign_t *c = ry_campaigns_find(self->campaigns, campaign);
    int months = c ? ry_campaign_review_months(c) : 1;
    int offset = c ? ry_campaign_utc_offset_minutes(c) : 480;
    ry_date_t d;
    if (months <= 0 || ry_date_from_epoch_ms(submitted, offset, &d, NULL))
        return 0;
    ry_date_t due = d;
    int m = d.m - 1 + months;
    due.y = d.y + m / 12;
    due.m = m % 12 + 1;
    int last = ry_date_days_in_month(due.y, due.m);
    if (due.d > last)
        due.d = last;
    return submitted + ry_date_diff_days(d, due) * 86400000LL;
}

/* Keeps the by_unit index right when a draft's unit changes. */
static int
s_reindex_unit(ry_txn_t *txn, const char *case_id, const char *old_unit,
               const char *new_unit)
{
    if (strcmp(old_unit, new_unit) == 0)
        return 0;
    char key[600];
    int n = snprintf(key, sizeof key, "%s%c%s", old_unit, '\0', case_id);
    int rc = ry_txn_del(txn, "by_unit", key, (size_t)n);
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    n = snprintf(key, sizeof key, "%s%c%s", new_unit, '\0', case_id);
    return ry_txn_put(txn, "by_unit", key, (size_t)n, "", 0, 0);
}

/* Keeps revision c->revision of a case before a new one replaces it:
 * "revisions" holds case id + be32 revision -> the packed Case. */
static int
s_archive(ry_txn_t *txn, const Rongyu__Case *c)
{
    uint8_t key[S_ID_LEN + 4];
    memcpy(key, c->case_id, S_ID_LEN);
    key[S_ID_LEN] = (uint8_t)(c->revision >> 24);
    key[S_ID_LEN + 1] = (uint8_t)(c->revision >> 16);
    key[S_ID_LEN + 2] = (uint8_t)(c->revision >> 8);
    key[S_ID_LEN + 3] = (uint8_t)c->revision;
    size_t len;
    uint8_t *buf = ry_pb_pack(&c->base, &len);
    int rc = ry_txn_put(txn, "revisions", key, sizeof key, buf, len, 0);
    free(buf);
    return rc;
}

/* Creates or replaces a case from an application: a new submission, a new
 * draft, a draft's new content, or (from a returned case) a new revision
 * that keeps the old one in "revisions". */
static int
s_store_application(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, Rongyu__Application *a,
                    Rongyu__Case *existing, bool draft, s_res_t *r)
{
    s_att_save_t *saved = calloc(a->n_attachments + 1, sizeof *saved);
    if (!saved)
        abort();
    int rc = s_attachments_take(self, txn, a, saved, r);
    if (rc)
        goto done;
    int64_t now = ry_clock_now_ms();
    char id[S_ID_LEN + 1];
    Rongyu__Case c = RONGYU__CASE__INIT;
    if (existing) {
        c = *existing;
        c.verdict = NULL;
    } else {
        s_id_format(s_next_id(self), id);
        c.case_id = id;
        c.revision = 1;
        c.created_at_ms = now;
        c.idempotency_key = req->idempotency_key;
    }
    Rongyu__CaseState from = existing ? existing->state
                                      : RONGYU__CASE_STATE__STATE_UNSPECIFIED;
    bool revise = existing && existing->state == RONGYU__CASE_STATE__RETURNED;
    char what[64];
    snprintf(what, sizeof what, "%s",
             draft ? (existing ? "draft edited" : "draft saved")
                   : "submitted");
    if (revise) {
        rc = s_archive(txn, existing);
        if (rc)
            goto done;
        c.revision = existing->revision + 1;
        c.submitted_at_ms = 0;
        c.review_due_ms = 0;
        c.note = (char *)"";
        snprintf(what, sizeof what, "revised (revision %u)", c.revision);
    }
    if (existing) {
        rc = s_reindex_unit(txn, c.case_id,
                            existing->application->organising_unit,
                            a->organising_unit);
        if (rc)
            goto done;
    }
    c.application = a;
    c.updated_at_ms = now;
    c.state = draft ? RONGYU__CASE_STATE__DRAFT : RONGYU__CASE_STATE__SUBMITTED;
    if (!draft) {
        c.submitted_at_ms = now;
        c.review_due_ms = s_review_due(self, a->campaign_id, now);
    }
    rc = s_case_put(txn, &c, !existing);
    if (!rc)
        rc = s_audit(txn, c.case_id, req->principal->org_id, from, c.state,
                     what, NULL, now);
    if (!rc && !draft)
        rc = s_send_validate(self, txn, &c);
    if (!rc && !draft)
        rc = s_send_event(self, txn, &c, "submitted");
    if (!rc) {
        /* Reply with the stored form (no attachment contents). */
        size_t len;
        uint8_t *buf = ry_pb_pack(&c.base, &len);
        r->kase = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor, buf,
                                               len, 0);
        free(buf);
    }
done:
    s_attachments_restore(a, saved, a->n_attachments);
    free(saved);
    return rc;
}

/* Looks the idempotency key up. Returns 1 when the reply is settled from
 * the cache (or a conflict), 0 to go on, negative on store errors. */
static int
s_idem_lookup(ry_txn_t *txn, const Rongyu__Request *req, const uint8_t fp[32],
              s_res_t *r)
{
    if (s_empty(req->idempotency_key))
        return 0;
    char key[600];
    int n = snprintf(key, sizeof key, "%s%c%s", req->principal->org_id, '\0',
                     req->idempotency_key);
    if (n >= (int)sizeof key) {
        s_fail(r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
               "idempotency_key longer than 300 bytes");
        return 1;
    }
    ry_val_t v;
    int rc = ry_txn_get(txn, "idem", key, (size_t)n, &v);
    if (rc == RY_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (v.len < 32 || memcmp(v.data, fp, 32) != 0) {
        s_fail(r, RONGYU__ERROR_CODE__E_CONFLICT, "idempotency_key '%s'",
               req->idempotency_key);
        return 1;
    }
    r->cached_len = v.len - 32;
    r->cached = malloc(r->cached_len ? r->cached_len : 1);
    if (!r->cached)
        abort();
    memcpy(r->cached, (const uint8_t *)v.data + 32, r->cached_len);
    return 1;
}

static int
s_idem_store(ry_txn_t *txn, const Rongyu__Request *req, const uint8_t fp[32],
             s_res_t *r)
{
    if (s_empty(req->idempotency_key))
        return 0;
    char key[600];
    int n = snprintf(key, sizeof key, "%s%c%s", req->principal->org_id, '\0',
                     req->idempotency_key);
    size_t len;
    uint8_t *reply = s_finish(r, "", &len);
    uint8_t *v = malloc(32 + len);
    if (!v)
        abort();
    memcpy(v, fp, 32);
    memcpy(v + 32, reply, len);
    int rc = ry_txn_put(txn, "idem", key, (size_t)n, v, 32 + len, 0);
    free(v);
    free(reply);
    return rc;
}

/* The case's state name, for messages. */
static const char *
s_state(Rongyu__CaseState st)
{
    return st >= 0 && (unsigned)st < rongyu__case_state__descriptor.n_values
               ? rongyu__case_state__descriptor.values[st].name
               : "?";
}

static int
s_bad_state(s_res_t *r, const Rongyu__Case *c, const char *what)
{
    return s_fail(r, RONGYU__ERROR_CODE__E_BAD_STATE, "case '%s' is %s; %s",
                  c->case_id, s_state(c->state), what);
}

/* Loads a case the principal may act on ('act'). Returns 0 with *out set
 * (the caller's), -1 after s_fail, or a store error. */
static int
s_load_for(ry_txn_t *txn, const intake_principal_t *p, intake_action_t act,
           const char *id, s_res_t *r, Rongyu__Case **out)
{
    *out = NULL;
    if (s_empty(id))
        return s_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD, "case_id");
    int rc = s_case_load(txn, id, out);
    if (rc == RY_ENOTFOUND)
        return s_fail(r, RONGYU__ERROR_CODE__E_NOT_FOUND, "case '%s'", id);
    if (rc)
        return rc;
    rc = s_allow(txn, p, act, (*out)->application, r);
    if (rc)
        ry_pb_free(out);
    return rc;
}

static int
s_submit(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
         const intake_principal_t *p, s_res_t *r)
{
    bool draft = req->body_case == RONGYU__REQUEST__BODY_SAVE_DRAFT;
    Rongyu__Application *a =
        draft ? req->save_draft->application : req->submit->application;
    int rc = s_check_shape(a, draft, r);
    if (rc)
        return rc;
    if ((rc = s_allow(txn, p, INTAKE_ACT_APPLY, a, r)))
        return rc;
    char why[400];
    rc = intake_orgs_check_application(txn, a, why, sizeof why);
    if (rc == RY_EINVAL)
        return s_fail(r, RONGYU__ERROR_CODE__E_INVALID, "%s", why);
    if (rc)
        return rc;
    if (!draft && (rc = s_busy(self, r)))
        return rc;
    Rongyu__Case *existing = NULL;
    if (draft && !s_empty(req->save_draft->case_id)) {
        rc = s_load_for(txn, p, INTAKE_ACT_APPLY, req->save_draft->case_id, r,
                        &existing);
        if (rc)
            return rc;
        if (strcmp(existing->application->applicant_org, a->applicant_org)) {
            ry_pb_free(&existing);
            return s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                          "case '%s' belongs to another organisation",
                          req->save_draft->case_id);
        }
        if (existing->state != RONGYU__CASE_STATE__DRAFT &&
            existing->state != RONGYU__CASE_STATE__RETURNED) {
            s_bad_state(r, existing,
                        "only a draft or a returned case can be edited");
            ry_pb_free(&existing);
            return -1;
        }
    }
    rc = s_store_application(self, txn, req, a, existing, draft, r);
    ry_pb_free(&existing);
    return rc;
}

static int
s_submit_draft(intake_cases_t *self, ry_txn_t *txn,
               const Rongyu__Request *req, const intake_principal_t *p,
               s_res_t *r)
{
    const char *id = req->submit_draft->case_id;
    Rongyu__Case *c = NULL;
    int rc = s_load_for(txn, p, INTAKE_ACT_APPLY, id, r, &c);
    if (rc)
        return rc;
    char why[400];
    if (c->state != RONGYU__CASE_STATE__DRAFT) {
        rc = s_bad_state(r, c, "only a draft can be submitted");
    } else if ((rc = s_check_shape(c->application, false, r)) == 0 &&
               (rc = intake_orgs_check_application(txn, c->application, why,
                                                   sizeof why)) == RY_EINVAL) {
        rc = s_fail(r, RONGYU__ERROR_CODE__E_INVALID, "%s", why);
    } else if (rc == 0 && (rc = s_busy(self, r)) == 0) {
        int64_t now = ry_clock_now_ms();
        c->state = RONGYU__CASE_STATE__SUBMITTED;
        c->submitted_at_ms = now;
        c->updated_at_ms = now;
        c->review_due_ms =
            s_review_due(self, c->application->campaign_id, now);
        rc = s_case_put(txn, c, false);
        if (!rc)
            rc = s_audit(txn, id, req->principal->org_id,
                         RONGYU__CASE_STATE__DRAFT,
                         RONGYU__CASE_STATE__SUBMITTED,
                         c->revision > 1 ? "resubmitted" : "submitted", NULL,
                         now);
        if (!rc)
            rc = s_send_validate(self, txn, c);
        if (!rc)
            rc = s_send_event(self, txn, c, "submitted");
        if (!rc) {
            r->kase = c;
            c = NULL;
        }
    }
    ry_pb_free(&c);
    return rc;
}

static int
s_get(ry_txn_t *txn, const Rongyu__Request *req, const intake_principal_t *p,
      s_res_t *r)
{
    const char *id = req->get->case_id ? req->get->case_id : "";
    int rc = s_load_for(txn, p, INTAKE_ACT_READ, id, r, &r->kase);
    if (rc)
        return rc;
    uint32_t rev = req->get->revision;
    if (rev && rev != r->kase->revision) {
        /* An earlier revision, as it was when the next replaced it. */
        uint8_t key[S_ID_LEN + 4];
        memcpy(key, id, S_ID_LEN);
        key[S_ID_LEN] = (uint8_t)(rev >> 24);
        key[S_ID_LEN + 1] = (uint8_t)(rev >> 16);
        key[S_ID_LEN + 2] = (uint8_t)(rev >> 8);
        key[S_ID_LEN + 3] = (uint8_t)rev;
        ry_val_t v;
        ry_pb_free(&r->kase);
        rc = ry_txn_get(txn, "revisions", key, sizeof key, &v);
        if (rc == RY_ENOTFOUND)
            return s_fail(r, RONGYU__ERROR_CODE__E_NOT_FOUND,
                          "case '%s' has no revision %u", id, rev);
        if (rc)
            return rc;
        r->kase = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor,
                                               v.data, v.len, 0);
        if (!r->kase)
            return RY_EIO;
    }
    uint8_t prefix[S_ID_LEN + 1];
    memcpy(prefix, id, S_ID_LEN);
    prefix[S_ID_LEN] = '\0';
    return ry_txn_scan(txn, "audit", prefix, sizeof prefix, NULL, 0,
                       s_audit_collect, r);
}

typedef struct {
    ry_txn_t *txn;
    const Rongyu__ListRequest *q;
    s_res_t *r;
    size_t limit;
    size_t skip; /* index keys: bytes before the case id */
    const intake_principal_t *p;
    int64_t now;
} s_list_t;

/* States in which the organising unit's review is awaited. */
static bool
s_awaits_review(Rongyu__CaseState st)
{
    return st == RONGYU__CASE_STATE__SUBMITTED ||
           st == RONGYU__CASE_STATE__ELIGIBLE ||
           st == RONGYU__CASE_STATE__INELIGIBLE;
}

static int
s_list_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_list_t *l = arg;
    (void)val;
    if (key->len < l->skip + S_ID_LEN)
        return 0;
    char id[S_ID_LEN + 1];
    memcpy(id, (const char *)key->data + l->skip, S_ID_LEN);
    id[S_ID_LEN] = '\0';
    if (!s_empty(l->q->after_case_id) && strcmp(id, l->q->after_case_id) <= 0)
        return 0;
    Rongyu__Case *c;
    int rc = s_case_load(l->txn, id, &c);
    if (rc)
        return rc == RY_ENOTFOUND ? 0 : rc;
    const Rongyu__ListRequest *q = l->q;
    const Rongyu__Application *a = c->application;
    bool keep = (!q->state || c->state == q->state) &&
                (!q->honour || a->honour == q->honour) &&
                (s_empty(q->campaign_id) ||
                 strcmp(a->campaign_id, q->campaign_id) == 0) &&
                (s_empty(q->applicant_org) ||
                 strcmp(a->applicant_org, q->applicant_org) == 0) &&
                (s_empty(q->organising_unit) ||
                 strcmp(a->organising_unit, q->organising_unit) == 0) &&
                (!q->overdue ||
                 (s_awaits_review(c->state) && c->review_due_ms > 0 &&
                  l->now > c->review_due_ms));
    if (keep && l->p) {
        char why[8];
        rc = intake_authorize(l->txn, l->p, INTAKE_ACT_READ, a, why,
                              sizeof why);
        if (rc && rc != RY_EPERM) {
            ry_pb_free(&c);
            return rc;
        }
        keep = rc == 0;
    }
    if (!keep) {
        ry_pb_free(&c);
        return 0;
    }
    if (l->r->ncases == l->limit) {
        ry_pb_free(&c);
        return 1;
    }
    l->r->cases[l->r->ncases++] = c;
    snprintf(l->r->next_after, sizeof l->r->next_after, "%s", id);
    return 0;
}

static int
s_list(ry_txn_t *txn, const Rongyu__Request *req, const intake_principal_t *p,
       s_res_t *r)
{
    Rongyu__ListRequest q = *req->list;
    const char *who = p->org_id;
    char unit[256];
    s_list_t l = {txn, &q, r, q.limit ? q.limit : S_LIST_DEFAULT, 0, NULL,
                  ry_clock_now_ms()};
    if (p->role == INTAKE_ROLE_GRASSROOTS) {
        /* Its own cases, or those of a branch or group under it (each row
         * is checked). */
        if (s_empty(q.applicant_org))
            q.applicant_org = (char *)who;
        Rongyu__Application probe = RONGYU__APPLICATION__INIT;
        probe.applicant_org = q.applicant_org;
        char why[400];
        int rc = intake_authorize(txn, p, INTAKE_ACT_READ, &probe, why,
                                  sizeof why);
        if (rc == RY_EPERM)
            return s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                          "'%s' may list only its own cases (%s)", who, why);
        if (rc)
            return rc;
    } else if (p->role == INTAKE_ROLE_UNIT) {
        int rc = intake_principal_unit(txn, p, unit, sizeof unit);
        if (rc == RY_EPERM)
            return s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                          "'%s' is not registered as an organising unit", who);
        if (rc)
            return rc;
        if (!s_empty(q.organising_unit) && strcmp(q.organising_unit, unit))
            return s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                          "'%s' may list only the cases of %s", who, unit);
        if (s_empty(q.applicant_org))
            q.organising_unit = unit;
        else
            l.p = p; /* its own applications, or its unit's */
    }
    if (l.limit > S_LIST_MAX)
        l.limit = S_LIST_MAX;
    r->cases = calloc(l.limit + 1, sizeof *r->cases);
    if (!r->cases)
        abort();
    r->next_after[0] = '\0';
    const char *table = "cases", *by = NULL;
    if (!s_empty(q.applicant_org))
        table = "by_org", by = q.applicant_org;
    else if (!s_empty(q.organising_unit))
        table = "by_unit", by = q.organising_unit;
    int rc;
    if (by) {
        char prefix[256], from[300];
        size_t plen = strlen(by) + 1;
        if (plen > 200)
            return s_fail(r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE, "filter");
        memcpy(prefix, by, plen);
        size_t flen = plen;
        memcpy(from, prefix, plen);
        if (!s_empty(q.after_case_id) && strlen(q.after_case_id) <= 64) {
            memcpy(from + plen, q.after_case_id, strlen(q.after_case_id));
            flen += strlen(q.after_case_id);
        }
        l.skip = plen;
        rc = ry_txn_scan(txn, table, prefix, plen, from, flen, s_list_row, &l);
    } else {
        const char *from = s_empty(q.after_case_id) ? NULL : q.after_case_id;
        rc = ry_txn_scan(txn, table, NULL, 0, from, from ? strlen(from) : 0,
                         s_list_row, &l);
    }
    if (rc)
        return rc;
    if (r->ncases < l.limit)
        r->next_after[0] = '\0'; /* nothing more */
    return 0;
}

static int
s_status(intake_cases_t *self, ry_txn_t *txn, s_res_t *r)
{
    Rongyu__StatusReply init = RONGYU__STATUS_REPLY__INIT;
    r->st = init;
    r->st.service = (char *)"intake";
    ry_link_info_t info[16];
    int n = ry_channel_links(self->channel, info, 16);
    if (n > 16)
        n = 16;
    for (int i = 0; i < n; i++) {
        Rongyu__LinkStatus li = RONGYU__LINK_STATUS__INIT;
        snprintf(r->link_names[i], sizeof r->link_names[i], "%.63s",
                 info[i].peer);
        li.peer = r->link_names[i];
        li.outbox = info[i].outbox;
        li.next_seq = info[i].next_seq;
        li.acked_seq = info[i].acked_seq;
        r->links[i] = li;
        r->linkp[i] = &r->links[i];
    }
    r->st.links = r->linkp;
    r->st.n_links = (size_t)n;
    int rc = ry_txn_count(txn, "cases", &r->st.cases);
    if (!rc)
        rc = ry_txn_count(txn, "ry_dead", &r->st.dead);
    r->status = true;
    return rc;
}

/* ------------------------------------------------------------ review */

/* "org (user)", or "org" when no user is named. */
static const char *
s_actor(const intake_principal_t *p, char *buf, size_t len)
{
    if (s_empty(p->user))
        snprintf(buf, len, "%s", p->org_id);
    else
        snprintf(buf, len, "%s (%s)", p->org_id, p->user);
    return buf;
}

/* Moves c to 'to': stores it, appends the audit entry and tells
 * notification ('event'), all in txn. */
static int
s_transition(intake_cases_t *self, ry_txn_t *txn, Rongyu__Case *c,
             Rongyu__CaseState to, const char *actor, const char *what,
             const char *opinion, const char *event)
{
    int64_t now = ry_clock_now_ms();
    Rongyu__CaseState from = c->state;
    c->state = to;
    c->updated_at_ms = now;
    int rc = s_case_put(txn, c, false);
    if (!rc)
        rc = s_audit(txn, c->case_id, actor, from, to, what, opinion, now);
    if (!rc)
        rc = s_send_event(self, txn, c, event);
    return rc;
}

static Rongyu__QuotaColumn
s_column(const Rongyu__Application *a)
{
    if (a->honour != RONGYU__HONOUR__EXCELLENT_WORKER)
        return RONGYU__QUOTA_COLUMN__COLUMN_UNSPECIFIED;
    if (a->person && a->person->column)
        return a->person->column;
    return RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE;
}

static const char *
s_column_zh(const Rongyu__Application *a)
{
    if (a->honour == RONGYU__HONOUR__MODEL_HOME)
        return "示范职工之家推荐";
    switch (s_column(a)) {
    case RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN: return "工会领导机关干部";
    case RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE: return "乡镇（街道）工会专兼职干部";
    default: return "基层工会专兼职干部";
    }
}

static const char *
s_column_en(const Rongyu__Application *a)
{
    if (a->honour == RONGYU__HONOUR__MODEL_HOME)
        return "model_home";
    switch (s_column(a)) {
    case RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN: return "leadership_organ";
    case RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE: return "township_cadre";
    default: return "grassroots_cadre";
    }
}

/* Asks quota for a seat operation on c's pool, in txn. */
static int
s_send_seat(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Case *c,
            Rongyu__SeatOp op)
{
    const Rongyu__Application *a = c->application;
    Rongyu__SeatRequest sr = RONGYU__SEAT_REQUEST__INIT;
    sr.case_id = c->case_id;
    sr.op = op;
    sr.campaign_id = a->campaign_id;
    sr.organising_unit = a->organising_unit;
    sr.honour = a->honour;
    sr.column = s_column(a);
    int rc = ry_channel_send_msg(self->channel, txn, "quota",
                                 RONGYU__MESSAGE_TYPE__SEAT_REQUEST,
                                 c->case_id, &sr.base);
    return rc;
}

static int
s_need_opinion(const char *opinion, s_res_t *r)
{
    if (s_empty(opinion))
        return s_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                      "opinion: every decision needs an opinion (审批意见)");
    if (strlen(opinion) > 4000)
        return s_fail(r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
                      "opinion: longer than 4000 bytes");
    return 0;
}

/* Copies c into the reply. */
static void
s_reply_case(s_res_t *r, Rongyu__Case **c)
{
    r->kase = *c;
    *c = NULL;
}

static int
s_review(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
         const intake_principal_t *p, s_res_t *r)
{
    const Rongyu__ReviewRequest *q = req->review;
    int rc = s_need_opinion(q->opinion, r);
    if (rc)
        return rc;
    if (q->decision < RONGYU__REVIEW_DECISION__REVIEW_APPROVE ||
        q->decision > RONGYU__REVIEW_DECISION__REVIEW_REJECT)
        return s_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                      "decision: approve, return or reject");
    Rongyu__Case *c;
    if ((rc = s_load_for(txn, p, INTAKE_ACT_REVIEW, q->case_id, r, &c)))
        return rc;
    Rongyu__CaseState st = c->state;
    bool ok = q->decision == RONGYU__REVIEW_DECISION__REVIEW_APPROVE
                  ? st == RONGYU__CASE_STATE__ELIGIBLE
                  : (st == RONGYU__CASE_STATE__ELIGIBLE ||
                     st == RONGYU__CASE_STATE__INELIGIBLE ||
                     st == RONGYU__CASE_STATE__APPROVED);
    char actor[512];
    if (!ok) {
        rc = s_bad_state(
            r, c,
            q->decision == RONGYU__REVIEW_DECISION__REVIEW_APPROVE
                ? "only an eligible case can be approved"
                : "only an eligible, ineligible or approved case can be "
                  "returned or rejected");
    } else {
        static const struct {
            Rongyu__CaseState to;
            const char *what, *event;
        } t[] = {
            [RONGYU__REVIEW_DECISION__REVIEW_APPROVE] =
                {RONGYU__CASE_STATE__APPROVED, "review: approved", "approved"},
            [RONGYU__REVIEW_DECISION__REVIEW_RETURN] =
                {RONGYU__CASE_STATE__RETURNED, "review: returned for changes",
                 "returned"},
            [RONGYU__REVIEW_DECISION__REVIEW_REJECT] =
                {RONGYU__CASE_STATE__REJECTED, "review: rejected", "rejected"},
        };
        ry_pb_set_string(&c->note, NULL);
        rc = s_transition(self, txn, c, t[q->decision].to,
                          s_actor(p, actor, sizeof actor), t[q->decision].what,
                          q->opinion, t[q->decision].event);
        if (!rc)
            s_reply_case(r, &c);
    }
    ry_pb_free(&c);
    return rc;
}

static int
s_recommend(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
            const intake_principal_t *p, s_res_t *r)
{
    const Rongyu__RecommendRequest *q = req->recommend;
    int rc = s_need_opinion(q->opinion, r);
    if (rc)
        return rc;
    Rongyu__Case *c;
    if ((rc = s_load_for(txn, p, INTAKE_ACT_REVIEW, q->case_id, r, &c)))
        return rc;
    char pool[400], actor[512];
    s_actor(p, actor, sizeof actor);
    if (c->state != RONGYU__CASE_STATE__APPROVED) {
        rc = s_bad_state(r, c, "only an approved case can be recommended");
    } else if (intake_seats_pool(c->application, pool, sizeof pool)) {
        ry_pb_set_string(&c->note, NULL);
        rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__RESERVE);
        if (!rc)
            rc = intake_seats_mark(txn, c->application->campaign_id, pool,
                                   c->case_id, INTAKE_SEAT_PENDING);
        if (!rc)
            rc = s_transition(self, txn, c, RONGYU__CASE_STATE__RECOMMENDING,
                              actor, "recommended: seat requested from quota",
                              q->opinion, "recommending");
    } else {
        ry_pb_set_string(&c->note, NULL);
        rc = s_transition(self, txn, c, RONGYU__CASE_STATE__RECOMMENDED, actor,
                          "recommended to the city", q->opinion,
                          "recommended");
    }
    if (!rc)
        s_reply_case(r, &c);
    ry_pb_free(&c);
    return rc;
}

static int
s_city_decision(intake_cases_t *self, ry_txn_t *txn,
                const Rongyu__Request *req, const intake_principal_t *p,
                s_res_t *r)
{
    const Rongyu__CityDecisionRequest *q = req->city_decision;
    int rc = s_need_opinion(q->opinion, r);
    if (rc)
        return rc;
    if (q->decision != RONGYU__CITY_DECISION__CITY_AWARD &&
        q->decision != RONGYU__CITY_DECISION__CITY_NOT_SELECTED)
        return s_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                      "decision: award or not_selected");
    Rongyu__Case *c;
    if ((rc = s_load_for(txn, p, INTAKE_ACT_CITY, q->case_id, r, &c)))
        return rc;
    char pool[400], actor[512];
    s_actor(p, actor, sizeof actor);
    bool seat = intake_seats_pool(c->application, pool, sizeof pool);
    bool award = q->decision == RONGYU__CITY_DECISION__CITY_AWARD;
    if (c->state != RONGYU__CASE_STATE__RECOMMENDED) {
        rc = s_bad_state(r, c, "the city decides only on a recommended case");
    } else if (award && seat) {
        ry_pb_set_string(&c->note, NULL);
        rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__CONFIRM);
        if (!rc)
            rc = s_transition(self, txn, c, RONGYU__CASE_STATE__SELECTING,
                              actor, "city: selected; confirmation requested",
                              q->opinion, "selecting");
    } else if (award) {
        rc = s_transition(self, txn, c, RONGYU__CASE_STATE__AWARDED, actor,
                          "city: spot-check passed, awarded", q->opinion,
                          "awarded");
    } else {
        if (seat)
            rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__RELEASE);
        if (!rc)
            rc = s_transition(self, txn, c, RONGYU__CASE_STATE__NOT_SELECTED,
                              actor,
                              seat ? "city: not selected; seat released"
                                   : "city: not selected",
                              q->opinion, "not_selected");
    }
    if (!rc)
        s_reply_case(r, &c);
    ry_pb_free(&c);
    return rc;
}

static int
s_withdraw(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
           const intake_principal_t *p, s_res_t *r)
{
    const Rongyu__WithdrawRequest *q = req->withdraw;
    if (q->reason && strlen(q->reason) > 4000)
        return s_fail(r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
                      "reason: longer than 4000 bytes");
    Rongyu__Case *c;
    int rc = s_load_for(txn, p, INTAKE_ACT_APPLY, q->case_id, r, &c);
    if (rc)
        return rc;
    char pool[400], actor[512];
    s_actor(p, actor, sizeof actor);
    bool seat = intake_seats_pool(c->application, pool, sizeof pool);
    switch (c->state) {
    case RONGYU__CASE_STATE__DRAFT:
    case RONGYU__CASE_STATE__SUBMITTED:
    case RONGYU__CASE_STATE__ELIGIBLE:
    case RONGYU__CASE_STATE__INELIGIBLE:
    case RONGYU__CASE_STATE__RETURNED:
    case RONGYU__CASE_STATE__APPROVED:
    case RONGYU__CASE_STATE__RECOMMENDED: break;
    case RONGYU__CASE_STATE__RECOMMENDING:
    case RONGYU__CASE_STATE__SELECTING:
        rc = s_bad_state(r, c,
                         "it waits for the quota service's answer; withdraw "
                         "again in a moment");
        break;
    default:
        rc = s_bad_state(r, c, "a decided case cannot be withdrawn");
        break;
    }
    if (!rc && seat && c->state == RONGYU__CASE_STATE__RECOMMENDED)
        rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__RELEASE);
    if (!rc)
        rc = s_transition(self, txn, c, RONGYU__CASE_STATE__WITHDRAWN, actor,
                          "withdrawn by the applicant", q->reason,
                          "withdrawn");
    if (!rc)
        s_reply_case(r, &c);
    ry_pb_free(&c);
    return rc;
}

static int
s_org_import(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
             const intake_principal_t *p, s_res_t *r)
{
    int rc = s_allow(txn, p, INTAKE_ACT_CITY, NULL, r);
    if (rc)
        return rc;
    const Rongyu__OrgImportRequest *q = req->org_import;
    char why[600];
    rc = intake_orgs_import(txn, self->campaigns, q->orgs, q->n_orgs,
                            &r->counts, why, sizeof why);
    if (rc == RY_EINVAL)
        return s_fail(r, RONGYU__ERROR_CODE__E_INVALID, "%s", why);
    if (rc == 0)
        r->orgs = true;
    return rc;
}

static int
s_org_list(ry_txn_t *txn, s_res_t *r)
{
    int rc = intake_orgs_list(txn, &r->org_list, &r->norgs);
    if (rc == 0)
        r->orgs = true;
    return rc;
}

static int
s_quota(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
        s_res_t *r)
{
    const Rongyu__QuotaRequest *q = req->quota;
    const ry_campaign_t *c =
        s_empty(q->campaign_id) ? ry_campaigns_at(self->campaigns, 0)
                                : ry_campaigns_find(self->campaigns,
                                                    q->campaign_id);
    if (!c)
        return s_fail(r, RONGYU__ERROR_CODE__E_NOT_FOUND, "campaign '%s'",
                      q->campaign_id);
    int rc = intake_seats_table(txn, c, q->organising_unit, &r->qrows, &r->nq);
    if (rc == RY_ENOTFOUND)
        return s_fail(r, RONGYU__ERROR_CODE__E_NOT_FOUND,
                      "organising unit '%s' is not in Annex 1 of %s",
                      q->organising_unit, ry_campaign_id(c));
    if (rc)
        return rc;
    r->qrowp = calloc(r->nq + 1, sizeof *r->qrowp);
    if (!r->qrowp)
        abort();
    for (size_t i = 0; i < r->nq; i++)
        r->qrowp[i] = &r->qrows[i];
    r->qcampaign = ry_campaign_id(c);
    r->quota = true;
    return 0;
}

/* A seat answer from quota: settles a pending recommendation (RESERVE) or
 * selection (CONFIRM), and keeps the mirror of seats. */
static int
s_on_seat_result(intake_cases_t *self, ry_txn_t *txn, const ry_msg_t *msg)
{
    Rongyu__SeatResult *res = (Rongyu__SeatResult *)ry_pb_unpack(
        &rongyu__seat_result__descriptor, msg->payload, msg->len, 0);
    if (!res || s_empty(res->case_id))
        return ry_pb_free(&res), RY_EMALFORMED;
    Rongyu__Case *c = NULL;
    int rc = s_case_load(txn, res->case_id, &c);
    if (rc) {
        ry_pb_free(&res);
        return rc == RY_ENOTFOUND ? RY_EINVAL : rc;
    }
    const Rongyu__Application *a = c->application;
    char pool[400], msgbuf[600];
    if (!intake_seats_pool(a, pool, sizeof pool)) {
        ry_warn(c->case_id, "seat answer for a case that takes no seat");
        goto done;
    }
    const char *camp = a->campaign_id;
    switch (res->op) {
    case RONGYU__SEAT_OP__RESERVE:
        if (c->state != RONGYU__CASE_STATE__RECOMMENDING) {
            ry_info(c->case_id, "reserve answer ignored: case is %s",
                    s_state(c->state));
            break;
        }
        if (res->granted) {
            snprintf(msgbuf, sizeof msgbuf,
                     "名额已预留 seat reserved: %s %s %u/%u",
                     a->organising_unit[0] ? a->organising_unit : "全市",
                     s_column_en(a), res->used, res->cap);
            rc = intake_seats_mark(txn, camp, pool, c->case_id,
                                   INTAKE_SEAT_RESERVED);
            if (!rc)
                rc = s_transition(self, txn, c,
                                  RONGYU__CASE_STATE__RECOMMENDED, "quota",
                                  "seat granted", msgbuf, "recommended");
        } else {
            bool lead = s_column(a) == RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN;
            snprintf(msgbuf, sizeof msgbuf,
                     "名额已满，推荐未成功：%s %s 已用 %u / 名额 %u。"
                     "quota refused (%s): %s %s used %u of %u",
                     lead ? "全市" : a->organising_unit, s_column_zh(a),
                     res->used, res->cap, res->reason,
                     lead ? "city-wide" : a->organising_unit, s_column_en(a),
                     res->used, res->cap);
            ry_pb_set_string(&c->note, msgbuf);
            rc = intake_seats_mark(txn, camp, pool, c->case_id, 0);
            if (!rc)
                rc = s_transition(self, txn, c, RONGYU__CASE_STATE__APPROVED,
                                  "quota", "recommendation refused", msgbuf,
                                  "recommendation_refused");
        }
        break;
    case RONGYU__SEAT_OP__CONFIRM:
        if (c->state != RONGYU__CASE_STATE__SELECTING) {
            ry_info(c->case_id, "confirm answer ignored: case is %s",
                    s_state(c->state));
            break;
        }
        if (res->granted) {
            rc = intake_seats_mark(txn, camp, pool, c->case_id,
                                   INTAKE_SEAT_CONFIRMED);
            snprintf(msgbuf, sizeof msgbuf, "名额已确认 seat confirmed (%u/%u)",
                     res->used, res->cap);
            if (!rc)
                rc = s_transition(self, txn, c, RONGYU__CASE_STATE__AWARDED,
                                  "quota", "seat confirmed, awarded", msgbuf,
                                  "awarded");
        } else {
            snprintf(msgbuf, sizeof msgbuf,
                     "全市名额已满，未能入选：%s 已用 %u / 名额 %u。"
                     "confirmation refused (%s): city-wide %s used %u of %u",
                     s_column_zh(a), res->used, res->cap, res->reason,
                     s_column_en(a), res->used, res->cap);
            ry_pb_set_string(&c->note, msgbuf);
            rc = s_transition(self, txn, c, RONGYU__CASE_STATE__RECOMMENDED,
                              "quota", "selection refused", msgbuf,
                              "selection_refused");
        }
        break;
    case RONGYU__SEAT_OP__RELEASE:
        if (res->granted)
            rc = intake_seats_mark(txn, camp, pool, c->case_id, 0);
        break;
    default:
        ry_warn(c->case_id, "seat answer with unknown operation %d",
                (int)res->op);
        break;
    }
done:
    ry_pb_free(&c);
    ry_pb_free(&res);
    return rc;
}

/* ------------------------------------------------------------ entry points */

int
intake_cases_new(ry_store_t *store, const intake_limits_t *limits,
                 intake_cases_t **out)
{
    if (sodium_init() < 0)
        return RY_EIO;
    intake_cases_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->store = store;
    self->limits = *limits;
    if (ry_campaigns_new(&self->campaigns) != 0) {
        free(self);
        return RY_ECONFIG;
    }
    ry_txn_t *txn;
    int rc = ry_txn_begin(store, NULL, false, &txn);
    if (rc) {
        ry_campaigns_destroy(&self->campaigns);
        free(self);
        return rc;
    }
    ry_val_t k, v;
    rc = ry_txn_last(txn, "cases", NULL, 0, &k, &v);
    if (rc == 0 && k.len == S_ID_LEN) {
        char id[S_ID_LEN + 1];
        memcpy(id, k.data, S_ID_LEN);
        id[S_ID_LEN] = '\0';
        s_id_parse(id, &self->last_id);
    }
    ry_txn_abort(&txn);
    *out = self;
    return rc == 0 || rc == RY_ENOTFOUND ? 0 : rc;
}

void
intake_cases_destroy(intake_cases_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ry_campaigns_destroy(&(*self_p)->campaigns);
    free(*self_p);
    *self_p = NULL;
}

void
intake_cases_set_channel(intake_cases_t *self, ry_channel_t *channel)
{
    self->channel = channel;
}

void
intake_cases_set_campaigns(intake_cases_t *self, ry_campaigns_t **campaigns)
{
    ry_campaigns_destroy(&self->campaigns);
    self->campaigns = *campaigns;
    *campaigns = NULL;
}

int
intake_cases_on_request(void *ctx, ry_txn_t *txn, const uint8_t *data,
                        size_t len, uint8_t **reply, size_t *reply_len)
{
    intake_cases_t *self = ctx;
    s_res_t r = {.code = RONGYU__ERROR_CODE__OK};
    Rongyu__Request *req = NULL;
    int rc;
    if (!data ||
        !(req = (Rongyu__Request *)ry_pb_unpack(&rongyu__request__descriptor,
                                                data, len, 2 * len + 65536))) {
        s_fail(&r, RONGYU__ERROR_CODE__E_MALFORMED,
               "%zu bytes that are not a rongyu.Request", len);
        *reply = s_finish(&r, "", reply_len);
        return -1;
    }
    intake_principal_t who;
    uint8_t fp[32];
    Rongyu__Request__BodyCase body = req->body_case;
    bool idem = body == RONGYU__REQUEST__BODY_SUBMIT ||
                body == RONGYU__REQUEST__BODY_SAVE_DRAFT ||
                body == RONGYU__REQUEST__BODY_SUBMIT_DRAFT ||
                body == RONGYU__REQUEST__BODY_REVIEW ||
                body == RONGYU__REQUEST__BODY_RECOMMEND ||
                body == RONGYU__REQUEST__BODY_CITY_DECISION ||
                body == RONGYU__REQUEST__BODY_WITHDRAW ||
                body == RONGYU__REQUEST__BODY_ORG_IMPORT;
    if (body == RONGYU__REQUEST__BODY_STATUS) {
        rc = s_status(self, txn, &r);
        goto out;
    }
    char why[256];
    if (intake_principal_parse(req->principal, &who, why, sizeof why) != 0) {
        rc = s_fail(&r,
                    req->principal && !s_empty(req->principal->org_id)
                        ? RONGYU__ERROR_CODE__E_INVALID
                        : RONGYU__ERROR_CODE__E_MISSING_FIELD,
                    "%s", why);
        goto out;
    }
    if (idem) {
        s_fingerprint(req, fp);
        rc = s_idem_lookup(txn, req, fp, &r);
        if (rc == 1) {
            rc = r.code == RONGYU__ERROR_CODE__OK ? 0 : -1;
            goto out;
        }
        if (rc)
            goto out;
    }
    switch (req->body_case) {
    case RONGYU__REQUEST__BODY_SUBMIT:
    case RONGYU__REQUEST__BODY_SAVE_DRAFT:
        rc = s_submit(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_SUBMIT_DRAFT:
        rc = s_submit_draft(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_GET:
        rc = s_get(txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_LIST:
        rc = s_list(txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_REVIEW:
        rc = s_review(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_RECOMMEND:
        rc = s_recommend(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_CITY_DECISION:
        rc = s_city_decision(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_WITHDRAW:
        rc = s_withdraw(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_ORG_IMPORT:
        rc = s_org_import(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_ORG_LIST:
        rc = s_org_list(txn, &r);
        break;
    case RONGYU__REQUEST__BODY_QUOTA:
        rc = s_quota(self, txn, req, &r);
        break;
    default:
        rc = s_fail(&r, RONGYU__ERROR_CODE__E_UNSUPPORTED,
                    "request body %d", (int)req->body_case);
        break;
    }
    if (rc == 0 && idem)
        rc = s_idem_store(txn, req, fp, &r);
out:
    if (rc < -1 && rc != RY_EFULL) {
        ry_error(NULL, "request failed in the store: %s", ry_strerror(rc));
        ry_pb_free(&r.kase);
        s_fail(&r, RONGYU__ERROR_CODE__E_INTERNAL, "%s", ry_strerror(rc));
    }
    if (r.cached) {
        /* The first answer, with this request's id. */
        Rongyu__Reply *c = (Rongyu__Reply *)ry_pb_unpack(
            &rongyu__reply__descriptor, r.cached, r.cached_len, 0);
        if (c) {
            char *saved = c->request_id;
            c->request_id = req->request_id;
            *reply = ry_pb_pack(&c->base, reply_len);
            c->request_id = saved;
            ry_pb_free(&c);
        } else {
            s_fail(&r, RONGYU__ERROR_CODE__E_INTERNAL, "cached reply");
            *reply = s_finish(&r, req->request_id, reply_len);
        }
    } else {
        *reply = s_finish(&r, req->request_id, reply_len);
    }
    s_res_release(&r);
    ry_pb_free(&req);
    if (rc == RY_EFULL)
        return rc;
    return rc == 0 ? 0 : -1;
}

void
intake_cases_on_refuse(void *ctx, const uint8_t *data, size_t len, int why,
                       uint8_t **reply, size_t *reply_len)
{
    (void)ctx;
    s_res_t r = {.code = RONGYU__ERROR_CODE__OK};
    Rongyu__Request *req =
        data ? (Rongyu__Request *)ry_pb_unpack(&rongyu__request__descriptor,
                                               data, len, 2 * len + 65536)
             : NULL;
    if (why == RY_EFULL) {
        r.retry_after_ms = 0; /* no retry helps until the map is raised */
        s_fail(&r, RONGYU__ERROR_CODE__E_BUSY,
               "the store is full at its size limit (max_map_size); nothing "
               "was stored; an operator must raise max_map_size");
    } else {
        s_fail(&r, RONGYU__ERROR_CODE__E_INTERNAL,
               "the store failed (%s); nothing was stored", ry_strerror(why));
    }
    *reply = s_finish(&r, req ? req->request_id : "", reply_len);
    ry_pb_free(&req);
}

int
intake_cases_on_message(void *ctx, ry_txn_t *txn, const ry_msg_t *msg)
{
    intake_cases_t *self = ctx;
    if (msg->type == RONGYU__MESSAGE_TYPE__SEAT_RESULT)
        return s_on_seat_result(self, txn, msg);
    if (msg->type != RONGYU__MESSAGE_TYPE__VALIDATION_RESULT) {
        ry_warn(msg->correlation, "unexpected message type %d from %s",
                msg->type, msg->sender);
        return RY_EINVAL;
    }
    Rongyu__ValidationResult *res = (Rongyu__ValidationResult *)ry_pb_unpack(
        &rongyu__validation_result__descriptor, msg->payload, msg->len, 0);
    if (!res || !res->verdict)
        return ry_pb_free(&res), RY_EMALFORMED;
    Rongyu__Case *c = NULL;
    int rc = s_case_load(txn, res->case_id, &c);
    if (rc) {
        ry_pb_free(&res);
        return rc == RY_ENOTFOUND ? RY_EINVAL : rc;
    }
    if (c->revision != res->revision ||
        c->state != RONGYU__CASE_STATE__SUBMITTED) {
        ry_info(c->case_id, "verdict for revision %u ignored: case is at "
                            "revision %u, %s",
                res->revision, c->revision,
                rongyu__case_state__descriptor.values[c->state].name);
        goto done;
    }
    int64_t now = ry_clock_now_ms();
    Rongyu__CaseState to = res->verdict->eligible
                               ? RONGYU__CASE_STATE__ELIGIBLE
                               : RONGYU__CASE_STATE__INELIGIBLE;
    size_t failed = 0;
    for (size_t i = 0; i < res->verdict->n_checks; i++)
        failed += !res->verdict->checks[i]->passed;
    char opinion[128];
    snprintf(opinion, sizeof opinion, "%zu of %zu checks failed (%s)", failed,
             res->verdict->n_checks, res->verdict->ruleset);
    Rongyu__Verdict *old = c->verdict;
    c->verdict = res->verdict;
    c->state = to;
    c->updated_at_ms = now;
    rc = s_case_put(txn, c, false);
    if (!rc)
        rc = s_audit(txn, c->case_id, "validation",
                     RONGYU__CASE_STATE__SUBMITTED, to, "verdict", opinion,
                     now);
    if (!rc)
        rc = s_send_event(self, txn, c,
                          res->verdict->eligible ? "eligible" : "ineligible");
    c->verdict = old;
done:
    ry_pb_free(&c);
    ry_pb_free(&res);
    return rc;
}
