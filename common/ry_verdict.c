/* ry_verdict: a verdict's stored form and its expansion. */
#include "ry_verdict.h"

#include "ry_arena.h"

#include "rongyu_services.pb-c.h"
#include "ry_campaign.h"
#include "ry_date.h"
#include "ry_error.h"
#include "ry_pb.h"
#include "ry_rulecat.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rule numbers of the catalogue (common/ry_rulecat: never changed or
 * reused; test_verdict checks them against the catalogue). */
enum {
    R_CAMPAIGN = 1,
    R_REQUIRED_HONOUR = 2,
    R_HONOUR_ENABLED = 3,
    R_REQUIRED_CATEGORY = 4,
    R_CATEGORY_HONOUR = 5,
    R_ORG_KIND_CATEGORY = 6,
    R_ORG_KIND_HONOUR = 7,
    R_DEADLINE = 8,
    R_ORGANISING_UNIT = 11,
    R_REQUIRED_UNION_NAME = 12,
    R_REQUIRED_UNION_CHAIR_NAME = 15,
    R_REQUIRED_UNION_WORKERS = 18,
    R_UNION_TYPE = 19,
    R_MEMBERS_LE_WORKERS = 20,
    R_PERSON_GENDER = 23,
    R_CADRE_TYPE = 28,
    R_REQUIRED_PERSON_COLUMN = 30,
    R_QUOTA_COLUMN = 31,
    R_UNION_YEARS_MIN = 32,
    R_FIVE_HAVES = 33,
    R_HOME_HONOUR_LEVEL = 34,
    R_ORGAN_CADRE_REVIEW = 35,
    R_FORMATION_MIN = 36,
    R_MEMBERSHIP_MIN = 37,
    R_SATISFACTION_MIN = 38,
    R_REALNAME = 39,
    R_CHAIR_SATISFACTION_MIN = 40,
    R_RATE_RANGE = 46,
    R_RATE_COUNTS_AGREE = 47,
    R_SCORE_RANGE = 49,
    R_SCORE_MIN = 50,
    R_HOLDS_CITY_HONOUR = 51,
    R_DATE_INVALID = 52,
    R_DECL_COMMITTEE = 53,
    R_DECL_PARTY = 54,
    R_DECL_CONGRESS = 55,
    R_DECL_ORDER = 56,
    R_DECL_FUTURE = 57,
    R_POSTING_WORKDAYS = 58,
    R_CALENDAR_NODATA = 59,
    R_POSTING_AFTER_SUBMIT = 60,
    R_FORM_ATTACHED = 61,
    R_FORM_MEDIA_TYPE = 62,
    R_FORM_SIZE = 63,
    R_REQUIRED_DEEDS = 64,
    R_POLITICAL_REVIEW = 65,
    R_MODEL_INNOVATION_REVIEW = 66,
    R_COLUMN_CADRE_TYPE = 67,
    R_PERSON_DATES = 68,
};

/* The words the catalogue fixes per rule: a threshold's unit and
 * comparison, the unit of its whole-number parts, the actual value's unit
 * and that of its whole-number parts (docs/rules.md). Indexed by rule
 * number: a rule without an entry fixes none. */
typedef struct {
    bool set;
    const char *thr_unit, *thr_op, *thr_item_unit, *act_unit, *act_item_unit;
} s_words_t;

static const s_words_t s_words[R_MODEL_INNOVATION_REVIEW + 1] = {
    [R_DEADLINE] = {true, NULL, "le", "utc_offset", NULL, NULL},
    [R_REQUIRED_UNION_WORKERS] = {true, NULL, NULL, NULL, "workers", NULL},
    [R_QUOTA_COLUMN] = {true, NULL, NULL, NULL, "seats", NULL},
    [R_UNION_YEARS_MIN] = {true, "years", "ge", NULL, NULL, NULL},
    [R_HOME_HONOUR_LEVEL] = {true, NULL, "ge", NULL, NULL, NULL},
    [R_FORMATION_MIN] = {true, "percent", "ge", NULL, "percent", NULL},
    [R_MEMBERSHIP_MIN] = {true, "percent", "ge", NULL, "percent", NULL},
    [R_SATISFACTION_MIN] = {true, "percent", "ge", NULL, "percent", NULL},
    [R_REALNAME] = {true, "percent", "ge", NULL, "percent", NULL},
    [R_CHAIR_SATISFACTION_MIN] = {true, "percent", "ge", NULL, "percent", NULL},
    [R_RATE_RANGE] = {true, "percent", "range", NULL, "percent", NULL},
    [R_RATE_COUNTS_AGREE] = {true, NULL, NULL, NULL, "percent", NULL},
    [R_SCORE_RANGE] = {true, "points", "range", NULL, "points", NULL},
    [R_SCORE_MIN] = {true, "points", "ge", NULL, "points", NULL},
    [R_DECL_FUTURE] = {true, NULL, "le", NULL, NULL, NULL},
    [R_POSTING_WORKDAYS] = {true, "working_days", "ge", NULL, NULL,
                            "working_days"},
    [R_CALENDAR_NODATA] = {true, NULL, NULL, NULL, NULL, "year"},
    [R_POSTING_AFTER_SUBMIT] = {true, NULL, "le", NULL, NULL, NULL},
    [R_FORM_ATTACHED] = {true, NULL, NULL, NULL, "forms", NULL},
    [R_FORM_SIZE] = {true, "bytes", "range", NULL, NULL, "bytes"},
};

/* Allocations of one packing or expansion, freed together: the messages
 * built here are shallow, over the strings of their inputs. */
/* Zeroed memory from the arena. */
static void *
s_new(ry_arena_t *a, size_t size)
{
    return memset(ry_arena_alloc(a, size), 0, size);
}

static bool
s_empty(const char *s)
{
    return !s || !*s;
}

static const char *
s_str(const char *s)
{
    return s ? s : "";
}

/* What expanding one check knows besides the check: the application and
 * what the checks before it said. */
typedef struct {
    ry_arena_t *arena;
    const Rongyu__Application *app;
    const char *sub; /* the local submission date (R_DEADLINE's actual) */
    bool agree;      /* an R_RATE_COUNTS_AGREE check came before */
} s_ctx_t;

/* ------------------------------------------------------ typed values */

static Rongyu__Quantity *
q_new(s_ctx_t *x)
{
    Rongyu__Quantity *q = s_new(x->arena, sizeof *q);
    rongyu__quantity__init(q);
    return q;
}

static Rongyu__Quantity *
q_str(s_ctx_t *x, Rongyu__Quantity__ValueCase kind, const char *s)
{
    Rongyu__Quantity *q = q_new(x);
    q->value_case = kind;
    char *v = (char *)s_str(s);
    if (kind == RONGYU__QUANTITY__VALUE_DATE)
        q->date = v;
    else if (kind == RONGYU__QUANTITY__VALUE_TEXT)
        q->text = v;
    else
        q->term = v;
    return q;
}

static Rongyu__Quantity *
q_text(s_ctx_t *x, const char *s)
{
    return q_str(x, RONGYU__QUANTITY__VALUE_TEXT, s);
}

static Rongyu__Quantity *
q_term(s_ctx_t *x, const char *s)
{
    return q_str(x, RONGYU__QUANTITY__VALUE_TERM, s);
}

static Rongyu__Quantity *
q_date(s_ctx_t *x, const char *s)
{
    return q_str(x, RONGYU__QUANTITY__VALUE_DATE, s);
}

/* A date as given: a date when it is a real one, else text. */
static Rongyu__Quantity *
q_given_date(s_ctx_t *x, const char *s)
{
    ry_date_t d;
    return ry_date_parse(s_str(s), &d) == 0 ? q_date(x, s) : q_text(x, s);
}

static Rongyu__Quantity *
q_count(s_ctx_t *x, int64_t v, const char *unit)
{
    Rongyu__Quantity *q = q_new(x);
    q->value_case = RONGYU__QUANTITY__VALUE_COUNT;
    q->count = v;
    q->unit = (char *)s_str(unit);
    return q;
}

/* A number as validation types it: a whole one is a count. */
static Rongyu__Quantity *
q_num(s_ctx_t *x, double v, const char *unit)
{
    if (isfinite(v) && fabs(v) < 1e15 && v == (double)(int64_t)v &&
        !(v == 0 && signbit(v)))
        return q_count(x, (int64_t)v, unit);
    Rongyu__Quantity *q = q_new(x);
    q->value_case = RONGYU__QUANTITY__VALUE_NUMBER;
    q->number = v;
    q->unit = (char *)s_str(unit);
    return q;
}

static Rongyu__Quantity *
q_ratio(s_ctx_t *x, uint64_t num, uint64_t den)
{
    Rongyu__Quantity *q = q_new(x);
    Rongyu__Ratio *r = s_new(x->arena, sizeof *r);
    rongyu__ratio__init(r);
    r->num = num;
    r->den = den;
    q->value_case = RONGYU__QUANTITY__VALUE_RATIO;
    q->ratio = r;
    return q;
}

