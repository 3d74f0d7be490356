/* validation_rules: builds a verdict (one check per rule) for an application. */
#include "validation_rules.h"

#include "ry_error.h"
#include "ry_media.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
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
#define S_MISSING "未填写/missing"
/* Separates the Chinese and the English form of a value (s_pick). */
#define S_BI "\x1f"

typedef struct {
    const ry_campaign_t *c;
    const ry_calendar_t *cal;
    const Rongyu__Application *app;
    Rongyu__OrgKind applicant_kind; /* registered kind, 0: not registered */
    bool have_submitted;
    ry_date_t submitted; /* local date of submission */
    Rongyu__Check **checks;
    size_t n;
    size_t cap;
    bool oom;
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

static char *
s_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void
s_check_free(Rongyu__Check *k)
{
    if (!k)
        return;
    free(k->code);
    free(k->threshold);
    free(k->actual);
    free(k->message_zh);
    free(k->message_en);
    for (int i = 0; i < 2; i++) {
        Rongyu__Quantity *q = i ? k->actual_value : k->threshold_value;
        if (q && q->value_case == RONGYU__QUANTITY__VALUE_RATIO)
            free(q->ratio);
        free(q);
    }
    free(k);
}

/* True when s holds a CJK character (U+2E80 and up: ideographs and
 * full-width punctuation). */
static bool
s_has_cjk(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0xF0)
            return true; /* beyond the BMP: CJK extensions */
        if (p[i] >= 0xE0 && i + 2 < n + 1 && i + 1 < n) {
            unsigned cp = (unsigned)(p[i] & 0x0F) << 12 |
                          (unsigned)(p[i + 1] & 0x3F) << 6 |
                          (i + 2 < n ? (unsigned)(p[i + 2] & 0x3F) : 0);
            if (cp >= 0x2E80)
                return true;
        }
    }
    return false;
}

/* The part of a bilingual threshold or actual value for one language.
 * Forms: "中文" S_BI "English", "中文/English" (one slash, Chinese
 * before it, none after), "中文 (English)"; anything else is the same in
 * both (numbers, dates, codes, the application's own data). */
static void
s_pick(const char *s, bool zh, char *out, size_t len)
{
    const char *sep = strchr(s, '\x1f');
    size_t n = strlen(s);
    if (sep) {
        if (zh)
            snprintf(out, len, "%.*s", (int)(sep - s), s);
        else
            snprintf(out, len, "%s", sep + 1);
        return;
    }
    const char *open = strstr(s, " (");
    if (open && n > 1 && s[n - 1] == ')' && !strstr(open + 2, " (") &&
        s_has_cjk(s, (size_t)(open - s)) &&
        !s_has_cjk(open + 2, n - (size_t)(open - s) - 3)) {
        if (zh)
            snprintf(out, len, "%.*s", (int)(open - s), s);
        else
            snprintf(out, len, "%.*s", (int)(n - (size_t)(open - s) - 3),
                     open + 2);
        return;
    }
    const char *slash = strchr(s, '/');
    if (slash && !strchr(slash + 1, '/') && s_has_cjk(s, (size_t)(slash - s)) &&
        !s_has_cjk(slash + 1, strlen(slash + 1))) {
        if (zh)
            snprintf(out, len, "%.*s", (int)(slash - s), s);
        else
            snprintf(out, len, "%s", slash + 1);
        return;
    }
    snprintf(out, len, "%s", s);
}

/* A bilingual value in the S_BI form is shown as "中文/English". */
static char *
s_display(const char *s)
{
    const char *sep = strchr(s, '\x1f');
    if (!sep)
        return s_dup(s);
    char *d = s_dup(s);
    if (d)
        d[sep - s] = '/';
    return d;
}

/* ------------------------------------------------------ typed values */

/* The typed threshold and actual value of a check, beside its display
 * strings (Check.threshold_value, actual_value). */
typedef struct {
    int kind;      /* 0 none, 1 number, 2 ratio */
    double number;
    uint64_t num, den;
    const char *unit, *op;
} s_qty_t;

static Rongyu__Quantity *
s_qty_new(const s_qty_t *t)
{
    if (!t->kind)
        return NULL;
    Rongyu__Quantity *q = malloc(sizeof *q);
    if (!q)
        return NULL;
    rongyu__quantity__init(q);
    q->unit = (char *)t->unit;
    q->op = (char *)(t->op ? t->op : "");
    if (t->kind == 1) {
        q->value_case = RONGYU__QUANTITY__VALUE_NUMBER;
        q->number = t->number;
    } else {
        Rongyu__Ratio *r = malloc(sizeof *r);
        if (!r) {
            free(q);
            return NULL;
        }
        rongyu__ratio__init(r);
        r->num = t->num;
        r->den = t->den;
        q->value_case = RONGYU__QUANTITY__VALUE_RATIO;
        q->ratio = r;
    }
    return q;
}

/* Sets the typed values of the check added last. */
static void
s_typed(s_eval_t *e, const s_qty_t *thr, const s_qty_t *act)
{
    if (e->oom || !e->n)
        return;
    Rongyu__Check *k = e->checks[e->n - 1];
    k->threshold_value = s_qty_new(thr);
    k->actual_value = s_qty_new(act);
}

/* A threshold as a number (92.5 for 92.5%). */
static double
s_thr_number(const ry_threshold_t *t)
{
    return (double)t->num / (double)t->den;
}

/* Appends one check. Labels name the rule ("职工入会率", "membership
 * rate"); the messages are built from them and the outcome, each in one
 * language: the Chinese message takes the Chinese part of a bilingual
 * threshold or actual value, the English message the English part. */
