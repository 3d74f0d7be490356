/* ry_rulecat: every rule of validation is in the catalogue with Chinese
 * and English wording, and each kind of typed value renders as a person
 * reads it; checks stored with texts of their own keep them; and what it
 * renders is UTF-8 whatever the length of the application's texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rongyu.pb-c.h"
#include "ry_error.h"
#include "ry_rulecat.h"
#include "ry_text.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True when s holds a CJK ideograph (U+4E00..U+9FFF). */
static bool
s_cjk(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (; *p; p++)
        if (p[0] >= 0xE4 && p[0] <= 0xE9 && p[1] && p[2])
            return true;
    return false;
}

/* Every "R_..." literal of validation's rules. */
static size_t
s_validation_codes(char codes[][64], size_t cap)
{
    FILE *f = fopen(RY_SOURCE_DIR "/services/validation/validation_rules.c",
                    "rb");
    assert_non_null(f);
    static char src[1 << 17];
    size_t n = fread(src, 1, sizeof src - 1, f);
    fclose(f);
    src[n] = '\0';
    size_t k = 0;
    for (const char *p = strstr(src, "\"R_"); p; p = strstr(p + 1, "\"R_")) {
        size_t len = strspn(p + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_");
        if (p[1 + len] != '"' || len >= 64)
            continue;
        char code[64];
        memcpy(code, p + 1, len);
        code[len] = '\0';
        bool seen = false;
        for (size_t i = 0; i < k && !seen; i++)
            seen = strcmp(codes[i], code) == 0;
        if (!seen && k < cap)
            snprintf(codes[k++], 64, "%s", code);
    }
    return k;
}

static void
test_every_rule_of_validation_has_chinese_and_english_text(void **state)
{
    (void)state;
    static char codes[200][64];
    size_t n = s_validation_codes(codes, 200);
    assert_true(n >= 60);
    assert_int_equal(n, ry_rulecat_count()); /* and no rule without a use */
    for (size_t i = 0; i < n; i++) {
        uint32_t num = ry_rulecat_rule(codes[i]);
        if (!num)
            fail_msg("%s is not in the catalogue", codes[i]);
        assert_string_equal(ry_rulecat_code(num), codes[i]);
        for (int passed = 0; passed < 2; passed++) {
            Rongyu__Check k = RONGYU__CHECK__INIT;
            k.rule = num;
            k.passed = passed;
            ry_rulecat_text_t t;
            assert_int_equal(ry_rulecat_render(&k, &t), 0);
            if (!s_cjk(t.message_zh))
                fail_msg("%s: no Chinese text: %s", codes[i], t.message_zh);
            if (strlen(t.message_en) < 8 || s_cjk(t.message_en))
                fail_msg("%s: no English text: %s", codes[i], t.message_en);
            /* The message says whether it was met, in each language. */
            if (!strstr(t.message_en, "met") &&
                !strstr(t.message_en, "reviewer"))
                fail_msg("%s: %s", codes[i], t.message_en);
        }
    }
}

static void
test_numbers_are_stable_and_distinct(void **state)
{
    (void)state;
    assert_int_equal(ry_rulecat_rule("R_CAMPAIGN"), 1);
    assert_int_equal(ry_rulecat_rule("R_MEMBERSHIP_MIN"), 37);
    assert_int_equal(ry_rulecat_rule("R_POSTING_WORKDAYS"), 58);
    assert_int_equal(ry_rulecat_rule("R_MODEL_INNOVATION_REVIEW"), 66);
    for (size_t i = 0; i < ry_rulecat_count(); i++)
        assert_int_equal(ry_rulecat_rule(ry_rulecat_code_at(i)), i + 1);
    assert_int_equal(ry_rulecat_rule("R_NO_SUCH_RULE"), 0);
    /* Codes shorter than the letters the lookup hashes, and one that
     * differs from a rule's only before its end. */
    assert_int_equal(ry_rulecat_rule(""), 0);
    assert_int_equal(ry_rulecat_rule("R"), 0);
    assert_int_equal(ry_rulecat_rule("R_"), 0);
    assert_int_equal(ry_rulecat_rule("X_MEMBERSHIP_MIN"), 0);
    assert_int_equal(ry_rulecat_rule(NULL), 0);
    assert_null(ry_rulecat_code(0));
    assert_null(ry_rulecat_code(9999));
    assert_null(ry_rulecat_code_at(ry_rulecat_count()));
}

/* A check of 'code' with its outcome and typed values (borrowed). */
static Rongyu__Check
s_check(const char *code, bool passed, Rongyu__Quantity *thr,
        Rongyu__Quantity *act)
{
    Rongyu__Check k = RONGYU__CHECK__INIT;
    k.rule = ry_rulecat_rule(code);
    k.passed = passed;
    k.threshold_value = thr;
    k.actual_value = act;
    return k;
}

static void
test_percentage_threshold_and_counted_rate(void **state)
{
    (void)state;
    Rongyu__Quantity thr = RONGYU__QUANTITY__INIT, act = RONGYU__QUANTITY__INIT;
    thr.value_case = RONGYU__QUANTITY__VALUE_NUMBER;
    thr.number = 92.5;
    thr.unit = (char *)"percent";
    thr.op = (char *)"ge";
    Rongyu__Ratio r = RONGYU__RATIO__INIT;
    r.num = 923;
    r.den = 1000;
    act.value_case = RONGYU__QUANTITY__VALUE_RATIO;
    act.ratio = &r;
    Rongyu__Check k = s_check("R_MEMBERSHIP_MIN", false, &thr, &act);
    ry_rulecat_text_t t;
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.threshold, "≥ 92.5%");
    assert_string_equal(t.actual, "923/1000 (92.30%)");
    assert_string_equal(t.message_zh,
                        "职工入会率：不符合（要求 ≥ 92.5%；实际 923/1000 "
                        "(92.30%)）。");
    assert_string_equal(t.message_en,
                        "workers' membership rate: NOT met (required ≥ "
                        "92.5%; actual 923/1000 (92.30%)).");
    /* Out of range: no percentage is made of it. */
    r.num = 1001;
    k = s_check("R_RATE_RANGE", false, NULL, &act);
    k.subject = (char *)"realname";
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.actual, "1001/1000");
    assert_non_null(strstr(t.message_zh, "会员实名制率须在 0%～100% 之间"));
    assert_non_null(strstr(t.message_en, "members' real-name registration "
                                         "must lie within"));
    /* A stated percentage. */
    act = (Rongyu__Quantity)RONGYU__QUANTITY__INIT;
    act.value_case = RONGYU__QUANTITY__VALUE_NUMBER;
    act.number = 95;
    act.unit = (char *)"percent";
    k = s_check("R_SATISFACTION_MIN", true, &thr, &act);
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.actual, "95%");
    assert_non_null(strstr(t.message_zh, "满意率：符合"));
}

