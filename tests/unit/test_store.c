/* Tests of ry_store: the LMDB wrapper every service keeps its state in.
 * Each test opens a store in its own mkdtemp() directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_error.h"
#include "ry_log.h"
#include "ry_store.h"
#include "ut_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAP_SIZE ((size_t)4 << 20)

static const char *const s_tables[] = {"t", "u", NULL};

typedef struct {
    char dir[256];
    ry_store_t *store;
} fx_t;

static int
s_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(ut_tmpdir(fx->dir, sizeof fx->dir, "store"), 0);
    assert_int_equal(ry_store_open(&fx->store, fx->dir, MAP_SIZE, s_tables), 0);
    assert_non_null(fx->store);
    *state = fx;
    return 0;
}

static int
s_teardown(void **state)
{
    fx_t *fx = *state;
    ry_store_destroy(&fx->store);
    assert_null(fx->store);
    assert_int_equal(ut_rmtree(fx->dir), 0);
    free(fx);
    return 0;
}

/* A service's claim on its store: the first holds it and its pid is
 * in 'owner'; a second (another open of the file: as another process)
 * is refused and told the holder's pid; a directory that cannot be made
 * is an error, said. */
static void
test_a_store_is_claimed_once(void **state)
{
    fx_t *fx = *state;
    char dir[400], path[450];
    snprintf(dir, sizeof dir, "%s/claimed", fx->dir);
    long holder = -1;
    assert_int_equal(ry_store_claim(dir, &holder), 0);
    assert_int_equal(holder, 0);
    snprintf(path, sizeof path, "%s/owner", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    long pid = 0;
    assert_int_equal(fscanf(f, "%ld", &pid), 1);
    fclose(f);
    assert_int_equal(pid, (long)getpid());
    assert_int_equal(ry_store_claim(dir, &holder), RY_EEXIST);
    assert_int_equal(holder, (long)getpid());
    /* Held by one that has not written its pid yet: refused, pid 0. */
    char fresh[400];
    snprintf(fresh, sizeof fresh, "%s/fresh", fx->dir);
    assert_int_equal(mkdir(fresh, 0700), 0);
    snprintf(path, sizeof path, "%s/owner", fresh);
    int fd = open(path, O_RDWR | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
    holder = -1;
    assert_int_equal(ry_store_claim(fresh, &holder), RY_EEXIST);
    assert_int_equal(holder, 0);
    close(fd);
    /* Under a plain file no directory can be made. */
    snprintf(path, sizeof path, "%s/owner/below", dir);
    ut_stderr_t cap;
    ut_stderr_capture(&cap);
    assert_int_equal(ry_store_claim(path, &holder), RY_EIO);
    char *log = ut_stderr_done(&cap);
    assert_non_null(log);
    assert_non_null(strstr(log, "cannot claim store"));
    free(log);
}

/* A process killed while it reads the store leaves its reader slot; the
 * service clears it (at most once a second), and says so. */
static void
test_a_killed_reader_is_cleared(void **state)
{
    fx_t *fx = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        ry_store_t *st = NULL;
        ry_txn_t *txn = NULL;
        if (ry_store_open(&st, fx->dir, MAP_SIZE, s_tables) == 0 &&
            ry_txn_begin(st, NULL, false, &txn) == 0)
            kill(getpid(), SIGKILL);
        _exit(1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    ut_stderr_t cap;
    int level = ry_log_level;
    ry_log_level = RY_LOG_WARN;
    ut_stderr_capture(&cap);
    assert_int_equal(ry_store_readers_check(fx->store, 5000), 1);
    char *log = ut_stderr_done(&cap);
    ry_log_level = level;
    assert_non_null(log);
    assert_non_null(strstr(log, "cleared 1 reader slot of a process"));
    free(log);
    /* Not again within the second; then nothing left. */
    assert_int_equal(ry_store_readers_check(fx->store, 5500), 0);
    assert_int_equal(ry_store_readers_check(fx->store, 6000), 0);
}

/* Writes string key -> string value in one committed transaction. */
static void
s_put(ry_store_t *st, const char *table, const char *k, const char *v)
{
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(st, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, table, k, strlen(k), v, strlen(v), 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_null(txn);
}

/* Reads a string value into buf; returns the ry_txn_get code. */
static int
s_get(ry_store_t *st, const char *table, const char *k, char *buf, size_t cap)
{
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    ry_val_t v;
    int rc = ry_txn_get(txn, table, k, strlen(k), &v);
    if (rc == 0) {
        assert_true(v.len < cap);
        memcpy(buf, v.data, v.len);
        buf[v.len] = '\0';
    }
    ry_txn_abort(&txn);
    assert_null(txn);
    return rc;
}

static uint64_t
s_count(ry_store_t *st, const char *table)
{
    ry_txn_t *txn;
    uint64_t n = 12345;
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_count(txn, table, &n), 0);
    ry_txn_abort(&txn);
    return n;
}

/* ------------------------------------------------------------ basics */

static void
test_put_then_get_returns_value_and_del_removes_it(void **state)
{
    fx_t *fx = *state;
    char buf[64];
    assert_int_equal(s_get(fx->store, "t", "k", buf, sizeof buf), RY_ENOTFOUND);
    s_put(fx->store, "t", "k", "one");
    assert_int_equal(s_get(fx->store, "t", "k", buf, sizeof buf), 0);
    assert_string_equal(buf, "one");
    /* Overwrite without flags replaces. */
    s_put(fx->store, "t", "k", "two");
    assert_int_equal(s_get(fx->store, "t", "k", buf, sizeof buf), 0);
    assert_string_equal(buf, "two");
    /* Tables are separate. */
    assert_int_equal(s_get(fx->store, "u", "k", buf, sizeof buf), RY_ENOTFOUND);
    /* A table is found by its name, not only by the string it was
     * declared with. */
    char named[2] = {'t', '\0'};
    assert_int_equal(s_get(fx->store, named, "k", buf, sizeof buf), 0);
    assert_string_equal(buf, "two");

    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_del(txn, "t", "k", 1), 0);
    assert_int_equal(ry_txn_del(txn, "t", "k", 1), RY_ENOTFOUND);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_get(fx->store, "t", "k", buf, sizeof buf), RY_ENOTFOUND);
}

static void
test_nooverwrite_on_existing_key_gives_eexist_and_keeps_value(void **state)
{
    fx_t *fx = *state;
    s_put(fx->store, "t", "k", "first");
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(
        ry_txn_put(txn, "t", "k", 1, "second", 6, RY_PUT_NOOVERWRITE),
        RY_EEXIST);
    /* A new key with the same flag is fine. */
    assert_int_equal(ry_txn_put(txn, "t", "k2", 2, "x", 1, RY_PUT_NOOVERWRITE),
                     0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    char buf[64];
    assert_int_equal(s_get(fx->store, "t", "k", buf, sizeof buf), 0);
    assert_string_equal(buf, "first");
    assert_int_equal(s_get(fx->store, "t", "k2", buf, sizeof buf), 0);
    assert_string_equal(buf, "x");
}

static void
test_write_in_aborted_txn_is_not_kept(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "t", "k", 1, "v", 1, 0), 0);
    ry_txn_abort(&txn);
    assert_null(txn);
    ry_txn_abort(&txn); /* safe on NULL */
    char buf[8];
    assert_int_equal(s_get(fx->store, "t", "k", buf, sizeof buf), RY_ENOTFOUND);
}

