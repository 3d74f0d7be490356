/* Tests of ry_sync through ry_store: commits synced apart, and what a
 * store opens at after a crash, on images of its data file as a system
 * crash may leave it (the last synced commit, with any part of the
 * unsynced one after it), on real LMDB files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_clock.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_store.h"
#include "ry_sync.h"
#include "ut_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const s_tables[] = {"rows", NULL};

typedef struct {
    char dir[256];
    char copy[300];
} fx_t;

static int
s_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(ut_tmpdir(fx->dir, sizeof fx->dir, "sync"), 0);
    snprintf(fx->copy, sizeof fx->copy, "%s/copy", fx->dir);
    char store[300];
    snprintf(store, sizeof store, "%s/store", fx->dir);
    assert_int_equal(mkdir(store, 0700), 0);
    *state = fx;
    return 0;
}

static int
s_teardown(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(ut_rmtree(fx->dir), 0);
    free(fx);
    return 0;
}

static const char *
s_store(const fx_t *fx)
{
    static char path[300];
    snprintf(path, sizeof path, "%s/store", fx->dir);
    return path;
}

/* Commits rows prefix0 .. prefix(n-1), each of 'size' bytes. */
static void
s_commit(ry_store_t *st, const char *prefix, int n, size_t size)
{
    ry_txn_t *txn;
    char *v = malloc(size);
    assert_non_null(v);
    memset(v, 'v', size);
    assert_int_equal(ry_txn_begin(st, NULL, true, &txn), 0);
    for (int i = 0; i < n; i++) {
        char k[64];
        int kl = snprintf(k, sizeof k, "%s%06d", prefix, i);
        assert_int_equal(ry_txn_put(txn, "rows", k, (size_t)kl, v, size, 0), 0);
    }
    assert_int_equal(ry_txn_commit(&txn), 0);
    free(v);
}

/* Whether row prefix0 is in the store. */
static bool
s_has(ry_store_t *st, const char *prefix)
{
    ry_txn_t *txn;
    char k[64];
    int kl = snprintf(k, sizeof k, "%s%06d", prefix, 0);
    ry_val_t v;
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    int rc = ry_txn_get(txn, "rows", k, (size_t)kl, &v);
    ry_txn_abort(&txn);
    assert_true(rc == 0 || rc == RY_ENOTFOUND);
    return rc == 0;
}

/* fx's store opened and synced apart, rows a0.. committed and synced. */
static ry_store_t *
s_open_apart(fx_t *fx)
{
    ry_store_t *st;
    assert_int_equal(ry_store_open(&st, s_store(fx), 16 << 20, s_tables), 0);
    assert_int_equal(ry_store_sync_apart(st), 0);
    s_commit(st, "a", 10, 100);
    assert_int_equal(ry_store_sync_wait(st, -1), 0);
    return st;
}

static uint8_t *
s_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    uint8_t *b = malloc((size_t)sb.st_size + 1);
    assert_non_null(b);
    assert_int_equal(pread(fd, b, (size_t)sb.st_size, 0), sb.st_size);
    close(fd);
    *len = (size_t)sb.st_size;
    return b;
}

static void
s_write_file(const char *path, const uint8_t *b, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, b, len, 0), (ssize_t)len);
    close(fd);
}

/* The 'n'-byte number at p, in the host's order, as LMDB writes it. */
static uint64_t
s_host(const uint8_t *p, size_t n)
{
    uint64_t v64 = 0;
    uint32_t v32 = 0;
    uint16_t v16 = 0;
    switch (n) {
    case 2: memcpy(&v16, p, 2); return v16;
    case 4: memcpy(&v32, p, 4); return v32;
    default: memcpy(&v64, p, 8); return v64;
    }
}

/* The offsets ry_sync reads are LMDB's: the meta page flags, magic and
 * page size, and in the newer of the two the number LMDB reports as the
 * last commit. */
