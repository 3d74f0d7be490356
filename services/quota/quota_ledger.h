/* quota_ledger: who holds which seat of a campaign's allocation tables
 * (Annex 1 excellent-worker columns, one model-home recommendation per
 * unit, 20 model homes city-wide). */
#ifndef QUOTA_LEDGER_H
#define QUOTA_LEDGER_H

#include "rongyu_services.pb-c.h"
#include "ry_campaign.h"
#include "ry_store.h"

#define QUOTA_TABLES "holds", "used"

/* Applies one seat request inside txn and fills 'res' (its strings are
 * static or point into 'req', valid while req lives). Reserving a seat the
 * case already holds, or releasing one it does not, changes nothing and
 * answers as before, so a request delivered twice has one effect.
 * Returns 0, or a store error (RY_EFULL, RY_EIO). */
int quota_ledger_apply(ry_txn_t *txn, const ry_campaigns_t *campaigns,
                       const Rongyu__SeatRequest *req,
                       Rongyu__SeatResult *res);

#endif
