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

typedef char s_id_t[INTAKE_ID_LEN + 1];

typedef struct {
    uint64_t token;
    char case_id[INTAKE_ID_LEN + 1]; /* a wait on one case */
    s_id_t *ids;     /* a wait on several (WaitRequest.case_ids): owned;
                        else NULL */
    bool *poked_ids; /* which of ids were written in the round under way */
    int nids;
    Rongyu__CaseState state;
    int64_t deadline; /* monotonic ms */
    bool poked;       /* its case (one of ids) was written in the round
                         under way */
    bool brief;       /* WaitRequest.brief */
    char request_id[256];
    char key[48]; /* the client's key (Z85) when it is an organisation's
                     own, held to its share; "" for a platform key */
} s_waiter_t;

struct intake_waits {
    s_waiter_t w[INTAKE_WAIT_MAX];
    int n;
    int nids;           /* the cases named by the parked waits on several */
    bool dirty;         /* a waiter's case was written */
    uint64_t forgotten; /* ry_channel_deferred_forgotten when last looked */
    /* The cases written since the last tick while requests waited, looked
     * up (sorted) by the tick: a write costs no walk over the waiters. */
    s_id_t *written;
    size_t nwritten, cap;
    /* Synced apart (ry_channel_sync_apart): written[0..committed) are
     * of committed rounds; the rest, of the round under way. */
    size_t committed;
};

/* Frees what waiter w of ws owns. */
static void
s_waiter_release(intake_waits_t *ws, s_waiter_t *w)
{
    ws->nids -= w->nids;
    free(w->ids);
    free(w->poked_ids);
    w->ids = NULL;
    w->poked_ids = NULL;
    w->nids = 0;
}

