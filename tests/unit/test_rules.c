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
#include "ry_pb.h"
#include "ry_rulecat.h"
#include "ry_verdict.h"
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
    Rongyu__OrgKind applicant_kind; /* 0: not registered */
    const char *awarded_case, *awarded_campaign; /* intake's, NULL: none */
    const char *unit_deadline; /* intake's, NULL: not extended */
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

/* Renders the texts of every check of v from the rule catalogue, as a
 * reader of the verdict does (the verdict itself holds typed values). */
static void
s_render(Rongyu__Verdict *v)
{
    ry_rulecat_text_t t;
    for (size_t i = 0; v && i < v->n_checks; i++) {
        Rongyu__Check *k = v->checks[i];
        assert_int_equal(ry_rulecat_render(k, &t), 0);
        k->threshold = validation_verdict_dup(v, t.threshold);
        k->actual = validation_verdict_dup(v, t.actual);
        k->message_zh = validation_verdict_dup(v, t.message_zh);
        k->message_en = validation_verdict_dup(v, t.message_en);
    }
}

/* How many checks of each rule number went through the stored form and
 * came back the same (test_every_rule_comes_back_from_the_stored_form). */
static unsigned s_trips[256];

/* Every verdict the tests make is also stored (ry_verdict_pack) and
 * filled back in (ry_verdict_expand) from the same application: it must
 * come back byte for byte, codes aside (the rule number says them). */
static void
s_stored_round_trip(const Rongyu__Verdict *v, const Rongyu__Application *app)
{
    size_t len, whole_len;
    uint8_t *buf = ry_verdict_pack(v, app, &len);
    uint8_t *whole = ry_pb_pack(&v->base, &whole_len);
    Rongyu__Verdict *back = NULL;
    assert_int_equal(ry_verdict_expand(buf, len, app, &back), 0);
    assert_true(len <= whole_len);
    assert_int_equal(back->eligible, v->eligible);
    assert_string_equal(back->ruleset, v->ruleset);
    assert_int_equal(back->decided_at_ms, v->decided_at_ms);
    assert_int_equal(back->n_checks, v->n_checks);
    for (size_t i = 0; i < v->n_checks; i++) {
        Rongyu__Check k = *v->checks[i];
        k.code = (char *)"";
        size_t la, lb;
        uint8_t *a = ry_pb_pack(&k.base, &la);
        uint8_t *b = ry_pb_pack(&back->checks[i]->base, &lb);
        if (la != lb || memcmp(a, b, la) != 0)
            fail_msg("%s does not come back from the stored form",
                     v->checks[i]->code);
        free(a);
        free(b);
        assert_string_equal(ry_rulecat_check_code(back->checks[i]),
                            v->checks[i]->code);
        if (k.rule < sizeof s_trips / sizeof s_trips[0])
            s_trips[k.rule]++;
    }
    ry_pb_free(&back);
    free(buf);
    free(whole);
}

static Rongyu__Verdict *
s_eval_with(const s_env_t *env, const s_fx_t *fx)
{
    Rongyu__Verdict *v = NULL;
    const ry_campaign_t *c = ry_campaigns_find(env->reg, fx->app.campaign_id);
    validation_facts_t facts = {.submitted_at_ms = fx->submitted_at_ms,
                                .applicant_kind = fx->applicant_kind,
                                .awarded_case = fx->awarded_case,
                                .awarded_campaign = fx->awarded_campaign,
                                .unit_deadline = fx->unit_deadline};
    assert_int_equal(validation_evaluate(c, env->cal, &fx->app, &facts, &v), 0);
    assert_non_null(v);
    s_stored_round_trip(v, &fx->app);
    s_render(v);
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

/* Evaluates under a campaign that is not in the registry. */
static Rongyu__Verdict *
s_eval_in(const ry_campaign_t *c, const s_env_t *env, const s_fx_t *fx)
{
    Rongyu__Verdict *v = NULL;
    validation_facts_t facts = {.submitted_at_ms = fx->submitted_at_ms,
                                .applicant_kind = fx->applicant_kind};
    assert_int_equal(validation_evaluate(c, env->cal, &fx->app, &facts, &v), 0);
    assert_non_null(v);
    s_stored_round_trip(v, &fx->app);
    s_render(v);
    return v;
}

/* The default campaign with one member of $.honours.<honour> (or of
 * $.honours.<honour>.categories.<category>) set to 'value' (taken), or
 * removed when 'value' is NULL. Loaded from the JSON text. */
static ry_campaign_t *
s_campaign_edited(const char *honour, const char *category, const char *key,
                  json_t *value)
{
    json_error_t je;
    json_t *root = json_load_file(DEFAULT_FILE, 0, &je);
    assert_non_null(root);
    json_t *o = json_object_get(json_object_get(root, "honours"), honour);
    if (category)
        o = json_object_get(json_object_get(o, "categories"), category);
    assert_non_null(o);
    if (value)
        assert_int_equal(json_object_set_new(o, key, value), 0);
    else
        assert_int_equal(json_object_del(o, key), 0);
    char *text = json_dumps(root, 0);
    json_decref(root);
    assert_non_null(text);
    ry_campaign_t *c = NULL;
    char err[512];
    if (ry_campaign_load_buffer("edited", text, strlen(text), &c, err,
                                sizeof err) != 0)
        fail_msg("%s", err);
    free(text);
    assert_string_equal(ry_campaign_id(c), "hangzhou-2018");
    return c;
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
        /* Percent as a double: compared exactly, no rounding slack. A
         * home's membership rate always comes from its counts (workers
         * are required), a stated one must agree with them: see
         * test_stated_rate_must_agree_with_counts. */
        if (row->field == F_MEMBERSHIP)
            continue;
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
        if (cases[i].den == 0) /* no counts: the percentage decides */
            fx.u.workers = fx.u.members = 0;
        Rongyu__Verdict *v = NULL;
        validation_facts_t facts = {.submitted_at_ms = fx.submitted_at_ms};
        assert_int_equal(validation_evaluate(c, env->cal, &fx.app, &facts, &v),
                         0);
        s_render(v);
        s_expect_check(v, "R_MEMBERSHIP_MIN", cases[i].pass);
        const Rongyu__Check *k = s_check(v, "R_MEMBERSHIP_MIN");
        assert_string_equal(k->threshold, "≥ 92.5%");
        /* The same, typed: a percentage threshold, the counts or the
         * percentage as given. */
        assert_non_null(k->threshold_value);
        assert_int_equal(k->threshold_value->value_case,
                         RONGYU__QUANTITY__VALUE_NUMBER);
        assert_true(k->threshold_value->number == 92.5);
        assert_string_equal(k->threshold_value->unit, "percent");
        assert_string_equal(k->threshold_value->op, "ge");
        assert_non_null(k->actual_value);
        if (cases[i].den) {
            assert_int_equal(k->actual_value->value_case,
                             RONGYU__QUANTITY__VALUE_RATIO);
            assert_int_equal(k->actual_value->ratio->num, cases[i].num);
            assert_int_equal(k->actual_value->ratio->den, cases[i].den);
        } else {
            assert_int_equal(k->actual_value->value_case,
                             RONGYU__QUANTITY__VALUE_NUMBER);
            assert_true(k->actual_value->number == cases[i].pct);
        }
        validation_verdict_free(&v);
    }
    ry_campaign_destroy(&c);
}

/* A stated membership percentage and the union's counts: the counts,
 * rounded half up to the stated precision, must give the stated figure;
 * the verdict uses the counts. Both sides of each rounding boundary. */
