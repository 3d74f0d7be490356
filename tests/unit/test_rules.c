/* Tests of validation_rules: every threshold on both sides for each
 * category, postings across holidays, the deadline minute, attachments
 * by content, a second campaign, a refused campaign file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_calendar.h"
#include "ry_campaign.h"
#include "ry_error.h"
#include "validation_rules.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_FILE RY_SOURCE_DIR "/campaigns/hangzhou-2018.json"
#define DATA_DIR RY_SOURCE_DIR "/tests/data/campaigns"

typedef struct {
    ry_campaigns_t *reg;
    ry_calendar_t *cal;
} s_env_t;

/* One application with all its parts in one place; fx_init() makes a
 * valid one for an honour and category. */
typedef struct {
    Rongyu__Application app;
    Rongyu__UnionInfo u;
    Rongyu__Person p;
    Rongyu__Metrics m;
    Rongyu__Rate formation, membership, satisfaction, realname, chair;
    Rongyu__Ratio r_formation, r_membership, r_satisfaction, r_realname,
        r_chair;
    Rongyu__Score score;
    Rongyu__Declarations d;
    Rongyu__Attachment form;
    Rongyu__Attachment *atts[2];
    Rongyu__HeldHonour held;
    Rongyu__HeldHonour *helds[1];
    int64_t submitted_at_ms;
} s_fx_t;

static int64_t
s_ms(const char *date, int hour, int minute)
{
    ry_date_t d;
    assert_int_equal(ry_date_parse(date, &d), 0);
    /* Local time at UTC+8. */
    return ((ry_date_to_days(d) * 24 + hour - 8) * 60 + minute) * 60000;
}

static void
s_ratio(Rongyu__Rate *rate, Rongyu__Ratio *r, uint64_t num, uint64_t den)
{
    rongyu__rate__init(rate);
    rongyu__ratio__init(r);
    r->num = num;
    r->den = den;
    rate->value_case = RONGYU__RATE__VALUE_COUNTS;
    rate->counts = r;
}

static void
s_percent(Rongyu__Rate *rate, double pct)
{
    rongyu__rate__init(rate);
    rate->value_case = RONGYU__RATE__VALUE_PERCENT;
    rate->percent = pct;
}

static void
fx_init(s_fx_t *fx, Rongyu__Honour h, Rongyu__ApplicantCategory cat)
{
    memset(fx, 0, sizeof *fx);
    rongyu__application__init(&fx->app);
    fx->app.campaign_id = "hangzhou-2018";
    fx->app.honour = h;
    fx->app.category = cat;
    fx->app.applicant_org = "org-0001";
    fx->app.organising_unit = "萧山区";
    fx->app.deeds = "事迹材料……";

    if (h == RONGYU__HONOUR__EXCELLENT_WORKER) {
        rongyu__person__init(&fx->p);
        fx->p.name = "王芳";
        fx->p.gender = "女";
        fx->p.birth_month = "1980-05";
        fx->p.employer = "杭州某某有限公司";
        fx->p.position = "工会主席";
        fx->p.fulltime = 0;
        fx->p.cadre_type = "私营企业工会干部";
        fx->p.union_work_since = "2016-10-15";
        fx->p.home_five_haves = 1;
        fx->p.home_honour_level = RONGYU__HONOUR_LEVEL__COUNTY;
        fx->p.column = RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE;
        fx->app.person = &fx->p;
    } else {
        rongyu__union_info__init(&fx->u);
        fx->u.name = "某某公司工会";
        fx->u.union_type = "私营企业工会";
        fx->u.parent_union_name = "某某公司工会";
        fx->u.workers = 1000;
        fx->u.members = 1000;
        fx->u.chair_name = "李明";
        fx->u.address = "杭州市萧山区某路1号";
        fx->u.phone = "0571-00000000";
        fx->app.union_ = &fx->u;
        rongyu__metrics__init(&fx->m);
        s_ratio(&fx->formation, &fx->r_formation, 100, 100);
        s_ratio(&fx->membership, &fx->r_membership, 100, 100);
        s_ratio(&fx->satisfaction, &fx->r_satisfaction, 100, 100);
        s_ratio(&fx->realname, &fx->r_realname, 100, 100);
        s_ratio(&fx->chair, &fx->r_chair, 100, 100);
        rongyu__score__init(&fx->score);
        fx->score.value = 100;
        fx->m.formation = &fx->formation;
        fx->m.membership = &fx->membership;
        fx->m.satisfaction = &fx->satisfaction;
        fx->m.realname = &fx->realname;
        fx->m.chair_satisfaction = &fx->chair;
        fx->m.self_score = &fx->score;
        fx->app.metrics = &fx->m;
    }

    rongyu__declarations__init(&fx->d);
    fx->d.committee_study_date = "2018-09-20";
    fx->d.party_consent_date = "2018-09-21";
    fx->d.congress_approval_date = "2018-09-25";
    fx->d.posting_start = "2018-09-28";
    fx->d.posting_end = "2018-10-09";
    fx->app.declarations = &fx->d;

    rongyu__attachment__init(&fx->form);
    fx->form.name = "申报表.pdf";
    fx->form.media_type = "application/pdf";
    fx->form.kind = "application_form";
    fx->form.size = 123456;
    fx->atts[0] = &fx->form;
    fx->app.attachments = fx->atts;
    fx->app.n_attachments = 1;

    fx->submitted_at_ms = s_ms("2018-10-15", 10, 0);
}

