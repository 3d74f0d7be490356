/* intake_requests: a client's Request from its bytes to its Reply, the
 * top layer over the case store (intake_cases, which never calls up):
 * decoding, the principal, idempotency keys (intake_idem), dispatch to
 * the case state machine, and the read-only requests (status, get, list
 * with paging over the case indexes, organisations, the quota table). */
#include "intake_requests.h"

#include "intake_deadline.h"
#include "intake_idem.h"
#include "intake_internal.h"
#include "intake_keys.h"
#include "intake_orgs.h"
#include "intake_posting.h"
#include "intake_reply.h"
#include "intake_dead.h"
#include "intake_seats.h"
#include "intake_upload.h"
#include "intake_wait.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_principal.h"
#include "ry_reply.h"
#include "ry_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST_DEFAULT 100
#define S_LIST_MAX 1000
/* A page of a list stops before its cases pass this many bytes (at least
 * one case), whatever its limit, its next_after telling where to go on:
 * what a request of a few bytes makes intake hold for a connection stays
 * small (docs/protocol.md, "Size limits"). */
#define S_LIST_BYTES (64u << 10)

/* Joins each case of r to its verdict (rendered). Returns 0 or a store
 * error. */
static int
s_join_verdicts(ry_txn_t *txn, intake_reply_t *r)
{
    if (r->brief)
        return 0; /* its case goes without the verdict */
    /* A list's cases were joined as the page was made (s_list_row). */
    int rc = intake_cases_join_verdict(txn, r->out.kase);
    for (size_t i = 0; !rc && i < r->nwcases; i++)
        rc = intake_cases_join_verdict(txn, r->wcases[i]->case_);
    return rc;
}

static int
s_get(ry_txn_t *txn, const Rongyu__Request *req, const intake_principal_t *p,
      intake_reply_t *r)
{
    const char *id = req->get->case_id ? req->get->case_id : "";
    int rc = intake_cases_load_for(txn, p, INTAKE_ACT_READ, id, &r->out, &r->out.kase);
    if (rc)
        return rc;
    uint32_t rev = req->get->revision;
    if (rev && rev != r->out.kase->revision) {
        /* An earlier revision, as it was when the next replaced it. */
        ry_pb_free(&r->out.kase);
        rc = intake_cases_load_revision(txn, id, rev, &r->out.kase);
        if (rc == RY_ENOTFOUND)
            return intake_reply_fail(
                r, RONGYU__ERROR_CODE__E_NOT_FOUND,
                "案件「%.64s」没有第 %u 版。case '%s' has no "
                "revision %u",
                id, rev, id, rev);
        if (rc)
            return rc;
    }
    return intake_cases_audit_read(txn, id, &r->audit, &r->naudit);
}

typedef struct {
    ry_txn_t *txn;
    const Rongyu__ListRequest *q;
    intake_reply_t *r;
    size_t limit;
    const intake_principal_t *p;
    int64_t now;
    size_t bytes; /* the page's cases, packed */
    bool cut;     /* the page ended at S_LIST_BYTES */
    bool more;    /* a case matched past the page's limit */
} s_list_t;

