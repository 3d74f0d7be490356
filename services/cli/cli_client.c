/* cli_client: the DEALER client of intake, with the lazy-pirate retry
 * (on a timeout the socket is closed and a new one resends the same
 * frame, so no stale copy waits in a queue), and the PING probe. */
#include "cli_client.h"

#include "rongyu_services.pb-c.h"
#include "ry_error.h"
#include "ry_pb.h"

#include <errno.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_BUSY_RETRIES 20
#define S_BUSY_MIN_MS 50
#define S_BUSY_MAX_MS 30000

struct cli_client {
    void *ctx;
    bool own_ctx; /* false: another client's (cli_client_new_beside) */
    void *sock;
    void *mon; /* PAIR receiving the handshake failures of sock */
    char *endpoint;
    size_t max_reply;
    int curve_on;
    cli_curve_t curve;
};

static int64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void
cli_random_id(const char *prefix, char *buf, size_t len)
{
    unsigned char r[16];
    char hex[33];
    if (sodium_init() < 0)
        abort(); /* no usable random source: nothing safe to do */
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    snprintf(buf, len, "%s%s", prefix ? prefix : "", hex);
}

/* Watches 'sock' for failed handshakes: returns a PAIR that receives
 * them, or NULL. */
static void *
s_mon_open(void *ctx, void *sock)
{
    char ep[64];
    static unsigned n;
    snprintf(ep, sizeof ep, "inproc://cli-monitor-%p-%u", sock, n++);
    if (zmq_socket_monitor(sock, ep,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0)
        return NULL;
    void *pair = zmq_socket(ctx, ZMQ_PAIR);
    int zero = 0;
    if (pair)
        zmq_setsockopt(pair, ZMQ_LINGER, &zero, sizeof zero);
    if (pair && zmq_connect(pair, ep) != 0) {
        zmq_close(pair);
        pair = NULL;
    }
    return pair;
}

/* True when the monitor saw the server refuse our key (a ZAP denial) or
 * the CURVE handshake fail (a wrong server key, a plain-text server). */
static bool
s_mon_refused(void *pair)
{
    bool refused = false;
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (!pair || zmq_msg_recv(&m, pair, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return refused;
        }
        bool first = zmq_msg_size(&m) == 6;
        int more = zmq_msg_more(&m);
        zmq_msg_close(&m);
        refused |= first;
        while (more) {
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, pair, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&m);
                break;
            }
            more = zmq_msg_more(&m);
            zmq_msg_close(&m);
        }
    }
}

/* Opens a DEALER with our options, its monitor in *mon (NULL when none
 * could be made) and connects it. The monitor is attached before the
 * connect: a refused handshake is told once, and the connection is not
 * tried again, so an event missed is a full timeout. Returns the socket or
 * NULL with *rc set. */
static void *
s_open(void *ctx, const char *endpoint, size_t max_msg, const char *id,
       const cli_curve_t *curve, void **mon, int *rc)
{
    *mon = NULL;
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (!s) {
        *rc = RY_ENET;
        return NULL;
    }
    int zero = 0, hwm = 1000;
    int64_t max = (int64_t)max_msg;
    zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (id)
        zmq_setsockopt(s, ZMQ_ROUTING_ID, id, strlen(id));
    if (curve &&
        (zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, curve->server_public, 40) ||
         zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, curve->public_key, 40) ||
         zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, curve->secret_key, 40))) {
        zmq_close(s);
        *rc = RY_EINVAL;
        return NULL;
    }
    *mon = s_mon_open(ctx, s);
    if (zmq_connect(s, endpoint) != 0) {
        int e = errno;
        if (*mon)
            zmq_close(*mon);
        *mon = NULL;
        zmq_close(s);
        *rc = (e == EINVAL || e == EPROTONOSUPPORT || e == ENOCOMPATPROTO)
                  ? RY_EINVAL
                  : RY_ENET;
        return NULL;
    }
    *rc = 0;
    return s;
}

/* Opens self's DEALER (and its monitor) in self->ctx; on success sets
 * *out, else destroys self. */
static int
s_connect(cli_client_t *self, cli_client_t **out)
{
    int rc;
    self->sock = s_open(self->ctx, self->endpoint, self->max_reply, NULL,
                        self->curve_on ? &self->curve : NULL, &self->mon, &rc);
    if (!self->sock) {
        cli_client_destroy(&self);
        return rc;
    }
    *out = self;
    return 0;
}

/* A client of endpoint with curve's keys (NULL: plain), not connected. */
static cli_client_t *
s_client_alloc(const char *endpoint, size_t max_reply, const cli_curve_t *curve)
{
    cli_client_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->endpoint = strdup(endpoint);
    if (!self->endpoint)
        abort();
    self->max_reply = max_reply;
    if (curve) {
        self->curve = *curve;
        self->curve.server_public[40] = self->curve.public_key[40] =
            self->curve.secret_key[40] = '\0';
        self->curve_on = 1;
    }
    return self;
}