void
intake_waits_destroy(intake_waits_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    for (int i = 0; i < (*self_p)->n; i++)
        s_waiter_release(*self_p, &(*self_p)->w[i]);
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

/* Makes room for one more wait naming n cases within the share of the
 * client's key ('key', Z85; "" for a platform's key, acting for its
 * users: held to the whole bounds only): when the key's waits still
 * running would pass its share, its oldest are answered at the next tick
 * as if their time had run out (timed_out), as many as it takes. So a
 * client never waits behind its own waits, also those it left on a
 * connection it closed; a long poll answered early is asked again.
 * (One wait names at most INTAKE_WAIT_CASES, under the key's share.) */
static void
s_key_room(intake_waits_t *ws, const char *key, int n)
{
    if (!*key)
        return;
    int64_t now = ry_clock_mono_ms();
    int waits = 0, named = 0;
    for (int i = 0; i < ws->n; i++)
        if (ws->w[i].deadline > now && strcmp(ws->w[i].key, key) == 0) {
            waits++;
            named += ws->w[i].nids;
        }
    for (int i = 0; i < ws->n && (waits >= INTAKE_WAIT_PER_KEY ||
                                  named + n > INTAKE_WAIT_CASES_PER_KEY);
         i++) {
        s_waiter_t *w = &ws->w[i];
        if (w->deadline <= now || strcmp(w->key, key) != 0)
            continue;
        w->deadline = 0; /* answered, timed out, at the next tick */
        waits--;
        named -= w->nids;
    }
}

/* Parks the request being answered in r, of principal p: on case_id, or
 * on ids (n of them, taken: the waiter owns them, or they are freed).
 * Returns 0 with *deferred true, or -1 after E_BUSY. */
static int
s_park(intake_cases_t *self, const Rongyu__Request *req,
       const intake_principal_t *p, intake_reply_t *r, const char *case_id,
       s_id_t *ids, int n, bool *deferred)
{
    const Rongyu__WaitRequest *q = req->wait;
    intake_waits_t *ws = s_waits(self);
    /* A platform's key acts for its users: held to the whole bounds
     * only. */
    const char *key =
        p->via || !self->channel ? "" : ry_channel_request_key(self->channel);
    /* Each round looks up the cases it wrote among those named: both
     * bounded, and each organisation's key to its share of them. */
    bool room = ws->n < INTAKE_WAIT_MAX &&
                ws->nids + n <= INTAKE_WAIT_CASES_PARKED && self->channel;
    if (room)
        s_key_room(ws, key, n);
    uint64_t token = room ? ry_channel_defer(self->channel) : 0;
    if (!token) {
        free(ids);
        intake_reply_fail(r, RONGYU__ERROR_CODE__E_BUSY,
                          "等待中的请求过多（最多 %d 个，共指名 %d 个案件），"
                          "请稍后重试。too many requests are waiting (at "
                          "most %d, naming %d cases in all)",
                          INTAKE_WAIT_MAX, INTAKE_WAIT_CASES_PARKED,
                          INTAKE_WAIT_MAX, INTAKE_WAIT_CASES_PARKED);
        r->out.retry_after_ms = 1000;
        return -1;
    }
    bool *poked = ids ? calloc((size_t)n, sizeof *poked) : NULL;
    if (ids && !poked)
        abort();
    s_waiter_t *w = &ws->w[ws->n++];
    w->token = token;
    ry_str_cat(w->case_id, sizeof w->case_id, ids ? ids[0] : case_id,
               (char *)NULL);
    w->ids = ids;
    w->poked_ids = poked;
    w->nids = ids ? n : 0;
    ws->nids += w->nids;
    w->state = q->state;
    w->poked = false;
    w->brief = q->brief;
    w->deadline = ry_clock_mono_ms() +
                  (q->timeout_ms ? q->timeout_ms : INTAKE_WAIT_DEFAULT_MS);
    ry_str_cat(w->request_id, sizeof w->request_id,
               req->request_id ? req->request_id : "", (char *)NULL);
    ry_str_cat(w->key, sizeof w->key, key, (char *)NULL);
    /* Not an event of the case (README, RONGYU_LOG_LEVEL): debug. */
    if (ids)
        ry_debug(w->case_id,
                 "wait on %d cases parked until one leaves %s (%d waiting)", n,
                 rongyu__case_state__descriptor.values[q->state].name, ws->n);
    else
        ry_debug(w->case_id,
                 "wait parked until the case leaves %s (%d waiting)",
                 rongyu__case_state__descriptor.values[q->state].name, ws->n);
    *deferred = true;
    return 0;
}

/* Appends case c (taken) to r's wait_many answer, with its audit unless
 * r is brief. Returns 0 or a store error. */
static int
s_add_case(ry_txn_t *txn, intake_reply_t *r, Rongyu__Case *c)
{
    Rongyu__CaseReply **more =
        realloc(r->wcases, (r->nwcases + 1) * sizeof *r->wcases);
    Rongyu__CaseReply *cr = calloc(1, sizeof *cr);
    if (!more || !cr)
        abort();
    r->wcases = more;
    rongyu__case_reply__init(cr);
    cr->case_ = c;
    r->wcases[r->nwcases++] = cr;
    if (r->brief)
        return 0;
    return intake_cases_audit_read(txn, c->case_id, &cr->audit, &cr->n_audit);
}

typedef struct {
    const char *id;
    size_t at;
} s_named_t;

static int
s_named_cmp(const void *a, const void *b)
{
    const s_named_t *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* Parks the wait on several cases of req, none of them out of the state:
 * on all it names. Returns as s_park. */
static int
s_park_many(intake_cases_t *self, const Rongyu__Request *req,
            const intake_principal_t *p, intake_reply_t *r, bool *deferred)
{
    const Rongyu__WaitRequest *q = req->wait;
    size_t n = q->n_case_ids;
    s_id_t *ids = calloc(n, sizeof *ids);
    if (!ids)
        abort();
    for (size_t i = 0; i < n; i++)
        ry_str_cat(ids[i], sizeof ids[i], q->case_ids[i], (char *)NULL);
    return s_park(self, req, p, r, NULL, ids, (int)n, deferred);
}

/* A brief wait on several cases whose rows all read in place
 * (intake_cases_peek_brief_for): answered now with the heads of those no
 * longer in the state, packed from their rows, or parked on all. Returns
 * 1, having done nothing, when a row does not read so (no such case, one
 * p may not see, a row in another form): the general path then says what
 * it is. */
static int
s_request_many_brief(intake_cases_t *self, ry_txn_t *txn,
                     const Rongyu__Request *req, const intake_principal_t *p,
                     intake_reply_t *r, bool *deferred)
{
    const Rongyu__WaitRequest *q = req->wait;
    size_t n = q->n_case_ids, moved = 0;
    uint8_t *kb[INTAKE_WAIT_CASES];
    size_t kl[INTAKE_WAIT_CASES];
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        Rongyu__CaseState now;
        rc = intake_cases_peek_brief_for(txn, p, q->case_ids[i], q->state, &now,
                                         &kb[moved], &kl[moved]);
        if (rc == 0 && kb[moved])
            moved++;
    }
    if (rc == 0 && moved)
        r->packed = intake_reply_pack_brief_wait(req->request_id, true,
                                                 (const uint8_t *const *)kb, kl,
                                                 moved, false, &r->packed_len);
    for (size_t i = 0; i < moved; i++)
        free(kb[i]);
    if (rc || moved)
        return rc;
    return s_park_many(self, req, p, r, deferred);
}

/* A WaitRequest on case_ids: refused as a whole when one of them is
 * empty, named twice, or not one p may see; answered at once with those
 * no longer in the state; else parked on all of them. */
static int
s_request_many(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Request *req,
               const intake_principal_t *p, intake_reply_t *r, bool *deferred)
{
    const Rongyu__WaitRequest *q = req->wait;
    size_t n = q->n_case_ids;
    if (!intake_is_empty(q->case_id))
        return intake_reply_fail_at(
            r, RONGYU__ERROR_CODE__E_INVALID, "case_id",
            "用 case_ids 指定要等待的案件时，case_id 须留空。"
            "case_id: leave it empty when case_ids "
            "names the cases to wait on");
    if (n > INTAKE_WAIT_CASES)
        return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
                                    "case_ids",
                                    "一次等待至多 %d 个案件，不能是 %zu 个。"
                                    "case_ids: at most %d cases in one wait, "
                                    "not %zu",
                                    INTAKE_WAIT_CASES, n, INTAKE_WAIT_CASES, n);
    char field[32];
    s_named_t named[INTAKE_WAIT_CASES];
    for (size_t i = 0; i < n; i++) {
        if (intake_is_empty(q->case_ids[i])) {
            snprintf(field, sizeof field, "case_ids[%zu]", i);
            return intake_reply_fail_at(
                r, RONGYU__ERROR_CODE__E_MISSING_FIELD, field,
                "%s 为空，须为案件 id。%s: an empty case id", field, field);
        }
        named[i] = (s_named_t){q->case_ids[i], i};
    }
    qsort(named, n, sizeof *named, s_named_cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(named[i - 1].id, named[i].id) == 0) {
            snprintf(field, sizeof field, "case_ids[%zu]", named[i].at);
            return intake_reply_fail_at(
                r, RONGYU__ERROR_CODE__E_INVALID, field,
                "%s：「%.64s」重复出现（另见 case_ids[%zu]）。"
                "%s: '%.64s' is named twice (also "
                "case_ids[%zu])",
                field, named[i].id, named[i - 1].at, field, named[i].id,
                named[i - 1].at);
        }
    int rc =
        q->brief ? s_request_many_brief(self, txn, req, p, r, deferred) : 1;
    if (rc != 1)
        return rc;
    rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *id = q->case_ids[i];
        /* Read in place, as a wait on one case; the head says the rest. */
        Rongyu__CaseState now;
        Rongyu__Case *c = NULL;
        if (intake_cases_peek_for(txn, p, id, &now) != 0 || now != q->state) {
            rc = intake_cases_load_head_for(txn, p, id, &r->out, &c);
            if (rc == -1)
                snprintf(r->out.field, sizeof r->out.field, "case_ids[%zu]", i);
            if (rc)
                break;
            now = c->state;
        }
        if (now == q->state) {
            ry_pb_free(&c);
            continue;
        }
        if (!q->brief) {
            ry_pb_free(&c);
            rc =
                intake_cases_load_for(txn, p, INTAKE_ACT_READ, id, &r->out, &c);
        }
        if (rc == 0)
            rc = s_add_case(txn, r, c);
    }
    if (rc || r->nwcases)
        return rc; /* refused, or answered now */
    return s_park_many(self, req, p, r, deferred);
}

