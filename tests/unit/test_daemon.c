/* ry_daemon: the service's descriptor limit raised to its hard limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ry_daemon.h"

#include <sys/resource.h>

static void
test_descriptor_limit_raised_to_the_hard_one(void **state)
{
    (void)state;
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max <= 64)
        skip();
    struct rlimit low = {.rlim_cur = 64, .rlim_max = rl.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    unsigned long n = ry_daemon_files();
    struct rlimit now;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
    rlim_t want = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_max;
    assert_true(now.rlim_cur == want);
    assert_true(now.rlim_max == rl.rlim_max); /* the hard one untouched */
    assert_true(n == (unsigned long)want);
    /* Already there: nothing changes. */
    assert_true(ry_daemon_files() == n);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor_limit_raised_to_the_hard_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
