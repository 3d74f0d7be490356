/* ry_conns: the client connections a socket serves, counted per key.
 * See ry_conns.h. */
#include "ry_conns.h"

#include "ry_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifndef SO_COOKIE
#define SO_COOKIE 57 /* Linux 4.13 on; the same number on every arch */
#endif

/* A served connection; cookie 0: a free slot (the kernel's cookies start
 * at 1). */
typedef struct {
    uint64_t cookie;
    int fd;
    int key; /* index in keys[] */
    int at;  /* its place in its key's list */
    uint8_t rid_len;
    uint8_t rid[255];
} s_conn_t;

/* A key and the slots of its served connections. Never removed: there
 * are as many as registered keys that spoke. */
typedef struct {
    char *key;
    unsigned n, cap;
    int *conns;
} s_key_t;

/* Open addressing: an index of slots by routing id (S_EMPTY, S_GONE or a
 * slot), and one of keys by key. */
enum { S_EMPTY = -1, S_GONE = -2 };

struct ry_conns {
    unsigned per_key;
    s_conn_t *conn;
    int nconn, capconn; /* slots made */
    int *free;
    int nfree;
    size_t live;       /* slots in use */
    size_t live_swept; /* slots in use after the last look at every one */
    int *ix;
    size_t ixcap, ixused; /* ixused: slots and S_GONE */
    s_key_t *keys;
    int nkeys, capkeys;
    int *kix;
    size_t kixcap;
};

static void *
s_alloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        abort();
    return p;
}

/* FNV-1a. */
static uint64_t
s_hash(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211u;
    return h;
}

ry_conns_t *
ry_conns_new(unsigned per_key)
{
    ry_conns_t *self = s_alloc(NULL, sizeof *self);
    *self = (ry_conns_t){.per_key = per_key};
    return self;
}

void
ry_conns_destroy(ry_conns_t **self_p)
{
    ry_conns_t *self = self_p ? *self_p : NULL;
    if (!self)
        return;
    for (int i = 0; i < self->nkeys; i++) {
        free(self->keys[i].key);
        free(self->keys[i].conns);
    }
    free(self->keys);
    free(self->kix);
    free(self->ix);
    free(self->free);
    free(self->conn);
    free(self);
    *self_p = NULL;
}

/* The kernel's cookie of the socket on fd, or 0 (errno set). */
static uint64_t
s_cookie(int fd)
{
    uint64_t c = 0;
    socklen_t len = sizeof c;
    if (fd < 0) {
        errno = EBADF;
        return 0;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len) != 0)
        return 0;
    return c;
}

static bool
s_alive(const s_conn_t *c)
{
    return s_cookie(c->fd) == c->cookie;
}

/* The place in ix of routing id rid, or of the empty entry where it
 * would go. */
static size_t
s_ix_find(const ry_conns_t *self, const uint8_t *rid, size_t len)
{
    size_t mask = self->ixcap - 1;
    for (size_t i = s_hash(rid, len) & mask;; i = (i + 1) & mask) {
        int s = self->ix[i];
        if (s == S_EMPTY)
            return i;
        if (s >= 0 && self->conn[s].rid_len == len &&
            memcmp(self->conn[s].rid, rid, len) == 0)
            return i;
    }
}

/* Makes ix room for one more, rebuilt without its S_GONE entries. */
static void
s_ix_room(ry_conns_t *self)
{
    if (self->ixcap && (self->ixused + 1) * 4 <= self->ixcap * 3)
        return;
    size_t cap = self->ixcap ? self->ixcap : 64;
    while ((self->live + 1) * 2 > cap)
        cap *= 2;
    free(self->ix);
    self->ix = s_alloc(NULL, cap * sizeof *self->ix);
    for (size_t i = 0; i < cap; i++)
        self->ix[i] = S_EMPTY;
    self->ixcap = cap;
    self->ixused = 0;
    for (int s = 0; s < self->nconn; s++)
        if (self->conn[s].cookie) {
            self->ix[s_ix_find(self, self->conn[s].rid,
                               self->conn[s].rid_len)] = s;
            self->ixused++;
        }
}

/* The place in kix of key, or of the empty entry where it would go. */
static size_t
s_key_find(const ry_conns_t *self, const char *key)
{
    size_t mask = self->kixcap - 1;
    size_t i = s_hash(key, strlen(key)) & mask;
    while (self->kix[i] != S_EMPTY &&
           strcmp(self->keys[self->kix[i]].key, key) != 0)
        i = (i + 1) & mask;
    return i;
}