static void
test_counts_dates_terms_and_texts(void **state)
{
    (void)state;
    ry_rulecat_text_t t;
    /* A count with its comparison, and years in each language. */
    Rongyu__Quantity thr = RONGYU__QUANTITY__INIT, act = RONGYU__QUANTITY__INIT;
    thr.value_case = RONGYU__QUANTITY__VALUE_COUNT;
    thr.count = 2;
    thr.unit = (char *)"years";
    thr.op = (char *)"ge";
    act.value_case = RONGYU__QUANTITY__VALUE_TERM;
    act.term = (char *)"missing";
    Rongyu__Check k = s_check("R_UNION_YEARS_MIN", false, &thr, &act);
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.threshold, "≥ 2 年/≥ 2 years");
    assert_string_equal(t.actual, "未填写/missing");
    assert_non_null(strstr(t.message_zh, "实际 未填写"));
    assert_non_null(strstr(t.message_en, "actual missing"));
    /* Dates, as parts of a composite value. */
    Rongyu__Quantity since = RONGYU__QUANTITY__INIT, due = RONGYU__QUANTITY__INIT;
    since.value_case = due.value_case = RONGYU__QUANTITY__VALUE_DATE;
    since.date = (char *)"2016-02-29";
    due.date = (char *)"2018-03-01";
    Rongyu__Quantity *parts[] = {&since, &due};
    act = (Rongyu__Quantity)RONGYU__QUANTITY__INIT;
    act.items = parts;
    act.n_items = 2;
    k = s_check("R_UNION_YEARS_MIN", true, &thr, &act);
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.actual, "自 2016-02-29 起（2018-03-01 满期）/since "
                                  "2016-02-29 (complete on 2018-03-01)");
    /* A date with its comparison and the campaign's offset. */
    Rongyu__Quantity off = RONGYU__QUANTITY__INIT, *offp = &off;
    off.value_case = RONGYU__QUANTITY__VALUE_COUNT;
    off.count = 480;
    off.unit = (char *)"utc_offset";
    thr = (Rongyu__Quantity)RONGYU__QUANTITY__INIT;
    thr.value_case = RONGYU__QUANTITY__VALUE_DATE;
    thr.date = (char *)"2018-11-30";
    thr.op = (char *)"le";
    thr.items = &offp;
    thr.n_items = 1;
    act = (Rongyu__Quantity)RONGYU__QUANTITY__INIT;
    act.value_case = RONGYU__QUANTITY__VALUE_DATE;
    act.date = (char *)"2018-12-01";
    k = s_check("R_DEADLINE", false, &thr, &act);
    k.subject = (char *)"summary_deadline";
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.threshold, "≤ 2018-11-30 23:59 (UTC+8:00)");
    assert_string_equal(t.actual, "2018-12-01");
    assert_non_null(strstr(t.message_zh, "推荐截止时间：不符合"));
    assert_non_null(strstr(t.message_en, "nomination deadline: NOT met"));
    /* Text is the application's own, shown as it is in both. */
    act = (Rongyu__Quantity)RONGYU__QUANTITY__INIT;
    act.value_case = RONGYU__QUANTITY__VALUE_TEXT;
    act.text = (char *)"杭州市/总部";
    k = s_check("R_ORGANISING_UNIT", false, NULL, &act);
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.threshold, "附件1 单位之一 (an Annex 1 unit)");
    assert_string_equal(t.actual, "杭州市/总部");
    assert_non_null(strstr(t.message_en, "actual 杭州市/总部"));
}

