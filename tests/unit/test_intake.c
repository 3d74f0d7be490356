/* Tests of intake_cases: client requests and validation results applied
 * directly inside write transactions, the way the channel calls them. The
 * channel's peers are unreachable, so what intake sends stays in its
 * outbox, where the tests read it. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intake_bounds.h"
#include "intake_cases.h"
#include "intake_deadline.h"
#include "intake_digest.h"
#include "intake_internal.h"
#include "intake_requests.h"
#include "intake_posting.h"
#include "intake_relay.h"
#include "intake_reply.h"
#include "intake_wait.h"
#include "ry_clock.h"
#include "rongyu_services.pb-c.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_outbox.h"
#include "ry_pb.h"
#include "ry_reply.h"
#include "ry_store.h"
#include "ry_text.h"
#include "ut_intake_keys.h"
#include "ut_keys.h"
#include "ut_pb.h"
#include "ut_util.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_SIZE ((size_t)16 << 20)
#define CAMPAIGN "hangzhou-2018"
#define UNIT "萧山区"
#define OTHER_UNIT "余杭区"

static const char *const s_tables[] = {INTAKE_TABLES, NULL};

typedef struct {
    char dir[256];
    ry_store_t *st;
    intake_cases_t *ic;
    ry_channel_t *ch;
    intake_limits_t lim;
} fx_t;

static fx_t *
s_fx_new(size_t max_attachment, unsigned outbox_limit)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(ut_tmpdir(fx->dir, sizeof fx->dir, "intake"), 0);
    assert_int_equal(ry_store_open(&fx->st, fx->dir, MAP_SIZE, s_tables), 0);
    fx->lim.max_attachment = max_attachment;
    fx->lim.outbox_limit = outbox_limit;
    assert_int_equal(intake_cases_new(fx->st, &fx->lim, &fx->ic), 0);
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
    /* Nobody listens there: nothing is ever delivered. */
    assert_int_equal(
        ry_channel_connect(fx->ch, "validation", "tcp://127.0.0.1:1"), 0);
    intake_cases_set_channel(fx->ic, fx->ch);
    return fx;
}

static fx_t *
s_fx_default(void)
{
    return s_fx_new(1 << 20, 1000);
}

static void
s_fx_destroy(fx_t **fx_p)
{
    fx_t *fx = *fx_p;
    ry_channel_destroy(&fx->ch);
    intake_cases_destroy(&fx->ic);
    assert_null(fx->ic);
    ry_store_destroy(&fx->st);
    assert_int_equal(ut_rmtree(fx->dir), 0);
    free(fx);
    *fx_p = NULL;
}

/* ------------------------------------------------------------ store views */

typedef struct {
    int n;
    uint8_t *last; /* the last row's value, malloc'd */
    size_t last_len;
} rows_t;

static int
s_row(const ry_val_t *key, const ry_val_t *val, void *arg)
{
    (void)key;
    rows_t *r = arg;
    r->n++;
    free(r->last);
    r->last = malloc(val->len ? val->len : 1);
    assert_non_null(r->last);
    memcpy(r->last, val->data, val->len);
    r->last_len = val->len;
    return 0;
}

/* The outbox rows to one peer (keys are "peer\0" + be64 seq). */
static rows_t
s_outbox(fx_t *fx, const char *peer)
{
    rows_t r = {0, NULL, 0};
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_scan(txn, "ry_outbox", peer, strlen(peer) + 1, NULL,
                                 0, s_row, &r),
                     0);
    ry_txn_abort(&txn);
    return r;
}

static int
s_outbox_rows(fx_t *fx, const char *peer)
{
    rows_t r = s_outbox(fx, peer);
    free(r.last);
    return r.n;
}

/* The last outbox row to 'peer', decoded as an envelope. */
static Rongyu__Envelope *
s_last_sent(fx_t *fx, const char *peer)
{
    rows_t r = s_outbox(fx, peer);
    assert_true(r.n > 0);
    Rongyu__Envelope *e = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, r.last, r.last_len, 0);
    assert_non_null(e);
    free(r.last);
    return e;
}

/* ------------------------------------------------------------ requests */

/* Applies one request frame in its own write transaction, committed when
 * the handler keeps its writes. Returns the handler's code and the decoded
 * reply (the caller frees it with rongyu__reply__free_unpacked). */
static int
s_call(fx_t *fx, const uint8_t *data, size_t len, Rongyu__Reply **out)
{
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    uint8_t *reply = NULL;
    size_t rlen = 0;
    int rc = intake_requests_on_request(fx->ic, txn, data, len, &reply, &rlen);
    if (rc == 0)
        assert_int_equal(ry_txn_commit(&txn), 0);
    else
        ry_txn_abort(&txn);
    assert_non_null(reply);
    *out = rongyu__reply__unpack(NULL, rlen, reply);
    assert_non_null(*out);
    free(reply);
    /* Every text of every reply is UTF-8: a client's protobuf library
     * refuses a reply that holds other bytes (protobuf-c does not). */
    char why[400];
    if (ry_text_check(&(*out)->base, SIZE_MAX, why, sizeof why) != 0)
        fail_msg("the reply holds text that is not UTF-8: %s", why);
    /* The handler keeps its writes exactly when it answers OK. */
    assert_int_equal(rc == 0, (*out)->code == RONGYU__ERROR_CODE__OK);
    return rc;
}

static Rongyu__Reply *
s_send(fx_t *fx, const Rongyu__Request *req)
{
    size_t len;
    uint8_t *buf = ry_pb_pack(&req->base, &len);
    Rongyu__Reply *rep = NULL;
    ut_intake_as_request(fx->ic, fx->st, req);
    s_call(fx, buf, len, &rep);
    free(buf);
    return rep;
}

static void
s_free(Rongyu__Reply **rep)
{
    rongyu__reply__free_unpacked(*rep, NULL);
    *rep = NULL;
}

/* A request being built: every part lives here, so no allocation. */
typedef struct {
    Rongyu__Request req;
    Rongyu__Principal who;
    Rongyu__Application app;
    Rongyu__SubmitRequest submit;
    Rongyu__SaveDraftRequest draft;
    Rongyu__SubmitDraftRequest submit_draft;
    Rongyu__GetRequest get;
    Rongyu__ListRequest list;
    Rongyu__StatusRequest status;
    Rongyu__Attachment att;
    Rongyu__Attachment *atts[1];
    Rongyu__UnionInfo un;
    char key[32]; /* a fresh idempotency key when none is given */
} rq_t;

static void
s_rq(rq_t *r, const char *org, const char *role, const char *key)
{
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__Principal who = RONGYU__PRINCIPAL__INIT;
    Rongyu__Application app = RONGYU__APPLICATION__INIT;
    Rongyu__SubmitRequest submit = RONGYU__SUBMIT_REQUEST__INIT;
    Rongyu__SaveDraftRequest draft = RONGYU__SAVE_DRAFT_REQUEST__INIT;
    Rongyu__SubmitDraftRequest sd = RONGYU__SUBMIT_DRAFT_REQUEST__INIT;
    Rongyu__GetRequest get = RONGYU__GET_REQUEST__INIT;
    Rongyu__ListRequest list = RONGYU__LIST_REQUEST__INIT;
    Rongyu__StatusRequest status = RONGYU__STATUS_REQUEST__INIT;
    Rongyu__Attachment att = RONGYU__ATTACHMENT__INIT;
    memset(r, 0, sizeof *r);
    r->req = req;
    r->who = who;
    r->app = app;
    r->submit = submit;
    r->draft = draft;
    r->submit_draft = sd;
    r->get = get;
    r->list = list;
    r->status = status;
    r->att = att;
    r->atts[0] = &r->att;
    r->who.org_id = (char *)org;
    r->who.role = (char *)role;
    r->req.principal = &r->who;
    static unsigned n_keys;
    snprintf(r->key, sizeof r->key, "auto-%u", ++n_keys);
    r->req.idempotency_key = (char *)(key ? key : r->key);
    r->req.request_id = (char *)"req-1";
    /* A minimal application of 'org' under UNIT. */
    r->app.campaign_id = (char *)CAMPAIGN;
    r->app.honour = RONGYU__HONOUR__ADVANCED_HOME;
    r->app.category = RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT;
    r->app.applicant_org = (char *)org;
    r->app.organising_unit = (char *)UNIT;
    r->submit.application = &r->app;
    r->draft.application = &r->app;
}

static void
s_rq_submit(rq_t *r, const char *org, const char *key)
{
    s_rq(r, org, "grassroots", key);
    r->req.body_case = RONGYU__REQUEST__BODY_SUBMIT;
    r->req.submit = &r->submit;
}

/* A submission whose application has more than its head: deeds, and a
 * union named (what is kept apart from the case's row). */
static void
s_rq_submit_union(rq_t *r, const char *org, const char *key, const char *deeds)
{
    s_rq_submit(r, org, key);
    r->app.deeds = (char *)deeds;
    Rongyu__UnionInfo un = RONGYU__UNION_INFO__INIT;
    r->un = un;
    r->un.name = (char *)"杭州某公司工会";
    r->app.union_ = &r->un;
}

static void
s_rq_get(rq_t *r, const char *org, const char *role, const char *id)
{
    s_rq(r, org, role, NULL);
    r->get.case_id = (char *)id;
    r->req.body_case = RONGYU__REQUEST__BODY_GET;
    r->req.get = &r->get;
}

static void
s_rq_attach(rq_t *r, const char *name, const void *content, size_t len,
            const char *sha)
{
    r->att.name = (char *)name;
    r->att.kind = (char *)"application_form";
    r->att.content.data = (uint8_t *)content;
    r->att.content.len = len;
    if (sha)
        r->att.sha256 = (char *)sha;
    r->app.attachments = r->atts;
    r->app.n_attachments = 1;
}

/* Sends req, a request that makes a case; asserts OK with a case and
 * copies its id into id. */
static void
s_send_new_ok(fx_t *fx, const Rongyu__Request *req, char id[17])
{
    Rongyu__Reply *rep = s_send(fx, req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_CASE);
    assert_int_equal(strlen(rep->case_->case_->case_id), 16);
    memcpy(id, rep->case_->case_->case_id, 17);
    s_free(&rep);
}

/* Submits a minimal application of 'org'; asserts OK and copies the id. */
static void
s_submit_ok(fx_t *fx, const char *org, const char *key, Rongyu__Honour honour,
            char id[17])
{
    rq_t r;
    s_rq_submit(&r, org, key);
    r.app.honour = honour;
    s_send_new_ok(fx, &r.req, id);
}

/* Gets a case as its owner; asserts OK. */
static Rongyu__Reply *
s_get_ok(fx_t *fx, const char *org, const char *id)
{
    rq_t r;
    s_rq_get(&r, org, "grassroots", id);
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_CASE);
    assert_string_equal(rep->case_->case_->case_id, id);
    return rep;
}

/* Sends req again under request id rid: asserts the first answer (OK,
 * case id) and returns it with rid. */
static Rongyu__Reply *
s_retry_ok(fx_t *fx, Rongyu__Request *req, const char *rid, const char *id)
{
    req->request_id = (char *)rid;
    Rongyu__Reply *rep = s_send(fx, req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->request_id, rid);
    assert_string_equal(rep->case_->case_->case_id, id);
    return rep;
}

/* Sends req, another request under a key already used: asserts
 * E_CONFLICT and that the store still holds 'cases' cases. */
static void
s_assert_conflict(fx_t *fx, const Rongyu__Request *req, int cases)
{
    Rongyu__Reply *rep = s_send(fx, req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_CONFLICT);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), cases);
}

static void
s_assert_nothing_stored(fx_t *fx)
{
    assert_int_equal(ut_rows(fx->st, "cases"), 0);
    assert_int_equal(ut_rows(fx->st, "by_org_state"), 0);
    assert_int_equal(ut_rows(fx->st, "audit"), 0);
    assert_int_equal(ut_rows(fx->st, "idem"), 0);
    assert_int_equal(ut_rows(fx->st, "blobs"), 0);
    assert_int_equal(ut_rows(fx->st, "ry_outbox"), 0);
}

/* ------------------------------------------------------------ bad input */

static void
test_garbage_request_is_malformed_and_stores_nothing(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    const uint8_t junk[] = {0x12, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02, 0x03};
    Rongyu__Reply *rep;
    assert_int_not_equal(s_call(fx, junk, sizeof junk, &rep), 0);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MALFORMED);
    assert_true(strlen(rep->message_en) > 0);
    s_free(&rep);
    /* No frame at all (the channel's multi-part case). */
    assert_int_not_equal(s_call(fx, NULL, 0, &rep), 0);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MALFORMED);
    s_free(&rep);
    s_assert_nothing_stored(fx);
    s_fx_destroy(&fx);
}

static void
test_empty_frame_is_refused_with_a_clear_error(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    /* Zero bytes decode as a request with every field at its default: a
     * key that is not registered is refused first, a registered one
     * learns the request has no body. */
    const uint8_t none[1] = {0};
    Rongyu__Reply *rep;
    assert_int_not_equal(s_call(fx, none, 0, &rep), 0);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_UNAUTHENTICATED);
    assert_true(strlen(rep->message_en) > 0);
    assert_true(strlen(rep->message_zh) > 0);
    assert_non_null(strstr(rep->detail, "not registered"));
    s_free(&rep);
    ut_intake_as(fx->ic, fx->st, "org-1", "grassroots");
    assert_int_not_equal(s_call(fx, none, 0, &rep), 0);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_UNSUPPORTED);
    assert_non_null(strstr(rep->detail, "has no body"));
    assert_null(strstr(rep->detail, "unknown field"));
    s_free(&rep);
    /* A body of a field number this version does not know (999, length
     * delimited, empty): named in the detail. */
    const uint8_t unknown[] = {0xba, 0x3e, 0x00};
    assert_int_not_equal(s_call(fx, unknown, sizeof unknown, &rep), 0);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_UNSUPPORTED);
    assert_non_null(strstr(rep->detail, "unknown field number(s): 999"));
    s_free(&rep);
    s_assert_nothing_stored(fx);
    s_fx_destroy(&fx);
}

static void
test_request_without_principal_acts_as_its_key(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    /* A key of org-1: stating nobody, the request acts as org-1. */
    ut_intake_as(fx->ic, fx->st, "org-1", "grassroots");
    s_rq_submit(&r, "org-1", "k1");
    r.req.principal = NULL;
    size_t len;
    uint8_t *buf = ry_pb_pack(&r.req.base, &len);
    Rongyu__Reply *rep;
    assert_int_equal(s_call(fx, buf, len, &rep), 0);
    free(buf);
    assert_string_equal(rep->request_id, "req-1");
    assert_string_equal(rep->case_->case_->application->applicant_org,
                        "org-1");
    s_free(&rep);
    /* The same key stating another organisation, or another role, is
     * refused and nothing is stored. */
    s_rq_submit(&r, "org-2", "k2");
    buf = ry_pb_pack(&r.req.base, &len);
    assert_int_not_equal(s_call(fx, buf, len, &rep), 0);
    free(buf);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    assert_non_null(strstr(rep->detail, "registered to 'org-1'"));
    s_free(&rep);
    s_rq_submit(&r, "org-1", "k3");
    r.who.role = (char *)"city";
    buf = ry_pb_pack(&r.req.base, &len);
    assert_int_not_equal(s_call(fx, buf, len, &rep), 0);
    free(buf);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 1);
    s_fx_destroy(&fx);
}

/* A platform key stating a role but not the organisation it acts for is
 * refused for the missing org_id: it never falls back to the platform's
 * own (city-wide) rights. */
static void
test_platform_role_without_org_is_missing_org(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    ut_intake_as(fx->ic, fx->st, "platform", "platform");
    s_rq_submit(&r, "", "k1");
    r.who.org_id = (char *)"";
    r.who.role = (char *)"";
    r.who.kind = RONGYU__ROLE__ROLE_GRASSROOTS;
    size_t len;
    uint8_t *buf = ry_pb_pack(&r.req.base, &len);
    Rongyu__Reply *rep;
    assert_int_not_equal(s_call(fx, buf, len, &rep), 0);
    free(buf);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    assert_string_equal(rep->field_path, "principal.org_id");
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 0);
    s_fx_destroy(&fx);
}

/* Sends req with the key of (org, role) as it stands (no registration). */
static Rongyu__Reply *
s_send_with(fx_t *fx, const char *org, const char *role,
            const Rongyu__Request *req)
{
    char key[41];
    ut_intake_key_of(org, role, key);
    intake_keys_set_test_key(fx->ic, key);
    size_t len;
    uint8_t *buf = ry_pb_pack(&req->base, &len);
    Rongyu__Reply *rep = NULL;
    s_call(fx, buf, len, &rep);
    free(buf);
    return rep;
}

static void
test_revoked_key_is_refused_on_its_next_request(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    /* The city revokes org-1's key... */
    char key[41];
    ut_intake_key_of("org-1", "grassroots", key);
    ut_intake_as(fx->ic, fx->st, "city", "city");
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__KeyRevokeRequest rv = RONGYU__KEY_REVOKE_REQUEST__INIT;
    rv.public_key = key;
    req.body_case = RONGYU__REQUEST__BODY_KEY_REVOKE;
    req.key_revoke = &rv;
    req.idempotency_key = (char *)"revoke-org-1";
    rep = s_send_with(fx, "city", "city", &req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->keys->n_keys, 1);
    assert_true(rep->keys->keys[0]->revoked_at_ms > 0);
    assert_non_null(strstr(rep->keys->keys[0]->revoked_by, "city"));
    s_free(&rep);
    /* ...and its next request is refused, storing nothing. */
    uint64_t cases = ut_rows(fx->st, "cases");
    s_rq_submit(&r, "org-1", "k2");
    rep = s_send_with(fx, "org-1", "grassroots", &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_UNAUTHENTICATED);
    assert_non_null(strstr(rep->detail, "revoked"));
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), cases);
    /* A grassroots key registers no key. */
    ut_intake_as(fx->ic, fx->st, "org-2", "grassroots");
    Rongyu__KeyAddRequest ka = RONGYU__KEY_ADD_REQUEST__INIT;
    char other[41];
    ut_intake_key_of("org-3", "grassroots", other);
    ka.public_key = other;
    ka.org_id = (char *)"org-3";
    ka.role = (char *)"grassroots";
    req.body_case = RONGYU__REQUEST__BODY_KEY_ADD;
    req.key_add = &ka;
    rep = s_send_with(fx, "org-2", "grassroots", &req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    s_free(&rep);
    s_fx_destroy(&fx);
}

