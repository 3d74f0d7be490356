/* intake_cases: the case store: case ids, records and their indexes,
 * revisions, the audit trail, every transition (a row of intake_fsm
 * applied), the messages to validation, quota and notification, and their
 * answers. Operations answer with an intake_outcome. */
#include "intake_cases.h"

#include "intake_attach.h"
#include "intake_bounds.h"
#include "intake_deadline.h"
#include "intake_digest.h"
#include "intake_internal.h"
#include "intake_posting.h"
#include "intake_outcome.h"
#include "intake_fsm.h"
#include "intake_seats.h"
#include "intake_wait.h"
#include "ry_clock.h"
#include "ry_date.h"
#include "rongyu_services.pb-c.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_names.h"
#include "ry_pb.h"
#include "ry_rulecat.h"
#include "ry_str.h"
#include "ry_verdict.h"

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
    ry_str_hex64(out, id);
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

/* Decodes a stored Case whose row key begins with its case id: a case
 * is stored without its id (the key holds it), which comes back from the
 * key; a case stored with it by an earlier version keeps its own. Its
 * attachments' digests come back in hex (intake_digest). */
static Rongyu__Case *
s_case_decode(const void *key, size_t klen, const void *data, size_t len)
{
    Rongyu__Case *c = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor,
                                                   data, len, 0);
    if (c && !*c->case_id && klen >= INTAKE_ID_LEN) {
        char id[INTAKE_ID_LEN + 1];
        memcpy(id, key, INTAKE_ID_LEN);
        id[INTAKE_ID_LEN] = '\0';
        ry_pb_set_string_in(c, &c->case_id, id);
    }
    if (c)
        intake_digest_restore(c->application);
    return c;
}

static int s_row_join(ry_txn_t *txn, const char *case_id, ry_val_t *row,
                      uint8_t **owned);

/* Reads and decodes the Case stored under key in table; with join_id (a
 * row of "cases", that case's id) its application made whole from the
 * part kept apart (s_row_join). *out is the caller's, NULL unless 0 is
 * returned. */
static int
s_case_get(ry_txn_t *txn, const char *table, const void *key, size_t klen,
           const char *join_id, Rongyu__Case **out)
{
    *out = NULL;
    ry_val_t v;
    uint8_t *joined = NULL;
    int rc = ry_txn_get(txn, table, key, klen, &v);
    if (!rc && join_id)
        rc = s_row_join(txn, join_id, &v, &joined);
    if (!rc && !(*out = s_case_decode(key, klen, v.data, v.len)))
        rc = RY_EIO;
    free(joined);
    return rc;
}

int
intake_cases_load(ry_txn_t *txn, const char *case_id, Rongyu__Case **out)
{
    return s_case_get(txn, "cases", case_id, strlen(case_id), case_id, out);
}

/* The fields of a stored Case and of its Application that the readers of
 * a row's bytes below look at (rongyu.proto). */
enum {
    S_CASE_REVISION = 2,
    S_CASE_STATE = 3,
    S_CASE_APP = 4,
    S_CASE_VERDICT = 5,
    S_APP_ORG = 4,
    S_APP_UNIT = 5,
};

/* The application's fields (a bit per field number) that a case's head
 * keeps: campaign, honour, category, applicant and unit (1-5). */
#define S_APP_HEAD 0x3eull
/* Those a peer's answer reads (s_apply, intake_cases_tell, intake_seats_pool):
 * the head, the union and the person (6, 7) and the declarations (9);
 * not the metrics, honours held, attachments or deeds (8, 10-12). */
#define S_APP_ANSWER (S_APP_HEAD | 1ull << 6 | 1ull << 7 | 1ull << 9)

static int s_row_application(const ry_val_t *row, uint32_t *rev, ry_val_t *app);
static int s_app_apart(ry_txn_t *txn, const char *case_id, uint32_t rev,
                       ry_val_t *out);

/* Reads case_id's record as intake_cases_load does, but decodes of it
 * only its application's fields in 'app_fields' and not its verdict (5):
 * the record's other fields are copied as they are, and so are the
 * application's kept fields, then decoded like the whole (the
 * application kept apart is read only for fields past the head's). With
 * app_copy, also a copy of the application's bytes as the row holds them
 * (the caller frees app_copy->data), for s_case_pack to store them
 * again. Same returns as intake_cases_load. */
static int
s_case_get_part(ry_txn_t *txn, const char *case_id, uint64_t app_fields,
                Rongyu__Case **out, ry_val_t *app_copy)
{
    *out = NULL;
    ry_val_t v;
    int rc = ry_txn_get(txn, "cases", case_id, strlen(case_id), &v);
    if (rc)
        return rc;
    /* Fields past the head's: the rest of the application kept apart
     * too, read after the row's part. */
    ry_val_t rest = {0}, own;
    uint32_t rev;
    if (app_fields & ~S_APP_HEAD && s_row_application(&v, &rev, &own) == 0 &&
        (rc = s_app_apart(txn, case_id, rev, &rest)) != 0) {
        if (rc != RY_ENOTFOUND)
            return rc;
        rest = (ry_val_t){0};
    }
    /* The part, then room for the application's kept fields (no more
     * than the record and the rest). */
    uint8_t *head = malloc(2 * (v.len + rest.len) + 16);
    if (!head)
        abort();
    uint8_t *inner = head + v.len + rest.len + 16;
    size_t at = 0, pos = 0;
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(v.data, v.len, &pos, &f)) == 1) {
        if (f.number == S_CASE_VERDICT)
            continue;
        if (f.number != S_CASE_APP || f.wire != 2) {
            memcpy(head + at, f.start, f.n);
            at += f.n;
            continue;
        }
        if (app_copy) { /* the last, as s_row_application reads it */
            void *copy = malloc(f.vlen ? f.vlen : 1);
            if (!copy)
                abort();
            memcpy(copy, f.val, f.vlen);
            free((void *)app_copy->data);
            *app_copy = (ry_val_t){copy, f.vlen};
        }
        size_t n = 0;
        const ry_val_t parts[2] = {{f.val, f.vlen}, rest};
        for (int k = 0; k < 2 && more >= 0; k++) {
            size_t ipos = 0;
            ry_pb_field_t g;
            const uint8_t *d = parts[k].data;
            while ((more = ry_pb_next(d, parts[k].len, &ipos, &g)) == 1)
                if (g.number < 64 && (app_fields >> g.number & 1)) {
                    memcpy(inner + n, g.start, g.n);
                    n += g.n;
                }
        }
        rest = (ry_val_t){0}; /* once */
        if (more < 0)
            break;
        ry_pb_put_varint(head, &at, S_CASE_APP << 3 | 2);
        ry_pb_put_varint(head, &at, n);
        memcpy(head + at, inner, n);
        at += n;
    }
    if (more == 0)
        *out = s_case_decode(case_id, strlen(case_id), head, at);
    free(head);
    if (!*out && app_copy) {
        free((void *)app_copy->data);
        *app_copy = (ry_val_t){0};
    }
    return *out ? 0 : RY_EIO;
}

int
intake_cases_load_head(ry_txn_t *txn, const char *case_id, Rongyu__Case **out)
{
    return s_case_get_part(txn, case_id, S_APP_HEAD, out, NULL);
}

/* The application's applicant and organising unit from its bytes (app),
 * into org and unit; -1 unless its fields of S_APP_HEAD, what the head
 * decodes of it, have the wire types protobuf-c writes and the two fit
 * in cap bytes with their ends. */
static int
s_peek_app(const ry_pb_field_t *app, char *org, char *unit, size_t cap)
{
    size_t pos = 0;
    ry_pb_field_t g;
    int more;
    while ((more = ry_pb_next(app->val, app->vlen, &pos, &g)) == 1) {
        if (g.number >= 64 || !(S_APP_HEAD >> g.number & 1))
            continue; /* not decoded for the head either */
        if (g.wire != (g.number == 2 || g.number == 3 ? 0u : 2u))
            return -1;
        char *to = g.number == S_APP_ORG    ? org
                   : g.number == S_APP_UNIT ? unit
                                            : NULL;
        if (!to)
            continue;
        if (g.vlen >= cap)
            return -1;
        memcpy(to, g.val, g.vlen);
        to[g.vlen] = '\0';
    }
    return more;
}

/* Whether a field's varints are as protobuf-c writes the value read: a
 * one-byte tag, and the value's varint (or the length's) of as many
 * bytes as it needs, its tenth byte, if any, 1 (the 64th bit; protobuf-c
 * drops the bits past it). */
static bool
s_field_minimal(const ry_pb_field_t *f)
{
    if (f->tag_len != 1)
        return false;
    const uint8_t *end = f->wire == 2 ? f->val : f->start + f->n;
    size_t vn = (size_t)(end - f->start) - f->tag_len;
    uint64_t v = f->wire == 2 ? f->vlen : f->varint;
    return vn == ry_pb_varint_size(v) && (vn < 10 || end[-1] == 1);
}

/* Reads a case's row (v) in place as intake_cases_load_head reads it,
 * when it is in the form protobuf-c writes: the head's fields (2, 3,
 * 6-11) each once, in order, not at its zero value (a text neither empty
 * nor holding a 0 byte, where protobuf-c's copy would end), with the wire
 * type and the varints protobuf-c writes; the application (4) once, its
 * head fields (S_APP_HEAD) of the wire types the head decodes, its
 * applicant and unit shorter than INTAKE_PEEK_MAX; the verdict (5) not
 * read, as the head does not read it. Sets *state, org and unit
 * (INTAKE_PEEK_MAX bytes each) and, when copy is not NULL, appends the
 * head's fields as they are to copy + *at. Returns 0, or 1 for a row in
 * any other form, which intake_cases_load_head reads. */
static int
s_head_in_place(const ry_val_t *v, Rongyu__CaseState *state, char *org,
                char *unit, uint8_t *copy, size_t *at)
{
    org[0] = unit[0] = '\0';
    uint32_t last = 1;
    uint64_t st = 0;
    bool app = false;
    size_t pos = 0;
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(v->data, v->len, &pos, &f)) == 1) {
        if (f.number == S_CASE_VERDICT)
            continue;
        if (f.number == S_CASE_APP) {
            if (f.wire != 2 || app ||
                s_peek_app(&f, org, unit, INTAKE_PEEK_MAX) != 0)
                return 1;
            app = true;
            continue;
        }
        bool text = f.number == 9 || f.number == 11;
        bool number = f.number == 2 || f.number == 3 ||
                      (f.number >= 6 && f.number <= 10 && f.number != 9);
        if ((!text && !number) || f.number <= last ||
            f.wire != (text ? 2u : 0u) || !s_field_minimal(&f) ||
            (text ? f.vlen == 0 || memchr(f.val, 0, f.vlen) : f.varint == 0) ||
            (f.number == S_CASE_REVISION && f.varint > UINT32_MAX) ||
            (f.number == S_CASE_STATE && f.varint > INT32_MAX))
            return 1;
        if (f.number == S_CASE_STATE)
            st = f.varint;
        last = f.number;
        if (copy) {
            memcpy(copy + *at, f.start, f.n);
            *at += f.n;
        }
    }
    if (more != 0 || !app)
        return 1;
    *state = (Rongyu__CaseState)st;
    return 0;
}

/* The row of case 'id' for the readers in place: 0, or 1 when id is not
 * of the store's form or no such case is stored. */
static int
s_row_in_place(ry_txn_t *txn, const char *id, ry_val_t *v)
{
    if (!id || strlen(id) != INTAKE_ID_LEN)
        return 1;
    return ry_txn_get(txn, "cases", id, INTAKE_ID_LEN, v) != 0;
}

/* The readers in place of a case's head: its state into *state, and
 * when out is not NULL the head's bytes as intake_cases_brief_bytes makes
 * them into *out (the caller's to free); when p is not NULL, only for a
 * case p may read. Returns 0, or 1 as those readers do. */
