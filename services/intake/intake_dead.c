/* intake_dead: listing, showing, retrying and dropping dead letters. */
#include "intake_dead.h"

#include "ry_clock.h"
#include "rongyu_services.pb-c.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_outbox.h"
#include "ry_pb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST_DEFAULT 100
#define S_LIST_MAX 1000
#define S_AUDIT_SHOWN 20

typedef struct {
    Rongyu__DeadReply rep;
    Rongyu__DeadLetter *items;
    Rongyu__DeadLetter **ptrs;
    char (*keys)[RY_OUTBOX_PEER_MAX + 32];
    char (*dirs)[4];
    char (*peers)[RY_OUTBOX_PEER_MAX + 1];
    char **texts; /* reasons and correlation ids, malloc'd */
    size_t ntexts;
    Rongyu__DeadAuditEntry **audit; /* ry_pb each */
    size_t naudit;
    size_t n, cap;
    bool with_frame;
    char next_after[RY_OUTBOX_PEER_MAX + 32];
} s_acc_t;

static char *
s_keep(s_acc_t *a, const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (!c)
        abort();
    memcpy(c, s, n);
    c[n] = '\0';
    a->texts[a->ntexts++] = c;
    return c;
}

static int
s_add(const ry_outbox_dead_t *d, void *arg)
{
    s_acc_t *a = arg;
    if (a->n == a->cap)
        return 1;
    Rongyu__DeadLetter *l = &a->items[a->n];
    rongyu__dead_letter__init(l);
    memcpy(a->keys[a->n], d->key, sizeof a->keys[a->n]);
    memcpy(a->dirs[a->n], d->dir, sizeof a->dirs[a->n]);
    memcpy(a->peers[a->n], d->peer, sizeof a->peers[a->n]);
    l->key = a->keys[a->n];
    l->direction = a->dirs[a->n];
    l->peer = a->peers[a->n];
    l->seq = d->seq;
    l->reason = s_keep(a, d->reason, strlen(d->reason));
    l->frame_bytes = d->frame_len;
    Rongyu__Envelope *e = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, d->frame, d->frame_len, 0);
    if (e) {
        l->type = e->type;
        l->correlation_id =
            s_keep(a, e->correlation_id, strlen(e->correlation_id));
        ry_pb_free(&e);
    } else {
        l->correlation_id = (char *)"";
    }
    if (a->with_frame) {
        char *f = s_keep(a, (const char *)d->frame, d->frame_len);
        l->frame.data = (uint8_t *)f;
        l->frame.len = d->frame_len;
    }
    a->ptrs[a->n++] = l;
    snprintf(a->next_after, sizeof a->next_after, "%s", d->key);
    return 0;
}

static void
s_acc_init(s_acc_t *a, size_t cap, bool with_frame)
{
    memset(a, 0, sizeof *a);
    rongyu__dead_reply__init(&a->rep);
    a->cap = cap;
    a->with_frame = with_frame;
    a->items = calloc(cap + 1, sizeof *a->items);
    a->ptrs = calloc(cap + 1, sizeof *a->ptrs);
    a->keys = calloc(cap + 1, sizeof *a->keys);
    a->dirs = calloc(cap + 1, sizeof *a->dirs);
    a->peers = calloc(cap + 1, sizeof *a->peers);
    a->texts = calloc(3 * cap + 3, sizeof *a->texts);
    a->audit = calloc(S_AUDIT_SHOWN + 1, sizeof *a->audit);
    if (!a->items || !a->ptrs || !a->keys || !a->dirs || !a->peers ||
        !a->texts || !a->audit)
        abort();
}

/* Packs the accumulated reply into r->dead (a ry_pb message) and frees
 * the accumulator. */
static void
s_acc_finish(s_acc_t *a, intake_reply_t *r)
{
    a->rep.letters = a->ptrs;
    a->rep.n_letters = a->n;
    a->rep.audit = a->audit;
    a->rep.n_audit = a->naudit;
    size_t len;
    uint8_t *buf = ry_pb_pack(&a->rep.base, &len);
    r->dead = (Rongyu__DeadReply *)ry_pb_unpack(&rongyu__dead_reply__descriptor,
                                                buf, len, 0);
    if (!r->dead)
        abort();
    free(buf);
    for (size_t i = 0; i < a->ntexts; i++)
        free(a->texts[i]);
    for (size_t i = 0; i < a->naudit; i++)
        ry_pb_free(&a->audit[i]);
    free(a->items);
    free(a->ptrs);
    free(a->keys);
    free(a->dirs);
    free(a->peers);
    free(a->texts);
    free(a->audit);
}