static void
test_unknown_role_is_invalid(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    r.who.role = (char *)"admin";
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    s_free(&rep);
    s_assert_nothing_stored(fx);
    s_fx_destroy(&fx);
}

static void
test_submit_without_honour_is_missing_field(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    r.app.honour = RONGYU__HONOUR__HONOUR_UNSPECIFIED;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    assert_non_null(strstr(rep->detail, "honour"));
    s_free(&rep);
    s_assert_nothing_stored(fx);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ submit */

static void
test_valid_submission_creates_one_submitted_case(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit(&r, "org-1", "key-of-case-one");
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->request_id, "req-1");
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_CASE);
    const Rongyu__Case *c = rep->case_->case_;
    assert_int_equal(strlen(c->case_id), 16);
    assert_int_equal(strspn(c->case_id, "0123456789abcdef"), 16);
    assert_int_equal(c->state, RONGYU__CASE_STATE__SUBMITTED);
    assert_int_equal(c->revision, 1);
    assert_true(c->submitted_at_ms > 0);
    assert_string_equal(c->application->applicant_org, "org-1");
    char id[17];
    memcpy(id, c->case_id, 17);
    s_free(&rep);

    assert_int_equal(ut_rows(fx->st, "cases"), 1);
    assert_int_equal(ut_rows(fx->st, "audit"), 1);
    assert_int_equal(ut_rows(fx->st, "idem"), 1);
    assert_int_equal(s_outbox_rows(fx, "validation"), 1);
    assert_int_equal(s_outbox_rows(fx, "notification"), 1);
    assert_int_equal(ry_channel_outbox_depth(fx->ch, "validation"), 1);
    assert_int_equal(ry_channel_outbox_depth(fx->ch, "notification"), 1);

    /* What validation will get: the case, revision 1. */
    Rongyu__Envelope *e = s_last_sent(fx, "validation");
    assert_int_equal(e->kind, RONGYU__ENVELOPE_KIND__DATA);
    assert_int_equal(e->type, RONGYU__MESSAGE_TYPE__VALIDATE_CASE);
    assert_int_equal(e->link_seq, 1);
    assert_string_equal(e->sender_id, "intake");
    assert_string_equal(e->correlation_id, id);
    Rongyu__ValidateCase *vc =
        rongyu__validate_case__unpack(NULL, e->payload.len, e->payload.data);
    assert_non_null(vc);
    assert_string_equal(vc->case_id, id);
    assert_int_equal(vc->revision, 1);
    /* org-1 is not registered: no kind for validation to check. */
    assert_int_equal(vc->applicant_kind,
                     RONGYU__ORG_KIND__ORG_KIND_UNSPECIFIED);
    rongyu__validate_case__free_unpacked(vc, NULL);
    ry_pb_free(&e);
    e = s_last_sent(fx, "notification");
    assert_int_equal(e->type, RONGYU__MESSAGE_TYPE__CASE_EVENT);
    Rongyu__CaseEvent *ev =
        rongyu__case_event__unpack(NULL, e->payload.len, e->payload.data);
    assert_non_null(ev);
    assert_string_equal(ev->event, "submitted");
    assert_int_equal(ev->state, RONGYU__CASE_STATE__SUBMITTED);
    rongyu__case_event__free_unpacked(ev, NULL);
    ry_pb_free(&e);

    /* The owner reads it back with its one audit entry. */
    rep = s_get_ok(fx, "org-1", id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    assert_int_equal(rep->case_->n_audit, 1);
    assert_string_equal(rep->case_->audit[0]->what, "submitted");
    assert_string_equal(rep->case_->audit[0]->actor, "org-1");
    assert_int_equal(rep->case_->audit[0]->to, RONGYU__CASE_STATE__SUBMITTED);
    /* The case is stored without its id, which is its row's key, and
     * read back with it; and without the idempotency key it was created
     * with (up to 200 bytes a row need not hold). */
    assert_string_equal(rep->case_->case_->case_id, id);
    assert_string_equal(rep->case_->case_->idempotency_key, "");
    assert_string_equal(rep->case_->audit[0]->case_id, id);
    s_free(&rep);
    ry_txn_t *txn;
    ry_val_t v;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_get(txn, "cases", id, 16, &v), 0);
    Rongyu__Case *row = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor,
                                                     v.data, v.len, 0);
    assert_non_null(row);
    assert_string_equal(row->case_id, "");
    assert_string_equal(row->idempotency_key, "");
    assert_null(memmem(v.data, v.len, "key-of-case-one", 15));
    assert_int_equal(row->state, RONGYU__CASE_STATE__SUBMITTED);
    ry_pb_free(&row);
    /* Its audit entry, numbered 1 under id \0. */
    uint8_t akey[16 + 1 + 8] = {0};
    memcpy(akey, id, 16);
    akey[16 + 8] = 1;
    assert_int_equal(ry_txn_get(txn, "audit", akey, sizeof akey, &v), 0);
    ry_txn_abort(&txn);
    s_fx_destroy(&fx);
}

static void
test_retry_with_same_key_and_body_returns_the_same_case(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    /* A retry may carry a new request id. */
    Rongyu__Reply *rep = s_retry_ok(fx, &r.req, "req-2", id);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 1);
    assert_int_equal(ut_rows(fx->st, "audit"), 1);
    assert_int_equal(s_outbox_rows(fx, "validation"), 1);
    assert_int_equal(s_outbox_rows(fx, "notification"), 1);
    s_fx_destroy(&fx);
}

/* A brief submission is answered with the case's head, first and on a
 * retry; the case is stored whole; the same key without brief is another
 * request. */
static void
test_brief_submission_answers_without_the_application(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    r.submit.brief = true;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    const Rongyu__Case *c = rep->case_->case_;
    assert_int_equal(strlen(c->case_id), 16);
    assert_int_equal(c->state, RONGYU__CASE_STATE__SUBMITTED);
    assert_int_equal(c->revision, 1);
    assert_true(c->submitted_at_ms > 0);
    assert_null(c->application);
    char id[17];
    memcpy(id, c->case_id, 17);
    s_free(&rep);
    rep = s_retry_ok(fx, &r.req, "req-2", id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    assert_null(rep->case_->case_->application);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 1);
    assert_int_equal(s_outbox_rows(fx, "validation"), 1);
    rep = s_get_ok(fx, "org-1", id);
    assert_non_null(rep->case_->case_->application);
    assert_string_equal(rep->case_->case_->application->applicant_org,
                        "org-1");
    s_free(&rep);
    r.submit.brief = false;
    s_assert_conflict(fx, &r.req, 1);
    s_fx_destroy(&fx);
}

/* protocol.md: what is compared is the request's fields as received,
 * but its key and request id. The same fields in another order (a
 * client's other encoder) are another request: E_CONFLICT, nothing
 * stored. */
static void
test_same_fields_in_another_order_is_conflict(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit(&r, "org-1", "k-order");
    size_t len;
    uint8_t *first = ry_pb_pack(&r.req.base, &len);
    ut_intake_as_request(fx->ic, fx->st, &r.req);
    Rongyu__Reply *rep = NULL;
    assert_int_equal(s_call(fx, first, len, &rep), 0);
    s_free(&rep);
    uint8_t *rev = ut_pb_reversed(first, len);
    assert_non_null(rev);
    assert_memory_not_equal(rev, first, len);
    s_call(fx, rev, len, &rep);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_CONFLICT);
    s_free(&rep);
    /* The bytes as first sent still get the first answer. */
    assert_int_equal(s_call(fx, first, len, &rep), 0);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 1);
    assert_int_equal(ut_rows(fx->st, "idem"), 1);
    free(rev);
    free(first);
    s_fx_destroy(&fx);
}

static void
test_same_key_with_another_body_is_conflict(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    r.app.honour = RONGYU__HONOUR__MODEL_HOME;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_CONFLICT);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY__NOT_SET);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 1);
    assert_int_equal(s_outbox_rows(fx, "validation"), 1);
    /* The same key of another organisation is another key. */
    char other[17];
    s_submit_ok(fx, "org-2", "k1", RONGYU__HONOUR__MODEL_HOME, other);
    assert_string_not_equal(other, id);
    assert_int_equal(ut_rows(fx->st, "cases"), 2);
    s_fx_destroy(&fx);
}

static void
test_grassroots_may_not_submit_for_another_org(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit(&r, "org-2", "k1");
    r.app.applicant_org = (char *)"org-1";
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    s_free(&rep);
    s_assert_nothing_stored(fx);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ get, list */

static void
test_get_is_allowed_to_owner_and_unit_only(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    rq_t r;
    Rongyu__Reply *rep;

    /* Another org's case answers as an unknown one: it learns nothing. */
    s_rq_get(&r, "org-2", "grassroots", id);
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY__NOT_SET);
    assert_string_equal(rep->field_path, "get.case_id");
    s_free(&rep);
    s_rq_get(&r, "org-2", "grassroots", "ffffffffffffffff");
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    s_free(&rep);

    s_rq_get(&r, UNIT, "unit", id);
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->case_->case_->case_id, id);
    s_free(&rep);

    s_rq_get(&r, OTHER_UNIT, "unit", id);
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    s_free(&rep);

    s_rq_get(&r, "city-federation", "city", id);
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);

    s_rq_get(&r, "org-1", "grassroots", "00000000000000ff");
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    s_free(&rep);
    s_fx_destroy(&fx);
}

/* Lists as 'org' (grassroots) with filters; returns the reply. */
static Rongyu__Reply *
s_list(fx_t *fx, const char *org, Rongyu__CaseState st, Rongyu__Honour h,
       const char *after, uint32_t limit)
{
    rq_t r;
    s_rq(&r, org, "grassroots", NULL);
    r.list.state = st;
    r.list.honour = h;
    r.list.after_case_id = (char *)(after ? after : "");
    r.list.limit = limit;
    r.req.body_case = RONGYU__REQUEST__BODY_LIST;
    r.req.list = &r.list;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_LIST);
    return rep;
}

static void
test_list_filters_by_state_and_honour_and_pages(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    const Rongyu__Honour h[5] = {
        RONGYU__HONOUR__ADVANCED_HOME, RONGYU__HONOUR__MODEL_HOME,
        RONGYU__HONOUR__ADVANCED_HOME, RONGYU__HONOUR__MODEL_HOME,
        RONGYU__HONOUR__ADVANCED_HOME};
    char ids[5][17];
    for (int i = 0; i < 5; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%d", i);
        s_submit_ok(fx, "org-1", key, h[i], ids[i]);
    }
    /* A draft of org-1 and a case of org-2 that org-1 must not see. */
    rq_t r;
    s_rq(&r, "org-1", "grassroots", "d1");
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    char other[17];
    s_submit_ok(fx, "org-2", "k0", RONGYU__HONOUR__ADVANCED_HOME, other);

    /* Pages of two over the five submitted cases, in id order. */
    const char *after = NULL;
    char next[17] = "";
    int seen = 0;
    for (int page = 0; page < 3; page++) {
        rep = s_list(fx, "org-1", RONGYU__CASE_STATE__SUBMITTED, 0, after, 2);
        size_t want = page < 2 ? 2 : 1;
        assert_int_equal(rep->list->n_cases, want);
        for (size_t i = 0; i < rep->list->n_cases; i++) {
            assert_string_equal(rep->list->cases[i]->case_id, ids[seen]);
            seen++;
        }
        if (page < 2) {
            assert_string_equal(rep->list->next_after, ids[seen - 1]);
            snprintf(next, sizeof next, "%s", rep->list->next_after);
            after = next;
        } else {
            assert_string_equal(rep->list->next_after, "");
        }
        s_free(&rep);
    }
    assert_int_equal(seen, 5);
    /* A full page that holds the last case says so: no next_after. */
    rep = s_list(fx, "org-1", RONGYU__CASE_STATE__SUBMITTED, 0, NULL, 5);
    assert_int_equal(rep->list->n_cases, 5);
    assert_string_equal(rep->list->next_after, "");
    s_free(&rep);

    rep = s_list(fx, "org-1", 0, RONGYU__HONOUR__MODEL_HOME, NULL, 0);
    assert_int_equal(rep->list->n_cases, 2);
    assert_string_equal(rep->list->cases[0]->case_id, ids[1]);
    assert_string_equal(rep->list->cases[1]->case_id, ids[3]);
    s_free(&rep);
    rep = s_list(fx, "org-1", RONGYU__CASE_STATE__SUBMITTED,
                 RONGYU__HONOUR__ADVANCED_HOME, NULL, 0);
    assert_int_equal(rep->list->n_cases, 3);
    s_free(&rep);
    rep = s_list(fx, "org-1", RONGYU__CASE_STATE__DRAFT, 0, NULL, 0);
    assert_int_equal(rep->list->n_cases, 1);
    assert_int_equal(rep->list->cases[0]->state, RONGYU__CASE_STATE__DRAFT);
    s_free(&rep);
    rep = s_list(fx, "org-1", 0, 0, NULL, 0);
    assert_int_equal(rep->list->n_cases, 6);
    s_free(&rep);
    rep = s_list(fx, "org-2", 0, 0, NULL, 0);
    assert_int_equal(rep->list->n_cases, 1);
    assert_string_equal(rep->list->cases[0]->case_id, other);
    s_free(&rep);
    rep = s_list(fx, "org-3", 0, 0, NULL, 0);
    assert_int_equal(rep->list->n_cases, 0);
    assert_string_equal(rep->list->next_after, "");
    s_free(&rep);

    /* A grassroots org may not ask for another org's list. */
    s_rq(&r, "org-2", "grassroots", NULL);
    r.list.applicant_org = (char *)"org-1";
    r.req.body_case = RONGYU__REQUEST__BODY_LIST;
    r.req.list = &r.list;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    s_free(&rep);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ drafts */

static void
test_draft_is_saved_edited_and_submitted(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq(&r, "org-1", "grassroots", "d1");
    r.app.honour = RONGYU__HONOUR__HONOUR_UNSPECIFIED; /* drafts may lack it */
    r.app.deeds = (char *)"first version";
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__DRAFT);
    assert_int_equal(rep->case_->case_->revision, 1);
    char id[17];
    memcpy(id, rep->case_->case_->case_id, 17);
    s_free(&rep);
    /* A draft goes to no validation; notification follows its posting. */
    assert_int_equal(s_outbox_rows(fx, "validation"), 0);
    assert_int_equal(s_outbox_rows(fx, "notification"), 1);

    s_rq(&r, "org-1", "grassroots", "d2");
    r.app.deeds = (char *)"second version";
    r.draft.case_id = id;
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->case_->case_->case_id, id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__DRAFT);
    assert_int_equal(rep->case_->case_->revision, 1);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 1);
    rep = s_get_ok(fx, "org-1", id);
    assert_string_equal(rep->case_->case_->application->deeds,
                        "second version");
    s_free(&rep);

    /* Another org may not edit it: to it the case does not exist. */
    s_rq(&r, "org-2", "grassroots", "d3");
    r.draft.case_id = id;
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    s_free(&rep);

    s_rq(&r, "org-1", "grassroots", "s1");
    r.submit_draft.case_id = id;
    r.req.body_case = RONGYU__REQUEST__BODY_SUBMIT_DRAFT;
    r.req.submit_draft = &r.submit_draft;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->case_->case_->case_id, id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    s_free(&rep);
    assert_int_equal(s_outbox_rows(fx, "validation"), 1);
    assert_int_equal(s_outbox_rows(fx, "notification"), 3);
    rep = s_get_ok(fx, "org-1", id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    assert_int_equal(rep->case_->n_audit, 3);
    assert_string_equal(rep->case_->audit[0]->what, "draft saved");
    assert_string_equal(rep->case_->audit[1]->what, "draft edited");
    assert_string_equal(rep->case_->audit[2]->what, "submitted");
    s_free(&rep);
    s_fx_destroy(&fx);
}

static void
test_draft_without_honour_cannot_be_submitted(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq(&r, "org-1", "grassroots", "d1");
    r.app.honour = RONGYU__HONOUR__HONOUR_UNSPECIFIED;
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    char id[17];
    s_send_new_ok(fx, &r.req, id);
    s_rq(&r, "org-1", "grassroots", "s1");
    r.submit_draft.case_id = id;
    r.req.body_case = RONGYU__REQUEST__BODY_SUBMIT_DRAFT;
    r.req.submit_draft = &r.submit_draft;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    s_free(&rep);
    rep = s_get_ok(fx, "org-1", id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__DRAFT);
    s_free(&rep);
    assert_int_equal(s_outbox_rows(fx, "validation"), 0);
    assert_int_equal(s_outbox_rows(fx, "notification"), 1);
    s_fx_destroy(&fx);
}

