/* intake_cases: the case store and the case state machine: case ids,
 * records and their indexes, revisions, the audit trail, every transition,
 * the messages to validation, quota and notification, and their answers. */
#include "intake_cases.h"

#include "intake_attach.h"
#include "intake_deadline.h"
#include "intake_internal.h"
#include "intake_posting.h"
#include "intake_reply.h"
#include "intake_requests.h"
#include "intake_wait.h"
#include "ry_clock.h"
#include "ry_date.h"
#include "rongyu_services.pb-c.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_rulecat.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ ids */

static void
s_id_format(uint64_t id, char out[INTAKE_ID_LEN + 1])
{
    snprintf(out, INTAKE_ID_LEN + 1, "%016" PRIx64, id);
}

static int
s_id_parse(const char *s, uint64_t *id)
{
    if (!s || strlen(s) != INTAKE_ID_LEN)
        return RY_EINVAL;
    uint64_t v = 0;
    for (int i = 0; i < INTAKE_ID_LEN; i++) {
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

/* Reads and decodes the Case stored under key in table; *out is the
 * caller's, NULL unless 0 is returned. */
static int
s_case_get(ry_txn_t *txn, const char *table, const void *key, size_t klen,
           Rongyu__Case **out)
{
    *out = NULL;
    ry_val_t v;
    int rc = ry_txn_get(txn, table, key, klen, &v);
    if (rc)
        return rc;
    *out = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor, v.data,
                                        v.len, 0);
    return *out ? 0 : RY_EIO;
}

int
intake_cases_load(ry_txn_t *txn, const char *case_id, Rongyu__Case **out)
{
    return s_case_get(txn, "cases", case_id, strlen(case_id), out);
}

static void s_revision_key(const char *case_id, uint32_t rev,
                           uint8_t key[INTAKE_ID_LEN + 4]);

/* Stores the verdict of revision 'rev' of a case: its bytes as given. */
static int
s_verdict_put(ry_txn_t *txn, const char *case_id, uint32_t rev,
              const void *data, size_t len)
{
    uint8_t key[INTAKE_ID_LEN + 4];
    s_revision_key(case_id, rev, key);
    return ry_txn_put(txn, "verdicts", key, sizeof key, data, len, 0);
}

/* Packs c without its verdict: a case refers to its verdict by (case id,
 * revision). A verdict embedded in a case stored by an earlier version
 * moves to the "verdicts" table when the case is written again. */
static int
s_case_pack(ry_txn_t *txn, const Rongyu__Case *c, uint8_t **buf, size_t *len)
{
    Rongyu__Case bare = *c;
    if (c->verdict) {
        size_t vlen;
        uint8_t *v = ry_pb_pack(&c->verdict->base, &vlen);
        int rc = s_verdict_put(txn, c->case_id, c->revision, v, vlen);
        free(v);
        if (rc)
            return rc;
        bare.verdict = NULL;
    }
    *buf = ry_pb_pack(&bare.base, len);
    return 0;
}

/* Stores c (without its verdict) and, for a new case, its indexes; with
 * 'packed', gives back the bytes stored (the caller's to free). */
static int
s_case_put_bytes(ry_txn_t *txn, const Rongyu__Case *c, bool is_new,
                 uint8_t **packed, size_t *plen)
{
    size_t len;
    uint8_t *buf;
    int rc = s_case_pack(txn, c, &buf, &len);
    if (rc)
        return rc;
    rc = ry_txn_put(txn, "cases", c->case_id, strlen(c->case_id), buf,
                    len, is_new ? RY_PUT_APPEND : 0);
    if (packed && !rc) {
        *packed = buf;
        *plen = len;
    } else {
        free(buf);
    }
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
s_case_put(ry_txn_t *txn, const Rongyu__Case *c, bool is_new)
{
    return s_case_put_bytes(txn, c, is_new, NULL, NULL);
}

static int
s_audit(ry_txn_t *txn, const char *case_id, const char *actor,
        Rongyu__CaseState from, Rongyu__CaseState to, const char *what,
        const char *opinion, int64_t at)
{
    uint8_t key[INTAKE_ID_LEN + 1 + 8];
    memcpy(key, case_id, INTAKE_ID_LEN);
    key[INTAKE_ID_LEN] = '\0';
    ry_val_t lk, lv;
    uint64_t n = 1;
    int rc = ry_txn_last(txn, "audit", key, INTAKE_ID_LEN + 1, &lk, &lv);
    if (rc == 0 && lk.len == sizeof key)
        n = ry_be64_get((const uint8_t *)lk.data + INTAKE_ID_LEN + 1) + 1;
    else if (rc != RY_ENOTFOUND && rc != 0)
        return rc;
    ry_be64_put(key + INTAKE_ID_LEN + 1, n);
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

/* "revisions" keys: case id + be32 revision. */
static void
s_revision_key(const char *case_id, uint32_t rev,
               uint8_t key[INTAKE_ID_LEN + 4])
{
    memcpy(key, case_id, INTAKE_ID_LEN);
    key[INTAKE_ID_LEN] = (uint8_t)(rev >> 24);
    key[INTAKE_ID_LEN + 1] = (uint8_t)(rev >> 16);
    key[INTAKE_ID_LEN + 2] = (uint8_t)(rev >> 8);
    key[INTAKE_ID_LEN + 3] = (uint8_t)rev;
}

int
intake_cases_load_revision(ry_txn_t *txn, const char *case_id, uint32_t rev,
                           Rongyu__Case **out)
{
    uint8_t key[INTAKE_ID_LEN + 4];
    s_revision_key(case_id, rev, key);
    return s_case_get(txn, "revisions", key, sizeof key, out);
}

int
intake_cases_join_verdict(ry_txn_t *txn, Rongyu__Case *c)
{
    if (!c)
        return 0;
    if (!c->verdict) {
        uint8_t key[INTAKE_ID_LEN + 4];
        if (strlen(c->case_id) != INTAKE_ID_LEN)
            return 0;
        s_revision_key(c->case_id, c->revision, key);
        ry_val_t v;
        int rc = ry_txn_get(txn, "verdicts", key, sizeof key, &v);
        if (rc == RY_ENOTFOUND)
            return 0;
        if (rc)
            return rc;
        c->verdict = (Rongyu__Verdict *)ry_pb_unpack(
            &rongyu__verdict__descriptor, v.data, v.len, 0);
        if (!c->verdict)
            return RY_EIO;
    }
    ry_rulecat_fill_verdict(c->verdict);
    return 0;
}

typedef struct {
    Rongyu__AuditEntry ***entries;
    size_t *n;
} s_audit_acc_t;

static int
s_audit_collect(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_audit_acc_t *acc = arg;
    Rongyu__AuditEntry *e = (Rongyu__AuditEntry *)ry_pb_unpack(
        &rongyu__audit_entry__descriptor, val->data, val->len, 0);
    if (!e)
        return RY_EIO;
    *acc->entries =
        realloc(*acc->entries, sizeof **acc->entries * (*acc->n + 1));
    if (!*acc->entries)
        abort();
    (*acc->entries)[(*acc->n)++] = e;
    return 0;
}

int
intake_cases_audit_read(ry_txn_t *txn, const char *case_id,
                        Rongyu__AuditEntry ***entries, size_t *n)
{
    uint8_t prefix[INTAKE_ID_LEN + 1];
    memcpy(prefix, case_id, INTAKE_ID_LEN);
    prefix[INTAKE_ID_LEN] = '\0';
    s_audit_acc_t acc = {entries, n};
    return ry_txn_scan(txn, "audit", prefix, sizeof prefix, NULL, 0,
                       s_audit_collect, &acc);
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
    if (a->declarations) {
        ev.posting_start = a->declarations->posting_start;
        ev.posting_end = a->declarations->posting_end;
    }
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
    vc.applicant_kind = intake_orgs_kind(txn, c->application->applicant_org);
    int rc = ry_channel_send_msg(self->channel, txn, "validation",
                                 RONGYU__MESSAGE_TYPE__VALIDATE_CASE,
                                 c->case_id, &vc.base);
    return rc;
}

/* ------------------------------------------------------------ authority */

int
intake_cases_allow(ry_txn_t *txn, const intake_principal_t *p,
                   intake_action_t act, const Rongyu__Application *a,
                   intake_reply_t *r)
{
    char why[400] = "";
    int rc = intake_authorize(txn, p, act, a, why, sizeof why);
    if (rc == RY_EPERM)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN, "%s", why);
    return rc;
}

/* ------------------------------------------------------------ submit */

/* Checks the shape every stored application must have. */
static int
s_check_shape(const Rongyu__Application *a, bool draft, intake_reply_t *r)
{
    if (!a)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "application");
    if (intake_is_empty(a->campaign_id))
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "application.campaign_id");
    if (intake_is_empty(a->applicant_org))
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "application.applicant_org");
    if (!draft && a->honour == RONGYU__HONOUR__HONOUR_UNSPECIFIED)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "application.honour");
    if (!draft && intake_is_empty(a->organising_unit))
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "application.organising_unit");
    if (strlen(a->applicant_org) > 200 || strlen(a->organising_unit) > 200 ||
        strlen(a->campaign_id) > 100)
        return intake_reply_fail(
            r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
            "application: an identifier is longer than 200 bytes");
    return 0;
}

