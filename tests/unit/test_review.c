/* Tests of the case lifecycle after submission (intake_cases with
 * intake_orgs and intake_seats): every transition of the state machine,
 * allowed or refused; every forbidden actor; the organisation import; and
 * quota seats, answered by the real quota ledger run in-process on its
 * own store (SeatRequests are taken from intake's outbox, SeatResults
 * delivered back), also when requests and answers arrive twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intake_cases.h"
#include "intake_relay.h"
#include "intake_requests.h"
#include "quota_ledger.h"
#include "rongyu_services.pb-c.h"
#include "ry_clock.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_store.h"
#include "ut_intake_keys.h"
#include "ut_keys.h"
#include "ut_util.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_SIZE ((size_t)32 << 20)
#define CAMPAIGN "hangzhou-2018"
#define UNIT "萧山区"
#define OTHER_UNIT "余杭区"

static const char *const s_tables[] = {INTAKE_TABLES, NULL};
/* The organising unit of the cases made and of the unit principal. */
static char s_unit[64] = UNIT;
static const char *const s_qtables[] = {QUOTA_TABLES, RY_CHANNEL_TABLES, NULL};

typedef struct {
    char dir[256], qdir[256];
    ry_store_t *st, *qst;
    intake_cases_t *ic;
    ry_channel_t *ch;
    ry_campaigns_t *camps;
    uint64_t quota_seen; /* last outbox seq to quota handed to the ledger */
    uint64_t seq;        /* link seq of messages delivered to intake */
} fx_t;

/* Opens intake (its cases and its channel) on fx's store. */
static void
s_fx_open(fx_t *fx)
{
    intake_limits_t lim = {1 << 20, 100000};
    assert_int_equal(intake_cases_new(fx->st, &lim, &fx->ic), 0);
    ry_channel_opts_t o = {
        .self_id = "intake",
        .store = fx->st,
        .max_map_size = MAP_SIZE,
        .on_request = intake_requests_on_request,
        .on_message = intake_cases_on_message,
        .ctx = fx->ic,
        .keys = ut_keys("intake"),
    };
    assert_int_equal(ry_channel_new(&o, &fx->ch), 0);
    intake_cases_set_channel(fx->ic, fx->ch);
}

static fx_t *
s_fx_new(void)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    snprintf(s_unit, sizeof s_unit, "%s", UNIT);
    assert_int_equal(ut_tmpdir(fx->dir, sizeof fx->dir, "review"), 0);
    assert_int_equal(ut_tmpdir(fx->qdir, sizeof fx->qdir, "review-q"), 0);
    assert_int_equal(ry_store_open(&fx->st, fx->dir, MAP_SIZE, s_tables), 0);
    assert_int_equal(ry_store_open(&fx->qst, fx->qdir, MAP_SIZE, s_qtables), 0);
    s_fx_open(fx);
    assert_int_equal(ry_campaigns_new(&fx->camps), 0);
    return fx;
}

/* Opens intake on fx's store again, as a restart does. */
static void
s_fx_reopen(fx_t *fx)
{
    ry_channel_destroy(&fx->ch);
    intake_cases_destroy(&fx->ic);
    s_fx_open(fx);
}

static void
s_fx_destroy(fx_t **fx_p)
{
    fx_t *fx = *fx_p;
    ry_channel_destroy(&fx->ch);
    intake_cases_destroy(&fx->ic);
    ry_store_destroy(&fx->st);
    ry_store_destroy(&fx->qst);
    ry_campaigns_destroy(&fx->camps);
    assert_int_equal(ut_rmtree(fx->dir), 0);
    assert_int_equal(ut_rmtree(fx->qdir), 0);
    free(fx);
    *fx_p = NULL;
}

/* ------------------------------------------------------------ snapshot */

static int
s_hash_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    crypto_hash_sha256_state *h = arg;
    uint64_t n = key->len;
    crypto_hash_sha256_update(h, (const uint8_t *)&n, sizeof n);
    crypto_hash_sha256_update(h, key->data, key->len);
    n = val->len;
    crypto_hash_sha256_update(h, (const uint8_t *)&n, sizeof n);
    crypto_hash_sha256_update(h, val->data, val->len);
    return 0;
}

/* A digest of every intake table: equal digests, nothing changed. */
static void
s_snapshot(fx_t *fx, uint8_t out[32])
{
    static const char *const tables[] = {
        "cases",     "by_state",   "by_org_state", "by_unit_state", "by_due",
        "audit",     "idem",       "revisions",    "orgs",          "seats",
        "ry_outbox", "superseded", "verdicts",     "apps",          NULL};
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    for (int i = 0; tables[i]; i++)
        assert_int_equal(
            ry_txn_scan(txn, tables[i], NULL, 0, NULL, 0, s_hash_row, &h), 0);
    ry_txn_abort(&txn);
    crypto_hash_sha256_final(&h, out);
}

/* ------------------------------------------------------------ indexes */

/* After every committed change: the case indexes hold exactly the rows of
 * the stored cases. */
static void
s_index_agrees(fx_t *fx)
{
    ry_txn_t *txn;
    char why[300] = "";
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    int rc = intake_cases_index_check(txn, why, sizeof why);
    ry_txn_abort(&txn);
    if (rc)
        fail_msg("indexes and cases disagree: %s", why);
}

/* ------------------------------------------------------------ requests */

/* While 'on', every request sent and its answer, as bytes. */
#define S_TAPE_MAX 64
static struct {
    bool on;
    size_t n;
    uint8_t *req[S_TAPE_MAX], *rep[S_TAPE_MAX];
    size_t req_len[S_TAPE_MAX], rep_len[S_TAPE_MAX];
} s_tape;

static void
s_tape_clear(void)
{
    for (size_t i = 0; i < s_tape.n; i++) {
        free(s_tape.req[i]);
        free(s_tape.rep[i]);
    }
    memset(&s_tape, 0, sizeof s_tape);
}

/* Applies request frame buf in a write transaction (committed when the
 * handler keeps its writes, which it says in *rc_out unless NULL); returns
 * the reply's bytes (the caller's). */
static uint8_t *
s_send_bytes(fx_t *fx, const uint8_t *buf, size_t len, size_t *rlen,
             int *rc_out)
{
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    uint8_t *reply = NULL;
    *rlen = 0;
    int rc = intake_requests_on_request(fx->ic, txn, buf, len, &reply, rlen);
    if (rc_out)
        *rc_out = rc;
    if (rc == 0)
        assert_int_equal(ry_txn_commit(&txn), 0);
    else
        ry_txn_abort(&txn);
    s_index_agrees(fx);
    assert_non_null(reply);
    return reply;
}

static Rongyu__Reply *
s_send(fx_t *fx, Rongyu__Request *req)
{
    size_t len, rlen;
    uint8_t *buf = ry_pb_pack(&req->base, &len);
    /* Every request goes with the key of the principal it states. */
    ut_intake_as_request(fx->ic, fx->st, req);
    int rc;
    uint8_t *reply = s_send_bytes(fx, buf, len, &rlen, &rc);
    Rongyu__Reply *rep = rongyu__reply__unpack(NULL, rlen, reply);
    assert_non_null(rep);
    /* The handler keeps its writes exactly when it answers OK, or when it
     * discards an upload whose content is unlike its sha256. */
    bool discarded = rep->code == RONGYU__ERROR_CODE__E_INVALID &&
                     strcmp(rep->field_path, "upload.data") == 0;
    assert_int_equal(rc == 0, rep->code == RONGYU__ERROR_CODE__OK || discarded);
    if (s_tape.on) {
        assert_true(s_tape.n < S_TAPE_MAX);
        s_tape.req[s_tape.n] = buf;
        s_tape.req_len[s_tape.n] = len;
        s_tape.rep[s_tape.n] = reply;
        s_tape.rep_len[s_tape.n++] = rlen;
    } else {
        free(buf);
        free(reply);
    }
    return rep;
}

static void
s_free(Rongyu__Reply **rep)
{
    rongyu__reply__free_unpacked(*rep, NULL);
    *rep = NULL;
}

typedef struct {
    Rongyu__Request req;
    Rongyu__Principal who;
    Rongyu__Application app;
    Rongyu__Person person;
    Rongyu__SubmitRequest submit;
    Rongyu__SaveDraftRequest draft;
    Rongyu__SubmitDraftRequest sd;
    Rongyu__GetRequest get;
    Rongyu__ListRequest list;
    Rongyu__ReviewRequest review;
    Rongyu__RecommendRequest recommend;
    Rongyu__CityDecisionRequest decide;
    Rongyu__WithdrawRequest withdraw;
    Rongyu__OrgImportRequest imp;
    Rongyu__QuotaRequest quota;
    char key[32];  /* a fresh idempotency key per request */
    char name[32]; /* and a nominee of its own */
} rq_t;

static void
s_rq(rq_t *r, const char *org, const char *role)
{
    static const Rongyu__Request req = RONGYU__REQUEST__INIT;
    static const Rongyu__Principal who = RONGYU__PRINCIPAL__INIT;
    static const Rongyu__Application app = RONGYU__APPLICATION__INIT;
    static const Rongyu__Person person = RONGYU__PERSON__INIT;
    static const Rongyu__SubmitRequest submit = RONGYU__SUBMIT_REQUEST__INIT;
    static const Rongyu__SaveDraftRequest draft =
        RONGYU__SAVE_DRAFT_REQUEST__INIT;
    static const Rongyu__SubmitDraftRequest sd =
        RONGYU__SUBMIT_DRAFT_REQUEST__INIT;
    static const Rongyu__GetRequest get = RONGYU__GET_REQUEST__INIT;
    static const Rongyu__ListRequest list = RONGYU__LIST_REQUEST__INIT;
    static const Rongyu__ReviewRequest review = RONGYU__REVIEW_REQUEST__INIT;
    static const Rongyu__RecommendRequest rec = RONGYU__RECOMMEND_REQUEST__INIT;
    static const Rongyu__CityDecisionRequest dec =
        RONGYU__CITY_DECISION_REQUEST__INIT;
    static const Rongyu__WithdrawRequest wd = RONGYU__WITHDRAW_REQUEST__INIT;
    static const Rongyu__OrgImportRequest imp =
        RONGYU__ORG_IMPORT_REQUEST__INIT;
    static const Rongyu__QuotaRequest q = RONGYU__QUOTA_REQUEST__INIT;
    r->req = req;
    r->who = who;
    r->app = app;
    r->person = person;
    r->submit = submit;
    r->draft = draft;
    r->sd = sd;
    r->get = get;
    r->list = list;
    r->review = review;
    r->recommend = rec;
    r->decide = dec;
    r->withdraw = wd;
    r->imp = imp;
    r->quota = q;
    r->who.org_id = (char *)org;
    r->who.role = (char *)role;
    r->req.principal = &r->who;
    r->req.request_id = (char *)"r";
    static unsigned n_keys;
    snprintf(r->key, sizeof r->key, "k%u", ++n_keys);
    r->req.idempotency_key = r->key;
    /* An excellent worker of 'org' under UNIT, grassroots column. */
    r->app.campaign_id = (char *)CAMPAIGN;
    r->app.honour = RONGYU__HONOUR__EXCELLENT_WORKER;
    r->app.category = RONGYU__APPLICANT_CATEGORY__CADRE;
    r->app.applicant_org = (char *)org;
    r->app.organising_unit = (char *)s_unit;
    snprintf(r->name, sizeof r->name, "李秀英%u", n_keys);
    r->person.name = r->name;
    r->person.column = RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE;
    r->app.person = &r->person;
    r->submit.application = &r->app;
    r->draft.application = &r->app;
}

/* Submits (or saves as a draft) an application; returns the reply. */
static Rongyu__Reply *
s_submit(fx_t *fx, rq_t *r, bool draft)
{
    if (draft) {
        r->req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
        r->req.save_draft = &r->draft;
    } else {
        r->req.body_case = RONGYU__REQUEST__BODY_SUBMIT;
        r->req.submit = &r->submit;
    }
    return s_send(fx, &r->req);
}

static void
s_new_case(fx_t *fx, rq_t *r, bool draft, char id[17])
{
    Rongyu__Reply *rep = s_submit(fx, r, draft);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    memcpy(id, rep->case_->case_->case_id, 17);
    s_free(&rep);
}

typedef enum {
    A_APPROVE,
    A_RETURN,
    A_REJECT,
    A_RECOMMEND,
    A_AWARD,
    A_NOT_SELECTED,
    A_WITHDRAW,
    A_SUBMIT_DRAFT,
    A_EDIT,
    A_COUNT
} act_t;

static const char *const s_act_names[] = {
    "approve",      "return",   "reject",       "recommend", "award",
    "not_selected", "withdraw", "submit_draft", "edit"};

