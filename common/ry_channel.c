/* ry_channel: one round of a service's loop: what ry_link read is applied
 * in one write transaction (group commit) against the link state of
 * ry_outbox, committed with sync, then ry_link sends the replies and
 * acks and relays the outbox. */
#include "ry_channel.h"

#include "rongyu_services.pb-c.h"
#include "ry_clock.h"
#include "ry_envelope.h"
#include "ry_error.h"
#include "ry_link.h"
#include "ry_log.h"
#include "ry_mem.h"
#include "ry_outbox.h"
#include "ry_pb.h"
#include "ry_reply.h"
#include "ry_text.h"

#include <assert.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SCHEMA 1

/* A round run flat met a handler that refused its input after writing:
 * the round is undone and run again nested (s_apply_batch). */
#define S_AGAIN (RY_EBASE - 1000)

/* Crash points for tests: RONGYU_FAULT="<point>:<n>" kills the process
 * with SIGKILL at that point once n messages have been handled (each
 * item of a batch counts). */
enum {
    S_FAULT_NONE,
    S_FAULT_BEFORE_COMMIT,
    S_FAULT_AFTER_COMMIT,
    S_FAULT_AFTER_REPLY
};

/* A client request whose reply comes later (ry_channel_defer): its socket
 * and route (routing id and envelope), kept from the message. */
typedef struct {
    uint64_t token;
    void *sock;
    uint8_t *route;
    size_t route_len[RY_LINK_MAX_PARTS + 1];
    int route_n;
    bool committed; /* its batch committed; else dropped with the batch */
} s_deferred_t;

#define S_MAX_DEFERRED 4096

struct ry_channel {
    ry_channel_opts_t o;
    int fault;
    uint64_t fault_at, handled;
    uint64_t round_msgs; /* messages of the round under way, a batch's
                            items each one */
    int64_t round_at;    /* when the last round with input began (mono
                            ms; 0: none yet) */
    uint64_t last_round; /* its messages, as round_msgs */
    ry_link_expand_fn expand; /* the service's (ry_channel_set_expand) */
    char self_id[RY_OUTBOX_PEER_MAX + 1];
    ry_link_t *link;
    ry_link_limits_t limits;
    ry_channel_health_t health;
    const ry_link_msg_t *current; /* the client message being handled */
    bool nested; /* the round under way runs each handler nested */
    s_deferred_t *deferred;
    int ndeferred, defcap;
    uint64_t next_token;
    uint64_t forgotten; /* tokens of undone rounds let go */
    /* The store counters the peers' PONGs carried: a measurement shown by
     * rongyu status, not state. */
    ry_channel_stats_t peer_stats[RY_CHANNEL_MAX_STATS];
    int npeer_stats;
    /* ry_channel_sync_apart: the service's hooks; 'held': a committed
     * round's answers wait for its sync (s_release). */
    bool apart, held;
    bool relayed; /* s_release relayed in this turn of the loop */
    char *lines;  /* the held round's log lines (ry_log_take) */
    size_t nlines;
    void (*on_committed)(void *ctx);
    void (*on_synced)(void *ctx);
};

/* ------------------------------------------------------------ set-up */

bool
ry_channel_fault(const char *point, uint64_t *n)
{
    const char *f = getenv("RONGYU_FAULT");
    size_t len = strlen(point);
    if (!f || strncmp(f, point, len) != 0 || f[len] != ':')
        return false;
    *n = strtoull(f + len + 1, NULL, 10);
    return true;
}

static void
s_fault_init(ry_channel_t *self)
{
    static const char *points[] = {NULL, "before_commit", "after_commit",
                                   "after_reply"};
    for (int i = 1; i < 4; i++)
        if (ry_channel_fault(points[i], &self->fault_at)) {
            self->fault = i;
            ry_warn(NULL, "fault injection armed: %s:%" PRIu64, points[i],
                    self->fault_at);
        }
}

static void
s_fault(ry_channel_t *self, int point)
{
    if (self->fault == point && self->handled >= self->fault_at) {
        ry_warn(NULL,
                "fault injection: killing at point %d after %" PRIu64
                " messages",
                point, self->handled);
        ry_log_flush();
        raise(SIGKILL);
    }
}

static int s_release(ry_channel_t *self, int timeout_ms);
static void s_release_synced(ry_channel_t *self);

static int
s_touch_peer(const char *peer, void *arg)
{
    ry_link_touch(arg, peer);
    return 0;
}

int
ry_channel_new(const ry_channel_opts_t *opts, ry_channel_t **out)
{
    assert(opts && opts->self_id && opts->store && opts->keys && out);
    *out = NULL;
    ry_channel_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->o = *opts;
    snprintf(self->self_id, sizeof self->self_id, "%s", opts->self_id);
    self->o.self_id = self->self_id;
    if (!self->o.window)
        self->o.window = 2048;
    if (!self->o.batch)
        self->o.batch = 1024;
    if (!self->o.max_request)
        self->o.max_request = (size_t)1 << 20;
    if (!self->o.client_queue_bytes)
        self->o.client_queue_bytes = (size_t)256 << 20;
    if (!self->o.max_peer_msg)
        self->o.max_peer_msg = ry_channel_peer_msg_max(self->o.max_request);
    if (!self->o.batch_bytes)
        self->o.batch_bytes = (size_t)64 << 20;
    self->limits = (ry_link_limits_t){
        .max_msgs = (int)self->o.batch,
        .max_bytes = self->o.batch_bytes,
        .client_msgs = (int)(self->o.batch * 3 / 4 ? self->o.batch * 3 / 4 : 1),
        .client_bytes = self->o.batch_bytes / 2,
    };
    s_fault_init(self);
    ry_link_opts_t lo = {
        .self_id = self->self_id,
        .store = self->o.store,
        .max_peer_msg = self->o.max_peer_msg,
        .max_request = self->o.max_request,
        .client_hwm = ry_channel_client_hwm(self->o.client_queue_bytes,
                                            self->o.max_request),
        .client_replies = (int)(self->o.client_replies ? self->o.client_replies
                                                       : self->o.batch),
        .client_conns_per_key = self->o.client_conns_per_key,
        .window = self->o.window,
        .keys = self->o.keys,
    };
    ry_link_new(&lo, &self->link);
    /* The links found in the store: rows left in the outbox by a previous
     * run are sent from the first round. */
    ry_txn_t *txn;
    int rc = ry_txn_begin(self->o.store, NULL, false, &txn);
    if (!rc) {
        rc = ry_outbox_peers(txn, s_touch_peer, self->link);
        ry_txn_abort(&txn);
    }
    if (rc) {
        ry_channel_destroy(&self);
        return RY_EIO;
    }
    *out = self;
    return 0;
}