static int
s_list_row(const char *id, void *arg)
{
    s_list_t *l = arg;
    Rongyu__Case *c;
    int rc = intake_cases_load(l->txn, id, &c);
    if (rc)
        return rc == RY_ENOTFOUND ? 0 : rc;
    const Rongyu__ListRequest *q = l->q;
    const Rongyu__Application *a = c->application;
    bool keep =
        (!q->state || c->state == q->state) &&
        (!q->honour || a->honour == q->honour) &&
        (intake_is_empty(q->campaign_id) ||
         strcmp(a->campaign_id, q->campaign_id) == 0) &&
        (intake_is_empty(q->applicant_org) ||
         strcmp(a->applicant_org, q->applicant_org) == 0) &&
        (intake_is_empty(q->organising_unit) ||
         strcmp(a->organising_unit, q->organising_unit) == 0) &&
        (!q->overdue ||
         (intake_cases_awaits_review(c->state) && c->review_due_ms > 0 &&
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
        l->more = true; /* a case past the page */
        return 1;
    }
    /* Its size as the reply holds it: with its verdict, rendered. */
    if ((rc = intake_cases_join_verdict(l->txn, c))) {
        ry_pb_free(&c);
        return rc;
    }
    size_t b = rongyu__case__get_packed_size(c);
    if (l->r->ncases > 0 && l->bytes + b > S_LIST_BYTES) {
        ry_pb_free(&c);
        l->cut = true;
        return 1;
    }
    l->bytes += b;
    l->r->cases[l->r->ncases++] = c;
    snprintf(l->r->next_after, sizeof l->r->next_after, "%s", id);
    return 0;
}

/* A grassroots union's list without an applicant: its own cases and those
 * of its branches and groups (intake_orgs_family), each case checked (l->p
 * set) as any list's. Returns 0 or an error. */
static int
s_list_family(ry_txn_t *txn, const char *who, const intake_case_filter_t *f,
              const char *after, s_list_t *l)
{
    char **fam;
    size_t nfam;
    int rc = intake_orgs_family(txn, who, &fam, &nfam);
    if (rc)
        return rc;
    intake_case_filter_t all = *f;
    all.applicants = (const char *const *)fam;
    all.n_applicants = nfam;
    rc = intake_cases_candidates(txn, &all, after, s_list_row, l);
    for (size_t i = 0; i < nfam; i++)
        free(fam[i]);
    free(fam);
    return rc;
}

static int
s_list(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
       const intake_principal_t *p, intake_reply_t *r)
{
    Rongyu__ListRequest q = *req->list;
    const char *who = p->org_id;
    char unit[256];
    /* A campaign that does not exist is named as such, not answered with
     * an empty page. */
    if (!intake_is_empty(q.campaign_id) &&
        !ry_campaigns_find(self->campaigns, q.campaign_id))
        return intake_reply_no_campaign(r, q.campaign_id);
    s_list_t l = {.txn = txn,
                  .q = &q,
                  .r = r,
                  .limit = q.limit ? q.limit : S_LIST_DEFAULT,
                  .now = ry_clock_now_ms()};
    bool family = false;
    if (p->role == INTAKE_ROLE_GRASSROOTS) {
        /* Its own cases, or those of a branch or group under it (each row
         * is checked); without an applicant, both. */
        family = intake_is_empty(q.applicant_org);
        if (family) {
            q.applicant_org = (char *)who;
            l.p = p;
        }
        Rongyu__Application probe = RONGYU__APPLICATION__INIT;
        probe.applicant_org = q.applicant_org;
        char why[400];
        int rc = intake_authorize(txn, p, INTAKE_ACT_READ, &probe, why,
                                  sizeof why);
        if (rc == RY_EPERM)
            return intake_reply_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN, "%s",
                                     why);
        if (rc)
            return rc;
    } else if (p->role == INTAKE_ROLE_UNIT) {
        int rc = intake_principal_unit(txn, p, unit, sizeof unit);
        if (rc == RY_EPERM)
            return intake_reply_fail(
                r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                "「%s」未登记为组织单位。'%s' is not registered as an "
                "organising unit.",
                who, who);
        if (rc)
            return rc;
        if (!intake_is_empty(q.organising_unit) &&
            strcmp(q.organising_unit, unit))
            return intake_reply_fail(r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                                     "「%s」只能列出%s的案件。'%s' may list "
                                     "only the cases of %s.",
                                     who, unit, who, unit);
        if (intake_is_empty(q.applicant_org))
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
    /* The index narrows the cases read; each is still checked in full. */
    intake_case_filter_t f = {.applicant_org = q.applicant_org,
                              .organising_unit = q.organising_unit,
                              .state = q.state,
                              .overdue = q.overdue,
                              .now = l.now};
    if (family)
        q.applicant_org = NULL; /* each row: the union's or a branch's */
    int rc = family ? s_list_family(txn, who, &f, q.after_case_id, &l)
                    : intake_cases_candidates(txn, &f, q.after_case_id,
                                              s_list_row, &l);
    if (rc)
        return rc;
    if (!l.more && !l.cut)
        r->next_after[0] = '\0'; /* nothing more */
    return 0;
}

static int
s_status(intake_cases_t *self, ry_txn_t *txn, intake_reply_t *r)
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
    ry_channel_stats_t stats[16];
    n = ry_channel_stats(self->channel, stats, 16);
    ry_channel_hello_soon(self->channel);
    for (int i = 0; i < n; i++) {
        Rongyu__StoreStats ss;
        ry_channel_stats_pb(&stats[i], &ss);
        snprintf(r->store_names[i], sizeof r->store_names[i], "%.63s",
                 stats[i].service);
        ss.service = r->store_names[i];
        r->stores[i] = ss;
        r->storep[i] = &r->stores[i];
    }
    r->st.stores = r->storep;
    r->st.n_stores = (size_t)n;
    int rc = ry_txn_count(txn, "cases", &r->st.cases);
    if (!rc)
        rc = ry_outbox_dead_counts(txn, &r->st.dead, &r->st.dead_refused);
    ry_channel_health_t h;
    ry_channel_health(self->channel, &h);
    r->st.store_failures = h.failures;
    ry_channel_client_conns(self->channel, &r->st.client_connections,
                            &r->st.connections_refused);
    if (h.failures)
        r->st.store_error = (char *)ry_strerror(h.last_error);
    r->status = true;
    return rc;
}