static void
test_meta_offsets_are_lmdbs(void **state)
{
    fx_t *fx = *state;
    ry_store_t *st;
    assert_int_equal(ry_store_open(&st, s_store(fx), 16 << 20, s_tables), 0);
    for (int i = 0; i < 3; i++)
        s_commit(st, "a", 10, 100);
    ry_store_destroy(&st);
    MDB_env *env;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_open(env, s_store(fx), MDB_RDONLY, 0600), 0);
    MDB_envinfo info;
    MDB_stat ms;
    assert_int_equal(mdb_env_info(env, &info), 0);
    assert_int_equal(mdb_env_stat(env, &ms), 0);
    mdb_env_close(env);
    char path[400];
    snprintf(path, sizeof path, "%s/data.mdb", s_store(fx));
    size_t len;
    uint8_t *b = s_read_file(path, &len);
    unsigned psize = ms.ms_psize;
    assert_true(len >= 2 * psize);
    uint64_t top = 0;
    for (int slot = 0; slot < 2; slot++) {
        const uint8_t *p = b + (size_t)slot * psize;
        assert_true(s_host(p + 10, 2) & 0x08);            /* P_META */
        assert_int_equal(s_host(p + 16, 4), 0xBEEFC0DEu); /* magic */
        assert_int_equal(s_host(p + 40, 4), psize);       /* page size */
        uint64_t t = s_host(p + 144, 8);
        if (t > top)
            top = t;
    }
    assert_int_equal(top, info.me_last_txnid);
    free(b);
}

/* Synced apart: a commit returns before its sync, the next waits for it;
 * a store closed cleanly opens at its last commit and keeps no record. */
static void
test_commits_are_synced_after_them(void **state)
{
    fx_t *fx = *state;
    ry_store_t *st;
    assert_int_equal(ry_store_open(&st, s_store(fx), 16 << 20, s_tables), 0);
    s_commit(st, "a", 10, 100);
    assert_int_equal(ry_store_sync_apart(st), 0);
    char rec[400];
    snprintf(rec, sizeof rec, "%s/synced", s_store(fx));
    assert_int_equal(access(rec, F_OK), 0);
    ry_store_sync_hold(st, true);
    s_commit(st, "b", 10, 100);
    assert_true(ry_store_sync_pending(st));
    assert_int_equal(ry_store_sync_wait(st, 30), RY_EAGAIN);
    /* The store held by this process: another opener leaves it alone. */
    uint64_t reverted;
    bool held;
    assert_int_equal(ry_sync_recover(s_store(fx), &reverted, &held), 0);
    assert_true(held);
    assert_int_equal(reverted, 0);
    ry_store_sync_hold(st, false);
    assert_int_equal(ry_store_sync_wait(st, -1), 0);
    assert_false(ry_store_sync_pending(st));
    s_commit(st, "c", 10, 100);
    ry_store_destroy(&st); /* waits for the last sync */
    assert_int_equal(ry_store_open(&st, s_store(fx), 16 << 20, s_tables), 0);
    assert_true(s_has(st, "a") && s_has(st, "b") && s_has(st, "c"));
    assert_int_not_equal(access(rec, F_OK), 0); /* recovered: removed */
    ry_store_destroy(&st);
}

/* A store whose directory's path is longer than 512 bytes is synced
 * apart in that directory: its lock, its record and their recovery use
 * the whole path (a store that kept 511 bytes of it looked for its data
 * file elsewhere). */
static void
test_a_long_directory_is_synced_apart_where_it_is(void **state)
{
    fx_t *fx = *state;
    char dir[900];
    int n = snprintf(dir, sizeof dir, "%s/long", fx->dir);
    while (n < 700)
        n += snprintf(dir + n, sizeof dir - (size_t)n,
                      "/ddddddddddddddddddddddddddddddddddddddddddddddddddd"
                      "dddddddddddddddddddddddddddddddddddddddddddddddd");
    ry_store_t *st;
    assert_int_equal(ry_store_open(&st, dir, 16 << 20, s_tables), 0);
    assert_int_equal(ry_store_sync_apart(st), 0);
    s_commit(st, "a", 10, 100);
    assert_int_equal(ry_store_sync_wait(st, -1), 0);
    char rec[1000];
    snprintf(rec, sizeof rec, "%s/synced", dir);
    assert_int_equal(access(rec, F_OK), 0);
    ry_store_destroy(&st);
    assert_int_equal(ry_store_open(&st, dir, 16 << 20, s_tables), 0);
    assert_true(s_has(st, "a"));
    assert_int_not_equal(access(rec, F_OK), 0); /* recovered: removed */
    ry_store_destroy(&st);
}

