/* ry_link: the sockets of a service's links: creating and configuring
 * them (one function per role), reading what waits on them fairly and
 * within bounds, the framing of client and peer messages, the identity
 * of a peer, sending replies and acks after a commit, and the relay that
 * sends the outbox rows (ry_outbox) with a window and resends from the
 * lowest unacknowledged one. It keeps no durable state: what was sent in
 * this connection and when to resend, nothing else. No zmq_* type leaves
 * this module. */
#ifndef RY_LINK_H
#define RY_LINK_H

#include "ry_keys.h"
#include "ry_outbox.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ry_link ry_link_t;

/* A client message is [routing id][envelope..., empty delimiter][body] or
 * [routing id][body], with at most RY_LINK_MAX_PARTS frames after the
 * routing id (docs/protocol.md). */
#define RY_LINK_MAX_PARTS 16

enum { RY_LINK_FROM_PEERS, RY_LINK_FROM_CLIENTS, RY_LINK_FROM_DEALER };

/* One message read from a socket, owned by the link until
 * ry_link_read's next call or ry_link_destroy. */
typedef struct {
    int src;        /* RY_LINK_FROM_* */
    void *sock;     /* the socket it came from */
    int peer;       /* the dealer's peer (index) for FROM_DEALER */
    uint8_t *route; /* routing id and envelope, packed */
    size_t route_len[RY_LINK_MAX_PARTS + 1];
    int route_n;
    uint8_t *body; /* NULL when malformed without a body */
    size_t len;
    const char *malformed; /* why its frames' shape is wrong, or NULL */
    bool over_limit;       /* from a client connection its key may not have now:
                              it has client_conns_per_key others (ry_conns) */
    char key[RY_KEY_LEN + 1]; /* the sender's authenticated key, or "" */
} ry_link_msg_t;

typedef struct {
    const char *self_id; /* this service's name: the dealers' routing id */
    ry_store_t *store;   /* borrowed: the relay reads the outbox from it */
    size_t max_peer_msg; /* ZMQ_MAXMSGSIZE on peer sockets */
    size_t max_request;  /* ZMQ_MAXMSGSIZE on the client socket */
    int client_hwm;      /* ZMQ_RCVHWM on the client socket: the messages
                            one connection may have queued (0: 4) */
    int client_replies;  /* ZMQ_SNDHWM on the client socket: the replies
                            one connection may have queued in ZeroMQ (0:
                            1024); more wait in the link, in order, up to
                            a bound past which the connection is stalled
                            (its requests dropped unread for a second) */
    unsigned client_conns_per_key; /* client connections one key may
                                      have served at a time (0: no bound);
                                      a message from one more is marked
                                      over_limit */
    unsigned window;     /* unacknowledged messages in flight per peer */
    const ry_keys_t *keys; /* borrowed: CURVE keys of every socket */
} ry_link_opts_t;

/* An outbox row as the relay sends it to 'peer', read in txn: 0 with
 * *out (malloc'd) the envelope to send instead; anything else: the row
 * goes as it is. A service stores in its outbox what it can make again
 * from its store, and makes it whole here. */
typedef int (*ry_link_expand_fn)(void *arg, ry_txn_t *txn, const char *peer,
                                 const uint8_t *row, size_t len,
                                 uint8_t **out, size_t *out_len);

/* Creates the link layer (no socket yet) on the process's ZeroMQ context,
 * the one its ZAP handler serves (ry_keys_context). Returns 0. */
int ry_link_new(const ry_link_opts_t *opts, ry_link_t **out);

/* Sets how the relay makes each outbox row whole (NULL: rows go as
 * they are), called with arg. */
void ry_link_set_expand(ry_link_t *self, ry_link_expand_fn fn, void *arg);

/* Closes every socket (linger 0: the outbox, not the socket, holds what
 * must arrive) and frees; nulls *self_p; safe on NULL. */
void ry_link_destroy(ry_link_t **self_p);

/* Binds the ROUTER that peers connect to, or the one for clients. Both
 * are made by s_server_socket. Returns 0 or RY_ENET. */
int ry_link_bind_peers(ry_link_t *self, const char *endpoint);
int ry_link_bind_clients(ry_link_t *self, const char *endpoint);
const char *ry_link_peer_endpoint(const ry_link_t *self);
const char *ry_link_client_endpoint(const ry_link_t *self);

/* Connects a DEALER (made by s_client_socket) to peer 'peer' at
 * 'endpoint'. Returns 0, RY_EINVAL (bad name, too many peers) or
 * RY_ENET. */
int ry_link_connect(ry_link_t *self, const char *peer, const char *endpoint);

/* Makes 'peer' known to the relay (its rows in the store are sent from
 * the next round). Returns 0 or RY_EINVAL. */
int ry_link_touch(ry_link_t *self, const char *peer);

/* Limits of one read: messages, bytes, and the shares of clients. */
typedef struct {
    int max_msgs;        /* in all */
    size_t max_bytes;    /* bodies and envelopes, in all */
    int client_msgs;     /* at most this many from clients, so that peer
                            traffic always has room */
    size_t client_bytes; /* and at most this many bytes */
} ry_link_limits_t;