void
ry_channel_destroy(ry_channel_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ry_channel_t *self = *self_p;
    s_release(self, -1);
    free(self->lines);
    ry_link_destroy(&self->link);
    ry_keys_destroy(&self->o.keys);
    for (int i = 0; i < self->ndeferred; i++)
        free(self->deferred[i].route);
    free(self->deferred);
    free(self);
    *self_p = NULL;
}

const char *
ry_channel_request_key(const ry_channel_t *self)
{
    return self->current ? self->current->key : "";
}

void
ry_channel_set_context(ry_channel_t *self, void *ctx)
{
    self->o.ctx = ctx;
}

void
ry_channel_set_refuse(ry_channel_t *self, ry_on_refuse_fn fn)
{
    self->o.on_refuse = fn;
}

/* The link's expand hook: the service's, with the context as it is now. */
static int
s_expand(void *arg, ry_txn_t *txn, const char *peer, const uint8_t *row,
         size_t len, uint8_t **out, size_t *out_len)
{
    ry_channel_t *self = arg;
    return self->expand(self->o.ctx, txn, peer, row, len, out, out_len);
}

void
ry_channel_set_expand(ry_channel_t *self, ry_link_expand_fn fn)
{
    self->expand = fn;
    ry_link_set_expand(self->link, fn ? s_expand : NULL, self);
}

void
ry_channel_set_reads_only(ry_channel_t *self,
                          bool (*fn)(void *ctx, const uint8_t *data,
                                     size_t len))
{
    self->o.reads_only = fn;
}

int
ry_channel_sync_apart(ry_channel_t *self, void (*on_committed)(void *ctx),
                      void (*on_synced)(void *ctx))
{
    int rc = ry_store_sync_apart(self->o.store);
    if (rc)
        return rc;
    self->apart = true;
    self->on_committed = on_committed;
    self->on_synced = on_synced;
    return 0;
}

bool
ry_channel_held(const ry_channel_t *self)
{
    return self->held;
}

int
ry_channel_bind_peers(ry_channel_t *self, const char *endpoint)
{
    int rc = ry_link_bind_peers(self->link, endpoint);
    if (!rc)
        ry_info(NULL, "%s listening for peers on %s", self->self_id,
                ry_link_peer_endpoint(self->link));
    return rc;
}

const char *
ry_channel_peer_endpoint(const ry_channel_t *self)
{
    return ry_link_peer_endpoint(self->link);
}

int
ry_channel_bind_clients(ry_channel_t *self, const char *endpoint)
{
    assert(self->o.on_request);
    int rc = ry_link_bind_clients(self->link, endpoint);
    if (!rc)
        ry_info(NULL, "%s listening for clients on %s", self->self_id,
                ry_link_client_endpoint(self->link));
    return rc;
}

const char *
ry_channel_client_endpoint(const ry_channel_t *self)
{
    return ry_link_client_endpoint(self->link);
}

int
ry_channel_connect(ry_channel_t *self, const char *peer_id,
                   const char *endpoint)
{
    int rc = ry_link_connect(self->link, peer_id, endpoint);
    return rc == RY_EINVAL ? RY_EIO : rc;
}

size_t
ry_channel_peer_msg_max(size_t max_request)
{
    /* A request's contents travel downstream without attachment bytes, so
     * a peer message is never larger than the request that caused it;
     * the envelope and the case record add a bounded amount. */
    return max_request + ((size_t)1 << 20);
}

int
ry_channel_client_hwm(size_t queue_bytes, size_t max_request)
{
    size_t n = max_request ? queue_bytes / max_request : 0;
    if (n < RY_CHANNEL_HWM_MIN)
        n = RY_CHANNEL_HWM_MIN;
    if (n > RY_CHANNEL_HWM_MAX)
        n = RY_CHANNEL_HWM_MAX;
    return (int)n;
}

/* ------------------------------------------------------------ sending */

int
ry_channel_send(ry_channel_t *self, ry_txn_t *txn, const char *peer_id,
                int type, const char *correlation, const void *payload,
                size_t len)
{
    if (ry_link_touch(self->link, peer_id))
        return RY_EIO;
    /* What the peer would refuse at its socket would block the link for
     * good: refuse it here, before anything is accepted. */
    size_t overhead = 256 + (correlation ? strlen(correlation) : 0);
    if (len > self->o.max_peer_msg || len + overhead > self->o.max_peer_msg) {
        ry_error(correlation,
                 "a message of %zu bytes for %s is over the "
                 "peer message cap of %zu",
                 len, peer_id, self->o.max_peer_msg);
        return RY_ETOOBIG;
    }
    int rc = ry_outbox_append(txn, self->self_id, peer_id, type, correlation,
                              payload, len, NULL);
    return rc == RY_EINVAL ? RY_EIO : rc;
}

int
ry_channel_send_msg(ry_channel_t *self, ry_txn_t *txn, const char *peer_id,
                    int type, const char *correlation,
                    const ProtobufCMessage *msg)
{
    /* Packed once, in one pass (ry_pb_pack), and put in the envelope. */
    size_t len;
    uint8_t *payload = ry_pb_pack(msg, &len);
    int rc =
        ry_channel_send(self, txn, peer_id, type, correlation, payload, len);
    free(payload);
    return rc;
}

uint64_t
ry_channel_outbox_depth(const ry_channel_t *self, const char *peer_id)
{
    ry_txn_t *txn;
    uint64_t n = 0;
    if (ry_txn_begin(self->o.store, NULL, false, &txn) == 0) {
        ry_outbox_depth(txn, peer_id, &n);
        ry_txn_abort(&txn);
    }
    return n;
}

typedef struct {
    ry_link_info_t *out;
    int cap, n;
    ry_txn_t *txn;
    const ry_link_t *link;
} s_links_t;

