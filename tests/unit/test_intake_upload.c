/* Tests of intake_upload: an attachment received in parts, in order,
 * stored for its applicant once whole and checked; every refusal writes
 * nothing, but a content that does not match its sha256 discards the
 * upload; an applicant keeps at most INTAKE_UPLOAD_OPEN_MAX unfinished. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "intake_attach.h"
#include "intake_cases.h"
#include "intake_upload.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_store.h"
#include "ut_util.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_tables[] = {INTAKE_TABLES, NULL};

#define MAX_ATTACHMENT 100

typedef struct {
    char dir[256];
    ry_store_t *st;
    ry_txn_t *txn;
    intake_outcome_t o;
    intake_upload_progress_t pr;
} fx_t;

static int
s_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(ut_tmpdir(fx->dir, sizeof fx->dir, "upload"), 0);
    assert_int_equal(ry_store_open(&fx->st, fx->dir, 8 << 20, s_tables), 0);
    assert_int_equal(ry_txn_begin(fx->st, NULL, true, &fx->txn), 0);
    *state = fx;
    return 0;
}

static int
s_teardown(void **state)
{
    fx_t *fx = *state;
    ry_txn_abort(&fx->txn);
    ry_store_destroy(&fx->st);
    assert_int_equal(ut_rmtree(fx->dir), 0);
    free(fx);
    return 0;
}

static const char s_content[] = "%PDF-1.4 twenty-two b"; /* 21 bytes */
#define LEN (sizeof s_content - 1)

static void
s_sha(const void *data, size_t len, char hex[65])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

/* Sends the part [offset, offset + n) of s_content, claiming 'sha' and
 * 'size', for 'org'. */
static int
s_part(fx_t *fx, const char *org, const char *sha, uint64_t size,
       uint64_t offset, size_t n)
{
    Rongyu__UploadRequest q = RONGYU__UPLOAD_REQUEST__INIT;
    q.sha256 = (char *)sha;
    q.size = size;
    q.offset = offset;
    q.data.data = (uint8_t *)s_content + offset;
    q.data.len = n;
    fx->o = (intake_outcome_t){.code = RONGYU__ERROR_CODE__OK};
    return intake_upload_part(fx->txn, &q, org, MAX_ATTACHMENT, &fx->pr,
                              &fx->o);
}

/* As s_part, but the n bytes are s_content's first whatever the offset
 * claimed. */
static int
s_part_at(fx_t *fx, const char *org, const char *sha, uint64_t size,
          uint64_t offset, size_t n)
{
    Rongyu__UploadRequest q = RONGYU__UPLOAD_REQUEST__INIT;
    q.sha256 = (char *)sha;
    q.size = size;
    q.offset = offset;
    q.data.data = (uint8_t *)s_content;
    q.data.len = n;
    fx->o = (intake_outcome_t){.code = RONGYU__ERROR_CODE__OK};
    return intake_upload_part(fx->txn, &q, org, MAX_ATTACHMENT, &fx->pr,
                              &fx->o);
}

static uint64_t
s_rows(fx_t *fx, const char *table)
{
    uint64_t n;
    assert_int_equal(ry_txn_count(fx->txn, table, &n), 0);
    return n;
}

static void
s_assert_nothing_stored(fx_t *fx, const char *sha)
{
    ry_val_t v;
    assert_int_equal(ry_txn_get(fx->txn, "blobs", sha, 64, &v), RY_ENOTFOUND);
    assert_int_equal(s_rows(fx, "uploads"), 0);
    assert_int_equal(s_rows(fx, "upload_parts"), 0);
}

static void
test_parts_in_order_store_the_content_for_the_applicant(void **state)
{
    fx_t *fx = *state;
    char sha[65];
    s_sha(s_content, LEN, sha);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 0, 8), 0);
    assert_int_equal(fx->pr.received, 8);
    assert_false(fx->pr.complete);
    assert_int_equal(s_rows(fx, "uploads"), 1);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 8, 8), 0);
    assert_int_equal(fx->pr.received, 16);
    assert_int_equal(s_rows(fx, "upload_parts"), 2);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 16, LEN - 16), 0);
    assert_true(fx->pr.complete);
    assert_int_equal(fx->pr.received, LEN);
    assert_int_equal(fx->pr.size, LEN);
    ry_val_t v;
    assert_int_equal(ry_txn_get(fx->txn, "blobs", sha, 64, &v), 0);
    assert_int_equal(v.len, LEN);
    assert_memory_equal(v.data, s_content, LEN);
    size_t have;
    assert_int_equal(intake_attach_owned(fx->txn, sha, "org-a", &have), 0);
    assert_int_equal(have, LEN);
    assert_int_equal(intake_attach_owned(fx->txn, sha, "org-b", &have),
                     RY_ENOTFOUND);
    /* The parts are gone. */
    assert_int_equal(s_rows(fx, "uploads"), 0);
    assert_int_equal(s_rows(fx, "upload_parts"), 0);
    /* The last part again, or any part: complete, nothing changes. */
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 16, LEN - 16), 0);
    assert_true(fx->pr.complete);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 0, 8), 0);
    assert_true(fx->pr.complete);
    assert_int_equal(s_rows(fx, "uploads"), 0);
    /* Content stored for another applicant must be sent whole. */
    assert_int_equal(s_part(fx, "org-b", sha, LEN, 0, 8), 0);
    assert_false(fx->pr.complete);
    assert_int_equal(fx->pr.received, 8);
}