int
intake_wait_request(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const intake_principal_t *p,
                    intake_reply_t *r, bool *deferred)
{
    const Rongyu__WaitRequest *q = req->wait;
    *deferred = false;
    r->wait = q->n_case_ids == 0;
    r->wait_many = !r->wait;
    r->brief = q->brief;
    if (q->state == RONGYU__CASE_STATE__STATE_UNSPECIFIED)
        return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                    "state",
                                    "须给出要等待案件离开的状态（state）。"
                                    "state: the state to wait to leave");
    if (q->timeout_ms > INTAKE_WAIT_MAX_MS)
        return intake_reply_fail_at(r, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
                                    "timeout_ms",
                                    "timeout_ms 至多为 %u。timeout_ms: at "
                                    "most %u",
                                    INTAKE_WAIT_MAX_MS, INTAKE_WAIT_MAX_MS);
    if (q->n_case_ids)
        return s_request_many(self, txn, req, p, r, deferred);
    /* Most waits are on a case still in the state waited on: parked from
     * the state read in place. Any other is answered now (a brief answer
     * shows its head only, from the row when it reads in place, else from
     * the case loaded), or refused. */
    Rongyu__CaseState now;
    int peek;
    if (q->brief) {
        /* A head that left the state, read in place, is answered as it is
         * packed there. */
        uint8_t *kb;
        size_t kl;
        peek = intake_cases_peek_brief_for(txn, p, q->case_id, q->state, &now,
                                           &kb, &kl);
        if (peek == 0 && kb) {
            const uint8_t *one = kb;
            r->packed = intake_reply_pack_brief_wait(
                req->request_id, false, &one, &kl, 1, false, &r->packed_len);
            free(kb);
            return 0;
        }
    } else {
        peek = intake_cases_peek_for(txn, p, q->case_id, &now);
    }
    if (peek != 0 || now != q->state) {
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
        ry_pb_free(&r->out.kase);
    }
    return s_park(self, req, p, r, q->case_id, NULL, 0, deferred);
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