/* ------------------------------------------------------------ scan */

typedef struct {
    char keys[16][32];
    int n;
    int stop_after; /* return 1 after this many rows (0: never) */
    int fail_after; /* return an error after this many rows (0: never) */
    ry_txn_t *del_txn;
} scan_acc_t;

static int
s_collect(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)val;
    scan_acc_t *acc = arg;
    assert_true(acc->n < 16);
    assert_true(key->len < sizeof acc->keys[0]);
    memcpy(acc->keys[acc->n], key->data, key->len);
    acc->keys[acc->n][key->len] = '\0';
    acc->n++;
    if (acc->del_txn)
        assert_int_equal(ry_txn_del(acc->del_txn, "t", key->data, key->len), 0);
    if (acc->fail_after && acc->n == acc->fail_after)
        return RY_EINVAL;
    if (acc->stop_after && acc->n == acc->stop_after)
        return 1;
    return 0;
}

static void
s_fill_scan_rows(fx_t *fx)
{
    /* Inserted out of order; the scan must sort them. */
    const char *keys[] = {"b|2", "a|3", "c", "a|1", "b|1", "a|2", "a"};
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        assert_int_equal(
            ry_txn_put(txn, "t", keys[i], strlen(keys[i]), "v", 1, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
}

static void
test_scan_visits_prefix_rows_in_key_order(void **state)
{
    fx_t *fx = *state;
    s_fill_scan_rows(fx);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, false, &txn), 0);

    scan_acc_t acc = {.n = 0};
    assert_int_equal(ry_txn_scan(txn, "t", "a|", 2, NULL, 0, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 3);
    assert_string_equal(acc.keys[0], "a|1");
    assert_string_equal(acc.keys[1], "a|2");
    assert_string_equal(acc.keys[2], "a|3");

    /* No prefix: every row, in order. */
    memset(&acc, 0, sizeof acc);
    assert_int_equal(ry_txn_scan(txn, "t", NULL, 0, NULL, 0, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 7);
    const char *all[] = {"a", "a|1", "a|2", "a|3", "b|1", "b|2", "c"};
    for (int i = 0; i < 7; i++)
        assert_string_equal(acc.keys[i], all[i]);

    /* A prefix no key has: no row, no error. */
    memset(&acc, 0, sizeof acc);
    assert_int_equal(ry_txn_scan(txn, "t", "z", 1, NULL, 0, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 0);
    memset(&acc, 0, sizeof acc);
    assert_int_equal(ry_txn_scan(txn, "u", NULL, 0, NULL, 0, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 0);
    ry_txn_abort(&txn);
}

static void
test_scan_from_starts_at_first_key_not_below_it(void **state)
{
    fx_t *fx = *state;
    s_fill_scan_rows(fx);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, false, &txn), 0);

    scan_acc_t acc = {.n = 0};
    assert_int_equal(ry_txn_scan(txn, "t", "a|", 2, "a|2", 3, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 2);
    assert_string_equal(acc.keys[0], "a|2");
    assert_string_equal(acc.keys[1], "a|3");

    /* 'from' between keys: starts at the next one. */
    memset(&acc, 0, sizeof acc);
    assert_int_equal(ry_txn_scan(txn, "t", "a|", 2, "a|15", 4, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 2);
    assert_string_equal(acc.keys[0], "a|2");

    /* 'from' past the prefix range: nothing. */
    memset(&acc, 0, sizeof acc);
    assert_int_equal(ry_txn_scan(txn, "t", "a|", 2, "b", 1, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 0);

    /* 'from' without a prefix runs to the end. */
    memset(&acc, 0, sizeof acc);
    assert_int_equal(ry_txn_scan(txn, "t", NULL, 0, "b|2", 3, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 2);
    assert_string_equal(acc.keys[0], "b|2");
    assert_string_equal(acc.keys[1], "c");
    ry_txn_abort(&txn);
}

static void
test_scan_stops_when_callback_returns_one(void **state)
{
    fx_t *fx = *state;
    s_fill_scan_rows(fx);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, false, &txn), 0);
    scan_acc_t acc = {.stop_after = 2};
    assert_int_equal(ry_txn_scan(txn, "t", NULL, 0, NULL, 0, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 2);
    assert_string_equal(acc.keys[1], "a|1");
    ry_txn_abort(&txn);
}

static void
test_scan_returns_callback_error_and_stops(void **state)
{
    fx_t *fx = *state;
    s_fill_scan_rows(fx);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, false, &txn), 0);
    scan_acc_t acc = {.fail_after = 3};
    assert_int_equal(ry_txn_scan(txn, "t", NULL, 0, NULL, 0, s_collect, &acc),
                     RY_EINVAL);
    assert_int_equal(acc.n, 3);
    ry_txn_abort(&txn);
}

static void
test_scan_may_delete_the_visited_row(void **state)
{
    fx_t *fx = *state;
    s_fill_scan_rows(fx);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    scan_acc_t acc = {.del_txn = txn};
    assert_int_equal(ry_txn_scan(txn, "t", "a|", 2, NULL, 0, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 3);
    assert_string_equal(acc.keys[0], "a|1");
    assert_string_equal(acc.keys[1], "a|2");
    assert_string_equal(acc.keys[2], "a|3");
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_count(fx->store, "t"), 4);
    char buf[8];
    assert_int_equal(s_get(fx->store, "t", "a|2", buf, sizeof buf),
                     RY_ENOTFOUND);
    assert_int_equal(s_get(fx->store, "t", "b|1", buf, sizeof buf), 0);
    assert_int_equal(s_get(fx->store, "t", "a", buf, sizeof buf), 0);
}

/* ------------------------------------------------------------ last */

static void
s_put_bin(ry_txn_t *txn, const uint8_t *k, size_t klen)
{
    assert_int_equal(ry_txn_put(txn, "t", k, klen, k, klen, 0), 0);
}

static int
s_last(ry_txn_t *txn, const void *prefix, size_t plen, uint8_t *out,
       size_t *olen)
{
    ry_val_t k = {NULL, 0}, v = {NULL, 0};
    int rc = ry_txn_last(txn, "t", prefix, plen, &k, &v);
    if (rc == 0) {
        /* s_put_bin stores each key as its own value. */
        assert_int_equal(k.len, v.len);
        assert_memory_equal(k.data, v.data, k.len);
        memcpy(out, k.data, k.len);
        *olen = k.len;
    }
    return rc;
}

static void
test_last_gives_greatest_key_with_prefix(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    uint8_t out[16];
    size_t olen = 0;
    /* Empty table. */
    assert_int_equal(s_last(txn, NULL, 0, out, &olen), RY_ENOTFOUND);
    assert_int_equal(s_last(txn, "a", 1, out, &olen), RY_ENOTFOUND);

    const char *keys[] = {"a1", "a2", "a10", "b1", "d"};
    for (size_t i = 0; i < 5; i++)
        s_put_bin(txn, (const uint8_t *)keys[i], strlen(keys[i]));

    assert_int_equal(s_last(txn, "a", 1, out, &olen), 0);
    assert_int_equal(olen, 2);
    assert_memory_equal(out, "a2", 2);
    assert_int_equal(s_last(txn, "a1", 2, out, &olen), 0);
    assert_int_equal(olen, 3);
    assert_memory_equal(out, "a10", 3);
    assert_int_equal(s_last(txn, "b", 1, out, &olen), 0);
    assert_memory_equal(out, "b1", 2);
    /* No prefix: the last key of the table. */
    assert_int_equal(s_last(txn, NULL, 0, out, &olen), 0);
    assert_int_equal(olen, 1);
    assert_memory_equal(out, "d", 1);
    /* A prefix between existing keys, before all, after all. */
    assert_int_equal(s_last(txn, "c", 1, out, &olen), RY_ENOTFOUND);
    assert_int_equal(s_last(txn, "0", 1, out, &olen), RY_ENOTFOUND);
    assert_int_equal(s_last(txn, "e", 1, out, &olen), RY_ENOTFOUND);
    /* A prefix longer than the keys. */
    assert_int_equal(s_last(txn, "a2x", 3, out, &olen), RY_ENOTFOUND);
    ry_txn_abort(&txn);
}

static void
test_last_handles_prefix_ending_in_0xff(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    const uint8_t k1[] = {0x01, 0xff, 0x01};
    const uint8_t k2[] = {0x01, 0xff, 0xff, 0x07};
    const uint8_t k3[] = {0x02, 0x00};
    s_put_bin(txn, k1, sizeof k1);
    s_put_bin(txn, k2, sizeof k2);
    s_put_bin(txn, k3, sizeof k3);
    uint8_t out[16];
    size_t olen = 0;

    const uint8_t p1[] = {0x01, 0xff};
    assert_int_equal(s_last(txn, p1, sizeof p1, out, &olen), 0);
    assert_int_equal(olen, sizeof k2);
    assert_memory_equal(out, k2, sizeof k2);

    const uint8_t p2[] = {0x01, 0xff, 0xff};
    assert_int_equal(s_last(txn, p2, sizeof p2, out, &olen), 0);
    assert_memory_equal(out, k2, sizeof k2);

    const uint8_t p3[] = {0x01, 0xfe};
    assert_int_equal(s_last(txn, p3, sizeof p3, out, &olen), RY_ENOTFOUND);

    /* All 0xff with nothing beyond the table's end. */
    const uint8_t k4[] = {0xff, 0xff, 0x01};
    const uint8_t k5[] = {0xff, 0xff, 0x02};
    s_put_bin(txn, k4, sizeof k4);
    s_put_bin(txn, k5, sizeof k5);
    const uint8_t p4[] = {0xff, 0xff};
    assert_int_equal(s_last(txn, p4, sizeof p4, out, &olen), 0);
    assert_memory_equal(out, k5, sizeof k5);
    const uint8_t p5[] = {0xff, 0xfe};
    assert_int_equal(s_last(txn, p5, sizeof p5, out, &olen), RY_ENOTFOUND);
    /* The last key of the table does not have the all-0xff prefix. */
    const uint8_t p6[] = {0xff, 0xff, 0xff};
    assert_int_equal(s_last(txn, p6, sizeof p6, out, &olen), RY_ENOTFOUND);
    ry_txn_abort(&txn);
}

/* ------------------------------------------------------------ nesting */

static void
test_aborted_nested_txn_leaves_parent_unchanged(void **state)
{
    fx_t *fx = *state;
    s_put(fx->store, "t", "keep", "1");
    ry_txn_t *parent, *child;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &parent), 0);
    assert_int_equal(ry_txn_put(parent, "t", "p", 1, "parent", 6, 0), 0);

    assert_int_equal(ry_txn_begin(fx->store, parent, true, &child), 0);
    assert_int_equal(ry_txn_put(child, "t", "c", 1, "child", 5, 0), 0);
    assert_int_equal(ry_txn_put(child, "t", "p", 1, "changed", 7, 0), 0);
    assert_int_equal(ry_txn_del(child, "t", "keep", 4), 0);
    ry_txn_abort(&child);
    assert_null(child);

    ry_val_t v;
    assert_int_equal(ry_txn_get(parent, "t", "c", 1, &v), RY_ENOTFOUND);
    assert_int_equal(ry_txn_get(parent, "t", "p", 1, &v), 0);
    assert_int_equal(v.len, 6);
    assert_memory_equal(v.data, "parent", 6);
    assert_int_equal(ry_txn_get(parent, "t", "keep", 4, &v), 0);

    /* A committed child's writes become the parent's. */
    assert_int_equal(ry_txn_begin(fx->store, parent, true, &child), 0);
    assert_int_equal(ry_txn_put(child, "t", "c2", 2, "kept", 4, 0), 0);
    assert_int_equal(ry_txn_commit(&child), 0);
    assert_int_equal(ry_txn_commit(&parent), 0);

    char buf[16];
    assert_int_equal(s_get(fx->store, "t", "c", buf, sizeof buf), RY_ENOTFOUND);
    assert_int_equal(s_get(fx->store, "t", "c2", buf, sizeof buf), 0);
    assert_string_equal(buf, "kept");
    assert_int_equal(s_get(fx->store, "t", "p", buf, sizeof buf), 0);
    assert_string_equal(buf, "parent");
    assert_int_equal(s_count(fx->store, "t"), 3);
}

/* ------------------------------------------------------------ count */

static void
test_count_follows_puts_and_deletes(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(s_count(fx->store, "t"), 0);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    for (int i = 0; i < 10; i++) {
        char k[8];
        int n = snprintf(k, sizeof k, "k%d", i);
        assert_int_equal(ry_txn_put(txn, "t", k, (size_t)n, "v", 1, 0), 0);
    }
    /* Overwriting does not add a row. */
    assert_int_equal(ry_txn_put(txn, "t", "k0", 2, "w", 1, 0), 0);
    uint64_t n = 0;
    assert_int_equal(ry_txn_count(txn, "t", &n), 0);
    assert_int_equal(n, 10);
    assert_int_equal(ry_txn_del(txn, "t", "k3", 2), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_count(fx->store, "t"), 9);
    assert_int_equal(s_count(fx->store, "u"), 0);
}

/* A range delete removes the rows from its first key to its last, both
 * included, across many pages, and no row outside them; a range with no
 * row, or one past the table's end, deletes nothing. */
static void
test_del_range_deletes_exactly_its_rows(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn;
    char v[200];
    memset(v, 'v', sizeof v);
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    for (int i = 0; i < 3000; i++) {
        char k[16];
        int n = snprintf(k, sizeof k, "p|%05d", i);
        assert_int_equal(ry_txn_put(txn, "t", k, (size_t)n, v, sizeof v, 0), 0);
    }
    assert_int_equal(ry_txn_put(txn, "t", "q|0", 3, "q", 1, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    /* 1000 to 2499: about a hundred leaf pages of 200-byte rows. */
    assert_int_equal(ry_txn_del_range(txn, "t", "p|01000", 7, "p|02499", 7), 0);
    /* From a key that is not there to one that is not either. */
    assert_int_equal(ry_txn_del_range(txn, "t", "p|00010x", 8, "p|00012x", 8),
                     0);
    /* None between, and none past the end. */
    assert_int_equal(ry_txn_del_range(txn, "t", "p|1", 3, "p|2", 3), 0);
    assert_int_equal(ry_txn_del_range(txn, "t", "z", 1, "zz", 2), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_count(fx->store, "t"), 3001 - 1500 - 2);
    /* Each range's edges, and a row on each side of them. */
    static const struct {
        const char *key;
        int want;
    } edges[] = {{"p|00999", 0},
                 {"p|01000", RY_ENOTFOUND},
                 {"p|02499", RY_ENOTFOUND},
                 {"p|02500", 0},
                 {"p|00010", 0},
                 {"p|00011", RY_ENOTFOUND},
                 {"p|00012", RY_ENOTFOUND},
                 {"p|00013", 0},
                 {"q|0", 0}};
    char buf[256];
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
        assert_int_equal(s_get(fx->store, "t", edges[i].key, buf, sizeof buf),
                         edges[i].want);
    /* Deleting to the very last row of the table. */
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_del_range(txn, "t", "p|02990", 7, "r", 1), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_count(fx->store, "t"), 3001 - 1500 - 2 - 10 - 1);
}

/* Hinted appends: a key past the last is appended, one before it is put
 * in its place; both read back, and an existing key is still refused
 * with NOOVERWRITE. */
static void
test_append_hint_puts_keys_in_order_either_way(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    static const char *const keys[] = {"b", "d", "c", "a", "e"};
    for (int i = 0; i < 5; i++)
        assert_int_equal(
            ry_txn_put(txn, "t", keys[i], 1, keys[i], 1, RY_PUT_APPEND), 0);
    assert_int_equal(ry_txn_put(txn, "t", "e", 1, "x", 1,
                                RY_PUT_APPEND | RY_PUT_NOOVERWRITE),
                     RY_EEXIST);
    assert_int_equal(ry_txn_put(txn, "t", "e", 1, "y", 1, RY_PUT_APPEND), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_count(fx->store, "t"), 5);
    char buf[8];
    assert_int_equal(s_get(fx->store, "t", "c", buf, sizeof buf), 0);
    assert_string_equal(buf, "c");
    assert_int_equal(s_get(fx->store, "t", "e", buf, sizeof buf), 0);
    assert_string_equal(buf, "y");
}

/* Under ry_txn_reads_only a put, a delete and a clear are refused, also
 * in a transaction begun inside; reads go on; afterwards writes work. */
static void
test_reads_only_refuses_every_write(void **state)
{
    fx_t *fx = *state;
    s_put(fx->store, "t", "k", "v");
    ry_txn_t *txn, *child;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    ry_txn_reads_only(txn, true);
    assert_int_equal(ry_txn_put(txn, "t", "n", 1, "v", 1, 0), RY_EINVAL);
    assert_int_equal(ry_txn_del(txn, "t", "k", 1), RY_EINVAL);
    assert_int_equal(ry_txn_clear(txn, "t"), RY_EINVAL);
    assert_int_equal(ry_txn_begin(fx->store, txn, true, &child), 0);
    assert_int_equal(ry_txn_put(child, "t", "n", 1, "v", 1, 0), RY_EINVAL);
    ry_txn_abort(&child);
    ry_val_t v;
    assert_int_equal(ry_txn_get(txn, "t", "k", 1, &v), 0);
    ry_txn_reads_only(txn, false);
    assert_int_equal(ry_txn_put(txn, "t", "n", 1, "w", 1, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_count(fx->store, "t"), 2);
    /* ry_txn_clear empties a table and keeps it. */
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_clear(txn, "t"), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_count(fx->store, "t"), 0);
    s_put(fx->store, "t", "k", "v");
    assert_int_equal(s_count(fx->store, "t"), 1);
}

/* ------------------------------------------------------------ durability */

static void
test_committed_data_survives_close_and_reopen(void **state)
{
    fx_t *fx = *state;
    s_put(fx->store, "t", "durable", "yes");
    s_put(fx->store, "u", "other", "too");
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "t", "lost", 4, "no", 2, 0), 0);
    ry_txn_abort(&txn);
    ry_store_stats_t st;
    assert_int_equal(ry_store_stats(fx->store, &st), 0);
    uint64_t opened = st.opened_ns;
    ry_store_destroy(&fx->store);
    assert_null(fx->store);
    ry_store_destroy(&fx->store); /* safe on NULL */

    assert_int_equal(ry_store_open(&fx->store, fx->dir, MAP_SIZE, s_tables), 0);
    /* Opened again: the counters began again, and say so. */
    assert_int_equal(ry_store_stats(fx->store, &st), 0);
    assert_true(st.opened_ns > opened);
    assert_int_equal(st.commits, 0);
    char buf[16];
    assert_int_equal(s_get(fx->store, "t", "durable", buf, sizeof buf), 0);
    assert_string_equal(buf, "yes");
    assert_int_equal(s_get(fx->store, "u", "other", buf, sizeof buf), 0);
    assert_string_equal(buf, "too");
    assert_int_equal(s_get(fx->store, "t", "lost", buf, sizeof buf),
                     RY_ENOTFOUND);
    assert_int_equal(s_count(fx->store, "t"), 1);
}