/* Sends action 'a' on case 'id' as (org, role) with an opinion. */
static Rongyu__Reply *
s_act(fx_t *fx, act_t a, const char *id, const char *org, const char *role)
{
    rq_t r;
    s_rq(&r, org, role);
    const char *op = "审批意见";
    switch (a) {
    case A_APPROVE:
    case A_RETURN:
    case A_REJECT:
        r.review.case_id = (char *)id;
        r.review.decision =
            a == A_APPROVE  ? RONGYU__REVIEW_DECISION__REVIEW_APPROVE
            : a == A_RETURN ? RONGYU__REVIEW_DECISION__REVIEW_RETURN
                            : RONGYU__REVIEW_DECISION__REVIEW_REJECT;
        r.review.opinion = (char *)op;
        r.req.body_case = RONGYU__REQUEST__BODY_REVIEW;
        r.req.review = &r.review;
        break;
    case A_RECOMMEND:
        r.recommend.case_id = (char *)id;
        r.recommend.opinion = (char *)op;
        r.req.body_case = RONGYU__REQUEST__BODY_RECOMMEND;
        r.req.recommend = &r.recommend;
        break;
    case A_AWARD:
    case A_NOT_SELECTED:
        r.decide.case_id = (char *)id;
        r.decide.decision = a == A_AWARD
                                ? RONGYU__CITY_DECISION__CITY_AWARD
                                : RONGYU__CITY_DECISION__CITY_NOT_SELECTED;
        r.decide.opinion = (char *)op;
        r.req.body_case = RONGYU__REQUEST__BODY_CITY_DECISION;
        r.req.city_decision = &r.decide;
        break;
    case A_WITHDRAW:
        r.withdraw.case_id = (char *)id;
        r.req.body_case = RONGYU__REQUEST__BODY_WITHDRAW;
        r.req.withdraw = &r.withdraw;
        break;
    case A_SUBMIT_DRAFT:
        r.sd.case_id = (char *)id;
        r.req.body_case = RONGYU__REQUEST__BODY_SUBMIT_DRAFT;
        r.req.submit_draft = &r.sd;
        break;
    case A_EDIT:
        r.draft.case_id = (char *)id;
        r.app.deeds = (char *)"修改后的事迹";
        r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
        r.req.save_draft = &r.draft;
        break;
    default: fail();
    }
    return s_send(fx, &r.req);
}

/* The principal entitled to do 'a' on a case of applicant 'org'. */
static void
s_actor_for(act_t a, const char *org, const char **who, const char **role)
{
    switch (a) {
    case A_APPROVE:
    case A_RETURN:
    case A_REJECT:
    case A_RECOMMEND: *who = s_unit, *role = "unit"; break;
    case A_AWARD:
    case A_NOT_SELECTED: *who = "city", *role = "city"; break;
    default: *who = org, *role = "grassroots"; break;
    }
}

static Rongyu__Reply *
s_do(fx_t *fx, act_t a, const char *id, const char *org)
{
    const char *who, *role;
    s_actor_for(a, org, &who, &role);
    return s_act(fx, a, id, who, role);
}

static void
s_do_ok(fx_t *fx, act_t a, const char *id, const char *org)
{
    Rongyu__Reply *rep = s_do(fx, a, id, org);
    if (rep->code != RONGYU__ERROR_CODE__OK)
        fail_msg("%s on %s: %d %s", s_act_names[a], id, rep->code, rep->detail);
    s_free(&rep);
}

static Rongyu__Case *
s_get(fx_t *fx, const char *id, Rongyu__Reply **holder)
{
    rq_t r;
    s_rq(&r, "city", "city");
    r.get.case_id = (char *)id;
    r.req.body_case = RONGYU__REQUEST__BODY_GET;
    r.req.get = &r.get;
    *holder = s_send(fx, &r.req);
    assert_int_equal((*holder)->code, RONGYU__ERROR_CODE__OK);
    return (*holder)->case_->case_;
}

static Rongyu__CaseState
s_state(fx_t *fx, const char *id)
{
    Rongyu__Reply *rep;
    Rongyu__CaseState st = s_get(fx, id, &rep)->state;
    s_free(&rep);
    return st;
}

/* ------------------------------------------------------------ messages */

static int
s_deliver(fx_t *fx, const char *sender, int type, const void *payload,
          size_t len)
{
    ry_msg_t m = {sender, ++fx->seq, type, "", payload, len};
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    int rc = intake_cases_on_message(fx->ic, txn, &m);
    if (rc == 0)
        assert_int_equal(ry_txn_commit(&txn), 0);
    else
        ry_txn_abort(&txn);
    s_index_agrees(fx);
    return rc;
}

static void
s_verdict(fx_t *fx, const char *id, uint32_t revision, bool eligible)
{
    Rongyu__Verdict v = RONGYU__VERDICT__INIT;
    v.eligible = eligible;
    v.ruleset = (char *)"2018.1";
    Rongyu__ValidationResult res = RONGYU__VALIDATION_RESULT__INIT;
    res.case_id = (char *)id;
    res.revision = revision;
    res.verdict = &v;
    size_t len;
    uint8_t *buf = ry_pb_pack(&res.base, &len);
    assert_int_equal(s_deliver(fx, "validation",
                               RONGYU__MESSAGE_TYPE__VALIDATION_RESULT, buf,
                               len),
                     0);
    free(buf);
}

typedef struct {
    fx_t *fx;
    uint64_t from;
    Rongyu__Envelope **env;
    size_t n;
} s_take_t;

static int
s_take_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    s_take_t *t = arg;
    if (key->len != 6 + 8)
        return 0;
    uint64_t seq = ry_be64_get((const uint8_t *)key->data + 6);
    if (seq <= t->from)
        return 0;
    t->env = realloc(t->env, (t->n + 1) * sizeof *t->env);
    assert_non_null(t->env);
    t->env[t->n] = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, val->data, val->len, 0);
    assert_non_null(t->env[t->n]);
    t->fx->quota_seen = seq;
    t->n++;
    return 0;
}

/* Hands every SeatRequest intake queued for quota since the last pump to
 * the quota ledger (its own store, one transaction each) and delivers the
 * answers to intake. With 'twice', each request is applied and each
 * answer delivered a second time, as after a resend. Returns how many. */
static size_t
s_pump(fx_t *fx, bool twice)
{
    s_take_t t = {fx, fx->quota_seen, NULL, 0};
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(
        ry_txn_scan(txn, "ry_outbox", "quota", 6, NULL, 0, s_take_row, &t), 0);
    ry_txn_abort(&txn);
    for (size_t i = 0; i < t.n; i++) {
        Rongyu__Envelope *e = t.env[i];
        assert_int_equal(e->type, RONGYU__MESSAGE_TYPE__SEAT_REQUEST);
        Rongyu__SeatRequest *sr =
            rongyu__seat_request__unpack(NULL, e->payload.len, e->payload.data);
        assert_non_null(sr);
        for (int k = 0; k < (twice ? 2 : 1); k++) {
            Rongyu__SeatResult res = RONGYU__SEAT_RESULT__INIT;
            ry_txn_t *q;
            assert_int_equal(ry_txn_begin(fx->qst, NULL, true, &q), 0);
            assert_int_equal(quota_ledger_apply(q, fx->camps, sr, &res), 0);
            size_t len;
            uint8_t *buf = ry_pb_pack(&res.base, &len);
            assert_int_equal(ry_txn_commit(&q), 0);
            assert_int_equal(s_deliver(fx, "quota",
                                       RONGYU__MESSAGE_TYPE__SEAT_RESULT, buf,
                                       len),
                             0);
            free(buf);
        }
        rongyu__seat_request__free_unpacked(sr, NULL);
        ry_pb_free(&t.env[i]);
    }
    free(t.env);
    return t.n;
}

/* ------------------------------------------------------------ states */

/* Creates a case of 'org' and drives it to state 'st'. */
static void
s_case_in(fx_t *fx, const char *org, Rongyu__CaseState st, char id[17])
{
    rq_t r;
    s_rq(&r, org, "grassroots");
    s_new_case(fx, &r, st == RONGYU__CASE_STATE__DRAFT, id);
    if (st == RONGYU__CASE_STATE__DRAFT || st == RONGYU__CASE_STATE__SUBMITTED)
        return;
    s_verdict(fx, id, 1, st != RONGYU__CASE_STATE__INELIGIBLE);
    switch (st) {
    case RONGYU__CASE_STATE__ELIGIBLE:
    case RONGYU__CASE_STATE__INELIGIBLE: return;
    case RONGYU__CASE_STATE__RETURNED: s_do_ok(fx, A_RETURN, id, org); return;
    case RONGYU__CASE_STATE__REJECTED: s_do_ok(fx, A_REJECT, id, org); return;
    case RONGYU__CASE_STATE__WITHDRAWN:
        s_do_ok(fx, A_WITHDRAW, id, org);
        return;
    default: break;
    }
    s_do_ok(fx, A_APPROVE, id, org);
    if (st == RONGYU__CASE_STATE__APPROVED)
        return;
    s_do_ok(fx, A_RECOMMEND, id, org);
    if (st == RONGYU__CASE_STATE__RECOMMENDING)
        return;
    s_pump(fx, false);
    if (st == RONGYU__CASE_STATE__RECOMMENDED)
        return;
    if (st == RONGYU__CASE_STATE__NOT_SELECTED) {
        s_do_ok(fx, A_NOT_SELECTED, id, org);
        return;
    }
    s_do_ok(fx, A_AWARD, id, org);
    if (st == RONGYU__CASE_STATE__SELECTING)
        return;
    s_pump(fx, false);
}

static const Rongyu__CaseState s_all_states[] = {
    RONGYU__CASE_STATE__DRAFT,       RONGYU__CASE_STATE__SUBMITTED,
    RONGYU__CASE_STATE__ELIGIBLE,    RONGYU__CASE_STATE__INELIGIBLE,
    RONGYU__CASE_STATE__RETURNED,    RONGYU__CASE_STATE__REJECTED,
    RONGYU__CASE_STATE__APPROVED,    RONGYU__CASE_STATE__RECOMMENDING,
    RONGYU__CASE_STATE__RECOMMENDED, RONGYU__CASE_STATE__SELECTING,
    RONGYU__CASE_STATE__AWARDED,     RONGYU__CASE_STATE__NOT_SELECTED,
    RONGYU__CASE_STATE__WITHDRAWN,
};
#define S_NSTATES (sizeof s_all_states / sizeof s_all_states[0])

/* The transition table of docs/review.md: may 'a' be done in state st? */
static bool
s_allowed(act_t a, Rongyu__CaseState st)
{
    switch (a) {
    case A_APPROVE: return st == RONGYU__CASE_STATE__ELIGIBLE;
    case A_RETURN:
    case A_REJECT:
        return st == RONGYU__CASE_STATE__ELIGIBLE ||
               st == RONGYU__CASE_STATE__INELIGIBLE ||
               st == RONGYU__CASE_STATE__APPROVED;
    case A_RECOMMEND: return st == RONGYU__CASE_STATE__APPROVED;
    case A_AWARD:
    case A_NOT_SELECTED: return st == RONGYU__CASE_STATE__RECOMMENDED;
    case A_WITHDRAW:
        return st == RONGYU__CASE_STATE__DRAFT ||
               st == RONGYU__CASE_STATE__SUBMITTED ||
               st == RONGYU__CASE_STATE__ELIGIBLE ||
               st == RONGYU__CASE_STATE__INELIGIBLE ||
               st == RONGYU__CASE_STATE__RETURNED ||
               st == RONGYU__CASE_STATE__APPROVED ||
               st == RONGYU__CASE_STATE__RECOMMENDED;
    case A_SUBMIT_DRAFT: return st == RONGYU__CASE_STATE__DRAFT;
    case A_EDIT:
        return st == RONGYU__CASE_STATE__DRAFT ||
               st == RONGYU__CASE_STATE__RETURNED;
    default: return false;
    }
}

/* The state an allowed action leads to (seat actions: the pending one). */
static Rongyu__CaseState
s_target(act_t a, Rongyu__CaseState from)
{
    switch (a) {
    case A_APPROVE: return RONGYU__CASE_STATE__APPROVED;
    case A_RETURN: return RONGYU__CASE_STATE__RETURNED;
    case A_REJECT: return RONGYU__CASE_STATE__REJECTED;
    case A_RECOMMEND: return RONGYU__CASE_STATE__RECOMMENDING;
    case A_AWARD: return RONGYU__CASE_STATE__SELECTING;
    case A_NOT_SELECTED: return RONGYU__CASE_STATE__NOT_SELECTED;
    case A_WITHDRAW: return RONGYU__CASE_STATE__WITHDRAWN;
    case A_SUBMIT_DRAFT: return RONGYU__CASE_STATE__SUBMITTED;
    default: (void)from; return RONGYU__CASE_STATE__DRAFT;
    }
}

/* ------------------------------------------------------------ tests */

