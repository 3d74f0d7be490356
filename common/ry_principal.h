/* ry_principal: whom a request acts as: the principal its key is
 * registered to, narrowed by what the request states (docs/protocol.md,
 * "Principals and roles"), alike in every service. */
#ifndef RY_PRINCIPAL_H
#define RY_PRINCIPAL_H

#include "rongyu.pb-c.h"
#include "ry_store.h"

#include <stddef.h>

/* The key record stored under public key 'key' (Z85) in 'table' (intake's
 * "keys", notification's "readers"; only valid keys are stored there, so
 * any other text is not found, without decoding it): sets *out (free
 * with ry_pb_free) and returns 0; RY_ENOTFOUND; RY_EIO for a record that
 * does not decode; or a store error. */
int ry_principal_key_record(ry_txn_t *txn, const char *table, const char *key,
                            Rongyu__KeyRecord **out);

/* The role string of a Role ("grassroots", "branch", "group", "unit",
 * "city", "platform"); "" for ROLE_UNSPECIFIED or an unknown value. */
const char *ry_principal_role_name(Rongyu__Role role);

/* The role a principal states, as the enum: its string 'role' when
 * given (then 'kind', when given too, must agree), else its 'kind'
 * (ROLE_UNSPECIFIED when neither). Returns 0, or RY_EINVAL with the
 * reason in 'why', which begins with the field's path (principal.role
 * for a string naming no role; principal.kind for a kind that disagrees
 * with it or names none). */
int ry_principal_role(const Rongyu__Principal *p, Rongyu__Role *kind, char *why,
                      size_t len);

/* The field a reason of ry_principal_role names: "principal.kind" or
 * "principal.role". */
const char *ry_principal_role_field(const char *why);

/* Sets *eff to the principal a request stating 'stated' (NULL: none)
 * acts as with the key registered as k:
 * - a platform key stating no organisation acts as the platform itself
 *   (k's organisation, role "platform"); stating another role without an
 *   organisation it gets no organisation (refused later as missing); an
 *   organisation stated is taken with the role stated (or none);
 * - any other key acts as k's organisation and role, which a stated
 *   organisation or role must name.
 * The user is the one stated. eff's strings point into k and stated.
 * Returns 0, or RY_EPERM with the reason, in Chinese and English, in
 * why. */
int ry_principal_resolve(const Rongyu__KeyRecord *k,
                         const Rongyu__Principal *stated,
                         Rongyu__Principal *eff, char *why, size_t len);

#endif
