/* ry_channel: a service's loop over its links and its client socket, in
 * one thread: ry_link reads what waits (fairly, within bounds), the
 * handlers apply it in one write transaction against the link state kept
 * by ry_outbox (transactional outbox, idempotent inbox, dead letters),
 * the commit syncs (or, synced apart, is synced while the next round is
 * applied), then the replies and acks go out and ry_link relays the
 * outbox (window, resend with back-off from the lowest unacknowledged).
 * Durable state lives only in the store. */
#ifndef RY_CHANNEL_H
#define RY_CHANNEL_H

#include "ry_keys.h"
#include "ry_link.h"
#include "ry_outbox.h"
#include "ry_store.h"

#include "rongyu.pb-c.h"

#include <protobuf-c/protobuf-c.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ry_channel ry_channel_t;

/* The tables the channel keeps in the service's store: include them in the
 * list given to ry_store_open. */
#define RY_CHANNEL_TABLES RY_OUTBOX_TABLES

/* One inbound message, borrowed for the duration of the callback. */
typedef struct {
    const char *sender;
    uint64_t seq;
    int type; /* Rongyu__MessageType */
    const char *correlation;
    const uint8_t *payload;
    size_t len;
} ry_msg_t;

/* Applies one in-order message inside 'txn'. If the callback refuses the
 * message, none of its writes stay: the round runs the callbacks in its
 * own transaction, and when one refuses after writing, the round is
 * undone and run again with each callback in a nested transaction. So a
 * callback may run twice for one message, and only the writes, sends,
 * replies and deferrals of the run that is committed stay; what it does
 * outside the store must bear a second run. It may call
 * ry_channel_send.
 * Return 0 when applied; RY_EMALFORMED, RY_EINVAL or RY_ETOOBIG to
 * dead-letter it (the
 * sender is told and stops resending); RY_EFULL when the store is full
 * (the whole batch is redone after the map grows); any other error (a
 * store error) rolls the whole batch back: nothing of it is acknowledged,
 * the senders resend, and ry_channel_run_once returns the error. */
typedef int (*ry_on_message_fn)(void *ctx, ry_txn_t *txn,
                                const ry_msg_t *msg);

/* Handles one client request frame inside 'txn' (as above) and
 * sets *reply to a malloc'd reply the channel sends after the commit and
 * frees. Return 0 to keep the writes, -1 (or RY_EMALFORMED, RY_EINVAL) to
 * drop them (the reply is still sent); RY_EFULL and store errors as
 * above (every client of the batch then gets on_refuse's answer).
 * A client message is [envelope..., empty delimiter,] body after its
 * routing id (docs/protocol.md); the reply goes back behind the same
 * envelope. Any other shape is answered E_MALFORMED by the channel
 * without calling the handler. */
typedef int (*ry_on_request_fn)(void *ctx, ry_txn_t *txn,
                                const uint8_t *data, size_t len,
                                uint8_t **reply, size_t *reply_len);

/* Answers a client request that could not be applied because the store
 * failed (full at its size limit, or broken): sets *reply to a malloc'd
 * refusal the channel sends and frees. No transaction: nothing may be
 * written. */
typedef void (*ry_on_refuse_fn)(void *ctx, const uint8_t *data, size_t len,
                                int why, uint8_t **reply, size_t *reply_len);