static int
s_peek(ry_txn_t *txn, const intake_principal_t *p, const char *id,
       Rongyu__CaseState *state, uint8_t **out, size_t *len)
{
    ry_val_t v;
    if (s_row_in_place(txn, id, &v) != 0)
        return 1;
    /* The id, then the head's fields as the row holds them. */
    uint8_t *b = NULL;
    size_t at = 0;
    if (out) {
        b = malloc(v.len + 2 + INTAKE_ID_LEN);
        if (!b)
            abort();
        ry_pb_put_bytes(b, &at, 1, id, INTAKE_ID_LEN);
    }
    char org[INTAKE_PEEK_MAX], unit[INTAKE_PEEK_MAX];
    Rongyu__CaseState st;
    if (s_head_in_place(&v, &st, org, unit, b, &at) != 0) {
        free(b);
        return 1;
    }
    if (p) {
        Rongyu__Application a = RONGYU__APPLICATION__INIT;
        a.applicant_org = org;
        a.organising_unit = unit;
        char why[8];
        if (intake_authorize(txn, p, INTAKE_ACT_READ, &a, why, sizeof why)) {
            free(b);
            return 1;
        }
    }
    *state = st;
    if (out) {
        *out = b;
        *len = at;
    }
    return 0;
}

int
intake_cases_peek_for(ry_txn_t *txn, const intake_principal_t *p,
                      const char *id, Rongyu__CaseState *state)
{
    return s_peek(txn, p, id, state, NULL, NULL);
}

int
intake_cases_peek_brief_for(ry_txn_t *txn, const intake_principal_t *p,
                            const char *id, Rongyu__CaseState held,
                            Rongyu__CaseState *state, uint8_t **out,
                            size_t *len)
{
    *out = NULL;
    int rc = s_peek(txn, p, id, state, out, len);
    if (rc == 0 && *state == held) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

int
intake_cases_brief_bytes(ry_txn_t *txn, const char *id,
                         Rongyu__CaseState *state, uint8_t **out, size_t *len)
{
    *out = NULL;
    return s_peek(txn, NULL, id, state, out, len);
}

/* ------------------------------------------------------------ indexes */

/* "meta" key set once the case indexes are built (intake_cases_new). */
#define S_INDEX_MARK "case_indexes"
/* "meta" key set once the SUBMITTED cases have left by_org_state and
 * by_unit_state, where earlier versions kept them (s_index_submitted). */
#define S_SUBMITTED_MARK "case_indexes_submitted"

/* Whether "meta" holds mark: 0, RY_ENOTFOUND or a store error. */
static int
s_marked(ry_txn_t *txn, const char *mark)
{
    ry_val_t v;
    return ry_txn_get(txn, "meta", mark, strlen(mark), &v);
}

static int
s_mark(ry_txn_t *txn, const char *mark)
{
    return ry_txn_put(txn, "meta", mark, strlen(mark), "1", 1, 0);
}

/* The "meta" key of the fingerprints' secret. */
#define S_KEY_MARK "idem_key"

/* The store's secret key of idempotency fingerprints (intake_idem), made
 * at random and kept the first time. Returns 0 or a store error. */
static int
s_idem_key(ry_store_t *store, uint8_t key[INTAKE_IDEM_KEY_LEN])
{
    ry_txn_t *txn;
    int rc = ry_txn_begin(store, NULL, true, &txn);
    if (rc)
        return rc;
    ry_val_t v;
    rc = ry_txn_get(txn, "meta", S_KEY_MARK, strlen(S_KEY_MARK), &v);
    if (rc == 0 && v.len == INTAKE_IDEM_KEY_LEN) {
        memcpy(key, v.data, INTAKE_IDEM_KEY_LEN);
        ry_txn_abort(&txn);
        return 0;
    }
    if (rc == 0) {
        ry_txn_abort(&txn);
        ry_error(NULL, "meta %s: %zu bytes, not %d", S_KEY_MARK, v.len,
                 INTAKE_IDEM_KEY_LEN);
        return RY_EIO;
    }
    if (rc != RY_ENOTFOUND) {
        ry_txn_abort(&txn);
        return rc;
    }
    randombytes_buf(key, INTAKE_IDEM_KEY_LEN);
    rc = ry_txn_put(txn, "meta", S_KEY_MARK, strlen(S_KEY_MARK), key,
                    INTAKE_IDEM_KEY_LEN, RY_PUT_NOOVERWRITE);
    if (rc) {
        ry_txn_abort(&txn);
        return rc;
    }
    return ry_txn_commit(&txn);
}

/* The index rows of one case: by_state (state byte, id), by_org_state
 * and by_unit_state (applicant org or unit, \0, state byte, id; a prefix
 * scan on org or unit and \0 finds its cases in every state) and, while
 * the unit's review is awaited, by_due (be64 review_due_ms, id). A slot
 * of length 0 is absent.
 *
 * A SUBMITTED case, which waits for validation (a matter of milliseconds
 * while validation runs), is in by_state alone, its row's value being
 * its org, \0, its unit: listings by org or unit read that short range
 * and keep the rows whose value names them (s_cand_submitted). Indexing
 * it by org and unit too would put each application's rows there and
 * take them out again a moment later, in leaves scattered over both
 * tables: measured, a quarter of the ack's p99 at half the peak. */
enum { S_IX_STATE, S_IX_ORG_ST, S_IX_UNIT_ST, S_IX_DUE, S_NIX };
static const char *const s_ix_tables[S_NIX] = {"by_state", "by_org_state",
                                               "by_unit_state", "by_due"};

typedef struct {
    uint8_t key[S_NIX][INTAKE_IKEY_MAX];
    size_t len[S_NIX];
    uint8_t val[INTAKE_IKEY_MAX]; /* by_state's value: org \0 unit */
    size_t vlen;                  /* 0: none (not SUBMITTED, or too long) */
} s_ikeys_t;

/* The value of k's row in index i: by_state's may name an org and unit,
 * the others' are empty. */
static const void *
s_ix_val(const s_ikeys_t *k, int i, size_t *len)
{
    *len = i == S_IX_STATE ? k->vlen : 0;
    return i == S_IX_STATE ? (const void *)k->val : "";
}

bool
intake_cases_awaits_review(Rongyu__CaseState st)
{
    return st == RONGYU__CASE_STATE__SUBMITTED ||
           st == RONGYU__CASE_STATE__ELIGIBLE ||
           st == RONGYU__CASE_STATE__INELIGIBLE;
}

static size_t
s_ikey(uint8_t *out, const char *name, int state, const char *id)
{
    size_t n = 0, nl = name ? strlen(name) : 0, il = strlen(id);
    if (nl + il + 2 > INTAKE_IKEY_MAX)
        return 0;
    if (name) {
        memcpy(out, name, nl);
        out[nl] = '\0';
        n = nl + 1;
    }
    if (state >= 0)
        out[n++] = (uint8_t)state;
    memcpy(out + n, id, il);
    return n + il;
}

/* The index rows of c (NULL: none). */
static void
s_index_keys(const Rongyu__Case *c, s_ikeys_t *k)
{
    memset(k->len, 0, sizeof k->len);
    if (!c)
        return;
    const Rongyu__Application *a = c->application;
    const char *org = a ? a->applicant_org : "";
    const char *unit = a ? a->organising_unit : "";
    int st = (int)c->state & 0xff;
    k->vlen = 0;
    k->len[S_IX_STATE] = s_ikey(k->key[S_IX_STATE], NULL, st, c->case_id);
    if (c->state == RONGYU__CASE_STATE__SUBMITTED) {
        const char *o = org ? org : "", *u = unit ? unit : "";
        size_t ol = strlen(o), ul = strlen(u);
        if (ol + 1 + ul <= sizeof k->val) {
            memcpy(k->val, o, ol);
            k->val[ol] = '\0';
            memcpy(k->val + ol + 1, u, ul);
            k->vlen = ol + 1 + ul;
        }
    } else {
        k->len[S_IX_ORG_ST] = s_ikey(k->key[S_IX_ORG_ST], org, st, c->case_id);
        k->len[S_IX_UNIT_ST] =
            s_ikey(k->key[S_IX_UNIT_ST], unit, st, c->case_id);
    }
    if (intake_cases_awaits_review(c->state) && c->review_due_ms > 0) {
        ry_be64_put(k->key[S_IX_DUE], (uint64_t)c->review_due_ms);
        size_t il = strlen(c->case_id);
        if (il <= INTAKE_IKEY_MAX - 8) {
            memcpy(k->key[S_IX_DUE] + 8, c->case_id, il);
            k->len[S_IX_DUE] = 8 + il;
        }
    }
}

/* Moves the index rows from 'before' to those of c: deletes the rows that
 * went, puts the rows that came, leaves the others alone. */
static int
s_index_update(ry_txn_t *txn, const s_ikeys_t *before, const s_ikeys_t *now)
{
    for (int i = 0; i < S_NIX; i++) {
        bool same = before->len[i] == now->len[i] &&
                    memcmp(before->key[i], now->key[i], now->len[i]) == 0;
        if (same && i == S_IX_STATE)
            same = before->vlen == now->vlen &&
                   memcmp(before->val, now->val, now->vlen) == 0;
        if (same)
            continue;
        if (before->len[i]) {
            int rc = ry_txn_del(txn, s_ix_tables[i], before->key[i],
                                before->len[i]);
            if (rc && rc != RY_ENOTFOUND)
                return rc;
        }
        if (now->len[i]) {
            size_t vl;
            const void *val = s_ix_val(now, i, &vl);
            int rc = ry_txn_put(txn, s_ix_tables[i], now->key[i], now->len[i],
                                val, vl, 0);
            if (rc)
                return rc;
        }
    }
    return 0;
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
    return ry_txn_put(txn, "verdicts", key, sizeof key, data, len,
                      RY_PUT_APPEND);
}

/* How c's application is stored (s_case_pack). */
typedef enum {
    S_APP_PACKED, /* packed from c */
    S_APP_KEPT,   /* the stored row's bytes, unchanged; c holds it whole,
                     packed should the row not have it */
    S_APP_PART,   /* the stored row's bytes, unchanged; c holds a part of
                     it (s_case_get_part), never stored */
} s_app_t;

static int s_app_apart_put(ry_txn_t *txn, const char *case_id, uint32_t rev,
                           const ry_val_t *app, bool fresh, uint8_t **head,
                           size_t *hlen);

/* Packs c without its verdict: a case refers to its verdict by (case id,
 * revision). A verdict embedded in a case stored by an earlier version
 * moves to the "verdicts" table when the case is written again. The case
 * id is left out too: the row's key begins with it (s_case_decode); and
 * the attachments' digests take their stored form (intake_digest).
 *
 * The application: with S_APP_KEPT or S_APP_PART (the application is
 * the stored row's, unchanged), the row's application bytes are copied
 * as they are ('read' when it holds them, read with c by
 * s_case_get_part; else read from the row); when the row of c's
 * revision does not hold them, a part is refused (RY_EINVAL: that
 * message alone) rather than stored, and a whole one is packed. With
 * S_APP_PACKED, the application is 'read' when it holds bytes (made from
 * the request: intake_attach_stored_bytes), else packed from c. A
 * packed or new application is stored apart when 'apart' (a row of
 * "cases": s_app_apart_put; 'fresh': a new case, none stored yet), the
 * row keeping only its head; else (a row of "revisions") whole in the
 * row. */
static int
s_case_pack(ry_txn_t *txn, const Rongyu__Case *c, s_app_t app,
            const ry_val_t *read, bool apart, bool fresh, uint8_t **buf,
            size_t *len)
{
    Rongyu__Case bare = *c;
    if (strlen(c->case_id) == INTAKE_ID_LEN)
        bare.case_id = (char *)"";
    if (c->verdict) {
        size_t vlen;
        uint8_t *v = ry_pb_pack(&c->verdict->base, &vlen);
        int rc = s_verdict_put(txn, c->case_id, c->revision, v, vlen);
        free(v);
        if (rc)
            return rc;
        bare.verdict = NULL;
    }
    bare.application = NULL;
    /* The application's bytes, and whether they are the row's as they
     * are (kept) or a whole application (new). Read after the verdict's
     * put (a write may move what a read of the same transaction points
     * to), unless read with c and copied. */
    ry_val_t bytes = read ? *read : (ry_val_t){0};
    bool kept = false;
    uint8_t *packed_app = NULL;
    if (app != S_APP_PACKED) {
        ry_val_t row;
        uint32_t rev;
        kept = bytes.data || (ry_txn_get(txn, "cases", c->case_id,
                                         strlen(c->case_id), &row) == 0 &&
                              s_row_application(&row, &rev, &bytes) == 0 &&
                              rev == c->revision);
        if (!kept && app == S_APP_PART) {
            ry_error(c->case_id,
                     "the stored application of revision %u is not in its "
                     "row: answer refused",
                     c->revision);
            return RY_EINVAL;
        }
        if (!kept)
            bytes = (ry_val_t){0};
    }
    if (!kept && !bytes.data && c->application) {
        Rongyu__Application packed;
        void *scratch;
        bool digests =
            intake_digest_pack_app(c->application, &packed, &scratch);
        size_t alen;
        packed_app =
            ry_pb_pack(digests ? &packed.base : &c->application->base, &alen);
        free(scratch);
        bytes = (ry_val_t){packed_app, alen};
    }
    uint8_t *head = NULL;
    size_t hlen = 0;
    int rc = 0;
    if (!kept && bytes.data && apart) {
        rc = s_app_apart_put(txn, c->case_id, c->revision, &bytes, fresh, &head,
                             &hlen);
        bytes = (ry_val_t){head, hlen};
    }
    if (!rc) {
        *buf = ry_pb_pack(&bare.base, len);
        if (bytes.data) {
            uint8_t *room = realloc(*buf, *len + bytes.len + 15);
            if (!room)
                abort();
            *buf = room;
            ry_pb_put_bytes(*buf, len, S_CASE_APP, bytes.data, bytes.len);
        }
    }
    free(head);
    free(packed_app);
    return rc;
}

/* Stores c (without its verdict); 'before' holds the index rows of the
 * stored version (none for a new case), which become c's. app and read:
 * how its application is stored (s_case_pack); a peer's answer never
 * changes it. */
static int
s_case_put(ry_txn_t *txn, const Rongyu__Case *c, const s_ikeys_t *before,
           s_app_t app, const ry_val_t *read)
{
    size_t len;
    uint8_t *buf;
    bool is_new = before->len[S_IX_STATE] == 0;
    int rc = s_case_pack(txn, c, app, read, true, is_new, &buf, &len);
    if (rc)
        return rc;
    rc = ry_txn_put(txn, "cases", c->case_id, strlen(c->case_id), buf, len,
                    is_new ? RY_PUT_APPEND : 0);
    free(buf);
    if (rc)
        return rc;
    s_ikeys_t *now = malloc(sizeof *now);
    if (!now)
        abort();
    s_index_keys(c, now);
    rc = s_index_update(txn, before, now);
    free(now);
    return rc;
}

typedef struct {
    ry_txn_t *txn;
    s_ikeys_t k;
    uint64_t n;         /* cases with a by_due row */
    uint64_t submitted; /* cases SUBMITTED: no by_org_state, by_unit_state */
    char *why;
    size_t wlen;
    bool build; /* put the rows; else check they are there */
} s_ix_walk_t;

static int
s_ix_case(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_ix_walk_t *w = arg;
    Rongyu__Case *c = s_case_decode(key->data, key->len, val->data, val->len);
    if (!c)
        return RY_EIO;
    s_index_keys(c, &w->k);
    w->n += w->k.len[S_IX_DUE] != 0;
    w->submitted += c->state == RONGYU__CASE_STATE__SUBMITTED;
    int rc = 0;
    for (int i = 0; i < S_NIX && !rc; i++) {
        if (!w->k.len[i])
            continue;
        size_t wlen;
        const void *want = s_ix_val(&w->k, i, &wlen);
        if (w->build) {
            rc = ry_txn_put(w->txn, s_ix_tables[i], w->k.key[i], w->k.len[i],
                            want, wlen, 0);
            continue;
        }
        ry_val_t v;
        rc = ry_txn_get(w->txn, s_ix_tables[i], w->k.key[i], w->k.len[i], &v);
        if (rc == RY_ENOTFOUND) {
            snprintf(w->why, w->wlen, "case %s (%s): no row in %s",
                     c->case_id, intake_fsm_state_name(c->state),
                     s_ix_tables[i]);
            rc = RY_EINVAL;
        } else if (rc == 0 &&
                   (v.len != wlen || (wlen && memcmp(v.data, want, wlen)))) {
            snprintf(w->why, w->wlen,
                     "case %s (%s): its row in %s names another org or unit",
                     c->case_id, intake_fsm_state_name(c->state),
                     s_ix_tables[i]);
            rc = RY_EINVAL;
        }
    }
    ry_pb_free(&c);
    return rc;
}

int
intake_cases_index_check(ry_txn_t *txn, char *why, size_t len)
{
    int rc0 = s_marked(txn, S_SUBMITTED_MARK);
    if (rc0 == RY_ENOTFOUND) {
        snprintf(why, len,
                 "the indexes are in an earlier version's form (submitted "
                 "cases under their org and unit): intake brings them to "
                 "this one when it next opens the store");
        return RY_EINVAL;
    }
    if (rc0)
        return rc0;
    s_ix_walk_t *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->txn = txn;
    w->why = why;
    w->wlen = len;
    int rc = ry_txn_scan(txn, "cases", NULL, 0, NULL, 0, s_ix_case, w);
    uint64_t cases = 0, due = w->n, submitted = w->submitted;
    free(w);
    if (!rc)
        rc = ry_txn_count(txn, "cases", &cases);
    /* Each row of every case is there: equal counts then mean that no
     * row is left over. */
    for (int i = 0; i < S_NIX && !rc; i++) {
        uint64_t n, want = i == S_IX_DUE     ? due
                           : i == S_IX_STATE ? cases
                                             : cases - submitted;
        if ((rc = ry_txn_count(txn, s_ix_tables[i], &n)))
            break;
        if (n != want) {
            snprintf(why, len, "%s holds %llu rows, not %llu",
                     s_ix_tables[i], (unsigned long long)n,
                     (unsigned long long)want);
            rc = RY_EINVAL;
        }
    }
    return rc;
}

/* Builds the indexes of a store written before they existed, once, in one
 * transaction ("meta" case_indexes marks them built), and empties the
 * indexes earlier versions kept. */
static int
s_index_build(ry_store_t *store)
{
    ry_txn_t *txn;
    int rc = ry_txn_begin(store, NULL, true, &txn);
    if (rc)
        return rc;
    /* Earlier versions kept by_org and by_unit too: by_org_state and
     * by_unit_state serve their listings now. */
    uint64_t legacy = 0, n = 0;
    static const char *const gone[] = {"by_org", "by_unit"};
    for (int i = 0; i < 2 && !rc; i++) {
        rc = ry_txn_count(txn, gone[i], &n);
        legacy += n;
        if (!rc && n)
            rc = ry_txn_clear(txn, gone[i]);
    }
    if (!rc)
        rc = s_marked(txn, S_INDEX_MARK);
    if (rc == 0 && legacy) {
        rc = ry_txn_commit(&txn);
        if (!rc)
            ry_info(NULL,
                    "%" PRIu64 " rows of the old indexes by_org and "
                    "by_unit removed",
                    legacy);
        return rc;
    }
    if (rc != RY_ENOTFOUND) {
        ry_txn_abort(&txn);
        return rc;
    }
    s_ix_walk_t *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->txn = txn;
    w->build = true;
    rc = ry_txn_scan(txn, "cases", NULL, 0, NULL, 0, s_ix_case, w);
    free(w);
    if (!rc)
        rc = s_mark(txn, S_INDEX_MARK);
    if (!rc) /* built as they are kept now */
        rc = s_mark(txn, S_SUBMITTED_MARK);
    if (rc) {
        ry_txn_abort(&txn);
        return rc;
    }
    rc = ry_txn_commit(&txn);
    if (!rc)
        ry_info(NULL, "case indexes built");
    return rc;
}

/* ------------------------------------------------------------ listing */

typedef struct {
    size_t skip; /* bytes of the key before the case id */
    const char *name; /* by_state's SUBMITTED rows: the org or unit to */
    bool by_org;      /* keep (s_sub_names); NULL: every row */
    const char *after;
    intake_id_fn fn;
    void *arg;
    int64_t now;
    char (*ids)[INTAKE_ID_LEN + 1]; /* overdue: collected, then sorted */
    size_t n, cap;
} s_cand_t;

/* Whether a SUBMITTED row of by_state (value org \0 unit) may be a case
 * of c->name: yes when it names it, or names nothing (the caller checks
 * each case it loads). */
static bool
s_sub_names(const s_cand_t *c, const ry_val_t *val)
{
    if (!c->name || !val->len)
        return true;
    const char *v = val->data, *z = memchr(v, '\0', val->len);
    if (!z)
        return true;
    size_t ol = (size_t)(z - v);
    const char *n = c->by_org ? v : z + 1;
    size_t nl = c->by_org ? ol : val->len - ol - 1;
    return strlen(c->name) == nl && memcmp(c->name, n, nl) == 0;
}

static int
s_cand_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_cand_t *c = arg;
    if (key->len != c->skip + INTAKE_ID_LEN || !s_sub_names(c, val))
        return 0;
    char id[INTAKE_ID_LEN + 1];
    memcpy(id, (const char *)key->data + c->skip, INTAKE_ID_LEN);
    id[INTAKE_ID_LEN] = '\0';
    if (!intake_is_empty(c->after) && strcmp(id, c->after) <= 0)
        return 0;
    return c->fn(id, c->arg);
}