static int
s_busy(intake_cases_t *self, ry_txn_t *txn, const char *peer,
       intake_reply_t *r)
{
    uint64_t depth;
    int rc = ry_outbox_depth(txn, peer, &depth);
    if (rc)
        return rc;
    if (depth >= self->limits.outbox_limit) {
        r->retry_after_ms = 1000;
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_BUSY,
                                 "%" PRIu64 " messages wait for %s (at most "
                                 "%u: outbox_limit)",
                                 depth, peer, self->limits.outbox_limit);
    }
    return 0;
}

int
intake_cases_busy(intake_cases_t *self, ry_txn_t *txn, const char *peer,
                  intake_reply_t *r)
{
    return s_busy(self, txn, peer, r);
}

/* When the review of a case submitted at 'submitted' is due
 * (ry_campaign_review_due: the end of the day review_months later). */
static int64_t
s_review_due(const intake_cases_t *self, const char *campaign,
             int64_t submitted)
{
    return ry_campaign_review_due(ry_campaigns_find(self->campaigns, campaign),
                                  submitted, NULL);
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
    uint8_t key[INTAKE_ID_LEN + 4];
    s_revision_key(c->case_id, c->revision, key);
    size_t len;
    uint8_t *buf;
    int rc = s_case_pack(txn, c, &buf, &len);
    if (rc)
        return rc;
    rc = ry_txn_put(txn, "revisions", key, sizeof key, buf, len, 0);
    free(buf);
    return rc;
}

