/* intake_internal: the private half of intake_cases, shared only by the
 * files of the intake service: the handler's state and the operations of
 * the case store a request dispatches to. They answer with an
 * intake_outcome (never a reply: intake_requests, above, makes that).
 * Not for callers outside services/intake. */
#ifndef INTAKE_INTERNAL_H
#define INTAKE_INTERNAL_H

#include "intake_cases.h"
#include "intake_fsm.h"
#include "intake_orgs.h"
#include "intake_outcome.h"
#include "rongyu.pb-c.h"
#include "ry_calendar.h"
#include "ry_campaign.h"
#include "ry_channel.h"
#include "ry_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A case id: 16 lower-case hex digits. */
#define INTAKE_ID_LEN 16
/* The longest key of a case index (an organisation's id is at most
 * RY_ORG_ID_MAX bytes). */
#define INTAKE_IKEY_MAX 240

enum { INTAKE_IDEM_KEY_LEN = 16 };

struct intake_cases {
    ry_store_t *store;
    ry_channel_t *channel;
    intake_limits_t limits;
    uint64_t last_id;
    ry_campaigns_t *campaigns;
    ry_calendar_t *cal; /* for postings; may be NULL (intake_posting) */
    struct intake_waits *waits; /* long polls (intake_wait); may be NULL */
    char admit_dir[1200]; /* intake_keys: where admitted keys are listed */
    char test_key[41];    /* intake_keys: the key when no socket has one */
    /* The secret of idempotency fingerprints (intake_idem), made once
     * and kept in "meta" (intake_cases_new). */
    uint8_t idem_key[INTAKE_IDEM_KEY_LEN];
};

/* True for NULL and "" (protobuf-c gives "" for an unset string). */
static inline bool
intake_is_empty(const char *s)
{
    return !s || !*s;
}

/* Reads case_id from the "cases" table, its application made whole from
 * the part kept apart in "apps", into *out (the caller's, to free with
 * ry_pb_free). Returns 0, RY_ENOTFOUND, RY_EIO (a record that does not
 * decode) or a store error; *out is NULL unless 0. */
int intake_cases_load(ry_txn_t *txn, const char *case_id, Rongyu__Case **out);

/* The head of case_id, as intake_cases_load gives it but without its
 * verdict and with only fields 1-5 of its application (campaign, honour,
 * category, applicant, organising unit): what a brief answer shows and
 * what the authority to read it looks at (intake_authorize), decoded from
 * a tenth of the bytes. Same returns as intake_cases_load. */
int intake_cases_load_head(ry_txn_t *txn, const char *case_id,
                           Rongyu__Case **out);

/* The application of revision 'rev' of case_id as stored, its encoded
 * bytes: from the case's row and the part kept apart ("apps") while that
 * revision is in force, else from "revisions". The bytes are in txn's
 * memory, or in a buffer set in *owned (the caller frees it; NULL when
 * none was made). Returns 0, RY_ENOTFOUND or RY_EIO. */
int intake_cases_application_bytes(ry_txn_t *txn, const char *case_id,
                                   uint32_t rev, ry_val_t *out,
                                   uint8_t **owned);

/* Loads case 'id' that principal p may act on ('act'). Returns 0 with *out
 * set (the caller's), -1 after intake_outcome_fail (E_MISSING_FIELD for no
 * id, E_NOT_FOUND, E_FORBIDDEN), or a store error; *out is NULL unless 0. */
int intake_cases_load_for(ry_txn_t *txn, const intake_principal_t *p,
                          intake_action_t act, const char *id,
                          intake_outcome_t *o, Rongyu__Case **out);

/* intake_cases_load_for reading (INTAKE_ACT_READ) the case's head
 * (intake_cases_load_head). */
int intake_cases_load_head_for(ry_txn_t *txn, const intake_principal_t *p,
                               const char *id, intake_outcome_t *o,
                               Rongyu__Case **out);

/* What a wait looks at first (intake_wait): the state of case 'id', read
 * from its row in place, when p may read the case. Returns 0 with *state
 * set; 1 for anything else (no such case, one p may not read, a row not
 * in the form protobuf-c writes, an applicant or unit of
 * INTAKE_PEEK_MAX bytes or more): intake_cases_load_head_for then says
 * what it is. Where it returns 0, intake_cases_load_head_for gives the
 * same state. */
#define INTAKE_PEEK_MAX 256
int intake_cases_peek_for(ry_txn_t *txn, const intake_principal_t *p,
                          const char *id, Rongyu__CaseState *state);

