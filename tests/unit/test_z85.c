/* test_z85: ry_z85 against libzmq's Z85, for random 32 bytes, the
 * extremes, and text that is not Z85. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_keys.h"
#include "ry_z85.h"

#include <sodium.h>
#include <string.h>
#include <zmq.h>

static void
test_same_text_as_libzmq_both_ways(void **state)
{
    (void)state;
    for (int t = 0; t < 5000; t++) {
        uint8_t b[32], back[32];
        if (t < 2)
            memset(b, t ? 0xff : 0, sizeof b);
        else
            randombytes_buf(b, sizeof b);
        char z[RY_Z85_LEN + 1], want[RY_Z85_LEN + 1];
        ry_z85_encode32(b, z);
        assert_non_null(zmq_z85_encode(want, b, sizeof b));
        assert_string_equal(z, want);
        assert_true(ry_z85_decode32(z, back));
        assert_memory_equal(back, b, sizeof b);
    }
}

/* Whatever libzmq refuses, ry_z85 refuses: characters outside the
 * alphabet, groups over 32 bits, a NUL inside. */
static void
test_refuses_what_libzmq_refuses(void **state)
{
    (void)state;
    static const char pool[] = "0aZ.#%$ \"',;\\_`|~\x7f\x80\xff";
    for (int t = 0; t < 20000; t++) {
        char s[RY_Z85_LEN + 1];
        uint8_t r[RY_Z85_LEN];
        randombytes_buf(r, sizeof r);
        for (int i = 0; i < RY_Z85_LEN; i++)
            s[i] = t % 2 ? pool[r[i] % (sizeof pool - 1)]
                         : (char)(r[i] % 95 + 32);
        s[RY_Z85_LEN] = '\0';
        uint8_t a[32], b[32];
        bool ours = ry_z85_decode32(s, a);
        bool theirs = zmq_z85_decode(b, s) != NULL;
        if (ours != theirs)
            fail_msg("'%s': ry_z85 %d, libzmq %d", s, ours, theirs);
        if (ours)
            assert_memory_equal(a, b, sizeof a);
    }
    char over[RY_Z85_LEN + 1];
    memset(over, '#', RY_Z85_LEN);
    over[RY_Z85_LEN] = '\0';
    uint8_t out[32];
    assert_false(ry_z85_decode32(over, out));
    char cut[RY_Z85_LEN + 1] = "0000000000";
    assert_false(ry_z85_decode32(cut, out)); /* its NUL is no digit */
}

/* A key is 40 characters of Z85 that decode. */
static void
test_keys_valid_follows_the_decoder(void **state)
{
    (void)state;
    uint8_t b[32];
    randombytes_buf(b, sizeof b);
    char z[RY_Z85_LEN + 1];
    ry_z85_encode32(b, z);
    assert_true(ry_keys_valid(z));
    z[7] = '"';
    assert_false(ry_keys_valid(z));
    assert_false(ry_keys_valid("short"));
    assert_false(ry_keys_valid(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_text_as_libzmq_both_ways),
        cmocka_unit_test(test_refuses_what_libzmq_refuses),
        cmocka_unit_test(test_keys_valid_follows_the_decoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