/* ------------------------------------------------------------ full map */

/* Puts one 1 KiB row in its own transaction. Returns 0 or the first
 * error of put or commit (the transaction is gone either way). */
static int
s_put_kib(ry_store_t *st, int i)
{
    char k[16], v[1024];
    int n = snprintf(k, sizeof k, "row%06d", i);
    memset(v, 'x' + i % 3, sizeof v);
    ry_txn_t *txn;
    int rc = ry_txn_begin(st, NULL, true, &txn);
    if (rc)
        return rc;
    rc = ry_txn_put(txn, "t", k, (size_t)n, v, sizeof v, 0);
    if (rc) {
        ry_txn_abort(&txn);
        return rc;
    }
    return ry_txn_commit(&txn);
}

/* The fixture's store, emptied and opened again with a map of 'size'
 * bytes. */
static void
s_reopen_empty(fx_t *fx, size_t size)
{
    ry_store_destroy(&fx->store);
    assert_int_equal(ut_rmtree(fx->dir), 0);
    assert_int_equal(ry_store_open(&fx->store, fx->dir, size, s_tables), 0);
}

static void
test_full_map_gives_efull_then_grow_makes_room(void **state)
{
    fx_t *fx = *state;
    const size_t tiny = (size_t)64 << 10;
    s_reopen_empty(fx, tiny);
    assert_int_equal(ry_store_map_size(fx->store), tiny);

    int i, rc = 0;
    for (i = 0; i < 1000; i++) {
        rc = s_put_kib(fx->store, i);
        if (rc)
            break;
    }
    assert_int_equal(rc, RY_EFULL);
    assert_true(i > 0 && i < 64); /* some fitted, not more than the map */
    uint64_t before = s_count(fx->store, "t");
    assert_int_equal(before, (uint64_t)i);

    assert_int_equal(ry_store_grow(fx->store, (size_t)1 << 20), 0);
    assert_int_equal(ry_store_map_size(fx->store), 2 * tiny);
    assert_int_equal(s_put_kib(fx->store, i), 0);
    assert_int_equal(s_count(fx->store, "t"), before + 1);

    /* At the limit, growing refuses. */
    assert_int_equal(ry_store_grow(fx->store, 2 * tiny), RY_EFULL);
    assert_int_equal(ry_store_map_size(fx->store), 2 * tiny);
    /* Growth stops at max even when doubling would pass it. */
    assert_int_equal(ry_store_grow(fx->store, 3 * tiny), 0);
    assert_int_equal(ry_store_map_size(fx->store), 3 * tiny);
}

