/* ry_store: a service's LMDB environment, its named tables and transactions. */
#include "ry_store.h"

#include "ry_clock.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_sync.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define RY_STORE_MAX_TABLES 32
#define S_SLOT_BITS 6
#define S_SLOTS (1u << S_SLOT_BITS)
_Static_assert(S_SLOTS >= 2 * RY_STORE_MAX_TABLES,
               "an empty slot ends every probe");

struct ry_store {
    MDB_env *env;
    size_t map_size;
    int ntables;
    char *names[RY_STORE_MAX_TABLES];
    const void *declared[RY_STORE_MAX_TABLES]; /* the names' addresses as
                                                * given, compared only */
    MDB_dbi dbis[RY_STORE_MAX_TABLES];
    /* The declared addresses hashed (open addressing; each slot the
     * table's index + 1, 0 empty): filled at open, only read after. */
    uint8_t by_addr[S_SLOTS];
    const char *case_table; /* one of names[], or NULL */
    ry_store_stats_t stats; /* the counters; sizes filled on demand */
    uint64_t writes;        /* puts, deletes and clears let through */
    /* ry_store_fail_reads: the rows of table fail_dbi from fail_from on
     * (all: size 0) do not read (fail_on: set). */
    bool fail_on;
    MDB_dbi fail_dbi;
    MDB_val fail_from;
    char dir[1024];  /* whole: s_mkdirs refuses longer */
    ry_sync_t *sync; /* ry_store_sync_apart: commits synced apart */
    int64_t readers_checked_ms; /* ry_store_readers_check's last check */
    bool readers_checked;
};

/* A counter row (ry_txn_get_u64, ry_txn_put_u64) kept in the
 * transaction: read from the store once, written to it once, at the
 * commit or before anything else touches its table. */
enum { S_KEPT = 16, S_KEPT_KEY = 96 };
typedef struct {
    MDB_dbi dbi;
    bool found; /* the row is there (in the store, or put here) */
    bool dirty; /* put here, not yet written */
    uint8_t klen;
    uint64_t v;
    uint8_t key[S_KEPT_KEY];
} s_kept_t;

struct ry_txn {
    ry_store_t *store;
    MDB_txn *txn;
    bool write;     /* not MDB_RDONLY */
    bool top_write; /* a write transaction without a parent */
    bool no_writes; /* ry_txn_reads_only: puts and deletes refused */
    uint64_t kept_dbis; /* the tables of kept[] (bit dbi % 64) */
    int nkept;
    s_kept_t kept[S_KEPT];
};

static int
s_rc(int mrc)
{
    switch (mrc) {
    case MDB_SUCCESS: return 0;
    case MDB_NOTFOUND: return RY_ENOTFOUND;
    case MDB_KEYEXIST: return RY_EEXIST;
    case MDB_MAP_FULL:
    case MDB_TXN_FULL: return RY_EFULL;
    case MDB_BAD_VALSIZE: return RY_ETOOBIG; /* a key too long: the input's */
    case ENOSPC:
    case EDQUOT: return -mrc; /* the disk is full: say so */
    default: return RY_EIO;
    }
}

/* Free space below which a failed write is taken for a full disk. LMDB
 * writes up to 64 pages at a time and calls a short write EIO ("short
 * write, filesystem full?"): with less room than that left, the I/O
 * error is a full disk and is reported as one. */
#define S_DISK_LOW ((uint64_t)1 << 20)

/* s_rc for a failed write to the store's file: an I/O error on a disk
 * with (almost) no room left is ENOSPC, so that callers say so. */
static int
s_write_rc(ry_store_t *self, int mrc)
{
    int fd;
    struct statvfs sv;
    if (mrc == EIO && mdb_env_get_fd(self->env, &fd) == 0 &&
        fstatvfs(fd, &sv) == 0 &&
        (uint64_t)sv.f_bavail * sv.f_frsize < S_DISK_LOW)
        mrc = ENOSPC;
    return s_rc(mrc);
}

/* Writes the kept counters put since they were read, and forgets them
 * all. Returns 0 or a store error. */
