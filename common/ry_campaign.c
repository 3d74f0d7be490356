/* ry_campaign: campaign files (JSON) parsed, validated and held in memory. */
#include "ry_campaign.h"

#include "ry_error.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* The embedded default campaign (generated at build time). */
extern const unsigned char ry_campaign_default_json[];
extern const size_t ry_campaign_default_json_len;

#define S_MAX_PERCENT 100
#define S_MAX_FRACTION_DIGITS 6
#define S_MAX_ATTACHMENT (UINT64_C(1) << 30)

typedef struct {
    char *name;
    char *kind; /* industry | district */
    int township;
    int grassroots;
} s_unit_t;

typedef struct {
    bool enabled;
    int quota;          /* -1: none */
    int per_unit_limit; /* -1: none */
    bool allowed[RY_CATEGORY_COUNT];
    ry_thresholds_t thr[RY_CATEGORY_COUNT];
} s_honour_t;

typedef struct {
    char **items;
    size_t count;
} s_list_t;

struct ry_campaign {
    char *id;
    char *name;
    char *name_en;
    char *ruleset;
    char *timezone;
    int year;
    int utc_offset;
    ry_date_t submission;
    ry_date_t summary;
    int review_months;
    int posting_min;
    s_honour_t honours[RY_HONOUR_COUNT];
    s_list_t union_types;
    s_list_t cadre_types;
    /* The cadre types of the leadership-organ and township columns
     * (indexed by ry_column_t; grassroots: every other type). */
    s_list_t column_types[RY_COLUMN_TOWNSHIP + 1];
    s_list_t media;
    s_unit_t *units;
    size_t unit_count;
    int organ_seats;
    uint64_t max_bytes;
};

/* Parsing context: where we are, for the error message. */
typedef struct {
    const char *origin;
    char *err;
    size_t errlen;
} s_ctx_t;

static const char *const s_honour_names[RY_HONOUR_COUNT] = {
    "", "advanced_home", "model_home", "advanced_small_home",
    "excellent_worker"};
static const char *const s_category_names[RY_CATEGORY_COUNT] = {
    "",       "township",    "regional_federation", "joint_grassroots",
    "single_establishment", "branch", "union_group", "cadre"};

/* ------------------------------------------------------------- names */

ry_honour_t
ry_honour_from_name(const char *s)
{
    for (int h = 1; s && h < RY_HONOUR_COUNT; h++)
        if (strcmp(s, s_honour_names[h]) == 0)
            return (ry_honour_t)h;
    return RY_HONOUR_NONE;
}

const char *
ry_honour_name(ry_honour_t h)
{
    return h > 0 && h < RY_HONOUR_COUNT ? s_honour_names[h] : "";
}

ry_category_t
ry_category_from_name(const char *s)
{
    for (int c = 1; s && c < RY_CATEGORY_COUNT; c++)
        if (strcmp(s, s_category_names[c]) == 0)
            return (ry_category_t)c;
    return RY_CATEGORY_NONE;
}

const char *
ry_category_name(ry_category_t cat)
{
    return cat > 0 && cat < RY_CATEGORY_COUNT ? s_category_names[cat] : "";
}

/* Which categories may ever apply for which honour (SPEC §1). */
static bool
s_category_fits(ry_honour_t h, ry_category_t cat)
{
    switch (h) {
    case RY_HONOUR_ADVANCED_HOME:
    case RY_HONOUR_MODEL_HOME:
        return cat >= RY_CATEGORY_TOWNSHIP &&
               cat <= RY_CATEGORY_SINGLE_ESTABLISHMENT;
    case RY_HONOUR_ADVANCED_SMALL_HOME:
        return cat == RY_CATEGORY_BRANCH || cat == RY_CATEGORY_UNION_GROUP;
    case RY_HONOUR_EXCELLENT_WORKER:
        return cat == RY_CATEGORY_CADRE;
    default:
        return false;
    }
}

/* ----------------------------------------------------------- helpers */

static int
s_fail(s_ctx_t *ctx, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
s_fail(s_ctx_t *ctx, const char *path, const char *fmt, ...)
{
    if (ctx->err && ctx->errlen > 0) {
        char reason[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, sizeof reason, fmt, ap);
        va_end(ap);
        snprintf(ctx->err, ctx->errlen, "%s: %s: %s", ctx->origin, path,
                 reason);
    }
    return RY_ECONFIG;
}

static char *
s_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void
s_list_free(s_list_t *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

static bool
s_list_has(const s_list_t *l, const char *s)
{
    for (size_t i = 0; s && i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

/* Refuses keys of obj not in 'known' (NULL-terminated); keys starting
 * with '_' are comments. */
static int
s_known_keys(s_ctx_t *ctx, const char *path, json_t *obj,
             const char *const *known)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        (void)v;
        if (key[0] == '_')
            continue;
        bool ok = false;
        for (size_t i = 0; known[i]; i++)
            if (strcmp(key, known[i]) == 0)
                ok = true;
        if (!ok)
            return s_fail(ctx, path, "unknown field '%s'", key);
    }
    return 0;
}

static json_t *
s_get(s_ctx_t *ctx, const char *path, json_t *obj, const char *key, int *rc)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        *rc = s_fail(ctx, path, "missing field '%s'", key);
    return v;
}

static int
s_object(s_ctx_t *ctx, const char *path, json_t *v)
{
    if (!json_is_object(v))
        return s_fail(ctx, path, "must be an object");
    return 0;
}

static int
s_string(s_ctx_t *ctx, const char *path, json_t *obj, const char *key,
         char **out)
{
    int rc = 0;
    char p[256];
    json_t *v = s_get(ctx, path, obj, key, &rc);
    if (!v)
        return rc;
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return s_fail(ctx, p, "must be a non-empty string");
    if (strlen(json_string_value(v)) != json_string_length(v))
        return s_fail(ctx, p, "must not contain NUL");
    *out = s_strdup(json_string_value(v));
    return *out ? 0 : -ENOMEM;
}

static int
s_int(s_ctx_t *ctx, const char *path, json_t *obj, const char *key, int lo,
      int hi, int *out)
{
    int rc = 0;
    char p[256];
    json_t *v = s_get(ctx, path, obj, key, &rc);
    if (!v)
        return rc;
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!json_is_integer(v))
        return s_fail(ctx, p, "must be an integer");
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi)
        return s_fail(ctx, p, "%lld is out of range %d..%d", (long long)n,
                      lo, hi);
    *out = (int)n;
    return 0;
}