/* Takes in txn what room the map has left: rows of table "u", each in a
 * nested transaction, smaller and smaller until none fits. */
static void
s_take_the_room(fx_t *fx, ry_txn_t *txn)
{
    static char fill[1000];
    int nfill = 0, rc = 0;
    for (size_t size = sizeof fill; size >= 1; size /= 10) {
        for (rc = 0; rc == 0; nfill++) {
            ry_txn_t *child;
            char k[16];
            int n = snprintf(k, sizeof k, "u%06d", nfill);
            assert_int_equal(ry_txn_begin(fx->store, txn, true, &child), 0);
            rc = ry_txn_put(child, "u", k, (size_t)n, fill, size, 0);
            if (rc)
                ry_txn_abort(&child);
            else
                assert_int_equal(ry_txn_commit(&child), 0);
        }
        assert_int_equal(rc, RY_EFULL);
    }
}

/* A range delete that meets a full map: RY_EFULL, and once its
 * transaction is aborted every row is still there; in a transaction
 * marked reads-only it is refused before it deletes anything. */
static void
test_del_range_on_a_full_map_changes_nothing(void **state)
{
    fx_t *fx = *state;
    s_reopen_empty(fx, (size_t)64 << 10);
    /* Rows of a few dozen bytes, each in its own transaction, until one
     * does not fit: the map holds no page free for the copies a delete
     * of them all makes. */
    ry_txn_t *txn;
    char v[40];
    memset(v, 'v', sizeof v);
    int rc = 0;
    for (int i = 0; i < 100000 && !rc; i++) {
        char k[16];
        int n = snprintf(k, sizeof k, "r%06d", i);
        rc = ry_txn_begin(fx->store, NULL, true, &txn);
        if (!rc)
            rc = ry_txn_put(txn, "t", k, (size_t)n, v, sizeof v, 0);
        if (rc)
            ry_txn_abort(&txn);
        else
            rc = ry_txn_commit(&txn);
    }
    assert_int_equal(rc, RY_EFULL);
    uint64_t rows = s_count(fx->store, "t");
    assert_true(rows > 100);

    /* A transaction that takes what room is left, then deletes them all:
     * the first leaf it copies finds no page. */
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    s_take_the_room(fx, txn);
    assert_int_equal(ry_txn_del_range(txn, "t", "r", 1, "s", 1), RY_EFULL);
    ry_txn_abort(&txn);
    assert_int_equal(s_count(fx->store, "t"), rows);

    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    ry_txn_reads_only(txn, true);
    assert_int_equal(ry_txn_del_range(txn, "t", "r", 1, "s", 1), RY_EINVAL);
    ry_txn_abort(&txn);
    assert_int_equal(s_count(fx->store, "t"), rows);
}