static void
test_lists_with_owners_and_ranges(void **state)
{
    (void)state;
    ry_rulecat_text_t t;
    Rongyu__Quantity a = RONGYU__QUANTITY__INIT, b = RONGYU__QUANTITY__INIT;
    a.value_case = b.value_case = RONGYU__QUANTITY__VALUE_COUNT;
    a.count = 178;
    a.of = (char *)"form.pdf";
    b.count = 0;
    b.of = (char *)"scan.png";
    Rongyu__Quantity *items[] = {&a, &b};
    Rongyu__Quantity act = RONGYU__QUANTITY__INIT, thr = RONGYU__QUANTITY__INIT;
    act.items = items;
    act.n_items = 2;
    thr.op = (char *)"range";
    thr.min = 1;
    thr.max = 20971520;
    thr.unit = (char *)"bytes";
    Rongyu__Check k = s_check("R_FORM_SIZE", false, &thr, &act);
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.threshold, "1..20971520 bytes");
    assert_string_equal(t.actual, "form.pdf: 178; scan.png: 0");
    /* A set of allowed values. */
    Rongyu__Quantity m = RONGYU__QUANTITY__INIT, f = RONGYU__QUANTITY__INIT;
    m.value_case = f.value_case = RONGYU__QUANTITY__VALUE_TEXT;
    m.text = (char *)"男";
    f.text = (char *)"女";
    Rongyu__Quantity *set[] = {&m, &f};
    thr = (Rongyu__Quantity)RONGYU__QUANTITY__INIT;
    thr.items = set;
    thr.n_items = 2;
    Rongyu__Quantity g = RONGYU__QUANTITY__INIT;
    g.value_case = RONGYU__QUANTITY__VALUE_TEXT;
    g.text = (char *)"M";
    k = s_check("R_PERSON_GENDER", false, &thr, &g);
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.threshold, "男 | 女");
    assert_string_equal(t.actual, "M");
    /* Dates out of order name their fields. */
    Rongyu__Quantity d1 = RONGYU__QUANTITY__INIT, d2 = RONGYU__QUANTITY__INIT;
    d1.value_case = d2.value_case = RONGYU__QUANTITY__VALUE_DATE;
    d1.date = (char *)"2018-10-02";
    d1.of = (char *)"committee_study_date";
    d2.date = (char *)"2018-10-01";
    d2.of = (char *)"party_consent_date";
    Rongyu__Quantity *pair[] = {&d1, &d2};
    act = (Rongyu__Quantity)RONGYU__QUANTITY__INIT;
    act.items = pair;
    act.n_items = 2;
    k = s_check("R_DECL_ORDER", false, NULL, &act);
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.actual, "committee_study_date 2018-10-02 > "
                                  "party_consent_date 2018-10-01");
}