static void
s_add(s_eval_t *e, const char *code, bool passed, bool review,
      const char *threshold, const char *actual, const char *zh,
      const char *en)
{
    if (e->oom)
        return;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 32;
        Rongyu__Check **grown = realloc(e->checks, cap * sizeof *grown);
        if (!grown) {
            e->oom = true;
            return;
        }
        e->checks = grown;
        e->cap = cap;
    }
    Rongyu__Check *k = malloc(sizeof *k);
    if (!k) {
        e->oom = true;
        return;
    }
    rongyu__check__init(k);
    char mzh[2200], men[2200];
    threshold = s_str(threshold);
    actual = s_str(actual);
    if (review) {
        snprintf(mzh, sizeof mzh, "%s：须由审核人判断并记录审批意见。", zh);
        snprintf(men, sizeof men,
                 "%s: left to the reviewer's judgment and opinion.", en);
    } else {
        char tz[512], te[512], az[512], ae[512];
        s_pick(threshold, true, tz, sizeof tz);
        s_pick(threshold, false, te, sizeof te);
        s_pick(actual, true, az, sizeof az);
        s_pick(actual, false, ae, sizeof ae);
        snprintf(mzh, sizeof mzh, "%s：%s（要求 %s；实际 %s）。", zh,
                 passed ? "符合" : "不符合", tz, az);
        snprintf(men, sizeof men, "%s: %s (required %s; actual %s).", en,
                 passed ? "met" : "NOT met", te, ae);
    }
    k->code = s_dup(code);
    k->threshold = s_display(threshold);
    k->actual = s_display(actual);
    k->message_zh = s_dup(mzh);
    k->message_en = s_dup(men);
    k->passed = passed || review;
    k->needs_review = review;
    if (!k->code || !k->threshold || !k->actual || !k->message_zh ||
        !k->message_en) {
        s_check_free(k);
        e->oom = true;
        return;
    }
    e->checks[e->n++] = k;
}

/* A required text field: passes when present. */
static void
s_required(s_eval_t *e, const char *code, const char *value, const char *zh,
           const char *en)
{
    char lzh[256], len_[256];
    snprintf(lzh, sizeof lzh, "必填项「%s」", zh);
    snprintf(len_, sizeof len_, "required field '%s'", en);
    s_add(e, code, !s_empty(value), false, "非空/present",
          s_empty(value) ? S_MISSING : "已填写/present", lzh, len_);
}

/* ------------------------------------------------------ exact numbers */

/* Writes t as a decimal: "90", "92.5". */
static void
s_fmt_threshold(const ry_threshold_t *t, char *buf, size_t len)
{
    uint64_t ip = t->num / t->den, fp = t->num % t->den;
    int digits = 0;
    for (uint64_t d = t->den; d > 1; d /= 10)
        digits++;
    if (fp == 0) {
        snprintf(buf, len, "%llu", (unsigned long long)ip);
        return;
    }
    char frac[24];
    if (digits > 20)
        digits = 20;
    frac[digits] = '\0';
    for (int i = digits - 1; i >= 0; i--, fp /= 10)
        frac[i] = (char)('0' + fp % 10);
    for (int n = digits; n > 0 && frac[n - 1] == '0'; n--)
        frac[n - 1] = '\0';
    snprintf(buf, len, "%llu.%s", (unsigned long long)ip, frac);
}

/* Writes the shortest decimal that reads back as exactly v, in plain
 * digits when 17 digits allow ("100", not "1e+02"). */
static void
s_fmt_double(double v, char *buf, size_t len)
{
    for (int plain = 1; plain >= 0; plain--) {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, len, "%.*g", prec, v);
            if (strtod(buf, NULL) == v && (!plain || !strchr(buf, 'e')))
                return;
        }
    }
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
    const char *zh;
    const char *en;
} s_metric_t;

static void
s_rate(s_eval_t *e, const s_metric_t *m, const Rongyu__Rate *rate,
       const ry_threshold_t *t, bool fallback, uint64_t fb_num,
       uint64_t fb_den)
{
    if (!t->set)
        return;
    char tv[64], thr[80], actual[160];
    s_fmt_threshold(t, tv, sizeof tv);
    snprintf(thr, sizeof thr, "≥ %s%%", tv);
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
        s_required(e, m->required, NULL, m->zh, m->en);
        return;
    }
    bool in_range;
    if (counted) {
        in_range = den > 0 && num <= den;
        if (in_range) {
            /* Two decimals, rounded down: for display only. */
            s_u128 hundredths = (s_u128)num * 10000u / den;
            snprintf(actual, sizeof actual, "%llu/%llu (%llu.%02llu%%)",
                     (unsigned long long)num, (unsigned long long)den,
                     (unsigned long long)(hundredths / 100),
                     (unsigned long long)(hundredths % 100));
        } else {
            snprintf(actual, sizeof actual, "%llu/%llu",
                     (unsigned long long)num, (unsigned long long)den);
        }
    } else {
        in_range = isfinite(pct) && pct >= 0 && pct <= 100;
        char v[40];
        s_fmt_double(pct, v, sizeof v);
        snprintf(actual, sizeof actual, "%s%%", v);
    }
    if (!in_range) {
        char zh[200], en[200];
        snprintf(zh, sizeof zh, "%s须在 0%%～100%% 之间", m->zh);
        snprintf(en, sizeof en, "%s must lie within 0%%..100%%", m->en);
        s_add(e, "R_RATE_RANGE", false, false, "0%..100%, num <= den > 0",
              actual, zh, en);
        return;
    }
    bool ok = counted ? s_ratio_meets(num, den, t) : s_double_meets(pct, t);
    s_add(e, m->code, ok, false, thr, actual, m->zh, m->en);
    s_qty_t tq = {1, s_thr_number(t), 0, 0, "percent", "ge"};
    s_qty_t aq = counted ? (s_qty_t){2, 0, num, den, "", NULL}
                         : (s_qty_t){1, pct, 0, 0, "percent", NULL};
    s_typed(e, &tq, &aq);
}