static Rongyu__Verdict *
s_eval_with(const s_env_t *env, const s_fx_t *fx)
{
    Rongyu__Verdict *v = NULL;
    const ry_campaign_t *c = ry_campaigns_find(env->reg, fx->app.campaign_id);
    assert_int_equal(
        validation_evaluate(c, env->cal, &fx->app, fx->submitted_at_ms, &v),
        0);
    assert_non_null(v);
    return v;
}

static const Rongyu__Check *
s_check(const Rongyu__Verdict *v, const char *code)
{
    const Rongyu__Check *k = validation_verdict_find(v, code);
    if (!k)
        fail_msg("no check %s in the verdict", code);
    return k;
}

/* Prints the failed checks, to explain an unexpected verdict. */
static void
s_dump_failed(const Rongyu__Verdict *v)
{
    for (size_t i = 0; i < v->n_checks; i++)
        if (!v->checks[i]->passed)
            print_message("  failed %s: %s\n", v->checks[i]->code,
                          v->checks[i]->message_en);
}

static size_t
s_failed(const Rongyu__Verdict *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n_checks; i++)
        n += !v->checks[i]->passed;
    return n;
}

/* Asserts the verdict's only failed check is 'code' (NULL: none). */
static void
s_expect_only(const Rongyu__Verdict *v, const char *code)
{
    size_t want = code ? 1 : 0;
    if (s_failed(v) != want || (code && s_check(v, code)->passed) ||
        (bool)v->eligible != (code == NULL)) {
        s_dump_failed(v);
        fail_msg("expected only %s to fail", code ? code : "nothing");
    }
}

static void
s_expect_check(const Rongyu__Verdict *v, const char *code, bool passed)
{
    const Rongyu__Check *k = s_check(v, code);
    if ((bool)k->passed != passed) {
        s_dump_failed(v);
        fail_msg("%s: expected %s, got %s (actual '%s')", code,
                 passed ? "pass" : "fail", k->passed ? "pass" : "fail",
                 k->actual);
    }
    if (!passed)
        assert_false(v->eligible);
}