static void
test_every_transition_is_allowed_or_refused_as_the_table_says(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    int refused = 0, done = 0;
    for (size_t s = 0; s < S_NSTATES; s++) {
        Rongyu__CaseState st = s_all_states[s];
        for (int a = 0; a < A_COUNT; a++) {
            char org[32], id[17];
            snprintf(org, sizeof org, "org-%zu-%d", s, a);
            /* Spread the cases over the units, so no column fills up. */
            const ry_campaign_t *camp = ry_campaigns_at(fx->camps, 0);
            snprintf(
                s_unit, sizeof s_unit, "%s",
                ry_campaign_unit_name(camp, (s * A_COUNT + (size_t)a) %
                                                ry_campaign_unit_count(camp)));
            s_case_in(fx, org, st, id);
            assert_int_equal(s_state(fx, id), st);
            uint8_t before[32], after[32];
            s_snapshot(fx, before);
            Rongyu__Reply *rep = s_do(fx, (act_t)a, id, org);
            if (s_allowed((act_t)a, st)) {
                if (rep->code != RONGYU__ERROR_CODE__OK)
                    fail_msg("%s from %d refused: %s", s_act_names[a], st,
                             rep->detail);
                assert_int_equal(s_state(fx, id), s_target((act_t)a, st));
                done++;
            } else {
                if (rep->code != RONGYU__ERROR_CODE__E_BAD_STATE)
                    fail_msg("%s from %d: want E_BAD_STATE, got %d (%s)",
                             s_act_names[a], st, rep->code, rep->detail);
                assert_non_null(strstr(rep->detail, id));
                s_snapshot(fx, after);
                assert_memory_equal(before, after, 32);
                refused++;
            }
            s_free(&rep);
            /* Give back a seat the case holds only for this step. */
            s_pump(fx, false);
            if (s_state(fx, id) == RONGYU__CASE_STATE__RECOMMENDED) {
                s_do_ok(fx, A_WITHDRAW, id, org);
                s_pump(fx, false);
            }
        }
    }
    snprintf(s_unit, sizeof s_unit, "%s", UNIT);
    assert_int_equal(done + refused, (int)S_NSTATES * A_COUNT);
    assert_true(refused > 80);
    s_fx_destroy(&fx);
}

static void
test_decision_without_opinion_is_missing_field_and_changes_nothing(void **s)
{
    (void)s;
    fx_t *fx = s_fx_new();
    char id[17];
    s_case_in(fx, "org-1", RONGYU__CASE_STATE__ELIGIBLE, id);
    uint8_t before[32], after[32];
    s_snapshot(fx, before);
    rq_t r;
    s_rq(&r, UNIT, "unit");
    r.review.case_id = id;
    r.review.decision = RONGYU__REVIEW_DECISION__REVIEW_APPROVE;
    r.req.body_case = RONGYU__REQUEST__BODY_REVIEW;
    r.req.review = &r.review;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    s_free(&rep);
    r.review.opinion = (char *)"ok";
    r.review.decision = 0;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    s_free(&rep);
    s_rq(&r, "city", "city");
    r.decide.case_id = id;
    r.decide.decision = RONGYU__CITY_DECISION__CITY_AWARD;
    r.req.body_case = RONGYU__REQUEST__BODY_CITY_DECISION;
    r.req.city_decision = &r.decide;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    s_free(&rep);
    s_snapshot(fx, after);
    assert_memory_equal(before, after, 32);
    s_fx_destroy(&fx);
}

/* Reply bytes packed again without their request id. */
static uint8_t *
s_without_request_id(const uint8_t *rep, size_t len, size_t *out_len)
{
    Rongyu__Reply *r = rongyu__reply__unpack(NULL, len, rep);
    assert_non_null(r);
    char *id = r->request_id;
    r->request_id = (char *)"";
    uint8_t *out = ry_pb_pack(&r->base, out_len);
    r->request_id = id;
    rongyu__reply__free_unpacked(r, NULL);
    return out;
}

/* The value of every "idem" row is short (no copy of the case); returns
 * how many there are. */
static int
s_idem_row_short(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    if (val->len > 100)
        fail_msg("an idem row of %zu bytes", val->len);
    ++*(int *)arg;
    return 0;
}

static void
test_a_retry_gets_its_first_answer_however_the_case_moved_on(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    char id[17], id2[17];
    rq_t r;
    s_tape.on = true;
    /* A draft, edited, submitted, returned, revised as a draft edited
     * again, resubmitted, approved, recommended and withdrawn. */
    s_rq(&r, "org-1", "grassroots");
    r.app.deeds = (char *)"初稿";
    s_new_case(fx, &r, true, id);
    s_do_ok(fx, A_EDIT, id, "org-1");
    s_do_ok(fx, A_SUBMIT_DRAFT, id, "org-1");
    s_tape.on = false;
    s_verdict(fx, id, 1, true);
    s_tape.on = true;
    s_do_ok(fx, A_RETURN, id, "org-1");
    s_do_ok(fx, A_EDIT, id, "org-1"); /* revision 2 */
    s_rq(&r, "org-1", "grassroots");
    r.app.deeds = (char *)"第二版事迹";
    r.draft.case_id = id;
    Rongyu__Reply *rep = s_submit(fx, &r, true);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->case_->case_->revision, 2);
    s_free(&rep);
    s_do_ok(fx, A_SUBMIT_DRAFT, id, "org-1");
    s_tape.on = false;
    s_verdict(fx, id, 2, true);
    s_tape.on = true;
    s_do_ok(fx, A_APPROVE, id, "org-1");
    s_do_ok(fx, A_RECOMMEND, id, "org-1");
    s_tape.on = false;
    assert_int_equal(s_pump(fx, false), 1);
    s_tape.on = true;
    s_do_ok(fx, A_WITHDRAW, id, "org-1");
    /* A submission answered before its verdict, then rejected. */
    s_rq(&r, "org-2", "grassroots");
    s_new_case(fx, &r, false, id2);
    s_tape.on = false;
    s_verdict(fx, id2, 1, false);
    s_tape.on = true;
    s_do_ok(fx, A_REJECT, id2, "org-2");
    s_tape.on = false;
    s_pump(fx, false);
    assert_int_equal(s_state(fx, id), RONGYU__CASE_STATE__WITHDRAWN);
    assert_int_equal(s_tape.n, 12);

    /* Every request resent, with another request id: its first answer,
     * byte for byte but the id, and nothing done again. */
    ry_txn_t *txn;
    int rows = 0;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_scan(txn, "idem", NULL, 0, NULL, 0,
                                 s_idem_row_short, &rows),
                     0);
    ry_txn_abort(&txn);
    assert_int_equal(rows, 12);
    uint8_t before[32], after[32];
    s_snapshot(fx, before);
    for (size_t i = 0; i < s_tape.n; i++) {
        Rongyu__Request *q =
            rongyu__request__unpack(NULL, s_tape.req_len[i], s_tape.req[i]);
        assert_non_null(q);
        char *orig = q->request_id;
        q->request_id = (char *)"retry";
        size_t len, rlen, a_len, b_len;
        uint8_t *buf = ry_pb_pack(&q->base, &len);
        q->request_id = orig;
        ut_intake_as_request(fx->ic, fx->st, q);
        uint8_t *again = s_send_bytes(fx, buf, len, &rlen, NULL);
        Rongyu__Reply *got = rongyu__reply__unpack(NULL, rlen, again);
        assert_non_null(got);
        assert_int_equal(got->code, RONGYU__ERROR_CODE__OK);
        assert_string_equal(got->request_id, "retry");
        rongyu__reply__free_unpacked(got, NULL);
        uint8_t *a = s_without_request_id(s_tape.rep[i], s_tape.rep_len[i],
                                          &a_len);
        uint8_t *b = s_without_request_id(again, rlen, &b_len);
        if (a_len != b_len || memcmp(a, b, a_len) != 0)
            fail_msg("request %zu (%s): the retry's answer differs from the "
                     "first (%zu and %zu bytes)",
                     i, q->idempotency_key, a_len, b_len);
        free(a);
        free(b);
        free(again);
        free(buf);
        rongyu__request__free_unpacked(q, NULL);
    }
    s_snapshot(fx, after);
    assert_memory_equal(before, after, 32);

    /* What the answers showed then: the first draft's text, revision 1
     * submitted without a verdict, revision 2's edits. */
    Rongyu__Reply *first =
        rongyu__reply__unpack(NULL, s_tape.rep_len[0], s_tape.rep[0]);
    assert_int_equal(first->case_->case_->state, RONGYU__CASE_STATE__DRAFT);
    assert_string_equal(first->case_->case_->application->deeds, "初稿");
    s_free(&first);
    first = rongyu__reply__unpack(NULL, s_tape.rep_len[10], s_tape.rep[10]);
    assert_int_equal(first->case_->case_->state,
                     RONGYU__CASE_STATE__SUBMITTED);
    assert_null(first->case_->case_->verdict);
    s_free(&first);
    first = rongyu__reply__unpack(NULL, s_tape.rep_len[11], s_tape.rep[11]);
    assert_int_equal(first->case_->case_->state, RONGYU__CASE_STATE__REJECTED);
    assert_non_null(first->case_->case_->verdict);
    s_free(&first);

    /* Another request under a used key: E_CONFLICT, nothing changes. */
    Rongyu__Request *q =
        rongyu__request__unpack(NULL, s_tape.req_len[3], s_tape.req[3]);
    assert_non_null(q);
    assert_int_equal(q->body_case, RONGYU__REQUEST__BODY_REVIEW);
    char *opinion = q->review->opinion;
    q->review->opinion = (char *)"另一意见";
    ut_intake_as_request(fx->ic, fx->st, q);
    size_t len, rlen;
    uint8_t *buf = ry_pb_pack(&q->base, &len);
    uint8_t *again = s_send_bytes(fx, buf, len, &rlen, NULL);
    rep = rongyu__reply__unpack(NULL, rlen, again);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_CONFLICT);
    s_free(&rep);
    free(again);
    free(buf);
    q->review->opinion = opinion;
    rongyu__request__free_unpacked(q, NULL);
    s_snapshot(fx, after);
    assert_memory_equal(before, after, 32);
    s_tape_clear();
    s_fx_destroy(&fx);
}

static const char s_orgs_csv[][5][64] = {
    {"city", "杭州市总工会基层工作部", "city", "", ""},
    {UNIT, "杭州市萧山区总工会", "unit", "city", UNIT},
    {OTHER_UNIT, "杭州市余杭区总工会", "unit", "city", OTHER_UNIT},
    {"g1", "甲公司工会", "grassroots", UNIT, UNIT},
    {"b1", "甲公司工会一分会", "branch", "g1", UNIT},
    {"t1", "甲公司工会一分会一组", "group", "b1", UNIT},
    {"g2", "乙公司工会", "grassroots", UNIT, UNIT},
    {"y1", "丙公司工会", "grassroots", OTHER_UNIT, OTHER_UNIT},
};
#define S_NORGS (sizeof s_orgs_csv / sizeof s_orgs_csv[0])

static Rongyu__OrgKind
s_kind(const char *k)
{
    if (strcmp(k, "city") == 0)
        return RONGYU__ORG_KIND__ORG_CITY;
    if (strcmp(k, "unit") == 0)
        return RONGYU__ORG_KIND__ORG_UNIT;
    if (strcmp(k, "branch") == 0)
        return RONGYU__ORG_KIND__ORG_BRANCH;
    if (strcmp(k, "group") == 0)
        return RONGYU__ORG_KIND__ORG_GROUP;
    return RONGYU__ORG_KIND__ORG_GRASSROOTS;
}

/* Imports rows [0, n) of s_orgs_csv (with 'patch' applied to row
 * patch_row, when given) as (org, role); returns the reply. */
static Rongyu__Reply *
s_import(fx_t *fx, const char *org, const char *role, size_t n, int patch_row,
         int patch_col, const char *patch)
{
    Rongyu__Organisation v[S_NORGS + 1];
    Rongyu__Organisation *p[S_NORGS + 1];
    char cells[S_NORGS + 1][5][64];
    memcpy(cells, s_orgs_csv, sizeof s_orgs_csv);
    if (patch_row >= 0) {
        if ((size_t)patch_row == S_NORGS)
            memcpy(cells[S_NORGS], cells[S_NORGS - 1], sizeof cells[0]);
        snprintf(cells[patch_row][patch_col], 64, "%s", patch);
    }
    for (size_t i = 0; i < n; i++) {
        Rongyu__Organisation init = RONGYU__ORGANISATION__INIT;
        v[i] = init;
        v[i].id = cells[i][0];
        v[i].name = cells[i][1];
        v[i].kind = strcmp(cells[i][2], "bogus") == 0 ? 0 : s_kind(cells[i][2]);
        v[i].parent_id = cells[i][3];
        v[i].organising_unit = cells[i][4];
        p[i] = &v[i];
    }
    rq_t r;
    s_rq(&r, org, role);
    r.imp.orgs = p;
    r.imp.n_orgs = n;
    r.req.body_case = RONGYU__REQUEST__BODY_ORG_IMPORT;
    r.req.org_import = &r.imp;
    return s_send(fx, &r.req);
}