static void
s_cand_keep(s_cand_t *c, const char *id)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 64;
        c->ids = realloc(c->ids, c->cap * sizeof *c->ids);
        if (!c->ids)
            abort();
    }
    memcpy(c->ids[c->n], id, INTAKE_ID_LEN);
    c->ids[c->n++][INTAKE_ID_LEN] = '\0';
}

/* A SUBMITTED row of by_state that may be a case of c->name. */
static int
s_cand_submitted(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_cand_t *c = arg;
    if (key->len == 1 + INTAKE_ID_LEN && s_sub_names(c, val))
        s_cand_keep(c, (const char *)key->data + 1);
    return 0;
}

/* Takes the SUBMITTED cases out of by_org_state and by_unit_state, where
 * earlier versions kept them, and gives their by_state rows the org and
 * unit (s_index_keys), once, in one transaction ("meta"
 * case_indexes_submitted marks it done). Reads only the SUBMITTED range of
 * by_state. */
static int
s_index_submitted(ry_store_t *store)
{
    ry_txn_t *txn;
    int rc = ry_txn_begin(store, NULL, true, &txn);
    if (rc)
        return rc;
    rc = s_marked(txn, S_SUBMITTED_MARK);
    if (rc != RY_ENOTFOUND) {
        ry_txn_abort(&txn);
        return rc;
    }
    s_cand_t ids = {0}; /* no name: every SUBMITTED row */
    uint8_t st = (uint8_t)RONGYU__CASE_STATE__SUBMITTED;
    rc = ry_txn_scan(txn, "by_state", &st, 1, NULL, 0, s_cand_submitted, &ids);
    s_ikeys_t *k = malloc(sizeof *k);
    if (!k)
        abort();
    for (size_t i = 0; !rc && i < ids.n; i++) {
        const char *id = ids.ids[i];
        ry_val_t row;
        rc = ry_txn_get(txn, "cases", id, INTAKE_ID_LEN, &row);
        if (rc == RY_ENOTFOUND) {
            rc = 0; /* a row left over: intake_cases_index_check says so */
            continue;
        }
        Rongyu__Case *c =
            rc ? NULL : s_case_decode(id, INTAKE_ID_LEN, row.data, row.len);
        if (!c) {
            rc = rc ? rc : RY_EIO;
            break;
        }
        const Rongyu__Application *a = c->application;
        const char *names[2] = {a ? a->applicant_org : "",
                                a ? a->organising_unit : ""};
        for (int j = 0; j < 2 && !rc; j++) {
            size_t kl = s_ikey(k->key[0], names[j], st, id);
            if (!kl)
                continue;
            rc = ry_txn_del(txn, s_ix_tables[S_IX_ORG_ST + j], k->key[0], kl);
            if (rc == RY_ENOTFOUND)
                rc = 0;
        }
        s_index_keys(c, k);
        size_t vl;
        const void *val = s_ix_val(k, S_IX_STATE, &vl);
        if (!rc && c->state == RONGYU__CASE_STATE__SUBMITTED)
            rc = ry_txn_put(txn, "by_state", k->key[S_IX_STATE],
                            k->len[S_IX_STATE], val, vl, 0);
        ry_pb_free(&c);
    }
    free(k);
    free(ids.ids);
    if (!rc)
        rc = s_mark(txn, S_SUBMITTED_MARK);
    if (rc) {
        ry_txn_abort(&txn);
        return rc;
    }
    rc = ry_txn_commit(&txn);
    if (!rc && ids.n)
        ry_info(NULL,
                "%zu submitted cases now indexed by state alone (by_state "
                "names their org and unit)",
                ids.n);
    return rc;
}

