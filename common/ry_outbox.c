/* ry_outbox: link state in LMDB only.
 *
 * Tables:
 *   ry_outbox  peer '\0' be64(seq)        -> packed Envelope (DATA)
 *   ry_seq     "out|" peer                 -> be64 next sequence to assign
 *              "in|" peer                  -> be64 last applied from peer
 *              "dead|" dir "|" peer        -> be64 rows kept, be64 bytes
 *              "refused|" dir "|" peer     -> be64 dead letters not kept
 *              "deadseq"                   -> be64 last number for rows
 *                                             without a sequence
 *   ry_dead    dir "|" peer "|" %020seq    -> reason '\0' frame
 */
#include "ry_outbox.h"

#include "rongyu_services.pb-c.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SCHEMA 1
/* Dead rows without a sequence number of their own are numbered from
 * here, apart from link sequence numbers. */
#define S_DEADSEQ_BASE ((uint64_t)1 << 62)

/* out = a then b, each cut at 64 bytes (snprintf's work, on every
 * message, without its cost). */
static void
s_join(char *out, const char *a, const char *b)
{
    size_t al = strnlen(a, 64), bl = strnlen(b, 64);
    memcpy(out, a, al);
    memcpy(out + al, b, bl);
    out[al + bl] = '\0';
}

/* A DATA envelope's msg_id: sender ':' link sequence number. */
static void
s_msg_id(char out[96], const char *self_id, uint64_t link_seq)
{
    char digits[24];
    size_t n = sizeof digits;
    digits[--n] = '\0';
    do {
        digits[--n] = (char)('0' + link_seq % 10);
        link_seq /= 10;
    } while (link_seq);
    s_join(out, self_id, ":");
    s_join(out + strlen(out), digits + n, "");
}

/* An envelope's bytes, written field by field (ry_outbox_envelope packs
 * one for every message a service sends) as
 * protobuf-c writes them: fields in number order, a proto3 field at its
 * zero value and a string NULL or "" left out. test_outbox compares
 * them with protobuf-c's over the fields' edge values. */
typedef struct {
    int kind;
    const char *sender, *msg_id, *correlation, *reason;
    uint64_t link_seq, ack_seq;
    int type;
    size_t plen; /* the payload's bytes (field 9), written by the caller */
} s_env_t;

/* The bytes of a length-delimited field of n bytes numbered 1 to 15 (a
 * one-byte tag); none when n is 0. */
static size_t
s_len_field(size_t n)
{
    return n ? 1 + ry_pb_varint_size(n) + n : 0;
}

static size_t
s_str_len(const char *s)
{
    return s ? strlen(s) : 0;
}

static void
s_put_str(uint8_t *out, size_t *at, uint32_t number, const char *s)
{
    size_t n = s_str_len(s);
    if (n)
        ry_pb_put_bytes(out, at, number, s, n);
}

static void
s_put_uint(uint8_t *out, size_t *at, uint32_t number, uint64_t v)
{
    if (!v)
        return;
    out[(*at)++] = (uint8_t)(number << 3);
    ry_pb_put_varint(out, at, v);
}

/* The bytes of e's envelope. */
static size_t
s_env_size(const s_env_t *e)
{
    size_t n = 0;
    n += e->kind ? 1 + ry_pb_varint_size((uint64_t)e->kind) : 0;
    n += s_len_field(s_str_len(e->sender));
    n += e->link_seq ? 1 + ry_pb_varint_size(e->link_seq) : 0;
    n += e->ack_seq ? 1 + ry_pb_varint_size(e->ack_seq) : 0;
    n += s_len_field(s_str_len(e->msg_id));
    n += s_len_field(s_str_len(e->correlation));
    n += 1 + ry_pb_varint_size(S_SCHEMA);
    n += e->type ? 1 + ry_pb_varint_size((uint64_t)e->type) : 0;
    return n + s_len_field(e->plen) + s_len_field(s_str_len(e->reason));
}

