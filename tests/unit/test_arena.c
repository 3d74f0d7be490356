/* Tests of ry_arena: the block allocator under ry_pb and ry_verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_arena.h"

#include <string.h>

/* Every allocation is aligned to 16 and apart from the others, small
 * ones and ones larger than any block so far alike; after ry_arena_free
 * the arena is empty and serves again. */
static void
test_allocations_are_aligned_and_apart_and_freed_together(void **state)
{
    (void)state;
    ry_arena_t a = {0};
    static const size_t sizes[] = {1, 15, 16, 17, 4000, 100000, 3, 70000};
    unsigned char *p[8];
    for (int i = 0; i < 8; i++) {
        p[i] = ry_arena_alloc(&a, sizes[i]);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % 16, 0);
        memset(p[i], 0xa0 + i, sizes[i]);
    }
    for (int i = 0; i < 8; i++)
        for (size_t k = 0; k < sizes[i]; k++)
            assert_int_equal(p[i][k], 0xa0 + i);
    ry_arena_free(&a);
    assert_null(a.head);
    ry_arena_reserve(&a, 100);
    unsigned char *q = ry_arena_alloc(&a, 96);
    assert_int_equal((uintptr_t)q % 16, 0);
    memset(q, 1, 96);
    ry_arena_free(&a);
    assert_null(a.head);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_allocations_are_aligned_and_apart_and_freed_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
