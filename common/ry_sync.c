/* ry_sync: a store's commits synced apart from them (see ry_sync.h). */
#define _GNU_SOURCE /* pthread_setname_np */
#include "ry_sync.h"

#include "ry_clock.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The record: these 8 bytes, then the synced commit's number (big
 * endian, ry_be64_put); 16 bytes, within one sector, written in one
 * write. */
#define S_MAGIC "rysync01"
#define S_RECORD "synced"

/* A store's directory as ry_store takes it (shorter than 1024 bytes:
 * longer ones it cannot make), and a file's path in it. */
#define S_DIR_MAX 1024
#define S_PATH_MAX (S_DIR_MAX + 32)

/* LMDB's meta pages (liblmdb 0.9, data format 1): pages 0 and 1 of
 * data.mdb; in each, after the 16-byte page header (its flags at 10),
 * the meta: its magic at 16, the page size (the free list's md_pad) at
 * 40 and the commit's number (mm_txnid) at 144, in the host's byte
 * order as LMDB writes them. LMDB opens the meta with the higher number.
 * test_sync holds these offsets to what LMDB writes. */
#define S_P_META 0x08
#define S_MDB_MAGIC 0xBEEFC0DEu
#define S_OFF_FLAGS 10
#define S_OFF_MAGIC 16
#define S_OFF_PSIZE 40
#define S_OFF_TXNID 144

struct ry_sync {
    char dir[S_DIR_MAX];
    int data_fd;
    int lock_fd;  /* the data file again, flock'd while synced apart */
    int rec_fd;   /* the record */
    int event_fd; /* readable once a sync ends (ry_sync_fd) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t posted; /* the last commit posted */
    uint64_t done;   /* the last commit synced and recorded */
    int failed;      /* errno of a failed sync (then nothing more) */
    bool hold, stop;
    int fail_next;    /* ry_sync_fail_next */
    ry_sync_times_t times;
    uint64_t posted_us; /* when the last commit was posted (monotonic) */
};

static void
s_path(char *out, size_t cap, const char *dir, const char *name)
{
    snprintf(out, cap, "%s/%s", dir, name);
}

/* Syncs directory 'dir' (an entry made or removed in it). */
static int
s_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Reads the meta page at 'at' in data file fd: its commit number and
 * the page size it records. Returns 0, or -1 when it is not a meta page
 * of the format known here. */
static int
s_meta(int fd, off_t at, uint64_t *txnid, uint32_t *psize)
{
    uint8_t h[S_OFF_TXNID + 8];
    uint16_t flags;
    uint32_t magic;
    if (pread(fd, h, sizeof h, at) != (ssize_t)sizeof h)
        return -1;
    memcpy(&flags, h + S_OFF_FLAGS, sizeof flags);
    memcpy(&magic, h + S_OFF_MAGIC, sizeof magic);
    memcpy(psize, h + S_OFF_PSIZE, sizeof *psize);
    memcpy(txnid, h + S_OFF_TXNID, sizeof *txnid);
    return (flags & S_P_META) && magic == S_MDB_MAGIC ? 0 : -1;
}

/* Whether no other process has the LMDB environment in 'dir' open: each
 * that has holds a read lock on the first byte of lock.mdb (LMDB's
 * mdb_env_excl_lock), so a write lock there is had only alone. The lock
 * is let go at once: closing the descriptor drops this process's locks
 * on the file, and this process has not opened the environment yet. */
static bool
s_alone(const char *dir)
{
    char path[S_PATH_MAX];
    s_path(path, sizeof path, dir, "lock.mdb");
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT;
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 1};
    bool alone = fcntl(fd, F_SETLK, &lk) == 0;
    close(fd);
    return alone;
}

static void (*s_void_hook)(const char *dir);

void
ry_sync_set_void_hook(void (*fn)(const char *dir))
{
    s_void_hook = fn;
}