/* ------------------------------------------------------------ be64 */

static void
test_be64_round_trips_and_sorts_numerically(void **state)
{
    fx_t *fx = *state;
    const uint64_t vals[] = {0,
                             1,
                             255,
                             256,
                             65535,
                             65536,
                             1ULL << 32,
                             (1ULL << 56) + 1,
                             UINT64_MAX - 1,
                             UINT64_MAX};
    const size_t n = sizeof vals / sizeof vals[0];
    uint8_t b[8];
    ry_be64_put(b, 0x0102030405060708ULL);
    const uint8_t want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    assert_memory_equal(b, want, 8);
    for (size_t i = 0; i < n; i++) {
        ry_be64_put(b, vals[i]);
        assert_true(ry_be64_get(b) == vals[i]);
    }
    for (size_t i = 0; i + 1 < n; i++) {
        uint8_t x[8], y[8];
        ry_be64_put(x, vals[i]);
        ry_be64_put(y, vals[i + 1]);
        assert_true(memcmp(x, y, 8) < 0);
    }
    /* Stored in reverse order, scanned back in numeric order. */
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    for (size_t i = n; i-- > 0;) {
        ry_be64_put(b, vals[i]);
        assert_int_equal(ry_txn_put(txn, "u", b, 8, "", 0, 0), 0);
    }
    ry_val_t k, v;
    assert_int_equal(ry_txn_last(txn, "u", NULL, 0, &k, &v), 0);
    assert_int_equal(k.len, 8);
    assert_true(ry_be64_get(k.data) == UINT64_MAX);
    assert_int_equal(ry_txn_commit(&txn), 0);
}