/* A stated percentage and the counts of the same rate (metrics.membership
 * given as a percentage, union.members of union.workers): the counts,
 * rounded half up to the precision the percentage is written with (the
 * fewest decimals that give back the same number: 93.1 has one, 95 none),
 * must give the stated figure. Exactly, in integers: with the stated
 * figure P / 10^k, round(100 m / w, k) = floor((200 m 10^k + w) / 2w).
 * R_RATE_COUNTS_AGREE, with both values. */
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
    /* The counts' figure at that precision, as text. */
    char digits[48];
    int nd = 0;
    s_u128 r = rounded;
    do {
        digits[nd++] = (char)('0' + (int)(r % 10u));
        r /= 10u;
    } while (r > 0 || nd <= k);
    char counted[64];
    int o = 0;
    for (int i = nd - 1; i >= 0; i--) {
        counted[o++] = digits[i];
        if (i == k && k > 0)
            counted[o++] = '.';
    }
    counted[o] = '\0';
    char thr[320], actual[160], zh[160], en[160];
    snprintf(thr, sizeof thr,
             "%llu/%llu → %s%%（按填报精度 %d 位小数四舍五入）" S_BI
             "%llu/%llu → "
             "%s%% (rounded to %d decimal%s, as stated)",
             (unsigned long long)num, (unsigned long long)den, counted, k,
             (unsigned long long)num, (unsigned long long)den, counted, k,
             k == 1 ? "" : "s");
    snprintf(actual, sizeof actual, "填报 %s%%" S_BI "stated %s%%", stated,
             stated);
    snprintf(zh, sizeof zh, "填报的%s与人数相符", m->zh);
    snprintf(en, sizeof en, "the stated %s agrees with the counts", m->en);
    s_add(e, "R_RATE_COUNTS_AGREE", rounded == stated_n, false, thr, actual, zh,
          en);
}

static void
s_score(s_eval_t *e, const Rongyu__Score *score, const ry_threshold_t *t)
{
    if (!t->set)
        return;
    if (!score) {
        s_required(e, "R_REQUIRED_SELF_SCORE", NULL, "自评得分",
                   "self-assessment score");
        return;
    }
    char tv[64], thr[80], actual[64];
    s_fmt_threshold(t, tv, sizeof tv);
    snprintf(thr, sizeof thr, "≥ %s", tv);
    s_fmt_double(score->value, actual, sizeof actual);
    if (!isfinite(score->value) || score->value < 0 || score->value > 100) {
        s_add(e, "R_SCORE_RANGE", false, false, "0..100", actual,
              "自评得分须在 0～100 之间",
              "the self-assessment score must lie within 0..100");
        return;
    }
    s_add(e, "R_SCORE_MIN", s_double_meets(score->value, t), false, thr,
          actual, "自评得分", "self-assessment score");
    s_qty_t tq = {1, s_thr_number(t), 0, 0, "points", "ge"};
    s_qty_t aq = {1, score->value, 0, 0, "points", NULL};
    s_typed(e, &tq, &aq);
}

static void
s_metrics(s_eval_t *e, ry_honour_t h, const ry_thresholds_t *t)
{
    static const s_metric_t formation = {
        "R_FORMATION_MIN", "R_REQUIRED_FORMATION",
        "工会组建率（小微企业工会覆盖率）",
        "union formation (coverage) rate"};
    static const s_metric_t membership = {
        "R_MEMBERSHIP_MIN", "R_REQUIRED_MEMBERSHIP", "职工入会率",
        "workers' membership rate"};
    static const s_metric_t satisfaction = {
        "R_SATISFACTION_MIN", "R_REQUIRED_SATISFACTION", "满意率",
        "satisfaction rate"};
    static const s_metric_t realname = {"R_REALNAME", "R_REQUIRED_REALNAME",
                                        "会员实名制率",
                                        "members' real-name registration"};
    static const s_metric_t chair = {
        "R_CHAIR_SATISFACTION_MIN", "R_REQUIRED_CHAIR_SATISFACTION",
        "对分会主席（小组长）满意率",
        "satisfaction with the branch chair (group leader)"};
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
    s_required(e, "R_REQUIRED_UNION_NAME", u ? u->name : NULL,
               small ? "工会分会（小组）名称" : "基层工会名称", "union name");
    if (small)
        s_required(e, "R_REQUIRED_UNION_PARENT_UNION_NAME",
                   u ? u->parent_union_name : NULL, "所属基层工会名称",
                   "parent union name");
    s_required(e, "R_REQUIRED_UNION_TYPE", u ? u->union_type : NULL,
               "工会类型", "union type");
    s_required(e, "R_REQUIRED_UNION_CHAIR_NAME", u ? u->chair_name : NULL,
               small ? "分会主席（小组长）姓名" : "工会主席姓名",
               "chair's name");
    if (!small) {
        s_required(e, "R_REQUIRED_UNION_ADDRESS", u ? u->address : NULL,
                   "联系地址", "address");
        s_required(e, "R_REQUIRED_UNION_PHONE", u ? u->phone : NULL,
                   "联系电话", "phone");
    }
    char actual[96];
    snprintf(actual, sizeof actual, "%llu",
             (unsigned long long)(u ? u->workers : 0));
    s_add(e, "R_REQUIRED_UNION_WORKERS", u && u->workers > 0, false, "> 0",
          actual, "职工人数", "number of workers");
    if (u && !s_empty(u->union_type))
        s_add(e, "R_UNION_TYPE",
              ry_campaign_union_type_valid(e->c, u->union_type), false,
              "附件2/3 工会类型之一 (Annex 2/3 list)", u->union_type,
              "工会类型", "union type");
    if (u) {
        snprintf(actual, sizeof actual, "%llu / %llu",
                 (unsigned long long)u->members,
                 (unsigned long long)u->workers);
        s_add(e, "R_MEMBERS_LE_WORKERS", u->members <= u->workers, false,
              "会员人数 ≤ 职工人数 (members <= workers)", actual,
              "会员人数不超过职工人数", "members do not exceed workers");
    }
}