static int
s_org_import(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
             const intake_principal_t *p, intake_reply_t *r)
{
    int rc = intake_cases_allow(txn, p, INTAKE_ACT_CITY, NULL, &r->out);
    if (rc)
        return rc;
    const Rongyu__OrgImportRequest *q = req->org_import;
    char why[600];
    rc = intake_orgs_import(txn, self->campaigns, q->orgs, q->n_orgs,
                            &r->counts, why, sizeof why);
    if (rc == RY_EINVAL)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID, "%s", why);
    if (rc == 0)
        r->orgs = true;
    return rc;
}

/* The city extends the summary deadline for one unit (intake_deadline). */
static int
s_extend_deadline(intake_cases_t *self, ry_txn_t *txn,
                  const Rongyu__Request *req, const intake_principal_t *p,
                  intake_reply_t *r)
{
    int rc = intake_cases_allow(txn, p, INTAKE_ACT_CITY, NULL, &r->out);
    if (rc)
        return rc;
    char actor[800];
    rc = intake_deadline_extend(
        txn, self->channel, self->campaigns, req->extend_deadline,
        intake_principal_actor(p, actor, sizeof actor), ry_clock_now_ms(), r);
    /* The unit's nominations being posted now have another deadline. */
    if (!rc)
        rc = intake_posting_extended(self, txn, r->dcampaign,
                                     req->extend_deadline->organising_unit);
    return rc;
}

static int
s_org_list(ry_txn_t *txn, intake_reply_t *r)
{
    int rc = intake_orgs_list(txn, &r->org_list, &r->norgs);
    if (rc == 0)
        r->orgs = true;
    return rc;
}

static int
s_quota(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
        intake_reply_t *r)
{
    const Rongyu__QuotaRequest *q = req->quota;
    const ry_campaign_t *c =
        intake_is_empty(q->campaign_id)
            ? ry_campaigns_at(self->campaigns, 0)
            : ry_campaigns_find(self->campaigns, q->campaign_id);
    if (!c)
        return intake_reply_no_campaign(r, q->campaign_id);
    int rc = intake_seats_table(txn, c, q->organising_unit, &r->qrows, &r->nq);
    if (rc == RY_ENOTFOUND)
        return intake_reply_no_unit(r, ry_campaign_id(c), q->organising_unit);
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

/* A store error: nothing of the request was kept; a retry may work once
 * the operator has acted. A full disk is named as such. */
static void
s_store_failed(intake_reply_t *r, int rc)
{
    r->out.retry_after_ms = 1000;
    if (rc == -ENOSPC || rc == -EDQUOT)
        intake_reply_fail(r, RONGYU__ERROR_CODE__E_BUSY,
                          "存储磁盘已满（%s），未保存任何内容；有空间后即可"
                          "再次受理请求。the disk of the store is full (%s); "
                          "nothing was stored; requests are taken again once "
                          "there is room",
                          ry_strerror(rc), ry_strerror(rc));
    else
        intake_reply_fail(r, RONGYU__ERROR_CODE__E_BUSY,
                          "存储出错（%s），未保存任何内容。the store failed "
                          "(%s); nothing was stored",
                          ry_strerror(rc), ry_strerror(rc));
}

bool
intake_requests_reads_only(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    /* The body is a oneof: its last member on the wire is the one that
     * counts. */
    uint32_t body = 0;
    size_t pos = 0;
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(data, len, &pos, &f)) == 1)
        if (f.number >= RONGYU__REQUEST__BODY_SUBMIT)
            body = f.number;
    if (more < 0)
        return false;
    switch (body) {
    case RONGYU__REQUEST__BODY_GET:
    case RONGYU__REQUEST__BODY_LIST:
    case RONGYU__REQUEST__BODY_STATUS:
    case RONGYU__REQUEST__BODY_ORG_LIST:
    case RONGYU__REQUEST__BODY_QUOTA:
    case RONGYU__REQUEST__BODY_POSTINGS:
    case RONGYU__REQUEST__BODY_DEADLINES:
    case RONGYU__REQUEST__BODY_WAIT:
    case RONGYU__REQUEST__BODY_KEY_LIST: return true;
    default: return false;
    }
}