/* Marks the waiters whose cases written[0..upto) name, and forgets
 * those. */
static void
s_mark_written(intake_waits_t *ws, size_t upto)
{
    if (!upto)
        return;
    qsort(ws->written, upto, sizeof *ws->written, s_id_cmp);
    for (int i = 0; i < ws->n; i++) {
        s_waiter_t *w = &ws->w[i];
        if (!w->ids) {
            if (bsearch(w->case_id, ws->written, upto, sizeof *ws->written,
                        s_id_cmp))
                w->poked = true;
        } else {
            for (int k = 0; k < w->nids; k++)
                if (bsearch(w->ids[k], ws->written, upto, sizeof *ws->written,
                            s_id_cmp))
                    w->poked = w->poked_ids[k] = true;
        }
        ws->dirty |= w->poked;
    }
    memmove(ws->written, ws->written + upto,
            (ws->nwritten - upto) * sizeof *ws->written);
    ws->nwritten -= upto;
    ws->committed = ws->committed > upto ? ws->committed - upto : 0;
}

/* Sends 'out' (len bytes, freed) as waiter w's answer. */
static void
s_send(intake_cases_t *self, const s_waiter_t *w, uint8_t *out, size_t len)
{
    int rc = ry_channel_reply_deferred(self->channel, w->token, out, len);
    if (rc)
        ry_debug(w->case_id, "wait reply not sent: %s", ry_strerror(rc));
    free(out);
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
                          "无法读取案件「%s」。case '%s' could not be read",
                          w->case_id, w->case_id);
    }
    size_t len;
    uint8_t *out = intake_reply_pack_in(&r, w->request_id, "wait", &len);
    s_send(self, w, out, len);
    intake_reply_release(&r);
}

/* Answers brief waiter w with the heads of n cases as packed in place
 * (intake_cases_brief_bytes): one in WaitReply.case, or several
 * ('many'); 'late' when its time ran out. */
static void
s_answer_brief(intake_cases_t *self, const s_waiter_t *w, bool many,
               const uint8_t *const *kase, const size_t *klen, size_t n,
               bool late)
{
    size_t len;
    uint8_t *out = intake_reply_pack_brief_wait(w->request_id, many, kase, klen,
                                                n, late, &len);
    s_send(self, w, out, len);
}

/* Answers waiter w (several cases) from txn when one of the cases written
 * since the last look has left its state, or its time ran out ('late');
 * a brief answer from the rows as they are when each is in the form
 * protobuf-c writes. Returns true when answered. */