/* A store without its data file is not synced apart, and the log says
 * why. */
static void
test_a_store_without_its_data_file_is_not_synced_apart(void **state)
{
    fx_t *fx = *state;
    ut_stderr_t cap;
    ut_stderr_capture(&cap);
    ry_sync_t *sync = NULL;
    assert_int_equal(ry_sync_start(s_store(fx), -1, 1, &sync), RY_EIO);
    assert_null(sync);
    char *log = ut_stderr_done(&cap);
    assert_non_null(log);
    assert_non_null(strstr(log, "cannot open its data file"));
    free(log);
    char rec[400];
    snprintf(rec, sizeof rec, "%s/synced", s_store(fx));
    assert_int_not_equal(access(rec, F_OK), 0); /* no record made */
}

/* A second instance of a service started on a store that the first
 * syncs apart is refused, and the first's record is left as it was:
 * its later syncs still land in the record the next open reads. */
static void
test_a_second_process_cannot_sync_a_held_store_apart(void **state)
{
    fx_t *fx = *state;
    ry_store_t *st = s_open_apart(fx);
    char rec[400];
    snprintf(rec, sizeof rec, "%s/synced", s_store(fx));
    struct stat before, after;
    assert_int_equal(stat(rec, &before), 0);
    ut_stderr_t cap;
    ut_stderr_capture(&cap);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* Exit 0: opened (the store is held: nothing recovered), then
         * refused to sync it apart. */
        ry_store_t *two = NULL;
        if (ry_store_open(&two, s_store(fx), 16 << 20, s_tables) != 0)
            _exit(1);
        int rc = ry_store_sync_apart(two);
        _exit(rc == RY_EIO ? 0 : 2);
    }
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    char *log = ut_stderr_done(&cap);
    assert_non_null(log);
    assert_non_null(strstr(log, "another process syncs it apart"));
    free(log);
    assert_int_equal(stat(rec, &after), 0);
    assert_true(after.st_ino == before.st_ino);
    /* The first goes on: its commits are recorded where the next open
     * reads them (a stale record there would refuse that open). */
    s_commit(st, "b", 10, 100);
    s_commit(st, "c", 10, 100);
    ry_store_destroy(&st);
    assert_int_equal(ry_store_open(&st, s_store(fx), 16 << 20, s_tables), 0);
    assert_true(s_has(st, "a") && s_has(st, "b") && s_has(st, "c"));
    /* Released with the store: synced apart again by the next opener. */
    assert_int_equal(ry_store_sync_apart(st), 0);
    ry_store_destroy(&st);
}

/* Writes the image (data file bytes, record bytes) in fx->copy. */
static void
s_write_image(fx_t *fx, const uint8_t *data, size_t dlen, const uint8_t *rec,
              size_t rlen)
{
    ut_rmtree(fx->copy);
    assert_int_equal(mkdir(fx->copy, 0700), 0);
    char path[400];
    snprintf(path, sizeof path, "%s/data.mdb", fx->copy);
    s_write_file(path, data, dlen);
    snprintf(path, sizeof path, "%s/synced", fx->copy);
    s_write_file(path, rec, rlen);
}

/* Opens the image in fx->copy: the result of ry_store_open, the store in
 * *out when it opened. */
static int
s_open_image(fx_t *fx, const uint8_t *data, size_t dlen, const uint8_t *rec,
             size_t rlen, ry_store_t **out)
{
    s_write_image(fx, data, dlen, rec, rlen);
    return ry_store_open(out, fx->copy, 64 << 20, s_tables);
}