static int
s_cand_due(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    s_cand_t *c = arg;
    if (key->len != 8 + INTAKE_ID_LEN)
        return 0;
    if ((int64_t)ry_be64_get(key->data) >= c->now)
        return 1; /* due from now on: not overdue, nor any after it */
    s_cand_keep(c, (const char *)key->data + 8);
    return 0;
}

/* A row of by_org_state or by_unit_state under name \0, in any state. */
static int
s_cand_any_state(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    s_cand_t *c = arg;
    if (key->len == c->skip + 1 + INTAKE_ID_LEN)
        s_cand_keep(c, (const char *)key->data + c->skip + 1);
    return 0;
}

static int
s_id_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Gives fn the ids c kept, sorted, each once, those after 'after', and
 * frees them. Returns 0 (also when fn stopped with 1) or fn's negative
 * code. */
static int
s_cand_give(s_cand_t *c, const char *after, intake_id_fn fn, void *arg)
{
    int rc = 0;
    if (c->n) /* none: no array at all */
        qsort(c->ids, c->n, sizeof *c->ids, s_id_cmp);
    for (size_t i = 0; !rc && i < c->n; i++)
        if ((i == 0 || strcmp(c->ids[i], c->ids[i - 1]) != 0) &&
            (intake_is_empty(after) || strcmp(c->ids[i], after) > 0))
            rc = fn(c->ids[i], arg);
    free(c->ids);
    return rc < 0 ? rc : 0;
}

/* intake_id_fn: keeps the id in the s_cand_t arg. */
static int
s_cand_gather(const char *id, void *arg)
{
    s_cand_keep(arg, id);
    return 0;
}

int
intake_cases_candidates(ry_txn_t *txn, const intake_case_filter_t *f,
                        const char *after, intake_id_fn fn, void *arg)
{
    if (f->n_applicants) {
        intake_case_filter_t one = *f;
        one.applicants = NULL;
        one.n_applicants = 0;
        if (f->overdue) {
            /* by_due names no org: one scan gives every applicant's. */
            one.applicant_org = NULL;
            return intake_cases_candidates(txn, &one, after, fn, arg);
        }
        /* Each applicant's candidates, then all of them in id order. */
        s_cand_t all = {0};
        int rc = 0;
        for (size_t i = 0; !rc && i < f->n_applicants; i++) {
            one.applicant_org = f->applicants[i];
            rc = intake_cases_candidates(txn, &one, after, s_cand_gather, &all);
        }
        if (rc) {
            free(all.ids);
            return rc;
        }
        return s_cand_give(&all, after, fn, arg);
    }
    s_cand_t c = {.after = after, .fn = fn, .arg = arg, .now = f->now};
    const char *name = !intake_is_empty(f->applicant_org) ? f->applicant_org
                       : !intake_is_empty(f->organising_unit)
                           ? f->organising_unit
                           : NULL;
    bool by_org = !intake_is_empty(f->applicant_org);
    /* SUBMITTED cases are in by_state alone (s_index_keys). */
    bool sub = name && f->state == RONGYU__CASE_STATE__SUBMITTED;
    const char *table = "cases";
    if (name && !sub)
        table = by_org ? "by_org_state" : "by_unit_state";
    else if (f->state)
        table = "by_state";
    uint8_t prefix[INTAKE_IKEY_MAX + 64];
    size_t plen = 0;
    if (name) {
        plen = strlen(name) + 1;
        if (plen > INTAKE_IKEY_MAX - INTAKE_ID_LEN - 1)
            return RY_EINVAL;
        memcpy(prefix, name, plen);
        c.name = name;
        c.by_org = by_org;
    }
    if (sub)
        plen = 0;
    if (f->overdue || (name && !f->state)) {
        /* The ids of a range not in id order (by due date; by state,
         * then id): gathered, sorted, then given in order. */
        int rc;
        if (f->overdue) {
            rc = ry_txn_scan(txn, "by_due", NULL, 0, NULL, 0, s_cand_due, &c);
        } else {
            c.skip = plen;
            rc = ry_txn_scan(txn, table, prefix, plen, NULL, 0,
                             s_cand_any_state, &c);
            uint8_t st = (uint8_t)RONGYU__CASE_STATE__SUBMITTED;
            if (!rc)
                rc = ry_txn_scan(txn, "by_state", &st, 1, NULL, 0,
                                 s_cand_submitted, &c);
        }
        if (rc) {
            free(c.ids);
            return rc;
        }
        return s_cand_give(&c, after, fn, arg);
    }
    if (f->state)
        prefix[plen++] = (uint8_t)f->state;
    c.skip = plen;
    size_t flen = plen;
    if (!intake_is_empty(after) && strlen(after) <= 64) {
        memcpy(prefix + plen, after, strlen(after));
        flen += strlen(after);
    }
    return ry_txn_scan(txn, table, prefix, plen, flen ? prefix : NULL, flen,
                       s_cand_row, &c);
}

int
intake_cases_audit_seq(ry_txn_t *txn, const char *case_id, uint64_t *seq)
{
    uint8_t prefix[INTAKE_ID_LEN + 1];
    memcpy(prefix, case_id, INTAKE_ID_LEN);
    prefix[INTAKE_ID_LEN] = '\0';
    ry_val_t lk, lv;
    *seq = 0;
    int rc = ry_txn_last(txn, "audit", prefix, sizeof prefix, &lk, &lv);
    if (rc == 0 && lk.len == sizeof prefix + 8)
        *seq = ry_be64_get((const uint8_t *)lk.data + sizeof prefix);
    return rc == RY_ENOTFOUND ? 0 : rc;
}

_Static_assert(sizeof((intake_outcome_t *)0)->audit_case == INTAKE_ID_LEN + 1,
               "an outcome's audit_case holds a case id");

/* Appends an audit entry to case_id's. A new case ('fresh': its id never
 * stored before, s_next_id) has none yet, so its first is number 1 without
 * a look. The entry's number goes into o (NULL: nowhere). */