int
cli_client_new(const char *endpoint, const cli_curve_t *curve,
               cli_client_t **out)
{
    if (!endpoint || !out)
        return RY_EINVAL;
    if (sodium_init() < 0)
        return RY_ENET;
    cli_client_t *self = s_client_alloc(endpoint, CLI_CLIENT_MAX_REPLY, curve);
    self->ctx = zmq_ctx_new();
    if (!self->ctx) {
        cli_client_destroy(&self);
        return RY_ENET;
    }
    self->own_ctx = true;
    return s_connect(self, out);
}

int
cli_client_new_beside(cli_client_t *first, cli_client_t **out)
{
    if (!first || !out || !first->ctx)
        return RY_EINVAL;
    cli_client_t *self = s_client_alloc(first->endpoint, first->max_reply,
                                        first->curve_on ? &first->curve : NULL);
    self->ctx = first->ctx;
    return s_connect(self, out);
}

void
cli_client_destroy(cli_client_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cli_client_t *self = *self_p;
    if (self->mon)
        zmq_close(self->mon);
    if (self->sock)
        zmq_close(self->sock);
    if (self->ctx && self->own_ctx)
        zmq_ctx_term(self->ctx);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

const char *
cli_client_endpoint(const cli_client_t *self)
{
    return self ? self->endpoint : "";
}

void
cli_client_set_max_reply(cli_client_t *self, size_t bytes)
{
    if (self && bytes)
        self->max_reply = bytes;
}

void
cli_client_reply_free(Rongyu__Reply **reply_p)
{
    ry_pb_free(reply_p);
}

/* Receives one message that must be a single frame into msg (the
 * caller closes it). Returns 0, or -1 with errno set: EAGAIN when nothing
 * is waiting, EPROTO when the message had several frames (drained). */
static int
s_recv(void *sock, zmq_msg_t *msg)
{
    zmq_msg_init(msg);
    if (zmq_msg_recv(msg, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(msg);
        return -1;
    }
    if (!zmq_msg_more(msg))
        return 0;
    /* The other frames of a message arrive with its first one. */
    for (int more = 1; more;) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&part);
            break;
        }
        more = zmq_msg_more(&part);
        zmq_msg_close(&part);
    }
    zmq_msg_close(msg);
    errno = EPROTO;
    return -1;
}

/* Waits until 'deadline' for the reply carrying request_id. Returns 0
 * with *out, RY_ETIMEOUT, or RY_ENET. Sets *bad when an undecodable frame
 * was seen. */
static int
s_wait_reply(void *sock, void *mon, const char *request_id, int64_t deadline,
             Rongyu__Reply **out, int *bad)
{
    for (;;) {
        int64_t left = deadline - s_now_ms();
        if (left <= 0)
            return RY_ETIMEOUT;
        zmq_pollitem_t items[2] = {{sock, 0, ZMQ_POLLIN, 0},
                                   {mon, 0, ZMQ_POLLIN, 0}};
        int n = zmq_poll(items, mon ? 2 : 1, (long)left);
        if (n < 0)
            return RY_ENET;
        if (mon && (items[1].revents & ZMQ_POLLIN) && s_mon_refused(mon))
            return RY_EPERM;
        if (!(items[0].revents & ZMQ_POLLIN))
            continue;
        zmq_msg_t msg;
        if (s_recv(sock, &msg) != 0) {
            if (errno == EPROTO)
                *bad = 1;
            else if (errno != EAGAIN)
                return RY_ENET;
            continue;
        }
        Rongyu__Reply *r = (Rongyu__Reply *)ry_pb_unpack(
            &rongyu__reply__descriptor, zmq_msg_data(&msg),
            zmq_msg_size(&msg), 0);
        zmq_msg_close(&msg);
        if (!r) {
            *bad = 1;
            continue;
        }
        if (strcmp(r->request_id, request_id) != 0) {
            ry_pb_free(&r); /* an answer to an earlier request */
            continue;
        }
        *out = r;
        return 0;
    }
}

static int
s_send(void *sock, const uint8_t *buf, size_t len, int timeout_ms)
{
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &timeout_ms, sizeof timeout_ms);
    return zmq_send(sock, buf, len, 0) < 0 ? -1 : 0;
}

