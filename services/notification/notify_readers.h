/* notify_readers: the keys that may read the notification service (its
 * request socket and its feed): the city's and the platform's, as intake
 * registers and revokes them (KEY_GRANT messages), kept in the store and
 * listed for the ZAP handler. */
#ifndef NOTIFY_READERS_H
#define NOTIFY_READERS_H

#include "rongyu.pb-c.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The table: Z85 public key -> packed rongyu.KeyRecord. */
#define NOTIFY_READER_TABLES "readers"

/* Applies one KEY_GRANT inside txn: a valid record is stored and its key
 * admitted in 'admit_dir' from the next handshake on; a revoked one is
 * deleted and refused. Returns 0, RY_EMALFORMED (dead-letter it) or a
 * store error. */
int notify_readers_apply(ry_txn_t *txn, const char *admit_dir,
                         const uint8_t *payload, size_t len);

/* At start: admits every stored reader in 'admit_dir'. Returns 0 or a
 * store error. */
int notify_readers_admit(ry_store_t *store, const char *admit_dir);

/* Returns 0 when 'key' (a connection's User-Id) is a reader now, else
 * RY_ENOTFOUND, or a store error. */
int notify_readers_check(ry_txn_t *txn, const char *key);

/* The record of reader 'key' (as intake registered it): sets *out (free
 * with ry_pb_free) and returns 0; RY_ENOTFOUND when key is no reader;
 * RY_EIO for a record that does not decode; or a store error. */
int notify_readers_get(ry_txn_t *txn, const char *key, Rongyu__KeyRecord **out);

/* The organisations of the city keys intake registered (readers of role
 * "city"), once each key: sets *orgs (malloc'd strings in a malloc'd
 * array, the caller's to free, also on error) and *n. Returns 0 or a
 * store error. */
int notify_readers_city_orgs(ry_txn_t *txn, char ***orgs, size_t *n);

#endif
