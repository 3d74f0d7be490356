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
#include "intake_digest.h"
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

/* The contents of the three attachments of the applications below. */
static const char *const s_text[] = {"%PDF-1.4 one", "%PDF-1.4 two",
                                     "%PDF-1.4 three"};

/* Three attachments with their contents (s_text), in at, and pointers
 * to them in p. */
static void
s_attachments(Rongyu__Attachment at[3], Rongyu__Attachment *p[3])
{
    for (int i = 0; i < 3; i++) {
        rongyu__attachment__init(&at[i]);
        at[i].name = (char *)"form.pdf";
        at[i].kind = (char *)(i ? "deeds" : "application_form");
        at[i].content.data = (uint8_t *)s_text[i];
        at[i].content.len = strlen(s_text[i]);
        p[i] = &at[i];
    }
}

/* A decoded application with three attachments, the second claiming a
 * sha256 its content does not have when 'bad' is set. */
static Rongyu__Application *
s_decoded(bool bad)
{
    Rongyu__Application a = RONGYU__APPLICATION__INIT;
    Rongyu__Attachment at[3], *p[3];
    s_attachments(at, p);
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
    assert_int_equal(a->n_attachments, 3);
    for (int i = 0; i < 3; i++) {
        assert_non_null(a->attachments[i]->content.data);
        assert_int_equal(a->attachments[i]->content.len, strlen(s_text[i]));
        assert_memory_equal(a->attachments[i]->content.data, s_text[i],
                            strlen(s_text[i]));
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

/* An application with a field of each kind, its three attachments
 * among them, encoded. */
static uint8_t *
s_app_bytes(size_t *len)
{
    Rongyu__Application a = RONGYU__APPLICATION__INIT;
    Rongyu__UnionInfo u = RONGYU__UNION_INFO__INIT;
    Rongyu__HeldHonour h = RONGYU__HELD_HONOUR__INIT, *hp = &h;
    Rongyu__Attachment at[3], *p[3];
    s_attachments(at, p);
    a.campaign_id = (char *)"hangzhou-2018";
    a.honour = RONGYU__HONOUR__ADVANCED_HOME;
    a.applicant_org = (char *)"xiaoshan-hengyi-textile";
    a.organising_unit = (char *)"萧山区";
    u.name = (char *)"杭州恒毅纺织有限公司工会";
    u.workers = 1000;
    a.union_ = &u;
    h.name = (char *)"萧山区先进职工之家";
    h.year = 2016;
    a.held_honours = &hp;
    a.n_held_honours = 1;
    a.attachments = p;
    a.n_attachments = 3;
    a.deeds = (char *)"建成职工书屋";
    return ry_pb_pack(&a.base, len);
}

/* The fields of data[0..len), each as it was encoded, in order. */
static size_t
s_fields(const uint8_t *data, size_t len, ry_pb_field_t *f, size_t cap)
{
    size_t n = 0, pos = 0;
    while (n < cap && ry_pb_next(data, len, &pos, &f[n]) == 1)
        n++;
    return n;
}

/* Appends field f as encoded to out at *at. */
static void
s_put(uint8_t *out, size_t *at, const ry_pb_field_t *f)
{
    memcpy(out + *at, f->start, f->n);
    *at += f->n;
}

/* The bytes received (raw) decoded and their attachments stored, then
 * the row's application made from raw: it decodes to the application
 * packed whole (its digests in stored form), and when raw is as
 * protobuf-c writes (canonical), it is those bytes. */
static void
s_assert_made_as_packed(const uint8_t *raw, size_t len, bool canonical)
{
    fx_t fx;
    s_open(&fx);
    Rongyu__Application *a = (Rongyu__Application *)ry_pb_unpack(
        &rongyu__application__descriptor, raw, len, 0);
    assert_non_null(a);
    intake_attach_set_t set = {0};
    intake_outcome_t o = {.code = RONGYU__ERROR_CODE__OK};
    assert_int_equal(intake_attach_take(fx.txn, a, 1 << 20, &set, &o), 0);
    size_t mlen = 0;
    uint8_t *made = intake_attach_stored_bytes(raw, len, &set, &mlen);
    assert_non_null(made);
    Rongyu__Application packed;
    void *scratch;
    assert_true(intake_digest_pack_app(&set.app, &packed, &scratch));
    size_t plen;
    uint8_t *want = ry_pb_pack(&packed.base, &plen);
    free(scratch);
    if (canonical) {
        assert_int_equal(mlen, plen);
        assert_memory_equal(made, want, plen);
    }
    Rongyu__Application *x = (Rongyu__Application *)ry_pb_unpack(
        &rongyu__application__descriptor, made, mlen, 0);
    Rongyu__Application *y = (Rongyu__Application *)ry_pb_unpack(
        &rongyu__application__descriptor, want, plen, 0);
    assert_non_null(x);
    assert_non_null(y);
    assert_true(ry_pb_equal(&x->base, &y->base));
    assert_int_equal(x->n_attachments, 3);
    assert_int_equal(x->attachments[2]->content.len, 0);
    assert_int_equal(strlen(x->attachments[2]->sha256), INTAKE_DIGEST_Z85);
    ry_pb_free(&x);
    ry_pb_free(&y);
    free(want);
    free(made);
    intake_attach_release(&set);
    ry_pb_free(&a);
    s_close(&fx);
}

/* The row's application made from the bytes received, however a client
 * ordered or repeated its fields: as protobuf-c writes it, fields
 * reversed, the attachments apart among other fields, the union in two
 * parts (merged), a field at its zero value and one this version does
 * not know. */
static void
test_stored_bytes_are_the_application_packed(void **state)
{
    (void)state;
    size_t len;
    uint8_t *raw = s_app_bytes(&len);
    s_assert_made_as_packed(raw, len, true);
    ry_pb_field_t f[32];
    size_t n = s_fields(raw, len, f, 32);
    assert_int_equal(n, 10); /* 1 2 4 5 6 10 11 11 11 12 */
    uint8_t *v = malloc(2 * len + 64);
    size_t at = 0;
    for (size_t i = n; i-- > 0;)
        s_put(v, &at, &f[i]);
    s_assert_made_as_packed(v, at, false);
    /* The attachments apart: the deeds and the union among them. */
    at = 0;
    static const int order[] = {0, 1, 6, 9, 2, 7, 3, 4, 8, 5};
    for (size_t i = 0; i < n; i++)
        s_put(v, &at, &f[order[i]]);
    s_assert_made_as_packed(v, at, false);
    /* The union given twice (its name, then its members), an honour at
     * zero, and a field 99 no version knows. */
    at = 0;
    for (size_t i = 0; i < n; i++)
        s_put(v, &at, &f[i]);
    Rongyu__UnionInfo part = RONGYU__UNION_INFO__INIT;
    part.members = 968;
    size_t ulen;
    uint8_t *u = ry_pb_pack(&part.base, &ulen);
    ry_pb_put_bytes(v, &at, 6, u, ulen);
    free(u);
    v[at++] = 2 << 3; /* honour, varint */
    v[at++] = 0;
    v[at++] = 0x98; /* field 99, varint */
    v[at++] = 0x06;
    v[at++] = 7;
    s_assert_made_as_packed(v, at, false);
    /* Fewer attachments in the bytes than decoded: not made. */
    fx_t fx;
    s_open(&fx);
    Rongyu__Application *a = (Rongyu__Application *)ry_pb_unpack(
        &rongyu__application__descriptor, raw, len, 0);
    intake_attach_set_t set = {0};
    intake_outcome_t o = {.code = RONGYU__ERROR_CODE__OK};
    assert_int_equal(intake_attach_take(fx.txn, a, 1 << 20, &set, &o), 0);
    at = 0;
    for (size_t i = 0; i < n - 2; i++)
        s_put(v, &at, &f[i == 6 ? 9 : i]);
    size_t mlen;
    assert_null(intake_attach_stored_bytes(v, at, &set, &mlen));
    intake_attach_release(&set);
    ry_pb_free(&a);
    s_close(&fx);
    free(v);
    free(raw);
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
        cmocka_unit_test(test_stored_bytes_are_the_application_packed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