static int
s_link_row(const char *peer, void *arg)
{
    s_links_t *l = arg;
    for (int i = 0; i < l->n && i < l->cap; i++)
        if (strcmp(l->out[i].peer, peer) == 0)
            return 0;
    if (l->n < l->cap) {
        ry_outbox_state_t st;
        int rc = ry_outbox_state(l->txn, peer, &st);
        if (rc)
            return rc;
        ry_link_info_t *o = &l->out[l->n];
        /* An outbox's peer name is at most RY_OUTBOX_PEER_MAX bytes. */
        size_t plen = strnlen(peer, sizeof o->peer - 1);
        memcpy(o->peer, peer, plen);
        o->peer[plen] = '\0';
        o->outbox = st.next_seq - 1 - st.acked;
        o->next_seq = st.next_seq;
        o->acked_seq = st.acked;
        o->applied = st.applied;
        o->frames = ry_link_frames(l->link, peer);
    }
    l->n++;
    return 0;
}

int
ry_channel_links(const ry_channel_t *self, ry_link_info_t *out, int cap)
{
    s_links_t l = {out, cap, 0, NULL, self->link};
    if (ry_txn_begin(self->o.store, NULL, false, &l.txn))
        return 0;
    char names[64][RY_OUTBOX_PEER_MAX + 1];
    int n = ry_link_peers(self->link, names, 64);
    for (int i = 0; i < n && i < 64; i++)
        s_link_row(names[i], &l);
    ry_outbox_peers(l.txn, s_link_row, &l);
    ry_txn_abort(&l.txn);
    return l.n;
}

void
ry_channel_health(const ry_channel_t *self, ry_channel_health_t *out)
{
    *out = self->health;
}

void
ry_channel_client_conns(const ry_channel_t *self, uint64_t *served,
                        uint64_t *refused)
{
    ry_link_client_conns(self->link, served, refused);
}

uint64_t
ry_channel_dead_count(ry_channel_t *self)
{
    ry_txn_t *txn;
    uint64_t n = 0, refused = 0;
    if (ry_txn_begin(self->o.store, NULL, false, &txn) == 0) {
        ry_outbox_dead_counts(txn, &n, &refused);
        ry_txn_abort(&txn);
    }
    return n;
}

/* ------------------------------------------------------------ applying */

/* A handler's refusal of its input (RY_EMALFORMED, RY_EINVAL,
 * RY_ETOOBIG, or -1 from a request handler) is its message's alone, the
 * caller's to dead-letter or answer: 0 for the batch; any other error (a
 * store error) is returned for the whole batch. */
static int
s_handler_rc(int handler_rc)
{
    if (handler_rc == -1 || handler_rc == RY_EMALFORMED ||
        handler_rc == RY_EINVAL || handler_rc == RY_ETOOBIG)
        return 0;
    return handler_rc;
}

/* Ends the nested transaction a handler ran in: kept when it returned 0,
 * dropped when it refused its input (then as s_handler_rc). The outbox
 * counters are rows of the store, so the handler's appends vanish with
 * it. */
static int
s_nested_end(ry_txn_t **nt, int handler_rc)
{
    if (handler_rc == 0)
        return ry_txn_commit(nt);
    ry_txn_abort(nt);
    return s_handler_rc(handler_rc);
}

/* Where a handler runs: in a flat round, the round's transaction txn
 * itself (no copy of its dirty pages, no page lists to allocate); in a
 * nested round, a nested transaction of its own. *w0: the store's write
 * count before the handler. */
static int
s_handler_begin(ry_channel_t *self, ry_txn_t *txn, ry_txn_t **ht,
                uint64_t *w0)
{
    *w0 = ry_store_writes(self->o.store);
    if (!self->nested) {
        *ht = txn;
        return 0;
    }
    return ry_txn_begin(self->o.store, txn, true, ht);
}

/* Ends what s_handler_begin began, as s_nested_end. In a flat round, a
 * refusal that wrote nothing leaves nothing to drop; one that wrote
 * cannot be undone alone: S_AGAIN. */
static int
s_handler_end(ry_channel_t *self, ry_txn_t **ht, uint64_t w0, int handler_rc)
{
    if (self->nested)
        return s_nested_end(ht, handler_rc);
    *ht = NULL;
    int rc = handler_rc ? s_handler_rc(handler_rc) : 0;
    if (handler_rc && !rc && ry_store_writes(self->o.store) != w0)
        return S_AGAIN;
    return rc;
}

static void s_deferred_settle(ry_channel_t *self, bool committed);

/* Applies one DATA envelope from 'peer' (its frame: raw, rlen). Returns
 * 0 or the batch's error. */
static int
s_apply_data(ry_channel_t *self, ry_txn_t *txn, const char *peer,
             const ry_envelope_t *e, const uint8_t *raw, size_t rlen)
{
    ry_link_ack_due(self->link, peer);
    uint64_t applied;
    int rc = ry_outbox_applied(txn, peer, &applied);
    if (rc)
        return rc;
    if (e->link_seq <= applied)
        return 0; /* a duplicate: applied before, just re-acknowledge */
    if (e->link_seq != applied + 1)
        return 0; /* a gap: drop; the sender resends from what we ack */

    ry_txn_t *ht;
    uint64_t w0;
    rc = s_handler_begin(self, txn, &ht, &w0);
    if (rc)
        return rc;
    ry_msg_t m = {peer,       e->link_seq,   e->type, e->correlation_id,
                  e->payload, e->payload_len};
    int hrc = self->o.on_message(self->o.ctx, ht, &m);
    rc = s_handler_end(self, &ht, w0, hrc);
    if (rc)
        return rc;
    if (hrc) {
        ry_error(e->correlation_id, "dead-lettered %s:%" PRIu64 ": %s", peer,
                 e->link_seq, ry_strerror(hrc));
        rc = ry_outbox_dead(txn, "in", peer, e->link_seq, ry_strerror(hrc), raw,
                            rlen);
        if (rc)
            return rc;
        size_t len;
        uint8_t *rej = ry_outbox_envelope(
            self->self_id, RONGYU__ENVELOPE_KIND__REJECT, e->link_seq, 0,
            e->type, e->correlation_id, NULL, 0, ry_strerror(hrc), &len);
        ry_link_to_peer(self->link, peer, rej, len);
    }
    return ry_outbox_set_applied(txn, peer, e->link_seq);
}

/* A peer refused our message 'seq' for good: it becomes an "out" dead
 * letter with the row we sent, so an operator can see and retry it. */