static void
test_counter_counts_from_one_and_only_what_commits(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn;
    uint64_t n = 0;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_next(txn, "t", "seq", &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ry_txn_next(txn, "t", "seq", &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(ry_txn_next(txn, "t", "other", &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ry_txn_commit(&txn), 0);
    /* An aborted bump is not kept. */
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_next(txn, "t", "seq", &n), 0);
    assert_int_equal(n, 3);
    ry_txn_abort(&txn);
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_next(txn, "t", "seq", &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(ry_txn_commit(&txn), 0);
}

/* The counter of "t" under key, as a plain read sees it (0: none). */
static uint64_t
s_plain(ry_txn_t *txn, const char *key)
{
    ry_val_t v;
    int rc = ry_txn_get(txn, "t", key, strlen(key), &v);
    if (rc == RY_ENOTFOUND)
        return 0;
    assert_int_equal(rc, 0);
    assert_int_equal(v.len, 8);
    return ry_be64_get(v.data);
}

static uint64_t
s_kept(ry_txn_t *txn, const char *key)
{
    uint64_t v;
    bool found;
    assert_int_equal(ry_txn_get_u64(txn, "t", key, strlen(key), &v, &found), 0);
    assert_int_equal(found, v != 0);
    return v;
}

static int
s_count_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    *(uint64_t *)arg += ry_be64_get(val->data);
    return 0;
}

/* Counters kept in a transaction (ry_txn_get_u64, ry_txn_put_u64) read as
 * they were last put; every other read and write of their table, a scan
 * too, sees them and is seen by them; a transaction begun inside sees
 * them, and its puts count when it commits and not when it aborts; what
 * commits is what was put last, more counters than are kept at once
 * included; an abort leaves the store as it was. */
static void
test_kept_counters_read_as_put_everywhere(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn, *child;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(s_kept(txn, "a"), 0);
    for (uint64_t i = 1; i <= 5; i++)
        assert_int_equal(ry_txn_put_u64(txn, "t", "a", 1, i), 0);
    assert_int_equal(s_kept(txn, "a"), 5);
    /* A plain read of the table sees the put... */
    assert_int_equal(s_plain(txn, "a"), 5);
    /* ...and a plain write is seen by the next kept read. */
    uint8_t b[8];
    ry_be64_put(b, 40);
    assert_int_equal(ry_txn_put(txn, "t", "a", 1, b, 8, 0), 0);
    assert_int_equal(s_kept(txn, "a"), 40);
    assert_int_equal(ry_txn_put_u64(txn, "t", "b", 1, 2), 0);
    uint64_t sum = 0;
    assert_int_equal(ry_txn_scan(txn, "t", NULL, 0, NULL, 0, s_count_row, &sum),
                     0);
    assert_int_equal(sum, 42);
    /* A transaction inside: it sees the parent's counters; what it puts
     * counts only if it commits. */
    assert_int_equal(ry_txn_put_u64(txn, "t", "a", 1, 41), 0);
    assert_int_equal(ry_txn_begin(fx->store, txn, true, &child), 0);
    assert_int_equal(s_kept(child, "a"), 41);
    assert_int_equal(ry_txn_put_u64(child, "t", "a", 1, 99), 0);
    ry_txn_abort(&child);
    assert_int_equal(s_kept(txn, "a"), 41);
    assert_int_equal(ry_txn_begin(fx->store, txn, true, &child), 0);
    assert_int_equal(ry_txn_put_u64(child, "t", "a", 1, 43), 0);
    assert_int_equal(ry_txn_commit(&child), 0);
    assert_int_equal(s_kept(txn, "a"), 43);
    /* More counters than are kept at once. */
    char key[16];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "n%02d", i);
        assert_int_equal(ry_txn_put_u64(txn, "t", key, strlen(key), 100 + i),
                         0);
        assert_int_equal(ry_txn_put_u64(txn, "t", "a", 1, 44 + i), 0);
    }
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(ry_txn_begin(fx->store, NULL, false, &txn), 0);
    assert_int_equal(s_plain(txn, "a"), 83);
    assert_int_equal(s_plain(txn, "b"), 2);
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "n%02d", i);
        assert_int_equal(s_plain(txn, key), 100 + i);
    }
    ry_txn_abort(&txn);
    /* An abort writes nothing. */
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put_u64(txn, "t", "a", 1, 7), 0);
    assert_int_equal(ry_txn_put_u64(txn, "t", "c", 1, 7), 0);
    ry_txn_abort(&txn);
    assert_int_equal(ry_txn_begin(fx->store, NULL, false, &txn), 0);
    assert_int_equal(s_kept(txn, "a"), 83);
    assert_int_equal(s_kept(txn, "c"), 0);
    ry_txn_abort(&txn);
}