static void
test_submitting_or_editing_a_non_draft_is_bad_state(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    rq_t r;
    s_rq(&r, "org-1", "grassroots", "s1");
    r.submit_draft.case_id = id;
    r.req.body_case = RONGYU__REQUEST__BODY_SUBMIT_DRAFT;
    r.req.submit_draft = &r.submit_draft;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_BAD_STATE);
    s_free(&rep);

    s_rq(&r, "org-1", "grassroots", "d1");
    r.draft.case_id = id;
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_BAD_STATE);
    s_free(&rep);

    s_rq(&r, "org-1", "grassroots", "s2");
    r.submit_draft.case_id = (char *)"0000000000000001";
    r.req.body_case = RONGYU__REQUEST__BODY_SUBMIT_DRAFT;
    r.req.submit_draft = &r.submit_draft;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    s_free(&rep);

    assert_int_equal(ut_rows(fx->st, "audit"), 1);
    assert_int_equal(s_outbox_rows(fx, "validation"), 1);
    rep = s_get_ok(fx, "org-1", id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    s_free(&rep);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ campaigns */

/* Sets the campaigns intake knows: the built-in one, and the file at
 * RY_SOURCE_DIR/path when path is not NULL. */
static void
s_campaigns(fx_t *fx, const char *path)
{
    ry_campaigns_t *reg;
    assert_int_equal(ry_campaigns_new(&reg), 0);
    if (path) {
        char file[512], err[256];
        snprintf(file, sizeof file, "%s/%s", RY_SOURCE_DIR, path);
        ry_campaign_t *c;
        assert_int_equal(ry_campaign_load_file(file, &c, err, sizeof err), 0);
        assert_int_equal(ry_campaigns_add(reg, &c), 0);
    }
    intake_cases_set_campaigns(fx->ic, &reg);
    assert_null(reg);
}

static void
test_unknown_campaign_is_not_found_and_stores_nothing(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit(&r, "org-1", "c1");
    r.app.campaign_id = (char *)"no-such-campaign";
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    assert_string_equal(rep->field_path, "submit.application.campaign_id");
    assert_non_null(strstr(rep->detail, "'no-such-campaign'"));
    s_free(&rep);
    s_assert_nothing_stored(fx);
    /* A draft naming it: the same, at its own path. */
    s_rq(&r, "org-1", "grassroots", "c2");
    r.app.campaign_id = (char *)"no-such-campaign";
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    assert_string_equal(rep->field_path, "save_draft.application.campaign_id");
    s_free(&rep);
    s_assert_nothing_stored(fx);

    /* A draft of a campaign loaded then, gone at its submission (its file
     * removed before a restart): refused, the draft stays a draft and
     * nothing goes to validation. */
    s_campaigns(fx, "tests/data/campaigns/hangzhou-2026.json");
    s_rq(&r, "org-1", "grassroots", "c3");
    r.app.campaign_id = (char *)"hangzhou-2026";
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    char id[17];
    s_send_new_ok(fx, &r.req, id);
    s_campaigns(fx, NULL);
    s_rq(&r, "org-1", "grassroots", "c4");
    r.submit_draft.case_id = id;
    r.req.body_case = RONGYU__REQUEST__BODY_SUBMIT_DRAFT;
    r.req.submit_draft = &r.submit_draft;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    assert_string_equal(rep->field_path,
                        "submit_draft.application.campaign_id");
    assert_non_null(strstr(rep->detail, "'hangzhou-2026'"));
    s_free(&rep);
    rep = s_get_ok(fx, "org-1", id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__DRAFT);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 1);
    assert_int_equal(s_outbox_rows(fx, "validation"), 0);

    /* The campaigns intake has are taken, each judged by its own. */
    s_campaigns(fx, "tests/data/campaigns/hangzhou-2026.json");
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    s_free(&rep);
    s_submit_ok(fx, "org-1", "c5", RONGYU__HONOUR__ADVANCED_HOME, id);
    assert_int_equal(ut_rows(fx->st, "cases"), 2);
    assert_int_equal(s_outbox_rows(fx, "validation"), 2);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ bounds */

/* The numbers of an application beside r's: a union, five counted rates
 * and two held honours, every one within its range. */
typedef struct {
    Rongyu__UnionInfo un;
    Rongyu__Ratio ratio[5];
    Rongyu__Rate rate[5];
    Rongyu__Metrics metrics;
    Rongyu__HeldHonour held[2];
    Rongyu__HeldHonour *heldp[2];
} nums_t;

static void
s_nums(rq_t *r, nums_t *n)
{
    Rongyu__UnionInfo un = RONGYU__UNION_INFO__INIT;
    Rongyu__Metrics metrics = RONGYU__METRICS__INIT;
    n->un = un;
    n->un.workers = 1000;
    n->un.members = 968;
    n->un.branch_count = 4;
    n->un.group_count = 12;
    n->un.fulltime_cadres = 1;
    n->un.parttime_cadres = 9;
    n->metrics = metrics;
    Rongyu__Rate **rates[5] = {&n->metrics.formation, &n->metrics.membership,
                               &n->metrics.satisfaction, &n->metrics.realname,
                               &n->metrics.chair_satisfaction};
    for (int i = 0; i < 5; i++) {
        rongyu__ratio__init(&n->ratio[i]);
        n->ratio[i].num = 968;
        n->ratio[i].den = 1000;
        rongyu__rate__init(&n->rate[i]);
        n->rate[i].value_case = RONGYU__RATE__VALUE_COUNTS;
        n->rate[i].counts = &n->ratio[i];
        *rates[i] = &n->rate[i];
    }
    for (int i = 0; i < 2; i++) {
        rongyu__held_honour__init(&n->held[i]);
        n->held[i].name = (char *)"萧山区先进职工之家";
        n->held[i].level = RONGYU__HONOUR_LEVEL__COUNTY;
        n->held[i].year = 2016;
        n->heldp[i] = &n->held[i];
    }
    r->app.union_ = &n->un;
    r->app.metrics = &n->metrics;
    r->app.held_honours = n->heldp;
    r->app.n_held_honours = 2;
}

/* Sets the count at 'path' (from the application) of n to v. */
static void
s_set_count(nums_t *n, const char *path, uint64_t v)
{
    static const char *const rates[5] = {"formation", "membership",
                                         "satisfaction", "realname",
                                         "chair_satisfaction"};
    char f[64];
    for (int i = 0; i < 5; i++) {
        snprintf(f, sizeof f, "metrics.%s.counts.num", rates[i]);
        if (strcmp(path, f) == 0) {
            n->ratio[i].num = v;
            return;
        }
        snprintf(f, sizeof f, "metrics.%s.counts.den", rates[i]);
        if (strcmp(path, f) == 0) {
            n->ratio[i].den = v;
            return;
        }
    }
    if (strcmp(path, "union.workers") == 0)
        n->un.workers = v;
    else if (strcmp(path, "union.members") == 0)
        n->un.members = v;
    else if (strcmp(path, "union.branch_count") == 0)
        n->un.branch_count = (uint32_t)v;
    else if (strcmp(path, "union.group_count") == 0)
        n->un.group_count = (uint32_t)v;
    else if (strcmp(path, "union.fulltime_cadres") == 0)
        n->un.fulltime_cadres = (uint32_t)v;
    else if (strcmp(path, "union.parttime_cadres") == 0)
        n->un.parttime_cadres = (uint32_t)v;
    else
        fail_msg("no count at %s", path);
}

/* Sends r as a submission ('body' "submit") or a draft ("save_draft") and
 * asserts E_OUT_OF_RANGE at body.application.'field' and that nothing was
 * stored. */
static void
s_assert_out_of_range(fx_t *fx, rq_t *r, const char *body, const char *field)
{
    if (strcmp(body, "submit") == 0) {
        r->req.body_case = RONGYU__REQUEST__BODY_SUBMIT;
        r->req.submit = &r->submit;
    } else {
        r->req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
        r->req.save_draft = &r->draft;
    }
    Rongyu__Reply *rep = s_send(fx, &r->req);
    char path[160];
    snprintf(path, sizeof path, "%s.application.%s", body, field);
    if (rep->code != RONGYU__ERROR_CODE__E_OUT_OF_RANGE ||
        strcmp(rep->field_path, path) != 0)
        fail_msg("%s: code %d at '%s' (%s)", path, rep->code, rep->field_path,
                 rep->detail);
    assert_non_null(strstr(rep->detail, field));
    s_free(&rep);
    s_assert_nothing_stored(fx);
}

static void
test_counts_and_years_beyond_their_range_are_refused(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    static const char *const counts[] = {
        "union.workers",
        "union.members",
        "union.branch_count",
        "union.group_count",
        "union.fulltime_cadres",
        "union.parttime_cadres",
        "metrics.formation.counts.num",
        "metrics.formation.counts.den",
        "metrics.membership.counts.num",
        "metrics.membership.counts.den",
        "metrics.satisfaction.counts.num",
        "metrics.satisfaction.counts.den",
        "metrics.realname.counts.num",
        "metrics.realname.counts.den",
        "metrics.chair_satisfaction.counts.num",
        "metrics.chair_satisfaction.counts.den",
    };
    /* Just over the bound, and values a signed 64-bit count shows
     * negative (2^64 - 1: -1; 2^63), each in a submission and a draft. */
    const uint64_t over[] = {INTAKE_COUNT_MAX + 1ull, UINT64_MAX,
                             (uint64_t)1 << 63, UINT32_MAX};
    rq_t r;
    nums_t n;
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        for (size_t k = 0; k < sizeof over / sizeof *over; k++) {
            bool narrow = strncmp(counts[i], "union.", 6) == 0 &&
                          strcmp(counts[i], "union.workers") != 0 &&
                          strcmp(counts[i], "union.members") != 0;
            if (narrow && over[k] > UINT32_MAX)
                continue; /* a uint32 field */
            s_rq(&r, "org-1", "grassroots", NULL);
            s_nums(&r, &n);
            s_set_count(&n, counts[i], over[k]);
            s_assert_out_of_range(fx, &r, k % 2 ? "save_draft" : "submit",
                                  counts[i]);
        }
    }
    /* A held honour's year: before 1949, after the campaign's (2018),
     * the tester's -2^31; the second of two honours named by its index. */
    const int32_t years[] = {INTAKE_HONOUR_YEAR_MIN - 1, 2019, INT32_MIN,
                             INT32_MAX, -1};
    for (size_t k = 0; k < sizeof years / sizeof *years; k++) {
        s_rq(&r, "org-1", "grassroots", NULL);
        s_nums(&r, &n);
        n.held[1].year = years[k];
        s_assert_out_of_range(fx, &r, k % 2 ? "save_draft" : "submit",
                              "held_honours[1].year");
    }

    /* Every bound itself is taken, and a year not given (0); a rate over
     * 100% is still validation's to judge (R_RATE_RANGE), not refused. */
    s_rq_submit(&r, "org-1", NULL);
    s_nums(&r, &n);
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        s_set_count(&n, counts[i], INTAKE_COUNT_MAX);
    n.held[0].year = INTAKE_HONOUR_YEAR_MIN;
    n.held[1].year = 2018;
    char id[17];
    s_send_new_ok(fx, &r.req, id);
    s_rq_submit(&r, "org-1", NULL);
    s_nums(&r, &n);
    n.held[1].year = 0;
    n.ratio[1].num = 120;
    n.ratio[1].den = 100;
    n.un.members = 1200;
    s_send_new_ok(fx, &r.req, id);
    Rongyu__Reply *rep = s_get_ok(fx, "org-1", id);
    const Rongyu__Application *a = rep->case_->case_->application;
    assert_int_equal(a->metrics->membership->counts->num, 120);
    assert_int_equal(a->union_->members, 1200);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 2);
    assert_int_equal(s_outbox_rows(fx, "validation"), 2);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ identifiers */

/* Sends req and asserts E_INVALID at 'path' for an identifier of 'n'
 * bytes over 'max', and that nothing was stored of it. */
static void
s_assert_too_long(fx_t *fx, const Rongyu__Request *req, const char *path,
                  size_t n, size_t max)
{
    int cases = ut_rows(fx->st, "cases");
    int idem = ut_rows(fx->st, "idem");
    Rongyu__Reply *rep = s_send(fx, req);
    char want[64];
    snprintf(want, sizeof want, "%zu bytes, at most %zu", n, max);
    if (rep->code != RONGYU__ERROR_CODE__E_INVALID ||
        strcmp(rep->field_path, path) != 0 || !strstr(rep->detail, want))
        fail_msg("%s: code %d at '%s' (%s)", path, rep->code, rep->field_path,
                 rep->detail);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), cases);
    assert_int_equal(ut_rows(fx->st, "idem"), idem);
}

static void
test_identifiers_over_their_limit_are_invalid_naming_the_field(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id201[202], id200[201], camp101[102];
    memset(id201, 'x', 201);
    id201[201] = '\0';
    memset(id200, 'y', 200);
    id200[200] = '\0';
    memset(camp101, 'c', 101);
    camp101[101] = '\0';
    rq_t r;
    /* In an application: each identifier at its own path. */
    s_rq_submit(&r, "org-1", NULL);
    r.app.applicant_org = id201;
    s_assert_too_long(fx, &r.req, "submit.application.applicant_org", 201, 200);
    s_rq_submit(&r, "org-1", NULL);
    r.app.organising_unit = id201;
    s_assert_too_long(fx, &r.req, "submit.application.organising_unit", 201,
                      200);
    s_rq(&r, "org-1", "grassroots", NULL);
    r.app.campaign_id = camp101;
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    s_assert_too_long(fx, &r.req, "save_draft.application.campaign_id", 101,
                      100);
    s_assert_nothing_stored(fx);

    /* The principal's organisation, stated by a platform key or by the
     * key itself, in any request. */
    ut_intake_as(fx->ic, fx->st, "platform", "platform");
    s_rq_submit(&r, id201, NULL);
    Rongyu__Reply *rep = s_send_with(fx, "platform", "platform", &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "principal.org_id");
    s_free(&rep);
    s_rq(&r, id201, "grassroots", NULL);
    r.req.body_case = RONGYU__REQUEST__BODY_LIST;
    r.req.list = &r.list;
    s_assert_too_long(fx, &r.req, "principal.org_id", 201, 200);
    s_rq_get(&r, id201, "grassroots", "0000000000000001");
    s_assert_too_long(fx, &r.req, "principal.org_id", 201, 200);
    s_assert_nothing_stored(fx);

    /* At the limit: taken, and listed by it (an id of 200 bytes was
     * refused as a filter before). */
    char id[17];
    s_submit_ok(fx, id200, NULL, RONGYU__HONOUR__ADVANCED_HOME, id);
    s_rq(&r, "city", "city", NULL);
    r.req.body_case = RONGYU__REQUEST__BODY_LIST;
    r.req.list = &r.list;
    r.list.applicant_org = id200;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->list->n_cases, 1);
    assert_string_equal(rep->list->cases[0]->case_id, id);
    s_free(&rep);

    /* The filters of a listing and of a unit's postings. */
    r.list.applicant_org = id201;
    s_assert_too_long(fx, &r.req, "list.applicant_org", 201, 200);
    r.list.applicant_org = NULL;
    r.list.organising_unit = id201;
    s_assert_too_long(fx, &r.req, "list.organising_unit", 201, 200);
    Rongyu__PostingsRequest pq = RONGYU__POSTINGS_REQUEST__INIT;
    pq.organising_unit = id201;
    s_rq(&r, "city", "city", NULL);
    r.req.body_case = RONGYU__REQUEST__BODY_POSTINGS;
    r.req.postings = &pq;
    s_assert_too_long(fx, &r.req, "postings.organising_unit", 201, 200);

    /* An upload's applicant, a key's organisation, an imported row's id. */
    Rongyu__UploadRequest uq = RONGYU__UPLOAD_REQUEST__INIT;
    uq.sha256 = (char *)"c";
    uq.size = 10;
    uq.applicant_org = id201;
    s_rq(&r, "city", "city", NULL);
    r.req.body_case = RONGYU__REQUEST__BODY_UPLOAD;
    r.req.upload = &uq;
    s_assert_too_long(fx, &r.req, "upload.applicant_org", 201, 200);
    Rongyu__KeyAddRequest kq = RONGYU__KEY_ADD_REQUEST__INIT;
    char pub[41];
    ut_intake_key_of("long", "grassroots", pub);
    kq.public_key = pub;
    kq.org_id = id201;
    kq.role = (char *)"grassroots";
    s_rq(&r, "city", "city", NULL);
    r.req.body_case = RONGYU__REQUEST__BODY_KEY_ADD;
    r.req.key_add = &kq;
    s_assert_too_long(fx, &r.req, "key_add.org_id", 201, 200);
    Rongyu__Organisation org = RONGYU__ORGANISATION__INIT;
    org.id = id201;
    org.name = (char *)"某工会";
    org.kind = RONGYU__ORG_KIND__ORG_GRASSROOTS;
    Rongyu__Organisation *orgs[1] = {&org};
    Rongyu__OrgImportRequest oq = RONGYU__ORG_IMPORT_REQUEST__INIT;
    oq.orgs = orgs;
    oq.n_orgs = 1;
    s_rq(&r, "city", "city", NULL);
    r.req.body_case = RONGYU__REQUEST__BODY_ORG_IMPORT;
    r.req.org_import = &oq;
    s_assert_too_long(fx, &r.req, "org_import.orgs[0].id", 201, 200);
    assert_int_equal(ut_rows(fx->st, "orgs"), 0);
    assert_int_equal(ut_rows(fx->st, "cases"), 1);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ attachments */

static void
s_sha_hex(const void *data, size_t len, char hex[65])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

static bool
s_contains(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (memcmp((const uint8_t *)hay + i, needle, nlen) == 0)
            return true;
    return false;
}