static void
test_one_part_holding_everything_completes(void **state)
{
    fx_t *fx = *state;
    char sha[65];
    s_sha(s_content, LEN, sha);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 0, LEN), 0);
    assert_true(fx->pr.complete);
    assert_int_equal(s_rows(fx, "uploads"), 0);
    assert_int_equal(s_rows(fx, "upload_parts"), 0);
}

static void
test_a_resent_part_or_no_data_changes_nothing(void **state)
{
    fx_t *fx = *state;
    char sha[65];
    s_sha(s_content, LEN, sha);
    /* A question before anything: nothing is created. */
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 0, 0), 0);
    assert_int_equal(fx->pr.received, 0);
    assert_int_equal(s_rows(fx, "uploads"), 0);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 0, 8), 0);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 8, 4), 0);
    assert_int_equal(fx->pr.received, 12);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 0, 8), 0);
    assert_int_equal(fx->pr.received, 12);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 8, 4), 0);
    assert_int_equal(fx->pr.received, 12);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 5, 0), 0);
    assert_int_equal(fx->pr.received, 12);
    assert_int_equal(s_rows(fx, "upload_parts"), 2);
    assert_false(fx->pr.complete);
}

static void
test_a_gap_is_refused_naming_the_expected_offset(void **state)
{
    fx_t *fx = *state;
    char sha[65];
    s_sha(s_content, LEN, sha);
    /* Nothing received: only offset 0 starts an upload. */
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 8, 8), -1);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_OUT_OF_RANGE);
    assert_string_equal(fx->o.field, "offset");
    assert_non_null(strstr(fx->o.detail, "starts at offset 0"));
    s_assert_nothing_stored(fx, sha);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 0, 8), 0);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 12, 4), -1);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_OUT_OF_RANGE);
    assert_non_null(strstr(fx->o.detail, "starts at offset 8"));
    /* A part overlapping the end of what was received is not the next
     * one either. */
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 4, 8), -1);
    assert_non_null(strstr(fx->o.detail, "starts at offset 8"));
    assert_int_equal(s_rows(fx, "upload_parts"), 1);
}

/* Asserts the last part was refused as not the next one, which starts
 * at 'next'. */
static void
s_assert_not_next(fx_t *fx, int rc, uint64_t next)
{
    char want[64];
    snprintf(want, sizeof want, "starts at offset %" PRIu64 ".", next);
    assert_int_equal(rc, -1);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_OUT_OF_RANGE);
    assert_string_equal(fx->o.field, "offset");
    assert_non_null(strstr(fx->o.detail, want));
}

static void
test_an_offset_whose_end_wraps_is_refused(void **state)
{
    fx_t *fx = *state;
    char sha[65];
    s_sha(s_content, LEN, sha);
    /* offset + length past 2^64 wraps to a small end, which read as the
     * end of a part received before: answered OK, received 0. */
    s_assert_not_next(fx, s_part_at(fx, "org-a", sha, LEN, UINT64_MAX - 4, 5),
                      0);
    s_assert_not_next(fx, s_part_at(fx, "org-a", sha, LEN, UINT64_MAX, 1), 0);
    s_assert_nothing_stored(fx, sha);
    /* Half received: no offset near 2^64 passes for a resend. */
    assert_int_equal(s_part_at(fx, "org-a", sha, LEN, 0, 10), 0);
    const uint64_t wrap[] = {UINT64_MAX, UINT64_MAX - 4, UINT64_MAX - 9,
                             (uint64_t)1 << 63};
    for (size_t i = 0; i < sizeof wrap / sizeof *wrap; i++)
        s_assert_not_next(fx, s_part_at(fx, "org-a", sha, LEN, wrap[i], 10),
                          10);
    assert_int_equal(s_rows(fx, "upload_parts"), 1);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 0, 0), 0);
    assert_int_equal(fx->pr.received, 10);
    /* A part within what was received is still a resend; one reaching
     * past it is not the next one. */
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 2, 8), 0);
    assert_int_equal(fx->pr.received, 10);
    s_assert_not_next(fx, s_part(fx, "org-a", sha, LEN, 2, 9), 10);
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 10, LEN - 10), 0);
    assert_true(fx->pr.complete);
}

