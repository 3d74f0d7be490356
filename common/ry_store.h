/* ry_store: a service's LMDB environment, its named tables and transactions.
 * No MDB_* type or code leaves this module. */
#ifndef RY_STORE_H
#define RY_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ry_store ry_store_t;
typedef struct ry_txn ry_txn_t;

/* A borrowed view of a key or value: valid only until the next write in
 * the same transaction or the end of the transaction. Copy to keep. */
typedef struct {
    const void *data;
    size_t len;
} ry_val_t;

/* Opens (creating if needed) the environment in directory 'dir' with the
 * given map size in bytes and the named tables (a NULL-terminated list).
 * Clears stale reader slots left by crashed processes.
 * Returns 0, RY_EIO (with a log line) or RY_ECONFIG. */
int ry_store_open(ry_store_t **out, const char *dir, size_t map_size,
                  const char *const *tables);

/* For a service: claims the store in 'dir' (created if needed) for this
 * process, for as long as it runs, before the service touches anything
 * it shares (the store, its admission list): a lock on the file 'owner'
 * there, which holds the claimant's pid. Returns 0; RY_EEXIST when
 * another process holds the claim (*holder: its pid, or 0 when it does
 * not read); RY_EIO (logged) when the file cannot be made. Readers such
 * as rongyu-inspect do not claim. */
int ry_store_claim(const char *dir, long *holder);

/* Closes the environment; no transaction may be open. Nulls *self_p;
 * safe on NULL. */
void ry_store_destroy(ry_store_t **self_p);

/* Clears the reader slots of processes that are gone, at most once a
 * second (now_ms, a monotonic clock; earlier calls do nothing): a reader
 * killed while it read (an mdb_copy, rongyu-inspect) leaves its slot
 * behind, which keeps the pages of its snapshot from being reused, so
 * that every commit after it grows the file. Logs what it clears.
 * Returns the slots cleared (0 when none, or not checked). */
int ry_store_readers_check(ry_store_t *self, int64_t now_ms);

/* Doubles the map size (up to 'max' bytes). Only with no transaction open.
 * Returns 0, RY_EFULL when already at max, or RY_EIO. */
int ry_store_grow(ry_store_t *self, size_t max);

/* How many puts, deletes and clears this process has let into the store's
 * write transactions (tried: a put that failed counts too). Unchanged
 * across a call: the call wrote nothing. */
uint64_t ry_store_writes(const ry_store_t *self);

size_t ry_store_map_size(const ry_store_t *self);

/* From now on commits are synced apart from them (ry_sync): a commit
 * writes its pages without syncing them and returns; a thread of the
 * store syncs it while the caller goes on, and the next commit first
 * waits for that sync. What a commit's changes answer must wait for
 * ry_store_sync_wait. One process at a time: another that has the
 * store synced apart makes this fail (ry_sync_start). Returns 0 or
 * RY_EIO. */
int ry_store_sync_apart(ry_store_t *self);

/* Waits up to timeout_ms (negative: as long as it takes) until the last
 * commit is synced. Returns 0 (also when not synced apart), RY_EAGAIN
 * when it is still being synced, or RY_EIO when its sync failed (the
 * store can take no more commits; the process must stop). */
int ry_store_sync_wait(ry_store_t *self, int timeout_ms);

/* Synced apart: a descriptor that turns readable when a sync ends (for
 * poll), until the next ry_store_sync_wait; -1 otherwise. */
int ry_store_sync_fd(const ry_store_t *self);

/* Whether the last commit is not synced yet. */
bool ry_store_sync_pending(const ry_store_t *self);

/* Synced apart: the answers of the last synced commit begin to go out
 * now (its log lines, then its replies and acks handed to the sockets);
 * the time since its sync ended is added to ry_store_stats'
 * answered_us. */
void ry_store_sync_answered(ry_store_t *self);

/* For tests: the syncs of commits synced apart fail from the next one
 * on, with errno 'err', as on a disk that fails. */
void ry_store_sync_fail_next(ry_store_t *self, int err);

/* For tests: while 'on', commits synced apart are not synced. */
void ry_store_sync_hold(ry_store_t *self, bool on);

