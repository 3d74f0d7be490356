/* ry_link: sockets, fair reading, framing, replies, acks and the relay. */
#include "ry_link.h"

#include "rongyu_services.pb-c.h"
#include "ry_clock.h"
#include "ry_conns.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <string.h>
#include <zmq.h>

#define S_MAX_PEERS 32
/* A peer's rows are sent again when it has acknowledged nothing for its
 * timer: at least S_RTO_BASE ms, or four times the smoothed time it
 * takes between acknowledgements while rows wait (s_rto_base), at most
 * S_RTO_MAX; doubled, with jitter, at each timeout. */
#define S_RTO_BASE 250
#define S_RTO_MAX 4000
/* Messages a client connection may have queued in ZeroMQ when the link's
 * options give none. With ZMQ_MAXMSGSIZE the high-water mark bounds what
 * one connection holds in memory (about client_hwm + 1 messages of at
 * most max_request bytes) before its TCP stream is no longer read. */
#define S_CLIENT_HWM 4
#define S_PEER_HWM 20000
/* Replies a client connection may have queued in ZeroMQ when the link's
 * options give none. A reply that finds the connection's pipe full
 * (ZMQ_ROUTER_MANDATORY: EAGAIN) waits in the link, behind the others
 * that did, and goes as the pipe empties: ZeroMQ's thread may be behind
 * (a round's answers come faster than it encrypts them) as well as the
 * client. Past S_LATE_BYTES or S_LATE_MSGS waiting, the connection does
 * not read its replies: they are dropped and it is stalled, its requests
 * dropped unread for S_STALLED_MS (then it gets one more chance), so
 * that it costs neither work nor memory meanwhile. The link follows at
 * most S_SLOW_MAX such connections at a time; past that, a reply that
 * finds its pipe full is dropped (the pipe still bounds the rest). */
#define S_CLIENT_REPLIES 1024
#define S_LATE_BYTES ((size_t)16 << 20)
#define S_LATE_MSGS 4096
#define S_STALLED_MS 1000
#define S_SLOW_MAX 64
/* While replies wait, the loop looks again this often (ms). */
#define S_LATE_WAKE_MS 2
/* A DEALER says hello every S_HELLO_MS; ry_link_hello_soon brings the
 * next one forward to S_HELLO_SOON_MS after the last (s_hello_due). */
#define S_HELLO_MS 1000
#define S_HELLO_SOON_MS 100

enum { S_ROLE_PEERS, S_ROLE_CLIENTS };

/* Transport state of one peer: what this connection sent and when to
 * resend. The durable counters are in the store (ry_outbox). */
typedef struct {
    char name[RY_OUTBOX_PEER_MAX + 1];
    void *dealer;     /* set when we connected to the peer */
    uint64_t sent;    /* highest sequence sent in this connection */
    uint64_t acked;   /* acknowledged, as the relay last read it */
    bool busy;        /* rows unsent or unacknowledged at the last relay */
    int64_t deadline; /* resend from acked + 1 when no ack by then */
    int64_t rto, blocked_until, backoff;
    int64_t waiting; /* rows unacknowledged since (ms): the last
                        progress, or the send that found none (0: none) */
    int64_t gap;     /* the smoothed time from there to the next
                        progress, ms (0: none seen yet) */
    bool ack_due;
    bool ack_held;    /* owed for a round held until its sync (ry_link_hold) */
    bool touched;     /* sent to by the round under way (ry_link_touch):
                         busy again at its commit, whatever a relay in
                         between read before it */
    int64_t hello_said; /* on a DEALER: when it last said hello (0: never) */
    bool hello_soon;    /* the next hello S_HELLO_SOON_MS after it, not
                           S_HELLO_MS (ry_link_hello_soon) */
    bool drained;     /* the dealer's: as ry_link's peers_drained */
    uint64_t frames;  /* frames of outbox rows sent (a batch is one) */
    bool unreadable;  /* its outbox did not read at the last relay */
    uint64_t bad_row; /* ... from this row on (0: its state did not) */
} s_peer_t;

/* On the peer ROUTER: the routing id of the connection that last sent a
 * message under a service's key (assigned by the ROUTER, so no one can
 * take another's): the way back to that service. */
typedef struct {
    char name[RY_OUTBOX_PEER_MAX + 1];
    uint8_t rid[256];
    size_t rid_len;
} s_route_t;

/* A reply waiting for its client connection's pipe: its route frames
 * (the routing id first), then its body, in buf. */
typedef struct s_late {
    struct s_late *next;
    int route_n;
    size_t route_len[RY_LINK_MAX_PARTS + 1];
    size_t len; /* the body's */
    uint8_t buf[];
} s_late_t;

/* A client connection that is slow to read, by the routing id the client
 * ROUTER gave it (or it set: at most 255 bytes): the replies waiting for
 * its pipe, oldest first, or its stall. */
typedef struct {
    size_t rid_len;
    uint8_t rid[255];
    s_late_t *head, *tail;
    size_t bytes;
    int n;
    int64_t stalled_until; /* ms, monotonic (0: not stalled) */
} s_slow_t;

typedef struct {
    void *sock;
    uint8_t *route;
    size_t route_len[RY_LINK_MAX_PARTS + 1];
    int route_n;
    uint8_t *data;
    size_t len;
} s_out_t;

struct ry_link {
    ry_link_opts_t o;
    ry_link_expand_fn expand; /* ry_link_set_expand */
    void *expand_arg;
    char self_id[RY_OUTBOX_PEER_MAX + 1];
    void *ctx;
    void *peers;   /* ROUTER for peers */
    void *clients; /* ROUTER for clients */
    char peer_ep[256], client_ep[256];
    s_peer_t peer[S_MAX_PEERS];
    int npeers;
    s_route_t route[S_MAX_PEERS];
    int nroutes;
    ry_link_msg_t *msgs;
    int nmsgs, msgcap;
    s_out_t *outs;
    int nouts, outcap;
    int nheld;   /* outs[0..nheld): a round's, held until its sync */
    int wake_fd; /* ry_link_set_wake_fd (-1: none) */
    int turn; /* the socket the next read starts at */
    uint8_t *relay_buf; /* a batch frame's room, kept from relay to relay */
    size_t relay_cap;
    /* Sockets known to hold no input: their last read found nothing
     * (which also took in their pending commands) and nothing was sent
     * on them since. Their ZMQ_FD then turns readable when input comes,
     * so only the others need a read to find out (docs in ry_link_read). */
    bool peers_drained, clients_drained;
    s_slow_t slow[S_SLOW_MAX];
    int nslow; /* entries of slow[] in use */
    ry_conns_t *conns;       /* the client connections served, per key */
    int64_t over_limit_said; /* when a refusal was last logged (ms) */
    uint64_t over_limit_n;   /* messages marked over_limit */
};

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