static void
s_import_ok(fx_t *fx)
{
    Rongyu__Reply *rep = s_import(fx, "city", "city", S_NORGS, -1, 0, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
}

static void
test_org_import_is_validated_all_or_nothing_and_idempotent(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    static const struct {
        int row, col;
        const char *value;
        const char *why;
    } bad[] = {
        {3, 3, "nobody", "neither in the file"},       /* unknown parent */
        {3, 4, OTHER_UNIT, "differs from its parent"}, /* unit mismatch */
        {3, 4, "火星区", "not an Annex 1 row"},        /* unknown unit */
        {4, 3, "g2", ""},                              /* (valid) */
        {5, 3, UNIT, "cannot be under"},               /* group under unit */
        {1, 3, "g1", "cannot be under"},               /* unit under union */
        {0, 3, UNIT, "no parent"},                     /* city with parent */
        {6, 1, "", "name is empty"},
        {6, 2, "bogus", "kind must be"},
        {8, 0, "g2", "appears twice"}, /* duplicate id */
        {3, 3, "g2", "cycle"}, /* g1 -> g2 -> ... needs g2 -> g1 below */
    };
    uint8_t empty[32], now[32];
    s_snapshot(fx, empty);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (!bad[i].why[0] || strcmp(bad[i].why, "cycle") == 0)
            continue;
        size_t n = bad[i].row == (int)S_NORGS ? S_NORGS + 1 : S_NORGS;
        if (bad[i].row == 8)
            n = S_NORGS + 1;
        Rongyu__Reply *rep = s_import(
            fx, "city", "city", n, bad[i].row == 8 ? (int)S_NORGS : bad[i].row,
            bad[i].col, bad[i].value);
        if (rep->code != RONGYU__ERROR_CODE__E_INVALID ||
            !strstr(rep->detail, bad[i].why))
            fail_msg("case %zu: code %d, detail '%s', want '%s'", i, rep->code,
                     rep->detail, bad[i].why);
        s_free(&rep);
        s_snapshot(fx, now);
        assert_memory_equal(empty, now, 32);
    }
    /* Only the city imports. */
    Rongyu__Reply *rep = s_import(fx, UNIT, "unit", S_NORGS, -1, 0, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    s_free(&rep);
    rep = s_import(fx, "g1", "grassroots", S_NORGS, -1, 0, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    s_free(&rep);
    /* The good file: all added; again: all unchanged. */
    rep = s_import(fx, "city", "city", S_NORGS, -1, 0, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->orgs->added, S_NORGS);
    s_free(&rep);
    s_snapshot(fx, empty);
    rep = s_import(fx, "city", "city", S_NORGS, -1, 0, NULL);
    assert_int_equal(rep->orgs->added, 0);
    assert_int_equal(rep->orgs->updated, 0);
    assert_int_equal(rep->orgs->unchanged, S_NORGS);
    s_free(&rep);
    /* A grassroots federation cycle: g1 under g2 while g2 is under g1. */
    rep = s_import(fx, "city", "city", 4, 3, 3, "g2");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    {
        Rongyu__Organisation o = RONGYU__ORGANISATION__INIT;
        o.id = (char *)"g2";
        o.name = (char *)"乙公司工会";
        o.kind = RONGYU__ORG_KIND__ORG_GRASSROOTS;
        o.parent_id = (char *)"g1";
        o.organising_unit = (char *)UNIT;
        Rongyu__Organisation *p[1] = {&o};
        rq_t r;
        s_rq(&r, "city", "city");
        r.imp.orgs = p;
        r.imp.n_orgs = 1;
        r.req.body_case = RONGYU__REQUEST__BODY_ORG_IMPORT;
        r.req.org_import = &r.imp;
        rep = s_send(fx, &r.req);
        assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
        assert_non_null(strstr(rep->detail, "cycle"));
        s_free(&rep);
    }
    /* The list holds every organisation, in id order. */
    rq_t r;
    s_rq(&r, "g1", "grassroots");
    r.req.body_case = RONGYU__REQUEST__BODY_ORG_LIST;
    Rongyu__OrgListRequest ol = RONGYU__ORG_LIST_REQUEST__INIT;
    r.req.org_list = &ol;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->orgs->n_orgs, S_NORGS);
    for (size_t i = 1; i < rep->orgs->n_orgs; i++)
        assert_true(strcmp(rep->orgs->orgs[i - 1]->id, rep->orgs->orgs[i]->id) <
                    0);
    s_free(&rep);
    s_fx_destroy(&fx);
}

/* Expects (org, role) doing 'a' on 'id' to be refused, changing nothing:
 * E_FORBIDDEN when it may see the case, E_NOT_FOUND when it may not. */
static void
s_forbidden(fx_t *fx, act_t a, const char *id, const char *org,
            const char *role)
{
    uint8_t before[32], after[32];
    s_snapshot(fx, before);
    Rongyu__Reply *rep = s_act(fx, a, id, org, role);
    if (rep->code != RONGYU__ERROR_CODE__E_FORBIDDEN &&
        rep->code != RONGYU__ERROR_CODE__E_NOT_FOUND)
        fail_msg("%s by %s (%s): want E_FORBIDDEN or E_NOT_FOUND, got %d "
                 "(%s)", s_act_names[a],
                 org, role, rep->code, rep->detail);
    s_free(&rep);
    s_snapshot(fx, after);
    assert_memory_equal(before, after, 32);
}

static void
s_allowed_by(fx_t *fx, act_t a, const char *id, const char *org,
             const char *role)
{
    Rongyu__Reply *rep = s_act(fx, a, id, org, role);
    if (rep->code != RONGYU__ERROR_CODE__OK)
        fail_msg("%s by %s (%s): %d %s", s_act_names[a], org, role, rep->code,
                 rep->detail);
    s_free(&rep);
}

/* The cases grassroots union 'org' lists of 'applicant' ("": no
 * applicant given), on the page after *after when after is not NULL
 * (one case a page; *after is then set to the page's next_after). */
static size_t
s_list_count(fx_t *fx, const char *org, const char *applicant, char *after)
{
    rq_t r;
    s_rq(&r, org, "grassroots");
    r.list.applicant_org = (char *)applicant;
    if (after) {
        r.list.after_case_id = after;
        r.list.limit = 1;
    }
    r.req.body_case = RONGYU__REQUEST__BODY_LIST;
    r.req.list = &r.list;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    size_t n = rep->list->n_cases;
    if (after)
        snprintf(after, 40, "%s", n ? rep->list->cases[0]->case_id : "");
    s_free(&rep);
    return n;
}

static void
test_every_forbidden_actor_is_refused_by_the_tree(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    s_import_ok(fx);

    /* Submitting for branch b1: its grassroots union g1 may, others not. */
    static const struct {
        const char *org, *role;
    } not_for_b1[] = {{"g2", "grassroots"}, {"y1", "grassroots"},
                      {"t1", "grassroots"}, {UNIT, "unit"},
                      {OTHER_UNIT, "unit"}, {"city", "city"},
                      {"g1", "unit"},       {"stranger", "grassroots"}};
    for (size_t i = 0; i < sizeof not_for_b1 / sizeof not_for_b1[0]; i++) {
        rq_t r;
        s_rq(&r, not_for_b1[i].org, not_for_b1[i].role);
        r.app.applicant_org = (char *)"b1";
        Rongyu__Reply *rep = s_submit(fx, &r, false);
        if (rep->code != RONGYU__ERROR_CODE__E_FORBIDDEN)
            fail_msg("submit for b1 by %s: %d", not_for_b1[i].org, rep->code);
        s_free(&rep);
    }
    rq_t r;
    s_rq(&r, "g1", "grassroots");
    r.app.applicant_org = (char *)"b1";
    char id[17];
    s_new_case(fx, &r, false, id);
    /* Group t1 under b1 under g1: g1 acts for it too. */
    s_rq(&r, "g1", "grassroots");
    r.app.applicant_org = (char *)"t1";
    char tid[17];
    s_new_case(fx, &r, false, tid);
    s_verdict(fx, id, 1, true);

    /* Reading. */
    static const struct {
        const char *org, *role;
        bool ok;
    } readers[] = {{"b1", "grassroots", true},  {"g1", "grassroots", true},
                   {UNIT, "unit", true},        {"city", "city", true},
                   {"g2", "grassroots", false}, {"t1", "grassroots", false},
                   {OTHER_UNIT, "unit", false}, {"y1", "grassroots", false},
                   {"g1", "city", false}};
    for (size_t i = 0; i < sizeof readers / sizeof readers[0]; i++) {
        s_rq(&r, readers[i].org, readers[i].role);
        r.get.case_id = id;
        r.req.body_case = RONGYU__REQUEST__BODY_GET;
        r.req.get = &r.get;
        Rongyu__Reply *rep = s_send(fx, &r.req);
        if ((rep->code == RONGYU__ERROR_CODE__OK) != readers[i].ok)
            fail_msg("get by %s (%s): %d", readers[i].org, readers[i].role,
                     rep->code);
        s_free(&rep);
    }

    /* The review: only 萧山区. */
    s_forbidden(fx, A_APPROVE, id, "g1", "grassroots");
    s_forbidden(fx, A_APPROVE, id, "b1", "grassroots");
    s_forbidden(fx, A_APPROVE, id, OTHER_UNIT, "unit");
    s_forbidden(fx, A_APPROVE, id, "city", "city");
    s_forbidden(fx, A_APPROVE, id, "g2", "unit"); /* registered grassroots */
    s_forbidden(fx, A_RETURN, id, OTHER_UNIT, "unit");
    s_forbidden(fx, A_REJECT, id, "g1", "grassroots");
    s_allowed_by(fx, A_APPROVE, id, UNIT, "unit");
    s_forbidden(fx, A_RECOMMEND, id, OTHER_UNIT, "unit");
    s_forbidden(fx, A_RECOMMEND, id, "g1", "grassroots");
    s_forbidden(fx, A_RECOMMEND, id, "city", "city");
    s_allowed_by(fx, A_RECOMMEND, id, UNIT, "unit");
    assert_int_equal(s_pump(fx, false), 1);
    assert_int_equal(s_state(fx, id), RONGYU__CASE_STATE__RECOMMENDED);
    /* The city's review: only the city. */
    s_forbidden(fx, A_AWARD, id, UNIT, "unit");
    s_forbidden(fx, A_AWARD, id, "g1", "grassroots");
    s_forbidden(fx, A_NOT_SELECTED, id, OTHER_UNIT, "unit");
    s_forbidden(fx, A_AWARD, id, UNIT, "city"); /* registered unit */
    /* Withdrawal: the applicant and its grassroots union only. */
    s_forbidden(fx, A_WITHDRAW, id, "g2", "grassroots");
    s_forbidden(fx, A_WITHDRAW, id, UNIT, "unit");
    s_forbidden(fx, A_WITHDRAW, id, "city", "city");
    s_forbidden(fx, A_WITHDRAW, tid, "g2", "grassroots"); /* a sibling */
    s_allowed_by(fx, A_WITHDRAW, tid, "g1", "grassroots");
    s_allowed_by(fx, A_AWARD, id, "city", "city");
    assert_int_equal(s_pump(fx, false), 1);
    assert_int_equal(s_state(fx, id), RONGYU__CASE_STATE__AWARDED);

    /* A leadership-organ cadre: the unit may apply for its own organ, but
     * only the city reviews and recommends (the 8 central seats). */
    s_rq(&r, UNIT, "unit");
    r.person.column = RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN;
    char lid[17];
    s_new_case(fx, &r, false, lid);
    s_verdict(fx, lid, 1, true);
    s_forbidden(fx, A_APPROVE, lid, UNIT, "unit");
    s_allowed_by(fx, A_APPROVE, lid, "city", "city");
    s_forbidden(fx, A_RECOMMEND, lid, UNIT, "unit");
    s_allowed_by(fx, A_RECOMMEND, lid, "platform-backend", "platform");
    assert_int_equal(s_pump(fx, false), 1);
    assert_int_equal(s_state(fx, lid), RONGYU__CASE_STATE__RECOMMENDED);

    /* A registered applicant's unit must be its registered one. */
    s_rq(&r, "y1", "grassroots");
    r.app.organising_unit = (char *)UNIT;
    Rongyu__Reply *rep = s_submit(fx, &r, false);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_non_null(strstr(rep->detail, OTHER_UNIT));
    s_free(&rep);

    /* Lists follow the same rules. */
    s_rq(&r, "g1", "grassroots");
    r.list.applicant_org = (char *)"b1";
    r.req.body_case = RONGYU__REQUEST__BODY_LIST;
    r.req.list = &r.list;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->list->n_cases, 1);
    s_free(&rep);
    s_rq(&r, "g2", "grassroots");
    r.list.applicant_org = (char *)"b1";
    r.req.body_case = RONGYU__REQUEST__BODY_LIST;
    r.req.list = &r.list;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    s_free(&rep);
    s_rq(&r, OTHER_UNIT, "unit");
    r.req.body_case = RONGYU__REQUEST__BODY_LIST;
    r.req.list = &r.list;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->list->n_cases, 0);
    s_free(&rep);
    /* A union without an applicant: its own cases and its branch's and
     * group's, in id order, paged; its sibling sees none of them. */
    size_t own = s_list_count(fx, "g1", "g1", NULL),
           branch = s_list_count(fx, "g1", "b1", NULL),
           group = s_list_count(fx, "g1", "t1", NULL);
    assert_true(branch > 0 && group > 0);
    char last[40] = "";
    assert_int_equal(s_list_count(fx, "g1", "", NULL), own + branch + group);
    size_t paged = 0;
    for (;;) {
        size_t n = s_list_count(fx, "g1", "", last);
        if (!n)
            break;
        paged += n;
    }
    assert_int_equal(paged, own + branch + group);
    assert_int_equal(s_list_count(fx, "g2", "", NULL),
                     s_list_count(fx, "g2", "g2", NULL));
    s_fx_destroy(&fx);
}

