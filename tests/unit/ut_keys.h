/* ut_keys: the CURVE keys of a unit-test process (header only): one
 * directory, made once, with a key pair for each name the tests use, all
 * admitted by the process's ZAP handler except "stranger"'s. */
#ifndef UT_KEYS_H
#define UT_KEYS_H

#include "ry_keys.h"
#include "ut_util.h"

#include <stdio.h>
#include <stdlib.h>

static char ut_keys_root[256];

static inline void
ut_keys_cleanup(void)
{
    ry_keys_auth_stop();
    if (ut_keys_root[0])
        ut_rmtree(ut_keys_root);
}

/* The key directory (created, and the ZAP handler started, on the first
 * call); aborts when that fails. */
static inline const char *
ut_keys_dir(void)
{
    if (ut_keys_root[0])
        return ut_keys_root;
    static const char *const names[] = {
        "intake", "validation", "quota", "notification", "admin",
        "a",      "b",          "probe", "stranger",     NULL};
    char admit[300];
    if (ut_tmpdir(ut_keys_root, sizeof ut_keys_root, "keys") != 0)
        abort();
    snprintf(admit, sizeof admit, "%s/admit", ut_keys_root);
    if (ry_keys_admit_reset(admit) != 0)
        abort();
    for (int i = 0; names[i]; i++) {
        char pub[RY_KEY_LEN + 1];
        if (ry_keys_generate(ut_keys_root, names[i], NULL, pub) != 0)
            abort();
        if (strcmp(names[i], "stranger") != 0 &&
            ry_keys_admit_add(admit, pub, NULL) != 0)
            abort();
    }
    if (ry_keys_auth_start(admit) != 0)
        abort();
    atexit(ut_keys_cleanup);
    return ut_keys_root;
}

/* The keys of 'name' (the caller's, or the channel's it is given to). */
static inline ry_keys_t *
ut_keys(const char *name)
{
    ry_keys_t *k = NULL;
    if (ry_keys_open(ut_keys_dir(), name, &k) != 0)
        abort();
    return k;
}

/* The public and secret key of 'name', for raw sockets of the tests. */
static inline void
ut_keys_pair(const char *name, char pub[RY_KEY_LEN + 1],
             char sec[RY_KEY_LEN + 1])
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s.cert", ut_keys_dir(), name);
    if (ry_keys_read_pair(path, pub, sec) != 0)
        abort();
}

/* A test binary's exit: after a failure the fixtures may hold sockets
 * open, and the context's shutdown at exit would wait for them forever,
 * so a failed run leaves at once. */
static inline int
ut_keys_exit(int rc)
{
    if (rc) {
        fflush(NULL);
        _exit(rc);
    }
    return rc;
}

#endif
