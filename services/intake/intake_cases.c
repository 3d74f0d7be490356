/* intake_cases: the case store, the state machine and the client requests
 * of the intake service. */
#include "intake_cases.h"

#include "ry_clock.h"
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
    size_t len;
    uint8_t *buf = ry_pb_pack(&ev.base, &len);
    int rc = ry_channel_send(self->channel, txn, "notification",
                             RONGYU__MESSAGE_TYPE__CASE_EVENT, c->case_id,
                             buf, len);
    free(buf);
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
    size_t len;
    uint8_t *buf = ry_pb_pack(&vc.base, &len);
    int rc = ry_channel_send(self->channel, txn, "validation",
                             RONGYU__MESSAGE_TYPE__VALIDATE_CASE, c->case_id,
                             buf, len);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------ authority */

typedef enum { S_GRASSROOTS, S_UNIT, S_CITY } s_role_t;

static int
s_principal(const Rongyu__Request *req, s_res_t *r, s_role_t *role)
{
    const Rongyu__Principal *p = req->principal;
    if (!p || !p->org_id || !*p->org_id)
        return s_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                      "principal.org_id");
    const char *ro = p->role ? p->role : "";
    if (!*ro || strcmp(ro, "grassroots") == 0)
        *role = S_GRASSROOTS;
    else if (strcmp(ro, "unit") == 0)
        *role = S_UNIT;
    else if (strcmp(ro, "city") == 0 || strcmp(ro, "platform") == 0)
        *role = S_CITY;
    else
        return s_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                      "principal.role: unknown role '%s' (grassroots, unit, "
                      "city, platform)",
                      ro);
    return 0;
}