/* A reader of a store (s_reader_opens): a child process with the
 * environment in 'dir' open, until s_reader_gone. */
static int s_reader_ready[2], s_reader_done[2];
static pid_t s_reader;

static void
s_reader_opens(const char *dir)
{
    assert_int_equal(pipe(s_reader_ready), 0);
    assert_int_equal(pipe(s_reader_done), 0);
    s_reader = fork();
    assert_true(s_reader >= 0);
    if (s_reader == 0) {
        close(s_reader_done[1]); /* the parent's: its close is the signal */
        close(s_reader_ready[0]);
        MDB_env *env;
        char c = 'x';
        int ok = mdb_env_create(&env) == 0 &&
                 mdb_env_open(env, dir, MDB_RDONLY, 0600) == 0;
        if (write(s_reader_ready[1], ok ? &c : "n", 1) != 1 ||
            read(s_reader_done[0], &c, 1) < 0)
            _exit(2);
        _exit(ok ? 0 : 1);
    }
    char c;
    assert_int_equal(read(s_reader_ready[0], &c, 1), 1);
    assert_int_equal(c, 'x');
}

/* The reader of s_reader_opens closes the store and exits. */
static void
s_reader_gone(void)
{
    close(s_reader_done[1]);
    int status;
    assert_int_equal(waitpid(s_reader, &status, 0), s_reader);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(s_reader_ready[0]);
    close(s_reader_ready[1]);
    close(s_reader_done[0]);
}

/* The image in fx->copy opens, at the synced commit: rows 'kept' are
 * there, the unsynced commit's rows c are not. */
static void
s_opens_without_c(fx_t *fx, const char *kept)
{
    ry_store_t *cs;
    assert_int_equal(ry_store_open(&cs, fx->copy, 64 << 20, s_tables), 0);
    assert_true(s_has(cs, kept));
    assert_false(s_has(cs, "c"));
    ry_store_destroy(&cs);
}

/* A system crash during the sync of a commit leaves the last synced
 * commit on the disk and any of the pages the unsynced one wrote, its
 * meta page among them or not: every such image opens at the synced
 * commit, and takes commits after. */