static int
s_kept_flush(ry_txn_t *t)
{
    int rc = 0;
    for (int i = 0; i < t->nkept && rc == 0; i++) {
        s_kept_t *k = &t->kept[i];
        if (!k->dirty)
            continue;
        uint8_t b[8];
        ry_be64_put(b, k->v);
        MDB_val mk = {k->klen, k->key}, mv = {8, b};
        rc = mdb_put(t->txn, k->dbi, &mk, &mv, 0);
        if (rc)
            rc = s_write_rc(t->store, rc);
    }
    t->nkept = 0;
    t->kept_dbis = 0;
    return rc;
}

/* Before any access to table dbi other than through the kept counters:
 * they go to the store first, so that the access sees them, and are read
 * again after it, which may change them. */
static int
s_kept_touch(ry_txn_t *t, MDB_dbi dbi)
{
    return t->kept_dbis >> (dbi % 64) & 1 ? s_kept_flush(t) : 0;
}

static unsigned
s_addr_hash(const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15u;
    return (unsigned)(x >> (64 - S_SLOT_BITS)); /* the top bits */
}

static int
s_dbi(ry_store_t *self, const char *table, MDB_dbi *out)
{
    /* Callers name tables by the literals the service declared them
     * with, which the linker merges into one copy: the address usually
     * finds the table, and one comparison makes sure. */
    for (unsigned h = s_addr_hash(table);; h = (h + 1) & (S_SLOTS - 1)) {
        int i = self->by_addr[h] - 1;
        if (i < 0)
            break;
        if (self->declared[i] == table && strcmp(self->names[i], table) == 0) {
            *out = self->dbis[i];
            return 0;
        }
    }
    for (int i = 0; i < self->ntables; i++)
        if (strcmp(self->names[i], table) == 0) {
            *out = self->dbis[i];
            return 0;
        }
    /* A table the service did not declare is a programmer error. */
    assert(!"unknown table");
    return RY_EINVAL;
}

/* Creates 'dir' and its missing parents. */
static int
s_mkdirs(const char *dir)
{
    char path[1024];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return -1;
    memcpy(path, dir, n + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int
ry_store_claim(const char *dir, long *holder)
{
    *holder = 0;
    char path[1100];
    snprintf(path, sizeof path, "%s/owner", dir);
    int fd = s_mkdirs(dir) == 0 ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)
                                : -1;
    if (fd < 0) {
        ry_error(NULL, "cannot claim store '%s': %s", dir, strerror(errno));
        return RY_EIO;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char b[32] = {0};
        if (pread(fd, b, sizeof b - 1, 0) > 0)
            *holder = strtol(b, NULL, 10);
        close(fd);
        return RY_EEXIST;
    }
    /* Kept open, and locked, until the process ends. */
    char b[32];
    int n = snprintf(b, sizeof b, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, b, (size_t)n, 0) != n)
        ry_warn(NULL, "store '%s': cannot write its owner's pid: %s", dir,
                strerror(errno));
    return 0;
}