static void
test_required_review_and_agreement(void **state)
{
    (void)state;
    ry_rulecat_text_t t;
    Rongyu__Check k = s_check("R_REQUIRED_UNION_NAME", false, NULL, NULL);
    k.subject = (char *)"small_union_name";
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.threshold, "非空/present");
    assert_string_equal(t.actual, "未填写/missing");
    assert_string_equal(t.message_zh, "必填项「工会分会（小组）名称」：不符合（要求 "
                                      "非空；实际 未填写）。");
    k.passed = true;
    k.subject = (char *)"";
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.actual, "已填写/present");
    assert_non_null(strstr(t.message_en, "required field 'union name': met"));

    k = s_check("R_POLITICAL_REVIEW", true, NULL, NULL);
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.threshold, "");
    assert_non_null(strstr(t.message_zh, "须由审核人判断"));
    assert_non_null(strstr(t.message_en, "left to the reviewer"));

    Rongyu__Ratio r = RONGYU__RATIO__INIT;
    r.num = 930;
    r.den = 1000;
    Rongyu__Quantity thr = RONGYU__QUANTITY__INIT, act = RONGYU__QUANTITY__INIT;
    thr.value_case = RONGYU__QUANTITY__VALUE_RATIO;
    thr.ratio = &r;
    act.value_case = RONGYU__QUANTITY__VALUE_NUMBER;
    act.number = 93.1;
    act.unit = (char *)"percent";
    k = s_check("R_RATE_COUNTS_AGREE", false, &thr, &act);
    k.subject = (char *)"membership";
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.threshold,
                        "930/1000 → 93.0%（按填报精度 1 位小数四舍五入）/930/1000 → "
                        "93.0% (rounded to 1 decimal, as stated)");
    assert_string_equal(t.actual, "填报 93.1%/stated 93.1%");
}

static void
test_stored_texts_are_shown_as_stored(void **state)
{
    (void)state;
    /* A check stored before the catalogue: code and texts, no rule. */
    Rongyu__Check k = RONGYU__CHECK__INIT;
    k.code = (char *)"R_MEMBERSHIP_MIN";
    k.passed = true;
    k.threshold = (char *)"≥ 90%";
    k.actual = (char *)"923/1000 (92.30%)";
    k.message_zh = (char *)"职工入会率：符合";
    k.message_en = (char *)"membership rate: met";
    assert_true(ry_rulecat_has_texts(&k));
    ry_rulecat_text_t t;
    assert_int_equal(ry_rulecat_render(&k, &t), 0);
    assert_string_equal(t.message_zh, "职工入会率：符合");
    assert_string_equal(t.threshold, "≥ 90%");
    assert_string_equal(ry_rulecat_check_code(&k), "R_MEMBERSHIP_MIN");
    /* A rule this version does not know: its code and outcome. */
    Rongyu__Check u = RONGYU__CHECK__INIT;
    u.rule = 9999;
    assert_string_equal(ry_rulecat_check_code(&u), "");
    assert_int_equal(ry_rulecat_render(&u, &t), RY_ENOTFOUND);
    assert_string_equal(t.message_en, "?: NOT met");
    u.code = (char *)"R_FUTURE_RULE";
    u.rule = 0;
    u.passed = true;
    assert_int_equal(ry_rulecat_render(&u, &t), RY_ENOTFOUND);
    assert_string_equal(t.message_zh, "R_FUTURE_RULE：符合");
}

/* A Chinese text of 'chars' characters after 'lead' ASCII bytes: cut at
 * a fixed length, one of three such texts is cut inside a character. */