static int
s_audit(ry_txn_t *txn, const char *case_id, bool fresh, const char *actor,
        Rongyu__CaseState from, Rongyu__CaseState to, const char *what,
        const char *opinion, int64_t at, intake_outcome_t *o)
{
    uint8_t key[INTAKE_ID_LEN + 1 + 8];
    memcpy(key, case_id, INTAKE_ID_LEN);
    key[INTAKE_ID_LEN] = '\0';
    uint64_t n = 0;
    int rc = fresh ? 0 : intake_cases_audit_seq(txn, case_id, &n);
    if (rc)
        return rc;
    ry_be64_put(key + INTAKE_ID_LEN + 1, ++n);
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
    rc = ry_txn_put(txn, "audit", key, sizeof key, buf, len, RY_PUT_APPEND);
    free(buf);
    if (rc == 0 && o) {
        memcpy(o->audit_case, case_id, INTAKE_ID_LEN);
        o->audit_case[INTAKE_ID_LEN] = '\0';
        o->audit_seq = n;
    }
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

/* The application field (4) of an encoded Case and its revision (2). */
static int
s_row_application(const ry_val_t *row, uint32_t *rev, ry_val_t *app)
{
    size_t pos = 0;
    ry_pb_field_t f;
    int more;
    *rev = 0;
    app->data = NULL;
    app->len = 0;
    while ((more = ry_pb_next(row->data, row->len, &pos, &f)) == 1) {
        if (f.number == S_CASE_REVISION && f.wire == 0)
            *rev = (uint32_t)f.varint;
        else if (f.number == S_CASE_APP && f.wire == 2)
            *app = (ry_val_t){(void *)f.val, f.vlen};
    }
    return more == 0 && app->data ? 0 : RY_EIO;
}

/* ------------------------------------------- applications kept apart
 *
 * A case's application is stored in two parts: its row holds the head's
 * fields (S_APP_HEAD), all that the readers of lists, waits and indexes
 * read, and "apps" holds the others, under case id + be32 revision: the
 * two together, head then the rest, are the application's bytes as
 * stored (intake_digest), since no field is in both. A transition (a
 * verdict, a review) then rewrites a row of about a hundred bytes,
 * whatever the size of the application, which is written once. The two
 * are written in the same transaction. A row stored by an earlier
 * version holds its application whole and has no "apps" row: it is read
 * as it is, and its application is parted when it is next packed again.
 * Earlier revisions keep theirs whole in "revisions" (s_archive). */

/* Parts the application bytes 'app': the fields in S_APP_HEAD, as they
 * are, into *head (a new buffer, the caller's, of *hlen bytes), the
 * others into *rest (rlen bytes, in the same buffer: freeing *head frees
 * both). Returns 0, or RY_EIO when the bytes do not read to their end
 * (*head is set all the same). */
static int
s_app_split(const ry_val_t *app, uint8_t **head, size_t *hlen, uint8_t **rest,
            size_t *rlen)
{
    uint8_t *out = malloc(2 * app->len + 1);
    if (!out)
        abort();
    size_t pos = 0, n[2] = {0, 0};
    uint8_t *to[2] = {out, out + app->len};
    ry_pb_field_t f;
    int more;
    while ((more = ry_pb_next(app->data, app->len, &pos, &f)) == 1) {
        int k = !(f.number < 64 && (S_APP_HEAD >> f.number & 1));
        memcpy(to[k] + n[k], f.start, f.n);
        n[k] += f.n;
    }
    *head = out;
    *hlen = n[0];
    *rest = to[1];
    *rlen = n[1];
    return more == 0 ? 0 : RY_EIO;
}

/* Stores the application 'app' of revision 'rev' of a case in its two
 * parts: the rest in "apps" (unless it holds those bytes already; a
 * 'fresh' case has none there), and the head into *head, *hlen, for the
 * row (the caller frees *head). Returns 0 or a store error. */
static int
s_app_apart_put(ry_txn_t *txn, const char *case_id, uint32_t rev,
                const ry_val_t *app, bool fresh, uint8_t **head, size_t *hlen)
{
    uint8_t key[INTAKE_ID_LEN + 4];
    s_revision_key(case_id, rev, key);
    /* Parted first: a write may move what 'app' points to when it was
     * read from this store. */
    uint8_t *rest;
    size_t rlen;
    if (s_app_split(app, head, hlen, &rest, &rlen) != 0) {
        ry_error(case_id,
                 "revision %u: an application that does not read "
                 "to its end is not stored",
                 rev);
        return RY_EIO;
    }
    ry_val_t was;
    int rc =
        fresh ? RY_ENOTFOUND : ry_txn_get(txn, "apps", key, sizeof key, &was);
    if (rc == 0 && was.len == rlen && memcmp(was.data, rest, rlen) == 0)
        return 0;
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    return ry_txn_put(txn, "apps", key, sizeof key, rest, rlen,
                      rc == RY_ENOTFOUND ? RY_PUT_APPEND : 0);
}

/* The rest of the application of revision 'rev' of case_id kept apart,
 * its bytes in txn's memory: 0, RY_ENOTFOUND (none: a row of an earlier
 * version holds its application whole) or RY_EIO. */
static int
s_app_apart(ry_txn_t *txn, const char *case_id, uint32_t rev, ry_val_t *out)
{
    uint8_t key[INTAKE_ID_LEN + 4];
    s_revision_key(case_id, rev, key);
    return ry_txn_get(txn, "apps", key, sizeof key, out);
}

/* The whole application of a row whose part is 'own' (read at revision
 * 'rev'): own alone, or own followed by the rest kept apart, in a new
 * buffer set in *owned (NULL when own is whole). Returns 0 or a store
 * error. */
static int
s_app_whole(ry_txn_t *txn, const char *case_id, uint32_t rev,
            const ry_val_t *own, ry_val_t *out, uint8_t **owned)
{
    *owned = NULL;
    *out = *own;
    ry_val_t rest;
    int rc = s_app_apart(txn, case_id, rev, &rest);
    if (rc)
        return rc == RY_ENOTFOUND ? 0 : rc;
    uint8_t *b = malloc(own->len + rest.len + 1);
    if (!b)
        abort();
    memcpy(b, own->data, own->len);
    memcpy(b + own->len, rest.data, rest.len);
    *owned = b;
    *out = (ry_val_t){b, own->len + rest.len};
    return 0;
}

/* Makes *row, the row of case_id, whole: when a part of its application
 * is kept apart, *row becomes the row's other fields followed by the
 * whole application, in a buffer set in *owned (the caller frees it;
 * NULL when the row was whole). Returns 0 or a store error. */
static int
s_row_join(ry_txn_t *txn, const char *case_id, ry_val_t *row, uint8_t **owned)
{
    *owned = NULL;
    ry_val_t own, app;
    uint32_t rev;
    uint8_t *whole;
    if (strlen(case_id) != INTAKE_ID_LEN ||
        s_row_application(row, &rev, &own) != 0)
        return 0; /* read as it is: the decoder says what is wrong */
    int rc = s_app_whole(txn, case_id, rev, &own, &app, &whole);
    if (rc || !whole)
        return rc;
    uint8_t *b = malloc(row->len + app.len + 16);
    if (!b)
        abort();
    size_t n = 0, pos = 0;
    ry_pb_field_t f;
    while (ry_pb_next(row->data, row->len, &pos, &f) == 1)
        if (f.number != S_CASE_APP) {
            memcpy(b + n, f.start, f.n);
            n += f.n;
        }
    ry_pb_put_bytes(b, &n, S_CASE_APP, app.data, app.len);
    free(whole);
    *owned = b;
    *row = (ry_val_t){b, n};
    return 0;
}

int
intake_cases_application_check(ry_txn_t *txn, const char *case_id, char *why,
                               size_t len)
{
    if (len)
        why[0] = '\0';
    ry_val_t row, own, rest;
    uint32_t rev;
    if (strlen(case_id) != INTAKE_ID_LEN)
        return RY_ENOTFOUND;
    int rc = ry_txn_get(txn, "cases", case_id, INTAKE_ID_LEN, &row);
    if (rc)
        return rc;
    if (s_row_application(&row, &rev, &own) != 0) {
        snprintf(why, len, "case %s: its row holds no application", case_id);
        return RY_EIO;
    }
    rc = s_app_apart(txn, case_id, rev, &rest);
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    /* Kept apart: the row holds the head alone, "apps" none of it; else
     * (a row of an earlier version) the row holds more than the head. */
    uint8_t *head, *part;
    size_t hlen, plen;
    bool ok = s_app_split(&own, &head, &hlen, &part, &plen) == 0;
    free(head);
    ok = ok && (rc == RY_ENOTFOUND ? plen > 0 : plen == 0);
    if (ok && rc == 0) {
        ok = s_app_split(&rest, &head, &hlen, &part, &plen) == 0;
        free(head);
        ok = ok && hlen == 0;
    }
    if (ok)
        return 0;
    snprintf(why, len,
             rc == RY_ENOTFOUND
                 ? "case %s: revision %u's application is neither in its row "
                   "nor kept apart (its row holds the head alone)"
                 : "case %s: revision %u's application is not parted as "
                   "stored (head in the row, the rest apart)",
             case_id, rev);
    return RY_EIO;
}

int
intake_cases_application_bytes(ry_txn_t *txn, const char *case_id, uint32_t rev,
                               ry_val_t *out, uint8_t **owned)
{
    *owned = NULL;
    if (strlen(case_id) != INTAKE_ID_LEN)
        return RY_ENOTFOUND;
    ry_val_t row, own;
    uint32_t at;
    int rc = ry_txn_get(txn, "cases", case_id, INTAKE_ID_LEN, &row);
    if (!rc)
        rc = s_row_application(&row, &at, &own);
    if (!rc && at == rev)
        return s_app_whole(txn, case_id, rev, &own, out, owned);
    if (rc)
        return rc;
    uint8_t key[INTAKE_ID_LEN + 4];
    s_revision_key(case_id, rev, key);
    rc = ry_txn_get(txn, "revisions", key, sizeof key, &row);
    return rc ? rc : s_row_application(&row, &at, out);
}

int
intake_cases_load_revision(ry_txn_t *txn, const char *case_id, uint32_t rev,
                           Rongyu__Case **out)
{
    uint8_t key[INTAKE_ID_LEN + 4];
    s_revision_key(case_id, rev, key);
    return s_case_get(txn, "revisions", key, sizeof key, NULL, out);
}

/* "superseded" keys: case id + be32 revision + be64 the case's last audit
 * entry while the application was in force. */
#define S_SUPERSEDED_KEY (INTAKE_ID_LEN + 4 + 8)

int
intake_cases_supersede(ry_txn_t *txn, const Rongyu__Case *stored,
                       const Rongyu__Application *next)
{
    if (strlen(stored->case_id) != INTAKE_ID_LEN || !stored->application)
        return 0;
    size_t olen, nlen;
    uint8_t *old = ry_pb_pack(&stored->application->base, &olen);
    uint8_t *now = ry_pb_pack(&next->base, &nlen);
    bool same = olen == nlen && memcmp(old, now, olen) == 0;
    free(now);
    uint64_t seq = 0;
    int rc = same ? 0 : intake_cases_audit_seq(txn, stored->case_id, &seq);
    if (!same && !rc) {
        uint8_t key[S_SUPERSEDED_KEY];
        s_revision_key(stored->case_id, stored->revision, key);
        ry_be64_put(key + INTAKE_ID_LEN + 4, seq);
        rc = ry_txn_put(txn, "superseded", key, sizeof key, old, olen, 0);
    }
    free(old);
    return rc;
}

typedef struct {
    Rongyu__Application *app;
} s_superseded_t;

static int
s_superseded_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_superseded_t *s = arg;
    if (key->len != S_SUPERSEDED_KEY)
        return 0;
    s->app = (Rongyu__Application *)ry_pb_unpack(
        &rongyu__application__descriptor, val->data, val->len, 0);
    return s->app ? 1 : RY_EIO;
}

int
intake_cases_load_as_of(ry_txn_t *txn, const char *case_id, uint32_t rev,
                        uint64_t seq, Rongyu__Case **out)
{
    *out = NULL;
    if (strlen(case_id) != INTAKE_ID_LEN)
        return RY_ENOTFOUND;
    Rongyu__Case *cur = NULL, *old = NULL;
    int rc = intake_cases_load(txn, case_id, &cur);
    if (rc)
        return rc;
    /* The first application replaced after entry 'seq' was the one then
     * in force; with none, the revision's last one. */
    uint8_t from[S_SUPERSEDED_KEY];
    s_revision_key(case_id, rev, from);
    ry_be64_put(from + INTAKE_ID_LEN + 4, seq);
    s_superseded_t s = {NULL};
    rc = ry_txn_scan(txn, "superseded", from, INTAKE_ID_LEN + 4, from,
                     sizeof from, s_superseded_row, &s);
    if (!rc && !s.app && rev != cur->revision)
        rc = intake_cases_load_revision(txn, case_id, rev, &old);
    if (!rc && (s.app || old)) {
        Rongyu__Case k = *cur;
        k.application = s.app ? s.app : old->application;
        size_t len;
        uint8_t *buf = ry_pb_pack(&k.base, &len);
        *out = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor, buf,
                                            len, 0);
        free(buf);
        rc = *out ? 0 : RY_EIO;
    } else if (!rc) {
        *out = cur;
        cur = NULL;
    }
    ry_pb_free(&s.app);
    ry_pb_free(&old);
    ry_pb_free(&cur);
    return rc;
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
        if (ry_verdict_expand(v.data, v.len, c->application, &c->verdict))
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

int
intake_cases_tell(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Case *c,
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
    /* A draft's posting is followed against the deadline intake knows:
     * a unit's extension is kept here alone. */
    char dl[RY_DATE_STRLEN] = "";
    ry_date_t d;
    if (c->state == RONGYU__CASE_STATE__DRAFT) {
        int drc = intake_posting_deadline(self, txn, a, INT64_MAX, &d);
        if (drc && drc != RY_ENOTFOUND)
            return drc;
        if (!drc)
            ry_date_format(d, dl, sizeof dl);
    }
    ev.posting_deadline = dl;
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

/* The states in which a case stands put forward to the city: those of
 * the summary tables (docs/review.md). */
static const Rongyu__CaseState s_forward[] = {
    RONGYU__CASE_STATE__RECOMMENDING, RONGYU__CASE_STATE__RECOMMENDED,
    RONGYU__CASE_STATE__SELECTING, RONGYU__CASE_STATE__AWARDED,
    RONGYU__CASE_STATE__NOT_SELECTED};

static bool
s_text_eq(const char *x, const char *y)
{
    return strcmp(x ? x : "", y ? y : "") == 0;
}

/* True when nominations a and b name the same person (name, month of
 * birth, employer). */
static bool
s_same_person(const Rongyu__Application *a, const Rongyu__Application *b)
{
    const Rongyu__Person *p = a->person, *q = b->person;
    return p && q && s_text_eq(p->name, q->name) &&
           s_text_eq(p->birth_month, q->birth_month) &&
           s_text_eq(p->employer, q->employer);
}

/* True when applications a and b put forward the same thing: the same
 * honour in the same campaign, and for a nomination the same person. */
static bool
s_same_candidate(const Rongyu__Application *a, const Rongyu__Application *b)
{
    if (a->honour != b->honour || !s_text_eq(a->campaign_id, b->campaign_id))
        return false;
    return a->honour != RONGYU__HONOUR__EXCELLENT_WORKER || s_same_person(a, b);
}

/* True when b, awarded, excludes a (the notice: a unit or person holding
 * a city honour does not apply again): b is of another campaign, and both
 * are a union's homes, or both nominate the same person. */
static bool
s_excluded_by(const Rongyu__Application *a, const Rongyu__Application *b)
{
    if (s_text_eq(a->campaign_id, b->campaign_id))
        return false;
    bool ew = a->honour == RONGYU__HONOUR__EXCELLENT_WORKER;
    if (ew != (b->honour == RONGYU__HONOUR__EXCELLENT_WORKER))
        return false;
    return !ew || s_same_person(a, b);
}

typedef struct {
    ry_txn_t *txn;
    const Rongyu__Application *a;
    bool (*match)(const Rongyu__Application *a, const Rongyu__Application *b);
    char twin[INTAKE_ID_LEN + 1];
    Rongyu__CaseState twin_state;
    char *campaign; /* the twin's, malloc'd */
} s_twin_t;

static int
s_twin_id(const char *id, void *arg)
{
    s_twin_t *w = arg;
    Rongyu__Case *o;
    int rc = intake_cases_load(w->txn, id, &o);
    if (rc)
        return rc == RY_ENOTFOUND ? 0 : rc;
    /* The index may name a case in another state: check what is stored. */
    bool same = o->application && o->state == w->twin_state &&
                w->match(w->a, o->application);
    if (same) {
        snprintf(w->twin, sizeof w->twin, "%s", id);
        w->campaign = strdup(o->application->campaign_id);
        if (!w->campaign)
            abort();
    }
    ry_pb_free(&o);
    return same ? 1 : 0;
}

/* Finds, among the cases of w->a's applicant (for a nomination, of its
 * organising unit: the same person may be named by another union) in the
 * n states 'states' (intake_cases_candidates: a handful in these states),
 * the first that w->match pairs with w->a: sets w->twin (else "") and
 * w->twin_state. Returns 0 or a store error. */
static int
s_twin_find(s_twin_t *w, const Rongyu__CaseState *states, size_t n)
{
    bool ew = w->a->honour == RONGYU__HONOUR__EXCELLENT_WORKER;
    intake_case_filter_t f = {.applicant_org = ew ? NULL : w->a->applicant_org,
                              .organising_unit =
                                  ew ? w->a->organising_unit : NULL};
    w->twin[0] = '\0';
    int rc = 0;
    for (size_t i = 0; !rc && i < n && !w->twin[0]; i++) {
        f.state = w->twin_state = states[i];
        rc = intake_cases_candidates(w->txn, &f, NULL, s_twin_id, w);
    }
    return rc;
}

static int
s_send_validate(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Case *c)
{
    Rongyu__ValidateCase vc = RONGYU__VALIDATE_CASE__INIT;
    vc.case_id = c->case_id;
    vc.revision = c->revision;
    /* The application stays in the case's row: the relay puts it in as
     * the message goes out (intake_relay). */
    vc.submitted_at_ms = c->submitted_at_ms;
    vc.applicant_kind = intake_orgs_kind(txn, c->application->applicant_org);
    /* The notice's exclusion, from what intake itself awarded: a union's
     * homes; a person, whichever union of the unit named them. */
    static const Rongyu__CaseState awarded[] = {RONGYU__CASE_STATE__AWARDED};
    s_twin_t w = {.txn = txn, .a = c->application, .match = s_excluded_by};
    int rc = s_twin_find(&w, awarded, 1);
    if (!rc && w.twin[0]) {
        vc.awarded_case = w.twin;
        vc.awarded_campaign = w.campaign;
    }
    /* A nomination is in time until its unit's deadline, which only
     * intake knows when the city extended it (R_DEADLINE). */
    const ry_campaign_t *camp =
        ry_campaigns_find(self->campaigns, c->application->campaign_id);
    char until[RY_DATE_STRLEN] = "";
    if (!rc && camp &&
        c->application->honour == RONGYU__HONOUR__EXCELLENT_WORKER) {
        ry_date_t last;
        bool extended;
        rc = intake_deadline_for(txn, camp, c->application->organising_unit,
                                 &last, &extended);
        if (!rc && extended)
            ry_date_format(last, until, sizeof until);
    }
    vc.unit_deadline = until;
    if (!rc)
        rc = ry_channel_send_msg(self->channel, txn, "validation",
                                 RONGYU__MESSAGE_TYPE__VALIDATE_CASE,
                                 c->case_id, &vc.base);
    free(w.campaign);
    return rc;
}

/* ------------------------------------------------------------ authority */

int
intake_cases_allow(ry_txn_t *txn, const intake_principal_t *p,
                   intake_action_t act, const Rongyu__Application *a,
                   intake_outcome_t *o)
{
    char why[400] = "";
    int rc = intake_authorize(txn, p, act, a, why, sizeof why);
    if (rc == RY_EPERM)
        return intake_outcome_fail(o, RONGYU__ERROR_CODE__E_FORBIDDEN, "%s", why);
    return rc;
}

/* ------------------------------------------------------------ submit */

/* Checks the shape every stored application must have, that it names a
 * campaign intake has (a case of any other could never be judged), and
 * that its counts and years are within their bounds (intake_bounds). */
static int
s_check_shape(const intake_cases_t *self, const Rongyu__Application *a,
              bool draft, intake_outcome_t *o)
{
    if (!a)
        return intake_outcome_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "application");
    if (intake_is_empty(a->campaign_id))
        return intake_outcome_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "application.campaign_id");
    if (intake_is_empty(a->applicant_org))
        return intake_outcome_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "application.applicant_org");
    if (!draft && a->honour == RONGYU__HONOUR__HONOUR_UNSPECIFIED)
        return intake_outcome_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                 "application.honour");
    if (!draft && intake_is_empty(a->organising_unit))
        return intake_outcome_fail(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                   "application.organising_unit");
    const ry_campaign_t *c = ry_campaigns_find(self->campaigns, a->campaign_id);
    if (!c)
        return intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_NOT_FOUND, "application.campaign_id",
            "没有评选活动「%s」。There is no campaign '%s'.", a->campaign_id,
            a->campaign_id);
    return intake_bounds_check(a, ry_campaign_year(c), o);
}