static Rongyu__Quantity *
q_range(s_ctx_t *x, double min, double max, const char *unit)
{
    Rongyu__Quantity *q = q_new(x);
    q->op = (char *)"range";
    q->min = min;
    q->max = max;
    q->unit = (char *)unit;
    return q;
}

static Rongyu__Quantity *
q_of(Rongyu__Quantity *q, const char *of)
{
    q->of = (char *)s_str(of);
    return q;
}

/* Appends item to q's parts; returns q. */
static Rongyu__Quantity *
q_push(s_ctx_t *x, Rongyu__Quantity *q, Rongyu__Quantity *item)
{
    Rongyu__Quantity **items = s_new(x->arena, (q->n_items + 1) * sizeof *items);
    if (q->n_items)
        memcpy(items, q->items, q->n_items * sizeof *items);
    items[q->n_items++] = item;
    q->items = items;
    return q;
}

/* ---------------------------------------------------- the application */

static ry_honour_t
s_honour(const Rongyu__Application *a, bool *known)
{
    ry_honour_t h = (ry_honour_t)a->honour;
    *known = h > RY_HONOUR_NONE && h < RY_HONOUR_COUNT;
    return h;
}

static ry_category_t
s_category(const Rongyu__Application *a, bool *known)
{
    ry_category_t c = (ry_category_t)a->category;
    *known = c > RY_CATEGORY_NONE && c < RY_CATEGORY_COUNT;
    return c;
}

/* A small home's union fields are named as a branch's (validation's
 * choice of the kind of applicant: the honour, else the category). */
static bool
s_small(const Rongyu__Application *a)
{
    bool hk, ck;
    ry_honour_t h = s_honour(a, &hk);
    ry_category_t c = s_category(a, &ck);
    if (hk)
        return h == RY_HONOUR_ADVANCED_SMALL_HOME;
    return c != RY_CATEGORY_CADRE &&
           (c == RY_CATEGORY_BRANCH || c == RY_CATEGORY_UNION_GROUP);
}

/* A metric's measured value as validation reports it: counts as a ratio,
 * a stated percentage as a number; membership falls back to the union's
 * members / workers. */
static Rongyu__Quantity *
s_metric(s_ctx_t *x, const char *subject)
{
    const Rongyu__Application *a = x->app;
    const Rongyu__Metrics *m = a->metrics;
    const Rongyu__UnionInfo *u = a->union_;
    const Rongyu__Rate *r = NULL;
    bool membership = strcmp(subject, "membership") == 0;
    if (strcmp(subject, "formation") == 0)
        r = m ? m->formation : NULL;
    else if (membership)
        r = m && !x->agree ? m->membership : NULL;
    else if (strcmp(subject, "satisfaction") == 0)
        r = m ? m->satisfaction : NULL;
    else if (strcmp(subject, "realname") == 0)
        r = m ? m->realname : NULL;
    else if (strcmp(subject, "chair_satisfaction") == 0)
        r = m ? m->chair_satisfaction : NULL;
    else
        return NULL;
    if (r && r->value_case == RONGYU__RATE__VALUE_COUNTS && r->counts)
        return q_ratio(x, r->counts->num, r->counts->den);
    if (r && r->value_case == RONGYU__RATE__VALUE_PERCENT)
        return q_num(x, r->percent, "percent");
    if (membership && u)
        return q_ratio(x, u->members, u->workers);
    return NULL;
}

static const char *
s_metric_subject(uint32_t rule)
{
    switch (rule) {
    case R_FORMATION_MIN: return "formation";
    case R_MEMBERSHIP_MIN: return "membership";
    case R_SATISFACTION_MIN: return "satisfaction";
    case R_REALNAME: return "realname";
    case R_CHAIR_SATISFACTION_MIN: return "chair_satisfaction";
    default: return NULL;
    }
}

enum { S_COMMITTEE, S_PARTY, S_CONGRESS, S_POST_START, S_POST_END, S_NDECL };

static const char *const s_decl_field[S_NDECL] = {
    "committee_study_date", "party_consent_date", "congress_approval_date",
    "posting_start", "posting_end"};

static void
s_decl_raw(const Rongyu__Application *a, const char *raw[S_NDECL])
{
    const Rongyu__Declarations *d = a->declarations;
    raw[0] = d ? d->committee_study_date : NULL;
    raw[1] = d ? d->party_consent_date : NULL;
    raw[2] = d ? d->congress_approval_date : NULL;
    raw[3] = d ? d->posting_start : NULL;
    raw[4] = d ? d->posting_end : NULL;
}

/* R_DATE_INVALID: every date given that is not a real one. */
static Rongyu__Quantity *
s_dates_invalid(s_ctx_t *x)
{
    const char *raw[S_NDECL];
    s_decl_raw(x->app, raw);
    Rongyu__Quantity *q = q_new(x);
    for (int i = 0; i < S_NDECL; i++) {
        ry_date_t d;
        if (!s_empty(raw[i]) && ry_date_parse(raw[i], &d) != 0)
            q_push(x, q, q_of(q_text(x, raw[i]), s_decl_field[i]));
    }
    const Rongyu__Person *p = x->app->person;
    if (p) {
        ry_date_t d;
        int y, m;
        if (!s_empty(p->union_work_since) &&
            ry_date_parse(p->union_work_since, &d) != 0)
            q_push(x, q, q_of(q_text(x, p->union_work_since),
                              "union_work_since"));
        if (!s_empty(p->birth_month) &&
            ry_date_parse_month(p->birth_month, &y, &m) != 0)
            q_push(x, q, q_of(q_text(x, p->birth_month), "birth_month"));
    }
    return q->n_items ? q : q_term(x, "all_real");
}

/* R_DECL_ORDER: "in_order" when it passed; else the first two dates
 * out of order in committee <= party <= congress <= posting start <=
 * posting end. That chain is the rule as verdicts stored before it
 * stopped ordering the posting against the congress judged it, so their
 * steps read back as they were; the rule's own pair (committee, Party,
 * congress; or the posting's start and end) is the same unless the chain
 * breaks first between the congress and the posting, and then the
 * verdict keeps its actual value (ry_verdict_pack checks every part). */
static Rongyu__Quantity *
s_decl_order(s_ctx_t *x, bool passed)
{
    if (passed)
        return q_term(x, "in_order");
    const char *raw[S_NDECL];
    s_decl_raw(x->app, raw);
    ry_date_t date[S_NDECL];
    int prev = -1;
    for (int i = 0; i < S_NDECL; i++) {
        if (ry_date_parse(s_str(raw[i]), &date[i]) != 0)
            continue;
        if (prev >= 0 && ry_date_compare(date[prev], date[i]) > 0) {
            Rongyu__Quantity *q = q_new(x);
            q_push(x, q, q_of(q_date(x, raw[prev]), s_decl_field[prev]));
            return q_push(x, q, q_of(q_date(x, raw[i]), s_decl_field[i]));
        }
        prev = i;
    }
    return q_term(x, "in_order");
}

/* R_DECL_FUTURE: the first declared date after the submission date. */
static Rongyu__Quantity *
s_decl_future(s_ctx_t *x)
{
    ry_date_t sub;
    if (!x->sub || ry_date_parse(x->sub, &sub) != 0)
        return NULL;
    const char *raw[S_NDECL];
    s_decl_raw(x->app, raw);
    for (int i = 0; i < S_NDECL; i++) {
        ry_date_t d;
        if (ry_date_parse(s_str(raw[i]), &d) == 0 &&
            ry_date_compare(d, sub) > 0)
            return q_of(q_date(x, raw[i]), s_decl_field[i]);
    }
    return q_term(x, "none");
}

/* R_FORM_MEDIA_TYPE and R_FORM_SIZE: each form attachment's type or size,
 * as intake recorded them (validation sees no content). */
static Rongyu__Quantity *
s_forms(s_ctx_t *x, bool sizes)
{
    Rongyu__Quantity *q = q_new(x);
    for (size_t i = 0; i < x->app->n_attachments; i++) {
        const Rongyu__Attachment *a = x->app->attachments[i];
        if (!a || strcmp(s_str(a->kind), "application_form") != 0)
            continue;
        if (a->content.len > 0)
            return NULL; /* sniffed from content: stored */
        Rongyu__Quantity *v =
            sizes ? q_count(x, (int64_t)a->size, "bytes")
            : s_empty(a->media_type) ? q_term(x, "unknown_type")
                                     : q_text(x, a->media_type);
        q_push(x, q, q_of(v, a->name));
    }
    return q;
}

static int64_t
s_form_count(const Rongyu__Application *app)
{
    int64_t n = 0;
    for (size_t i = 0; i < app->n_attachments; i++)
        n += app->attachments[i] &&
             strcmp(s_str(app->attachments[i]->kind), "application_form") == 0;
    return n;
}

static bool
s_deeds(const Rongyu__Application *app)
{
    bool deeds = !s_empty(app->deeds);
    for (size_t i = 0; i < app->n_attachments; i++)
        deeds |= app->attachments[i] &&
                 strcmp(s_str(app->attachments[i]->kind), "deeds") == 0;
    return deeds;
}