static bool
s_tick_many(intake_cases_t *self, ry_txn_t *txn, s_waiter_t *w, bool late)
{
    size_t nmoved = 0;
    int *moved = malloc((size_t)w->nids * sizeof *moved);
    uint8_t **kb = calloc((size_t)w->nids, sizeof *kb);
    size_t *kl = calloc((size_t)w->nids, sizeof *kl);
    if (!moved || !kb || !kl)
        abort();
    bool in_place = w->brief;
    for (int k = 0; k < w->nids; k++) {
        if (!w->poked_ids[k])
            continue;
        w->poked_ids[k] = false;
        Rongyu__CaseState st;
        if (intake_cases_brief_bytes(txn, w->ids[k], &st, &kb[nmoved],
                                     &kl[nmoved]) == 0) {
            if (st != w->state)
                moved[nmoved++] = k;
            else
                free(kb[nmoved]);
            continue;
        }
        Rongyu__Case *c = NULL;
        if (intake_cases_load_head(txn, w->ids[k], &c) != 0 ||
            c->state != w->state) {
            kb[nmoved] = NULL;
            moved[nmoved++] = k;
            in_place = false;
        }
        ry_pb_free(&c);
    }
    w->poked = false;
    bool answer = nmoved || late;
    if (answer && in_place) {
        s_answer_brief(self, w, true, (const uint8_t *const *)kb, kl, nmoved,
                       nmoved == 0);
    } else if (answer) {
        intake_reply_t r = {.out.code = RONGYU__ERROR_CODE__OK,
                            .wait_many = true,
                            .brief = w->brief,
                            .timed_out = nmoved == 0};
        int rc = 0;
        const char *bad = NULL;
        for (size_t i = 0; i < nmoved && rc == 0; i++) {
            Rongyu__Case *c = NULL;
            bad = w->ids[moved[i]];
            rc = w->brief ? intake_cases_load_head(txn, bad, &c)
                          : intake_cases_load(txn, bad, &c);
            if (rc == 0 && !w->brief)
                rc = intake_cases_join_verdict(txn, c);
            if (rc == 0)
                rc = s_add_case(txn, &r, c);
            else
                ry_pb_free(&c);
        }
        if (rc)
            intake_reply_fail(&r, RONGYU__ERROR_CODE__E_INTERNAL,
                              "无法读取案件「%s」。case '%s' could not be "
                              "read",
                              bad, bad);
        size_t len;
        uint8_t *out = intake_reply_pack_in(&r, w->request_id, "wait", &len);
        s_send(self, w, out, len);
        intake_reply_release(&r);
    }
    for (size_t i = 0; i < nmoved; i++)
        free(kb[i]);
    free(kb);
    free(kl);
    free(moved);
    return answer;
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
        else
            s_waiter_release(ws, &ws->w[i]);
    ws->n = n;
}

void
intake_wait_committed(intake_cases_t *self)
{
    if (self->waits)
        self->waits->committed = self->waits->nwritten;
}

int
intake_wait_tick(intake_cases_t *self, bool synced)
{
    intake_waits_t *ws = self->waits;
    if (ws)
        s_mark_written(ws, synced ? ws->committed : ws->nwritten);
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
        bool again = false;
        ry_txn_t *txn;
        if (ry_txn_begin(self->store, NULL, false, &txn) != 0)
            return 100;
        int n = 0;
        for (int i = 0; i < ws->n; i++) {
            s_waiter_t *w = &ws->w[i];
            if ((!w->poked && w->deadline > now) ||
                (synced &&
                 !ry_channel_deferred_committed(self->channel, w->token))) {
                /* Its case was not written; or it was parked by the
                 * round under way, whose commit is still to come (then
                 * looked at by the next tick). */
                again |= w->poked;
                ws->w[n++] = *w;
                continue;
            }
            bool late = w->deadline <= now;
            if (w->ids) {
                if (s_tick_many(self, txn, w, late))
                    s_waiter_release(ws, w);
                else
                    ws->w[n++] = *w;
                continue;
            }
            w->poked = false;
            /* A brief answer from the case's row as it is, when it is in
             * the form protobuf-c writes; else from the head decoded. */
            Rongyu__CaseState st;
            uint8_t *kase;
            size_t klen;
            if (w->brief && intake_cases_brief_bytes(txn, w->case_id, &st,
                                                     &kase, &klen) == 0) {
                if (st != w->state || late)
                    s_answer_brief(self, w, false,
                                   (const uint8_t *const *)&kase, &klen, 1,
                                   st == w->state);
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
        ws->dirty = again;
        ry_txn_abort(&txn);
    }
    for (int i = 0; i < ws->n; i++)
        if (ws->w[i].deadline < next)
            next = ws->w[i].deadline;
    if (next == INT64_MAX)
        return INT_MAX;
    return next <= now ? 0 : (int)(next - now);
}
