/* validation_rules: builds a verdict (one check per rule) for an application. */
#include "validation_rules.h"

#include "ry_arena.h"

#include "ry_error.h"
#include "ry_media.h"
#include "ry_rulecat.h"
#include "ry_str.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ry_campaign mirrors the protobuf enums by number. */
_Static_assert((int)RY_HONOUR_EXCELLENT_WORKER ==
                   (int)RONGYU__HONOUR__EXCELLENT_WORKER,
               "honour numbers");
_Static_assert((int)RY_HONOUR_ADVANCED_SMALL_HOME ==
                   (int)RONGYU__HONOUR__ADVANCED_SMALL_HOME,
               "honour numbers");
_Static_assert((int)RY_CATEGORY_CADRE ==
                   (int)RONGYU__APPLICANT_CATEGORY__CADRE,
               "category numbers");
_Static_assert((int)RY_CATEGORY_UNION_GROUP ==
                   (int)RONGYU__APPLICANT_CATEGORY__UNION_GROUP,
               "category numbers");
_Static_assert((int)RY_COLUMN_GRASSROOTS ==
                   (int)RONGYU__QUOTA_COLUMN__GRASSROOTS_CADRE,
               "column numbers");

__extension__ typedef unsigned __int128 s_u128;

#define S_FORM_KIND "application_form"
#define S_DEEDS_KIND "deeds"

typedef struct {
    const ry_campaign_t *c;
    const ry_calendar_t *cal;
    const Rongyu__Application *app;
    const validation_facts_t *facts; /* what intake tells beside app */
    bool have_submitted;
    ry_date_t submitted; /* local date of submission */
    Rongyu__Check **checks;
    size_t n;
    size_t cap;
} s_eval_t;

static const char *
s_str(const char *s)
{
    return s ? s : "";
}

static bool
s_empty(const char *s)
{
    return !s || !*s;
}

/* A verdict and everything in it come from one arena, freed at once by
 * validation_verdict_free (a few blocks instead of some 400 callocs and
 * frees); the arena is kept just before the verdict. */
typedef struct {
    ry_arena_t arena;
    Rongyu__Verdict v;
} s_held_t;

/* The s_held_t of a verdict from validation_evaluate. */
static s_held_t *
s_held_of(Rongyu__Verdict *v)
{
    return (s_held_t *)((char *)v - offsetof(s_held_t, v));
}

/* The arena of the verdict validation_evaluate is building. */
static _Thread_local ry_arena_t *s_cur;

/* Zeroed, from the verdict's arena. Out of memory aborts: a verdict is
 * small and bounded. */
static void *
s_alloc(size_t n)
{
    assert(s_cur);
    return memset(ry_arena_alloc(s_cur, n), 0, n);
}

static char *
s_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = s_alloc(n);
    memcpy(d, s, n);
    return d;
}

/* ------------------------------------------------------ typed values */

/* The typed threshold and actual value of a check (Check.threshold_value,
 * actual_value; docs/rules.md gives each rule's), in the verdict's arena:
 * one left unused is simply dropped. */
static Rongyu__Quantity *
q_new(void)
{
    Rongyu__Quantity *q = s_alloc(sizeof *q);
    rongyu__quantity__init(q);
    return q;
}

/* q with its unit and comparison, when given. */
static Rongyu__Quantity *
q_tag(Rongyu__Quantity *q, const char *unit, const char *op)
{
    if (unit && *unit)
        q->unit = s_dup(unit);
    if (op && *op)
        q->op = s_dup(op);
    return q;
}

static Rongyu__Quantity *
q_count(int64_t v, const char *unit, const char *op)
{
    Rongyu__Quantity *q = q_new();
    q->value_case = RONGYU__QUANTITY__VALUE_COUNT;
    q->count = v;
    return q_tag(q, unit, op);
}

static Rongyu__Quantity *
q_num(double v, const char *unit, const char *op)
{
    /* A whole number is a count: a varint of a byte or two, where a
     * double takes eight (a threshold of 90%, a score of 95). */
    if (isfinite(v) && fabs(v) < 1e15 && v == (double)(int64_t)v &&
        !(v == 0 && signbit(v)))
        return q_count((int64_t)v, unit, op);
    Rongyu__Quantity *q = q_new();
    q->value_case = RONGYU__QUANTITY__VALUE_NUMBER;
    q->number = v;
    return q_tag(q, unit, op);
}

static Rongyu__Quantity *
q_ratio(uint64_t num, uint64_t den)
{
    Rongyu__Quantity *q = q_new();
    Rongyu__Ratio *r = s_alloc(sizeof *r);
    rongyu__ratio__init(r);
    r->num = num;
    r->den = den;
    q->value_case = RONGYU__QUANTITY__VALUE_RATIO;
    q->ratio = r;
    return q;
}

static Rongyu__Quantity *
q_str(Rongyu__Quantity__ValueCase kind, const char *s)
{
    Rongyu__Quantity *q = q_new();
    q->value_case = kind;
    char *d = s_dup(s_str(s));
    if (kind == RONGYU__QUANTITY__VALUE_DATE)
        q->date = d;
    else if (kind == RONGYU__QUANTITY__VALUE_TEXT)
        q->text = d;
    else
        q->term = d;
    return q;
}

static Rongyu__Quantity *
q_date(const char *s)
{
    return q_str(RONGYU__QUANTITY__VALUE_DATE, s);
}

static Rongyu__Quantity *
q_text(const char *s)
{
    return q_str(RONGYU__QUANTITY__VALUE_TEXT, s);
}

static Rongyu__Quantity *
q_term(const char *s)
{
    return q_str(RONGYU__QUANTITY__VALUE_TERM, s);
}

/* A date as given: typed as a date when it is a real one, else as text. */
static Rongyu__Quantity *
q_given_date(const char *s)
{
    ry_date_t d;
    return ry_date_parse(s_str(s), &d) == 0 ? q_date(s) : q_text(s);
}

