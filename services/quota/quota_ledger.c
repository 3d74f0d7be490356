/* quota_ledger: seats reserved, confirmed and released, exactly once. */
#include "quota_ledger.h"

#include "ry_error.h"
#include "ry_log.h"

#include <stdio.h>
#include <string.h>

/* A hold: "campaign|case" -> "R|pool" (reserved) or "C|pool" (confirmed,
 * for model homes also counted in the city pool). */

static int
s_used_get(ry_txn_t *txn, const char *pool, uint32_t *n)
{
    ry_val_t v;
    int rc = ry_txn_get(txn, "used", pool, strlen(pool), &v);
    if (rc == RY_ENOTFOUND) {
        *n = 0;
        return 0;
    }
    if (rc)
        return rc;
    *n = v.len == 8 ? (uint32_t)ry_be64_get(v.data) : 0;
    return 0;
}

static int
s_used_add(ry_txn_t *txn, const char *pool, int delta)
{
    uint32_t n;
    int rc = s_used_get(txn, pool, &n);
    if (rc)
        return rc;
    uint8_t b[8];
    ry_be64_put(b, delta < 0 && n == 0 ? 0 : (uint64_t)((int64_t)n + delta));
    return ry_txn_put(txn, "used", pool, strlen(pool), b, 8, 0);
}

/* The pool a request draws on and its cap (-1: unlimited). Returns 0 or
 * RY_EINVAL with a reason. */
static int
s_pool(const ry_campaign_t *c, const Rongyu__SeatRequest *req, char *pool,
       size_t cap_len, int *cap, const char **why)
{
    const char *camp = ry_campaign_id(c);
    switch (req->honour) {
    case RONGYU__HONOUR__EXCELLENT_WORKER:
        if (req->column == RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN) {
            snprintf(pool, cap_len, "%s|leadership_organ", camp);
            *cap = ry_campaign_leadership_organ_seats(c);
            return 0;
        } else {
            int u = ry_campaign_unit_find(c, req->organising_unit);
            if (u < 0) {
                *why = "unknown organising unit";
                return RY_EINVAL;
            }
            *cap = ry_campaign_unit_quota(c, (size_t)u,
                                          (ry_column_t)req->column);
            if (*cap < 0) {
                *why = "unknown quota column";
                return RY_EINVAL;
            }
            snprintf(pool, cap_len, "%s|%s|%s", camp, req->organising_unit,
                     rongyu__quota_column__descriptor.values[req->column]
                         .name);
            return 0;
        }
    case RONGYU__HONOUR__MODEL_HOME:
        if (ry_campaign_unit_find(c, req->organising_unit) < 0) {
            *why = "unknown organising unit";
            return RY_EINVAL;
        }
        snprintf(pool, cap_len, "%s|%s|model_home", camp,
                 req->organising_unit);
        *cap = ry_campaign_per_unit_limit(c, RY_HONOUR_MODEL_HOME);
        return 0;
    case RONGYU__HONOUR__ADVANCED_HOME:
    case RONGYU__HONOUR__ADVANCED_SMALL_HOME:
        snprintf(pool, cap_len, "%s|%s|%s", camp, req->organising_unit,
                 rongyu__honour__descriptor.values[req->honour].name);
        *cap = -1;
        return 0;
    default:
        *why = "unknown honour";
        return RY_EINVAL;
    }
}

int
quota_ledger_apply(ry_txn_t *txn, const ry_campaigns_t *campaigns,
                   const Rongyu__SeatRequest *req, Rongyu__SeatResult *res)
{
    res->case_id = req->case_id;
    res->op = req->op;
    res->granted = false;
    res->reason = (char *)"";
    const ry_campaign_t *c = ry_campaigns_find(campaigns, req->campaign_id);
    if (!c) {
        res->reason = (char *)"unknown campaign";
        return 0;
    }
    char pool[400];
    int cap;
    const char *why = "";
    if (s_pool(c, req, pool, sizeof pool, &cap, &why) != 0) {
        res->reason = (char *)why;
        return 0;
    }
    char hkey[300];
    int hn = snprintf(hkey, sizeof hkey, "%s|%s", req->campaign_id,
                      req->case_id);
    if (hn < 0 || hn >= (int)sizeof hkey) {
        res->reason = (char *)"case id too long";
        return 0;
    }
    ry_val_t v;
    int rc = ry_txn_get(txn, "holds", hkey, (size_t)hn, &v);
    if (rc && rc != RY_ENOTFOUND)
        return rc;
    bool held = rc == 0;
    bool confirmed = held && v.len > 0 && ((const char *)v.data)[0] == 'C';
    char city[200];
    snprintf(city, sizeof city, "%s|model_home_city", req->campaign_id);
    uint32_t used;
    if ((rc = s_used_get(txn, pool, &used)))
        return rc;
    res->used = used;
    res->cap = cap < 0 ? 0 : (uint32_t)cap;

    switch (req->op) {
    case RONGYU__SEAT_OP__RESERVE:
        if (held) {
            res->granted = true; /* already reserved: same answer */
            return 0;
        }
        if (cap >= 0 && used >= (uint32_t)cap) {
            res->reason = (char *)"quota full";
            return 0;
        }
        break;
    case RONGYU__SEAT_OP__CONFIRM:
        if (!held) {
            res->reason = (char *)"no seat held";
            return 0;
        }
        if (confirmed) {
            res->granted = true;
            return 0;
        }
        if (req->honour == RONGYU__HONOUR__MODEL_HOME) {
            int ccap = ry_campaign_honour_quota(c, RY_HONOUR_MODEL_HOME);
            uint32_t cused;
            if ((rc = s_used_get(txn, city, &cused)))
                return rc;
            res->used = cused;
            res->cap = ccap < 0 ? 0 : (uint32_t)ccap;
            if (ccap >= 0 && cused >= (uint32_t)ccap) {
                res->reason = (char *)"city-wide quota full";
                return 0;
            }
        }
        break;
    case RONGYU__SEAT_OP__RELEASE:
        if (!held) {
            res->granted = true; /* nothing held: nothing to free */
            return 0;
        }
        break;
    default:
        res->reason = (char *)"unknown operation";
        return 0;
    }

    char val[410];
    int vn;
    if (req->op == RONGYU__SEAT_OP__RESERVE) {
        vn = snprintf(val, sizeof val, "R|%s", pool);
        rc = ry_txn_put(txn, "holds", hkey, (size_t)hn, val, (size_t)vn, 0);
        if (!rc)
            rc = s_used_add(txn, pool, 1);
        res->used = used + 1;
    } else if (req->op == RONGYU__SEAT_OP__CONFIRM) {
        vn = snprintf(val, sizeof val, "C|%s", pool);
        rc = ry_txn_put(txn, "holds", hkey, (size_t)hn, val, (size_t)vn, 0);
        if (!rc && req->honour == RONGYU__HONOUR__MODEL_HOME) {
            rc = s_used_add(txn, city, 1);
            res->used++;
        }
    } else {
        rc = ry_txn_del(txn, "holds", hkey, (size_t)hn);
        if (!rc)
            rc = s_used_add(txn, pool, -1);
        if (!rc && confirmed && req->honour == RONGYU__HONOUR__MODEL_HOME)
            rc = s_used_add(txn, city, -1);
        res->used = used ? used - 1 : 0;
    }
    if (rc)
        return rc;
    res->granted = true;
    ry_info(req->case_id, "%s %s: %u of %d",
            rongyu__seat_op__descriptor.values[req->op].name, pool, res->used,
            cap);
    return 0;
}