static void
test_content_unlike_its_sha256_discards_the_upload(void **state)
{
    fx_t *fx = *state;
    char other[65];
    s_sha("something else", 14, other);
    assert_int_equal(s_part(fx, "org-a", other, LEN, 0, 10), 0);
    assert_int_equal(s_part(fx, "org-a", other, LEN, 10, LEN - 10),
                     INTAKE_UPLOAD_DISCARDED);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(fx->o.field, "data");
    assert_false(fx->pr.complete);
    s_assert_nothing_stored(fx, other);
    char real[65];
    s_sha(s_content, LEN, real);
    ry_val_t v;
    assert_int_equal(ry_txn_get(fx->txn, "blobs", real, 64, &v), RY_ENOTFOUND);
    /* It starts again at 0. */
    assert_int_equal(s_part(fx, "org-a", other, LEN, 0, 0), 0);
    assert_int_equal(fx->pr.received, 0);
}

static void
test_size_and_part_bounds(void **state)
{
    fx_t *fx = *state;
    char sha[65];
    s_sha(s_content, LEN, sha);
    assert_int_equal(s_part(fx, "org-a", sha, MAX_ATTACHMENT + 1, 0, 8), -1);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_TOO_LARGE);
    assert_string_equal(fx->o.field, "size");
    /* At the bound: taken. */
    assert_int_equal(s_part(fx, "org-b", sha, MAX_ATTACHMENT, 0, 8), 0);
    assert_int_equal(s_part(fx, "org-a", sha, 0, 0, 8), -1);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_OUT_OF_RANGE);
    /* A part longer than what is left, first or later. */
    assert_int_equal(s_part(fx, "org-a", sha, 6, 0, 8), -1);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_OUT_OF_RANGE);
    assert_string_equal(fx->o.field, "data");
    assert_int_equal(s_part(fx, "org-a", sha, 10, 0, 8), 0);
    assert_int_equal(s_part(fx, "org-a", sha, 10, 8, 3), -1);
    assert_non_null(strstr(fx->o.detail, "only 2 are left"));
    /* Another size for the same upload. */
    assert_int_equal(s_part(fx, "org-a", sha, 12, 8, 2), -1);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(fx->o.field, "size");
    assert_int_equal(s_rows(fx, "upload_parts"), 2);
}

static void
test_bad_sha256_is_refused(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(s_part(fx, "org-a", "", LEN, 0, 8), -1);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_MISSING_FIELD);
    char sha[65];
    s_sha(s_content, LEN, sha);
    sha[3] = 'A';
    assert_int_equal(s_part(fx, "org-a", sha, LEN, 0, 8), -1);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_INVALID);
    assert_string_equal(fx->o.field, "sha256");
    assert_int_equal(s_part(fx, "org-a", "abc", LEN, 0, 8), -1);
    assert_int_equal(fx->o.code, RONGYU__ERROR_CODE__E_INVALID);
    assert_int_equal(s_rows(fx, "uploads"), 0);
}

static void
test_a_fifth_upload_drops_the_oldest(void **state)
{
    fx_t *fx = *state;
    char sha[INTAKE_UPLOAD_OPEN_MAX + 1][65];
    for (int i = 0; i <= INTAKE_UPLOAD_OPEN_MAX; i++) {
        char text[16];
        snprintf(text, sizeof text, "content %d", i);
        s_sha(text, strlen(text), sha[i]);
    }
    for (int i = 0; i < INTAKE_UPLOAD_OPEN_MAX; i++)
        assert_int_equal(s_part(fx, "org-a", sha[i], LEN, 0, 4), 0);
    assert_int_equal(s_part(fx, "org-b", sha[0], LEN, 0, 4), 0);
    /* The first goes on: it stays the oldest. */
    assert_int_equal(s_part(fx, "org-a", sha[0], LEN, 4, 4), 0);
    uint64_t n;
    assert_int_equal(intake_upload_count(fx->txn, "org-a", &n), 0);
    assert_int_equal(n, INTAKE_UPLOAD_OPEN_MAX);
    assert_int_equal(
        s_part(fx, "org-a", sha[INTAKE_UPLOAD_OPEN_MAX], LEN, 0, 4), 0);
    assert_int_equal(intake_upload_count(fx->txn, "org-a", &n), 0);
    assert_int_equal(n, INTAKE_UPLOAD_OPEN_MAX);
    /* The oldest is gone with its parts; the others and org-b's stay. */
    assert_int_equal(s_part(fx, "org-a", sha[0], LEN, 0, 0), 0);
    assert_int_equal(fx->pr.received, 0);
    for (int i = 1; i <= INTAKE_UPLOAD_OPEN_MAX; i++) {
        assert_int_equal(s_part(fx, "org-a", sha[i], LEN, 0, 0), 0);
        assert_int_equal(fx->pr.received, 4);
    }
    assert_int_equal(s_part(fx, "org-b", sha[0], LEN, 0, 0), 0);
    assert_int_equal(fx->pr.received, 4);
    assert_int_equal(s_rows(fx, "upload_parts"), INTAKE_UPLOAD_OPEN_MAX + 1);
}