/* Writes e's fields before the payload to out; returns their bytes. */
static size_t
s_env_head(const s_env_t *e, uint8_t *out)
{
    size_t at = 0;
    s_put_uint(out, &at, 1, (uint64_t)e->kind);
    s_put_str(out, &at, 2, e->sender);
    s_put_uint(out, &at, 3, e->link_seq);
    s_put_uint(out, &at, 4, e->ack_seq);
    s_put_str(out, &at, 5, e->msg_id);
    s_put_str(out, &at, 6, e->correlation);
    s_put_uint(out, &at, 7, S_SCHEMA);
    s_put_uint(out, &at, 8, (uint64_t)e->type);
    return at;
}

/* A buffer for e's envelope, its fields before the payload written:
 * their bytes in *n. */
static uint8_t *
s_env_begin(const s_env_t *e, size_t *n)
{
    uint8_t *buf = malloc(s_env_size(e) + 1);
    if (!buf)
        abort();
    *n = s_env_head(e, buf);
    return buf;
}

uint8_t *
ry_outbox_envelope(const char *self_id, int kind, uint64_t link_seq,
                   uint64_t ack_seq, int type, const char *correlation,
                   const void *payload, size_t plen, const char *reason,
                   size_t *len)
{
    char msg_id[96];
    s_env_t e = {.kind = kind,
                 .sender = self_id,
                 .correlation = correlation,
                 .reason = reason,
                 .link_seq = link_seq,
                 .ack_seq = ack_seq,
                 .type = type,
                 .plen = plen};
    if (kind == RONGYU__ENVELOPE_KIND__DATA) {
        s_msg_id(msg_id, self_id, link_seq);
        e.msg_id = msg_id;
    }
    size_t n;
    uint8_t *buf = s_env_begin(&e, &n);
    if (plen)
        ry_pb_put_bytes(buf, &n, 9, payload, plen);
    s_put_str(buf, &n, 10, reason);
    *len = n;
    return buf;
}

/* ------------------------------------------------------------ counters */

static bool
s_peer_ok(const char *peer)
{
    size_t n = peer ? strlen(peer) : 0;
    return n > 0 && n <= RY_OUTBOX_PEER_MAX;
}

static int
s_get_u64(ry_txn_t *txn, const char *key, uint64_t *v)
{
    bool found;
    return ry_txn_get_u64(txn, "ry_seq", key, strlen(key), v, &found);
}

/* A counter put at every message of a round (a link's next sequence
 * number, what it applied): the transaction writes it once. */
static int
s_put_u64(ry_txn_t *txn, const char *key, uint64_t v)
{
    return ry_txn_put_u64(txn, "ry_seq", key, strlen(key), v);
}

static size_t
s_row_key(uint8_t *out, const char *peer, uint64_t seq)
{
    size_t n = strlen(peer);
    memcpy(out, peer, n);
    out[n] = '\0';
    ry_be64_put(out + n + 1, seq);
    return n + 9;
}

typedef struct {
    uint64_t seq;
    size_t plen;
} s_first_t;

static int
s_first(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    s_first_t *f = arg;
    if (key->len == f->plen + 8)
        f->seq = ry_be64_get((const uint8_t *)key->data + f->plen);
    return 1;
}

/* The next sequence number of a row to 'peer' (1 before any). */
static int
s_next_seq(ry_txn_t *txn, const char *peer, uint64_t *next)
{
    char key[RY_OUTBOX_PEER_MAX + 8];
    uint64_t v = 0;
    s_join(key, "out|", peer);
    int rc = s_get_u64(txn, key, &v);
    *next = v ? v : 1;
    return rc;
}

