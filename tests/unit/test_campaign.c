/* Tests of ry_campaign: the default campaign reproduces SPEC; bad files are
 * refused naming the field; the registry loads a directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_campaign.h"
#include "ry_error.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_FILE RY_SOURCE_DIR "/campaigns/hangzhou-2018.json"
#define DATA_DIR RY_SOURCE_DIR "/tests/data/campaigns"

static ry_date_t
s_d(const char *s)
{
    ry_date_t d = {0, 0, 0};
    assert_int_equal(ry_date_parse(s, &d), 0);
    return d;
}

static void
s_threshold_is(const ry_threshold_t *t, uint64_t percent)
{
    assert_true(t->set);
    assert_int_equal(t->num, percent * t->den);
}

static void
s_spec_2018(const ry_campaign_t *c)
{
    assert_string_equal(ry_campaign_id(c), "hangzhou-2018");
    assert_int_equal(ry_campaign_year(c), 2018);
    assert_string_equal(ry_campaign_ruleset_version(c), "2018.1");
    assert_string_equal(ry_campaign_timezone(c), "Asia/Shanghai");
    assert_int_equal(ry_campaign_utc_offset_minutes(c), 480);
    assert_int_equal(ry_date_compare(ry_campaign_submission_deadline(c),
                                     s_d("2018-11-30")),
                     0);
    assert_int_equal(
        ry_date_compare(ry_campaign_summary_deadline(c), s_d("2018-12-31")),
        0);
    assert_int_equal(ry_campaign_review_months(c), 1);
    assert_int_equal(ry_campaign_posting_min_workdays(c), 5);

    /* Annex 1: 25 units, 23 + 79 + 8 = 110. */
    assert_int_equal(ry_campaign_unit_count(c), 25);
    int township = 0, grassroots = 0;
    for (size_t i = 0; i < ry_campaign_unit_count(c); i++) {
        township += ry_campaign_unit_quota(c, i, RY_COLUMN_TOWNSHIP);
        grassroots += ry_campaign_unit_quota(c, i, RY_COLUMN_GRASSROOTS);
    }
    assert_int_equal(township, 23);
    assert_int_equal(grassroots, 79);
    assert_int_equal(ry_campaign_leadership_organ_seats(c), 8);
    assert_int_equal(ry_campaign_honour_quota(c, RY_HONOUR_EXCELLENT_WORKER),
                     110);
    int xs = ry_campaign_unit_find(c, "萧山区");
    assert_true(xs >= 0);
    assert_int_equal(ry_campaign_unit_quota(c, (size_t)xs,
                                            RY_COLUMN_TOWNSHIP),
                     2);
    assert_int_equal(ry_campaign_unit_quota(c, (size_t)xs,
                                            RY_COLUMN_GRASSROOTS),
                     6);
    int gy = ry_campaign_unit_find(c, "工业工会");
    assert_int_equal(gy, 0);
    assert_int_equal(ry_campaign_unit_quota(c, 0, RY_COLUMN_TOWNSHIP), 0);
    assert_int_equal(ry_campaign_unit_quota(c, 0, RY_COLUMN_GRASSROOTS), 3);
    assert_int_equal(ry_campaign_unit_find(c, "大江东集聚区"), 24);
    assert_int_equal(ry_campaign_unit_find(c, "杭州市"), -1);
    assert_int_equal(ry_campaign_unit_quota(c, 99, RY_COLUMN_TOWNSHIP), -1);

    /* Honours and quotas. */
    for (int h = 1; h < RY_HONOUR_COUNT; h++)
        assert_true(ry_campaign_honour_enabled(c, (ry_honour_t)h));
    assert_int_equal(ry_campaign_honour_quota(c, RY_HONOUR_ADVANCED_HOME),
                     -1);
    assert_int_equal(ry_campaign_honour_quota(c, RY_HONOUR_MODEL_HOME), 20);
    assert_int_equal(ry_campaign_per_unit_limit(c, RY_HONOUR_MODEL_HOME), 1);
    assert_int_equal(
        ry_campaign_honour_quota(c, RY_HONOUR_ADVANCED_SMALL_HOME), -1);

    /* §2.1 thresholds by category. */
    const ry_thresholds_t *t;
    ry_category_t area[] = {RY_CATEGORY_TOWNSHIP,
                            RY_CATEGORY_REGIONAL_FEDERATION,
                            RY_CATEGORY_JOINT_GRASSROOTS};
    for (size_t i = 0; i < 3; i++) {
        t = ry_campaign_thresholds(c, RY_HONOUR_ADVANCED_HOME, area[i]);
        assert_non_null(t);
        s_threshold_is(&t->formation_min, 90);
        s_threshold_is(&t->membership_min, 90);
        s_threshold_is(&t->satisfaction_min, 85);
        s_threshold_is(&t->score_min, 90);
    }
    t = ry_campaign_thresholds(c, RY_HONOUR_ADVANCED_HOME,
                               RY_CATEGORY_SINGLE_ESTABLISHMENT);
    assert_non_null(t);
    assert_false(t->formation_min.set);
    s_threshold_is(&t->membership_min, 95);
    s_threshold_is(&t->satisfaction_min, 90);
    s_threshold_is(&t->score_min, 90);
    /* §2.2 */
    t = ry_campaign_thresholds(c, RY_HONOUR_MODEL_HOME,
                               RY_CATEGORY_JOINT_GRASSROOTS);
    assert_non_null(t);
    s_threshold_is(&t->score_min, 95);
    assert_false(t->membership_min.set);
    /* §2.3 */
    ry_category_t small[] = {RY_CATEGORY_BRANCH, RY_CATEGORY_UNION_GROUP};
    for (size_t i = 0; i < 2; i++) {
        t = ry_campaign_thresholds(c, RY_HONOUR_ADVANCED_SMALL_HOME,
                                   small[i]);
        assert_non_null(t);
        s_threshold_is(&t->membership_min, 98);
        s_threshold_is(&t->realname_min, 100);
        s_threshold_is(&t->satisfaction_min, 90);
        s_threshold_is(&t->chair_satisfaction_min, 90);
    }
    /* §2.4 */
    t = ry_campaign_thresholds(c, RY_HONOUR_EXCELLENT_WORKER,
                               RY_CATEGORY_CADRE);
    assert_non_null(t);
    assert_int_equal(t->union_years_min, 2);
    assert_true(t->five_haves);
    assert_int_equal(t->home_honour_min_level, 1); /* county */
    /* Category/honour compatibility. */
    assert_null(ry_campaign_thresholds(c, RY_HONOUR_ADVANCED_SMALL_HOME,
                                       RY_CATEGORY_TOWNSHIP));
    assert_null(ry_campaign_thresholds(c, RY_HONOUR_ADVANCED_HOME,
                                       RY_CATEGORY_BRANCH));
    assert_null(ry_campaign_thresholds(c, RY_HONOUR_ADVANCED_HOME,
                                       RY_CATEGORY_CADRE));
    assert_null(ry_campaign_thresholds(c, RY_HONOUR_EXCELLENT_WORKER,
                                       RY_CATEGORY_SINGLE_ESTABLISHMENT));

    /* §5 lists. */
    assert_int_equal(ry_campaign_union_type_count(c), 17);
    assert_true(ry_campaign_union_type_valid(c, "私营企业工会"));
    assert_true(ry_campaign_union_type_valid(c, "区域（行业）性工会联合会"));
    assert_true(ry_campaign_union_type_valid(c, "其他"));
    assert_false(ry_campaign_union_type_valid(c, "私营企业"));
    assert_false(ry_campaign_union_type_valid(c, "私营企业工会干部"));
    assert_true(ry_campaign_cadre_type_valid(c, "私营企业工会干部"));
    assert_true(ry_campaign_cadre_type_valid(c, "社会化工会工作者"));
    assert_true(ry_campaign_cadre_type_valid(c, "工会领导机关干部"));
    assert_false(ry_campaign_cadre_type_valid(c, "私营企业工会"));
    /* Annex 1 columns by 类型 (四（一）4, Annex 1 notes 1 and 2). */
    for (size_t i = 0; i < ry_campaign_cadre_type_count(c); i++) {
        const char *ty = ry_campaign_cadre_type_at(c, i);
        int want = strcmp(ty, "工会领导机关干部") == 0
                       ? RY_COLUMN_LEADERSHIP_ORGAN
                   : strcmp(ty, "乡镇（街道）工会干部") == 0 ||
                           strcmp(ty, "乡镇（街道、园区）工会干部") == 0 ||
                           strcmp(ty, "社会化工会工作者") == 0
                       ? RY_COLUMN_TOWNSHIP
                       : RY_COLUMN_GRASSROOTS;
        if (ry_campaign_cadre_type_column(c, ty) != want)
            fail_msg("'%s': column %d, not %d", ty,
                     ry_campaign_cadre_type_column(c, ty), want);
    }
    assert_int_equal(ry_campaign_cadre_type_column(c, "私营企业工会"), 0);
    assert_int_equal(ry_campaign_cadre_type_column(c, NULL), 0);

    /* Attachments. */
    assert_true(ry_campaign_attachment_max_bytes(c) > 0);
    assert_true(ry_campaign_form_media_allowed(c, "application/pdf"));
    assert_true(ry_campaign_form_media_allowed(c, "image/jpeg"));
    assert_true(ry_campaign_form_media_allowed(c, "image/png"));
    assert_false(ry_campaign_form_media_allowed(c, "application/zip"));
    assert_false(ry_campaign_form_media_allowed(c, ""));
}

