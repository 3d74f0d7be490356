/* ry_pub: the notification feed's PUB socket. */
#include "ry_pub.h"

#include "ry_error.h"
#include "ry_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct ry_pub {
    void *ctx;
    void *sock;
    char endpoint[256];
};

int
ry_pub_new(const char *endpoint, const ry_keys_t *keys, ry_pub_t **out)
{
    *out = NULL;
    ry_pub_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->ctx = ry_keys_context();
    self->sock = self->ctx ? zmq_socket(self->ctx, ZMQ_PUB) : NULL;
    if (!self->sock) {
        ry_pub_destroy(&self);
        return RY_ENET;
    }
    int linger = 0, hwm = 100000;
    zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(self->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    int rc = ry_keys_server(keys, self->sock);
    if (rc) {
        ry_pub_destroy(&self);
        return rc;
    }
    if (zmq_bind(self->sock, endpoint) != 0) {
        ry_error(NULL, "cannot bind feed '%s': %s", endpoint,
                 zmq_strerror(zmq_errno()));
        ry_pub_destroy(&self);
        return RY_ENET;
    }
    size_t n = sizeof self->endpoint;
    zmq_getsockopt(self->sock, ZMQ_LAST_ENDPOINT, self->endpoint, &n);
    *out = self;
    return 0;
}

void
ry_pub_destroy(ry_pub_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ry_pub_t *self = *self_p;
    if (self->sock)
        zmq_close(self->sock);
    free(self);
    *self_p = NULL;
}

const char *
ry_pub_endpoint(const ry_pub_t *self)
{
    return self->endpoint;
}

int
ry_pub_send(ry_pub_t *self, const char *topic, uint64_t seq,
            const char *body, size_t len)
{
    char head[300], num[24];
    int hn = snprintf(head, sizeof head, "%s|", topic);
    if (hn < 0 || (size_t)hn >= sizeof head)
        return RY_EINVAL;
    int nn = snprintf(num, sizeof num, "%" PRIu64, seq);
    if (zmq_send(self->sock, head, (size_t)hn, ZMQ_SNDMORE | ZMQ_DONTWAIT) <
            0 ||
        zmq_send(self->sock, num, (size_t)nn, ZMQ_SNDMORE | ZMQ_DONTWAIT) <
            0 ||
        zmq_send(self->sock, body, len, ZMQ_DONTWAIT) < 0)
        return RY_ENET;
    return 0;
}