/* The outgoing half of ry_outbox_state: next_seq and acked. */
static int
s_out_state(ry_txn_t *txn, const char *peer, ry_outbox_state_t *out)
{
    int rc = s_next_seq(txn, peer, &out->next_seq);
    if (rc)
        return rc;
    out->acked = out->next_seq - 1;
    /* The lowest row still in the outbox is the first unacknowledged. */
    s_first_t found = {0, strlen(peer) + 1};
    rc = ry_txn_scan(txn, "ry_outbox", peer, found.plen, NULL, 0, s_first,
                     &found);
    if (!rc && found.seq)
        out->acked = found.seq - 1;
    return rc;
}

int
ry_outbox_state(ry_txn_t *txn, const char *peer, ry_outbox_state_t *out)
{
    memset(out, 0, sizeof *out);
    out->next_seq = 1;
    if (!s_peer_ok(peer))
        return 0;
    int rc = ry_outbox_applied(txn, peer, &out->applied);
    return rc ? rc : s_out_state(txn, peer, out);
}

int
ry_outbox_applied(ry_txn_t *txn, const char *peer, uint64_t *applied)
{
    *applied = 0;
    if (!s_peer_ok(peer))
        return 0;
    char key[RY_OUTBOX_PEER_MAX + 8];
    s_join(key, "in|", peer);
    return s_get_u64(txn, key, applied);
}

int
ry_outbox_depth(ry_txn_t *txn, const char *peer, uint64_t *n)
{
    /* Every row left, whatever the peer applied. */
    return ry_outbox_unapplied(txn, peer, 0, n);
}

int
ry_outbox_unapplied(ry_txn_t *txn, const char *peer, uint64_t peer_applied,
                    uint64_t *n)
{
    ry_outbox_state_t st = {.next_seq = 1};
    int rc = s_peer_ok(peer) ? s_out_state(txn, peer, &st) : 0;
    /* The rows left are acked + 1 .. next_seq - 1. */
    uint64_t from = st.acked > peer_applied ? st.acked : peer_applied;
    *n = rc || from >= st.next_seq - 1 ? 0 : st.next_seq - 1 - from;
    return rc;
}

int
ry_outbox_append(ry_txn_t *txn, const char *self_id, const char *peer, int type,
                 const char *correlation, const void *payload, size_t len,
                 uint64_t *seq_out)
{
    if (!s_peer_ok(peer))
        return RY_EINVAL;
    uint64_t seq;
    int rc = s_next_seq(txn, peer, &seq);
    if (rc)
        return rc;
    size_t elen;
    uint8_t *env =
        ry_outbox_envelope(self_id, RONGYU__ENVELOPE_KIND__DATA, seq, 0, type,
                           correlation, payload, len, NULL, &elen);
    uint8_t key[RY_OUTBOX_PEER_MAX + 10];
    size_t klen = s_row_key(key, peer, seq);
    rc = ry_txn_put(txn, "ry_outbox", key, klen, env, elen, RY_PUT_APPEND);
    free(env);
    char ckey[RY_OUTBOX_PEER_MAX + 8];
    s_join(ckey, "out|", peer);
    if (!rc)
        rc = s_put_u64(txn, ckey, seq + 1);
    if (!rc && seq_out)
        *seq_out = seq;
    return rc;
}

int
ry_outbox_row(ry_txn_t *txn, const char *peer, uint64_t seq, ry_val_t *env)
{
    if (!s_peer_ok(peer))
        return RY_ENOTFOUND;
    uint8_t key[RY_OUTBOX_PEER_MAX + 10];
    size_t klen = s_row_key(key, peer, seq);
    return ry_txn_get(txn, "ry_outbox", key, klen, env);
}

int
ry_outbox_depth_reaches(ry_txn_t *txn, const char *peer, uint64_t n, bool *yes)
{
    *yes = n == 0;
    if (n == 0 || !s_peer_ok(peer))
        return 0;
    uint64_t next;
    int rc = s_next_seq(txn, peer, &next);
    if (rc)
        return rc;
    if (next - 1 < n)
        return 0; /* fewer than n rows were ever appended */
    /* Rows acked + 1 .. next - 1 are there and no others: at least n of
     * them exactly when row next - n is. */
    ry_val_t v;
    rc = ry_outbox_row(txn, peer, next - n, &v);
    if (rc == RY_ENOTFOUND)
        return 0;
    if (rc)
        return rc;
    *yes = true;
    return 0;
}

