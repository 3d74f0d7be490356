/* ry_conns: the client connections a socket serves, counted per key, so
 * that one key cannot hold more than 'per_key' of them at a time: what a
 * connection makes a service hold for it (its queue of requests, its
 * replies) is bounded per connection, and this bounds how many of them
 * one registered key, careless or hostile, can have.
 *
 * A connection is known from its first message on, by its routing id,
 * with the key it authenticated with and its socket: the descriptor and
 * the kernel's cookie for it (SO_COOKIE), unique while the system runs.
 * libzmq 4.3's ROUTER does not tell when a peer leaves, so a connection
 * counts until its descriptor no longer holds the socket with that
 * cookie, which is looked at when its key reaches the bound (at most
 * per_key looks) and, for every connection, each time the table has
 * doubled since the last such look. No zmq_* type here: the caller gives
 * the descriptor. */
#ifndef RY_CONNS_H
#define RY_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ry_conns ry_conns_t;

/* A table for at most per_key connections a key (0: no bound; then
 * ry_conns_admit serves everything and keeps nothing). Aborts when out
 * of memory. */
ry_conns_t *ry_conns_new(unsigned per_key);

/* Frees; nulls *self_p; safe on NULL. */
void ry_conns_destroy(ry_conns_t **self_p);

/* The descriptor the message being admitted came over, or -1. */
typedef int (*ry_conns_fd_fn)(void *arg);

/* Whether a message from connection 'rid' (its routing id, len bytes,
 * 1..255) under key 'key' (NUL-terminated) may be served: true when the
 * connection is served already, or when its key has fewer than per_key
 * connections served (counted again, without those that ended, when it
 * has as many), and it is then served from now on; false when the key
 * has per_key others. fd_of(arg) is called only for a connection not
 * served yet. A routing id seen again under another key is a new
 * connection (a client may choose its routing id). */
bool ry_conns_admit(ry_conns_t *self, const uint8_t *rid, size_t len,
                    const char *key, ry_conns_fd_fn fd_of, void *arg);

/* The bound given to ry_conns_new (0 after it found that the kernel
 * cannot tell connections apart, when nothing is bounded). */
unsigned ry_conns_per_key(const ry_conns_t *self);

/* The connections served, as last counted (some may have ended since),
 * and those of 'key'. */
size_t ry_conns_served(const ry_conns_t *self);
unsigned ry_conns_of(const ry_conns_t *self, const char *key);

#endif
