/* intake_wait: long polls on a case's state (WaitRequest). */
#include "intake_wait.h"

#include "intake_reply.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_str.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t token;
    char case_id[INTAKE_ID_LEN + 1];
    Rongyu__CaseState state;
    int64_t deadline; /* monotonic ms */
    bool poked;       /* its case was written in the round under way */
    bool brief;       /* WaitRequest.brief */
    char request_id[256];
} s_waiter_t;

typedef char s_id_t[INTAKE_ID_LEN + 1];

struct intake_waits {
    s_waiter_t w[INTAKE_WAIT_MAX];
    int n;
    bool dirty;         /* a waiter's case was written */
    uint64_t forgotten; /* ry_channel_deferred_forgotten when last looked */
    /* The cases written since the last tick while requests waited, looked
     * up (sorted) by the tick: a write costs no walk over the waiters. */
    s_id_t *written;
    size_t nwritten, cap;
};

void
intake_waits_destroy(intake_waits_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free((*self_p)->written);
    free(*self_p);
    *self_p = NULL;
}

static intake_waits_t *
s_waits(intake_cases_t *self)
{
    if (!self->waits) {
        self->waits = calloc(1, sizeof *self->waits);
        if (!self->waits)
            abort();
    }
    return self->waits;
}

int
intake_wait_request(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const intake_principal_t *p,
                    intake_reply_t *r, bool *deferred)
{
    const Rongyu__WaitRequest *q = req->wait;
    *deferred = false;
    r->wait = true;
    r->brief = q->brief;
    if (q->state == RONGYU__CASE_STATE__STATE_UNSPECIFIED)
        return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                    "state",
                                    "state: the state to wait to "
                                    "leave");
    if (q->timeout_ms > INTAKE_WAIT_MAX_MS)
        return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
                                    "timeout_ms", "timeout_ms: at most %u",
                                    INTAKE_WAIT_MAX_MS);
    /* Most waits are on a case still in the state waited on: parked from
     * the state read in place. Any other is answered now, from the case
     * loaded (a brief answer shows its head only), or refused. */
    Rongyu__CaseState now;
    if (intake_cases_peek_for(txn, p, q->case_id, &now) != 0 ||
        now != q->state) {
        int rc = q->brief
                     ? intake_cases_load_head_for(txn, p, q->case_id, &r->out,
                                                  &r->out.kase)
                     : intake_cases_load_for(txn, p, INTAKE_ACT_READ,
                                             q->case_id, &r->out, &r->out.kase);
        if (rc)
            return rc;
        if (r->out.kase->state != q->state)
            return q->brief ? 0
                            : intake_cases_audit_read(txn, q->case_id,
                                                      &r->audit, &r->naudit);
    }
    intake_waits_t *ws = s_waits(self);
    uint64_t token = ws->n < INTAKE_WAIT_MAX && self->channel
                         ? ry_channel_defer(self->channel)
                         : 0;
    if (!token) {
        ry_pb_free(&r->out.kase);
        r->out.retry_after_ms = 1000;
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_BUSY,
                                 "too many requests are waiting");
    }
    s_waiter_t *w = &ws->w[ws->n++];
    w->token = token;
    ry_str_cat(w->case_id, sizeof w->case_id, q->case_id, (char *)NULL);
    w->state = q->state;
    w->poked = false;
    w->brief = q->brief;
    w->deadline = ry_clock_mono_ms() +
                  (q->timeout_ms ? q->timeout_ms : INTAKE_WAIT_DEFAULT_MS);
    ry_str_cat(w->request_id, sizeof w->request_id,
               req->request_id ? req->request_id : "", (char *)NULL);
    /* Not an event of the case (README, RONGYU_LOG_LEVEL): debug. */
    ry_debug(w->case_id, "wait parked until the case leaves %s (%d waiting)",
             rongyu__case_state__descriptor.values[q->state].name, ws->n);
    ry_pb_free(&r->out.kase);
    *deferred = true;
    return 0;
}

void
intake_wait_poke(intake_cases_t *self, const char *case_id)
{
    intake_waits_t *ws = self->waits;
    if (!ws || !ws->n || strlen(case_id) > INTAKE_ID_LEN)
        return;
    if (ws->nwritten == ws->cap) {
        ws->cap = ws->cap ? 2 * ws->cap : 256;
        ws->written = realloc(ws->written, ws->cap * sizeof *ws->written);
        if (!ws->written)
            abort();
    }
    memcpy(ws->written[ws->nwritten++], case_id, strlen(case_id) + 1);
}

static int
s_id_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Marks the waiters whose cases were written since the last tick. */
static void
s_mark_written(intake_waits_t *ws)
{
    if (!ws->nwritten)
        return;
    qsort(ws->written, ws->nwritten, sizeof *ws->written, s_id_cmp);
    for (int i = 0; i < ws->n; i++)
        if (bsearch(ws->w[i].case_id, ws->written, ws->nwritten,
                    sizeof *ws->written, s_id_cmp)) {
            ws->w[i].poked = true;
            ws->dirty = true;
        }
    ws->nwritten = 0;
}