static void
s_person(s_eval_t *e, const ry_thresholds_t *t)
{
    const Rongyu__Person *p = e->app->person;
    s_required(e, "R_REQUIRED_PERSON_NAME", p ? p->name : NULL, "姓名",
               "name");
    s_required(e, "R_REQUIRED_PERSON_GENDER", p ? p->gender : NULL, "性别",
               "gender");
    if (p && !s_empty(p->gender))
        s_add(e, "R_PERSON_GENDER",
              strcmp(p->gender, "男") == 0 || strcmp(p->gender, "女") == 0,
              false, "男 | 女", p->gender, "性别", "gender");
    s_required(e, "R_REQUIRED_PERSON_BIRTH_MONTH", p ? p->birth_month : NULL,
               "出生年月", "birth month");
    s_required(e, "R_REQUIRED_PERSON_EMPLOYER", p ? p->employer : NULL,
               "工作单位", "employer");
    s_required(e, "R_REQUIRED_PERSON_POSITION", p ? p->position : NULL,
               "职务", "position");
    s_required(e, "R_REQUIRED_PERSON_CADRE_TYPE", p ? p->cadre_type : NULL,
               "类型", "cadre type");
    if (p && !s_empty(p->cadre_type))
        s_add(e, "R_CADRE_TYPE",
              ry_campaign_cadre_type_valid(e->c, p->cadre_type), false,
              "附件4 类型之一 (Annex 4 list)", p->cadre_type, "类型",
              "cadre type");
    s_required(e, "R_REQUIRED_PERSON_UNION_WORK_SINCE",
               p ? p->union_work_since : NULL, "从事工会工作起始日期",
               "start of union work");

    int col = p ? (int)p->column : 0;
    bool col_ok = col >= RY_COLUMN_LEADERSHIP_ORGAN &&
                  col <= RY_COLUMN_GRASSROOTS;
    static const char *const col_names[] = {
        "未填写/missing", "工会领导机关干部/leadership organ",
        "乡镇（街道）工会干部/township cadre",
        "基层工会干部/grassroots cadre"};
    s_add(e, "R_REQUIRED_PERSON_COLUMN", col_ok, false,
          "附件1 名额列 (Annex 1 column)", col_ok ? col_names[col] : S_MISSING,
          "推荐名额类别", "Annex 1 quota column");
    int unit = ry_campaign_unit_find(e->c, e->app->organising_unit);
    if (col_ok && col != RY_COLUMN_LEADERSHIP_ORGAN && unit >= 0) {
        int q = ry_campaign_unit_quota(e->c, (size_t)unit, (ry_column_t)col);
        char actual[160];
        snprintf(actual, sizeof actual, "%s: %d", e->app->organising_unit,
                 q);
        s_add(e, "R_QUOTA_COLUMN", q > 0, false, "名额 > 0 (quota > 0)",
              actual, "该单位在此名额列有名额",
              "the unit has seats in this Annex 1 column");
    }

    if (t->union_years_min > 0) {
        char thr[64], actual[200];
        snprintf(thr, sizeof thr, "≥ %d 年" S_BI "≥ %d years",
                 t->union_years_min, t->union_years_min);
        ry_date_t since;
        if (!p || ry_date_parse(p->union_work_since, &since) != 0) {
            s_add(e, "R_UNION_YEARS_MIN", false, false, thr,
                  p && !s_empty(p->union_work_since) ? p->union_work_since
                                                     : S_MISSING,
                  "从事工会工作年限", "years in union work");
        } else if (!e->have_submitted) {
            s_add(e, "R_UNION_YEARS_MIN", false, false, thr,
                  "提交时间未知/submission time unknown", "从事工会工作年限",
                  "years in union work");
        } else {
            ry_date_t due = ry_date_add_years(since, t->union_years_min);
            char sb[RY_DATE_STRLEN], db[RY_DATE_STRLEN];
            ry_date_format(since, sb, sizeof sb);
            ry_date_format(due, db, sizeof db);
            snprintf(actual, sizeof actual,
                     "自 %s 起（%s 满期）" S_BI "since %s (complete on %s)", sb,
                     db, sb, db);
            s_add(e, "R_UNION_YEARS_MIN",
                  ry_date_compare(due, e->submitted) <= 0, false, thr,
                  actual, "从事工会工作年限", "years in union work");
        }
    }
    if (t->five_haves)
        s_add(e, "R_FIVE_HAVES", p && p->home_five_haves, false,
              "是/yes", p && p->home_five_haves ? "是/yes" : "否/no",
              "所在基层工会达到“五有”职工之家建设标准",
              "the nominee's union meets the five-haves home standard");
    if (t->home_honour_min_level > 0) {
        static const char *const levels[] = {
            "无/none", "县市区（产业）级/county", "市级/city",
            "省级/province", "全国/national"};
        int have = p ? (int)p->home_honour_level : 0;
        if (have < 0 || have > 4)
            have = 0;
        char thr[96];
        snprintf(thr, sizeof thr, "≥ %s", levels[t->home_honour_min_level]);
        s_add(e, "R_HOME_HONOUR_LEVEL", have >= t->home_honour_min_level,
              false, thr, levels[have], "所在基层工会先进职工之家荣誉级别",
              "level of the nominee's union's advanced-home honour");
    }
    if (p && (p->organ_cadre || col == RY_COLUMN_LEADERSHIP_ORGAN))
        s_add(e, "R_ORGAN_CADRE_REVIEW", true, true, "", "",
              "机关干部：政策业务精通、热心服务基层、对下指导有力、分管工作"
              "成绩突出",
              "organ cadre: policy expertise, service to grassroots, "
              "guidance, results in their line of work");
}