int
cli_client_call(cli_client_t *self, const Rongyu__Request *req,
                int timeout_ms, int attempts, Rongyu__Reply **reply)
{
    if (!self || !req || !reply)
        return RY_EINVAL;
    if (attempts < 1)
        attempts = 1;
    if (timeout_ms < 1)
        timeout_ms = 1;

    char rid[64];
    Rongyu__Request copy = *req;
    if (!req->request_id || req->request_id[0] == '\0') {
        cli_random_id("", rid, sizeof rid);
        copy.request_id = rid;
    }
    size_t len;
    uint8_t *buf = ry_pb_pack(&copy.base, &len);

    int rc = RY_ETIMEOUT, bad = 0, busy_left = S_BUSY_RETRIES;
    bool refused = false;
    Rongyu__Reply *busy = NULL;
    for (int attempt = 0; attempt < attempts;) {
        if (!self->sock) {
            int orc;
            self->sock =
                s_open(self->ctx, self->endpoint, self->max_reply, NULL,
                       self->curve_on ? &self->curve : NULL, &self->mon, &orc);
            if (!self->sock) {
                rc = orc;
                break;
            }
        }
        if (s_send(self->sock, buf, len, timeout_ms) != 0) {
            rc = errno == EAGAIN ? RY_ETIMEOUT : RY_ENET;
        } else {
            Rongyu__Reply *r = NULL;
            rc = s_wait_reply(self->sock, self->mon, copy.request_id,
                              s_now_ms() + timeout_ms, &r, &bad);
            if (rc == RY_EPERM) {
                refused = true;
                rc = RY_ETIMEOUT;
            }
            if (rc == 0 && r->code == RONGYU__ERROR_CODE__E_BUSY &&
                r->retry_after_ms > 0 && busy_left > 0) {
                busy_left--;
                int wait = (int)r->retry_after_ms;
                wait = wait < S_BUSY_MIN_MS ? S_BUSY_MIN_MS
                       : wait > S_BUSY_MAX_MS ? S_BUSY_MAX_MS
                                              : wait;
                ry_pb_free(&busy);
                busy = r;
                s_sleep_ms(wait);
                continue; /* the server answered: not a lost attempt */
            }
            if (rc == 0) {
                ry_pb_free(&busy);
                *reply = r;
                free(buf);
                return 0;
            }
            if (rc == RY_ENET)
                break;
        }
        /* Lazy pirate: a fresh socket, so the old copy is not queued. A
         * refused key is refused again: no use retrying. */
        refused |= s_mon_refused(self->mon);
        if (self->mon)
            zmq_close(self->mon);
        self->mon = NULL;
        zmq_close(self->sock);
        self->sock = NULL;
        attempt++;
        if (refused)
            break;
    }
    free(buf);
    if (rc == RY_ETIMEOUT && refused)
        return RY_EPERM;
    if (busy) {
        *reply = busy;
        return 0;
    }
    if (rc == RY_ETIMEOUT && bad)
        rc = RY_EMALFORMED;
    return rc;
}

int
cli_client_send_raw(cli_client_t *self, const uint8_t *data, size_t len,
                    int timeout_ms)
{
    if (!self || !data || !len)
        return RY_EINVAL;
    if (!self->sock) {
        int rc;
        self->sock =
            s_open(self->ctx, self->endpoint, self->max_reply, NULL,
                   self->curve_on ? &self->curve : NULL, &self->mon, &rc);
        if (!self->sock)
            return rc;
    }
    int rc = s_send(self->sock, data, len, timeout_ms < 0 ? 0 : timeout_ms);
    if (rc == 0)
        return 0;
    return errno == EAGAIN ? RY_ETIMEOUT : RY_ENET;
}

/* cli_client_recv_raw: the next one-frame message in *msg (the caller
 * closes it); messages of several frames are dropped. */
static int
s_recv_frame(cli_client_t *self, int timeout_ms, zmq_msg_t *msg)
{
    if (!self->sock)
        return RY_ETIMEOUT;
    int64_t deadline = s_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        int got = s_recv(self->sock, msg), e = errno;
        if (got == 0)
            return 0;
        if (e == EPROTO)
            continue; /* several frames: dropped */
        if (e != EAGAIN)
            return RY_ENET;
        int64_t left = deadline - s_now_ms();
        if (left <= 0)
            return RY_ETIMEOUT;
        zmq_pollitem_t items[2] = {{self->sock, 0, ZMQ_POLLIN, 0},
                                   {self->mon, 0, ZMQ_POLLIN, 0}};
        if (zmq_poll(items, self->mon ? 2 : 1, (long)left) < 0)
            return RY_ENET;
        if (self->mon && (items[1].revents & ZMQ_POLLIN) &&
            s_mon_refused(self->mon))
            return RY_EPERM;
    }
}

int
cli_client_recv_raw(cli_client_t *self, int timeout_ms, uint8_t **data,
                    size_t *len)
{
    if (!self || !data || !len)
        return RY_EINVAL;
    zmq_msg_t msg;
    int rc = s_recv_frame(self, timeout_ms, &msg);
    if (rc)
        return rc;
    *len = zmq_msg_size(&msg);
    *data = malloc(*len ? *len : 1);
    if (!*data)
        abort();
    if (*len)
        memcpy(*data, zmq_msg_data(&msg), *len);
    zmq_msg_close(&msg);
    return 0;
}