/* intake_cases_peek_for, and for a case no longer in state 'held' what
 * intake_cases_brief_bytes gives of it too (*out, the caller's to free;
 * NULL while the case is in 'held'): a brief wait's answer read with one
 * lookup. Returns as intake_cases_peek_for. */
int intake_cases_peek_brief_for(ry_txn_t *txn, const intake_principal_t *p,
                                const char *id, Rongyu__CaseState held,
                                Rongyu__CaseState *state, uint8_t **out,
                                size_t *len);

/* What a brief wait's answer holds of case 'id' (intake_wait), read from
 * its row in place: the case's head without its application and verdict,
 * packed as protobuf-c packs it, into *out (the caller's to free), and
 * its state into *state. Returns 0; 1 for anything else (no such case, a
 * row not in the form protobuf-c writes): intake_cases_load_head then
 * reads it. Where it returns 0, the head intake_cases_load_head gives,
 * without application and verdict, packs to the same bytes. Nobody's
 * right to read is looked at: the waiter's was when it was parked. */
int intake_cases_brief_bytes(ry_txn_t *txn, const char *id,
                             Rongyu__CaseState *state, uint8_t **out,
                             size_t *len);

/* Joins the verdict of c's revision (the "verdicts" table, case id +
 * be32 revision -> the verdict in its stored form, ry_verdict) to c, a
 * message from ry_pb_unpack, unless c carries one (stored so by an
 * earlier version): whole, filled in from c's application; and renders
 * the texts of its checks from the rule catalogue (ry_rulecat): what a
 * reply shows. Returns 0 (also when c has no verdict yet), RY_EIO when
 * the stored verdict does not decode, or the store's error. */
int intake_cases_join_verdict(ry_txn_t *txn, Rongyu__Case *c);

/* Reads revision 'rev' of case_id as it was when the next revision
 * replaced it, into *out (the caller's). Returns 0, RY_ENOTFOUND, RY_EIO
 * or a store error. */
int intake_cases_load_revision(ry_txn_t *txn, const char *case_id, uint32_t rev,
                               Rongyu__Case **out);

/* The sequence number of case_id's last audit entry in *seq (0: none).
 * Returns 0, RY_EIO or a store error. */
int intake_cases_audit_seq(ry_txn_t *txn, const char *case_id, uint64_t *seq);

/* Keeps the application of 'stored' (as stored) before 'next' replaces it
 * in the same revision (a draft edited, its posting recorded), unless
 * they are the same: "superseded" holds case id + be32 revision + be64
 * the case's last audit entry then -> the packed Application. Returns 0
 * or a store error. */
int intake_cases_supersede(ry_txn_t *txn, const Rongyu__Case *stored,
                           const Rongyu__Application *next);

/* Case case_id as stored now, but with the application that revision
 * 'rev' had after audit entry 'seq' (from "superseded", else "revisions"
 * when rev is not the case's revision any more), into *out (the
 * caller's). The other fields are the present case's. Returns 0,
 * RY_ENOTFOUND, RY_EIO or a store error. */
int intake_cases_load_as_of(ry_txn_t *txn, const char *case_id, uint32_t rev,
                            uint64_t seq, Rongyu__Case **out);

/* Appends the audit trail of case_id, oldest first, to (*entries, *n);
 * *entries is realloc()ed and the entries are the caller's (ry_pb_free
 * each, then free the array). Returns 0, RY_EIO or a store error. */
int intake_cases_audit_read(ry_txn_t *txn, const char *case_id,
                            Rongyu__AuditEntry ***entries, size_t *n);

/* Tells notification about case c as stored (a CaseEvent named 'event';
 * a draft's with the day its posting must be over by, as intake knows
 * it: intake_posting_deadline), in txn's outbox. Returns 0 or a store
 * error. */
int intake_cases_tell(intake_cases_t *self, ry_txn_t *txn,
                      const Rongyu__Case *c, const char *event);

/* Asks intake_authorize whether p may do 'act' to application a (NULL:
 * no particular case). Returns 0, -1 after intake_outcome_fail(E_FORBIDDEN,
 * the reason), or a store error. */
int intake_cases_allow(ry_txn_t *txn, const intake_principal_t *p,
                       intake_action_t act, const Rongyu__Application *a,
                       intake_outcome_t *o);

/* E_BUSY (returns -1 after intake_outcome_fail, with a retry hint) when
 * outbox_limit messages or more wait for 'peer'; else 0, or a store
 * error. For requests whose work needs that peer. */
int intake_cases_busy(intake_cases_t *self, ry_txn_t *txn, const char *peer,
                      intake_outcome_t *o);

