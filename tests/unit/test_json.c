/* test_json: the JSON form of applications and of what the CLI prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_error.h"
#include "ry_json.h"
#include "ry_pb.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define EXAMPLES RY_SOURCE_DIR "/examples"

static int
s_parse(const char *text, Rongyu__Application **app, ry_json_error_t *err)
{
    return ry_json_application_parse(text, strlen(text), EXAMPLES, "t.json",
                                     app, err);
}

/* Packs two messages and compares the bytes. */
static void
s_assert_same(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    size_t la, lb;
    uint8_t *pa = ry_pb_pack(a, &la), *pb = ry_pb_pack(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(pa, pb, la);
    free(pa);
    free(pb);
}

static void
test_every_example_round_trips(void **state)
{
    (void)state;
    DIR *d = opendir(EXAMPLES);
    assert_non_null(d);
    int seen = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0 ||
            strncmp(e->d_name, "malformed.", 10) == 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", EXAMPLES, e->d_name);
        Rongyu__Application *app = NULL, *back = NULL;
        ry_json_error_t err;
        int rc = ry_json_application_load(path, &app, &err);
        if (rc)
            fail_msg("%s: %s", e->d_name, err.text);
        assert_string_equal(app->campaign_id, "hangzhou-2018");
        assert_true(app->honour != RONGYU__HONOUR__HONOUR_UNSPECIFIED);
        assert_true(app->n_attachments >= 1);

        /* With contents: everything comes back. */
        char *txt = NULL;
        assert_int_equal(ry_json_application_to_string(
                             app, RY_JSON_PRETTY | RY_JSON_CONTENT, &txt),
                         0);
        rc = s_parse(txt, &back, &err);
        if (rc)
            fail_msg("%s reparsed: %s\n%s", e->d_name, err.text, txt);
        s_assert_same(&app->base, &back->base);
        free(txt);
        ry_json_application_free(&back);
        assert_null(back);

        /* Without contents: the same but for the bytes. */
        assert_int_equal(ry_json_application_to_string(app, 0, &txt), 0);
        assert_null(strstr(txt, "\"content\""));
        assert_int_equal(s_parse(txt, &back, &err), 0);
        for (size_t i = 0; i < app->n_attachments; i++) {
            assert_int_equal(back->attachments[i]->content.len, 0);
            free(app->attachments[i]->content.data);
            app->attachments[i]->content.data = NULL;
            app->attachments[i]->content.len = 0;
        }
        s_assert_same(&app->base, &back->base);
        free(txt);
        ry_json_application_free(&back);
        ry_json_application_free(&app);
        ry_json_application_free(&app); /* twice is safe */
        seen++;
    }
    closedir(d);
    assert_true(seen >= 12);
}

static void
test_valid_advanced_home_has_every_part(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    assert_int_equal(ry_json_application_load(
                         EXAMPLES "/advanced_home.valid.json", &app, &err),
                     0);
    assert_int_equal(app->honour, RONGYU__HONOUR__ADVANCED_HOME);
    assert_int_equal(app->category,
                     RONGYU__APPLICANT_CATEGORY__SINGLE_ESTABLISHMENT);
    assert_string_equal(app->organising_unit, "萧山区");
    assert_string_equal(app->union_->union_type, "私营企业工会");
    assert_int_equal(app->union_->workers, 1000);
    assert_int_equal(app->metrics->membership->value_case,
                     RONGYU__RATE__VALUE_COUNTS);
    assert_int_equal(app->metrics->membership->counts->num, 968);
    assert_int_equal(app->metrics->membership->counts->den, 1000);
    assert_true(app->metrics->self_score->value == 93.5);
    assert_null(app->metrics->formation);
    assert_string_equal(app->declarations->posting_end, "2018-11-07");
    assert_int_equal(app->n_held_honours, 1);
    assert_int_equal(app->held_honours[0]->level,
                     RONGYU__HONOUR_LEVEL__COUNTY);
    assert_true(app->held_honours[0]->still_held);

    const Rongyu__Attachment *form = app->attachments[0];
    struct stat st;
    assert_int_equal(stat(EXAMPLES "/files/form.pdf", &st), 0);
    assert_string_equal(form->name, "form.pdf");
    assert_string_equal(form->kind, "application_form");
    assert_string_equal(form->media_type, ""); /* the server sniffs it */
    assert_int_equal(form->size, (uint64_t)st.st_size);
    assert_int_equal(form->content.len, (size_t)st.st_size);
    assert_memory_equal(form->content.data, "%PDF-", 5);
    assert_int_equal(strlen(form->sha256), 64);
    ry_json_application_free(&app);
}

