/* intake_keys: the registry of client keys (public key -> principal) in
 * intake's store, the principal of each request taken from the key its
 * connection authenticated, and the keys requests (add, revoke, list).
 * Private to services/intake. */
#ifndef INTAKE_KEYS_H
#define INTAKE_KEYS_H

#include "intake_internal.h"
#include "intake_reply.h"
#include "rongyu.pb-c.h"
#include "ry_store.h"

#include <stddef.h>

/* The table: Z85 public key -> packed rongyu.KeyRecord (revoked records
 * stay, with revoked_at_ms set). */
#define INTAKE_KEY_TABLES "keys"

/* Uses 'dir' (copied) as the admission directory of intake's client
 * socket: intake_keys_start fills it and every add and revoke updates it,
 * so the ZAP handler admits exactly the registered keys. */
void intake_keys_set_admit_dir(intake_cases_t *self, const char *dir);

/* For tests that call intake_requests_on_request without a socket: the key
 * to take as the connection's when the channel has none (NULL: none). */
void intake_keys_set_test_key(intake_cases_t *self, const char *key);

/* Registers 'key' to (org, role) with 'label' inside txn, without the
 * checks of a request (start-up and tests), and admits it. Returns 0 or
 * a store error. */
int intake_keys_put(intake_cases_t *self, ry_txn_t *txn, const char *key,
                    const char *org, const char *role, const char *label);

/* At start, in its own write transaction: when no key is registered yet,
 * registers the public key of 'admin_cert' (the administrator's key of
 * 'rongyu keys init') as the city department's (org "city", role city);
 * then admits every valid registered key. Returns 0, RY_ENOTFOUND when
 * there is no key at all (run 'rongyu keys init'), or a store error. */
int intake_keys_start(intake_cases_t *self, const char *admin_cert);

/* The principal of a request: the record of the connection's key,
 * narrowed by the request's own principal 'stated' (may be NULL):
 *   - a platform key acts for the organisation, role and user it states
 *     (as itself, role platform, when it states none); 'via' names the
 *     key, for the audit;
 *   - any other key acts as its registered organisation and role; a
 *     stated organisation or role that differs is refused.
 * On success fills *eff (strings borrowed from *rec and stated) and sets
 * *rec (the caller's: ry_pb_free). Returns 0; RY_ENOTFOUND when the key
 * is unknown or revoked (E_UNAUTHENTICATED); RY_EPERM when the stated
 * principal is not the key's (E_FORBIDDEN); 'why' says which. */
int intake_keys_resolve(intake_cases_t *self, ry_txn_t *txn,
                        const Rongyu__Principal *stated,
                        Rongyu__KeyRecord **rec, Rongyu__Principal *eff,
                        char *via, size_t vialen, char *why, size_t len);

/* The key requests, for principal p acting through key record 'by':
 * key_add (the city registers any key; a unit the keys of grassroots
 * unions registered under it), key_revoke (the same rule, on the key's
 * record), key_list (the keys p may manage, and its own organisation's).
 * Changes are audited in the record (who, with which key, when), logged,
 * admitted or refused at the socket, and a city's or platform's key is
 * told to notification (KEY_GRANT), all in txn. Returns 0, -1 with r
 * failed, or a store error. */
int intake_keys_request(intake_cases_t *self, ry_txn_t *txn,
                        const Rongyu__Request *req,
                        const intake_principal_t *p,
                        const Rongyu__KeyRecord *by, intake_reply_t *r);

#endif
