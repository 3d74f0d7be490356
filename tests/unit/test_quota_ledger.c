/* Tests of quota_ledger: seats of the default campaign (hangzhou-2018)
 * reserved, confirmed and released, each request in its own committed
 * transaction, in a store of its own mkdtemp() directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "quota_ledger.h"
#include "rongyu_services.pb-c.h"
#include "ry_campaign.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_store.h"
#include "ut_util.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAMPAIGN "hangzhou-2018"
#define XIAOSHAN "萧山区"

static const char *const s_tables[] = {QUOTA_TABLES, NULL};

typedef struct {
    char dir[256];
    ry_store_t *st;
    ry_campaigns_t *camps;
} fx_t;

static int
s_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(ut_tmpdir(fx->dir, sizeof fx->dir, "quota"), 0);
    assert_int_equal(ry_store_open(&fx->st, fx->dir, (size_t)4 << 20, s_tables),
                     0);
    assert_int_equal(ry_campaigns_new(&fx->camps), 0);
    *state = fx;
    return 0;
}

static int
s_teardown(void **state)
{
    fx_t *fx = *state;
    ry_campaigns_destroy(&fx->camps);
    ry_store_destroy(&fx->st);
    assert_int_equal(ut_rmtree(fx->dir), 0);
    free(fx);
    return 0;
}

/* The outcome of one request (the strings copied). */
typedef struct {
    bool granted;
    uint32_t used, cap;
    char reason[64];
} out_t;

static out_t
s_apply(fx_t *fx, Rongyu__SeatOp op, const char *case_id, const char *unit,
        Rongyu__Honour honour, Rongyu__QuotaColumn column)
{
    Rongyu__SeatRequest req = RONGYU__SEAT_REQUEST__INIT;
    req.case_id = (char *)case_id;
    req.op = op;
    req.campaign_id = (char *)CAMPAIGN;
    req.organising_unit = (char *)unit;
    req.honour = honour;
    req.column = column;
    Rongyu__SeatResult res = RONGYU__SEAT_RESULT__INIT;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    assert_int_equal(quota_ledger_apply(txn, fx->camps, &req, &res), 0);
    assert_int_equal(ry_txn_commit(&txn), 0);
    assert_string_equal(res.case_id, case_id);
    assert_int_equal(res.op, op);
    out_t o = {res.granted, res.used, res.cap, ""};
    snprintf(o.reason, sizeof o.reason, "%s", res.reason ? res.reason : "");
    return o;
}

static out_t
s_worker(fx_t *fx, Rongyu__SeatOp op, const char *case_id, const char *unit,
         Rongyu__QuotaColumn column)
{
    return s_apply(fx, op, case_id, unit, RONGYU__HONOUR__EXCELLENT_WORKER,
                   column);
}

static out_t
s_grassroots(fx_t *fx, Rongyu__SeatOp op, const char *case_id)
{
    return s_worker(fx, op, case_id, XIAOSHAN,
                    RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE);
}

static out_t
s_home(fx_t *fx, Rongyu__SeatOp op, const char *case_id, const char *unit)
{
    return s_apply(fx, op, case_id, unit, RONGYU__HONOUR__MODEL_HOME,
                   RONGYU__QUOTA_COLUMN__COLUMN_UNSPECIFIED);
}

static void
s_name(char *out, size_t cap, const char *tag, int i)
{
    snprintf(out, cap, "%s-%02d", tag, i);
}

/* ------------------------------------------------------------ columns */