static int
s_date(s_ctx_t *ctx, const char *path, json_t *obj, const char *key,
       ry_date_t *out)
{
    int rc = 0;
    char p[256];
    json_t *v = s_get(ctx, path, obj, key, &rc);
    if (!v)
        return rc;
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!json_is_string(v) || ry_date_parse(json_string_value(v), out) != 0)
        return s_fail(ctx, p, "must be a real date \"YYYY-MM-DD\"");
    return 0;
}

/* A percentage or score: an integer, or a decimal string such as "92.5"
 * (a JSON number with a fraction is refused: it is not exact). */
static int
s_threshold(s_ctx_t *ctx, const char *p, json_t *v, ry_threshold_t *out)
{
    uint64_t num = 0, den = 1;
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0 || n > S_MAX_PERCENT)
            return s_fail(ctx, p, "%lld is out of range 0..100",
                          (long long)n);
        num = (uint64_t)n;
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        const char *q = s;
        int int_digits = 0, frac_digits = 0;
        while (*q >= '0' && *q <= '9' && int_digits < 4) {
            num = num * 10 + (uint64_t)(*q++ - '0');
            int_digits++;
        }
        if (*q == '.') {
            q++;
            while (*q >= '0' && *q <= '9' &&
                   frac_digits < S_MAX_FRACTION_DIGITS) {
                num = num * 10 + (uint64_t)(*q++ - '0');
                den *= 10;
                frac_digits++;
            }
            if (frac_digits == 0)
                int_digits = 0; /* "90." is refused */
        }
        if (int_digits == 0 || *q != '\0')
            return s_fail(ctx, p,
                          "'%s' is not a decimal number like \"92.5\" "
                          "(at most 6 decimals)",
                          s);
        if (num > S_MAX_PERCENT * den)
            return s_fail(ctx, p, "%s is over 100", s);
    } else if (json_is_real(v)) {
        return s_fail(ctx, p,
                      "give an integer or a decimal string such as \"92.5\"");
    } else {
        return s_fail(ctx, p, "must be a number of 0..100");
    }
    out->set = true;
    out->num = num;
    out->den = den;
    return 0;
}

static int
s_string_list(s_ctx_t *ctx, const char *path, json_t *obj, const char *key,
              s_list_t *out)
{
    int rc = 0;
    char p[256];
    json_t *v = s_get(ctx, path, obj, key, &rc);
    if (!v)
        return rc;
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!json_is_array(v) || json_array_size(v) == 0)
        return s_fail(ctx, p, "must be a non-empty array of strings");
    out->items = calloc(json_array_size(v), sizeof *out->items);
    if (!out->items)
        return -ENOMEM;
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item) {
        char ip[300];
        snprintf(ip, sizeof ip, "%s[%zu]", p, i);
        if (!json_is_string(item) || json_string_length(item) == 0)
            return s_fail(ctx, ip, "must be a non-empty string");
        if (s_list_has(out, json_string_value(item)))
            return s_fail(ctx, ip, "'%s' is listed twice",
                          json_string_value(item));
        out->items[out->count] = s_strdup(json_string_value(item));
        if (!out->items[out->count])
            return -ENOMEM;
        out->count++;
    }
    return 0;
}

/* ------------------------------------------------------- the sections */

static int
s_parse_deadlines(s_ctx_t *ctx, json_t *root, ry_campaign_t *c)
{
    static const char *const known[] = {
        "submission_deadline", "summary_deadline", "review_months",
        "posting_min_workdays", NULL};
    const char *p = "$.deadlines";
    int rc = 0;
    json_t *d = s_get(ctx, "$", root, "deadlines", &rc);
    if (!d)
        return rc;
    if ((rc = s_object(ctx, p, d)) != 0 ||
        (rc = s_known_keys(ctx, p, d, known)) != 0 ||
        (rc = s_date(ctx, p, d, "submission_deadline", &c->submission)) ||
        (rc = s_date(ctx, p, d, "summary_deadline", &c->summary)) ||
        (rc = s_int(ctx, p, d, "review_months", 0, 12,
                    &c->review_months)) ||
        (rc = s_int(ctx, p, d, "posting_min_workdays", 1, 60,
                    &c->posting_min)))
        return rc;
    if (c->submission.y != c->year)
        return s_fail(ctx, "$.deadlines.submission_deadline",
                      "is not in the campaign's year %d", c->year);
    if (ry_date_compare(c->summary, c->submission) < 0)
        return s_fail(ctx, "$.deadlines.summary_deadline",
                      "is before the submission deadline");
    return 0;
}