static void
test_stated_rate_must_agree_with_counts(void **state)
{
    const s_env_t *env = *state;
    static const struct {
        uint64_t members, workers;
        double stated;
        bool agree;
        const char *counted; /* the counts' figure at that precision */
    } cases[] = {
        {949, 1000, 94.9, true, "94.9"},
        {949, 1000, 95, true, "95"}, /* 94.9 rounds to 95 */
        {949, 1000, 94, false, "95"},
        {949, 1000, 94.8, false, "94.9"},
        {9485, 10000, 94.9, true, "94.9"}, /* 94.85: half up */
        {9485, 10000, 94.8, false, "94.9"},
        {94849, 100000, 94.8, true, "94.8"}, /* 94.849 */
        {94849, 100000, 94.9, false, "94.8"},
        {945, 1000, 95, true, "95"},          /* 94.5 rounds up to 95 */
        {9449999, 10000000, 95, false, "94"}, /* 94.49999 */
        {9449999, 10000000, 94, true, "94"},
        {22150, 23800, 93.1, true, "93.1"}, /* 93.067.. (the example) */
        {22150, 23800, 93.07, true, "93.07"},
        {22150, 23800, 93.06, false, "93.07"},
        {1, 3, 33.33, true, "33.33"},
        {2, 3, 66.67, true, "66.67"},
        {2, 3, 66.66, false, "66.67"},
        {1000, 1000, 100, true, "100"},
        {995, 1000, 100, true, "100"}, /* 99.5 rounds to 100 at 0 decimals */
        {994, 1000, 100, false, "99"},
        {0, 1000, 0, true, "0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
                RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
        fx.u.members = cases[i].members;
        fx.u.workers = cases[i].workers;
        s_percent(&fx.membership, cases[i].stated);
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        const Rongyu__Check *k = s_check(v, "R_RATE_COUNTS_AGREE");
        if ((bool)k->passed != cases[i].agree)
            fail_msg("%llu/%llu stated %g: want %s, got %s (%s)",
                     (unsigned long long)cases[i].members,
                     (unsigned long long)cases[i].workers, cases[i].stated,
                     cases[i].agree ? "agree" : "mismatch",
                     k->passed ? "agree" : "mismatch", k->message_en);
        /* Both values: the counts with their figure, the stated one. */
        char want[64];
        snprintf(want, sizeof want, "%llu/%llu → %s%%",
                 (unsigned long long)cases[i].members,
                 (unsigned long long)cases[i].workers, cases[i].counted);
        assert_non_null(strstr(k->threshold, want));
        assert_non_null(strstr(k->actual, "stated"));
        /* The threshold is judged on the counts, never on the stated
         * figure. */
        const Rongyu__Check *mm = s_check(v, "R_MEMBERSHIP_MIN");
        snprintf(want, sizeof want, "%llu/%llu",
                 (unsigned long long)cases[i].members,
                 (unsigned long long)cases[i].workers);
        assert_non_null(strstr(mm->actual, want));
        validation_verdict_free(&v);
    }
    /* 949 of 1000 stated as 95: the figures agree, but the counts miss
     * 95%: only the threshold fails. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    fx.u.members = 949;
    s_percent(&fx.membership, 95);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, "R_MEMBERSHIP_MIN");
    validation_verdict_free(&v);
    /* 960 of 1000 stated as 99: a mismatch and nothing else. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    fx.u.members = 960;
    s_percent(&fx.membership, 99);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_RATE_COUNTS_AGREE");
    validation_verdict_free(&v);
    /* Counts only, or a percentage without counts: no such check. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    v = s_eval_with(env, &fx);
    assert_null(validation_verdict_find(v, "R_RATE_COUNTS_AGREE"));
    validation_verdict_free(&v);
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

static void
test_scores_out_of_range_are_refused(void **state)
{
    const s_env_t *env = *state;
    struct {
        double score;
        const char *actual;
    } cases[] = {
        {-1, "-1"},
        {-0.5, "-0.5"},
        {nextafter(0, -1), "-5e-324"},
        {NAN, "nan"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
        {nextafter(100, 200), "100.00000000000001"},
        {100.5, "100.5"},
    };
    struct {
        Rongyu__Honour h;
        Rongyu__ApplicantCategory c;
    } kinds[] = {
        {RONGYU__HONOUR__MODEL_HOME, RONGYU__APPLICANT_CATEGORY__TOWNSHIP},
        {RONGYU__HONOUR__ADVANCED_HOME,
         RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            s_fx_t fx;
            fx_init(&fx, kinds[k].h, kinds[k].c);
            fx.score.value = cases[i].score;
            Rongyu__Verdict *v = s_eval_with(env, &fx);
            s_expect_only(v, "R_SCORE_RANGE");
            const Rongyu__Check *r = s_check(v, "R_SCORE_RANGE");
            assert_string_equal(r->threshold, "0..100");
            /* NaN may print with a sign; the rest exactly. */
            if (isnan(cases[i].score))
                assert_non_null(strstr(r->actual, "nan"));
            else
                assert_string_equal(r->actual, cases[i].actual);
            /* Out of range: no threshold comparison at all. */
            assert_null(validation_verdict_find(v, "R_SCORE_MIN"));
            validation_verdict_free(&v);
        }
        /* The ends of the range are in it: 0 is judged (and fails the
         * threshold), 100 passes. */
        s_fx_t fx;
        fx_init(&fx, kinds[k].h, kinds[k].c);
        fx.score.value = 0;
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        s_expect_only(v, "R_SCORE_MIN");
        assert_null(validation_verdict_find(v, "R_SCORE_RANGE"));
        assert_string_equal(s_check(v, "R_SCORE_MIN")->actual, "0");
        validation_verdict_free(&v);
        fx.score.value = 100;
        v = s_eval_with(env, &fx);
        s_expect_only(v, NULL);
        assert_string_equal(s_check(v, "R_SCORE_MIN")->actual, "100");
        validation_verdict_free(&v);
    }
    /* Numbers are shown in plain digits ("90", not "9e+01"), percentages
     * too; only the decision is exact, the display is for people. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.score.value = 90;
    s_percent(&fx.satisfaction, 90);
    s_percent(&fx.formation, 92.5);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    assert_string_equal(s_check(v, "R_SCORE_MIN")->actual, "90");
    assert_string_equal(s_check(v, "R_SATISFACTION_MIN")->actual, "90%");
    assert_string_equal(s_check(v, "R_FORMATION_MIN")->actual, "92.5%");
    validation_verdict_free(&v);
}

/* Makes metric 'field' unusable: out of range when 'broken', else
 * absent. */
static void
s_spoil_metric(s_fx_t *fx, int field, bool broken)
{
    if (!fx->app.metrics) {
        rongyu__metrics__init(&fx->m);
        fx->app.metrics = &fx->m;
    }
    Rongyu__Rate **slot[] = {&fx->m.formation, &fx->m.membership,
                             &fx->m.satisfaction, &fx->m.realname,
                             &fx->m.chair_satisfaction};
    if (field == F_SCORE) {
        rongyu__score__init(&fx->score);
        fx->score.value = 101;
        fx->m.self_score = broken ? &fx->score : NULL;
        return;
    }
    Rongyu__Ratio *ratio;
    Rongyu__Rate *rate = s_field_rate(fx, field, &ratio);
    s_ratio(rate, ratio, 101, 100);
    *slot[field] = broken ? rate : NULL;
}

static void
test_absent_threshold_yields_no_check(void **state)
{
    const s_env_t *env = *state;
    static const char *const codes[] = {
        "R_FORMATION_MIN", "R_MEMBERSHIP_MIN", "R_SATISFACTION_MIN",
        "R_REALNAME",      "R_CHAIR_SATISFACTION_MIN", "R_SCORE_MIN"};
    static const char *const required[] = {
        "R_REQUIRED_FORMATION",   "R_REQUIRED_MEMBERSHIP",
        "R_REQUIRED_SATISFACTION", "R_REQUIRED_REALNAME",
        "R_REQUIRED_CHAIR_SATISFACTION", "R_REQUIRED_SELF_SCORE"};
#define B(f) (1u << (f))
    const unsigned area = B(F_FORMATION) | B(F_MEMBERSHIP) |
                          B(F_SATISFACTION) | B(F_SCORE);
    const unsigned small = B(F_MEMBERSHIP) | B(F_REALNAME) |
                           B(F_SATISFACTION) | B(F_CHAIR);
    /* The metrics each campaign pair has a threshold for. */
    struct {
        Rongyu__Honour h;
        Rongyu__ApplicantCategory c;
        unsigned set;
    } rows[] = {
        {RONGYU__HONOUR__ADVANCED_HOME, RONGYU__APPLICANT_CATEGORY__TOWNSHIP,
         area},
        {RONGYU__HONOUR__ADVANCED_HOME,
         RONGYU__APPLICANT_CATEGORY__REGIONAL_FEDERATION, area},
        {RONGYU__HONOUR__ADVANCED_HOME,
         RONGYU__APPLICANT_CATEGORY__JOINT_GRASSROOTS, area},
        {RONGYU__HONOUR__ADVANCED_HOME,
         RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT,
         B(F_MEMBERSHIP) | B(F_SATISFACTION) | B(F_SCORE)},
        {RONGYU__HONOUR__MODEL_HOME, RONGYU__APPLICANT_CATEGORY__TOWNSHIP,
         B(F_SCORE)},
        {RONGYU__HONOUR__MODEL_HOME,
         RONGYU__APPLICANT_CATEGORY__REGIONAL_FEDERATION, B(F_SCORE)},
        {RONGYU__HONOUR__MODEL_HOME,
         RONGYU__APPLICANT_CATEGORY__JOINT_GRASSROOTS, B(F_SCORE)},
        {RONGYU__HONOUR__MODEL_HOME,
         RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT, B(F_SCORE)},
        {RONGYU__HONOUR__ADVANCED_SMALL_HOME,
         RONGYU__APPLICANT_CATEGORY__BRANCH, small},
        {RONGYU__HONOUR__ADVANCED_SMALL_HOME,
         RONGYU__APPLICANT_CATEGORY__UNION_GROUP, small},
        {RONGYU__HONOUR__EXCELLENT_WORKER, RONGYU__APPLICANT_CATEGORY__CADRE,
         0},
    };
#undef B
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        print_message("  %s / %s\n", ry_honour_name((ry_honour_t)rows[i].h),
                      ry_category_name((ry_category_t)rows[i].c));
        /* A metric without a threshold is not looked at: neither a
         * missing one nor one out of range makes a check. */
        for (int broken = 0; broken <= 1; broken++) {
            s_fx_t fx;
            fx_init(&fx, rows[i].h, rows[i].c);
            for (int f = F_FORMATION; f <= F_SCORE; f++)
                if (!(rows[i].set & (1u << f)))
                    s_spoil_metric(&fx, f, broken);
            Rongyu__Verdict *v = s_eval_with(env, &fx);
            s_expect_only(v, NULL);
            for (int f = F_FORMATION; f <= F_SCORE; f++) {
                if (rows[i].set & (1u << f)) {
                    s_expect_check(v, codes[f], true);
                    continue;
                }
                if (validation_verdict_find(v, codes[f]) ||
                    validation_verdict_find(v, required[f]))
                    fail_msg("%s: a check without a threshold", codes[f]);
            }
            assert_null(validation_verdict_find(v, "R_RATE_RANGE"));
            assert_null(validation_verdict_find(v, "R_SCORE_RANGE"));
            validation_verdict_free(&v);
        }
    }

    /* Removed from the campaign file: the township score. */
    ry_campaign_t *c =
        s_campaign_edited("advanced_home", "township", "score_min", NULL);
    for (int broken = 0; broken <= 1; broken++) {
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
                RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
        s_spoil_metric(&fx, F_SCORE, broken);
        Rongyu__Verdict *v = s_eval_in(c, env, &fx);
        s_expect_only(v, NULL);
        assert_null(validation_verdict_find(v, "R_SCORE_MIN"));
        assert_null(validation_verdict_find(v, "R_REQUIRED_SELF_SCORE"));
        assert_null(validation_verdict_find(v, "R_SCORE_RANGE"));
        s_expect_check(v, "R_FORMATION_MIN", true);
        validation_verdict_free(&v);
    }
    ry_campaign_destroy(&c);

    /* The excellent worker's conditions, one removed at a time. */
    struct {
        const char *key;
        const char *code;
    } worker[] = {
        {"union_years_min", "R_UNION_YEARS_MIN"},
        {"five_haves", "R_FIVE_HAVES"},
        {"home_honour_min_level", "R_HOME_HONOUR_LEVEL"},
    };
    for (size_t i = 0; i < sizeof worker / sizeof worker[0]; i++) {
        c = s_campaign_edited("excellent_worker", "cadre", worker[i].key,
                              NULL);
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
                RONGYU__APPLICANT_CATEGORY__CADRE);
        /* Each would fail if its threshold were there. */
        fx.p.union_work_since = "2018-01-01";
        fx.p.home_five_haves = 0;
        fx.p.home_honour_level = RONGYU__HONOUR_LEVEL__LEVEL_UNSPECIFIED;
        Rongyu__Verdict *v = s_eval_in(c, env, &fx);
        assert_null(validation_verdict_find(v, worker[i].code));
        assert_int_equal(s_failed(v), 2); /* the other two */
        for (size_t j = 0; j < sizeof worker / sizeof worker[0]; j++)
            if (j != i)
                s_expect_check(v, worker[j].code, false);
        validation_verdict_free(&v);
        ry_campaign_destroy(&c);
    }
}