/* The options every socket of a link has; returns 0 or RY_ENET.
 * Heartbeats only on connecting sockets: libzmq 4.3.4 asserts
 * (!_io_error, stream_engine_base.cpp:331) when a heartbeat falls due on
 * a connection whose input was stopped at the high-water mark and whose
 * peer then hung up, so on a bound socket any client could abort the
 * service that way. A bound socket finds dead peers by TCP keepalive. */
/* What CURVE adds to each message on the wire: the MESSAGE command name
 * with its length byte (8), the short nonce (8), the MAC (16) and the
 * flags byte (1). ZMQ_MAXMSGSIZE counts the encrypted size, the caps
 * count what the application sends: exactly, so that a frame of the cap
 * passes and one byte more is refused (tests/lib/hostile.py,
 * tests/lib/uploads.py). */
#define S_CURVE_OVERHEAD 33

static int
s_common_opts(void *sock, size_t maxmsg, int sndhwm, int hwm, bool heartbeat)
{
    int64_t max = (int64_t)maxmsg + S_CURVE_OVERHEAD;
    if (zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &max, sizeof max) != 0) {
        ry_error(NULL, "ZMQ_MAXMSGSIZE refused: %s", zmq_strerror(zmq_errno()));
        return RY_ENET;
    }
    const int opts[][2] = {
        {ZMQ_LINGER, 0},
        {ZMQ_SNDHWM, sndhwm},
        {ZMQ_RCVHWM, hwm},
        {ZMQ_HANDSHAKE_IVL, 5000},
        {ZMQ_RECONNECT_IVL, 100},
        {ZMQ_RECONNECT_IVL_MAX, 2000},
        {ZMQ_TCP_KEEPALIVE, 1},
        {ZMQ_TCP_KEEPALIVE_IDLE, 30},
        {ZMQ_TCP_KEEPALIVE_INTVL, 10},
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (s_setopt_int(sock, opts[i][0], opts[i][1]))
            return RY_ENET;
    if (heartbeat && (s_setopt_int(sock, ZMQ_HEARTBEAT_IVL, 1000) ||
                      s_setopt_int(sock, ZMQ_HEARTBEAT_TIMEOUT, 5000) ||
                      s_setopt_int(sock, ZMQ_HEARTBEAT_TTL, 5000)))
        return RY_ENET;
    return 0;
}

/* Creates a bound server socket (a ROUTER) for 'role' with every option
 * set and checked, and binds it. Security options for the bind side go
 * here. Returns the socket or NULL after a log line. */