static void
test_a_crash_image_opens_at_the_synced_commit(void **state)
{
    fx_t *fx = *state;
    ry_store_t *st;
    assert_int_equal(ry_store_open(&st, s_store(fx), 64 << 20, s_tables), 0);
    s_commit(st, "a", 300, 700);
    assert_int_equal(ry_store_sync_apart(st), 0);
    s_commit(st, "b", 300, 700);
    assert_int_equal(ry_store_sync_wait(st, -1), 0);
    char data[400], rec[400];
    snprintf(data, sizeof data, "%s/data.mdb", s_store(fx));
    snprintf(rec, sizeof rec, "%s/synced", s_store(fx));
    size_t slen, rlen, alen;
    uint8_t *synced = s_read_file(data, &slen);
    uint8_t *record = s_read_file(rec, &rlen);
    /* The commit being synced when the power goes: rows of its own and
     * rows of a and b deleted (pages of theirs rewritten). */
    ry_store_sync_hold(st, true);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(st, NULL, true, &txn), 0);
    char v[700];
    memset(v, 'c', sizeof v);
    for (int i = 0; i < 300; i++) {
        char k[64];
        int kl = snprintf(k, sizeof k, "c%06d", i);
        assert_int_equal(ry_txn_put(txn, "rows", k, (size_t)kl, v, sizeof v, 0),
                         0);
        kl = snprintf(k, sizeof k, "%c%06d", i % 2 ? 'a' : 'b', i);
        if (i % 3 == 0 && i)
            assert_int_equal(ry_txn_del(txn, "rows", k, (size_t)kl), 0);
    }
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_true(ry_store_sync_pending(st));
    uint8_t *after = s_read_file(data, &alen);
    unsigned psize = (unsigned)s_host(synced + 40, 4);
    size_t npages = alen / psize, nsynced = slen / psize;
    size_t *diff = calloc(npages, sizeof *diff), nd = 0;
    assert_non_null(diff);
    int meta = -1;
    for (size_t i = 0; i < npages; i++)
        if (i >= nsynced ||
            memcmp(after + i * psize, synced + i * psize, psize) != 0) {
            if (i < 2)
                meta = (int)i;
            diff[nd++] = i;
        }
    assert_true(meta >= 0); /* the unsynced commit's meta page */
    assert_true(nd > 20);
    /* Subsets of the pages it wrote, by a rule per image: none, all, all
     * but the meta, the meta alone, halves and alternate pages with the
     * meta and without. */
    for (int rule = 0; rule < 8; rule++) {
        uint8_t *img = calloc(alen, 1);
        assert_non_null(img);
        memcpy(img, synced, slen);
        size_t ilen = slen;
        for (size_t j = 0; j < nd; j++) {
            size_t pg = diff[j];
            bool is_meta = (int)pg == meta;
            bool take;
            switch (rule) {
            case 0: take = false; break;
            case 1: take = true; break;
            case 2: take = !is_meta; break;
            case 3: take = is_meta; break;
            case 4: take = is_meta || j < nd / 2; break;
            case 5: take = is_meta || j >= nd / 2; break;
            case 6: take = is_meta || j % 2; break;
            default: take = !is_meta && j % 2; break;
            }
            if (!take)
                continue;
            memcpy(img + pg * psize, after + pg * psize, psize);
            if ((pg + 1) * psize > ilen)
                ilen = (pg + 1) * psize;
        }
        ry_store_t *cs;
        assert_int_equal(s_open_image(fx, img, ilen, record, rlen, &cs), 0);
        assert_true(s_has(cs, "a"));
        assert_true(s_has(cs, "b"));
        assert_false(s_has(cs, "c"));
        s_commit(cs, "d", 300, 700);
        ry_store_destroy(&cs);
        assert_int_equal(ry_store_open(&cs, fx->copy, 64 << 20, s_tables), 0);
        assert_true(s_has(cs, "a") && s_has(cs, "b") && s_has(cs, "d"));
        assert_false(s_has(cs, "c"));
        ry_store_destroy(&cs);
        free(img);
    }
    /* A record that does not fit the disk: the store is not opened, and
     * the log says why. */
    ut_stderr_t cap;
    ut_stderr_capture(&cap);
    uint8_t bad[16];
    memcpy(bad, record, sizeof bad);
    uint64_t t = ry_be64_get(record + 8);
    for (int k = 0; k < 2; k++) {
        /* ahead of the disk; behind it by 2 */
        ry_be64_put(bad + 8, k ? t + 5 : t - 1);
        ry_store_t *cs = NULL;
        assert_int_equal(s_open_image(fx, after, alen, bad, sizeof bad, &cs),
                         RY_EIO);
        assert_null(cs);
    }
    memcpy(bad, "not-ours", 8);
    ry_store_t *cs = NULL;
    assert_int_equal(s_open_image(fx, synced, slen, bad, sizeof bad, &cs),
                     RY_EIO);
    /* A commit to void while another process has the environment open
     * (a child process reading it): not opened, nothing changed; opened
     * once it has gone. */
    s_write_image(fx, after, alen, record, rlen);
    s_reader_opens(fx->copy);
    assert_int_equal(ry_store_open(&cs, fx->copy, 64 << 20, s_tables), RY_EIO);
    assert_null(cs);
    char rpath[400];
    snprintf(rpath, sizeof rpath, "%s/synced", fx->copy);
    assert_int_equal(access(rpath, F_OK), 0); /* the record is still there */
    s_reader_gone();
    s_opens_without_c(fx, "b");
    char *log = ut_stderr_done(&cap);
    assert_non_null(log);
    assert_int_equal(ut_count(log, "but the last synced is"), 2);
    assert_non_null(strstr(log, "its sync record does not read"));
    assert_non_null(strstr(log, "another process has the store open"));
    free(log);
    ry_store_sync_hold(st, false);
    ry_store_destroy(&st);
    free(diff);
    free(after);
    free(synced);
    free(record);
}