static int
s_busy(intake_cases_t *self, ry_txn_t *txn, const char *peer,
       intake_outcome_t *o)
{
    bool full;
    int rc =
        ry_outbox_depth_reaches(txn, peer, self->limits.outbox_limit, &full);
    uint64_t depth = 0;
    if (!rc && full)
        rc = ry_outbox_depth(txn, peer, &depth); /* for the message */
    if (rc)
        return rc;
    if (full) {
        o->retry_after_ms = 1000;
        return intake_outcome_fail(o, RONGYU__ERROR_CODE__E_BUSY,
                                   "%" PRIu64
                                   " 条消息在等待发往 %s（至多 %u 条："
                                   "outbox_limit），请稍后重试。%" PRIu64
                                   " messages wait for %s (at most "
                                   "%u: outbox_limit)",
                                   depth, peer, self->limits.outbox_limit,
                                   depth, peer, self->limits.outbox_limit);
    }
    return 0;
}

int
intake_cases_busy(intake_cases_t *self, ry_txn_t *txn, const char *peer,
                  intake_outcome_t *o)
{
    return s_busy(self, txn, peer, o);
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

/* Keeps revision c->revision of a case before a new one replaces it:
 * "revisions" holds case id + be32 revision -> the packed Case. */
static int
s_archive(ry_txn_t *txn, const Rongyu__Case *c)
{
    uint8_t key[INTAKE_ID_LEN + 4];
    s_revision_key(c->case_id, c->revision, key);
    size_t len;
    uint8_t *buf;
    int rc = s_case_pack(txn, c, S_APP_PACKED, NULL, false, false, &buf, &len);
    if (rc)
        return rc;
    rc = ry_txn_put(txn, "revisions", key, sizeof key, buf, len, 0);
    free(buf);
    /* Whole in "revisions" now: the copy kept apart goes. */
    if (!rc && (rc = ry_txn_del(txn, "apps", key, sizeof key)) == RY_ENOTFOUND)
        rc = 0;
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

/* Asks quota for a seat operation on c's pool, in txn; E_BUSY (-1)
 * when too many messages already wait for quota. */
static int
s_send_seat(intake_cases_t *self, ry_txn_t *txn, const Rongyu__Case *c,
            Rongyu__SeatOp op, intake_outcome_t *o)
{
    int brc = s_busy(self, txn, "quota", o);
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
    return ry_channel_send_msg(self->channel, txn, "quota",
                               RONGYU__MESSAGE_TYPE__SEAT_REQUEST, c->case_id,
                               &sr.base);
}

/* ------------------------------------------------------------ transitions */

/* One step of a case through a row of intake_fsm. */
typedef struct {
    const intake_principal_t *p; /* the client acting; NULL for a peer */
    const char *actor;
    const char *what;    /* the audit's; NULL: the row's */
    const char *opinion;
    const char *notify;  /* the CaseEvent's; NULL: the row's */
    const Rongyu__Case *stored; /* as stored before; NULL: a new case */
    intake_outcome_t *o;   /* a client's refusal (deadline, E_BUSY) */
    bool verdict_kept;     /* c->verdict is already in "verdicts" */
    s_app_t app;           /* how the application is stored: a peer's
                              answer keeps the row's (s_case_put) */
    const ry_val_t *read;  /* the application's bytes to store as they
                              are (read with c, or made from the
                              request), or NULL (s_case_pack) */
} s_step_t;

/* The facts about c that choose a row (intake_fsm). */
static unsigned
s_facts(const Rongyu__Case *c)
{
    char pool[400];
    unsigned f = 0;
    if (c->application && intake_seats_pool(c->application, pool, sizeof pool))
        f |= INTAKE_F_SEAT;
    if (c->revision > 1)
        f |= INTAKE_F_REVISED;
    return f;
}

/* The row of event ev for c with 'facts'; -1 after E_BAD_STATE (case X is
 * S; why) when ev is refused in c's state. */
static int
s_find(intake_outcome_t *o, const Rongyu__Case *c, intake_event_t ev,
       unsigned facts, const intake_fsm_row_t **row)
{
    *row = intake_fsm_find(c->state, ev, facts);
    if (*row && !(*row)->refuse)
        return 0;
    const intake_fsm_refusal_t *why =
        *row ? (*row)->refuse : &intake_fsm_event(ev)->refuse;
    return intake_outcome_fail(o, RONGYU__ERROR_CODE__E_BAD_STATE,
                               "案件「%s」的状态为 %s：%s。case '%s' is %s; %s",
                               c->case_id, ry_names_state_zh(c->state), why->zh,
                               c->case_id, ry_names_state_en(c->state),
                               why->en);
}

/* INTAKE_FX_ONCE: a unit puts forward one case per applicant and honour
 * in a campaign, and one per person for nominations, whichever union
 * names them: a second would take a second seat, or a second row of the
 * summary table. Reads the applicant's (the unit's) cases in the forward
 * states, a handful.
 * Returns 0, -1 after intake_outcome_fail (E_DUPLICATE, naming the case
 * put forward) or a store error. */
static int
s_once(ry_txn_t *txn, const Rongyu__Case *c, intake_outcome_t *o)
{
    const Rongyu__Application *a = c->application;
    s_twin_t w = {.txn = txn, .a = a, .match = s_same_candidate};
    int rc = s_twin_find(&w, s_forward, sizeof s_forward / sizeof s_forward[0]);
    free(w.campaign);
    if (rc || !w.twin[0])
        return rc;
    bool ew = a->honour == RONGYU__HONOUR__EXCELLENT_WORKER;
    return intake_outcome_fail(
        o, RONGYU__ERROR_CODE__E_DUPLICATE,
        "%s已由案件 %s 推荐（%s），同一活动中不能再推荐一次。"
        "%s already put forward by case %s (%s) in this campaign: "
        "it cannot be put forward twice",
        ew ? "同一人选" : "同一申报单位的同一荣誉", w.twin,
        ry_names_state_zh(w.twin_state),
        ew ? "the same nominee is" : "this applicant's honour is", w.twin,
        ry_names_state_en(w.twin_state));
}

/* Applies row to c in txn: its effects in the order of intake_fsm.h, then
 * the new state stored with its index rows, the audit entry, ValidateCase
 * and the CaseEvent. c may be st->stored itself (changed in place). */
static int
s_apply(intake_cases_t *self, ry_txn_t *txn, Rongyu__Case *c,
        const intake_fsm_row_t *row, s_step_t *st)
{
    unsigned fx = row->effects;
    int64_t now = ry_clock_now_ms();
    const Rongyu__Application *a = c->application;
    const char *what = st->what ? st->what : row->what;
    char pool[400], wbuf[80];
    int rc = 0;
    if (fx & INTAKE_FX_DEADLINE && st->p && st->p->role == INTAKE_ROLE_UNIT &&
        (rc = intake_deadline_check(txn, self->campaigns, a, now, st->o)))
        return rc; /* after the unit's summary deadline: nothing changed */
    if (fx & INTAKE_FX_ONCE && (rc = s_once(txn, c, st->o)))
        return rc; /* put forward already: nothing changed */
    s_ikeys_t *before = malloc(sizeof *before);
    if (!before)
        abort();
    s_index_keys(st->stored, before);
    Rongyu__CaseState from = st->stored ? st->stored->state : 0;
    if (fx & INTAKE_FX_REVISE) {
        /* c is a new struct over the stored one's strings. */
        rc = s_archive(txn, st->stored);
        c->revision = st->stored->revision + 1;
        c->submitted_at_ms = 0;
        c->review_due_ms = 0;
        c->note = (char *)"";
        char rev[RY_STR_U64];
        ry_str_cat(wbuf, sizeof wbuf, what, " (revision ",
                   ry_str_u64(rev, c->revision), ")", (char *)NULL);
        what = wbuf;
    }
    if (fx & INTAKE_FX_DUE) {
        c->submitted_at_ms = now;
        c->review_due_ms = s_review_due(self, a->campaign_id, now);
    }
    if (fx & INTAKE_FX_NOTE_CLEAR)
        ry_pb_set_string(&c->note, NULL);
    if (fx & INTAKE_FX_NOTE_SET)
        ry_pb_set_string(&c->note, st->opinion);
    if (intake_seats_pool(a, pool, sizeof pool)) {
        const char *camp = a->campaign_id;
        if (!rc && fx & INTAKE_FX_RESERVE) {
            rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__RESERVE, st->o);
            if (!rc)
                rc = intake_seats_mark(txn, camp, pool, c->case_id,
                                       INTAKE_SEAT_PENDING);
        }
        if (!rc && fx & INTAKE_FX_CONFIRM)
            rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__CONFIRM, st->o);
        if (!rc && fx & INTAKE_FX_RELEASE)
            rc = s_send_seat(self, txn, c, RONGYU__SEAT_OP__RELEASE, st->o);
        if (!rc && fx & INTAKE_FX_HELD)
            rc = intake_seats_mark(txn, camp, pool, c->case_id,
                                   INTAKE_SEAT_RESERVED);
        if (!rc && fx & INTAKE_FX_TAKEN)
            rc = intake_seats_mark(txn, camp, pool, c->case_id,
                                   INTAKE_SEAT_CONFIRMED);
        if (!rc && fx & INTAKE_FX_FREED)
            rc = intake_seats_mark(txn, camp, pool, c->case_id, 0);
    }
    if (!rc) {
        c->state = row->to;
        c->updated_at_ms = now;
        Rongyu__Verdict *v = c->verdict;
        if (st->verdict_kept)
            c->verdict = NULL; /* stored as it came, not packed again */
        rc = s_case_put(txn, c, before, st->app, st->read);
        c->verdict = v;
        intake_wait_poke(self, c->case_id);
    }
    if (!rc)
        rc = s_audit(txn, c->case_id, !st->stored, st->actor, from, row->to,
                     what, st->opinion, now, st->o);
    if (!rc && fx & INTAKE_FX_VALIDATE)
        rc = s_send_validate(self, txn, c);
    if (!rc)
        rc = intake_cases_tell(self, txn, c,
                               st->notify ? st->notify : row->notify);
    free(before);
    return rc;
}