/* Blanks one required text field; then exactly its check fails. */
static void
test_each_required_field_fails_alone(void **state)
{
    const s_env_t *env = *state;
#define K_HOME                                                               \
    RONGYU__HONOUR__ADVANCED_HOME, RONGYU__APPLICANT_CATEGORY__TOWNSHIP
#define K_SMALL                                                              \
    RONGYU__HONOUR__ADVANCED_SMALL_HOME, RONGYU__APPLICANT_CATEGORY__BRANCH
#define K_WORKER                                                             \
    RONGYU__HONOUR__EXCELLENT_WORKER, RONGYU__APPLICANT_CATEGORY__CADRE
#define AT(member) offsetof(s_fx_t, member)
    static const struct {
        Rongyu__Honour h;
        Rongyu__ApplicantCategory c;
        size_t off;       /* the char * field in s_fx_t */
        const char *code; /* the one check that fails */
        const char *also; /* a second one that must fail with it */
    } rows[] = {
        {K_HOME, AT(app.applicant_org), "R_REQUIRED_APPLICANT_ORG", NULL},
        {K_HOME, AT(app.organising_unit), "R_REQUIRED_ORGANISING_UNIT", NULL},
        {K_HOME, AT(u.name), "R_REQUIRED_UNION_NAME", NULL},
        {K_HOME, AT(u.union_type), "R_REQUIRED_UNION_TYPE", NULL},
        {K_HOME, AT(u.chair_name), "R_REQUIRED_UNION_CHAIR_NAME", NULL},
        {K_HOME, AT(u.address), "R_REQUIRED_UNION_ADDRESS", NULL},
        {K_HOME, AT(u.phone), "R_REQUIRED_UNION_PHONE", NULL},
        {K_SMALL, AT(app.applicant_org), "R_REQUIRED_APPLICANT_ORG", NULL},
        {K_SMALL, AT(app.organising_unit), "R_REQUIRED_ORGANISING_UNIT",
         NULL},
        {K_SMALL, AT(u.name), "R_REQUIRED_UNION_NAME", NULL},
        {K_SMALL, AT(u.parent_union_name),
         "R_REQUIRED_UNION_PARENT_UNION_NAME", NULL},
        {K_SMALL, AT(u.union_type), "R_REQUIRED_UNION_TYPE", NULL},
        {K_SMALL, AT(u.chair_name), "R_REQUIRED_UNION_CHAIR_NAME", NULL},
        {K_WORKER, AT(app.applicant_org), "R_REQUIRED_APPLICANT_ORG", NULL},
        {K_WORKER, AT(app.organising_unit), "R_REQUIRED_ORGANISING_UNIT",
         NULL},
        {K_WORKER, AT(p.name), "R_REQUIRED_PERSON_NAME", NULL},
        {K_WORKER, AT(p.gender), "R_REQUIRED_PERSON_GENDER", NULL},
        {K_WORKER, AT(p.birth_month), "R_REQUIRED_PERSON_BIRTH_MONTH", NULL},
        {K_WORKER, AT(p.employer), "R_REQUIRED_PERSON_EMPLOYER", NULL},
        {K_WORKER, AT(p.position), "R_REQUIRED_PERSON_POSITION", NULL},
        {K_WORKER, AT(p.cadre_type), "R_REQUIRED_PERSON_CADRE_TYPE", NULL},
        /* Without a start date the years cannot be counted either. */
        {K_WORKER, AT(p.union_work_since),
         "R_REQUIRED_PERSON_UNION_WORK_SINCE", "R_UNION_YEARS_MIN"},
    };
    /* Fields a kind of applicant is not asked for: no check at all. */
    static const struct {
        Rongyu__Honour h;
        Rongyu__ApplicantCategory c;
        size_t off;
        const char *code;
    } not_asked[] = {
        {K_HOME, AT(u.parent_union_name),
         "R_REQUIRED_UNION_PARENT_UNION_NAME"},
        {K_SMALL, AT(u.address), "R_REQUIRED_UNION_ADDRESS"},
        {K_SMALL, AT(u.phone), "R_REQUIRED_UNION_PHONE"},
    };
    char *const blanks[] = {NULL, ""};

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        for (size_t b = 0; b < 2; b++) {
            print_message("  %s: %s %s\n",
                          ry_honour_name((ry_honour_t)rows[i].h),
                          rows[i].code, blanks[b] ? "\"\"" : "NULL");
            s_fx_t fx;
            fx_init(&fx, rows[i].h, rows[i].c);
            *(char **)((char *)&fx + rows[i].off) = blanks[b];
            Rongyu__Verdict *v = s_eval_with(env, &fx);
            if (rows[i].also) {
                s_expect_check(v, rows[i].code, false);
                s_expect_check(v, rows[i].also, false);
                assert_int_equal(s_failed(v), 2);
            } else {
                s_expect_only(v, rows[i].code);
            }
            const Rongyu__Check *k = s_check(v, rows[i].code);
            assert_string_equal(k->threshold, "非空/present");
            assert_string_equal(k->actual, "未填写/missing");
            validation_verdict_free(&v);
        }
    }
    for (size_t i = 0; i < sizeof not_asked / sizeof not_asked[0]; i++) {
        for (size_t b = 0; b < 2; b++) {
            s_fx_t fx;
            fx_init(&fx, not_asked[i].h, not_asked[i].c);
            *(char **)((char *)&fx + not_asked[i].off) = blanks[b];
            Rongyu__Verdict *v = s_eval_with(env, &fx);
            s_expect_only(v, NULL);
            assert_null(validation_verdict_find(v, not_asked[i].code));
            validation_verdict_free(&v);
        }
    }
#undef AT
#undef K_WORKER
#undef K_HOME

    /* Workers is a count: 0 is missing (members 0 too, or it would also
     * exceed the workers). */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.u.workers = 0;
    fx.u.members = 0;
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, "R_REQUIRED_UNION_WORKERS");
    assert_string_equal(s_check(v, "R_REQUIRED_UNION_WORKERS")->threshold,
                        "> 0");
    assert_string_equal(s_check(v, "R_REQUIRED_UNION_WORKERS")->actual, "0");
    validation_verdict_free(&v);
    fx_init(&fx, K_SMALL);
    fx.u.workers = 0;
    fx.u.members = 0;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_REQUIRED_UNION_WORKERS");
    validation_verdict_free(&v);
#undef K_SMALL

    /* The membership rate is required only when it cannot be computed
     * from the counts, i.e. when the workers are missing too. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.m.membership = NULL;
    fx.u.workers = 0;
    fx.u.members = 0;
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_REQUIRED_MEMBERSHIP", false);
    s_expect_check(v, "R_REQUIRED_UNION_WORKERS", false);
    assert_int_equal(s_failed(v), 2);
    assert_null(validation_verdict_find(v, "R_MEMBERSHIP_MIN"));
    assert_string_equal(s_check(v, "R_REQUIRED_MEMBERSHIP")->actual,
                        "未填写/missing");
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

/* The applicant's registered kind against the declared category and the
 * honour: every kind x honour x category. The two tables are the rule of
 * docs/rules.md ("Registered kind and category"). */