static int
s_setup(void **state)
{
    s_env_t *env = calloc(1, sizeof *env);
    assert_non_null(env);
    assert_int_equal(ry_campaigns_new(&env->reg), 0);
    char err[512];
    if (ry_campaigns_load_dir(env->reg, DATA_DIR, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(ry_calendar_new(&env->cal), 0);
    *state = env;
    return 0;
}

static int
s_teardown(void **state)
{
    s_env_t *env = *state;
    ry_campaigns_destroy(&env->reg);
    ry_calendar_destroy(&env->cal);
    free(env);
    return 0;
}

/* ------------------------------------------------------------ baseline */

static void
test_valid_applications_of_every_kind_are_eligible(void **state)
{
    const s_env_t *env = *state;
    struct {
        Rongyu__Honour h;
        Rongyu__ApplicantCategory c;
    } kinds[] = {
        {RONGYU__HONOUR__ADVANCED_HOME, RONGYU__APPLICANT_CATEGORY__TOWNSHIP},
        {RONGYU__HONOUR__ADVANCED_HOME,
         RONGYU__APPLICANT_CATEGORY__REGIONAL_FEDERATION},
        {RONGYU__HONOUR__ADVANCED_HOME,
         RONGYU__APPLICANT_CATEGORY__JOINT_GRASSROOTS},
        {RONGYU__HONOUR__ADVANCED_HOME,
         RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT},
        {RONGYU__HONOUR__MODEL_HOME,
         RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT},
        {RONGYU__HONOUR__MODEL_HOME, RONGYU__APPLICANT_CATEGORY__TOWNSHIP},
        {RONGYU__HONOUR__ADVANCED_SMALL_HOME,
         RONGYU__APPLICANT_CATEGORY__BRANCH},
        {RONGYU__HONOUR__ADVANCED_SMALL_HOME,
         RONGYU__APPLICANT_CATEGORY__UNION_GROUP},
        {RONGYU__HONOUR__EXCELLENT_WORKER, RONGYU__APPLICANT_CATEGORY__CADRE},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, kinds[i].h, kinds[i].c);
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        s_expect_only(v, NULL);
        assert_string_equal(v->ruleset, "hangzhou-2018/2018.1");
        /* Passed checks are listed too, and each is fully described. */
        assert_true(v->n_checks > 15);
        for (size_t j = 0; j < v->n_checks; j++) {
            const Rongyu__Check *k = v->checks[j];
            assert_true(strncmp(k->code, "R_", 2) == 0);
            assert_true(strlen(k->message_zh) > 0);
            assert_true(strlen(k->message_en) > 0);
        }
        s_check(v, "R_POLITICAL_REVIEW");
        assert_true(s_check(v, "R_POLITICAL_REVIEW")->needs_review);
        s_check(v, "R_POSTING_WORKDAYS");
        s_check(v, "R_DEADLINE");
        s_check(v, "R_FORM_MEDIA_TYPE");
        validation_verdict_free(&v);
        assert_null(v);
        validation_verdict_free(&v);
    }
}

/* ------------------------------------------------- thresholds, table */

enum { F_FORMATION, F_MEMBERSHIP, F_SATISFACTION, F_REALNAME, F_CHAIR,
       F_SCORE };

typedef struct {
    Rongyu__Honour h;
    Rongyu__ApplicantCategory c;
    int field;
    unsigned pct; /* the threshold, in percent (or points) */
    const char *code;
} s_row_t;

static const s_row_t s_rows[] = {
#define AREA(cat)                                                            \
    {RONGYU__HONOUR__ADVANCED_HOME, cat, F_FORMATION, 90, "R_FORMATION_MIN"}, \
    {RONGYU__HONOUR__ADVANCED_HOME, cat, F_MEMBERSHIP, 90,                   \
     "R_MEMBERSHIP_MIN"},                                                    \
    {RONGYU__HONOUR__ADVANCED_HOME, cat, F_SATISFACTION, 85,                 \
     "R_SATISFACTION_MIN"},                                                  \
    {RONGYU__HONOUR__ADVANCED_HOME, cat, F_SCORE, 90, "R_SCORE_MIN"}
    AREA(RONGYU__APPLICANT_CATEGORY__TOWNSHIP),
    AREA(RONGYU__APPLICANT_CATEGORY__REGIONAL_FEDERATION),
    AREA(RONGYU__APPLICANT_CATEGORY__JOINT_GRASSROOTS),
#undef AREA
    {RONGYU__HONOUR__ADVANCED_HOME,
     RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT, F_MEMBERSHIP, 95,
     "R_MEMBERSHIP_MIN"},
    {RONGYU__HONOUR__ADVANCED_HOME,
     RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT, F_SATISFACTION, 90,
     "R_SATISFACTION_MIN"},
    {RONGYU__HONOUR__ADVANCED_HOME,
     RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT, F_SCORE, 90,
     "R_SCORE_MIN"},
#define MODEL(cat)                                                           \
    {RONGYU__HONOUR__MODEL_HOME, cat, F_SCORE, 95, "R_SCORE_MIN"}
    MODEL(RONGYU__APPLICANT_CATEGORY__TOWNSHIP),
    MODEL(RONGYU__APPLICANT_CATEGORY__REGIONAL_FEDERATION),
    MODEL(RONGYU__APPLICANT_CATEGORY__JOINT_GRASSROOTS),
    MODEL(RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT),
#undef MODEL
#define SMALL(cat)                                                           \
    {RONGYU__HONOUR__ADVANCED_SMALL_HOME, cat, F_MEMBERSHIP, 98,             \
     "R_MEMBERSHIP_MIN"},                                                    \
    {RONGYU__HONOUR__ADVANCED_SMALL_HOME, cat, F_REALNAME, 100,              \
     "R_REALNAME"},                                                          \
    {RONGYU__HONOUR__ADVANCED_SMALL_HOME, cat, F_SATISFACTION, 90,           \
     "R_SATISFACTION_MIN"},                                                  \
    {RONGYU__HONOUR__ADVANCED_SMALL_HOME, cat, F_CHAIR, 90,                  \
     "R_CHAIR_SATISFACTION_MIN"}
    SMALL(RONGYU__APPLICANT_CATEGORY__BRANCH),
    SMALL(RONGYU__APPLICANT_CATEGORY__UNION_GROUP),
#undef SMALL
};

static Rongyu__Rate *
s_field_rate(s_fx_t *fx, int field, Rongyu__Ratio **ratio)
{
    switch (field) {
    case F_FORMATION:
        *ratio = &fx->r_formation;
        return &fx->formation;
    case F_MEMBERSHIP:
        *ratio = &fx->r_membership;
        return &fx->membership;
    case F_SATISFACTION:
        *ratio = &fx->r_satisfaction;
        return &fx->satisfaction;
    case F_REALNAME:
        *ratio = &fx->r_realname;
        return &fx->realname;
    default:
        *ratio = &fx->r_chair;
        return &fx->chair;
    }
}

/* Sets the field to a ratio num/den, or a percent when den is 0. */
static void
s_set(s_fx_t *fx, int field, uint64_t num, uint64_t den, double pct)
{
    if (field == F_SCORE) {
        fx->score.value = pct;
        return;
    }
    Rongyu__Ratio *ratio;
    Rongyu__Rate *rate = s_field_rate(fx, field, &ratio);
    if (den)
        s_ratio(rate, ratio, num, den);
    else
        s_percent(rate, pct);
}

static void
s_row_case(const s_env_t *env, const s_row_t *row, uint64_t num,
           uint64_t den, double pct, bool pass)
{
    s_fx_t fx;
    fx_init(&fx, row->h, row->c);
    s_set(&fx, row->field, num, den, pct);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    if (pass)
        s_expect_only(v, NULL);
    else
        s_expect_only(v, row->code);
    assert_true(s_check(v, row->code)->passed == pass);
    validation_verdict_free(&v);
}

static void
test_each_threshold_on_both_sides_for_each_category(void **state)
{
    const s_env_t *env = *state;
    for (size_t i = 0; i < sizeof s_rows / sizeof s_rows[0]; i++) {
        const s_row_t *row = &s_rows[i];
        print_message("  %s / %s / %s >= %u\n",
                      ry_honour_name((ry_honour_t)row->h),
                      ry_category_name((ry_category_t)row->c), row->code,
                      row->pct);
        double at = row->pct, below = nextafter(at, 0);
        if (row->field == F_SCORE) {
            s_row_case(env, row, 0, 0, at, true);
            s_row_case(env, row, 0, 0, at + 0.5, true);
            s_row_case(env, row, 0, 0, below, false);
            s_row_case(env, row, 0, 0, at - 0.01, false);
            continue;
        }
        /* Counts: e.g. 90/100 and 9000/10000 pass, 8999/10000 fails. */
        s_row_case(env, row, row->pct, 100, 0, true);
        s_row_case(env, row, row->pct * 100, 10000, 0, true);
        s_row_case(env, row, row->pct * 100 - 1, 10000, 0, false);
        /* A huge base: one short of the threshold still fails. */
        uint64_t big = UINT64_C(10000000000000000000);
        s_row_case(env, row, big / 100 * row->pct, big, 0, true);
        s_row_case(env, row, big / 100 * row->pct - 1, big, 0, false);
        /* Percent as a double: compared exactly, no rounding slack. */
        s_row_case(env, row, 0, 0, at, true);
        s_row_case(env, row, 0, 0, below, false);
        if (row->pct < 100)
            s_row_case(env, row, 0, 0, nextafter(at, 200), true);
    }
}

static void
test_decimal_threshold_from_campaign_is_exact(void **state)
{
    const s_env_t *env = *state;
    /* A campaign asking 92.5% membership of townships. */
    json_error_t je;
    json_t *root = json_load_file(DEFAULT_FILE, 0, &je);
    assert_non_null(root);
    json_t *town = json_object_get(
        json_object_get(json_object_get(json_object_get(root, "honours"),
                                        "advanced_home"),
                        "categories"),
        "township");
    json_object_set_new(town, "membership_min", json_string("92.5"));
    char *text = json_dumps(root, 0);
    json_decref(root);
    ry_campaign_t *c = NULL;
    char err[512];
    assert_int_equal(
        ry_campaign_load_buffer("mem", text, strlen(text), &c, err,
                                sizeof err),
        0);
    free(text);
    struct {
        uint64_t num, den;
        double pct;
        bool pass;
    } cases[] = {
        {37, 40, 0, true},      /* 92.5% exactly */
        {925, 1000, 0, true},
        {924, 1000, 0, false},
        {9249, 10000, 0, false},
        {0, 0, 92.5, true},     /* exactly representable */
        {0, 0, 92.49999999999999, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
                RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
        s_set(&fx, F_MEMBERSHIP, cases[i].num, cases[i].den, cases[i].pct);
        Rongyu__Verdict *v = NULL;
        assert_int_equal(validation_evaluate(c, env->cal, &fx.app,
                                             fx.submitted_at_ms, &v),
                         0);
        s_expect_check(v, "R_MEMBERSHIP_MIN", cases[i].pass);
        assert_string_equal(s_check(v, "R_MEMBERSHIP_MIN")->threshold,
                            "≥ 92.5%");
        validation_verdict_free(&v);
    }
    ry_campaign_destroy(&c);
}

static void
test_rates_out_of_range_are_refused(void **state)
{
    const s_env_t *env = *state;
    struct {
        uint64_t num, den;
        double pct;
    } cases[] = {
        {101, 100, 0}, {1, 0, 0}, {0, 0, 100.5}, {0, 0, -1}, {0, 0, NAN},
        {0, 0, INFINITY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
                RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
        s_set(&fx, F_SATISFACTION, cases[i].num, cases[i].den, cases[i].pct);
        if (cases[i].den == 0 && cases[i].num == 1)
            s_ratio(&fx.satisfaction, &fx.r_satisfaction, 1, 0);
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        s_expect_only(v, "R_RATE_RANGE");
        validation_verdict_free(&v);
    }
    /* A score outside 0..100. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__MODEL_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.score.value = 101;
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, "R_SCORE_RANGE");
    validation_verdict_free(&v);
}

static void
test_membership_falls_back_to_union_counts(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    fx.m.membership = NULL;
    fx.u.workers = 200;
    fx.u.members = 190; /* 95% */
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    assert_non_null(strstr(s_check(v, "R_MEMBERSHIP_MIN")->actual,
                           "190/200"));
    validation_verdict_free(&v);

    fx.u.members = 189; /* 94.5% */
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_MEMBERSHIP_MIN");
    validation_verdict_free(&v);

    /* More members than workers: both rules fail. */
    fx.u.members = 201;
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_MEMBERS_LE_WORKERS", false);
    s_expect_check(v, "R_RATE_RANGE", false);
    validation_verdict_free(&v);

    /* The stated rate wins over the counts when both are given. */
    fx.m.membership = &fx.membership;
    s_ratio(&fx.membership, &fx.r_membership, 96, 100);
    fx.u.members = 150;
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
}

static void
test_missing_metric_is_required(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__JOINT_GRASSROOTS);
    fx.m.formation = NULL;
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, "R_REQUIRED_FORMATION");
    validation_verdict_free(&v);

    fx_init(&fx, RONGYU__HONOUR__MODEL_HOME,
            RONGYU__APPLICANT_CATEGORY__JOINT_GRASSROOTS);
    fx.m.self_score = NULL;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_REQUIRED_SELF_SCORE");
    validation_verdict_free(&v);

    fx_init(&fx, RONGYU__HONOUR__ADVANCED_SMALL_HOME,
            RONGYU__APPLICANT_CATEGORY__BRANCH);
    fx.app.metrics = NULL;
    fx.u.members = 980;
    v = s_eval_with(env, &fx); /* membership from counts; others missing */
    s_expect_check(v, "R_MEMBERSHIP_MIN", true);
    s_expect_check(v, "R_REQUIRED_REALNAME", false);
    s_expect_check(v, "R_REQUIRED_SATISFACTION", false);
    s_expect_check(v, "R_REQUIRED_CHAIR_SATISFACTION", false);
    assert_int_equal(s_failed(v), 3);
    validation_verdict_free(&v);
}

/* ---------------------------------------------------- category, honour */

static void
test_category_must_fit_honour(void **state)
{
    const s_env_t *env = *state;
    struct {
        Rongyu__Honour h;
        Rongyu__ApplicantCategory c;
    } bad[] = {
        {RONGYU__HONOUR__ADVANCED_HOME, RONGYU__APPLICANT_CATEGORY__BRANCH},
        {RONGYU__HONOUR__MODEL_HOME, RONGYU__APPLICANT_CATEGORY__UNION_GROUP},
        {RONGYU__HONOUR__ADVANCED_SMALL_HOME,
         RONGYU__APPLICANT_CATEGORY__TOWNSHIP},
        {RONGYU__HONOUR__ADVANCED_SMALL_HOME,
         RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT},
        {RONGYU__HONOUR__ADVANCED_HOME, RONGYU__APPLICANT_CATEGORY__CADRE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, bad[i].h, RONGYU__APPLICANT_CATEGORY__BRANCH);
        fx.app.category = bad[i].c;
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        s_expect_check(v, "R_CATEGORY_HONOUR", false);
        validation_verdict_free(&v);
    }
    /* A person's honour with a home's category. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, "R_CATEGORY_HONOUR");
    validation_verdict_free(&v);

    fx_init(&fx, RONGYU__HONOUR__HONOUR_UNSPECIFIED,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_REQUIRED_HONOUR");
    validation_verdict_free(&v);

    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__CATEGORY_UNSPECIFIED);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_REQUIRED_CATEGORY");
    validation_verdict_free(&v);
}

/* ------------------------------------------------------ excellent worker */

static void
test_excellent_worker_conditions(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    Rongyu__Verdict *v;

    /* Exactly two years on the submission day passes; a day less fails. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.union_work_since = "2016-10-15";
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
    fx.p.union_work_since = "2016-10-16";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_UNION_YEARS_MIN");
    validation_verdict_free(&v);

    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.home_five_haves = 0;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_FIVE_HAVES");
    validation_verdict_free(&v);

    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.home_honour_level = RONGYU__HONOUR_LEVEL__LEVEL_UNSPECIFIED;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_HOME_HONOUR_LEVEL");
    validation_verdict_free(&v);
    fx.p.home_honour_level = RONGYU__HONOUR_LEVEL__PROVINCE;
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);

    /* Annex 4 类型, not Annex 2 工会类型. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.cadre_type = "私营企业工会";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_CADRE_TYPE");
    validation_verdict_free(&v);

    /* An industry union has no township column in Annex 1. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.app.organising_unit = "工业工会";
    fx.p.column = RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_QUOTA_COLUMN");
    validation_verdict_free(&v);

    /* Organ cadres: a judgment for the reviewer, not a failure. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.organ_cadre = 1;
    fx.p.column = RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN;
    fx.p.cadre_type = "工会领导机关干部";
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    assert_true(s_check(v, "R_ORGAN_CADRE_REVIEW")->needs_review);
    assert_true(s_check(v, "R_ORGAN_CADRE_REVIEW")->passed);
    validation_verdict_free(&v);

    /* Missing person details. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.name = "";
    fx.p.gender = "M";
    fx.p.column = RONGYU__QUOTA_COLUMN__COLUMN_UNSPECIFIED;
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_REQUIRED_PERSON_NAME", false);
    s_expect_check(v, "R_PERSON_GENDER", false);
    s_expect_check(v, "R_REQUIRED_PERSON_COLUMN", false);
    assert_int_equal(s_failed(v), 3);
    validation_verdict_free(&v);

    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.app.person = NULL;
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_REQUIRED_PERSON_NAME", false);
    s_expect_check(v, "R_UNION_YEARS_MIN", false);
    s_expect_check(v, "R_FIVE_HAVES", false);
    validation_verdict_free(&v);
}

static void
test_held_city_honour_excludes(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    rongyu__held_honour__init(&fx.held);
    fx.held.name = "杭州市先进职工之家";
    fx.held.level = RONGYU__HONOUR_LEVEL__CITY;
    fx.held.year = 2016;
    fx.held.still_held = 1;
    fx.helds[0] = &fx.held;
    fx.app.held_honours = fx.helds;
    fx.app.n_held_honours = 1;
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, "R_HOLDS_CITY_HONOUR");
    validation_verdict_free(&v);

    fx.held.still_held = 0; /* lost or expired: may apply again */
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);

    fx.held.still_held = 1;
    fx.held.level = RONGYU__HONOUR_LEVEL__COUNTY;
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
}

/* --------------------------------------------------- posting, deadline */

static void
s_posting_case(const s_env_t *env, const char *campaign, const char *start,
               const char *end, int64_t at_ms, const char *code, bool pass)
{
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.app.campaign_id = (char *)campaign;
    fx.d.committee_study_date = (char *)start;
    fx.d.party_consent_date = (char *)start;
    fx.d.congress_approval_date = (char *)start;
    fx.d.posting_start = (char *)start;
    fx.d.posting_end = (char *)end;
    fx.submitted_at_ms = at_ms;
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_check(v, code, pass);
    validation_verdict_free(&v);
}

static void
test_posting_across_national_day_2018(void **state)
{
    const s_env_t *env = *state;
    int64_t at = s_ms("2018-10-20", 9, 0);
    /* SPEC §6: Fri 09-28 .. Tue 10-09 is 5 working days. */
    s_posting_case(env, "hangzhou-2018", "2018-09-28", "2018-10-09", at,
                   "R_POSTING_WORKDAYS", true);
    s_posting_case(env, "hangzhou-2018", "2018-09-28", "2018-10-08", at,
                   "R_POSTING_WORKDAYS", false);
    /* From the make-up Saturday 09-29: 29, 30, 10-08, 10-09 are 4 in 11
     * calendar days; Wed 10-10 is the 5th. */
    s_posting_case(env, "hangzhou-2018", "2018-09-29", "2018-10-09", at,
                   "R_POSTING_WORKDAYS", false);
    s_posting_case(env, "hangzhou-2018", "2018-09-29", "2018-10-10", at,
                   "R_POSTING_WORKDAYS", true);
    /* Starting on a holiday eve: Sun 09-30 is a make-up workday. */
    s_posting_case(env, "hangzhou-2018", "2018-09-30", "2018-10-11", at,
                   "R_POSTING_WORKDAYS", true);
    s_posting_case(env, "hangzhou-2018", "2018-09-30", "2018-10-10", at,
                   "R_POSTING_WORKDAYS", false);
    /* Seven calendar days over the holiday hold no working day. */
    s_posting_case(env, "hangzhou-2018", "2018-10-01", "2018-10-07", at,
                   "R_POSTING_WORKDAYS", false);
    /* And the whole verdict is otherwise clean. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.d.posting_end = "2018-10-08";
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, "R_POSTING_WORKDAYS");
    assert_non_null(strstr(s_check(v, "R_POSTING_WORKDAYS")->actual,
                           "2018-10-09"));
    validation_verdict_free(&v);
}

static void
test_posting_across_new_year_2019(void **state)
{
    const s_env_t *env = *state;
    int64_t at = s_ms("2019-01-04", 9, 0);
    /* 12-27, 12-28, Sat 12-29 (make-up), 01-02, 01-03. */
    s_posting_case(env, "hangzhou-2018", "2018-12-27", "2019-01-03", at,
                   "R_POSTING_WORKDAYS", true);
    s_posting_case(env, "hangzhou-2018", "2018-12-27", "2019-01-02", at,
                   "R_POSTING_WORKDAYS", false);
    s_posting_case(env, "hangzhou-2018", "2018-12-28", "2019-01-03", at,
                   "R_POSTING_WORKDAYS", false);
    /* Submitted in 2019: past the 2018 deadline. */
    s_posting_case(env, "hangzhou-2018", "2018-12-27", "2019-01-03", at,
                   "R_DEADLINE", false);
}

static void
test_posting_must_end_by_submission(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_SMALL_HOME,
            RONGYU__APPLICANT_CATEGORY__UNION_GROUP);
    fx.submitted_at_ms = s_ms("2018-10-08", 12, 0);
    fx.d.posting_end = "2018-10-09";
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_check(v, "R_POSTING_AFTER_SUBMIT", false);
    s_expect_check(v, "R_DECL_FUTURE", false);
    s_expect_check(v, "R_POSTING_WORKDAYS", true);
    assert_int_equal(s_failed(v), 2);
    validation_verdict_free(&v);
    /* Ending on the submission day is fine. */
    fx.submitted_at_ms = s_ms("2018-10-09", 18, 0);
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
}

