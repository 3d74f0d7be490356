/* ry_rulecat: rule code -> number and Chinese/English wording; a check's
 * typed values -> the texts a person reads. */
#include "ry_rulecat.h"

#include "ry_error.h"
#include "ry_pb.h"
#include "ry_text.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Separates the Chinese and the English form of a wording. */
#define BI "\x1f"

enum {
    F_REQ = 1,    /* a required field: its outcome says present/missing */
    F_REVIEW = 2, /* a judgment left to the reviewer */
};

typedef enum { H_NONE, H_AGREE, H_POSTING, H_NODATA, H_KIND } s_hook_t;

/* A rule. Wordings are "中文" BI "English", "中文 (English)",
 * "中文/English" or one text for both. Placeholders: {s} the subject's
 * label; {t} and {a} the threshold and the actual value; {t0}..{t9} and
 * {a0}..{a9} their parts (Quantity.items); in 'item', {o} whose value
 * (Quantity.of) and {v} the value. 'thr' and 'act' are used unless the
 * value is a bare catalogue term; without them the value is shown as it
 * is. */
typedef struct {
    uint32_t num;
    const char *code;
    const char *label;
    const char *subject; /* {s} when the check names none */
    const char *thr;
    const char *act;
    const char *item; /* a value with an owner, or a list's member */
    const char *sep;  /* between the members of an actual value's list */
    unsigned flags;
    s_hook_t hook;
} s_rule_t;

#define REQ(n, code, subj)                                                     \
    {n,    code, "必填项「{s}」" BI "required field '{s}'",                     \
     subj, NULL, NULL,                                                          \
     NULL, NULL, F_REQ,                                                         \
     H_NONE}

/* The numbers are the stored form of the codes: never change or reuse
 * one; a new rule takes the next free number. */
