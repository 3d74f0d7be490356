/* Tests of ry_verdict: a verdict's stored form holds a fraction of the
 * verdict and gives it back whole from the application; a verdict stored
 * whole by the landed version reads as it is; hostile stored bytes are
 * refused. (test_rules sends every verdict it makes through the stored
 * form, rule by rule.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rongyu_services.pb-c.h"
#include "ry_calendar.h"
#include "ry_campaign.h"
#include "ry_date.h"
#include "ry_error.h"
#include "ry_json.h"
#include "ry_media.h"
#include "ry_pb.h"
#include "ry_rulecat.h"
#include "ry_verdict.h"
#include "validation_rules.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXAMPLES RY_SOURCE_DIR "/examples/"

/* The application of an example as intake keeps it: attachments without
 * their content (validation judges what intake recorded). */
static Rongyu__Application *
s_example(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", EXAMPLES, name);
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    assert_int_equal(ry_json_application_load(path, &app, &err), 0);
    for (size_t i = 0; i < app->n_attachments; i++) {
        Rongyu__Attachment *a = app->attachments[i];
        if (a->content.len) {
            const char *mt = ry_media_sniff(a->content.data, a->content.len);
            if (a->media_type != protobuf_c_empty_string)
                free(a->media_type);
            a->media_type = strdup(mt ? mt : "");
            a->size = a->content.len;
        }
        free(app->attachments[i]->content.data);
        app->attachments[i]->content.data = NULL;
        app->attachments[i]->content.len = 0;
    }
    return app;
}