/* Waits up to timeout_ms (less when the relay has work) for input, then
 * reads what waits, one message per socket in turn (peers first, then
 * clients, starting each round where the last stopped), within 'lim'.
 * Within the client socket, one message per connection in turn: the
 * ROUTER's fair queue takes whole messages from each connection's pipe
 * round-robin, whatever each pipe holds, so a connection with a long
 * pipeline cannot take the round's client share while another
 * connection has a message waiting in its pipe; one that ZeroMQ's thread
 * has not read yet (it was filling the long pipe) waits at most the
 * round being read (tests/integration/fair_share.sh).
 * Each pipe holds at most client_hwm messages of at most max_request
 * bytes (client_queue_bytes in all) before its TCP stream is no longer
 * read: deep enough that one pipelining connection fills a group
 * commit, and bounded in bytes.
 * Returns how many messages are in *msgs (borrowed until the next call),
 * or RY_ENET when polling failed. */
int ry_link_read(ry_link_t *self, int timeout_ms, const ry_link_limits_t *lim,
                 ry_link_msg_t **msgs);

/* As ry_link_read, adding what waits to the messages of the last read
 * (still the link's, the bounds counting them): a round that grows while
 * the one before it syncs. Returns how many messages are in *msgs in
 * all (as many as before: nothing more came, or the wake descriptor
 * turned readable), or RY_ENET. */
int ry_link_read_more(ry_link_t *self, int timeout_ms,
                      const ry_link_limits_t *lim, ry_link_msg_t **msgs);

/* The link identity of the sender of 'm': on the peer ROUTER the service
 * whose key the ZAP handler authenticated (never a routing id the sender
 * chose), on a DEALER the peer's name. Writes it NUL-terminated to out
 * and remembers the connection as the way back to that service (answers
 * go to the connection its key last spoke from). Returns 0, or -1 when
 * the key is no service's. */
int ry_link_identity(ry_link_t *self, const ry_link_msg_t *m, char *out,
                     size_t cap);

/* Queues 'data' (taken) as the answer to 'm', behind the same routing id
 * and envelope, for ry_link_flush. */
void ry_link_reply(ry_link_t *self, const ry_link_msg_t *m, uint8_t *data,
                   size_t len);

/* Sends 'data' (copied) now, without blocking, to the sender of a message
 * read earlier whose socket and route were kept (a deferred reply).
 * Returns 0 or RY_ENET. */
int ry_link_send_route(ry_link_t *self, void *sock, const uint8_t *route,
                       const size_t *route_len, int route_n, const void *data,
                       size_t len);

/* Queues 'data' (taken) for peer 'peer' (by its dealer, or by its routing
 * id on the peer ROUTER), for ry_link_flush. */
void ry_link_to_peer(ry_link_t *self, const char *peer, uint8_t *data,
                     size_t len);

/* Marks that 'peer' is owed an acknowledgement after the commit. */
void ry_link_ack_due(ry_link_t *self, const char *peer);

/* After the commit: sends what was queued (a held round's first), then
 * an ACK of the last applied sequence (read from the store) to each peer
 * owed one. */
void ry_link_flush(ry_link_t *self);

/* After a failed round: drops what was queued and the acks owed, but
 * for a held round's. */
void ry_link_discard(ry_link_t *self);

/* A descriptor (-1: none) whose turning readable ends ry_link_read's
 * wait for input early, with nothing read: the end of a sync. */
void ry_link_set_wake_fd(ry_link_t *self, int fd);

/* After a commit synced apart (ry_store_sync_apart): what was queued,
 * and the acks owed, are the committed round's, held until its sync
 * while the next round queues its own. */
void ry_link_hold(ry_link_t *self);

/* Once the held round's commit is synced: sends what it queued, then its
 * acks (the last applied sequences as the store has them, which must be
 * that round's: before the next commit). */
void ry_link_flush_held(ry_link_t *self);

/* Says hello (a PING) on each connected DEALER once a second, so the
 * peer's ROUTER learns the connection to answer on after a reconnect even
 * when there is nothing to send; then sends outbox rows: per peer, from
 * the lowest unacknowledged up to the window, as many in one frame (a
 * BATCH envelope) as max_peer_msg allows; without an ack in time it goes
 * back to the lowest unacknowledged (exponential back-off with jitter).
 * Reads the store. */
void ry_link_relay(ry_link_t *self);

/* Brings each DEALER's next hello forward to 100 ms after its last (now,
 * when that is past): the peer's answer, with its store's counters
 * (ry_channel_stats), comes sooner than the second's hello would bring
 * it. A caller asking again and again still makes at most ten hellos a
 * second per peer. */
void ry_link_hello_soon(ry_link_t *self);

/* The client connections served (ry_conns_served) and the messages
 * marked over_limit since the link was made. */
void ry_link_client_conns(const ry_link_t *self, uint64_t *served,
                          uint64_t *refused);

/* The frames of outbox rows this process sent 'peer' (a batch of rows
 * is one frame); 0 for a peer it does not know. */
uint64_t ry_link_frames(const ry_link_t *self, const char *peer);

/* Fills the names of the peers the link knows (up to cap); returns how
 * many there are. */
int ry_link_peers(const ry_link_t *self, char (*names)[RY_OUTBOX_PEER_MAX + 1],
                  int cap);

#endif