int
ry_store_open(ry_store_t **out, const char *dir, size_t map_size,
              const char *const *tables)
{
    assert(out && dir && tables);
    *out = NULL;
    if (s_mkdirs(dir) != 0) {
        ry_error(NULL, "cannot create store directory '%s': %s", dir,
                 strerror(errno));
        return RY_EIO;
    }
    ry_store_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    snprintf(self->dir, sizeof self->dir, "%s", dir);
    /* A commit left unsynced by a service that synced apart is voided
     * before LMDB reads the meta pages (ry_sync). */
    uint64_t reverted;
    bool held;
    if (ry_sync_recover(dir, &reverted, &held) != 0) {
        free(self);
        return RY_EIO;
    }
    int rc = mdb_env_create(&self->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(self->env, RY_STORE_MAX_TABLES);
    if (rc == 0)
        rc = mdb_env_set_mapsize(self->env, map_size);
    if (rc == 0)
        rc = mdb_env_set_maxreaders(self->env, 126);
    if (rc == 0)
        rc = mdb_env_open(self->env, dir, MDB_NOTLS, 0600);
    if (rc != 0) {
        ry_error(NULL, "cannot open store '%s': %s", dir, mdb_strerror(rc));
        goto fail;
    }
    int dead = 0;
    mdb_reader_check(self->env, &dead);
    if (dead)
        ry_warn(NULL, "store '%s': cleared %d stale readers", dir, dead);
    MDB_envinfo info;
    mdb_env_info(self->env, &info);
    self->map_size = info.me_mapsize;
    if (reverted) {
        /* The lock region must name the commit opened, not the one
         * voided (ry_sync_recover opened nothing with another process on
         * the store: a read transaction takes its number from there). */
        MDB_txn *rt = NULL;
        size_t at = 0;
        if (mdb_txn_begin(self->env, NULL, MDB_RDONLY, &rt) == 0) {
            at = mdb_txn_id(rt);
            mdb_txn_abort(rt);
        }
        if (at != reverted - 1) {
            ry_error(NULL,
                     "store '%s': opened at commit %zu, not %" PRIu64
                     ": another process has it open",
                     dir, at, reverted - 1);
            rc = EBUSY;
            goto fail;
        }
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    self->stats.opened_ns =
        (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;

    MDB_txn *txn = NULL;
    rc = mdb_txn_begin(self->env, NULL, 0, &txn);
    for (int i = 0; rc == 0 && tables[i]; i++) {
        if (i >= RY_STORE_MAX_TABLES) {
            rc = MDB_DBS_FULL;
            break;
        }
        rc = mdb_dbi_open(txn, tables[i], MDB_CREATE, &self->dbis[i]);
        if (rc == 0) {
            self->names[i] = strdup(tables[i]);
            self->declared[i] = tables[i];
            self->ntables = i + 1;
            unsigned h = s_addr_hash(tables[i]);
            while (self->by_addr[h])
                h = (h + 1) & (S_SLOTS - 1);
            self->by_addr[h] = (uint8_t)(i + 1);
        }
    }
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    if (rc != 0) {
        ry_error(NULL, "cannot open tables of '%s': %s", dir, mdb_strerror(rc));
        goto fail;
    }
    *out = self;
    return 0;
fail:
    ry_store_destroy(&self);
    return rc == MDB_MAP_FULL ? RY_EFULL : RY_EIO;
}

void
ry_store_destroy(ry_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ry_store_t *self = *self_p;
    ry_sync_stop(&self->sync);
    if (self->env)
        mdb_env_close(self->env);
    for (int i = 0; i < self->ntables; i++)
        free(self->names[i]);
    free(self->fail_from.mv_data);
    free(self);
    *self_p = NULL;
}

int
ry_store_readers_check(ry_store_t *self, int64_t now_ms)
{
    if (!self ||
        (self->readers_checked && now_ms - self->readers_checked_ms < 1000))
        return 0;
    self->readers_checked = true;
    self->readers_checked_ms = now_ms;
    int dead = 0;
    if (mdb_reader_check(self->env, &dead) != 0)
        return 0;
    if (dead)
        ry_warn(NULL,
                "store '%s': cleared %d reader slot%s of a process that is "
                "gone (a reader killed while it read)",
                self->dir, dead, dead == 1 ? "" : "s");
    return dead;
}

int
ry_store_grow(ry_store_t *self, size_t max)
{
    if (self->map_size >= max)
        return RY_EFULL;
    size_t want = self->map_size * 2;
    if (want > max)
        want = max;
    int rc = mdb_env_set_mapsize(self->env, want);
    if (rc != 0) {
        ry_error(NULL, "cannot grow store map to %zu: %s", want,
                 mdb_strerror(rc));
        return RY_EIO;
    }
    ry_info(NULL, "store map grown from %zu to %zu bytes", self->map_size,
            want);
    self->map_size = want;
    return 0;
}

int
ry_store_sync_apart(ry_store_t *self)
{
    if (self->sync)
        return 0;
    int fd;
    MDB_envinfo info;
    int rc = mdb_env_get_fd(self->env, &fd);
    if (!rc)
        rc = mdb_env_sync(self->env, 1);
    if (rc) {
        ry_error(NULL, "store '%s': cannot sync: %s", self->dir,
                 mdb_strerror(rc));
        return RY_EIO;
    }
    mdb_env_info(self->env, &info);
    if (ry_sync_start(self->dir, fd, info.me_last_txnid, &self->sync) != 0)
        return RY_EIO;
    rc = mdb_env_set_flags(self->env, MDB_NOSYNC, 1);
    if (rc) {
        ry_sync_stop(&self->sync);
        ry_error(NULL, "store '%s': cannot commit without syncing: %s",
                 self->dir, mdb_strerror(rc));
        return RY_EIO;
    }
    return 0;
}

int
ry_store_sync_wait(ry_store_t *self, int timeout_ms)
{
    return self->sync ? ry_sync_wait(self->sync, timeout_ms) : 0;
}

int
ry_store_sync_fd(const ry_store_t *self)
{
    return self->sync ? ry_sync_fd(self->sync) : -1;
}

void
ry_store_sync_answered(ry_store_t *self)
{
    if (!self->sync)
        return;
    ry_sync_times_t t;
    ry_sync_times(self->sync, &t);
    uint64_t now = (uint64_t)ry_clock_mono_us();
    if (t.done_at_us && now > t.done_at_us)
        self->stats.answered_us += now - t.done_at_us;
}

bool
ry_store_sync_pending(const ry_store_t *self)
{
    return self->sync && ry_sync_pending(self->sync);
}

void
ry_store_sync_fail_next(ry_store_t *self, int err)
{
    if (self->sync)
        ry_sync_fail_next(self->sync, err);
}

void
ry_store_sync_hold(ry_store_t *self, bool on)
{
    if (self->sync)
        ry_sync_hold(self->sync, on);
}

size_t
ry_store_map_size(const ry_store_t *self)
{
    return self->map_size;
}

void
ry_store_set_case_table(ry_store_t *self, const char *table)
{
    self->case_table = NULL;
    for (int i = 0; table && i < self->ntables; i++)
        if (strcmp(self->names[i], table) == 0)
            self->case_table = self->names[i];
    assert(!table || self->case_table);
}

int
ry_store_stats(ry_store_t *self, ry_store_stats_t *out)
{
    *out = self->stats;
    if (self->sync) { /* the syncs its thread made, beside the commits */
        ry_sync_times_t t;
        ry_sync_times(self->sync, &t);
        out->commit_us += t.sync_us;
        out->sync_start_us = t.start_us;
    }
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info(self->env, &info) != 0 ||
        mdb_env_stat(self->env, &st) != 0)
        return RY_EIO;
    out->page_size = st.ms_psize;
    out->used_bytes = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
    if (!self->case_table)
        return 0;
    ry_txn_t *txn;
    int rc = ry_txn_begin(self, NULL, false, &txn);
    if (rc == 0)
        rc = ry_txn_count(txn, self->case_table, &out->cases);
    ry_txn_abort(&txn);
    return rc;
}

void
ry_txn_reads_only(ry_txn_t *txn, bool on)
{
    txn->no_writes = on;
}

/* Whether key k of table dbi is one ry_store_fail_reads made unreadable. */
static bool
s_read_fault(const ry_txn_t *txn, MDB_dbi dbi, const MDB_val *k)
{
    const ry_store_t *s = txn->store;
    return s->fail_on && dbi == s->fail_dbi &&
           (s->fail_from.mv_size == 0 ||
            mdb_cmp(txn->txn, dbi, k, &s->fail_from) >= 0);
}

void
ry_store_fail_reads(ry_store_t *self, const char *table, const void *from,
                    size_t flen)
{
    free(self->fail_from.mv_data);
    self->fail_from = (MDB_val){0, NULL};
    self->fail_on = table && s_dbi(self, table, &self->fail_dbi) == 0;
    if (self->fail_on && flen) {
        self->fail_from.mv_data = malloc(flen);
        if (!self->fail_from.mv_data)
            abort();
        memcpy(self->fail_from.mv_data, from, flen);
        self->fail_from.mv_size = flen;
    }
}

/* A write where ry_txn_reads_only forbids it: a fault of the caller. */
static int
s_write_refused(const char *table)
{
    ry_error(NULL, "a write to '%s' where only reads are allowed: refused",
             table);
    return RY_EINVAL;
}

/* The table to write in txn, unless ry_txn_reads_only forbids it. */
static int
s_write_dbi(ry_txn_t *txn, const char *table, MDB_dbi *dbi)
{
    int rc = s_dbi(txn->store, table, dbi);
    if (!rc && txn->no_writes)
        rc = s_write_refused(table);
    if (!rc)
        txn->store->writes++;
    return rc;
}

uint64_t
ry_store_writes(const ry_store_t *self)
{
    return self->writes;
}

int
ry_txn_begin(ry_store_t *self, ry_txn_t *parent, bool write, ry_txn_t **out)
{
    *out = NULL;
    ry_txn_t *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->store = self;
    t->write = write;
    t->top_write = write && !parent;
    t->no_writes = parent && parent->no_writes;
    /* The child reads and writes the parent's counters in the store. */
    int rc = parent ? s_kept_flush(parent) : 0;
    if (rc) {
        free(t);
        return rc;
    }
    rc = mdb_txn_begin(self->env, parent ? parent->txn : NULL,
                       write ? 0 : MDB_RDONLY, &t->txn);
    if (rc == MDB_MAP_RESIZED) {
        /* Another process grew the map: adopt the new size and retry. */
        mdb_env_set_mapsize(self->env, 0);
        rc = mdb_txn_begin(self->env, parent ? parent->txn : NULL,
                           write ? 0 : MDB_RDONLY, &t->txn);
    }
    if (rc != 0) {
        ry_error(NULL, "cannot begin transaction: %s", mdb_strerror(rc));
        free(t);
        return s_rc(rc);
    }
    *out = t;
    return 0;
}

/* The calling thread's wchar from /proc/thread-self/io (bytes passed to
 * write calls), or -1. The file stays open in each thread that commits
 * (two reads a commit instead of two opens, reads and closes); the
 * kernel writes it afresh at each read from its start. */
static int64_t
s_thread_write_bytes(void)
{
    static _Thread_local int fd = -1;
    if (fd < 0 && (fd = open("/proc/thread-self/io", O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    char buf[512];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    const char *p = strstr(buf, "wchar: ");
    uint64_t v;
    if (!p || sscanf(p + 7, "%" SCNu64, &v) != 1)
        return -1;
    return (int64_t)v;
}

static uint64_t
s_last_txnid(MDB_env *env)
{
    MDB_envinfo info;
    return mdb_env_info(env, &info) == 0 ? (uint64_t)info.me_last_txnid : 0;
}

int
ry_txn_commit(ry_txn_t **txn_p)
{
    ry_txn_t *t = *txn_p;
    *txn_p = NULL;
    ry_store_stats_t *st = &t->store->stats;
    int64_t w0 = t->top_write ? s_thread_write_bytes() : -1;
    uint64_t id0 = t->top_write ? s_last_txnid(t->store->env) : 0;
    int64_t t0 = t->top_write ? ry_clock_mono_us() : 0;
    /* Synced apart, at most one commit is unsynced: the one before this
     * is synced first (the caller has usually waited already). */
    int rc = t->top_write ? ry_store_sync_wait(t->store, -1) : 0;
    if (!rc)
        rc = s_kept_flush(t);
    if (rc) {
        mdb_txn_abort(t->txn);
        ry_error(NULL, "commit failed: %s", ry_strerror(rc));
        free(t);
        return rc;
    }
    rc = mdb_txn_commit(t->txn); /* frees the MDB_txn even on failure */
    int64_t t1 = t->top_write ? ry_clock_mono_us() : 0;
    rc = rc ? s_write_rc(t->store, rc) : 0;
    if (rc != 0)
        ry_error(NULL, "commit failed: %s", ry_strerror(rc));
    if (rc == 0 && t->top_write) {
        st->commits++;
        st->commit_us += (uint64_t)(t1 - t0);
        /* LMDB leaves the transaction id alone for a commit with
         * nothing to write: it neither writes nor syncs. */
        uint64_t id1 = s_last_txnid(t->store->env);
        if (id1 != id0) {
            st->syncs++;
            if (t->store->sync)
                ry_sync_post(t->store->sync, id1);
        }
        int64_t w1 = w0 < 0 ? -1 : s_thread_write_bytes();
        st->bytes_known = w1 >= w0 && w0 >= 0;
        if (st->bytes_known)
            st->bytes_written += (uint64_t)(w1 - w0);
    }
    free(t);
    return rc;
}

void
ry_txn_abort(ry_txn_t **txn_p)
{
    if (!txn_p || !*txn_p)
        return;
    mdb_txn_abort((*txn_p)->txn);
    free(*txn_p);
    *txn_p = NULL;
}

int
ry_txn_get(ry_txn_t *txn, const char *table, const void *key, size_t klen,
           ry_val_t *val)
{
    MDB_dbi dbi;
    int rc = s_dbi(txn->store, table, &dbi);
    if (!rc)
        rc = s_kept_touch(txn, dbi);
    if (rc)
        return rc;
    MDB_val k = {klen, (void *)key}, v;
    if (s_read_fault(txn, dbi, &k))
        return RY_EIO;
    rc = mdb_get(txn->txn, dbi, &k, &v);
    if (rc == 0) {
        val->data = v.mv_data;
        val->len = v.mv_size;
    }
    return s_rc(rc);
}

int
ry_txn_put(ry_txn_t *txn, const char *table, const void *key, size_t klen,
           const void *data, size_t dlen, unsigned flags)
{
    MDB_dbi dbi;
    int rc = s_write_dbi(txn, table, &dbi);
    if (!rc)
        rc = s_kept_touch(txn, dbi);
    if (rc)
        return rc;
    MDB_val k = {klen, (void *)key}, v = {dlen, (void *)data};
    unsigned mflags = 0;
    if (flags & RY_PUT_NOOVERWRITE)
        mflags |= MDB_NOOVERWRITE;
    /* A key past the last one is appended: the page that fills up is
     * not split in half but left full. LMDB checks that the key is past
     * the last (MDB_KEYEXIST otherwise); then it is put in its place. */
    int mrc = MDB_KEYEXIST;
    if (flags & RY_PUT_APPEND)
        mrc = mdb_put(txn->txn, dbi, &k, &v, mflags | MDB_APPEND);
    if (mrc == MDB_KEYEXIST)
        mrc = mdb_put(txn->txn, dbi, &k, &v, mflags);
    /* A large transaction spills pages to the file: a put can meet a
     * full disk too. */
    rc = s_write_rc(txn->store, mrc);
    if (rc != 0 && rc != RY_EEXIST && rc != RY_EFULL)
        ry_error(NULL, "put into '%s' failed: %s", table, ry_strerror(rc));
    return rc;
}

int
ry_txn_del(ry_txn_t *txn, const char *table, const void *key, size_t klen)
{
    MDB_dbi dbi;
    int rc = s_write_dbi(txn, table, &dbi);
    if (!rc)
        rc = s_kept_touch(txn, dbi);
    if (rc)
        return rc;
    MDB_val k = {klen, (void *)key};
    return s_write_rc(txn->store, mdb_del(txn->txn, dbi, &k, NULL));
}

int
ry_txn_del_range(ry_txn_t *txn, const char *table, const void *from,
                 size_t flen, const void *to, size_t tlen)
{
    MDB_dbi dbi;
    int rc = s_write_dbi(txn, table, &dbi);
    if (!rc)
        rc = s_kept_touch(txn, dbi);
    if (rc)
        return rc;
    MDB_cursor *cur;
    if (mdb_cursor_open(txn->txn, dbi, &cur))
        return RY_EIO;
    MDB_val k = {flen, (void *)from}, v, last = {tlen, (void *)to};
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (mrc == 0 && mdb_cmp(txn->txn, dbi, &k, &last) <= 0) {
        mrc = mdb_cursor_del(cur, 0);
        /* After a delete the cursor rests on the row that followed, which
         * MDB_NEXT gives without moving on (none: the table emptied). */
        if (mrc == 0)
            mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return s_write_rc(txn->store, mrc == MDB_NOTFOUND ? 0 : mrc);
}

int
ry_txn_scan(ry_txn_t *txn, const char *table, const void *prefix, size_t plen,
            const void *from, size_t flen, ry_scan_fn fn, void *arg)
{
    MDB_dbi dbi;
    int rc = s_dbi(txn->store, table, &dbi);
    if (!rc)
        rc = s_kept_touch(txn, dbi);
    if (rc)
        return rc;
    MDB_cursor *cur;
    rc = mdb_cursor_open(txn->txn, dbi, &cur);
    if (rc)
        return RY_EIO;
    MDB_val k, v;
    if (from && flen) {
        k.mv_data = (void *)from;
        k.mv_size = flen;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    } else if (plen) {
        k.mv_data = (void *)prefix;
        k.mv_size = plen;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    } else {
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    }
    int result = 0;
    while (rc == 0) {
        if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen)))
            break;
        if (s_read_fault(txn, dbi, &k)) {
            result = RY_EIO;
            break;
        }
        ry_val_t key = {k.mv_data, k.mv_size}, val = {v.mv_data, v.mv_size};
        int r = fn(&key, &val, arg);
        if (r != 0) {
            result = r < 0 ? r : 0;
            break;
        }
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rc != 0 && rc != MDB_NOTFOUND)
        result = RY_EIO;
    mdb_cursor_close(cur);
    return result;
}

int
ry_txn_last(ry_txn_t *txn, const char *table, const void *prefix, size_t plen,
            ry_val_t *key, ry_val_t *val)
{
    MDB_dbi dbi;
    int rc = s_dbi(txn->store, table, &dbi);
    if (!rc)
        rc = s_kept_touch(txn, dbi);
    if (rc)
        return rc;
    MDB_cursor *cur;
    if (mdb_cursor_open(txn->txn, dbi, &cur))
        return RY_EIO;
    MDB_val k, v;
    if (plen == 0) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    } else {
        /* Position after the prefix range, then step back once. */
        uint8_t upper[256];
        size_t ulen = plen < sizeof upper ? plen : sizeof upper;
        memcpy(upper, prefix, ulen);
        int i = (int)ulen - 1;
        while (i >= 0 && upper[i] == 0xff)
            i--;
        if (i < 0) {
            rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        } else {
            upper[i]++;
            k.mv_data = upper;
            k.mv_size = (size_t)i + 1;
            rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
            if (rc == 0)
                rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
            else if (rc == MDB_NOTFOUND)
                rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        }
        if (rc == 0 && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen)))
            rc = MDB_NOTFOUND;
    }
    if (rc == 0 && s_read_fault(txn, dbi, &k)) {
        mdb_cursor_close(cur);
        return RY_EIO;
    }
    if (rc == 0) {
        key->data = k.mv_data;
        key->len = k.mv_size;
        val->data = v.mv_data;
        val->len = v.mv_size;
    }
    mdb_cursor_close(cur);
    return s_rc(rc);
}