static void
test_registered_kind_decides_category_and_honour(void **state)
{
    const s_env_t *env = *state;
    static const struct {
        Rongyu__OrgKind kind;
        const char *name;
        /* advanced_home, model_home, advanced_small_home, excellent_worker */
        bool honour[4];
        /* township, regional_federation, joint_grassroots,
         * single_establishment, branch, union_group, cadre */
        bool category[7];
    } t[] = {
        {RONGYU__ORG_KIND__ORG_GRASSROOTS,
         "grassroots",
         {1, 1, 0, 1},
         {0, 0, 0, 1, 0, 0, 1}},
        {RONGYU__ORG_KIND__ORG_TOWNSHIP,
         "township",
         {1, 1, 0, 1},
         {1, 0, 0, 0, 0, 0, 1}},
        {RONGYU__ORG_KIND__ORG_FEDERATION,
         "federation",
         {1, 1, 0, 1},
         {0, 1, 0, 0, 0, 0, 1}},
        {RONGYU__ORG_KIND__ORG_JOINT,
         "joint",
         {1, 1, 0, 1},
         {0, 0, 1, 0, 0, 0, 1}},
        {RONGYU__ORG_KIND__ORG_BRANCH,
         "branch",
         {0, 0, 1, 0},
         {0, 0, 0, 0, 1, 0, 0}},
        {RONGYU__ORG_KIND__ORG_GROUP,
         "group",
         {0, 0, 1, 0},
         {0, 0, 0, 0, 0, 1, 0}},
        {RONGYU__ORG_KIND__ORG_UNIT,
         "unit",
         {0, 0, 0, 1},
         {0, 0, 0, 0, 0, 0, 1}},
        {RONGYU__ORG_KIND__ORG_CITY,
         "city",
         {0, 0, 0, 0},
         {0, 0, 0, 0, 0, 0, 0}},
    };
    static const char *const cat_names[7] = {"township",
                                             "regional_federation",
                                             "joint_grassroots",
                                             "single_establishment",
                                             "branch",
                                             "union_group",
                                             "cadre"};
    int eligible = 0;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        for (int h = 1; h <= 4; h++) {
            for (int c = 1; c <= 7; c++) {
                s_fx_t fx;
                fx_init(&fx, (Rongyu__Honour)h, (Rongyu__ApplicantCategory)c);
                fx.applicant_kind = t[k].kind;
                Rongyu__Verdict *v = s_eval_with(env, &fx);
                const Rongyu__Check *kc = s_check(v, "R_ORG_KIND_CATEGORY");
                const Rongyu__Check *kh = s_check(v, "R_ORG_KIND_HONOUR");
                if ((bool)kc->passed != t[k].category[c - 1] ||
                    (bool)kh->passed != t[k].honour[h - 1])
                    fail_msg("kind %s, honour %d, category %s: category %s, "
                             "honour %s",
                             t[k].name, h, cat_names[c - 1],
                             kc->passed ? "passed" : "failed",
                             kh->passed ? "passed" : "failed");
                /* Both values are named. */
                assert_non_null(strstr(kc->threshold, t[k].name));
                assert_non_null(strstr(kc->actual, cat_names[c - 1]));
                assert_non_null(strstr(kh->threshold, t[k].name));
                /* Where everything fits, nothing else fails. */
                bool fits = !!s_check(v, "R_CATEGORY_HONOUR")->passed;
                if (fits && kc->passed && kh->passed) {
                    s_expect_only(v, NULL);
                    eligible++;
                } else if (!kc->passed || !kh->passed) {
                    assert_false(v->eligible);
                }
                validation_verdict_free(&v);
            }
        }
    }
    /* grassroots, township, federation, joint: 2 homes + cadre; branch,
     * group: small home; unit: cadre. */
    assert_int_equal(eligible, 4 * 3 + 2 + 1);

    /* A single-establishment union declaring itself a township union (whose
     * membership threshold is 90, not 95) is caught with both values. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.applicant_kind = RONGYU__ORG_KIND__ORG_GRASSROOTS;
    s_ratio(&fx.membership, &fx.r_membership, 91, 100);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, "R_ORG_KIND_CATEGORY");
    const Rongyu__Check *kc = s_check(v, "R_ORG_KIND_CATEGORY");
    assert_non_null(strstr(kc->threshold, "single_establishment"));
    assert_non_null(strstr(kc->actual, "township"));
    assert_non_null(strstr(kc->message_en, "registered"));
    validation_verdict_free(&v);

    /* Not registered: nothing to check against, no check. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    v = s_eval_with(env, &fx);
    assert_null(validation_verdict_find(v, "R_ORG_KIND_CATEGORY"));
    assert_null(validation_verdict_find(v, "R_ORG_KIND_HONOUR"));
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
}

static void
test_disabled_honour_is_refused(void **state)
{
    const s_env_t *env = *state;
    struct {
        const char *name;
        Rongyu__Honour h;
        Rongyu__ApplicantCategory c;
    } kinds[] = {
        {"advanced_home", RONGYU__HONOUR__ADVANCED_HOME,
         RONGYU__APPLICANT_CATEGORY__TOWNSHIP},
        {"model_home", RONGYU__HONOUR__MODEL_HOME,
         RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT},
        {"advanced_small_home", RONGYU__HONOUR__ADVANCED_SMALL_HOME,
         RONGYU__APPLICANT_CATEGORY__BRANCH},
        {"excellent_worker", RONGYU__HONOUR__EXCELLENT_WORKER,
         RONGYU__APPLICANT_CATEGORY__CADRE},
    };
    const size_t n = sizeof kinds / sizeof kinds[0];
    for (size_t off = 0; off < n; off++) {
        /* The default campaign with this one honour closed; its
         * categories and thresholds stay in the file. */
        ry_campaign_t *c = s_campaign_edited(kinds[off].name, NULL,
                                             "enabled", json_false());
        assert_false(
            ry_campaign_honour_enabled(c, (ry_honour_t)kinds[off].h));
        for (size_t i = 0; i < n; i++) {
            s_fx_t fx;
            fx_init(&fx, kinds[i].h, kinds[i].c);
            Rongyu__Verdict *v = s_eval_in(c, env, &fx);
            const Rongyu__Check *k = s_check(v, "R_HONOUR_ENABLED");
            if (i == off) {
                s_expect_only(v, "R_HONOUR_ENABLED");
                assert_string_equal(k->actual, kinds[i].name);
                assert_string_equal(k->threshold,
                                    "本年度开放 (open this campaign)");
                /* The pair itself is still a valid one. */
                s_expect_check(v, "R_CATEGORY_HONOUR", true);
            } else {
                s_expect_only(v, NULL);
                assert_true(k->passed);
            }
            validation_verdict_free(&v);
        }
        ry_campaign_destroy(&c);
    }
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
    fx.p.cadre_type = "乡镇（街道）工会干部";
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

static void
test_held_honour_each_level(void **state)
{
    const s_env_t *env = *state;
    struct {
        Rongyu__HonourLevel level;
        protobuf_c_boolean still_held;
        bool pass;
    } cases[] = {
        {RONGYU__HONOUR_LEVEL__CITY, 1, false},
        {RONGYU__HONOUR_LEVEL__PROVINCE, 1, false},
        {RONGYU__HONOUR_LEVEL__NATIONAL, 1, false},
        {RONGYU__HONOUR_LEVEL__CITY, 0, true},
        {RONGYU__HONOUR_LEVEL__PROVINCE, 0, true},
        {RONGYU__HONOUR_LEVEL__NATIONAL, 0, true},
        {RONGYU__HONOUR_LEVEL__COUNTY, 1, true},
        {RONGYU__HONOUR_LEVEL__COUNTY, 0, true},
        {RONGYU__HONOUR_LEVEL__LEVEL_UNSPECIFIED, 1, true},
    };
    struct {
        Rongyu__Honour h;
        Rongyu__ApplicantCategory c;
    } kinds[] = {
        {RONGYU__HONOUR__ADVANCED_HOME,
         RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT},
        {RONGYU__HONOUR__EXCELLENT_WORKER, RONGYU__APPLICANT_CATEGORY__CADRE},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            s_fx_t fx;
            fx_init(&fx, kinds[k].h, kinds[k].c);
            rongyu__held_honour__init(&fx.held);
            fx.held.name = "某级先进";
            fx.held.level = cases[i].level;
            fx.held.year = 2016;
            fx.held.still_held = cases[i].still_held;
            fx.helds[0] = &fx.held;
            fx.app.held_honours = fx.helds;
            fx.app.n_held_honours = 1;
            Rongyu__Verdict *v = s_eval_with(env, &fx);
            s_expect_only(v, cases[i].pass ? NULL : "R_HOLDS_CITY_HONOUR");
            assert_string_equal(s_check(v, "R_HOLDS_CITY_HONOUR")->actual,
                                cases[i].pass ? "无/none" : "某级先进");
            validation_verdict_free(&v);
        }
    }
    /* Several declared: one still held at province level is enough. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    Rongyu__HeldHonour a, b;
    rongyu__held_honour__init(&a);
    rongyu__held_honour__init(&b);
    a.name = "萧山区先进职工之家";
    a.level = RONGYU__HONOUR_LEVEL__COUNTY;
    a.still_held = 1;
    b.name = "浙江省模范职工之家";
    b.level = RONGYU__HONOUR_LEVEL__PROVINCE;
    b.still_held = 1;
    Rongyu__HeldHonour *two[] = {&a, &b};
    fx.app.held_honours = two;
    fx.app.n_held_honours = 2;
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, "R_HOLDS_CITY_HONOUR");
    assert_string_equal(s_check(v, "R_HOLDS_CITY_HONOUR")->actual,
                        "浙江省模范职工之家");
    validation_verdict_free(&v);
    /* An unnamed one still excludes. */
    b.name = "";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_HOLDS_CITY_HONOUR");
    assert_string_equal(s_check(v, "R_HOLDS_CITY_HONOUR")->actual,
                        "未命名/an unnamed honour");
    validation_verdict_free(&v);
}

/* An honour this system awarded in an earlier campaign excludes as one
 * declared does (intake names the case), and is stored with the verdict. */
static void
test_award_of_an_earlier_campaign_excludes(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    assert_true(s_check(v, "R_HOLDS_CITY_HONOUR")->passed);
    validation_verdict_free(&v);
    fx.awarded_case = "0166c7d95eb6000e";
    fx.awarded_campaign = "hangzhou-2017";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_HOLDS_CITY_HONOUR");
    const char *actual = s_check(v, "R_HOLDS_CITY_HONOUR")->actual;
    assert_non_null(strstr(actual, "0166c7d95eb6000e"));
    assert_non_null(strstr(actual, "hangzhou-2017"));
    validation_verdict_free(&v);
}