static void
test_percentage_and_counts_forms(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    assert_int_equal(s_parse("{\"metrics\": {\"satisfaction\": 92.5, "
                             "\"membership\": {\"num\": 450, \"den\": 480}, "
                             "\"realname\": 100, \"self_score\": 91}}",
                             &app, &err),
                     0);
    assert_int_equal(app->metrics->satisfaction->value_case,
                     RONGYU__RATE__VALUE_PERCENT);
    assert_true(app->metrics->satisfaction->percent == 92.5);
    assert_true(app->metrics->realname->percent == 100.0);
    assert_int_equal(app->metrics->membership->counts->num, 450);
    assert_true(app->metrics->self_score->value == 91.0);
    ry_json_application_free(&app);
}

static void
test_rate_of_120_parses_range_is_the_validators(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    assert_int_equal(s_parse("{\"metrics\": {\"satisfaction\": 120}}", &app,
                             &err),
                     0);
    assert_true(app->metrics->satisfaction->percent == 120.0);
    ry_json_application_free(&app);
    assert_int_equal(ry_json_application_load(
                         EXAMPLES "/advanced_small_home.rate_over_100.json",
                         &app, &err),
                     0);
    assert_true(app->metrics->satisfaction->percent == 120.0);
    ry_json_application_free(&app);
}

static void
test_bad_json_reports_line_and_column(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    int rc = ry_json_application_load(EXAMPLES "/malformed.syntax.json",
                                      &app, &err);
    assert_int_equal(rc, RY_EMALFORMED);
    assert_null(app);
    assert_int_equal(err.line, 7);
    assert_true(err.column > 0);
    char want[64];
    snprintf(want, sizeof want, "malformed.syntax.json:7:%d:", err.column);
    assert_non_null(strstr(err.text, want));
    assert_string_equal(err.path, "");

    rc = s_parse("{\n  \"honour\": \"model_home\",\n  \"deeds\": \"x\"\n",
                 &app, &err);
    assert_int_equal(rc, RY_EMALFORMED);
    assert_int_equal(err.line, 4);
    assert_non_null(strstr(err.text, "t.json:4:"));
}

static void
test_duplicate_key_is_refused(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    assert_int_equal(s_parse("{\"deeds\": \"a\",\n \"deeds\": \"b\"}", &app,
                             &err),
                     RY_EMALFORMED);
    assert_int_equal(err.line, 2);
}