/* May the principal see or act on an application of this org and unit? */
static bool
s_may(const Rongyu__Request *req, s_role_t role, const char *org,
      const char *unit)
{
    const char *who = req->principal->org_id;
    switch (role) {
    case S_CITY: return true;
    case S_UNIT: return strcmp(who, unit) == 0;
    case S_GRASSROOTS: return strcmp(who, org) == 0;
    }
    return false;
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

/* Creates or replaces a case from an application: a new submission, a new
 * draft, or a draft's new content. */
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
    c.application = a;
    c.updated_at_ms = now;
    c.state = draft ? RONGYU__CASE_STATE__DRAFT : RONGYU__CASE_STATE__SUBMITTED;
    if (!draft)
        c.submitted_at_ms = now;
    rc = s_case_put(txn, &c, !existing);
    if (!rc)
        rc = s_audit(txn, c.case_id, req->principal->org_id, from, c.state,
                     draft ? (existing ? "draft edited" : "draft saved")
                           : "submitted",
                     NULL, now);
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

static int
s_submit(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
         s_role_t role, s_res_t *r)
{
    bool draft = req->body_case == RONGYU__REQUEST__BODY_SAVE_DRAFT;
    Rongyu__Application *a =
        draft ? req->save_draft->application : req->submit->application;
    int rc = s_check_shape(a, draft, r);
    if (rc)
        return rc;
    if (!s_may(req, role, a->applicant_org, a->organising_unit))
        return s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                      "'%s' may not apply for '%s'", req->principal->org_id,
                      a->applicant_org);
    if (!draft && (rc = s_busy(self, r)))
        return rc;
    Rongyu__Case *existing = NULL;
    if (draft && !s_empty(req->save_draft->case_id)) {
        rc = s_case_load(txn, req->save_draft->case_id, &existing);
        if (rc == RY_ENOTFOUND)
            return s_fail(r, RONGYU__ERROR_CODE__E_NOT_FOUND, "case '%s'",
                          req->save_draft->case_id);
        if (rc)
            return rc;
        if (!s_may(req, role, existing->application->applicant_org,
                   existing->application->organising_unit) ||
            strcmp(existing->application->applicant_org, a->applicant_org)) {
            ry_pb_free(&existing);
            return s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                          "case '%s' belongs to another organisation",
                          req->save_draft->case_id);
        }
        if (existing->state != RONGYU__CASE_STATE__DRAFT) {
            s_fail(r, RONGYU__ERROR_CODE__E_BAD_STATE,
                   "case '%s' is %s; only a draft can be edited",
                   existing->case_id,
                   rongyu__case_state__descriptor
                       .values[existing->state].name);
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
               const Rongyu__Request *req, s_role_t role, s_res_t *r)
{
    const char *id = req->submit_draft->case_id;
    Rongyu__Case *c = NULL;
    int rc = s_case_load(txn, id ? id : "", &c);
    if (rc == RY_ENOTFOUND)
        return s_fail(r, RONGYU__ERROR_CODE__E_NOT_FOUND, "case '%s'", id);
    if (rc)
        return rc;
    if (!s_may(req, role, c->application->applicant_org,
               c->application->organising_unit)) {
        rc = s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                    "case '%s' belongs to another organisation", id);
    } else if (c->state != RONGYU__CASE_STATE__DRAFT) {
        rc = s_fail(r, RONGYU__ERROR_CODE__E_BAD_STATE,
                    "case '%s' is %s; only a draft can be submitted", id,
                    rongyu__case_state__descriptor.values[c->state].name);
    } else if ((rc = s_check_shape(c->application, false, r)) == 0 &&
               (rc = s_busy(self, r)) == 0) {
        int64_t now = ry_clock_now_ms();
        c->state = RONGYU__CASE_STATE__SUBMITTED;
        c->submitted_at_ms = now;
        c->updated_at_ms = now;
        rc = s_case_put(txn, c, false);
        if (!rc)
            rc = s_audit(txn, id, req->principal->org_id,
                         RONGYU__CASE_STATE__DRAFT,
                         RONGYU__CASE_STATE__SUBMITTED, "submitted", NULL,
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
s_get(ry_txn_t *txn, const Rongyu__Request *req, s_role_t role, s_res_t *r)
{
    const char *id = req->get->case_id ? req->get->case_id : "";
    int rc = s_case_load(txn, id, &r->kase);
    if (rc == RY_ENOTFOUND)
        return s_fail(r, RONGYU__ERROR_CODE__E_NOT_FOUND, "case '%s'", id);
    if (rc)
        return rc;
    if (!s_may(req, role, r->kase->application->applicant_org,
               r->kase->application->organising_unit)) {
        ry_pb_free(&r->kase);
        return s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                      "case '%s' belongs to another organisation", id);
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
} s_list_t;

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
                 strcmp(a->organising_unit, q->organising_unit) == 0);
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
s_list(ry_txn_t *txn, const Rongyu__Request *req, s_role_t role, s_res_t *r)
{
    Rongyu__ListRequest q = *req->list;
    const char *who = req->principal->org_id;
    if (role == S_GRASSROOTS) {
        if (!s_empty(q.applicant_org) && strcmp(q.applicant_org, who) != 0)
            return s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                          "'%s' may list only its own cases", who);
        q.applicant_org = (char *)who;
    } else if (role == S_UNIT) {
        if (!s_empty(q.organising_unit) && strcmp(q.organising_unit, who))
            return s_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                          "'%s' may list only its own unit's cases", who);
        q.organising_unit = (char *)who;
    }
    s_list_t l = {txn, &q, r, q.limit ? q.limit : S_LIST_DEFAULT, 0};
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
    if (r->ncases == 0) {
        /* An empty list is still a list. */
        r->next_after[0] = '\0';
    }
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
    ry_txn_t *txn;
    int rc = ry_txn_begin(store, NULL, false, &txn);
    if (rc) {
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
    free(*self_p);
    *self_p = NULL;
}

void
intake_cases_set_channel(intake_cases_t *self, ry_channel_t *channel)
{
    self->channel = channel;
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
    s_role_t role = S_GRASSROOTS;
    uint8_t fp[32];
    bool idem = req->body_case == RONGYU__REQUEST__BODY_SUBMIT ||
                req->body_case == RONGYU__REQUEST__BODY_SAVE_DRAFT ||
                req->body_case == RONGYU__REQUEST__BODY_SUBMIT_DRAFT;
    if (req->body_case == RONGYU__REQUEST__BODY_STATUS) {
        rc = s_status(self, txn, &r);
        goto out;
    }
    if ((rc = s_principal(req, &r, &role)) != 0)
        goto out;
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
        rc = s_submit(self, txn, req, role, &r);
        break;
    case RONGYU__REQUEST__BODY_SUBMIT_DRAFT:
        rc = s_submit_draft(self, txn, req, role, &r);
        break;
    case RONGYU__REQUEST__BODY_GET:
        rc = s_get(txn, req, role, &r);
        break;
    case RONGYU__REQUEST__BODY_LIST:
        rc = s_list(txn, req, role, &r);
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

int
intake_cases_on_message(void *ctx, ry_txn_t *txn, const ry_msg_t *msg)
{
    intake_cases_t *self = ctx;
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