int
ry_txn_count(ry_txn_t *txn, const char *table, uint64_t *n)
{
    MDB_dbi dbi;
    int rc = s_dbi(txn->store, table, &dbi);
    if (!rc)
        rc = s_kept_touch(txn, dbi);
    if (rc)
        return rc;
    MDB_stat st;
    rc = mdb_stat(txn->txn, dbi, &st);
    if (rc)
        return RY_EIO;
    *n = st.ms_entries;
    return 0;
}

int
ry_txn_clear(ry_txn_t *txn, const char *table)
{
    MDB_dbi dbi;
    int rc = s_write_dbi(txn, table, &dbi);
    if (!rc)
        rc = s_kept_touch(txn, dbi);
    if (rc)
        return rc;
    return s_write_rc(txn->store, mdb_drop(txn->txn, dbi, 0));
}

int
ry_store_write(ry_store_t *self, size_t max_map,
               int (*fn)(ry_txn_t *txn, void *arg), void *arg)
{
    for (;;) {
        ry_txn_t *txn;
        int rc = ry_txn_begin(self, NULL, true, &txn);
        if (rc)
            return rc;
        rc = fn(txn, arg);
        if (rc == 0)
            rc = ry_txn_commit(&txn);
        else
            ry_txn_abort(&txn);
        if (rc != RY_EFULL || ry_store_grow(self, max_map) != 0)
            return rc;
    }
}