static Rongyu__Quantity *
q_op(Rongyu__Quantity *q, const char *op)
{
    q->op = s_dup(op);
    return q;
}

static Rongyu__Quantity *
q_of(Rongyu__Quantity *q, const char *of)
{
    q->of = s_dup(s_str(of));
    return q;
}

static Rongyu__Quantity *
q_range(double min, double max, const char *unit)
{
    Rongyu__Quantity *q = q_new();
    q->op = s_dup("range");
    q->min = min;
    q->max = max;
    if (unit && *unit)
        q->unit = s_dup(unit);
    return q;
}

/* Appends 'item' (taken) to q's parts; returns q. */
static Rongyu__Quantity *
q_push(Rongyu__Quantity *q, Rongyu__Quantity *item)
{
    if ((q->n_items & (q->n_items - 1)) == 0) { /* 0, 1, 2, 4...: full */
        size_t cap = q->n_items ? 2 * q->n_items : 1;
        Rongyu__Quantity **grown = s_alloc(cap * sizeof *grown);
        if (q->n_items)
            memcpy(grown, q->items, q->n_items * sizeof *grown);
        q->items = grown;
    }
    q->items[q->n_items++] = item;
    return q;
}

/* Appends one check of rule 'code' with its outcome and its typed
 * threshold and actual value (taken; either may be NULL). Its texts are
 * rendered from the rule catalogue (common/ry_rulecat) where a person
 * reads them. */
static void
s_add(s_eval_t *e, const char *code, bool passed, bool review,
      Rongyu__Quantity *thr, Rongyu__Quantity *act)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 64;
        Rongyu__Check **grown = s_alloc(cap * sizeof *grown);
        if (e->n)
            memcpy(grown, e->checks, e->n * sizeof *grown);
        e->checks = grown;
        e->cap = cap;
    }
    Rongyu__Check *k = s_alloc(sizeof *k);
    rongyu__check__init(k);
    k->rule = ry_rulecat_rule(code);
    assert(k->rule != 0); /* every rule is in the catalogue */
    k->code = (char *)ry_rulecat_code(k->rule); /* the catalogue's own */
    k->passed = passed || review;
    k->needs_review = review;
    k->threshold_value = thr;
    k->actual_value = act;
    e->checks[e->n++] = k;
}

/* Names what the check added last was applied to (Check.subject). */
static void
s_subject(s_eval_t *e, const char *key)
{
    if (e->n)
        e->checks[e->n - 1]->subject = s_dup(key);
}

/* A required field: passes when present. */
static void
s_required(s_eval_t *e, const char *code, const char *value)
{
    s_add(e, code, !s_empty(value), false, NULL, NULL);
}

/* ------------------------------------------------------ exact numbers */

/* A threshold as a number (92.5 for 92.5%). */
static double
s_thr_number(const ry_threshold_t *t)
{
    return (double)t->num / (double)t->den;
}

/* num/den >= t (a percentage) exactly: num*100*t.den >= t.num*den. The
 * factors are below 2^64 and 2^27, so the products fit in 128 bits. */
static bool
s_ratio_meets(uint64_t num, uint64_t den, const ry_threshold_t *t)
{
    return (s_u128)num * 100u * t->den >= (s_u128)t->num * den;
}

/* v >= t exactly, for a finite v in [0, 100]: v = M * 2^E with M an
 * integer below 2^53, so compare M * t.den with t.num * 2^-E. */
static bool
s_double_meets(double v, const ry_threshold_t *t)
{
    if (v == 0)
        return t->num == 0;
    int exp2;
    double frac = frexp(v, &exp2); /* v = frac * 2^exp2, frac in [0.5,1) */
    uint64_t m = (uint64_t)ldexp(frac, 53);
    int shift = 53 - exp2; /* v = m / 2^shift; shift > 0 as v <= 100 */
    if (shift <= 0)
        return (s_u128)m * t->den >= (s_u128)t->num; /* not reached */
    if (shift >= 100) /* v < 2^-47: below any non-zero threshold */
        return t->num == 0;
    return (s_u128)m * t->den >= (s_u128)t->num << shift;
}

/* ------------------------------------------------------------ metrics */

typedef struct {
    const char *code;     /* R_MEMBERSHIP_MIN */
    const char *required; /* R_REQUIRED_MEMBERSHIP */
    const char *subject;  /* membership: the catalogue's name of it */
} s_metric_t;

static void
s_rate(s_eval_t *e, const s_metric_t *m, const Rongyu__Rate *rate,
       const ry_threshold_t *t, bool fallback, uint64_t fb_num,
       uint64_t fb_den)
{
    if (!t->set)
        return;
    bool counted;
    uint64_t num = 0, den = 0;
    double pct = 0;
    if (rate && rate->value_case == RONGYU__RATE__VALUE_COUNTS &&
        rate->counts) {
        counted = true;
        num = rate->counts->num;
        den = rate->counts->den;
    } else if (rate && rate->value_case == RONGYU__RATE__VALUE_PERCENT) {
        counted = false;
        pct = rate->percent;
    } else if (fallback) {
        counted = true;
        num = fb_num;
        den = fb_den;
    } else {
        s_required(e, m->required, NULL);
        return;
    }
    bool in_range = counted ? den > 0 && num <= den
                            : isfinite(pct) && pct >= 0 && pct <= 100;
    Rongyu__Quantity *act =
        counted ? q_ratio(num, den) : q_num(pct, "percent", NULL);
    if (!in_range) {
        s_add(e, "R_RATE_RANGE", false, false, q_range(0, 100, "percent"),
              act);
        s_subject(e, m->subject);
        return;
    }
    bool ok = counted ? s_ratio_meets(num, den, t) : s_double_meets(pct, t);
    s_add(e, m->code, ok, false, q_num(s_thr_number(t), "percent", "ge"),
          act);
}