/* ------------------------------------------------------ derived parts */

/* The actual value of a check of 'rule' as validation makes it from the
 * application (thr: the check's threshold, already whole), or NULL when it
 * cannot be derived. */
static Rongyu__Quantity *
s_derive_actual(s_ctx_t *x, uint32_t rule, const Rongyu__Check *k,
                const Rongyu__Quantity *thr)
{
    const Rongyu__Application *a = x->app;
    const Rongyu__UnionInfo *u = a->union_;
    const Rongyu__Person *p = a->person;
    bool hk, ck;
    ry_honour_t h = s_honour(a, &hk);
    ry_category_t c = s_category(a, &ck);
    const char *raw[S_NDECL];
    switch (rule) {
    case R_CAMPAIGN:
        return s_empty(a->campaign_id) ? q_term(x, "missing")
                                       : q_text(x, a->campaign_id);
    case R_REQUIRED_HONOUR:
        return hk ? q_text(x, ry_honour_name(h)) : q_term(x, "missing");
    case R_HONOUR_ENABLED:
    case R_ORG_KIND_HONOUR:
        return hk ? q_text(x, ry_honour_name(h)) : NULL;
    case R_REQUIRED_CATEGORY:
        return ck ? q_text(x, ry_category_name(c)) : q_term(x, "missing");
    case R_ORG_KIND_CATEGORY:
        return ck ? q_text(x, ry_category_name(c)) : NULL;
    case R_CATEGORY_HONOUR:
        if (!hk || !ck)
            return NULL;
        return q_push(x, q_push(x, q_new(x), q_text(x, ry_category_name(c))),
                      q_text(x, ry_honour_name(h)));
    case R_ORGANISING_UNIT: return q_text(x, a->organising_unit);
    case R_REQUIRED_UNION_WORKERS:
        return q_count(x, (int64_t)(u ? u->workers : 0), "workers");
    case R_UNION_TYPE: return u ? q_text(x, u->union_type) : NULL;
    case R_MEMBERS_LE_WORKERS:
        if (!u)
            return NULL;
        return q_push(x,
                      q_push(x, q_new(x),
                             q_count(x, (int64_t)u->members, "members")),
                      q_count(x, (int64_t)u->workers, "workers"));
    case R_PERSON_GENDER: return p ? q_text(x, p->gender) : NULL;
    case R_CADRE_TYPE: return p ? q_text(x, p->cadre_type) : NULL;
    case R_REQUIRED_PERSON_COLUMN:
        return q_term(x, ry_rulecat_column_term(p ? (int)p->column : 0));
    case R_COLUMN_CADRE_TYPE:
        if (!p || p->column < 1 || p->column > 3)
            return NULL;
        return q_push(
            x,
            q_push(x, q_new(x),
                   q_term(x, ry_rulecat_column_term((int)p->column))),
            q_term(x, p->organ_cadre ? "organ_cadre" : "not_organ_cadre"));
    case R_PERSON_DATES: {
        /* The birth month, the month of the 16th birthday (the
         * threshold's age), the start of union work. */
        int by, bm;
        ry_date_t since;
        if (!p || ry_date_parse_month(s_str(p->birth_month), &by, &bm) != 0 ||
            !thr || thr->n_items != 2 ||
            thr->items[1]->value_case != RONGYU__QUANTITY__VALUE_COUNT)
            return NULL;
        char *m16 = s_new(x->arena, 16);
        snprintf(m16, 16, "%04d-%02d", by + (int)thr->items[1]->count, bm);
        Rongyu__Quantity *q = q_new(x);
        q_push(x, q, q_text(x, p->birth_month));
        q_push(x, q, q_text(x, m16));
        return q_push(x, q,
                      ry_date_parse(s_str(p->union_work_since), &since) == 0
                          ? q_date(x, p->union_work_since)
                          : q_term(x, "missing"));
    }
    case R_UNION_YEARS_MIN: {
        ry_date_t since;
        if (!p || ry_date_parse(p->union_work_since, &since) != 0)
            return p && !s_empty(p->union_work_since)
                       ? q_text(x, p->union_work_since)
                       : q_term(x, "missing");
        if (!thr || thr->value_case != RONGYU__QUANTITY__VALUE_COUNT)
            return NULL;
        char *sb = s_new(x->arena, RY_DATE_STRLEN);
        char *db = s_new(x->arena, RY_DATE_STRLEN);
        ry_date_format(since, sb, RY_DATE_STRLEN);
        ry_date_format(ry_date_add_years(since, (int)thr->count), db,
                       RY_DATE_STRLEN);
        return q_push(x, q_push(x, q_new(x), q_date(x, sb)), q_date(x, db));
    }
    case R_FIVE_HAVES:
        return q_term(x, p && p->home_five_haves ? "yes" : "no");
    case R_HOME_HONOUR_LEVEL: {
        static const char *const levels[] = {"level_none", "level_county",
                                             "level_city", "level_province",
                                             "level_national"};
        int have = p ? (int)p->home_honour_level : 0;
        return q_term(x, levels[have >= 0 && have <= 4 ? have : 0]);
    }
    case R_FORMATION_MIN:
    case R_MEMBERSHIP_MIN:
    case R_SATISFACTION_MIN:
    case R_REALNAME:
    case R_CHAIR_SATISFACTION_MIN:
        return s_metric(x, s_metric_subject(rule));
    case R_RATE_RANGE: return s_metric(x, s_str(k->subject));
    case R_RATE_COUNTS_AGREE:
        return a->metrics && a->metrics->membership &&
                       a->metrics->membership->value_case ==
                           RONGYU__RATE__VALUE_PERCENT
                   ? q_num(x, a->metrics->membership->percent, "percent")
                   : NULL;
    case R_SCORE_RANGE:
    case R_SCORE_MIN:
        return a->metrics && a->metrics->self_score
                   ? q_num(x, a->metrics->self_score->value, "points")
                   : NULL;
    case R_HOLDS_CITY_HONOUR: {
        const Rongyu__HeldHonour *held = NULL;
        for (size_t i = 0; i < a->n_held_honours; i++) {
            const Rongyu__HeldHonour *hh = a->held_honours[i];
            if (hh && hh->still_held && hh->level >= RONGYU__HONOUR_LEVEL__CITY)
                held = hh;
        }
        return !held                 ? q_term(x, "none")
               : s_empty(held->name) ? q_term(x, "unnamed")
                                     : q_text(x, held->name);
    }
    case R_DATE_INVALID: return s_dates_invalid(x);
    case R_DECL_COMMITTEE:
    case R_DECL_PARTY:
    case R_DECL_CONGRESS:
        s_decl_raw(a, raw);
        return s_empty(raw[rule - R_DECL_COMMITTEE])
                   ? q_term(x, "missing")
                   : q_given_date(x, raw[rule - R_DECL_COMMITTEE]);
    case R_DECL_ORDER: return s_decl_order(x, k->passed);
    case R_DECL_FUTURE: return s_decl_future(x);
    case R_POSTING_AFTER_SUBMIT:
        s_decl_raw(a, raw);
        return q_date(x, raw[S_POST_END]);
    case R_FORM_ATTACHED: return q_count(x, s_form_count(a), "forms");
    case R_FORM_MEDIA_TYPE: return s_forms(x, false);
    case R_FORM_SIZE: return s_forms(x, true);
    case R_REQUIRED_DEEDS:
        return q_term(x, s_deeds(a) ? "given" : "missing");
    default: return NULL;
    }
}

/* Whether s_derive_threshold may give a threshold for checks of 'rule'
 * (it gives none for any other). */
static bool
s_threshold_derived(uint32_t rule)
{
    switch (rule) {
    case R_CAMPAIGN:
    case R_PERSON_GENDER:
    case R_FIVE_HAVES:
    case R_RATE_RANGE:
    case R_SCORE_RANGE:
    case R_RATE_COUNTS_AGREE:
    case R_DECL_FUTURE:
    case R_POSTING_AFTER_SUBMIT:
    case R_FORM_MEDIA_TYPE:
    case R_FORM_SIZE: return true;
    default: return false;
    }
}

/* The threshold of a check of 'rule' where it is the application's own
 * value, a constant of the rule or the usual value of the campaign
 * (then a check whose campaign differs stores its own); NULL otherwise. */
static Rongyu__Quantity *
s_derive_threshold(s_ctx_t *x, uint32_t rule)
{
    const Rongyu__Application *a = x->app;
    if (!s_threshold_derived(rule))
        return NULL;
    switch (rule) {
    case R_CAMPAIGN:
        return s_empty(a->campaign_id) ? NULL : q_text(x, a->campaign_id);
    case R_PERSON_GENDER:
        return q_push(x, q_push(x, q_new(x), q_text(x, "男")),
                      q_text(x, "女"));
    case R_FIVE_HAVES: return q_term(x, "yes");
    case R_RATE_RANGE: return q_range(x, 0, 100, "percent");
    case R_SCORE_RANGE: return q_range(x, 0, 100, "points");
    case R_RATE_COUNTS_AGREE:
        return a->union_ ? q_ratio(x, a->union_->members, a->union_->workers)
                         : NULL;
    case R_DECL_FUTURE:
    case R_POSTING_AFTER_SUBMIT: {
        if (!x->sub)
            return NULL;
        Rongyu__Quantity *q = q_date(x, x->sub);
        q->op = (char *)"le";
        return q;
    }
    case R_FORM_MEDIA_TYPE: {
        Rongyu__Quantity *q = q_new(x);
        q_push(x, q, q_text(x, "application/pdf"));
        q_push(x, q, q_text(x, "image/jpeg"));
        return q_push(x, q, q_text(x, "image/png"));
    }
    case R_FORM_SIZE: return q_range(x, 1, 20971520, "bytes");
    default: return NULL;
    }
}