/* For tests, as an injected allocation failure: the rows of 'table' (one
 * of the store's) at or past key 'from' (all of them: flen 0) no longer
 * read, as when LMDB cannot read the page that holds them. In any
 * transaction of this store, ry_txn_get and ry_txn_get_u64 of such a key,
 * ry_txn_last finding one, and ry_txn_scan reaching one (after it gave
 * the rows before) fail with RY_EIO. Writes and ry_txn_count (which
 * reads no row) are not touched. 'table' NULL ends it. */
void ry_store_fail_reads(ry_store_t *self, const char *table, const void *from,
                         size_t flen);

/* What the store has written since it was opened in this process (kept
 * in memory, not in the store: a measurement, not state), and its size.
 * 'bytes_written' adds up, over the commits, the growth of 'wchar' in
 * /proc/thread-self/io across each mdb_txn_commit: the bytes LMDB handed
 * to write calls (its dirty pages, whole, and the meta page), which is
 * what each commit writes and syncs; not the filesystem's own journal.
 * 0 with bytes_known false where that file cannot be read. */
typedef struct {
    uint64_t commits;       /* write transactions committed */
    uint64_t syncs;         /* of those, commits that wrote, hence synced
                               (the environment syncs every such commit,
                               synced apart after it) */
    uint64_t bytes_written; /* see above */
    bool bytes_known;
    uint64_t page_size;
    uint64_t used_bytes;    /* (last page number + 1) x page size */
    uint64_t cases;         /* rows of the case table (0: none named) */
    uint64_t commit_us;     /* time inside mdb_txn_commit of the write
                               transactions counted (writing their pages and
                               syncing them; synced apart, the time of the
                               syncs the store's thread made beside them
                               added), microseconds */
    uint64_t opened_ns;     /* when this process opened the store
                               (CLOCK_REALTIME, ns): another value in a
                               later reading means the service restarted
                               and the counters began again */
    /* Synced apart (ry_store_sync_apart), microseconds summed over the
     * syncs: */
    uint64_t sync_start_us; /* from each commit to its sync's start (the
                               store's thread waking and getting a CPU) */
    uint64_t answered_us;   /* from each sync's end to the answers of its
                               commit beginning to go out
                               (ry_store_sync_answered) */
} ry_store_stats_t;

/* Names the table whose rows count as this store's cases in
 * ry_store_stats ('table' must be one of the store's; NULL: none). */
void ry_store_set_case_table(ry_store_t *self, const char *table);

/* Fills *out (reads the case table in a read transaction). Returns 0 or
 * RY_EIO (the counters are filled even then). */
int ry_store_stats(ry_store_t *self, ry_store_stats_t *out);

/* Begins a transaction; 'parent' (may be NULL) makes a nested write
 * transaction whose changes vanish if it is aborted. Returns 0 or RY_EIO. */
int ry_txn_begin(ry_store_t *self, ry_txn_t *parent, bool write,
                 ry_txn_t **out);

/* Commits (durably: the environment syncs on commit; synced apart, the
 * sync follows, after the one of the commit before) and frees the
 * transaction, also on failure; nulls *txn_p. Returns 0, RY_EFULL (the
 * map is full), -ENOSPC or -EDQUOT (the disk is full: LMDB reports a
 * short write as EIO, which on a file system with less than 1 MiB free is
 * returned as -ENOSPC) or RY_EIO. */
int ry_txn_commit(ry_txn_t **txn_p);

/* Aborts and frees; nulls *txn_p; safe on NULL. */
void ry_txn_abort(ry_txn_t **txn_p);

/* While 'on', every put, delete and clear in txn and in the transactions
 * begun inside it fails with RY_EINVAL (and an error in the log): a
 * request known to only read runs in a shared write transaction without
 * a nested one of its own, and cannot leave a write behind. */
void ry_txn_reads_only(ry_txn_t *txn, bool on);

/* Reads a key. Returns 0, RY_ENOTFOUND or RY_EIO. */
int ry_txn_get(ry_txn_t *txn, const char *table, const void *key, size_t klen,
               ry_val_t *val);

enum { RY_PUT_NOOVERWRITE = 1, RY_PUT_APPEND = 2 };

/* Writes a key. With RY_PUT_NOOVERWRITE an existing key gives RY_EEXIST.
 * RY_PUT_APPEND is a hint that the key sorts after every existing one.
 * Returns 0, RY_EEXIST, RY_EFULL, RY_ETOOBIG (a key longer than the store
 * allows: 511 bytes), -ENOSPC or -EDQUOT (the disk is full; commits too)
 * or RY_EIO. */