/* A stated percentage and the counts of the same rate (metrics.membership
 * given as a percentage, union.members of union.workers): the counts,
 * rounded half up to the precision the percentage is written with (the
 * fewest decimals that give back the same number: 93.1 has one, 95 none),
 * must give the stated figure. Exactly, in integers: with the stated
 * figure P / 10^k, round(100 m / w, k) = floor((200 m 10^k + w) / 2w).
 * R_RATE_COUNTS_AGREE: threshold the counts, actual the stated figure. */
static void
s_rate_agrees(s_eval_t *e, const s_metric_t *m, double pct, uint64_t num,
              uint64_t den)
{
    char stated[48];
    int k = 0;
    for (; k < 15; k++) {
        snprintf(stated, sizeof stated, "%.*f", k, pct);
        if (strtod(stated, NULL) == pct)
            break;
    }
    snprintf(stated, sizeof stated, "%.*f", k, pct);
    s_u128 p10 = 1;
    for (int i = 0; i < k; i++)
        p10 *= 10u;
    s_u128 stated_n = 0;
    for (const char *c = stated; *c; c++)
        if (*c >= '0' && *c <= '9')
            stated_n = stated_n * 10u + (unsigned)(*c - '0');
    s_u128 rounded = ((s_u128)num * 200u * p10 + den) / ((s_u128)den * 2u);
    s_add(e, "R_RATE_COUNTS_AGREE", rounded == stated_n, false,
          q_ratio(num, den), q_num(pct, "percent", NULL));
    s_subject(e, m->subject);
}

static void
s_score(s_eval_t *e, const Rongyu__Score *score, const ry_threshold_t *t)
{
    if (!t->set)
        return;
    if (!score) {
        s_required(e, "R_REQUIRED_SELF_SCORE", NULL);
        return;
    }
    if (!isfinite(score->value) || score->value < 0 || score->value > 100) {
        s_add(e, "R_SCORE_RANGE", false, false, q_range(0, 100, "points"),
              q_num(score->value, "points", NULL));
        return;
    }
    s_add(e, "R_SCORE_MIN", s_double_meets(score->value, t), false,
          q_num(s_thr_number(t), "points", "ge"),
          q_num(score->value, "points", NULL));
}

static void
s_metrics(s_eval_t *e, ry_honour_t h, const ry_thresholds_t *t)
{
    static const s_metric_t formation = {
        "R_FORMATION_MIN", "R_REQUIRED_FORMATION", "formation"};
    static const s_metric_t membership = {
        "R_MEMBERSHIP_MIN", "R_REQUIRED_MEMBERSHIP", "membership"};
    static const s_metric_t satisfaction = {
        "R_SATISFACTION_MIN", "R_REQUIRED_SATISFACTION", "satisfaction"};
    static const s_metric_t realname = {"R_REALNAME", "R_REQUIRED_REALNAME",
                                        "realname"};
    static const s_metric_t chair = {"R_CHAIR_SATISFACTION_MIN",
                                     "R_REQUIRED_CHAIR_SATISFACTION",
                                     "chair_satisfaction"};
    const Rongyu__Metrics *m = e->app->metrics;
    const Rongyu__UnionInfo *u = e->app->union_;
    bool fallback = u && u->workers > 0 && h != RY_HONOUR_EXCELLENT_WORKER;
    s_rate(e, &formation, m ? m->formation : NULL, &t->formation_min, false,
           0, 0);
    const Rongyu__Rate *mr = m ? m->membership : NULL;
    if (t->membership_min.set && fallback && u->members <= u->workers && mr &&
        mr->value_case == RONGYU__RATE__VALUE_PERCENT &&
        isfinite(mr->percent) && mr->percent >= 0 && mr->percent <= 100) {
        /* Both a stated percentage and the counts: they must agree, and
         * the verdict uses the exact counts. */
        s_rate_agrees(e, &membership, mr->percent, u->members, u->workers);
        mr = NULL;
    }
    s_rate(e, &membership, mr, &t->membership_min, fallback, u ? u->members : 0,
           u ? u->workers : 0);
    s_rate(e, &satisfaction, m ? m->satisfaction : NULL,
           &t->satisfaction_min, false, 0, 0);
    s_rate(e, &realname, m ? m->realname : NULL, &t->realname_min, false, 0,
           0);
    s_rate(e, &chair, m ? m->chair_satisfaction : NULL,
           &t->chair_satisfaction_min, false, 0, 0);
    s_score(e, m ? m->self_score : NULL, &t->score_min);
}

/* ------------------------------------------------- applicant's details */

static void
s_union_fields(s_eval_t *e, ry_honour_t h)
{
    const Rongyu__UnionInfo *u = e->app->union_;
    bool small = h == RY_HONOUR_ADVANCED_SMALL_HOME;
    s_required(e, "R_REQUIRED_UNION_NAME", u ? u->name : NULL);
    if (small) {
        s_subject(e, "small_union_name");
        s_required(e, "R_REQUIRED_UNION_PARENT_UNION_NAME",
                   u ? u->parent_union_name : NULL);
    }
    s_required(e, "R_REQUIRED_UNION_TYPE", u ? u->union_type : NULL);
    s_required(e, "R_REQUIRED_UNION_CHAIR_NAME", u ? u->chair_name : NULL);
    if (small)
        s_subject(e, "small_chair_name");
    if (!small) {
        s_required(e, "R_REQUIRED_UNION_ADDRESS", u ? u->address : NULL);
        s_required(e, "R_REQUIRED_UNION_PHONE", u ? u->phone : NULL);
    }
    s_add(e, "R_REQUIRED_UNION_WORKERS", u && u->workers > 0, false, NULL,
          q_count((int64_t)(u ? u->workers : 0), "workers", NULL));
    if (u && !s_empty(u->union_type))
        s_add(e, "R_UNION_TYPE",
              ry_campaign_union_type_valid(e->c, u->union_type), false, NULL,
              q_text(u->union_type));
    if (u)
        s_add(e, "R_MEMBERS_LE_WORKERS", u->members <= u->workers, false, NULL,
              q_push(q_push(q_new(), q_count((int64_t)u->members, "members",
                                             NULL)),
                     q_count((int64_t)u->workers, "workers", NULL)));
}