/* The index of key, made when it is new. */
static int
s_key_get(ry_conns_t *self, const char *key)
{
    if (((size_t)self->nkeys + 1) * 2 > self->kixcap) {
        size_t cap = self->kixcap ? self->kixcap * 2 : 64;
        free(self->kix);
        self->kix = s_alloc(NULL, cap * sizeof *self->kix);
        for (size_t i = 0; i < cap; i++)
            self->kix[i] = S_EMPTY;
        self->kixcap = cap;
        for (int k = 0; k < self->nkeys; k++)
            self->kix[s_key_find(self, self->keys[k].key)] = k;
    }
    size_t i = s_key_find(self, key);
    if (self->kix[i] != S_EMPTY)
        return self->kix[i];
    size_t len = strlen(key);
    if (self->nkeys == self->capkeys) {
        self->capkeys = self->capkeys ? self->capkeys * 2 : 16;
        self->keys =
            s_alloc(self->keys, (size_t)self->capkeys * sizeof *self->keys);
    }
    s_key_t *k = &self->keys[self->nkeys];
    *k = (s_key_t){.key = s_alloc(NULL, len + 1)};
    memcpy(k->key, key, len + 1);
    self->kix[i] = self->nkeys;
    return self->nkeys++;
}

/* Forgets served connection s. */
static void
s_remove(ry_conns_t *self, int s)
{
    s_conn_t *c = &self->conn[s];
    self->ix[s_ix_find(self, c->rid, c->rid_len)] = S_GONE;
    s_key_t *k = &self->keys[c->key];
    int last = k->conns[--k->n];
    k->conns[c->at] = last;
    self->conn[last].at = c->at;
    c->cookie = 0;
    self->free[self->nfree++] = s;
    self->live--;
}

/* Forgets key k's connections that ended. */
static void
s_sweep_key(ry_conns_t *self, int k)
{
    for (unsigned i = self->keys[k].n; i-- > 0;) {
        int s = self->keys[k].conns[i];
        if (!s_alive(&self->conn[s]))
            s_remove(self, s);
    }
}

/* Forgets every connection that ended. */
static void
s_sweep_all(ry_conns_t *self)
{
    for (int s = 0; s < self->nconn; s++)
        if (self->conn[s].cookie && !s_alive(&self->conn[s]))
            s_remove(self, s);
    self->live_swept = self->live;
}

/* Serves connection rid of key k, on fd with cookie. */
static void
s_add(ry_conns_t *self, const uint8_t *rid, size_t len, int k, int fd,
      uint64_t cookie)
{
    if (self->live >= 2 * self->live_swept + 64)
        s_sweep_all(self);
    s_ix_room(self);
    int s;
    if (self->nfree) {
        s = self->free[--self->nfree];
    } else {
        if (self->nconn == self->capconn) {
            self->capconn = self->capconn ? self->capconn * 2 : 16;
            self->conn =
                s_alloc(self->conn, (size_t)self->capconn * sizeof *self->conn);
            self->free =
                s_alloc(self->free, (size_t)self->capconn * sizeof *self->free);
        }
        s = self->nconn++;
    }
    s_key_t *kr = &self->keys[k];
    if (kr->n == kr->cap) {
        kr->cap = kr->cap ? kr->cap * 2 : 4;
        kr->conns = s_alloc(kr->conns, kr->cap * sizeof *kr->conns);
    }
    s_conn_t *c = &self->conn[s];
    *c = (s_conn_t){.cookie = cookie,
                    .fd = fd,
                    .key = k,
                    .at = (int)kr->n,
                    .rid_len = (uint8_t)len};
    memcpy(c->rid, rid, len);
    kr->conns[kr->n++] = s;
    self->ix[s_ix_find(self, rid, len)] = s;
    self->ixused++;
    self->live++;
}

bool
ry_conns_admit(ry_conns_t *self, const uint8_t *rid, size_t len,
               const char *key, ry_conns_fd_fn fd_of, void *arg)
{
    if (!self->per_key || len == 0 || len > sizeof self->conn[0].rid)
        return true;
    if (self->ixcap) {
        int s = self->ix[s_ix_find(self, rid, len)];
        if (s >= 0) {
            if (strcmp(self->keys[self->conn[s].key].key, key) == 0)
                return true;
            s_remove(self, s); /* its routing id, now another key's */
        }
    }
    int k = s_key_get(self, key);
    if (self->keys[k].n >= self->per_key) {
        s_sweep_key(self, k);
        if (self->keys[k].n >= self->per_key)
            return false;
    }
    int fd = fd_of ? fd_of(arg) : -1;
    uint64_t cookie = s_cookie(fd);
    if (!cookie) {
        if (errno == ENOPROTOOPT) {
            ry_warn(NULL, "the kernel does not tell sockets apart (SO_COOKIE): "
                          "client connections are not counted per key");
            self->per_key = 0;
        }
        /* Otherwise the connection has ended already: served, not
         * counted (its answer goes nowhere). */
        return true;
    }
    s_add(self, rid, len, k, fd, cookie);
    return true;
}

unsigned
ry_conns_per_key(const ry_conns_t *self)
{
    return self->per_key;
}

size_t
ry_conns_served(const ry_conns_t *self)
{
    return self->live;
}

unsigned
ry_conns_of(const ry_conns_t *self, const char *key)
{
    if (!self->kixcap)
        return 0;
    int k = self->kix[s_key_find(self, key)];
    return k == S_EMPTY ? 0 : self->keys[k].n;
}