static const char *
s_derive_subject(s_ctx_t *x, uint32_t rule)
{
    switch (rule) {
    case R_DEADLINE:
        return x->app->honour == RONGYU__HONOUR__EXCELLENT_WORKER
                   ? "summary_deadline"
                   : "submission_deadline";
    case R_REQUIRED_UNION_NAME:
        return s_small(x->app) ? "small_union_name" : "";
    case R_REQUIRED_UNION_CHAIR_NAME:
        return s_small(x->app) ? "small_chair_name" : "";
    case R_RATE_COUNTS_AGREE: return "membership";
    default: return "";
    }
}

/* q with the words its rule fixes filled in where q leaves them empty (a
 * copy when anything changes). */
static Rongyu__Quantity *
s_words_fill(s_ctx_t *x, const Rongyu__Quantity *q, const char *unit,
             const char *op, const char *item_unit)
{
    Rongyu__Quantity *c = q_new(x);
    *c = *q;
    bool whole = q->value_case == RONGYU__QUANTITY__VALUE_COUNT ||
                 q->value_case == RONGYU__QUANTITY__VALUE_NUMBER;
    if (op && s_empty(q->op))
        c->op = (char *)op;
    if (unit && s_empty(q->unit) &&
        (whole || (c->op && strcmp(c->op, "range") == 0)))
        c->unit = (char *)unit;
    if (item_unit && q->n_items) {
        c->items = s_new(x->arena, q->n_items * sizeof *c->items);
        for (size_t i = 0; i < q->n_items; i++) {
            c->items[i] = q->items[i];
            if (q->items[i]->value_case == RONGYU__QUANTITY__VALUE_COUNT &&
                s_empty(q->items[i]->unit)) {
                c->items[i] = q_new(x);
                *c->items[i] = *q->items[i];
                c->items[i]->unit = (char *)item_unit;
            }
        }
    }
    return c;
}

static bool
s_review(uint32_t rule)
{
    return rule == R_ORGAN_CADRE_REVIEW || rule == R_POLITICAL_REVIEW ||
           rule == R_MODEL_INNOVATION_REVIEW;
}

/* R_POSTING_WORKDAYS stored as (working days, earliest end): the first
 * and last day of the posting are the application's, in between. */
static Rongyu__Quantity *
s_posting_days(s_ctx_t *x, const Rongyu__Quantity *q)
{
    const char *raw[S_NDECL];
    s_decl_raw(x->app, raw);
    Rongyu__Quantity *c = q_new(x);
    *c = *q;
    c->n_items = 0;
    q_push(x, c, q->items[0]);
    q_push(x, c, q_date(x, raw[S_POST_START]));
    q_push(x, c, q_date(x, raw[S_POST_END]));
    return q_push(x, c, q->items[1]);
}

/* The whole check from stored part k (its rule and outcome, and what it
 * stores): what k leaves out is derived. The result is shallow, over k's
 * and the application's strings. */
static Rongyu__Check *
s_expand_check(s_ctx_t *x, const Rongyu__Check *k)
{
    Rongyu__Check *w = s_new(x->arena, sizeof *w);
    *w = *k;
    uint32_t rule = k->rule;
    if (s_review(rule))
        w->needs_review = true;
    if (s_empty(k->subject))
        w->subject = (char *)s_derive_subject(x, rule);
    if (!k->threshold_value)
        w->threshold_value = s_derive_threshold(x, rule);
    const s_words_t *ws =
        rule < sizeof s_words / sizeof s_words[0] && s_words[rule].set
            ? &s_words[rule]
            : NULL;
    if (ws && w->threshold_value)
        w->threshold_value = s_words_fill(x, w->threshold_value, ws->thr_unit,
                                          ws->thr_op, ws->thr_item_unit);
    if (ws && k->actual_value)
        w->actual_value = s_words_fill(x, k->actual_value, ws->act_unit, NULL,
                                       ws->act_item_unit);
    if (!k->actual_value)
        w->actual_value = s_derive_actual(x, rule, w, w->threshold_value);
    else if (rule == R_POSTING_WORKDAYS && k->actual_value->n_items == 2)
        w->actual_value = s_posting_days(x, w->actual_value);
    return w;
}

/* What the checks after w may derive from it. */
static void
s_learn(s_ctx_t *x, const Rongyu__Check *w)
{
    if (w->rule == R_DEADLINE && w->actual_value &&
        w->actual_value->value_case == RONGYU__QUANTITY__VALUE_DATE)
        x->sub = w->actual_value->date;
    if (w->rule == R_RATE_COUNTS_AGREE)
        x->agree = true;
}

/* ------------------------------------------------------------ equality */

/* ry_verdict_check_equal and ry_verdict_quantity_equal: ry_pb_equal for
 * the two messages the packing compares tens of times per verdict, field
 * by field instead of through the descriptors (a quarter of validation's
 * work). A message with unknown fields goes to ry_pb_equal. test_verdict
 * holds the fields compared here to the descriptors' (a field added to
 * Check, Quantity or Ratio fails it until it is compared here) and
 * compares the answers with ry_pb_equal's. */

static bool
s_str_equal(const char *a, const char *b)
{
    if (a == b)
        return true;
    if (!a || !*a) /* NULL and "" are the same unwritten string */
        return !b || !*b;
    return b && strcmp(a, b) == 0;
}

/* A proto3 double: the same bits, or both unwritten (zero, either sign). */
static bool
s_dbl_equal(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (a == 0 && b == 0);
}

/* Whether q's case is one of the members below (or none). */
static bool
s_q_known(const Rongyu__Quantity *q)
{
    switch (q->value_case) {
    case RONGYU__QUANTITY__VALUE__NOT_SET:
    case RONGYU__QUANTITY__VALUE_NUMBER:
    case RONGYU__QUANTITY__VALUE_RATIO:
    case RONGYU__QUANTITY__VALUE_DATE:
    case RONGYU__QUANTITY__VALUE_TEXT:
    case RONGYU__QUANTITY__VALUE_TERM:
    case RONGYU__QUANTITY__VALUE_COUNT: return true;
    default: return false;
    }
}

/* q's oneof string (date, text or term), or NULL when it holds none. */
static const char *
s_q_str(const Rongyu__Quantity *q)
{
    switch (q->value_case) {
    case RONGYU__QUANTITY__VALUE_DATE: return q->date;
    case RONGYU__QUANTITY__VALUE_TEXT: return q->text;
    case RONGYU__QUANTITY__VALUE_TERM: return q->term;
    default: return NULL;
    }
}

/* The oneof member q writes when packed (its case), or 0. */
static uint32_t
s_q_written(const Rongyu__Quantity *q)
{
    switch (q->value_case) {
    case RONGYU__QUANTITY__VALUE_NUMBER:
    case RONGYU__QUANTITY__VALUE_COUNT: return q->value_case;
    case RONGYU__QUANTITY__VALUE_RATIO: return q->ratio ? q->value_case : 0;
    case RONGYU__QUANTITY__VALUE_DATE:
    case RONGYU__QUANTITY__VALUE_TEXT:
    case RONGYU__QUANTITY__VALUE_TERM: {
        /* A oneof string is written unless NULL or the default. */
        const char *s = s_q_str(q);
        return s && s != protobuf_c_empty_string ? q->value_case : 0;
    }
    default: return 0;
    }
}

bool
ry_verdict_quantity_equal(const Rongyu__Quantity *a, const Rongyu__Quantity *b)
{
    if (!a || !b || a == b)
        return a == b;
    if (a->base.n_unknown_fields || b->base.n_unknown_fields || !s_q_known(a) ||
        !s_q_known(b))
        return ry_pb_equal(&a->base, &b->base);
    uint32_t w = s_q_written(a);
    if (w != s_q_written(b))
        return false;
    switch (w) {
    case RONGYU__QUANTITY__VALUE_NUMBER:
        if (memcmp(&a->number, &b->number, sizeof a->number) != 0)
            return false;
        break;
    case RONGYU__QUANTITY__VALUE_COUNT:
        if (a->count != b->count)
            return false;
        break;
    case RONGYU__QUANTITY__VALUE_RATIO:
        if (a->ratio != b->ratio &&
            (a->ratio->base.n_unknown_fields || b->ratio->base.n_unknown_fields
                 ? !ry_pb_equal(&a->ratio->base, &b->ratio->base)
                 : a->ratio->num != b->ratio->num ||
                       a->ratio->den != b->ratio->den))
            return false;
        break;
    case RONGYU__QUANTITY__VALUE_DATE:
    case RONGYU__QUANTITY__VALUE_TEXT:
    case RONGYU__QUANTITY__VALUE_TERM: /* written: neither is NULL */
        if (strcmp(s_q_str(a), s_q_str(b)) != 0)
            return false;
        break;
    default: break;
    }
    if (!s_str_equal(a->unit, b->unit) || !s_str_equal(a->op, b->op) ||
        !s_dbl_equal(a->min, b->min) || !s_dbl_equal(a->max, b->max) ||
        !s_str_equal(a->of, b->of) || a->n_items != b->n_items)
        return false;
    for (size_t i = 0; i < a->n_items; i++)
        if (!ry_verdict_quantity_equal(a->items[i], b->items[i]))
            return false;
    return true;
}

