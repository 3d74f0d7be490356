/* ry_text_utf8_valid: the same answers as a byte-by-byte reading of the
 * UTF-8 rules (RFC 3629), whatever the ASCII runs around a multi-byte
 * sequence, a bad byte or the end of the text; so ASCII read eight bytes
 * at a time changes nothing, nor does the shortcut for three-byte
 * sequences (every two- and three-byte sequence is compared).
 * ry_text_utf8_fit and _scrub: a text cut to any length, or with
 * any bytes dropped into it, comes out UTF-8 and as long as it can be.
 * ry_text_request_id_check and _echo: the bound and what a reply echoes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rongyu.pb-c.h"
#include "ry_text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The rules, one byte at a time: the oracle. */
static bool
s_valid_slowly(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 2, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n;
    }
    return true;
}

static void
s_same(const uint8_t *p, size_t len)
{
    assert_int_equal(ry_text_utf8_valid((const char *)p, len),
                     s_valid_slowly(p, len));
}

static void
test_sequences_at_every_offset(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "职工之家", "é", "\xf0\x9f\x98\x80", /* valid: 3, 2 and 4 bytes */
        "\xc3",                              /* cut short */
        "\xe8\x81",                          /* cut short */
        "\xc0\xaf",                          /* overlong */
        "\xed\xa0\x80",                      /* a surrogate */
        "\xf4\x90\x80\x80",                  /* past U+10FFFF */
        "\x80", "\xff",                      /* never a first byte */
    };
    uint8_t buf[64];
    for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
        size_t pl = strlen(pieces[k]);
        for (size_t before = 0; before <= 17; before++)
            for (size_t after = 0; after <= 9; after++) {
                memset(buf, 'a', before);
                memcpy(buf + before, pieces[k], pl);
                memset(buf + before + pl, 'b', after);
                s_same(buf, before + pl + after);
            }
    }
    assert_true(ry_text_utf8_valid("abcdefghijklmnop", 16));
    assert_false(ry_text_utf8_valid("abcdefgh\x80", 9));
    assert_true(ry_text_utf8_valid("", 0));
}

static void
test_every_two_and_three_byte_sequence(void **state)
{
    (void)state;
    uint8_t buf[5] = {0, 0, 0, 'a', 'b'};
    for (unsigned c = 0x80; c <= 0xff; c++)
        for (unsigned d = 0; d <= 0xff; d++) {
            buf[0] = (uint8_t)c;
            buf[1] = (uint8_t)d;
            buf[2] = 'z';
            s_same(buf, 2);
            s_same(buf, 3);
            if (c < 0xe0 || c > 0xef)
                continue;
            for (unsigned e = 0; e <= 0xff; e++) {
                buf[2] = (uint8_t)e;
                s_same(buf, 3);
                s_same(buf, 5);
                s_same(buf, 2); /* cut short */
            }
        }
}

static void
test_random_text_agrees(void **state)
{
    (void)state;
    uint32_t x = 2463534242u;
    uint8_t buf[48];
    for (int round = 0; round < 200000; round++) {
        size_t len = (size_t)(x % sizeof buf);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            /* Mostly ASCII, as text is, with the bytes of longer
             * sequences among it. */
            uint8_t b = (uint8_t)x;
            buf[i] = (x >> 8) % 4 ? (uint8_t)(b & 0x7f) : b;
        }
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s_same(buf, len);
    }
}

/* A text of one-, two-, three- and four-byte characters. */
static const char s_mixed[] = "a\xc3\xa9\xe8\x90\xa7\xf0\x9f\x98\x80"
                              "b\xe5\xb1\xb1\xc3\xa9";

static void
test_fit_cuts_on_a_character(void **state)
{
    (void)state;
    size_t n = strlen(s_mixed);
    /* The characters' ends: what a cut may keep. */
    static const size_t ends[] = {0, 1, 3, 6, 10, 11, 14, 16};
    for (size_t max = 0; max <= n + 2; max++) {
        size_t k = ry_text_utf8_fit(s_mixed, n, max);
        size_t want = 0;
        for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
            if (ends[i] <= max)
                want = ends[i];
        assert_int_equal(k, want);
        assert_true(ry_text_utf8_valid(s_mixed, k));
    }
}