static void
test_zip_named_pdf_is_typed_by_content_and_kept_as_blob(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    uint8_t zip[300];
    memcpy(zip, "PK\x03\x04", 4);
    for (size_t i = 4; i < sizeof zip; i++)
        zip[i] = (uint8_t)('A' + i % 26);
    char sha[65];
    s_sha_hex(zip, sizeof zip, sha);

    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    s_rq_attach(&r, "form.pdf", zip, sizeof zip, sha);
    r.att.media_type = (char *)"application/pdf"; /* a claim, not a fact */
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    const Rongyu__Application *a = rep->case_->case_->application;
    assert_int_equal(a->n_attachments, 1);
    assert_string_equal(a->attachments[0]->name, "form.pdf");
    assert_string_equal(a->attachments[0]->media_type, "application/zip");
    assert_string_equal(a->attachments[0]->sha256, sha);
    assert_int_equal(a->attachments[0]->size, sizeof zip);
    assert_int_equal(a->attachments[0]->content.len, 0);
    char id[17];
    memcpy(id, rep->case_->case_->case_id, 17);
    s_free(&rep);

    /* The content lives in blobs under its hash, not in the case record
     * nor in what is sent to validation. */
    ry_txn_t *txn;
    ry_val_t v;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_get(txn, "blobs", sha, 64, &v), 0);
    assert_int_equal(v.len, sizeof zip);
    assert_memory_equal(v.data, zip, sizeof zip);
    assert_int_equal(ry_txn_get(txn, "cases", id, 16, &v), 0);
    assert_false(s_contains(v.data, v.len, zip + 4, 64));
    uint8_t key[20];
    memcpy(key, id, 16);
    memcpy(key + 16, "\0\0\0\1", 4);
    assert_int_equal(ry_txn_get(txn, "apps", key, sizeof key, &v), 0);
    assert_false(s_contains(v.data, v.len, zip + 4, 64));
    Rongyu__Application *sa = rongyu__application__unpack(NULL, v.len, v.data);
    assert_non_null(sa);
    assert_int_equal(sa->attachments[0]->content.len, 0);
    assert_string_equal(sa->attachments[0]->media_type, "application/zip");
    /* The application kept apart holds the digest's stored form, 40
     * characters of Z85 ... */
    const char *z = sa->attachments[0]->sha256;
    assert_int_equal(strlen(z), INTAKE_DIGEST_Z85);
    char hex[INTAKE_DIGEST_HEX + 1];
    assert_true(intake_digest_unpack(z, strlen(z), hex));
    assert_string_equal(hex, sha);
    rongyu__application__free_unpacked(sa, NULL);
    /* ... and every reader of the case gets the hex digits ... */
    Rongyu__Case *k;
    assert_int_equal(intake_cases_load(txn, id, &k), 0);
    assert_string_equal(k->application->attachments[0]->sha256, sha);
    ry_pb_free(&k);
    assert_int_equal(ut_rows(fx->st, "blobs"), 1);
    rows_t out = s_outbox(fx, "validation");
    assert_int_equal(out.n, 1);
    assert_false(s_contains(out.last, out.last_len, zip + 4, 64));
    /* ... while validation, to which the relay sends the application,
     * gets none: no rule reads it. */
    uint8_t *sent;
    size_t slen;
    assert_int_equal(intake_relay_expand(NULL, txn, "validation", out.last,
                                         out.last_len, &sent, &slen),
                     0);
    Rongyu__Envelope *se = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, sent, slen, 0);
    assert_non_null(se);
    Rongyu__ValidateCase *vc = (Rongyu__ValidateCase *)ry_pb_unpack(
        &rongyu__validate_case__descriptor, se->payload.data, se->payload.len,
        0);
    assert_non_null(vc);
    assert_int_equal(vc->application->n_attachments, 1);
    assert_string_equal(vc->application->attachments[0]->sha256, "");
    assert_string_equal(vc->application->attachments[0]->name, "form.pdf");
    assert_string_equal(vc->application->attachments[0]->media_type,
                        "application/zip");
    assert_int_equal(vc->application->attachments[0]->size, sizeof zip);
    ry_pb_free(&vc);
    ry_pb_free(&se);
    free(sent);
    free(out.last);
    ry_txn_abort(&txn);

    /* Without a declared hash, the content still is what counts. */
    uint64_t w0 = ry_store_writes(fx->st);
    s_rq_submit(&r, "org-1", "k2");
    s_rq_attach(&r, "form.pdf", zip, sizeof zip, NULL);
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->case_->case_->application->attachments[0]->sha256,
                        sha);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "blobs"), 1); /* same content, one blob */
    /* Content stored before, with its owner, is not written again: two
     * writes fewer (blob, owner) than a submission with new content. */
    uint64_t w1 = ry_store_writes(fx->st);
    zip[sizeof zip - 1] ^= 1;
    s_rq_submit(&r, "org-1", "k3");
    s_rq_attach(&r, "form.pdf", zip, sizeof zip, NULL);
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "blobs"), 2);
    assert_int_equal((ry_store_writes(fx->st) - w1) - (w1 - w0), 2);
    s_fx_destroy(&fx);
}

static void
test_attachment_with_mismatched_sha256_is_invalid(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    const char pdf[] = "%PDF-1.4 a form";
    char sha[65];
    s_sha_hex("something else", 14, sha);
    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    s_rq_attach(&r, "form.pdf", pdf, sizeof pdf - 1, sha);
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_non_null(strstr(rep->detail, "sha256"));
    s_free(&rep);
    s_assert_nothing_stored(fx);
    s_fx_destroy(&fx);
}

/* A submission sent with a part given twice, which the decoder merges
 * ('body_twice': the body, a oneof, where the last one wins; else the
 * application within the body, merged field by field, protobuf-c taking
 * the honour and category from the last part even at zero). The bytes
 * received are not the application decoded: the case row holds the
 * application decoded, packed, its attachment stored. */
static void
s_assert_parts_merged(bool body_twice)
{
    fx_t *fx = s_fx_default();
    const char pdf[] = "%PDF-1.4 a form";
    rq_t r;
    s_rq_submit(&r, "org-1", NULL);
    s_rq_attach(&r, "form.pdf", pdf, sizeof pdf - 1, NULL);
    r.app.deeds = (char *)"first part";
    size_t slen, hlen, mlen;
    uint8_t *sub = ry_pb_pack(&r.submit.base, &slen);
    /* The second part: a whole application (body_twice), or its deeds,
     * honour and category. */
    Rongyu__Application more = RONGYU__APPLICATION__INIT;
    more.deeds = (char *)"second part";
    more.honour = r.app.honour;
    more.category = r.app.category;
    r.app.deeds = more.deeds;
    uint8_t *m = body_twice ? ry_pb_pack(&r.submit.base, &mlen)
                            : ry_pb_pack(&more.base, &mlen);
    r.req.body_case = RONGYU__REQUEST__BODY__NOT_SET;
    uint8_t *head = ry_pb_pack(&r.req.base, &hlen);
    r.req.body_case = RONGYU__REQUEST__BODY_SUBMIT;
    uint8_t *buf = malloc(hlen + slen + mlen + 64);
    size_t len = hlen;
    memcpy(buf, head, hlen);
    if (body_twice) {
        ry_pb_put_bytes(buf, &len, 10, sub, slen); /* submit */
        ry_pb_put_bytes(buf, &len, 10, m, mlen);   /* submit again */
    } else {
        uint8_t *part = malloc(slen + mlen + 16);
        size_t plen = slen;
        memcpy(part, sub, slen);
        ry_pb_put_bytes(part, &plen, 1, m, mlen); /* its application */
        ry_pb_put_bytes(buf, &len, 10, part, plen);
        free(part);
    }
    ut_intake_as_request(fx->ic, fx->st, &r.req);
    Rongyu__Reply *rep = NULL;
    assert_int_equal(s_call(fx, buf, len, &rep), 0);
    char id[17];
    memcpy(id, rep->case_->case_->case_id, 17);
    s_free(&rep);
    rep = s_get_ok(fx, "org-1", id);
    const Rongyu__Application *a = rep->case_->case_->application;
    assert_string_equal(a->deeds, "second part");
    assert_int_equal(a->honour, RONGYU__HONOUR__ADVANCED_HOME);
    assert_string_equal(a->campaign_id, CAMPAIGN);
    assert_string_equal(a->organising_unit, UNIT);
    assert_int_equal(a->n_attachments, 1);
    assert_int_equal(strlen(a->attachments[0]->sha256), 64);
    assert_int_equal(a->attachments[0]->size, sizeof pdf - 1);
    s_free(&rep);
    free(buf);
    free(head);
    free(sub);
    free(m);
    s_fx_destroy(&fx);
}

static void
test_application_in_two_parts_is_stored_merged(void **state)
{
    (void)state;
    s_assert_parts_merged(false);
    s_assert_parts_merged(true);
}

static void
test_attachment_over_the_limit_is_too_large(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(1024, 1000);
    uint8_t big[1025];
    memset(big, 'x', sizeof big);
    memcpy(big, "%PDF-", 5);
    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    s_rq_attach(&r, "form.pdf", big, sizeof big, NULL);
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_TOO_LARGE);
    s_free(&rep);
    s_assert_nothing_stored(fx);

    /* Exactly at the limit is fine. */
    s_rq_submit(&r, "org-1", "k2");
    s_rq_attach(&r, "form.pdf", big, 1024, NULL);
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(
        rep->case_->case_->application->attachments[0]->media_type,
        "application/pdf");
    assert_int_equal(rep->case_->case_->application->attachments[0]->size,
                     1024);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "blobs"), 1);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ back-pressure */

static void
test_submit_past_outbox_limit_is_busy_and_stores_nothing(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(1 << 20, 3);
    char id[17];
    for (int i = 0; i < 3; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%d", i);
        s_submit_ok(fx, "org-1", key, RONGYU__HONOUR__ADVANCED_HOME, id);
    }
    assert_int_equal(ry_channel_outbox_depth(fx->ch, "validation"), 3);
    rq_t r;
    s_rq_submit(&r, "org-1", "k3");
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_BUSY);
    assert_true(rep->retry_after_ms > 0);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 3);
    assert_int_equal(ut_rows(fx->st, "idem"), 3);
    assert_int_equal(ut_rows(fx->st, "audit"), 3);
    assert_int_equal(s_outbox_rows(fx, "validation"), 3);
    assert_int_equal(s_outbox_rows(fx, "notification"), 3);
    /* The refusal is not cached: a retry is refused again while busy. */
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_BUSY);
    s_free(&rep);
    /* Reading is never refused. */
    rep = s_get_ok(fx, "org-1", id);
    s_free(&rep);
    /* A draft sends nothing, so it is accepted. */
    s_rq(&r, "org-1", "grassroots", "d1");
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ ids, status */

static void
test_case_ids_increase_also_after_restart(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char prev[17] = "", id[17], first[17];
    for (int i = 0; i < 10; i++) {
        if (i == 5) {
            /* Restart the handler over the same store. */
            intake_cases_destroy(&fx->ic);
            assert_int_equal(intake_cases_new(fx->st, &fx->lim, &fx->ic), 0);
            intake_cases_set_channel(fx->ic, fx->ch);
            ry_channel_set_context(fx->ch, fx->ic);
        }
        char key[8];
        snprintf(key, sizeof key, "k%d", i);
        s_submit_ok(fx, "org-1", key, RONGYU__HONOUR__ADVANCED_HOME, id);
        assert_true(strcmp(id, prev) > 0);
        if (i == 0)
            memcpy(first, id, 17);
        memcpy(prev, id, 17);
    }
    assert_int_equal(ut_rows(fx->st, "cases"), 10);
    /* The fingerprints' key outlives the restart: a retry of a request
     * answered before it gets its first answer, not a conflict. */
    s_submit_ok(fx, "org-1", "k0", RONGYU__HONOUR__ADVANCED_HOME, id);
    assert_string_equal(id, first);
    assert_int_equal(ut_rows(fx->st, "cases"), 10);
    s_fx_destroy(&fx);
}

/* A request longer than the fingerprint's buffer on the stack (4 KiB)
 * is fingerprinted the same way: its retry gets the first answer, and
 * another request under its key is a conflict. */
static void
test_long_request_retry_gets_its_first_answer(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    static char deeds[6001];
    memset(deeds, 'd', sizeof deeds - 1);
    rq_t r;
    s_rq_submit(&r, "org-1", "k-long");
    r.app.deeds = deeds;
    size_t len;
    uint8_t *buf = ry_pb_pack(&r.req.base, &len);
    assert_true(len > 4096);
    free(buf);
    char id[17];
    s_send_new_ok(fx, &r.req, id);
    Rongyu__Reply *rep = s_retry_ok(fx, &r.req, "again", id);
    s_free(&rep);
    deeds[5000] = 'e'; /* past the first 4 KiB */
    s_assert_conflict(fx, &r.req, 1);
    s_fx_destroy(&fx);
}

/* A fingerprints' key of another length in "meta" (a store damaged by
 * hand) stops intake at start, and is left as it is: a new key would
 * make every stored fingerprint a conflict. */
static void
test_damaged_fingerprint_key_stops_the_start(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    intake_cases_destroy(&fx->ic);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "meta", "idem_key", 8, "short", 5, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(intake_cases_new(fx->st, &fx->lim, &fx->ic), RY_EIO);
    assert_null(fx->ic);
    ry_val_t v;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_get(txn, "meta", "idem_key", 8, &v), 0);
    assert_int_equal(v.len, 5);
    ry_txn_abort(&txn);
    s_fx_destroy(&fx);
}

static void
test_status_reports_cases_and_links(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    rq_t r;
    s_rq(&r, "", "", NULL);
    r.req.principal = NULL;
    r.req.body_case = RONGYU__REQUEST__BODY_STATUS;
    r.req.status = &r.status;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_STATUS);
    assert_string_equal(rep->status->service, "intake");
    assert_int_equal(rep->status->cases, 1);
    assert_int_equal(rep->status->dead, 0);
    bool found = false;
    for (size_t i = 0; i < rep->status->n_links; i++)
        if (strcmp(rep->status->links[i]->peer, "validation") == 0)
            found = true;
    assert_true(found);
    s_free(&rep);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ verdicts */

/* Applies a ValidationResult (or any payload) as a message from
 * validation, committing when it is accepted. Returns the handler's
 * code. */
static int
s_deliver(fx_t *fx, int type, const void *payload, size_t len)
{
    static uint64_t seq;
    ry_msg_t m = {"validation", ++seq, type, "", payload, len};
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    int rc = intake_cases_on_message(fx->ic, txn, &m);
    if (rc == 0)
        assert_int_equal(ry_txn_commit(&txn), 0);
    else
        ry_txn_abort(&txn);
    return rc;
}

static int
s_deliver_result(fx_t *fx, const char *id, uint32_t revision, bool eligible)
{
    Rongyu__Check chk = RONGYU__CHECK__INIT;
    chk.code = (char *)"R_MEMBERSHIP_MIN";
    chk.passed = eligible;
    Rongyu__Check *checks[1] = {&chk};
    Rongyu__Verdict v = RONGYU__VERDICT__INIT;
    v.eligible = eligible;
    v.checks = checks;
    v.n_checks = 1;
    v.ruleset = (char *)"2018.1";
    v.decided_at_ms = 1000;
    Rongyu__ValidationResult res = RONGYU__VALIDATION_RESULT__INIT;
    res.case_id = (char *)id;
    res.revision = revision;
    res.verdict = &v;
    size_t len;
    uint8_t *buf = ry_pb_pack(&res.base, &len);
    int rc = s_deliver(fx, RONGYU__MESSAGE_TYPE__VALIDATION_RESULT, buf, len);
    free(buf);
    return rc;
}

/* A wait on a case that has moved answers at once: whole, with its
 * application, verdict (rendered) and audit; brief, with its state and
 * times only. Another organisation's brief wait learns nothing. */
static Rongyu__Reply *
s_wait(fx_t *fx, const char *org, const char *id, bool brief)
{
    rq_t r;
    s_rq(&r, org, "grassroots", NULL);
    Rongyu__WaitRequest w = RONGYU__WAIT_REQUEST__INIT;
    w.case_id = (char *)id;
    w.state = RONGYU__CASE_STATE__SUBMITTED;
    w.brief = brief;
    r.req.body_case = RONGYU__REQUEST__BODY_WAIT;
    r.req.wait = &w;
    return s_send(fx, &r.req);
}

/* A wait on several cases (WaitRequest.case_ids) as org, with request
 * id 'rid' when it is not NULL; case_id too when 'also' is not NULL. */
static Rongyu__Reply *
s_wait_many_id(fx_t *fx, const char *org, const char *rid, char **ids,
               size_t n, bool brief, const char *also)
{
    rq_t r;
    s_rq(&r, org, "grassroots", NULL);
    if (rid)
        r.req.request_id = (char *)rid;
    Rongyu__WaitRequest w = RONGYU__WAIT_REQUEST__INIT;
    w.case_ids = ids;
    w.n_case_ids = n;
    w.case_id = (char *)(also ? also : "");
    w.state = RONGYU__CASE_STATE__SUBMITTED;
    w.brief = brief;
    r.req.body_case = RONGYU__REQUEST__BODY_WAIT;
    r.req.wait = &w;
    return s_send(fx, &r.req);
}

static Rongyu__Reply *
s_wait_many(fx_t *fx, const char *org, char **ids, size_t n, bool brief,
            const char *also)
{
    return s_wait_many_id(fx, org, NULL, ids, n, brief, also);
}

/* A stored row of n0 bytes changed once or twice (by round) into m
 * (room for 4 * n0 bytes): a byte of odd[] set or put in, the row cut, or
 * doubled. Returns the new length. */
static size_t
s_mutated(uint8_t *m, const uint8_t *row, size_t n0, int round, unsigned *seed,
          const uint8_t *odd, size_t nodd)
{
    size_t n = n0;
    memcpy(m, row, n);
    for (int k = round % 2; k < 2; k++) {
        *seed = *seed * 1103515245u + 12345u;
        size_t at = (*seed >> 8) % n;
        uint8_t b = odd[(*seed >> 20) % nodd];
        switch ((*seed >> 16) % 4) {
        case 0: m[at] = b; break;
        case 1: n = at + 1; break;
        case 2:
            memmove(m + at + 1, m + at, n - at);
            m[at] = b;
            n++;
            break;
        default:
            memcpy(m + n, m, n);
            n *= 2;
            break;
        }
    }
    return n;
}

/* A wait is parked from the case's state read in place
 * (intake_cases_peek_for): for the owner; never for another organisation
 * (not found, as before); and on rows in other forms, what it reads is
 * what the head decodes, or it leaves the row to that. */