typedef struct {
    ry_outbox_row_fn fn;
    void *arg;
    size_t plen;
} s_rows_t;

static int
s_rows_one(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_rows_t *r = arg;
    if (key->len != r->plen + 8)
        return 0; /* not a row's key */
    return r->fn(ry_be64_get((const uint8_t *)key->data + r->plen), val,
                 r->arg);
}

int
ry_outbox_rows(ry_txn_t *txn, const char *peer, uint64_t from,
               ry_outbox_row_fn fn, void *arg)
{
    if (!s_peer_ok(peer))
        return 0;
    uint8_t key[RY_OUTBOX_PEER_MAX + 10];
    size_t klen = s_row_key(key, peer, from);
    s_rows_t r = {fn, arg, strlen(peer) + 1};
    return ry_txn_scan(txn, "ry_outbox", key, r.plen, key, klen, s_rows_one,
                       &r);
}

int
ry_outbox_ack(ry_txn_t *txn, const char *peer, uint64_t ack, bool *advanced)
{
    if (advanced)
        *advanced = false;
    ry_outbox_state_t st;
    int rc = ry_outbox_state(txn, peer, &st);
    if (rc)
        return rc;
    if (ack <= st.acked || ack >= st.next_seq)
        return 0;
    uint8_t from[RY_OUTBOX_PEER_MAX + 10], to[RY_OUTBOX_PEER_MAX + 10];
    size_t flen = s_row_key(from, peer, st.acked + 1);
    size_t tlen = s_row_key(to, peer, ack);
    rc = ry_txn_del_range(txn, "ry_outbox", from, flen, to, tlen);
    if (rc)
        return rc;
    if (advanced)
        *advanced = true;
    return 0;
}

int
ry_outbox_set_applied(ry_txn_t *txn, const char *sender, uint64_t seq)
{
    if (!s_peer_ok(sender))
        return RY_EINVAL;
    char key[RY_OUTBOX_PEER_MAX + 8];
    s_join(key, "in|", sender);
    return s_put_u64(txn, key, seq);
}

/* ------------------------------------------------------------ dead */

static int
s_bump(ry_txn_t *txn, const char *key, uint64_t by)
{
    uint64_t v;
    int rc = s_get_u64(txn, key, &v);
    return rc ? rc : s_put_u64(txn, key, v + by);
}