static const s_rule_t s_rules[] = {
    {1, "R_CAMPAIGN", "评选活动" BI "campaign", NULL, NULL, NULL, NULL, NULL, 0,
     H_NONE},
    {2, "R_REQUIRED_HONOUR", "申报荣誉" BI "honour applied for", NULL,
     "荣誉类别 (an honour)", NULL, NULL, NULL, 0, H_NONE},
    {3, "R_HONOUR_ENABLED",
     "该荣誉本年度开展评选" BI "the honour is open in this campaign", NULL,
     "本年度开放 (open this campaign)", NULL, NULL, NULL, 0, H_NONE},
    {4, "R_REQUIRED_CATEGORY", "申报主体类别" BI "applicant category", NULL,
     "申报主体类别 (a category)", NULL, NULL, NULL, 0, H_NONE},
    {5, "R_CATEGORY_HONOUR",
     "申报主体与荣誉相符" BI "the category may apply for the honour", NULL,
     "该类主体可申报该荣誉 (category may apply)", "{a0} → {a1}", NULL, NULL, 0,
     H_NONE},
    {6, "R_ORG_KIND_CATEGORY",
     "申报主体类别与登记的组织类型相符" BI
     "the declared category matches the registered kind",
     NULL, NULL, "申报类别 {a}" BI "declared {a}", NULL, NULL, 0, H_KIND},
    {7, "R_ORG_KIND_HONOUR",
     "申报荣誉与登记的组织类型相符" BI
     "the honour is open to the registered kind",
     NULL, NULL, "申报荣誉 {a}" BI "applies for {a}", NULL, NULL, 0, H_KIND},
    {8, "R_DEADLINE", "{s}", "申报截止时间" BI "submission deadline",
     "{t} 23:59 (UTC{t0})", NULL, NULL, NULL, 0, H_NONE},
    REQ(9, "R_REQUIRED_APPLICANT_ORG", "申报单位" BI "applicant organisation"),
    REQ(10, "R_REQUIRED_ORGANISING_UNIT",
        "组织实施单位（区县、产业工会）" BI "organising unit"),
    {11, "R_ORGANISING_UNIT", "组织实施单位" BI "organising unit", NULL,
     "附件1 单位之一 (an Annex 1 unit)", NULL, NULL, NULL, 0, H_NONE},
    REQ(12, "R_REQUIRED_UNION_NAME", "基层工会名称" BI "union name"),
    REQ(13, "R_REQUIRED_UNION_PARENT_UNION_NAME",
        "所属基层工会名称" BI "parent union name"),
    REQ(14, "R_REQUIRED_UNION_TYPE", "工会类型" BI "union type"),
    REQ(15, "R_REQUIRED_UNION_CHAIR_NAME", "工会主席姓名" BI "chair's name"),
    REQ(16, "R_REQUIRED_UNION_ADDRESS", "联系地址" BI "address"),
    REQ(17, "R_REQUIRED_UNION_PHONE", "联系电话" BI "phone"),
    {18, "R_REQUIRED_UNION_WORKERS", "职工人数" BI "number of workers", NULL,
     "> 0", NULL, NULL, NULL, 0, H_NONE},
    {19, "R_UNION_TYPE", "工会类型" BI "union type", NULL,
     "附件2/3 工会类型之一 (Annex 2/3 list)", NULL, NULL, NULL, 0, H_NONE},
    {20, "R_MEMBERS_LE_WORKERS",
     "会员人数不超过职工人数" BI "members do not exceed workers", NULL,
     "会员人数 ≤ 职工人数 (members <= workers)", "{a0} / {a1}", NULL, NULL, 0,
     H_NONE},
    REQ(21, "R_REQUIRED_PERSON_NAME", "姓名" BI "name"),
    REQ(22, "R_REQUIRED_PERSON_GENDER", "性别" BI "gender"),
    {23, "R_PERSON_GENDER", "性别" BI "gender", NULL, NULL, NULL, NULL, NULL, 0,
     H_NONE},
    REQ(24, "R_REQUIRED_PERSON_BIRTH_MONTH", "出生年月" BI "birth month"),
    REQ(25, "R_REQUIRED_PERSON_EMPLOYER", "工作单位" BI "employer"),
    REQ(26, "R_REQUIRED_PERSON_POSITION", "职务" BI "position"),
    REQ(27, "R_REQUIRED_PERSON_CADRE_TYPE", "类型" BI "cadre type"),
    {28, "R_CADRE_TYPE", "类型" BI "cadre type", NULL,
     "附件4 类型之一 (Annex 4 list)", NULL, NULL, NULL, 0, H_NONE},
    REQ(29, "R_REQUIRED_PERSON_UNION_WORK_SINCE",
        "从事工会工作起始日期" BI "start of union work"),
    {30, "R_REQUIRED_PERSON_COLUMN", "推荐名额类别" BI "Annex 1 quota column",
     NULL, "附件1 名额列 (Annex 1 column)", NULL, NULL, NULL, 0, H_NONE},
    {31, "R_QUOTA_COLUMN",
     "该单位在此名额列有名额" BI "the unit has seats in this Annex 1 column",
     NULL, "名额 > 0 (quota > 0)", NULL, "{o}: {v}", NULL, 0, H_NONE},
    {32, "R_UNION_YEARS_MIN", "从事工会工作年限" BI "years in union work", NULL,
     "{t} 年" BI "{t} years",
     "自 {a0} 起（{a1} 满期）" BI "since {a0} (complete on {a1})", NULL, NULL,
     0, H_NONE},
    {33, "R_FIVE_HAVES",
     "所在基层工会达到“五有”职工之家建设标准" BI
     "the nominee's union meets the five-haves home standard",
     NULL, NULL, NULL, NULL, NULL, 0, H_NONE},
    {34, "R_HOME_HONOUR_LEVEL",
     "所在基层工会先进职工之家荣誉级别" BI
     "level of the nominee's union's advanced-home honour",
     NULL, NULL, NULL, NULL, NULL, 0, H_NONE},
    {35, "R_ORGAN_CADRE_REVIEW",
     "机关干部：政策业务精通、热心服务基层、对下指导有力、分管工作成绩突出" BI
     "organ cadre: policy expertise, service to grassroots, guidance, "
     "results in their line of work",
     NULL, NULL, NULL, NULL, NULL, F_REVIEW, H_NONE},
    {36, "R_FORMATION_MIN", "{s}",
     "工会组建率（小微企业工会覆盖率）" BI "union formation (coverage) rate",
     NULL, NULL, NULL, NULL, 0, H_NONE},
    {37, "R_MEMBERSHIP_MIN", "{s}", "职工入会率" BI "workers' membership rate",
     NULL, NULL, NULL, NULL, 0, H_NONE},
    {38, "R_SATISFACTION_MIN", "{s}", "满意率" BI "satisfaction rate", NULL,
     NULL, NULL, NULL, 0, H_NONE},
    {39, "R_REALNAME", "{s}",
     "会员实名制率" BI "members' real-name registration", NULL, NULL, NULL,
     NULL, 0, H_NONE},
    {40, "R_CHAIR_SATISFACTION_MIN", "{s}",
     "对分会主席（小组长）满意率" BI
     "satisfaction with the branch chair (group leader)",
     NULL, NULL, NULL, NULL, 0, H_NONE},
    REQ(41, "R_REQUIRED_FORMATION",
        "工会组建率（小微企业工会覆盖率）" BI
        "union formation (coverage) rate"),
    REQ(42, "R_REQUIRED_MEMBERSHIP",
        "职工入会率" BI "workers' membership rate"),
    REQ(43, "R_REQUIRED_SATISFACTION", "满意率" BI "satisfaction rate"),
    REQ(44, "R_REQUIRED_REALNAME",
        "会员实名制率" BI "members' real-name registration"),
    REQ(45, "R_REQUIRED_CHAIR_SATISFACTION",
        "对分会主席（小组长）满意率" BI
        "satisfaction with the branch chair (group leader)"),
    {46, "R_RATE_RANGE",
     "{s}须在 0%～100% 之间" BI "{s} must lie within 0%..100%",
     "职工入会率" BI "workers' membership rate", "0%..100%, num <= den > 0",
     NULL, NULL, NULL, 0, H_NONE},
    {47, "R_RATE_COUNTS_AGREE",
     "填报的{s}与人数相符" BI "the stated {s} agrees with the counts",
     "职工入会率" BI "workers' membership rate", NULL, NULL, NULL, NULL, 0,
     H_AGREE},
    REQ(48, "R_REQUIRED_SELF_SCORE", "自评得分" BI "self-assessment score"),
    {49, "R_SCORE_RANGE",
     "自评得分须在 0～100 之间" BI
     "the self-assessment score must lie within 0..100",
     NULL, NULL, NULL, NULL, NULL, 0, H_NONE},
    {50, "R_SCORE_MIN", "自评得分" BI "self-assessment score", NULL, NULL, NULL,
     NULL, NULL, 0, H_NONE},
    {51, "R_HOLDS_CITY_HONOUR",
     "已获得并保持市级及以上荣誉者不再申报" BI
     "holders of a city-level or higher honour do not apply again",
     NULL, "未保持市级及以上荣誉 (no city-level honour still held)", NULL,
     "已于 {o} 获本系统表彰（案件 {v}）" BI "awarded here in {o} (case {v})",
     NULL, 0, H_NONE},
    {52, "R_DATE_INVALID", "日期有效" BI "dates are real calendar dates", NULL,
     "真实日期 YYYY-MM-DD (real dates)", NULL, "{o}={v}", ", ", 0, H_NONE},
    {53, "R_DECL_COMMITTEE",
     "工会委员会集体研究日期" BI "union committee study date", NULL,
     "已填写的真实日期 (a real date)", NULL, NULL, NULL, 0, H_NONE},
    {54, "R_DECL_PARTY",
     "征得同级党组织同意日期" BI "Party organisation consent date", NULL,
     "已填写的真实日期 (a real date)", NULL, NULL, NULL, 0, H_NONE},
    {55, "R_DECL_CONGRESS",
     "会员（代表）大会审议通过日期" BI "members' congress approval date", NULL,
     "已填写的真实日期 (a real date)", NULL, NULL, NULL, 0, H_NONE},
    {56, "R_DECL_ORDER", "申报程序先后顺序" BI "order of the procedure's steps",
     NULL,
     "委员会研究 ≤ 党组织同意 ≤ 会员大会通过；公示开始 ≤ 公示结束 "
     "(committee <= party <= congress; posting start <= posting end)",
     NULL, "{o} {v}", " > ", 0, H_NONE},
    {57, "R_DECL_FUTURE",
     "各项日期不晚于提交日期" BI "no declared date after submission", NULL,
     NULL, NULL, "{o} {v}", NULL, 0, H_NONE},
    {58, "R_POSTING_WORKDAYS", "公示时间" BI "public posting period", NULL,
     "{t} 个工作日" BI "{t} working days", NULL, NULL, NULL, 0, H_POSTING},
    {59, "R_CALENDAR_NODATA",
     "工作日历缺少该年度数据，无法计算公示工作日" BI
     "the working-day calendar has no data for a year of the posting",
     NULL, "工作日历覆盖公示期 (calendar covers the posting)", NULL, NULL, NULL,
     0, H_NODATA},
    {60, "R_POSTING_AFTER_SUBMIT",
     "公示结束不晚于提交日期" BI "the posting ends no later than submission",
     NULL, NULL, NULL, NULL, NULL, 0, H_NONE},
    {61, "R_FORM_ATTACHED",
     "已上传盖章申报表" BI "the stamped application form is uploaded", NULL,
     "≥ 1 application_form", NULL, NULL, NULL, 0, H_NONE},
    {62, "R_FORM_MEDIA_TYPE",
     "申报表为图片或 PDF（按内容识别）" BI
     "the form is an image or a PDF (recognised from content)",
     NULL, NULL, NULL, "{o}: {v}", "; ", 0, H_NONE},
    {63, "R_FORM_SIZE", "申报表文件大小" BI "size of the form file", NULL,
     "{t} bytes", NULL, "{o}: {v}", "; ", 0, H_NONE},
    {64, "R_REQUIRED_DEEDS", "书面事迹材料" BI "written deeds material", NULL,
     "事迹材料 (deeds material)", NULL, NULL, NULL, 0, H_NONE},
    {65, "R_POLITICAL_REVIEW",
     "政治条件与工作实绩（学习贯彻党的精神、维护职工权益、工作实绩突出）" BI
     "political conditions and record of achievement",
     NULL, NULL, NULL, NULL, NULL, F_REVIEW, H_NONE},
    {66, "R_MODEL_INNOVATION_REVIEW",
     "勇于开拓创新、工作特色亮点突出、具有典型示范引领作用" BI
     "innovation, distinctive highlights, value as a model",
     NULL, NULL, NULL, NULL, NULL, F_REVIEW, H_NONE},
    {67, "R_COLUMN_CADRE_TYPE",
     "推荐名额类别与人员类型相符" BI "the Annex 1 column fits the cadre type",
     NULL, "{t0}，{t1}" BI "{t0}, {t1}", "{a0}，{a1}" BI "{a0}, {a1}",
     "{o} → {v}", NULL, 0, H_NONE},
    {68, "R_PERSON_DATES",
     "出生年月与从事工会工作起始日期合理（最低就业年龄）" BI
     "birth month and start of union work are possible (minimum working age)",
     NULL,
     "出生不晚于 {t0}；年满 {t1} 周岁之月起从事工会工作" BI
     "born no later than {t0}; in union work from the month of age {t1}",
     "出生于 {a0}，{a1} 年满 {t1} 周岁，{a2} 起从事工会工作" BI
     "born {a0}, aged {t1} in {a1}, in union work since {a2}",
     NULL, NULL, 0, H_NONE},
};