/* The transitions of the case store, one per request kind; each goes
 * through its intake_fsm row. Each applies req (whose body must be of its
 * kind) for principal p inside txn and, on success, sets o->kase to the
 * stored case (owned by o). Each returns 0, -1 after
 * intake_outcome_fail (the client's error: E_MISSING_FIELD, E_OUT_OF_RANGE,
 * E_INVALID, E_NOT_FOUND, E_FORBIDDEN, E_BAD_STATE, E_TOO_LARGE, E_BUSY),
 * or a store error (RY_EFULL, RY_EIO, ...), after which txn must be
 * dropped. req stays the caller's and is left as it was. */

/* Submit or SaveDraft: a new case, a draft's new content, or a new
 * revision of a returned case. data and len: the bytes req was decoded
 * from (NULL: none), whose application the case row keeps as it came. */
int intake_cases_submit(intake_cases_t *self, ry_txn_t *txn,
                        const Rongyu__Request *req, const uint8_t *data,
                        size_t len, const intake_principal_t *p,
                        intake_outcome_t *o);
/* SubmitDraft: a draft becomes SUBMITTED and goes to validation. */
int intake_cases_submit_draft(intake_cases_t *self, ry_txn_t *txn,
                              const Rongyu__Request *req,
                              const intake_principal_t *p, intake_outcome_t *o);
/* Review: the organising unit approves, returns or rejects. */
int intake_cases_review(intake_cases_t *self, ry_txn_t *txn,
                        const Rongyu__Request *req, const intake_principal_t *p,
                        intake_outcome_t *o);
/* Recommend: an approved case goes to the city (asking quota for a seat
 * first when its honour takes one). */
int intake_cases_recommend(intake_cases_t *self, ry_txn_t *txn,
                           const Rongyu__Request *req,
                           const intake_principal_t *p, intake_outcome_t *o);
/* CityDecision: the city awards (confirming the seat) or does not select
 * (releasing it). */
int intake_cases_city_decision(intake_cases_t *self, ry_txn_t *txn,
                               const Rongyu__Request *req,
                               const intake_principal_t *p, intake_outcome_t *o);
/* Withdraw: the applicant withdraws an undecided case (releasing a held
 * seat). */
int intake_cases_withdraw(intake_cases_t *self, ry_txn_t *txn,
                          const Rongyu__Request *req,
                          const intake_principal_t *p, intake_outcome_t *o);

/* Moves case c (as loaded from the store, the caller's) along event ev
 * for principal p (audited as 'actor'; NULL: "org (user) via key"): looks
 * its row up in intake_fsm (the facts from the case), refuses with
 * E_BAD_STATE when there is none, else applies the row: effects, the new state stored with its index rows, the audit entry
 * ('what', NULL for the row's; 'opinion') and the CaseEvent, all in txn.
 * Returns 0, -1 after intake_outcome_fail (E_BAD_STATE, E_DEADLINE_PASSED,
 * E_BUSY) or a store error. */
int intake_cases_step(intake_cases_t *self, ry_txn_t *txn, Rongyu__Case *c,
                      intake_event_t ev, const intake_principal_t *p,
                      const char *actor, const char *what,
                      const char *opinion, intake_outcome_t *o);

/* True in the states in which the organising unit's review is awaited
 * (submitted, eligible, ineligible): where a case can be overdue. */
bool intake_cases_awaits_review(Rongyu__CaseState st);

/* What a listing asks of the indexes: each field set narrows it. */
typedef struct {
    const char *applicant_org;   /* NULL or "": any */
    const char *const *applicants; /* with n_applicants > 0, in its place:
                                      the cases of any of them */
    size_t n_applicants;
    const char *organising_unit; /* NULL or "": any (unused with an org) */
    Rongyu__CaseState state;     /* 0: any */
    bool overdue;                /* review due before 'now' */
    int64_t now;
} intake_case_filter_t;

/* Called with a case id (borrowed for the call); returns 0 to go on, 1 to
 * stop, negative to stop with that error. */
typedef int (*intake_id_fn)(const char *id, void *arg);

/* Calls fn, in rising id order and after 'after' (NULL or "": from the
 * first), with the ids of the cases that may match f, read from the index
 * that fits f best (by_org_state or by_unit_state, with or without a
 * state; by_state; by_due; else every case; for several applicants, each
 * one's, merged): every matching case is among them,
 * so the caller still checks each case it loads. Returns 0 (also when fn
 * stopped with 1), fn's negative code, RY_EINVAL (a name too long for an
 * index) or a store error. */
int intake_cases_candidates(ry_txn_t *txn, const intake_case_filter_t *f,
                            const char *after, intake_id_fn fn, void *arg);

#endif