static int
s_apply_reject(ry_txn_t *txn, const char *peer, const ry_envelope_t *e)
{
    ry_error(e->correlation_id, "%s rejected our message %" PRIu64 ": %s", peer,
             e->link_seq, e->reason);
    ry_val_t row = {NULL, 0};
    int rc = ry_outbox_row(txn, peer, e->link_seq, &row);
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    /* Copy: the dead write may move the row's page. */
    uint8_t *copy = NULL;
    if (row.len) {
        copy = malloc(row.len);
        if (!copy)
            abort();
        memcpy(copy, row.data, row.len);
    }
    rc =
        ry_outbox_dead(txn, "out", peer, e->link_seq, e->reason, copy, row.len);
    free(copy);
    return rc;
}

static bool
s_peer_allowed(const ry_channel_t *self, const char *id)
{
    if (!self->o.peers)
        return true;
    for (const char *const *p = self->o.peers; *p; p++)
        if (strcmp(*p, id) == 0)
            return true;
    return false;
}

/* Packs a PONG carrying 'state' (may be "") and this store's counters. */
static uint8_t *
s_pong(ry_channel_t *self, const char *state, size_t *len)
{
    ry_channel_stats_t own;
    ry_channel_stats(self, &own, 1);
    Rongyu__StoreStats ss;
    ry_channel_stats_pb(&own, &ss);
    ss.service = self->self_id; /* whole, not the entry's copy */
    Rongyu__Envelope e = RONGYU__ENVELOPE__INIT;
    e.kind = RONGYU__ENVELOPE_KIND__PONG;
    e.sender_id = self->self_id;
    e.schema_version = S_SCHEMA;
    e.reason = (char *)state;
    e.store = &ss;
    return ry_pb_pack(&e.base, len);
}

/* Keeps the counters a peer's PONG carried (none: nothing to keep). */
static void
s_keep_stats(ry_channel_t *self, const char *peer, const Rongyu__StoreStats *s)
{
    if (!s)
        return;
    int i = 0;
    while (i < self->npeer_stats && strcmp(self->peer_stats[i].service, peer))
        i++;
    if (i == RY_CHANNEL_MAX_STATS)
        return;
    if (i == self->npeer_stats)
        self->npeer_stats++;
    ry_channel_stats_t *o = &self->peer_stats[i];
    ry_channel_stats_from_pb(s, o);
    /* Named by the key that sent it, not by what it says it is. */
    snprintf(o->service, sizeof o->service, "%s", peer);
    /* When it came, on this process's clock: the peer's own clock may
     * differ from it (RONGYU_CLOCK starts each process's clock at its own
     * start), and a PONG that came after an ack on the same connection
     * was made after it. */
    o->at_ms = ry_clock_now_ms();
}

int
ry_channel_stats(ry_channel_t *self, ry_channel_stats_t *out, int cap)
{
    if (cap <= 0)
        return 0;
    memset(&out[0], 0, sizeof out[0]);
    snprintf(out[0].service, sizeof out[0].service, "%s", self->self_id);
    out[0].at_ms = ry_clock_now_ms();
    ry_store_stats(self->o.store, &out[0].store);
    int n = 1;
    for (int i = 0; i < self->npeer_stats && n < cap; i++)
        out[n++] = self->peer_stats[i];
    return n;
}

void
ry_channel_hello_soon(ry_channel_t *self)
{
    if (self->link)
        ry_link_hello_soon(self->link);
}

void
ry_channel_stats_pb(const ry_channel_stats_t *in, Rongyu__StoreStats *out)
{
    rongyu__store_stats__init(out);
    out->service = (char *)in->service;
    out->commits = in->store.commits;
    out->syncs = in->store.syncs;
    out->bytes_written = in->store.bytes_written;
    out->bytes_known = in->store.bytes_known;
    out->page_size = in->store.page_size;
    out->used_bytes = in->store.used_bytes;
    out->cases = in->store.cases;
    out->commit_us = in->store.commit_us;
    out->opened_ns = in->store.opened_ns;
    out->sync_start_us = in->store.sync_start_us;
    out->answered_us = in->store.answered_us;
    out->at_ms = in->at_ms;
}

void
ry_channel_stats_from_pb(const Rongyu__StoreStats *in, ry_channel_stats_t *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->service, sizeof out->service, "%s",
             in->service ? in->service : "");
    out->at_ms = in->at_ms;
    out->store = (ry_store_stats_t){
        .commits = in->commits,
        .syncs = in->syncs,
        .bytes_written = in->bytes_written,
        .bytes_known = in->bytes_known,
        .page_size = in->page_size,
        .used_bytes = in->used_bytes,
        .cases = in->cases,
        .commit_us = in->commit_us,
        .opened_ns = in->opened_ns,
        .sync_start_us = in->sync_start_us,
        .answered_us = in->answered_us,
    };
}

/* Applies envelope e from peer 'who' (its bytes: raw, rlen): DATA, ACK,
 * REJECT or PONG. */
static int
s_peer_env(ry_channel_t *self, ry_txn_t *txn, const char *who,
           const ry_envelope_t *e, const uint8_t *raw, size_t rlen)
{
    switch (e->kind) {
    case RONGYU__ENVELOPE_KIND__DATA:
        if (e->schema_version != S_SCHEMA)
            ry_warn(e->correlation_id, "schema %u from %s", e->schema_version,
                    who);
        return s_apply_data(self, txn, who, e, raw, rlen);
    case RONGYU__ENVELOPE_KIND__ACK:
        return ry_outbox_ack(txn, who, e->ack_seq, NULL);
    case RONGYU__ENVELOPE_KIND__REJECT: return s_apply_reject(txn, who, e);
    case RONGYU__ENVELOPE_KIND__PONG: /* the answer to our hello */
        s_keep_stats(self, who, e->store);
        return 0;
    default:
        return ry_outbox_dead(txn, "in", who, e->link_seq,
                              "unknown envelope kind", raw, rlen);
    }
}

