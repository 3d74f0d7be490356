/* Tests of intake_attach: storing a request's attachment contents by
 * SHA-256 never changes the decoded request, whichever attachment is
 * refused, so the request's decoder frees all it allocated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intake_attach.h"
#include "intake_cases.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_store.h"
#include "ut_util.h"

#include <stdlib.h>
#include <string.h>

static const char *const s_tables[] = {INTAKE_TABLES, NULL};

typedef struct {
    char dir[256];
    ry_store_t *st;
    ry_txn_t *txn;
} fx_t;

static void
s_open(fx_t *fx)
{
    memset(fx, 0, sizeof *fx);
    assert_int_equal(ut_tmpdir(fx->dir, sizeof fx->dir, "attach"), 0);
    assert_int_equal(ry_store_open(&fx->st, fx->dir, 8 << 20, s_tables), 0);
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &fx->txn), 0);
}

static void
s_close(fx_t *fx)
{
    ry_txn_abort(&fx->txn);
    ry_store_destroy(&fx->st);
    assert_int_equal(ut_rmtree(fx->dir), 0);
}

/* A decoded application with three attachments, the second claiming a
 * sha256 its content does not have when 'bad' is set. */
static Rongyu__Application *
s_decoded(bool bad)
{
    Rongyu__Application a = RONGYU__APPLICATION__INIT;
    Rongyu__Attachment at[3], *p[3];
    static const char *const text[] = {"%PDF-1.4 one", "%PDF-1.4 two",
                                       "%PDF-1.4 three"};
    for (int i = 0; i < 3; i++) {
        rongyu__attachment__init(&at[i]);
        at[i].name = (char *)"form.pdf";
        at[i].content.data = (uint8_t *)text[i];
        at[i].content.len = strlen(text[i]);
        p[i] = &at[i];
    }
    if (bad)
        at[1].sha256 = (char *)"00000000000000000000000000000000"
                               "00000000000000000000000000000000";
    a.attachments = p;
    a.n_attachments = 3;
    size_t len;
    uint8_t *buf = ry_pb_pack(&a.base, &len);
    Rongyu__Application *out = (Rongyu__Application *)ry_pb_unpack(
        &rongyu__application__descriptor, buf, len, 0);
    free(buf);
    assert_non_null(out);
    return out;
}

/* Every attachment of 'a' still has its content, as decoded. */
static void
s_assert_whole(const Rongyu__Application *a)
{
    static const char *const text[] = {"%PDF-1.4 one", "%PDF-1.4 two",
                                       "%PDF-1.4 three"};
    assert_int_equal(a->n_attachments, 3);
    for (int i = 0; i < 3; i++) {
        assert_non_null(a->attachments[i]->content.data);
        assert_int_equal(a->attachments[i]->content.len, strlen(text[i]));
        assert_memory_equal(a->attachments[i]->content.data, text[i],
                            strlen(text[i]));
    }
}

static void
test_a_refused_attachment_leaves_the_request_whole(void **state)
{
    (void)state;
    fx_t fx;
    s_open(&fx);
    Rongyu__Application *a = s_decoded(true);
    intake_attach_set_t set = {0};
    intake_outcome_t o = {.code = RONGYU__ERROR_CODE__OK};
    assert_int_equal(intake_attach_take(fx.txn, a, 1 << 20, &set, &o), -1);
    assert_int_equal(o.code, RONGYU__ERROR_CODE__E_INVALID);
    assert_non_null(strstr(o.detail, "attachments[1]"));
    intake_attach_release(&set);
    /* Before the fix the third attachment lost its content pointer here
     * and its bytes were never freed (LeakSanitizer saw it too). */
    s_assert_whole(a);
    ry_pb_free(&a);
    s_close(&fx);
}

static void
test_stored_copy_has_references_and_the_request_keeps_contents(void **state)
{
    (void)state;
    fx_t fx;
    s_open(&fx);
    Rongyu__Application *a = s_decoded(false);
    intake_attach_set_t set = {0};
    intake_outcome_t o = {.code = RONGYU__ERROR_CODE__OK};
    assert_int_equal(intake_attach_take(fx.txn, a, 1 << 20, &set, &o), 0);
    assert_int_equal(set.app.n_attachments, 3);
    for (int i = 0; i < 3; i++) {
        const Rongyu__Attachment *at = set.app.attachments[i];
        assert_int_equal(at->content.len, 0);
        assert_int_equal(strlen(at->sha256), 64);
        assert_string_equal(at->media_type, "application/pdf");
        ry_val_t v;
        assert_int_equal(ry_txn_get(fx.txn, "blobs", at->sha256, 64, &v), 0);
        assert_int_equal(v.len, at->size);
    }
    s_assert_whole(a);
    intake_attach_release(&set);
    intake_attach_release(&set);
    ry_pb_free(&a);
    s_close(&fx);
}

/* A too large first attachment: the later ones are untouched. */
static void
test_too_large_first_attachment_leaves_the_rest_whole(void **state)
{
    (void)state;
    fx_t fx;
    s_open(&fx);
    Rongyu__Application *a = s_decoded(false);
    intake_attach_set_t set = {0};
    intake_outcome_t o = {.code = RONGYU__ERROR_CODE__OK};
    assert_int_equal(intake_attach_take(fx.txn, a, 4, &set, &o), -1);
    assert_int_equal(o.code, RONGYU__ERROR_CODE__E_TOO_LARGE);
    intake_attach_release(&set);
    s_assert_whole(a);
    ry_pb_free(&a);
    s_close(&fx);
}

int
main(void)
{
    ry_log_level = RY_LOG_ERROR;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_refused_attachment_leaves_the_request_whole),
        cmocka_unit_test(
            test_stored_copy_has_references_and_the_request_keeps_contents),
        cmocka_unit_test(test_too_large_first_attachment_leaves_the_rest_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