static void
test_wait_reads_the_state_in_place(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    /* Parked: with no channel here, refused as busy; another
     * organisation's wait finds no case. */
    Rongyu__Reply *rep = s_wait(fx, "org-1", id, true);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_BUSY);
    s_free(&rep);
    rep = s_wait(fx, "org-2", id, true);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    s_free(&rep);

    intake_principal_t own = {.org_id = "org-1"}, other = {.org_id = "org-2"};
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    Rongyu__CaseState st = 0;
    assert_int_equal(intake_cases_peek_for(txn, &own, id, &st), 0);
    assert_int_equal(st, RONGYU__CASE_STATE__SUBMITTED);
    assert_int_equal(intake_cases_peek_for(txn, &other, id, &st), 1);
    assert_int_equal(intake_cases_peek_for(txn, &own, "0000000000000000", &st),
                     1);
    assert_int_equal(intake_cases_peek_for(txn, &own, "short", &st), 1);

    /* The row changed here and there: read in place only as the head
     * reads it. */
    ry_val_t v;
    assert_int_equal(ry_txn_get(txn, "cases", id, 16, &v), 0);
    size_t n0 = v.len;
    uint8_t *row = malloc(n0), *m = malloc(4 * n0 + 64);
    assert_non_null(row);
    assert_non_null(m);
    memcpy(row, v.data, n0);
    static const uint8_t odd[] = {0x00, 0x02, 0x08, 0x10, 0x18, 0x1a,
                                  0x22, 0x28, 0x2a, 0x80, 0xff};
    unsigned seed = 7;
    size_t peeked = 0, left = 0;
    for (int round = 0; round < 3000; round++) {
        size_t n = s_mutated(m, row, n0, round, &seed, odd, sizeof odd);
        assert_int_equal(ry_txn_put(txn, "cases", id, 16, m, n, 0), 0);
        Rongyu__CaseState peek = 0;
        int pr = intake_cases_peek_for(txn, &own, id, &peek);
        Rongyu__Case *head = NULL;
        intake_outcome_t o = {0};
        int hr = intake_cases_load_head_for(txn, &own, id, &o, &head);
        if (pr == 0) {
            assert_int_equal(hr, 0);
            assert_int_equal(head->state, peek);
            peeked++;
        } else {
            left++;
        }
        ry_pb_free(&head);
        intake_outcome_release(&o);
    }
    assert_true(peeked > 100);
    assert_true(left > 100);

    /* An applicant too long to read in place: left to the head, which
     * reads it (for the city, which may read any case). */
    memcpy(m, row, n0);
    assert_int_equal(ry_txn_put(txn, "cases", id, 16, m, n0, 0), 0);
    Rongyu__Case *c = NULL;
    assert_int_equal(intake_cases_load(txn, id, &c), 0);
    char lng[INTAKE_PEEK_MAX + 1];
    memset(lng, 'o', sizeof lng - 1);
    lng[sizeof lng - 1] = '\0';
    ry_pb_set_string(&c->application->applicant_org, lng);
    size_t cn;
    uint8_t *cb = ry_pb_pack(&c->base, &cn);
    ry_pb_free(&c);
    assert_int_equal(ry_txn_put(txn, "cases", id, 16, cb, cn, 0), 0);
    free(cb);
    intake_principal_t city = {.org_id = "city", .role = INTAKE_ROLE_CITY};
    assert_int_equal(intake_cases_peek_for(txn, &city, id, &st), 1);
    Rongyu__Case *head = NULL;
    intake_outcome_t o = {0};
    assert_int_equal(intake_cases_load_head_for(txn, &city, id, &o, &head), 0);
    assert_string_equal(head->application->applicant_org, lng);
    assert_int_equal(head->state, RONGYU__CASE_STATE__SUBMITTED);
    ry_pb_free(&head);
    intake_outcome_release(&o);
    free(row);
    free(m);
    ry_txn_abort(&txn);
    s_fx_destroy(&fx);
}

/* Checks that brief wait answer r packs to the bytes
 * intake_reply_pack_brief_wait makes of its n cases as packed in place
 * (kbs, kns): in WaitReply.case, or in WaitReply.cases ('many'). */
static void
s_same_wait_bytes(intake_reply_t *r, bool many, const uint8_t *const *kbs,
                  const size_t *kns, size_t n)
{
    size_t gn, wn;
    uint8_t *g = intake_reply_pack_in(r, "wait-1", "wait", &gn);
    uint8_t *w = intake_reply_pack_brief_wait("wait-1", many, kbs, kns, n,
                                              r->timed_out, &wn);
    assert_int_equal(gn, wn);
    assert_memory_equal(g, w, gn);
    free(g);
    free(w);
}

/* Checks the brief wait's answer read in place against the head: returns
 * 1 when intake_cases_brief_bytes read the row (then its bytes and the
 * reply's are those of the head decoded), 0 when it left it to the head. */
static int
s_brief_as_head(ry_txn_t *txn, const char *id, bool late)
{
    Rongyu__CaseState st = 0;
    uint8_t *kb = NULL;
    size_t kn = 0;
    int br = intake_cases_brief_bytes(txn, id, &st, &kb, &kn);
    Rongyu__Case *head = NULL;
    int hr = intake_cases_load_head(txn, id, &head);
    if (br != 0) {
        assert_null(kb);
        ry_pb_free(&head);
        return 0;
    }
    assert_int_equal(hr, 0);
    assert_int_equal(st, head->state);
    Rongyu__Case brief = *head;
    brief.application = NULL;
    brief.verdict = NULL;
    size_t bn;
    uint8_t *bb = ry_pb_pack(&brief.base, &bn);
    assert_int_equal(bn, kn);
    assert_memory_equal(bb, kb, kn);
    free(bb);
    intake_reply_t r = {
        .out.code = RONGYU__ERROR_CODE__OK, .wait = true, .brief = true};
    r.out.kase = head;
    r.timed_out = late;
    const uint8_t *kbs[2] = {kb, kb};
    size_t kns[2] = {kn, kn};
    s_same_wait_bytes(&r, false, kbs, kns, 1);
    /* The same for a wait on several cases (WaitReply.cases), here the
     * case twice, and for one whose time ran out with none. */
    intake_reply_t m = {
        .out.code = RONGYU__ERROR_CODE__OK, .wait_many = true, .brief = true};
    m.wcases = calloc(2, sizeof *m.wcases);
    assert_non_null(m.wcases);
    for (int i = 0; i < 2; i++) {
        m.wcases[i] = calloc(1, sizeof **m.wcases);
        assert_non_null(m.wcases[i]);
        rongyu__case_reply__init(m.wcases[i]);
        assert_int_equal(intake_cases_load_head(txn, id, &m.wcases[i]->case_),
                         0);
        m.nwcases++;
    }
    s_same_wait_bytes(&m, true, kbs, kns, 2);
    intake_reply_release(&m);
    intake_reply_t none = {.out.code = RONGYU__ERROR_CODE__OK,
                           .wait_many = true,
                           .brief = true,
                           .timed_out = true};
    s_same_wait_bytes(&none, true, kbs, kns, 0);
    free(kb);
    intake_reply_release(&r);
    return 1;
}

static void
test_brief_wait_answer_is_read_in_place(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    assert_int_equal(s_brief_as_head(txn, id, false), 1);
    assert_int_equal(s_brief_as_head(txn, id, true), 1);
    Rongyu__CaseState st;
    uint8_t *kb = NULL;
    size_t kn;
    assert_int_equal(
        intake_cases_brief_bytes(txn, "0000000000000000", &st, &kb, &kn), 1);
    assert_int_equal(intake_cases_brief_bytes(txn, "short", &st, &kb, &kn), 1);
    ry_txn_abort(&txn);
    /* After the verdict, which rewrote the row keeping its application. */
    assert_int_equal(s_deliver_result(fx, id, 1, false), 0);
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    assert_int_equal(s_brief_as_head(txn, id, true), 1);

    /* Every field of the head, its texts too, as protobuf-c packs a
     * whole case (the application in its place among the fields). */
    Rongyu__Case *c = NULL;
    assert_int_equal(intake_cases_load(txn, id, &c), 0);
    ry_pb_set_string(&c->note, "名额已满 quota full");
    ry_pb_set_string(&c->idempotency_key, "key-of-an-older-version");
    c->revision = 3;
    c->created_at_ms = -5; /* ten bytes: an int64 below 0 */
    char *cid = c->case_id;
    c->case_id = (char *)"";
    size_t rn;
    uint8_t *rb = ry_pb_pack(&c->base, &rn);
    c->case_id = cid;
    ry_pb_free(&c);
    assert_int_equal(ry_txn_put(txn, "cases", id, 16, rb, rn, 0), 0);
    assert_int_equal(s_brief_as_head(txn, id, false), 1);

    /* The row changed here and there: read in place only where the head
     * reads the same. */
    uint8_t *m = malloc(4 * rn + 64);
    assert_non_null(m);
    static const uint8_t odd[] = {0x00, 0x01, 0x02, 0x08, 0x10, 0x12,
                                  0x18, 0x1a, 0x22, 0x28, 0x2a, 0x30,
                                  0x4a, 0x5a, 0x80, 0xff};
    unsigned seed = 11;
    size_t read = 0, left = 0;
    for (int round = 0; round < 4000; round++) {
        size_t n = s_mutated(m, rb, rn, round, &seed, odd, sizeof odd);
        assert_int_equal(ry_txn_put(txn, "cases", id, 16, m, n, 0), 0);
        if (s_brief_as_head(txn, id, round % 3 == 0))
            read++;
        else
            left++;
    }
    assert_true(read > 100);
    assert_true(left > 100);
    free(m);
    free(rb);
    ry_txn_abort(&txn);
    s_fx_destroy(&fx);
}

/* Three cases of org-1: c judged eligible, a ineligible, b still
 * submitted. */
static void
s_three_cases(fx_t *fx, char a[17], char b[17], char c[17])
{
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, a);
    s_submit_ok(fx, "org-1", "k2", RONGYU__HONOUR__ADVANCED_HOME, b);
    s_submit_ok(fx, "org-1", "k3", RONGYU__HONOUR__ADVANCED_HOME, c);
    assert_int_equal(s_deliver_result(fx, c, 1, true), 0);
    assert_int_equal(s_deliver_result(fx, a, 1, false), 0);
}

/* A wait on several cases answers at once with those that left the
 * state (brief: heads; whole: application, verdict, audit), in the order
 * named; with none moved it would park (here, without a channel: busy).
 * It is refused as a whole, naming the field, for case_id given too, more
 * than INTAKE_WAIT_CASES, an empty or repeated id, or a case the
 * organisation may not see. */
static void
test_wait_on_several_cases(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char a[17], b[17], c[17], other[17];
    s_three_cases(fx, a, b, c);
    s_submit_ok(fx, "org-2", "k4", RONGYU__HONOUR__ADVANCED_HOME, other);

    char *ids[] = {c, b, a};
    Rongyu__Reply *rep = s_wait_many(fx, "org-1", ids, 3, true, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_WAIT);
    assert_null(rep->wait->case_);
    assert_false(rep->wait->timed_out);
    assert_int_equal(rep->wait->n_cases, 2);
    const Rongyu__Case *k = rep->wait->cases[0]->case_;
    assert_string_equal(k->case_id, c);
    assert_int_equal(k->state, RONGYU__CASE_STATE__ELIGIBLE);
    assert_null(k->application);
    assert_null(k->verdict);
    assert_int_equal(rep->wait->cases[0]->n_audit, 0);
    k = rep->wait->cases[1]->case_;
    assert_string_equal(k->case_id, a);
    assert_int_equal(k->state, RONGYU__CASE_STATE__INELIGIBLE);
    s_free(&rep);

    rep = s_wait_many(fx, "org-1", ids, 3, false, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->wait->n_cases, 2);
    for (int i = 0; i < 2; i++) {
        k = rep->wait->cases[i]->case_;
        assert_non_null(k->application);
        assert_non_null(k->verdict);
        assert_true(k->verdict->checks[0]->message_en[0] != '\0');
        assert_int_equal(rep->wait->cases[i]->n_audit, 2);
    }
    s_free(&rep);

    /* Only b is still submitted: parked, which needs a channel. */
    rep = s_wait_many(fx, "org-1", &ids[1], 1, true, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_BUSY);
    s_free(&rep);

    rep = s_wait_many(fx, "org-1", ids, 3, true, b);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "wait.case_id");
    s_free(&rep);

    char *many[INTAKE_WAIT_CASES + 1];
    for (int i = 0; i <= INTAKE_WAIT_CASES; i++)
        many[i] = b;
    rep = s_wait_many(fx, "org-1", many, INTAKE_WAIT_CASES + 1, true, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_OUT_OF_RANGE);
    assert_string_equal(rep->field_path, "wait.case_ids");
    s_free(&rep);

    char *twice[] = {a, b, c, b};
    rep = s_wait_many(fx, "org-1", twice, 4, true, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "wait.case_ids[3]");
    s_free(&rep);

    char empty[] = "";
    char *holes[] = {a, empty};
    rep = s_wait_many(fx, "org-1", holes, 2, true, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    assert_string_equal(rep->field_path, "wait.case_ids[1]");
    s_free(&rep);

    /* Another organisation's case, even beside moved ones: not found,
     * and nothing of the others is told. */
    char *theirs[] = {c, other, a};
    rep = s_wait_many(fx, "org-1", theirs, 3, true, NULL);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    assert_string_equal(rep->field_path, "wait.case_ids[1]");
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY__NOT_SET);
    s_free(&rep);
    s_fx_destroy(&fx);
}

/* The reply to a brief wait as org-1 (request id "w-7") on ids, or on
 * case 'one', as protobuf-c packs it again. */
static uint8_t *
s_brief_wait_bytes(fx_t *fx, char **ids, size_t n, const char *one, size_t *len)
{
    Rongyu__Reply *rep = s_wait_many_id(fx, "org-1", "w-7", ids, n, true, one);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    uint8_t *b = ry_pb_pack(&rep->base, len);
    s_free(&rep);
    return b;
}

/* A brief wait answered from the rows read in place is the answer made
 * from the cases' heads decoded: on one case, and on several (only those
 * that left the state, in the order named), with the request's id. */
static void
test_brief_wait_answers_as_the_heads_decoded(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char a[17], b[17], c[17];
    s_three_cases(fx, a, b, c);

    char *ids[] = {c, b, a};
    size_t gn, on, wn;
    uint8_t *got = s_brief_wait_bytes(fx, ids, 3, NULL, &gn);
    uint8_t *got_one = s_brief_wait_bytes(fx, NULL, 0, a, &on);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    intake_reply_t m = {
        .out.code = RONGYU__ERROR_CODE__OK, .wait_many = true, .brief = true};
    m.wcases = calloc(2, sizeof *m.wcases);
    assert_non_null(m.wcases);
    const char *moved[] = {c, a};
    for (int i = 0; i < 2; i++) {
        m.wcases[i] = calloc(1, sizeof **m.wcases);
        assert_non_null(m.wcases[i]);
        rongyu__case_reply__init(m.wcases[i]);
        assert_int_equal(
            intake_cases_load_head(txn, moved[i], &m.wcases[i]->case_), 0);
        m.nwcases++;
    }
    uint8_t *want = intake_reply_pack_in(&m, "w-7", "wait", &wn);
    assert_int_equal(gn, wn);
    assert_memory_equal(got, want, gn);
    free(got);
    free(want);
    intake_reply_release(&m);

    intake_reply_t one = {
        .out.code = RONGYU__ERROR_CODE__OK, .wait = true, .brief = true};
    assert_int_equal(intake_cases_load_head(txn, a, &one.out.kase), 0);
    want = intake_reply_pack_in(&one, "w-7", "wait", &wn);
    assert_int_equal(on, wn);
    assert_memory_equal(got_one, want, on);
    free(got_one);
    free(want);
    intake_reply_release(&one);
    ry_txn_abort(&txn);
    s_fx_destroy(&fx);
}

static void
test_brief_wait_answers_with_the_state_alone(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    assert_int_equal(s_deliver_result(fx, id, 1, false), 0);

    Rongyu__Reply *rep = s_wait(fx, "org-1", id, false);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_WAIT);
    const Rongyu__Case *c = rep->wait->case_->case_;
    assert_int_equal(c->state, RONGYU__CASE_STATE__INELIGIBLE);
    assert_non_null(c->application);
    assert_non_null(c->verdict);
    assert_true(c->verdict->checks[0]->message_en[0] != '\0');
    assert_int_equal(rep->wait->case_->n_audit, 2);
    assert_false(rep->wait->timed_out);
    s_free(&rep);

    rep = s_wait(fx, "org-1", id, true);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_WAIT);
    c = rep->wait->case_->case_;
    assert_string_equal(c->case_id, id);
    assert_int_equal(c->state, RONGYU__CASE_STATE__INELIGIBLE);
    assert_int_equal(c->revision, 1);
    assert_true(c->submitted_at_ms > 0);
    assert_null(c->application);
    assert_null(c->verdict);
    assert_int_equal(rep->wait->case_->n_audit, 0);
    assert_null(rep->wait->case_->posting);
    s_free(&rep);

    rep = s_wait(fx, "org-2", id, true);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    s_free(&rep);

    /* What the brief answer is read from: the case as stored, without
     * its verdict, and of its application the head (fields 1-5). */
    rq_t sr;
    s_rq_submit(&sr, "org-1", "k-head");
    sr.app.honour = RONGYU__HONOUR__ADVANCED_HOME;
    sr.app.deeds = (char *)"事迹材料 deeds";
    rep = s_send(fx, &sr.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    snprintf(id, sizeof id, "%s", rep->case_->case_->case_id);
    s_free(&rep);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    Rongyu__Case *whole = NULL, *head = NULL, *none = NULL;
    assert_int_equal(intake_cases_load(txn, id, &whole), 0);
    assert_int_equal(intake_cases_load_head(txn, id, &head), 0);
    assert_int_equal(intake_cases_load_head(txn, "0000000000000000", &none),
                     RY_ENOTFOUND);
    assert_null(none);
    ry_txn_abort(&txn);
    assert_non_null(head->application);
    Rongyu__Application app = RONGYU__APPLICATION__INIT;
    const Rongyu__Application *a = whole->application;
    app.campaign_id = a->campaign_id;
    app.honour = a->honour;
    app.category = a->category;
    app.applicant_org = a->applicant_org;
    app.organising_unit = a->organising_unit;
    /* The application holds more than its head, which is left out. */
    assert_true(protobuf_c_message_get_packed_size(&a->base) >
                protobuf_c_message_get_packed_size(&app.base));
    Rongyu__Case expect = *whole;
    expect.application = &app;
    expect.verdict = NULL;
    assert_true(ry_pb_equal(&expect.base, &head->base));
    ry_pb_free(&whole);
    ry_pb_free(&head);
    s_fx_destroy(&fx);
}

/* The application of revision 1 of case id kept apart ("apps"), copied;
 * NULL when there is none. */
static uint8_t *
s_apart_app(fx_t *fx, const char *id, size_t *len)
{
    uint8_t key[20];
    memcpy(key, id, 16);
    memcpy(key + 16, "\0\0\0\1", 4);
    ry_txn_t *txn;
    ry_val_t v;
    uint8_t *out = NULL;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    if (ry_txn_get(txn, "apps", key, sizeof key, &v) == 0) {
        out = malloc(v.len + 1);
        assert_non_null(out);
        memcpy(out, v.data, v.len);
        *len = v.len;
    }
    ry_txn_abort(&txn);
    return out;
}

/* The application field (4) of case id's stored row, copied. */
static uint8_t *
s_row_app(fx_t *fx, const char *id, size_t *len)
{
    ry_txn_t *txn;
    ry_val_t v;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_get(txn, "cases", id, 16, &v), 0);
    size_t pos = 0;
    ry_pb_field_t f;
    uint8_t *out = NULL;
    while (ry_pb_next(v.data, v.len, &pos, &f) == 1)
        if (f.number == 4 && f.wire == 2) {
            free(out);
            out = malloc(f.vlen);
            assert_non_null(out);
            memcpy(out, f.val, f.vlen);
            *len = f.vlen;
        }
    ry_txn_abort(&txn);
    assert_non_null(out);
    return out;
}