/* The kept counter of table dbi under key, or NULL. */
static s_kept_t *
s_kept_find(ry_txn_t *t, MDB_dbi dbi, const void *key, size_t klen)
{
    for (int i = 0; i < t->nkept; i++) {
        s_kept_t *k = &t->kept[i];
        if (k->dbi == dbi && k->klen == klen && memcmp(k->key, key, klen) == 0)
            return k;
    }
    return NULL;
}

/* A new kept counter (all of them written out first when none is free). */
static int
s_kept_add(ry_txn_t *t, MDB_dbi dbi, const void *key, size_t klen,
           s_kept_t **out)
{
    int rc = t->nkept == S_KEPT ? s_kept_flush(t) : 0;
    if (rc)
        return rc;
    s_kept_t *k = &t->kept[t->nkept++];
    *k = (s_kept_t){.dbi = dbi, .klen = (uint8_t)klen};
    memcpy(k->key, key, klen);
    t->kept_dbis |= (uint64_t)1 << (dbi % 64);
    *out = k;
    return 0;
}

int
ry_txn_get_u64(ry_txn_t *txn, const char *table, const void *key, size_t klen,
               uint64_t *v, bool *found)
{
    *v = 0;
    *found = false;
    MDB_dbi dbi;
    int rc = s_dbi(txn->store, table, &dbi);
    if (rc)
        return rc;
    s_kept_t *k = s_kept_find(txn, dbi, key, klen);
    if (k) {
        *v = k->v;
        *found = k->found;
        return 0;
    }
    MDB_val mk = {klen, (void *)key}, mv;
    if (s_read_fault(txn, dbi, &mk))
        return RY_EIO;
    rc = mdb_get(txn->txn, dbi, &mk, &mv);
    if (rc == MDB_NOTFOUND)
        rc = 0;
    else if (rc == 0 && mv.mv_size < 8)
        return RY_EIO;
    else if (rc == 0) {
        *v = ry_be64_get(mv.mv_data);
        *found = true;
    } else
        return s_rc(rc);
    /* Only an 8-byte row is kept: a longer one is written back whole
     * unless put again. */
    if ((*found && mv.mv_size != 8) || klen > S_KEPT_KEY)
        return 0;
    rc = s_kept_add(txn, dbi, key, klen, &k);
    if (rc)
        return rc;
    k->v = *v;
    k->found = *found;
    return 0;
}