/* Creates or replaces a case from an application: a new submission, a new
 * draft, a draft's new content, or (from a returned case) a new revision
 * that keeps the old one in "revisions". */
/* "org (user)", or "org" when no user is named; with " via KEY" when a
 * platform key acts for them. */
static const char *
s_actor(const intake_principal_t *p, char *buf, size_t len)
{
    const char *via = p->via ? p->via : "";
    if (intake_is_empty(p->user))
        snprintf(buf, len, "%s%s%s", p->org_id, *via ? " via " : "", via);
    else
        snprintf(buf, len, "%s (%s)%s%s", p->org_id, p->user,
                 *via ? " via " : "", via);
    return buf;
}

static int
s_store_application(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const intake_principal_t *p,
                    Rongyu__Application *a, Rongyu__Case *existing,
                    bool draft, intake_reply_t *r)
{
    char abuf[600];
    /* What is stored is a copy with its own attachment records: the
     * request itself stays as its decoder made it. */
    intake_attach_set_t stored = {0};
    int rc = intake_attach_take(txn, a, self->limits.max_attachment, &stored,
                                r);
    if (rc)
        goto done;
    int64_t now = ry_clock_now_ms();
    char id[INTAKE_ID_LEN + 1];
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
    c.application = &stored.app;
    c.updated_at_ms = now;
    c.state = draft ? RONGYU__CASE_STATE__DRAFT : RONGYU__CASE_STATE__SUBMITTED;
    if (!draft) {
        c.submitted_at_ms = now;
        c.review_due_ms = s_review_due(self, a->campaign_id, now);
    }
    uint8_t *packed = NULL;
    size_t plen = 0;
    rc = s_case_put_bytes(txn, &c, !existing, &packed, &plen);
    if (!rc)
        rc = s_audit(txn, c.case_id, s_actor(p, abuf, sizeof abuf), from,
                     c.state,
                     what, NULL, now);
    if (!rc && !draft)
        rc = s_send_validate(self, txn, &c);
    if (!rc && !draft)
        rc = s_send_event(self, txn, &c, "submitted");
    if (!rc && draft) {
        /* Notification follows a draft's posting (intake_posting). */
        char pw[160];
        bool posted = intake_posting_changed(
            existing ? existing->application : NULL, a, pw, sizeof pw);
        if (posted)
            rc = s_audit(txn, c.case_id, req->principal->org_id, c.state,
                         c.state, pw, NULL, now);
        if (!rc)
            rc = s_send_event(self, txn, &c,
                              posted ? "posting_recorded" : "draft_saved");
    }
    if (!rc) {
        /* Reply with the stored form (no attachment contents), decoded
         * from the bytes stored. */
        r->kase = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor,
                                               packed, plen, 0);
        if (!r->kase)
            rc = RY_EIO;
    }
    free(packed);