static int
s_parse_level(s_ctx_t *ctx, const char *p, json_t *v, int *out)
{
    static const char *const levels[] = {"county", "city", "province",
                                         "national"};
    for (int i = 0; json_is_string(v) && i < 4; i++)
        if (strcmp(json_string_value(v), levels[i]) == 0) {
            *out = i + 1;
            return 0;
        }
    return s_fail(ctx, p, "must be one of county, city, province, national");
}

static int
s_parse_thresholds(s_ctx_t *ctx, const char *path, ry_honour_t h, json_t *o,
                   ry_thresholds_t *t)
{
    static const char *const home_keys[] = {
        "formation_min", "membership_min", "satisfaction_min", "score_min",
        NULL};
    static const char *const small_keys[] = {
        "membership_min", "realname_min", "satisfaction_min",
        "chair_satisfaction_min", "score_min", NULL};
    static const char *const worker_keys[] = {
        "union_years_min", "five_haves", "home_honour_min_level", NULL};
    const char *const *known = h == RY_HONOUR_EXCELLENT_WORKER ? worker_keys
                               : h == RY_HONOUR_ADVANCED_SMALL_HOME
                                   ? small_keys
                                   : home_keys;
    int rc;
    if ((rc = s_object(ctx, path, o)) != 0 ||
        (rc = s_known_keys(ctx, path, o, known)) != 0)
        return rc;
    memset(t, 0, sizeof *t);
    struct {
        const char *key;
        ry_threshold_t *dst;
    } rates[] = {
        {"formation_min", &t->formation_min},
        {"membership_min", &t->membership_min},
        {"satisfaction_min", &t->satisfaction_min},
        {"realname_min", &t->realname_min},
        {"chair_satisfaction_min", &t->chair_satisfaction_min},
        {"score_min", &t->score_min},
    };
    bool any = false;
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        json_t *v = json_object_get(o, rates[i].key);
        if (!v)
            continue;
        char p[400];
        snprintf(p, sizeof p, "%.300s.%s", path, rates[i].key);
        if ((rc = s_threshold(ctx, p, v, rates[i].dst)) != 0)
            return rc;
        any = true;
    }
    if (h == RY_HONOUR_EXCELLENT_WORKER) {
        json_t *v;
        char p[400];
        if (json_object_get(o, "union_years_min")) {
            if ((rc = s_int(ctx, path, o, "union_years_min", 0, 60,
                            &t->union_years_min)) != 0)
                return rc;
            any = true;
        }
        if ((v = json_object_get(o, "five_haves"))) {
            snprintf(p, sizeof p, "%.300s.five_haves", path);
            if (!json_is_boolean(v))
                return s_fail(ctx, p, "must be true or false");
            t->five_haves = json_is_true(v);
            any = true;
        }
        if ((v = json_object_get(o, "home_honour_min_level"))) {
            snprintf(p, sizeof p, "%.300s.home_honour_min_level", path);
            if ((rc = s_parse_level(ctx, p, v,
                                    &t->home_honour_min_level)) != 0)
                return rc;
            any = true;
        }
    }
    if (!any)
        return s_fail(ctx, path, "gives no condition");
    return 0;
}

static int
s_parse_quota(s_ctx_t *ctx, const char *path, json_t *o, const char *key,
              int *out)
{
    json_t *v = json_object_get(o, key);
    char p[300];
    snprintf(p, sizeof p, "%s.%s", path, key);
    if (!v || json_is_null(v)) {
        *out = -1;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > 100000)
        return s_fail(ctx, p, "must be null (no limit) or 1..100000");
    *out = (int)json_integer_value(v);
    return 0;
}