static void
test_scrub_keeps_every_character_and_drops_the_rest(void **state)
{
    (void)state;
    /* Cut at every length (as snprintf cuts), and with a stray byte
     * inside: what comes out is UTF-8, the characters whole. */
    size_t n = strlen(s_mixed);
    for (size_t len = 0; len <= n; len++) {
        char buf[64];
        memcpy(buf, s_mixed, len);
        buf[len] = '\0';
        ry_text_utf8_scrub(buf);
        assert_true(ry_text_utf8_valid(buf, strlen(buf)));
        assert_int_equal(strlen(buf), ry_text_utf8_fit(s_mixed, n, len));
        assert_memory_equal(buf, s_mixed, strlen(buf));
    }
    char bad[] = "\xff\xe8\x90 ok \xc3\xa9\x80\xed\xa0\x80\xe8\x90\xa7";
    ry_text_utf8_scrub(bad);
    assert_string_equal(bad, " ok \xc3\xa9\xe8\x90\xa7");
}

static void
test_request_id_bound_and_echo(void **state)
{
    (void)state;
    char id[300], why[160];
    memset(id, 'r', sizeof id);
    id[255] = '\0';
    assert_int_equal(ry_text_request_id_check(id, why, sizeof why), 0);
    assert_int_equal(ry_text_request_id_check(NULL, why, sizeof why), 0);
    id[255] = 'r';
    id[256] = '\0';
    assert_int_equal(ry_text_request_id_check(id, why, sizeof why), -1);
    assert_string_equal(why, "request_id: 为 256 字节，至多 255 字节。"
                             "request_id: 256 bytes, at most 255");
    assert_string_equal(ry_text_request_id_echo("\xe8\x90\xa7-1"),
                        "\xe8\x90\xa7-1");
    assert_string_equal(ry_text_request_id_echo("\xff"), "");
    assert_string_equal(ry_text_request_id_echo("a\xe8\x90"), "");
    assert_string_equal(ry_text_request_id_echo(NULL), "");
}

/* ry_text_check_fields on m: taken when path is NULL, else refused at
 * path, its reason holding why_part (when not NULL). */
static void
s_fields(const ProtobufCMessage *m, const char *path, const char *why_part)
{
    char why[300], at[160];
    int rc = ry_text_check_fields(m, why, sizeof why, at, sizeof at);
    if (!path) {
        assert_int_equal(rc, 0);
        return;
    }
    assert_int_equal(rc, -1);
    assert_string_equal(at, path);
    if (why_part)
        assert_non_null(strstr(why, why_part));
}

/* Identifiers within their bound and enums among their values, at any
 * depth, in repeated messages too; the first that is not is named by its
 * path from the message. */
static void
test_fields_named_by_their_path(void **state)
{
    (void)state;
    char id[RY_ORG_ID_MAX + 2];
    memset(id, 'o', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    Rongyu__Request req = RONGYU__REQUEST__INIT;
    Rongyu__ListRequest list = RONGYU__LIST_REQUEST__INIT;
    req.body_case = RONGYU__REQUEST__BODY_LIST;
    req.list = &list;
    /* At the bound: taken. */
    id[RY_ORG_ID_MAX] = '\0';
    list.organising_unit = id;
    s_fields(&req.base, NULL, NULL);
    /* One byte over. */
    id[RY_ORG_ID_MAX] = 'o';
    s_fields(&req.base, "list.organising_unit", "201 bytes, at most 200");
    list.organising_unit = (char *)"";
    list.state = (Rongyu__CaseState)99;
    s_fields(&req.base, "list.state", "99 is not a value of CaseState");
    /* A repeated message's element, by its index. */
    Rongyu__OrgImportRequest imp = RONGYU__ORG_IMPORT_REQUEST__INIT;
    Rongyu__Organisation a = RONGYU__ORGANISATION__INIT,
                         b = RONGYU__ORGANISATION__INIT;
    Rongyu__Organisation *orgs[] = {&a, &b};
    imp.orgs = orgs;
    imp.n_orgs = 2;
    b.parent_id = id;
    req.body_case = RONGYU__REQUEST__BODY_ORG_IMPORT;
    req.org_import = &imp;
    s_fields(&req.base, "org_import.orgs[1].parent_id", NULL);
    b.parent_id = (char *)"";
    b.kind = (Rongyu__OrgKind)77;
    s_fields(&req.base, "org_import.orgs[1].kind", NULL);
    b.kind = RONGYU__ORG_KIND__ORG_GRASSROOTS;
    s_fields(&req.base, NULL, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequences_at_every_offset),
        cmocka_unit_test(test_every_two_and_three_byte_sequence),
        cmocka_unit_test(test_random_text_agrees),
        cmocka_unit_test(test_fit_cuts_on_a_character),
        cmocka_unit_test(test_scrub_keeps_every_character_and_drops_the_rest),
        cmocka_unit_test(test_request_id_bound_and_echo),
        cmocka_unit_test(test_fields_named_by_their_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
