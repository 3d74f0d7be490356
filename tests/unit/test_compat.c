/* Messages written by the landed contract (proto/rongyu.proto at commit
 * 1bf7a97, before the platform-contract fields) still decode and still
 * work: a Case as intake stored it, put in a store, is read back by a Get
 * of an old-style client (role as a string), its verdict shown with the
 * texts it was stored with, also once the case is written again and its
 * verdict moves beside it; that client's Submit bytes are applied; an
 * idempotency record kept in the earlier form (the whole first answer)
 * still answers a retry; a FeedItem and a Reply decode with the new
 * fields at their defaults. The fixtures are tests/data/landed/ (make.py
 * says how they were made). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "intake_cases.h"
#include "intake_requests.h"
#include "rongyu.pb-c.h"
#include "ry_pb.h"
#include "ry_store.h"
#include "ut_intake_keys.h"
#include "ut_pb.h"
#include "ut_util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_SIZE ((size_t)16 << 20)
#define FIXTURES RY_SOURCE_DIR "/tests/data/landed/"

static uint8_t *
s_read(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", FIXTURES, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static uint8_t buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint8_t *out = malloc(*len ? *len : 1);
    assert_non_null(out);
    memcpy(out, buf, *len);
    return out;
}

/* Applies one request frame in a write transaction; returns the reply. */
static Rongyu__Reply *
s_call(ry_store_t *st, intake_cases_t *ic, const uint8_t *data, size_t len)
{
    /* The request comes with the key of the principal it states. */
    Rongyu__Request *q = (Rongyu__Request *)ry_pb_unpack(
        &rongyu__request__descriptor, data, len, 0);
    assert_non_null(q);
    ut_intake_as_request(ic, st, q);
    ry_pb_free(&q);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(st, NULL, true, &txn), 0);
    uint8_t *reply = NULL;
    size_t rlen = 0;
    int rc = intake_requests_on_request(ic, txn, data, len, &reply, &rlen);
    if (rc == 0)
        assert_int_equal(ry_txn_commit(&txn), 0);
    else
        ry_txn_abort(&txn);
    Rongyu__Reply *r = (Rongyu__Reply *)ry_pb_unpack(&rongyu__reply__descriptor,
                                                     reply, rlen, 0);
    free(reply);
    assert_non_null(r);
    return r;
}