int
ry_sync_recover(const char *dir, uint64_t *reverted, bool *held)
{
    *reverted = 0;
    *held = false;
    char rpath[S_PATH_MAX], dpath[S_PATH_MAX];
    s_path(rpath, sizeof rpath, dir, S_RECORD);
    s_path(dpath, sizeof dpath, dir, "data.mdb");
    int rfd = open(rpath, O_RDWR | O_CLOEXEC);
    if (rfd < 0) {
        if (errno == ENOENT)
            return 0;
        ry_error(NULL, "store '%s': cannot open its sync record: %s", dir,
                 strerror(errno));
        return RY_EIO;
    }
    int dfd = open(dpath, O_RDWR | O_CLOEXEC);
    if (dfd >= 0 && flock(dfd, LOCK_EX | LOCK_NB) != 0) {
        /* A running service syncs this store apart: it is not ours to
         * mend (a reader such as rongyu-inspect opens it as it is). */
        close(dfd);
        close(rfd);
        *held = true;
        return 0;
    }
    int rc = RY_EIO;
    uint8_t rec[16];
    if (pread(rfd, rec, sizeof rec, 0) != (ssize_t)sizeof rec ||
        memcmp(rec, S_MAGIC, 8) != 0) {
        ry_error(NULL, "store '%s': its sync record does not read", dir);
        goto out;
    }
    uint64_t synced = ry_be64_get(rec + 8);
    uint64_t t0, t1;
    uint32_t psize = 0, psize1;
    if (dfd < 0 || s_meta(dfd, 0, &t0, &psize) != 0 || psize < 512 ||
        psize > 65536 || s_meta(dfd, psize, &t1, &psize1) != 0) {
        ry_error(NULL, "store '%s': its meta pages do not read as LMDB's", dir);
        goto out;
    }
    int newest = t1 > t0;
    uint64_t top = newest ? t1 : t0, other = newest ? t0 : t1;
    /* Only the commit after the recorded one can be unsynced, and then
     * the other meta is the recorded one, whole on the disk. */
    if (top < synced ||
        (top > synced && (top != synced + 1 || other != synced))) {
        ry_error(NULL,
                 "store '%s': its newest commit is %" PRIu64
                 " but the last synced is %" PRIu64 ": not opened",
                 dir, top, synced);
        goto out;
    }
    if (top > synced) {
        if (!s_alone(dir)) {
            /* Another process has the environment open (a reader such
             * as rongyu-inspect): its lock region names the commit to
             * void, which its next transactions would start from. */
            ry_error(NULL,
                     "store '%s': commit %" PRIu64 " was not synced, and "
                     "another process has the store open: not opened (stop "
                     "it, then start again)",
                     dir, top);
            goto out;
        }
        if (s_void_hook)
            s_void_hook(dir);
        uint8_t zero[8] = {0};
        if (pwrite(dfd, zero, sizeof zero,
                   (off_t)newest * psize + S_OFF_TXNID) !=
                (ssize_t)sizeof zero ||
            fdatasync(dfd) != 0) {
            ry_error(NULL, "store '%s': cannot void commit %" PRIu64 ": %s",
                     dir, top, strerror(errno));
            goto out;
        }
        *reverted = top;
        ry_warn(NULL,
                "store '%s': commit %" PRIu64 " was not synced when the "
                "service stopped; the store opens at commit %" PRIu64
                " (nothing of it was answered)",
                dir, top, synced);
    }
    if (unlink(rpath) != 0 || s_sync_dir(dir) != 0) {
        ry_error(NULL, "store '%s': cannot remove its sync record: %s", dir,
                 strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (dfd >= 0)
        close(dfd); /* releases the lock */
    close(rfd);
    return rc;
}

/* Writes the record of commit txnid and syncs it. */
static int
s_record(int rfd, uint64_t txnid)
{
    uint8_t rec[16];
    memcpy(rec, S_MAGIC, 8);
    ry_be64_put(rec + 8, txnid);
    if (pwrite(rfd, rec, sizeof rec, 0) != (ssize_t)sizeof rec)
        return -1;
    return fdatasync(rfd);
}

_Static_assert(sizeof(ry_sync_sched_attr_t) == 56,
               "sched_attr, second version");

/* Asks for short slices (RY_SYNC_SLICE_NS) for the calling thread, its
 * policy and nice kept: a thread that wakes with a short slice is given
 * a CPU sooner by the kernel's scheduler (EEVDF, Linux 6.12 and later;
 * earlier kernels ignore the request). This thread runs a few
 * microseconds per commit, and every answer of the round waits for it
 * to start its sync: on a busy machine of two cores the start came 0.4 ms
 * after the commit on average, more than a millisecond in one commit of
 * ten; 0.2 ms with short slices (measured with intake's sooner release
 * beside them: docs/benchmark-history.md, "Forty-first session").
 * Nothing changes when the kernel refuses. */
static void
s_short_slice(void)
{
#if defined(SYS_sched_getattr) && defined(SYS_sched_setattr)
    ry_sync_sched_attr_t a;
    memset(&a, 0, sizeof a);
    if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) != 0) {
        ry_debug(NULL, "the sync thread's scheduling not read: %s",
                 strerror(errno));
        return;
    }
    a.size = sizeof a;
    a.runtime = RY_SYNC_SLICE_NS;
    if (syscall(SYS_sched_setattr, 0, &a, 0) != 0)
        ry_debug(NULL, "short slices for the sync thread not given: %s",
                 strerror(errno));
#endif
}

