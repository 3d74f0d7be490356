/* ut_intake_keys: requests to intake_requests_on_request made through keys
 * (header only): each principal (org, role) gets a key registered to it
 * in intake's "keys" table, and the request goes with that key, the way a
 * connection's authenticated key would bring it. */
#ifndef UT_INTAKE_KEYS_H
#define UT_INTAKE_KEYS_H

#include "intake_keys.h"
#include "rongyu.pb-c.h"
#include "ry_error.h"
#include "ry_pb.h"
#include "ry_store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* The test key of (org, role): a valid Z85 key derived from them. */
static inline void
ut_intake_key_of(const char *org, const char *role, char out[41])
{
    char in[600];
    snprintf(in, sizeof in, "%s|%s", org ? org : "", role ? role : "");
    uint8_t h[32];
    crypto_hash_sha256(h, (const uint8_t *)in, strlen(in));
    zmq_z85_encode(out, h, 32);
}

/* Registers (org, role)'s key when missing ('revoked': as revoked) and
 * makes it the key of the next requests. */
static inline void
ut_intake_as(intake_cases_t *ic, ry_store_t *st, const char *org,
             const char *role)
{
    if (!role || !*role)
        role = "grassroots";
    char key[41];
    ut_intake_key_of(org, role, key);
    ry_txn_t *txn;
    if (ry_txn_begin(st, NULL, true, &txn) != 0)
        abort();
    ry_val_t v;
    if (ry_txn_get(txn, "keys", key, 40, &v) == RY_ENOTFOUND) {
        Rongyu__KeyRecord rec = RONGYU__KEY_RECORD__INIT;
        rec.public_key = key;
        rec.org_id = (char *)org;
        rec.role = (char *)role;
        rec.label = (char *)"test";
        rec.added_by = (char *)"test";
        size_t len;
        uint8_t *buf = ry_pb_pack(&rec.base, &len);
        if (ry_txn_put(txn, "keys", key, 40, buf, len, 0) != 0)
            abort();
        free(buf);
    }
    if (ry_txn_commit(&txn) != 0)
        abort();
    intake_keys_set_test_key(ic, key);
}

/* Selects the key of the principal a request states (the platform's when
 * it states none). */
static inline void
ut_intake_as_request(intake_cases_t *ic, ry_store_t *st,
                     const Rongyu__Request *req)
{
    const Rongyu__Principal *p = req->principal;
    if (p && p->org_id && *p->org_id)
        ut_intake_as(ic, st, p->org_id, p->role);
    else
        ut_intake_as(ic, st, "platform", "platform");
}

#endif