bool
ry_verdict_check_equal(const Rongyu__Check *a, const Rongyu__Check *b)
{
    if (!a || !b || a == b)
        return a == b;
    if (a->base.n_unknown_fields || b->base.n_unknown_fields)
        return ry_pb_equal(&a->base, &b->base);
    return a->rule == b->rule && !a->passed == !b->passed &&
           !a->needs_review == !b->needs_review &&
           s_str_equal(a->code, b->code) &&
           s_str_equal(a->subject, b->subject) &&
           s_str_equal(a->threshold, b->threshold) &&
           s_str_equal(a->actual, b->actual) &&
           s_str_equal(a->message_zh, b->message_zh) &&
           s_str_equal(a->message_en, b->message_en) &&
           ry_verdict_quantity_equal(a->threshold_value, b->threshold_value) &&
           ry_verdict_quantity_equal(a->actual_value, b->actual_value);
}

/* ------------------------------------------------------------- packing */

/* What a try at leaving a part out must still give back: the whole
 * check; or, when only the threshold changed, the threshold and the
 * actual value (an actual value left out is derived from the threshold);
 * or, when only the actual value changed, the actual value. Nothing else
 * of the expansion depends on those parts. The subject is compared whole:
 * the actual value of R_RATE_RANGE is derived from it. */
enum { S_ALL, S_THR, S_ACT };

/* True when stored part r expands to whole in 'part' (S_*), r having
 * given back all of whole before the part changed. */
static bool
s_gives(s_ctx_t *x, const Rongyu__Check *r, const Rongyu__Check *whole,
        int part)
{
    const Rongyu__Check *w = s_expand_check(x, r);
    if (part == S_ALL)
        return ry_verdict_check_equal(w, whole);
    bool act = ry_verdict_quantity_equal(w->actual_value, whole->actual_value);
    return part == S_ACT
               ? act
               : act && ry_verdict_quantity_equal(w->threshold_value,
                                                  whole->threshold_value);
}

/* A copy of q that may be changed (its parts too). */
static Rongyu__Quantity *
s_own(s_ctx_t *x, const Rongyu__Quantity *q)
{
    Rongyu__Quantity *c = q_new(x);
    *c = *q;
    if (q->n_items) {
        c->items = s_new(x->arena, q->n_items * sizeof *c->items);
        for (size_t i = 0; i < q->n_items; i++) {
            c->items[i] = q_new(x);
            *c->items[i] = *q->items[i];
        }
    }
    return c;
}

/* Clears the string *field of r when r still gives whole without it. */
static void
s_try_clear(s_ctx_t *x, Rongyu__Check *r, const Rongyu__Check *whole,
            char **field, int part)
{
    if (s_empty(*field))
        return;
    char *was = *field;
    *field = (char *)"";
    if (!s_gives(x, r, whole, part))
        *field = was;
}

/* What a check's stored part leaves out of it: its shape. */
typedef struct {
    bool known;
    bool drop[2];            /* the threshold, the actual value */
    bool unit[2], op[2];     /* their unit, their op cleared */
    uint32_t item_unit[2];   /* their items' units cleared (items 0-31) */
    bool pair;               /* R_POSTING_WORKDAYS's four items as two */
    bool subject, review;    /* cleared */
} s_shape_t;

/* The shape of the last stored part found for each rule number below
 * S_SHAPES, in this process (the services are single-threaded): the next
 * check of the rule tries it first, one expansion instead of one per
 * part. A shape that does not give the check back is searched for again
 * (s_residual), so what is stored is always checked. */
enum { S_SHAPES = 256 };
static s_shape_t s_shapes[S_SHAPES];

static bool
s_has(const char *s)
{
    return s && *s;
}

/* The shape of part r of whole. */
static void
s_shape_of(const Rongyu__Check *whole, const Rongyu__Check *r, s_shape_t *sh)
{
    *sh = (s_shape_t){.known = true};
    const Rongyu__Quantity *wq[2] = {whole->threshold_value,
                                     whole->actual_value};
    const Rongyu__Quantity *rq[2] = {r->threshold_value, r->actual_value};
    for (int s = 0; s < 2; s++) {
        if (!wq[s])
            continue;
        if (!rq[s]) {
            sh->drop[s] = true;
            continue;
        }
        sh->unit[s] = s_has(wq[s]->unit) && !s_has(rq[s]->unit);
        sh->op[s] = s_has(wq[s]->op) && !s_has(rq[s]->op);
        for (size_t i = 0; i < rq[s]->n_items && i < wq[s]->n_items && i < 32;
             i++)
            if (s_has(wq[s]->items[i]->unit) && !s_has(rq[s]->items[i]->unit))
                sh->item_unit[s] |= 1u << i;
    }
    sh->pair = whole->rule == R_POSTING_WORKDAYS && wq[1] && rq[1] &&
               wq[1]->n_items == 4 && rq[1]->n_items == 2;
    sh->subject = s_has(whole->subject) && !s_has(r->subject);
    sh->review = whole->needs_review && !r->needs_review;
}

/* A copy of whole to be made its stored part (its values owned). */
static Rongyu__Check *
s_part_copy(s_ctx_t *x, const Rongyu__Check *whole)
{
    Rongyu__Check *r = s_new(x->arena, sizeof *r);
    *r = *whole;
    if (r->threshold_value)
        r->threshold_value = s_own(x, r->threshold_value);
    if (r->actual_value)
        r->actual_value = s_own(x, r->actual_value);
    return r;
}

/* R_POSTING_WORKDAYS's actual value a (working days, first day, last
 * day, earliest end) as stored: its first and last items, the days in
 * between being the application's (s_posting_days). */
static Rongyu__Quantity *
s_posting_pair(s_ctx_t *x, const Rongyu__Quantity *a)
{
    Rongyu__Quantity *pair = q_new(x);
    *pair = *a;
    pair->n_items = 0;
    q_push(x, pair, a->items[0]);
    return q_push(x, pair, a->items[3]);
}

/* The stored part of whole of shape sh, if it gives whole back. */
static Rongyu__Check *
s_part_as(s_ctx_t *x, const Rongyu__Check *whole, const s_shape_t *sh)
{
    Rongyu__Check *r = s_part_copy(x, whole);
    Rongyu__Quantity **side[2] = {&r->threshold_value, &r->actual_value};
    for (int s = 0; s < 2; s++) {
        Rongyu__Quantity *q = *side[s];
        if (!q)
            continue;
        if (sh->drop[s]) {
            *side[s] = NULL;
            continue;
        }
        if (sh->unit[s])
            q->unit = (char *)"";
        if (sh->op[s])
            q->op = (char *)"";
        for (size_t i = 0; i < q->n_items && i < 32; i++)
            if (sh->item_unit[s] >> i & 1)
                q->items[i]->unit = (char *)"";
    }
    Rongyu__Quantity *a = r->actual_value;
    if (sh->pair && a && a->n_items == 4)
        r->actual_value = s_posting_pair(x, a);
    if (sh->subject)
        r->subject = (char *)"";
    if (sh->review)
        r->needs_review = false;
    return s_gives(x, r, whole, S_ALL) ? r : NULL;
}

/* The smallest stored part of whole found: drops each part that the
 * expansion gives back. NULL when whole itself does not come back, or
 * the part found does not give all of it. Whether the part still does
 * once read back as a reader gets it, ry_verdict_pack checks for the
 * whole verdict at once (s_verify), unless the encoding keeps every
 * part as it is (ry_verdict_check_kept). */