static void *
s_run(void *arg)
{
    ry_sync_t *self = arg;
    pthread_setname_np(pthread_self(), RY_SYNC_THREAD);
    s_short_slice();
    pthread_mutex_lock(&self->mu);
    for (;;) {
        while (!self->failed && (self->hold || self->posted == self->done) &&
               !(self->stop && self->posted == self->done))
            pthread_cond_wait(&self->cv, &self->mu);
        if (self->failed || (self->stop && self->posted == self->done))
            break;
        uint64_t t = self->posted, posted_us = self->posted_us;
        int fail = self->fail_next;
        pthread_mutex_unlock(&self->mu);
        uint64_t t0 = (uint64_t)ry_clock_mono_us();
        int rc = fdatasync(self->data_fd);
        if (fail) {
            errno = fail;
            rc = -1;
        }
        if (rc == 0)
            rc = s_record(self->rec_fd, t);
        uint64_t t1 = (uint64_t)ry_clock_mono_us();
        int err = rc ? errno : 0;
        pthread_mutex_lock(&self->mu);
        if (err)
            self->failed = err;
        else
            self->done = t;
        self->times.sync_us += t1 - t0;
        self->times.start_us += t0 > posted_us ? t0 - posted_us : 0;
        self->times.done_at_us = t1;
        pthread_cond_broadcast(&self->cv);
        uint64_t one = 1;
        if (write(self->event_fd, &one, sizeof one) < 0) {
            /* full (never: drained at every wait) or closed: the waits
             * still see the state under the lock */
        }
    }
    pthread_mutex_unlock(&self->mu);
    return NULL;
}