int
intake_cases_step(intake_cases_t *self, ry_txn_t *txn, Rongyu__Case *c,
                  intake_event_t ev, const intake_principal_t *p,
                  const char *actor, const char *what, const char *opinion,
                  intake_outcome_t *o)
{
    const intake_fsm_row_t *row;
    int rc = s_find(o, c, ev, s_facts(c), &row);
    if (rc)
        return rc;
    char abuf[512];
    s_step_t st = {
        .p = p,
        .actor = actor ? actor : intake_principal_actor(p, abuf, sizeof abuf),
        .what = what,
        .opinion = opinion,
        .stored = c,
        .o = o};
    return s_apply(self, txn, c, row, &st);
}

/* SubmitRequest.application and SaveDraftRequest.application
 * (rongyu.proto). */
enum { S_SUBMIT_APP = 1, S_DRAFT_APP = 2 };

/* The one field numbered 'number' of data[0..len) into *f: false when
 * there is none, or more than one (which a decoder merges), or the bytes
 * do not read. */
static bool
s_one_field(const uint8_t *data, size_t len, uint32_t number, ry_pb_field_t *f)
{
    size_t pos = 0, seen = 0;
    ry_pb_field_t g;
    int more;
    while ((more = ry_pb_next(data, len, &pos, &g)) == 1)
        if (g.number == number && seen++ == 0)
            *f = g;
    return more == 0 && seen == 1 && f->wire == 2;
}

/* The bytes of req's application as received, req having been decoded
 * from data[0..len): false when the body or its application is given
 * more than once (the decoder merged them), or no bytes came. */
static bool
s_app_received(const Rongyu__Request *req, const uint8_t *data, size_t len,
               ry_val_t *app)
{
    ry_pb_field_t body, f;
    bool submit = req->body_case == RONGYU__REQUEST__BODY_SUBMIT;
    if (!data || !s_one_field(data, len, (uint32_t)req->body_case, &body) ||
        !s_one_field(body.val, body.vlen, submit ? S_SUBMIT_APP : S_DRAFT_APP,
                     &f))
        return false;
    *app = (ry_val_t){f.val, f.vlen};
    return true;
}

/* Creates or replaces a case from an application along 'row': a new
 * submission, a new draft, a draft's new content, or (from a returned
 * case) a new revision that keeps the old one in "revisions". 'raw', when
 * not NULL, holds the application's bytes as received: the row stores
 * them as they came, but for the attachments' records. */
static int
s_store_application(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const intake_principal_t *p,
                    Rongyu__Application *a, const ry_val_t *raw,
                    Rongyu__Case *existing, const intake_fsm_row_t *row,
                    intake_outcome_t *o)
{
    char abuf[600];
    /* What is stored is a copy with its own attachment records: the
     * request itself stays as its decoder made it. */
    intake_attach_set_t stored = {0};
    int rc = intake_attach_take(txn, a, self->limits.max_attachment, &stored,
                                o);
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
    }
    c.application = &stored.app;
    /* Notification follows a draft's posting (intake_posting). */
    char pw[160];
    bool posted =
        row->to == RONGYU__CASE_STATE__DRAFT &&
        intake_posting_changed(existing ? existing->application : NULL, a, pw,
                               sizeof pw);
    /* The row's application: the bytes received, but for the
     * attachments' records (packing the decoded one again costs more). */
    ry_val_t made = {0};
    if (raw)
        made.data =
            intake_attach_stored_bytes(raw->data, raw->len, &stored, &made.len);
    s_step_t st = {.p = p,
                   .actor = intake_principal_actor(p, abuf, sizeof abuf),
                   .notify = posted ? "posting_recorded" : NULL,
                   .stored = existing,
                   .o = o,
                   .read = made.data ? &made : NULL};
    /* A draft's content replaced in place is kept (a new revision keeps
     * the old one whole in "revisions"). */
    if (existing && !(row->effects & INTAKE_FX_REVISE))
        rc = intake_cases_supersede(txn, existing, &stored.app);
    if (!rc)
        rc = s_apply(self, txn, &c, row, &st);
    if (!rc && posted)
        rc = s_audit(txn, c.case_id, false, st.actor, c.state, c.state, pw,
                     NULL, now, o);
    if (!rc) {
        /* Reply with the stored form (attachment records without their
         * contents, no verdict yet), copied as if decoded from the bytes
         * stored; a brief submission's without its application. */
        Rongyu__Case shown = c;
        if (req->body_case == RONGYU__REQUEST__BODY_SUBMIT &&
            req->submit->brief)
            shown.application = NULL;
        o->kase = (Rongyu__Case *)ry_pb_clone(&shown.base);
    }
    free((void *)made.data);
done:
    intake_attach_release(&stored);
    return rc;
}

/* intake_cases_load_for and intake_cases_load_head_for: the case as
 * 'load' reads it. */
static int
s_load_for(ry_txn_t *txn, const intake_principal_t *p, intake_action_t act,
           const char *id, intake_outcome_t *o, Rongyu__Case **out,
           int (*load)(ry_txn_t *, const char *, Rongyu__Case **))
{
    *out = NULL;
    if (intake_is_empty(id))
        return intake_outcome_fail_at(o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
                                    "case_id", "case_id");
    int rc = load(txn, id, out);
    if (rc == RY_ENOTFOUND)
        return intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_NOT_FOUND, "case_id",
            "没有案件「%.64s」。no case '%.64s'", id, id);
    if (rc)
        return rc;
    /* A case the principal may not see answers as one that does not
     * exist: no one learns of another organisation's cases. */
    char why[8];
    rc = intake_authorize(txn, p, INTAKE_ACT_READ, (*out)->application, why,
                          sizeof why);
    if (rc == RY_EPERM) {
        ry_pb_free(out);
        return intake_outcome_fail_at(
            o, RONGYU__ERROR_CODE__E_NOT_FOUND, "case_id",
            "没有案件「%.64s」。no case '%.64s'", id, id);
    }
    if (rc) {
        ry_pb_free(out);
        return rc;
    }
    rc = intake_cases_allow(txn, p, act, (*out)->application, o);
    if (rc)
        ry_pb_free(out);
    return rc;
}

int
intake_cases_load_for(ry_txn_t *txn, const intake_principal_t *p,
                      intake_action_t act, const char *id, intake_outcome_t *o,
                      Rongyu__Case **out)
{
    return s_load_for(txn, p, act, id, o, out, intake_cases_load);
}

int
intake_cases_load_head_for(ry_txn_t *txn, const intake_principal_t *p,
                           const char *id, intake_outcome_t *o,
                           Rongyu__Case **out)
{
    return s_load_for(txn, p, INTAKE_ACT_READ, id, o, out,
                      intake_cases_load_head);
}

int
intake_cases_submit(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const uint8_t *data, size_t len,
                    const intake_principal_t *p, intake_outcome_t *o)
{
    bool draft = req->body_case == RONGYU__REQUEST__BODY_SAVE_DRAFT;
    intake_event_t ev = draft ? INTAKE_EV_SAVE_DRAFT : INTAKE_EV_SUBMIT;
    Rongyu__Application *a =
        draft ? req->save_draft->application : req->submit->application;
    int rc = s_check_shape(self, a, draft, o);
    if (rc)
        return rc;
    if ((rc = intake_cases_allow(txn, p, intake_fsm_event(ev)->act, a, o)))
        return rc;
    char why[400];
    rc = intake_orgs_check_application(txn, a, why, sizeof why);
    if (rc == RY_EINVAL)
        return intake_outcome_fail(o, RONGYU__ERROR_CODE__E_INVALID, "%s", why);
    if (rc)
        return rc;
    if (!draft && (rc = s_busy(self, txn, "validation", o)))
        return rc;
    Rongyu__Case *existing = NULL;
    const intake_fsm_row_t *row = intake_fsm_find(0, ev, 0);
    if (draft && !intake_is_empty(req->save_draft->case_id)) {
        rc = intake_cases_load_for(txn, p, intake_fsm_event(ev)->act,
                                   req->save_draft->case_id, o, &existing);
        if (rc)
            return rc;
        if (strcmp(existing->application->applicant_org, a->applicant_org)) {
            ry_pb_free(&existing);
            return intake_outcome_fail(
                o, RONGYU__ERROR_CODE__E_FORBIDDEN,
                "案件 %s 属于其他组织。Case '%s' belongs to another "
                "organisation.",
                req->save_draft->case_id, req->save_draft->case_id);
        }
        if ((rc = s_find(o, existing, ev, s_facts(existing), &row))) {
            ry_pb_free(&existing);
            return rc;
        }
    }
    ry_val_t raw;
    bool received = s_app_received(req, data, len, &raw);
    rc = s_store_application(self, txn, req, p, a, received ? &raw : NULL,
                             existing, row, o);
    ry_pb_free(&existing);
    return rc;
}

/* A draft's posting recorded with no end (rongyu posting start --from
 * D) is still up when the draft is submitted: it ends that day, the
 * submission's day in the campaign's time, which the application then
 * states (the earlier one stays readable: intake_cases_supersede). The
 * rule counts the working days up to it (SPEC §6: the end not after the
 * submission). Writes that day to 'end' ("" when there was nothing to
 * close). Returns 0 or a store error. */
static int
s_posting_close(intake_cases_t *self, ry_txn_t *txn, Rongyu__Case *c, char *end,
                size_t len)
{
    Rongyu__Application *a = c->application;
    Rongyu__Declarations *d = a->declarations;
    const ry_campaign_t *camp =
        ry_campaigns_find(self->campaigns, a->campaign_id);
    ry_date_t today;
    if (!d || intake_is_empty(d->posting_start) ||
        !intake_is_empty(d->posting_end) || !camp ||
        ry_date_from_epoch_ms(ry_clock_now_ms(),
                              ry_campaign_utc_offset_minutes(camp), &today,
                              NULL) != 0 ||
        ry_date_format(today, end, len) != 0) {
        end[0] = '\0';
        return 0;
    }
    Rongyu__Declarations nd = *d;
    nd.posting_end = end;
    Rongyu__Application na = *a;
    na.declarations = &nd;
    int rc = intake_cases_supersede(txn, c, &na);
    if (!rc)
        ry_pb_set_string_in(c, &d->posting_end, end);
    return rc;
}