static char *
s_long_text(int lead, size_t chars)
{
    char *t = malloc((size_t)lead + 3 * chars + 1);
    assert_non_null(t);
    memset(t, 'a', (size_t)lead);
    for (size_t i = 0; i < chars; i++)
        memcpy(t + lead + 3 * i, "\xe8\x90\xa7", 3); /* 萧 */
    t[lead + 3 * chars] = '\0';
    return t;
}

static void
s_assert_utf8(const ry_rulecat_text_t *t, const char *what)
{
    const char *parts[] = {t->threshold, t->actual, t->message_zh,
                           t->message_en};
    for (size_t i = 0; i < 4; i++)
        if (!ry_text_utf8_valid(parts[i], strlen(parts[i])))
            fail_msg("%s: part %zu of its text is not UTF-8", what, i);
}

static void
test_long_texts_render_as_utf8_cut_on_a_character(void **state)
{
    (void)state;
    /* Every rule with values of every string kind (and lists of them,
     * owned) far longer than the texts' buffers, as an application's
     * date or name may be: each text is cut, on a character. */
    size_t cut = 0;
    for (int lead = 0; lead < 3; lead++) {
        char *text = s_long_text(lead, 1400);
        for (size_t r = 0; r < ry_rulecat_count(); r++) {
            uint32_t num = ry_rulecat_rule(ry_rulecat_code_at(r));
            for (int kind = 0; kind < 4; kind++) {
                Rongyu__Quantity item[4], list = RONGYU__QUANTITY__INIT;
                Rongyu__Quantity *items[4];
                for (int i = 0; i < 4; i++) {
                    Rongyu__Quantity q = RONGYU__QUANTITY__INIT;
                    item[i] = q;
                    item[i].value_case =
                        kind == 1   ? RONGYU__QUANTITY__VALUE_DATE
                        : kind == 2 ? RONGYU__QUANTITY__VALUE_TERM
                                    : RONGYU__QUANTITY__VALUE_TEXT;
                    item[i].text = text; /* date, term and text share it */
                    items[i] = &item[i];
                }
                Rongyu__Quantity *one = &item[0];
                if (kind == 3) {
                    list.items = items;
                    list.n_items = 4;
                    list.of = text;
                    one = &list;
                }
                for (int passed = 0; passed < 2; passed++) {
                    Rongyu__Check k = RONGYU__CHECK__INIT;
                    k.rule = num;
                    k.passed = passed;
                    k.threshold_value = one;
                    k.actual_value = one;
                    k.subject = text;
                    ry_rulecat_text_t t;
                    assert_int_equal(ry_rulecat_render(&k, &t), 0);
                    s_assert_utf8(&t, ry_rulecat_code(num));
                    cut += strlen(t.actual) + 4 > sizeof t.actual;
                }
            }
        }
        /* Stored with texts of their own, as long. */
        Rongyu__Check k = RONGYU__CHECK__INIT;
        k.code = text;
        k.threshold = k.actual = k.message_zh = k.message_en = text;
        ry_rulecat_text_t t;
        assert_int_equal(ry_rulecat_render(&k, &t), 0);
        s_assert_utf8(&t, "texts of its own");
        k.threshold = k.actual = k.message_zh = k.message_en = NULL;
        k.rule = 9999;
        assert_int_equal(ry_rulecat_render(&k, &t), RY_ENOTFOUND);
        s_assert_utf8(&t, "a rule not in the catalogue");
        free(text);
    }
    assert_true(cut > 100); /* the texts were cut, and many of them */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_every_rule_of_validation_has_chinese_and_english_text),
        cmocka_unit_test(test_numbers_are_stable_and_distinct),
        cmocka_unit_test(test_percentage_threshold_and_counted_rate),
        cmocka_unit_test(test_counts_dates_terms_and_texts),
        cmocka_unit_test(test_lists_with_owners_and_ranges),
        cmocka_unit_test(test_required_review_and_agreement),
        cmocka_unit_test(test_stored_texts_are_shown_as_stored),
        cmocka_unit_test(test_long_texts_render_as_utf8_cut_on_a_character),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