/* A kept counter's row as the store holds it: shorter than 8 bytes is
 * an error, longer gives its first 8 (and a put writes 8); a put where
 * only reads are allowed is refused. */
static void
test_kept_counter_rows_of_other_lengths(void **state)
{
    fx_t *fx = *state;
    ry_txn_t *txn;
    uint64_t v;
    bool found;
    uint8_t b[12] = {0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3, 4};
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "t", "short", 5, b, 7, 0), 0);
    assert_int_equal(ry_txn_put(txn, "t", "long", 4, b, 12, 0), 0);
    assert_int_equal(ry_txn_get_u64(txn, "t", "short", 5, &v, &found), RY_EIO);
    assert_int_equal(ry_txn_get_u64(txn, "t", "long", 4, &v, &found), 0);
    assert_true(found && v == 9);
    assert_int_equal(ry_txn_put_u64(txn, "t", "long", 4, v + 1), 0);
    ry_val_t row;
    assert_int_equal(ry_txn_get(txn, "t", "long", 4, &row), 0);
    assert_int_equal(row.len, 8);
    assert_true(ry_be64_get(row.data) == 10);
    ry_txn_reads_only(txn, true);
    assert_int_equal(ry_txn_put_u64(txn, "t", "long", 4, 11), RY_EINVAL);
    ry_txn_reads_only(txn, false);
    assert_int_equal(ry_txn_commit(&txn), 0);
}

/* A kept counter the store has no room for: the full map shows when it
 * is written, before a nested transaction and at the commit, as
 * RY_EFULL, and nothing of the transaction is kept; in a read
 * transaction a counter is refused at once, as any other put. */
static void
test_kept_counter_meets_a_full_map(void **state)
{
    fx_t *fx = *state;
    s_reopen_empty(fx, (size_t)64 << 10);
    ry_txn_t *txn, *child;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put_u64(txn, "t", "a", 1, 1), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);

    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    s_take_the_room(fx, txn);
    assert_int_equal(ry_txn_put_u64(txn, "t", "a", 1, 2), 0);
    assert_int_equal(ry_txn_begin(fx->store, txn, true, &child), RY_EFULL);
    assert_null(child);
    ry_txn_abort(&txn);

    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    s_take_the_room(fx, txn);
    assert_int_equal(ry_txn_put_u64(txn, "t", "a", 1, 3), 0);
    assert_int_equal(ry_txn_commit(&txn), RY_EFULL);
    assert_null(txn);

    assert_int_equal(ry_txn_begin(fx->store, NULL, false, &txn), 0);
    assert_int_equal(s_kept(txn, "a"), 1);
    assert_int_equal(s_count(fx->store, "u"), 0);
    uint8_t b[8] = {0};
    int refused = ry_txn_put(txn, "t", "b", 1, b, 8, 0);
    assert_int_not_equal(refused, 0);
    assert_int_equal(ry_txn_put_u64(txn, "t", "b", 1, 7), refused);
    ry_txn_abort(&txn);
}