/* A reader that opens the store after the recovery found it alone and
 * before the store is opened takes the commit to void into LMDB's lock
 * region (it read the meta pages before the voiding): the open that
 * follows the recovery sees its transactions start from that commit and
 * refuses the store ("opened at commit"). Once the reader has gone, the
 * store opens at the synced commit: the recovery had voided the other. */
static void
test_a_reader_opening_during_recovery_stops_the_open(void **state)
{
    fx_t *fx = *state;
    ry_store_t *st = s_open_apart(fx); /* rows a, synced */
    char data[400], rec[400];
    snprintf(data, sizeof data, "%s/data.mdb", s_store(fx));
    snprintf(rec, sizeof rec, "%s/synced", s_store(fx));
    ry_store_sync_hold(st, true);
    s_commit(st, "c", 10, 100); /* written, not synced */
    assert_true(ry_store_sync_pending(st));
    size_t alen, rlen;
    uint8_t *after = s_read_file(data, &alen);
    uint8_t *record = s_read_file(rec, &rlen);
    s_write_image(fx, after, alen, record, rlen);
    ut_stderr_t cap;
    ut_stderr_capture(&cap);
    ry_sync_set_void_hook(s_reader_opens);
    ry_store_t *cs = NULL;
    int rc = ry_store_open(&cs, fx->copy, 64 << 20, s_tables);
    ry_sync_set_void_hook(NULL);
    assert_int_equal(rc, RY_EIO);
    assert_null(cs);
    char crec[400];
    snprintf(crec, sizeof crec, "%s/synced", fx->copy);
    assert_int_not_equal(access(crec, F_OK), 0); /* recovered: removed */
    s_reader_gone();
    s_opens_without_c(fx, "a");
    char *log = ut_stderr_done(&cap);
    assert_non_null(log);
    assert_non_null(strstr(log, "opened at commit"));
    assert_non_null(strstr(log, "another process has it open"));
    free(log);
    ry_store_sync_hold(st, false);
    ry_store_destroy(&st);
    free(after);
    free(record);
}

/* A sync that fails: the commit is not answered (the wait says so),
 * the store takes no more commits, and the next open voids it. */
static void
test_a_failed_sync_stops_the_commits(void **state)
{
    fx_t *fx = *state;
    ry_store_t *st = s_open_apart(fx);
    ut_stderr_t cap;
    ut_stderr_capture(&cap);
    ry_store_sync_fail_next(st, EIO);
    s_commit(st, "b", 10, 100);
    assert_int_equal(ry_store_sync_wait(st, -1), RY_EIO);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(st, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "rows", "c", 1, "v", 1, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), RY_EIO);
    ry_store_destroy(&st);
    assert_int_equal(ry_store_open(&st, s_store(fx), 16 << 20, s_tables), 0);
    char *log = ut_stderr_done(&cap);
    assert_non_null(log);
    assert_non_null(strstr(log, "could not be synced"));
    free(log);
    assert_true(s_has(st, "a"));
    assert_false(s_has(st, "b"));
    ry_store_destroy(&st);
}

/* Synced apart, the store counts how long each commit waited for its
 * sync to start and how long its answers went out after the sync's end:
 * a sync held 30 ms starts at least 30 ms after its commit, and answers
 * given 20 ms after the sync count those 20 ms. (The pauses are the
 * durations measured, not waits for an event.) A store synced in its
 * commits counts neither. */
