/* ry_sync: a store's commits synced apart from them. LMDB then writes a
 * commit without syncing it (MDB_NOSYNC) and a thread of the store syncs
 * it after, while the service applies its next round; what the commit
 * answers waits for that sync (ry_channel). So that a system crash never
 * leaves LMDB a commit whose pages are not all on the disk, the thread
 * records, in 'synced' beside the data file, each commit it has synced;
 * at the next open a later commit, the one that was being synced, is
 * voided (its meta page no longer the newest) and LMDB opens the
 * recorded one, which is whole: LMDB writes a commit only into pages
 * that the commit before it does not use.
 *
 * At most one commit is ever unsynced: the caller waits for the sync of
 * one (ry_sync_wait) before it commits the next.
 *
 * The thread is named RY_SYNC_THREAD (ps -L, top -H) and asks the kernel
 * for slices of RY_SYNC_SLICE_NS, the shortest it takes: it runs little,
 * and what it syncs waits for it to get a CPU. */
#ifndef RY_SYNC_H
#define RY_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#define RY_SYNC_THREAD "rongyu-sync"
#define RY_SYNC_SLICE_NS 100000

typedef struct ry_sync ry_sync_t;

/* A thread's scheduling attributes as sched_setattr(2) and
 * sched_getattr(2) take them, up to the utilisation clamps (56 bytes;
 * glibc 2.36 has neither call nor the type): what the sync thread reads
 * and sets of its own, and what tests read of it. */
typedef struct {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
} ry_sync_sched_attr_t;

/* Before the LMDB environment in 'dir' is opened: when 'dir' holds a
 * record of a synced commit and no other process holds the store in this
 * mode, makes the newest commit on the disk the recorded one (voiding the
 * meta page of the one after it, if it was written), then removes the
 * record. *reverted: the commit voided (0: none). *held: another process
 * holds the store synced apart (then nothing was done). Returns 0, or
 * RY_EIO (logged, nothing changed) when the record or the meta pages do
 * not read as they must, or when a commit must be voided while another
 * process has the environment open (its lock region would go on naming
 * it): the store is then not opened. */
int ry_sync_recover(const char *dir, uint64_t *reverted, bool *held);

/* Starts syncing apart the store in 'dir' whose data file is 'data_fd'
 * and whose last commit, 'txnid', is already on the disk: holds the store
 * in this mode (a lock on its data file: other processes neither recover
 * it nor sync it apart), records the commit and starts the thread.
 * Returns 0, or RY_EIO (logged) when another process already syncs the
 * store apart (its record untouched) or the record cannot be made. */
int ry_sync_start(const char *dir, int data_fd, uint64_t txnid,
                  ry_sync_t **out);

/* After commit 'txnid': the thread syncs it. */
void ry_sync_post(ry_sync_t *self, uint64_t txnid);

/* Waits up to timeout_ms (negative: as long as it takes) until the last
 * commit posted is synced and recorded. Returns 0, RY_EAGAIN when it is
 * still being synced, or RY_EIO when a sync failed (logged; the commit
 * may not be on the disk: the process must stop, and the next open
 * voids it). */
int ry_sync_wait(ry_sync_t *self, int timeout_ms);

/* A descriptor that turns readable when a sync ends (for poll), until
 * the next ry_sync_wait. */
int ry_sync_fd(const ry_sync_t *self);

/* Whether a commit posted is not yet synced. */
bool ry_sync_pending(const ry_sync_t *self);

/* What the thread's syncs took, microseconds (monotonic clock). */
typedef struct {
    uint64_t sync_us;    /* the syncs themselves (each commit's and its
                            record's) */
    uint64_t start_us;   /* from each commit posted to its sync's start:
                            the thread waking and getting a CPU */
    uint64_t done_at_us; /* when the last sync ended (0: none yet) */
} ry_sync_times_t;

void ry_sync_times(const ry_sync_t *self, ry_sync_times_t *out);

/* For tests: the syncs from the next one fail with errno 'err' (a disk
 * that fails). */
void ry_sync_fail_next(ry_sync_t *self, int err);

/* For tests: while 'on', the thread syncs nothing (a slow disk). */
void ry_sync_hold(ry_sync_t *self, bool on);

/* For tests: 'fn' (NULL: none) is called by ry_sync_recover with the
 * store's directory once it found no other process on the store and
 * before it voids a commit: where another process may yet open it (the
 * open after the recovery refuses the store then, "opened at commit"). */
void ry_sync_set_void_hook(void (*fn)(const char *dir));

/* Waits for the commit posted last, stops the thread and lets the store
 * go; the record stays, for the next open. Nulls *self_p; safe on NULL. */
void ry_sync_stop(ry_sync_t **self_p);

#endif