#define S_NRULES (sizeof s_rules / sizeof s_rules[0])

/* Subjects a check may name (Check.subject). */
static const struct {
    const char *key, *label;
} s_subjects[] = {
    {"formation", "工会组建率（小微企业工会覆盖率）" BI
                  "union formation (coverage) rate"},
    {"membership", "职工入会率" BI "workers' membership rate"},
    {"satisfaction", "满意率" BI "satisfaction rate"},
    {"realname", "会员实名制率" BI "members' real-name registration"},
    {"chair_satisfaction", "对分会主席（小组长）满意率" BI
                           "satisfaction with the branch chair (group leader)"},
    {"submission_deadline", "申报截止时间" BI "submission deadline"},
    {"summary_deadline", "推荐截止时间" BI "nomination deadline"},
    {"small_union_name", "工会分会（小组）名称" BI "union name"},
    {"small_chair_name", "分会主席（小组长）姓名" BI "chair's name"},
};

/* The catalogue's words (Quantity.term). */
static const struct {
    const char *key, *text;
} s_terms[] = {
    {"present", "已填写" BI "present"},
    {"missing", "未填写" BI "missing"},
    {"yes", "是" BI "yes"},
    {"no", "否" BI "no"},
    {"none", "无" BI "none"},
    {"given", "已提供" BI "given"},
    {"in_order", "顺序正确" BI "in order"},
    {"all_real", "全部有效" BI "all real"},
    {"unknown", "?"},
    {"unknown_submission", "提交时间未知" BI "submission time unknown"},
    {"invalid_submission", "提交时间无效" BI "invalid submission time"},
    {"known_campaign", "已登记的评选" BI "a known campaign"},
    {"unnamed", "未命名" BI "an unnamed honour"},
    {"unknown_type", "(unknown)"},
    {"level_none", "无" BI "none"},
    {"level_county", "县市区（产业）级" BI "county"},
    {"level_city", "市级" BI "city"},
    {"level_province", "省级" BI "province"},
    {"level_national", "全国" BI "national"},
    {"column_leadership_organ", "工会领导机关干部" BI "leadership organ"},
    {"column_township_cadre", "乡镇（街道）工会干部" BI "township cadre"},
    {"column_grassroots_cadre", "基层工会干部" BI "grassroots cadre"},
    {"organ_cadre", "工会机关干部" BI "organ cadre"},
    {"not_organ_cadre", "非工会机关干部" BI "not an organ cadre"},
    {"kind_grassroots", "基层单建工会" BI "grassroots"},
    {"kind_township", "乡镇（街道、园区）工会" BI "township"},
    {"kind_federation", "工会联合会" BI "federation"},
    {"kind_joint", "联合基层工会" BI "joint"},
    {"kind_branch", "工会分会" BI "branch"},
    {"kind_group", "工会小组" BI "group"},
    {"kind_unit", "区县（产业）工会" BI "unit"},
    {"kind_city", "市总工会" BI "city"},
};