/* Handles one message of a peer link inside the batch transaction. */
static int
s_peer_msg(ry_channel_t *self, ry_txn_t *txn, const ry_link_msg_t *m)
{
    if (m->malformed) {
        ry_warn(NULL, "peer message dead-lettered: %s", m->malformed);
        return ry_outbox_dead(txn, "in", RY_OUTBOX_STRANGER, 0, m->malformed,
                              m->body, m->len);
    }
    /* Read in place: a batch's items are not copied. */
    ry_envelope_t env, *e = &env;
    if (ry_envelope_read(e, m->body, m->len) != 0) {
        ry_warn(NULL, "undecodable peer frame of %zu bytes dead-lettered",
                m->len);
        return ry_outbox_dead(txn, "in", RY_OUTBOX_STRANGER, 0,
                              "frame does not decode", m->body, m->len);
    }
    int rc = 0;
    char who[RY_OUTBOX_PEER_MAX + 1];
    bool known = ry_link_identity(self->link, m, who, sizeof who) == 0;
    if (e->kind == RONGYU__ENVELOPE_KIND__PING) {
        size_t len;
        char state[160] = "";
        if (self->health.failures)
            snprintf(state, sizeof state,
                     "store failing: %s (%" PRIu64 " rounds in a row)",
                     ry_strerror(self->health.last_error),
                     self->health.failures);
        uint8_t *pong = s_pong(self, state, &len);
        ry_link_reply(self->link, m, pong, len);
        goto done;
    }
    /* The link belongs to the key the ZAP handler authenticated: a key
     * that is no configured peer's makes no link, and a message claiming
     * another name is refused, so acks cannot be misdirected. */
    if (!known || (m->src == RY_LINK_FROM_PEERS && !s_peer_allowed(self, who))) {
        ry_warn(NULL,
                "message claiming '%.63s' from key %.8s..., not a peer's "
                "key, refused",
                e->sender_id, m->key[0] ? m->key : "(none)");
        rc = ry_outbox_dead(txn, "in", RY_OUTBOX_STRANGER, 0,
                            "sender's key is not a peer's", m->body, m->len);
        goto done;
    }
    if (strcmp(e->sender_id, who) != 0) {
        rc = ry_outbox_dead(txn, "in", RY_OUTBOX_STRANGER, 0,
                            "sender id differs from the sender's key", m->body,
                            m->len);
        goto done;
    }
    if (e->kind != RONGYU__ENVELOPE_KIND__BATCH) {
        rc = s_peer_env(self, txn, who, e, m->body, m->len);
        goto done;
    }
    /* A batch: each item as if it had come in a frame of its own from
     * the same sender. */
    if (e->n_items)
        self->round_msgs += e->n_items - 1;
    size_t at = 0, ilen;
    const uint8_t *it;
    while (rc == 0 && ry_envelope_item(e, &at, &it, &ilen)) {
        ry_envelope_t item, *ie = &item;
        if (ry_envelope_read(ie, it, ilen) != 0) {
            rc = ry_outbox_dead(txn, "in", who, 0, "batch item does not decode",
                                it, ilen);
            continue;
        }
        if (strcmp(ie->sender_id, who) != 0)
            rc = ry_outbox_dead(txn, "in", who, ie->link_seq,
                                "batch item's sender differs from the batch's",
                                it, ilen);
        else if (ie->kind == RONGYU__ENVELOPE_KIND__BATCH ||
                 ie->kind == RONGYU__ENVELOPE_KIND__PING)
            rc = ry_outbox_dead(txn, "in", who, ie->link_seq,
                                "batch item of a kind a batch does not hold",
                                it, ilen);
        else
            rc = s_peer_env(self, txn, who, ie, it, ilen);
        ry_envelope_release(ie);
        /* A batch may hold hundreds of items: the round before goes out
         * between two of them as between two messages (s_apply_msgs). */
        s_release_synced(self);
    }
done:
    ry_envelope_release(e);
    return rc;
}

/* The answer to a client message whose frames are not
 * [envelope..., empty delimiter,] body: E_MALFORMED, naming what is
 * wrong. */
static uint8_t *
s_malformed_reply(const char *why, size_t *len)
{
    Rongyu__Reply r = RONGYU__REPLY__INIT;
    r.code = RONGYU__ERROR_CODE__E_MALFORMED;
    r.message_zh = (char *)ry_reply_text(r.code, true);
    r.message_en = (char *)ry_reply_text(r.code, false);
    r.detail = (char *)why;
    return ry_pb_pack(&r.base, len);
}

/* The answer to a client message from a connection over its key's bound
 * (ry_link_msg_t.over_limit): E_BUSY, to retry once another of the key's
 * connections has closed, with the request's request_id when its bytes
 * have one. */
static uint8_t *
s_over_limit_reply(const ry_channel_t *self, const ry_link_msg_t *m,
                   size_t *len)
{
    /* Read from the bytes alone: the request is not decoded. */
    const uint32_t number = protobuf_c_message_descriptor_get_field_by_name(
                                &rongyu__request__descriptor, "request_id")
                                ->id;
    char id[RY_REQUEST_ID_MAX + 1] = "";
    size_t pos = 0;
    ry_pb_field_t f;
    while (m->body && ry_pb_next(m->body, m->len, &pos, &f) == 1)
        if (f.number == number && f.wire == 2 && f.vlen < sizeof id &&
            !memchr(f.val, 0, f.vlen)) {
            memcpy(id, f.val, f.vlen);
            id[f.vlen] = '\0';
        }
    char detail[400];
    snprintf(
        detail, sizeof detail,
        "本连接的密钥已有 %u 个连接在服务中（上限），请关闭不用的连接或稍后"
        "重试。this connection's key has %u connections served already "
        "(client_connections_per_key): close one it does not use, or "
        "retry later",
        self->o.client_conns_per_key, self->o.client_conns_per_key);
    Rongyu__Reply r = RONGYU__REPLY__INIT;
    r.code = RONGYU__ERROR_CODE__E_BUSY;
    r.message_zh = (char *)ry_reply_text(r.code, true);
    r.message_en = (char *)ry_reply_text(r.code, false);
    r.detail = detail;
    r.retry_after_ms = 1000;
    r.request_id = (char *)ry_text_request_id_echo(id);
    return ry_pb_pack(&r.base, len);
}

/* The answer to client message m when the service never sees it (its
 * frames are malformed, or its connection is over its key's bound), or
 * NULL. */
static uint8_t *
s_link_reply(const ry_channel_t *self, const ry_link_msg_t *m, size_t *len)
{
    if (m->malformed)
        return s_malformed_reply(m->malformed, len);
    if (m->over_limit)
        return s_over_limit_reply(self, m, len);
    return NULL;
}

/* Runs client message m, a read (o.reads_only), in txn with writes
 * refused; returns as s_handler_rc. */