/* The quota table row of UNIT for column col (as intake mirrors it). */
static void
s_quota_row(fx_t *fx, Rongyu__QuotaColumn col, uint32_t *used,
            uint32_t *pending, int32_t *cap)
{
    rq_t r;
    s_rq(&r, "city", "city");
    r.quota.organising_unit = (char *)UNIT;
    r.req.body_case = RONGYU__REQUEST__BODY_QUOTA;
    r.req.quota = &r.quota;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    bool found = false;
    for (size_t i = 0; i < rep->quota->n_rows; i++) {
        const Rongyu__QuotaRow *q = rep->quota->rows[i];
        if (strcmp(q->organising_unit, UNIT) == 0 && q->column == col) {
            *used = q->used;
            *pending = q->pending;
            *cap = q->cap;
            found = true;
        }
    }
    assert_true(found);
    s_free(&rep);
}

/* Every row of the quota table names its column, the city-wide model
 * homes as a selection (入选), and the columns add up to 8 + 23 + 79. */
static void
test_quota_table_names_every_column(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    rq_t r;
    s_rq(&r, "city", "city");
    r.req.body_case = RONGYU__REQUEST__BODY_QUOTA;
    r.req.quota = &r.quota;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    int sum[40] = {0}, city_model = 0;
    for (size_t i = 0; i < rep->quota->n_rows; i++) {
        const Rongyu__QuotaRow *q = rep->quota->rows[i];
        assert_int_not_equal(q->column,
                             RONGYU__QUOTA_COLUMN__COLUMN_UNSPECIFIED);
        if (q->honour == RONGYU__HONOUR__MODEL_HOME && !q->organising_unit[0]) {
            assert_int_equal(q->column,
                             RONGYU__QUOTA_COLUMN__MODEL_HOME_SELECTION);
            city_model = q->cap;
        }
        if (q->honour == RONGYU__HONOUR__MODEL_HOME && q->organising_unit[0])
            assert_int_equal(q->column,
                             RONGYU__QUOTA_COLUMN__MODEL_HOME_RECOMMENDATION);
        if (q->honour == RONGYU__HONOUR__EXCELLENT_WORKER && q->cap > 0)
            sum[q->column] += q->cap;
    }
    assert_int_equal(city_model, 20);
    assert_int_equal(sum[RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN], 8);
    assert_int_equal(sum[RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE], 23);
    assert_int_equal(sum[RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE], 79);
    s_free(&rep);
    s_fx_destroy(&fx);
}

static void
test_seats_are_granted_up_to_the_cap_once_also_when_resent(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    enum { N = 8, CAP = 6 };
    char ids[N][17];
    for (int i = 0; i < N; i++) {
        char org[16];
        snprintf(org, sizeof org, "w%d", i);
        s_case_in(fx, org, RONGYU__CASE_STATE__APPROVED, ids[i]);
        s_do_ok(fx, A_RECOMMEND, ids[i], org);
    }
    uint32_t used, pending;
    int32_t cap;
    s_quota_row(fx, RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE, &used, &pending,
                &cap);
    assert_int_equal(used, 0);
    assert_int_equal(pending, N);
    assert_int_equal(cap, CAP);
    /* Every request applied twice by quota, every answer delivered twice. */
    assert_int_equal(s_pump(fx, true), N);
    int granted = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        Rongyu__Reply *rep;
        const Rongyu__Case *c = s_get(fx, ids[i], &rep);
        if (c->state == RONGYU__CASE_STATE__RECOMMENDED) {
            granted++;
        } else {
            assert_int_equal(c->state, RONGYU__CASE_STATE__APPROVED);
            assert_non_null(strstr(c->note, UNIT));
            assert_non_null(strstr(c->note, "grassroots_cadre"));
            assert_non_null(strstr(c->note, "used 6 of 6"));
            const Rongyu__AuditEntry *last =
                rep->case_->audit[rep->case_->n_audit - 1];
            assert_string_equal(last->actor, "quota");
            assert_string_equal(last->what, "recommendation refused");
            assert_string_equal(last->opinion, c->note);
            refused++;
        }
        s_free(&rep);
    }
    assert_int_equal(granted, CAP);
    assert_int_equal(refused, N - CAP);
    s_quota_row(fx, RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE, &used, &pending,
                &cap);
    assert_int_equal(used, CAP);
    assert_int_equal(pending, 0);

    /* Withdrawing a recommended nominee frees its seat; a refused one can
     * then be recommended again and gets it. */
    s_do_ok(fx, A_WITHDRAW, ids[0], "w0");
    assert_int_equal(s_pump(fx, true), 1);
    s_quota_row(fx, RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE, &used, &pending,
                &cap);
    assert_int_equal(used, CAP - 1);
    int again = -1;
    for (int i = 0; i < N && again < 0; i++)
        if (s_state(fx, ids[i]) == RONGYU__CASE_STATE__APPROVED)
            again = i;
    assert_true(again >= 0);
    char org[16];
    snprintf(org, sizeof org, "w%d", again);
    s_do_ok(fx, A_RECOMMEND, ids[again], org);
    assert_int_equal(s_pump(fx, false), 1);
    assert_int_equal(s_state(fx, ids[again]), RONGYU__CASE_STATE__RECOMMENDED);
    Rongyu__Reply *rep;
    assert_string_equal(s_get(fx, ids[again], &rep)->note, "");
    s_free(&rep);
    /* Non-selection frees one too; the award confirms and keeps it. */
    int sel = -1, other = -1;
    for (int i = 1; i < N; i++) {
        if (s_state(fx, ids[i]) != RONGYU__CASE_STATE__RECOMMENDED)
            continue;
        if (sel < 0)
            sel = i;
        else
            other = i;
    }
    s_do_ok(fx, A_NOT_SELECTED, ids[sel], "x");
    s_do_ok(fx, A_AWARD, ids[other], "x");
    assert_int_equal(s_pump(fx, true), 2);
    assert_int_equal(s_state(fx, ids[other]), RONGYU__CASE_STATE__AWARDED);
    s_quota_row(fx, RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE, &used, &pending,
                &cap);
    assert_int_equal(used, CAP - 1);
    s_fx_destroy(&fx);
}

static void
test_model_home_one_per_unit_and_refusal_keeps_case_approved(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    char a[17], b[17];
    for (int k = 0; k < 2; k++) {
        rq_t r;
        s_rq(&r, k ? "m2" : "m1", "grassroots");
        r.app.honour = RONGYU__HONOUR__MODEL_HOME;
        r.app.category = RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT;
        r.app.person = NULL;
        char *id = k ? b : a;
        s_new_case(fx, &r, false, id);
        s_verdict(fx, id, 1, true);
        s_do_ok(fx, A_APPROVE, id, "x");
        s_do_ok(fx, A_RECOMMEND, id, "x");
    }
    s_pump(fx, false);
    assert_int_equal(s_state(fx, a), RONGYU__CASE_STATE__RECOMMENDED);
    Rongyu__Reply *rep;
    const Rongyu__Case *c = s_get(fx, b, &rep);
    assert_int_equal(c->state, RONGYU__CASE_STATE__APPROVED);
    assert_non_null(strstr(c->note, "萧山区 model_home used 1 of 1"));
    s_free(&rep);
    s_do_ok(fx, A_AWARD, a, "x");
    assert_int_equal(s_state(fx, a), RONGYU__CASE_STATE__SELECTING);
    s_pump(fx, false);
    assert_int_equal(s_state(fx, a), RONGYU__CASE_STATE__AWARDED);
    s_fx_destroy(&fx);
}

/* A unit puts forward one case per applicant and honour, and one per
 * nominee: a second is refused with E_DUPLICATE naming the first, keeps
 * its state and takes no seat; withdrawing the first frees the place. */
static void
test_one_case_put_forward_per_applicant_and_nominee(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    /* Two nominations of one person by one union, and one of another. */
    char ew[3][17];
    for (int k = 0; k < 3; k++) {
        rq_t r;
        s_rq(&r, "d1", "grassroots");
        r.person.name = (char *)(k < 2 ? "王重复" : "王另一");
        r.person.birth_month = (char *)"1980-05";
        r.person.employer = (char *)"某公司";
        s_new_case(fx, &r, false, ew[k]);
        s_verdict(fx, ew[k], 1, true);
        s_do_ok(fx, A_APPROVE, ew[k], "x");
    }
    s_do_ok(fx, A_RECOMMEND, ew[0], "x");
    assert_int_equal(s_pump(fx, false), 1);
    assert_int_equal(s_state(fx, ew[0]), RONGYU__CASE_STATE__RECOMMENDED);
    uint32_t used, pending;
    int32_t cap;
    s_quota_row(fx, RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE, &used, &pending,
                &cap);
    assert_int_equal(used, 1);
    Rongyu__Reply *rep = s_do(fx, A_RECOMMEND, ew[1], "x");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_DUPLICATE);
    assert_non_null(strstr(rep->detail, ew[0]));
    assert_non_null(strstr(rep->detail, "recommended"));
    s_free(&rep);
    assert_int_equal(s_pump(fx, false), 0);
    assert_int_equal(s_state(fx, ew[1]), RONGYU__CASE_STATE__APPROVED);
    s_quota_row(fx, RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE, &used, &pending,
                &cap);
    assert_int_equal(used, 1);
    assert_int_equal(pending, 0);
    /* Another person of the same union is no duplicate. */
    s_do_ok(fx, A_RECOMMEND, ew[2], "x");
    assert_int_equal(s_pump(fx, false), 1);
    assert_int_equal(s_state(fx, ew[2]), RONGYU__CASE_STATE__RECOMMENDED);
    /* Awarded, the first still holds the place; withdrawn before, it
     * frees it for the second. */
    s_do_ok(fx, A_WITHDRAW, ew[0], "d1");
    assert_int_equal(s_pump(fx, true), 1);
    s_do_ok(fx, A_RECOMMEND, ew[1], "x");
    assert_int_equal(s_pump(fx, false), 1);
    assert_int_equal(s_state(fx, ew[1]), RONGYU__CASE_STATE__RECOMMENDED);
    /* The same person named by another union of the unit: the same
     * nominee. */
    char other[17];
    rq_t r2;
    s_rq(&r2, "d2", "grassroots");
    r2.person.name = (char *)"王重复";
    r2.person.birth_month = (char *)"1980-05";
    r2.person.employer = (char *)"某公司";
    s_new_case(fx, &r2, false, other);
    s_verdict(fx, other, 1, true);
    s_do_ok(fx, A_APPROVE, other, "x");
    rep = s_do(fx, A_RECOMMEND, other, "x");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_DUPLICATE);
    assert_non_null(strstr(rep->detail, ew[1]));
    s_free(&rep);
    assert_int_equal(s_state(fx, other), RONGYU__CASE_STATE__APPROVED);

    /* Two advanced-home applications of one union: no seat, one row. */
    char h[2][17];
    for (int k = 0; k < 2; k++) {
        rq_t r;
        s_rq(&r, "h1", "grassroots");
        r.app.honour = RONGYU__HONOUR__ADVANCED_HOME;
        r.app.category = RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT;
        r.app.person = NULL;
        s_new_case(fx, &r, false, h[k]);
        s_verdict(fx, h[k], 1, true);
        s_do_ok(fx, A_APPROVE, h[k], "x");
    }
    s_do_ok(fx, A_RECOMMEND, h[0], "x");
    s_do_ok(fx, A_AWARD, h[0], "x");
    assert_int_equal(s_state(fx, h[0]), RONGYU__CASE_STATE__AWARDED);
    rep = s_do(fx, A_RECOMMEND, h[1], "x");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_DUPLICATE);
    assert_non_null(strstr(rep->detail, h[0]));
    assert_non_null(strstr(rep->detail, "已表彰"));
    s_free(&rep);
    assert_int_equal(s_state(fx, h[1]), RONGYU__CASE_STATE__APPROVED);
    s_fx_destroy(&fx);
}

/* The last ValidateCase in intake's outbox to validation (as stored:
 * without its application). */
static int
s_last_validate_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    Rongyu__ValidateCase **last = arg;
    Rongyu__Envelope *row = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, val->data, val->len, 0);
    assert_non_null(row);
    if (row->type == RONGYU__MESSAGE_TYPE__VALIDATE_CASE) {
        ry_pb_free(last);
        *last = (Rongyu__ValidateCase *)ry_pb_unpack(
            &rongyu__validate_case__descriptor, row->payload.data,
            row->payload.len, 0);
        assert_non_null(*last);
    }
    ry_pb_free(&row);
    return 0;
}