int ry_txn_put(ry_txn_t *txn, const char *table, const void *key, size_t klen,
               const void *data, size_t dlen, unsigned flags);

/* Deletes a key. Returns 0, RY_ENOTFOUND, RY_EFULL (a delete copies the
 * pages it changes too), -ENOSPC or -EDQUOT (as ry_txn_put), RY_EINVAL
 * (ry_txn_reads_only) or RY_EIO. */
int ry_txn_del(ry_txn_t *txn, const char *table, const void *key,
               size_t klen);

/* Deletes the rows whose keys lie from 'from' to 'to' (both included),
 * walking them once with a cursor instead of looking each up. Returns 0
 * (also when there was none) or an error as ry_txn_del (but never
 * RY_ENOTFOUND). */
int ry_txn_del_range(ry_txn_t *txn, const char *table, const void *from,
                     size_t flen, const void *to, size_t tlen);

/* Called for each row of a scan; return 0 to go on, 1 to stop, negative to
 * stop with that error. The views are valid only during the call. */
typedef int (*ry_scan_fn)(const ry_val_t *key, const ry_val_t *val,
                          void *arg);

/* Visits, in key order, the rows whose key starts with 'prefix' (plen may
 * be 0 for all rows), beginning at the first key >= 'from' (NULL: the
 * first key with the prefix). Deleting the visited row from the callback
 * is allowed. Returns 0, the callback's negative code, or RY_EIO. */
int ry_txn_scan(ry_txn_t *txn, const char *table, const void *prefix,
                size_t plen, const void *from, size_t flen, ry_scan_fn fn,
                void *arg);

/* The greatest key that starts with 'prefix'. Returns 0, RY_ENOTFOUND or
 * RY_EIO. */
int ry_txn_last(ry_txn_t *txn, const char *table, const void *prefix,
                size_t plen, ry_val_t *key, ry_val_t *val);

/* The number of rows in a table. Returns 0 or RY_EIO. */
int ry_txn_count(ry_txn_t *txn, const char *table, uint64_t *n);

/* Deletes every row of a table (it stays, empty). Returns 0, -ENOSPC
 * (as ry_txn_put) or RY_EIO. */
int ry_txn_clear(ry_txn_t *txn, const char *table);

/* Runs fn(txn, arg) in a new write transaction and commits it; when the
 * map is full, aborts, grows it (up to max_map bytes) and runs fn again,
 * so fn must write only through txn. Returns 0, fn's error, RY_EFULL at
 * the limit, or RY_EIO. */
int ry_store_write(ry_store_t *self, size_t max_map,
                   int (*fn)(ry_txn_t *txn, void *arg), void *arg);

/* A counter: the row under 'key' read (ry_txn_get_u64) and written
 * (ry_txn_put_u64) as an 8-byte big-endian number. The transaction keeps
 * the counters it reads or puts in memory and writes each one put to the
 * store once: at the commit, when a transaction begins inside it (which
 * then reads them from the store), or before anything else reads or
 * writes the same table (which sees them). A transaction that puts the
 * same counter at every message writes it once instead of each time.
 * ry_txn_get_u64 sets *v (0 when there is no row) and *found; a row
 * longer than 8 bytes gives its first 8. Returns 0, RY_EIO (a row shorter
 * than 8 bytes) or an error as ry_txn_get; ry_txn_put_u64 as ry_txn_put
 * (a full store may show only at the commit). */
int ry_txn_get_u64(ry_txn_t *txn, const char *table, const void *key,
                   size_t klen, uint64_t *v, bool *found);
int ry_txn_put_u64(ry_txn_t *txn, const char *table, const void *key,
                   size_t klen, uint64_t v);

/* Big-endian helpers for keys that sort numerically. */
/* Bumps the 8-byte big-endian counter stored under 'name' in 'table'
 * (absent: 0) inside txn, a counter as ry_txn_get_u64 reads it, and sets
 * *out to its new value. Returns 0 or a store error (RY_EIO: a row
 * shorter than 8 bytes). */
int ry_txn_next(ry_txn_t *txn, const char *table, const char *name,
                uint64_t *out);

void ry_be64_put(uint8_t out[8], uint64_t v);
uint64_t ry_be64_get(const uint8_t in[8]);

#endif