int
ry_sync_start(const char *dir, int data_fd, uint64_t txnid, ry_sync_t **out)
{
    *out = NULL;
    ry_sync_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    snprintf(self->dir, sizeof self->dir, "%s", dir);
    self->data_fd = data_fd;
    self->posted = self->done = txnid;
    /* One process at a time syncs a store apart: the lock is on the data
     * file, which stays (the record is replaced below). Another instance
     * started on the same store stops here, its record untouched. */
    char dpath[S_PATH_MAX], rpath[S_PATH_MAX], tpath[S_PATH_MAX + 8];
    s_path(dpath, sizeof dpath, dir, "data.mdb");
    self->lock_fd = open(dpath, O_RDONLY | O_CLOEXEC);
    if (self->lock_fd < 0) {
        ry_error(NULL, "store '%s': cannot open its data file: %s", dir,
                 strerror(errno));
        free(self);
        return RY_EIO;
    }
    if (flock(self->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        ry_error(NULL,
                 "store '%s': another process syncs it apart (another "
                 "instance of the service on the same store?): not started",
                 dir);
        close(self->lock_fd);
        free(self);
        return RY_EIO;
    }
    /* The record comes whole or not at all: written and synced apart,
     * then renamed into place (a record that does not read stops the
     * next open). */
    s_path(rpath, sizeof rpath, dir, S_RECORD);
    snprintf(tpath, sizeof tpath, "%s.new", rpath);
    int tfd = open(tpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool made = tfd >= 0 && s_record(tfd, txnid) == 0;
    if (tfd >= 0)
        close(tfd);
    self->rec_fd = -1;
    if (made && rename(tpath, rpath) == 0 && s_sync_dir(dir) == 0)
        self->rec_fd = open(rpath, O_RDWR | O_CLOEXEC);
    if (self->rec_fd < 0) {
        ry_error(NULL, "store '%s': cannot keep a sync record: %s", dir,
                 strerror(errno));
        close(self->lock_fd);
        free(self);
        return RY_EIO;
    }
    self->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (self->event_fd < 0)
        abort();
    pthread_mutex_init(&self->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&self->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&self->thread, NULL, s_run, self) != 0)
        abort();
    *out = self;
    return 0;
}

void
ry_sync_post(ry_sync_t *self, uint64_t txnid)
{
    pthread_mutex_lock(&self->mu);
    if (txnid > self->posted) {
        self->posted = txnid;
        self->posted_us = (uint64_t)ry_clock_mono_us();
        pthread_cond_broadcast(&self->cv);
    }
    pthread_mutex_unlock(&self->mu);
}

int
ry_sync_wait(ry_sync_t *self, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    if (timeout_ms > 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    uint64_t drained;
    if (read(self->event_fd, &drained, sizeof drained) < 0) {
        /* nothing to drain */
    }
    int rc = 0;
    pthread_mutex_lock(&self->mu);
    while (!self->failed && self->done < self->posted) {
        if (timeout_ms < 0)
            pthread_cond_wait(&self->cv, &self->mu);
        else if (timeout_ms == 0 || pthread_cond_timedwait(&self->cv, &self->mu,
                                                           &until) == ETIMEDOUT)
            break;
    }
    if (self->failed)
        rc = RY_EIO;
    else if (self->done < self->posted)
        rc = RY_EAGAIN;
    int failed = self->failed;
    pthread_mutex_unlock(&self->mu);
    if (rc == RY_EIO)
        ry_error(NULL, "store '%s': a commit could not be synced: %s",
                 self->dir, strerror(failed));
    return rc;
}

int
ry_sync_fd(const ry_sync_t *self)
{
    return self->event_fd;
}

bool
ry_sync_pending(const ry_sync_t *self)
{
    ry_sync_t *s = (ry_sync_t *)self;
    pthread_mutex_lock(&s->mu);
    bool pending = s->done < s->posted;
    pthread_mutex_unlock(&s->mu);
    return pending;
}

void
ry_sync_times(const ry_sync_t *self, ry_sync_times_t *out)
{
    ry_sync_t *s = (ry_sync_t *)self;
    pthread_mutex_lock(&s->mu);
    *out = s->times;
    pthread_mutex_unlock(&s->mu);
}

void
ry_sync_fail_next(ry_sync_t *self, int err)
{
    pthread_mutex_lock(&self->mu);
    self->fail_next = err;
    pthread_mutex_unlock(&self->mu);
}

void
ry_sync_hold(ry_sync_t *self, bool on)
{
    pthread_mutex_lock(&self->mu);
    self->hold = on;
    pthread_cond_broadcast(&self->cv);
    pthread_mutex_unlock(&self->mu);
}

void
ry_sync_stop(ry_sync_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ry_sync_t *self = *self_p;
    pthread_mutex_lock(&self->mu);
    self->hold = false;
    self->stop = true;
    pthread_cond_broadcast(&self->cv);
    pthread_mutex_unlock(&self->mu);
    pthread_join(self->thread, NULL);
    pthread_mutex_destroy(&self->mu);
    pthread_cond_destroy(&self->cv);
    close(self->rec_fd);
    close(self->lock_fd); /* the store may be synced apart again */
    close(self->event_fd);
    free(self);
    *self_p = NULL;
}