static Rongyu__ValidateCase *
s_last_validate(fx_t *fx)
{
    Rongyu__ValidateCase *last = NULL;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_scan(txn, "ry_outbox", "validation", 11, NULL, 0,
                                 s_last_validate_row, &last),
                     0);
    ry_txn_abort(&txn);
    assert_non_null(last);
    return last;
}

/* What intake awarded in an earlier campaign goes to validation with a
 * later application of the same union (any home), or of the same person:
 * the notice's exclusion, judged there (R_HOLDS_CITY_HONOUR). */
static void
test_an_earlier_award_is_told_to_validation(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    ry_campaigns_t *reg;
    assert_int_equal(ry_campaigns_new(&reg), 0);
    ry_campaign_t *c2026;
    char err[256];
    assert_int_equal(
        ry_campaign_load_file(RY_SOURCE_DIR
                              "/tests/data/campaigns/hangzhou-2026.json",
                              &c2026, err, sizeof err),
        0);
    assert_int_equal(ry_campaigns_add(reg, &c2026), 0);
    intake_cases_set_campaigns(fx->ic, &reg);
    /* 2018: p1's advanced home and its nominee, awarded. */
    char home[17], ew[17], id[17];
    rq_t r;
    s_rq(&r, "p1", "grassroots");
    r.app.honour = RONGYU__HONOUR__ADVANCED_HOME;
    r.app.category = RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT;
    r.app.person = NULL;
    s_new_case(fx, &r, false, home);
    s_rq(&r, "p1", "grassroots");
    r.person.name = (char *)"得奖人";
    s_new_case(fx, &r, false, ew);
    const char *both[] = {home, ew};
    for (int k = 0; k < 2; k++) {
        s_verdict(fx, both[k], 1, true);
        s_do_ok(fx, A_APPROVE, both[k], "x");
        s_do_ok(fx, A_RECOMMEND, both[k], "x");
        s_pump(fx, false);
        s_do_ok(fx, A_AWARD, both[k], "x");
        s_pump(fx, false);
        assert_int_equal(s_state(fx, both[k]), RONGYU__CASE_STATE__AWARDED);
    }
    /* 2026: the union's model home, the same person, another person. */
    s_rq(&r, "p1", "grassroots");
    r.app.campaign_id = (char *)"hangzhou-2026";
    r.app.honour = RONGYU__HONOUR__MODEL_HOME;
    r.app.category = RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT;
    r.app.person = NULL;
    s_new_case(fx, &r, false, id);
    Rongyu__ValidateCase *vc = s_last_validate(fx);
    assert_string_equal(vc->case_id, id);
    assert_string_equal(vc->awarded_case, home);
    assert_string_equal(vc->awarded_campaign, CAMPAIGN);
    ry_pb_free(&vc);
    s_rq(&r, "p1", "grassroots");
    r.app.campaign_id = (char *)"hangzhou-2026";
    r.person.name = (char *)"得奖人";
    s_new_case(fx, &r, false, id);
    vc = s_last_validate(fx);
    assert_string_equal(vc->awarded_case, ew);
    ry_pb_free(&vc);
    s_rq(&r, "p1", "grassroots");
    r.app.campaign_id = (char *)"hangzhou-2026";
    s_new_case(fx, &r, false, id);
    vc = s_last_validate(fx);
    assert_string_equal(vc->case_id, id);
    assert_string_equal(vc->awarded_case, "");
    ry_pb_free(&vc);
    s_fx_destroy(&fx);
}

typedef struct {
    ry_txn_t *txn;
    Rongyu__ValidateCase *sent[8]; /* as the relay sends them */
    size_t n, stored_bytes;        /* the rows' bytes, as stored */
} s_relayed_t;

static int
s_relay_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    s_relayed_t *r = arg;
    Rongyu__Envelope *row = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, val->data, val->len, 0);
    assert_non_null(row);
    if (row->type != RONGYU__MESSAGE_TYPE__VALIDATE_CASE) {
        ry_pb_free(&row);
        return 0;
    }
    /* Stored without the application ... */
    Rongyu__ValidateCase *bare = (Rongyu__ValidateCase *)ry_pb_unpack(
        &rongyu__validate_case__descriptor, row->payload.data,
        row->payload.len, 0);
    assert_non_null(bare);
    assert_null(bare->application);
    ry_pb_free(&bare);
    r->stored_bytes += val->len;
    /* ... and sent with it, the envelope otherwise the same. */
    uint8_t *out;
    size_t olen;
    assert_int_equal(intake_relay_expand(NULL, r->txn, "validation",
                                         val->data, val->len, &out, &olen),
                     0);
    Rongyu__Envelope *e = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, out, olen, 0);
    assert_non_null(e);
    assert_int_equal(e->link_seq, row->link_seq);
    assert_string_equal(e->msg_id, row->msg_id);
    assert_string_equal(e->correlation_id, row->correlation_id);
    /* Made whole, a row is sent as it is. */
    uint8_t *again;
    size_t alen;
    assert_int_equal(intake_relay_expand(NULL, r->txn, "validation", out, olen,
                                         &again, &alen),
                     1);
    /* Another peer's rows are not touched. */
    assert_int_equal(intake_relay_expand(NULL, r->txn, "notification",
                                         val->data, val->len, &again, &alen),
                     1);
    assert_true(r->n < 8);
    r->sent[r->n] = (Rongyu__ValidateCase *)ry_pb_unpack(
        &rongyu__validate_case__descriptor, e->payload.data, e->payload.len,
        0);
    assert_non_null(r->sent[r->n]);
    r->n++;
    ry_pb_free(&e);
    ry_pb_free(&row);
    free(out);
    return 0;
}

static void
test_returned_case_is_resubmitted_as_a_new_revision_with_history(void **s)
{
    (void)s;
    fx_t *fx = s_fx_new();
    char id[17];
    s_case_in(fx, "org-1", RONGYU__CASE_STATE__RETURNED, id);
    s_do_ok(fx, A_EDIT, id, "org-1");
    Rongyu__Reply *rep;
    const Rongyu__Case *c = s_get(fx, id, &rep);
    assert_int_equal(c->revision, 2);
    assert_int_equal(c->state, RONGYU__CASE_STATE__DRAFT);
    assert_string_equal(c->application->deeds, "修改后的事迹");
    assert_null(c->verdict);
    s_free(&rep);
    s_do_ok(fx, A_SUBMIT_DRAFT, id, "org-1");
    /* The old verdict of revision 1 is ignored; revision 2's counts. */
    s_verdict(fx, id, 1, false);
    assert_int_equal(s_state(fx, id), RONGYU__CASE_STATE__SUBMITTED);
    s_verdict(fx, id, 2, true);
    c = s_get(fx, id, &rep);
    assert_int_equal(c->state, RONGYU__CASE_STATE__ELIGIBLE);
    /* The outbox holds both ValidateCase rows (nothing acknowledged them
     * here): each goes out with its own revision's application, the
     * first from "revisions", the second kept apart from the case's row
     * ("apps"). */
    s_relayed_t rl = {0};
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &rl.txn), 0);
    assert_int_equal(ry_txn_scan(rl.txn, "ry_outbox", "validation", 11, NULL,
                                 0, s_relay_row, &rl),
                     0);
    /* A row for a case not stored, and bytes that are no envelope, go
     * as they are (validation refuses the first: a dead letter). */
    Rongyu__ValidateCase lost = RONGYU__VALIDATE_CASE__INIT;
    lost.case_id = (char *)"ffffffffffffffff";
    lost.revision = 1;
    size_t llen;
    uint8_t *lbuf = ry_pb_pack(&lost.base, &llen);
    Rongyu__Envelope le = RONGYU__ENVELOPE__INIT;
    le.kind = RONGYU__ENVELOPE_KIND__DATA;
    le.type = RONGYU__MESSAGE_TYPE__VALIDATE_CASE;
    le.sender_id = (char *)"intake";
    le.payload = (ProtobufCBinaryData){llen, lbuf};
    size_t elen;
    uint8_t *ebuf = ry_pb_pack(&le.base, &elen), *made;
    size_t mlen;
    assert_int_equal(intake_relay_expand(NULL, rl.txn, "validation", ebuf,
                                         elen, &made, &mlen),
                     1);
    static const uint8_t junk[] = {0x0b, 0xff};
    assert_int_equal(intake_relay_expand(NULL, rl.txn, "validation", junk,
                                         sizeof junk, &made, &mlen),
                     1);
    free(ebuf);
    free(lbuf);
    ry_txn_abort(&rl.txn);
    assert_int_equal(rl.n, 2);
    assert_int_equal(rl.sent[0]->revision, 1);
    assert_int_equal(rl.sent[1]->revision, 2);
    assert_string_not_equal(rl.sent[0]->application->deeds, "修改后的事迹");
    assert_string_equal(rl.sent[1]->application->deeds, "修改后的事迹");
    assert_string_equal(rl.sent[1]->application->applicant_org, "org-1");
    assert_true(rl.stored_bytes < 2 * 200); /* ids and times, no text */
    ry_pb_free(&rl.sent[0]);
    ry_pb_free(&rl.sent[1]);
    /* Revision 2's application is kept apart, revision 1's whole in
     * "revisions" alone. */
    uint8_t key[20];
    memcpy(key, id, 16);
    memcpy(key + 16, "\0\0\0\2", 4);
    ry_val_t v;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &rl.txn), 0);
    assert_int_equal(ry_txn_get(rl.txn, "apps", key, sizeof key, &v), 0);
    key[19] = 1;
    assert_int_equal(ry_txn_get(rl.txn, "apps", key, sizeof key, &v),
                     RY_ENOTFOUND);
    assert_int_equal(ry_txn_get(rl.txn, "revisions", key, sizeof key, &v), 0);
    ry_txn_abort(&rl.txn);
    /* submitted, eligible, returned, revised, resubmitted, eligible */
    assert_int_equal(rep->case_->n_audit, 6);
    assert_string_equal(rep->case_->audit[2]->opinion, "审批意见");
    assert_string_equal(rep->case_->audit[3]->what, "revised (revision 2)");
    assert_string_equal(rep->case_->audit[4]->what, "resubmitted");
    s_free(&rep);
    /* Revision 1 is kept as it was when returned. */
    rq_t r;
    s_rq(&r, "org-1", "grassroots");
    r.get.case_id = id;
    r.get.revision = 1;
    r.req.body_case = RONGYU__REQUEST__BODY_GET;
    r.req.get = &r.get;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->case_->case_->revision, 1);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__RETURNED);
    s_free(&rep);
    r.get.revision = 7;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    s_free(&rep);
    s_fx_destroy(&fx);
}

static void
test_review_is_due_one_calendar_month_later_clamped_to_month_end(void **s)
{
    (void)s;
    /* main() starts the clock at 2018-10-31 10:00 Beijing time. */
    fx_t *fx = s_fx_new();
    char id[17];
    s_case_in(fx, "org-1", RONGYU__CASE_STATE__SUBMITTED, id);
    Rongyu__Reply *rep;
    const Rongyu__Case *c = s_get(fx, id, &rep);
    /* 10-31 10:00 -> due until the end of 11-30, Beijing time. */
    assert_int_equal(c->review_due_ms,
                     ry_date_to_epoch_ms((ry_date_t){2018, 12, 1}, 0, 480) - 1);
    s_free(&rep);
    /* Not overdue yet. */
    rq_t r;
    s_rq(&r, "city", "city");
    r.list.overdue = 1;
    r.req.body_case = RONGYU__REQUEST__BODY_LIST;
    r.req.list = &r.list;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->list->n_cases, 0);
    s_free(&rep);
    s_fx_destroy(&fx);
}

/* Sends an ExtendDeadlineRequest for UNIT as (org, role). */
static Rongyu__Reply *
s_extend(fx_t *fx, const char *org, const char *role, const char *until,
         const char *opinion, const char *unit)
{
    rq_t r;
    s_rq(&r, org, role);
    Rongyu__ExtendDeadlineRequest ex = RONGYU__EXTEND_DEADLINE_REQUEST__INIT;
    ex.organising_unit = (char *)unit;
    ex.until = (char *)until;
    ex.opinion = (char *)opinion;
    r.req.body_case = RONGYU__REQUEST__BODY_EXTEND_DEADLINE;
    r.req.extend_deadline = &ex;
    return s_send(fx, &r.req);
}

static void
s_expect_code(Rongyu__Reply *rep, Rongyu__ErrorCode code)
{
    if (rep->code != code)
        fail_msg("want code %d, got %d: %s", code, rep->code, rep->detail);
    s_free(&rep);
}

/* After summary_deadline (2018-12-31) a unit's recommendation is refused
 * with E_DEADLINE_PASSED and the date, changing nothing; only the city
 * extends the deadline for a unit, each extension kept with who, when and
 * why; the newest is in force. */