/* China's minimum working age (劳动法 第十五条: no one under 16 is
 * employed). */
#define S_MIN_WORK_AGE 16

/* R_PERSON_DATES, for a real birth month: born no later than the
 * submission, and in union work (when its start is a real date) from
 * the month of the 16th birthday on. Threshold: the submission date and
 * the age in years; actual: the birth month, the month of the 16th
 * birthday and the start of union work. */
static void
s_person_dates(s_eval_t *e, const Rongyu__Person *p)
{
    int by, bm;
    if (!p || ry_date_parse_month(s_str(p->birth_month), &by, &bm) != 0)
        return;
    char sub[RY_DATE_STRLEN] = "", m16[16];
    if (e->have_submitted)
        ry_date_format(e->submitted, sub, sizeof sub);
    bool born =
        e->have_submitted &&
        (by < e->submitted.y || (by == e->submitted.y && bm <= e->submitted.m));
    ry_date_t since;
    bool since_ok = ry_date_parse(s_str(p->union_work_since), &since) == 0;
    int y16 = by + S_MIN_WORK_AGE;
    bool aged = !since_ok || since.y > y16 || (since.y == y16 && since.m >= bm);
    snprintf(m16, sizeof m16, "%04d-%02d", y16, bm);
    Rongyu__Quantity *thr = q_push(
        q_push(q_new(), e->have_submitted ? q_date(sub) : q_term("unknown")),
        q_count(S_MIN_WORK_AGE, "years", NULL));
    Rongyu__Quantity *act =
        q_push(q_push(q_new(), q_text(p->birth_month)), q_text(m16));
    q_push(act, since_ok ? q_date(p->union_work_since) : q_term("missing"));
    s_add(e, "R_PERSON_DATES", born && aged, false, thr, act);
}

static void
s_person(s_eval_t *e, const ry_thresholds_t *t)
{
    const Rongyu__Person *p = e->app->person;
    s_required(e, "R_REQUIRED_PERSON_NAME", p ? p->name : NULL);
    s_required(e, "R_REQUIRED_PERSON_GENDER", p ? p->gender : NULL);
    if (p && !s_empty(p->gender))
        s_add(e, "R_PERSON_GENDER",
              strcmp(p->gender, "男") == 0 || strcmp(p->gender, "女") == 0,
              false, q_push(q_push(q_new(), q_text("男")), q_text("女")),
              q_text(p->gender));
    s_required(e, "R_REQUIRED_PERSON_BIRTH_MONTH", p ? p->birth_month : NULL);
    s_required(e, "R_REQUIRED_PERSON_EMPLOYER", p ? p->employer : NULL);
    s_required(e, "R_REQUIRED_PERSON_POSITION", p ? p->position : NULL);
    s_required(e, "R_REQUIRED_PERSON_CADRE_TYPE", p ? p->cadre_type : NULL);
    if (p && !s_empty(p->cadre_type))
        s_add(e, "R_CADRE_TYPE",
              ry_campaign_cadre_type_valid(e->c, p->cadre_type), false, NULL,
              q_text(p->cadre_type));
    s_required(e, "R_REQUIRED_PERSON_UNION_WORK_SINCE",
               p ? p->union_work_since : NULL);

    int col = p ? (int)p->column : 0;
    bool col_ok =
        col >= RY_COLUMN_LEADERSHIP_ORGAN && col <= RY_COLUMN_GRASSROOTS;
    s_add(e, "R_REQUIRED_PERSON_COLUMN", col_ok, false, NULL,
          q_term(ry_rulecat_column_term(col)));
    int unit = ry_campaign_unit_find(e->c, e->app->organising_unit);
    if (col_ok && col != RY_COLUMN_LEADERSHIP_ORGAN && unit >= 0) {
        int q = ry_campaign_unit_quota(e->c, (size_t)unit, (ry_column_t)col);
        s_add(e, "R_QUOTA_COLUMN", q > 0, false, NULL,
              q_of(q_count(q, "seats", NULL), e->app->organising_unit));
    }
    /* The column fits the nominee: the leadership-organ seats are for the
     * organ cadres the city's departments recommend (四（一）4, Annex 1
     * note 2), the township column for township cadres and professional
     * union workers (note 1), the grassroots column for the others. The
     * threshold is the column of the cadre type (its 'of') and whether it
     * is an organ cadre; the actual value the column claimed and the
     * person's organ_cadre. */
    int fit =
        p && col_ok ? ry_campaign_cadre_type_column(e->c, p->cadre_type) : 0;
    if (fit) {
        bool organ = fit == RY_COLUMN_LEADERSHIP_ORGAN;
        const char *organ_terms[] = {"not_organ_cadre", "organ_cadre"};
        Rongyu__Quantity *thr =
            q_push(q_push(q_new(), q_of(q_term(ry_rulecat_column_term(fit)),
                                        p->cadre_type)),
                   q_term(organ_terms[organ]));
        Rongyu__Quantity *act =
            q_push(q_push(q_new(), q_term(ry_rulecat_column_term(col))),
                   q_term(organ_terms[p->organ_cadre ? 1 : 0]));
        s_add(e, "R_COLUMN_CADRE_TYPE",
              col == fit && (bool)p->organ_cadre == organ, false, thr, act);
    }

    if (t->union_years_min > 0) {
        Rongyu__Quantity *thr = q_count(t->union_years_min, "years", "ge");
        ry_date_t since;
        if (!p || ry_date_parse(p->union_work_since, &since) != 0) {
            s_add(e, "R_UNION_YEARS_MIN", false, false, thr,
                  p && !s_empty(p->union_work_since)
                      ? q_text(p->union_work_since)
                      : q_term("missing"));
        } else if (!e->have_submitted) {
            s_add(e, "R_UNION_YEARS_MIN", false, false, thr,
                  q_term("unknown_submission"));
        } else {
            ry_date_t due = ry_date_add_years(since, t->union_years_min);
            char sb[RY_DATE_STRLEN], db[RY_DATE_STRLEN];
            ry_date_format(since, sb, sizeof sb);
            ry_date_format(due, db, sizeof db);
            s_add(e, "R_UNION_YEARS_MIN",
                  ry_date_compare(due, e->submitted) <= 0, false, thr,
                  q_push(q_push(q_new(), q_date(sb)), q_date(db)));
        }
    }
    s_person_dates(e, p);
    if (t->five_haves)
        s_add(e, "R_FIVE_HAVES", p && p->home_five_haves, false,
              q_term("yes"), q_term(p && p->home_five_haves ? "yes" : "no"));
    if (t->home_honour_min_level > 0) {
        static const char *const levels[] = {
            "level_none", "level_county", "level_city", "level_province",
            "level_national"};
        int have = p ? (int)p->home_honour_level : 0;
        if (have < 0 || have > 4)
            have = 0;
        s_add(e, "R_HOME_HONOUR_LEVEL", have >= t->home_honour_min_level,
              false, q_op(q_term(levels[t->home_honour_min_level]), "ge"),
              q_term(levels[have]));
    }
    if (p && (p->organ_cadre || col == RY_COLUMN_LEADERSHIP_ORGAN))
        s_add(e, "R_ORGAN_CADRE_REVIEW", true, true, NULL, NULL);
}