static void
test_union_years_from_29_february(void **state)
{
    const s_env_t *env = *state;
    struct {
        const char *since;
        const char *submitted; /* local date, 10:00 */
        bool pass;
        const char *actual;
    } cases[] = {
        /* 2016-02-29 + 2 years: 2018 has no 29 Feb, so 1 March. */
        {"2016-02-29", "2018-03-01", true,
         "自 2016-02-29 起（2018-03-01 满期）/since 2016-02-29 (complete on "
         "2018-03-01)"},
        {"2016-02-29", "2018-02-28", false,
         "自 2016-02-29 起（2018-03-01 满期）/since 2016-02-29 (complete on "
         "2018-03-01)"},
        /* The day before is an ordinary date: due on 28 Feb. */
        {"2016-02-28", "2018-02-28", true,
         "自 2016-02-28 起（2018-02-28 满期）/since 2016-02-28 (complete on "
         "2018-02-28)"},
        {"2016-03-01", "2018-02-28", false,
         "自 2016-03-01 起（2018-03-01 满期）/since 2016-03-01 (complete on "
         "2018-03-01)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
                RONGYU__APPLICANT_CATEGORY__CADRE);
        fx.p.union_work_since = (char *)cases[i].since;
        /* A procedure finished before the end of February 2018: Mon
         * 02-05 .. Fri 02-09 are 5 working days. */
        fx.d.committee_study_date = "2018-02-01";
        fx.d.party_consent_date = "2018-02-01";
        fx.d.congress_approval_date = "2018-02-02";
        fx.d.posting_start = "2018-02-05";
        fx.d.posting_end = "2018-02-09";
        fx.submitted_at_ms = s_ms(cases[i].submitted, 10, 0);
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        s_expect_only(v, cases[i].pass ? NULL : "R_UNION_YEARS_MIN");
        const Rongyu__Check *k = s_check(v, "R_UNION_YEARS_MIN");
        assert_string_equal(k->threshold, "≥ 2 年/≥ 2 years");
        assert_string_equal(k->actual, cases[i].actual);
        validation_verdict_free(&v);
    }

    /* An unreal start date counts no years, and is named as unreal. */
    const char *unreal[] = {"2017-02-29", "2016-02-30", "2016-13-01",
                            "2016-10-15T08:00", "20161015"};
    for (size_t i = 0; i < sizeof unreal / sizeof unreal[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
                RONGYU__APPLICANT_CATEGORY__CADRE);
        fx.p.union_work_since = (char *)unreal[i];
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        s_expect_check(v, "R_UNION_YEARS_MIN", false);
        s_expect_check(v, "R_DATE_INVALID", false);
        assert_int_equal(s_failed(v), 2);
        assert_string_equal(s_check(v, "R_UNION_YEARS_MIN")->actual,
                            unreal[i]);
        char want[64];
        snprintf(want, sizeof want, "union_work_since=%s", unreal[i]);
        assert_string_equal(s_check(v, "R_DATE_INVALID")->actual, want);
        validation_verdict_free(&v);
    }
}