static int
s_parse_honours(s_ctx_t *ctx, json_t *root, ry_campaign_t *c)
{
    int rc = 0;
    json_t *hs = s_get(ctx, "$", root, "honours", &rc);
    if (!hs)
        return rc;
    if ((rc = s_object(ctx, "$.honours", hs)) != 0)
        return rc;
    const char *key;
    json_t *v;
    json_object_foreach(hs, key, v) {
        if (key[0] != '_' && ry_honour_from_name(key) == RY_HONOUR_NONE)
            return s_fail(ctx, "$.honours", "unknown honour '%s'", key);
    }
    bool any_enabled = false;
    for (int h = 1; h < RY_HONOUR_COUNT; h++) {
        static const char *const known[] = {"enabled", "quota",
                                            "per_unit_limit", "categories",
                                            NULL};
        s_honour_t *hon = &c->honours[h];
        char p[200];
        snprintf(p, sizeof p, "$.honours.%s", s_honour_names[h]);
        json_t *o = s_get(ctx, "$.honours", hs, s_honour_names[h], &rc);
        if (!o)
            return rc;
        if ((rc = s_object(ctx, p, o)) != 0 ||
            (rc = s_known_keys(ctx, p, o, known)) != 0)
            return rc;
        json_t *en = s_get(ctx, p, o, "enabled", &rc);
        if (!en)
            return rc;
        if (!json_is_boolean(en)) {
            char ep[240];
            snprintf(ep, sizeof ep, "%s.enabled", p);
            return s_fail(ctx, ep, "must be true or false");
        }
        hon->enabled = json_is_true(en);
        any_enabled |= hon->enabled;
        if ((rc = s_parse_quota(ctx, p, o, "quota", &hon->quota)) != 0 ||
            (rc = s_parse_quota(ctx, p, o, "per_unit_limit",
                                &hon->per_unit_limit)) != 0)
            return rc;
        if (hon->per_unit_limit > 0 && hon->quota > 0 &&
            hon->per_unit_limit > hon->quota) {
            char ep[240];
            snprintf(ep, sizeof ep, "%s.per_unit_limit", p);
            return s_fail(ctx, ep, "%d is over the honour's quota %d",
                          hon->per_unit_limit, hon->quota);
        }
        char cp[240];
        snprintf(cp, sizeof cp, "%s.categories", p);
        json_t *cats = s_get(ctx, p, o, "categories", &rc);
        if (!cats)
            return rc;
        if ((rc = s_object(ctx, cp, cats)) != 0)
            return rc;
        size_t ncat = 0;
        json_t *t;
        json_object_foreach(cats, key, t) {
            if (key[0] == '_')
                continue;
            ry_category_t cat = ry_category_from_name(key);
            if (cat == RY_CATEGORY_NONE)
                return s_fail(ctx, cp, "unknown applicant category '%s'",
                              key);
            if (!s_category_fits((ry_honour_t)h, cat))
                return s_fail(ctx, cp,
                              "category '%s' cannot apply for '%s'", key,
                              s_honour_names[h]);
            char tp[300];
            snprintf(tp, sizeof tp, "%s.%s", cp, key);
            if ((rc = s_parse_thresholds(ctx, tp, (ry_honour_t)h, t,
                                         &hon->thr[cat])) != 0)
                return rc;
            hon->allowed[cat] = true;
            ncat++;
        }
        if (hon->enabled && ncat == 0)
            return s_fail(ctx, cp, "an enabled honour needs a category");
    }
    if (!any_enabled)
        return s_fail(ctx, "$.honours", "no honour is enabled");
    return 0;
}

static int
s_list_copy(s_list_t *l, const s_list_t *from)
{
    l->items = calloc(from->count ? from->count : 1, sizeof *l->items);
    if (!l->items)
        return -ENOMEM;
    for (; l->count < from->count; l->count++)
        if (!(l->items[l->count] = s_strdup(from->items[l->count])))
            return -ENOMEM;
    return 0;
}

/* The embedded default's column lists (the 2018 notice's: leadership
 * organ for 工会领导机关干部, 四（一）4 and Annex 1 note 2; township for
 * "乡镇（街道）工会专兼职干部（包括职业化工会工作者）", note 1), for a
 * campaign file that lists none. Set while the default itself is read,
 * which must list them. */
static _Thread_local bool s_reading_default;

static int
s_default_columns(s_ctx_t *ctx, ry_campaign_t *c)
{
    if (s_reading_default)
        return s_fail(ctx, "$.excellent_worker_quota.columns",
                      "the default campaign must list the columns");
    ry_campaign_t *d = NULL;
    int rc = ry_campaign_load_default(&d, NULL, 0);
    for (int col = RY_COLUMN_LEADERSHIP_ORGAN; !rc && col <= RY_COLUMN_TOWNSHIP;
         col++)
        rc = s_list_copy(&c->column_types[col], &d->column_types[col]);
    ry_campaign_destroy(&d);
    return rc;
}

/* $.excellent_worker_quota.columns (optional): the cadre types of the
 * leadership-organ and township columns, each on $.cadre_types and in one
 * column only; absent, the default campaign's. */
static int
s_parse_columns(s_ctx_t *ctx, json_t *q, ry_campaign_t *c)
{
    static const char *const known[] = {"leadership_organ", "township_cadre",
                                        NULL};
    const char *p = "$.excellent_worker_quota.columns";
    s_list_t *organ = &c->column_types[RY_COLUMN_LEADERSHIP_ORGAN];
    s_list_t *township = &c->column_types[RY_COLUMN_TOWNSHIP];
    json_t *cols = json_object_get(q, "columns");
    int rc;
    if (!cols)
        return s_default_columns(ctx, c);
    if ((rc = s_object(ctx, p, cols)) != 0 ||
        (rc = s_known_keys(ctx, p, cols, known)) != 0 ||
        (rc = s_string_list(ctx, p, cols, "leadership_organ", organ)) != 0 ||
        (rc = s_string_list(ctx, p, cols, "township_cadre", township)) != 0)
        return rc;
    for (int col = RY_COLUMN_LEADERSHIP_ORGAN; col <= RY_COLUMN_TOWNSHIP;
         col++) {
        const s_list_t *l = &c->column_types[col];
        for (size_t i = 0; i < l->count; i++) {
            char ip[200];
            snprintf(ip, sizeof ip, "%s.%s[%zu]", p, known[col - 1], i);
            if (!s_list_has(&c->cadre_types, l->items[i]))
                return s_fail(ctx, ip, "'%s' is not on $.cadre_types",
                              l->items[i]);
            if (col == RY_COLUMN_TOWNSHIP && s_list_has(organ, l->items[i]))
                return s_fail(ctx, ip,
                              "'%s' is listed for the leadership organ too",
                              l->items[i]);
        }
    }
    return 0;
}

