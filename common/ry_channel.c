/* ry_channel: reliable links between services and the client socket, in one
 * single-threaded loop with group commit. */
#include "ry_channel.h"

#include "rongyu.pb-c.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_MAX_LINKS 32
#define S_PEER_MAX 63
#define S_RTO_BASE 250
#define S_RTO_MAX 4000
#define S_SCHEMA 1

typedef struct {
    char peer[S_PEER_MAX + 1];
    void *dealer; /* set when we connected to the peer; else via router */
    /* outbound, committed */
    uint64_t next_seq, acked, sent;
    /* outbound, staged in the open batch */
    uint64_t s_next_seq, s_acked;
    int64_t deadline, rto, blocked_until, backoff;
    /* inbound */
    uint64_t applied, s_applied;
    bool ack_due;
} s_link_t;

/* A client message is [routing id][envelope..., empty delimiter][body]
 * or [routing id][body], with at most S_MAX_PARTS frames after the routing
 * id; the reply echoes the envelope. A peer message is [routing id][body]
 * on the ROUTER, [body] on a DEALER. */
#define S_MAX_PARTS 16

/* The frames that go before a reply: the routing id (when routed), then
 * the client's envelope, packed one after another in buf. */
typedef struct {
    uint8_t *buf;
    size_t len[S_MAX_PARTS + 1];
    int n;
} s_route_t;

typedef struct {
    int src;          /* S_SRC_* */
    s_link_t *dealer; /* the link whose dealer it came from */
    uint8_t *rid;     /* the routing id (also route's first part) */
    size_t rid_len;
    s_route_t route;
    uint8_t *body;
    size_t len;
    const char *malformed; /* why the frames' shape is wrong, or NULL */
} s_frame_t;

enum { S_SRC_PEERS, S_SRC_CLIENTS, S_SRC_DEALER };

typedef struct {
    void *sock;
    s_route_t route;
    uint8_t *data;
    size_t len;
} s_out_t;

/* Crash points for tests: RONGYU_FAULT="<point>:<n>" kills the process
 * with SIGKILL at that point once n frames have been handled. */
enum { S_FAULT_NONE, S_FAULT_BEFORE_COMMIT, S_FAULT_AFTER_COMMIT,
       S_FAULT_AFTER_REPLY };

struct ry_channel {
    ry_channel_opts_t o;
    int fault;
    uint64_t fault_at, handled;
    char self_id[S_PEER_MAX + 1];
    void *ctx;
    void *peers;   /* ROUTER for peers */
    void *clients; /* ROUTER for clients */
    char peer_ep[256], client_ep[256];
    s_link_t links[S_MAX_LINKS];
    int nlinks;
    s_frame_t *frames;
    int nframes;
    s_out_t *outs;
    int nouts, outcap;
    ry_channel_health_t health;
};

/* ------------------------------------------------------------ helpers */

static void
s_seq_key(char *out, size_t cap, const char *dir, const char *peer)
{
    snprintf(out, cap, "%s|%s", dir, peer);
}

static size_t
s_outbox_key(uint8_t *out, const char *peer, uint64_t seq)
{
    size_t n = strlen(peer);
    memcpy(out, peer, n);
    out[n] = '\0';
    ry_be64_put(out + n + 1, seq);
    return n + 9;
}

static int
s_get_u64(ry_txn_t *txn, const char *key, uint64_t *v)
{
    ry_val_t val;
    int rc = ry_txn_get(txn, "ry_seq", key, strlen(key), &val);
    if (rc == RY_ENOTFOUND) {
        *v = 0;
        return 0;
    }
    if (rc)
        return rc;
    if (val.len != 8)
        return RY_EIO;
    *v = ry_be64_get(val.data);
    return 0;
}

static int
s_put_u64(ry_txn_t *txn, const char *key, uint64_t v)
{
    uint8_t b[8];
    ry_be64_put(b, v);
    return ry_txn_put(txn, "ry_seq", key, strlen(key), b, 8, 0);
}