static void
test_deadline_is_end_of_30_november_shanghai(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.submitted_at_ms = s_ms("2018-11-30", 23, 59);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
    /* The last millisecond of the day still counts. */
    fx.submitted_at_ms = s_ms("2018-12-01", 0, 0) - 1;
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
    fx.submitted_at_ms = s_ms("2018-12-01", 0, 0);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DEADLINE");
    validation_verdict_free(&v);
    /* 2018-11-30T16:30Z is already 1 December in Hangzhou. */
    fx.submitted_at_ms = s_ms("2018-12-01", 0, 30);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DEADLINE");
    validation_verdict_free(&v);
    /* No submission time: no guess. */
    fx.submitted_at_ms = 0;
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_DEADLINE", false);
    validation_verdict_free(&v);
}

static void
test_declarations_dates_and_order(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    Rongyu__Verdict *v;

    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.d.committee_study_date = "";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DECL_COMMITTEE");
    validation_verdict_free(&v);

    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.d.party_consent_date = "2018-09-31";
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_DECL_PARTY", false);
    s_expect_check(v, "R_DATE_INVALID", false);
    assert_non_null(strstr(s_check(v, "R_DATE_INVALID")->actual,
                           "party_consent_date=2018-09-31"));
    assert_int_equal(s_failed(v), 2);
    validation_verdict_free(&v);

    /* Party consent before the committee studied it. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.d.party_consent_date = "2018-09-19";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DECL_ORDER");
    validation_verdict_free(&v);

    /* Posted before the congress approved it. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.d.congress_approval_date = "2018-09-29";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DECL_ORDER");
    validation_verdict_free(&v);

    /* Same-day steps are in order. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.d.committee_study_date = "2018-09-28";
    fx.d.party_consent_date = "2018-09-28";
    fx.d.congress_approval_date = "2018-09-28";
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);

    /* Posting end before start. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.d.posting_end = "2018-09-27";
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_DECL_ORDER", false);
    s_expect_check(v, "R_POSTING_WORKDAYS", false);
    validation_verdict_free(&v);

    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.app.declarations = NULL;
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_DECL_COMMITTEE", false);
    s_expect_check(v, "R_DECL_PARTY", false);
    s_expect_check(v, "R_DECL_CONGRESS", false);
    s_expect_check(v, "R_POSTING_WORKDAYS", false);
    validation_verdict_free(&v);
}

static void
test_every_failure_is_reported(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    s_ratio(&fx.membership, &fx.r_membership, 8999, 10000);
    fx.score.value = 89;
    fx.u.union_type = "私营企业";
    fx.app.organising_unit = "杭州市";
    fx.app.deeds = "";
    fx.u.name = NULL;
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_check(v, "R_MEMBERSHIP_MIN", false);
    s_expect_check(v, "R_SCORE_MIN", false);
    s_expect_check(v, "R_UNION_TYPE", false);
    s_expect_check(v, "R_ORGANISING_UNIT", false);
    s_expect_check(v, "R_REQUIRED_DEEDS", false);
    s_expect_check(v, "R_REQUIRED_UNION_NAME", false);
    assert_int_equal(s_failed(v), 6);
    assert_string_equal(s_check(v, "R_MEMBERSHIP_MIN")->actual,
                        "8999/10000 (89.99%)");
    assert_string_equal(s_check(v, "R_MEMBERSHIP_MIN")->threshold, "≥ 90%");
    /* The verdict is a valid message: it packs and unpacks. */
    size_t len = rongyu__verdict__get_packed_size(v);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    assert_int_equal(rongyu__verdict__pack(v, buf), len);
    Rongyu__Verdict *back = rongyu__verdict__unpack(NULL, len, buf);
    assert_non_null(back);
    assert_int_equal(back->n_checks, v->n_checks);
    assert_false(back->eligible);
    rongyu__verdict__free_unpacked(back, NULL);
    free(buf);
    validation_verdict_free(&v);
}