/* E_INVALID for a principal's role stated wrongly ('why', from
 * ry_principal_role: it names principal.kind or principal.role). */
static int
s_role_invalid(intake_reply_t *r, const char *why)
{
    return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_INVALID,
                                ry_principal_role_field(why), "%s", why);
}

int
intake_requests_on_request(void *ctx, ry_txn_t *txn, const uint8_t *data,
                           size_t len, uint8_t **reply, size_t *reply_len)
{
    intake_cases_t *self = ctx;
    intake_reply_t r = {.out.code = RONGYU__ERROR_CODE__OK};
    Rongyu__Request *req = NULL;
    bool texts_ok = false;
    int rc;
    if (!data || !(req = (Rongyu__Request *)ry_pb_unpack_texts(
                       &rongyu__request__descriptor, data, len, 2 * len + 65536,
                       RY_TEXT_MAX, &texts_ok))) {
        intake_reply_fail(&r, RONGYU__ERROR_CODE__E_MALFORMED,
                          "收到的 %zu 字节不是 rongyu.Request。%zu bytes "
                          "that are not a rongyu.Request",
                          len, len);
        *reply = intake_reply_pack(&r, "", reply_len);
        return -1;
    }
    Rongyu__KeyRecord *key = NULL;
    Rongyu__Principal *stated = req->principal, eff = RONGYU__PRINCIPAL__INIT;
    /* Every text valid UTF-8 and bounded (as the decoder found them, or
     * else as ry_text_check finds them), every identifier within its
     * bound, every enum one of its values: refused here, naming the
     * field, before anything is read. */
    char bad[400], at[160];
    if (ry_text_check_request(texts_ok ? NULL : &req->base, req->request_id,
                              bad, sizeof bad, at, sizeof at) != 0 ||
        ry_text_check_fields(&req->base, bad, sizeof bad, at, sizeof at) != 0) {
        rc = intake_reply_fail_at(&r, RONGYU__ERROR_CODE__E_INVALID, at, "%s",
                                  bad);
        r.out.field_top = true; /* a path from Request */
        goto out;
    }
    intake_principal_t who;
    uint8_t fp[32];
    bool deferred = false;
    Rongyu__Request__BodyCase body = req->body_case;
    bool idem = body == RONGYU__REQUEST__BODY_SUBMIT ||
                body == RONGYU__REQUEST__BODY_SAVE_DRAFT ||
                body == RONGYU__REQUEST__BODY_SUBMIT_DRAFT ||
                body == RONGYU__REQUEST__BODY_REVIEW ||
                body == RONGYU__REQUEST__BODY_RECOMMEND ||
                body == RONGYU__REQUEST__BODY_CITY_DECISION ||
                body == RONGYU__REQUEST__BODY_WITHDRAW ||
                body == RONGYU__REQUEST__BODY_ORG_IMPORT ||
                body == RONGYU__REQUEST__BODY_POSTING_START ||
                body == RONGYU__REQUEST__BODY_EXTEND_DEADLINE ||
                body == RONGYU__REQUEST__BODY_KEY_ADD ||
                body == RONGYU__REQUEST__BODY_KEY_REVOKE;
    /* The principal is the key's, narrowed by what the request states;
     * the registry is read on every request, so a revocation holds from
     * the next one on. */
    char why[600], via[120];
    /* A role stated wrongly is refused as such, whatever the key. */
    Rongyu__Role stated_kind;
    if (stated &&
        ry_principal_role(stated, &stated_kind, why, sizeof why) != 0) {
        rc = s_role_invalid(&r, why);
        goto out;
    }
    rc = intake_keys_resolve(self, txn, stated, &key, &eff, via, sizeof via,
                             why, sizeof why);
    if (rc) {
        rc = rc == RY_ENOTFOUND
                 ? intake_reply_fail(&r,
                                     RONGYU__ERROR_CODE__E_UNAUTHENTICATED,
                                     "%s", why)
             : rc == RY_EPERM
                 ? intake_reply_fail(&r, RONGYU__ERROR_CODE__E_FORBIDDEN,
                                     "%s", why)
                 : rc;
        goto out;
    }
    req->principal = &eff;
    if (body == RONGYU__REQUEST__BODY_STATUS) {
        rc = s_status(self, txn, &r);
        goto out;
    }
    rc = intake_principal_parse(req->principal, &who, why, sizeof why);
    if (rc == RY_ENOTFOUND) {
        rc = intake_reply_fail(&r, RONGYU__ERROR_CODE__E_MISSING_FIELD, "%s",
                               why);
        goto out;
    } else if (rc) {
        rc = s_role_invalid(&r, why);
        goto out;
    }
    /* A brief submission is answered, and answered again, as a brief
     * wait is. */
    r.brief = body == RONGYU__REQUEST__BODY_SUBMIT && req->submit->brief;
    if (idem) {
        intake_idem_fingerprint(self->idem_key, data, len, fp);
        rc = intake_idem_lookup(self, txn, req, data, len, fp, &r);
        if (rc == 1) {
            rc = r.out.code == RONGYU__ERROR_CODE__OK ? 0 : -1;
            goto out;
        }
        if (rc)
            goto out;
    }
    if (via[0])
        who.via = via;
    /* Every change tells notification: past its outbox bound, changes
     * wait (E_BUSY) and reads go on. */
    if (idem && body != RONGYU__REQUEST__BODY_ORG_IMPORT &&
        body != RONGYU__REQUEST__BODY_SAVE_DRAFT &&
        (rc = intake_cases_busy(self, txn, "notification", &r.out)) != 0)
        goto out;
    switch (req->body_case) {
    case RONGYU__REQUEST__BODY_SUBMIT:
    case RONGYU__REQUEST__BODY_SAVE_DRAFT:
        rc = intake_cases_submit(self, txn, req, data, len, &who, &r.out);
        break;
    case RONGYU__REQUEST__BODY_SUBMIT_DRAFT:
        rc = intake_cases_submit_draft(self, txn, req, &who, &r.out);
        break;
    case RONGYU__REQUEST__BODY_GET:
        rc = s_get(txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_LIST:
        rc = s_list(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_REVIEW:
        rc = intake_cases_review(self, txn, req, &who, &r.out);
        break;
    case RONGYU__REQUEST__BODY_RECOMMEND:
        rc = intake_cases_recommend(self, txn, req, &who, &r.out);
        break;
    case RONGYU__REQUEST__BODY_CITY_DECISION:
        rc = intake_cases_city_decision(self, txn, req, &who, &r.out);
        break;
    case RONGYU__REQUEST__BODY_WITHDRAW:
        rc = intake_cases_withdraw(self, txn, req, &who, &r.out);
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
    case RONGYU__REQUEST__BODY_POSTING_START:
        rc = intake_posting_start(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_POSTINGS:
        rc = intake_posting_list(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_EXTEND_DEADLINE:
        rc = s_extend_deadline(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_DEADLINES:
        rc = intake_deadline_list(txn, self->campaigns, req->deadlines, &r);
        break;
    case RONGYU__REQUEST__BODY_WAIT:
        rc = intake_wait_request(self, txn, req, &who, &r, &deferred);
        break;
    case RONGYU__REQUEST__BODY_KEY_ADD:
    case RONGYU__REQUEST__BODY_KEY_REVOKE:
    case RONGYU__REQUEST__BODY_KEY_LIST:
        rc = intake_keys_request(self, txn, req, &who, key, &r);
        break;
    case RONGYU__REQUEST__BODY_DEAD:
        rc = intake_dead_request(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY_UPLOAD:
        /* Needs no idempotency key: a part is named by its content's
         * sha256 and its offset, and one received before changes
         * nothing. */
        rc = intake_upload_request(self, txn, req, &who, &r);
        break;
    case RONGYU__REQUEST__BODY__NOT_SET: {
        char nobody[300];
        ry_reply_no_body(&req->base, nobody, sizeof nobody);
        rc = intake_reply_fail(&r, RONGYU__ERROR_CODE__E_UNSUPPORTED, "%s",
                               nobody);
        break;
    }
    default:
        rc = intake_reply_fail(&r, RONGYU__ERROR_CODE__E_UNSUPPORTED,
                               "请求 %d 不由 intake 受理；通知查询、订阅重放与"
                               "订阅管理请求应发往通知服务（notification）。"
                               "request body %d is not intake's; "
                               "notifications, feed_replay and the "
                               "subscription requests go to notification",
                               (int)req->body_case, (int)req->body_case);
        break;
    }
    if (deferred) {
        /* Parked: intake_wait answers it later; nothing was written. */
        *reply = NULL;
        *reply_len = 0;
        intake_reply_release(&r);
        ry_pb_free(&key);
        req->principal = stated;
        ry_pb_free(&req);
        return -1;
    }
    if (rc == 0) {
        if (!r.brief)
            intake_posting_attach(self, txn, &r);
        rc = s_join_verdicts(txn, &r);
    }
    uint8_t *first = NULL;
    size_t first_len = 0;
    if (rc == 0 && idem)
        rc = intake_idem_store(txn, req, fp, &r, &first, &first_len);
    if (rc == 0 && first) {
        /* The answer just stored, with this request's id: packed once. */
        ry_pb_append_string(&first, &first_len, 6, req->request_id);
        *reply = first;
        *reply_len = first_len;
        first = NULL;
        goto sent;
    }
    free(first);
out:
    if (rc == RY_ETOOBIG) {
        /* A key longer than the store allows, or a message to a peer
         * larger than it accepts: never storable or deliverable. */
        ry_pb_free(&r.out.kase);
        intake_reply_fail(&r, RONGYU__ERROR_CODE__E_TOO_LARGE,
                          "请求含有超过存储所允许长度（511 字节）的键，或会"
                          "产生超过服务所收上限（max_request）的消息。"
                          "the request holds a key longer than the store "
                          "allows (511 bytes) or causes a message larger "
                          "than a service accepts (max_request)");
    } else if (rc < -1 && rc != RY_EFULL) {
        /* The store failed: nothing of this request is kept; a retry may
         * work once the operator has acted (a full disk). */
        ry_error(NULL, "request failed in the store: %s", ry_strerror(rc));
        ry_pb_free(&r.out.kase);
        s_store_failed(&r, rc);
    }
    if (r.packed && r.out.code == RONGYU__ERROR_CODE__OK) {
        *reply = r.packed;
        *reply_len = r.packed_len;
        r.packed = NULL;
    } else if (r.cached) {
        /* The first answer as earlier versions stored it (and as the
         * answers without a case are stored), with this request's id. */
        Rongyu__Reply *c = (Rongyu__Reply *)ry_pb_unpack(
            &rongyu__reply__descriptor, r.cached, r.cached_len, 0);
        if (c) {
            char *saved = c->request_id;
            c->request_id = req->request_id;
            if (c->body_case == RONGYU__REPLY__BODY_CASE && c->case_)
                intake_cases_join_verdict(txn, c->case_->case_);
            *reply = ry_pb_pack(&c->base, reply_len);
            c->request_id = saved;
            ry_pb_free(&c);
        } else {
            intake_reply_fail(&r, RONGYU__ERROR_CODE__E_INTERNAL,
                              "保存的首次答复无法解码。cached reply");
            *reply = intake_reply_pack(&r, req->request_id, reply_len);
        }
    } else {
        const ProtobufCFieldDescriptor *bf =
            req->body_case ? protobuf_c_message_descriptor_get_field(
                                 &rongyu__request__descriptor,
                                 (unsigned)req->body_case)
                           : NULL;
        *reply = intake_reply_pack_in(&r, req->request_id,
                                      bf ? bf->name : NULL, reply_len);
    }
sent:
    intake_reply_release(&r);
    ry_pb_free(&key);
    if (req)
        req->principal = stated;
    ry_pb_free(&req);
    if (rc == RY_EFULL)
        return rc;
    return rc == 0 ? 0 : -1;
}

void
intake_requests_on_refuse(void *ctx, const uint8_t *data, size_t len, int why,
                          uint8_t **reply, size_t *reply_len)
{
    (void)ctx;
    intake_reply_t r = {.out.code = RONGYU__ERROR_CODE__OK};
    Rongyu__Request *req =
        data ? (Rongyu__Request *)ry_pb_unpack(&rongyu__request__descriptor,
                                               data, len, 2 * len + 65536)
             : NULL;
    if (why == RY_EFULL) {
        r.out.retry_after_ms = 0; /* no retry helps until the map is raised */
        intake_reply_fail(
            &r, RONGYU__ERROR_CODE__E_BUSY,
            "存储已达容量上限（max_map_size），未保存任何内容；须由运维"
            "人员调高 max_map_size。the store is full at its size limit "
            "(max_map_size); nothing was stored; an operator must raise "
            "max_map_size");
    } else {
        s_store_failed(&r, why);
    }
    *reply = intake_reply_pack(&r, req ? req->request_id : "", reply_len);
    ry_pb_free(&req);
}