static void
test_the_waits_around_a_sync_are_counted(void **state)
{
    fx_t *fx = *state;
    ry_store_t *st = s_open_apart(fx);
    ry_store_stats_t a, b, c;
    assert_int_equal(ry_store_stats(st, &a), 0);
    ry_store_sync_hold(st, true);
    s_commit(st, "b", 10, 100);
    ry_clock_sleep_ms(30);
    ry_store_sync_hold(st, false);
    assert_int_equal(ry_store_sync_wait(st, -1), 0);
    assert_int_equal(ry_store_stats(st, &b), 0);
    assert_true(b.sync_start_us - a.sync_start_us >= 30000);
    assert_int_equal(b.answered_us, a.answered_us);
    ry_clock_sleep_ms(20);
    ry_store_sync_answered(st);
    assert_int_equal(ry_store_stats(st, &c), 0);
    assert_true(c.answered_us - b.answered_us >= 20000);
    assert_int_equal(c.sync_start_us, b.sync_start_us);
    ry_store_destroy(&st);
    /* Synced in its commits: nothing to count. */
    assert_int_equal(ry_store_open(&st, s_store(fx), 16 << 20, s_tables), 0);
    s_commit(st, "c", 10, 100);
    ry_store_sync_answered(st);
    assert_int_equal(ry_store_stats(st, &a), 0);
    assert_int_equal(a.sync_start_us, 0);
    assert_int_equal(a.answered_us, 0);
    ry_store_destroy(&st);
}

/* Thread tid's slice (sched_runtime), or 0 when it cannot be read. */
static uint64_t
s_slice_of(pid_t tid)
{
    ry_sync_sched_attr_t a;
    memset(&a, 0, sizeof a);
    if (syscall(SYS_sched_getattr, tid, &a, sizeof a, 0) != 0)
        return 0;
    return a.runtime;
}

/* Asks for slices of 200 us for the calling thread; whether the kernel
 * keeps them (the answer reads back), in *(bool *)arg. */
static void *
s_probe_slices(void *arg)
{
    ry_sync_sched_attr_t a;
    memset(&a, 0, sizeof a);
    bool kept = false;
    if (syscall(SYS_sched_getattr, 0, &a, sizeof a, 0) == 0) {
        a.size = sizeof a;
        a.runtime = 200000;
        kept = syscall(SYS_sched_setattr, 0, &a, 0) == 0 &&
               s_slice_of((pid_t)syscall(SYS_gettid)) == 200000;
    }
    *(bool *)arg = kept;
    return NULL;
}

/* The thread named RY_SYNC_THREAD in this process, or 0. */
static pid_t
s_sync_thread(void)
{
    pid_t found = 0;
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* ended meanwhile */
        if (fgets(comm, sizeof comm, f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
        if (strcmp(comm, RY_SYNC_THREAD) == 0)
            found = (pid_t)atoi(e->d_name);
    }
    closedir(d);
    return found;
}

/* The thread that syncs is named RY_SYNC_THREAD and, where the kernel
 * keeps the slice a thread asks for (Linux 6.12 and later), runs with
 * slices of RY_SYNC_SLICE_NS: its wake-up after a commit then waits less
 * for a CPU. */
static void
test_the_sync_thread_runs_with_short_slices(void **state)
{
    fx_t *fx = *state;
    ry_store_t *st = s_open_apart(fx);
    pthread_t t;
    bool kept = false;
    assert_int_equal(pthread_create(&t, NULL, s_probe_slices, &kept), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    /* It has synced a commit: it runs, named (it names itself first). */
    pid_t tid = s_sync_thread();
    assert_true(tid > 0);
    if (kept)
        assert_int_equal(s_slice_of(tid), RY_SYNC_SLICE_NS);
    else
        print_message("this kernel keeps no slice a thread asks for: the "
                      "sync thread's is not checked\n");
    ry_store_destroy(&st);
}

int
main(void)
{
    ry_log_level = RY_LOG_ERROR;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_meta_offsets_are_lmdbs, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_commits_are_synced_after_them,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_second_process_cannot_sync_a_held_store_apart, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_long_directory_is_synced_apart_where_it_is, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_crash_image_opens_at_the_synced_commit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_reader_opening_during_recovery_stops_the_open, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_store_without_its_data_file_is_not_synced_apart, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_sync_stops_the_commits,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_the_sync_thread_runs_with_short_slices, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_the_waits_around_a_sync_are_counted, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