static void
test_recommendation_after_summary_deadline_until_extended(void **state)
{
    (void)state;
    int64_t start = ry_clock_now_ms(), at;
    fx_t *fx = s_fx_new();
    char id[17], id2[17];
    s_case_in(fx, "org-1", RONGYU__CASE_STATE__APPROVED, id);
    s_case_in(fx, "org-2", RONGYU__CASE_STATE__APPROVED, id2);

    /* On 31 December, late in the evening, it is still in time. */
    assert_int_equal(ry_clock_parse("2018-12-31T23:59:59", &at), 0);
    ry_clock_set(at, 0);
    Rongyu__Reply *rep = s_act(fx, A_RECOMMEND, id2, UNIT, "unit");
    s_expect_code(rep, RONGYU__ERROR_CODE__OK);

    assert_int_equal(ry_clock_parse("2019-01-01T00:00:00", &at), 0);
    ry_clock_set(at, 0);
    uint8_t before[32], after[32];
    s_snapshot(fx, before);
    rep = s_act(fx, A_RECOMMEND, id, UNIT, "unit");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_DEADLINE_PASSED);
    assert_non_null(strstr(rep->detail, "2018-12-31"));
    assert_non_null(strstr(rep->detail, "has passed"));
    s_free(&rep);
    s_snapshot(fx, after);
    assert_memory_equal(before, after, 32);

    /* Only the city extends, with a reason, a real date not before the
     * deadline, for an Annex 1 unit. */
    s_expect_code(s_extend(fx, UNIT, "unit", "2019-01-10", "迟报", UNIT),
                  RONGYU__ERROR_CODE__E_FORBIDDEN);
    s_expect_code(s_extend(fx, "city", "city", "2019-01-10", "", UNIT),
                  RONGYU__ERROR_CODE__E_MISSING_FIELD);
    s_expect_code(s_extend(fx, "city", "city", "2019-02-30", "迟报", UNIT),
                  RONGYU__ERROR_CODE__E_INVALID);
    s_expect_code(s_extend(fx, "city", "city", "2018-12-30", "迟报", UNIT),
                  RONGYU__ERROR_CODE__E_OUT_OF_RANGE);
    rep = s_extend(fx, "city", "city", "2019-01-10", "迟报", "杭州市");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    assert_string_equal(rep->field_path, "extend_deadline.organising_unit");
    s_free(&rep);

    rep =
        s_extend(fx, "city", "city", "2019-01-10", "系统故障，准予延期", UNIT);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_DEADLINES);
    assert_string_equal(rep->deadlines->summary_deadline, "2018-12-31");
    assert_int_equal(rep->deadlines->n_extensions, 1);
    const Rongyu__DeadlineExtension *x = rep->deadlines->extensions[0];
    assert_string_equal(x->until, "2019-01-10");
    assert_string_equal(x->actor, "city");
    assert_string_equal(x->opinion, "系统故障，准予延期");
    assert_int_equal(x->at_ms, at);
    assert_int_equal(x->seq, 1);
    s_free(&rep);

    /* Extended: the recommendation goes through; another unit is still
     * bound by 31 December. */
    rep = s_act(fx, A_RECOMMEND, id, UNIT, "unit");
    s_expect_code(rep, RONGYU__ERROR_CODE__OK);

    /* A second extension, shorter: the newest is in force, both kept. */
    rep = s_extend(fx, "city", "city", "2018-12-31", "撤销延期", UNIT);
    assert_int_equal(rep->deadlines->n_extensions, 2);
    assert_int_equal(rep->deadlines->extensions[1]->seq, 2);
    s_free(&rep);
    char id3[17];
    s_case_in(fx, "org-3", RONGYU__CASE_STATE__APPROVED, id3);
    rep = s_act(fx, A_RECOMMEND, id3, UNIT, "unit");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_DEADLINE_PASSED);
    s_free(&rep);

    /* The list: every extension, oldest first, read by anyone. */
    rq_t r;
    s_rq(&r, OTHER_UNIT, "unit");
    Rongyu__DeadlinesRequest dq = RONGYU__DEADLINES_REQUEST__INIT;
    r.req.body_case = RONGYU__REQUEST__BODY_DEADLINES;
    r.req.deadlines = &dq;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->deadlines->n_extensions, 2);
    assert_string_equal(rep->deadlines->extensions[0]->until, "2019-01-10");
    s_free(&rep);
    ry_clock_set(start, 1);
    s_fx_destroy(&fx);
}

/* Validation cannot know an extension: intake tells it the unit's
 * deadline with each of the unit's nominations (ValidateCase
 * unit_deadline, R_DEADLINE), and nothing for another unit's, for a home,
 * or once the extension is ended. */
static void
test_an_extension_is_told_to_validation(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    char id[17];
    rq_t r;
    s_rq(&r, "org-1", "grassroots");
    s_new_case(fx, &r, false, id);
    Rongyu__ValidateCase *vc = s_last_validate(fx);
    assert_string_equal(vc->unit_deadline, "");
    ry_pb_free(&vc);

    s_expect_code(
        s_extend(fx, "city", "city", "2019-01-10", "系统故障，准予延期", UNIT),
        RONGYU__ERROR_CODE__OK);
    s_rq(&r, "org-1", "grassroots");
    s_new_case(fx, &r, false, id);
    vc = s_last_validate(fx);
    assert_string_equal(vc->case_id, id);
    assert_string_equal(vc->unit_deadline, "2019-01-10");
    ry_pb_free(&vc);
    s_rq(&r, "org-1", "grassroots");
    r.app.honour = RONGYU__HONOUR__ADVANCED_HOME;
    r.app.category = RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT;
    r.app.person = NULL;
    s_new_case(fx, &r, false, id);
    vc = s_last_validate(fx);
    assert_string_equal(vc->case_id, id);
    assert_string_equal(vc->unit_deadline, "");
    ry_pb_free(&vc);
    snprintf(s_unit, sizeof s_unit, "%s", OTHER_UNIT);
    s_rq(&r, "org-other", "grassroots");
    s_new_case(fx, &r, false, id);
    vc = s_last_validate(fx);
    assert_string_equal(vc->case_id, id);
    assert_string_equal(vc->unit_deadline, "");
    ry_pb_free(&vc);
    snprintf(s_unit, sizeof s_unit, "%s", UNIT);

    /* Extended back to 31 December: the campaign's own again. */
    s_expect_code(s_extend(fx, "city", "city", "2018-12-31", "撤销延期", UNIT),
                  RONGYU__ERROR_CODE__OK);
    s_rq(&r, "org-1", "grassroots");
    s_new_case(fx, &r, false, id);
    vc = s_last_validate(fx);
    assert_string_equal(vc->unit_deadline, "2018-12-31");
    ry_pb_free(&vc);
    s_fx_destroy(&fx);
}

static void
test_seat_results_that_do_not_fit_are_refused_or_ignored(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    const uint8_t junk[] = {0x0a, 0xff, 0xff, 0xff, 0x0f};
    assert_int_equal(s_deliver(fx, "quota", RONGYU__MESSAGE_TYPE__SEAT_RESULT,
                               junk, sizeof junk),
                     RY_EMALFORMED);
    Rongyu__SeatResult res = RONGYU__SEAT_RESULT__INIT;
    res.case_id = (char *)"00000000000000ff";
    res.op = RONGYU__SEAT_OP__RESERVE;
    res.granted = true;
    size_t len;
    uint8_t *buf = ry_pb_pack(&res.base, &len);
    assert_int_equal(
        s_deliver(fx, "quota", RONGYU__MESSAGE_TYPE__SEAT_RESULT, buf, len),
        RY_EINVAL);
    free(buf);
    /* A grant for a case that is not waiting for one changes nothing. */
    char id[17];
    s_case_in(fx, "org-1", RONGYU__CASE_STATE__APPROVED, id);
    uint8_t before[32], after[32];
    s_snapshot(fx, before);
    res.case_id = id;
    buf = ry_pb_pack(&res.base, &len);
    assert_int_equal(
        s_deliver(fx, "quota", RONGYU__MESSAGE_TYPE__SEAT_RESULT, buf, len), 0);
    free(buf);
    s_snapshot(fx, after);
    assert_memory_equal(before, after, 32);
    s_fx_destroy(&fx);
}

/* Lists as (org, role) with the filters of q, page by page (3 a page),
 * into ids[*n]. */
static void
s_list_pages(fx_t *fx, const char *org, const char *role,
             const Rongyu__ListRequest *q, char (*ids)[17], size_t *n)
{
    char after[17] = "";
    *n = 0;
    for (;;) {
        rq_t r;
        s_rq(&r, org, role);
        r.list = *q;
        r.list.limit = 3;
        r.list.after_case_id = after;
        r.req.body_case = RONGYU__REQUEST__BODY_LIST;
        r.req.list = &r.list;
        Rongyu__Reply *rep = s_send(fx, &r.req);
        if (rep->code != RONGYU__ERROR_CODE__OK)
            fail_msg("list as %s: %s", org, rep->detail);
        for (size_t i = 0; i < rep->list->n_cases; i++)
            memcpy(ids[(*n)++], rep->list->cases[i]->case_id, 17);
        bool more = rep->list->next_after && *rep->list->next_after;
        if (more)
            snprintf(after, sizeof after, "%s", rep->list->next_after);
        s_free(&rep);
        if (!more)
            return;
    }
}

/* A SUBMITTED case waits for validation: it is in by_state alone, whose
 * row names its org and unit, and enters by_org_state and by_unit_state
 * with its verdict. A store of an earlier version, which kept it in those
 * two as well, is brought to this form when intake opens it. */
static void
test_a_submitted_case_is_indexed_by_state_alone(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    char sub[17], elig[17];
    s_case_in(fx, "org-a", RONGYU__CASE_STATE__SUBMITTED, sub);
    s_case_in(fx, "org-b", RONGYU__CASE_STATE__ELIGIBLE, elig);
    s_index_agrees(fx);
    assert_int_equal(ut_rows(fx->st, "by_state"), 2);
    assert_int_equal(ut_rows(fx->st, "by_org_state"), 1);
    assert_int_equal(ut_rows(fx->st, "by_unit_state"), 1);
    uint8_t key[1 + 16], okey[64], ukey[64];
    key[0] = (uint8_t)RONGYU__CASE_STATE__SUBMITTED;
    memcpy(key + 1, sub, 16);
    char names[64];
    int nl = snprintf(names, sizeof names, "org-a%c%s", '\0', s_unit);
    ry_txn_t *txn;
    ry_val_t v;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_get(txn, "by_state", key, sizeof key, &v), 0);
    assert_int_equal(v.len, (size_t)nl);
    assert_memory_equal(v.data, names, (size_t)nl);
    ry_txn_abort(&txn);

    /* The form of earlier versions: the submitted case under its org and
     * unit too, by_state's row empty, the store not marked. */
    int ol = snprintf((char *)okey, sizeof okey, "org-a%c%c%s", '\0',
                      (char)RONGYU__CASE_STATE__SUBMITTED, sub);
    int ul = snprintf((char *)ukey, sizeof ukey, "%s%c%c%s", s_unit, '\0',
                      (char)RONGYU__CASE_STATE__SUBMITTED, sub);
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    assert_int_equal(
        ry_txn_put(txn, "by_org_state", okey, (size_t)ol, "", 0, 0), 0);
    assert_int_equal(
        ry_txn_put(txn, "by_unit_state", ukey, (size_t)ul, "", 0, 0), 0);
    assert_int_equal(ry_txn_put(txn, "by_state", key, sizeof key, "", 0, 0), 0);
    assert_int_equal(ry_txn_del(txn, "meta", "case_indexes_submitted",
                                strlen("case_indexes_submitted")),
                     0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    /* The check says the form is an earlier one; marked as this one's,
     * it sees the empty row. */
    char why[300] = "";
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(intake_cases_index_check(txn, why, sizeof why), RY_EINVAL);
    ry_txn_abort(&txn);
    assert_non_null(strstr(why, "earlier version's form"));
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "meta", "case_indexes_submitted",
                                strlen("case_indexes_submitted"), "1", 1, 0),
                     0);
    assert_int_equal(intake_cases_index_check(txn, why, sizeof why), RY_EINVAL);
    assert_non_null(strstr(why, "names another org or unit"));
    assert_int_equal(ry_txn_del(txn, "meta", "case_indexes_submitted",
                                strlen("case_indexes_submitted")),
                     0);
    assert_int_equal(ry_txn_commit(&txn), 0);

    s_fx_reopen(fx);
    s_index_agrees(fx);
    assert_int_equal(ut_rows(fx->st, "by_org_state"), 1);
    assert_int_equal(ut_rows(fx->st, "by_unit_state"), 1);
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_get(txn, "by_state", key, sizeof key, &v), 0);
    assert_int_equal(v.len, (size_t)nl);
    assert_int_equal(ry_txn_get(txn, "meta", "case_indexes_submitted",
                                strlen("case_indexes_submitted"), &v),
                     0);
    ry_txn_abort(&txn);

    /* Its verdict moves it into both, by_state's row empty again. */
    s_verdict(fx, sub, 1, true);
    s_index_agrees(fx);
    assert_int_equal(ut_rows(fx->st, "by_org_state"), 2);
    assert_int_equal(ut_rows(fx->st, "by_unit_state"), 2);
    s_fx_destroy(&fx);
}

