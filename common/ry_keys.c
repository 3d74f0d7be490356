/* ry_keys: key pairs, admission directories, the ZAP handler and the
 * CURVE options of sockets, over CZMQ's zcert, zcertstore and zauth. */
#include "ry_keys.h"

#include "ry_config.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_z85.h"

#include <czmq.h>
#include <sodium.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_PATH 1024
#define S_MAX_PEERS 64

struct ry_keys {
    char dir[S_PATH];
    char self[32];
    char pub[RY_KEY_LEN + 1];
    char sec[RY_KEY_LEN + 1];
    struct {
        char name[65];
        char pub[RY_KEY_LEN + 1];
    } peer[S_MAX_PEERS];
    int npeers;
    char admit[S_PATH + 40];
};

/* The process's ZAP handler and the directory it reads. */
static zactor_t *s_auth;
static char s_auth_dir[S_PATH];

int
ry_keys_dir(const char *home, char *out, size_t len)
{
    const char *env = getenv("RONGYU_KEYS_DIR");
    int n = env && *env ? snprintf(out, len, "%s", env)
                        : snprintf(out, len, "%s/keys", home);
    return n < 0 || (size_t)n >= len ? RY_ECONFIG : 0;
}

/* The 32 bytes of key s, when it is one (RY_KEY_LEN characters of Z85). */
static bool
s_key_bytes(const char *s, uint8_t bin[RY_Z85_BYTES])
{
    return s && strlen(s) == RY_KEY_LEN && ry_z85_decode32(s, bin);
}

bool
ry_keys_valid(const char *s)
{
    uint8_t bin[RY_Z85_BYTES];
    return s_key_bytes(s, bin);
}

int
ry_keys_make_dir(const char *dir)
{
    char path[S_PATH];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return RY_EIO;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return RY_EIO;
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        ry_error(NULL, "cannot create '%s': %s", path, strerror(errno));
        return RY_EIO;
    }
    return chmod(path, 0700) == 0 ? 0 : RY_EIO;
}

static bool
s_name_ok(const char *name)
{
    if (!name || !*name || strlen(name) > 64)
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
              *p == '.'))
            return false;
    return name[0] != '.';
}

static void
s_meta(zcert_t *cert, const char *const *meta)
{
    for (const char *const *m = meta; m && m[0] && m[1]; m += 2)
        zcert_set_meta(cert, m[0], "%s", m[1]);
}

int
ry_keys_generate(const char *dir, const char *name, const char *const *meta,
                 char pub[RY_KEY_LEN + 1])
{
    if (!s_name_ok(name))
        return RY_EINVAL;
    char path[S_PATH], secret[S_PATH + 8];
    if (snprintf(path, sizeof path, "%s/%s.cert", dir, name) >=
        (int)sizeof path)
        return RY_EINVAL;
    snprintf(secret, sizeof secret, "%s_secret", path);
    if (access(path, F_OK) == 0 || access(secret, F_OK) == 0)
        return RY_EEXIST;
    int rc = ry_keys_make_dir(dir);
    if (rc)
        return rc;
    zcert_t *cert = zcert_new();
    if (!cert)
        return RY_EIO;
    s_meta(cert, meta);
    /* The secret file is created private, never readable for a moment. */
    mode_t old = umask(077);
    rc = zcert_save_secret(cert, secret) == 0 && chmod(secret, 0600) == 0
             ? 0
             : RY_EIO;
    umask(old);
    if (!rc)
        rc = zcert_save_public(cert, path) == 0 && chmod(path, 0644) == 0
                 ? 0
                 : RY_EIO;
    if (!rc && pub)
        snprintf(pub, RY_KEY_LEN + 1, "%s", zcert_public_txt(cert));
    zcert_destroy(&cert);
    if (rc) {
        ry_error(NULL, "cannot write the key pair '%s': %s", path,
                 strerror(errno));
        unlink(secret);
        unlink(path);
    }
    return rc;
}

int
ry_keys_init(const char *dir, int *created)
{
    int n = 0;
    int rc = ry_keys_make_dir(dir);
    for (int svc = 0; !rc && svc <= RY_SVC_COUNT; svc++) {
        const char *name = svc < RY_SVC_COUNT ? ry_service_name(svc) : "admin";
        const char *const svc_meta[] = {"kind", "service", "name", name, NULL};
        const char *const admin_meta[] = {"kind", "client", "org", "city",
                                          "role", "city", "name", "admin",
                                          NULL};
        rc = ry_keys_generate(dir, name,
                              svc < RY_SVC_COUNT ? svc_meta : admin_meta,
                              NULL);
        if (rc == 0)
            n++;
        else if (rc == RY_EEXIST)
            rc = 0;
    }
    if (created)
        *created = n;
    return rc;
}