static int
s_parse_units(s_ctx_t *ctx, json_t *root, ry_campaign_t *c)
{
    static const char *const known[] = {
        "leadership_organ_seats", "township_total", "grassroots_total",
        "units", "columns", NULL};
    static const char *const unit_known[] = {"name", "kind", "township",
                                             "grassroots", NULL};
    const char *p = "$.excellent_worker_quota";
    int rc = 0;
    json_t *q = s_get(ctx, "$", root, "excellent_worker_quota", &rc);
    if (!q)
        return rc;
    int township_total, grassroots_total;
    if ((rc = s_object(ctx, p, q)) != 0 ||
        (rc = s_known_keys(ctx, p, q, known)) != 0 ||
        (rc = s_int(ctx, p, q, "leadership_organ_seats", 0, 100000,
                    &c->organ_seats)) ||
        (rc = s_int(ctx, p, q, "township_total", 0, 100000,
                    &township_total)) ||
        (rc = s_int(ctx, p, q, "grassroots_total", 0, 100000,
                    &grassroots_total)) ||
        (rc = s_parse_columns(ctx, q, c)) != 0)
        return rc;
    json_t *units = s_get(ctx, p, q, "units", &rc);
    if (!units)
        return rc;
    if (!json_is_array(units) || json_array_size(units) == 0)
        return s_fail(ctx, "$.excellent_worker_quota.units",
                      "must be a non-empty array");
    c->units = calloc(json_array_size(units), sizeof *c->units);
    if (!c->units)
        return -ENOMEM;
    int sum_t = 0, sum_g = 0;
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u) {
        char up[200];
        snprintf(up, sizeof up, "%s.units[%zu]", p, i);
        s_unit_t *unit = &c->units[c->unit_count];
        if ((rc = s_object(ctx, up, u)) != 0 ||
            (rc = s_known_keys(ctx, up, u, unit_known)) != 0 ||
            (rc = s_string(ctx, up, u, "name", &unit->name)) != 0)
            return rc;
        c->unit_count++;
        if ((rc = s_string(ctx, up, u, "kind", &unit->kind)) != 0 ||
            (rc = s_int(ctx, up, u, "township", 0, 10000,
                        &unit->township)) != 0 ||
            (rc = s_int(ctx, up, u, "grassroots", 0, 10000,
                        &unit->grassroots)) != 0)
            return rc;
        if (strcmp(unit->kind, "industry") != 0 &&
            strcmp(unit->kind, "district") != 0) {
            char kp[240];
            snprintf(kp, sizeof kp, "%s.kind", up);
            return s_fail(ctx, kp, "'%s' is neither industry nor district",
                          unit->kind);
        }
        for (size_t j = 0; j + 1 < c->unit_count; j++)
            if (strcmp(c->units[j].name, unit->name) == 0) {
                char np[240];
                snprintf(np, sizeof np, "%s.name", up);
                return s_fail(ctx, np, "unit '%s' is listed twice",
                              unit->name);
            }
        sum_t += unit->township;
        sum_g += unit->grassroots;
    }
    if (sum_t != township_total)
        return s_fail(ctx, "$.excellent_worker_quota.township_total",
                      "%d differs from the units' township quotas, which "
                      "add up to %d",
                      township_total, sum_t);
    if (sum_g != grassroots_total)
        return s_fail(ctx, "$.excellent_worker_quota.grassroots_total",
                      "%d differs from the units' grassroots quotas, which "
                      "add up to %d",
                      grassroots_total, sum_g);
    int quota = c->honours[RY_HONOUR_EXCELLENT_WORKER].quota;
    int total = c->organ_seats + sum_t + sum_g;
    if (quota < 0)
        return s_fail(ctx, "$.honours.excellent_worker.quota",
                      "must be the Annex 1 total, leadership-organ seats + "
                      "township + grassroots quotas = %d + %d + %d = %d",
                      c->organ_seats, sum_t, sum_g, total);
    if (quota != total)
        return s_fail(ctx, "$.honours.excellent_worker.quota",
                      "%d differs from leadership-organ seats + township + "
                      "grassroots quotas = %d + %d + %d = %d",
                      quota, c->organ_seats, sum_t, sum_g, total);
    return 0;
}

static int
s_parse_attachments(s_ctx_t *ctx, json_t *root, ry_campaign_t *c)
{
    static const char *const known[] = {"max_bytes", "form_media_types",
                                        NULL};
    static const char *const supported[] = {"application/pdf", "image/jpeg",
                                            "image/png"};
    const char *p = "$.attachments";
    int rc = 0;
    json_t *a = s_get(ctx, "$", root, "attachments", &rc);
    if (!a)
        return rc;
    if ((rc = s_object(ctx, p, a)) != 0 ||
        (rc = s_known_keys(ctx, p, a, known)) != 0)
        return rc;
    json_t *mb = s_get(ctx, p, a, "max_bytes", &rc);
    if (!mb)
        return rc;
    if (!json_is_integer(mb) || json_integer_value(mb) < 1 ||
        (uint64_t)json_integer_value(mb) > S_MAX_ATTACHMENT)
        return s_fail(ctx, "$.attachments.max_bytes",
                      "must be an integer of 1..1073741824");
    c->max_bytes = (uint64_t)json_integer_value(mb);
    if ((rc = s_string_list(ctx, p, a, "form_media_types", &c->media)) != 0)
        return rc;
    for (size_t i = 0; i < c->media.count; i++) {
        bool ok = false;
        for (size_t j = 0; j < 3; j++)
            ok |= strcmp(c->media.items[i], supported[j]) == 0;
        if (!ok) {
            char ip[200];
            snprintf(ip, sizeof ip, "$.attachments.form_media_types[%zu]", i);
            return s_fail(ctx, ip,
                          "'%s' is not a supported form type (application/"
                          "pdf, image/jpeg, image/png)",
                          c->media.items[i]);
        }
    }
    return 0;
}