size_t
ry_rulecat_count(void)
{
    return S_NRULES;
}

const char *
ry_rulecat_code_at(size_t i)
{
    return i < S_NRULES ? s_rules[i].code : NULL;
}

/* The rules by their codes, for s_by_code (built once): an open-addressed
 * table of at least twice as many slots as rules, keyed by a hash of the
 * code's length and a few of its letters (validation looks a code up for
 * every check; the codes differ most in their ends). */
#define S_SLOT_BITS 8
#define S_SLOTS (1u << S_SLOT_BITS)
_Static_assert(S_SLOTS >= 2 * S_NRULES, "s_slots holds every rule");
static const s_rule_t *s_slots[S_SLOTS];
static pthread_once_t s_slots_once = PTHREAD_ONCE_INIT;

static uint32_t
s_code_hash(const char *code)
{
    const unsigned char *c = (const unsigned char *)code;
    size_t n = strlen(code);
    uint32_t x = (uint32_t)n;
    if (n >= 3)
        x ^= (uint32_t)c[n - 1] << 4 ^ (uint32_t)c[n - 2] << 10 ^
             (uint32_t)c[n - 3] << 16 ^ (uint32_t)c[n / 2] << 22;
    return (x * 2654435761u) >> (32 - S_SLOT_BITS); /* a slot's index */
}

static void
s_index(void)
{
    for (size_t i = 0; i < S_NRULES; i++) {
        uint32_t at = s_code_hash(s_rules[i].code);
        while (s_slots[at])
            at = (at + 1) & (S_SLOTS - 1);
        s_slots[at] = &s_rules[i];
    }
}

static const s_rule_t *
s_by_code(const char *code)
{
    if (!code)
        return NULL;
    pthread_once(&s_slots_once, s_index);
    for (uint32_t at = s_code_hash(code); s_slots[at];
         at = (at + 1) & (S_SLOTS - 1))
        if (strcmp(s_slots[at]->code, code) == 0)
            return s_slots[at];
    return NULL;
}

static const s_rule_t *
s_by_num(uint32_t num)
{
    /* Numbered 1.. in table order. */
    if (num >= 1 && num <= S_NRULES && s_rules[num - 1].num == num)
        return &s_rules[num - 1];
    return NULL;
}

uint32_t
ry_rulecat_rule(const char *code)
{
    const s_rule_t *r = s_by_code(code);
    return r ? r->num : 0;
}

const char *
ry_rulecat_code(uint32_t rule)
{
    const s_rule_t *r = s_by_num(rule);
    return r ? r->code : NULL;
}

const char *
ry_rulecat_check_code(const Rongyu__Check *k)
{
    if (k->code && *k->code)
        return k->code;
    const char *c = ry_rulecat_code(k->rule);
    return c ? c : "";
}

bool
ry_rulecat_has_texts(const Rongyu__Check *k)
{
    return (k->message_zh && *k->message_zh) ||
           (k->message_en && *k->message_en);
}

/* ------------------------------------------------------------ text */

typedef struct {
    char *p;
    size_t len, n;
} s_buf_t;

static void
s_put(s_buf_t *b, const char *s, size_t n)
{
    if (b->n + 1 >= b->len)
        return;
    size_t room = b->len - 1 - b->n;
    if (n > room) {
        /* Cut on a character (a text of the application's may be longer
         * than the buffer), and the buffer full from there on. */
        n = ry_text_utf8_fit(s, n, room);
        b->len = b->n + n + 1;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void
s_puts(s_buf_t *b, const char *s)
{
    s_put(b, s, strlen(s));
}

/* True when s[0..n) holds a CJK character (U+2E80 and up). */
static bool
s_has_cjk(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0xF0)
            return true;
        if (p[i] >= 0xE0 && i + 2 < n) {
            unsigned cp = (unsigned)(p[i] & 0x0F) << 12 |
                          (unsigned)(p[i + 1] & 0x3F) << 6 |
                          (unsigned)(p[i + 2] & 0x3F);
            if (cp >= 0x2E80)
                return true;
        }
    }
    return false;
}