static s_link_t *
s_link_find(ry_channel_t *self, const char *peer)
{
    for (int i = 0; i < self->nlinks; i++)
        if (strcmp(self->links[i].peer, peer) == 0)
            return &self->links[i];
    return NULL;
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

/* Finds or creates the link to 'peer', reading its counters through 'txn'
 * (or a read transaction of its own when txn is NULL). Returns NULL for a
 * bad peer name, too many links or a store error. */
static s_link_t *
s_link_get(ry_channel_t *self, ry_txn_t *txn, const char *peer)
{
    s_link_t *l = s_link_find(self, peer);
    if (l)
        return l;
    if (!*peer || strlen(peer) > S_PEER_MAX || self->nlinks == S_MAX_LINKS)
        return NULL;
    ry_txn_t *own = NULL;
    if (!txn) {
        if (ry_txn_begin(self->o.store, NULL, false, &own))
            return NULL;
        txn = own;
    }
    char key[80];
    uint64_t next = 0, applied = 0;
    s_seq_key(key, sizeof key, "out", peer);
    int rc = s_get_u64(txn, key, &next);
    s_seq_key(key, sizeof key, "in", peer);
    if (!rc)
        rc = s_get_u64(txn, key, &applied);
    if (!next)
        next = 1;
    uint64_t acked = next - 1;
    if (!rc) {
        /* The lowest row still in the outbox is the first unacknowledged. */
        s_first_t found = {0, strlen(peer) + 1};
        rc = ry_txn_scan(txn, "ry_outbox", peer, found.plen, NULL, 0,
                         s_first, &found);
        if (!rc && found.seq)
            acked = found.seq - 1;
    }
    ry_txn_abort(&own);
    if (rc)
        return NULL;
    l = &self->links[self->nlinks++];
    memset(l, 0, sizeof *l);
    snprintf(l->peer, sizeof l->peer, "%s", peer);
    l->next_seq = l->s_next_seq = next;
    l->acked = l->s_acked = acked;
    l->sent = acked;
    l->applied = l->s_applied = applied;
    l->rto = S_RTO_BASE;
    return l;
}

/* ------------------------------------------------------------ sockets */

/* Sets an int option; returns 0 or RY_ENET after a log line. */
static int
s_setopt_int(void *sock, int opt, int v)
{
    if (zmq_setsockopt(sock, opt, &v, sizeof v) == 0)
        return 0;
    ry_error(NULL, "socket option %d = %d refused: %s", opt, v,
             zmq_strerror(zmq_errno()));
    return RY_ENET;
}

static int
s_common_opts(void *sock, size_t maxmsg)
{
    int64_t max = (int64_t)maxmsg;
    if (zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max) != 0) {
        ry_error(NULL, "ZMQ_MAXMSGSIZE refused: %s",
                 zmq_strerror(zmq_errno()));
        return RY_ENET;
    }
    static const int opts[][2] = {
        {ZMQ_LINGER, 0},
        {ZMQ_SNDHWM, 20000},
        {ZMQ_RCVHWM, 20000},
        {ZMQ_HEARTBEAT_IVL, 1000},
        {ZMQ_HEARTBEAT_TIMEOUT, 5000},
        {ZMQ_HEARTBEAT_TTL, 5000},
        {ZMQ_HANDSHAKE_IVL, 5000},
        {ZMQ_RECONNECT_IVL, 100},
        {ZMQ_RECONNECT_IVL_MAX, 2000},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (s_setopt_int(sock, opts[i][0], opts[i][1]))
            return RY_ENET;
    return 0;
}

static int
s_bind_router(ry_channel_t *self, const char *endpoint, size_t maxmsg,
              bool handover, void **out, char *ep, size_t eplen)
{
    void *sock = zmq_socket(self->ctx, ZMQ_ROUTER);
    if (!sock)
        return RY_ENET;
    if (s_common_opts(sock, maxmsg) ||
        s_setopt_int(sock, ZMQ_ROUTER_MANDATORY, 1) ||
        (handover && s_setopt_int(sock, ZMQ_ROUTER_HANDOVER, 1))) {
        zmq_close(sock);
        return RY_ENET;
    }
    if (zmq_bind(sock, endpoint) != 0) {
        ry_error(NULL, "cannot bind '%s': %s", endpoint,
                 zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return RY_ENET;
    }
    size_t n = eplen;
    zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, ep, &n);
    *out = sock;
    return 0;
}

static void
s_fault_init(ry_channel_t *self)
{
    const char *f = getenv("RONGYU_FAULT");
    static const char *points[] = {NULL, "before_commit:", "after_commit:",
                                   "after_reply:"};
    for (int i = 1; f && i < 4; i++) {
        size_t n = strlen(points[i]);
        if (strncmp(f, points[i], n) == 0) {
            self->fault = i;
            self->fault_at = strtoull(f + n, NULL, 10);
            ry_warn(NULL, "fault injection armed: %s", f);
        }
    }
}

static void
s_fault(ry_channel_t *self, int point)
{
    if (self->fault == point && self->handled >= self->fault_at) {
        ry_warn(NULL, "fault injection: killing at point %d after %" PRIu64
                      " frames",
                point, self->handled);
        raise(SIGKILL);
    }
}

typedef struct {
    char names[S_MAX_LINKS][S_PEER_MAX + 1];
    int n;
} s_names_t;

/* Collects the peer names of "out|peer" and "in|peer" counters. */
static int
s_collect(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    s_names_t *acc = arg;
    const char *k = key->data;
    size_t skip = key->len > 4 && memcmp(k, "out|", 4) == 0  ? 4
                  : key->len > 3 && memcmp(k, "in|", 3) == 0 ? 3
                                                             : 0;
    if (!skip || key->len - skip > S_PEER_MAX)
        return 0;
    char name[S_PEER_MAX + 1];
    memcpy(name, k + skip, key->len - skip);
    name[key->len - skip] = '\0';
    for (int i = 0; i < acc->n; i++)
        if (strcmp(acc->names[i], name) == 0)
            return 0;
    if (acc->n < S_MAX_LINKS)
        memcpy(acc->names[acc->n++], name, sizeof name);
    return 0;
}

int
ry_channel_new(const ry_channel_opts_t *opts, ry_channel_t **out)
{
    assert(opts && opts->self_id && opts->store && out);
    *out = NULL;
    ry_channel_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->o = *opts;
    snprintf(self->self_id, sizeof self->self_id, "%s", opts->self_id);
    self->o.self_id = self->self_id;
    if (!self->o.window)
        self->o.window = 512;
    if (!self->o.batch)
        self->o.batch = 512;
    if (!self->o.max_peer_msg)
        self->o.max_peer_msg = (size_t)64 << 20;
    if (!self->o.max_request)
        self->o.max_request = (size_t)64 << 20;
    self->frames = calloc(self->o.batch, sizeof *self->frames);
    self->ctx = zmq_ctx_new();
    s_fault_init(self);
    if (!self->frames || !self->ctx)
        abort();

    /* Every link with a counter in the store comes back, so its outbox
     * rows are resent and its inbox counter is known. */
    ry_txn_t *txn;
    if (ry_txn_begin(self->o.store, NULL, false, &txn)) {
        ry_channel_destroy(&self);
        return RY_EIO;
    }
    s_names_t acc = {.n = 0};
    int rc = ry_txn_scan(txn, "ry_seq", NULL, 0, NULL, 0, s_collect, &acc);
    ry_txn_abort(&txn);
    for (int i = 0; rc == 0 && i < acc.n; i++)
        if (!s_link_get(self, NULL, acc.names[i]))
            rc = RY_EIO;
    if (rc) {
        ry_channel_destroy(&self);
        return RY_EIO;
    }
    *out = self;
    return 0;
}

static void
s_frames_clear(ry_channel_t *self)
{
    for (int i = 0; i < self->nframes; i++) {
        free(self->frames[i].route.buf);
        free(self->frames[i].body);
    }
    memset(self->frames, 0, sizeof *self->frames * (size_t)self->nframes);
    self->nframes = 0;
}

static void
s_outs_clear(ry_channel_t *self)
{
    for (int i = 0; i < self->nouts; i++) {
        free(self->outs[i].route.buf);
        free(self->outs[i].data);
    }
    self->nouts = 0;
}

void
ry_channel_destroy(ry_channel_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ry_channel_t *self = *self_p;
    for (int i = 0; i < self->nlinks; i++)
        if (self->links[i].dealer)
            zmq_close(self->links[i].dealer);
    if (self->peers)
        zmq_close(self->peers);
    if (self->clients)
        zmq_close(self->clients);
    if (self->ctx)
        zmq_ctx_term(self->ctx);
    if (self->frames)
        s_frames_clear(self);
    s_outs_clear(self);
    free(self->outs);
    free(self->frames);
    free(self);
    *self_p = NULL;
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

int
ry_channel_bind_peers(ry_channel_t *self, const char *endpoint)
{
    assert(!self->peers);
    return s_bind_router(self, endpoint, self->o.max_peer_msg, true,
                         &self->peers, self->peer_ep, sizeof self->peer_ep);
}

const char *
ry_channel_peer_endpoint(const ry_channel_t *self)
{
    return self->peer_ep;
}

int
ry_channel_bind_clients(ry_channel_t *self, const char *endpoint)
{
    assert(!self->clients && self->o.on_request);
    return s_bind_router(self, endpoint, self->o.max_request, false,
                         &self->clients, self->client_ep,
                         sizeof self->client_ep);
}

const char *
ry_channel_client_endpoint(const ry_channel_t *self)
{
    return self->client_ep;
}

int
ry_channel_connect(ry_channel_t *self, const char *peer_id,
                   const char *endpoint)
{
    s_link_t *l = s_link_get(self, NULL, peer_id);
    if (!l)
        return RY_EIO;
    assert(!l->dealer);
    void *sock = zmq_socket(self->ctx, ZMQ_DEALER);
    if (!sock)
        return RY_ENET;
    /* With IMMEDIATE a send to a peer that is not connected fails at once
     * instead of queueing in memory: the outbox is the queue. */
    if (s_common_opts(sock, self->o.max_peer_msg) ||
        zmq_setsockopt(sock, ZMQ_ROUTING_ID, self->self_id,
                       strlen(self->self_id)) != 0 ||
        s_setopt_int(sock, ZMQ_IMMEDIATE, 1)) {
        ry_error(NULL, "cannot set up the socket to %s", peer_id);
        zmq_close(sock);
        return RY_ENET;
    }
    if (zmq_connect(sock, endpoint) != 0) {
        ry_error(NULL, "cannot connect to %s at '%s': %s", peer_id, endpoint,
                 zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return RY_ENET;
    }
    l->dealer = sock;
    return 0;
}

/* ------------------------------------------------------------ sending */

/* Packs an envelope into a new buffer (the caller's). */
static uint8_t *
s_envelope(const ry_channel_t *self, Rongyu__EnvelopeKind kind,
           uint64_t link_seq, uint64_t ack_seq, int type,
           const char *correlation, const void *payload, size_t plen,
           const char *reason, size_t *len)
{
    Rongyu__Envelope e = RONGYU__ENVELOPE__INIT;
    char msg_id[96];
    e.kind = kind;
    e.sender_id = (char *)self->self_id;
    e.link_seq = link_seq;
    e.ack_seq = ack_seq;
    if (kind == RONGYU__ENVELOPE_KIND__DATA) {
        snprintf(msg_id, sizeof msg_id, "%s:%" PRIu64, self->self_id,
                 link_seq);
        e.msg_id = msg_id;
    }
    e.correlation_id = (char *)(correlation ? correlation : "");
    e.schema_version = S_SCHEMA;
    e.type = (Rongyu__MessageType)type;
    e.payload.data = (uint8_t *)payload;
    e.payload.len = plen;
    e.reason = (char *)(reason ? reason : "");
    return ry_pb_pack(&e.base, len);
}

static size_t
s_route_size(const s_route_t *r)
{
    size_t n = 0;
    for (int i = 0; i < r->n; i++)
        n += r->len[i];
    return n;
}

/* A copy of 'from' (NULL: no frames) into 'to'. */
static void
s_route_copy(s_route_t *to, const s_route_t *from)
{
    memset(to, 0, sizeof *to);
    if (!from || from->n == 0)
        return;
    *to = *from;
    size_t n = s_route_size(from);
    to->buf = malloc(n ? n : 1);
    if (!to->buf)
        abort();
    if (n)
        memcpy(to->buf, from->buf, n);
}

/* Queues 'data' (taken) for sending after the commit, behind the frames
 * of 'route' (copied; NULL: none). */
static void
s_out_route(ry_channel_t *self, void *sock, const s_route_t *route,
            uint8_t *data, size_t len)
{
    if (self->nouts == self->outcap) {
        self->outcap = self->outcap ? self->outcap * 2 : 64;
        self->outs = realloc(self->outs, sizeof *self->outs *
                                             (size_t)self->outcap);
        if (!self->outs)
            abort();
    }
    s_out_t *o = &self->outs[self->nouts++];
    o->sock = sock;
    s_route_copy(&o->route, route);
    o->data = data;
    o->len = len;
}

static void
s_out_push(ry_channel_t *self, void *sock, const void *rid, size_t rid_len,
           uint8_t *data, size_t len)
{
    s_route_t r = {.buf = (uint8_t *)rid, .len = {rid_len}, .n = rid ? 1 : 0};
    s_out_route(self, sock, &r, data, len);
}

/* Sends one frame behind the frames of 'route' (NULL: none). Returns 0,
 * or -1 with errno (EAGAIN, EHOSTUNREACH, ...). */
static int
s_send_route(void *sock, const s_route_t *route, const void *data,
             size_t len)
{
    const uint8_t *p = route ? route->buf : NULL;
    for (int i = 0; route && i < route->n; i++) {
        if (zmq_send(sock, p, route->len[i], ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
            return -1;
        p += route->len[i];
    }
    return zmq_send(sock, data, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

/* Sends one frame, with a routing frame first when rid is set. */
static int
s_send_raw(void *sock, const void *rid, size_t rid_len, const void *data,
           size_t len)
{
    s_route_t r = {.buf = (uint8_t *)rid, .len = {rid_len}, .n = rid ? 1 : 0};
    return s_send_route(sock, &r, data, len);
}

/* The socket and routing id that reach a peer. */
static void *
s_route(ry_channel_t *self, const s_link_t *l, const char **rid)
{
    if (l->dealer) {
        *rid = NULL;
        return l->dealer;
    }
    *rid = l->peer;
    return self->peers;
}

int
ry_channel_send(ry_channel_t *self, ry_txn_t *txn, const char *peer_id,
                int type, const char *correlation, const void *payload,
                size_t len)
{
    s_link_t *l = s_link_get(self, txn, peer_id);
    if (!l)
        return RY_EIO;
    uint64_t seq = l->s_next_seq;
    size_t elen;
    uint8_t *env = s_envelope(self, RONGYU__ENVELOPE_KIND__DATA, seq, 0, type,
                              correlation, payload, len, NULL, &elen);
    uint8_t key[S_PEER_MAX + 10];
    size_t klen = s_outbox_key(key, peer_id, seq);
    int rc = ry_txn_put(txn, "ry_outbox", key, klen, env, elen,
                        RY_PUT_APPEND);
    free(env);
    char ckey[80];
    s_seq_key(ckey, sizeof ckey, "out", peer_id);
    if (!rc)
        rc = s_put_u64(txn, ckey, seq + 1);
    if (!rc)
        l->s_next_seq = seq + 1;
    return rc;
}

int
ry_channel_send_msg(ry_channel_t *self, ry_txn_t *txn, const char *peer_id,
                    int type, const char *correlation,
                    const ProtobufCMessage *msg)
{
    size_t len;
    uint8_t *buf = ry_pb_pack(msg, &len);
    int rc = ry_channel_send(self, txn, peer_id, type, correlation, buf, len);
    free(buf);
    return rc;
}

uint64_t
ry_channel_outbox_depth(const ry_channel_t *self, const char *peer_id)
{
    for (int i = 0; i < self->nlinks; i++)
        if (strcmp(self->links[i].peer, peer_id) == 0)
            return self->links[i].s_next_seq - 1 - self->links[i].s_acked;
    return 0;
}

void
ry_channel_health(const ry_channel_t *self, ry_channel_health_t *out)
{
    *out = self->health;
}

int
ry_channel_links(const ry_channel_t *self, ry_link_info_t *out, int cap)
{
    for (int i = 0; i < self->nlinks && i < cap; i++) {
        const s_link_t *l = &self->links[i];
        snprintf(out[i].peer, sizeof out[i].peer, "%s", l->peer);
        out[i].outbox = l->next_seq - 1 - l->acked;
        out[i].next_seq = l->next_seq;
        out[i].acked_seq = l->acked;
        out[i].applied = l->applied;
    }
    return self->nlinks;
}

uint64_t
ry_channel_dead_count(ry_channel_t *self)
{
    ry_txn_t *txn;
    uint64_t n = 0;
    if (ry_txn_begin(self->o.store, NULL, false, &txn) == 0) {
        ry_txn_count(txn, "ry_dead", &n);
        ry_txn_abort(&txn);
    }
    return n;
}

/* ------------------------------------------------------------ receiving */

/* Copies parts [from, to) of msg into r, after what r holds. */
static void
s_route_add(s_route_t *r, zmq_msg_t *parts, int from, int to)
{
    size_t have = s_route_size(r), more = 0;
    for (int i = from; i < to; i++)
        more += zmq_msg_size(&parts[i]);
    uint8_t *buf = realloc(r->buf, have + more + 1);
    if (!buf)
        abort();
    r->buf = buf;
    for (int i = from; i < to && r->n <= S_MAX_PARTS; i++) {
        size_t n = zmq_msg_size(&parts[i]);
        memcpy(buf + have, zmq_msg_data(&parts[i]), n);
        have += n;
        r->len[r->n++] = n;
    }
}

/* Sorts one message of 'total' frames (the first 'got' kept in parts) into
 * f: its routing id, its envelope and body, or why its shape is wrong. */
static void
s_classify(s_frame_t *f, zmq_msg_t *parts, int got, int total, bool routed)
{
    int first = routed ? 1 : 0; /* the first frame after the routing id */
    if (routed) {
        s_route_add(&f->route, parts, 0, 1);
        f->rid = f->route.buf;
        f->rid_len = f->route.len[0];
    }
    int n = total - first; /* frames after the routing id */
    int body = -1;
    if (n == 1) {
        body = first;
    } else if (f->src == S_SRC_CLIENTS && n >= 2 && n <= S_MAX_PARTS &&
               zmq_msg_size(&parts[total - 2]) == 0) {
        s_route_add(&f->route, parts, first, total - 1);
        body = total - 1;
    } else if (f->src == S_SRC_CLIENTS) {
        /* Echo what a REQ socket needs: the frames up to the first empty
         * one, when there is one among those kept. */
        int k = first;
        while (k < got && zmq_msg_size(&parts[k]) != 0)
            k++;
        if (k < got)
            s_route_add(&f->route, parts, first, k + 1);
        f->malformed = n < 2 ? "no body frame"
                       : n > S_MAX_PARTS
                           ? "too many frames (at most 16 after the routing "
                             "id: envelope frames, an empty delimiter, the "
                             "body)"
                           : "the frame before the body is not an empty "
                             "delimiter";
    } else {
        f->malformed = "a peer message must be one frame";
    }
    if (f->route.n && routed)
        f->rid = f->route.buf; /* realloc may have moved it */
    if (body >= 0) {
        f->len = zmq_msg_size(&parts[body]);
        f->body = malloc(f->len ? f->len : 1);
        if (!f->body)
            abort();
        memcpy(f->body, zmq_msg_data(&parts[body]), f->len);
    }
}

/* Reads what waits on one socket into the batch, without blocking. Each
 * message, whatever its shape, becomes one entry: nothing behind it is
 * touched. */
static void
s_drain(ry_channel_t *self, void *sock, int src, s_link_t *dealer)
{
    bool routed = src != S_SRC_DEALER;
    while (self->nframes < (int)self->o.batch) {
        zmq_msg_t parts[S_MAX_PARTS + 2];
        int got = 0, total = 0;
        for (;;) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&m);
                break;
            }
            total++;
            int more = zmq_msg_more(&m);
            if (got < S_MAX_PARTS + 2)
                parts[got++] = m;
            else
                zmq_msg_close(&m);
            if (!more)
                break;
        }
        if (total == 0)
            return;
        s_frame_t *f = &self->frames[self->nframes++];
        memset(f, 0, sizeof *f);
        f->src = src;
        f->dealer = dealer;
        s_classify(f, parts, got, total, routed);
        for (int i = 0; i < got; i++)
            zmq_msg_close(&parts[i]);
    }
}

static void
s_stage_reset(ry_channel_t *self)
{
    for (int i = 0; i < self->nlinks; i++) {
        s_link_t *l = &self->links[i];
        l->s_next_seq = l->next_seq;
        l->s_acked = l->acked;
        l->s_applied = l->applied;
        l->ack_due = false;
    }
}

static void
s_stage_promote(ry_channel_t *self, int64_t now)
{
    for (int i = 0; i < self->nlinks; i++) {
        s_link_t *l = &self->links[i];
        l->next_seq = l->s_next_seq;
        if (l->s_acked > l->acked) {
            l->acked = l->s_acked;
            l->rto = S_RTO_BASE;
            l->deadline = now + l->rto;
        }
        if (l->sent < l->acked)
            l->sent = l->acked;
        l->applied = l->s_applied;
    }
}

/* A handler's nested transaction and the outbox counters before it: the
 * handler's own outbox appends must vanish with it when it fails. */
typedef struct {
    ry_txn_t *txn;
    uint64_t saved[S_MAX_LINKS];
    int n;
} s_nested_t;

static int
s_nested_begin(ry_channel_t *self, ry_txn_t *parent, s_nested_t *nt)
{
    for (int i = 0; i < self->nlinks; i++)
        nt->saved[i] = self->links[i].s_next_seq;
    nt->n = self->nlinks;
    return ry_txn_begin(self->o.store, parent, true, &nt->txn);
}

/* Commits the nested transaction when the handler returned 0; otherwise
 * aborts it and undoes its outbox appends. Returns the commit's error;
 * 0 when the handler refused its input (RY_EMALFORMED, RY_EINVAL, or -1
 * from a request handler: the input's fault, to dead-letter or answer);
 * any other error (a store error) as it is, for the whole batch. */
static int
s_nested_end(ry_channel_t *self, s_nested_t *nt, int handler_rc)
{
    if (handler_rc == 0)
        return ry_txn_commit(&nt->txn);
    ry_txn_abort(&nt->txn);
    for (int i = 0; i < self->nlinks; i++)
        self->links[i].s_next_seq =
            i < nt->n ? nt->saved[i] : self->links[i].next_seq;
    if (handler_rc == -1 || handler_rc == RY_EMALFORMED ||
        handler_rc == RY_EINVAL)
        return 0;
    return handler_rc;
}

/* Writes a dead-letter row. Frames with no usable sequence number get a
 * unique key from the clock and a counter. */
static int
s_dead(ry_txn_t *txn, const char *dir, const char *peer, uint64_t seq,
       const char *reason, const void *frame, size_t len)
{
    static uint64_t counter;
    if (seq == 0)
        seq = (uint64_t)ry_clock_now_ms() * 1000 + (counter++ % 1000);
    char head[160];
    int n = snprintf(head, sizeof head, "%s|%s|%020" PRIu64, dir, peer, seq);
    size_t rlen = strlen(reason) + 1;
    uint8_t *v = malloc(rlen + len);
    if (!v)
        abort();
    memcpy(v, reason, rlen);
    if (len)
        memcpy(v + rlen, frame, len);
    int rc = ry_txn_put(txn, "ry_dead", head, (size_t)n, v, rlen + len, 0);
    free(v);
    return rc;
}

/* Applies one DATA envelope. Returns 0 or RY_EFULL / RY_EIO for the
 * batch. */
static int
s_apply_data(ry_channel_t *self, ry_txn_t *txn, s_link_t *l,
             const Rongyu__Envelope *e)
{
    l->ack_due = true;
    if (e->link_seq <= l->s_applied)
        return 0; /* a duplicate: applied before, just re-acknowledge */
    if (e->link_seq != l->s_applied + 1)
        return 0; /* a gap: drop; the sender resends from what we ack */

    s_nested_t nt;
    int rc = s_nested_begin(self, txn, &nt);
    if (rc)
        return rc;
    ry_msg_t m = {l->peer, e->link_seq, e->type, e->correlation_id,
                  e->payload.data, e->payload.len};
    int hrc = self->o.on_message(self->o.ctx, nt.txn, &m);
    rc = s_nested_end(self, &nt, hrc);
    if (rc)
        return rc;
    if (hrc) {
        ry_error(e->correlation_id, "dead-lettered %s:%" PRIu64 ": %s",
                 l->peer, e->link_seq, ry_strerror(hrc));
        int drc = s_dead(txn, "in", l->peer, e->link_seq, ry_strerror(hrc),
                         e->payload.data, e->payload.len);
        if (drc)
            return drc;
        const char *rid;
        void *sock = s_route(self, l, &rid);
        size_t len;
        uint8_t *rej =
            s_envelope(self, RONGYU__ENVELOPE_KIND__REJECT, e->link_seq, 0,
                       e->type, e->correlation_id, NULL, 0,
                       ry_strerror(hrc), &len);
        s_out_push(self, sock, rid, rid ? strlen(rid) : 0, rej, len);
    }
    char key[80];
    s_seq_key(key, sizeof key, "in", l->peer);
    rc = s_put_u64(txn, key, e->link_seq);
    if (rc == 0)
        l->s_applied = e->link_seq;
    return rc;
}

static int
s_apply_ack(ry_txn_t *txn, s_link_t *l, uint64_t ack)
{
    if (ack <= l->s_acked || ack >= l->s_next_seq)
        return 0;
    for (uint64_t seq = l->s_acked + 1; seq <= ack; seq++) {
        uint8_t key[S_PEER_MAX + 10];
        size_t klen = s_outbox_key(key, l->peer, seq);
        int rc = ry_txn_del(txn, "ry_outbox", key, klen);
        if (rc && rc != RY_ENOTFOUND)
            return rc;
    }
    l->s_acked = ack;
    return 0;
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

/* Handles one frame of a peer link inside the batch transaction. */
static int
s_peer_frame(ry_channel_t *self, ry_txn_t *txn, s_frame_t *f)
{
    Rongyu__Envelope *e = NULL;
    if (f->malformed) {
        ry_warn(NULL, "peer message dead-lettered: %s", f->malformed);
        return s_dead(txn, "in", "?", 0, f->malformed, f->body, f->len);
    }
    if (!(e = (Rongyu__Envelope *)ry_pb_unpack(&rongyu__envelope__descriptor,
                                               f->body, f->len, 0))) {
        ry_warn(NULL, "undecodable peer frame of %zu bytes dead-lettered",
                f->len);
        return s_dead(txn, "in", "?", 0, "frame does not decode", f->body,
                      f->len);
    }
    int rc = 0;
    if (e->kind == RONGYU__ENVELOPE_KIND__PING) {
        size_t len;
        uint8_t *pong = s_envelope(self, RONGYU__ENVELOPE_KIND__PONG, 0, 0, 0,
                                   NULL, NULL, 0, NULL, &len);
        void *sock = f->src == S_SRC_DEALER ? f->dealer->dealer : self->peers;
        s_out_push(self, sock, f->rid, f->rid_len, pong, len);
        goto done;
    }
    /* On a routed link the routing id is the sender; a frame claiming
     * another name is refused, so acks cannot be misdirected. */
    if (f->src == S_SRC_PEERS &&
        (strlen(e->sender_id) != f->rid_len ||
         memcmp(e->sender_id, f->rid, f->rid_len) != 0)) {
        rc = s_dead(txn, "in", "?", e->link_seq,
                    "sender id differs from routing id", f->body, f->len);
        goto done;
    }
    if (f->src == S_SRC_PEERS && !s_peer_allowed(self, e->sender_id)) {
        ry_warn(NULL, "frame from '%.63s', not a configured peer, refused",
                e->sender_id);
        rc = s_dead(txn, "in", "?", 0, "sender is not a configured peer",
                    f->body, f->len);
        goto done;
    }
    s_link_t *l = f->src == S_SRC_DEALER ? f->dealer
                                         : s_link_get(self, txn, e->sender_id);
    if (!l) {
        rc = s_dead(txn, "in", "?", e->link_seq, "unknown or bad sender",
                    f->body, f->len);
        goto done;
    }
    switch (e->kind) {
    case RONGYU__ENVELOPE_KIND__DATA:
        if (e->schema_version != S_SCHEMA) {
            ry_warn(e->correlation_id, "schema %u from %s", e->schema_version,
                    l->peer);
        }
        rc = s_apply_data(self, txn, l, e);
        break;
    case RONGYU__ENVELOPE_KIND__ACK:
        rc = s_apply_ack(txn, l, e->ack_seq);
        break;
    case RONGYU__ENVELOPE_KIND__REJECT:
        ry_error(e->correlation_id, "%s rejected our message %" PRIu64 ": %s",
                 l->peer, e->link_seq, e->reason);
        rc = s_dead(txn, "out", l->peer, e->link_seq, e->reason, NULL, 0);
        break;
    default:
        rc = s_dead(txn, "in", l->peer, e->link_seq, "unknown envelope kind",
                    f->body, f->len);
        break;
    }
done:
    ry_pb_free(&e);
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
    r.message_zh = (char *)"请求的帧结构不正确";
    r.message_en = (char *)"the request's frames are not "
                           "[envelope..., empty delimiter,] body";
    r.detail = (char *)why;
    return ry_pb_pack(&r.base, len);
}

static int
s_client_frame(ry_channel_t *self, ry_txn_t *txn, s_frame_t *f)
{
    if (f->malformed) {
        size_t len;
        uint8_t *reply = s_malformed_reply(f->malformed, &len);
        s_out_route(self, self->clients, &f->route, reply, len);
        return 0;
    }
    s_nested_t nt;
    int rc = s_nested_begin(self, txn, &nt);
    if (rc)
        return rc;
    uint8_t *reply = NULL;
    size_t rlen = 0;
    rc = self->o.on_request(self->o.ctx, nt.txn, f->body, f->len, &reply,
                            &rlen);
    rc = s_nested_end(self, &nt, rc);
    if (rc) {
        free(reply);
        return rc;
    }
    if (reply)
        s_out_route(self, self->clients, &f->route, reply, rlen);
    return 0;
}

/* Applies the whole batch in one transaction. Returns 0, RY_EFULL or
 * RY_EIO; on failure nothing is kept and the outputs are dropped. */
static int
s_apply_batch(ry_channel_t *self)
{
    ry_txn_t *txn;
    int rc = ry_txn_begin(self->o.store, NULL, true, &txn);
    if (rc)
        return rc;
    for (int i = 0; rc == 0 && i < self->nframes; i++) {
        s_frame_t *f = &self->frames[i];
        rc = f->src == S_SRC_CLIENTS ? s_client_frame(self, txn, f)
                                     : s_peer_frame(self, txn, f);
    }
    if (rc) {
        ry_txn_abort(&txn);
        return rc;
    }
    self->handled += (uint64_t)self->nframes;
    s_fault(self, S_FAULT_BEFORE_COMMIT);
    rc = ry_txn_commit(&txn);
    if (rc == 0)
        s_fault(self, S_FAULT_AFTER_COMMIT);
    return rc;
}

static void
s_flush_outs(ry_channel_t *self)
{
    for (int i = 0; i < self->nouts; i++) {
        s_out_t *o = &self->outs[i];
        if (s_send_route(o->sock, &o->route, o->data, o->len) < 0)
            ry_debug(NULL, "reply not sent: %s", zmq_strerror(zmq_errno()));
    }
    s_outs_clear(self);
}

/* Tells each client of a batch that could not be applied why, so it does
 * not wait in vain; peers need no word: they resend. */
static void
s_refuse_clients(ry_channel_t *self, int why)
{
    if (!self->o.on_refuse)
        return;
    for (int i = 0; i < self->nframes; i++) {
        s_frame_t *f = &self->frames[i];
        if (f->src != S_SRC_CLIENTS)
            continue;
        uint8_t *reply = NULL;
        size_t len = 0;
        if (f->malformed)
            reply = s_malformed_reply(f->malformed, &len);
        else
            self->o.on_refuse(self->o.ctx, f->body, f->len, why, &reply,
                              &len);
        if (reply)
            s_out_route(self, self->clients, &f->route, reply, len);
    }
    s_flush_outs(self);
}

static void
s_send_acks(ry_channel_t *self)
{
    for (int i = 0; i < self->nlinks; i++) {
        s_link_t *l = &self->links[i];
        if (!l->ack_due)
            continue;
        l->ack_due = false;
        size_t len;
        uint8_t *ack = s_envelope(self, RONGYU__ENVELOPE_KIND__ACK, 0,
                                  l->applied, 0, NULL, NULL, 0, NULL, &len);
        const char *rid;
        void *sock = s_route(self, l, &rid);
        if (sock && s_send_raw(sock, rid, rid ? strlen(rid) : 0, ack, len) < 0)
            ry_debug(NULL, "ack to %s not sent: %s", l->peer,
                     zmq_strerror(zmq_errno()));
        free(ack);
    }
}

/* ------------------------------------------------------------ relay */

static void
s_relay(ry_channel_t *self, int64_t now)
{
    ry_txn_t *txn = NULL;
    for (int i = 0; i < self->nlinks; i++) {
        s_link_t *l = &self->links[i];
        uint64_t last = l->next_seq - 1;
        if (last == l->acked || now < l->blocked_until)
            continue;
        const char *rid;
        void *sock = s_route(self, l, &rid);
        if (!sock)
            continue;
        if (l->sent > l->acked && now >= l->deadline) {
            /* No ack in time: go back to the lowest unacknowledged. */
            ry_debug(NULL, "resending to %s from %" PRIu64, l->peer,
                     l->acked + 1);
            l->sent = l->acked;
            /* Doubled, with up to a quarter of jitter (each process its
             * own), never above the maximum. */
            int64_t rto = l->rto * 2 +
                          randombytes_uniform((uint32_t)(l->rto / 4 + 1));
            l->rto = rto > S_RTO_MAX ? S_RTO_MAX : rto;
        }
        while (l->sent < last && l->sent - l->acked < self->o.window) {
            uint64_t seq = l->sent + 1;
            if (!txn && ry_txn_begin(self->o.store, NULL, false, &txn))
                return;
            uint8_t key[S_PEER_MAX + 10];
            size_t klen = s_outbox_key(key, l->peer, seq);
            ry_val_t v;
            if (ry_txn_get(txn, "ry_outbox", key, klen, &v) != 0) {
                ry_error(NULL, "outbox row %s:%" PRIu64 " missing", l->peer,
                         seq);
                break;
            }
            if (s_send_raw(sock, rid, rid ? strlen(rid) : 0, v.data, v.len) <
                0) {
                /* Peer absent or its queue full: try again later. */
                l->backoff = l->backoff ? l->backoff * 2 : 20;
                if (l->backoff > 1000)
                    l->backoff = 1000;
                l->blocked_until = now + l->backoff;
                break;
            }
            l->backoff = 0;
            if (l->sent == l->acked)
                l->deadline = now + l->rto;
            l->sent = seq;
        }
    }
    ry_txn_abort(&txn);
}

/* Adopts outbox appends made outside a batch, by ry_channel_send in a
 * transaction the caller committed or aborted itself: the counter in the
 * store tells which. Without this such rows would not be sent until a
 * restart, and the next batch would hand their sequence numbers out
 * again. */
static void
s_adopt_external(ry_channel_t *self)
{
    ry_txn_t *txn = NULL;
    for (int i = 0; i < self->nlinks; i++) {
        s_link_t *l = &self->links[i];
        if (l->s_next_seq == l->next_seq)
            continue;
        if (!txn && ry_txn_begin(self->o.store, NULL, false, &txn))
            return;
        char key[80];
        uint64_t next = 0;
        s_seq_key(key, sizeof key, "out", l->peer);
        if (s_get_u64(txn, key, &next) == 0 && next > l->next_seq)
            l->next_seq = next;
        l->s_next_seq = l->next_seq;
    }
    ry_txn_abort(&txn);
}

/* How long the loop may sleep before the relay has work. */
static int
s_next_wake(const ry_channel_t *self, int64_t now, int timeout_ms)
{
    int64_t wake = now + timeout_ms;
    for (int i = 0; i < self->nlinks; i++) {
        const s_link_t *l = &self->links[i];
        uint64_t last = l->next_seq - 1;
        if (last == l->acked)
            continue;
        int64_t t;
        if (now < l->blocked_until)
            t = l->blocked_until;
        else if (l->sent < last && l->sent - l->acked < self->o.window)
            t = now;
        else
            t = l->deadline;
        if (t < wake)
            wake = t;
    }
    return wake <= now ? 0 : (int)(wake - now);
}

int
ry_channel_run_once(ry_channel_t *self, int timeout_ms)
{
    zmq_pollitem_t items[S_MAX_LINKS + 2];
    int srcs[S_MAX_LINKS + 2];
    s_link_t *dl[S_MAX_LINKS + 2];
    int n = 0;
    if (self->peers) {
        items[n] = (zmq_pollitem_t){self->peers, 0, ZMQ_POLLIN, 0};
        srcs[n] = S_SRC_PEERS;
        dl[n++] = NULL;
    }
    if (self->clients) {
        items[n] = (zmq_pollitem_t){self->clients, 0, ZMQ_POLLIN, 0};
        srcs[n] = S_SRC_CLIENTS;
        dl[n++] = NULL;
    }
    for (int i = 0; i < self->nlinks; i++)
        if (self->links[i].dealer) {
            items[n] = (zmq_pollitem_t){self->links[i].dealer, 0, ZMQ_POLLIN,
                                        0};
            srcs[n] = S_SRC_DEALER;
            dl[n++] = &self->links[i];
        }
    s_adopt_external(self);
    int64_t now = ry_clock_mono_ms();
    int wait = s_next_wake(self, now, timeout_ms);
    int rc = zmq_poll(items, n, wait);
    if (rc < 0 && zmq_errno() != EINTR)
        return RY_ENET;
    if (rc > 0) {
        for (int i = 0; i < n; i++)
            if (items[i].revents & ZMQ_POLLIN)
                s_drain(self, items[i].socket, srcs[i], dl[i]);
    }
    int result = 0;
    if (self->nframes) {
        for (;;) {
            s_stage_reset(self);
            rc = s_apply_batch(self);
            if (rc != RY_EFULL)
                break;
            s_outs_clear(self);
            if (ry_store_grow(self->o.store, self->o.max_map_size) != 0)
                break;
        }
        now = ry_clock_mono_ms();
        if (rc == 0) {
            if (self->health.failures)
                ry_info(NULL, "the store works again after %" PRIu64
                              " failed rounds",
                        self->health.failures);
            self->health.failures = 0;
            s_stage_promote(self, now);
            s_flush_outs(self);
            s_send_acks(self);
            s_fault(self, S_FAULT_AFTER_REPLY);
        } else {
            /* Nothing of this batch is kept or acknowledged: senders
             * resend and clients retry. */
            if (self->health.failures++ == 0) {
                ry_error(NULL, "batch of %d frames not applied: %s; "
                               "senders resend, clients retry",
                         self->nframes, ry_strerror(rc));
                self->health.since_ms = ry_clock_now_ms();
            }
            self->health.total_failures++;
            self->health.last_error = rc;
            s_outs_clear(self);
            s_stage_reset(self);
            s_refuse_clients(self, rc);
            result = rc == RY_EFULL ? RY_EFULL : RY_EIO;
        }
        s_frames_clear(self);
    }
    s_relay(self, ry_clock_mono_ms());
    return result;
}