/* --------------------------------------------------------- attachments */

static void
test_form_attachment_rules(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    Rongyu__Verdict *v;

    /* A .pdf name over ZIP content (as intake sniffed it) fails. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.form.name = "申报表.pdf";
    fx.form.media_type = "application/zip";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_FORM_MEDIA_TYPE");
    validation_verdict_free(&v);

    /* Content present: its bytes decide, not the recorded type. */
    static const uint8_t zip[] = {'P', 'K', 3, 4, 20, 0, 6, 0};
    fx.form.media_type = "application/pdf";
    fx.form.content.data = (uint8_t *)zip;
    fx.form.content.len = sizeof zip;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_FORM_MEDIA_TYPE");
    assert_non_null(strstr(s_check(v, "R_FORM_MEDIA_TYPE")->actual,
                           "application/zip"));
    validation_verdict_free(&v);
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0};
    fx.form.content.data = (uint8_t *)png;
    fx.form.content.len = sizeof png;
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);

    const char *ok_types[] = {"image/jpeg", "image/png", "application/pdf"};
    for (size_t i = 0; i < 3; i++) {
        fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
                RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
        fx.form.media_type = (char *)ok_types[i];
        v = s_eval_with(env, &fx);
        s_expect_only(v, NULL);
        validation_verdict_free(&v);
    }
    const char *bad_types[] = {"", "application/octet-stream", "text/plain"};
    for (size_t i = 0; i < 3; i++) {
        fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
                RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
        fx.form.media_type = (char *)bad_types[i];
        v = s_eval_with(env, &fx);
        s_expect_only(v, "R_FORM_MEDIA_TYPE");
        validation_verdict_free(&v);
    }

    /* Size: at the cap passes, one byte over fails, empty fails. */
    const ry_campaign_t *c = ry_campaigns_find(env->reg, "hangzhou-2018");
    uint64_t cap = ry_campaign_attachment_max_bytes(c);
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.form.size = cap;
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
    fx.form.size = cap + 1;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_FORM_SIZE");
    validation_verdict_free(&v);
    fx.form.size = 0;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_FORM_SIZE");
    validation_verdict_free(&v);

    /* No form at all; a deeds file is not a form. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.form.kind = "deeds";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_FORM_ATTACHED");
    validation_verdict_free(&v);
    /* ...but it is deeds material. */
    fx.app.deeds = "";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_FORM_ATTACHED");
    validation_verdict_free(&v);
}