static void
test_birth_month_must_be_a_real_month(void **state)
{
    const s_env_t *env = *state;
    struct {
        const char *s;
        int y, m; /* 0: refused */
    } cases[] = {
        {"1980-05", 1980, 5},  {"0001-01", 1, 1},  {"9999-12", 9999, 12},
        {"2000-02", 2000, 2},  {"1980-13", 0, 0},  {"1980-00", 0, 0},
        {"0000-05", 0, 0},     {"1980-5", 0, 0},   {"80-05", 0, 0},
        {"1980/05", 0, 0},     {"198O-05", 0, 0},  {"1980-05-01", 0, 0},
        {" 1980-05", 0, 0},    {"1980-05 ", 0, 0}, {"1980--5", 0, 0},
        {"-980-05", 0, 0},     {"1980-+5", 0, 0},  {"1980年5月", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool real = cases[i].y != 0;
        /* The parser itself. */
        int y = -1, m = -1;
        int rc = ry_date_parse_month(cases[i].s, &y, &m);
        if (real) {
            if (rc != 0)
                fail_msg("'%s' refused", cases[i].s);
            assert_int_equal(y, cases[i].y);
            assert_int_equal(m, cases[i].m);
        } else if (rc != RY_EINVAL) {
            fail_msg("'%s' accepted", cases[i].s);
        }
        /* And the verdict. */
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
                RONGYU__APPLICANT_CATEGORY__CADRE);
        fx.p.birth_month = (char *)cases[i].s;
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        /* Real, but born after the submission (R_PERSON_DATES). */
        bool unborn = cases[i].y > 2018;
        s_expect_only(v, !real    ? "R_DATE_INVALID"
                         : unborn ? "R_PERSON_DATES"
                                  : NULL);
        if (!real) {
            char want[64];
            snprintf(want, sizeof want, "birth_month=%s", cases[i].s);
            assert_string_equal(s_check(v, "R_DATE_INVALID")->actual, want);
        }
        validation_verdict_free(&v);
    }
    int y, m;
    assert_int_equal(ry_date_parse_month(NULL, &y, &m), RY_EINVAL);
    assert_int_equal(ry_date_parse_month("1980-05", NULL, &m), RY_EINVAL);
    assert_int_equal(ry_date_parse_month("1980-05", &y, NULL), RY_EINVAL);
    assert_int_equal(ry_date_parse_month("", &y, &m), RY_EINVAL);

    /* Both person dates unreal: both named, in one check. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.union_work_since = "2016-09-31";
    fx.p.birth_month = "1980-13";
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_check(v, "R_DATE_INVALID", false);
    s_expect_check(v, "R_UNION_YEARS_MIN", false);
    assert_int_equal(s_failed(v), 2);
    assert_string_equal(s_check(v, "R_DATE_INVALID")->actual,
                        "union_work_since=2016-09-31, birth_month=1980-13");
    validation_verdict_free(&v);
}

/* A birth month after the submission, or union work begun before the
 * month of the 16th birthday (the minimum working age), is not
 * possible. Submitted 2018-10-15. */
static void
test_person_dates_must_be_possible(void **state)
{
    const s_env_t *env = *state;
    static const struct {
        const char *born, *since;
        bool ok;
    } cases[] = {
        {"1980-05", "2016-10-15", true},
        /* Union work since 2016 for someone born in 2008 (aged 8). */
        {"2008-05", "2016-10-15", false},
        /* The month of the 16th birthday: from its first day. */
        {"2000-10", "2016-10-01", true},
        {"2000-10", "2016-09-30", false},
        {"2000-11", "2016-10-15", false},
        {"2000-09", "2016-10-15", true},
        /* Born after the submission. */
        {"2018-11", "2016-10-15", false},
        {"2019-01", "2016-10-15", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
                RONGYU__APPLICANT_CATEGORY__CADRE);
        fx.p.birth_month = (char *)cases[i].born;
        fx.p.union_work_since = (char *)cases[i].since;
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        print_message("  born %s, union work since %s\n", cases[i].born,
                      cases[i].since);
        s_expect_only(v, cases[i].ok ? NULL : "R_PERSON_DATES");
        validation_verdict_free(&v);
    }

    /* The texts and typed values. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.birth_month = "2008-05";
    fx.p.union_work_since = "2012-03-01";
    fx.submitted_at_ms = s_ms("2018-10-15", 10, 0);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, "R_PERSON_DATES");
    const Rongyu__Check *k = s_check(v, "R_PERSON_DATES");
    assert_string_equal(k->threshold,
                        "出生不晚于 2018-10-15；年满 16 周岁之月起从事工会工作/"
                        "born no later than 2018-10-15; in union work from "
                        "the month of age 16");
    assert_string_equal(k->actual,
                        "出生于 2008-05，2024-05 年满 16 周岁，2012-03-01 "
                        "起从事工会工作/born 2008-05, aged 16 in 2024-05, in "
                        "union work since 2012-03-01");
    assert_int_equal(k->threshold_value->items[1]->count, 16);
    assert_string_equal(k->threshold_value->items[1]->unit, "years");
    validation_verdict_free(&v);

    /* The birth month is judged when union work has no real start (that
     * fails elsewhere); the same month as the submission is no later. */
    fx.p.union_work_since = NULL;
    fx.p.birth_month = "2018-10";
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_PERSON_DATES", true);
    s_expect_check(v, "R_REQUIRED_PERSON_UNION_WORK_SINCE", false);
    assert_int_equal(s_failed(v), 2); /* and R_UNION_YEARS_MIN */
    validation_verdict_free(&v);
    fx.p.birth_month = "2018-11";
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_PERSON_DATES", false);
    assert_int_equal(s_failed(v), 3);
    validation_verdict_free(&v);

    /* Without a submission time it cannot be judged: it fails. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.submitted_at_ms = 0;
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_PERSON_DATES", false);
    assert_non_null(strstr(s_check(v, "R_PERSON_DATES")->threshold, "?"));
    validation_verdict_free(&v);

    /* A birth month that is not real: no check (R_DATE_INVALID). */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.birth_month = "2008-13";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DATE_INVALID");
    assert_null(validation_verdict_find(v, "R_PERSON_DATES"));
    validation_verdict_free(&v);
}

static void
test_organ_cadre_review_only_for_organ_cadres(void **state)
{
    const s_env_t *env = *state;
    /* The review is emitted for an organ cadre or the leadership-organ
     * column even where the column does not fit the nominee (that fails
     * R_COLUMN_CADRE_TYPE: test_column_must_fit_cadre_type). */
    struct {
        protobuf_c_boolean organ;
        Rongyu__QuotaColumn column;
        const char *cadre_type;
        bool present;
        bool fits;
    } cases[] = {
        {1, RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN, "工会领导机关干部", true,
         true},
        {0, RONGYU__QUOTA_COLUMN__LEADERSHIP_ORGAN, "工会领导机关干部", true,
         false},
        {1, RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE, "工会领导机关干部", true,
         false},
        {0, RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE, "私营企业工会干部", false,
         true},
        {0, RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE, "乡镇（街道）工会干部", false,
         true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
                RONGYU__APPLICANT_CATEGORY__CADRE);
        fx.p.organ_cadre = cases[i].organ;
        fx.p.column = cases[i].column;
        fx.p.cadre_type = (char *)cases[i].cadre_type;
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        s_expect_only(v, cases[i].fits ? NULL : "R_COLUMN_CADRE_TYPE");
        const Rongyu__Check *k =
            validation_verdict_find(v, "R_ORGAN_CADRE_REVIEW");
        if (cases[i].present) {
            assert_non_null(k);
            assert_true(k->needs_review);
            assert_true(k->passed);
        } else if (k) {
            fail_msg("case %zu: R_ORGAN_CADRE_REVIEW for a non-organ cadre",
                     i);
        }
        validation_verdict_free(&v);
    }
    /* Never for a union applying. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    assert_null(validation_verdict_find(v, "R_ORGAN_CADRE_REVIEW"));
    validation_verdict_free(&v);
}

/* The Annex 1 column must fit the nominee's 类型: the leadership-organ
 * seats are for the organ cadres (四（一）4, Annex 1 note 2), the township
 * column for township cadres and professional workers (note 1), the
 * grassroots column for any other type. */
static void
test_column_must_fit_cadre_type(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    Rongyu__Verdict *v;

    /* A private firm's union chair in a township seat. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.column = RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_COLUMN_CADRE_TYPE");
    const Rongyu__Check *k = s_check(v, "R_COLUMN_CADRE_TYPE");
    assert_string_equal(k->threshold,
                        "私营企业工会干部 → 基层工会干部，非工会机关干部/"
                        "私营企业工会干部 → grassroots cadre, not an organ "
                        "cadre");
    assert_string_equal(k->actual, "乡镇（街道）工会干部，非工会机关干部/"
                                   "township cadre, not an organ cadre");
    /* Typed: the fitting column of the type, and the one claimed. */
    assert_string_equal(k->threshold_value->items[0]->term,
                        "column_grassroots_cadre");
    assert_string_equal(k->threshold_value->items[0]->of, "私营企业工会干部");
    assert_string_equal(k->actual_value->items[0]->term,
                        "column_township_cadre");
    validation_verdict_free(&v);

    /* A county union's organ cadre put in a grassroots seat. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.cadre_type = "工会领导机关干部";
    fx.p.organ_cadre = 1;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_COLUMN_CADRE_TYPE");
    assert_string_equal(s_check(v, "R_COLUMN_CADRE_TYPE")->actual,
                        "基层工会干部，工会机关干部/grassroots cadre, organ "
                        "cadre");
    validation_verdict_free(&v);

    /* Every type of the campaign's list in every column, organ cadre or
     * not: it fits only its own column, with organ_cadre set for the
     * leadership organ's type alone. */
    const ry_campaign_t *c = ry_campaigns_find(env->reg, "hangzhou-2018");
    size_t fitting = 0;
    for (size_t i = 0; i < ry_campaign_cadre_type_count(c); i++) {
        const char *t = ry_campaign_cadre_type_at(c, i);
        bool organ_type = strcmp(t, "工会领导机关干部") == 0;
        bool township_type = strcmp(t, "乡镇（街道）工会干部") == 0 ||
                             strcmp(t, "乡镇（街道、园区）工会干部") == 0 ||
                             strcmp(t, "社会化工会工作者") == 0;
        for (int col = 1; col <= 3; col++) {
            for (int organ = 0; organ <= 1; organ++) {
                fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
                        RONGYU__APPLICANT_CATEGORY__CADRE);
                fx.p.cadre_type = (char *)t;
                fx.p.column = (Rongyu__QuotaColumn)col;
                fx.p.organ_cadre = organ;
                bool fits = organ == organ_type &&
                            (organ_type      ? col == RY_COLUMN_LEADERSHIP_ORGAN
                             : township_type ? col == RY_COLUMN_TOWNSHIP
                                             : col == RY_COLUMN_GRASSROOTS);
                fitting += fits;
                v = s_eval_with(env, &fx);
                if ((bool)s_check(v, "R_COLUMN_CADRE_TYPE")->passed != fits)
                    fail_msg("'%s' in column %d, organ %d: expected %s", t, col,
                             organ, fits ? "pass" : "fail");
                s_expect_only(v, fits ? NULL : "R_COLUMN_CADRE_TYPE");
                validation_verdict_free(&v);
            }
        }
    }
    assert_int_equal(fitting, ry_campaign_cadre_type_count(c));

    /* No column, or a type not on the list: no check (others fail). */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.column = RONGYU__QUOTA_COLUMN__COLUMN_UNSPECIFIED;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_REQUIRED_PERSON_COLUMN");
    assert_null(validation_verdict_find(v, "R_COLUMN_CADRE_TYPE"));
    validation_verdict_free(&v);
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.cadre_type = "私营企业工会";
    fx.p.column = RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_CADRE_TYPE");
    assert_null(validation_verdict_find(v, "R_COLUMN_CADRE_TYPE"));
    validation_verdict_free(&v);

    /* The columns are campaign data: a campaign that puts 社会化工会工作者
     * in no township list seats one in the grassroots column. */
    json_error_t je;
    json_t *root = json_load_file(DEFAULT_FILE, 0, &je);
    assert_non_null(root);
    json_t *tw = json_object_get(
        json_object_get(json_object_get(root, "excellent_worker_quota"),
                        "columns"),
        "township_cadre");
    assert_non_null(tw);
    assert_int_equal(json_array_remove(tw, json_array_size(tw) - 1), 0);
    char *text = json_dumps(root, 0);
    json_decref(root);
    ry_campaign_t *edited = NULL;
    char err[512];
    if (ry_campaign_load_buffer("edited", text, strlen(text), &edited, err,
                                sizeof err) != 0)
        fail_msg("%s", err);
    free(text);
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.p.cadre_type = "社会化工会工作者";
    v = s_eval_in(edited, env, &fx);
    s_expect_only(v, NULL);
    s_expect_check(v, "R_COLUMN_CADRE_TYPE", true);
    validation_verdict_free(&v);
    fx.p.column = RONGYU__QUOTA_COLUMN__TOWNSHIP_CADRE;
    v = s_eval_in(edited, env, &fx);
    s_expect_only(v, "R_COLUMN_CADRE_TYPE");
    validation_verdict_free(&v);
    ry_campaign_destroy(&edited);
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

/* Excellent workers are nominated by the organising units, due by the
 * summary deadline (31 December), not the grassroots 30 November. */
static void
test_excellent_worker_deadline_is_31_december(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.submitted_at_ms = s_ms("2018-12-15", 10, 0);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    assert_non_null(strstr(s_check(v, "R_DEADLINE")->threshold, "2018-12-31"));
    validation_verdict_free(&v);
    fx.submitted_at_ms = s_ms("2019-01-01", 0, 0) - 1;
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
    fx.submitted_at_ms = s_ms("2019-01-01", 0, 0);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DEADLINE");
    assert_string_equal(s_check(v, "R_DEADLINE")->actual, "2019-01-01");
    validation_verdict_free(&v);
    /* A home on the same 15 December is late. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.submitted_at_ms = s_ms("2018-12-15", 10, 0);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DEADLINE");
    assert_non_null(strstr(s_check(v, "R_DEADLINE")->threshold, "2018-11-30"));
    validation_verdict_free(&v);
}

/* The city extended the unit's deadline to 2019-01-10 (intake tells
 * it): a nomination is in time until the end of that day; a home's
 * deadline is not the unit's. */
static void
test_excellent_worker_deadline_of_an_extended_unit(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.unit_deadline = "2019-01-10";
    fx.submitted_at_ms = s_ms("2019-01-01", 0, 0);
    Rongyu__Verdict *v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    assert_non_null(strstr(s_check(v, "R_DEADLINE")->threshold, "2019-01-10"));
    validation_verdict_free(&v);
    fx.submitted_at_ms = s_ms("2019-01-11", 0, 0) - 1;
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
    fx.submitted_at_ms = s_ms("2019-01-11", 0, 0);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DEADLINE");
    const Rongyu__Check *k = s_check(v, "R_DEADLINE");
    assert_string_equal(k->actual, "2019-01-11");
    assert_non_null(strstr(k->threshold, "2019-01-10"));
    validation_verdict_free(&v);
    /* Not a date: the campaign's 31 December. */
    fx.unit_deadline = "2019-02-30";
    fx.submitted_at_ms = s_ms("2019-01-05", 10, 0);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DEADLINE");
    validation_verdict_free(&v);
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.unit_deadline = "2019-01-10";
    fx.submitted_at_ms = s_ms("2018-12-15", 10, 0);
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DEADLINE");
    assert_non_null(strstr(s_check(v, "R_DEADLINE")->threshold, "2018-11-30"));
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

    /* Congress approval before the Party consented. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.d.congress_approval_date = "2018-09-20";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DECL_ORDER");
    assert_string_equal(s_check(v, "R_DECL_ORDER")->actual,
                        "party_consent_date 2018-09-21 > "
                        "congress_approval_date 2018-09-20");
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
    assert_string_equal(s_check(v, "R_DECL_ORDER")->actual,
                        "posting_start 2018-09-28 > posting_end 2018-09-27");
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

/* The committee, Party and congress steps are the homes' procedure
 * (四（一）2); a nominee is posted in the unit (四（一）4) after opinions
 * gathered by a congress "或其它方式" (六.1): for an excellent worker a
 * step is checked only when its date is given; the posting stays
 * required. */
static void
test_excellent_worker_needs_no_homes_procedure(void **state)
{
    const s_env_t *env = *state;
    static const char *const steps[] = {"R_DECL_COMMITTEE", "R_DECL_PARTY",
                                        "R_DECL_CONGRESS"};
    char *const blanks[] = {NULL, ""};
    s_fx_t fx;
    Rongyu__Verdict *v;

    /* Only the posting: eligible, and no check of the three steps. */
    for (size_t b = 0; b < 2; b++) {
        fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
                RONGYU__APPLICANT_CATEGORY__CADRE);
        fx.d.committee_study_date = blanks[b];
        fx.d.party_consent_date = blanks[b];
        fx.d.congress_approval_date = blanks[b];
        v = s_eval_with(env, &fx);
        s_expect_only(v, NULL);
        for (size_t i = 0; i < 3; i++)
            assert_null(validation_verdict_find(v, steps[i]));
        s_expect_check(v, "R_POSTING_WORKDAYS", true);
        s_expect_check(v, "R_DECL_ORDER", true);
        s_expect_check(v, "R_DECL_FUTURE", true);
        validation_verdict_free(&v);
    }

    /* Opinions gathered by the congress alone: that step is checked. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.d.committee_study_date = NULL;
    fx.d.party_consent_date = NULL;
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    s_expect_check(v, "R_DECL_CONGRESS", true);
    assert_null(validation_verdict_find(v, "R_DECL_COMMITTEE"));
    assert_null(validation_verdict_find(v, "R_DECL_PARTY"));
    validation_verdict_free(&v);

    /* A date that is given must be real... */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.d.party_consent_date = NULL;
    fx.d.congress_approval_date = NULL;
    fx.d.committee_study_date = "2018-09-31";
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_DECL_COMMITTEE", false);
    s_expect_check(v, "R_DATE_INVALID", false);
    assert_int_equal(s_failed(v), 2);
    assert_string_equal(s_check(v, "R_DECL_COMMITTEE")->actual, "2018-09-31");
    validation_verdict_free(&v);

    /* ... not after the submission (10-15) ... */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.d.committee_study_date = NULL;
    fx.d.congress_approval_date = NULL;
    fx.d.party_consent_date = "2018-10-16";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DECL_FUTURE");
    assert_string_equal(s_check(v, "R_DECL_FUTURE")->actual,
                        "party_consent_date 2018-10-16");
    validation_verdict_free(&v);

    /* ... and in order. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.d.party_consent_date = NULL;
    fx.d.committee_study_date = "2018-09-26";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DECL_ORDER");
    validation_verdict_free(&v);

    /* The posting is required of a nominee too. */
    for (size_t b = 0; b < 2; b++) {
        fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
                RONGYU__APPLICANT_CATEGORY__CADRE);
        fx.d.posting_start = blanks[b];
        fx.d.posting_end = blanks[b];
        v = s_eval_with(env, &fx);
        s_expect_only(v, "R_POSTING_WORKDAYS");
        validation_verdict_free(&v);
    }
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.app.declarations = NULL;
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_POSTING_WORKDAYS");
    validation_verdict_free(&v);

    /* A home still needs all three. */
    for (size_t i = 0; i < 3; i++) {
        fx_init(&fx, RONGYU__HONOUR__ADVANCED_SMALL_HOME,
                RONGYU__APPLICANT_CATEGORY__BRANCH);
        fx.d.committee_study_date = i == 0 ? NULL : fx.d.committee_study_date;
        fx.d.party_consent_date = i == 1 ? NULL : fx.d.party_consent_date;
        fx.d.congress_approval_date =
            i == 2 ? NULL : fx.d.congress_approval_date;
        v = s_eval_with(env, &fx);
        s_expect_only(v, steps[i]);
        assert_string_equal(s_check(v, steps[i])->actual, "未填写/missing");
        validation_verdict_free(&v);
    }
}

/* The notice orders the committee, the Party and the congress, and asks
 * for a posting of 5 working days that ends by the submission; it does
 * not say that the posting follows the congress. */
static void
test_posting_is_not_ordered_against_the_congress(void **state)
{
    const s_env_t *env = *state;
    s_fx_t fx;
    Rongyu__Verdict *v;

    /* Posted 09-28..10-09, the congress on 10-10, submitted 10-15. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.d.congress_approval_date = "2018-10-10";
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    assert_string_equal(s_check(v, "R_DECL_ORDER")->actual,
                        "顺序正确/in order");
    s_expect_check(v, "R_POSTING_WORKDAYS", true);
    validation_verdict_free(&v);

    /* The congress on the posting's last day, and during it. */
    fx.d.congress_approval_date = "2018-10-09";
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
    fx.d.congress_approval_date = "2018-09-29";
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);

    /* All three steps after the posting, in their own order. */
    fx_init(&fx, RONGYU__HONOUR__MODEL_HOME,
            RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    fx.d.committee_study_date = "2018-10-10";
    fx.d.party_consent_date = "2018-10-11";
    fx.d.congress_approval_date = "2018-10-12";
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
    /* ... and out of their own order: the order fails, naming them. */
    fx.d.party_consent_date = "2018-10-13";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_DECL_ORDER");
    assert_string_equal(s_check(v, "R_DECL_ORDER")->actual,
                        "party_consent_date 2018-10-13 > "
                        "congress_approval_date 2018-10-12");
    validation_verdict_free(&v);

    /* A step that is not given is skipped: committee against congress. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.d.party_consent_date = NULL;
    fx.d.committee_study_date = "2018-09-26";
    v = s_eval_with(env, &fx);
    s_expect_check(v, "R_DECL_ORDER", false);
    assert_string_equal(s_check(v, "R_DECL_ORDER")->actual,
                        "committee_study_date 2018-09-26 > "
                        "congress_approval_date 2018-09-25");
    validation_verdict_free(&v);

    /* An excellent worker's congress after the posting. */
    fx_init(&fx, RONGYU__HONOUR__EXCELLENT_WORKER,
            RONGYU__APPLICANT_CATEGORY__CADRE);
    fx.d.congress_approval_date = "2018-10-12";
    v = s_eval_with(env, &fx);
    s_expect_only(v, NULL);
    validation_verdict_free(&v);
}

/* The three dated steps, each missing or unreal on its own. */
static void
test_each_declaration_date_missing_or_unreal(void **state)
{
    const s_env_t *env = *state;
    static const struct {
        size_t off;
        const char *field;
        const char *code;
    } steps[] = {
        {offsetof(s_fx_t, d.committee_study_date), "committee_study_date",
         "R_DECL_COMMITTEE"},
        {offsetof(s_fx_t, d.party_consent_date), "party_consent_date",
         "R_DECL_PARTY"},
        {offsetof(s_fx_t, d.congress_approval_date), "congress_approval_date",
         "R_DECL_CONGRESS"},
    };
    char *const values[] = {NULL, "", "2018-09-31", "2018-9-25",
                            "2018-02-29"};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        for (size_t j = 0; j < sizeof values / sizeof values[0]; j++) {
            s_fx_t fx;
            fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
                    RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
            *(char **)((char *)&fx + steps[i].off) = values[j];
            Rongyu__Verdict *v = s_eval_with(env, &fx);
            const Rongyu__Check *k = s_check(v, steps[i].code);
            bool missing = !values[j] || !*values[j];
            if (missing) {
                s_expect_only(v, steps[i].code);
                assert_string_equal(k->actual, "未填写/missing");
            } else {
                /* Unreal: the step fails and the date is named. */
                s_expect_check(v, steps[i].code, false);
                s_expect_check(v, "R_DATE_INVALID", false);
                assert_int_equal(s_failed(v), 2);
                assert_string_equal(k->actual, values[j]);
                char want[64];
                snprintf(want, sizeof want, "%s=%s", steps[i].field,
                         values[j]);
                assert_string_equal(s_check(v, "R_DATE_INVALID")->actual,
                                    want);
            }
            /* The order is judged among the dates that are given. */
            s_expect_check(v, "R_DECL_ORDER", true);
            validation_verdict_free(&v);
        }
    }
}

/* Each dated step after the submission day (10-15). A committee study or
 * Party consent that late comes after the next step, so the order fails
 * with it; a congress that late is out of order with nothing (the
 * posting is not ordered against it). */
static void
test_declaration_dates_after_submission(void **state)
{
    const s_env_t *env = *state;
    static const struct {
        size_t off;
        const char *field;
        bool in_order;
    } steps[] = {
        {offsetof(s_fx_t, d.committee_study_date), "committee_study_date",
         false},
        {offsetof(s_fx_t, d.party_consent_date), "party_consent_date", false},
        {offsetof(s_fx_t, d.congress_approval_date), "congress_approval_date",
         true},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
                RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
        *(char **)((char *)&fx + steps[i].off) = "2018-10-16";
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        s_expect_check(v, "R_DECL_FUTURE", false);
        s_expect_check(v, "R_DECL_ORDER", steps[i].in_order);
        assert_int_equal(s_failed(v), steps[i].in_order ? 1 : 2);
        const Rongyu__Check *k = s_check(v, "R_DECL_FUTURE");
        assert_string_equal(k->threshold, "≤ 2018-10-15");
        char want[64];
        snprintf(want, sizeof want, "%s 2018-10-16", steps[i].field);
        assert_string_equal(k->actual, want);
        validation_verdict_free(&v);

        /* Submitted a day later, the same dates are all in the past
         * (an order that failed still fails). */
        fx.submitted_at_ms = s_ms("2018-10-16", 10, 0);
        v = s_eval_with(env, &fx);
        s_expect_only(v, steps[i].in_order ? NULL : "R_DECL_ORDER");
        s_expect_check(v, "R_DECL_FUTURE", true);
        validation_verdict_free(&v);
    }
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

/* Removes every occurrence of 'needle' from buf. */
static void
s_strip(char *buf, const char *needle)
{
    size_t n = needle ? strlen(needle) : 0;
    char *p;
    while (n && (p = strstr(buf, needle)))
        memmove(p, p + n, strlen(p + n) + 1);
}

static bool
s_cjk_in(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0xE0) {
            unsigned cp = (unsigned)(p[0] & 0x0F) << 12 |
                          (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
            if (*p >= 0xF0 || cp >= 0x2E80)
                return true;
        }
    return false;
}

/* Each message is complete in one language: the English one holds no
 * Chinese but the application's own data (names, types, the unit), the
 * Chinese one none of the English words of a bilingual value; no passed
 * check is named for a failure (..._UNKNOWN). */
static void
s_check_languages(const s_fx_t *fx, const Rongyu__Verdict *v)
{
    const Rongyu__Application *a = &fx->app;
    const char *data[] = {
        "男 | 女", /* the values Annex 4 takes */
        a->union_ ? a->union_->name : NULL,
        a->union_ ? a->union_->union_type : NULL,
        a->union_ ? a->union_->parent_union_name : NULL,
        a->union_ ? a->union_->chair_name : NULL,
        a->person ? a->person->name : NULL,
        a->person ? a->person->gender : NULL,
        a->person ? a->person->employer : NULL,
        a->person ? a->person->position : NULL,
        a->person ? a->person->cadre_type : NULL,
        a->organising_unit,
        a->applicant_org,
        "申报表.pdf",
    };
    static const char *const english[] = {
        "missing",    "working days", "since",       "complete on", "earliest",
        "registered", "declared",     "applies for", "stated",      "rounded",
        "present",    "all real",     "none",        "yes",         "unnamed",
        "given",      "in order",     "years",       "decimal",     "met",
        "required",   "actual"};
    for (size_t i = 0; i < v->n_checks; i++) {
        const Rongyu__Check *k = v->checks[i];
        size_t cl = strlen(k->code);
        if (k->passed && cl > 8 && strcmp(k->code + cl - 8, "_UNKNOWN") == 0)
            fail_msg("passed check named for a failure: %s", k->code);
        char en[2400];
        snprintf(en, sizeof en, "%s", k->message_en);
        for (size_t d = 0; d < sizeof data / sizeof data[0]; d++)
            s_strip(en, data[d]);
        if (s_cjk_in(en))
            fail_msg("%s: Chinese in the English message: %s", k->code,
                     k->message_en);
        for (size_t w = 0; w < sizeof english / sizeof english[0]; w++) {
            char zh[2400];
            snprintf(zh, sizeof zh, "%s", k->message_zh);
            if (strstr(zh, english[w]))
                fail_msg("%s: English '%s' in the Chinese message: %s", k->code,
                         english[w], k->message_zh);
        }
    }
}

static void
test_messages_are_each_in_one_language(void **state)
{
    const s_env_t *env = *state;
    static const struct {
        Rongyu__Honour h;
        Rongyu__ApplicantCategory c;
    } kinds[] = {
        {RONGYU__HONOUR__ADVANCED_HOME, RONGYU__APPLICANT_CATEGORY__TOWNSHIP},
        {RONGYU__HONOUR__MODEL_HOME,
         RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT},
        {RONGYU__HONOUR__ADVANCED_SMALL_HOME,
         RONGYU__APPLICANT_CATEGORY__BRANCH},
        {RONGYU__HONOUR__EXCELLENT_WORKER, RONGYU__APPLICANT_CATEGORY__CADRE},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        for (int variant = 0; variant < 3; variant++) {
            s_fx_t fx;
            fx_init(&fx, kinds[i].h, kinds[i].c);
            fx.applicant_kind = RONGYU__ORG_KIND__ORG_JOINT;
            if (variant == 1) {
                /* Many failures at once. */
                fx.d.posting_end = "2018-10-08";
                fx.d.party_consent_date = "2018-09-31";
                fx.app.deeds = "";
                fx.app.n_attachments = 0;
                fx.held.still_held = 1;
                fx.held.level = RONGYU__HONOUR_LEVEL__CITY;
                fx.helds[0] = &fx.held;
                fx.app.held_honours = fx.helds;
                fx.app.n_held_honours = 1;
                if (fx.app.person) {
                    fx.p.union_work_since = "2017-10-15";
                    fx.p.name = "";
                    fx.p.home_five_haves = 0;
                    fx.p.home_honour_level = 0;
                } else {
                    s_percent(&fx.membership, 97.5);
                    fx.u.members = 990;
                    fx.u.chair_name = "";
                }
                fx.submitted_at_ms = s_ms("2018-12-03", 9, 0);
            } else if (variant == 2) {
                fx.d.posting_start = "2026-12-28";
                fx.d.posting_end = "2027-01-05";
            }
            Rongyu__Verdict *v = s_eval_with(env, &fx);
            s_check_languages(&fx, v);
            validation_verdict_free(&v);
        }
    }
    /* An unknown campaign. */
    s_fx_t fx;
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
            RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
    fx.app.campaign_id = "no-such-campaign";
    Rongyu__Verdict *v = s_eval_in(NULL, env, &fx);
    s_check_languages(&fx, v);
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

/* R_FORM_SIZE from the content's length when it is present, else from
 * the size intake recorded: at the cap and one byte over. */
static void
test_form_size_by_content_and_by_recorded_size(void **state)
{
    const s_env_t *env = *state;
    const ry_campaign_t *c = ry_campaigns_find(env->reg, "hangzhou-2018");
    const uint64_t cap = ry_campaign_attachment_max_bytes(c);
    assert_int_equal(cap, 20971520);
    /* One buffer, cap + 1 bytes, that reads as a PDF. */
    uint8_t *pdf = calloc(1, (size_t)cap + 1);
    assert_non_null(pdf);
    memcpy(pdf, "%PDF-1.7\n", 9);
    struct {
        uint64_t content_len; /* 0: no content */
        uint64_t size;        /* as recorded */
        bool pass;
    } cases[] = {
        {0, cap, true},
        {0, cap + 1, false},
        {0, 1, true},
        {0, 0, false},
        /* With content, the recorded size does not count. */
        {cap, cap, true},
        {cap, 0, true},
        {cap, cap + 1, true},
        {cap + 1, cap + 1, false},
        {cap + 1, cap, false},
        {cap + 1, 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_fx_t fx;
        fx_init(&fx, RONGYU__HONOUR__ADVANCED_HOME,
                RONGYU__APPLICANT_CATEGORY__TOWNSHIP);
        fx.form.size = cases[i].size;
        fx.form.content.data = cases[i].content_len ? pdf : NULL;
        fx.form.content.len = (size_t)cases[i].content_len;
        Rongyu__Verdict *v = s_eval_with(env, &fx);
        uint64_t judged = cases[i].content_len ? cases[i].content_len
                                               : cases[i].size;
        const Rongyu__Check *k = s_check(v, "R_FORM_SIZE");
        if (cases[i].content_len == 1) {
            /* Only its type fails besides the size. */
            s_expect_check(v, "R_FORM_SIZE", true);
            s_expect_check(v, "R_FORM_MEDIA_TYPE", false);
            assert_int_equal(s_failed(v), 1);
        } else {
            s_expect_only(v, cases[i].pass ? NULL : "R_FORM_SIZE");
            s_expect_check(v, "R_FORM_MEDIA_TYPE", true);
        }
        assert_string_equal(k->threshold, "1..20971520 bytes");
        char want[64];
        snprintf(want, sizeof want, "申报表.pdf: %llu",
                 (unsigned long long)judged);
        assert_string_equal(k->actual, want);
        validation_verdict_free(&v);
    }
    free(pdf);
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
    /* It names the year that is missing, not the posting's first. */
    assert_non_null(strstr(s_check(v, "R_CALENDAR_NODATA")->message_en,
                           "no data for 2027"));
    assert_non_null(strstr(s_check(v, "R_CALENDAR_NODATA")->message_zh,
                           "缺少 2027 年数据"));
    validation_verdict_free(&v);

    /* The 2026 application judged by the 2018 campaign: unknown. */
    fx_init(&fx, RONGYU__HONOUR__ADVANCED_SMALL_HOME,
            RONGYU__APPLICANT_CATEGORY__BRANCH);
    fx.app.campaign_id = "hangzhou-2026";
    v = NULL;
    assert_int_equal(
        validation_evaluate(
            ry_campaigns_find(env->reg, "hangzhou-2018"), env->cal, &fx.app,
            &(validation_facts_t){fx.submitted_at_ms, 0, 0, 0, 0}, &v),
        0);
    s_expect_only(v, "R_CAMPAIGN");
    assert_int_equal(v->n_checks, 1);
    validation_verdict_free(&v);
    /* And by no campaign at all. */
    fx.app.campaign_id = "hangzhou-1999";
    v = s_eval_with(env, &fx);
    s_expect_only(v, "R_CAMPAIGN");
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
        validation_evaluate(
            ry_campaigns_find(env->reg, "hangzhou-2018"), NULL, &fx.app,
            &(validation_facts_t){fx.submitted_at_ms, 0, 0, 0, 0}, &v),
        0);
    s_expect_only(v, "R_CALENDAR_NODATA");
    validation_verdict_free(&v);
    assert_int_equal(validation_evaluate(NULL, NULL, NULL, NULL, &v),
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

/* Runs last: every rule of the catalogue was judged by the tests above,
 * and each of its checks came back whole from the stored form. */
static void
test_every_rule_comes_back_from_the_stored_form(void **state)
{
    (void)state;
    for (size_t i = 0; i < ry_rulecat_count(); i++) {
        uint32_t rule = ry_rulecat_rule(ry_rulecat_code_at(i));
        if (!s_trips[rule])
            fail_msg("no check of %s went through the stored form",
                     ry_rulecat_code_at(i));
    }
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
        cmocka_unit_test(test_stated_rate_must_agree_with_counts),
        cmocka_unit_test(test_missing_metric_is_required),
        cmocka_unit_test(test_scores_out_of_range_are_refused),
        cmocka_unit_test(test_absent_threshold_yields_no_check),
        cmocka_unit_test(test_each_required_field_fails_alone),
        cmocka_unit_test(test_category_must_fit_honour),
        cmocka_unit_test(test_registered_kind_decides_category_and_honour),
        cmocka_unit_test(test_disabled_honour_is_refused),
        cmocka_unit_test(test_excellent_worker_conditions),
        cmocka_unit_test(test_held_city_honour_excludes),
        cmocka_unit_test(test_held_honour_each_level),
        cmocka_unit_test(test_award_of_an_earlier_campaign_excludes),
        cmocka_unit_test(test_union_years_from_29_february),
        cmocka_unit_test(test_birth_month_must_be_a_real_month),
        cmocka_unit_test(test_person_dates_must_be_possible),
        cmocka_unit_test(test_organ_cadre_review_only_for_organ_cadres),
        cmocka_unit_test(test_column_must_fit_cadre_type),
        cmocka_unit_test(test_posting_across_national_day_2018),
        cmocka_unit_test(test_posting_across_new_year_2019),
        cmocka_unit_test(test_posting_must_end_by_submission),
        cmocka_unit_test(test_deadline_is_end_of_30_november_shanghai),
        cmocka_unit_test(test_excellent_worker_deadline_is_31_december),
        cmocka_unit_test(test_excellent_worker_deadline_of_an_extended_unit),
        cmocka_unit_test(test_declarations_dates_and_order),
        cmocka_unit_test(test_each_declaration_date_missing_or_unreal),
        cmocka_unit_test(test_excellent_worker_needs_no_homes_procedure),
        cmocka_unit_test(test_posting_is_not_ordered_against_the_congress),
        cmocka_unit_test(test_declaration_dates_after_submission),
        cmocka_unit_test(test_every_failure_is_reported),
        cmocka_unit_test(test_messages_are_each_in_one_language),
        cmocka_unit_test(test_form_attachment_rules),
        cmocka_unit_test(test_form_size_by_content_and_by_recorded_size),
        cmocka_unit_test(test_application_under_second_campaign),
        cmocka_unit_test(test_no_calendar_means_nodata),
        cmocka_unit_test(test_review_checks_for_model_home),
        cmocka_unit_test(test_malformed_campaign_file_is_refused_naming_field),
        cmocka_unit_test(test_every_rule_comes_back_from_the_stored_form),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