/* "dead_audit": be64 number -> DeadAuditEntry. */
static int
s_audit(ry_txn_t *txn, const intake_principal_t *p, const char *op,
        const char *key, const char *outcome)
{
    ry_val_t lk, lv;
    uint64_t n = 1;
    int rc = ry_txn_last(txn, "dead_audit", NULL, 0, &lk, &lv);
    if (rc == 0 && lk.len == 8)
        n = ry_be64_get(lk.data) + 1;
    else if (rc && rc != RY_ENOTFOUND)
        return rc;
    uint8_t k[8];
    ry_be64_put(k, n);
    Rongyu__DeadAuditEntry e = RONGYU__DEAD_AUDIT_ENTRY__INIT;
    char actor[800];
    e.at_ms = ry_clock_now_ms();
    e.actor = (char *)intake_principal_actor(p, actor, sizeof actor);
    e.op = (char *)op;
    e.key = (char *)key;
    e.outcome = (char *)outcome;
    size_t len;
    uint8_t *buf = ry_pb_pack(&e.base, &len);
    rc = ry_txn_put(txn, "dead_audit", k, 8, buf, len, RY_PUT_APPEND);
    free(buf);
    if (rc == 0)
        ry_info(NULL, "dead letter %s: %s by %s: %s", key, op, e.actor,
                outcome);
    return rc;
}

typedef struct {
    s_acc_t *a;
    size_t skip; /* rows to pass over before the last S_AUDIT_SHOWN */
} s_alog_t;

static int
s_audit_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_alog_t *l = arg;
    if (l->skip) {
        l->skip--;
        return 0;
    }
    Rongyu__DeadAuditEntry *e = (Rongyu__DeadAuditEntry *)ry_pb_unpack(
        &rongyu__dead_audit_entry__descriptor, val->data, val->len, 0);
    if (e && l->a->naudit < S_AUDIT_SHOWN)
        l->a->audit[l->a->naudit++] = e;
    else
        ry_pb_free(&e);
    return 0;
}

int
intake_dead_request(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const intake_principal_t *p,
                    intake_reply_t *r)
{
    int rc = intake_cases_allow(txn, p, INTAKE_ACT_CITY, NULL, &r->out);
    if (rc)
        return rc;
    const Rongyu__DeadRequest *q = req->dead;
    const char *key = q->key ? q->key : "";
    if (q->op != RONGYU__DEAD_OP__DEAD_LIST && !*key)
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "dead.key");
    s_acc_t a;
    char why[300] = "";
    switch (q->op) {
    case RONGYU__DEAD_OP__DEAD_LIST: {
        size_t limit = q->limit ? q->limit : S_LIST_DEFAULT;
        if (limit > S_LIST_MAX)
            limit = S_LIST_MAX;
        s_acc_init(&a, limit, false);
        rc = ry_outbox_dead_scan(txn, q->after_key, s_add, &a);
        uint64_t total = 0;
        if (!rc)
            rc = ry_txn_count(txn, "dead_audit", &total);
        s_alog_t log = {&a, total > S_AUDIT_SHOWN ? total - S_AUDIT_SHOWN : 0};
        if (!rc)
            rc = ry_txn_scan(txn, "dead_audit", NULL, 0, NULL, 0, s_audit_row,
                             &log);
        if (!rc)
            rc = ry_outbox_dead_counts(txn, &a.rep.kept, &a.rep.refused);
        a.rep.next_after = a.n == limit ? a.next_after : (char *)"";
        break;
    }
    case RONGYU__DEAD_OP__DEAD_SHOW: {
        ry_outbox_dead_t d;
        rc = ry_outbox_dead_get(txn, key, &d);
        if (rc == RY_ENOTFOUND)
            return intake_reply_fail(r, RONGYU__ERROR_CODE__E_NOT_FOUND,
                                     "没有死信「%s」。no dead letter '%s'", key,
                                     key);
        if (rc)
            return rc;
        s_acc_init(&a, 1, true);
        s_add(&d, &a);
        a.rep.next_after = (char *)"";
        break;
    }
    case RONGYU__DEAD_OP__DEAD_RETRY:
    case RONGYU__DEAD_OP__DEAD_DROP: {
        bool retry = q->op == RONGYU__DEAD_OP__DEAD_RETRY;
        rc = retry ? ry_channel_dead_retry(self->channel, txn, key, why,
                                           sizeof why)
                   : ry_outbox_dead_drop(txn, key);
        if (rc == RY_ENOTFOUND)
            return intake_reply_fail(r, RONGYU__ERROR_CODE__E_NOT_FOUND,
                                     "没有死信「%s」。no dead letter '%s'", key,
                                     key);
        if (rc == RY_EINVAL)
            return intake_reply_fail(r, RONGYU__ERROR_CODE__E_INVALID, "%s",
                                     why);
        if (!rc)
            rc = s_audit(txn, p, retry ? "retry" : "drop", key,
                         retry ? "sent again" : "deleted");
        if (rc)
            return rc;
        s_acc_init(&a, 1, false);
        a.rep.next_after = (char *)"";
        rc = ry_outbox_dead_counts(txn, &a.rep.kept, &a.rep.refused);
        break;
    }
    default:
        return intake_reply_fail(r, RONGYU__ERROR_CODE__E_UNSUPPORTED,
                                 "不支持死信操作 %d。dead.op %d", (int)q->op,
                                 (int)q->op);
    }
    s_acc_finish(&a, r);
    return rc;
}