static Rongyu__Check *
s_residual(s_ctx_t *x, const Rongyu__Check *whole)
{
    s_shape_t *memo = whole->rule < S_SHAPES ? &s_shapes[whole->rule] : NULL;
    if (memo && memo->known) {
        Rongyu__Check *r = s_part_as(x, whole, memo);
        if (r)
            return r;
    }
    Rongyu__Check *r = s_part_copy(x, whole);
    if (!s_gives(x, r, whole, S_ALL))
        return NULL;
    Rongyu__Quantity **side[2] = {&r->threshold_value, &r->actual_value};
    for (int s = 0; s < 2; s++) {
        int part = s == 0 ? S_THR : S_ACT;
        Rongyu__Quantity *q = *side[s];
        if (!q)
            continue;
        *side[s] = NULL;
        if (s_gives(x, r, whole, part))
            continue;
        *side[s] = q;
        s_try_clear(x, r, whole, &q->unit, part);
        s_try_clear(x, r, whole, &q->op, part);
        for (size_t i = 0; i < q->n_items; i++)
            s_try_clear(x, r, whole, &q->items[i]->unit, part);
    }
    Rongyu__Quantity *a = r->actual_value;
    if (r->rule == R_POSTING_WORKDAYS && a && a->n_items == 4) {
        r->actual_value = s_posting_pair(x, a);
        if (!s_gives(x, r, whole, S_ACT))
            r->actual_value = a;
    }
    s_try_clear(x, r, whole, &r->subject, S_ALL);
    if (r->needs_review) {
        r->needs_review = false;
        if (!s_gives(x, r, whole, S_ALL))
            r->needs_review = true;
    }
    /* The parts were cleared one by one, some compared in part only: the
     * part as it stands must still give the whole check back. */
    if (!s_gives(x, r, whole, S_ALL))
        return NULL;
    if (memo)
        s_shape_of(whole, r, memo);
    return r;
}

/* Whether Check, Quantity and Ratio have the fields this file writes
 * and compares field by field: a field added to them sends every check
 * to protobuf-c (ry_verdict_stored_pack) and through the encoding
 * (ry_verdict_check_kept) instead. */
static bool
s_fields_known(void)
{
    return rongyu__check__descriptor.n_fields == 11 &&
           rongyu__quantity__descriptor.n_fields == 12 &&
           rongyu__ratio__descriptor.n_fields == 2;
}

/* Whether q (and its items, at most 16 deep) holds only fields known
 * here, with no unknown fields: what ry_verdict_stored_pack writes as
 * protobuf-c does. With 'kept', also whether protobuf-c reads q back,
 * once packed, with every field as q holds it: strings set (NULL comes
 * back as ""), its oneof member written when set (a string member NULL or
 * protobuf_c_empty_string, or a NULL ratio, is not, and the case is
 * lost), no -0.0 outside the oneof (not written: +0.0 comes back). */
static bool
s_q_plain(const Rongyu__Quantity *q, bool kept, int depth)
{
    if (!q || depth > 16 || q->base.n_unknown_fields || !s_q_known(q) ||
        (q->value_case == RONGYU__QUANTITY__VALUE_RATIO && q->ratio &&
         q->ratio->base.n_unknown_fields))
        return false;
    if (kept && (s_q_written(q) != (uint32_t)q->value_case || !q->unit ||
                 !q->op || !q->of || (q->min == 0 && signbit(q->min)) ||
                 (q->max == 0 && signbit(q->max))))
        return false;
    for (size_t i = 0; i < q->n_items; i++)
        if (!s_q_plain(q->items[i], kept, depth + 1))
            return false;
    return true;
}

/* s_q_plain for a check's two quantities, and no unknown fields. */
static bool
s_check_plain(const Rongyu__Check *c, bool kept)
{
    return c && !c->base.n_unknown_fields &&
           (!c->threshold_value || s_q_plain(c->threshold_value, kept, 0)) &&
           (!c->actual_value || s_q_plain(c->actual_value, kept, 0));
}

bool
ry_verdict_check_kept(const Rongyu__Check *c)
{
    return s_fields_known() && s_check_plain(c, true) && c->code &&
           c->threshold && c->actual && c->message_zh && c->message_en &&
           c->subject && (c->passed == 0 || c->passed == 1) &&
           (c->needs_review == 0 || c->needs_review == 1);
}

/* Reads the packed stored verdict (data, len) back as a reader would and
 * marks in bad[i] each check i stored in part (steps[i] == 0) whose part
 * does not expand to wholes[i] after the trip through the encoding (all
 * of them when the bytes do not decode). Returns how many are marked. */
static size_t
s_verify(const uint8_t *data, size_t len, const Rongyu__Application *app,
         Rongyu__Check *const *wholes, const uint32_t *steps, size_t n,
         bool *bad)
{
    Rongyu__StoredVerdict *sv = (Rongyu__StoredVerdict *)ry_pb_unpack(
        &rongyu__stored_verdict__descriptor, data, len, 0);
    size_t nbad = 0;
    if (!sv) {
        for (size_t i = 0; i < n; i++)
            nbad += bad[i] = steps[i] == 0;
        return nbad;
    }
    ry_arena_t arena = {0};
    s_ctx_t x = {&arena, app, NULL, false};
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        bad[i] = false;
        if (steps[i] <= 1) {
            const Rongyu__Check *k =
                next < sv->n_checks ? sv->checks[next] : NULL;
            next++;
            if (steps[i] == 0 &&
                (!k ||
                 !ry_verdict_check_equal(s_expand_check(&x, k), wholes[i]))) {
                bad[i] = true;
                nbad++;
            }
        }
        s_learn(&x, wholes[i]);
    }
    ry_arena_free(&arena);
    ry_pb_free(&sv);
    return nbad;
}

/* ------------------------------------------- the stored form's bytes */

/* What ry_verdict_stored_pack writes into: grown as it goes. */
typedef struct {
    uint8_t *p;
    size_t n, cap;
} s_out_t;

static void
s_need(s_out_t *o, size_t k)
{
    if (o->n + k <= o->cap)
        return;
    size_t cap = 2 * o->cap > o->n + k + 256 ? 2 * o->cap : o->n + k + 256;
    uint8_t *p = realloc(o->p, cap);
    if (!p)
        abort();
    o->p = p;
    o->cap = cap;
}

static void
s_varint(s_out_t *o, uint64_t v)
{
    s_need(o, 10);
    ry_pb_put_varint(o->p, &o->n, v);
}

static void
s_tag(s_out_t *o, uint32_t number, unsigned wire)
{
    s_varint(o, (uint64_t)number << 3 | wire);
}

/* A string field: written as protobuf-c writes a oneof member (always),
 * or only when not empty. */
static void
s_string(s_out_t *o, uint32_t number, const char *str, bool always)
{
    size_t l = str ? strlen(str) : 0;
    if (!l && !always)
        return;
    s_need(o, l + 15);
    ry_pb_put_bytes(o->p, &o->n, number, str, l);
}

static void
s_double(s_out_t *o, uint32_t number, double d, bool always)
{
    if (d == 0 && !always)
        return;
    uint64_t bits;
    memcpy(&bits, &d, 8);
    s_tag(o, number, 1);
    s_need(o, 8);
    for (int i = 0; i < 8; i++)
        o->p[o->n++] = (uint8_t)(bits >> (8 * i));
}

static void
s_uvarint_field(s_out_t *o, uint32_t number, uint64_t v)
{
    if (!v)
        return;
    s_tag(o, number, 0);
    s_varint(o, v);
}

/* A message field's tag, and room for its length: returns where the
 * length goes; its body follows 5 bytes on until s_end moves it. */
static size_t
s_begin(s_out_t *o, uint32_t number)
{
    s_tag(o, number, 2);
    s_need(o, 5);
    o->n += 5;
    return o->n - 5;
}

static void
s_end(s_out_t *o, size_t at)
{
    size_t body = at + 5, len = o->n - body, k = 0;
    uint8_t v[10];
    ry_pb_put_varint(v, &k, len);
    memmove(o->p + at + k, o->p + body, len);
    memcpy(o->p + at, v, k);
    o->n = at + k + len;
}

static void
s_quantity(s_out_t *o, const Rongyu__Quantity *q)
{
    uint32_t w = s_q_written(q);
    if (w == RONGYU__QUANTITY__VALUE_NUMBER)
        s_double(o, 1, q->number, true);
    if (w == RONGYU__QUANTITY__VALUE_RATIO) {
        size_t at = s_begin(o, 2);
        s_uvarint_field(o, 1, q->ratio->num);
        s_uvarint_field(o, 2, q->ratio->den);
        s_end(o, at);
    }
    if (w == RONGYU__QUANTITY__VALUE_DATE)
        s_string(o, 3, q->date, true);
    s_string(o, 4, q->unit, false);
    s_string(o, 5, q->op, false);
    s_double(o, 6, q->min, false);
    s_double(o, 7, q->max, false);
    if (w == RONGYU__QUANTITY__VALUE_TEXT)
        s_string(o, 222, q->text, true);
    if (w == RONGYU__QUANTITY__VALUE_TERM)
        s_string(o, 223, q->term, true);
    s_string(o, 224, q->of, false);
    for (size_t i = 0; i < q->n_items; i++) {
        size_t at = s_begin(o, 225);
        s_quantity(o, q->items[i]);
        s_end(o, at);
    }
    if (w == RONGYU__QUANTITY__VALUE_COUNT) {
        s_tag(o, 226, 0);
        s_varint(o, (uint64_t)q->count);
    }
}