/* The notice's exclusion (已获得并保持市级及以上…荣誉称号的单位、个人不再
 * 参加市级荣誉的申报和评选): an honour declared as still held, or one this
 * system awarded the applicant (the nominee) in an earlier campaign
 * (the case, "of" its campaign), which it holds: nothing here takes an
 * award back. */
static void
s_held_honours(s_eval_t *e)
{
    const Rongyu__HeldHonour *held = NULL;
    for (size_t i = 0; i < e->app->n_held_honours; i++) {
        const Rongyu__HeldHonour *hh = e->app->held_honours[i];
        if (hh && hh->still_held && hh->level >= RONGYU__HONOUR_LEVEL__CITY)
            held = hh;
    }
    const char *awarded = e->facts->awarded_case;
    if (!held && !s_empty(awarded)) {
        s_add(e, "R_HOLDS_CITY_HONOUR", false, false, NULL,
              q_of(q_text(awarded), s_str(e->facts->awarded_campaign)));
        return;
    }
    s_add(e, "R_HOLDS_CITY_HONOUR", held == NULL, false, NULL,
          !held                 ? q_term("none")
          : s_empty(held->name) ? q_term("unnamed")
                                : q_text(held->name));
}

/* --------------------------------------------------- dates and posting */

enum { S_COMMITTEE, S_PARTY, S_CONGRESS, S_POST_START, S_POST_END, S_NDECL };

/* The dated declarations. The committee, Party and congress steps are
 * the procedure of a union's own application (四（一）2: homes and small
 * homes); a nominated person is posted in the unit (四（一）4) after
 * opinions gathered "通过会员（代表）大会或其它方式" (六.1), so for a
 * person ('person') a step is checked only when its date is given. */