/* ---------------------------------------------------------- campaigns */

static void
test_application_under_second_campaign(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_SMALL_HOME,
            RONGYU__APPLICANT_CATEGORY__BRANCH);
    fx.app.campaign_id = "hangzhou-2026";
    fx.d.committee_study_date = "2026-09-15";
    fx.d.party_consent_date = "2026-09-16";
    fx.d.congress_approval_date = "2026-09-25";
    /* National Day 2026: Mon 09-28, 09-29, 09-30, then Thu 10-08 and
     * Fri 10-09 are the 5 working days (10-01..10-07 off). */
    fx.d.posting_start = "2026-09-28";
    fx.d.posting_end = "2026-10-09";
    fx.submitted_at_ms = s_ms("2026-11-30", 23, 0);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    assert_string_equal(v->ruleset, "hangzhou-2026/2026.1");
    validation_verdict_free(&v);

    fx.d.posting_end = "2026-10-08";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_POSTING_WORKDAYS");
    validation_verdict_free(&v);

    /* From Wed 09-30 the make-up Saturday 10-10 is the 4th day. */
    fx.d.posting_start = "2026-09-30";
    fx.d.posting_end = "2026-10-10";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_POSTING_WORKDAYS");
    validation_verdict_free(&v);
    fx.d.posting_end = "2026-10-12";
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);

    /* Its own deadline. */
    fx.submitted_at_ms = s_ms("2026-12-01", 0, 0);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DEADLINE");
    validation_verdict_free(&v);

    /* A posting that reaches a year the calendar lacks: no guess. */
    fx.d.posting_start = "2026-12-28";
    fx.d.posting_end = "2027-01-08";
    fx.submitted_at_ms = s_ms("2027-01-09", 9, 0);
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_CALENDAR_NODATA", false);
    assert_null(validation_verdict_find(v, "R_POSTING_WORKDAYS"));
    validation_verdict_free(&v);

    /* The 2026 application judged by the 2018 campaign: unknown. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_SMALL_HOME,
            RONGYU__APPLICANT_CATEGORY__BRANCH);
    fx.app.campaign_id = "hangzhou-2026";
    v = NULL;
    assert_int_equal(
        validation_evaluate(ry_campaigns_find(env->reg, "hangzhou-2018"),
                            env->cal, &fx.app, fx.submitted_at_ms, &v),
        0);
    s_expect_only(v, "R_CAMPAIGN_UNKNOWN");
    assert_int_equal(v->n_checks, 1);
    validation_verdict_free(&v);
    /* And by no campaign at all. */
    fx.app.campaign_id = "hangzhou-1999";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_CAMPAIGN_UNKNOWN");
    validation_verdict_free(&v);
}

