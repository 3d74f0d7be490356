/* intake_orgs: the organisation tree (city, organising units, grassroots
 * unions, branches, groups) and the one function that decides who may do
 * what to a case. No socket in sight: tests drive it directly. */
#ifndef INTAKE_ORGS_H
#define INTAKE_ORGS_H

#include "rongyu.pb-c.h"
#include "ry_campaign.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The table the tree lives in: org id -> packed rongyu.Organisation. */
#define INTAKE_ORG_TABLES "orgs"

typedef enum {
    INTAKE_ROLE_GRASSROOTS = 0, /* a grassroots union (or branch, group) */
    INTAKE_ROLE_UNIT,           /* an organising unit (Annex 1 row) */
    INTAKE_ROLE_CITY,           /* the city's grassroots-work department */
    INTAKE_ROLE_PLATFORM,       /* the platform, acting for a named user */
} intake_role_t;

/* Who is asking: the principal registered to the connection's key
 * (intake_keys_resolve), narrowed by Request.principal. The strings are
 * borrowed from the request and the key's record. */
typedef struct {
    const char *org_id;
    intake_role_t role;
    const char *user;
    Rongyu__Role kind; /* as asked: ROLE_BRANCH, ROLE_UNION_GROUP narrow
                          a grassroots role to that kind of org */
    const char *via; /* a platform key acting for org_id: the key; else
                        NULL */
} intake_principal_t;

/* Who acted, as the audit log names them: "org (user)", or "org" when no
 * user is named; with " via KEY" when a platform key acts for them.
 * Writes to buf and returns it. */
const char *intake_principal_actor(const intake_principal_t *p, char *buf,
                                   size_t len);

typedef enum {
    INTAKE_ACT_READ,   /* get a case; see it in a list */
    INTAKE_ACT_APPLY,  /* submit, save or edit a draft, withdraw */
    INTAKE_ACT_REVIEW, /* the unit's review (验家) and recommendation */
    INTAKE_ACT_CITY,   /* the city's review; importing organisations */
} intake_action_t;

/* Writes the reason (printf-style) to why (when given) and returns rc:
 * the refusals of this module and intake_keys. */
int intake_why(char *why, size_t len, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reads a Request.principal into *out (the enum 'kind' or the string
 * 'role'; both given must agree). Returns 0; RY_ENOTFOUND with the
 * missing field's path in 'why' (no org_id, no role); or RY_EINVAL with
 * the reason (unknown or disagreeing role). */
int intake_principal_parse(const Rongyu__Principal *p, intake_principal_t *out,
                           char *why, size_t len);

/* Decides whether principal p may do 'act' to a case whose application is
 * 'a' (for INTAKE_ACT_CITY a may be NULL). The rules (docs/review.md):
 *   - a registered principal's kind must match its role;
 *   - grassroots: APPLY and READ on its own cases and those of the
 *     branches and groups under it (registered parent links);
 *   - unit: READ and REVIEW on cases of its organising unit (a registered
 *     unit's Annex 1 row, else its id), APPLY only for itself; the review
 *     of a leadership-organ cadre is the city's;
 *   - city: READ everything, CITY, REVIEW of leadership-organ cadres;
 *   - platform: as the city, and APPLY for any organisation.
 * Returns 0 when allowed; RY_EPERM with the reason in 'why'; or a store
 * error. */
int intake_authorize(ry_txn_t *txn, const intake_principal_t *p,
                     intake_action_t act, const Rongyu__Application *a,
                     char *why, size_t len);

/* The organising unit a unit principal speaks for (its registered Annex 1
 * row, else its id), copied to out. Returns 0, RY_EPERM when p is not a
 * unit, or a store error. */
int intake_principal_unit(ry_txn_t *txn, const intake_principal_t *p, char *out,
                          size_t len);

/* Checks an application against the registry: when its applicant is
 * registered, the application's organising unit must be the applicant's.
 * Unregistered applicants pass (they act only for themselves). Returns 0,
 * RY_EINVAL with the reason, or a store error. */
int intake_orgs_check_application(ry_txn_t *txn, const Rongyu__Application *a,
                                  char *why, size_t len);

/* Loads one organisation; *out is the caller's (ry_pb_free). Returns 0,
 * RY_ENOTFOUND or RY_EIO. */
int intake_orgs_get(ry_txn_t *txn, const char *id, Rongyu__Organisation **out);

/* The registered kind of organisation 'id', or ORG_KIND_UNSPECIFIED when
 * it is not registered (or cannot be read). Intake sends it to validation
 * with each case (ValidateCase.applicant_kind). */
Rongyu__OrgKind intake_orgs_kind(ry_txn_t *txn, const char *id);

typedef struct {
    uint32_t added, updated, unchanged;
} intake_import_counts_t;

/* Registers or updates 'n' organisations inside txn, all or nothing: on
 * RY_EINVAL nothing was written (the caller drops the transaction anyway)
 * and 'why' names the row and the reason. Checks: id and name present, a
 * known kind, no duplicate id, a parent of the right kind (city <- unit <-
 * grassroots <- branch <- group, where grassroots is any of
 * grassroots, township, federation, joint, and may also hang under
 * another grassroots union) found in the file or the store, the organising
 * unit an Annex 1 row of some campaign in 'camps' and the same as the
 * parent's, no cycle. Re-importing the same rows changes nothing.
 * Returns 0, RY_EINVAL or a store error. */
int intake_orgs_import(ry_txn_t *txn, const ry_campaigns_t *camps,
                       Rongyu__Organisation *const *orgs, size_t n,
                       intake_import_counts_t *counts, char *why, size_t len);

/* Loads every organisation, in id order, into a new array (*out, *n), the
 * caller's: free each with ry_pb_free and the array with free. Returns 0
 * or a store error. */
int intake_orgs_list(ry_txn_t *txn, Rongyu__Organisation ***out, size_t *n);

/* The organisations grassroots union 'who' acts for: itself, and the
 * branches and groups registered under it (following their parent links,
 * as intake_authorize does), into a new array (*out, *n) of
 * new strings, the caller's (free each, then the array). Returns 0 or a
 * store error. */
int intake_orgs_family(ry_txn_t *txn, const char *who, char ***out, size_t *n);

#endif