int
ry_outbox_dead(ry_txn_t *txn, const char *dir, const char *peer, uint64_t seq,
               const char *reason, const void *frame, size_t len)
{
    if (!s_peer_ok(peer))
        peer = RY_OUTBOX_STRANGER;
    bool stranger = strcmp(peer, RY_OUTBOX_STRANGER) == 0;
    uint64_t max_rows =
        stranger ? RY_OUTBOX_DEAD_ROWS_STRANGER : RY_OUTBOX_DEAD_ROWS;
    uint64_t max_bytes =
        stranger ? RY_OUTBOX_DEAD_BYTES_STRANGER : RY_OUTBOX_DEAD_BYTES;
    char ckey[RY_OUTBOX_PEER_MAX + 24];
    snprintf(ckey, sizeof ckey, "dead|%s|%s", dir, peer);
    ry_val_t v;
    uint64_t rows = 0, bytes = 0;
    int rc = ry_txn_get(txn, "ry_seq", ckey, strlen(ckey), &v);
    if (rc == 0 && v.len == 16) {
        rows = ry_be64_get(v.data);
        bytes = ry_be64_get((const uint8_t *)v.data + 8);
    } else if (rc && rc != RY_ENOTFOUND) {
        return rc;
    }
    if (rows >= max_rows) {
        char rkey[RY_OUTBOX_PEER_MAX + 24];
        snprintf(rkey, sizeof rkey, "refused|%s|%s", dir, peer);
        return s_bump(txn, rkey, 1);
    }
    if (seq == 0 || stranger) {
        uint64_t last;
        rc = s_get_u64(txn, "deadseq", &last);
        if (rc)
            return rc;
        seq = (last ? last : S_DEADSEQ_BASE) + 1;
        rc = s_put_u64(txn, "deadseq", seq);
        if (rc)
            return rc;
    }
    if (bytes + len > max_bytes)
        len = 0; /* the row, not the frame: the reason says so */
    char key[RY_OUTBOX_PEER_MAX + 40];
    int kn = snprintf(key, sizeof key, "%s|%s|%020" PRIu64, dir, peer, seq);
    char why[300];
    snprintf(why, sizeof why, "%s%s", reason,
             frame && len == 0 ? " (frame not kept: over the byte bound)" : "");
    size_t rlen = strlen(why) + 1;
    uint8_t *val = malloc(rlen + len);
    if (!val)
        abort();
    memcpy(val, why, rlen);
    if (len)
        memcpy(val + rlen, frame, len);
    bool existed = ry_txn_get(txn, "ry_dead", key, (size_t)kn, &v) == 0;
    rc = ry_txn_put(txn, "ry_dead", key, (size_t)kn, val, rlen + len, 0);
    free(val);
    if (rc || existed)
        return rc;
    uint8_t b[16];
    ry_be64_put(b, rows + 1);
    ry_be64_put(b + 8, bytes + len);
    return ry_txn_put(txn, "ry_seq", ckey, strlen(ckey), b, 16, 0);
}

/* Parses a dead row into d. Returns 0 or -1. */
static int
s_dead_parse(const ry_val_t *key, const ry_val_t *val, ry_outbox_dead_t *d)
{
    memset(d, 0, sizeof *d);
    if (key->len >= sizeof d->key)
        return -1;
    char *kbuf = d->key;
    memcpy(kbuf, key->data, key->len);
    kbuf[key->len] = '\0';
    const char *bar1 = strchr(kbuf, '|');
    const char *bar2 = bar1 ? strrchr(kbuf, '|') : NULL;
    if (!bar1 || bar2 == bar1 || (size_t)(bar1 - kbuf) >= sizeof d->dir ||
        (size_t)(bar2 - bar1 - 1) > RY_OUTBOX_PEER_MAX)
        return -1;
    memcpy(d->dir, kbuf, (size_t)(bar1 - kbuf));
    memcpy(d->peer, bar1 + 1, (size_t)(bar2 - bar1 - 1));
    d->seq = strtoull(bar2 + 1, NULL, 10);
    const uint8_t *p = val->data;
    const uint8_t *nul = memchr(p, '\0', val->len);
    if (!nul)
        return -1;
    d->reason = (const char *)p;
    d->frame = nul + 1;
    d->frame_len = val->len - (size_t)(nul + 1 - p);
    return 0;
}

typedef struct {
    int (*fn)(const ry_outbox_dead_t *d, void *arg);
    void *arg;
    const char *after;
} s_dscan_t;

static int
s_dead_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_dscan_t *s = arg;
    ry_outbox_dead_t d;
    if (s_dead_parse(key, val, &d))
        return 0;
    if (s->after && strcmp(d.key, s->after) == 0)
        return 0;
    return s->fn(&d, s->arg);
}

int
ry_outbox_dead_scan(ry_txn_t *txn, const char *after,
                    int (*fn)(const ry_outbox_dead_t *d, void *arg), void *arg)
{
    s_dscan_t s = {fn, arg, after && *after ? after : NULL};
    return ry_txn_scan(txn, "ry_dead", NULL, 0, s.after,
                       s.after ? strlen(s.after) : 0, s_dead_row, &s);
}

