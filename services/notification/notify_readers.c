/* notify_readers: who may read notification, as intake says. */
#include "notify_readers.h"

#include "rongyu.pb-c.h"
#include "ry_error.h"
#include "ry_keys.h"
#include "ry_principal.h"
#include "ry_log.h"
#include "ry_pb.h"

#include <stdlib.h>
#include <string.h>

static void
s_admit(const char *dir, const Rongyu__KeyRecord *rec)
{
    int rc;
    if (rec->revoked_at_ms) {
        rc = ry_keys_admit_remove(dir, rec->public_key);
    } else {
        const char *const meta[] = {"kind", "client", "org", rec->org_id,
                                    "role", rec->role, NULL};
        rc = ry_keys_admit_add(dir, rec->public_key, meta);
    }
    if (rc)
        ry_error(NULL, "cannot update the admission of key %.8s...: %s",
                 rec->public_key, ry_strerror(rc));
}

int
notify_readers_apply(ry_txn_t *txn, const char *admit_dir,
                     const uint8_t *payload, size_t len)
{
    Rongyu__KeyRecord *rec = (Rongyu__KeyRecord *)ry_pb_unpack(
        &rongyu__key_record__descriptor, payload, len, 0);
    if (!rec || !ry_keys_valid(rec->public_key)) {
        ry_pb_free(&rec);
        return RY_EMALFORMED;
    }
    int rc = rec->revoked_at_ms
                 ? ry_txn_del(txn, "readers", rec->public_key, RY_KEY_LEN)
                 : ry_txn_put(txn, "readers", rec->public_key, RY_KEY_LEN,
                              payload, len, 0);
    if (rc == RY_ENOTFOUND)
        rc = 0;
    if (!rc) {
        s_admit(admit_dir, rec);
        ry_info(NULL, "reader key %.8s... of %s (%s) %s", rec->public_key,
                rec->org_id, rec->role,
                rec->revoked_at_ms ? "revoked" : "admitted");
    }
    ry_pb_free(&rec);
    return rc;
}

typedef struct {
    const char *dir;
    int rc;
} s_admit_t;

static int
s_admit_one(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_admit_t *a = arg;
    Rongyu__KeyRecord *rec = (Rongyu__KeyRecord *)ry_pb_unpack(
        &rongyu__key_record__descriptor, val->data, val->len, 0);
    if (!rec) {
        a->rc = RY_EIO;
        return 1;
    }
    s_admit(a->dir, rec);
    ry_pb_free(&rec);
    return 0;
}

int
notify_readers_admit(ry_store_t *store, const char *admit_dir)
{
    ry_txn_t *txn;
    int rc = ry_txn_begin(store, NULL, false, &txn);
    if (rc)
        return rc;
    s_admit_t a = {admit_dir, 0};
    rc = ry_txn_scan(txn, "readers", NULL, 0, NULL, 0, s_admit_one, &a);
    ry_txn_abort(&txn);
    return rc ? rc : a.rc;
}

int
notify_readers_check(ry_txn_t *txn, const char *key)
{
    if (!ry_keys_valid(key))
        return RY_ENOTFOUND;
    ry_val_t v;
    return ry_txn_get(txn, "readers", key, RY_KEY_LEN, &v);
}

int
notify_readers_get(ry_txn_t *txn, const char *key, Rongyu__KeyRecord **out)
{
    return ry_principal_key_record(txn, "readers", key, out);
}

typedef struct {
    char **orgs;
    size_t n;
} s_cities_t;

static int
s_city_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_cities_t *c = arg;
    Rongyu__KeyRecord *rec = (Rongyu__KeyRecord *)ry_pb_unpack(
        &rongyu__key_record__descriptor, val->data, val->len, 0);
    /* A record that does not decode names no organisation. */
    if (rec && strcmp(rec->role, "city") == 0) {
        char **more = realloc(c->orgs, (c->n + 1) * sizeof *more);
        if (!more || !(more[c->n] = strdup(rec->org_id)))
            abort();
        c->orgs = more;
        c->n++;
    }
    ry_pb_free(&rec);
    return 0;
}

int
notify_readers_city_orgs(ry_txn_t *txn, char ***orgs, size_t *n)
{
    s_cities_t c = {0};
    int rc = ry_txn_scan(txn, "readers", NULL, 0, NULL, 0, s_city_row, &c);
    *orgs = c.orgs;
    *n = c.n;
    return rc;
}