static void
test_default_campaign_reproduces_spec(void **state)
{
    (void)state;
    ry_campaign_t *c = NULL;
    char err[512];
    assert_int_equal(ry_campaign_load_default(&c, err, sizeof err), 0);
    s_spec_2018(c);
    ry_campaign_destroy(&c);
    assert_null(c);
    ry_campaign_destroy(&c);
}

static void
test_default_file_loads_the_same(void **state)
{
    (void)state;
    ry_campaign_t *c = NULL;
    char err[512];
    if (ry_campaign_load_file(DEFAULT_FILE, &c, err, sizeof err) != 0)
        fail_msg("%s", err);
    s_spec_2018(c);
    ry_campaign_destroy(&c);
}

static void
test_second_campaign_file_loads(void **state)
{
    (void)state;
    ry_campaign_t *c = NULL;
    char err[512];
    if (ry_campaign_load_file(DATA_DIR "/hangzhou-2026.json", &c, err,
                              sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(ry_campaign_id(c), "hangzhou-2026");
    assert_int_equal(ry_campaign_year(c), 2026);
    assert_int_equal(ry_date_compare(ry_campaign_submission_deadline(c),
                                     s_d("2026-11-30")),
                     0);
    assert_int_equal(
        ry_date_compare(ry_campaign_summary_deadline(c), s_d("2026-12-31")),
        0);
    /* No $.excellent_worker_quota.columns: the 2018 notice's columns. */
    assert_int_equal(ry_campaign_cadre_type_column(c, "工会领导机关干部"),
                     RY_COLUMN_LEADERSHIP_ORGAN);
    assert_int_equal(ry_campaign_cadre_type_column(c, "社会化工会工作者"),
                     RY_COLUMN_TOWNSHIP);
    assert_int_equal(ry_campaign_cadre_type_column(c, "乡镇（街道）工会干部"),
                     RY_COLUMN_TOWNSHIP);
    assert_int_equal(ry_campaign_cadre_type_column(c, "私营企业工会干部"),
                     RY_COLUMN_GRASSROOTS);
    ry_campaign_destroy(&c);
}

static void
test_decimal_string_threshold_is_exact(void **state)
{
    (void)state;
    json_error_t je;
    json_t *root = json_load_file(DEFAULT_FILE, 0, &je);
    assert_non_null(root);
    json_t *town = json_object_get(
        json_object_get(
            json_object_get(json_object_get(root, "honours"),
                            "advanced_home"),
            "categories"),
        "township");
    json_object_set_new(town, "membership_min", json_string("92.25"));
    char *text = json_dumps(root, 0);
    ry_campaign_t *c = NULL;
    char err[512];
    if (ry_campaign_load_buffer("mem", text, strlen(text), &c, err,
                                sizeof err) != 0)
        fail_msg("%s", err);
    const ry_thresholds_t *t = ry_campaign_thresholds(
        c, RY_HONOUR_ADVANCED_HOME, RY_CATEGORY_TOWNSHIP);
    assert_int_equal(t->membership_min.num, 9225);
    assert_int_equal(t->membership_min.den, 100);
    ry_campaign_destroy(&c);
    free(text);
    json_decref(root);
}

/* ----------------------------------------------------- refused files */

typedef void (*s_mutate_fn)(json_t *root);

static json_t *
s_at(json_t *root, const char *a, const char *b, const char *c,
     const char *d)
{
    json_t *v = json_object_get(root, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    if (d)
        v = json_object_get(v, d);
    assert_non_null(v);
    return v;
}

static void
m_column_type_unlisted(json_t *r)
{
    json_array_append_new(
        s_at(r, "excellent_worker_quota", "columns", "township_cadre", NULL),
        json_string("街道办事处干部"));
}
static void
m_column_type_twice(json_t *r)
{
    json_array_append_new(
        s_at(r, "excellent_worker_quota", "columns", "township_cadre", NULL),
        json_string("工会领导机关干部"));
}
static void
m_column_unknown(json_t *r)
{
    json_object_set_new(
        s_at(r, "excellent_worker_quota", "columns", NULL, NULL),
        "grassroots_cadre", json_array());
}
static void
m_threshold_over_100(json_t *r)
{
    json_object_set_new(
        s_at(r, "honours", "advanced_home", "categories", "township"),
        "membership_min", json_integer(120));
}
static void
m_decimal_over_100(json_t *r)
{
    json_object_set_new(
        s_at(r, "honours", "advanced_small_home", "categories", "branch"),
        "realname_min", json_string("100.5"));
}
static void
m_bad_decimal(json_t *r)
{
    json_object_set_new(
        s_at(r, "honours", "model_home", "categories", "township"),
        "score_min", json_string("95,5"));
}
static void
m_float_threshold(json_t *r)
{
    json_object_set_new(
        s_at(r, "honours", "model_home", "categories", "township"),
        "score_min", json_real(95.5));
}
static void
m_unit_quota_sum(json_t *r)
{
    json_t *units = s_at(r, "excellent_worker_quota", "units", NULL, NULL);
    json_object_set_new(json_array_get(units, 16), "grassroots",
                        json_integer(7));
}
static void
m_total_quota(json_t *r)
{
    json_object_set_new(s_at(r, "honours", "excellent_worker", NULL, NULL),
                        "quota", json_integer(111));
}
static void
m_total_quota_null(json_t *r)
{
    json_object_set_new(s_at(r, "honours", "excellent_worker", NULL, NULL),
                        "quota", json_null());
}
static void
m_unknown_honour(json_t *r)
{
    json_object_set_new(s_at(r, "honours", NULL, NULL, NULL), "best_home",
                        json_object());
}
static void
m_missing_id(json_t *r)
{
    json_object_del(r, "id");
}
static void
m_missing_honour(json_t *r)
{
    json_object_del(s_at(r, "honours", NULL, NULL, NULL), "model_home");
}
static void
m_category_mismatch(json_t *r)
{
    json_t *cats = s_at(r, "honours", "advanced_home", "categories", NULL);
    json_object_set_new(cats, "branch", json_pack("{s:i}", "score_min", 90));
}
static void
m_unknown_category(json_t *r)
{
    json_t *cats = s_at(r, "honours", "advanced_home", "categories", NULL);
    json_object_set_new(cats, "village", json_pack("{s:i}", "score_min", 90));
}
static void
m_unknown_threshold(json_t *r)
{
    json_object_set_new(
        s_at(r, "honours", "advanced_home", "categories", "township"),
        "membership_mni", json_integer(90));
}
static void
m_bad_deadline(json_t *r)
{
    json_object_set_new(s_at(r, "deadlines", NULL, NULL, NULL),
                        "submission_deadline", json_string("2018-02-30"));
}
static void
m_summary_before_submission(json_t *r)
{
    json_object_set_new(s_at(r, "deadlines", NULL, NULL, NULL),
                        "summary_deadline", json_string("2018-11-01"));
}
static void
m_zip_media(json_t *r)
{
    json_array_append_new(
        s_at(r, "attachments", "form_media_types", NULL, NULL),
        json_string("application/zip"));
}
static void
m_duplicate_union_type(json_t *r)
{
    json_array_append_new(s_at(r, "union_types", NULL, NULL, NULL),
                          json_string("机关工会"));
}
static void
m_duplicate_unit(json_t *r)
{
    json_t *units = s_at(r, "excellent_worker_quota", "units", NULL, NULL);
    json_object_set_new(json_array_get(units, 1), "name",
                        json_string("工业工会"));
}
static void
m_negative_seats(json_t *r)
{
    json_object_set_new(s_at(r, "excellent_worker_quota", NULL, NULL, NULL),
                        "leadership_organ_seats", json_integer(-1));
}
static void
m_enabled_not_bool(json_t *r)
{
    json_object_set_new(s_at(r, "honours", "model_home", NULL, NULL),
                        "enabled", json_string("yes"));
}

static void
test_malformed_campaigns_are_refused_naming_the_field(void **state)
{
    (void)state;
    struct {
        s_mutate_fn mutate;
        const char *path;   /* JSON path expected in err */
        const char *reason; /* words expected in err */
    } cases[] = {
        {m_threshold_over_100,
         "$.honours.advanced_home.categories.township.membership_min",
         "out of range"},
        {m_decimal_over_100,
         "$.honours.advanced_small_home.categories.branch.realname_min",
         "over 100"},
        {m_bad_decimal, "$.honours.model_home.categories.township.score_min",
         "not a decimal"},
        {m_float_threshold,
         "$.honours.model_home.categories.township.score_min",
         "decimal string"},
        {m_unit_quota_sum, "$.excellent_worker_quota.grassroots_total",
         "add up to 80"},
        {m_total_quota, "$.honours.excellent_worker.quota", "= 110"},
        {m_total_quota_null, "$.honours.excellent_worker.quota",
         "must be the Annex 1 total"},
        {m_unknown_honour, "$.honours", "unknown honour 'best_home'"},
        {m_missing_id, "$", "missing field 'id'"},
        {m_missing_honour, "$.honours", "missing field 'model_home'"},
        {m_category_mismatch, "$.honours.advanced_home.categories",
         "'branch' cannot apply"},
        {m_unknown_category, "$.honours.advanced_home.categories",
         "unknown applicant category 'village'"},
        {m_unknown_threshold, "$.honours.advanced_home.categories.township",
         "unknown field 'membership_mni'"},
        {m_bad_deadline, "$.deadlines.submission_deadline", "real date"},
        {m_summary_before_submission, "$.deadlines.summary_deadline", "before"},
        {m_zip_media, "$.attachments.form_media_types[3]", "application/zip"},
        {m_column_type_unlisted,
         "$.excellent_worker_quota.columns.township_cadre[3]",
         "not on $.cadre_types"},
        {m_column_type_twice,
         "$.excellent_worker_quota.columns.township_cadre[3]",
         "leadership organ too"},
        {m_column_unknown, "$.excellent_worker_quota.columns",
         "unknown field 'grassroots_cadre'"},
        {m_duplicate_union_type, "$.union_types[17]", "listed twice"},
        {m_duplicate_unit, "$.excellent_worker_quota.units[1].name",
         "listed twice"},
        {m_negative_seats, "$.excellent_worker_quota.leadership_organ_seats",
         "out of range"},
        {m_enabled_not_bool, "$.honours.model_home.enabled", "true or false"},
    };
    char dir[] = "/tmp/ry_camp_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/broken.json", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_error_t je;
        json_t *root = json_load_file(DEFAULT_FILE, 0, &je);
        assert_non_null(root);
        cases[i].mutate(root);
        assert_int_equal(json_dump_file(root, path, JSON_INDENT(1)), 0);
        json_decref(root);
        ry_campaign_t *c = NULL;
        char err[512] = "";
        int rc = ry_campaign_load_file(path, &c, err, sizeof err);
        if (rc != RY_ECONFIG)
            fail_msg("case %zu: rc %d, err '%s'", i, rc, err);
        assert_null(c);
        char want[300];
        snprintf(want, sizeof want, "%s: %s: ", path, cases[i].path);
        if (strncmp(err, want, strlen(want)) != 0 ||
            !strstr(err, cases[i].reason))
            fail_msg("case %zu: '%s' does not start with '%s' or lacks "
                     "'%s'",
                     i, err, want, cases[i].reason);
    }
    unlink(path);
    rmdir(dir);
}

static void
test_not_json_and_missing_file(void **state)
{
    (void)state;
    ry_campaign_t *c = NULL;
    char err[512];
    assert_int_equal(ry_campaign_load_buffer("x.json", "{\"id\": ", 7, &c,
                                             err, sizeof err),
                     RY_EMALFORMED);
    assert_non_null(strstr(err, "x.json"));
    assert_int_equal(ry_campaign_load_buffer("x.json", "[]", 2, &c, err,
                                             sizeof err),
                     RY_ECONFIG);
    assert_non_null(strstr(err, "must be an object"));
    /* Duplicate keys are refused, not silently merged. */
    assert_int_equal(ry_campaign_load_buffer("x.json", "{\"id\":\"a\",\"id\":"
                                                       "\"b\"}",
                                             19, &c, err, sizeof err),
                     RY_EMALFORMED);
    assert_int_equal(
        ry_campaign_load_file("/nonexistent/c.json", &c, err, sizeof err),
        RY_EIO);
    assert_non_null(strstr(err, "/nonexistent/c.json"));
    assert_null(c);
}

/* ----------------------------------------------------------- registry */

static void
test_registry_holds_default_and_loads_dir(void **state)
{
    (void)state;
    ry_campaigns_t *reg = NULL;
    assert_int_equal(ry_campaigns_new(&reg), 0);
    assert_int_equal(ry_campaigns_count(reg), 1);
    assert_non_null(ry_campaigns_find(reg, "hangzhou-2018"));
    assert_null(ry_campaigns_find(reg, "hangzhou-2026"));
    char err[512];
    if (ry_campaigns_load_dir(reg, DATA_DIR, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(ry_campaigns_count(reg), 2);
    const ry_campaign_t *c = ry_campaigns_find(reg, "hangzhou-2026");
    assert_non_null(c);
    assert_int_equal(ry_campaign_year(c), 2026);
    assert_non_null(ry_campaigns_find(reg, "hangzhou-2018"));
    assert_null(ry_campaigns_find(reg, "nope"));
    assert_null(ry_campaigns_find(reg, NULL));
    /* Loading again replaces, it does not duplicate. */
    assert_int_equal(ry_campaigns_load_dir(reg, DATA_DIR, err, sizeof err),
                     0);
    assert_int_equal(ry_campaigns_count(reg), 2);
    assert_int_equal(ry_campaigns_load_dir(reg, "/nonexistent", err,
                                           sizeof err),
                     RY_EIO);
    ry_campaigns_destroy(&reg);
    assert_null(reg);
}

static void
test_registry_dir_with_bad_file_changes_nothing(void **state)
{
    (void)state;
    char dir[] = "/tmp/ry_reg_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char good[256], bad[256], dup[256];
    snprintf(good, sizeof good, "%s/a-2026.json", dir);
    snprintf(bad, sizeof bad, "%s/b-broken.json", dir);
    snprintf(dup, sizeof dup, "%s/c-dup.json", dir);
    json_error_t je;
    json_t *root = json_load_file(DATA_DIR "/hangzhou-2026.json", 0, &je);
    assert_non_null(root);
    assert_int_equal(json_dump_file(root, good, 0), 0);
    m_threshold_over_100(root);
    assert_int_equal(json_dump_file(root, bad, 0), 0);
    json_decref(root);

    ry_campaigns_t *reg = NULL;
    assert_int_equal(ry_campaigns_new(&reg), 0);
    char err[512];
    assert_int_equal(ry_campaigns_load_dir(reg, dir, err, sizeof err),
                     RY_ECONFIG);
    assert_non_null(strstr(err, "b-broken.json"));
    assert_non_null(strstr(err, "membership_min"));
    assert_int_equal(ry_campaigns_count(reg), 1);
    assert_null(ry_campaigns_find(reg, "hangzhou-2026"));

    /* Two files with one id. */
    unlink(bad);
    root = json_load_file(DATA_DIR "/hangzhou-2026.json", 0, &je);
    assert_int_equal(json_dump_file(root, dup, 0), 0);
    json_decref(root);
    assert_int_equal(ry_campaigns_load_dir(reg, dir, err, sizeof err),
                     RY_EEXIST);
    assert_non_null(strstr(err, "hangzhou-2026"));
    assert_int_equal(ry_campaigns_count(reg), 1);

    unlink(dup);
    assert_int_equal(ry_campaigns_load_dir(reg, dir, err, sizeof err), 0);
    assert_int_equal(ry_campaigns_count(reg), 2);
    assert_non_null(ry_campaigns_at(reg, 1));
    assert_null(ry_campaigns_at(reg, 2));
    ry_campaigns_destroy(&reg);
    unlink(good);
    rmdir(dir);
}

static void
test_names_round_trip(void **state)
{
    (void)state;
    for (int h = 1; h < RY_HONOUR_COUNT; h++)
        assert_int_equal(ry_honour_from_name(ry_honour_name((ry_honour_t)h)),
                         h);
    for (int c = 1; c < RY_CATEGORY_COUNT; c++)
        assert_int_equal(
            ry_category_from_name(ry_category_name((ry_category_t)c)), c);
    assert_int_equal(ry_honour_from_name("x"), RY_HONOUR_NONE);
    assert_int_equal(ry_category_from_name(NULL), RY_CATEGORY_NONE);
}

/* The review due date: one calendar month after the local submission
 * date, clamped, due until the end of that day in Shanghai. */
static void
test_review_due_is_end_of_day_one_month_later(void **state)
{
    (void)state;
    ry_campaign_t *c = NULL;
    char err[256];
    assert_int_equal(ry_campaign_load_default(&c, err, sizeof err), 0);
    static const struct {
        const char *sub; /* local date, submitted at 23:30 */
        const char *due;
    } v[] = {{"2018-10-29", "2018-11-29"},
             {"2019-01-31", "2019-02-28"},
             {"2018-11-30", "2018-12-30"},
             {"2018-12-31", "2019-01-31"}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int64_t sub = ry_date_to_epoch_ms(s_d(v[i].sub), 23 * 60 + 30, 480);
        ry_date_t due;
        int64_t end = ry_campaign_review_due(c, sub, &due);
        assert_int_equal(ry_date_compare(due, s_d(v[i].due)), 0);
        /* The last millisecond of the due day; the next one is the day
         * after, local time. */
        assert_int_equal(
            end + 1,
            ry_date_to_epoch_ms(ry_date_add_days(s_d(v[i].due), 1), 0, 480));
    }
    /* 2018-10-28T16:30Z is already the 29th in Shanghai. */
    int64_t utc_late = ry_date_to_epoch_ms(s_d("2018-10-28"), 16 * 60 + 30, 0);
    ry_date_t due;
    assert_true(ry_campaign_review_due(c, utc_late, &due) > 0);
    assert_int_equal(ry_date_compare(due, s_d("2018-11-29")), 0);
    assert_int_equal(ry_campaign_review_due(NULL, utc_late, &due), 0);
    ry_campaign_destroy(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_campaign_reproduces_spec),
        cmocka_unit_test(test_review_due_is_end_of_day_one_month_later),
        cmocka_unit_test(test_default_file_loads_the_same),
        cmocka_unit_test(test_second_campaign_file_loads),
        cmocka_unit_test(test_decimal_string_threshold_is_exact),
        cmocka_unit_test(test_malformed_campaigns_are_refused_naming_the_field),
        cmocka_unit_test(test_not_json_and_missing_file),
        cmocka_unit_test(test_registry_holds_default_and_loads_dir),
        cmocka_unit_test(test_registry_dir_with_bad_file_changes_nothing),
        cmocka_unit_test(test_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