typedef struct {
    const char *self_id;      /* this service's name, the routing id */
    ry_store_t *store;        /* borrowed; must outlive the channel */
    size_t max_map_size;      /* the store may grow up to this */
    size_t max_request;       /* ZMQ_MAXMSGSIZE on the client socket
                                 (0: 1 MiB) */
    size_t max_peer_msg;      /* ZMQ_MAXMSGSIZE on peer links (0:
                                 ry_channel_peer_msg_max(max_request)) */
    size_t client_queue_bytes; /* what one client connection may have
                                  queued (0: 256 MiB): its ZMQ_RCVHWM is
                                  ry_channel_client_hwm of it */
    unsigned client_conns_per_key; /* client connections one key may have
                                      served at a time (0: no bound); a
                                      request over it is answered E_BUSY
                                      (ry_conns) */
    unsigned window;           /* unacknowledged messages in flight, per
                                  peer (0: 2048) */
    unsigned batch;           /* messages per group commit (0: 1024);
                                 clients take at most 3/4 of them */
    unsigned client_replies;  /* replies one client connection may have
                                 queued in ZeroMQ (0: batch); more wait
                                 in the link (ry_link_opts_t) */
    size_t batch_bytes;       /* bytes read per group commit (0: 64 MiB;
                                 one message may pass it); clients take
                                 at most half */
    unsigned round_ms;        /* a round starts no sooner than round_ms
                                 after the previous one began, unless that
                                 one handled half a batch or more (a
                                 batch's items counted): for a service no
                                 client waits on, fewer and larger group
                                 commits, whose syncs leave the disk to
                                 intake's (0: as soon as input waits) */
    ry_on_message_fn on_message;
    ry_on_request_fn on_request;
    ry_on_refuse_fn on_refuse; /* optional, with on_request */
    /* Optional, with on_request: true when the request frame certainly
     * writes nothing (a read). on_request then runs with writes refused
     * (ry_txn_reads_only), also when the round runs nested: no nested
     * transaction for it (LMDB allocates two page lists of 3 MiB in all
     * for one). A read in a round that cannot be committed is still
     * answered, in a read transaction of its own; only the others are
     * refused (on_refuse). */
    bool (*reads_only)(void *ctx, const uint8_t *data, size_t len);
    /* The ids that may send on the peer socket (NULL-terminated; NULL:
     * any). A frame from any other id is dead-lettered and makes no link,
     * so strangers cannot use up links or inbox counters. */
    const char *const *peers;
    /* This service's CURVE keys (ry_keys_open), taken over by the channel
     * (destroyed with it; ry_channel_new destroys it on failure too).
     * Every bound socket is a CURVE server authenticated by the process's
     * ZAP handler (ry_keys_auth_start, before the first bind); every
     * connection a CURVE client; a peer is named by its authenticated key
     * (ry_keys_service_of), never by the routing id it announces. */
    ry_keys_t *keys;
    void *ctx;
} ry_channel_opts_t;

/* For tests: whether RONGYU_FAULT names 'point' ("<point>:<n>"), and its
 * number n in *n. The channel's crash points ("before_commit",
 * "after_commit", "after_reply": SIGKILL once n messages are handled) and
 * ry_daemon_fault_pause read it through this. */
bool ry_channel_fault(const char *point, uint64_t *n);

/* Creates the channel and loads the links found in the store (so rows
 * left in the outbox by a previous run are resent). Returns 0 or RY_EIO. */
int ry_channel_new(const ry_channel_opts_t *opts, ry_channel_t **out);

/* Closes every socket (linger 0: the outbox, not the socket, holds what
 * must arrive) and frees; nulls *self_p; safe on NULL. */
void ry_channel_destroy(ry_channel_t **self_p);

/* Sets the context passed to the handlers (when it is created after the
 * channel). */
void ry_channel_set_context(ry_channel_t *self, void *ctx);

/* During an on_request (or on_refuse) callback: the authenticated public
 * key (Z85, ZAP User-Id) of the client that sent the request; "" elsewhere.
 * Borrowed until the callback returns. */
const char *ry_channel_request_key(const ry_channel_t *self);

/* Deferred replies (a long poll). Called inside on_request, keeps the
 * envelope of the client request being handled (its routing frames, a
 * REQ delimiter included) and returns a token (> 0), or 0 when there is
 * no current client request or 4096 replies are already deferred; the
 * handler then leaves *reply NULL. The token holds only when the
 * request's batch commits; a token of a batch that was not committed is
 * forgotten. */
uint64_t ry_channel_defer(ry_channel_t *self);

/* How many tokens the channel has forgotten because their round was
 * undone (a store error, or a round run again: see ry_on_message_fn);
 * when it changes, a caller that keeps tokens drops those
 * ry_channel_deferred_held no longer knows. */
uint64_t ry_channel_deferred_forgotten(const ry_channel_t *self);
bool ry_channel_deferred_held(const ry_channel_t *self, uint64_t token);

/* Sends 'data' (copied) to the client of a deferred request, behind the
 * envelope kept by ry_channel_defer, and forgets the token. Call it
 * outside a round (between ry_channel_run_once calls), or from
 * on_synced. Returns 0;
 * RY_ENOTFOUND for an unknown or forgotten token; RY_ENET when the
 * client is gone (the token is forgotten too). */