typedef enum { S_SAME, S_SLASH, S_PAREN } s_form_t;

/* The part of wording w for one language (zh or not), as [*start, +*n),
 * and the form w is written in. */
static s_form_t
s_pick(const char *w, bool zh, const char **start, size_t *n)
{
    size_t len = strlen(w);
    const char *sep = strchr(w, '\x1f');
    if (sep) {
        *start = zh ? w : sep + 1;
        *n = zh ? (size_t)(sep - w) : strlen(sep + 1);
        return S_SLASH;
    }
    const char *open = strstr(w, " (");
    if (open && len > 1 && w[len - 1] == ')' && !strstr(open + 2, " (") &&
        s_has_cjk(w, (size_t)(open - w)) &&
        !s_has_cjk(open + 2, len - (size_t)(open - w) - 3)) {
        *start = zh ? w : open + 2;
        *n = zh ? (size_t)(open - w) : len - (size_t)(open - w) - 3;
        return S_PAREN;
    }
    const char *slash = strchr(w, '/');
    if (slash && !strchr(slash + 1, '/') && s_has_cjk(w, (size_t)(slash - w)) &&
        !s_has_cjk(slash + 1, strlen(slash + 1))) {
        *start = zh ? w : slash + 1;
        *n = zh ? (size_t)(slash - w) : strlen(slash + 1);
        return S_SLASH;
    }
    *start = w;
    *n = len;
    return S_SAME;
}

static void
s_put_word(s_buf_t *b, const char *w, bool zh)
{
    const char *s;
    size_t n;
    s_pick(w, zh, &s, &n);
    s_put(b, s, n);
}

/* The shortest decimal that reads back as exactly v, in plain digits when
 * 17 digits allow ("100", not "1e+02"). */
static void
s_fmt_double(double v, char *buf, size_t len)
{
    if (isfinite(v) && fabs(v) < 1e15 && v == (double)(long long)v &&
        !(v == 0 && signbit(v))) {
        snprintf(buf, len, "%lld", (long long)v);
        return;
    }
    for (int plain = 1; plain >= 0; plain--) {
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, len, "%.*g", prec, v);
            if (strtod(buf, NULL) == v && (!plain || !strchr(buf, 'e')))
                return;
        }
    }
}

static const char *
s_term(const char *key)
{
    for (size_t i = 0; i < sizeof s_terms / sizeof s_terms[0]; i++)
        if (strcmp(s_terms[i].key, key) == 0)
            return s_terms[i].text;
    return key;
}

static const char *
s_subject(const s_rule_t *r, const char *key)
{
    for (size_t i = 0; key && *key && i < sizeof s_subjects / sizeof
                                                   s_subjects[0];
         i++)
        if (strcmp(s_subjects[i].key, key) == 0)
            return s_subjects[i].label;
    return r && r->subject ? r->subject : (key ? key : "");
}

typedef struct {
    const s_rule_t *r;
    const Rongyu__Check *k;
    bool zh;
} s_ctx_t;

static void s_value(s_buf_t *b, const s_ctx_t *c, const Rongyu__Quantity *q,
                    bool thr, bool top);

static bool
s_bare_term(const Rongyu__Quantity *q)
{
    return q && q->value_case == RONGYU__QUANTITY__VALUE_TERM;
}

/* Expands template t (already in one language) into b. */
static void
s_expand(s_buf_t *b, const s_ctx_t *c, const char *t, size_t tn,
         const Rongyu__Quantity *q_of, const char *v_text)
{
    for (size_t i = 0; i < tn; i++) {
        if (t[i] != '{') {
            const char *open = memchr(t + i, '{', tn - i);
            size_t run = open ? (size_t)(open - (t + i)) : tn - i;
            s_put(b, t + i, run);
            i += run - 1;
            continue;
        }
        const char *close = memchr(t + i, '}', tn - i);
        if (!close) {
            s_put(b, t + i, tn - i);
            return;
        }
        size_t n = (size_t)(close - (t + i)) - 1;
        const char *name = t + i + 1;
        if (n == 1 && name[0] == 's') {
            s_put_word(b, s_subject(c->r, c->k->subject), c->zh);
        } else if (n == 1 && (name[0] == 't' || name[0] == 'a')) {
            s_value(b, c, name[0] == 't' ? c->k->threshold_value
                                         : c->k->actual_value,
                    name[0] == 't', true);
        } else if (n == 2 && (name[0] == 't' || name[0] == 'a') &&
                   name[1] >= '0' && name[1] <= '9') {
            const Rongyu__Quantity *q = name[0] == 't' ? c->k->threshold_value
                                                       : c->k->actual_value;
            size_t at = (size_t)(name[1] - '0');
            if (q && at < q->n_items)
                s_value(b, c, q->items[at], name[0] == 't', false);
        } else if (n == 1 && name[0] == 'o' && q_of) {
            s_puts(b, q_of->of);
        } else if (n == 1 && name[0] == 'v' && v_text) {
            s_puts(b, v_text);
        }
        i += n + 1;
    }
}

/* One value: a number (with its unit), a ratio, a date, a text, a term or
 * a list; a threshold with its comparison. 'top': the check's own value
 * (not a part), whose owner the rule's 'item' wording may show. */