static void
s_declarations(s_eval_t *e, bool person)
{
    static const char *const field[S_NDECL] = {
        "committee_study_date", "party_consent_date",
        "congress_approval_date", "posting_start", "posting_end"};
    const Rongyu__Declarations *d = e->app->declarations;
    const char *raw[S_NDECL] = {
        d ? d->committee_study_date : NULL, d ? d->party_consent_date : NULL,
        d ? d->congress_approval_date : NULL, d ? d->posting_start : NULL,
        d ? d->posting_end : NULL};
    ry_date_t date[S_NDECL];
    bool ok[S_NDECL];

    /* Every date the application gives, real or not. */
    Rongyu__Quantity *invalid = q_new();
    for (int i = 0; i < S_NDECL; i++) {
        ok[i] = ry_date_parse(s_str(raw[i]), &date[i]) == 0;
        if (!ok[i] && !s_empty(raw[i]))
            q_push(invalid, q_of(q_text(raw[i]), field[i]));
    }
    const Rongyu__Person *p = e->app->person;
    if (p) {
        ry_date_t tmp;
        int y, m;
        if (!s_empty(p->union_work_since) &&
            ry_date_parse(p->union_work_since, &tmp) != 0)
            q_push(invalid, q_of(q_text(p->union_work_since),
                                 "union_work_since"));
        if (!s_empty(p->birth_month) &&
            ry_date_parse_month(p->birth_month, &y, &m) != 0)
            q_push(invalid, q_of(q_text(p->birth_month), "birth_month"));
    }
    bool all_real = invalid->n_items == 0;
    if (all_real)
        invalid = q_term("all_real");
    s_add(e, "R_DATE_INVALID", all_real, false, NULL, invalid);

    static const char *const codes[3] = {"R_DECL_COMMITTEE", "R_DECL_PARTY",
                                         "R_DECL_CONGRESS"};
    for (int i = 0; i < 3; i++) {
        if (person && s_empty(raw[i]))
            continue;
        s_add(e, codes[i], ok[i], false, NULL,
              s_empty(raw[i]) ? q_term("missing") : q_given_date(raw[i]));
    }

    /* The order of the steps, among the dates that are given: the
     * notice orders the committee, the Party and the congress (四（一）2),
     * and a posting runs from its start to its end; it does not place the
     * posting against the congress (only against the submission:
     * R_POSTING_AFTER_SUBMIT). */
    static const int chains[][2] = {{S_COMMITTEE, S_CONGRESS},
                                    {S_POST_START, S_POST_END}};
    Rongyu__Quantity *order_bad = NULL;
    for (size_t ch = 0; ch < 2 && !order_bad; ch++) {
        int prev = -1;
        for (int i = chains[ch][0]; i <= chains[ch][1] && !order_bad; i++) {
            if (!ok[i])
                continue;
            if (prev >= 0 && ry_date_compare(date[prev], date[i]) > 0)
                order_bad = q_push(
                    q_push(q_new(), q_of(q_date(raw[prev]), field[prev])),
                    q_of(q_date(raw[i]), field[i]));
            prev = i;
        }
    }
    s_add(e, "R_DECL_ORDER", order_bad == NULL, false, NULL,
          order_bad ? order_bad : q_term("in_order"));

    char sub[RY_DATE_STRLEN] = "";
    if (e->have_submitted)
        ry_date_format(e->submitted, sub, sizeof sub);
    int future = -1;
    for (int i = 0; i < S_NDECL && e->have_submitted; i++) {
        if (ok[i] && ry_date_compare(date[i], e->submitted) > 0 && future < 0)
            future = i;
    }
    s_add(e, "R_DECL_FUTURE", e->have_submitted && future < 0, false,
          q_op(e->have_submitted ? q_date(sub) : q_term("unknown"), "le"),
          !e->have_submitted ? q_term("unknown_submission")
          : future >= 0      ? q_of(q_date(raw[future]), field[future])
                             : q_term("none"));

    /* The public posting (公示): at least N working days. */
    int need = ry_campaign_posting_min_workdays(e->c);
    Rongyu__Quantity *pthr = q_count(need, "working_days", "ge");
    if (!ok[S_POST_START] || !ok[S_POST_END] ||
        ry_date_compare(date[S_POST_START], date[S_POST_END]) > 0) {
        /* Parts: first day, last day, as given ("?": none). */
        Rongyu__Quantity *act = q_new();
        for (int i = S_POST_START; i <= S_POST_END; i++)
            q_push(act, s_empty(raw[i]) ? q_text("?") : q_given_date(raw[i]));
        s_add(e, "R_POSTING_WORKDAYS", false, false, pthr, act);
    } else {
        int count = 0;
        int rc = e->cal ? ry_calendar_count_workdays(e->cal,
                                                     date[S_POST_START],
                                                     date[S_POST_END], &count)
                        : RY_ENODATA;
        if (rc != 0) {
            /* Name the year that is missing (a posting from 2026-12-28
             * needs 2027). */
            int missing = 0;
            for (int y = date[S_POST_START].y;
                 e->cal && y <= date[S_POST_END].y && !missing; y++)
                if (!ry_calendar_has_year(e->cal, y))
                    missing = y;
            /* Parts: first day, last day, the year without data. */
            Rongyu__Quantity *act = q_push(
                q_push(q_new(), q_date(raw[S_POST_START])),
                q_date(raw[S_POST_END]));
            if (missing)
                q_push(act, q_count(missing, "year", NULL));
            s_add(e, "R_CALENDAR_NODATA", false, false, NULL, act);
        } else {
            ry_date_t first_ok;
            char fb[RY_DATE_STRLEN] = "?";
            if (ry_calendar_add_workdays(e->cal, date[S_POST_START], need,
                                         &first_ok) == 0)
                ry_date_format(first_ok, fb, sizeof fb);
            /* Parts: working days, first day, last day, earliest end. */
            Rongyu__Quantity *act = q_new();
            q_push(act, q_count(count, "working_days", NULL));
            q_push(act, q_date(raw[S_POST_START]));
            q_push(act, q_date(raw[S_POST_END]));
            q_push(act, fb[0] == '?' ? q_text(fb) : q_date(fb));
            s_add(e, "R_POSTING_WORKDAYS", count >= need, false, pthr, act);
        }
    }
    if (ok[S_POST_END]) {
        s_add(e, "R_POSTING_AFTER_SUBMIT",
              e->have_submitted &&
                  ry_date_compare(date[S_POST_END], e->submitted) <= 0,
              false,
              q_op(e->have_submitted ? q_date(sub) : q_term("unknown"), "le"),
              q_date(raw[S_POST_END]));
    }
}

/* The deadline of the application: grassroots unions apply by
 * submission_deadline (今年基层工会申报截止时间为11月30日); excellent
 * workers are put forward by the organising units, whose recommendations
 * and summary tables are due by summary_deadline (截止时间12月31日), so a
 * nomination may reach the system until then, or until the unit's own
 * deadline when the city extended it (intake tells it: facts
 * unit_deadline; docs/rules.md). The threshold is the last day, with the
 * campaign's UTC offset as its part. */
static void
s_deadline(s_eval_t *e)
{
    bool person = e->app->honour == RONGYU__HONOUR__EXCELLENT_WORKER;
    ry_date_t dl = person ? ry_campaign_summary_deadline(e->c)
                          : ry_campaign_submission_deadline(e->c),
              ext;
    const char *told = e->facts->unit_deadline;
    if (person && !s_empty(told) && ry_date_parse(told, &ext) == 0)
        dl = ext;
    char db[RY_DATE_STRLEN], sb[RY_DATE_STRLEN];
    ry_date_format(dl, db, sizeof db);
    Rongyu__Quantity *thr = q_op(q_date(db), "le");
    q_push(thr, q_count(ry_campaign_utc_offset_minutes(e->c), "utc_offset",
                        NULL));
    const char *subject = person ? "summary_deadline" : "submission_deadline";
    if (!e->have_submitted) {
        s_add(e, "R_DEADLINE", false, false, thr,
              q_term("invalid_submission"));
        s_subject(e, subject);
        return;
    }
    ry_date_format(e->submitted, sb, sizeof sb);
    s_add(e, "R_DEADLINE", ry_date_compare(e->submitted, dl) <= 0, false, thr,
          q_date(sb));
    s_subject(e, subject);
}

/* ---------------------------------------------------------- attachments */