static void
test_stats_count_commits_that_write_and_their_bytes(void **state)
{
    fx_t *fx = *state;
    ry_store_stats_t st;
    assert_int_equal(ry_store_stats(fx->store, &st), 0);
    assert_int_equal(st.commits, 0);
    assert_int_equal(st.syncs, 0);
    assert_int_equal(st.bytes_written, 0);
    assert_int_equal(st.commit_us, 0);
    assert_int_equal(st.cases, 0); /* no case table named */
    assert_true(st.page_size >= 512);
    uint64_t used0 = st.used_bytes;
    assert_true(used0 >= 2 * st.page_size); /* the two meta pages at least */
    uint64_t opened = st.opened_ns;
    assert_true(opened > 0);

    /* A value of 10,000 bytes: whole overflow pages, a leaf, a meta. */
    char big[10001];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    s_put(fx->store, "t", "big", big);
    assert_int_equal(ry_store_stats(fx->store, &st), 0);
    assert_int_equal(st.commits, 1);
    assert_int_equal(st.syncs, 1);
    assert_true(st.bytes_known); /* Linux: /proc/thread-self/io */
    assert_true(st.bytes_written >= 10000);
    assert_true(st.used_bytes >= used0 + 10000);
    /* Writing pages and syncing them takes time: at least a microsecond. */
    assert_true(st.commit_us > 0);
    uint64_t written = st.bytes_written;

    /* A commit with nothing to write neither writes nor syncs. */
    ry_txn_t *txn, *child;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    /* A nested commit is part of its parent's, counted once. */
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_begin(fx->store, txn, true, &child), 0);
    assert_int_equal(ry_txn_put(child, "u", "a", 1, "1", 1, 0), 0);
    assert_int_equal(ry_txn_commit(&child), 0);
    assert_int_equal(ry_txn_put(txn, "u", "b", 1, "2", 1, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    /* A read transaction is not a commit that writes: no time counted. */
    assert_int_equal(ry_store_stats(fx->store, &st), 0);
    uint64_t spent = st.commit_us;
    assert_int_equal(ry_txn_begin(fx->store, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(ry_store_stats(fx->store, &st), 0);
    assert_int_equal(st.commit_us, spent);
    assert_int_equal(st.commits, 3);
    assert_int_equal(st.syncs, 2);
    assert_true(st.bytes_written > written);

    ry_store_set_case_table(fx->store, "u");
    assert_int_equal(ry_store_stats(fx->store, &st), 0);
    assert_int_equal(st.cases, 2);
    assert_int_equal(st.opened_ns, opened); /* the same opening throughout */
}

/* Thirty-two tables (the most a store takes): each is found by the name
 * it was declared with and by a copy of that name elsewhere, and holds
 * its own rows. */
static void
test_every_table_is_found_by_its_name_or_a_copy(void **state)
{
    (void)state;
    static char names[32][8];
    const char *tables[33];
    for (int i = 0; i < 32; i++) {
        snprintf(names[i], sizeof names[i], "tab%02d", i);
        tables[i] = names[i];
    }
    tables[32] = NULL;
    char dir[256];
    ry_store_t *st;
    assert_int_equal(ut_tmpdir(dir, sizeof dir, "store32"), 0);
    assert_int_equal(ry_store_open(&st, dir, MAP_SIZE, tables), 0);
    for (int i = 0; i < 32; i++) {
        char copy[8], v[8];
        memcpy(copy, names[i], sizeof copy);
        snprintf(v, sizeof v, "v%d", i);
        s_put(st, i % 2 ? copy : names[i], "k", v);
    }
    for (int i = 0; i < 32; i++) {
        char copy[8], want[8], buf[16];
        memcpy(copy, names[i], sizeof copy);
        snprintf(want, sizeof want, "v%d", i);
        assert_int_equal(s_get(st, names[i], "k", buf, sizeof buf), 0);
        assert_string_equal(buf, want);
        assert_int_equal(s_get(st, copy, "k", buf, sizeof buf), 0);
        assert_string_equal(buf, want);
        assert_int_equal(s_count(st, names[i]), 1);
    }
    ry_store_destroy(&st);
    assert_int_equal(ut_rmtree(dir), 0);
}

/* ry_store_fail_reads: the rows at or past its key do not read, in any
 * transaction, whether got, scanned to or found last; the rows before it,
 * another table, the count and the writes go on. Ended, every row reads
 * as before. */
static void
test_injected_read_failure_fails_the_rows_past_its_key(void **state)
{
    fx_t *fx = *state;
    s_fill_scan_rows(fx); /* a, a|1, a|2, a|3, b|1, b|2, c */
    s_put(fx->store, "u", "c", "w");
    ry_store_fail_reads(fx->store, "t", "b", 1);
    char buf[16];
    assert_int_equal(s_get(fx->store, "t", "a|3", buf, sizeof buf), 0);
    assert_int_equal(s_get(fx->store, "t", "b|1", buf, sizeof buf), RY_EIO);
    assert_int_equal(s_get(fx->store, "t", "c", buf, sizeof buf), RY_EIO);
    assert_int_equal(s_get(fx->store, "u", "c", buf, sizeof buf), 0);
    assert_int_equal(s_count(fx->store, "t"), 7);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->store, NULL, true, &txn), 0);
    scan_acc_t acc = {0};
    assert_int_equal(ry_txn_scan(txn, "t", NULL, 0, NULL, 0, s_collect, &acc),
                     RY_EIO);
    assert_int_equal(acc.n, 4);
    assert_string_equal(acc.keys[3], "a|3");
    memset(&acc, 0, sizeof acc);
    assert_int_equal(ry_txn_scan(txn, "t", "a", 1, NULL, 0, s_collect, &acc),
                     0);
    assert_int_equal(acc.n, 4);
    ry_val_t k, v;
    assert_int_equal(ry_txn_last(txn, "t", "a", 1, &k, &v), 0);
    assert_int_equal(ry_txn_last(txn, "t", NULL, 0, &k, &v), RY_EIO);
    uint64_t n;
    bool found;
    assert_int_equal(ry_txn_get_u64(txn, "t", "c", 1, &n, &found), RY_EIO);
    assert_int_equal(ry_txn_put(txn, "t", "d", 1, "x", 1, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    ry_store_fail_reads(fx->store, "t", NULL, 0);
    assert_int_equal(s_get(fx->store, "t", "a", buf, sizeof buf), RY_EIO);
    ry_store_fail_reads(fx->store, NULL, NULL, 0);
    assert_int_equal(s_get(fx->store, "t", "d", buf, sizeof buf), 0);
    assert_string_equal(buf, "x");
    assert_int_equal(s_count(fx->store, "t"), 8);
}

int
main(void)
{
    ry_log_level = RY_LOG_ERROR;
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_put_then_get_returns_value_and_del_removes_it),
        T(test_counter_counts_from_one_and_only_what_commits),
        T(test_kept_counters_read_as_put_everywhere),
        T(test_kept_counter_rows_of_other_lengths),
        T(test_kept_counter_meets_a_full_map),
        T(test_nooverwrite_on_existing_key_gives_eexist_and_keeps_value),
        T(test_write_in_aborted_txn_is_not_kept),
        T(test_scan_visits_prefix_rows_in_key_order),
        T(test_scan_from_starts_at_first_key_not_below_it),
        T(test_scan_stops_when_callback_returns_one),
        T(test_scan_returns_callback_error_and_stops),
        T(test_scan_may_delete_the_visited_row),
        T(test_last_gives_greatest_key_with_prefix),
        T(test_last_handles_prefix_ending_in_0xff),
        T(test_aborted_nested_txn_leaves_parent_unchanged),
        T(test_del_range_deletes_exactly_its_rows),
        T(test_count_follows_puts_and_deletes),
        T(test_append_hint_puts_keys_in_order_either_way),
        T(test_reads_only_refuses_every_write),
        T(test_committed_data_survives_close_and_reopen),
        T(test_full_map_gives_efull_then_grow_makes_room),
        T(test_del_range_on_a_full_map_changes_nothing),
        T(test_be64_round_trips_and_sorts_numerically),
        T(test_stats_count_commits_that_write_and_their_bytes),
        T(test_injected_read_failure_fails_the_rows_past_its_key),
        T(test_a_store_is_claimed_once),
        T(test_a_killed_reader_is_cleared),
#undef T
        cmocka_unit_test(test_every_table_is_found_by_its_name_or_a_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