static void
s_value(s_buf_t *b, const s_ctx_t *c, const Rongyu__Quantity *q, bool thr,
        bool top)
{
    (void)top;
    if (!q)
        return;
    char v[1024];
    v[0] = '\0';
    s_buf_t vb = {v, sizeof v, 0};
    if (thr && q->op && *q->op) {
        if (strcmp(q->op, "ge") == 0)
            s_puts(&vb, "≥ ");
        else if (strcmp(q->op, "gt") == 0)
            s_puts(&vb, "> ");
        else if (strcmp(q->op, "le") == 0)
            s_puts(&vb, "≤ ");
    }
    char num[64];
    bool pct = q->unit && strcmp(q->unit, "percent") == 0;
    switch (q->value_case) {
    case RONGYU__QUANTITY__VALUE_COUNT:
        if (q->unit && strcmp(q->unit, "utc_offset") == 0) {
            int m = (int)q->count;
            snprintf(num, sizeof num, "%+d:%02d", m / 60, abs(m % 60));
        } else {
            snprintf(num, sizeof num, "%lld%s", (long long)q->count,
                     pct ? "%" : "");
        }
        s_puts(&vb, num);
        break;
    case RONGYU__QUANTITY__VALUE_NUMBER:
        {
            s_fmt_double(q->number, num, sizeof num);
            if (pct)
                strcat(num, "%");
        }
        s_puts(&vb, num);
        break;
    case RONGYU__QUANTITY__VALUE_RATIO:
        if (q->ratio && q->ratio->den > 0 && q->ratio->num <= q->ratio->den) {
            /* Two decimals, rounded down: for display only. */
            unsigned __int128 h =
                (unsigned __int128)q->ratio->num * 10000u / q->ratio->den;
            snprintf(v + vb.n, sizeof v - vb.n, "%llu/%llu (%llu.%02llu%%)",
                     (unsigned long long)q->ratio->num,
                     (unsigned long long)q->ratio->den,
                     (unsigned long long)(h / 100),
                     (unsigned long long)(h % 100));
            vb.n = strlen(v);
        } else if (q->ratio) {
            snprintf(v + vb.n, sizeof v - vb.n, "%llu/%llu",
                     (unsigned long long)q->ratio->num,
                     (unsigned long long)q->ratio->den);
            vb.n = strlen(v);
        }
        break;
    case RONGYU__QUANTITY__VALUE_DATE: s_puts(&vb, q->date); break;
    case RONGYU__QUANTITY__VALUE_TEXT: s_puts(&vb, q->text); break;
    case RONGYU__QUANTITY__VALUE_TERM:
        s_put_word(&vb, s_term(q->term), c->zh);
        break;
    default:
        if (q->op && strcmp(q->op, "range") == 0) {
            char lo[40], hi[40];
            s_fmt_double(q->min, lo, sizeof lo);
            s_fmt_double(q->max, hi, sizeof hi);
            snprintf(v + vb.n, sizeof v - vb.n, "%s%s..%s%s", lo,
                     pct ? "%" : "", hi, pct ? "%" : "");
            vb.n = strlen(v);
            break;
        }
        for (size_t i = 0; i < q->n_items; i++) {
            if (i)
                s_puts(&vb, thr ? " | " : c->r && c->r->sep ? c->r->sep : "; ");
            s_value(&vb, c, q->items[i], thr, false);
        }
        break;
    }
    if (q->of && *q->of && c->r && c->r->item) {
        const char *s;
        size_t n;
        s_pick(c->r->item, c->zh, &s, &n);
        s_expand(b, c, s, n, q, v);
    } else {
        s_puts(b, v);
    }
}

/* Renders wording w (NULL: "{t}" or "{a}") for the threshold or the actual
 * value in one language. */
static void
s_side(s_buf_t *b, const s_ctx_t *c, const char *w, bool thr)
{
    const Rongyu__Quantity *q = thr ? c->k->threshold_value
                                    : c->k->actual_value;
    /* A wording of parts fits only a value that has them: a date that is
     * not real, or a term, is shown as it is. */
    if (!w || s_bare_term(q) ||
        (strstr(w, thr ? "{t0}" : "{a0}") && (!q || !q->n_items))) {
        s_value(b, c, q, thr, true);
        return;
    }
    const char *s;
    size_t n;
    s_pick(w, c->zh, &s, &n);
    s_expand(b, c, s, n, NULL, NULL);
}

/* Strings put one after the other into out (cut to len); NULL ends. */
static void
s_cat(char *out, size_t len, ...)
{
    s_buf_t b = {out, len, 0};
    out[0] = '\0';
    va_list ap;
    va_start(ap, len);
    for (const char *p = va_arg(ap, const char *); p;
         p = va_arg(ap, const char *))
        s_puts(&b, p);
    va_end(ap);
}

static void
s_join(char *out, size_t len, const char *zh, const char *en, s_form_t form)
{
    if (strcmp(zh, en) == 0)
        s_cat(out, len, zh, (char *)NULL);
    else if (form == S_PAREN)
        s_cat(out, len, zh, " (", en, ")", (char *)NULL);
    else
        s_cat(out, len, zh, "/", en, (char *)NULL);
}

static s_form_t
s_form(const char *w)
{
    const char *s;
    size_t n;
    return w ? s_pick(w, true, &s, &n) : S_SLASH;
}

/* --------------------------------------------------- irregular rules */

/* R_RATE_COUNTS_AGREE: threshold = the counts (ratio), actual = the
 * stated percentage; the counts are shown at the stated precision (the
 * fewest decimals that give back the same number), rounded half up. */