static void
s_attachments(s_eval_t *e)
{
    const Rongyu__Application *app = e->app;
    uint64_t cap = ry_campaign_attachment_max_bytes(e->c);
    size_t forms = 0;
    bool types_ok = true, sizes_ok = true, deeds = !s_empty(app->deeds);
    Rongyu__Quantity *types = q_new(), *sizes = q_new();
    for (size_t i = 0; i < app->n_attachments; i++) {
        const Rongyu__Attachment *a = app->attachments[i];
        if (!a)
            continue;
        if (strcmp(s_str(a->kind), S_DEEDS_KIND) == 0)
            deeds = true;
        if (strcmp(s_str(a->kind), S_FORM_KIND) != 0)
            continue;
        forms++;
        /* The content, when present, is the truth about the type. */
        bool have = a->content.len > 0 && a->content.data;
        const char *mt = have ? ry_media_sniff(a->content.data,
                                               a->content.len)
                              : s_str(a->media_type);
        uint64_t size = have ? (uint64_t)a->content.len : a->size;
        types_ok &= ry_campaign_form_media_allowed(e->c, mt);
        sizes_ok &= size > 0 && size <= cap;
        q_push(types, q_of(s_empty(mt) ? q_term("unknown_type") : q_text(mt),
                           s_str(a->name)));
        q_push(sizes, q_of(q_count((int64_t)size, "bytes", NULL), s_str(a->name)));
    }
    s_add(e, "R_FORM_ATTACHED", forms > 0, false, NULL,
          q_count((int64_t)forms, "forms", NULL));
    if (forms > 0) {
        Rongyu__Quantity *allowed = q_new();
        static const char *const all[] = {"application/pdf", "image/jpeg",
                                          "image/png"};
        for (size_t i = 0; i < 3; i++)
            if (ry_campaign_form_media_allowed(e->c, all[i]))
                q_push(allowed, q_text(all[i]));
        s_add(e, "R_FORM_MEDIA_TYPE", types_ok, false, allowed, types);
        s_add(e, "R_FORM_SIZE", sizes_ok, false, q_range(1, (double)cap, "bytes"),
              sizes);
    }
    s_add(e, "R_REQUIRED_DEEDS", deeds, false, NULL,
          q_term(deeds ? "given" : "missing"));
}

/* ------------------------------------------------- registered kind */

/* What a registered kind of organisation may declare itself as (SPEC §1,
 * docs/rules.md). A grassroots union of any kind applies for its own
 * cadres too; an organising unit only for its organ's cadres; a branch or
 * group only as itself; the city for nothing. */
static const struct {
    Rongyu__OrgKind kind;
    const char *name; /* as registered (rongyu org import) */
    unsigned categories; /* bit per ry_category_t */
} s_kinds[] = {
    {RONGYU__ORG_KIND__ORG_GRASSROOTS, "grassroots",
     1u << RY_CATEGORY_SINGLE_ESTABLISHMENT | 1u << RY_CATEGORY_CADRE},
    {RONGYU__ORG_KIND__ORG_TOWNSHIP, "township",
     1u << RY_CATEGORY_TOWNSHIP | 1u << RY_CATEGORY_CADRE},
    {RONGYU__ORG_KIND__ORG_FEDERATION, "federation",
     1u << RY_CATEGORY_REGIONAL_FEDERATION | 1u << RY_CATEGORY_CADRE},
    {RONGYU__ORG_KIND__ORG_JOINT, "joint",
     1u << RY_CATEGORY_JOINT_GRASSROOTS | 1u << RY_CATEGORY_CADRE},
    {RONGYU__ORG_KIND__ORG_BRANCH, "branch", 1u << RY_CATEGORY_BRANCH},
    {RONGYU__ORG_KIND__ORG_GROUP, "group", 1u << RY_CATEGORY_UNION_GROUP},
    {RONGYU__ORG_KIND__ORG_UNIT, "unit", 1u << RY_CATEGORY_CADRE},
    {RONGYU__ORG_KIND__ORG_CITY, "city", 0},
};

/* The declared category and the honour against the applicant's registered
 * kind: R_ORG_KIND_CATEGORY and R_ORG_KIND_HONOUR; the threshold is the
 * list of what the kind (its 'of') may take, the actual value the
 * declared one. An unregistered applicant has no kind to check against:
 * no check. */
static void
s_registered_kind(s_eval_t *e, ry_honour_t h, bool h_known, ry_category_t cat,
                  bool c_known)
{
    if (e->facts->applicant_kind == RONGYU__ORG_KIND__ORG_KIND_UNSPECIFIED)
        return;
    size_t k = 0;
    while (k < sizeof s_kinds / sizeof s_kinds[0] &&
           s_kinds[k].kind != e->facts->applicant_kind)
        k++;
    const char *kname = "?";
    unsigned allowed = 0;
    if (k < sizeof s_kinds / sizeof s_kinds[0]) {
        kname = s_kinds[k].name;
        allowed = s_kinds[k].categories;
    }
    if (c_known) {
        Rongyu__Quantity *thr = q_of(q_new(), kname);
        for (int c = RY_CATEGORY_NONE + 1; c < RY_CATEGORY_COUNT; c++)
            if (allowed & 1u << c)
                q_push(thr, q_text(ry_category_name((ry_category_t)c)));
        s_add(e, "R_ORG_KIND_CATEGORY", (allowed & 1u << cat) != 0, false, thr,
              q_text(ry_category_name(cat)));
    }
    if (h_known) {
        /* The honour is open to the kind when one of its categories may
         * apply for it in this campaign. */
        bool ok = false;
        Rongyu__Quantity *thr = q_of(q_new(), kname);
        for (int hh = RY_HONOUR_NONE + 1; hh < RY_HONOUR_COUNT; hh++) {
            bool any = false;
            for (int c = RY_CATEGORY_NONE + 1; c < RY_CATEGORY_COUNT; c++)
                if ((allowed & 1u << c) &&
                    ry_campaign_thresholds(e->c, (ry_honour_t)hh,
                                           (ry_category_t)c))
                    any = true;
            if (any)
                q_push(thr, q_text(ry_honour_name((ry_honour_t)hh)));
            if (any && hh == (int)h)
                ok = true;
        }
        s_add(e, "R_ORG_KIND_HONOUR", ok, false, thr,
              q_text(ry_honour_name(h)));
    }
}