static void
s_check(s_out_t *o, const Rongyu__Check *c)
{
    s_string(o, 1, c->code, false);
    s_uvarint_field(o, 2, c->passed ? 1 : 0);
    s_string(o, 3, c->threshold, false);
    s_string(o, 4, c->actual, false);
    s_string(o, 5, c->message_zh, false);
    s_string(o, 6, c->message_en, false);
    s_uvarint_field(o, 7, c->needs_review ? 1 : 0);
    const Rongyu__Quantity *side[2] = {c->threshold_value, c->actual_value};
    for (int i = 0; i < 2; i++)
        if (side[i]) {
            size_t at = s_begin(o, 180 + (uint32_t)i);
            s_quantity(o, side[i]);
            s_end(o, at);
        }
    s_string(o, 220, c->subject, false);
    s_uvarint_field(o, 221, c->rule);
}

uint8_t *
ry_verdict_stored_pack(const Rongyu__StoredVerdict *sv, size_t *len)
{
    /* The fields this writes, in protobuf-c's order; anything else (an
     * unknown field, a field added to these messages) goes to
     * protobuf-c. */
    bool plain = rongyu__stored_verdict__descriptor.n_fields == 6 &&
                 s_fields_known() && !sv->base.n_unknown_fields;
    for (size_t i = 0; plain && i < sv->n_checks; i++)
        plain = s_check_plain(sv->checks[i], false);
    if (!plain)
        return ry_pb_pack(&sv->base, len);
    s_out_t o = {0};
    s_need(&o, 64);
    s_uvarint_field(&o, 1, sv->eligible ? 1 : 0);
    for (size_t i = 0; i < sv->n_checks; i++) {
        size_t at = s_begin(&o, 2);
        s_check(&o, sv->checks[i]);
        s_end(&o, at);
    }
    s_string(&o, 3, sv->ruleset, false);
    if (sv->decided_at_ms) {
        s_tag(&o, 4, 0);
        s_varint(&o, (uint64_t)sv->decided_at_ms);
    }
    if (sv->n_steps) {
        size_t at = s_begin(&o, 250);
        for (size_t i = 0; i < sv->n_steps; i++)
            s_varint(&o, sv->steps[i]);
        s_end(&o, at);
    }
    s_string(&o, 251, sv->ruleset_version, false);
    *len = o.n;
    return o.p;
}

uint8_t *
ry_verdict_pack(const Rongyu__Verdict *v, const Rongyu__Application *app,
                size_t *len)
{
    ry_arena_t arena = {0};
    s_ctx_t x = {&arena, app, NULL, false};
    Rongyu__StoredVerdict sv = RONGYU__STORED_VERDICT__INIT;
    sv.eligible = v->eligible;
    sv.ruleset = v->ruleset;
    size_t cl = app ? strlen(s_str(app->campaign_id)) : 0;
    if (cl && v->n_checks && v->ruleset &&
        strncmp(v->ruleset, app->campaign_id, cl) == 0 &&
        v->ruleset[cl] == '/' && v->ruleset[cl + 1]) {
        sv.ruleset = (char *)"";
        sv.ruleset_version = v->ruleset + cl + 1;
    }
    sv.decided_at_ms = v->decided_at_ms;
    size_t n = v->n_checks;
    sv.checks = s_new(&arena, (n + 1) * sizeof *sv.checks);
    sv.steps = s_new(&arena, (n + 1) * sizeof *sv.steps);
    sv.n_steps = n;
    Rongyu__Check **wholes = s_new(&arena, (n + 1) * sizeof *wholes);
    size_t *slot = s_new(&arena, (n + 1) * sizeof *slot);
    size_t unsure = 0; /* parts not known to come back as they are */
    for (size_t i = 0; i < n; i++) {
        /* The code is never stored: the rule number says it. */
        Rongyu__Check *whole = s_new(&arena, sizeof *whole);
        *whole = *v->checks[i];
        if (whole->rule && ry_rulecat_code(whole->rule))
            whole->code = (char *)"";
        wholes[i] = whole;
        Rongyu__Check *r = NULL;
        if (!app || !whole->rule || !ry_rulecat_code(whole->rule)) {
            sv.steps[i] = 1;
        } else {
            /* Its rule and outcome alone decode to what they are: no
             * trip through the encoding is needed to know. */
            Rongyu__Check bare = RONGYU__CHECK__INIT;
            bare.rule = whole->rule;
            bare.passed = whole->passed;
            /* A threshold that no derivation gives never comes back from
             * the rule alone: no expansion to know it. */
            bool hopeless =
                whole->threshold_value && !s_threshold_derived(whole->rule);
            if (!hopeless && s_gives(&x, &bare, whole, S_ALL))
                sv.steps[i] = whole->rule << 1 | !whole->passed;
            else if ((r = s_residual(&x, whole)) != NULL)
                sv.steps[i] = 0;
            else
                sv.steps[i] = 1;
        }
        if (sv.steps[i] <= 1) {
            slot[i] = sv.n_checks;
            sv.checks[sv.n_checks++] = r ? r : whole;
            unsure += sv.steps[i] == 0 && !ry_verdict_check_kept(r);
        }
        s_learn(&x, whole);
    }
    uint8_t *out = ry_verdict_stored_pack(&sv, len);
    if (unsure) {
        /* The parts, read back as a reader gets them: one that does not
         * come back exactly (a value the encoding does not keep) is
         * stored whole instead. A part the encoding keeps as it is
         * (ry_verdict_check_kept) expands after the trip as it did here,
         * where it gave its whole check back: only the others need it. */
        bool *bad = s_new(&arena, (n + 1) * sizeof *bad);
        if (s_verify(out, *len, app, wholes, sv.steps, n, bad)) {
            for (size_t i = 0; i < n; i++)
                if (bad[i]) {
                    sv.steps[i] = 1;
                    sv.checks[slot[i]] = wholes[i];
                }
            free(out);
            out = ry_verdict_stored_pack(&sv, len);
        }
    }
    ry_arena_free(&arena);
    return out;
}

/* What a view holds: the decoded bytes, the scratch, and the verdict. */
typedef struct {
    Rongyu__StoredVerdict *sv;
    Rongyu__Verdict *legacy; /* a Verdict stored whole: v is it */
    ry_arena_t arena;
    Rongyu__Verdict v;
} s_view_t;

/* The rule set of a verdict that stores only its version: the
 * application's campaign, '/', the version; in the arena. */
static char *
s_ruleset_of(ry_arena_t *a, const char *campaign_id, const char *version,
             size_t vlen)
{
    size_t cl = strlen(campaign_id);
    char *s = s_new(a, cl + vlen + 2);
    memcpy(s, campaign_id, cl);
    s[cl] = '/';
    memcpy(s + cl + 1, version, vlen);
    s[cl + 1 + vlen] = '\0';
    return s;
}

/* A string field's bytes as a C string in the arena. */
static char *
s_arena_str(ry_arena_t *a, const ry_pb_field_t *f)
{
    char *s = s_new(a, f->vlen + 1);
    if (f->vlen)
        memcpy(s, f->val, f->vlen);
    s[f->vlen] = '\0';
    return s;
}

/* A bump allocator over a buffer of the caller's: what decoding one
 * stored Check takes, freed all at once when the buffer goes. */
typedef struct {
    size_t used;
    _Alignas(16) uint8_t buf[8192];
} s_bump_t;

static void *
s_bump_alloc(void *data, size_t size)
{
    s_bump_t *b = data;
    size = (size + 15) & ~(size_t)15;
    if (size > sizeof b->buf - b->used)
        return NULL; /* the decode fails: the caller reads it whole */
    void *p = b->buf + b->used;
    b->used += size;
    return p;
}

static void
s_bump_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

/* The messages ry_verdict_check_passed_canonical reads, and the wire
 * type protobuf-c writes for each of their fields (S_NONE: not a field of
 * it). A message field is S_MSG: length-delimited, read in turn as
 * *inner; one that is not repeated has its own bit in *once. */
enum { S_CHECK, S_QUANTITY, S_RATIO };
enum { S_NONE = -1, S_VARINT = 0, S_I64 = 1, S_LEN = 2, S_MSG = 8 };

static int
s_canon_wire(int msg, uint32_t number, int *inner, unsigned *once)
{
    switch (msg) {
    case S_CHECK:
        switch (number) {
        case 1:
        case 3:
        case 4:
        case 5:
        case 6:
        case 220: return S_LEN;
        case 2:
        case 7:
        case 221: return S_VARINT;
        case 180:
            *inner = S_QUANTITY;
            *once = 1;
            return S_MSG;
        case 181:
            *inner = S_QUANTITY;
            *once = 2;
            return S_MSG;
        default: return S_NONE;
        }
    case S_QUANTITY:
        switch (number) {
        case 1:
        case 6:
        case 7: return S_I64;
        case 3:
        case 4:
        case 5:
        case 222:
        case 223:
        case 224: return S_LEN;
        case 226: return S_VARINT;
        case 2:
            *inner = S_RATIO;
            *once = 1;
            return S_MSG;
        case 225: *inner = S_QUANTITY; return S_MSG; /* items: repeated */
        default: return S_NONE;
        }
    default: return number == 1 || number == 2 ? S_VARINT : S_NONE;
    }
}