static void
test_no_calendar_means_nodata(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    Rongyu__Verdict *v = NULL;
    assert_int_equal(
        validation_evaluate(ry_campaigns_find(env->reg, "hangzhou-2018"),
                            NULL, &fx.app, fx.submitted_at_ms, &v),
        0);
    s_expect_only(v, "R_CALENDAR_NODATA");
    validation_verdict_free(&v);
    assert_int_equal(validation_evaluate(NULL, NULL, NULL, 0, &v),
                     RY_EINVAL);
}

static void
test_review_checks_for_model_home(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__MODEL_HOME,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    const Rongyu__Check *k = s_check(v, "R_MODEL_INNOVATION_REVIEW");
    assert_true(k->needs_review);
    assert_true(k->passed);
    validation_verdict_free(&v);
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    v = s_eval_with(env, &fx);
    assert_null(validation_verdict_find(v, "R_MODEL_INNOVATION_REVIEW"));
    validation_verdict_free(&v);
}

static void
test_malformed_campaign_file_is_refused_naming_field(void **state)
{
    (void)state;
    char dir[] = "/tmp/ry_rules_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/bad.json", dir);
    json_error_t je;
    json_t *root = json_load_file(DATA_DIR "/hangzhou-2026.json", 0, &je);
    assert_non_null(root);
    json_object_set_new(
        json_object_get(
            json_object_get(
                json_object_get(json_object_get(root, "honours"),
                                "advanced_small_home"),
                "categories"),
            "branch"),
        "chair_satisfaction_min", json_integer(101));
    assert_int_equal(json_dump_file(root, path, 0), 0);
    json_decref(root);
    ry_campaign_t *c = NULL;
    char err[512];
    assert_int_equal(ry_campaign_load_file(path, &c, err, sizeof err),
                     RY_ECONFIG);
    assert_null(c);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(
        err,
        "$.honours.advanced_small_home.categories.branch."
        "chair_satisfaction_min"));
    unlink(path);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_applications_of_every_kind_are_eligible),
        cmocka_unit_test(test_each_threshold_on_both_sides_for_each_category),
        cmocka_unit_test(test_decimal_threshold_from_campaign_is_exact),
        cmocka_unit_test(test_rates_out_of_range_are_refused),
        cmocka_unit_test(test_membership_falls_back_to_union_counts),
        cmocka_unit_test(test_missing_metric_is_required),
        cmocka_unit_test(test_category_must_fit_honour),
        cmocka_unit_test(test_excellent_worker_conditions),
        cmocka_unit_test(test_held_city_honour_excludes),
        cmocka_unit_test(test_posting_across_national_day_2018),
        cmocka_unit_test(test_posting_across_new_year_2019),
        cmocka_unit_test(test_posting_must_end_by_submission),
        cmocka_unit_test(test_deadline_is_end_of_30_november_shanghai),
        cmocka_unit_test(test_declarations_dates_and_order),
        cmocka_unit_test(test_every_failure_is_reported),
        cmocka_unit_test(test_form_attachment_rules),
        cmocka_unit_test(test_application_under_second_campaign),
        cmocka_unit_test(test_no_calendar_means_nodata),
        cmocka_unit_test(test_review_checks_for_model_home),
        cmocka_unit_test(
            test_malformed_campaign_file_is_refused_naming_field),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