static void
test_grassroots_column_grants_six_then_refuses(void **state)
{
    fx_t *fx = *state;
    char id[32];
    for (int i = 1; i <= 6; i++) {
        s_name(id, sizeof id, "c", i);
        out_t o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, id);
        assert_true(o.granted);
        assert_int_equal(o.used, i);
        assert_int_equal(o.cap, 6);
    }
    out_t o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-07");
    assert_false(o.granted);
    assert_int_equal(o.used, 6);
    assert_int_equal(o.cap, 6);
    assert_true(strlen(o.reason) > 0);
    /* Refused again: nothing was taken by the refusal. */
    o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-08");
    assert_false(o.granted);
    assert_int_equal(o.used, 6);
    /* Another unit's column is its own pool (余杭区 also has 6). */
    o = s_worker(fx, RONGYU__SEAT_OP__RESERVE, "c-09", "余杭区",
                 RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE);
    assert_true(o.granted);
    assert_int_equal(o.used, 1);
    /* The township column of 萧山区 (2) is separate too. */
    o = s_worker(fx, RONGYU__SEAT_OP__RESERVE, "c-10", XIAOSHAN,
                 RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE);
    assert_true(o.granted);
    assert_int_equal(o.cap, 2);
}

static void
test_column_with_zero_seats_refuses_the_first(void **state)
{
    fx_t *fx = *state;
    /* 工业工会 has no township seats. */
    out_t o = s_worker(fx, RONGYU__SEAT_OP__RESERVE, "c-01", "工业工会",
                       RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE);
    assert_false(o.granted);
    assert_int_equal(o.used, 0);
    assert_int_equal(o.cap, 0);
}

static void
test_same_case_reserving_twice_counts_once(void **state)
{
    fx_t *fx = *state;
    out_t o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-01");
    assert_true(o.granted);
    assert_int_equal(o.used, 1);
    o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-01");
    assert_true(o.granted);
    assert_int_equal(o.used, 1);
    o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-02");
    assert_true(o.granted);
    assert_int_equal(o.used, 2);
    /* So five more distinct cases fill the column, not four. */
    char id[32];
    for (int i = 3; i <= 6; i++) {
        s_name(id, sizeof id, "c", i);
        assert_true(s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, id).granted);
    }
    assert_false(s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-07").granted);
}

static void
test_release_frees_a_seat_for_another_case(void **state)
{
    fx_t *fx = *state;
    char id[32];
    for (int i = 1; i <= 6; i++) {
        s_name(id, sizeof id, "c", i);
        assert_true(s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, id).granted);
    }
    assert_false(s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-07").granted);
    out_t o = s_grassroots(fx, RONGYU__SEAT_OP__RELEASE, "c-03");
    assert_true(o.granted);
    assert_int_equal(o.used, 5);
    o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-07");
    assert_true(o.granted);
    assert_int_equal(o.used, 6);
    assert_false(s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-08").granted);
    /* The released case lost its seat: reserving again is a new claim. */
    assert_false(s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-03").granted);
}

static void
test_releasing_without_a_seat_is_harmless(void **state)
{
    fx_t *fx = *state;
    out_t o = s_grassroots(fx, RONGYU__SEAT_OP__RELEASE, "nobody");
    assert_true(o.granted);
    assert_int_equal(o.used, 0);
    assert_true(s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-01").granted);
    /* Released twice: the second changes nothing. */
    assert_int_equal(s_grassroots(fx, RONGYU__SEAT_OP__RELEASE, "c-01").used,
                     0);
    o = s_grassroots(fx, RONGYU__SEAT_OP__RELEASE, "c-01");
    assert_true(o.granted);
    assert_int_equal(o.used, 0);
    /* The cap is still six. */
    char id[32];
    for (int i = 1; i <= 6; i++) {
        s_name(id, sizeof id, "d", i);
        o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, id);
        assert_true(o.granted);
        assert_int_equal(o.used, i);
    }
    assert_false(s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "d-07").granted);
}

static void
test_leadership_organ_column_has_eight_seats_city_wide(void **state)
{
    fx_t *fx = *state;
    const ry_campaign_t *c = ry_campaigns_find(fx->camps, CAMPAIGN);
    assert_non_null(c);
    char id[32];
    for (int i = 0; i < 8; i++) {
        /* Whatever unit the nominee is under, it is one pool. */
        s_name(id, sizeof id, "l", i);
        out_t o = s_worker(fx, RONGYU__SEAT_OP__RESERVE, id,
                           ry_campaign_unit_name(c, (size_t)i),
                           RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN);
        assert_true(o.granted);
        assert_int_equal(o.used, i + 1);
        assert_int_equal(o.cap, 8);
    }
    out_t o = s_worker(fx, RONGYU__SEAT_OP__RESERVE, "l-08",
                       ry_campaign_unit_name(c, 20),
                       RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN);
    assert_false(o.granted);
    assert_int_equal(o.used, 8);
    assert_int_equal(o.cap, 8);
    /* The units' own columns are untouched. */
    o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "g-01");
    assert_true(o.granted);
    assert_int_equal(o.used, 1);
}