int
cli_client_wait_any(cli_client_t *const *cls, int n, int timeout_ms,
                    bool *ready)
{
    enum { S_MAX = 64 };
    if (!cls || n <= 0 || n > S_MAX)
        return RY_EINVAL;
    zmq_pollitem_t items[S_MAX];
    for (int i = 0; i < n; i++) {
        if (!cls[i] || !cls[i]->sock)
            return RY_EINVAL;
        items[i] = (zmq_pollitem_t){cls[i]->sock, 0, ZMQ_POLLIN, 0};
    }
    if (ready)
        memset(ready, 0, (size_t)n * sizeof *ready);
    int got = zmq_poll(items, n, timeout_ms > 0 ? timeout_ms : 0);
    if (got < 0)
        return RY_ENET;
    if (got == 0)
        return RY_ETIMEOUT;
    for (int i = 0; ready && i < n; i++)
        ready[i] = (items[i].revents & ZMQ_POLLIN) != 0;
    return 0;
}

int
cli_client_refused_any(cli_client_t *const *cls, int n)
{
    if (!cls || n <= 0)
        return RY_EINVAL;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (!cls[i])
            return RY_EINVAL;
        /* Each monitor read to its end, so that it does not fill. */
        if (cls[i]->mon && s_mon_refused(cls[i]->mon))
            rc = RY_EPERM;
    }
    return rc;
}

int
cli_client_ping(const char *endpoint, const cli_curve_t *curve,
                int timeout_ms, char *who, size_t who_len)
{
    if (!endpoint)
        return RY_EINVAL;
    if (sodium_init() < 0)
        return RY_ENET;
    void *ctx = zmq_ctx_new();
    if (!ctx)
        return RY_ENET;
    char id[40];
    cli_random_id("cli-", id, sizeof id);
    id[4 + 16] = '\0'; /* "cli-" and 16 hex digits */
    int rc;
    void *mon;
    void *sock = s_open(ctx, endpoint, 1u << 20, id, curve, &mon, &rc);
    if (!sock) {
        zmq_ctx_term(ctx);
        return rc;
    }
    Rongyu__Envelope ping = RONGYU__ENVELOPE__INIT;
    char msg_id[40];
    cli_random_id("", msg_id, sizeof msg_id);
    ping.kind = RONGYU__ENVELOPE_KIND__PING;
    ping.sender_id = id;
    ping.msg_id = msg_id;
    size_t len;
    uint8_t *buf = ry_pb_pack(&ping.base, &len);
    int64_t deadline = s_now_ms() + (timeout_ms > 0 ? timeout_ms : 1);
    int bad = 0;
    rc = s_send(sock, buf, len, timeout_ms) == 0 ? RY_ETIMEOUT : RY_ENET;
    free(buf);
    while (rc == RY_ETIMEOUT) {
        int64_t left = deadline - s_now_ms();
        if (left <= 0)
            break;
        zmq_pollitem_t items[2] = {{sock, 0, ZMQ_POLLIN, 0},
                                   {mon, 0, ZMQ_POLLIN, 0}};
        int n = zmq_poll(items, mon ? 2 : 1, (long)left);
        if (n < 0) {
            rc = RY_ENET;
            break;
        }
        if (mon && (items[1].revents & ZMQ_POLLIN) && s_mon_refused(mon)) {
            rc = RY_EPERM;
            break;
        }
        n = items[0].revents & ZMQ_POLLIN ? 1 : 0;
        zmq_msg_t msg;
        if (n == 0 || s_recv(sock, &msg) != 0) {
            bad |= n > 0 && errno == EPROTO;
            continue;
        }
        Rongyu__Envelope *e = (Rongyu__Envelope *)ry_pb_unpack(
            &rongyu__envelope__descriptor, zmq_msg_data(&msg),
            zmq_msg_size(&msg), 0);
        zmq_msg_close(&msg);
        if (e && e->kind == RONGYU__ENVELOPE_KIND__PONG) {
            /* A PONG's reason says what ails the service (a store that
             * keeps failing). */
            if (who && who_len)
                snprintf(who, who_len, "%s%s%s", e->sender_id,
                         e->reason[0] ? ": " : "", e->reason);
            rc = 0;
        } else {
            bad = 1;
        }
        ry_pb_free(&e);
    }
    if (rc == RY_ETIMEOUT && s_mon_refused(mon))
        rc = RY_EPERM;
    if (mon)
        zmq_close(mon);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    if (rc == RY_ETIMEOUT && bad)
        rc = RY_EMALFORMED;
    return rc;
}