int
ry_txn_put_u64(ry_txn_t *txn, const char *table, const void *key, size_t klen,
               uint64_t v)
{
    /* Not kept: a key too long, or a put a read transaction refuses
     * (at once, as any other). */
    if (klen > S_KEPT_KEY || !txn->write) {
        uint8_t b[8];
        ry_be64_put(b, v);
        return ry_txn_put(txn, table, key, klen, b, 8, 0);
    }
    MDB_dbi dbi;
    int rc = s_write_dbi(txn, table, &dbi);
    if (rc)
        return rc;
    s_kept_t *k = s_kept_find(txn, dbi, key, klen);
    if (!k && (rc = s_kept_add(txn, dbi, key, klen, &k)) != 0)
        return rc;
    k->v = v;
    k->found = true;
    k->dirty = true;
    return 0;
}

int
ry_txn_next(ry_txn_t *txn, const char *table, const char *name, uint64_t *out)
{
    uint64_t last;
    bool found;
    int rc = ry_txn_get_u64(txn, table, name, strlen(name), &last, &found);
    if (!rc)
        rc = ry_txn_put_u64(txn, table, name, strlen(name), last + 1);
    if (!rc)
        *out = last + 1;
    return rc;
}

void
ry_be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

uint64_t
ry_be64_get(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return v;
}