static int
s_parse(s_ctx_t *ctx, json_t *root, ry_campaign_t *c)
{
    static const char *const known[] = {
        "id", "year", "name", "name_en", "ruleset_version", "timezone",
        "utc_offset_minutes", "deadlines", "honours", "union_types",
        "cadre_types", "excellent_worker_quota", "attachments", NULL};
    int rc;
    if ((rc = s_object(ctx, "$", root)) != 0 ||
        (rc = s_known_keys(ctx, "$", root, known)) != 0 ||
        (rc = s_string(ctx, "$", root, "id", &c->id)) != 0)
        return rc;
    for (const char *s = c->id; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.') ||
            s - c->id >= 64)
            return s_fail(ctx, "$.id",
                          "'%s' must be 1..64 of [a-z0-9._-]", c->id);
    if ((rc = s_int(ctx, "$", root, "year", 2000, 2999, &c->year)) != 0 ||
        (rc = s_string(ctx, "$", root, "name", &c->name)) != 0 ||
        (rc = s_string(ctx, "$", root, "ruleset_version", &c->ruleset)) !=
            0 ||
        (rc = s_string(ctx, "$", root, "timezone", &c->timezone)) != 0 ||
        (rc = s_int(ctx, "$", root, "utc_offset_minutes", -12 * 60, 14 * 60,
                    &c->utc_offset)) != 0)
        return rc;
    if (json_object_get(root, "name_en") &&
        (rc = s_string(ctx, "$", root, "name_en", &c->name_en)) != 0)
        return rc;
    if ((rc = s_parse_deadlines(ctx, root, c)) != 0 ||
        (rc = s_parse_honours(ctx, root, c)) != 0 ||
        (rc = s_string_list(ctx, "$", root, "union_types",
                            &c->union_types)) != 0 ||
        (rc = s_string_list(ctx, "$", root, "cadre_types",
                            &c->cadre_types)) != 0 ||
        (rc = s_parse_units(ctx, root, c)) != 0 ||
        (rc = s_parse_attachments(ctx, root, c)) != 0)
        return rc;
    return 0;
}

/* ------------------------------------------------------ load / destroy */

int
ry_campaign_load_buffer(const char *origin, const char *json, size_t len,
                        ry_campaign_t **out, char *err, size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    s_ctx_t ctx = {origin ? origin : "(campaign)", err, errlen};
    if (!json || !out) {
        s_fail(&ctx, "$", "no input");
        return RY_EINVAL;
    }
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (err && errlen > 0)
            snprintf(err, errlen, "%s:%d:%d: not valid JSON: %s", ctx.origin,
                     jerr.line, jerr.column, jerr.text);
        return RY_EMALFORMED;
    }
    ry_campaign_t *c = calloc(1, sizeof *c);
    if (!c) {
        json_decref(root);
        return -ENOMEM;
    }
    int rc = s_parse(&ctx, root, c);
    json_decref(root);
    if (rc == -ENOMEM && err && errlen > 0)
        snprintf(err, errlen, "%s: out of memory", ctx.origin);
    if (rc != 0) {
        ry_campaign_destroy(&c);
        return rc;
    }
    *out = c;
    return 0;
}

int
ry_campaign_load_file(const char *path, ry_campaign_t **out, char *err,
                      size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (!path || !out) {
        if (err && errlen > 0)
            snprintf(err, errlen, "campaign path missing");
        return RY_EINVAL;
    }
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot open '%s': %s", path,
                     strerror(errno));
        return RY_EIO;
    }
    /* Campaign files are small; a cap keeps a stray file from eating RAM. */
    enum { S_CAP = 4 << 20 };
    char *buf = malloc(S_CAP);
    if (!buf) {
        fclose(f);
        return -ENOMEM;
    }
    size_t n = fread(buf, 1, S_CAP, f);
    int rc = 0;
    if (ferror(f)) {
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot read '%s'", path);
        rc = RY_EIO;
    } else if (n == S_CAP) {
        if (err && errlen > 0)
            snprintf(err, errlen, "%s: larger than %d bytes", path, S_CAP);
        rc = RY_ECONFIG;
    }
    fclose(f);
    if (rc == 0)
        rc = ry_campaign_load_buffer(path, buf, n, out, err, errlen);
    free(buf);
    return rc;
}

int
ry_campaign_load_default(ry_campaign_t **out, char *err, size_t errlen)
{
    bool outer = !s_reading_default;
    s_reading_default = true;
    int rc =
        ry_campaign_load_buffer("(embedded)campaigns/hangzhou-2018.json",
                                (const char *)ry_campaign_default_json,
                                ry_campaign_default_json_len, out, err, errlen);
    if (outer)
        s_reading_default = false;
    return rc;
}