int
intake_cases_submit_draft(intake_cases_t *self, ry_txn_t *txn,
                          const Rongyu__Request *req,
                          const intake_principal_t *p, intake_outcome_t *o)
{
    const char *id = req->submit_draft->case_id;
    Rongyu__Case *c = NULL;
    const intake_fsm_row_t *row;
    int rc = intake_cases_load_for(
        txn, p, intake_fsm_event(INTAKE_EV_SUBMIT_DRAFT)->act, id, o, &c);
    if (rc)
        return rc;
    char why[400], abuf[600], pend[RY_DATE_STRLEN] = "";
    if ((rc = s_find(o, c, INTAKE_EV_SUBMIT_DRAFT, s_facts(c), &row)) == 0 &&
        (rc = s_check_shape(self, c->application, false, o)) == 0 &&
        (rc = intake_orgs_check_application(txn, c->application, why,
                                            sizeof why)) == RY_EINVAL) {
        rc = intake_outcome_fail(o, RONGYU__ERROR_CODE__E_INVALID, "%s", why);
    } else if (rc == 0 && (rc = s_busy(self, txn, "validation", o)) == 0 &&
               (rc = s_posting_close(self, txn, c, pend, sizeof pend)) == 0) {
        char what[120];
        if (pend[0])
            snprintf(what, sizeof what,
                     "%s; posting %s..%s (ended on submission)", row->what,
                     c->application->declarations->posting_start, pend);
        s_step_t st = {.p = p,
                       .actor = intake_principal_actor(p, abuf, sizeof abuf),
                       .what = pend[0] ? what : NULL,
                       .stored = c,
                       .o = o};
        rc = s_apply(self, txn, c, row, &st);
        if (!rc) {
            o->kase = c;
            c = NULL;
        }
    }
    ry_pb_free(&c);
    return rc;
}

/* ------------------------------------------------------------ review */

static int
s_need_opinion(const char *opinion, intake_outcome_t *o)
{
    if (intake_is_empty(opinion))
        return intake_outcome_fail(
            o, RONGYU__ERROR_CODE__E_MISSING_FIELD,
            "opinion: 每项决定都须附审批意见。opinion: every decision needs "
            "an opinion (审批意见)");
    if (strlen(opinion) > 4000)
        return intake_outcome_fail(
            o, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
            "opinion: 审批意见超过 4000 字节。opinion: longer "
            "than 4000 bytes");
    return 0;
}

/* Loads case 'id' for p and moves it on event ev (intake_cases_step);
 * on success the reply holds the stored case. */
static int
s_client_step(intake_cases_t *self, ry_txn_t *txn, const intake_principal_t *p,
              const char *id, intake_event_t ev, const char *opinion,
              intake_outcome_t *o)
{
    Rongyu__Case *c;
    int rc = intake_cases_load_for(txn, p, intake_fsm_event(ev)->act, id, o,
                                   &c);
    if (rc)
        return rc;
    rc = intake_cases_step(self, txn, c, ev, p, NULL, NULL, opinion, o);
    if (!rc) {
        o->kase = c;
        c = NULL;
    }
    ry_pb_free(&c);
    return rc;
}

int
intake_cases_review(intake_cases_t *self, ry_txn_t *txn,
                    const Rongyu__Request *req, const intake_principal_t *p,
                    intake_outcome_t *o)
{
    const Rongyu__ReviewRequest *q = req->review;
    int rc = s_need_opinion(q->opinion, o);
    if (rc)
        return rc;
    static const intake_event_t ev[] = {
        [RONGYU__REVIEW_DECISION__REVIEW_APPROVE] = INTAKE_EV_APPROVE,
        [RONGYU__REVIEW_DECISION__REVIEW_RETURN] = INTAKE_EV_RETURN,
        [RONGYU__REVIEW_DECISION__REVIEW_REJECT] = INTAKE_EV_REJECT,
    };
    if (q->decision < RONGYU__REVIEW_DECISION__REVIEW_APPROVE ||
        q->decision > RONGYU__REVIEW_DECISION__REVIEW_REJECT)
        return intake_outcome_fail(
            o, RONGYU__ERROR_CODE__E_INVALID,
            "decision: 须为 approve（通过）、return（退回）"
            "或 reject（驳回）。decision: approve, "
            "return or reject");
    return s_client_step(self, txn, p, q->case_id, ev[q->decision], q->opinion,
                         o);
}

int
intake_cases_recommend(intake_cases_t *self, ry_txn_t *txn,
                       const Rongyu__Request *req, const intake_principal_t *p,
                       intake_outcome_t *o)
{
    const Rongyu__RecommendRequest *q = req->recommend;
    int rc = s_need_opinion(q->opinion, o);
    if (rc)
        return rc;
    return s_client_step(self, txn, p, q->case_id, INTAKE_EV_RECOMMEND,
                         q->opinion, o);
}

int
intake_cases_city_decision(intake_cases_t *self, ry_txn_t *txn,
                           const Rongyu__Request *req,
                           const intake_principal_t *p, intake_outcome_t *o)
{
    const Rongyu__CityDecisionRequest *q = req->city_decision;
    int rc = s_need_opinion(q->opinion, o);
    if (rc)
        return rc;
    if (q->decision != RONGYU__CITY_DECISION__CITY_AWARD &&
        q->decision != RONGYU__CITY_DECISION__CITY_NOT_SELECTED)
        return intake_outcome_fail(
            o, RONGYU__ERROR_CODE__E_INVALID,
            "decision: 须为 award（授予荣誉）或 not_selected"
            "（未入选）。decision: award or "
            "not_selected");
    return s_client_step(self, txn, p, q->case_id,
                         q->decision == RONGYU__CITY_DECISION__CITY_AWARD
                             ? INTAKE_EV_AWARD
                             : INTAKE_EV_NOT_SELECTED,
                         q->opinion, o);
}

int
intake_cases_withdraw(intake_cases_t *self, ry_txn_t *txn,
                      const Rongyu__Request *req, const intake_principal_t *p,
                      intake_outcome_t *o)
{
    const Rongyu__WithdrawRequest *q = req->withdraw;
    if (q->reason && strlen(q->reason) > 4000)
        return intake_outcome_fail(
            o, RONGYU__ERROR_CODE__E_OUT_OF_RANGE,
            "reason: 撤回理由超过 4000 字节。reason: longer "
            "than 4000 bytes");
    return s_client_step(self, txn, p, q->case_id, INTAKE_EV_WITHDRAW,
                         q->reason, o);
}

/* A peer's answer moves c along event ev with 'facts' when a row fits,
 * as 'actor'; one that fits no row is logged and ignored. A peer's
 * answer never changes the application: app is S_APP_KEPT, or S_APP_PART
 * when c holds a part of it (s_case_get_part); 'read', when not NULL, the
 * application's bytes as read with c. */
static int
s_peer_step(intake_cases_t *self, ry_txn_t *txn, Rongyu__Case *c,
            intake_event_t ev, unsigned facts, const char *actor,
            const char *opinion, bool verdict_kept, s_app_t app,
            const ry_val_t *read)
{
    const intake_fsm_row_t *row = intake_fsm_find(c->state, ev, facts);
    if (!row || row->refuse) {
        ry_info(c->case_id, "%s answer ignored: case is %s",
                intake_fsm_event(ev)->name, ry_names_state_en(c->state));
        return 0;
    }
    s_step_t st = {.actor = actor,
                   .opinion = opinion,
                   .stored = c,
                   .verdict_kept = verdict_kept,
                   .app = app,
                   .read = read};
    return s_apply(self, txn, c, row, &st);
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
    unsigned facts = s_facts(c) | (res->granted ? INTAKE_F_YES : 0);
    switch (res->op) {
    case RONGYU__SEAT_OP__RESERVE:
        if (res->granted) {
            snprintf(msgbuf, sizeof msgbuf,
                     "名额已预留 seat reserved: %s %s %u/%u",
                     a->organising_unit[0] ? a->organising_unit : "全市",
                     s_column_en(a), res->used, res->cap);
        } else {
            bool lead = s_column(a) == RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN;
            snprintf(msgbuf, sizeof msgbuf,
                     "名额已满，推荐未成功：%s %s 已用 %u / 名额 %u。"
                     "quota refused (%s): %s %s used %u of %u",
                     lead ? "全市" : a->organising_unit, s_column_zh(a),
                     res->used, res->cap, res->reason,
                     lead ? "city-wide" : a->organising_unit, s_column_en(a),
                     res->used, res->cap);
        }
        rc = s_peer_step(self, txn, c, INTAKE_EV_RESERVED, facts, "quota",
                         msgbuf, false, S_APP_KEPT, NULL);
        break;
    case RONGYU__SEAT_OP__CONFIRM:
        if (res->granted) {
            snprintf(msgbuf, sizeof msgbuf, "名额已确认 seat confirmed (%u/%u)",
                     res->used, res->cap);
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
        }
        rc = s_peer_step(self, txn, c, INTAKE_EV_CONFIRMED, facts, "quota",
                         msgbuf, false, S_APP_KEPT, NULL);
        break;
    case RONGYU__SEAT_OP__RELEASE:
        if (res->granted)
            rc = intake_seats_mark(txn, a->campaign_id, pool, c->case_id, 0);
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
    int rc = s_index_build(store);
    if (!rc)
        rc = s_index_submitted(store);
    if (!rc)
        rc = s_idem_key(store, self->idem_key);
    if (!rc)
        rc = ry_txn_begin(store, NULL, false, &txn);
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
    /* A ValidationResult: case_id (1), revision (2) and the verdict (3)
     * in its stored form, read from the bytes as they came: the verdict
     * is kept as validation sent it, beside the case, under (case id,
     * revision), and decoded once, below, filled in from the case's
     * application. */
    char case_id[INTAKE_ID_LEN + 1] = "";
    uint32_t revision = 0;
    ry_pb_field_t f, verdict = {0};
    size_t pos = 0;
    int more;
    while ((more = ry_pb_next(msg->payload, msg->len, &pos, &f)) == 1) {
        if (f.number == 1 && f.wire == 2) {
            if (f.vlen != INTAKE_ID_LEN)
                return RY_EINVAL; /* no case of ours */
            memcpy(case_id, f.val, f.vlen);
            case_id[f.vlen] = '\0';
        } else if (f.number == 2 && f.wire == 0) {
            revision = (uint32_t)f.varint;
        } else if (f.number == 3 && f.wire == 2 && !verdict.val) {
            verdict = f;
        }
    }
    if (more < 0 || !verdict.val)
        return RY_EMALFORMED;
    /* The case without the parts of its application the answer does not
     * read (S_APP_ANSWER): the stored application stays as it is
     * (S_APP_PART), stored again from the copy of its bytes made as the
     * row was read. A verdict with a failed check is read with the whole
     * application, which its failed checks derive from. */
    Rongyu__Case *c = NULL;
    s_app_t app = S_APP_PART;
    ry_val_t read = {0};
    int rc = s_case_get_part(txn, case_id, S_APP_ANSWER, &c, &read);
    if (rc)
        return rc == RY_ENOTFOUND ? RY_EINVAL : rc;
    if (c->revision != revision) {
        ry_info(c->case_id,
                "verdict for revision %u ignored: case is at "
                "revision %u, %s",
                revision, c->revision,
                rongyu__case_state__descriptor.values[c->state].name);
        goto done;
    }
    /* Read in place: it is stored as it came, and only the event to
     * notification reads its failed checks, packed; the checks that
     * passed are counted, not expanded. */
    ry_verdict_view_t view;
    if (!ry_verdict_view_passed(verdict.val, verdict.vlen, c->application,
                                &view)) {
        ry_pb_free(&c);
        app = S_APP_KEPT;
        if ((rc = intake_cases_load(txn, case_id, &c))) {
            free((void *)read.data);
            return rc;
        }
        if (ry_verdict_view_failed(verdict.val, verdict.vlen, c->application,
                                   &view) != 0) {
            rc = RY_EMALFORMED;
            goto done;
        }
    }
    const Rongyu__Verdict *whole = view.v;
    char opinion[128], failed[RY_STR_U64], all[RY_STR_U64];
    ry_str_cat(opinion, sizeof opinion, ry_str_u64(failed, whole->n_checks),
               " of ", ry_str_u64(all, view.n_all), " checks failed (",
               whole->ruleset ? whole->ruleset : "", ")", (char *)NULL);
    rc = s_verdict_put(txn, c->case_id, c->revision, verdict.val, verdict.vlen);
    /* Only the event reads c->verdict here (verdict_kept: not stored
     * again), and it sends the failed checks, all the view holds. */
    Rongyu__Verdict *old = c->verdict;
    c->verdict = view.v;
    if (!rc)
        rc = s_peer_step(self, txn, c, INTAKE_EV_VERDICT,
                         s_facts(c) | (whole->eligible ? INTAKE_F_YES : 0),
                         "validation", opinion, true, app, &read);
    c->verdict = old;
    ry_verdict_view_free(&view);
done:
    ry_pb_free(&c);
    free((void *)read.data);
    return rc;
}
