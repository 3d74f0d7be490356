/* test_str: ry_str against snprintf, which it stands in for; except that
 * ry_str_cat cuts a text on a character (snprintf inside one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_str.h"
#include "ry_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Every buffer size from 0 to past the whole: the same length as
 * snprintf("%s%s%s"), and the same text less a character snprintf cut. */
static void
test_cat_is_snprintf_at_every_size(void **state)
{
    (void)state;
    const char *parts[][3] = {{"case|", "0167abc", "|"},
                              {"", "", ""},
                              {"事件|", "杭州", "|r1"},
                              {"a", "", "bc"}};
    for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
        size_t whole =
            strlen(parts[p][0]) + strlen(parts[p][1]) + strlen(parts[p][2]);
        for (size_t size = 0; size <= whole + 2; size++) {
            char got[64], want[64];
            memset(got, 'x', sizeof got);
            memset(want, 'x', sizeof want);
            size_t n = ry_str_cat(size ? got : NULL, size, parts[p][0],
                                  parts[p][1], parts[p][2], (char *)NULL);
            int m = snprintf(size ? want : NULL, size, "%s%s%s", parts[p][0],
                             parts[p][1], parts[p][2]);
            assert_int_equal(n, (size_t)m);
            if (!size) {
                assert_int_equal(got[0], 'x');
                continue;
            }
            ry_text_utf8_scrub(want);
            assert_string_equal(got, want);
            assert_true(ry_text_utf8_valid(got, strlen(got)));
        }
    }
    char one[8];
    assert_int_equal(ry_str_cat(one, sizeof one, (char *)NULL), 0);
    assert_string_equal(one, "");
}

static void
test_u64_is_printf(void **state)
{
    (void)state;
    const uint64_t each[] = {0,           1,           9,
                             10,          99,          100,
                             4294967295u, 4294967296u, 10000000000000000000u,
                             UINT64_MAX};
    for (size_t i = 0; i < sizeof each / sizeof each[0]; i++) {
        char got[RY_STR_U64], want[RY_STR_U64];
        snprintf(want, sizeof want, "%" PRIu64, each[i]);
        assert_ptr_equal(ry_str_u64(got, each[i]), got);
        assert_string_equal(got, want);
    }
}

static void
test_hex64_is_printf(void **state)
{
    (void)state;
    const uint64_t each[] = {0, 1, 0xabcdef, 0x0123456789abcdefu, UINT64_MAX};
    for (size_t i = 0; i < sizeof each / sizeof each[0]; i++) {
        char got[17], want[17];
        snprintf(want, sizeof want, "%016" PRIx64, each[i]);
        ry_str_hex64(got, each[i]);
        assert_string_equal(got, want);
    }
}

/* The two-part key: the bytes and length snprintf("%.*s%c%s") gives when
 * it fits, 0 and an empty buffer when it does not, at every size. */
static void
test_key2_is_snprintf_or_nothing(void **state)
{
    (void)state;
    const char *a[] = {"杭州市总工会", "", "0123456789"};
    const char *b[] = {"key-1", "", "x"};
    for (size_t i = 0; i < 3; i++)
        for (size_t amax = 0; amax <= 12; amax += 4)
            for (size_t size = 0; size <= 40; size++) {
                char got[48], want[48];
                memset(got, 'x', sizeof got);
                memset(want, 'x', sizeof want);
                int m = snprintf(want, sizeof want, "%.*s%c%s", (int)amax, a[i],
                                 '\0', b[i]);
                size_t n =
                    ry_str_key2(size ? got : NULL, size, a[i], amax, b[i]);
                if ((size_t)m < size) {
                    assert_int_equal(n, (size_t)m);
                    assert_memory_equal(got, want, (size_t)m + 1);
                } else {
                    assert_int_equal(n, 0);
                    if (size)
                        assert_int_equal(got[0], '\0');
                }
                for (size_t j = size; j < sizeof got; j++)
                    assert_int_equal(got[j], 'x'); /* nothing past size */
            }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cat_is_snprintf_at_every_size),
        cmocka_unit_test(test_u64_is_printf),
        cmocka_unit_test(test_hex64_is_printf),
        cmocka_unit_test(test_key2_is_snprintf_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
