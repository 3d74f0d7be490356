/* intake_reply: packing a request handler's result into a rongyu.Reply
 * (the fixed texts of each error code: ry_reply). */
#include "intake_reply.h"

#include "intake_posting.h"

#include "ry_pb.h"
#include "ry_reply.h"
#include "ry_text.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
intake_reply_fail(intake_reply_t *r, Rongyu__ErrorCode code, const char *fmt,
                  ...)
{
    va_list ap;
    va_start(ap, fmt);
    intake_outcome_vfail(&r->out, code, NULL, fmt, ap);
    va_end(ap);
    return -1;
}

int
intake_reply_no_unit(intake_reply_t *r, const char *campaign_id,
                     const char *unit)
{
    return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_NOT_FOUND,
                                "organising_unit",
                                "「%s」不是%s附件1中的组织单位。organising "
                                "unit '%s' is not in Annex 1 of %s",
                                unit, campaign_id, unit, campaign_id);
}

int
intake_reply_no_campaign(intake_reply_t *r, const char *id)
{
    return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_NOT_FOUND,
                                "campaign_id",
                                "没有评选活动「%s」。There is no campaign "
                                "'%s'.",
                                id, id);
}

int
intake_reply_fail_at(intake_reply_t *r, Rongyu__ErrorCode code,
                     const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    intake_outcome_vfail(&r->out, code, field ? field : "", fmt, ap);
    va_end(ap);
    return -1;
}

/* A detail that is a bare field path: letters, digits, '_', '.', '[]'. */
static bool
s_is_path(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_.[]", *s))
            return false;
    return true;
}

void
intake_reply_release(intake_reply_t *r)
{
    intake_outcome_release(&r->out);
    for (size_t i = 0; i < r->naudit; i++)
        ry_pb_free(&r->audit[i]);
    free(r->audit);
    for (size_t i = 0; i < r->ncases; i++)
        ry_pb_free(&r->cases[i]);
    free(r->cases);
    for (size_t i = 0; i < r->nwcases; i++) {
        Rongyu__CaseReply *cr = r->wcases[i];
        ry_pb_free(&cr->case_);
        for (size_t k = 0; k < cr->n_audit; k++)
            ry_pb_free(&cr->audit[k]);
        free(cr->audit);
        free(cr);
    }
    free(r->wcases);
    free(r->cached);
    free(r->packed);
    for (size_t i = 0; i < r->norgs; i++)
        ry_pb_free(&r->org_list[i]);
    free(r->org_list);
    free(r->qrows);
    free(r->qrowp);
    free(r->posting);
    for (size_t i = 0; i < r->nprows; i++)
        ry_pb_free(&r->pcases[i]);
    free(r->pcases);
    free(r->prows);
    free(r->prowp);
    free(r->pstat);
    for (size_t i = 0; i < r->nextensions; i++)
        ry_pb_free(&r->extensions[i]);
    free(r->extensions);
    for (size_t i = 0; i < r->nkeys; i++)
        ry_pb_free(&r->keys[i]);
    free(r->keys);
    ry_pb_free(&r->dead);
}

uint8_t *
intake_reply_pack_brief_wait(const char *request_id, bool many,
                             const uint8_t *const *kase, const size_t *klen,
                             size_t n, bool timed_out, size_t *len)
{
    /* The reply's fields before its body (code OK and field_path "" are
     * not written), then the body, field 90, the last written:
     * WaitReply { CaseReply case = 1 { Case case = 1 }, timed_out = 2 },
     * or with CaseReply cases = 3 for each case instead. */
    Rongyu__Reply rep = RONGYU__REPLY__INIT;
    rep.message_zh = (char *)ry_reply_text(RONGYU__ERROR_CODE__OK, true);
    rep.message_en = (char *)ry_reply_text(RONGYU__ERROR_CODE__OK, false);
    rep.request_id = (char *)ry_text_request_id_echo(request_id);
    size_t wlen = timed_out ? 2 : 0;
    for (size_t i = 0; i < n; i++) {
        size_t clen = 1 + ry_pb_varint_size(klen[i]) + klen[i];
        wlen += 1 + ry_pb_varint_size(clen) + clen;
    }
    uint8_t *out = malloc(protobuf_c_message_get_packed_size(&rep.base) + 2 +
                          ry_pb_varint_size(wlen) + wlen);
    if (!out)
        abort();
    size_t at = protobuf_c_message_pack(&rep.base, out);
    ry_pb_put_varint(out, &at, RONGYU__REPLY__BODY_WAIT << 3 | 2);
    ry_pb_put_varint(out, &at, wlen);
    for (size_t i = 0; i < n; i++) {
        ry_pb_put_varint(out, &at, (many ? 3u : 1u) << 3 | 2);
        ry_pb_put_varint(out, &at, 1 + ry_pb_varint_size(klen[i]) + klen[i]);
        ry_pb_put_bytes(out, &at, 1, kase[i], klen[i]);
    }
    if (timed_out) {
        out[at++] = 2 << 3 | 0;
        out[at++] = 1;
    }
    *len = at;
    return out;
}