static void
test_a_case_stored_by_the_landed_version_is_read_by_an_old_client(void **state)
{
    (void)state;
    char dir[256];
    assert_int_equal(ut_tmpdir(dir, sizeof dir, "compat"), 0);
    static const char *const tables[] = {INTAKE_TABLES, NULL};
    ry_store_t *st;
    assert_int_equal(ry_store_open(&st, dir, MAP_SIZE, tables), 0);
    /* The stored case, as the landed intake wrote it (with its by_org
     * row, before the case indexes by state and due date existed). */
    size_t clen;
    uint8_t *cbytes = s_read("case.pb", &clen);
    const char *id = "0000018b2c3d4e5f";
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(st, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "cases", id, 16, cbytes, clen, 0), 0);
    char key[64];
    int n = snprintf(key, sizeof key, "%s%c%s", "xiaoshan-hengyi-textile", '\0',
                     id);
    assert_int_equal(ry_txn_put(txn, "by_org", key, (size_t)n, "", 0, 0), 0);
    /* Its attachment, stored content-addressed (the request names it by
     * sha256 alone). */
    char sha[65];
    for (int i = 0; i < 64; i++)
        sha[i] = "ab"[i % 2];
    static const char pdf[] = "%PDF-1.4\n% landed\n";
    assert_int_equal(ry_txn_put(txn, "blobs", sha, 64, pdf, sizeof pdf - 1, 0),
                     0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    intake_limits_t lim = {1 << 20, 1000};
    intake_cases_t *ic;
    assert_int_equal(intake_cases_new(st, &lim, &ic), 0);
    ry_channel_opts_t o = {
        .self_id = "intake",
        .store = st,
        .max_map_size = MAP_SIZE,
        .on_request = intake_requests_on_request,
        .on_message = intake_cases_on_message,
        .ctx = ic,
    };
    ry_channel_t *ch;
    assert_int_equal(ry_channel_new(&o, &ch), 0);
    intake_cases_set_channel(ic, ch);

    /* Opening built the indexes of the cases already stored, and emptied
     * the one of earlier versions (by_org_state serves its listing). */
    char why[300] = "";
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    if (intake_cases_index_check(txn, why, sizeof why) != 0)
        fail_msg("%s", why);
    uint64_t old_rows = 1;
    assert_int_equal(ry_txn_count(txn, "by_org", &old_rows), 0);
    assert_int_equal(old_rows, 0);
    ry_txn_abort(&txn);
    Rongyu__Case *c = (Rongyu__Case *)ry_pb_unpack(&rongyu__case__descriptor,
                                                   cbytes, clen, 0);
    assert_non_null(c);
    assert_int_equal(c->state, RONGYU__CASE_STATE__ELIGIBLE);
    assert_int_equal(c->verdict->n_checks, 1);
    assert_null(c->verdict->checks[0]->threshold_value); /* new: absent */
    assert_string_equal(c->verdict->checks[0]->threshold, "≥ 90%");
    assert_int_equal(c->application->metrics->membership->counts->num, 923);
    ry_pb_free(&c);
    free(cbytes);

    /* An old client (principal.role a string, no kind) reads it. */
    Rongyu__Principal who = RONGYU__PRINCIPAL__INIT;
    who.org_id = (char *)"xiaoshan-hengyi-textile";
    who.role = (char *)"grassroots";
    Rongyu__GetRequest g = RONGYU__GET_REQUEST__INIT;
    g.case_id = (char *)id;
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    req.principal = &who;
    req.request_id = (char *)"g1";
    req.body_case = RONGYU__REQUEST__BODY_GET;
    req.get = &g;
    size_t len;
    uint8_t *buf = ry_pb_pack(&req.base, &len);
    Rongyu__Reply *r = s_call(st, ic, buf, len);
    free(buf);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(r->case_->case_->application->union_->name,
                        "恒逸纺织工会");
    assert_int_equal(r->case_->case_->revision, 2);
    /* It keeps the idempotency key it was stored with (a case stored now
     * holds none). */
    assert_string_equal(r->case_->case_->idempotency_key, "k-landed");
    /* Its verdict, stored with its texts, is shown as stored. */
    const Rongyu__Verdict *vd = r->case_->case_->verdict;
    assert_non_null(vd);
    assert_int_equal(vd->n_checks, 1);
    assert_string_equal(vd->checks[0]->code, "R_MEMBERSHIP_MIN");
    assert_string_equal(vd->checks[0]->threshold, "≥ 90%");
    assert_string_equal(vd->checks[0]->actual, "923/1000 (92.30%)");
    assert_string_equal(vd->checks[0]->message_zh, "职工入会率：符合");
    ry_pb_free(&r);
    /* Read, the landed row stays as it is: nothing is kept apart yet. */
    uint64_t apart_rows = 1;
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_count(txn, "apps", &apart_rows), 0);
    ry_txn_abort(&txn);
    assert_int_equal(apart_rows, 0);

    /* Written again (withdrawn), the case no longer embeds its verdict:
     * the verdict moves beside it, under (case id, revision), and is
     * still shown, texts and all. */
    Rongyu__WithdrawRequest w = RONGYU__WITHDRAW_REQUEST__INIT;
    w.case_id = (char *)id;
    w.reason = (char *)"撤回";
    req.body_case = RONGYU__REQUEST__BODY_WITHDRAW;
    req.withdraw = &w;
    req.idempotency_key = (char *)"k-withdraw";
    buf = ry_pb_pack(&req.base, &len);
    r = s_call(st, ic, buf, len);
    free(buf);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(r->case_->case_->state, RONGYU__CASE_STATE__WITHDRAWN);
    assert_string_equal(r->case_->case_->verdict->checks[0]->message_zh,
                        "职工入会率：符合");
    ry_pb_free(&r);
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    ry_val_t v;
    assert_int_equal(ry_txn_get(txn, "cases", id, 16, &v), 0);
    Rongyu__Case *stored = (Rongyu__Case *)ry_pb_unpack(
        &rongyu__case__descriptor, v.data, v.len, 0);
    assert_non_null(stored);
    assert_null(stored->verdict);
    /* Nor its id, which is the row's key; its idempotency key stays. */
    assert_string_equal(stored->case_id, "");
    assert_string_equal(stored->idempotency_key, "k-landed");
    /* Its application, whole in the landed row, moves apart ("apps",
     * under case id + revision): the row keeps its head. */
    assert_string_equal(stored->application->applicant_org,
                        "xiaoshan-hengyi-textile");
    assert_null(stored->application->union_);
    assert_null(stored->application->metrics);
    ry_pb_free(&stored);
    uint8_t vkey[20];
    memcpy(vkey, id, 16);
    memcpy(vkey + 16, "\0\0\0\2", 4);
    assert_int_equal(ry_txn_get(txn, "apps", vkey, sizeof vkey, &v), 0);
    Rongyu__Application *apart = (Rongyu__Application *)ry_pb_unpack(
        &rongyu__application__descriptor, v.data, v.len, 0);
    assert_non_null(apart);
    assert_string_equal(apart->union_->name, "恒逸纺织工会");
    assert_int_equal(apart->metrics->membership->counts->num, 923);
    ry_pb_free(&apart);
    assert_int_equal(ry_txn_get(txn, "verdicts", vkey, sizeof vkey, &v), 0);
    Rongyu__Verdict *moved = (Rongyu__Verdict *)ry_pb_unpack(
        &rongyu__verdict__descriptor, v.data, v.len, 0);
    assert_non_null(moved);
    assert_string_equal(moved->checks[0]->threshold, "≥ 90%");
    ry_pb_free(&moved);
    ry_txn_abort(&txn);
    req.body_case = RONGYU__REQUEST__BODY_GET;
    req.get = &g; /* the body is a union */
    req.idempotency_key = (char *)"";
    buf = ry_pb_pack(&req.base, &len);
    r = s_call(st, ic, buf, len);
    free(buf);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(r->case_->case_->verdict->checks[0]->actual,
                        "923/1000 (92.30%)");
    assert_string_equal(r->case_->case_->case_id, id);
    assert_string_equal(r->case_->case_->application->union_->name,
                        "恒逸纺织工会");
    ry_pb_free(&r);

    /* It is listed by its state, from the index built at opening and
     * kept by the withdrawal. */
    Rongyu__ListRequest lq = RONGYU__LIST_REQUEST__INIT;
    lq.state = RONGYU__CASE_STATE__WITHDRAWN;
    req.request_id = (char *)"l1";
    req.body_case = RONGYU__REQUEST__BODY_LIST;
    req.list = &lq;
    buf = ry_pb_pack(&req.base, &len);
    r = s_call(st, ic, buf, len);
    free(buf);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(r->list->n_cases, 1);
    assert_string_equal(r->list->cases[0]->case_id, id);
    ry_pb_free(&r);

    /* Its Submit, as the landed contract encoded it, is applied. */
    uint8_t *rbytes = s_read("request.pb", &len);
    r = s_call(st, ic, rbytes, len);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(r->request_id, "r-landed");
    assert_int_equal(r->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    ry_pb_free(&r);
    /* And, resent, answered from the first answer. */
    r = s_call(st, ic, rbytes, len);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    ry_pb_free(&r);
    free(rbytes);
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    uint64_t cases = 0;
    assert_int_equal(ry_txn_count(txn, "cases", &cases), 0);
    ry_txn_abort(&txn);
    assert_int_equal(cases, 2);

    /* A store whose indexes were built by a version that also kept
     * by_org and by_unit: they are emptied when intake opens it, and an
     * organisation's cases are still listed (from by_org_state). */
    ry_channel_destroy(&ch);
    intake_cases_destroy(&ic);
    assert_int_equal(ry_txn_begin(st, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "by_org", key, (size_t)n, "", 0, 0), 0);
    n = snprintf(key, sizeof key, "%s%c%s", "萧山区", '\0', id);
    assert_int_equal(ry_txn_put(txn, "by_unit", key, (size_t)n, "", 0, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_int_equal(intake_cases_new(st, &lim, &ic), 0);
    assert_int_equal(ry_channel_new(&o, &ch), 0);
    intake_cases_set_channel(ic, ch);
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    for (int i = 0; i < 2; i++) {
        old_rows = 1;
        assert_int_equal(ry_txn_count(txn, i ? "by_unit" : "by_org", &old_rows),
                         0);
        assert_int_equal(old_rows, 0);
    }
    if (intake_cases_index_check(txn, why, sizeof why) != 0)
        fail_msg("%s", why);
    ry_txn_abort(&txn);
    Rongyu__ListRequest mine = RONGYU__LIST_REQUEST__INIT;
    req.request_id = (char *)"l2";
    req.body_case = RONGYU__REQUEST__BODY_LIST;
    req.list = &mine;
    buf = ry_pb_pack(&req.base, &len);
    r = s_call(st, ic, buf, len);
    free(buf);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    assert_int_equal(r->list->n_cases, 2);
    assert_true(strcmp(r->list->cases[0]->case_id, r->list->cases[1]->case_id) <
                0);
    ry_pb_free(&r);

    ry_channel_destroy(&ch);
    intake_cases_destroy(&ic);
    ry_store_destroy(&st);
    assert_int_equal(ut_rmtree(dir), 0);
}

/* An "idem" row as earlier versions wrote it: the request's fingerprint
 * (over its fields but 1 and 3, as received: SHA-256 before BLAKE2b took
 * its place, BLAKE2b-256 before SipHash took that), then the first
 * answer itself, packed without request id. */
static void
s_put_old_idem_row(ry_store_t *st, bool blake2b, const char *key, size_t klen,
                   const uint8_t *req, size_t rlen, const uint8_t *answer,
                   size_t alen)
{
    crypto_hash_sha256_state h;
    crypto_generichash_state b;
    crypto_hash_sha256_init(&h);
    crypto_generichash_init(&b, NULL, 0, 32);
    size_t pos = 0;
    ry_pb_field_t f;
    while (ry_pb_next(req, rlen, &pos, &f) == 1)
        if (f.number != 1 && f.number != 3) {
            crypto_hash_sha256_update(&h, f.start, f.n);
            crypto_generichash_update(&b, f.start, f.n);
        }
    uint8_t *v = malloc(32 + alen);
    assert_non_null(v);
    uint8_t sha[32];
    crypto_hash_sha256_final(&h, sha);
    crypto_generichash_final(&b, v, 32);
    if (!blake2b)
        memcpy(v, sha, 32);
    memcpy(v + 32, answer, alen);
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(st, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "idem", key, klen, v, 32 + alen, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    free(v);
}

/* A retry (data, len) answered with the first answer: case id, as it was
 * then (SUBMITTED). */
static void
s_gets_first_answer(ry_store_t *st, intake_cases_t *ic, const uint8_t *data,
                    size_t len, const char *id)
{
    Rongyu__Reply *r = s_call(st, ic, data, len);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(r->case_->case_->case_id, id);
    assert_int_equal(r->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    ry_pb_free(&r);
}

static void
test_an_idem_row_of_the_earlier_form_still_answers_its_retry(void **state)
{
    (void)state;
    char dir[256];
    assert_int_equal(ut_tmpdir(dir, sizeof dir, "compat-idem"), 0);
    static const char *const tables[] = {INTAKE_TABLES, NULL};
    ry_store_t *st;
    assert_int_equal(ry_store_open(&st, dir, MAP_SIZE, tables), 0);
    /* The landed Submit was answered with its case, SUBMITTED, and the
     * answer kept whole; the case has moved on (ELIGIBLE) since. */
    size_t clen, rlen, alen;
    uint8_t *cbytes = s_read("case.pb", &clen);
    const char *id = "0000018b2c3d4e5f";
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(st, NULL, true, &txn), 0);
    assert_int_equal(ry_txn_put(txn, "cases", id, 16, cbytes, clen, 0), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    Rongyu__Case *then = (Rongyu__Case *)ry_pb_unpack(
        &rongyu__case__descriptor, cbytes, clen, 0);
    assert_non_null(then);
    then->state = RONGYU__CASE_STATE__SUBMITTED;
    Rongyu__Verdict *v = then->verdict;
    then->verdict = NULL;
    Rongyu__CaseReply cr = RONGYU__CASE_REPLY__INIT;
    cr.case_ = then;
    Rongyu__Reply old = RONGYU__REPLY__INIT;
    old.message_zh = (char *)"成功";
    old.message_en = (char *)"ok";
    old.body_case = RONGYU__REPLY__BODY_CASE;
    old.case_ = &cr;
    uint8_t *answer = ry_pb_pack(&old.base, &alen);
    then->verdict = v;
    ry_pb_free(&then);
    uint8_t *rbytes = s_read("request.pb", &rlen);
    static const char key[] = "xiaoshan-hengyi-textile\0k-landed";
    s_put_old_idem_row(st, false, key, sizeof key - 1, rbytes, rlen, answer,
                       alen);

    intake_limits_t lim = {1 << 20, 1000};
    intake_cases_t *ic;
    assert_int_equal(intake_cases_new(st, &lim, &ic), 0);
    ry_channel_opts_t o = {
        .self_id = "intake",
        .store = st,
        .max_map_size = MAP_SIZE,
        .on_request = intake_requests_on_request,
        .on_message = intake_cases_on_message,
        .ctx = ic,
    };
    ry_channel_t *ch;
    assert_int_equal(ry_channel_new(&o, &ch), 0);
    intake_cases_set_channel(ic, ch);

    /* The retry gets that answer, with its own request id, and no second
     * case is made. */
    Rongyu__Reply *r = s_call(st, ic, rbytes, rlen);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__OK);
    assert_string_equal(r->request_id, "r-landed");
    assert_string_equal(r->case_->case_->case_id, id);
    assert_int_equal(r->case_->case_->state, RONGYU__CASE_STATE__SUBMITTED);
    char *rid = r->request_id;
    r->request_id = (char *)"";
    size_t glen;
    uint8_t *got = ry_pb_pack(&r->base, &glen);
    r->request_id = rid;
    assert_int_equal(glen, alen);
    assert_memory_equal(got, answer, alen);
    free(got);
    ry_pb_free(&r);
    uint64_t cases = 0, rows = 0;
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_count(txn, "cases", &cases), 0);
    assert_int_equal(ry_txn_count(txn, "idem", &rows), 0);
    ry_txn_abort(&txn);
    assert_int_equal(cases, 1);
    assert_int_equal(rows, 1);

    /* Another request under that key is still a conflict. */
    Rongyu__Request *q = (Rongyu__Request *)ry_pb_unpack(
        &rongyu__request__descriptor, rbytes, rlen, 0);
    assert_non_null(q);
    ry_pb_set_string(&q->principal->user, "李华");
    size_t qlen;
    uint8_t *qbytes = ry_pb_pack(&q->base, &qlen);
    ry_pb_free(&q);
    r = s_call(st, ic, qbytes, qlen);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_CONFLICT);
    ry_pb_free(&r);
    free(qbytes);
    assert_int_equal(ry_txn_begin(st, NULL, false, &txn), 0);
    assert_int_equal(ry_txn_count(txn, "cases", &cases), 0);
    ry_txn_abort(&txn);
    assert_int_equal(cases, 1);

    /* A request whose fields came in another order than protobuf-c
     * writes them (a client in another language may send them so): its
     * row of the earlier form holds the SHA-256 of the bytes received,
     * which encoding the request again would not give; its retry still
     * gets the first answer. */
    q = (Rongyu__Request *)ry_pb_unpack(&rongyu__request__descriptor, rbytes,
                                        rlen, 0);
    assert_non_null(q);
    ry_pb_set_string(&q->idempotency_key, "k-reordered");
    qbytes = ry_pb_pack(&q->base, &qlen);
    ry_pb_free(&q);
    uint8_t *rev = ut_pb_reversed(qbytes, qlen);
    assert_non_null(rev);
    assert_memory_not_equal(rev, qbytes, qlen);
    static const char key2[] = "xiaoshan-hengyi-textile\0k-reordered";
    s_put_old_idem_row(st, false, key2, sizeof key2 - 1, rev, qlen, answer,
                       alen);
    s_gets_first_answer(st, ic, rev, qlen, id);
    free(rev);
    free(qbytes);

    /* A row of the form before SipHash, a BLAKE2b-256 of the fields as
     * received: its retry gets the first answer, another request under
     * its key is a conflict. */
    q = (Rongyu__Request *)ry_pb_unpack(&rongyu__request__descriptor, rbytes,
                                        rlen, 0);
    assert_non_null(q);
    ry_pb_set_string(&q->idempotency_key, "k-blake2b");
    qbytes = ry_pb_pack(&q->base, &qlen);
    static const char key3[] = "xiaoshan-hengyi-textile\0k-blake2b";
    s_put_old_idem_row(st, true, key3, sizeof key3 - 1, qbytes, qlen, answer,
                       alen);
    s_gets_first_answer(st, ic, qbytes, qlen, id);
    free(qbytes);
    ry_pb_set_string(&q->principal->user, "李华");
    qbytes = ry_pb_pack(&q->base, &qlen);
    ry_pb_free(&q);
    r = s_call(st, ic, qbytes, qlen);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_CONFLICT);
    ry_pb_free(&r);
    free(qbytes);

    free(rbytes);
    free(answer);
    free(cbytes);
    ry_channel_destroy(&ch);
    intake_cases_destroy(&ic);
    ry_store_destroy(&st);
    assert_int_equal(ut_rmtree(dir), 0);
}

static void
test_landed_feed_item_and_reply_decode_with_defaults(void **state)
{
    (void)state;
    size_t len;
    uint8_t *b = s_read("feed_item.pb", &len);
    Rongyu__FeedItem *f = (Rongyu__FeedItem *)ry_pb_unpack(
        &rongyu__feed_item__descriptor, b, len, 0);
    free(b);
    assert_non_null(f);
    assert_int_equal(f->seq, 7);
    assert_int_equal(f->topic_seq, 0);
    assert_string_equal(f->topic, "萧山区");
    ry_pb_free(&f);
    b = s_read("reply.pb", &len);
    Rongyu__Reply *r =
        (Rongyu__Reply *)ry_pb_unpack(&rongyu__reply__descriptor, b, len, 0);
    free(b);
    assert_non_null(r);
    assert_int_equal(r->code, RONGYU__ERROR_CODE__E_FORBIDDEN);
    assert_string_equal(r->field_path, "");
    ry_pb_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_a_case_stored_by_the_landed_version_is_read_by_an_old_client),
        cmocka_unit_test(test_landed_feed_item_and_reply_decode_with_defaults),
        cmocka_unit_test(
            test_an_idem_row_of_the_earlier_form_still_answers_its_retry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
