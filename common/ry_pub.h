/* ry_pub: the notification feed's ZeroMQ PUB socket. No zmq_* type leaves
 * this module. The feed is best effort on the wire; the store keeps every
 * item so a subscriber replays what it missed (see docs/notifications.md). */
#ifndef RY_PUB_H
#define RY_PUB_H

#include "ry_keys.h"

#include <stddef.h>
#include <stdint.h>

typedef struct ry_pub ry_pub_t;

/* Binds a PUB socket at 'endpoint' ("tcp://127.0.0.1:*" picks a port), a
 * CURVE server with 'keys' (borrowed for the call) whose subscribers the
 * process's ZAP handler authenticates. Returns 0 and sets *out (the
 * caller's: ry_pub_destroy), RY_ECONFIG (no ZAP handler) or RY_ENET. */
int ry_pub_new(const char *endpoint, const ry_keys_t *keys, ry_pub_t **out);

/* Closes (linger 0) and frees; nulls *self_p; safe on NULL. */
void ry_pub_destroy(ry_pub_t **self_p);

/* The endpoint bound (borrowed, valid until destroy). */
const char *ry_pub_endpoint(const ry_pub_t *self);

/* Publishes one message of three frames: "<topic>|", the sequence number
 * in decimal, and 'body'. Never blocks: a message that finds the queue
 * full is dropped (subscribers replay by sequence). Returns 0 or
 * RY_ENET. */
int ry_pub_send(ry_pub_t *self, const char *topic, uint64_t seq,
                const char *body, size_t len);

#endif