uint8_t *
intake_reply_pack(intake_reply_t *r, const char *request_id, size_t *len)
{
    return intake_reply_pack_in(r, request_id, NULL, len);
}

uint8_t *
intake_reply_pack_in(intake_reply_t *r, const char *request_id,
                     const char *body, size_t *len)
{
    char path[224] = "";
    if (r->out.code != RONGYU__ERROR_CODE__OK) {
        /* The field named, or a detail that is a bare path, or a detail
         * that starts "path: ...". */
        char head[160] = "";
        const char *colon = strstr(r->out.detail, ": ");
        if (colon && (size_t)(colon - r->out.detail) < sizeof head) {
            memcpy(head, r->out.detail, (size_t)(colon - r->out.detail));
            head[colon - r->out.detail] = '\0';
            if (!s_is_path(head))
                head[0] = '\0';
        }
        const char *f = r->out.field[0] ? r->out.field
                        : r->out.code == RONGYU__ERROR_CODE__E_MISSING_FIELD &&
                                  s_is_path(r->out.detail)
                            ? r->out.detail
                            : head;
        bool top = r->out.field_top || strncmp(f, "principal.", 10) == 0 ||
                   strcmp(f, "idempotency_key") == 0;
        if (*f && body && *body && !top)
            snprintf(path, sizeof path, "%.60s.%.160s", body, f);
        else
            snprintf(path, sizeof path, "%.200s", f);
        ry_text_utf8_scrub(path);
    }
    Rongyu__Reply rep = RONGYU__REPLY__INIT;
    rep.code = r->out.code;
    rep.message_zh = (char *)ry_reply_text(r->out.code, true);
    rep.message_en = (char *)ry_reply_text(r->out.code, false);
    rep.detail = r->out.detail;
    /* A missing field's bare path as detail reads as field_path does,
     * from the request's root. */
    char named[300];
    if (r->out.code == RONGYU__ERROR_CODE__E_MISSING_FIELD && *path &&
        s_is_path(r->out.detail)) {
        snprintf(named, sizeof named, "缺少 %s。%s is missing", path, path);
        rep.detail = named;
    }
    rep.retry_after_ms = r->out.retry_after_ms;
    rep.request_id = (char *)ry_text_request_id_echo(request_id);
    rep.field_path = path;
    Rongyu__CaseReply cr = RONGYU__CASE_REPLY__INIT;
    Rongyu__ListReply lr = RONGYU__LIST_REPLY__INIT;
    Rongyu__Case brief;
    if (r->out.code == RONGYU__ERROR_CODE__OK && r->out.kase) {
        cr.case_ = r->out.kase;
        cr.audit = r->audit;
        cr.n_audit = r->naudit;
        cr.posting = r->posting ? &r->posting->msg : NULL;
        if (r->brief) {
            brief = *r->out.kase;
            brief.application = NULL;
            brief.verdict = NULL;
            cr.case_ = &brief;
            cr.audit = NULL;
            cr.n_audit = 0;
            cr.posting = NULL;
        }
        rep.body_case = RONGYU__REPLY__BODY_CASE;
        rep.case_ = &cr;
    }
    Rongyu__WaitReply wr = RONGYU__WAIT_REPLY__INIT;
    /* A brief wait on several cases: each case without its application,
     * verdict, audit and posting (copies of the structs, not of what
     * they point to). */
    Rongyu__Case *bcase = NULL;
    Rongyu__CaseReply *bcr = NULL, **bcrp = NULL;
    if (rep.body_case == RONGYU__REPLY__BODY_CASE && r->wait) {
        wr.case_ = &cr;
        wr.timed_out = r->timed_out;
        rep.body_case = RONGYU__REPLY__BODY_WAIT;
        rep.wait = &wr;
    } else if (r->out.code == RONGYU__ERROR_CODE__OK && r->wait_many) {
        wr.cases = r->wcases;
        wr.n_cases = r->nwcases;
        if (r->brief && r->nwcases) {
            bcase = calloc(r->nwcases, sizeof *bcase);
            bcr = calloc(r->nwcases, sizeof *bcr);
            bcrp = calloc(r->nwcases, sizeof *bcrp);
            if (!bcase || !bcr || !bcrp)
                abort();
            for (size_t i = 0; i < r->nwcases; i++) {
                bcase[i] = *r->wcases[i]->case_;
                bcase[i].application = NULL;
                bcase[i].verdict = NULL;
                rongyu__case_reply__init(&bcr[i]);
                bcr[i].case_ = &bcase[i];
                bcrp[i] = &bcr[i];
            }
            wr.cases = bcrp;
        }
        wr.timed_out = r->timed_out;
        rep.body_case = RONGYU__REPLY__BODY_WAIT;
        rep.wait = &wr;
    } else if (r->out.code == RONGYU__ERROR_CODE__OK && r->cases) {
        lr.cases = r->cases;
        lr.n_cases = r->ncases;
        lr.next_after = r->next_after;
        rep.body_case = RONGYU__REPLY__BODY_LIST;
        rep.list = &lr;
    } else if (r->out.code == RONGYU__ERROR_CODE__OK && r->status) {
        rep.body_case = RONGYU__REPLY__BODY_STATUS;
        rep.status = &r->st;
    }
    Rongyu__KeyReply kr = RONGYU__KEY_REPLY__INIT;
    if (r->out.code == RONGYU__ERROR_CODE__OK && r->keyr) {
        kr.keys = r->keys;
        kr.n_keys = r->nkeys;
        rep.body_case = RONGYU__REPLY__BODY_KEYS;
        rep.keys = &kr;
    }
    Rongyu__OrgReply orr = RONGYU__ORG_REPLY__INIT;
    Rongyu__QuotaReply qr = RONGYU__QUOTA_REPLY__INIT;
    if (r->out.code == RONGYU__ERROR_CODE__OK && r->orgs) {
        orr.orgs = r->org_list;
        orr.n_orgs = r->norgs;
        orr.added = r->counts.added;
        orr.updated = r->counts.updated;
        orr.unchanged = r->counts.unchanged;
        rep.body_case = RONGYU__REPLY__BODY_ORGS;
        rep.orgs = &orr;
    } else if (r->out.code == RONGYU__ERROR_CODE__OK && r->quota) {
        qr.campaign_id = (char *)r->qcampaign;
        qr.rows = r->qrowp;
        qr.n_rows = r->nq;
        rep.body_case = RONGYU__REPLY__BODY_QUOTA;
        rep.quota = &qr;
    } else if (r->out.code == RONGYU__ERROR_CODE__OK && r->dead) {
        rep.body_case = RONGYU__REPLY__BODY_DEAD;
        rep.dead = r->dead;
    } else if (r->out.code == RONGYU__ERROR_CODE__OK && r->uploaded) {
        rep.body_case = RONGYU__REPLY__BODY_UPLOAD;
        rep.upload = &r->upload;
    }
    Rongyu__PostingsReply pr = RONGYU__POSTINGS_REPLY__INIT;
    if (r->out.code == RONGYU__ERROR_CODE__OK && r->postings) {
        pr.rows = r->prowp;
        pr.n_rows = r->nprows;
        rep.body_case = RONGYU__REPLY__BODY_POSTINGS;
        rep.postings = &pr;
    }
    Rongyu__DeadlinesReply dr = RONGYU__DEADLINES_REPLY__INIT;
    if (r->out.code == RONGYU__ERROR_CODE__OK && r->deadlines) {
        dr.campaign_id = (char *)r->dcampaign;
        dr.summary_deadline = r->summary_deadline;
        dr.extensions = r->extensions;
        dr.n_extensions = r->nextensions;
        rep.body_case = RONGYU__REPLY__BODY_DEADLINES;
        rep.deadlines = &dr;
    }
    uint8_t *out = ry_pb_pack(&rep.base, len);
    free(bcase);
    free(bcr);
    free(bcrp);
    return out;
}

