/* intake_dead: the operator's view of intake's dead letters (rongyu dead
 * list|show|retry|drop): listing, one letter with its frame, retrying
 * and dropping, each retry and drop audited in "dead_audit". Private to
 * services/intake. */
#ifndef INTAKE_DEAD_H
#define INTAKE_DEAD_H

#include "intake_internal.h"
#include "intake_reply.h"

/* Applies a DeadRequest for principal p (the city only) inside txn; sets
 * r->dead. Returns 0, -1 after intake_reply_fail (E_FORBIDDEN,
 * E_MISSING_FIELD, E_NOT_FOUND, E_INVALID: cannot be retried or refused
 * again, E_UNSUPPORTED: no such operation), or a store error. */
int intake_dead_request(intake_cases_t *self, ry_txn_t *txn,
                        const Rongyu__Request *req, const intake_principal_t *p,
                        intake_reply_t *r);

#endif