static void
test_unknown_key_gives_its_path(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    int rc = ry_json_application_load(EXAMPLES "/malformed.unknown_key.json",
                                      &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_null(app);
    assert_string_equal(err.path, "metrics.membershp");
    assert_non_null(strstr(err.text, "metrics.membershp: unknown key"));
    assert_non_null(strstr(err.text, "membership")); /* the right names */

    rc = s_parse("{\"held_honours\": [{\"name\": \"x\"}, {\"lvl\": 1}]}",
                 &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "held_honours[1].lvl");
    rc = s_parse("{\"campain_id\": \"x\"}", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "campain_id");
}

static void
test_wrong_enum_gives_path_and_choices(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    int rc = ry_json_application_load(EXAMPLES "/malformed.wrong_enum.json",
                                      &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "honour");
    assert_non_null(strstr(err.text, "\"advanced-home\""));
    assert_non_null(strstr(err.text, "advanced_home, model_home"));

    rc = s_parse("{\"person\": {\"column\": \"GRASSROOTS_CADRE\"}}", &app,
                 &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "person.column");
    rc = s_parse("{\"category\": 4}", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "category");
}

static void
test_negative_count_is_refused(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    int rc = ry_json_application_load(
        EXAMPLES "/malformed.negative_count.json", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "metrics.membership.num");
    assert_non_null(strstr(err.text, "non-negative"));

    rc = s_parse("{\"union\": {\"workers\": -1}}", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "union.workers");
    rc = s_parse("{\"union\": {\"branch_count\": 4294967296}}", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "union.branch_count");
    rc = s_parse("{\"union\": {\"workers\": 10.5}}", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
}

static void
test_string_where_a_number_belongs_is_refused(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    int rc = ry_json_application_load(
        EXAMPLES "/malformed.string_for_number.json", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "metrics.self_score");

    rc = s_parse("{\"metrics\": {\"membership\": \"93%\"}}", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "metrics.membership");
    assert_non_null(
        strstr(err.text, "metrics.membership: expected number or {num,den}"));
    rc = s_parse("{\"union\": {\"members\": \"968\"}}", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "union.members");
    rc = s_parse("{\"person\": {\"fulltime\": \"yes\"}}", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "person.fulltime");
    rc = s_parse("{\"deeds\": 5}", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "deeds");
}

static void
test_odd_shapes_are_refused(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    assert_int_equal(s_parse("[]", &app, &err), RY_EINVAL);
    assert_int_equal(s_parse("", &app, &err), RY_EMALFORMED);
    assert_int_equal(s_parse("{\"metrics\": {\"membership\": {\"num\": 3}}}",
                             &app, &err),
                     RY_EINVAL);
    assert_string_equal(err.path, "metrics.membership");
    assert_int_equal(s_parse("{\"metrics\": {\"membership\": {\"num\": 3, "
                             "\"den\": 4, \"pct\": 1}}}",
                             &app, &err),
                     RY_EINVAL);
    assert_string_equal(err.path, "metrics.membership.pct");
    assert_int_equal(s_parse("{\"union\": []}", &app, &err), RY_EINVAL);
    assert_string_equal(err.path, "union");
    assert_int_equal(s_parse("{\"held_honours\": {}}", &app, &err),
                     RY_EINVAL);
    assert_int_equal(s_parse("{\"held_honours\": [null]}", &app, &err),
                     RY_EINVAL);
    assert_string_equal(err.path, "held_honours[0]");
    assert_int_equal(s_parse("{\"deeds\": \"a\\u0000b\"}", &app, &err),
                     RY_EMALFORMED);
    assert_null(app);
    /* null and _comment are allowed */
    assert_int_equal(s_parse("{\"_comment\": \"x\", \"person\": null, "
                             "\"union\": {\"_comment\": 1}}",
                             &app, &err),
                     0);
    assert_null(app->person);
    assert_non_null(app->union_);
    ry_json_application_free(&app);
}

static void
test_attachment_errors_give_the_path(void **state)
{
    (void)state;
    Rongyu__Application *app = NULL;
    ry_json_error_t err;
    int rc = ry_json_application_load(
        EXAMPLES "/malformed.missing_attachment.json", &app, &err);
    assert_int_equal(rc, RY_EIO);
    assert_string_equal(err.path, "attachments[0].path");
    assert_non_null(strstr(err.text, "no-such-form.pdf"));

    rc = s_parse("{\"attachments\": [{\"path\": \"files/form.pdf\", "
                 "\"kind\": \"form\"}]}",
                 &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_string_equal(err.path, "attachments[0].kind");
    rc = s_parse("{\"attachments\": [{\"path\": \"files/form.pdf\", "
                 "\"sha256\": \"00\"}]}",
                 &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    rc = s_parse("{\"attachments\": [{\"path\": \"files\"}]}", &app, &err);
    assert_int_equal(rc, RY_EIO);
    rc = s_parse("{\"attachments\": [{\"path\": 3}]}", &app, &err);
    assert_int_equal(rc, RY_EINVAL);
    assert_null(app);

    /* The disguised PDF is read like any file: its type is the server's
     * business (R_FORM_MEDIA_TYPE). */
    rc = ry_json_application_load(EXAMPLES "/advanced_home.disguised_pdf.json",
                                  &app, &err);
    assert_int_equal(rc, 0);
    assert_memory_equal(app->attachments[0]->content.data, "PK\x03\x04", 4);
    ry_json_application_free(&app);
}

static void
test_case_and_reply_to_json(void **state)
{
    (void)state;
    Rongyu__Check check = RONGYU__CHECK__INIT;
    check.code = "R_MEMBERSHIP_MIN";
    check.threshold = "95%";
    check.actual = "93%";
    check.message_zh = "职工入会率低于95%";
    Rongyu__Check *checks[] = {&check};
    Rongyu__Verdict verdict = RONGYU__VERDICT__INIT;
    verdict.n_checks = 1;
    verdict.checks = checks;
    Rongyu__Case c = RONGYU__CASE__INIT;
    c.case_id = "0001";
    c.revision = 2;
    c.state = RONGYU__CASE_STATE__INELIGIBLE;
    c.verdict = &verdict;
    c.created_at_ms = 1541030400000;
    char *txt;
    assert_int_equal(ry_json_case_to_string(&c, 0, &txt), 0);
    assert_non_null(strstr(txt, "\"state\":\"ineligible\""));
    assert_non_null(strstr(txt, "\"code\":\"R_MEMBERSHIP_MIN\""));
    assert_non_null(strstr(txt, "\"passed\":false"));
    assert_non_null(strstr(txt, "职工入会率低于95%"));
    assert_non_null(strstr(txt, "\"created_at_ms\":1541030400000"));
    assert_null(strstr(txt, "\"application\"")); /* absent: left out */
    free(txt);

    Rongyu__AuditEntry a = RONGYU__AUDIT_ENTRY__INIT;
    a.from = RONGYU__CASE_STATE__DRAFT;
    a.to = RONGYU__CASE_STATE__SUBMITTED;
    assert_int_equal(ry_json_audit_entry_to_string(&a, 0, &txt), 0);
    assert_non_null(strstr(txt, "\"from\":\"draft\",\"to\":\"submitted\""));
    free(txt);

    Rongyu__Reply r = RONGYU__REPLY__INIT;
    r.code = RONGYU__ERROR_CODE__E_NOT_FOUND;
    r.detail = "case 0002";
    assert_int_equal(ry_json_reply_to_string(&r, RY_JSON_PRETTY, &txt), 0);
    assert_non_null(strstr(txt, "\"code\": \"E_NOT_FOUND\""));
    assert_null(strstr(txt, "\"case\"")); /* the oneof is unset */
    free(txt);

    Rongyu__LinkStatus link = RONGYU__LINK_STATUS__INIT;
    link.peer = "validation";
    link.outbox = 3;
    link.next_seq = UINT64_MAX;
    Rongyu__LinkStatus *links[] = {&link};
    Rongyu__StatusReply s = RONGYU__STATUS_REPLY__INIT;
    s.service = "intake";
    s.n_links = 1;
    s.links = links;
    assert_int_equal(ry_json_status_reply_to_string(&s, 0, &txt), 0);
    assert_non_null(strstr(txt, "\"links\":[{\"peer\":\"validation\","
                                "\"outbox\":3,\"next_seq\":"
                                "\"18446744073709551615\""));
    free(txt);
    assert_int_equal(ry_json_case_to_string(NULL, 0, &txt), RY_EINVAL);
}

static void
test_enum_names(void **state)
{
    (void)state;
    char buf[64];
    int v;
    assert_string_equal(ry_json_enum_name(&rongyu__honour__descriptor, 3, buf,
                                          sizeof buf),
                        "advanced_small_home");
    assert_string_equal(ry_json_enum_name(&rongyu__error_code__descriptor, 4,
                                          buf, sizeof buf),
                        "E_NOT_FOUND");
    assert_null(ry_json_enum_name(&rongyu__honour__descriptor, 99, buf,
                                  sizeof buf));
    assert_null(ry_json_enum_name(&rongyu__honour__descriptor, 3, buf, 5));
    assert_int_equal(ry_json_enum_value(&rongyu__case_state__descriptor,
                                        "not_selected", &v),
                     0);
    assert_int_equal(v, RONGYU__CASE_STATE__NOT_SELECTED);
    assert_int_equal(ry_json_enum_value(&rongyu__applicant_category__descriptor,
                                        "regional_federation", &v),
                     0);
    assert_int_equal(v, RONGYU__APPLICANT_CATEGORY__REGIONAL_FEDERATION);
    assert_int_equal(ry_json_enum_value(&rongyu__quota_column__descriptor,
                                        "LEADERSHIP_ORGAN", &v),
                     RY_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_example_round_trips),
        cmocka_unit_test(test_valid_advanced_home_has_every_part),
        cmocka_unit_test(test_percentage_and_counts_forms),
        cmocka_unit_test(test_rate_of_120_parses_range_is_the_validators),
        cmocka_unit_test(test_bad_json_reports_line_and_column),
        cmocka_unit_test(test_duplicate_key_is_refused),
        cmocka_unit_test(test_unknown_key_gives_its_path),
        cmocka_unit_test(test_wrong_enum_gives_path_and_choices),
        cmocka_unit_test(test_negative_count_is_refused),
        cmocka_unit_test(test_string_where_a_number_belongs_is_refused),
        cmocka_unit_test(test_odd_shapes_are_refused),
        cmocka_unit_test(test_attachment_errors_give_the_path),
        cmocka_unit_test(test_case_and_reply_to_json),
        cmocka_unit_test(test_enum_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