/* -------------------------------------------------------------- verdict */

static void
s_rules(s_eval_t *e)
{
    const Rongyu__Application *app = e->app;
    ry_honour_t h = (ry_honour_t)app->honour;
    ry_category_t cat = (ry_category_t)app->category;
    bool h_known = h > RY_HONOUR_NONE && h < RY_HONOUR_COUNT;
    bool c_known = cat > RY_CATEGORY_NONE && cat < RY_CATEGORY_COUNT;

    s_add(e, "R_REQUIRED_HONOUR", h_known, false, NULL,
          h_known ? q_text(ry_honour_name(h)) : q_term("missing"));
    if (h_known)
        s_add(e, "R_HONOUR_ENABLED", ry_campaign_honour_enabled(e->c, h),
              false, NULL, q_text(ry_honour_name(h)));
    s_add(e, "R_REQUIRED_CATEGORY", c_known, false, NULL,
          c_known ? q_text(ry_category_name(cat)) : q_term("missing"));
    const ry_thresholds_t *t = NULL;
    if (h_known && c_known) {
        t = ry_campaign_thresholds(e->c, h, cat);
        s_add(e, "R_CATEGORY_HONOUR", t != NULL, false, NULL,
              q_push(q_push(q_new(), q_text(ry_category_name(cat))),
                     q_text(ry_honour_name(h))));
    }
    s_registered_kind(e, h, h_known, cat, c_known);
    s_deadline(e);
    s_required(e, "R_REQUIRED_APPLICANT_ORG", app->applicant_org);
    s_required(e, "R_REQUIRED_ORGANISING_UNIT", app->organising_unit);
    if (!s_empty(app->organising_unit))
        s_add(e, "R_ORGANISING_UNIT",
              ry_campaign_unit_find(e->c, app->organising_unit) >= 0, false,
              NULL, q_text(app->organising_unit));

    /* The kind of applicant: from the honour, else from the category. */
    bool person = h_known ? h == RY_HONOUR_EXCELLENT_WORKER
                          : cat == RY_CATEGORY_CADRE;
    ry_honour_t kind = h_known ? h
                       : person ? RY_HONOUR_EXCELLENT_WORKER
                       : (cat == RY_CATEGORY_BRANCH ||
                          cat == RY_CATEGORY_UNION_GROUP)
                           ? RY_HONOUR_ADVANCED_SMALL_HOME
                           : RY_HONOUR_ADVANCED_HOME;
    static const ry_thresholds_t none;
    if (person)
        s_person(e, t ? t : &none);
    else
        s_union_fields(e, kind);
    if (t && !person)
        s_metrics(e, h, t);
    s_held_honours(e);
    s_declarations(e, person);
    s_attachments(e);

    s_add(e, "R_POLITICAL_REVIEW", true, true, NULL, NULL);
    if (h == RY_HONOUR_MODEL_HOME)
        s_add(e, "R_MODEL_INNOVATION_REVIEW", true, true, NULL, NULL);
}

int
validation_evaluate(const ry_campaign_t *c, const ry_calendar_t *cal,
                    const Rongyu__Application *app,
                    const validation_facts_t *facts, Rongyu__Verdict **out)
{
    static const validation_facts_t none = {0};
    if (!app || !out)
        return RY_EINVAL;
    if (!facts)
        facts = &none;
    int64_t submitted_at_ms = facts->submitted_at_ms;
    *out = NULL;
    ry_arena_t a = {0};
    ry_arena_reserve(&a, 32768);
    s_held_t *held = ry_arena_alloc(&a, sizeof *held);
    held->arena = a;
    s_cur = &held->arena;
    s_eval_t e;
    memset(&e, 0, sizeof e);
    e.c = c;
    e.cal = cal;
    e.app = app;
    e.facts = facts;

    bool campaign_ok =
        c && strcmp(s_str(app->campaign_id), ry_campaign_id(c)) == 0;
    s_add(&e, "R_CAMPAIGN", campaign_ok, false,
          c ? q_text(ry_campaign_id(c)) : q_term("known_campaign"),
          s_empty(app->campaign_id) ? q_term("missing")
                                    : q_text(app->campaign_id));
    char ruleset[256] = "";
    if (campaign_ok) {
        e.have_submitted =
            submitted_at_ms > 0 &&
            ry_date_from_epoch_ms(submitted_at_ms,
                                  ry_campaign_utc_offset_minutes(c),
                                  &e.submitted, NULL) == 0;
        ry_str_cat(ruleset, sizeof ruleset, ry_campaign_id(c), "/",
                   ry_campaign_ruleset_version(c), (char *)NULL);
        s_rules(&e);
    }

    Rongyu__Verdict *v = &held->v;
    rongyu__verdict__init(v);
    v->ruleset = s_dup(ruleset);
    v->eligible = true;
    for (size_t i = 0; i < e.n; i++)
        if (!e.checks[i]->passed)
            v->eligible = false;
    v->checks = e.checks;
    v->n_checks = e.n;
    s_cur = NULL;
    *out = v;
    return 0;
}

void
validation_verdict_free(Rongyu__Verdict **v)
{
    if (!v || !*v)
        return;
    ry_arena_t a = s_held_of(*v)->arena; /* held in the arena it frees */
    ry_arena_free(&a);
    *v = NULL;
}

char *
validation_verdict_dup(Rongyu__Verdict *v, const char *str)
{
    size_t n = strlen(str) + 1;
    return memcpy(ry_arena_alloc(&s_held_of(v)->arena, n), str, n);
}

const Rongyu__Check *
validation_verdict_find(const Rongyu__Verdict *v, const char *code)
{
    for (size_t i = 0; v && code && i < v->n_checks; i++)
        if (v->checks[i] &&
            strcmp(ry_rulecat_check_code(v->checks[i]), code) == 0)
            return v->checks[i];
    return NULL;
}