static int
s_read_request(ry_channel_t *self, ry_txn_t *txn, const ry_link_msg_t *m,
               uint8_t **reply, size_t *len)
{
    ry_txn_reads_only(txn, true);
    self->current = m;
    int rc = self->o.on_request(self->o.ctx, txn, m->body, m->len, reply, len);
    self->current = NULL;
    ry_txn_reads_only(txn, false);
    return s_handler_rc(rc);
}

static int
s_client_msg(ry_channel_t *self, ry_txn_t *txn, const ry_link_msg_t *m)
{
    size_t len;
    uint8_t *early = s_link_reply(self, m, &len);
    if (early) {
        ry_link_reply(self->link, m, early, len);
        return 0;
    }
    uint8_t *reply = NULL;
    size_t rlen = 0;
    int rc;
    if (self->o.reads_only &&
        self->o.reads_only(self->o.ctx, m->body, m->len)) {
        /* Nothing can be written, so nothing needs undoing. */
        rc = s_read_request(self, txn, m, &reply, &rlen);
    } else {
        ry_txn_t *ht;
        uint64_t w0;
        rc = s_handler_begin(self, txn, &ht, &w0);
        if (rc)
            return rc;
        self->current = m;
        rc =
            self->o.on_request(self->o.ctx, ht, m->body, m->len, &reply, &rlen);
        self->current = NULL;
        rc = s_handler_end(self, &ht, w0, rc);
    }
    if (rc) {
        free(reply);
        return rc;
    }
    if (reply)
        ry_link_reply(self->link, m, reply, rlen);
    return 0;
}

/* Forgets what an undone attempt at a round left outside the store: the
 * replies and acks not yet sent, the deferred replies it took, its log
 * lines (from 'mark'). */
static void
s_undo_round(ry_channel_t *self, uint64_t mark)
{
    ry_link_discard(self->link);
    s_deferred_settle(self, false);
    ry_log_rewind(mark);
}

/* Applies msgs[from..n) in txn. */
static int
s_apply_msgs(ry_channel_t *self, ry_txn_t *txn, const ry_link_msg_t *msgs,
             int from, int n)
{
    int rc = 0;
    for (int i = from; rc == 0 && i < n; i++) {
        rc = msgs[i].src == RY_LINK_FROM_CLIENTS
                 ? s_client_msg(self, txn, &msgs[i])
                 : s_peer_msg(self, txn, &msgs[i]);
        /* The round before goes out as soon as its sync is done, not at
         * this one's commit: a read transaction still sees that round,
         * and nothing of this one. Looked at after every message, so
         * that its answers wait for no more than one message after the
         * sync. */
        s_release_synced(self);
    }
    return rc;
}

/* Applies the whole batch in one transaction. Returns 0 or the error
 * (RY_EFULL, a store error); on failure nothing is kept.
 *
 * The handlers run flat, in the transaction itself: a nested
 * transaction per message makes LMDB allocate its page lists and copy
 * every page the message touches that the round has already touched.
 * Most refusals come before any write, and then there is nothing to
 * drop; when a handler refuses after writing, the round is undone and
 * applied again with each handler nested, so that only the refused
 * message's writes go. A handler may thus run twice for one message;
 * only the second run's writes are kept. */
static int
s_apply_batch(ry_channel_t *self, ry_link_msg_t **msgs_p, int *n_p)
{
    ry_txn_t *txn;
    uint64_t mark = ry_log_mark();
    int rc;
    ry_link_msg_t *msgs = *msgs_p;
    int n = *n_p;
    self->nested = false;
again:
    self->round_msgs = (uint64_t)n;
    rc = ry_txn_begin(self->o.store, NULL, true, &txn);
    if (rc)
        return rc;
    rc = s_apply_msgs(self, txn, msgs, 0, n);
    /* Synced apart, while the round before is still syncing this one
     * takes what comes meanwhile, instead of waiting to commit (its first
     * run only: a run again, nested, takes the same messages). */
    while (rc == 0 && self->held && !self->nested &&
           ry_store_sync_pending(self->o.store)) {
        ry_link_set_wake_fd(self->link, ry_store_sync_fd(self->o.store));
        int more = ry_link_read_more(self->link, 1000, &self->limits, &msgs);
        if (more <= n)
            break;
        *msgs_p = msgs;
        *n_p = more;
        self->round_msgs += (uint64_t)(more - n); /* a batch's items too */
        rc = s_apply_msgs(self, txn, msgs, n, more);
        n = more;
    }
    if (rc == S_AGAIN) {
        ry_txn_abort(&txn);
        s_undo_round(self, mark);
        self->nested = true;
        goto again;
    }
    if (rc) {
        ry_txn_abort(&txn);
        return rc;
    }
    self->handled += self->round_msgs;
    /* Synced apart: the round before goes out once its sync is done, and
     * before this commit, so that what it sends (its acks read from the
     * store) is its own. */
    s_release(self, -1);
    s_fault(self, S_FAULT_BEFORE_COMMIT);
    if (self->apart && self->fault == S_FAULT_AFTER_COMMIT &&
        self->handled >= self->fault_at)
        ry_store_sync_hold(self->o.store, true); /* killed before its sync */
    rc = ry_txn_commit(&txn);
    /* Synced apart, the crash point is a commit that wrote (its sync,
     * held, is pending): one that wrote nothing leaves nothing to void. */
    if (rc == 0 && (!self->apart || ry_store_sync_pending(self->o.store)))
        s_fault(self, S_FAULT_AFTER_COMMIT);
    return rc;
}

/* Synced apart: once the held round's commit is synced, sends what it
 * answered and relays what it queued, then lets the service answer from
 * it (on_synced). timeout_ms as ry_store_sync_wait. Returns 0 (also
 * when nothing is held) or RY_EAGAIN (not synced yet). A sync that
 * failed ends the process: its commit may not be on the disk while
 * LMDB builds on it, and the next open voids it (ry_sync). */
static int
s_release(ry_channel_t *self, int timeout_ms)
{
    if (!self->held)
        return 0;
    int rc = ry_store_sync_wait(self->o.store, timeout_ms);
    if (rc == RY_EAGAIN)
        return rc;
    if (rc) {
        /* Neither the held round's lines nor those of the round under way
         * (never committed) go out: only why. */
        ry_log_rewind(0);
        ry_error(NULL, "the store failed to sync a commit: stopping; the "
                       "next start opens it at the last synced commit");
        ry_log_flush();
        abort();
    }
    self->held = false;
    ry_store_sync_answered(self->o.store);
    /* Its lines first, before the answers: a client answered finds them
     * in the log. */
    ry_log_put(self->lines, self->nlines);
    free(self->lines);
    self->lines = NULL;
    self->nlines = 0;
    ry_link_flush_held(self->link);
    s_fault(self, S_FAULT_AFTER_REPLY);
    ry_link_relay(self->link);
    self->relayed = true;
    if (self->on_synced)
        self->on_synced(self->o.ctx);
    return 0;
}