/* ------------------------------------------------------------ model homes */

static void
test_model_home_one_per_unit_and_twenty_confirmed_city_wide(void **state)
{
    fx_t *fx = *state;
    const ry_campaign_t *c = ry_campaigns_find(fx->camps, CAMPAIGN);
    assert_non_null(c);
    assert_int_equal(ry_campaign_unit_count(c), 25);
    char id[32];
    for (int i = 0; i < 21; i++) {
        s_name(id, sizeof id, "h", i);
        out_t o = s_home(fx, RONGYU__SEAT_OP__RESERVE, id,
                         ry_campaign_unit_name(c, (size_t)i));
        assert_true(o.granted);
        assert_int_equal(o.used, 1);
        assert_int_equal(o.cap, 1);
    }
    /* A second home of the same unit is refused. */
    out_t o = s_home(fx, RONGYU__SEAT_OP__RESERVE, "h-second",
                     ry_campaign_unit_name(c, 0));
    assert_false(o.granted);
    assert_int_equal(o.used, 1);
    assert_int_equal(o.cap, 1);

    for (int i = 0; i < 20; i++) {
        s_name(id, sizeof id, "h", i);
        o = s_home(fx, RONGYU__SEAT_OP__CONFIRM, id,
                   ry_campaign_unit_name(c, (size_t)i));
        assert_true(o.granted);
        assert_int_equal(o.used, i + 1);
        assert_int_equal(o.cap, 20);
    }
    /* Confirming again changes nothing. */
    o = s_home(fx, RONGYU__SEAT_OP__CONFIRM, "h-05",
               ry_campaign_unit_name(c, 5));
    assert_true(o.granted);
    o = s_home(fx, RONGYU__SEAT_OP__CONFIRM, "h-20",
               ry_campaign_unit_name(c, 20));
    assert_false(o.granted);
    assert_int_equal(o.used, 20);
    assert_int_equal(o.cap, 20);
    assert_true(strlen(o.reason) > 0);

    /* Releasing a confirmed home frees a city-wide place. */
    o = s_home(fx, RONGYU__SEAT_OP__RELEASE, "h-03",
               ry_campaign_unit_name(c, 3));
    assert_true(o.granted);
    o = s_home(fx, RONGYU__SEAT_OP__CONFIRM, "h-20",
               ry_campaign_unit_name(c, 20));
    assert_true(o.granted);
    assert_int_equal(o.used, 20);
    /* And the unit's own place: another home of unit 3 may reserve. */
    o = s_home(fx, RONGYU__SEAT_OP__RESERVE, "h-03b",
               ry_campaign_unit_name(c, 3));
    assert_true(o.granted);
    o = s_home(fx, RONGYU__SEAT_OP__CONFIRM, "h-03b",
               ry_campaign_unit_name(c, 3));
    assert_false(o.granted);
    assert_int_equal(o.used, 20);
}

static void
test_confirm_without_a_reservation_is_refused(void **state)
{
    fx_t *fx = *state;
    out_t o = s_home(fx, RONGYU__SEAT_OP__CONFIRM, "h-01", XIAOSHAN);
    assert_false(o.granted);
    assert_true(strlen(o.reason) > 0);
    /* It did not take the unit's place either. */
    assert_true(s_home(fx, RONGYU__SEAT_OP__RESERVE, "h-02", XIAOSHAN).granted);
}