static void
s_agree(const Rongyu__Check *k, bool zh, s_buf_t *t, s_buf_t *a)
{
    const Rongyu__Quantity *tq = k->threshold_value, *aq = k->actual_value;
    if (!tq || !aq || !tq->ratio || !tq->ratio->den)
        return;
    uint64_t num = tq->ratio->num, den = tq->ratio->den;
    double pct = aq->value_case == RONGYU__QUANTITY__VALUE_COUNT
                     ? (double)aq->count
                     : aq->number;
    char stated[48];
    int d = 0;
    for (; d < 15; d++) {
        snprintf(stated, sizeof stated, "%.*f", d, pct);
        if (strtod(stated, NULL) == pct)
            break;
    }
    snprintf(stated, sizeof stated, "%.*f", d, pct);
    unsigned __int128 p10 = 1;
    for (int i = 0; i < d; i++)
        p10 *= 10u;
    unsigned __int128 r =
        ((unsigned __int128)num * 200u * p10 + den) / ((unsigned __int128)den * 2u);
    char digits[48], counted[64];
    int nd = 0, o = 0;
    do {
        digits[nd++] = (char)('0' + (int)(r % 10u));
        r /= 10u;
    } while ((r > 0 || nd <= d) && nd < 40);
    for (int i = nd - 1; i >= 0; i--) {
        counted[o++] = digits[i];
        if (i == d && d > 0)
            counted[o++] = '.';
    }
    counted[o] = '\0';
    char buf[320];
    if (zh)
        snprintf(buf, sizeof buf, "%llu/%llu → %s%%（按填报精度 %d 位小数四舍五入）",
                 (unsigned long long)num, (unsigned long long)den, counted, d);
    else
        snprintf(buf, sizeof buf, "%llu/%llu → %s%% (rounded to %d decimal%s, as stated)",
                 (unsigned long long)num, (unsigned long long)den, counted, d,
                 d == 1 ? "" : "s");
    s_puts(t, buf);
    snprintf(buf, sizeof buf, zh ? "填报 %s%%" : "stated %s%%", stated);
    s_puts(a, buf);
}

/* A part of a composite value, as text. */
static const char *
s_part(const Rongyu__Quantity *q, size_t i, char *buf, size_t len)
{
    if (!q || i >= q->n_items)
        return "?";
    const Rongyu__Quantity *p = q->items[i];
    switch (p->value_case) {
    case RONGYU__QUANTITY__VALUE_COUNT:
        snprintf(buf, len, "%lld", (long long)p->count);
        return buf;
    case RONGYU__QUANTITY__VALUE_DATE: return p->date;
    case RONGYU__QUANTITY__VALUE_TEXT: return p->text;
    default: return "?";
    }
}

/* R_POSTING_WORKDAYS (actual: the first and last day, or the working
 * days, the first and last day and the earliest end) and
 * R_CALENDAR_NODATA (actual: the first and last day, and the year
 * without data). */
static void
s_posting(const Rongyu__Check *k, bool zh, bool nodata, s_buf_t *a)
{
    const Rongyu__Quantity *q = k->actual_value;
    char p0[40], p1[40], p2[40], p3[40], buf[400];
    if (!q)
        return;
    if (!nodata && q->n_items >= 4)
        snprintf(buf, sizeof buf,
                 zh ? "%s 个工作日（%s 至 %s；最早可于 %s 结束）"
                    : "%s working days (%s .. %s; the earliest end is %s)",
                 s_part(q, 0, p0, sizeof p0), s_part(q, 1, p1, sizeof p1),
                 s_part(q, 2, p2, sizeof p2), s_part(q, 3, p3, sizeof p3));
    else if (nodata && q->n_items >= 3)
        snprintf(buf, sizeof buf,
                 zh ? "%s .. %s，缺少 %s 年数据" : "%s .. %s, no data for %s",
                 s_part(q, 0, p0, sizeof p0), s_part(q, 1, p1, sizeof p1),
                 s_part(q, 2, p2, sizeof p2));
    else
        snprintf(buf, sizeof buf, "%s .. %s", s_part(q, 0, p0, sizeof p0),
                 s_part(q, 1, p1, sizeof p1));
    ry_text_utf8_scrub(buf); /* the days are the application's texts */
    s_puts(a, buf);
}

/* R_ORG_KIND_CATEGORY, R_ORG_KIND_HONOUR: threshold = the categories or
 * honours the registered kind (its 'of') may take. */
static void
s_kind(const s_ctx_t *c, s_buf_t *t)
{
    const Rongyu__Quantity *q = c->k->threshold_value;
    if (!q)
        return;
    bool cat = strcmp(c->r->code, "R_ORG_KIND_CATEGORY") == 0;
    char kterm[64], list[600];
    list[0] = '\0';
    snprintf(kterm, sizeof kterm, "kind_%s", q->of ? q->of : "");
    s_buf_t lb = {list, sizeof list, 0};
    for (size_t i = 0; i < q->n_items; i++) {
        if (i)
            s_puts(&lb, " | ");
        if (q->items[i]->value_case == RONGYU__QUANTITY__VALUE_TEXT)
            s_puts(&lb, q->items[i]->text);
    }
    const char *none = c->zh ? "无" : cat ? "none" : "nothing";
    char buf[900];
    if (c->zh) {
        const char *s;
        size_t n;
        s_pick(s_term(kterm), true, &s, &n);
        snprintf(buf, sizeof buf, "登记为%.*s（%s）可申报 %s", (int)n, s,
                 q->of ? q->of : "?", list[0] ? list : none);
    } else {
        snprintf(buf, sizeof buf, "registered %s may %s %s",
                 q->of ? q->of : "?", cat ? "declare" : "apply for",
                 list[0] ? list : none);
    }
    ry_text_utf8_scrub(buf);
    s_puts(t, buf);
}