int
ry_keys_read_public(const char *spec, char out[RY_KEY_LEN + 1])
{
    if (!spec || !*spec)
        return RY_EINVAL;
    /* A file first: a 40-character path may also read as Z85. */
    if (access(spec, F_OK) != 0) {
        if (!ry_keys_valid(spec))
            return RY_ENOTFOUND;
        snprintf(out, RY_KEY_LEN + 1, "%s", spec);
        return 0;
    }
    zcert_t *cert = zcert_load(spec);
    if (!cert)
        return RY_EINVAL;
    int rc = ry_keys_valid(zcert_public_txt(cert)) ? 0 : RY_EINVAL;
    if (!rc)
        snprintf(out, RY_KEY_LEN + 1, "%s", zcert_public_txt(cert));
    zcert_destroy(&cert);
    return rc;
}

int
ry_keys_read_pair(const char *path, char pub[RY_KEY_LEN + 1],
                  char sec[RY_KEY_LEN + 1])
{
    char base[S_PATH];
    if (!path || snprintf(base, sizeof base, "%s", path) >= (int)sizeof base)
        return RY_EINVAL;
    size_t n = strlen(base);
    if (n > 7 && strcmp(base + n - 7, "_secret") == 0)
        base[n - 7] = '\0';
    char secret[S_PATH + 8];
    snprintf(secret, sizeof secret, "%s_secret", base);
    if (access(secret, F_OK) != 0 && access(base, F_OK) != 0)
        return RY_ENOTFOUND;
    if (access(secret, R_OK) != 0)
        return RY_EINVAL;
    zcert_t *cert = zcert_load(base);
    if (!cert)
        return RY_EINVAL;
    const char *s = zcert_secret_txt(cert);
    int rc = ry_keys_valid(zcert_public_txt(cert)) && ry_keys_valid(s) &&
                     strcmp(s, "0000000000000000000000000000000000000000")
                 ? 0
                 : RY_EINVAL;
    if (!rc) {
        snprintf(pub, RY_KEY_LEN + 1, "%s", zcert_public_txt(cert));
        snprintf(sec, RY_KEY_LEN + 1, "%s", s);
    }
    zcert_destroy(&cert);
    return rc;
}

int
ry_keys_open(const char *dir, const char *self, ry_keys_t **out)
{
    *out = NULL;
    ry_keys_t *k = calloc(1, sizeof *k);
    if (!k)
        abort();
    snprintf(k->dir, sizeof k->dir, "%s", dir);
    snprintf(k->self, sizeof k->self, "%s", self);
    char path[S_PATH + 40];
    snprintf(path, sizeof path, "%s/%s.cert", dir, self);
    int rc = ry_keys_read_pair(path, k->pub, k->sec);
    if (rc) {
        ry_error(NULL, "no key pair for %s at '%s': %s (run 'rongyu keys "
                       "init')",
                 self, path, ry_strerror(rc));
        free(k);
        return rc;
    }
    /* Every "<name>.cert" beside it names a key: the services' are the
     * ones peers are known by. */
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && k->npeers < S_MAX_PEERS) {
        size_t n = strlen(e->d_name);
        if (n < 6 || n - 5 > 64 || strcmp(e->d_name + n - 5, ".cert") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (ry_keys_read_public(path, k->peer[k->npeers].pub) != 0)
            continue;
        snprintf(k->peer[k->npeers].name, sizeof k->peer[0].name, "%.*s",
                 (int)(n - 5), e->d_name);
        k->npeers++;
    }
    if (d)
        closedir(d);
    *out = k;
    return 0;
}

void
ry_keys_destroy(ry_keys_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sodium_memzero((*self_p)->sec, sizeof (*self_p)->sec);
    free(*self_p);
    *self_p = NULL;
}

const char *
ry_keys_public(const ry_keys_t *self)
{
    return self->pub;
}

const char *
ry_keys_directory(const ry_keys_t *self)
{
    return self->dir;
}

const char *
ry_keys_service_of(const ry_keys_t *self, const char *user_id)
{
    if (!user_id || !*user_id)
        return NULL;
    for (int i = 0; i < self->npeers; i++)
        if (strcmp(self->peer[i].pub, user_id) == 0)
            return self->peer[i].name;
    return NULL;
}

const char *
ry_keys_public_of(const ry_keys_t *self, const char *name)
{
    for (int i = 0; name && i < self->npeers; i++)
        if (strcmp(self->peer[i].name, name) == 0)
            return self->peer[i].pub;
    return NULL;
}

/* ------------------------------------------------------------ admission */

/* The file admitting key z85 in dir (its bytes in hex), and the key's
 * bytes in bin. */
static int
s_admit_path(const char *dir, const char *z85, char *out, size_t len,
             uint8_t bin[RY_Z85_BYTES])
{
    if (!s_key_bytes(z85, bin))
        return RY_EINVAL;
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", bin[i]);
    return snprintf(out, len, "%s/%s.cert", dir, hex) < (int)len ? 0
                                                                 : RY_EINVAL;
}

int
ry_keys_admit_reset(const char *dir)
{
    int rc = ry_keys_make_dir(dir);
    if (rc)
        return rc;
    DIR *d = opendir(dir);
    if (!d)
        return RY_EIO;
    struct dirent *e;
    char path[S_PATH + 300];
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".cert") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            rc = RY_EIO;
    }
    closedir(d);
    return rc;
}