/* Answers waiter w from txn with *c (taken: the reply owns it); 'late'
 * when its time ran out. */
static void
s_answer(intake_cases_t *self, ry_txn_t *txn, const s_waiter_t *w,
         Rongyu__Case **c, bool late)
{
    intake_reply_t r = {
        .out.code = RONGYU__ERROR_CODE__OK, .wait = true, .brief = w->brief};
    int rc = 0;
    if (*c) {
        r.out.kase = *c;
        *c = NULL;
        if (!w->brief)
            rc = intake_cases_join_verdict(txn, r.out.kase);
        if (!rc && !w->brief)
            rc = intake_cases_audit_read(txn, w->case_id, &r.audit, &r.naudit);
        r.timed_out = late;
    }
    if (!r.out.kase || rc) {
        ry_pb_free(&r.out.kase);
        intake_reply_fail(&r, RONGYU__ERROR_CODE__E_INTERNAL,
                          "case '%s' could not be read", w->case_id);
    }
    size_t len;
    uint8_t *out = intake_reply_pack_in(&r, w->request_id, "wait", &len);
    rc = ry_channel_reply_deferred(self->channel, w->token, out, len);
    if (rc)
        ry_debug(w->case_id, "wait reply not sent: %s", ry_strerror(rc));
    free(out);
    intake_reply_release(&r);
}

/* Answers brief waiter w with its case's head as packed in place
 * (intake_cases_brief_bytes); 'late' when its time ran out. */
static void
s_answer_brief(intake_cases_t *self, const s_waiter_t *w, const uint8_t *kase,
               size_t klen, bool late)
{
    size_t len;
    uint8_t *out =
        intake_reply_pack_brief_wait(w->request_id, kase, klen, late, &len);
    int rc = ry_channel_reply_deferred(self->channel, w->token, out, len);
    if (rc)
        ry_debug(w->case_id, "wait reply not sent: %s", ry_strerror(rc));
    free(out);
}

/* Drops the waiters of rounds that were undone: their requests were
 * parked again, under new tokens, when the round ran again (or will be
 * sent again by their clients after a store error). */
static void
s_drop_forgotten(intake_cases_t *self, intake_waits_t *ws)
{
    uint64_t f = ry_channel_deferred_forgotten(self->channel);
    if (f == ws->forgotten)
        return;
    ws->forgotten = f;
    int n = 0;
    for (int i = 0; i < ws->n; i++)
        if (ry_channel_deferred_held(self->channel, ws->w[i].token))
            ws->w[n++] = ws->w[i];
    ws->n = n;
}

int
intake_wait_tick(intake_cases_t *self)
{
    intake_waits_t *ws = self->waits;
    if (ws)
        s_mark_written(ws);
    if (!ws || !ws->n)
        return INT_MAX;
    s_drop_forgotten(self, ws);
    int64_t now = ry_clock_mono_ms();
    bool expired = false;
    for (int i = 0; i < ws->n && !expired; i++)
        expired = ws->w[i].deadline <= now;
    int64_t next = INT64_MAX;
    if (ws->dirty || expired) {
        ws->dirty = false;
        ry_txn_t *txn;
        if (ry_txn_begin(self->store, NULL, false, &txn) != 0)
            return 100;
        int n = 0;
        for (int i = 0; i < ws->n; i++) {
            s_waiter_t *w = &ws->w[i];
            if (!w->poked && w->deadline > now) {
                ws->w[n++] = *w; /* its case was not written */
                continue;
            }
            w->poked = false;
            bool late = w->deadline <= now;
            /* A brief answer from the case's row as it is, when it is in
             * the form protobuf-c writes; else from the head decoded. */
            Rongyu__CaseState st;
            uint8_t *kase;
            size_t klen;
            if (w->brief && intake_cases_brief_bytes(txn, w->case_id, &st,
                                                     &kase, &klen) == 0) {
                if (st != w->state || late)
                    s_answer_brief(self, w, kase, klen, st == w->state);
                else
                    ws->w[n++] = *w;
                free(kase);
                continue;
            }
            Rongyu__Case *c = NULL;
            int rc = w->brief ? intake_cases_load_head(txn, w->case_id, &c)
                              : intake_cases_load(txn, w->case_id, &c);
            bool moved = rc == 0 && c->state != w->state;
            if (rc || moved || late)
                s_answer(self, txn, w, &c, !moved);
            else
                ws->w[n++] = *w;
            ry_pb_free(&c);
        }
        ws->n = n;
        ry_txn_abort(&txn);
    }
    for (int i = 0; i < ws->n; i++)
        if (ws->w[i].deadline < next)
            next = ws->w[i].deadline;
    if (next == INT64_MAX)
        return INT_MAX;
    return next <= now ? 0 : (int)(next - now);
}