void
ry_campaign_destroy(ry_campaign_t **cp)
{
    if (!cp || !*cp)
        return;
    ry_campaign_t *c = *cp;
    free(c->id);
    free(c->name);
    free(c->name_en);
    free(c->ruleset);
    free(c->timezone);
    s_list_free(&c->union_types);
    s_list_free(&c->cadre_types);
    for (size_t i = 0; i < sizeof c->column_types / sizeof c->column_types[0];
         i++)
        s_list_free(&c->column_types[i]);
    s_list_free(&c->media);
    for (size_t i = 0; i < c->unit_count; i++) {
        free(c->units[i].name);
        free(c->units[i].kind);
    }
    free(c->units);
    free(c);
    *cp = NULL;
}

/* ---------------------------------------------------------- accessors */

const char *
ry_campaign_id(const ry_campaign_t *c)
{
    return c->id;
}

int
ry_campaign_year(const ry_campaign_t *c)
{
    return c->year;
}

const char *
ry_campaign_name(const ry_campaign_t *c)
{
    return c->name;
}

const char *
ry_campaign_ruleset_version(const ry_campaign_t *c)
{
    return c->ruleset;
}

const char *
ry_campaign_timezone(const ry_campaign_t *c)
{
    return c->timezone;
}

int
ry_campaign_utc_offset_minutes(const ry_campaign_t *c)
{
    return c->utc_offset;
}

ry_date_t
ry_campaign_submission_deadline(const ry_campaign_t *c)
{
    return c->submission;
}

ry_date_t
ry_campaign_summary_deadline(const ry_campaign_t *c)
{
    return c->summary;
}

int
ry_campaign_review_months(const ry_campaign_t *c)
{
    return c->review_months;
}

int64_t
ry_campaign_review_due(const ry_campaign_t *c, int64_t submitted_ms,
                       ry_date_t *due)
{
    ry_date_t d;
    if (!c || c->review_months <= 0 ||
        ry_date_from_epoch_ms(submitted_ms, c->utc_offset, &d, NULL) != 0)
        return 0;
    ry_date_t r = ry_date_add_months(d, c->review_months);
    if (due)
        *due = r;
    return ry_date_to_epoch_ms(ry_date_add_days(r, 1), 0, c->utc_offset) - 1;
}

int
ry_campaign_posting_min_workdays(const ry_campaign_t *c)
{
    return c->posting_min;
}

bool
ry_campaign_honour_enabled(const ry_campaign_t *c, ry_honour_t h)
{
    return h > 0 && h < RY_HONOUR_COUNT && c->honours[h].enabled;
}

int
ry_campaign_honour_quota(const ry_campaign_t *c, ry_honour_t h)
{
    return h > 0 && h < RY_HONOUR_COUNT ? c->honours[h].quota : -1;
}

int
ry_campaign_per_unit_limit(const ry_campaign_t *c, ry_honour_t h)
{
    return h > 0 && h < RY_HONOUR_COUNT ? c->honours[h].per_unit_limit : -1;
}

const ry_thresholds_t *
ry_campaign_thresholds(const ry_campaign_t *c, ry_honour_t h,
                       ry_category_t cat)
{
    if (h <= 0 || h >= RY_HONOUR_COUNT || cat <= 0 ||
        cat >= RY_CATEGORY_COUNT || !c->honours[h].allowed[cat])
        return NULL;
    return &c->honours[h].thr[cat];
}

bool
ry_campaign_union_type_valid(const ry_campaign_t *c, const char *s)
{
    return s_list_has(&c->union_types, s);
}

bool
ry_campaign_cadre_type_valid(const ry_campaign_t *c, const char *s)
{
    return s_list_has(&c->cadre_types, s);
}

int
ry_campaign_cadre_type_column(const ry_campaign_t *c, const char *s)
{
    if (!s_list_has(&c->cadre_types, s))
        return 0;
    for (int col = RY_COLUMN_LEADERSHIP_ORGAN; col <= RY_COLUMN_TOWNSHIP; col++)
        if (s_list_has(&c->column_types[col], s))
            return col;
    return RY_COLUMN_GRASSROOTS;
}

size_t
ry_campaign_union_type_count(const ry_campaign_t *c)
{
    return c->union_types.count;
}

const char *
ry_campaign_union_type_at(const ry_campaign_t *c, size_t i)
{
    return i < c->union_types.count ? c->union_types.items[i] : NULL;
}

size_t
ry_campaign_cadre_type_count(const ry_campaign_t *c)
{
    return c->cadre_types.count;
}

const char *
ry_campaign_cadre_type_at(const ry_campaign_t *c, size_t i)
{
    return i < c->cadre_types.count ? c->cadre_types.items[i] : NULL;
}

size_t
ry_campaign_unit_count(const ry_campaign_t *c)
{
    return c->unit_count;
}

const char *
ry_campaign_unit_name(const ry_campaign_t *c, size_t i)
{
    return i < c->unit_count ? c->units[i].name : NULL;
}

int
ry_campaign_unit_find(const ry_campaign_t *c, const char *name)
{
    for (size_t i = 0; name && i < c->unit_count; i++)
        if (strcmp(c->units[i].name, name) == 0)
            return (int)i;
    return -1;
}

int
ry_campaign_unit_quota(const ry_campaign_t *c, size_t i, ry_column_t col)
{
    if (i >= c->unit_count)
        return -1;
    if (col == RY_COLUMN_TOWNSHIP)
        return c->units[i].township;
    if (col == RY_COLUMN_GRASSROOTS)
        return c->units[i].grassroots;
    return -1;
}

