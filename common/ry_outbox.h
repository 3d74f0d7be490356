/* ry_outbox: the durable state of the links between services, in LMDB
 * only: the outbox rows a service owes each peer, their cumulative
 * acknowledgement, the last sequence applied from each sender, and the
 * dead letters. Every function works inside the caller's transaction, so
 * a state change and the messages it causes commit together or not at
 * all. No socket here: ry_link sends what this module stores. */
#ifndef RY_OUTBOX_H
#define RY_OUTBOX_H

#include "ry_store.h"

#include <protobuf-c/protobuf-c.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The tables of this module: include them in the list given to
 * ry_store_open. */
#define RY_OUTBOX_TABLES "ry_outbox", "ry_seq", "ry_dead"

/* The longest peer name. */
#define RY_OUTBOX_PEER_MAX 63

/* Dead letters kept per sender and direction, and the bytes of their
 * frames; a sender that is not a configured peer ("?") gets far less.
 * Past the row bound a dead letter is counted, not kept; past the byte
 * bound its row is kept without the frame. */
#define RY_OUTBOX_DEAD_ROWS 1000
#define RY_OUTBOX_DEAD_BYTES ((uint64_t)64 << 20)
#define RY_OUTBOX_DEAD_ROWS_STRANGER 100
#define RY_OUTBOX_DEAD_BYTES_STRANGER ((uint64_t)256 << 10)

/* The sender name of dead letters whose sender is unknown or refused. */
#define RY_OUTBOX_STRANGER "?"

/* Packs an envelope (Rongyu__Envelope) into a new buffer (the caller's,
 * to free); 'kind' and 'type' are Rongyu__EnvelopeKind and
 * Rongyu__MessageType values. */
uint8_t *ry_outbox_envelope(const char *self_id, int kind, uint64_t link_seq,
                            uint64_t ack_seq, int type, const char *correlation,
                            const void *payload, size_t plen,
                            const char *reason, size_t *len);

/* Appends a DATA message from self_id to 'peer' as the next outbox row
 * and sets *seq (may be NULL) to its sequence number. Returns 0,
 * RY_EINVAL (a bad peer name), RY_EFULL or RY_EIO. */
int ry_outbox_append(ry_txn_t *txn, const char *self_id, const char *peer,
                     int type, const char *correlation, const void *payload,
                     size_t len, uint64_t *seq);

/* The state of the link to 'peer' as this transaction sees it. */
typedef struct {
    uint64_t next_seq; /* the next sequence number to assign (1 first) */
    uint64_t acked;    /* everything up to this is acknowledged */
    uint64_t applied;  /* the last sequence applied from that peer */
} ry_outbox_state_t;

/* Reads the state of the link to 'peer'. Returns 0 or RY_EIO. */
int ry_outbox_state(ry_txn_t *txn, const char *peer, ry_outbox_state_t *out);

/* The last sequence applied from 'peer' (ry_outbox_state's 'applied'
 * alone: what each message that arrives is checked against). Returns 0
 * or RY_EIO. */
int ry_outbox_applied(ry_txn_t *txn, const char *peer, uint64_t *applied);

/* Rows to 'peer' not yet acknowledged. Returns 0 or RY_EIO. */
int ry_outbox_depth(ry_txn_t *txn, const char *peer, uint64_t *n);

/* Of the rows to 'peer' not yet acknowledged, those after sequence
 * 'peer_applied' (the last the peer applied, from its own store): rows
 * it never applied. The others only wait for an acknowledgement that
 * did not come back yet. Returns 0 or RY_EIO. */
int ry_outbox_unapplied(ry_txn_t *txn, const char *peer, uint64_t peer_applied,
                        uint64_t *n);

/* Whether at least n rows to 'peer' are not yet acknowledged (what
 * ry_outbox_depth >= n says, from two lookups instead of a scan: the rows
 * not acknowledged are always a run of consecutive sequence numbers
 * ending at next_seq - 1). Returns 0 with *yes set, or RY_EIO. */