done:
    intake_attach_release(&stored);
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
s_bad_state(intake_reply_t *r, const Rongyu__Case *c, const char *what)
{
    return intake_reply_fail(r, RONGYU__ERROR_CODE__E_BAD_STATE,
                             "case '%s' is %s; %s", c->case_id,
                             s_state(c->state), what);
}

int
intake_cases_load_for(ry_txn_t *txn, const intake_principal_t *p,
                      intake_action_t act, const char *id, intake_reply_t *r,
                      Rongyu__Case **out)
{
    *out = NULL;
    if (intake_is_empty(id))
        return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                    "case_id", "case_id");
    int rc = intake_cases_load(txn, id, out);
    if (rc == RY_ENOTFOUND)
        return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_NOT_FOUND,
                                    "case_id", "case '%s'", id);
    if (rc)
        return rc;
    /* A case the principal may not see answers as one that does not
     * exist: no one learns of another organisation's cases. */
    char why[8];
    rc = intake_authorize(txn, p, INTAKE_ACT_READ, (*out)->application, why,
                          sizeof why);
    if (rc == RY_EPERM) {
        ry_pb_free(out);
        return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_NOT_FOUND,
                                    "case_id", "case '%s'", id);
    }
    if (rc) {
        ry_pb_free(out);
        return rc;
    }
    rc = intake_cases_allow(txn, p, act, (*out)->application, r);
    if (rc)
        ry_pb_free(out);
    return rc;
}

int
intake_cases_submit(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const intake_principal_t *p,
                    intake_reply_t *r)
{
    bool draft = req->body_case == RONGYU__REQUEST__BODY_SAVE_DRAFT;
    Rongyu__Application *a =
        draft ? req->save_draft->application : req->submit->application;
    int rc = s_check_shape(a, draft, r);
    if (rc)
        return rc;
    if ((rc = intake_cases_allow(txn, p, INTAKE_ACT_APPLY, a, r)))
        return rc;
    char why[400];
    rc = intake_orgs_check_application(txn, a, why, sizeof why);
    if (rc == RY_EINVAL)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID, "%s", why);
    if (rc)
        return rc;
    if (!draft && (rc = s_busy(self, txn, "validation", r)))
        return rc;
    Rongyu__Case *existing = NULL;
    if (draft && !intake_is_empty(req->save_draft->case_id)) {
        rc = intake_cases_load_for(txn, p, INTAKE_ACT_APPLY,
                                   req->save_draft->case_id, r, &existing);
        if (rc)
            return rc;
        if (strcmp(existing->application->applicant_org, a->applicant_org)) {
            ry_pb_free(&existing);
            return intake_reply_fail(
                r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                "案件 %s 属于其他组织。Case '%s' belongs to another "
                "organisation.",
                req->save_draft->case_id, req->save_draft->case_id);
        }
        if (existing->state != RONGYU__CASE_STATE__DRAFT &&
            existing->state != RONGYU__CASE_STATE__RETURNED) {
            s_bad_state(r, existing,
                        "only a draft or a returned case can be edited");
            ry_pb_free(&existing);
            return -1;
        }
    }
    rc = s_store_application(self, txn, req, p, a, existing, draft, r);
    ry_pb_free(&existing);
    return rc;
}