static void
s_held_honours(s_eval_t *e)
{
    const char *held = NULL;
    for (size_t i = 0; i < e->app->n_held_honours; i++) {
        const Rongyu__HeldHonour *hh = e->app->held_honours[i];
        if (hh && hh->still_held && hh->level >= RONGYU__HONOUR_LEVEL__CITY)
            held = s_empty(hh->name) ? "未命名" S_BI "an unnamed honour"
                                     : hh->name;
    }
    s_add(e, "R_HOLDS_CITY_HONOUR", held == NULL, false,
          "未保持市级及以上荣誉 (no city-level honour still held)",
          held ? held : "无/none", "已获得并保持市级及以上荣誉者不再申报",
          "holders of a city-level or higher honour do not apply again");
}

/* --------------------------------------------------- dates and posting */

enum { S_COMMITTEE, S_PARTY, S_CONGRESS, S_POST_START, S_POST_END, S_NDECL };

static void
s_declarations(s_eval_t *e)
{
    static const char *const zh[S_NDECL] = {
        "工会委员会集体研究日期", "征得同级党组织同意日期",
        "会员（代表）大会审议通过日期", "公示开始日期", "公示结束日期"};
    static const char *const en[S_NDECL] = {
        "union committee study date", "Party organisation consent date",
        "members' congress approval date", "posting start",
        "posting end"};
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
    char invalid[512] = "";
    for (int i = 0; i < S_NDECL; i++) {
        ok[i] = ry_date_parse(s_str(raw[i]), &date[i]) == 0;
        if (!ok[i] && !s_empty(raw[i])) {
            size_t n = strlen(invalid);
            snprintf(invalid + n, sizeof invalid - n, "%s%s=%s",
                     n ? ", " : "", field[i], raw[i]);
        }
    }
    const Rongyu__Person *p = e->app->person;
    if (p) {
        ry_date_t tmp;
        int y, m;
        size_t n = strlen(invalid);
        if (!s_empty(p->union_work_since) &&
            ry_date_parse(p->union_work_since, &tmp) != 0)
            snprintf(invalid + n, sizeof invalid - n, "%sunion_work_since=%s",
                     n ? ", " : "", p->union_work_since);
        n = strlen(invalid);
        if (!s_empty(p->birth_month) &&
            ry_date_parse_month(p->birth_month, &y, &m) != 0)
            snprintf(invalid + n, sizeof invalid - n, "%sbirth_month=%s",
                     n ? ", " : "", p->birth_month);
    }
    s_add(e, "R_DATE_INVALID", invalid[0] == '\0', false,
          "真实日期 YYYY-MM-DD (real dates)",
          invalid[0] ? invalid : "全部有效/all real", "日期有效",
          "dates are real calendar dates");

    static const char *const codes[3] = {"R_DECL_COMMITTEE", "R_DECL_PARTY",
                                         "R_DECL_CONGRESS"};
    for (int i = 0; i < 3; i++)
        s_add(e, codes[i], ok[i], false, "已填写的真实日期 (a real date)",
              s_empty(raw[i]) ? S_MISSING : raw[i], zh[i], en[i]);

    /* The order of the steps, among the dates that are given. */
    int prev = -1;
    char order_bad[256] = "";
    for (int i = 0; i < S_NDECL; i++) {
        if (!ok[i])
            continue;
        if (prev >= 0 && ry_date_compare(date[prev], date[i]) > 0 &&
            !order_bad[0])
            snprintf(order_bad, sizeof order_bad, "%s %s > %s %s",
                     field[prev], raw[prev], field[i], raw[i]);
        prev = i;
    }
    s_add(e, "R_DECL_ORDER", order_bad[0] == '\0', false,
          "委员会研究 ≤ 党组织同意 ≤ 会员大会通过 ≤ 公示开始 ≤ 公示结束 "
          "(committee <= party <= congress <= posting start <= end)",
          order_bad[0] ? order_bad : "顺序正确/in order", "申报程序先后顺序",
          "order of the procedure's steps");

    char sub[RY_DATE_STRLEN] = "";
    if (e->have_submitted)
        ry_date_format(e->submitted, sub, sizeof sub);
    char thr[64];
    snprintf(thr, sizeof thr, "≤ %s", e->have_submitted ? sub : "?");
    char future[256] = "";
    for (int i = 0; i < S_NDECL && e->have_submitted; i++) {
        if (ok[i] && ry_date_compare(date[i], e->submitted) > 0 &&
            !future[0])
            snprintf(future, sizeof future, "%s %s", field[i], raw[i]);
    }
    s_add(e, "R_DECL_FUTURE", e->have_submitted && !future[0], false, thr,
          !e->have_submitted ? "提交时间未知/submission time unknown"
          : future[0]        ? future
                             : "无/none",
          "各项日期不晚于提交日期", "no declared date after submission");

    /* The public posting (公示): at least N working days. */
    int need = ry_campaign_posting_min_workdays(e->c);
    char pthr[64];
    snprintf(pthr, sizeof pthr, "≥ %d 个工作日" S_BI "≥ %d working days", need,
             need);
    if (!ok[S_POST_START] || !ok[S_POST_END] ||
        ry_date_compare(date[S_POST_START], date[S_POST_END]) > 0) {
        char actual[128];
        snprintf(actual, sizeof actual, "%s .. %s",
                 s_empty(raw[S_POST_START]) ? "?" : raw[S_POST_START],
                 s_empty(raw[S_POST_END]) ? "?" : raw[S_POST_END]);
        s_add(e, "R_POSTING_WORKDAYS", false, false, pthr, actual,
              "公示时间", "public posting period");
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
            char actual[320];
            if (missing)
                snprintf(actual, sizeof actual,
                         "%s .. %s，缺少 %d 年数据" S_BI
                         "%s .. %s, no data for %d",
                         raw[S_POST_START], raw[S_POST_END], missing,
                         raw[S_POST_START], raw[S_POST_END], missing);
            else
                snprintf(actual, sizeof actual, "%s .. %s", raw[S_POST_START],
                         raw[S_POST_END]);
            s_add(e, "R_CALENDAR_NODATA", false, false,
                  "工作日历覆盖公示期 (calendar covers the posting)", actual,
                  "工作日历缺少该年度数据，无法计算公示工作日",
                  "the working-day calendar has no data for a year of the "
                  "posting");
        } else {
            char actual[320];
            ry_date_t first_ok;
            char fb[RY_DATE_STRLEN] = "?";
            if (ry_calendar_add_workdays(e->cal, date[S_POST_START], need,
                                         &first_ok) == 0)
                ry_date_format(first_ok, fb, sizeof fb);
            snprintf(actual, sizeof actual,
                     "%d 个工作日（%s 至 %s；最早可于 %s 结束）" S_BI
                     "%d working "
                     "days (%s .. %s; the earliest end is %s)",
                     count, raw[S_POST_START], raw[S_POST_END], fb, count,
                     raw[S_POST_START], raw[S_POST_END], fb);
            s_add(e, "R_POSTING_WORKDAYS", count >= need, false, pthr,
                  actual, "公示时间", "public posting period");
        }
    }
    if (ok[S_POST_END]) {
        s_add(e, "R_POSTING_AFTER_SUBMIT",
              e->have_submitted &&
                  ry_date_compare(date[S_POST_END], e->submitted) <= 0,
              false, thr, raw[S_POST_END], "公示结束不晚于提交日期",
              "the posting ends no later than submission");
    }
}

