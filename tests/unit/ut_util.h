/* ut_util: small helpers shared by the unit tests (header only): a private
 * mkdtemp() directory per test, removed recursively at the end; the rows
 * a store's table holds. */
#ifndef UT_UTIL_H
#define UT_UTIL_H

#include "ry_store.h"

#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates a fresh directory under $TMPDIR (or /tmp) and writes its path
 * to 'out'. Returns 0 or -1. */
static inline int
ut_tmpdir(char *out, size_t cap, const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    int n = snprintf(out, cap, "%s/ry-%s-XXXXXX", base, tag);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    return mkdtemp(out) ? 0 : -1;
}

/* Removes 'path' and everything under it (no symlinks are followed).
 * Returns 0 or -1. */
static inline int
ut_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[PATH_MAX];
        int n = snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        if (n < 0 || (size_t)n >= sizeof child || ut_rmtree(child) != 0)
            rc = -1;
    }
    closedir(d);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

/* stderr sent to a temporary file, for a test that reads what was
 * logged (ut_stderr_capture), and given back (ut_stderr_release). */
typedef struct {
    FILE *file;
    int saved;
} ut_stderr_t;

/* Returns 0 or -1. */
static inline int
ut_stderr_capture(ut_stderr_t *c)
{
    c->saved = -1;
    c->file = tmpfile();
    if (!c->file)
        return -1;
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    return c->saved < 0 || dup2(fileno(c->file), STDERR_FILENO) < 0 ? -1 : 0;
}

static inline void
ut_stderr_release(ut_stderr_t *c)
{
    dup2(c->saved, STDERR_FILENO);
    close(c->saved);
    fclose(c->file);
}

/* What the captured stderr holds so far, NUL-terminated (the caller's to
 * free), or NULL. */
static inline char *
ut_stderr_text(const ut_stderr_t *c)
{
    off_t n = lseek(fileno(c->file), 0, SEEK_END);
    char *buf = n < 0 ? NULL : calloc(1, (size_t)n + 1);
    if (buf && pread(fileno(c->file), buf, (size_t)n, 0) != n) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

/* ut_stderr_text, then ut_stderr_release: what the capture held, once
 * done (the caller's to free), or NULL. */
static inline char *
ut_stderr_done(ut_stderr_t *c)
{
    char *text = ut_stderr_text(c);
    ut_stderr_release(c);
    return text;
}

/* How many times 'what' stands in s, not overlapping. */
static inline int
ut_count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

/* Writes 'text' to the file 'path'. Returns 0 or -1. */
static inline int
ut_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    size_t n = strlen(text);
    int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

/* The rows table holds in st, read in a transaction of its own;
 * UINT64_MAX when it cannot be read. */
static inline uint64_t
ut_rows(ry_store_t *st, const char *table)
{
    ry_txn_t *txn;
    uint64_t n = UINT64_MAX;
    if (ry_txn_begin(st, NULL, false, &txn) != 0)
        return UINT64_MAX;
    if (ry_txn_count(txn, table, &n) != 0)
        n = UINT64_MAX;
    ry_txn_abort(&txn);
    return n;
}

#endif