int
intake_cases_submit_draft(intake_cases_t *self, ry_txn_t *txn,
                          const Rongyu__Request *req,
                          const intake_principal_t *p, intake_reply_t *r)
{
    const char *id = req->submit_draft->case_id;
    Rongyu__Case *c = NULL;
    int rc = intake_cases_load_for(txn, p, INTAKE_ACT_APPLY, id, r, &c);
    if (rc)
        return rc;
    char why[400], abuf[600];
    if (c->state != RONGYU__CASE_STATE__DRAFT) {
        rc = s_bad_state(r, c, "only a draft can be submitted");
    } else if ((rc = s_check_shape(c->application, false, r)) == 0 &&
               (rc = intake_orgs_check_application(txn, c->application, why,
                                                   sizeof why)) == RY_EINVAL) {
        rc = intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID, "%s", why);
    } else if (rc == 0 && (rc = s_busy(self, txn, "validation", r)) == 0) {
        int64_t now = ry_clock_now_ms();
        c->state = RONGYU__CASE_STATE__SUBMITTED;
        c->submitted_at_ms = now;
        c->updated_at_ms = now;
        c->review_due_ms =
            s_review_due(self, c->application->campaign_id, now);
        rc = s_case_put(txn, c, false);
        if (!rc)
            rc = s_audit(txn, id, s_actor(p, abuf, sizeof abuf),
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

/* ------------------------------------------------------------ review */


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

int
intake_cases_record(intake_cases_t *self, ry_txn_t *txn, Rongyu__Case *c,
                    const char *actor, const char *what, const char *opinion,
                    const char *event)
{
    return s_transition(self, txn, c, c->state, actor, what, opinion, event);
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

/* Asks quota for a seat operation on c's pool, in txn; E_BUSY (-1)
 * when too many messages already wait for quota. */
static int
s_send_seat(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Case *c,
            Rongyu__SeatOp op, intake_reply_t *r)
{
    int brc = s_busy(self, txn, "quota", r);
    if (brc)
        return brc;
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
s_need_opinion(const char *opinion, intake_reply_t *r)
{
    if (intake_is_empty(opinion))
        return intake_reply_fail(
            r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
            "opinion: every decision needs an opinion (审批意见)");
    if (strlen(opinion) > 4000)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
                                 "opinion: longer than 4000 bytes");
    return 0;
}

/* Copies c into the reply. */
static void
s_reply_case(intake_reply_t *r, Rongyu__Case **c)
{
    r->kase = *c;
    *c = NULL;
}

int
intake_cases_review(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const intake_principal_t *p,
                    intake_reply_t *r)
{
    const Rongyu__ReviewRequest *q = req->review;
    int rc = s_need_opinion(q->opinion, r);
    if (rc)
        return rc;
    if (q->decision < RONGYU__REVIEW_DECISION__REVIEW_APPROVE ||
        q->decision > RONGYU__REVIEW_DECISION__REVIEW_REJECT)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                                 "decision: approve, return or reject");
    Rongyu__Case *c;
    if ((rc = intake_cases_load_for(txn, p, INTAKE_ACT_REVIEW, q->case_id, r,
                                    &c)))
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

int
intake_cases_recommend(intake_cases_t *self, ry_txn_t *txn,
                       const Rongyu__Request *req, const intake_principal_t *p,
                       intake_reply_t *r)
{
    const Rongyu__RecommendRequest *q = req->recommend;
    int rc = s_need_opinion(q->opinion, r);
    if (rc)
        return rc;
    Rongyu__Case *c;
    if ((rc = intake_cases_load_for(txn, p, INTAKE_ACT_REVIEW, q->case_id, r,
                                    &c)))
        return rc;
    char pool[400], actor[512];
    s_actor(p, actor, sizeof actor);
    if (c->state != RONGYU__CASE_STATE__APPROVED) {
        rc = s_bad_state(r, c, "only an approved case can be recommended");
    } else if (p->role == INTAKE_ROLE_UNIT &&
               (rc = intake_deadline_check(txn, self->campaigns, c->application,
                                           ry_clock_now_ms(), r)) != 0) {
        /* After the unit's summary deadline: refused, nothing changed. */
    } else if (intake_seats_pool(c->application, pool, sizeof pool)) {
        ry_pb_set_string(&c->note, NULL);
        rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__RESERVE, r);
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

int
intake_cases_city_decision(intake_cases_t *self, ry_txn_t *txn,
                           const Rongyu__Request *req,
                           const intake_principal_t *p, intake_reply_t *r)
{
    const Rongyu__CityDecisionRequest *q = req->city_decision;
    int rc = s_need_opinion(q->opinion, r);
    if (rc)
        return rc;
    if (q->decision != RONGYU__CITY_DECISION__CITY_AWARD &&
        q->decision != RONGYU__CITY_DECISION__CITY_NOT_SELECTED)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID,
                                 "decision: award or not_selected");
    Rongyu__Case *c;
    if ((rc =
             intake_cases_load_for(txn, p, INTAKE_ACT_CITY, q->case_id, r, &c)))
        return rc;
    char pool[400], actor[512];
    s_actor(p, actor, sizeof actor);
    bool seat = intake_seats_pool(c->application, pool, sizeof pool);
    bool award = q->decision == RONGYU__CITY_DECISION__CITY_AWARD;
    if (c->state != RONGYU__CASE_STATE__RECOMMENDED) {
        rc = s_bad_state(r, c, "the city decides only on a recommended case");
    } else if (award && seat) {
        ry_pb_set_string(&c->note, NULL);
        rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__CONFIRM, r);
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
            rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__RELEASE, r);
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

int
intake_cases_withdraw(intake_cases_t *self, ry_txn_t *txn,
                      const Rongyu__Request *req, const intake_principal_t *p,
                      intake_reply_t *r)
{
    const Rongyu__WithdrawRequest *q = req->withdraw;
    if (q->reason && strlen(q->reason) > 4000)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
                                 "reason: longer than 4000 bytes");
    Rongyu__Case *c;
    int rc = intake_cases_load_for(txn, p, INTAKE_ACT_APPLY, q->case_id, r, &c);
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
        rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__RELEASE, r);
    if (!rc)
        rc = s_transition(self, txn, c, RONGYU__CASE_STATE__WITHDRAWN, actor,
                          "withdrawn by the applicant", q->reason,
                          "withdrawn");
    if (!rc)
        s_reply_case(r, &c);
    ry_pb_free(&c);
    return rc;
}

/* A seat answer from quota: settles a pending recommendation (RESERVE) or
 * selection (CONFIRM), and keeps the mirror of seats. */
static int
s_on_seat_result(intake_cases_t *self, ry_txn_t *txn, const ry_msg_t *msg)
{
    Rongyu__SeatResult *res = (Rongyu__SeatResult *)ry_pb_unpack(
        &rongyu__seat_result__descriptor, msg->payload, msg->len, 0);
    if (!res || intake_is_empty(res->case_id))
        return ry_pb_free(&res), RY_EMALFORMED;
    Rongyu__Case *c = NULL;
    int rc = intake_cases_load(txn, res->case_id, &c);
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
            /* The city-wide pool of model homes is a selection (入选). */
            bool model = a->honour == RONGYU__HONOUR__MODEL_HOME;
            snprintf(msgbuf, sizeof msgbuf,
                     "全市名额已满，未能入选：%s 已用 %u / 名额 %u。"
                     "confirmation refused (%s): city-wide %s used %u of %u",
                     model ? "示范职工之家入选" : s_column_zh(a), res->used,
                     res->cap, res->reason,
                     model ? "model_home_selection" : s_column_en(a), res->used,
                     res->cap);
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
    if (rc == 0 && k.len == INTAKE_ID_LEN) {
        char id[INTAKE_ID_LEN + 1];
        memcpy(id, k.data, INTAKE_ID_LEN);
        id[INTAKE_ID_LEN] = '\0';
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
    ry_calendar_destroy(&(*self_p)->cal);
    intake_waits_destroy(&(*self_p)->waits);
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
    intake_wait_poke(ctx);
    return intake_requests_on_request(ctx, txn, data, len, reply, reply_len);
}

void
intake_cases_on_refuse(void *ctx, const uint8_t *data, size_t len, int why,
                       uint8_t **reply, size_t *reply_len)
{
    intake_requests_on_refuse(ctx, data, len, why, reply, reply_len);
}

int
intake_cases_on_message(void *ctx, ry_txn_t *txn, const ry_msg_t *msg)
{
    intake_cases_t *self = ctx;
    intake_wait_poke(self);
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
    int rc = intake_cases_load(txn, res->case_id, &c);
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
    /* The verdict is kept as validation sent it (the bytes of field 3),
     * beside the case, under (case id, revision). */
    size_t pos = 0;
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(msg->payload, msg->len, &pos, &f)) == 1 &&
           !(f.number == 3 && f.wire == 2))
        ;
    if (more != 1) {
        rc = RY_EMALFORMED;
        goto done;
    }
    rc = s_verdict_put(txn, c->case_id, c->revision, f.val, f.vlen);
    Rongyu__Verdict *old = c->verdict;
    c->verdict = NULL;
    c->state = to;
    c->updated_at_ms = now;
    if (!rc)
        rc = s_case_put(txn, c, false);
    if (!rc)
        rc = s_audit(txn, c->case_id, "validation",
                     RONGYU__CASE_STATE__SUBMITTED, to, "verdict", opinion,
                     now);
    c->verdict = res->verdict;
    if (!rc)
        rc = s_send_event(self, txn, c,
                          res->verdict->eligible ? "eligible" : "ineligible");
    c->verdict = old;
done:
    ry_pb_free(&c);
    ry_pb_free(&res);
    return rc;
}