/* ------------------------------------------------------------ refusals */

static void
test_unknown_unit_campaign_or_honour_is_refused(void **state)
{
    fx_t *fx = *state;
    out_t o = s_worker(fx, RONGYU__SEAT_OP__RESERVE, "c-01", "杭州市",
                       RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE);
    assert_false(o.granted);
    assert_non_null(strstr(o.reason, "unit"));
    o = s_home(fx, RONGYU__SEAT_OP__RESERVE, "h-01", "杭州市");
    assert_false(o.granted);
    assert_non_null(strstr(o.reason, "unit"));
    o = s_apply(fx, RONGYU__SEAT_OP__RESERVE, "c-02", XIAOSHAN,
                RONGYU__HONOUR__HONOUR_UNSPECIFIED,
                RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE);
    assert_false(o.granted);
    assert_true(strlen(o.reason) > 0);
    o = s_worker(fx, RONGYU__SEAT_OP__RESERVE, "c-03", XIAOSHAN,
                 RONGYU__QUOTA_COLUMN__COLUMN_UNSPECIFIED);
    assert_false(o.granted);
    o = s_grassroots(fx, RONGYU__SEAT_OP__SEAT_OP_UNSPECIFIED, "c-04");
    assert_false(o.granted);

    Rongyu__SeatRequest req = RONGYU__SEAT_REQUEST__INIT;
    req.case_id = (char *)"c-05";
    req.op = RONGYU__SEAT_OP__RESERVE;
    req.campaign_id = (char *)"nowhere-1999";
    req.organising_unit = (char *)XIAOSHAN;
    req.honour = RONGYU__HONOUR__EXCELLENT_WORKER;
    req.column = RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE;
    Rongyu__SeatResult res = RONGYU__SEAT_RESULT__INIT;
    ry_txn_t *txn;
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &txn), 0);
    assert_int_equal(quota_ledger_apply(txn, fx->camps, &req, &res), 0);
    assert_false(res.granted);
    assert_non_null(strstr(res.reason, "campaign"));
    ry_txn_abort(&txn);

    /* None of that took a seat or left a row. */
    assert_int_equal(ry_txn_begin(fx->st, NULL, false, &txn), 0);
    uint64_t n = 99;
    assert_int_equal(ry_txn_count(txn, "holds", &n), 0);
    assert_int_equal(n, 0);
    ry_txn_abort(&txn);
    o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-06");
    assert_true(o.granted);
    assert_int_equal(o.used, 1);
}

static void
test_seats_survive_reopening_the_store(void **state)
{
    fx_t *fx = *state;
    char id[32];
    for (int i = 1; i <= 6; i++) {
        s_name(id, sizeof id, "c", i);
        assert_true(s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, id).granted);
    }
    ry_store_destroy(&fx->st);
    assert_int_equal(ry_store_open(&fx->st, fx->dir, (size_t)4 << 20, s_tables),
                     0);
    out_t o = s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-07");
    assert_false(o.granted);
    assert_int_equal(o.used, 6);
    assert_true(s_grassroots(fx, RONGYU__SEAT_OP__RESERVE, "c-01").granted);
}

int
main(void)
{
    ry_log_level = RY_LOG_ERROR;
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_grassroots_column_grants_six_then_refuses),
        T(test_column_with_zero_seats_refuses_the_first),
        T(test_same_case_reserving_twice_counts_once),
        T(test_release_frees_a_seat_for_another_case),
        T(test_releasing_without_a_seat_is_harmless),
        T(test_leadership_organ_column_has_eight_seats_city_wide),
        T(test_model_home_one_per_unit_and_twenty_confirmed_city_wide),
        T(test_confirm_without_a_reservation_is_refused),
        T(test_unknown_unit_campaign_or_honour_is_refused),
        T(test_seats_survive_reopening_the_store),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