/* Validation's verdict on app, submitted on 2018-11-20 09:00 in Hangzhou. */
static Rongyu__Verdict *
s_judge(const Rongyu__Application *app, Rongyu__OrgKind kind)
{
    ry_campaigns_t *reg = NULL;
    ry_calendar_t *cal = NULL;
    char err[512];
    assert_int_equal(ry_campaigns_new(&reg), 0);
    if (ry_campaigns_load_dir(reg, RY_SOURCE_DIR "/campaigns", err,
                              sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(ry_calendar_new(&cal), 0);
    ry_date_t d = {2018, 11, 20};
    Rongyu__Verdict *v = NULL;
    validation_facts_t facts = {.submitted_at_ms =
                                    ry_date_to_epoch_ms(d, 9 * 60, 480),
                                .applicant_kind = kind};
    assert_int_equal(
        validation_evaluate(ry_campaigns_find(reg, app->campaign_id), cal, app,
                            &facts, &v),
        0);
    v->decided_at_ms = 1542675601142;
    ry_campaigns_destroy(&reg);
    ry_calendar_destroy(&cal);
    return v;
}

/* Asserts that 'got' is check 'want' byte for byte, its code aside. */
static void
s_expect_check(const Rongyu__Check *want, const Rongyu__Check *got)
{
    Rongyu__Check k = *want;
    if (k.rule)
        k.code = (char *)"";
    size_t la, lb;
    uint8_t *a = ry_pb_pack(&k.base, &la);
    uint8_t *b = ry_pb_pack(&got->base, &lb);
    if (la != lb || memcmp(a, b, la) != 0)
        fail_msg("check %s differs", ry_rulecat_check_code(&k));
    free(a);
    free(b);
}

/* Asserts that 'got' is v check by check, byte for byte, codes aside. */
static void
s_expect_same(const Rongyu__Verdict *v, const Rongyu__Verdict *got)
{
    assert_int_equal(got->eligible, v->eligible);
    assert_string_equal(got->ruleset, v->ruleset);
    assert_int_equal(got->decided_at_ms, v->decided_at_ms);
    assert_int_equal(got->n_checks, v->n_checks);
    for (size_t i = 0; i < v->n_checks; i++)
        s_expect_check(v->checks[i], got->checks[i]);
}

/* Asserts that the view of v's failed checks (v packed in buf, len for
 * app; 'whole': v as it is, as earlier versions stored it) holds them, in
 * order, and counts them all; returns how many. */
static size_t
s_expect_failed(const Rongyu__Verdict *v, const uint8_t *buf, size_t len,
                const Rongyu__Application *app, bool whole)
{
    ry_verdict_view_t view;
    assert_int_equal(ry_verdict_view_failed(buf, len, app, &view), 0);
    assert_int_equal(view.n_all, v->n_checks);
    assert_int_equal(view.v->eligible, v->eligible);
    assert_string_equal(view.v->ruleset, v->ruleset);
    assert_int_equal(view.v->decided_at_ms, v->decided_at_ms);
    size_t nf = 0;
    for (size_t i = 0; i < v->n_checks; i++) {
        if (v->checks[i]->passed)
            continue;
        assert_true(nf < view.v->n_checks);
        if (whole)
            assert_true(ry_pb_equal(&v->checks[i]->base,
                                    &view.v->checks[nf++]->base));
        else
            s_expect_check(v->checks[i], view.v->checks[nf++]);
    }
    assert_int_equal(nf, view.v->n_checks);
    ry_verdict_view_free(&view);
    /* Every check passed: the view read from the bytes is the same. */
    bool brief = ry_verdict_view_passed(buf, len, app, &view);
    assert_int_equal(brief, nf == 0 && !whole);
    if (brief) {
        assert_int_equal(view.n_all, v->n_checks);
        assert_int_equal(view.v->n_checks, 0);
        assert_int_equal(view.v->eligible, v->eligible);
        assert_string_equal(view.v->ruleset, v->ruleset);
        assert_int_equal(view.v->decided_at_ms, v->decided_at_ms);
        ry_verdict_view_free(&view);
    }
    return nf;
}

static Rongyu__StoredVerdict *
s_stored(const uint8_t *buf, size_t len)
{
    Rongyu__StoredVerdict *sv = (Rongyu__StoredVerdict *)ry_pb_unpack(
        &rongyu__stored_verdict__descriptor, buf, len, 0);
    assert_non_null(sv);
    return sv;
}

static void
test_every_example_comes_back_whole_from_a_fraction(void **state)
{
    (void)state;
    static const char *const names[] = {
        "advanced_home.valid.json",
        "advanced_home.township.valid.json",
        "advanced_home.low_membership.json",
        "advanced_home.members_exceed_workers.json",
        "advanced_home.posting_over_national_day.json",
        "advanced_home.stated_rate_disagrees.json",
        "advanced_home.disguised_pdf.json",
        "advanced_small_home.valid.json",
        "advanced_small_home.rate_over_100.json",
        "model_home.valid.json",
        "model_home.short_posting.json",
        "excellent_worker.valid.json",
        "excellent_worker.missing_name.json",
    };
    for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
        for (int kind = 0; kind <= 1; kind++) {
            Rongyu__Application *app = s_example(names[n]);
            Rongyu__Verdict *v =
                s_judge(app, kind ? RONGYU__ORG_KIND__ORG_GRASSROOTS : 0);
            size_t len, whole_len;
            uint8_t *buf = ry_verdict_pack(v, app, &len);
            uint8_t *whole = ry_pb_pack(&v->base, &whole_len);
            /* Packed again, with the shapes this one left (s_shapes),
             * the same bytes: a shape is the part the search found. */
            size_t again_len;
            uint8_t *again = ry_verdict_pack(v, app, &again_len);
            assert_int_equal(again_len, len);
            assert_memory_equal(again, buf, len);
            free(again);
            /* At most a third of the verdict stored whole. */
            if (len * 3 > whole_len)
                fail_msg("%s: %zu of %zu bytes stored", names[n], len,
                         whole_len);
            Rongyu__Verdict *back = NULL;
            assert_int_equal(ry_verdict_expand(buf, len, app, &back), 0);
            s_expect_same(v, back);
            /* Read in place, it is the same verdict. */
            ry_verdict_view_t view;
            assert_int_equal(ry_verdict_view(buf, len, app, &view), 0);
            s_expect_same(v, view.v);
            ry_verdict_view_free(&view);
            assert_null(view.v);
            s_expect_failed(v, buf, len, app, false);
            /* A verdict stored whole by an earlier version reads the
             * same: its failed checks as stored, codes and all. */
            s_expect_failed(v, whole, whole_len, app, true);
            ry_pb_free(&back);
            free(buf);
            free(whole);
            validation_verdict_free(&v);
            ry_json_application_free(&app);
        }
    }
}

/* What the valid example stores: one step per check; whole checks only
 * for the campaign's thresholds and the calendar's count. */
/* A declared date after the submission fails checks whose values come
 * from the R_DEADLINE check before them (the submission date): read
 * alone, without the checks that passed, they still come back whole. */
static void
test_failed_checks_read_alone_derive_from_the_deadline(void **state)
{
    (void)state;
    Rongyu__Application *app = s_example("advanced_home.valid.json");
    free(app->declarations->posting_end);
    app->declarations->posting_end = strdup("2018-11-26");
    Rongyu__Verdict *v = s_judge(app, 0);
    size_t len;
    uint8_t *buf = ry_verdict_pack(v, app, &len);
    size_t future = 0;
    for (size_t i = 0; i < v->n_checks; i++)
        if (!v->checks[i]->passed &&
            (strcmp(ry_rulecat_check_code(v->checks[i]), "R_DECL_FUTURE") == 0 ||
             strcmp(ry_rulecat_check_code(v->checks[i]),
                    "R_POSTING_AFTER_SUBMIT") == 0))
            future++;
    assert_true(future > 0);
    assert_true(s_expect_failed(v, buf, len, app, false) >= future);
    free(buf);
    validation_verdict_free(&v);
    ry_json_application_free(&app);
}

static void
test_valid_example_stores_only_thresholds_and_calendar(void **state)
{
    (void)state;
    Rongyu__Application *app = s_example("advanced_home.valid.json");
    Rongyu__Verdict *v = s_judge(app, 0);
    size_t len;
    uint8_t *buf = ry_verdict_pack(v, app, &len);
    Rongyu__StoredVerdict *sv = s_stored(buf, len);
    assert_int_equal(sv->n_steps, v->n_checks);
    assert_string_equal(sv->ruleset, "");
    assert_string_equal(sv->ruleset_version, "2018.1");
    static const char *const kept[] = {"R_DEADLINE", "R_MEMBERSHIP_MIN",
                                       "R_SATISFACTION_MIN", "R_SCORE_MIN",
                                       "R_POSTING_WORKDAYS"};
    assert_int_equal(sv->n_checks, sizeof kept / sizeof kept[0]);
    for (size_t i = 0; i < sv->n_checks; i++) {
        assert_string_equal(ry_rulecat_check_code(sv->checks[i]), kept[i]);
        assert_string_equal(sv->checks[i]->code, "");
    }
    /* The membership threshold keeps its number; "percent", "ge" and the
     * actual counts come from the catalogue and the application. */
    const Rongyu__Check *m = sv->checks[1];
    assert_non_null(m->threshold_value);
    assert_int_equal(m->threshold_value->count, 95);
    assert_string_equal(m->threshold_value->unit, "");
    assert_string_equal(m->threshold_value->op, "");
    assert_null(m->actual_value);
    /* Every other check is one step: rule << 1, passed. */
    size_t whole = 0;
    for (size_t i = 0; i < sv->n_steps; i++) {
        if (sv->steps[i] > 1) {
            whole++;
            if (sv->steps[i] & 1)
                fail_msg("%s failed", ry_rulecat_code(sv->steps[i] >> 1));
        }
    }
    assert_int_equal(whole, v->n_checks - sv->n_checks);
    ry_pb_free(&sv);
    free(buf);
    validation_verdict_free(&v);
    ry_json_application_free(&app);
}

/* R_DECL_ORDER once ordered the posting after the congress: a verdict
 * stored then, its failed check one step, reads back with the pair it
 * was judged on; one judged now, where the posting before the congress
 * passes, reads back as judged. */
static void
test_order_stored_by_the_earlier_rule_reads_as_judged(void **state)
{
    (void)state;
    Rongyu__Application *app = s_example("advanced_home.valid.json");
    free(app->declarations->congress_approval_date);
    app->declarations->congress_approval_date = strdup("2018-11-02");
    Rongyu__StoredVerdict sv = RONGYU__STORED_VERDICT__INIT;
    uint32_t steps[] = {56u << 1 | 1};
    assert_string_equal(ry_rulecat_code(56), "R_DECL_ORDER");
    sv.steps = steps;
    sv.n_steps = 1;
    size_t len;
    uint8_t *buf = ry_pb_pack(&sv.base, &len);
    Rongyu__Verdict *back = NULL;
    assert_int_equal(ry_verdict_expand(buf, len, app, &back), 0);
    assert_int_equal(back->n_checks, 1);
    const Rongyu__Quantity *a = back->checks[0]->actual_value;
    assert_non_null(a);
    assert_int_equal(a->n_items, 2);
    assert_string_equal(a->items[0]->of, "congress_approval_date");
    assert_string_equal(a->items[0]->date, "2018-11-02");
    assert_string_equal(a->items[1]->of, "posting_start");
    assert_string_equal(a->items[1]->date, "2018-11-01");
    ry_pb_free(&back);
    free(buf);

    Rongyu__Verdict *v = s_judge(app, 0);
    const Rongyu__Check *k = validation_verdict_find(v, "R_DECL_ORDER");
    assert_non_null(k);
    assert_true(k->passed);
    buf = ry_verdict_pack(v, app, &len);
    assert_int_equal(ry_verdict_expand(buf, len, app, &back), 0);
    s_expect_same(v, back);
    ry_pb_free(&back);
    free(buf);
    validation_verdict_free(&v);
    ry_json_application_free(&app);
}

/* A check the expansion would not give back (here: a subject and a unit
 * no rule would derive) is stored as it is. */
static void
test_check_that_would_not_come_back_is_stored_as_it_is(void **state)
{
    (void)state;
    Rongyu__Application *app = s_example("advanced_home.valid.json");
    Rongyu__Verdict *v = s_judge(app, 0);
    Rongyu__Check *k = (Rongyu__Check *)validation_verdict_find(
        v, "R_MEMBERSHIP_MIN");
    assert_non_null(k);
    k->subject = validation_verdict_dup(v, "satisfaction"); /* was "" */
    k->actual_value->unit = validation_verdict_dup(v, "percent"); /* was "" */
    size_t len;
    uint8_t *buf = ry_verdict_pack(v, app, &len);
    Rongyu__StoredVerdict *sv = s_stored(buf, len);
    size_t at = 0, next = 0;
    for (size_t i = 0; i < sv->n_steps; i++) {
        if (v->checks[i] == k)
            at = next;
        next += sv->steps[i] <= 1;
    }
    assert_string_equal(sv->checks[at]->subject, "satisfaction");
    Rongyu__Verdict *back = NULL;
    assert_int_equal(ry_verdict_expand(buf, len, app, &back), 0);
    s_expect_same(v, back);
    ry_pb_free(&back);
    ry_pb_free(&sv);
    free(buf);
    validation_verdict_free(&v);
    ry_json_application_free(&app);
}

/* Without the application nothing can be derived: every check is stored
 * as it is, and reads back without one. */
static void
test_without_application_every_check_is_stored(void **state)
{
    (void)state;
    Rongyu__Application *app = s_example("model_home.short_posting.json");
    Rongyu__Verdict *v = s_judge(app, 0);
    size_t len;
    uint8_t *buf = ry_verdict_pack(v, NULL, &len);
    Rongyu__StoredVerdict *sv = s_stored(buf, len);
    assert_int_equal(sv->n_checks, v->n_checks);
    for (size_t i = 0; i < sv->n_steps; i++)
        assert_int_equal(sv->steps[i], 1);
    Rongyu__Verdict *back = NULL;
    assert_int_equal(ry_verdict_expand(buf, len, NULL, &back), 0);
    s_expect_same(v, back);
    ry_pb_free(&back);
    ry_pb_free(&sv);
    free(buf);
    validation_verdict_free(&v);
    ry_json_application_free(&app);
}

/* A verdict as the landed version stored it (rule numbers and typed
 * values, no steps: tests/data/landed/verdict.pb, the valid example's)
 * reads as it is, renders, and stored again comes back the same. */
static void
test_landed_verdict_reads_as_it_is(void **state)
{
    (void)state;
    FILE *f = fopen(RY_SOURCE_DIR "/tests/data/landed/verdict.pb", "rb");
    assert_non_null(f);
    static uint8_t data[8192];
    size_t len = fread(data, 1, sizeof data, f);
    fclose(f);
    assert_true(len > 1000);
    Rongyu__Application *app = s_example("advanced_home.valid.json");
    Rongyu__Verdict *v = NULL;
    assert_int_equal(ry_verdict_expand(data, len, app, &v), 0);
    size_t n;
    uint8_t *again = ry_pb_pack(&v->base, &n);
    assert_int_equal(n, len);
    assert_memory_equal(again, data, len);
    free(again);
    assert_true(v->eligible);
    assert_int_equal(v->n_checks, 34);
    ry_rulecat_text_t t;
    for (size_t i = 0; i < v->n_checks; i++) {
        assert_int_equal(ry_rulecat_render(v->checks[i], &t), 0);
        assert_true(strncmp(ry_rulecat_check_code(v->checks[i]), "R_", 2) ==
                    0);
    }
    assert_int_equal(ry_rulecat_render(v->checks[17], &t), 0);
    assert_string_equal(t.actual, "968/1000 (96.80%)");
    /* Stored again in the new form: the same verdict comes back. */
    uint8_t *buf = ry_verdict_pack(v, app, &n);
    assert_true(n * 4 < len);
    Rongyu__Verdict *back = NULL;
    assert_int_equal(ry_verdict_expand(buf, n, app, &back), 0);
    s_expect_same(v, back);
    ry_pb_free(&back);
    free(buf);
    ry_pb_free(&v);
    ry_json_application_free(&app);
}

static void
test_hostile_stored_bytes_are_refused(void **state)
{
    (void)state;
    Rongyu__Application *app = s_example("advanced_home.valid.json");
    Rongyu__Verdict *v = NULL;
    /* Zero bytes: an empty verdict (proto3), stored whole. */
    assert_int_equal(ry_verdict_expand((const uint8_t *)"", 0, app, &v), 0);
    assert_int_equal(v->n_checks, 0);
    ry_pb_free(&v);
    static const uint8_t junk[] = {0xff, 0xff, 0xff};
    assert_int_equal(ry_verdict_expand(junk, sizeof junk, app, &v),
                     RY_EMALFORMED);
    assert_null(v);
    /* A step naming a stored check that is not there. */
    Rongyu__StoredVerdict sv = RONGYU__STORED_VERDICT__INIT;
    uint32_t steps[] = {2 << 1, 0};
    sv.steps = steps;
    sv.n_steps = 2;
    size_t len;
    uint8_t *buf = ry_pb_pack(&sv.base, &len);
    assert_int_equal(ry_verdict_expand(buf, len, app, &v), RY_EMALFORMED);
    assert_null(v);
    ry_verdict_view_t view;
    assert_int_equal(ry_verdict_view(buf, len, app, &view), RY_EMALFORMED);
    assert_null(view.v);
    ry_verdict_view_free(&view); /* safe on a failed view */
    assert_int_equal(ry_verdict_view_failed(buf, len, app, &view),
                     RY_EMALFORMED);
    assert_null(view.v);
    /* Derived checks need the application. */
    assert_int_equal(ry_verdict_expand(buf, len, NULL, &v), RY_EINVAL);
    assert_null(v);
    free(buf);
    /* Every check passed, read without decoding: a rule-set version
     * needs the application's campaign; steps cut short are no message. */
    uint32_t passed[] = {2 << 1, 3 << 1};
    sv.steps = passed;
    sv.n_steps = 2;
    sv.ruleset_version = (char *)"v1";
    buf = ry_pb_pack(&sv.base, &len);
    assert_false(ry_verdict_view_passed(buf, len, NULL, &view));
    assert_int_equal(ry_verdict_view_failed(buf, len, NULL, &view), RY_EINVAL);
    assert_null(view.v);
    assert_true(ry_verdict_view_passed(buf, len, app, &view));
    assert_int_equal(view.n_all, 2);
    assert_int_equal(view.v->n_checks, 0);
    assert_string_equal(view.v->ruleset, "hangzhou-2018/v1");
    ry_verdict_view_free(&view);
    free(buf);
    sv.ruleset_version = (char *)"";
    static const uint8_t cut[] = {0xd2, 0x0f, 0x02, 0x04, 0x80};
    assert_false(ry_verdict_view_passed(cut, sizeof cut, app, &view));
    assert_int_equal(ry_verdict_view_failed(cut, sizeof cut, app, &view),
                     RY_EMALFORMED);
    assert_null(view.v);
    /* A rule number the catalogue does not have: the check is its number
     * and outcome, as an unknown code renders. */
    uint32_t unknown[] = {9999u << 1 | 1};
    sv.steps = unknown;
    sv.n_steps = 1;
    buf = ry_pb_pack(&sv.base, &len);
    assert_int_equal(ry_verdict_expand(buf, len, app, &v), 0);
    assert_int_equal(v->n_checks, 1);
    assert_int_equal(v->checks[0]->rule, 9999);
    assert_false(v->checks[0]->passed);
    ry_rulecat_text_t t;
    assert_int_equal(ry_rulecat_render(v->checks[0], &t), RY_ENOTFOUND);
    ry_pb_free(&v);
    free(buf);
    ry_json_application_free(&app);
}

/* Read in place without decoding (every check passed), a stored verdict
 * is accepted only when a reader that decodes it whole accepts it too:
 * each byte of the valid example's verdict flipped in turn. */
static void
test_what_the_brief_view_accepts_reads_whole(void **state)
{
    (void)state;
    Rongyu__Application *app = s_example("advanced_home.valid.json");
    Rongyu__Verdict *v = s_judge(app, 0);
    size_t len;
    uint8_t *buf = ry_verdict_pack(v, app, &len);
    uint8_t *m = malloc(len);
    assert_non_null(m);
    static const uint8_t flips[] = {0x01, 0x80, 0xff};
    size_t accepted = 0;
    for (size_t i = 0; i < len; i++)
        for (size_t k = 0; k < sizeof flips; k++) {
            memcpy(m, buf, len);
            m[i] ^= flips[k];
            ry_verdict_view_t brief, whole;
            if (!ry_verdict_view_passed(m, len, app, &brief))
                continue;
            accepted++;
            if (ry_verdict_view(m, len, app, &whole) != 0)
                fail_msg("byte %zu ^ 0x%02x: read in place, not whole", i,
                         flips[k]);
            assert_int_equal(brief.n_all, whole.v->n_checks);
            ry_verdict_view_free(&whole);
            ry_verdict_view_free(&brief);
        }
    /* Flips that keep it a verdict (the time, the rule set's letters). */
    assert_true(accepted > 0);
    free(m);
    free(buf);
    validation_verdict_free(&v);
    ry_json_application_free(&app);
}

/* ------------------------------------------------------------ equality */

/* The fields of m's descriptor, by number, are exactly 'want'. */
static void
s_fields_are(const ProtobufCMessageDescriptor *d, const unsigned *want,
             unsigned n)
{
    assert_int_equal(d->n_fields, n);
    for (unsigned i = 0; i < n; i++)
        assert_non_null(protobuf_c_message_descriptor_get_field(d, want[i]));
}

/* ry_verdict_check_equal compares Check, Quantity and Ratio field by
 * field: a field added to one of them must be added there, and this
 * fails until the list below (what it compares) says so. */
static void
test_typed_equality_covers_every_field(void **state)
{
    (void)state;
    static const unsigned check[] = {1, 2, 3, 4, 5, 6, 7, 180, 181, 220, 221};
    static const unsigned quantity[] = {1, 2,   3,   4,   5,   6,
                                        7, 222, 223, 224, 225, 226};
    static const unsigned ratio[] = {1, 2};
    s_fields_are(&rongyu__check__descriptor, check,
                 sizeof check / sizeof check[0]);
    s_fields_are(&rongyu__quantity__descriptor, quantity,
                 sizeof quantity / sizeof quantity[0]);
    s_fields_are(&rongyu__ratio__descriptor, ratio,
                 sizeof ratio / sizeof ratio[0]);
}

/* Random checks from a small pool of values, so that pairs often agree
 * and differ in one place: the strings' three empty forms, both zeros,
 * a NaN, every oneof member with and without a value. */
enum { S_POOL = 64 };
static unsigned s_seed = 12345;

static unsigned
s_rand(unsigned n)
{
    s_seed = s_seed * 1103515245u + 12345u;
    return (s_seed >> 16) % n;
}

static char *
s_rand_str(void)
{
    static char *const pool[] = {NULL, (char *)"", (char *)"a", (char *)"b",
                                 (char *)"percent"};
    unsigned i = s_rand(6);
    return i == 5 ? (char *)protobuf_c_empty_string : pool[i];
}

static double
s_rand_dbl(void)
{
    static const double pool[] = {0.0, -0.0, 1.0, 95.5};
    unsigned i = s_rand(5);
    return i == 4 ? NAN : pool[i];
}

static Rongyu__Ratio s_ratios[S_POOL];
static Rongyu__Quantity s_quantities[S_POOL];
static Rongyu__Quantity *s_items[S_POOL][2];
static Rongyu__Check s_checks[S_POOL];

static void
s_rand_quantity(Rongyu__Quantity *q, int depth)
{
    rongyu__quantity__init(q);
    static const Rongyu__Quantity__ValueCase cases[] = {
        RONGYU__QUANTITY__VALUE__NOT_SET, RONGYU__QUANTITY__VALUE_NUMBER,
        RONGYU__QUANTITY__VALUE_RATIO,    RONGYU__QUANTITY__VALUE_DATE,
        RONGYU__QUANTITY__VALUE_TEXT,     RONGYU__QUANTITY__VALUE_TERM,
        RONGYU__QUANTITY__VALUE_COUNT};
    q->value_case = cases[s_rand(7)];
    switch (q->value_case) {
    case RONGYU__QUANTITY__VALUE_NUMBER: q->number = s_rand_dbl(); break;
    case RONGYU__QUANTITY__VALUE_COUNT: q->count = (int64_t)s_rand(3); break;
    case RONGYU__QUANTITY__VALUE_RATIO:
        q->ratio = s_rand(4) ? &s_ratios[s_rand(S_POOL)] : NULL;
        break;
    case RONGYU__QUANTITY__VALUE_DATE: q->date = s_rand_str(); break;
    case RONGYU__QUANTITY__VALUE_TEXT: q->text = s_rand_str(); break;
    case RONGYU__QUANTITY__VALUE_TERM: q->term = s_rand_str(); break;
    default: break;
    }
    q->unit = s_rand_str();
    q->op = s_rand_str();
    q->min = s_rand_dbl();
    q->max = s_rand_dbl();
    q->of = s_rand_str();
    if (depth == 0 && s_rand(3) == 0) {
        q->n_items = 1 + s_rand(2);
        q->items = s_items[s_rand(S_POOL)];
    }
}

static void
s_rand_pool(void)
{
    for (int i = 0; i < S_POOL; i++) {
        rongyu__ratio__init(&s_ratios[i]);
        s_ratios[i].num = s_rand(2);
        s_ratios[i].den = s_rand(2);
    }
    static Rongyu__Quantity leaves[S_POOL];
    for (int i = 0; i < S_POOL; i++)
        s_rand_quantity(&leaves[i], 1);
    for (int i = 0; i < S_POOL; i++) {
        s_items[i][0] = &leaves[s_rand(S_POOL)];
        s_items[i][1] = &leaves[s_rand(S_POOL)];
    }
    for (int i = 0; i < S_POOL; i++)
        s_rand_quantity(&s_quantities[i], 0);
    for (int i = 0; i < S_POOL; i++) {
        Rongyu__Check *c = &s_checks[i];
        rongyu__check__init(c);
        c->code = s_rand_str();
        c->passed = s_rand(2);
        c->threshold = s_rand_str();
        c->actual = s_rand_str();
        c->message_zh = s_rand_str();
        c->message_en = s_rand_str();
        c->needs_review = s_rand(2);
        c->threshold_value = s_rand(4) ? &s_quantities[s_rand(S_POOL)] : NULL;
        c->actual_value = s_rand(4) ? &s_quantities[s_rand(S_POOL)] : NULL;
        c->subject = s_rand_str();
        c->rule = s_rand(2);
    }
}

/* A check that differs from a in one field, taken from b. */
static Rongyu__Check
s_one_from(const Rongyu__Check *a, const Rongyu__Check *b)
{
    Rongyu__Check c = *a;
    switch (s_rand(11)) {
    case 0: c.code = b->code; break;
    case 1: c.passed = b->passed; break;
    case 2: c.threshold = b->threshold; break;
    case 3: c.actual = b->actual; break;
    case 4: c.message_zh = b->message_zh; break;
    case 5: c.message_en = b->message_en; break;
    case 6: c.needs_review = b->needs_review; break;
    case 7: c.threshold_value = b->threshold_value; break;
    case 8: c.actual_value = b->actual_value; break;
    case 9: c.subject = b->subject; break;
    default: c.rule = b->rule; break;
    }
    return c;
}

/* A quantity that differs from q in one field (or its oneof), from r. */
static Rongyu__Quantity
s_q_one_from(const Rongyu__Quantity *q, const Rongyu__Quantity *r)
{
    Rongyu__Quantity c = *q;
    switch (s_rand(7)) {
    case 0: /* r's member with r's value (the whole union: its widest
             * member): the same member with another value, or another */
        c.value_case = r->value_case;
        c.count = r->count;
        break;
    case 2: c.unit = r->unit; break;
    case 3: c.op = r->op; break;
    case 4: c.min = r->min; break;
    case 5: c.max = r->max; break;
    case 6: c.of = r->of; break;
    default:
        c.n_items = r->n_items;
        c.items = r->items;
        break;
    }
    return c;
}

/* The typed comparison answers what ry_pb_equal answers, and what the
 * packed bytes say, on pairs of random checks and on checks one field
 * apart; it takes the general path for unknown fields. */
static void
test_typed_equality_answers_as_the_general_one(void **state)
{
    (void)state;
    s_rand_pool();
    size_t same = 0, pairs = 0;
    for (int round = 0; round < 40000; round++) {
        const Rongyu__Check *a = &s_checks[s_rand(S_POOL)];
        const Rongyu__Check *b = &s_checks[s_rand(S_POOL)];
        Rongyu__Check c = s_one_from(a, b);
        /* d: a with its actual value one field apart. */
        Rongyu__Check d = *a;
        Rongyu__Quantity q;
        if (a->actual_value) {
            q = s_q_one_from(a->actual_value, &s_quantities[s_rand(S_POOL)]);
            d.actual_value = &q;
        }
        const Rongyu__Check *pair[][2] = {{a, b}, {a, &c}, {&c, a}, {a, &d}};
        for (int k = 0; k < 4; k++) {
            const Rongyu__Check *x = pair[k][0], *y = pair[k][1];
            bool general = ry_pb_equal(&x->base, &y->base);
            assert_int_equal(ry_verdict_check_equal(x, y), general);
            const Rongyu__Quantity *qx = x->actual_value;
            const Rongyu__Quantity *qy = y->actual_value;
            assert_int_equal(ry_verdict_quantity_equal(qx, qy),
                             qx && qy ? ry_pb_equal(&qx->base, &qy->base)
                                      : qx == qy);
            size_t lx, ly;
            uint8_t *bx = ry_pb_pack(&x->base, &lx);
            uint8_t *by = ry_pb_pack(&y->base, &ly);
            /* Without a NaN of other bits, equal is the same bytes. */
            assert_int_equal(general, lx == ly && memcmp(bx, by, lx) == 0);
            free(bx);
            free(by);
            same += general;
            pairs++;
        }
    }
    /* The pool gives both answers often. */
    assert_true(same > pairs / 10 && same < pairs - pairs / 10);
    /* An unknown field: the general comparison's answer. */
    ProtobufCMessageUnknownField u = {
        .tag = 99, .wire_type = 0, .len = 1, .data = (uint8_t *)"\1"};
    Rongyu__Check x = s_checks[0], y = s_checks[0];
    y.base.n_unknown_fields = 1;
    y.base.unknown_fields = &u;
    assert_false(ry_verdict_check_equal(&x, &y));
    x.base = y.base;
    assert_true(ry_verdict_check_equal(&x, &y));
}

/* Field for field, as whatever reads a message sees it: each string by
 * its bytes and by whether it is NULL, each double by its bits, the
 * oneof's case and member, what is present. */
static bool
s_str_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool
s_dbl_same(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* q's oneof string member (date, text or term), NULL for the others. */
static const char *
s_member_str(const Rongyu__Quantity *q)
{
    switch (q->value_case) {
    case RONGYU__QUANTITY__VALUE_DATE: return q->date;
    case RONGYU__QUANTITY__VALUE_TEXT: return q->text;
    case RONGYU__QUANTITY__VALUE_TERM: return q->term;
    default: return NULL;
    }
}

static bool
s_q_same(const Rongyu__Quantity *a, const Rongyu__Quantity *b)
{
    if (!a || !b)
        return a == b;
    if (a->value_case != b->value_case || !s_str_same(a->unit, b->unit) ||
        !s_str_same(a->op, b->op) || !s_str_same(a->of, b->of) ||
        !s_dbl_same(a->min, b->min) || !s_dbl_same(a->max, b->max) ||
        a->n_items != b->n_items)
        return false;
    /* The oneof: a string member, a number, a count or a ratio. */
    const Rongyu__Ratio *ra =
        a->value_case == RONGYU__QUANTITY__VALUE_RATIO ? a->ratio : NULL;
    const Rongyu__Ratio *rb =
        a->value_case == RONGYU__QUANTITY__VALUE_RATIO ? b->ratio : NULL;
    if (!s_str_same(s_member_str(a), s_member_str(b)) ||
        (a->value_case == RONGYU__QUANTITY__VALUE_NUMBER &&
         !s_dbl_same(a->number, b->number)) ||
        (a->value_case == RONGYU__QUANTITY__VALUE_COUNT &&
         a->count != b->count) ||
        (!ra || !rb ? ra != rb : ra->num != rb->num || ra->den != rb->den))
        return false;
    for (size_t i = 0; i < a->n_items; i++)
        if (!s_q_same(a->items[i], b->items[i]))
            return false;
    return true;
}

static bool
s_check_same(const Rongyu__Check *a, const Rongyu__Check *b)
{
    return a->rule == b->rule && a->passed == b->passed &&
           a->needs_review == b->needs_review && s_str_same(a->code, b->code) &&
           s_str_same(a->subject, b->subject) &&
           s_str_same(a->threshold, b->threshold) &&
           s_str_same(a->actual, b->actual) &&
           s_str_same(a->message_zh, b->message_zh) &&
           s_str_same(a->message_en, b->message_en) &&
           s_q_same(a->threshold_value, b->threshold_value) &&
           s_q_same(a->actual_value, b->actual_value);
}

/* Whether c comes back from protobuf-c's encoding field for field. */
static bool
s_round_trip_same(const Rongyu__Check *c)
{
    size_t len;
    uint8_t *bytes = ry_pb_pack(&c->base, &len);
    Rongyu__Check *back = (Rongyu__Check *)ry_pb_unpack(
        &rongyu__check__descriptor, bytes, len, 0);
    assert_non_null(back);
    bool same = s_check_same(c, back);
    ry_pb_free(&back);
    free(bytes);
    return same;
}

/* What ry_verdict_check_kept calls kept comes back from the encoding
 * field for field (which is why ry_verdict_pack reads such a part back
 * no more): on random checks (NULL, "" and protobuf_c_empty_string
 * strings, -0.0 and NaN, a NULL ratio, nested items), and on one check
 * of each kind it refuses, each of which does lose something there. */
static void
test_kept_checks_come_back_field_for_field(void **state)
{
    (void)state;
    s_rand_pool();
    size_t kept = 0, lost = 0;
    for (int round = 0; round < 20000; round++) {
        Rongyu__Check c =
            s_one_from(&s_checks[s_rand(S_POOL)], &s_checks[s_rand(S_POOL)]);
        bool same = s_round_trip_same(&c);
        if (ry_verdict_check_kept(&c)) {
            assert_true(same);
            kept++;
        } else {
            lost += !same;
        }
    }
    /* The pool gives both kinds often. */
    assert_true(kept > 200);
    assert_true(lost > 200);

    /* One kept check, then each thing the encoding does not keep. */
    Rongyu__Ratio ratio = RONGYU__RATIO__INIT;
    ratio.num = 923;
    ratio.den = 1000;
    Rongyu__Quantity thr = RONGYU__QUANTITY__INIT, act = RONGYU__QUANTITY__INIT;
    thr.value_case = RONGYU__QUANTITY__VALUE_NUMBER;
    thr.number = -0.0; /* a oneof member is written whatever it holds */
    thr.op = (char *)"range";
    thr.min = 80;
    thr.max = 100;
    act.value_case = RONGYU__QUANTITY__VALUE_TEXT;
    act.text = (char *)"";         /* not the default: written, if empty */
    act.unit = (char *)"\xff\xfe"; /* bytes are kept as they are */
    Rongyu__Check k = RONGYU__CHECK__INIT;
    k.rule = 7;
    k.passed = 1;
    k.threshold_value = &thr;
    k.actual_value = &act;
    assert_true(ry_verdict_check_kept(&k));
    assert_true(s_round_trip_same(&k));

    Rongyu__Check bad = k;
    Rongyu__Quantity q = thr;
    q.min = -0.0; /* outside the oneof: not written, +0.0 comes back */
    bad.threshold_value = &q;
    assert_false(ry_verdict_check_kept(&bad));
    assert_false(s_round_trip_same(&bad));
    q = act;
    q.text = (char *)protobuf_c_empty_string; /* the default: case lost */
    bad.threshold_value = &thr;
    bad.actual_value = &q;
    assert_false(ry_verdict_check_kept(&bad));
    assert_false(s_round_trip_same(&bad));
    q = act;
    q.value_case = RONGYU__QUANTITY__VALUE_RATIO;
    q.ratio = NULL; /* not written either */
    assert_false(ry_verdict_check_kept(&bad));
    assert_false(s_round_trip_same(&bad));
    q.ratio = &ratio;
    assert_true(ry_verdict_check_kept(&bad));
    assert_true(s_round_trip_same(&bad));
    q = act;
    q.of = NULL; /* comes back as "" */
    assert_false(ry_verdict_check_kept(&bad));
    assert_false(s_round_trip_same(&bad));
    bad = k;
    bad.passed = 2; /* comes back as 1 */
    assert_false(ry_verdict_check_kept(&bad));
    assert_false(s_round_trip_same(&bad));
    bad = k;
    bad.subject = NULL;
    assert_false(ry_verdict_check_kept(&bad));
    assert_false(s_round_trip_same(&bad));
    assert_false(ry_verdict_check_kept(NULL));
}

/* ry_verdict_stored_pack writes the bytes protobuf-c writes, on random
 * stored verdicts: checks from the random pool (NULL, "" and
 * protobuf_c_empty_string strings, -0.0 and NaN, NULL ratios, items),
 * steps, booleans other than 0 and 1, negative times; and hands a message
 * with unknown fields to protobuf-c. */
static void
test_stored_form_packs_as_protobuf_c(void **state)
{
    (void)state;
    s_rand_pool();
    static char *const strs[] = {NULL, (char *)"", (char *)"2018/v3"};
    static const int64_t times[] = {0, 1, -1, 1543000000000, INT64_MIN};
    Rongyu__Check *checks[8], copies[8];
    uint32_t steps[40];
    size_t total = 0;
    for (int round = 0; round < 5000; round++) {
        Rongyu__StoredVerdict sv = RONGYU__STORED_VERDICT__INIT;
        sv.eligible = (protobuf_c_boolean)s_rand(3);
        sv.n_checks = s_rand(9);
        for (size_t i = 0; i < sv.n_checks; i++) {
            copies[i] = s_checks[s_rand(S_POOL)];
            copies[i].passed = (protobuf_c_boolean)s_rand(3);
            copies[i].needs_review = (protobuf_c_boolean)s_rand(3);
            checks[i] = &copies[i];
        }
        sv.checks = checks;
        sv.ruleset = strs[s_rand(3)];
        sv.decided_at_ms = times[s_rand(5)];
        sv.n_steps = s_rand(41);
        for (size_t i = 0; i < sv.n_steps; i++)
            steps[i] = s_rand(4) ? s_rand(600) : UINT32_MAX - s_rand(3);
        sv.steps = steps;
        sv.ruleset_version = strs[s_rand(3)];
        size_t la, lb;
        uint8_t *a = ry_verdict_stored_pack(&sv, &la);
        uint8_t *b = ry_pb_pack(&sv.base, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        total += la;
        free(a);
        free(b);
    }
    assert_true(total > 5000 * 100);
    /* An unknown field: protobuf-c's bytes, the field at the end. */
    ProtobufCMessageUnknownField u = {
        .tag = 99, .wire_type = 0, .len = 1, .data = (uint8_t *)"\1"};
    Rongyu__Check c = s_checks[0];
    c.base.n_unknown_fields = 1;
    c.base.unknown_fields = &u;
    checks[0] = &c;
    Rongyu__StoredVerdict sv = RONGYU__STORED_VERDICT__INIT;
    sv.n_checks = 1;
    sv.checks = checks;
    size_t la, lb;
    uint8_t *a = ry_verdict_stored_pack(&sv, &la);
    uint8_t *b = ry_pb_pack(&sv.base, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    free(a);
    free(b);
}

/* ry_verdict_check_passed_canonical reads a stored Check in place: on
 * checks packed by protobuf-c it answers, and on any bytes it either says
 * it cannot (-1) or answers what protobuf-c decodes. The bytes: random
 * checks, then the same with bytes changed, cut, put in or doubled, and
 * two checks one after the other (what protobuf-c merges). */
static void
test_canonical_passed_answers_as_protobuf_c(void **state)
{
    (void)state;
    s_rand_pool();
    static const uint8_t odd[] = {0x00, 0x01, 0x02, 0x07, 0x08, 0x0a,
                                  0x10, 0x12, 0x7f, 0x80, 0xa2, 0xff};
    size_t read = 0, mutated_read = 0, refused = 0;
    for (int round = 0; round < 30000; round++) {
        const Rongyu__Check *a = &s_checks[s_rand(S_POOL)];
        size_t n, bn;
        uint8_t *pa = ry_pb_pack(&a->base, &n);
        assert_int_equal(ry_verdict_check_passed_canonical(pa, n), a->passed);
        read++;
        uint8_t *pb = ry_pb_pack(&s_checks[s_rand(S_POOL)].base, &bn);
        /* Room for three changes, each at most doubling. */
        uint8_t *m = malloc(8 * (n + bn) + 8);
        assert_non_null(m);
        memcpy(m, pa, n);
        for (unsigned k = 1 + s_rand(3); k; k--) {
            size_t at = n ? s_rand((unsigned)n) : 0;
            switch (s_rand(6)) {
            case 0:
                if (n)
                    m[at] = (uint8_t)s_rand(256);
                break;
            case 1:
                if (n)
                    m[at] = odd[s_rand(sizeof odd)];
                break;
            case 2: n = at; break;
            case 3:
                memmove(m + at + 1, m + at, n - at);
                m[at] = odd[s_rand(sizeof odd)];
                n++;
                break;
            case 4:
                memcpy(m + n, m, n);
                n *= 2;
                break;
            default:
                memcpy(m + n, pb, bn);
                n += bn;
                break;
            }
        }
        int fast = ry_verdict_check_passed_canonical(m, n);
        Rongyu__Check *k = rongyu__check__unpack(NULL, n, m);
        if (fast >= 0) {
            assert_non_null(k);
            assert_int_equal(fast, k->passed);
            mutated_read++;
        }
        refused += k == NULL;
        if (k)
            rongyu__check__free_unpacked(k, NULL);
        free(m);
        free(pa);
        free(pb);
    }
    /* Both kinds came often: bytes read in place after a change, and
     * bytes protobuf-c refuses. */
    assert_true(mutated_read > read / 10);
    assert_true(refused > read / 10);
    /* A tag written long (2 as 0x90 0x00) and a value of nine bytes are
     * read; a value of ten is left to protobuf-c, which reads bits past 64
     * (2^64 here, 'passed' for it) that a 64-bit value loses. */
    static const uint8_t long_tag[] = {0x90, 0x00, 0x01};
    static const uint8_t nine[] = {0x10, 0x80, 0x80, 0x80, 0x80,
                                   0x80, 0x80, 0x80, 0x80, 0x01};
    static const uint8_t ten[] = {0x10, 0x80, 0x80, 0x80, 0x80, 0x80,
                                  0x80, 0x80, 0x80, 0x80, 0x02};
    const struct {
        const uint8_t *b;
        size_t n;
        int want;
    } hand[] = {{long_tag, sizeof long_tag, 1},
                {nine, sizeof nine, 1},
                {ten, sizeof ten, -1}};
    /* Quantities nested 16 deep are read; 17 deep, left to protobuf-c. */
    for (int deep = 16; deep <= 17; deep++) {
        Rongyu__Quantity q[17], *up[17];
        for (int i = 0; i < deep; i++) {
            rongyu__quantity__init(&q[i]);
            up[i] = &q[i];
            if (i) {
                q[i - 1].n_items = 1;
                q[i - 1].items = &up[i];
            }
        }
        Rongyu__Check c = RONGYU__CHECK__INIT;
        c.passed = 1;
        c.actual_value = &q[0];
        size_t n;
        uint8_t *b = ry_pb_pack(&c.base, &n);
        assert_int_equal(ry_verdict_check_passed_canonical(b, n),
                         deep == 16 ? 1 : -1);
        Rongyu__Check *k = rongyu__check__unpack(NULL, n, b);
        assert_non_null(k);
        assert_true(k->passed);
        rongyu__check__free_unpacked(k, NULL);
        free(b);
    }
    for (size_t i = 0; i < sizeof hand / sizeof hand[0]; i++) {
        assert_int_equal(
            ry_verdict_check_passed_canonical(hand[i].b, hand[i].n),
            hand[i].want);
        Rongyu__Check *k = rongyu__check__unpack(NULL, hand[i].n, hand[i].b);
        assert_non_null(k);
        assert_true(k->passed);
        rongyu__check__free_unpacked(k, NULL);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_example_comes_back_whole_from_a_fraction),
        cmocka_unit_test(
            test_failed_checks_read_alone_derive_from_the_deadline),
        cmocka_unit_test(
            test_valid_example_stores_only_thresholds_and_calendar),
        cmocka_unit_test(
            test_check_that_would_not_come_back_is_stored_as_it_is),
        cmocka_unit_test(test_order_stored_by_the_earlier_rule_reads_as_judged),
        cmocka_unit_test(test_without_application_every_check_is_stored),
        cmocka_unit_test(test_landed_verdict_reads_as_it_is),
        cmocka_unit_test(test_hostile_stored_bytes_are_refused),
        cmocka_unit_test(test_what_the_brief_view_accepts_reads_whole),
        cmocka_unit_test(test_typed_equality_covers_every_field),
        cmocka_unit_test(test_typed_equality_answers_as_the_general_one),
        cmocka_unit_test(test_kept_checks_come_back_field_for_field),
        cmocka_unit_test(test_stored_form_packs_as_protobuf_c),
        cmocka_unit_test(test_canonical_passed_answers_as_protobuf_c),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