/* Puts a case of org-a as an earlier version stored it, naming content
 * sha, in state st, with its index row: by_org_state, or by_state for a
 * SUBMITTED case (intake_cases.c: s_index_keys). */
static void
s_old_case(fx_t *fx, const char *id, Rongyu__CaseState st, const char *sha)
{
    Rongyu__Attachment at = RONGYU__ATTACHMENT__INIT;
    at.sha256 = (char *)sha;
    Rongyu__Attachment *ats[] = {&at};
    Rongyu__Application app = RONGYU__APPLICATION__INIT;
    app.applicant_org = (char *)"org-a";
    app.organising_unit = (char *)"unit-1";
    app.attachments = ats;
    app.n_attachments = 1;
    Rongyu__Case c = RONGYU__CASE__INIT;
    c.state = st;
    c.application = &app;
    size_t len;
    uint8_t *buf = ry_pb_pack(&c.base, &len);
    assert_int_equal(ry_txn_put(fx->txn, "cases", id, 16, buf, len, 0), 0);
    free(buf);
    uint8_t key[64];
    if (st == RONGYU__CASE_STATE__SUBMITTED) {
        key[0] = (uint8_t)st;
        memcpy(key + 1, id, 16);
        static const char names[] = "org-a\0unit-1";
        assert_int_equal(ry_txn_put(fx->txn, "by_state", key, 17, names,
                                    sizeof names - 1, 0),
                         0);
    } else {
        int n = snprintf((char *)key, sizeof key, "org-a%c%c%s", '\0', (char)st,
                         id);
        assert_int_equal(
            ry_txn_put(fx->txn, "by_org_state", key, (size_t)n, "", 0, 0), 0);
    }
    assert_int_equal(ry_txn_put(fx->txn, "blobs", sha, 64, "%PDF", 4, 0), 0);
}

/* Content stored before owner rows existed counts for the applicant whose
 * stored case names it, whatever the case's state (a SUBMITTED case is
 * found through by_state), and for no one else. */
static void
test_content_stored_before_owner_rows_counts_for_its_case_applicant(
    void **state)
{
    fx_t *fx = *state;
    char a[65], b[65];
    for (int i = 0; i < 64; i++) {
        a[i] = "0123456789abcdef"[i % 16];
        b[i] = "fedcba9876543210"[i % 16];
    }
    a[64] = b[64] = '\0';
    s_old_case(fx, "0000000000000001", RONGYU__CASE_STATE__ELIGIBLE, a);
    s_old_case(fx, "0000000000000002", RONGYU__CASE_STATE__SUBMITTED, b);
    size_t have = 0;
    assert_int_equal(intake_attach_owned(fx->txn, a, "org-a", &have), 0);
    assert_int_equal(have, 4);
    assert_int_equal(intake_attach_owned(fx->txn, b, "org-a", &have), 0);
    assert_int_equal(intake_attach_owned(fx->txn, a, "org-b", &have),
                     RY_ENOTFOUND);
    assert_int_equal(intake_attach_owned(fx->txn, b, "org-b", &have),
                     RY_ENOTFOUND);
    /* A name longer than any index holds owns nothing (not an error). */
    char longname[251];
    memset(longname, 'o', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(intake_attach_owned(fx->txn, a, longname, &have),
                     RY_ENOTFOUND);
}

int
main(void)
{
    ry_log_level = RY_LOG_ERROR;
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, s_setup, s_teardown)
        T(test_parts_in_order_store_the_content_for_the_applicant),
        T(test_one_part_holding_everything_completes),
        T(test_a_resent_part_or_no_data_changes_nothing),
        T(test_a_gap_is_refused_naming_the_expected_offset),
        T(test_an_offset_whose_end_wraps_is_refused),
        T(test_content_unlike_its_sha256_discards_the_upload),
        T(test_size_and_part_bounds),
        T(test_bad_sha256_is_refused),
        T(test_a_fifth_upload_drops_the_oldest),
        T(test_content_stored_before_owner_rows_counts_for_its_case_applicant),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