int ry_channel_reply_deferred(ry_channel_t *self, uint64_t token,
                              const void *data, size_t len);

/* Sets the handler that answers clients whose batch the store refused. */
void ry_channel_set_refuse(ry_channel_t *self, ry_on_refuse_fn fn);

/* Sets how the relay makes an outbox row whole as it sends it
 * (ry_link_expand_fn), called with the channel's context
 * (ry_channel_set_context, whenever it is set): what the service left out
 * of the row to keep it small, made again from its store. */
void ry_channel_set_expand(ry_channel_t *self, ry_link_expand_fn fn);

/* From now on the store's commits are synced apart (ry_store_sync_apart):
 * a round commits without waiting for the disk, and what it answers
 * (replies, acks, the relay of its outbox rows) is held until its sync,
 * while the next round is read and applied; the held answers go out
 * before the next commit. on_committed (may be NULL) is called after
 * each round's commit, on_synced (may be NULL) once that round is synced
 * and its answers are out: the place to answer from the store (a read
 * transaction then sees that round, synced, and nothing later). Between
 * the two the store holds a commit not yet on the disk: nothing read
 * from it may leave the process. Returns 0 or RY_EIO. */
int ry_channel_sync_apart(ry_channel_t *self, void (*on_committed)(void *ctx),
                          void (*on_synced)(void *ctx));

/* Whether a round's answers are held for its sync: the store then holds
 * a commit that nothing read may leave the process from. */
bool ry_channel_held(const ry_channel_t *self);

/* Whether a deferred request's round has committed (its token can be
 * answered); false for a token of the round under way. */
bool ry_channel_deferred_committed(const ry_channel_t *self, uint64_t token);

/* Sets opts.reads_only (above). */
void ry_channel_set_reads_only(ry_channel_t *self,
                               bool (*fn)(void *ctx, const uint8_t *data,
                                          size_t len));

/* Binds the ROUTER that peers connect to. "tcp://127.0.0.1:*" picks a
 * free port; ry_channel_peer_endpoint tells which. Returns 0 or RY_ENET. */
int ry_channel_bind_peers(ry_channel_t *self, const char *endpoint);
const char *ry_channel_peer_endpoint(const ry_channel_t *self);

/* Binds the ROUTER for client requests (on_request). Returns 0 or
 * RY_ENET. */
int ry_channel_bind_clients(ry_channel_t *self, const char *endpoint);
const char *ry_channel_client_endpoint(const ry_channel_t *self);

/* Connects a DEALER to peer 'peer_id' at 'endpoint'. Returns 0 or
 * RY_ENET. */
int ry_channel_connect(ry_channel_t *self, const char *peer_id,
                       const char *endpoint);

/* Appends a message for 'peer_id' to the outbox inside 'txn'; it is sent
 * after the commit. Returns 0, RY_ETOOBIG (larger than a peer accepts:
 * it could never be delivered), RY_EFULL or RY_EIO. */
int ry_channel_send(ry_channel_t *self, ry_txn_t *txn, const char *peer_id,
                    int type, const char *correlation, const void *payload,
                    size_t len);

/* As ry_channel_send, with the payload a protobuf message packed here. */
int ry_channel_send_msg(ry_channel_t *self, ry_txn_t *txn,
                        const char *peer_id, int type,
                        const char *correlation,
                        const ProtobufCMessage *msg);

/* The largest peer message a service must accept so that anything a
 * client request of max_request bytes causes can be delivered: every
 * service derives its peer cap from the one max_request. */
size_t ry_channel_peer_msg_max(size_t max_request);

/* The messages one client connection may have queued in ZeroMQ
 * (ZMQ_RCVHWM on the client socket) so that it holds at most about
 * queue_bytes: queue_bytes / max_request, at least RY_CHANNEL_HWM_MIN and
 * at most RY_CHANNEL_HWM_MAX. */
#define RY_CHANNEL_HWM_MIN 4
#define RY_CHANNEL_HWM_MAX 4096
int ry_channel_client_hwm(size_t queue_bytes, size_t max_request);

/* Rows in the outbox to 'peer_id' not yet acknowledged, as committed
 * (inside a handler use ry_outbox_depth on its transaction). */