int
ry_keys_admit_add(const char *dir, const char *z85, const char *const *meta)
{
    char path[S_PATH + 80];
    uint8_t pub[RY_Z85_BYTES], sec[32] = {0};
    int rc = s_admit_path(dir, z85, path, sizeof path, pub);
    if (rc)
        return rc;
    zcert_t *cert = zcert_new_from(pub, sec);
    if (!cert)
        return RY_EIO;
    s_meta(cert, meta);
    /* Written beside the directory, not in it, and renamed in: CZMQ's
     * loader reads every file in the directory and aborts the process
     * when two hold one key, which a temporary copy there would do while
     * the key's file is rewritten (at every start of a service). */
    char tmp[S_PATH + 90];
    snprintf(tmp, sizeof tmp, "%s-%s.tmp", dir, path + strlen(dir) + 1);
    rc = zcert_save_public(cert, tmp) == 0 && rename(tmp, path) == 0
             ? 0
             : RY_EIO;
    zcert_destroy(&cert);
    return rc;
}

int
ry_keys_admit_remove(const char *dir, const char *z85)
{
    char path[S_PATH + 80];
    uint8_t bin[RY_Z85_BYTES];
    int rc = s_admit_path(dir, z85, path, sizeof path, bin);
    if (rc)
        return rc;
    return unlink(path) == 0 || errno == ENOENT ? 0 : RY_EIO;
}

void *
ry_keys_context(void)
{
    /* The services install their own signal handlers. */
    zsys_handler_set(NULL);
    return zsys_init();
}

void
ry_keys_auth_stop(void)
{
    zactor_destroy(&s_auth);
    s_auth_dir[0] = '\0';
}

int
ry_keys_auth_start(const char *dir)
{
    if (s_auth)
        return strcmp(s_auth_dir, dir) == 0 ? 0 : RY_EINVAL;
    ry_keys_context();
    zcertstore_t *store = zcertstore_new(dir);
    if (!store)
        return RY_ENET;
    /* zauth takes the store over; with a store it admits only the
     * certificates in it (no "allow any"). */
    s_auth = zactor_new(zauth, store);
    if (!s_auth) {
        zcertstore_destroy(&store);
        return RY_ENET;
    }
    snprintf(s_auth_dir, sizeof s_auth_dir, "%s", dir);
    static bool registered;
    if (!registered) {
        registered = true;
        atexit(ry_keys_auth_stop);
    }
    return 0;
}

int
ry_keys_serve(const char *home, const char *self, const char *const *peers,
              ry_keys_t **out)
{
    *out = NULL;
    char dir[S_PATH];
    int rc = ry_keys_dir(home, dir, sizeof dir);
    ry_keys_t *k = NULL;
    if (!rc)
        rc = ry_keys_open(dir, self, &k);
    if (!rc)
        snprintf(k->admit, sizeof k->admit, "%s/%s.admit", home, self);
    if (!rc)
        rc = ry_keys_admit_reset(k->admit);
    for (const char *const *p = peers; !rc && p && *p; p++) {
        const char *pub = ry_keys_public_of(k, *p);
        if (!pub) {
            ry_error(NULL, "no public key of %s in '%s'", *p, dir);
            rc = RY_ENOTFOUND;
            break;
        }
        const char *const meta[] = {"kind", "service", "name", *p, NULL};
        rc = ry_keys_admit_add(k->admit, pub, meta);
    }
    if (!rc)
        rc = ry_keys_auth_start(k->admit);
    if (rc) {
        ry_keys_destroy(&k);
        return rc;
    }
    *out = k;
    return 0;
}

const char *
ry_keys_admit_dir(const ry_keys_t *self)
{
    return self->admit;
}

/* ------------------------------------------------------------ sockets */

int
ry_keys_server(const ry_keys_t *self, void *sock)
{
    if (!s_auth) {
        ry_error(NULL, "no ZAP handler runs: a CURVE server socket is not "
                       "bound without one");
        return RY_ECONFIG;
    }
    int one = 1;
    if (zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "rongyu", 6) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, self->sec, RY_KEY_LEN))
        return RY_ENET;
    return 0;
}

int
ry_keys_client(const ry_keys_t *self, void *sock, const char *server)
{
    if (!ry_keys_valid(server))
        return RY_EINVAL;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, RY_KEY_LEN) ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, self->pub, RY_KEY_LEN) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, self->sec, RY_KEY_LEN))
        return RY_ENET;
    return 0;
}

int
ry_keys_user_id(void *zmq_msg, char out[RY_KEY_LEN + 1])
{
    const char *id = zmq_msg_gets((zmq_msg_t *)zmq_msg, "User-Id");
    if (!id || !ry_keys_valid(id)) {
        out[0] = '\0';
        return RY_ENOTFOUND;
    }
    memcpy(out, id, RY_KEY_LEN + 1);
    return 0;
}