/* Synced apart: the held round goes out if its sync is done. While it is
 * not, a look is a lock and a comparison (s_release's wait reads the
 * sync's descriptor, a system call, and runs only once it is done; a
 * failed sync stops the process at the next commit, s_apply_batch). */
static void
s_release_synced(ry_channel_t *self)
{
    if (self->held && !ry_store_sync_pending(self->o.store))
        s_release(self, 0);
}

/* Answers a client message that only reads, after its batch could not
 * be applied: in a read transaction of its own, which sees the last
 * commit (synced: s_refuse_clients released it). Returns 0 with the
 * handler's reply, or the store's error (then the client is refused). */
static int
s_answer_read(ry_channel_t *self, const ry_link_msg_t *m, uint8_t **reply,
              size_t *len)
{
    ry_txn_t *txn;
    int rc = ry_txn_begin(self->o.store, NULL, false, &txn);
    if (rc)
        return rc;
    int deferred = self->ndeferred;
    rc = s_read_request(self, txn, m, reply, len);
    ry_txn_abort(&txn);
    if (rc) {
        free(*reply);
        *reply = NULL;
        while (self->ndeferred > deferred) /* a wait it took goes too */
            free(self->deferred[--self->ndeferred].route);
    }
    return rc;
}

/* Tells each client of a batch that could not be applied why, so it does
 * not wait in vain; peers need no word: they resend. A client that only
 * reads is answered all the same: a store that cannot take writes (full,
 * or its disk) still has what it holds to show. */
static void
s_refuse_clients(ry_channel_t *self, const ry_link_msg_t *msgs, int n, int why)
{
    s_deferred_settle(self, false); /* the failed round's waits go */
    s_release(self, -1); /* the flush below sends everything queued */
    for (int i = 0; i < n; i++) {
        const ry_link_msg_t *m = &msgs[i];
        if (m->src != RY_LINK_FROM_CLIENTS)
            continue;
        uint8_t *reply = NULL;
        size_t len = 0;
        if ((reply = s_link_reply(self, m, &len))) {
            /* answered */
        } else if (self->o.reads_only && self->o.on_request &&
                   self->o.reads_only(self->o.ctx, m->body, m->len) &&
                   s_answer_read(self, m, &reply, &len) == 0) {
            /* answered */
        } else if (self->o.on_refuse) {
            self->current = m;
            self->o.on_refuse(self->o.ctx, m->body, m->len, why, &reply, &len);
            self->current = NULL;
        } else {
            Rongyu__Reply r = RONGYU__REPLY__INIT;
            char detail[200];
            snprintf(detail, sizeof detail, "本批请求未能写入存储（%s）。%s",
                     ry_strerror(why), ry_strerror(why));
            r.code = RONGYU__ERROR_CODE__E_BUSY;
            r.message_zh = (char *)ry_reply_text(r.code, true);
            r.message_en = (char *)ry_reply_text(r.code, false);
            r.detail = detail;
            r.retry_after_ms = 1000;
            reply = ry_pb_pack(&r.base, &len);
        }
        if (reply)
            ry_link_reply(self->link, m, reply, len);
    }
    /* The waits taken by the reads above, the only ones not settled,
     * hold: nothing they read goes. */
    s_deferred_settle(self, true);
    ry_link_flush(self->link);
}

/* ------------------------------------------------------------ deferred */

uint64_t
ry_channel_defer(ry_channel_t *self)
{
    const ry_link_msg_t *m = self->current;
    if (!m || self->ndeferred == S_MAX_DEFERRED)
        return 0;
    if (self->ndeferred == self->defcap) {
        self->defcap = self->defcap ? self->defcap * 2 : 16;
        self->deferred = realloc(self->deferred, sizeof *self->deferred *
                                                     (size_t)self->defcap);
        if (!self->deferred)
            abort();
    }
    s_deferred_t *d = &self->deferred[self->ndeferred++];
    memset(d, 0, sizeof *d);
    d->token = ++self->next_token;
    d->sock = m->sock;
    size_t total = 0;
    for (int i = 0; i < m->route_n; i++) {
        d->route_len[i] = m->route_len[i];
        total += m->route_len[i];
    }
    d->route_n = m->route_n;
    d->route = malloc(total ? total : 1);
    if (!d->route)
        abort();
    if (total)
        memcpy(d->route, m->route, total);
    return d->token;
}

/* After a round: the deferred requests of a committed batch hold; those
 * of a batch that was not applied are forgotten (their clients were
 * refused or will retry). */
static void
s_deferred_settle(ry_channel_t *self, bool committed)
{
    int n = 0;
    for (int i = 0; i < self->ndeferred; i++) {
        s_deferred_t *d = &self->deferred[i];
        if (!d->committed && !committed) {
            free(d->route);
            self->forgotten++;
            continue;
        }
        d->committed = true;
        self->deferred[n++] = *d;
    }
    self->ndeferred = n;
}

bool
ry_channel_deferred_committed(const ry_channel_t *self, uint64_t token)
{
    for (int i = 0; i < self->ndeferred; i++)
        if (self->deferred[i].token == token)
            return self->deferred[i].committed;
    return false;
}

uint64_t
ry_channel_deferred_forgotten(const ry_channel_t *self)
{
    return self->forgotten;
}

bool
ry_channel_deferred_held(const ry_channel_t *self, uint64_t token)
{
    for (int i = 0; i < self->ndeferred; i++)
        if (self->deferred[i].token == token)
            return true;
    return false;
}

int
ry_channel_reply_deferred(ry_channel_t *self, uint64_t token,
                          const void *data, size_t len)
{
    for (int i = 0; i < self->ndeferred; i++) {
        s_deferred_t *d = &self->deferred[i];
        if (d->token != token || !d->committed)
            continue;
        int rc = ry_link_send_route(self->link, d->sock, d->route, d->route_len,
                                    d->route_n, data, len);
        free(d->route);
        self->deferred[i] = self->deferred[--self->ndeferred];
        return rc;
    }
    return RY_ENOTFOUND;
}