/* The fields of case id's stored row but its application (4), copied
 * into a buffer with 'room' bytes to spare after them. */
static uint8_t *
s_row_bare(fx_t *fx, const char *id, size_t room, size_t *len)
{
    ry_txn_t *txn;
    ry_val_t v;
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_get(txn, "cases", id, 16, &v), 0);
    uint8_t *out = malloc(v.len + room + 1);
    assert_non_null(out);
    size_t n = 0, pos = 0;
    ry_pb_field_t f;
    while (ry_pb_next(v.data, v.len, &pos, &f) == 1)
        if (f.number != 4) {
            memcpy(out + n, f.start, f.n);
            n += f.n;
        }
    ry_txn_abort(&txn);
    *len = n;
    return out;
}

static void
test_eligible_result_moves_case_to_eligible_once(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    Rongyu__Reply *rep = s_get_ok(fx, "org-1", id);
    Rongyu__Application *submitted = (Rongyu__Application *)ry_pb_clone(
        &rep->case_->case_->application->base);
    s_free(&rep);
    size_t alen, blen;
    uint8_t *app_before = s_row_app(fx, id, &alen);
    assert_int_equal(s_deliver_result(fx, id, 1, true), 0);
    /* A peer's answer leaves the stored application's bytes as they
     * were: the row is written again around them, not packed again. */
    uint8_t *app_after = s_row_app(fx, id, &blen);
    assert_int_equal(alen, blen);
    assert_memory_equal(app_before, app_after, alen);
    free(app_before);
    free(app_after);

    rep = s_get_ok(fx, "org-1", id);
    const Rongyu__Case *c = rep->case_->case_;
    assert_true(ry_pb_equal(&c->application->base, &submitted->base));
    ry_pb_free(&submitted);
    assert_int_equal(c->state, RONGYU__CASE_STATE__ELIGIBLE);
    assert_non_null(c->verdict);
    assert_true(c->verdict->eligible);
    assert_string_equal(c->verdict->ruleset, "2018.1");
    assert_int_equal(c->verdict->n_checks, 1);
    assert_string_equal(c->verdict->checks[0]->code, "R_MEMBERSHIP_MIN");
    assert_int_equal(rep->case_->n_audit, 2);
    assert_string_equal(rep->case_->audit[1]->what, "verdict");
    assert_string_equal(rep->case_->audit[1]->actor, "validation");
    assert_int_equal(rep->case_->audit[1]->from, RONGYU__CASE_STATE__SUBMITTED);
    assert_int_equal(rep->case_->audit[1]->to, RONGYU__CASE_STATE__ELIGIBLE);
    s_free(&rep);
    assert_int_equal(s_outbox_rows(fx, "notification"), 2);
    Rongyu__Envelope *e = s_last_sent(fx, "notification");
    assert_int_equal(e->type, RONGYU__MESSAGE_TYPE__CASE_EVENT);
    assert_string_equal(e->correlation_id, id);
    Rongyu__CaseEvent *ev =
        rongyu__case_event__unpack(NULL, e->payload.len, e->payload.data);
    assert_non_null(ev);
    assert_string_equal(ev->case_id, id);
    assert_string_equal(ev->event, "eligible");
    assert_int_equal(ev->state, RONGYU__CASE_STATE__ELIGIBLE);
    assert_int_equal(ev->n_failed, 0);
    rongyu__case_event__free_unpacked(ev, NULL);
    ry_pb_free(&e);

    /* The same result again changes nothing. */
    assert_int_equal(s_deliver_result(fx, id, 1, true), 0);
    rep = s_get_ok(fx, "org-1", id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__ELIGIBLE);
    assert_int_equal(rep->case_->n_audit, 2);
    s_free(&rep);
    assert_int_equal(s_outbox_rows(fx, "notification"), 2);
    assert_int_equal(s_outbox_rows(fx, "validation"), 1);
    s_fx_destroy(&fx);
}

/* Delivers a ValidationResult for revision 1 of case id whose verdict
 * is in stored form, its two checks passed. */
static int
s_deliver_passed(fx_t *fx, const char *id)
{
    uint32_t steps[] = {2 << 1, 3 << 1};
    Rongyu__StoredVerdict sv = RONGYU__STORED_VERDICT__INIT;
    sv.eligible = true;
    sv.ruleset = (char *)"2018.1";
    sv.decided_at_ms = 1000;
    sv.steps = steps;
    sv.n_steps = 2;
    size_t vlen;
    uint8_t *vbuf = ry_pb_pack(&sv.base, &vlen);
    Rongyu__ValidationResult res = RONGYU__VALIDATION_RESULT__INIT;
    res.case_id = (char *)id;
    res.revision = 1;
    size_t len;
    uint8_t *buf = ry_pb_pack(&res.base, &len);
    buf = realloc(buf, len + vlen + 16);
    assert_non_null(buf);
    ry_pb_put_bytes(buf, &len, 3, vbuf, vlen);
    int rc = s_deliver(fx, RONGYU__MESSAGE_TYPE__VALIDATION_RESULT, buf, len);
    free(buf);
    free(vbuf);
    return rc;
}

/* A result whose verdict is in the stored form validation sends, every
 * check passed: intake reads the case without the parts of its
 * application the answer needs not (metrics, attachments, deeds), and
 * the application's two parts, the head in the row and the rest apart,
 * keep their bytes. */
static void
test_stored_form_result_keeps_the_whole_application(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit_union(&r, "org-1", "k1", "事迹：连续五年开展职工书屋活动。");
    char id[17];
    s_send_new_ok(fx, &r.req, id);
    size_t alen, blen, wlen, xlen;
    uint8_t *app_before = s_row_app(fx, id, &alen);
    uint8_t *whole_before = s_apart_app(fx, id, &wlen);
    assert_non_null(whole_before);
    /* The row holds the head of the application (its campaign, honour,
     * category, applicant and unit), the rest is kept apart. */
    assert_false(
        s_contains(app_before, alen, r.app.deeds, strlen(r.app.deeds)));
    assert_true(
        s_contains(whole_before, wlen, r.app.deeds, strlen(r.app.deeds)));
    Rongyu__Application *head =
        rongyu__application__unpack(NULL, alen, app_before);
    assert_non_null(head);
    assert_string_equal(head->applicant_org, "org-1");
    assert_null(head->union_);
    assert_true(!head->deeds || !*head->deeds);
    rongyu__application__free_unpacked(head, NULL);
    assert_int_equal(s_deliver_passed(fx, id), 0);
    uint8_t *app_after = s_row_app(fx, id, &blen);
    uint8_t *whole_after = s_apart_app(fx, id, &xlen);
    assert_int_equal(alen, blen);
    assert_memory_equal(app_before, app_after, alen);
    assert_int_equal(wlen, xlen);
    assert_memory_equal(whole_before, whole_after, wlen);
    free(app_before);
    free(app_after);
    free(whole_before);
    free(whole_after);
    Rongyu__Reply *rep = s_get_ok(fx, "org-1", id);
    const Rongyu__Case *c = rep->case_->case_;
    assert_int_equal(c->state, RONGYU__CASE_STATE__ELIGIBLE);
    assert_string_equal(c->application->deeds, r.app.deeds);
    assert_int_equal(c->verdict->n_checks, 2);
    s_free(&rep);
    Rongyu__Envelope *e = s_last_sent(fx, "notification");
    Rongyu__CaseEvent *ev =
        rongyu__case_event__unpack(NULL, e->payload.len, e->payload.data);
    assert_non_null(ev);
    assert_string_equal(ev->event, "eligible");
    assert_int_equal(ev->n_failed, 0);
    assert_string_equal(ev->applicant_name, "杭州某公司工会");
    rongyu__case_event__free_unpacked(ev, NULL);
    ry_pb_free(&e);

    /* A row that lost its application: the answer, which read only a
     * part of it, is refused, and the row stays as it was. */
    s_submit_ok(fx, "org-1", "k2", RONGYU__HONOUR__ADVANCED_HOME, id);
    size_t rlen;
    uint8_t *row = s_row_bare(fx, id, 0, &rlen);
    ry_txn_t *txn;
    ry_val_t v;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "cases", id, 16, row, rlen, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_deliver_passed(fx, id), RY_EINVAL);
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_get(txn, "cases", id, 16, &v), 0);
    assert_int_equal(v.len, rlen);
    assert_memory_equal(v.data, row, rlen);
    ry_txn_abort(&txn);
    free(row);
    s_fx_destroy(&fx);
}

/* What rongyu-inspect verify checks of each case's application: its
 * row holds the head, "apps" the rest; or, in a row of an earlier
 * version and nothing apart, the row holds it whole; anything else is
 * named. */
static void
test_application_check_finds_a_head_without_its_application(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit_union(&r, "org-1", "k1", "事迹");
    char id[17];
    s_send_new_ok(fx, &r.req, id);
    /* The parts: the head in the row, the rest apart. */
    size_t hlen, rest_len, rlen;
    uint8_t *rest = s_apart_app(fx, id, &rest_len);
    assert_non_null(rest);
    uint8_t *head_bytes = s_row_app(fx, id, &hlen);
    uint8_t *row = s_row_bare(fx, id, hlen + rest_len + 16, &rlen);
    uint8_t *whole = malloc(hlen + rest_len);
    assert_non_null(whole);
    memcpy(whole, head_bytes, hlen);
    free(head_bytes);
    uint8_t key[20];
    memcpy(key, id, 16);
    memcpy(key + 16, "\0\0\0\1", 4);
    char why[300] = "";
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    assert_int_equal(intake_cases_application_check(txn, id, why, sizeof why),
                     0);
    assert_int_equal(intake_cases_application_check(txn, "0000000000000000",
                                                    why, sizeof why),
                     RY_ENOTFOUND);
    Rongyu__Application *head = rongyu__application__unpack(NULL, hlen, whole);
    assert_non_null(head);
    assert_string_equal(head->applicant_org, "org-1");
    assert_null(head->union_);
    rongyu__application__free_unpacked(head, NULL);
    Rongyu__Application *part =
        rongyu__application__unpack(NULL, rest_len, rest);
    assert_non_null(part);
    assert_string_equal(part->union_->name, "杭州某公司工会");
    assert_true(!part->applicant_org || !*part->applicant_org);
    rongyu__application__free_unpacked(part, NULL);
    memcpy(whole + hlen, rest, rest_len);
    size_t wlen = hlen + rest_len;
    size_t bare = rlen;
    /* The row made whole, as an earlier version stored it, nothing
     * apart: read as it is. */
    ry_pb_put_bytes(row, &rlen, 4, whole, wlen);
    assert_int_equal(ry_txn_put(txn, "cases", id, 16, row, rlen, 0), 0);
    assert_int_equal(ry_txn_del(txn, "apps", key, sizeof key), 0);
    assert_int_equal(intake_cases_application_check(txn, id, why, sizeof why),
                     0);
    Rongyu__Case *c;
    assert_int_equal(intake_cases_load(txn, id, &c), 0);
    assert_string_equal(c->application->union_->name, "杭州某公司工会");
    assert_string_equal(c->application->applicant_org, "org-1");
    ry_pb_free(&c);
    /* The head alone, the rest lost. */
    rlen = bare;
    ry_pb_put_bytes(row, &rlen, 4, whole, hlen);
    assert_int_equal(ry_txn_put(txn, "cases", id, 16, row, rlen, 0), 0);
    assert_int_equal(intake_cases_application_check(txn, id, why, sizeof why),
                     RY_EIO);
    assert_non_null(strstr(why, "neither in its row nor kept apart"));
    /* The whole kept apart beside the head: not as stored. */
    assert_int_equal(ry_txn_put(txn, "apps", key, sizeof key, whole, wlen, 0),
                     0);
    assert_int_equal(intake_cases_application_check(txn, id, why, sizeof why),
                     RY_EIO);
    assert_non_null(strstr(why, "not parted as stored"));
    /* And as stored again. */
    assert_int_equal(
        ry_txn_put(txn, "apps", key, sizeof key, rest, rest_len, 0), 0);
    assert_int_equal(intake_cases_application_check(txn, id, why, sizeof why),
                     0);
    /* A row with no application at all. */
    assert_int_equal(ry_txn_put(txn, "cases", id, 16, row, bare, 0), 0);
    assert_int_equal(intake_cases_application_check(txn, id, why, sizeof why),
                     RY_EIO);
    assert_non_null(strstr(why, "its row holds no application"));
    ry_txn_abort(&txn);
    free(rest);
    free(row);
    free(whole);
    s_fx_destroy(&fx);
}

static void
test_ineligible_result_lists_failed_checks(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    assert_int_equal(s_deliver_result(fx, id, 1, false), 0);
    Rongyu__Reply *rep = s_get_ok(fx, "org-1", id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__INELIGIBLE);
    s_free(&rep);
    Rongyu__Envelope *e = s_last_sent(fx, "notification");
    Rongyu__CaseEvent *ev =
        rongyu__case_event__unpack(NULL, e->payload.len, e->payload.data);
    assert_non_null(ev);
    assert_string_equal(ev->event, "ineligible");
    assert_int_equal(ev->n_failed, 1);
    assert_string_equal(ev->failed[0]->code, "R_MEMBERSHIP_MIN");
    rongyu__case_event__free_unpacked(ev, NULL);
    ry_pb_free(&e);
    s_fx_destroy(&fx);
}

static void
test_result_for_another_revision_is_ignored(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    assert_int_equal(s_deliver_result(fx, id, 2, true), 0);
    Rongyu__Reply *rep = s_get_ok(fx, "org-1", id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    assert_null(rep->case_->case_->verdict);
    assert_int_equal(rep->case_->n_audit, 1);
    s_free(&rep);
    assert_int_equal(s_outbox_rows(fx, "notification"), 1);
    s_fx_destroy(&fx);
}

static void
test_bad_result_messages_are_refused(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char id[17];
    s_submit_ok(fx, "org-1", "k1", RONGYU__HONOUR__ADVANCED_HOME, id);
    const uint8_t junk[] = {0x12, 0xff, 0xff, 0xff, 0x0f, 0x01};
    assert_int_equal(s_deliver(fx, RONGYU__MESSAGE_TYPE__VALIDATION_RESULT,
                               junk, sizeof junk),
                     RY_EMALFORMED);
    /* Decodes, but carries no verdict. */
    assert_int_equal(
        s_deliver(fx, RONGYU__MESSAGE_TYPE__VALIDATION_RESULT, "", 0),
        RY_EMALFORMED);
    /* A case intake does not have. */
    assert_int_equal(s_deliver_result(fx, "00000000000000ff", 1, true),
                     RY_EINVAL);
    /* Its case, but a verdict (field 3) whose bytes are not a verdict,
     * and a case id of another length than intake's. */
    uint8_t bad[64];
    size_t n = 0;
    bad[n++] = 0x0a;
    bad[n++] = 16;
    memcpy(bad + n, id, 16);
    n += 16;
    bad[n++] = 0x10;
    bad[n++] = 1;
    const uint8_t junk_verdict[] = {0x1a, 0x03, 0x0a, 0xff, 0x01};
    memcpy(bad + n, junk_verdict, sizeof junk_verdict);
    n += sizeof junk_verdict;
    assert_int_equal(
        s_deliver(fx, RONGYU__MESSAGE_TYPE__VALIDATION_RESULT, bad, n),
        RY_EMALFORMED);
    bad[1] = 15;
    memmove(bad + 17, bad + 18, n - 18);
    assert_int_equal(
        s_deliver(fx, RONGYU__MESSAGE_TYPE__VALIDATION_RESULT, bad, n - 1),
        RY_EINVAL);
    /* A type intake does not expect. */
    assert_int_equal(s_deliver(fx, RONGYU__MESSAGE_TYPE__SEAT_REQUEST, "", 0),
                     RY_EINVAL);
    Rongyu__Reply *rep = s_get_ok(fx, "org-1", id);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    assert_int_equal(rep->case_->n_audit, 1);
    s_free(&rep);
    assert_int_equal(s_outbox_rows(fx, "notification"), 1);
    s_fx_destroy(&fx);
}


/* ------------------------------------------------------------ postings */

static Rongyu__Reply *
s_posting_start(fx_t *fx, const char *org, const char *id, const char *from,
                const char *to, const char *key)
{
    rq_t r;
    s_rq(&r, org, "grassroots", key);
    Rongyu__PostingStartRequest ps = RONGYU__POSTING_START_REQUEST__INIT;
    ps.case_id = (char *)id;
    ps.from = (char *)from;
    ps.to = (char *)to;
    r.req.body_case = RONGYU__REQUEST__BODY_POSTING_START;
    r.req.posting_start = &ps;
    return s_send(fx, &r.req);
}

/* A draft saved by the platform with posting dates: the "posting
 * recorded" entry names the platform's user and key, as the draft's own
 * entry does. */
static void
test_posting_saved_by_the_platform_is_audited_with_its_user(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t d;
    s_rq(&d, "org-1", "grassroots", "pd1");
    d.who.user = (char *)"张三";
    Rongyu__Declarations decl = RONGYU__DECLARATIONS__INIT;
    decl.posting_start = (char *)"2018-11-20";
    d.app.declarations = &decl;
    d.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    d.req.save_draft = &d.draft;
    size_t len;
    uint8_t *buf = ry_pb_pack(&d.req.base, &len);
    Rongyu__Reply *rep = NULL;
    ut_intake_as(fx->ic, fx->st, "platform", "platform");
    s_call(fx, buf, len, &rep);
    free(buf);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    char id[17];
    memcpy(id, rep->case_->case_->case_id, 17);
    s_free(&rep);
    rep = s_get_ok(fx, "org-1", id);
    const Rongyu__CaseReply *c = rep->case_;
    assert_int_equal(c->n_audit, 2);
    assert_non_null(strstr(c->audit[1]->what, "posting recorded"));
    for (size_t i = 0; i < c->n_audit; i++) {
        assert_non_null(
            strstr(c->audit[i]->actor, "org-1 (张三) via platform"));
        assert_string_equal(c->audit[i]->actor, c->audit[0]->actor);
    }
    s_free(&rep);
    s_fx_destroy(&fx);
}

static void
test_posting_start_answers_earliest_end_at_once(void **state)
{
    (void)state;
    int64_t now, real = ry_clock_now_ms();
    assert_int_equal(ry_clock_parse("2018-11-20T10:00:00+08:00", &now), 0);
    ry_clock_set(now, 0);
    fx_t *fx = s_fx_default();
    ry_calendar_t *cal;
    assert_int_equal(ry_calendar_new(&cal), 0);
    intake_posting_set_calendar(fx->ic, &cal);
    assert_null(cal);

    rq_t r;
    s_rq(&r, "org-1", "grassroots", "d1");
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    const Rongyu__PostingStatus *ps = rep->case_->posting;
    assert_non_null(ps);
    assert_int_equal(ps->state, RONGYU__POSTING_STATE__NOT_STARTED);
    assert_string_equal(ps->last_start, "2018-11-26");
    assert_string_equal(ps->deadline, "2018-11-30");
    char id[17];
    memcpy(id, rep->case_->case_->case_id, 17);
    s_free(&rep);

    /* Planned to end after 4 working days: recorded, with a warning. */
    rep = s_posting_start(fx, "org-1", id, "2018-11-20", "2018-11-23", "p1");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    ps = rep->case_->posting;
    assert_non_null(ps);
    assert_string_equal(ps->earliest_end, "2018-11-26");
    assert_int_equal(ps->workdays_planned, 4);
    assert_string_equal(ps->warning, "W_POSTING_SHORT");
    assert_int_equal(ps->state, RONGYU__POSTING_STATE__UNDER_WAY);
    assert_non_null(strstr(ps->message_zh, "2018年11月26日（星期一）"));
    assert_non_null(strstr(ps->message_en, "Monday 26 November 2018"));
    assert_string_equal(
        rep->case_->case_->application->declarations->posting_start,
        "2018-11-20");
    s_free(&rep);
    Rongyu__Envelope *e = s_last_sent(fx, "notification");
    Rongyu__CaseEvent *ev = (Rongyu__CaseEvent *)ry_pb_unpack(
        &rongyu__case_event__descriptor, e->payload.data, e->payload.len, 0);
    assert_non_null(ev);
    assert_string_equal(ev->event, "posting_recorded");
    assert_string_equal(ev->posting_start, "2018-11-20");
    assert_string_equal(ev->posting_end, "2018-11-23");
    assert_int_equal(ev->state, RONGYU__CASE_STATE__DRAFT);
    ry_pb_free(&ev);
    ry_pb_free(&e);

    /* Audited. */
    rep = s_get_ok(fx, "org-1", id);
    assert_int_equal(rep->case_->n_audit, 2);
    assert_string_equal(rep->case_->audit[1]->what,
                        "posting recorded: 2018-11-20..2018-11-23");
    s_free(&rep);

    /* Bad input changes nothing. */
    uint64_t audit = ut_rows(fx->st, "audit");
    rep = s_posting_start(fx, "org-1", id, "2018-11-31", "", "p2");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    s_free(&rep);
    rep = s_posting_start(fx, "org-1", id, "2018-11-20", "2018-11-19", "p3");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    s_free(&rep);
    rep = s_posting_start(fx, "org-1", id, "", "", "p4");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    s_free(&rep);
    rep = s_posting_start(fx, "org-2", id, "2018-11-20", "", "p5");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "audit"), audit);

    /* The unit sees it in its list; a grassroots union may not ask. */
    s_rq(&r, UNIT, "unit", NULL);
    Rongyu__PostingsRequest pq = RONGYU__POSTINGS_REQUEST__INIT;
    r.req.body_case = RONGYU__REQUEST__BODY_POSTINGS;
    r.req.postings = &pq;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(rep->body_case, RONGYU__REPLY__BODY_POSTINGS);
    assert_int_equal(rep->postings->n_rows, 1);
    assert_string_equal(rep->postings->rows[0]->case_id, id);
    assert_string_equal(rep->postings->rows[0]->posting->earliest_end,
                        "2018-11-26");
    s_free(&rep);
    s_rq(&r, "org-1", "grassroots", NULL);
    r.req.body_case = RONGYU__REQUEST__BODY_POSTINGS;
    r.req.postings = &pq;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    s_free(&rep);

    /* Only a draft takes a posting. */
    char sub[17];
    s_submit_ok(fx, "org-1", "k9", RONGYU__HONOUR__ADVANCED_HOME, sub);
    rep = s_posting_start(fx, "org-1", sub, "2018-11-20", "", "p6");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_BAD_STATE);
    s_free(&rep);
    s_fx_destroy(&fx);
    ry_clock_set(real, 1);
}