/* The deadline of the application: grassroots unions apply by
 * submission_deadline (今年基层工会申报截止时间为11月30日); excellent
 * workers are put forward by the organising units, whose recommendations
 * and summary tables are due by summary_deadline (截止时间12月31日), so a
 * nomination may reach the system until then (docs/rules.md). */
static void
s_deadline(s_eval_t *e)
{
    bool person = e->app->honour == RONGYU__HONOUR__EXCELLENT_WORKER;
    ry_date_t dl = person ? ry_campaign_summary_deadline(e->c)
                          : ry_campaign_submission_deadline(e->c);
    char thr[96], actual[96], db[RY_DATE_STRLEN], sb[RY_DATE_STRLEN];
    ry_date_format(dl, db, sizeof db);
    int off = ry_campaign_utc_offset_minutes(e->c);
    snprintf(thr, sizeof thr, "≤ %s 23:59 (UTC%+d:%02d)", db, off / 60,
             abs(off % 60));
    if (!e->have_submitted) {
        s_add(e, "R_DEADLINE", false, false, thr,
              "提交时间无效/invalid submission time",
              person ? "推荐截止时间" : "申报截止时间",
              person ? "nomination deadline" : "submission deadline");
        return;
    }
    ry_date_format(e->submitted, sb, sizeof sb);
    snprintf(actual, sizeof actual, "%s", sb);
    s_add(e, "R_DEADLINE", ry_date_compare(e->submitted, dl) <= 0, false, thr,
          actual, person ? "推荐截止时间" : "申报截止时间",
          person ? "nomination deadline" : "submission deadline");
}

/* ---------------------------------------------------------- attachments */

static void
s_attachments(s_eval_t *e)
{
    const Rongyu__Application *app = e->app;
    uint64_t cap = ry_campaign_attachment_max_bytes(e->c);
    size_t forms = 0;
    bool types_ok = true, sizes_ok = true, deeds = !s_empty(app->deeds);
    char types[512] = "", sizes[512] = "";
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
        bool t_ok = ry_campaign_form_media_allowed(e->c, mt);
        bool s_ok = size > 0 && size <= cap;
        types_ok &= t_ok;
        sizes_ok &= s_ok;
        size_t n = strlen(types);
        snprintf(types + n, sizeof types - n, "%s%s: %s", n ? "; " : "",
                 s_str(a->name), s_empty(mt) ? "(unknown)" : mt);
        n = strlen(sizes);
        snprintf(sizes + n, sizeof sizes - n, "%s%s: %llu", n ? "; " : "",
                 s_str(a->name), (unsigned long long)size);
    }
    char n_forms[32];
    snprintf(n_forms, sizeof n_forms, "%zu", forms);
    s_add(e, "R_FORM_ATTACHED", forms > 0, false, "≥ 1 application_form",
          n_forms, "已上传盖章申报表", "the stamped application form is "
          "uploaded");
    if (forms > 0) {
        char thr[160] = "";
        for (size_t i = 0; i < 3; i++) {
            static const char *const all[] = {"application/pdf",
                                              "image/jpeg", "image/png"};
            if (ry_campaign_form_media_allowed(e->c, all[i])) {
                size_t n = strlen(thr);
                snprintf(thr + n, sizeof thr - n, "%s%s", n ? " | " : "",
                         all[i]);
            }
        }
        s_add(e, "R_FORM_MEDIA_TYPE", types_ok, false, thr, types,
              "申报表为图片或 PDF（按内容识别）",
              "the form is an image or a PDF (recognised from content)");
        char sthr[64];
        snprintf(sthr, sizeof sthr, "1..%llu bytes",
                 (unsigned long long)cap);
        s_add(e, "R_FORM_SIZE", sizes_ok, false, sthr, sizes,
              "申报表文件大小", "size of the form file");
    }
    s_add(e, "R_REQUIRED_DEEDS", deeds, false, "事迹材料 (deeds material)",
          deeds ? "已提供/given" : S_MISSING, "书面事迹材料",
          "written deeds material");
}