/* 0 when data[0..len) is message 'msg' as protobuf-c writes it (each
 * field of the message's own with its own wire type, varints of at most
 * nine bytes, a message field that is not repeated at most once: the
 * merge of a second, which protobuf-c refuses for some, is left to it;
 * nested at most 16 deep), with the last 'passed' of a Check in *passed;
 * -1 otherwise. */
static int
s_canon(int msg, const uint8_t *data, size_t len, int depth, int *passed)
{
    if (depth > 16)
        return -1;
    size_t pos = 0;
    ry_pb_field_t f;
    int more;
    unsigned seen = 0; /* the 'once' bits of the message fields met */
    while ((more = ry_pb_next(data, len, &pos, &f)) == 1) {
        int inner = 0;
        unsigned once = 0;
        int want = s_canon_wire(msg, f.number, &inner, &once);
        if (want == S_NONE ||
            (unsigned)(want == S_MSG ? S_LEN : want) != f.wire || (seen & once))
            return -1;
        seen |= once;
        if (want == S_VARINT) {
            if (f.n - f.tag_len > 9)
                return -1;
            if (msg == S_CHECK && f.number == 2)
                *passed = f.varint != 0;
        } else if (want == S_MSG &&
                   s_canon(inner, f.val, f.vlen, depth + 1, passed) != 0) {
            return -1;
        }
    }
    return more == 0 ? 0 : -1;
}

int
ry_verdict_check_passed_canonical(const uint8_t *data, size_t len)
{
    int passed = 0;
    return s_canon(S_CHECK, data, len, 0, &passed) == 0 ? passed : -1;
}

/* Whether a stored Check (its bytes) says it passed; -1 when the bytes
 * are not a Check (or too large a one to decode here). Bytes in the form
 * protobuf-c writes are read in place; any others are decoded whole by
 * protobuf-c, as a reader of the stored verdict will decode them, so
 * that what is accepted here reads there too. */
static int
s_check_passed(const uint8_t *data, size_t len)
{
    int passed = ry_verdict_check_passed_canonical(data, len);
    if (passed >= 0)
        return passed;
    s_bump_t b;
    b.used = 0;
    ProtobufCAllocator al = {s_bump_alloc, s_bump_free, &b};
    Rongyu__Check *k = (Rongyu__Check *)protobuf_c_message_unpack(
        &rongyu__check__descriptor, &al, len, data);
    return k ? k->passed : -1;
}

bool
ry_verdict_view_passed(const uint8_t *data, size_t len,
                       const Rongyu__Application *app, ry_verdict_view_t *out)
{
    ry_pb_field_t f, ruleset = {0}, version = {0};
    size_t pos = 0, steps = 0, stored = 0, bare = 0;
    bool eligible = false;
    int64_t decided = 0;
    int more;
    while ((more = ry_pb_next(data, len, &pos, &f)) == 1) {
        switch (f.number << 3 | f.wire) {
        case 1 << 3 | 0: eligible = f.varint != 0; break;
        case 2 << 3 | 2:
            if (s_check_passed(f.val, f.vlen) != 1)
                return false;
            stored++;
            break;
        case 3 << 3 | 2: ruleset = f; break;
        case 4 << 3 | 0: decided = (int64_t)f.varint; break;
        case 250 << 3 | 0:
            steps++;
            if (f.varint > 1 && (f.varint & 1))
                return false;
            bare += f.varint <= 1;
            break;
        case 250 << 3 | 2: {
            size_t at = 0;
            while (at < f.vlen) {
                uint64_t step;
                if (ry_pb_get_varint(f.val, f.vlen, &at, &step) ||
                    step > UINT32_MAX || (step > 1 && (step & 1)))
                    return false;
                steps++;
                bare += step <= 1;
            }
            break;
        }
        case 251 << 3 | 2: version = f; break;
        default: return false;
        }
    }
    if (more < 0 || steps == 0 || bare != stored)
        return false;
    if (version.vlen && (!app || s_empty(app->campaign_id)))
        return false;
    s_view_t *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    *out = (ry_verdict_view_t){0};
    out->priv_ = h;
    Rongyu__Verdict *v = &h->v;
    rongyu__verdict__init(v);
    v->eligible = eligible;
    v->decided_at_ms = decided;
    v->ruleset = version.vlen
                     ? s_ruleset_of(&h->arena, app->campaign_id,
                                    (const char *)version.val, version.vlen)
                     : s_arena_str(&h->arena, &ruleset);
    out->n_all = steps;
    out->v = v;
    return true;
}

/* ry_verdict_view and ry_verdict_view_failed: with only_failed, the
 * checks that passed are counted and learnt from as stored, not
 * expanded: what later checks derive from them is stored (R_DEADLINE's
 * date, which no application gives) or is their rule
 * (R_RATE_COUNTS_AGREE). */
static int
s_view(const uint8_t *data, size_t len, const Rongyu__Application *app,
       bool only_failed, ry_verdict_view_t *out)
{
    *out = (ry_verdict_view_t){0};
    Rongyu__StoredVerdict *sv = (Rongyu__StoredVerdict *)ry_pb_unpack(
        &rongyu__stored_verdict__descriptor, data, len, 0);
    if (!sv)
        return RY_EMALFORMED;
    s_view_t *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    h->sv = sv;
    out->priv_ = h;
    if (!sv->n_steps) {
        h->legacy = (Rongyu__Verdict *)ry_pb_unpack(
            &rongyu__verdict__descriptor, data, len, 0);
        if (!h->legacy) {
            ry_verdict_view_free(out);
            return RY_EMALFORMED;
        }
        out->v = h->legacy;
        out->n_all = h->legacy->n_checks;
        if (only_failed) {
            size_t n = 0;
            for (size_t i = 0; i < h->legacy->n_checks; i++)
                if (!h->legacy->checks[i]->passed)
                    h->legacy->checks[n++] = h->legacy->checks[i];
            h->legacy->n_checks = n;
        }
        return 0;
    }
    s_ctx_t x = {&h->arena, app, NULL, false};
    Rongyu__Verdict *v = &h->v;
    rongyu__verdict__init(v);
    v->eligible = sv->eligible;
    v->ruleset = sv->ruleset;
    if (!s_empty(sv->ruleset_version)) {
        if (!app || s_empty(app->campaign_id)) {
            ry_verdict_view_free(out);
            return RY_EINVAL;
        }
        v->ruleset =
            s_ruleset_of(&h->arena, app->campaign_id, sv->ruleset_version,
                         strlen(sv->ruleset_version));
    }
    v->decided_at_ms = sv->decided_at_ms;
    v->checks = s_new(&h->arena, sv->n_steps * sizeof *v->checks);
    int rc = 0;
    size_t next = 0;
    for (size_t i = 0; i < sv->n_steps && !rc; i++) {
        uint32_t step = sv->steps[i];
        /* A check derived whole: its rule and outcome, which its
         * expansion copies (so it needs no room of its own). */
        Rongyu__Check bare = RONGYU__CHECK__INIT;
        const Rongyu__Check *k = &bare;
        if (step <= 1) {
            if (next >= sv->n_checks || !sv->checks[next]) {
                rc = RY_EMALFORMED;
                break;
            }
            k = sv->checks[next++];
        } else {
            bare.rule = step >> 1;
            bare.passed = !(step & 1);
        }
        Rongyu__Check *w = (Rongyu__Check *)k;
        out->n_all++;
        if (only_failed && k->passed) {
            s_learn(&x, k);
            continue;
        }
        if (step != 1) {
            if (!app) {
                rc = RY_EINVAL;
                break;
            }
            w = s_expand_check(&x, k);
        }
        s_learn(&x, w);
        if (!only_failed || !w->passed)
            v->checks[v->n_checks++] = w;
    }
    if (rc) {
        ry_verdict_view_free(out);
        return rc;
    }
    out->v = v;
    return 0;
}

int
ry_verdict_view(const uint8_t *data, size_t len, const Rongyu__Application *app,
                ry_verdict_view_t *out)
{
    return s_view(data, len, app, false, out);
}

int
ry_verdict_view_failed(const uint8_t *data, size_t len,
                       const Rongyu__Application *app, ry_verdict_view_t *out)
{
    return s_view(data, len, app, true, out);
}

void
ry_verdict_view_free(ry_verdict_view_t *view)
{
    s_view_t *h = view->priv_;
    if (h) {
        ry_pb_free(&h->legacy);
        ry_pb_free(&h->sv);
        ry_arena_free(&h->arena);
        free(h);
    }
    *view = (ry_verdict_view_t){0};
}

int
ry_verdict_expand(const uint8_t *data, size_t len,
                  const Rongyu__Application *app, Rongyu__Verdict **out)
{
    *out = NULL;
    ry_verdict_view_t view;
    int rc = ry_verdict_view(data, len, app, &view);
    if (rc)
        return rc;
    *out = (Rongyu__Verdict *)ry_pb_clone(&view.v->base);
    ry_verdict_view_free(&view);
    return 0;
}