int ry_outbox_depth_reaches(ry_txn_t *txn, const char *peer, uint64_t n,
                            bool *yes);

/* The stored envelope of row 'seq' to 'peer' (a view valid until the
 * transaction's next write or end). Returns 0, RY_ENOTFOUND or RY_EIO. */
int ry_outbox_row(ry_txn_t *txn, const char *peer, uint64_t seq, ry_val_t *env);

/* Called by ry_outbox_rows for each row in turn: its sequence number and
 * envelope (a view valid until the transaction's next write or end).
 * Return 0 for the next row, 1 to stop, negative to stop with that
 * error. */
typedef int (*ry_outbox_row_fn)(uint64_t seq, const ry_val_t *env, void *arg);

/* Visits the rows to 'peer' from sequence 'from' on, in order, with one
 * cursor (a relay reads a run of rows without a lookup each). Rows
 * missing in between are not visited: fn sees the sequence numbers there
 * are. Returns 0, fn's negative code or RY_EIO. */
int ry_outbox_rows(ry_txn_t *txn, const char *peer, uint64_t from,
                   ry_outbox_row_fn fn, void *arg);

/* A cumulative acknowledgement from 'peer': deletes every row up to
 * 'ack'. An ack of what was never sent (>= next_seq) or already
 * acknowledged changes nothing. Sets *advanced (may be NULL) when rows
 * went. Returns 0 or a store error. */
int ry_outbox_ack(ry_txn_t *txn, const char *peer, uint64_t ack,
                  bool *advanced);

/* Records that sequence 'seq' from 'sender' is applied. Returns 0 or a
 * store error. */
int ry_outbox_set_applied(ry_txn_t *txn, const char *sender, uint64_t seq);

/* Writes a dead letter: direction "in" (a message this service refused)
 * or "out" (one a peer refused), the peer (RY_OUTBOX_STRANGER when
 * unknown), its sequence number (0: none), the reason and the frame (may
 * be NULL). Bounded per sender as above. Returns 0 or a store error. */
int ry_outbox_dead(ry_txn_t *txn, const char *dir, const char *peer,
                   uint64_t seq, const char *reason, const void *frame,
                   size_t len);

/* One dead letter, as ry_outbox_dead_scan shows it (views valid during
 * the callback only). */
typedef struct {
    char key[RY_OUTBOX_PEER_MAX + 32]; /* "dir|peer|seq" */
    char dir[4];
    char peer[RY_OUTBOX_PEER_MAX + 1];
    uint64_t seq;
    const char *reason;
    const uint8_t *frame;
    size_t frame_len;
} ry_outbox_dead_t;

/* Visits the dead letters in key order from 'after' (exclusive; NULL:
 * the first); fn returns 0 to go on, 1 to stop. Returns 0, fn's negative
 * code or RY_EIO. */
int ry_outbox_dead_scan(ry_txn_t *txn, const char *after,
                        int (*fn)(const ry_outbox_dead_t *d, void *arg),
                        void *arg);

/* Reads one dead letter by key. Returns 0, RY_ENOTFOUND or RY_EIO. */
int ry_outbox_dead_get(ry_txn_t *txn, const char *key, ry_outbox_dead_t *out);

/* Deletes one dead letter by key. Returns 0, RY_ENOTFOUND or a store
 * error. */
int ry_outbox_dead_drop(ry_txn_t *txn, const char *key);

/* Dead letters kept, and those refused past the bounds, in all. Returns
 * 0 or RY_EIO. */
int ry_outbox_dead_counts(ry_txn_t *txn, uint64_t *kept, uint64_t *refused);

/* Calls fn for each peer that has a link state in the store (an outbox
 * counter or an applied counter), each name once. Returns 0, fn's
 * negative code or RY_EIO. */
int ry_outbox_peers(ry_txn_t *txn, int (*fn)(const char *peer, void *arg),
                    void *arg);

#endif