static void *
s_server_socket(ry_link_t *self, int role, const char *endpoint, char *ep,
                size_t eplen)
{
    bool peers = role == S_ROLE_PEERS;
    void *sock = zmq_socket(self->ctx, ZMQ_ROUTER);
    if (!sock) {
        ry_error(NULL, "cannot create a socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    int hwm = peers                ? S_PEER_HWM
              : self->o.client_hwm ? self->o.client_hwm
                                   : S_CLIENT_HWM;
    int sndhwm = peers                    ? S_PEER_HWM
                 : self->o.client_replies ? self->o.client_replies
                                          : S_CLIENT_REPLIES;
    if (s_common_opts(sock, peers ? self->o.max_peer_msg : self->o.max_request,
                      sndhwm, hwm, false) ||
        s_setopt_int(sock, ZMQ_ROUTER_MANDATORY, 1) ||
        ry_keys_server(self->o.keys, sock) != 0) {
        zmq_close(sock);
        return NULL;
    }
    /* The process's context closes sockets in the background: a link
     * reopened in the same process may find its port still held a moment. */
    int brc;
    for (int tries = 0;
         (brc = zmq_bind(sock, endpoint)) != 0 && zmq_errno() == EADDRINUSE &&
         tries < 100;
         tries++)
        ry_clock_sleep_ms(10);
    if (brc != 0) {
        ry_error(NULL, "cannot bind '%s': %s", endpoint,
                 zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return NULL;
    }
    size_t n = eplen;
    if (zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, ep, &n) != 0)
        snprintf(ep, eplen, "%s", endpoint);
    return sock;
}

/* Creates a connecting client socket (a DEALER, a CURVE client with this
 * service's key pair and the peer's public key; no routing id of its own:
 * the peer's ROUTER knows it by its key) to peer 'peer' at 'endpoint',
 * every option set and checked. Returns the socket or NULL after a log
 * line. */
static void *
s_client_socket(ry_link_t *self, const char *peer, const char *endpoint)
{
    const char *server = ry_keys_public_of(self->o.keys, peer);
    if (!server) {
        ry_error(NULL, "no public key of %s in '%s'", peer,
                 ry_keys_directory(self->o.keys));
        return NULL;
    }
    void *sock = zmq_socket(self->ctx, ZMQ_DEALER);
    if (!sock) {
        ry_error(NULL, "cannot create a socket: %s", zmq_strerror(zmq_errno()));
        return NULL;
    }
    /* With IMMEDIATE a send to a peer that is not connected fails at once
     * instead of queueing in memory: the outbox is the queue. */
    if (s_common_opts(sock, self->o.max_peer_msg, S_PEER_HWM, S_PEER_HWM,
                      true) ||
        ry_keys_client(self->o.keys, sock, server) != 0 ||
        s_setopt_int(sock, ZMQ_IMMEDIATE, 1)) {
        ry_error(NULL, "cannot set up the socket to %s", peer);
        zmq_close(sock);
        return NULL;
    }
    if (zmq_connect(sock, endpoint) != 0) {
        ry_error(NULL, "cannot connect to %s at '%s': %s", peer, endpoint,
                 zmq_strerror(zmq_errno()));
        zmq_close(sock);
        return NULL;
    }
    return sock;
}

int
ry_link_new(const ry_link_opts_t *opts, ry_link_t **out)
{
    assert(opts && opts->self_id && opts->store && out);
    ry_link_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->o = *opts;
    self->wake_fd = -1;
    snprintf(self->self_id, sizeof self->self_id, "%s", opts->self_id);
    self->o.self_id = self->self_id;
    self->ctx = ry_keys_context();
    if (!self->ctx)
        abort();
    self->conns = ry_conns_new(opts->client_conns_per_key);
    *out = self;
    return 0;
}

static void
s_msgs_clear(ry_link_t *self)
{
    for (int i = 0; i < self->nmsgs; i++) {
        free(self->msgs[i].route);
        free(self->msgs[i].body);
    }
    self->nmsgs = 0;
}

/* Frees the replies waiting for slow connection s. */
static void
s_late_free(s_slow_t *s)
{
    s_late_t *l = s->head;
    while (l) {
        s_late_t *next = l->next;
        free(l);
        l = next;
    }
    s->head = s->tail = NULL;
    s->bytes = 0;
    s->n = 0;
}

/* Drops outs[from..nouts). */
static void
s_outs_drop(ry_link_t *self, int from)
{
    for (int i = from; i < self->nouts; i++) {
        free(self->outs[i].route);
        free(self->outs[i].data);
    }
    self->nouts = from;
}

static void
s_outs_clear(ry_link_t *self)
{
    s_outs_drop(self, 0);
    self->nheld = 0;
}

void
ry_link_destroy(ry_link_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ry_link_t *self = *self_p;
    for (int i = 0; i < self->npeers; i++)
        if (self->peer[i].dealer)
            zmq_close(self->peer[i].dealer);
    if (self->peers)
        zmq_close(self->peers);
    if (self->clients)
        zmq_close(self->clients);
    /* The context is the process's (its ZAP handler's): never ended here. */
    s_msgs_clear(self);
    s_outs_clear(self);
    for (int i = 0; i < self->nslow; i++)
        s_late_free(&self->slow[i]);
    free(self->msgs);
    free(self->outs);
    free(self->relay_buf);
    ry_conns_destroy(&self->conns);
    free(self);
    *self_p = NULL;
}

int
ry_link_bind_peers(ry_link_t *self, const char *endpoint)
{
    assert(!self->peers);
    self->peers = s_server_socket(self, S_ROLE_PEERS, endpoint, self->peer_ep,
                                  sizeof self->peer_ep);
    return self->peers ? 0 : RY_ENET;
}

int
ry_link_bind_clients(ry_link_t *self, const char *endpoint)
{
    assert(!self->clients);
    self->clients = s_server_socket(self, S_ROLE_CLIENTS, endpoint,
                                    self->client_ep, sizeof self->client_ep);
    return self->clients ? 0 : RY_ENET;
}

const char *
ry_link_peer_endpoint(const ry_link_t *self)
{
    return self->peer_ep;
}

const char *
ry_link_client_endpoint(const ry_link_t *self)
{
    return self->client_ep;
}

static s_peer_t *
s_peer_find(ry_link_t *self, const char *name)
{
    for (int i = 0; i < self->npeers; i++)
        if (strcmp(self->peer[i].name, name) == 0)
            return &self->peer[i];
    return NULL;
}

static s_peer_t *
s_peer_get(ry_link_t *self, const char *name)
{
    s_peer_t *p = s_peer_find(self, name);
    if (p)
        return p;
    size_t n = strlen(name);
    if (n == 0 || n > RY_OUTBOX_PEER_MAX || self->npeers == S_MAX_PEERS)
        return NULL;
    p = &self->peer[self->npeers++];
    memset(p, 0, sizeof *p);
    memcpy(p->name, name, n + 1);
    p->rto = S_RTO_BASE;
    p->sent = UINT64_MAX; /* unknown until the relay reads the store */
    p->busy = true;
    return p;
}

int
ry_link_touch(ry_link_t *self, const char *peer)
{
    s_peer_t *p = s_peer_get(self, peer);
    if (!p)
        return RY_EINVAL;
    p->busy = p->touched = true;
    return 0;
}

int
ry_link_connect(ry_link_t *self, const char *peer, const char *endpoint)
{
    s_peer_t *p = s_peer_get(self, peer);
    if (!p)
        return RY_EINVAL;
    assert(!p->dealer);
    p->dealer = s_client_socket(self, peer, endpoint);
    p->drained = false; /* a new socket is read before its ZMQ_FD tells */
    return p->dealer ? 0 : RY_ENET;
}

void
ry_link_client_conns(const ry_link_t *self, uint64_t *served, uint64_t *refused)
{
    *served = ry_conns_served(self->conns);
    *refused = self->over_limit_n;
}

uint64_t
ry_link_frames(const ry_link_t *self, const char *peer)
{
    for (int i = 0; i < self->npeers; i++)
        if (strcmp(self->peer[i].name, peer) == 0)
            return self->peer[i].frames;
    return 0;
}

int
ry_link_peers(const ry_link_t *self, char (*names)[RY_OUTBOX_PEER_MAX + 1],
              int cap)
{
    for (int i = 0; i < self->npeers && i < cap; i++)
        memcpy(names[i], self->peer[i].name, sizeof names[i]);
    return self->npeers;
}

/* The routing id that reaches a routed peer, or NULL until it has spoken
 * under its key. */
static const s_route_t *
s_route_of(const ry_link_t *self, const char *name)
{
    for (int i = 0; i < self->nroutes; i++)
        if (strcmp(self->route[i].name, name) == 0)
            return &self->route[i];
    return NULL;
}

/* ------------------------------------------------------------ reading */

/* Copies parts [from, to) into m's route, after what it holds. */
static void
s_route_add(ry_link_msg_t *m, zmq_msg_t *parts, int from, int to)
{
    size_t have = 0, more = 0;
    for (int i = 0; i < m->route_n; i++)
        have += m->route_len[i];
    for (int i = from; i < to; i++)
        more += zmq_msg_size(&parts[i]);
    uint8_t *buf = realloc(m->route, have + more + 1);
    if (!buf)
        abort();
    m->route = buf;
    for (int i = from; i < to && m->route_n <= RY_LINK_MAX_PARTS; i++) {
        size_t n = zmq_msg_size(&parts[i]);
        memcpy(buf + have, zmq_msg_data(&parts[i]), n);
        have += n;
        m->route_len[m->route_n++] = n;
    }
}

/* Sorts one message of 'total' frames (the first 'got' kept in parts)
 * into m: its routing id, envelope and body, or why its shape is wrong. */
static void
s_classify(ry_link_msg_t *m, zmq_msg_t *parts, int got, int total)
{
    bool routed = m->src != RY_LINK_FROM_DEALER;
    int first = routed ? 1 : 0; /* the first frame after the routing id */
    if (routed)
        s_route_add(m, parts, 0, 1);
    int n = total - first; /* frames after the routing id */
    int body = -1;
    if (n == 1) {
        body = first;
    } else if (m->src == RY_LINK_FROM_CLIENTS && n >= 2 &&
               n <= RY_LINK_MAX_PARTS && zmq_msg_size(&parts[total - 2]) == 0) {
        s_route_add(m, parts, first, total - 1);
        body = total - 1;
    } else if (m->src == RY_LINK_FROM_CLIENTS) {
        /* Echo what a REQ socket needs: the frames up to the first empty
         * one, when there is one among those kept. */
        int k = first;
        while (k < got && zmq_msg_size(&parts[k]) != 0)
            k++;
        if (k < got)
            s_route_add(m, parts, first, k + 1);
        /* The detail of the E_MALFORMED answer, in Chinese and English. */
        m->malformed =
            n < 1 ? "缺少请求体帧。no body frame"
            : n > RY_LINK_MAX_PARTS
                ? "帧过多（路由标识之后至多 16 帧：信封帧、空分隔帧、"
                  "请求体）。too many frames (at most 16 after the routing "
                  "id: envelope frames, an empty delimiter, the body)"
                : "请求体之前的帧不是空分隔帧。the frame before the body is "
                  "not an empty delimiter";
    } else {
        m->malformed = "a peer message must be one frame";
    }
    if (body >= 0) {
        m->len = zmq_msg_size(&parts[body]);
        m->body = malloc(m->len ? m->len : 1);
        if (!m->body)
            abort();
        memcpy(m->body, zmq_msg_data(&parts[body]), m->len);
    }
}

static size_t
s_msg_bytes(const ry_link_msg_t *m)
{
    size_t n = m->len;
    for (int i = 0; i < m->route_n; i++)
        n += m->route_len[i];
    return n;
}

/* ----------------------------------------- client connections slow to read */

static void s_undrain(ry_link_t *self, void *sock);

/* Sends one frame behind the route frames, without waiting: 0, or -1
 * with errno (EAGAIN when a ROUTER's pipe to that peer is full: checked
 * at a message's first frame, so nothing of it went). */
static int
s_send_frames(void *sock, const uint8_t *route, const size_t *route_len,
              int route_n, const void *data, size_t len)
{
    const uint8_t *p = route;
    for (int i = 0; i < route_n; i++) {
        if (zmq_send(sock, p, route_len[i], ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
            return -1;
        p += route_len[i];
    }
    return zmq_send(sock, data, len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

/* The index of slow connection rid, or -1. */
static int
s_slow_find(const ry_link_t *self, const uint8_t *rid, size_t len)
{
    for (int i = 0; i < self->nslow; i++)
        if (self->slow[i].rid_len == len &&
            memcmp(self->slow[i].rid, rid, len) == 0)
            return i;
    return -1;
}

/* Forgets the slow connections with nothing waiting whose stall has
 * ended at 'now'. */
static void
s_slow_prune(ry_link_t *self, int64_t now)
{
    for (int i = 0; i < self->nslow;)
        if (!self->slow[i].head && self->slow[i].stalled_until <= now)
            self->slow[i] = self->slow[--self->nslow];
        else
            i++;
}

/* The index of slow connection rid, made when it is not one yet; -1 when
 * the link follows S_SLOW_MAX already (or the id is too long). */
static int
s_slow_get(ry_link_t *self, const uint8_t *rid, size_t len)
{
    int i = s_slow_find(self, rid, len);
    if (i >= 0)
        return i;
    s_slow_prune(self, ry_clock_mono_ms());
    if (self->nslow == S_SLOW_MAX || len == 0 || len > sizeof self->slow[0].rid)
        return -1;
    i = self->nslow++;
    self->slow[i] = (s_slow_t){.rid_len = len};
    memcpy(self->slow[i].rid, rid, len);
    return i;
}

/* Whether slow connection i is stalled at 'now'. */
static bool
s_stalled(const ry_link_t *self, int i, int64_t now)
{
    return i >= 0 && self->slow[i].stalled_until > now;
}

/* Slow connection i does not read its replies: those waiting are dropped
 * and its requests dropped unread for S_STALLED_MS. */
static void
s_stall(ry_link_t *self, int i)
{
    s_late_free(&self->slow[i]);
    self->slow[i].stalled_until = ry_clock_mono_ms() + S_STALLED_MS;
    ry_warn(NULL,
            "a client connection does not read its replies: those waiting "
            "for it are dropped, and its requests dropped unread for %d ms",
            S_STALLED_MS);
}

/* Keeps a client's reply (its route, the routing id first, then data)
 * behind those waiting for slow connection i; past the bounds, stalls it.
 * Returns 0 when kept, -1 when dropped. */
static int
s_late_push(ry_link_t *self, int i, const uint8_t *route,
            const size_t *route_len, int route_n, const void *data, size_t len)
{
    s_slow_t *s = &self->slow[i];
    if (s->n >= S_LATE_MSGS || s->bytes + len > S_LATE_BYTES) {
        s_stall(self, i);
        return -1;
    }
    size_t rlen = 0;
    for (int k = 0; k < route_n; k++)
        rlen += route_len[k];
    s_late_t *l = malloc(sizeof *l + rlen + len);
    if (!l)
        abort();
    l->next = NULL;
    l->route_n = route_n;
    memcpy(l->route_len, route_len, (size_t)route_n * sizeof *route_len);
    memcpy(l->buf, route, rlen);
    memcpy(l->buf + rlen, data, len);
    l->len = len;
    if (s->tail)
        s->tail->next = l;
    else
        s->head = l;
    s->tail = l;
    s->bytes += len;
    s->n++;
    return 0;
}

/* Sends the replies waiting, each connection's in order, as far as its
 * pipe takes them; a connection gone (EHOSTUNREACH) loses its own. */
static void
s_late_flush(ry_link_t *self)
{
    if (!self->nslow)
        return;
    s_undrain(self, self->clients);
    for (int i = 0; i < self->nslow; i++) {
        s_slow_t *s = &self->slow[i];
        while (s->head) {
            s_late_t *l = s->head;
            size_t rlen = 0;
            for (int k = 0; k < l->route_n; k++)
                rlen += l->route_len[k];
            if (s_send_frames(self->clients, l->buf, l->route_len, l->route_n,
                              l->buf + rlen, l->len) < 0)
                break;
            s->head = l->next;
            if (!s->head)
                s->tail = NULL;
            s->bytes -= l->len;
            s->n--;
            free(l);
        }
        if (s->head && zmq_errno() != EAGAIN) {
            ry_debug(NULL, "replies to a client connection dropped: %s",
                     zmq_strerror(zmq_errno()));
            s_late_free(s);
        }
    }
    s_slow_prune(self, ry_clock_mono_ms());
}

/* Whether replies wait for any connection. */
static bool
s_late_waiting(const ry_link_t *self)
{
    for (int i = 0; i < self->nslow; i++)
        if (self->slow[i].head)
            return true;
    return false;
}

/* The descriptor of the connection message 'msg' (a zmq_msg_t) came
 * over (ry_conns_fd_fn). */
static int
s_srcfd(void *msg)
{
    return zmq_msg_get(msg, ZMQ_SRCFD);
}

/* Reads one whole message from sock into a new entry. Returns 1, 0 when
 * nothing waits, or 2 when the message came from a stalled client
 * connection and was dropped unread. */
static int
s_read_one(ry_link_t *self, void *sock, int src, int peer)
{
    zmq_msg_t parts[RY_LINK_MAX_PARTS + 2];
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
        if (got < RY_LINK_MAX_PARTS + 2)
            parts[got++] = m;
        else
            zmq_msg_close(&m);
        if (!more)
            break;
    }
    if (total == 0)
        return 0;
    if (self->nmsgs == self->msgcap) {
        self->msgcap = self->msgcap ? self->msgcap * 2 : 64;
        self->msgs =
            realloc(self->msgs, sizeof *self->msgs * (size_t)self->msgcap);
        if (!self->msgs)
            abort();
    }
    ry_link_msg_t *m = &self->msgs[self->nmsgs++];
    memset(m, 0, sizeof *m);
    m->src = src;
    m->sock = sock;
    m->peer = peer;
    s_classify(m, parts, got, total);
    /* The one place a sender is identified: by the key the ZAP handler
     * authenticated, never by what the frames say. */
    if (ry_keys_user_id(&parts[got - 1], m->key) != 0)
        m->key[0] = '\0';
    if (sock == self->clients && m->route_n &&
        !ry_conns_admit(self->conns, m->route, m->route_len[0], m->key, s_srcfd,
                        &parts[got - 1])) {
        m->over_limit = true;
        self->over_limit_n++;
        int64_t now = ry_clock_mono_ms();
        if (now >= self->over_limit_said + 1000) {
            self->over_limit_said = now;
            ry_warn(NULL,
                    "key %.8s... has %u client connections served: another "
                    "one's requests are answered E_BUSY "
                    "(client_connections_per_key; said at most once a second)",
                    m->key, ry_conns_per_key(self->conns));
        }
    }
    for (int i = 0; i < got; i++)
        zmq_msg_close(&parts[i]);
    if (sock == self->clients && self->nslow && m->route_n &&
        s_stalled(self, s_slow_find(self, m->route, m->route_len[0]),
                  ry_clock_mono_ms())) {
        free(m->route);
        free(m->body);
        self->nmsgs--;
        return 2;
    }
    return 1;
}

/* When a DEALER says hello next: at once before its first. */
static int64_t
s_hello_due(const s_peer_t *p)
{
    if (!p->hello_said)
        return 0;
    return p->hello_said + (p->hello_soon ? S_HELLO_SOON_MS : S_HELLO_MS);
}

/* How long the loop may sleep before the relay has work. */
static int
s_next_wake(const ry_link_t *self, int64_t now, int timeout_ms)
{
    int64_t wake = now + timeout_ms;
    if (s_late_waiting(self) && now + S_LATE_WAKE_MS < wake)
        wake = now + S_LATE_WAKE_MS;
    for (int i = 0; i < self->npeers; i++) {
        const s_peer_t *p = &self->peer[i];
        if (p->dealer && s_hello_due(p) < wake)
            wake = s_hello_due(p);
        /* A routed peer is reached only after it spoke: its message, not
         * a timer, wakes the loop. */
        if (!p->busy || (!p->dealer && !s_route_of(self, p->name)))
            continue;
        int64_t t;
        if (now < p->blocked_until)
            t = p->blocked_until;
        else if (p->sent == UINT64_MAX || p->deadline == 0)
            t = now;
        else
            t = p->deadline;
        if (t < wake)
            wake = t;
    }
    return wake <= now ? 0 : (int)(wake - now);
}

/* The sockets a read looks at, peers first: the peer ROUTER, the
 * dealers, then the client ROUTER. */
typedef struct {
    void *sock;
    int src, peer;
    bool *drained;
} s_source_t;

static int
s_sources(ry_link_t *self, s_source_t *src)
{
    int n = 0;
    if (self->peers)
        src[n++] = (s_source_t){self->peers, RY_LINK_FROM_PEERS, -1,
                                &self->peers_drained};
    for (int i = 0; i < self->npeers; i++)
        if (self->peer[i].dealer)
            src[n++] = (s_source_t){self->peer[i].dealer, RY_LINK_FROM_DEALER,
                                    i, &self->peer[i].drained};
    if (self->clients)
        src[n++] = (s_source_t){self->clients, RY_LINK_FROM_CLIENTS, -1,
                                &self->clients_drained};
    return n;
}

/* Polls the ZMQ_FD of the sources marked in 'want' (all when NULL) for
 * up to wait_ms, and opens those whose descriptor is readable (their
 * commands may bring input). Returns poll's result. */
static int
s_poll_fds(const s_source_t *src, int n, const bool *want, int wait_ms,
           bool *open, int wake_fd)
{
    struct pollfd pfd[S_MAX_PEERS + 3];
    int idx[S_MAX_PEERS + 3], k = 0;
    for (int i = 0; i < n; i++) {
        if (want && !want[i])
            continue;
        int fd = -1;
        size_t fl = sizeof fd;
        if (zmq_getsockopt(src[i].sock, ZMQ_FD, &fd, &fl) != 0)
            continue;
        pfd[k] = (struct pollfd){fd, POLLIN, 0};
        idx[k++] = i;
    }
    int socks = k;
    if (wake_fd >= 0)
        pfd[k++] = (struct pollfd){wake_fd, POLLIN, 0};
    if (k == 0)
        return 0;
    int rc = poll(pfd, (nfds_t)k, wait_ms);
    for (int j = 0; rc > 0 && j < socks; j++)
        if (pfd[j].revents) {
            open[idx[j]] = true;
            *src[idx[j]].drained = false;
        }
    return rc;
}

/* One message per open source in turn, starting where the last round
 * stopped, until nothing waits or a bound is reached. Clients stop at
 * their share; peers may fill the rest. A source found empty is drained
 * (its read took in its commands, so its ZMQ_FD tells of what comes
 * next). */
static void
s_read_round(ry_link_t *self, const s_source_t *src, int n, bool *open,
             const ry_link_limits_t *lim)
{
    size_t bytes = 0, client_bytes = 0;
    int clients = 0, left = 0, dropped = 0;
    for (int i = 0; i < self->nmsgs; i++) {
        size_t b = s_msg_bytes(&self->msgs[i]);
        bytes += b;
        if (self->msgs[i].src == RY_LINK_FROM_CLIENTS) {
            clients++;
            client_bytes += b;
        }
    }
    for (int i = 0; i < n; i++)
        if (open[i])
            left++;
    int turn = self->turn % (n ? n : 1);
    while (left > 0 && self->nmsgs < lim->max_msgs && bytes < lim->max_bytes) {
        int i = turn;
        turn = (turn + 1) % n;
        if (!open[i])
            continue;
        bool client = src[i].src == RY_LINK_FROM_CLIENTS;
        if (client && (clients >= lim->client_msgs ||
                       client_bytes >= lim->client_bytes)) {
            open[i] = false;
            left--;
            continue;
        }
        int got = s_read_one(self, src[i].sock, src[i].src, src[i].peer);
        if (!got) {
            *src[i].drained = true;
            open[i] = false;
            left--;
            continue;
        }
        if (got == 2) {
            /* Dropped unread: counted against the round's messages, so
             * that a flood from stalled connections ends it too. */
            if (++dropped >= lim->max_msgs)
                break;
            continue;
        }
        size_t b = s_msg_bytes(&self->msgs[self->nmsgs - 1]);
        bytes += b;
        if (client) {
            clients++;
            client_bytes += b;
        }
    }
    self->turn = turn;
}

static int s_read(ry_link_t *self, int timeout_ms, const ry_link_limits_t *lim,
                  ry_link_msg_t **msgs);

int
ry_link_read(ry_link_t *self, int timeout_ms, const ry_link_limits_t *lim,
             ry_link_msg_t **msgs)
{
    s_msgs_clear(self);
    return s_read(self, timeout_ms, lim, msgs);
}

int
ry_link_read_more(ry_link_t *self, int timeout_ms, const ry_link_limits_t *lim,
                  ry_link_msg_t **msgs)
{
    return s_read(self, timeout_ms, lim, msgs);
}

static int
s_read(ry_link_t *self, int timeout_ms, const ry_link_limits_t *lim,
       ry_link_msg_t **msgs)
{
    int had = self->nmsgs;
    *msgs = self->msgs;
    s_late_flush(self);
    /* Each ZeroMQ call that may find nothing (a read that finds nothing,
     * ZMQ_EVENTS, each socket in zmq_poll) costs a getpid and a poll of
     * the socket's mailbox. So a socket is read only when it may hold
     * input: when it is not drained (its last read found something, or
     * we sent on it since), or when its ZMQ_FD is readable. One poll of
     * the drained sockets' descriptors first (so that input on them is
     * never passed over), one read round, and only when that found
     * nothing, one poll that sleeps on every descriptor. */
    s_source_t src[S_MAX_PEERS + 2];
    int n = s_sources(self, src);
    bool open[S_MAX_PEERS + 2], drained[S_MAX_PEERS + 2];
    int ndrained = 0;
    for (int i = 0; i < n; i++) {
        drained[i] = *src[i].drained;
        open[i] = !drained[i];
        ndrained += drained[i];
    }
    if (ndrained && s_poll_fds(src, n, drained, 0, open, -1) < 0 &&
        errno != EINTR)
        return RY_ENET;
    s_read_round(self, src, n, open, lim);
    if (self->nmsgs == had) {
        int wait = s_next_wake(self, ry_clock_mono_ms(), timeout_ms);
        memset(open, 0, sizeof open);
        int rc =
            wait > 0 ? s_poll_fds(src, n, NULL, wait, open, self->wake_fd) : 0;
        if (rc < 0 && errno != EINTR)
            return RY_ENET;
        if (rc > 0)
            s_read_round(self, src, n, open, lim);
    }
    *msgs = self->msgs;
    return self->nmsgs;
}

int
ry_link_identity(ry_link_t *self, const ry_link_msg_t *m, char *out,
                 size_t cap)
{
    if (m->src == RY_LINK_FROM_DEALER) {
        snprintf(out, cap, "%s", self->peer[m->peer].name);
        return 0;
    }
    const char *who = m->key[0] ? ry_keys_service_of(self->o.keys, m->key)
                                : NULL;
    if (!who || strlen(who) >= cap)
        return -1;
    snprintf(out, cap, "%s", who);
    size_t n = m->route_n ? m->route_len[0] : 0;
    if (n == 0 || n > sizeof self->route[0].rid)
        return 0;
    s_route_t *r = NULL;
    for (int i = 0; i < self->nroutes && !r; i++)
        if (strcmp(self->route[i].name, who) == 0)
            r = &self->route[i];
    if (!r && self->nroutes < S_MAX_PEERS) {
        r = &self->route[self->nroutes++];
        snprintf(r->name, sizeof r->name, "%s", who);
    }
    if (r) {
        memcpy(r->rid, m->route, n);
        r->rid_len = n;
    }
    return 0;
}

/* ------------------------------------------------------------ sending */

static void
s_out_push(ry_link_t *self, void *sock, const uint8_t *route,
           const size_t *route_len, int route_n, uint8_t *data, size_t len)
{
    if (self->nouts == self->outcap) {
        self->outcap = self->outcap ? self->outcap * 2 : 64;
        self->outs =
            realloc(self->outs, sizeof *self->outs * (size_t)self->outcap);
        if (!self->outs)
            abort();
    }
    s_out_t *o = &self->outs[self->nouts++];
    memset(o, 0, sizeof *o);
    o->sock = sock;
    size_t total = 0;
    for (int i = 0; i < route_n; i++) {
        o->route_len[i] = route_len[i];
        total += route_len[i];
    }
    o->route_n = route_n;
    o->route = malloc(total ? total : 1);
    if (!o->route)
        abort();
    if (total)
        memcpy(o->route, route, total);
    o->data = data;
    o->len = len;
}

/* Marks 'sock' as possibly holding input: a send may take in the
 * commands that announce it, so its ZMQ_FD no longer tells. */
static void
s_undrain(ry_link_t *self, void *sock)
{
    if (sock == self->clients)
        self->clients_drained = false;
    else if (sock == self->peers)
        self->peers_drained = false;
    else
        for (int i = 0; i < self->npeers; i++)
            if (self->peer[i].dealer == sock)
                self->peer[i].drained = false;
}

/* Sends one frame behind the route frames. Returns 0 (sent; or a
 * client's reply kept to go, in order, after those waiting for its
 * connection, or because its pipe was full), or -1 with errno (EAGAIN,
 * EHOSTUNREACH, ...). */
static int
s_send(ry_link_t *self, void *sock, const uint8_t *route,
       const size_t *route_len, int route_n, const void *data, size_t len)
{
    s_undrain(self, sock);
    bool client = sock == self->clients && route_n > 0;
    int i = client && self->nslow ? s_slow_find(self, route, route_len[0]) : -1;
    if (i >= 0 && self->slow[i].head)
        return s_late_push(self, i, route, route_len, route_n, data, len);
    if (s_send_frames(sock, route, route_len, route_n, data, len) == 0)
        return 0;
    if (!client || zmq_errno() != EAGAIN)
        return -1;
    if (i < 0)
        i = s_slow_get(self, route, route_len[0]);
    if (i < 0 || s_stalled(self, i, ry_clock_mono_ms()))
        return -1;
    return s_late_push(self, i, route, route_len, route_n, data, len);
}

/* The socket and routing id that reach a peer (NULL: none yet). */
static void *
s_peer_sock(const ry_link_t *self, const s_peer_t *p, const uint8_t **rid,
            size_t *rid_len)
{
    *rid = NULL;
    *rid_len = 0;
    if (p->dealer)
        return p->dealer;
    const s_route_t *r = s_route_of(self, p->name);
    if (!r)
        return NULL;
    *rid = r->rid;
    *rid_len = r->rid_len;
    return self->peers;
}

void
ry_link_reply(ry_link_t *self, const ry_link_msg_t *m, uint8_t *data,
              size_t len)
{
    s_out_push(self, m->sock, m->route, m->route_len, m->route_n, data, len);
}

int
ry_link_send_route(ry_link_t *self, void *sock, const uint8_t *route,
                   const size_t *route_len, int route_n, const void *data,
                   size_t len)
{
    return s_send(self, sock, route, route_len, route_n, data, len) < 0
               ? RY_ENET
               : 0;
}

void
ry_link_to_peer(ry_link_t *self, const char *peer, uint8_t *data, size_t len)
{
    s_peer_t *p = s_peer_get(self, peer);
    const uint8_t *rid;
    size_t rid_len;
    void *sock = p ? s_peer_sock(self, p, &rid, &rid_len) : NULL;
    if (!sock) {
        free(data);
        return;
    }
    s_out_push(self, sock, rid, &rid_len, rid_len ? 1 : 0, data, len);
}

void
ry_link_ack_due(ry_link_t *self, const char *peer)
{
    s_peer_t *p = s_peer_get(self, peer);
    if (p)
        p->ack_due = true;
}

void
ry_link_discard(ry_link_t *self)
{
    s_outs_drop(self, self->nheld);
    for (int i = 0; i < self->npeers; i++)
        self->peer[i].ack_due = false;
}

/* Sends outs[0..n), then the acks owed: for a held round (ack_held)
 * only, or all of them; each the last applied sequence as the store has
 * it. */
static void
s_send_outs(ry_link_t *self, int n, bool held)
{
    for (int i = 0; i < n; i++) {
        s_out_t *o = &self->outs[i];
        if (o->sock && s_send(self, o->sock, o->route, o->route_len, o->route_n,
                              o->data, o->len) < 0)
            ry_debug(NULL, "reply not sent: %s", zmq_strerror(zmq_errno()));
        free(o->route);
        free(o->data);
    }
    if (self->nouts > n)
        memmove(self->outs, self->outs + n,
                sizeof *self->outs * (size_t)(self->nouts - n));
    self->nouts -= n;
    self->nheld -= n < self->nheld ? n : self->nheld;
    ry_txn_t *txn = NULL;
    for (int i = 0; i < self->npeers; i++) {
        s_peer_t *p = &self->peer[i];
        if (!(held ? p->ack_held : p->ack_due || p->ack_held))
            continue;
        p->ack_held = false;
        if (!held)
            p->ack_due = false;
        uint64_t applied;
        if ((!txn && ry_txn_begin(self->o.store, NULL, false, &txn)) ||
            ry_outbox_applied(txn, p->name, &applied))
            break;
        size_t len, rid_len;
        const uint8_t *rid;
        uint8_t *ack =
            ry_outbox_envelope(self->self_id, RONGYU__ENVELOPE_KIND__ACK, 0,
                               applied, 0, NULL, NULL, 0, NULL, &len);
        void *sock = s_peer_sock(self, p, &rid, &rid_len);
        if (sock &&
            s_send(self, sock, rid, &rid_len, rid_len ? 1 : 0, ack, len) < 0)
            ry_debug(NULL, "ack to %s not sent: %s", p->name,
                     zmq_strerror(zmq_errno()));
        free(ack);
    }
    ry_txn_abort(&txn);
}

/* After a commit: the peers its round sent to are busy, whatever a relay
 * during the round (the one before it, released) read from the store
 * without the round's rows. */
static void
s_touched_busy(ry_link_t *self)
{
    for (int i = 0; i < self->npeers; i++) {
        s_peer_t *p = &self->peer[i];
        p->busy |= p->touched;
        p->touched = false;
    }
}

void
ry_link_flush(ry_link_t *self)
{
    s_touched_busy(self);
    s_send_outs(self, self->nouts, false);
}

void
ry_link_set_wake_fd(ry_link_t *self, int fd)
{
    self->wake_fd = fd;
}

void
ry_link_hold(ry_link_t *self)
{
    self->nheld = self->nouts;
    s_touched_busy(self);
    for (int i = 0; i < self->npeers; i++) {
        s_peer_t *p = &self->peer[i];
        if (p->ack_due) {
            p->ack_due = false;
            p->ack_held = true;
        }
    }
}

void
ry_link_flush_held(ry_link_t *self)
{
    s_send_outs(self, self->nheld, true);
}

/* ------------------------------------------------------------ relay */

/* Several outbox rows in one frame: a BATCH envelope (docs/protocol.md)
 * holding each row, as it is, as an item; at most S_BATCH_ROWS rows. */
#define S_BATCH_ROWS 512

typedef struct {
    uint8_t *buf;
    size_t len, cap;
} s_batch_t;

/* Appends row 'v' as an item of b (row 'first' too when b is still
 * empty: the batch's header and its first item). Returns false, leaving
 * b as it was, when the frame would pass 'max' bytes. */
static bool
s_batch_add(s_batch_t *b, const char *self_id, ry_val_t first, ry_val_t v,
            size_t max)
{
    size_t idlen = strlen(self_id);
    size_t need = v.len + 11 + (b->len ? 0 : first.len + 11 + idlen + 13);
    if (b->len + need > max)
        return false;
    if (b->len + need > b->cap) {
        /* Doubled, never past a frame's bound: the room is kept. */
        b->cap = (b->len + need) * 2 < max ? (b->len + need) * 2 : max;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf)
            abort();
    }
    if (!b->len) {
        ry_pb_put_varint(b->buf, &b->len, 1 << 3 | 0);
        ry_pb_put_varint(b->buf, &b->len, RONGYU__ENVELOPE_KIND__BATCH);
        ry_pb_put_bytes(b->buf, &b->len, 2, self_id, idlen);
        ry_pb_put_bytes(b->buf, &b->len, 11, first.data, first.len);
    }
    ry_pb_put_bytes(b->buf, &b->len, 11, v.data, v.len);
    return true;
}

/* A batch being filled from the outbox rows to one peer (s_fill_row). */
typedef struct {
    ry_link_t *self;
    ry_txn_t *txn;
    const char *peer;
    uint64_t from, seq; /* the batch's first row; the next row it wants */
    uint64_t end;       /* the last row it may hold */
    s_batch_t b;
    ry_val_t one;      /* the first row, as it goes */
    uint8_t *one_made; /* one's bytes when expand made them */
    bool full;         /* stopped at a bound: end, or the frame's bytes */
} s_fill_t;

/* ry_outbox_row_fn: adds row 'seq' to the batch, or stops (at a row not
 * the one wanted, or a bound). */
static int
s_fill_row(uint64_t seq, const ry_val_t *env, void *arg)
{
    s_fill_t *f = arg;
    if (seq != f->seq)
        return 1; /* f->seq is missing */
    ry_val_t v = *env;
    uint8_t *made = NULL;
    size_t mlen;
    ry_link_t *self = f->self;
    if (self->expand && self->expand(self->expand_arg, f->txn, f->peer, v.data,
                                     v.len, &made, &mlen) == 0)
        v = (ry_val_t){made, mlen};
    bool added = true;
    if (seq == f->from) {
        f->one = v;
        f->one_made = made;
        made = NULL;
    } else {
        added =
            s_batch_add(&f->b, self->self_id, f->one, v, self->o.max_peer_msg);
    }
    free(made);
    if (added)
        f->seq++;
    f->full = !added || f->seq > f->end;
    return f->full;
}

/* The peer's outbox did not read: its state (row 0) or its rows from
 * 'row' on (rc: the store's error). Said once, not at every relay, and
 * read again a second later, the loop waiting for it instead of
 * spinning. */
static void
s_unreadable(s_peer_t *p, int64_t now, uint64_t row, int rc)
{
    if (!p->unreadable) {
        char what[48] = "its state";
        if (row)
            snprintf(what, sizeof what, "its row %" PRIu64, row);
        ry_error(NULL,
                 "outbox to %s unreadable (%s): %s; nothing from there on "
                 "goes to it until it reads again",
                 p->name, what, ry_strerror(rc));
    }
    p->unreadable = true;
    p->bad_row = row;
    p->blocked_until = now + 1000;
}

/* The peer's outbox read where it had not: its state, or past the row
 * that had not ('through': the rows read, up to before it). */
static void
s_readable(s_peer_t *p, bool state, uint64_t through)
{
    if (!p->unreadable || (state ? p->bad_row != 0 : through <= p->bad_row))
        return;
    ry_info(NULL, "outbox to %s readable again", p->name);
    p->unreadable = false;
}

/* The base of p's timer: four times the smoothed gap between its
 * acknowledgements, within S_RTO_BASE and S_RTO_MAX. A peer slower to
 * acknowledge than the base (a round held up by its disk, a service run
 * under valgrind) is thus not sent its rows again while it is only slow. */
static int64_t
s_rto_base(const s_peer_t *p)
{
    int64_t b = 4 * p->gap;
    return b < S_RTO_BASE ? S_RTO_BASE : b > S_RTO_MAX ? S_RTO_MAX : b;
}

/* p acknowledged more at 'now': the time since rows last started to
 * wait (or since the progress before) goes into its smoothed gap (an
 * eighth of each new one, each at most S_RTO_MAX: a peer that was down
 * counts once, as slow, and the next gaps bring it back). */
static void
s_progress(s_peer_t *p, int64_t now)
{
    if (p->waiting && now >= p->waiting) {
        int64_t g = now - p->waiting;
        if (g > S_RTO_MAX)
            g = S_RTO_MAX;
        p->gap = p->gap ? (7 * p->gap + g) / 8 : g;
    }
    p->waiting = now;
}

/* Sends what is due to one peer, reading through txn. */
static void
s_relay_peer(ry_link_t *self, ry_txn_t *txn, s_peer_t *p, int64_t now)
{
    ry_outbox_state_t st;
    int rc = ry_outbox_state(txn, p->name, &st);
    if (rc) {
        s_unreadable(p, now, 0, rc);
        return;
    }
    s_readable(p, true, 0);
    uint64_t last = st.next_seq - 1;
    if (p->sent == UINT64_MAX || p->sent < st.acked)
        p->sent = st.acked;
    if (st.acked > p->acked) {
        /* Progress: a fresh timer from the base, which follows how long
         * the peer takes to acknowledge. */
        s_progress(p, now);
        p->rto = s_rto_base(p);
        p->deadline = now + p->rto;
    }
    p->acked = st.acked;
    p->busy = last > st.acked;
    if (!p->busy) {
        s_readable(p, false, UINT64_MAX); /* nothing left to read */
        p->deadline = 0;
        p->waiting = 0;
        return;
    }
    const uint8_t *rid;
    size_t rid_len;
    void *sock = s_peer_sock(self, p, &rid, &rid_len);
    if (!sock) {
        p->blocked_until = now + 1000; /* no way to it yet */
        return;
    }
    if (now < p->blocked_until)
        return;
    if (p->sent > st.acked && p->deadline && now >= p->deadline) {
        /* No ack in time: go back to the lowest unacknowledged. Doubled,
         * with up to a quarter of jitter (each process its own), never
         * above the maximum. */
        ry_debug(NULL, "resending to %s from %" PRIu64, p->name, st.acked + 1);
        p->sent = st.acked;
        int64_t rto =
            p->rto * 2 + randombytes_uniform((uint32_t)(p->rto / 4 + 1));
        p->rto = rto > S_RTO_MAX ? S_RTO_MAX : rto;
    }
    while (p->sent < last && p->sent - st.acked < self->o.window) {
        /* The rows that fit in one frame go in one: a batch, read with
         * one cursor. */
        uint64_t from = p->sent + 1;
        uint64_t end = last;
        if (st.acked + self->o.window < end)
            end = st.acked + self->o.window;
        if (from + S_BATCH_ROWS - 1 < end)
            end = from + S_BATCH_ROWS - 1;
        s_fill_t f = {.self = self,
                      .txn = txn,
                      .peer = p->name,
                      .from = from,
                      .seq = from,
                      .end = end,
                      .b = {self->relay_buf, 0, self->relay_cap}};
        /* Short of a bound, the rows stopped before f.seq: what was read
         * goes, then no more until the next relay. */
        bool stuck = false;
        rc = ry_outbox_rows(txn, p->name, from, s_fill_row, &f);
        if (rc != 0) {
            s_unreadable(p, now, f.seq, rc);
            stuck = true;
        } else if (!f.full) {
            ry_error(NULL, "outbox row %s:%" PRIu64 " missing", p->name, f.seq);
            stuck = true;
        } else {
            s_readable(p, false, f.seq);
        }
        self->relay_buf = f.b.buf;
        self->relay_cap = f.b.cap;
        if (f.seq == f.from) {
            free(f.one_made);
            break;
        }
        const uint8_t *frame = f.b.len ? f.b.buf : f.one.data;
        size_t flen = f.b.len ? f.b.len : f.one.len;
        int sent =
            s_send(self, sock, rid, &rid_len, rid_len ? 1 : 0, frame, flen);
        free(f.one_made);
        if (sent < 0) {
            /* Peer absent or its queue full: try again later. */
            p->backoff = p->backoff ? p->backoff * 2 : 20;
            if (p->backoff > 1000)
                p->backoff = 1000;
            p->blocked_until = now + p->backoff;
            break;
        }
        p->frames++;
        p->backoff = 0;
        if (p->sent == st.acked)
            p->deadline = now + p->rto;
        if (!p->waiting)
            p->waiting = now;
        p->sent = f.seq - 1;
        if (stuck)
            break;
    }
}

void
ry_link_relay(ry_link_t *self)
{
    int64_t now = ry_clock_mono_ms();
    for (int i = 0; i < self->npeers; i++) {
        s_peer_t *p = &self->peer[i];
        if (!p->dealer || now < s_hello_due(p))
            continue;
        p->hello_said = now;
        p->hello_soon = false;
        size_t len, none = 0;
        uint8_t *ping =
            ry_outbox_envelope(self->self_id, RONGYU__ENVELOPE_KIND__PING, 0, 0,
                               0, NULL, NULL, 0, NULL, &len);
        if (ping && s_send(self, p->dealer, NULL, &none, 0, ping, len) < 0)
            ry_debug(NULL, "hello to %s not sent: %s", p->name,
                     zmq_strerror(zmq_errno()));
        free(ping);
    }
    ry_txn_t *txn = NULL;
    for (int i = 0; i < self->npeers; i++) {
        s_peer_t *p = &self->peer[i];
        if (!p->busy && p->sent != UINT64_MAX)
            continue;
        if (!txn && ry_txn_begin(self->o.store, NULL, false, &txn))
            return;
        s_relay_peer(self, txn, p, now);
    }
    ry_txn_abort(&txn);
}

void
ry_link_hello_soon(ry_link_t *self)
{
    for (int i = 0; i < self->npeers; i++)
        self->peer[i].hello_soon = true;
}

void
ry_link_set_expand(ry_link_t *self, ry_link_expand_fn fn, void *arg)
{
    self->expand = fn;
    self->expand_arg = arg;
}