uint64_t ry_channel_outbox_depth(const ry_channel_t *self,
                                 const char *peer_id);

/* Runs one round: waits up to timeout_ms for input, applies what came in
 * one transaction, commits with sync, sends acks and replies, then sends
 * from the outbox. With round_ms, it first waits (within timeout_ms) for
 * the round's earliest start; when that is further than timeout_ms, it
 * only sends from the outbox. Returns 0; the store's error when the round
 * could not be applied (RY_EFULL: the store is full at its limit; -ENOSPC
 * or -EDQUOT: its disk is full; RY_EIO or another: it failed), its input
 * not acknowledged and to be resent; or RY_ENET when polling failed. The
 * caller backs off (ry_daemon_backoff). */
int ry_channel_run_once(ry_channel_t *self, int timeout_ms);

typedef struct {
    char peer[RY_OUTBOX_PEER_MAX + 1];
    uint64_t outbox;     /* unacknowledged rows */
    uint64_t next_seq;   /* next sequence number to assign */
    uint64_t acked_seq;  /* highest acknowledged */
    uint64_t applied;    /* highest applied from that peer */
    uint64_t frames;     /* frames of rows this process sent it: rows
                            that fit one frame go as one BATCH */
} ry_link_info_t;

/* Fills up to 'cap' entries; returns how many links there are. */
int ry_channel_links(const ry_channel_t *self, ry_link_info_t *out, int cap);

/* How the store fared in the last rounds: a failure that persists is
 * shown by rongyu status and ping. */
typedef struct {
    int last_error;          /* the last round's error (0: none yet) */
    uint64_t failures;       /* rounds failed in a row (0: healthy) */
    uint64_t total_failures; /* rounds failed since the start */
    int64_t since_ms;        /* wall clock of the first of 'failures' */
} ry_channel_health_t;

void ry_channel_health(const ry_channel_t *self, ry_channel_health_t *out);

/* The client connections served now, as last counted, and the requests
 * answered E_BUSY since the start for their key's connection bound
 * (client_conns_per_key). */
void ry_channel_client_conns(const ry_channel_t *self, uint64_t *served,
                             uint64_t *refused);

/* Retries dead letter 'key' inside txn: an "out" letter (refused by its
 * peer) is appended to the outbox again under a new sequence number; an
 * "in" letter (refused here) is applied again by on_message. The letter
 * is deleted when that worked. Returns 0; RY_ENOTFOUND; RY_EINVAL with
 * 'why' (in Chinese and English, for the client) when it cannot be retried (a
 * stranger's, no frame kept) or was refused again (the letter stays); or a
 * store error. */
int ry_channel_dead_retry(ry_channel_t *self, ry_txn_t *txn, const char *key,
                          char *why, size_t cap);

/* One service's store counters (ry_store_stats) and when they were read
 * (ry_clock_now_ms; 0: never). */
typedef struct {
    char service[64];
    int64_t at_ms;
    ry_store_stats_t store;
} ry_channel_stats_t;

#define RY_CHANNEL_MAX_STATS 16

/* Fills out[0] with this service's store as it is now, then one entry per
 * peer whose last PONG carried its store's counters (a DEALER link pings
 * its peer every second, so these are at most that old while the peer
 * answers), each with at_ms when that PONG came, on this process's clock.
 * Returns how many entries were filled (at most cap). */
int ry_channel_stats(ry_channel_t *self, ry_channel_stats_t *out, int cap);

/* Brings the next pings forward (ry_link_hello_soon): the peers' counters
 * come again within about 100 ms, not a second. For a client asking for
 * them (a status request), who asks again for newer ones. */
void ry_channel_hello_soon(ry_channel_t *self);

/* The message form of one entry (a PONG's store, a status reply's):
 * out->service points into 'in', which must outlive it. */
void ry_channel_stats_pb(const ry_channel_stats_t *in, Rongyu__StoreStats *out);

/* Its inverse: the entry a StoreStats message carries (the service name
 * copied, truncated to fit). */
void ry_channel_stats_from_pb(const Rongyu__StoreStats *in,
                              ry_channel_stats_t *out);

/* Rows in the dead table (committed). */
uint64_t ry_channel_dead_count(ry_channel_t *self);

#endif