/* The last CaseEvent intake put in its outbox to notification. */
static Rongyu__CaseEvent *
s_last_event(fx_t *fx)
{
    Rongyu__Envelope *e = s_last_sent(fx, "notification");
    Rongyu__CaseEvent *ev = (Rongyu__CaseEvent *)ry_pb_unpack(
        &rongyu__case_event__descriptor, e->payload.data, e->payload.len, 0);
    assert_non_null(ev);
    ry_pb_free(&e);
    return ev;
}

/* The posting status of draft 'id' in its unit's list of postings. */
static Rongyu__Reply *
s_postings_row(fx_t *fx, const char *id, const Rongyu__PostingStatus **ps)
{
    rq_t r;
    s_rq(&r, UNIT, "unit", NULL);
    Rongyu__PostingsRequest pq = RONGYU__POSTINGS_REQUEST__INIT;
    r.req.body_case = RONGYU__REQUEST__BODY_POSTINGS;
    r.req.postings = &pq;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    *ps = NULL;
    for (size_t i = 0; i < rep->postings->n_rows; i++)
        if (strcmp(rep->postings->rows[i]->case_id, id) == 0)
            *ps = rep->postings->rows[i]->posting;
    assert_non_null(*ps);
    return rep;
}

/* The city extends 萧山区's deadline to 2019-01-10: its nomination
 * posted from Thu 2018-12-27 (5th working day Thu 2019-01-03), too late
 * for 31 December, is under way against the unit's own deadline, in the
 * unit's list, in the draft's answer and in what notification is told
 * (the draft told again, at once); a home's deadline is not the unit's
 * to extend; a retried request still gets its first answer. */
static void
test_an_extension_is_the_deadline_of_the_units_nominations(void **state)
{
    (void)state;
    int64_t now, real = ry_clock_now_ms();
    assert_int_equal(ry_clock_parse("2018-12-27T10:00:00+08:00", &now), 0);
    ry_clock_set(now, 0);
    fx_t *fx = s_fx_default();
    ry_calendar_t *cal;
    assert_int_equal(ry_calendar_new(&cal), 0);
    intake_posting_set_calendar(fx->ic, &cal);

    rq_t r;
    s_rq(&r, "org-1", "grassroots", "ew1");
    Rongyu__Person person = RONGYU__PERSON__INIT;
    person.name = (char *)"李秀英";
    person.column = RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE;
    r.app.honour = RONGYU__HONOUR__EXCELLENT_WORKER;
    r.app.category = RONGYU__APPLICANT_CATEGORY__CADRE;
    r.app.person = &person;
    r.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    r.req.save_draft = &r.draft;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    char id[17], home[17];
    memcpy(id, rep->case_->case_->case_id, 17);
    s_free(&rep);
    rq_t h;
    s_rq(&h, "org-1", "grassroots", "home1");
    h.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    h.req.save_draft = &h.draft;
    rep = s_send(fx, &h.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    memcpy(home, rep->case_->case_->case_id, 17);
    s_free(&rep);

    rep = s_posting_start(fx, "org-1", id, "2018-12-27", "", "pe1");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->case_->posting->warning, "W_POSTING_TOO_LATE");
    assert_string_equal(rep->case_->posting->deadline, "2018-12-31");
    s_free(&rep);
    Rongyu__CaseEvent *ev = s_last_event(fx);
    assert_string_equal(ev->event, "posting_recorded");
    assert_string_equal(ev->posting_deadline, "2018-12-31");
    ry_pb_free(&ev);

    /* An hour later, extended: the draft is told again with its unit's
     * deadline. */
    ry_clock_set(now + 3600 * 1000, 0);
    uint64_t told = s_outbox_rows(fx, "notification");
    rq_t x;
    s_rq(&x, "city-federation", "city", "x1");
    Rongyu__ExtendDeadlineRequest ex = RONGYU__EXTEND_DEADLINE_REQUEST__INIT;
    ex.organising_unit = (char *)UNIT;
    ex.until = (char *)"2019-01-10";
    ex.opinion = (char *)"系统故障，准予延期";
    x.req.body_case = RONGYU__REQUEST__BODY_EXTEND_DEADLINE;
    x.req.extend_deadline = &ex;
    rep = s_send(fx, &x.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    /* The extension itself (notify_extensions), then the draft. */
    assert_int_equal(s_outbox_rows(fx, "notification"), told + 2);
    ev = s_last_event(fx);
    assert_string_equal(ev->case_id, id);
    assert_string_equal(ev->event, "deadline_extended");
    assert_int_equal(ev->state, RONGYU__CASE_STATE__DRAFT);
    assert_string_equal(ev->posting_start, "2018-12-27");
    assert_string_equal(ev->posting_deadline, "2019-01-10");
    ry_pb_free(&ev);

    const Rongyu__PostingStatus *ps;
    rep = s_postings_row(fx, id, &ps);
    assert_int_equal(ps->state, RONGYU__POSTING_STATE__UNDER_WAY);
    assert_string_equal(ps->deadline, "2019-01-10");
    assert_string_equal(ps->until, "2019-01-03");
    assert_string_equal(ps->last_start, "2019-01-04");
    assert_string_equal(ps->warning, "");
    s_free(&rep);
    rep = s_postings_row(fx, home, &ps);
    assert_string_equal(ps->deadline, "2018-11-30");
    s_free(&rep);
    rep = s_get_ok(fx, "org-1", id);
    assert_string_equal(rep->case_->posting->deadline, "2019-01-10");
    assert_string_equal(rep->case_->posting->warning, "");
    s_free(&rep);

    /* Saved again, the draft's event names the unit's deadline. */
    rep = s_posting_start(fx, "org-1", id, "2018-12-28", "", "pe2");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->case_->posting->deadline, "2019-01-10");
    s_free(&rep);
    ev = s_last_event(fx);
    assert_string_equal(ev->posting_deadline, "2019-01-10");
    ry_pb_free(&ev);

    /* The first request retried: its first answer, as it was then. */
    rep = s_posting_start(fx, "org-1", id, "2018-12-27", "", "pe1");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->case_->posting->warning, "W_POSTING_TOO_LATE");
    assert_string_equal(rep->case_->posting->deadline, "2018-12-31");
    s_free(&rep);
    s_fx_destroy(&fx);
    ry_clock_set(real, 1);
}

/* An extension the city grants is told to notification (which reminds
 * the unit against it) in the same transaction; one refused is not. */
static void
test_an_extension_is_told_to_notification(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t x;
    s_rq(&x, "city-federation", "city", "x1");
    Rongyu__ExtendDeadlineRequest ex = RONGYU__EXTEND_DEADLINE_REQUEST__INIT;
    ex.organising_unit = (char *)UNIT;
    ex.until = (char *)"2018-12-30";
    ex.opinion = (char *)"系统故障，准予延期";
    x.req.body_case = RONGYU__REQUEST__BODY_EXTEND_DEADLINE;
    x.req.extend_deadline = &ex;
    Rongyu__Reply *rep = s_send(fx, &x.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_OUT_OF_RANGE);
    s_free(&rep);
    assert_int_equal(s_outbox_rows(fx, "notification"), 0);

    s_rq(&x, "city-federation", "city", "x2");
    ex.until = (char *)"2019-01-10";
    x.req.body_case = RONGYU__REQUEST__BODY_EXTEND_DEADLINE;
    x.req.extend_deadline = &ex;
    rep = s_send(fx, &x.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    assert_int_equal(s_outbox_rows(fx, "notification"), 1);
    Rongyu__Envelope *e = s_last_sent(fx, "notification");
    assert_int_equal(e->type, RONGYU__MESSAGE_TYPE__DEADLINE_EXTENSION);
    Rongyu__DeadlineExtension *d = (Rongyu__DeadlineExtension *)ry_pb_unpack(
        &rongyu__deadline_extension__descriptor, e->payload.data,
        e->payload.len, 0);
    assert_non_null(d);
    assert_string_equal(d->campaign_id, CAMPAIGN);
    assert_string_equal(d->organising_unit, UNIT);
    assert_string_equal(d->until, "2019-01-10");
    assert_int_equal(d->seq, 1);
    assert_non_null(strstr(d->actor, "city-federation"));
    ry_pb_free(&d);
    ry_pb_free(&e);

    /* A store whose extensions were granted before intake told them
     * (this one has not started as a server): told at the first start,
     * once. */
    static const unsigned want[] = {1, 0};
    for (int i = 0; i < 2; i++) {
        ry_txn_t *txn;
        assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
        unsigned told;
        assert_int_equal(intake_deadline_tell_all(txn, fx->ch, &told), 0);
        assert_int_equal(told, want[i]);
        assert_int_equal(ry_txn_commit(&txn), 0);
        assert_int_equal(s_outbox_rows(fx, "notification"), 2);
    }
    e = s_last_sent(fx, "notification");
    assert_int_equal(e->type, RONGYU__MESSAGE_TYPE__DEADLINE_EXTENSION);
    ry_pb_free(&e);
    s_fx_destroy(&fx);
}

/* Sends req (as its principal's key) and returns the answer's bytes
 * packed again without their request id (the caller's), after checking
 * that the id is req's. */
static uint8_t *
s_answer_bytes(fx_t *fx, const Rongyu__Request *req, size_t *len)
{
    Rongyu__Reply *rep = s_send(fx, req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->request_id, req->request_id);
    char *id = rep->request_id;
    rep->request_id = (char *)"";
    uint8_t *out = ry_pb_pack(&rep->base, len);
    rep->request_id = id;
    s_free(&rep);
    return out;
}

static void
test_a_draft_retried_days_later_gets_its_first_posting_status(void **state)
{
    (void)state;
    int64_t now, later, real = ry_clock_now_ms();
    assert_int_equal(ry_clock_parse("2018-11-20T10:00:00+08:00", &now), 0);
    assert_int_equal(ry_clock_parse("2018-11-28T10:00:00+08:00", &later), 0);
    ry_clock_set(now, 0);
    fx_t *fx = s_fx_default();
    ry_calendar_t *cal;
    assert_int_equal(ry_calendar_new(&cal), 0);
    intake_posting_set_calendar(fx->ic, &cal);

    /* A draft, its posting recorded, then recorded again otherwise. */
    rq_t d;
    s_rq(&d, "org-1", "grassroots", "d1");
    d.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
    d.req.save_draft = &d.draft;
    size_t dlen, plen, len;
    uint8_t *dfirst = s_answer_bytes(fx, &d.req, &dlen);
    Rongyu__Reply *rep = s_send(fx, &d.req);
    char id[17];
    memcpy(id, rep->case_->case_->case_id, 17);
    s_free(&rep);
    rq_t p;
    s_rq(&p, "org-1", "grassroots", "p1");
    Rongyu__PostingStartRequest ps = RONGYU__POSTING_START_REQUEST__INIT;
    ps.case_id = id;
    ps.from = (char *)"2018-11-20";
    ps.to = (char *)"2018-11-23";
    p.req.body_case = RONGYU__REQUEST__BODY_POSTING_START;
    p.req.posting_start = &ps;
    uint8_t *pfirst = s_answer_bytes(fx, &p.req, &plen);
    rep = s_posting_start(fx, "org-1", id, "2018-11-21", "2018-11-30", "p2");
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    uint64_t audit = ut_rows(fx->st, "audit"), idem = ut_rows(fx->st, "idem");
    assert_int_equal(ut_rows(fx->st, "superseded"), 2);

    /* Eight days on, submitted: each retry gets the draft and the
     * posting status of its first answer. */
    ry_clock_set(later, 0);
    rq_t sd;
    s_rq(&sd, "org-1", "grassroots", "s1");
    sd.submit_draft.case_id = id;
    sd.req.body_case = RONGYU__REQUEST__BODY_SUBMIT_DRAFT;
    sd.req.submit_draft = &sd.submit_draft;
    rep = s_send(fx, &sd.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    d.req.request_id = (char *)"again-1";
    uint8_t *b = s_answer_bytes(fx, &d.req, &len);
    assert_int_equal(len, dlen);
    assert_memory_equal(b, dfirst, len);
    free(b);
    p.req.request_id = (char *)"again-2";
    b = s_answer_bytes(fx, &p.req, &len);
    assert_int_equal(len, plen);
    assert_memory_equal(b, pfirst, len);
    free(b);
    rep = rongyu__reply__unpack(NULL, plen, pfirst);
    assert_int_equal(rep->case_->case_->state, RONGYU__CASE_STATE__DRAFT);
    assert_string_equal(
        rep->case_->case_->application->declarations->posting_end,
        "2018-11-23");
    assert_int_equal(rep->case_->posting->state,
                     RONGYU__POSTING_STATE__UNDER_WAY);
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "audit"), audit + 1);
    assert_int_equal(ut_rows(fx->st, "idem"), idem + 1);
    free(dfirst);
    free(pfirst);
    s_fx_destroy(&fx);
    ry_clock_set(real, 1);
}

/* A posting recorded with no end is still up when its draft is
 * submitted: it ends that day, which the stored application then states
 * (and the audit says); the draft as it was stays readable. A posting
 * with an end keeps it. */