/* ------------------------------------------------- registered kind */

/* What a registered kind of organisation may declare itself as (SPEC §1,
 * docs/rules.md). A grassroots union of any kind applies for its own
 * cadres too; an organising unit only for its organ's cadres; a branch or
 * group only as itself; the city for nothing. */
static const struct {
    Rongyu__OrgKind kind;
    const char *name; /* as registered (rongyu org import) */
    const char *zh;
    unsigned categories; /* bit per ry_category_t */
} s_kinds[] = {
    {RONGYU__ORG_KIND__ORG_GRASSROOTS, "grassroots", "基层单建工会",
     1u << RY_CATEGORY_SINGLE_ESTABLISHMENT | 1u << RY_CATEGORY_CADRE},
    {RONGYU__ORG_KIND__ORG_TOWNSHIP, "township", "乡镇（街道、园区）工会",
     1u << RY_CATEGORY_TOWNSHIP | 1u << RY_CATEGORY_CADRE},
    {RONGYU__ORG_KIND__ORG_FEDERATION, "federation", "工会联合会",
     1u << RY_CATEGORY_REGIONAL_FEDERATION | 1u << RY_CATEGORY_CADRE},
    {RONGYU__ORG_KIND__ORG_JOINT, "joint", "联合基层工会",
     1u << RY_CATEGORY_JOINT_GRASSROOTS | 1u << RY_CATEGORY_CADRE},
    {RONGYU__ORG_KIND__ORG_BRANCH, "branch", "工会分会",
     1u << RY_CATEGORY_BRANCH},
    {RONGYU__ORG_KIND__ORG_GROUP, "group", "工会小组",
     1u << RY_CATEGORY_UNION_GROUP},
    {RONGYU__ORG_KIND__ORG_UNIT, "unit", "区县（产业）工会",
     1u << RY_CATEGORY_CADRE},
    {RONGYU__ORG_KIND__ORG_CITY, "city", "市总工会", 0},
};

/* The declared category and the honour against the applicant's registered
 * kind: R_ORG_KIND_CATEGORY and R_ORG_KIND_HONOUR, each with both values.
 * An unregistered applicant has no kind to check against: no check. */