int
ry_outbox_dead_get(ry_txn_t *txn, const char *key, ry_outbox_dead_t *out)
{
    ry_val_t v;
    int rc = ry_txn_get(txn, "ry_dead", key, strlen(key), &v);
    if (rc)
        return rc;
    ry_val_t k = {key, strlen(key)};
    return s_dead_parse(&k, &v, out) ? RY_EIO : 0;
}

int
ry_outbox_dead_drop(ry_txn_t *txn, const char *key)
{
    ry_outbox_dead_t d;
    int rc = ry_outbox_dead_get(txn, key, &d);
    if (rc)
        return rc;
    size_t flen = d.frame_len;
    char ckey[RY_OUTBOX_PEER_MAX + 24];
    snprintf(ckey, sizeof ckey, "dead|%s|%s", d.dir, d.peer);
    rc = ry_txn_del(txn, "ry_dead", key, strlen(key));
    if (rc)
        return rc;
    ry_val_t v;
    rc = ry_txn_get(txn, "ry_seq", ckey, strlen(ckey), &v);
    if (rc == RY_ENOTFOUND)
        return 0;
    if (rc || v.len != 16)
        return rc ? rc : RY_EIO;
    uint64_t rows = ry_be64_get(v.data);
    uint64_t bytes = ry_be64_get((const uint8_t *)v.data + 8);
    uint8_t b[16];
    ry_be64_put(b, rows ? rows - 1 : 0);
    ry_be64_put(b + 8, bytes >= flen ? bytes - flen : 0);
    return ry_txn_put(txn, "ry_seq", ckey, strlen(ckey), b, 16, 0);
}

static int
s_refused_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    if (val->len >= 8)
        *(uint64_t *)arg += ry_be64_get(val->data);
    return 0;
}

int
ry_outbox_dead_counts(ry_txn_t *txn, uint64_t *kept, uint64_t *refused)
{
    *kept = 0;
    *refused = 0;
    int rc = ry_txn_count(txn, "ry_dead", kept);
    if (!rc)
        rc = ry_txn_scan(txn, "ry_seq", "refused|", 8, NULL, 0, s_refused_row,
                         refused);
    return rc;
}

/* ------------------------------------------------------------ peers */

typedef struct {
    char names[64][RY_OUTBOX_PEER_MAX + 1];
    int n;
} s_names_t;

static int
s_collect(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    s_names_t *acc = arg;
    const char *k = key->data;
    size_t skip = key->len > 4 && memcmp(k, "out|", 4) == 0  ? 4
                  : key->len > 3 && memcmp(k, "in|", 3) == 0 ? 3
                                                             : 0;
    if (!skip || key->len - skip > RY_OUTBOX_PEER_MAX)
        return 0;
    char name[RY_OUTBOX_PEER_MAX + 1];
    memcpy(name, k + skip, key->len - skip);
    name[key->len - skip] = '\0';
    for (int i = 0; i < acc->n; i++)
        if (strcmp(acc->names[i], name) == 0)
            return 0;
    if (acc->n < 64)
        memcpy(acc->names[acc->n++], name, sizeof name);
    return 0;
}

int
ry_outbox_peers(ry_txn_t *txn, int (*fn)(const char *peer, void *arg),
                void *arg)
{
    s_names_t *acc = calloc(1, sizeof *acc);
    if (!acc)
        abort();
    int rc = ry_txn_scan(txn, "ry_seq", "in|", 3, NULL, 0, s_collect, acc);
    if (!rc)
        rc = ry_txn_scan(txn, "ry_seq", "out|", 4, NULL, 0, s_collect, acc);
    for (int i = 0; !rc && i < acc->n; i++) {
        rc = fn(acc->names[i], arg);
        if (rc > 0) {
            rc = 0;
            break;
        }
    }
    free(acc);
    return rc;
}