/* Listings read the indexes (by state, by organisation or unit and
 * state, by due date); what they return, page by page, is what the whole
 * list filtered case by case gives. */
static void
test_listing_by_index_equals_the_full_scan(void **state)
{
    (void)state;
    int64_t start = ry_clock_now_ms();
    ry_clock_set(start, 0);
    fx_t *fx = s_fx_new();
    const ry_campaign_t *camp = ry_campaigns_at(fx->camps, 0);
    static const char *const orgs[] = {"org-a", "org-b"};
    char id[17];
    size_t k = 0;
    for (size_t s = 0; s < S_NSTATES; s++)
        for (int o = 0; o < 2; o++, k++) {
            snprintf(s_unit, sizeof s_unit, "%s",
                     ry_campaign_unit_name(camp, k % ry_campaign_unit_count(camp)));
            s_case_in(fx, orgs[o], s_all_states[s], id);
        }
    /* Forty days on: the first cases awaiting review are overdue, new ones
     * are not; a returned case revised and submitted again is due anew. */
    int64_t later = start + 40LL * 86400000;
    ry_clock_set(later, 0);
    snprintf(s_unit, sizeof s_unit, "%s", ry_campaign_unit_name(camp, 0));
    s_case_in(fx, "org-a", RONGYU__CASE_STATE__SUBMITTED, id);
    s_case_in(fx, "org-b", RONGYU__CASE_STATE__ELIGIBLE, id);
    s_case_in(fx, "org-a", RONGYU__CASE_STATE__INELIGIBLE, id);
    ry_clock_set(start, 0);
    s_case_in(fx, "org-b", RONGYU__CASE_STATE__RETURNED, id);
    ry_clock_set(later, 0);
    s_do_ok(fx, A_EDIT, id, "org-b");
    s_do_ok(fx, A_SUBMIT_DRAFT, id, "org-b");
    ry_clock_set(start, 0);
    s_case_in(fx, "org-a", RONGYU__CASE_STATE__ELIGIBLE, id);
    s_do_ok(fx, A_WITHDRAW, id, "org-a");
    ry_clock_set(later + 86400000, 0);
    s_case_in(fx, "org-b", RONGYU__CASE_STATE__SUBMITTED, id);
    ry_clock_set(later, 0);
    s_case_in(fx, "org-b", RONGYU__CASE_STATE__SUBMITTED, id);
    Rongyu__Reply *rep;
    int64_t due = s_get(fx, id, &rep)->review_due_ms;
    s_free(&rep);
    /* The whole list, and each case as stored. */
    static char all[64][17], got[64][17], want[64][17];
    size_t nall, ngot, nwant;
    Rongyu__ListRequest none = RONGYU__LIST_REQUEST__INIT;
    s_list_pages(fx, "city", "city", &none, all, &nall);
    assert_true(nall > 30 && nall < 64);
    Rongyu__Reply *held[64];
    const Rongyu__Case *cs[64];
    for (size_t i = 0; i < nall; i++)
        cs[i] = s_get(fx, all[i], &held[i]);

    const char *unit0 = ry_campaign_unit_name(camp, 0);
    struct {
        const char *who, *role, *org, *unit;
    } views[] = {
        {"city", "city", NULL, NULL},      {"city", "city", "org-a", NULL},
        {"city", "city", NULL, unit0},     {unit0, "unit", NULL, NULL},
        {"org-b", "grassroots", NULL, NULL},
    };
    /* At the due instant of the later cases, and just after it. */
    int overdue_seen = 0;
    for (int64_t now = due; now <= due + 1; now++) {
    ry_clock_set(now, 0);
    for (size_t v = 0; v < sizeof views / sizeof views[0]; v++)
        for (size_t s = 0; s <= S_NSTATES; s++)
            for (int od = 0; od < 2; od++) {
                Rongyu__ListRequest q = RONGYU__LIST_REQUEST__INIT;
                q.applicant_org = (char *)(views[v].org ? views[v].org : "");
                q.organising_unit =
                    (char *)(views[v].unit ? views[v].unit : "");
                q.state = s < S_NSTATES ? s_all_states[s] : 0;
                q.overdue = od;
                s_list_pages(fx, views[v].who, views[v].role, &q, got, &ngot);
                const char *org = views[v].org ? views[v].org
                                  : strcmp(views[v].role, "grassroots") == 0
                                      ? views[v].who
                                      : NULL;
                const char *unit = views[v].unit ? views[v].unit
                                   : strcmp(views[v].role, "unit") == 0
                                       ? views[v].who
                                       : NULL;
                nwant = 0;
                for (size_t i = 0; i < nall; i++) {
                    const Rongyu__Case *c = cs[i];
                    bool awaits = c->state == RONGYU__CASE_STATE__SUBMITTED ||
                                  c->state == RONGYU__CASE_STATE__ELIGIBLE ||
                                  c->state == RONGYU__CASE_STATE__INELIGIBLE;
                    if ((!q.state || c->state == q.state) &&
                        (!org || !strcmp(c->application->applicant_org, org)) &&
                        (!unit ||
                         !strcmp(c->application->organising_unit, unit)) &&
                        (!od ||
                         (awaits && c->review_due_ms && now > c->review_due_ms)))
                        memcpy(want[nwant++], c->case_id, 17);
                }
                if (ngot != nwant)
                    fail_msg("view %zu state %d overdue %d: %zu cases, the "
                             "full scan %zu",
                             v, q.state, od, ngot, nwant);
                for (size_t i = 0; i < ngot; i++)
                    assert_string_equal(got[i], want[i]);
                overdue_seen += od ? (int)ngot : 0;
            }
    }
    assert_true(overdue_seen > 0);
    for (size_t i = 0; i < nall; i++)
        s_free(&held[i]);
    snprintf(s_unit, sizeof s_unit, "%s", UNIT);
    s_fx_destroy(&fx);
    ry_clock_set(start, 1);
}

/* ------------------------------------------------------------ uploads */

/* One part of 'content' (its sha256 'sha', or its own when NULL), from
 * (org, role) for 'applicant'. */
static Rongyu__Reply *
s_upload(fx_t *fx, const char *org, const char *role, const char *applicant,
         const char *content, const char *sha, size_t offset, size_t n)
{
    char own[65];
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const uint8_t *)content, strlen(content));
    sodium_bin2hex(own, sizeof own, h, sizeof h);
    rq_t r;
    s_rq(&r, org, role);
    Rongyu__UploadRequest up = RONGYU__UPLOAD_REQUEST__INIT;
    up.sha256 = (char *)(sha ? sha : own);
    up.size = strlen(content);
    up.offset = offset;
    up.data.data = (uint8_t *)content + offset;
    up.data.len = n;
    up.applicant_org = (char *)applicant;
    r.req.idempotency_key = (char *)"";
    r.req.body_case = RONGYU__REQUEST__BODY_UPLOAD;
    r.req.upload = &up;
    return s_send(fx, &r.req);
}

static const char s_form[] = "%PDF-1.4 a form sent in two parts";

/* A union uploads for its branch, as it may submit for it; the branch's
 * application then names the content by sha256 alone; another union may
 * neither upload for the branch nor name the content. */
static void
test_upload_by_whoever_may_apply_then_named_by_sha256(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    s_import_ok(fx);
    Rongyu__Reply *rep = s_upload(fx, "g2", "grassroots", "b1", s_form, NULL,
                                  0, 10);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    s_free(&rep);
    rep = s_upload(fx, "g1", "grassroots", "b1", s_form, NULL, 0, 10);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_UPLOAD);
    assert_int_equal(rep->upload->received, 10);
    assert_false(rep->upload->complete);
    s_free(&rep);
    rep = s_upload(fx, "g1", "grassroots", "b1", s_form, NULL, 10,
                   strlen(s_form) - 10);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_true(rep->upload->complete);
    assert_int_equal(rep->upload->received, strlen(s_form));
    char sha[65];
    snprintf(sha, sizeof sha, "%s", rep->upload->sha256);
    s_free(&rep);

    rq_t r;
    s_rq(&r, "g1", "grassroots");
    r.app.applicant_org = (char *)"b1";
    Rongyu__Attachment at = RONGYU__ATTACHMENT__INIT, *atp = &at;
    at.name = (char *)"form.pdf";
    at.kind = (char *)"application_form";
    at.sha256 = sha;
    r.app.attachments = &atp;
    r.app.n_attachments = 1;
    rep = s_submit(fx, &r, true);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    const Rongyu__Attachment *got =
        rep->case_->case_->application->attachments[0];
    assert_string_equal(got->sha256, sha);
    assert_int_equal(got->size, strlen(s_form));
    assert_string_equal(got->media_type, "application/pdf");
    s_free(&rep);
    /* Stored for b1, not for g2. */
    s_rq(&r, "g2", "grassroots");
    r.app.attachments = &atp;
    r.app.n_attachments = 1;
    rep = s_submit(fx, &r, true);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    assert_string_equal(rep->field_path,
                        "save_draft.application.attachments[0].sha256");
    s_free(&rep);
    s_fx_destroy(&fx);
}

/* Content unlike its sha256: refused, and the upload is gone (the one
 * refusal that writes: it deletes the parts). */
static void
test_upload_unlike_its_sha256_is_discarded(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new();
    s_import_ok(fx);
    const char *wrong = "00000000000000000000000000000000"
                        "00000000000000000000000000000000";
    Rongyu__Reply *rep =
        s_upload(fx, "g1", "grassroots", "", s_form, wrong, 0, 10);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    rep = s_upload(fx, "g1", "grassroots", "", s_form, wrong, 10,
                   strlen(s_form) - 10);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "upload.data");
    assert_non_null(strstr(rep->detail, "start again at offset 0"));
    s_free(&rep);
    rep = s_upload(fx, "g1", "grassroots", "", s_form, wrong, 0, 0);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->upload->received, 0);
    s_free(&rep);
    ry_txn_t *txn;
    uint64_t n = 1;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_count(txn, "upload_parts", &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(ry_txn_count(txn, "blobs", &n), 0);
    assert_int_equal(n, 0);
    ry_txn_abort(&txn);
    /* A gap is refused and writes nothing; the upload stays. */
    rep = s_upload(fx, "g1", "grassroots", "", s_form, NULL, 0, 10);
    s_free(&rep);
    rep = s_upload(fx, "g1", "grassroots", "", s_form, NULL, 12, 4);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_OUT_OF_RANGE);
    assert_string_equal(rep->field_path, "upload.offset");
    s_free(&rep);
    rep = s_upload(fx, "g1", "grassroots", "", s_form, NULL, 0, 0);
    assert_int_equal(rep->upload->received, 10);
    s_free(&rep);
    s_fx_destroy(&fx);
}

int
main(void)
{
    /* Before the first clock read: the clock starts here and runs on. */
    setenv("RONGYU_CLOCK", "2018-10-31T10:00:00+08:00", 1);
    ry_log_level = RY_LOG_ERROR;
    assert_true(sodium_init() >= 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_every_transition_is_allowed_or_refused_as_the_table_says),
        cmocka_unit_test(
            test_decision_without_opinion_is_missing_field_and_changes_nothing),
        cmocka_unit_test(
            test_recommendation_after_summary_deadline_until_extended),
        cmocka_unit_test(test_an_extension_is_told_to_validation),
        cmocka_unit_test(test_quota_table_names_every_column),
        cmocka_unit_test(
            test_org_import_is_validated_all_or_nothing_and_idempotent),
        cmocka_unit_test(test_every_forbidden_actor_is_refused_by_the_tree),
        cmocka_unit_test(
            test_seats_are_granted_up_to_the_cap_once_also_when_resent),
        cmocka_unit_test(
            test_model_home_one_per_unit_and_refusal_keeps_case_approved),
        cmocka_unit_test(test_one_case_put_forward_per_applicant_and_nominee),
        cmocka_unit_test(test_an_earlier_award_is_told_to_validation),
        cmocka_unit_test(
            test_returned_case_is_resubmitted_as_a_new_revision_with_history),
        cmocka_unit_test(
            test_review_is_due_one_calendar_month_later_clamped_to_month_end),
        cmocka_unit_test(
            test_seat_results_that_do_not_fit_are_refused_or_ignored),
        cmocka_unit_test(test_a_submitted_case_is_indexed_by_state_alone),
        cmocka_unit_test(test_listing_by_index_equals_the_full_scan),
        cmocka_unit_test(
            test_a_retry_gets_its_first_answer_however_the_case_moved_on),
        cmocka_unit_test(test_upload_by_whoever_may_apply_then_named_by_sha256),
        cmocka_unit_test(test_upload_unlike_its_sha256_is_discarded),
    };
    return ut_keys_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