/* ------------------------------------------------------------ render */

static void
s_legacy(const Rongyu__Check *k, ry_rulecat_text_t *out)
{
    s_cat(out->threshold, sizeof out->threshold,
          k->threshold ? k->threshold : "", (char *)NULL);
    s_cat(out->actual, sizeof out->actual, k->actual ? k->actual : "",
          (char *)NULL);
    s_cat(out->message_zh, sizeof out->message_zh,
          k->message_zh ? k->message_zh : "", (char *)NULL);
    s_cat(out->message_en, sizeof out->message_en,
          k->message_en ? k->message_en : "", (char *)NULL);
}

int
ry_rulecat_render(const Rongyu__Check *k, ry_rulecat_text_t *out)
{
    out->threshold[0] = out->actual[0] = '\0';
    out->message_zh[0] = out->message_en[0] = '\0';
    if (ry_rulecat_has_texts(k)) {
        s_legacy(k, out);
        return 0;
    }
    const s_rule_t *r = k->rule ? s_by_num(k->rule) : s_by_code(k->code);
    if (!r) {
        const char *code = ry_rulecat_check_code(k);
        snprintf(out->message_zh, sizeof out->message_zh, "%s：%s",
                 *code ? code : "?", k->passed ? "符合" : "不符合");
        snprintf(out->message_en, sizeof out->message_en, "%s: %s",
                 *code ? code : "?", k->passed ? "met" : "NOT met");
        ry_text_utf8_scrub(out->message_zh);
        ry_text_utf8_scrub(out->message_en);
        return RY_ENOTFOUND;
    }
    /* Only the first byte is cleared: the buffers are written in order. */
    char tz[1024], te[1024], az[1024], ae[1024], lz[512], le[512];
    tz[0] = te[0] = az[0] = ae[0] = lz[0] = le[0] = '\0';
    for (int zh = 1; zh >= 0; zh--) {
        s_ctx_t c = {r, k, zh};
        s_buf_t t = {zh ? tz : te, sizeof tz, 0};
        s_buf_t a = {zh ? az : ae, sizeof az, 0};
        s_buf_t l = {zh ? lz : le, sizeof lz, 0};
        const char *s;
        size_t n;
        s_pick(r->label, zh, &s, &n);
        s_expand(&l, &c, s, n, NULL, NULL);
        if (r->flags & F_REVIEW)
            continue;
        if (r->flags & F_REQ) {
            s_put_word(&t, "非空/present", zh);
            s_put_word(&a, k->passed ? "已填写/present" : "未填写/missing", zh);
            continue;
        }
        switch (r->hook) {
        case H_AGREE: s_agree(k, zh, &t, &a); continue;
        case H_POSTING:
            s_side(&t, &c, r->thr, true);
            s_posting(k, zh, false, &a);
            continue;
        case H_NODATA:
            s_side(&t, &c, r->thr, true);
            s_posting(k, zh, true, &a);
            continue;
        case H_KIND: s_kind(&c, &t); break;
        case H_NONE: s_side(&t, &c, r->thr, true); break;
        }
        s_side(&a, &c, r->act, false);
    }
    s_form_t tf = (r->flags & F_REQ) ? S_SLASH : s_form(r->thr);
    s_form_t af = r->act ? s_form(r->act) : S_SLASH;
    s_join(out->threshold, sizeof out->threshold, tz, te, tf);
    s_join(out->actual, sizeof out->actual, az, ae, af);
    if (r->flags & F_REVIEW) {
        s_cat(out->message_zh, sizeof out->message_zh, lz,
              "：须由审核人判断并记录审批意见。", (char *)NULL);
        s_cat(out->message_en, sizeof out->message_en, le,
              ": left to the reviewer's judgment and opinion.", (char *)NULL);
    } else {
        s_cat(out->message_zh, sizeof out->message_zh, lz, "：",
              k->passed ? "符合" : "不符合", "（要求 ", tz, "；实际 ", az, "）。",
              (char *)NULL);
        s_cat(out->message_en, sizeof out->message_en, le, ": ",
              k->passed ? "met" : "NOT met", " (required ", te, "; actual ",
              ae, ").", (char *)NULL);
    }
    return 0;
}

static void
s_fill(Rongyu__Check *k, ry_rulecat_text_t *t)
{
    if (!k || ry_rulecat_has_texts(k))
        return;
    ry_rulecat_render(k, t);
    if (!k->code || !*k->code)
        ry_pb_set_string(&k->code, ry_rulecat_check_code(k));
    ry_pb_set_string(&k->threshold, t->threshold);
    ry_pb_set_string(&k->actual, t->actual);
    ry_pb_set_string(&k->message_zh, t->message_zh);
    ry_pb_set_string(&k->message_en, t->message_en);
}

void
ry_rulecat_fill(Rongyu__Check *k)
{
    ry_rulecat_text_t *t = malloc(sizeof *t);
    if (!t)
        abort();
    s_fill(k, t);
    free(t);
}

void
ry_rulecat_fill_verdict(Rongyu__Verdict *v)
{
    if (!v)
        return;
    ry_rulecat_text_t *t = malloc(sizeof *t);
    if (!t)
        abort();
    for (size_t i = 0; i < v->n_checks; i++)
        s_fill(v->checks[i], t);
    free(t);
}

const char *
ry_rulecat_column_term(int column)
{
    static const char *const terms[] = {"missing", "column_leadership_organ",
                                        "column_township_cadre",
                                        "column_grassroots_cadre"};
    return column >= 1 && column <= 3 ? terms[column] : terms[0];
}