/* Milliseconds until the next round may begin under o.round_ms: 0 when
 * it may begin now (also after a round of half a batch or more). */
static int
s_round_wait(const ry_channel_t *self)
{
    if (!self->o.round_ms || !self->round_at ||
        self->last_round >= self->o.batch / 2)
        return 0;
    int64_t left = self->round_at + self->o.round_ms - ry_clock_mono_ms();
    return left > 0 ? (int)left : 0;
}

/* The relay at the end of a turn, unless a round is held (its rows are
 * not synced) or s_release relayed in this turn already. */
static void
s_relay_turn(ry_channel_t *self)
{
    if (!self->held && !self->relayed)
        ry_link_relay(self->link);
}

int
ry_channel_run_once(ry_channel_t *self, int timeout_ms)
{
    self->relayed = false;
    int wait = s_round_wait(self);
    if (wait > 0) {
        if (wait > timeout_ms) {
            ry_clock_sleep_ms(timeout_ms);
            s_release(self, 0);
            s_relay_turn(self);
            return 0;
        }
        ry_clock_sleep_ms(wait);
        timeout_ms -= wait;
    }
    ry_link_msg_t *msgs;
    /* A held round: the wait for input ends when its sync does, so that
     * its answers do not wait for more input (below). */
    ry_link_set_wake_fd(self->link,
                        self->held ? ry_store_sync_fd(self->o.store) : -1);
    int n = ry_link_read(self->link, timeout_ms, &self->limits, &msgs);
    if (n < 0)
        return n;
    int result = 0;
    if (n > 0) {
        int rc;
        self->round_at = ry_clock_mono_ms();
        ry_log_hold();
        for (;;) {
            rc = s_apply_batch(self, &msgs, &n);
            if (rc != RY_EFULL)
                break;
            ry_link_discard(self->link);
            s_deferred_settle(self, false);
            if (ry_store_grow(self->o.store, self->o.max_map_size) != 0)
                break;
        }
        self->last_round = self->round_msgs;
        if (rc == 0) {
            if (self->health.failures)
                ry_info(NULL,
                        "the store works again after %" PRIu64 " failed rounds",
                        self->health.failures);
            self->health.failures = 0;
            s_deferred_settle(self, true);
            if (self->apart && ry_store_sync_pending(self->o.store)) {
                /* Its answers wait for its sync, while the next round
                 * is read and applied (a round that wrote nothing, or
                 * whose sync is done, read only what is synced: the
                 * commit before it was synced before it committed). */
                ry_link_hold(self->link);
                self->held = true;
                if (self->on_committed)
                    self->on_committed(self->o.ctx);
            } else {
                ry_link_flush(self->link);
                s_fault(self, S_FAULT_AFTER_REPLY);
            }
        } else {
            /* Nothing of this batch is kept or acknowledged: senders
             * resend and clients retry. */
            if (self->health.failures++ == 0) {
                ry_error(NULL,
                         "batch of %d messages not applied: %s; "
                         "senders resend, clients retry",
                         n, ry_strerror(rc));
                self->health.since_ms = ry_clock_now_ms();
            }
            self->health.total_failures++;
            self->health.last_error = rc;
            ry_link_discard(self->link);
            s_refuse_clients(self, msgs, n, rc);
            result = rc;
        }
    } else if (self->held) {
        /* Nothing waits: the held round's sync, then its answers. */
        s_release(self, timeout_ms > 0 ? timeout_ms : 0);
    } else {
        ry_mem_trim(ry_clock_mono_ms()); /* idle: what a burst left */
    }
    s_relay_turn(self);
    /* A reader of the store killed while it read (an mdb_copy, a
     * rongyu-inspect) would otherwise grow it until the next start. */
    ry_store_readers_check(self->o.store, ry_clock_mono_ms());
    /* A held round's log lines wait for its sync with its answers
     * (s_release), so that a round voided at the next start leaves none. */
    if (self->held)
        ry_log_take(&self->lines, &self->nlines);
    ry_log_flush();
    return result;
}

int
ry_channel_dead_retry(ry_channel_t *self, ry_txn_t *txn, const char *key,
                      char *why, size_t cap)
{
    ry_outbox_dead_t d;
    int rc = ry_outbox_dead_get(txn, key, &d);
    if (rc)
        return rc;
    bool out = strcmp(d.dir, "out") == 0;
    if (strcmp(d.peer, RY_OUTBOX_STRANGER) == 0 || d.frame_len == 0 ||
        (!out && !self->o.on_message)) {
        snprintf(why, cap, "死信「%s」不能重发：%s。%s cannot be retried: %s",
                 key, d.frame_len ? "其发送方不是已配置的对端" : "其帧未保存",
                 key,
                 d.frame_len ? "its sender is not a configured peer"
                             : "its frame was not kept");
        return RY_EINVAL;
    }
    Rongyu__Envelope *e = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, d.frame, d.frame_len, 0);
    if (!e || e->kind != RONGYU__ENVELOPE_KIND__DATA) {
        ry_pb_free(&e);
        snprintf(why, cap,
                 "死信「%s」不能重发：其帧不是消息。%s cannot be retried: its "
                 "frame is not a message",
                 key, key);
        return RY_EINVAL;
    }
    char peer[RY_OUTBOX_PEER_MAX + 1];
    snprintf(peer, sizeof peer, "%s", d.peer);
    if (out) {
        rc = ry_channel_send(self, txn, peer, e->type, e->correlation_id,
                             e->payload.data, e->payload.len);
    } else {
        ry_txn_t *nt;
        rc = ry_txn_begin(self->o.store, txn, true, &nt);
        if (!rc) {
            ry_msg_t m = {peer,
                          e->link_seq,
                          e->type,
                          e->correlation_id,
                          e->payload.data,
                          e->payload.len};
            int hrc = self->o.on_message(self->o.ctx, nt, &m);
            rc = s_nested_end(&nt, hrc);
            if (!rc && hrc) {
                snprintf(why, cap,
                         "死信「%s」再次被拒绝（%s）。%s refused again: %s",
                         key, ry_strerror(hrc), key, ry_strerror(hrc));
                rc = RY_EINVAL;
            }
        }
    }
    ry_pb_free(&e);
    if (!rc)
        rc = ry_outbox_dead_drop(txn, key);
    return rc;
}