static void
s_registered_kind(s_eval_t *e, ry_honour_t h, bool h_known, ry_category_t cat,
                  bool c_known)
{
    if (e->applicant_kind == RONGYU__ORG_KIND__ORG_KIND_UNSPECIFIED)
        return;
    size_t k = 0;
    while (k < sizeof s_kinds / sizeof s_kinds[0] &&
           s_kinds[k].kind != e->applicant_kind)
        k++;
    const char *kname = "?", *kzh = "?";
    unsigned allowed = 0;
    if (k < sizeof s_kinds / sizeof s_kinds[0]) {
        kname = s_kinds[k].name;
        kzh = s_kinds[k].zh;
        allowed = s_kinds[k].categories;
    }
    char cats[200] = "", thr[600], actual[200];
    for (int c = RY_CATEGORY_NONE + 1; c < RY_CATEGORY_COUNT; c++)
        if (allowed & 1u << c) {
            size_t n = strlen(cats);
            snprintf(cats + n, sizeof cats - n, "%s%s", n ? " | " : "",
                     ry_category_name((ry_category_t)c));
        }
    if (c_known) {
        snprintf(thr, sizeof thr,
                 "登记为%s（%s）可申报 %s" S_BI "registered %s may declare %s",
                 kzh, kname, cats[0] ? cats : "无", kname,
                 cats[0] ? cats : "none");
        snprintf(actual, sizeof actual, "申报类别 %s" S_BI "declared %s",
                 ry_category_name(cat), ry_category_name(cat));
        s_add(e, "R_ORG_KIND_CATEGORY", (allowed & 1u << cat) != 0, false, thr,
              actual, "申报主体类别与登记的组织类型相符",
              "the declared category matches the registered kind");
    }
    if (h_known) {
        /* The honour is open to the kind when one of its categories may
         * apply for it in this campaign. */
        bool ok = false;
        char hon[200] = "";
        for (int hh = RY_HONOUR_NONE + 1; hh < RY_HONOUR_COUNT; hh++) {
            bool any = false;
            for (int c = RY_CATEGORY_NONE + 1; c < RY_CATEGORY_COUNT; c++)
                if ((allowed & 1u << c) &&
                    ry_campaign_thresholds(e->c, (ry_honour_t)hh,
                                           (ry_category_t)c))
                    any = true;
            if (any) {
                size_t n = strlen(hon);
                snprintf(hon + n, sizeof hon - n, "%s%s", n ? " | " : "",
                         ry_honour_name((ry_honour_t)hh));
            }
            if (any && hh == (int)h)
                ok = true;
        }
        snprintf(
            thr, sizeof thr,
            "登记为%s（%s）可申报 %s" S_BI "registered %s may apply for %s",
            kzh, kname, hon[0] ? hon : "无", kname, hon[0] ? hon : "nothing");
        snprintf(actual, sizeof actual, "申报荣誉 %s" S_BI "applies for %s",
                 ry_honour_name(h), ry_honour_name(h));
        s_add(e, "R_ORG_KIND_HONOUR", ok, false, thr, actual,
              "申报荣誉与登记的组织类型相符",
              "the honour is open to the registered kind");
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

    s_add(e, "R_REQUIRED_HONOUR", h_known, false, "荣誉类别 (an honour)",
          h_known ? ry_honour_name(h) : S_MISSING, "申报荣誉",
          "honour applied for");
    if (h_known)
        s_add(e, "R_HONOUR_ENABLED", ry_campaign_honour_enabled(e->c, h),
              false, "本年度开放 (open this campaign)", ry_honour_name(h),
              "该荣誉本年度开展评选", "the honour is open in this campaign");
    s_add(e, "R_REQUIRED_CATEGORY", c_known, false,
          "申报主体类别 (a category)",
          c_known ? ry_category_name(cat) : S_MISSING, "申报主体类别",
          "applicant category");
    const ry_thresholds_t *t = NULL;
    if (h_known && c_known) {
        t = ry_campaign_thresholds(e->c, h, cat);
        char actual[96];
        snprintf(actual, sizeof actual, "%s → %s", ry_category_name(cat),
                 ry_honour_name(h));
        s_add(e, "R_CATEGORY_HONOUR", t != NULL, false,
              "该类主体可申报该荣誉 (category may apply)", actual,
              "申报主体与荣誉相符", "the category may apply for the honour");
    }
    s_registered_kind(e, h, h_known, cat, c_known);
    s_deadline(e);
    s_required(e, "R_REQUIRED_APPLICANT_ORG", app->applicant_org,
               "申报单位", "applicant organisation");
    s_required(e, "R_REQUIRED_ORGANISING_UNIT", app->organising_unit,
               "组织实施单位（区县、产业工会）", "organising unit");
    if (!s_empty(app->organising_unit))
        s_add(e, "R_ORGANISING_UNIT",
              ry_campaign_unit_find(e->c, app->organising_unit) >= 0, false,
              "附件1 单位之一 (an Annex 1 unit)", app->organising_unit,
              "组织实施单位", "organising unit");

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
    s_declarations(e);
    s_attachments(e);

    s_add(e, "R_POLITICAL_REVIEW", true, true, "", "",
          "政治条件与工作实绩（学习贯彻党的精神、维护职工权益、工作实绩突出）",
          "political conditions and record of achievement");
    if (h == RY_HONOUR_MODEL_HOME)
        s_add(e, "R_MODEL_INNOVATION_REVIEW", true, true, "", "",
              "勇于开拓创新、工作特色亮点突出、具有典型示范引领作用",
              "innovation, distinctive highlights, value as a model");
}

int
validation_evaluate(const ry_campaign_t *c, const ry_calendar_t *cal,
                    const Rongyu__Application *app, int64_t submitted_at_ms,
                    Rongyu__OrgKind applicant_kind, Rongyu__Verdict **out)
{
    if (!app || !out)
        return RY_EINVAL;
    *out = NULL;
    s_eval_t e;
    memset(&e, 0, sizeof e);
    e.c = c;
    e.cal = cal;
    e.app = app;
    e.applicant_kind = applicant_kind;

    bool campaign_ok =
        c && strcmp(s_str(app->campaign_id), ry_campaign_id(c)) == 0;
    s_add(&e, "R_CAMPAIGN", campaign_ok, false,
          c ? ry_campaign_id(c) : "已登记的评选 (a known campaign)",
          s_empty(app->campaign_id) ? S_MISSING : app->campaign_id, "评选活动",
          "campaign");
    char ruleset[256] = "";
    if (campaign_ok) {
        e.have_submitted =
            submitted_at_ms > 0 &&
            ry_date_from_epoch_ms(submitted_at_ms,
                                  ry_campaign_utc_offset_minutes(c),
                                  &e.submitted, NULL) == 0;
        snprintf(ruleset, sizeof ruleset, "%s/%s", ry_campaign_id(c),
                 ry_campaign_ruleset_version(c));
        s_rules(&e);
    }

    Rongyu__Verdict *v = malloc(sizeof *v);
    if (!v || e.oom)
        goto oom;
    rongyu__verdict__init(v);
    v->ruleset = s_dup(ruleset);
    if (!v->ruleset)
        goto oom;
    v->eligible = true;
    for (size_t i = 0; i < e.n; i++)
        if (!e.checks[i]->passed)
            v->eligible = false;
    v->checks = e.checks;
    v->n_checks = e.n;
    *out = v;
    return 0;
oom:
    free(v);
    for (size_t i = 0; i < e.n; i++)
        s_check_free(e.checks[i]);
    free(e.checks);
    return -ENOMEM;
}

void
validation_verdict_free(Rongyu__Verdict **v)
{
    if (!v || !*v)
        return;
    for (size_t i = 0; i < (*v)->n_checks; i++)
        s_check_free((*v)->checks[i]);
    free((*v)->checks);
    if ((*v)->ruleset != protobuf_c_empty_string)
        free((*v)->ruleset);
    free(*v);
    *v = NULL;
}

const Rongyu__Check *
validation_verdict_find(const Rongyu__Verdict *v, const char *code)
{
    for (size_t i = 0; v && code && i < v->n_checks; i++)
        if (v->checks[i] && strcmp(s_str(v->checks[i]->code), code) == 0)
            return v->checks[i];
    return NULL;
}