int
ry_campaign_leadership_organ_seats(const ry_campaign_t *c)
{
    return c->organ_seats;
}

uint64_t
ry_campaign_attachment_max_bytes(const ry_campaign_t *c)
{
    return c->max_bytes;
}

bool
ry_campaign_form_media_allowed(const ry_campaign_t *c, const char *mt)
{
    return s_list_has(&c->media, mt);
}

/* ----------------------------------------------------------- registry */

struct ry_campaigns {
    ry_campaign_t **items;
    size_t count;
    size_t cap;
};

/* Makes room for n more campaigns. */
static int
s_reserve(ry_campaigns_t *reg, size_t n)
{
    if (reg->count + n <= reg->cap)
        return 0;
    size_t cap = reg->count + n + 4;
    ry_campaign_t **grown = realloc(reg->items, cap * sizeof *grown);
    if (!grown)
        return -ENOMEM;
    reg->items = grown;
    reg->cap = cap;
    return 0;
}

int
ry_campaigns_new(ry_campaigns_t **out)
{
    if (!out)
        return RY_EINVAL;
    *out = NULL;
    ry_campaigns_t *reg = calloc(1, sizeof *reg);
    if (!reg)
        return -ENOMEM;
    ry_campaign_t *c = NULL;
    int rc = ry_campaign_load_default(&c, NULL, 0);
    if (rc == 0)
        rc = ry_campaigns_add(reg, &c);
    if (rc != 0) {
        ry_campaign_destroy(&c);
        ry_campaigns_destroy(&reg);
        return rc == -ENOMEM ? rc : RY_ECONFIG;
    }
    *out = reg;
    return 0;
}

void
ry_campaigns_destroy(ry_campaigns_t **reg)
{
    if (!reg || !*reg)
        return;
    for (size_t i = 0; i < (*reg)->count; i++)
        ry_campaign_destroy(&(*reg)->items[i]);
    free((*reg)->items);
    free(*reg);
    *reg = NULL;
}

static ssize_t
s_index(const ry_campaigns_t *reg, const char *id)
{
    for (size_t i = 0; id && i < reg->count; i++)
        if (strcmp(reg->items[i]->id, id) == 0)
            return (ssize_t)i;
    return -1;
}

int
ry_campaigns_add(ry_campaigns_t *reg, ry_campaign_t **c)
{
    if (!reg || !c || !*c)
        return RY_EINVAL;
    ssize_t i = s_index(reg, (*c)->id);
    if (i >= 0) {
        ry_campaign_destroy(&reg->items[i]);
        reg->items[i] = *c;
        *c = NULL;
        return 0;
    }
    if (s_reserve(reg, 1) != 0)
        return -ENOMEM;
    reg->items[reg->count++] = *c;
    *c = NULL;
    return 0;
}

static int
s_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
ry_campaigns_load_dir(ry_campaigns_t *reg, const char *dir, char *err,
                      size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (!reg || !dir)
        return RY_EINVAL;
    DIR *d = opendir(dir);
    if (!d) {
        if (err && errlen > 0)
            snprintf(err, errlen, "cannot open directory '%s': %s", dir,
                     strerror(errno));
        return RY_EIO;
    }
    ry_campaigns_t staged = {NULL, 0, 0};
    char **names = NULL;
    size_t nnames = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 6 ||
            strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        char **grown = realloc(names, (nnames + 1) * sizeof *grown);
        if (!grown || !(grown[nnames] = s_strdup(e->d_name))) {
            names = grown ? grown : names;
            rc = -ENOMEM;
            goto done;
        }
        names = grown;
        nnames++;
    }
    if (nnames) /* none: no array at all */
        qsort(names, nnames, sizeof *names, s_cmp_names);
    staged.items = calloc(nnames + 1, sizeof *staged.items);
    if (!staged.items) {
        rc = -ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < nnames; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        ry_campaign_t *c = NULL;
        rc = ry_campaign_load_file(path, &c, err, errlen);
        if (rc != 0)
            goto done;
        if (s_index(&staged, c->id) >= 0) {
            if (err && errlen > 0)
                snprintf(err, errlen, "%s: $.id: campaign '%s' is defined "
                         "by another file of '%s' too", path, c->id, dir);
            ry_campaign_destroy(&c);
            rc = RY_EEXIST;
            goto done;
        }
        staged.items[staged.count++] = c;
    }
    /* Grow once so that adding cannot fail half-way. */
    if ((rc = s_reserve(reg, staged.count)) != 0)
        goto done;
    for (size_t i = 0; i < staged.count; i++)
        (void)ry_campaigns_add(reg, &staged.items[i]);
done:
    for (size_t i = 0; i < staged.count; i++)
        ry_campaign_destroy(&staged.items[i]);
    free(staged.items);
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

const ry_campaign_t *
ry_campaigns_find(const ry_campaigns_t *reg, const char *id)
{
    if (!reg)
        return NULL;
    ssize_t i = s_index(reg, id);
    return i >= 0 ? reg->items[i] : NULL;
}

size_t
ry_campaigns_count(const ry_campaigns_t *reg)
{
    return reg ? reg->count : 0;
}

const ry_campaign_t *
ry_campaigns_at(const ry_campaigns_t *reg, size_t i)
{
    return reg && i < reg->count ? reg->items[i] : NULL;
}