static void
test_open_posting_ends_on_submission(void **state)
{
    (void)state;
    int64_t now, later, real = ry_clock_now_ms();
    assert_int_equal(ry_clock_parse("2018-11-20T10:00:00+08:00", &now), 0);
    assert_int_equal(ry_clock_parse("2018-11-27T23:30:00+08:00", &later), 0);
    ry_clock_set(now, 0);
    fx_t *fx = s_fx_default();
    char id[2][17];
    for (int k = 0; k < 2; k++) {
        rq_t d;
        s_rq(&d, "org-1", "grassroots", k ? "od2" : "od1");
        d.req.body_case = RONGYU__REQUEST__BODY_SAVE_DRAFT;
        d.req.save_draft = &d.draft;
        Rongyu__Reply *rep = s_send(fx, &d.req);
        assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
        memcpy(id[k], rep->case_->case_->case_id, 17);
        s_free(&rep);
        rep = s_posting_start(fx, "org-1", id[k], "2018-11-20",
                              k ? "2018-11-26" : "", k ? "op2" : "op1");
        assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
        s_free(&rep);
    }
    uint64_t superseded = ut_rows(fx->st, "superseded");
    ry_clock_set(later, 0); /* 23:30 in Beijing: still the 27th there */
    for (int k = 0; k < 2; k++) {
        rq_t sd;
        s_rq(&sd, "org-1", "grassroots", k ? "os2" : "os1");
        sd.submit_draft.case_id = id[k];
        sd.req.body_case = RONGYU__REQUEST__BODY_SUBMIT_DRAFT;
        sd.req.submit_draft = &sd.submit_draft;
        Rongyu__Reply *rep = s_send(fx, &sd.req);
        assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
        assert_string_equal(
            rep->case_->case_->application->declarations->posting_end,
            k ? "2018-11-26" : "2018-11-27");
        s_free(&rep);
    }
    assert_int_equal(ut_rows(fx->st, "superseded"), superseded + 1);
    Rongyu__Reply *rep = s_get_ok(fx, "org-1", id[0]);
    const Rongyu__CaseReply *c = rep->case_;
    assert_int_equal(c->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    assert_string_equal(c->case_->application->declarations->posting_end,
                        "2018-11-27");
    assert_non_null(strstr(c->audit[c->n_audit - 1]->what,
                           "posting 2018-11-20..2018-11-27 (ended on "
                           "submission)"));
    s_free(&rep);
    rep = s_get_ok(fx, "org-1", id[1]);
    assert_null(strstr(rep->case_->audit[rep->case_->n_audit - 1]->what,
                       "ended on submission"));
    s_free(&rep);
    s_fx_destroy(&fx);
    ry_clock_set(real, 1);
}

/* ------------------------------------------------------------ contract */

static void
test_state_change_without_idempotency_key_is_refused(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit(&r, "org-1", "k0");
    r.req.idempotency_key = (char *)"";
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    assert_string_equal(rep->field_path, "idempotency_key");
    assert_string_equal(rep->request_id, "req-1");
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 0);
    assert_int_equal(ut_rows(fx->st, "idem"), 0);
    /* A read needs none. */
    s_rq_get(&r, "org-1", "grassroots", "ffffffffffffffff");
    r.req.idempotency_key = (char *)"";
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    s_free(&rep);
    s_fx_destroy(&fx);
}

/* ------------------------------------------------------------ text edges */

static void
test_over_long_text_is_invalid_naming_the_field(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    size_t n = (size_t)10 << 20;
    char *name = malloc(n + 1);
    assert_non_null(name);
    memset(name, 'a', n);
    name[n] = '\0';
    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    r.app.deeds = name;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_non_null(strstr(rep->detail, "submit.application.deeds"));
    assert_non_null(strstr(rep->detail, "at most 65536"));
    s_free(&rep);
    free(name);
    s_assert_nothing_stored(fx);
    s_fx_destroy(&fx);
}

static void
test_invalid_utf8_is_invalid_naming_the_field(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    s_rq_submit(&r, "org-1", "k1");
    r.app.deeds = (char *)"ok \xc0\xaf overlong";
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_non_null(strstr(rep->detail, "submit.application.deeds"));
    assert_non_null(strstr(rep->detail, "UTF-8"));
    assert_string_equal(rep->field_path, "submit.application.deeds");
    s_free(&rep);
    s_assert_nothing_stored(fx);
    /* In a repeated field: its index in the path. */
    s_rq_submit(&r, "org-1", "k1");
    r.att.name = (char *)"\xff.pdf";
    r.app.attachments = r.atts;
    r.app.n_attachments = 1;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_non_null(
        strstr(rep->detail, "submit.application.attachments[0].name: not "
                            "valid UTF-8"));
    assert_string_equal(rep->field_path,
                        "submit.application.attachments[0].name");
    s_free(&rep);
    s_assert_nothing_stored(fx);
    /* Chinese text is valid. */
    s_rq_submit(&r, "org-1", "k2");
    r.app.deeds = (char *)"职工之家建设成效显著";
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    s_fx_destroy(&fx);
}

static void
test_idempotency_key_of_201_bytes_is_invalid(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char key[RY_IDEM_KEY_MAX + 2];
    memset(key, 'k', RY_IDEM_KEY_MAX + 1);
    key[RY_IDEM_KEY_MAX + 1] = '\0';
    rq_t r;
    s_rq_submit(&r, "org-1", key);
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "idempotency_key");
    assert_non_null(strstr(rep->detail, "201 bytes, at most 200"));
    s_free(&rep);
    s_assert_nothing_stored(fx);
    /* Far longer (past LMDB's key size): the same answer, not E_INTERNAL. */
    char huge[551];
    memset(huge, 'k', 550);
    huge[550] = '\0';
    s_rq_submit(&r, "org-1", huge);
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "idempotency_key");
    s_free(&rep);
    s_assert_nothing_stored(fx);
    s_fx_destroy(&fx);
}

static void
test_idempotency_key_of_200_bytes_is_taken(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    char key[RY_IDEM_KEY_MAX + 1];
    memset(key, 'k', RY_IDEM_KEY_MAX);
    key[RY_IDEM_KEY_MAX] = '\0';
    rq_t r;
    s_rq_submit(&r, "org-1", key);
    char id[17];
    s_send_new_ok(fx, &r.req, id);
    /* A retry with the same key gets the first answer: the key was kept. */
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(rep->case_->case_->case_id, id);
    s_free(&rep);
    s_fx_destroy(&fx);
}

static void
test_busy_names_the_peer_whose_outbox_is_full(void **state)
{
    (void)state;
    fx_t *fx = s_fx_new(1 << 20, 3);
    char id[17];
    for (int i = 0; i < 3; i++) {
        char key[8];
        snprintf(key, sizeof key, "k%d", i);
        s_submit_ok(fx, "org-1", key, RONGYU__HONOUR__ADVANCED_HOME, id);
    }
    /* Validation caught up; notification did not. */
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    assert_int_equal(ry_outbox_ack(txn, "validation", 3, NULL), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(s_outbox_rows(fx, "validation"), 0);
    rq_t r;
    s_rq_submit(&r, "org-1", "k3");
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_BUSY);
    assert_true(rep->retry_after_ms > 0);
    assert_non_null(strstr(rep->detail, "wait for notification"));
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 3);
    /* Reads go on. */
    rep = s_get_ok(fx, "org-1", id);
    s_free(&rep);
    s_fx_destroy(&fx);
}

static void
test_role_is_an_enum_or_the_old_string_and_errors_name_the_field(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    rq_t r;
    /* The enum alone. */
    s_rq_submit(&r, "org-1", "e1");
    r.who.role = (char *)"";
    r.who.kind = RONGYU__ROLE__ROLE_GRASSROOTS;
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    /* Neither: the role is the key's (org-1's key is a grassroots
     * union's), never a guess. */
    s_rq_submit(&r, "org-1", "e2");
    r.who.role = (char *)"";
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__OK);
    s_free(&rep);
    /* Both, disagreeing. */
    s_rq_submit(&r, "org-1", "e3");
    r.who.kind = RONGYU__ROLE__ROLE_CITY;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "principal.kind");
    s_free(&rep);
    /* The other way round: the string names a role the key may not take,
     * the kind the key's own. Disagreeing is what is wrong, whatever the
     * key may do. */
    s_rq_submit(&r, "org-1", "e3b");
    r.who.role = (char *)"city";
    r.who.kind = RONGYU__ROLE__ROLE_GRASSROOTS;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "principal.kind");
    s_free(&rep);
    /* A role string that names no role, and an unknown kind. */
    s_rq_submit(&r, "org-1", "e3c");
    r.who.role = (char *)"bogus";
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "principal.role");
    s_free(&rep);
    s_rq_submit(&r, "org-1", "e3d");
    r.who.role = (char *)"";
    r.who.kind = (Rongyu__Role)99;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "principal.kind");
    s_free(&rep);
    /* A missing application field, by its path from Request. */
    s_rq_submit(&r, "org-1", "e4");
    r.app.organising_unit = (char *)"";
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    assert_string_equal(rep->field_path, "submit.application.organising_unit");
    assert_string_equal(rep->detail,
                        "缺少 submit.application.organising_unit。"
                        "submit.application.organising_unit is missing");
    s_free(&rep);
    assert_int_equal(ut_rows(fx->st, "cases"), 2);
    s_fx_destroy(&fx);
}

/* The reads run without a nested transaction of their own: judged by
 * the body field on the wire alone; anything else, or bytes that are not
 * a message, takes the nested path. */
static bool
s_reads(const Rongyu__Request *req)
{
    size_t len;
    uint8_t *buf = ry_pb_pack(&req->base, &len);
    bool r = intake_requests_reads_only(NULL, buf, len);
    free(buf);
    return r;
}

static void
test_reads_are_told_from_writes_by_their_body(void **state)
{
    (void)state;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__GetRequest g = RONGYU__GET_REQUEST__INIT;
    Rongyu__WaitRequest w = RONGYU__WAIT_REQUEST__INIT;
    Rongyu__SubmitRequest sub = RONGYU__SUBMIT_REQUEST__INIT;
    Rongyu__WithdrawRequest wd = RONGYU__WITHDRAW_REQUEST__INIT;
    req.idempotency_key = (char *)"k";
    req.body_case = RONGYU__REQUEST__BODY_GET;
    req.get = &g;
    assert_true(s_reads(&req));
    req.body_case = RONGYU__REQUEST__BODY_WAIT;
    req.wait = &w;
    assert_true(s_reads(&req));
    req.body_case = RONGYU__REQUEST__BODY_SUBMIT;
    req.submit = &sub;
    assert_false(s_reads(&req));
    req.body_case = RONGYU__REQUEST__BODY_WITHDRAW;
    req.withdraw = &wd;
    assert_false(s_reads(&req));
    req.body_case = RONGYU__REQUEST__BODY__NOT_SET;
    assert_false(s_reads(&req));
    /* Two members of the oneof: the last one on the wire counts. */
    size_t a, b;
    req.body_case = RONGYU__REQUEST__BODY_GET;
    uint8_t *get = ry_pb_pack(&req.base, &a);
    req.body_case = RONGYU__REQUEST__BODY_WITHDRAW;
    uint8_t *wdr = ry_pb_pack(&req.base, &b);
    uint8_t both[512];
    assert_true(a + b <= sizeof both);
    memcpy(both, get, a);
    memcpy(both + a, wdr, b);
    assert_false(intake_requests_reads_only(NULL, both, a + b));
    memcpy(both, wdr, b);
    memcpy(both + b, get, a);
    assert_true(intake_requests_reads_only(NULL, both, a + b));
    Rongyu__Request *dec = (Rongyu__Request *)ry_pb_unpack(
        &rongyu__request__descriptor, both, a + b, 0);
    assert_non_null(dec);
    assert_int_equal(dec->body_case, RONGYU__REQUEST__BODY_GET);
    ry_pb_free(&dec);
    free(get);
    free(wdr);
    assert_false(
        intake_requests_reads_only(NULL, (const uint8_t *)"\xff\xff", 2));
}

static void
test_replies_hold_utf8_whatever_the_request(void **state)
{
    (void)state;
    fx_t *fx = s_fx_default();
    /* A request_id that is not UTF-8: refused, and not echoed (the
     * reply would not decode). */
    rq_t r;
    s_rq_get(&r, "org-1", "grassroots", "0000000000000001");
    r.req.request_id = (char *)"\xff";
    Rongyu__Reply *rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->request_id, "");
    assert_string_equal(rep->detail, "request_id: 不是有效的 UTF-8 文本。"
                                     "request_id: not valid UTF-8");
    s_free(&rep);
    /* One longer than RY_REQUEST_ID_MAX: refused, named, echoed whole. */
    char id[RY_REQUEST_ID_MAX + 2];
    memset(id, 'r', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    r.req.request_id = id;
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(rep->field_path, "request_id");
    assert_string_equal(rep->request_id, id);
    s_free(&rep);
    id[RY_REQUEST_ID_MAX] = '\0';
    rep = s_send(fx, &r.req);
    assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
    assert_string_equal(rep->request_id, id);
    s_free(&rep);
    /* An id of 300 Chinese characters, named in a detail cut to its
     * buffer: cut on a character (s_call checks every reply). */
    char *cid = malloc(903);
    assert_non_null(cid);
    for (int lead = 0; lead < 3; lead++) {
        memset(cid, 'a', (size_t)lead);
        for (int i = 0; i < 300; i++)
            memcpy(cid + lead + 3 * i, "\xe8\x90\xa7", 3);
        cid[lead + 900] = '\0';
        s_rq_get(&r, "org-1", "grassroots", cid);
        rep = s_send(fx, &r.req);
        assert_int_equal(rep->code, RONGYU__ERROR_CODE__E_NOT_FOUND);
        assert_non_null(strstr(rep->detail, "\xe8\x90\xa7\xe8\x90\xa7"));
        s_free(&rep);
    }
    free(cid);
    s_assert_nothing_stored(fx);
    /* A user's name of 200 Chinese characters, in the audit's actor
     * (cut to its buffer): the case reads back as UTF-8. */
    char *user = malloc(603);
    assert_non_null(user);
    for (int lead = 0; lead < 3; lead++) {
        memset(user, 'u', (size_t)lead);
        for (int i = 0; i < 200; i++)
            memcpy(user + lead + 3 * i, "\xe8\x90\xa7", 3);
        user[lead + 600] = '\0';
        char cid17[17];
        s_rq_submit(&r, "org-1", NULL);
        r.who.user = user;
        s_send_new_ok(fx, &r.req, cid17);
        rep = s_get_ok(fx, "org-1", cid17);
        assert_true(rep->case_->n_audit >= 1);
        assert_non_null(strstr(rep->case_->audit[0]->actor, "\xe8\x90\xa7"));
        s_free(&rep);
    }
    free(user);
    s_fx_destroy(&fx);
}

int
main(void)
{
    ry_log_level = RY_LOG_ERROR;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_request_is_malformed_and_stores_nothing),
        cmocka_unit_test(test_reads_are_told_from_writes_by_their_body),
        cmocka_unit_test(test_brief_wait_answers_with_the_state_alone),
        cmocka_unit_test(test_wait_on_several_cases),
        cmocka_unit_test(test_brief_wait_answers_as_the_heads_decoded),
        cmocka_unit_test(test_application_in_two_parts_is_stored_merged),
        cmocka_unit_test(test_long_request_retry_gets_its_first_answer),
        cmocka_unit_test(test_damaged_fingerprint_key_stops_the_start),
        cmocka_unit_test(test_wait_reads_the_state_in_place),
        cmocka_unit_test(test_brief_wait_answer_is_read_in_place),
        cmocka_unit_test(test_empty_frame_is_refused_with_a_clear_error),
        cmocka_unit_test(test_request_without_principal_acts_as_its_key),
        cmocka_unit_test(test_revoked_key_is_refused_on_its_next_request),
        cmocka_unit_test(test_platform_role_without_org_is_missing_org),
        cmocka_unit_test(test_unknown_role_is_invalid),
        cmocka_unit_test(
            test_a_draft_retried_days_later_gets_its_first_posting_status),
        cmocka_unit_test(test_state_change_without_idempotency_key_is_refused),
        cmocka_unit_test(
            test_role_is_an_enum_or_the_old_string_and_errors_name_the_field),
        cmocka_unit_test(test_submit_without_honour_is_missing_field),
        cmocka_unit_test(test_valid_submission_creates_one_submitted_case),
        cmocka_unit_test(test_brief_submission_answers_without_the_application),
        cmocka_unit_test(
            test_retry_with_same_key_and_body_returns_the_same_case),
        cmocka_unit_test(test_same_key_with_another_body_is_conflict),
        cmocka_unit_test(test_same_fields_in_another_order_is_conflict),
        cmocka_unit_test(test_grassroots_may_not_submit_for_another_org),
        cmocka_unit_test(test_get_is_allowed_to_owner_and_unit_only),
        cmocka_unit_test(test_list_filters_by_state_and_honour_and_pages),
        cmocka_unit_test(test_draft_is_saved_edited_and_submitted),
        cmocka_unit_test(test_draft_without_honour_cannot_be_submitted),
        cmocka_unit_test(test_submitting_or_editing_a_non_draft_is_bad_state),
        cmocka_unit_test(test_unknown_campaign_is_not_found_and_stores_nothing),
        cmocka_unit_test(test_counts_and_years_beyond_their_range_are_refused),
        cmocka_unit_test(
            test_identifiers_over_their_limit_are_invalid_naming_the_field),
        cmocka_unit_test(
            test_zip_named_pdf_is_typed_by_content_and_kept_as_blob),
        cmocka_unit_test(test_attachment_with_mismatched_sha256_is_invalid),
        cmocka_unit_test(test_attachment_over_the_limit_is_too_large),
        cmocka_unit_test(
            test_submit_past_outbox_limit_is_busy_and_stores_nothing),
        cmocka_unit_test(test_case_ids_increase_also_after_restart),
        cmocka_unit_test(test_status_reports_cases_and_links),
        cmocka_unit_test(test_eligible_result_moves_case_to_eligible_once),
        cmocka_unit_test(test_stored_form_result_keeps_the_whole_application),
        cmocka_unit_test(
            test_application_check_finds_a_head_without_its_application),
        cmocka_unit_test(test_ineligible_result_lists_failed_checks),
        cmocka_unit_test(test_result_for_another_revision_is_ignored),
        cmocka_unit_test(test_bad_result_messages_are_refused),
        cmocka_unit_test(test_posting_start_answers_earliest_end_at_once),
        cmocka_unit_test(
            test_an_extension_is_the_deadline_of_the_units_nominations),
        cmocka_unit_test(test_an_extension_is_told_to_notification),
        cmocka_unit_test(test_open_posting_ends_on_submission),
        cmocka_unit_test(
            test_posting_saved_by_the_platform_is_audited_with_its_user),
        cmocka_unit_test(test_over_long_text_is_invalid_naming_the_field),
        cmocka_unit_test(test_busy_names_the_peer_whose_outbox_is_full),
        cmocka_unit_test(test_invalid_utf8_is_invalid_naming_the_field),
        cmocka_unit_test(test_idempotency_key_of_201_bytes_is_invalid),
        cmocka_unit_test(test_idempotency_key_of_200_bytes_is_taken),
        cmocka_unit_test(test_replies_hold_utf8_whatever_the_request),
    };
    return ut_keys_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
