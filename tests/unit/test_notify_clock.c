/* test_notify_clock: the settable clock: a clock file read at its
 * modification time, re-read when it changes, with a speed factor; and
 * ry_clock_set. (One binary: the clock is per process.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ry_clock.h"
#include "ut_util.h"

#include <time.h>

static char s_dir[256], s_file[300];

static void
s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int64_t
s_at(const char *text)
{
    int64_t ms;
    assert_int_equal(ry_clock_parse(text, &ms), 0);
    return ms;
}

static void
s_write_clock(const char *text)
{
    char tmp[320];
    snprintf(tmp, sizeof tmp, "%s.tmp", s_file);
    assert_int_equal(ut_write_file(tmp, text), 0);
    assert_int_equal(rename(tmp, s_file), 0);
}

static void
test_clock_file_sets_a_frozen_time(void **state)
{
    (void)state;
    /* Written before the first call: the environment is read then. */
    assert_int_equal(ry_clock_now_ms(), s_at("2018-11-26T10:00"));
    assert_true(ry_clock_speed() == 0);
    s_sleep_ms(80);
    assert_int_equal(ry_clock_now_ms(), s_at("2018-11-26T10:00"));
}

static void
test_clock_file_change_takes_effect(void **state)
{
    (void)state;
    s_write_clock("2018-11-27T10:00:00+08:00 x0\n");
    s_sleep_ms(80);
    assert_int_equal(ry_clock_now_ms(), s_at("2018-11-27T10:00"));
}

static void
test_bad_clock_file_keeps_the_previous_time(void **state)
{
    (void)state;
    s_write_clock("not a time\n");
    s_sleep_ms(80);
    assert_int_equal(ry_clock_now_ms(), s_at("2018-11-27T10:00"));
}

static void
test_speed_factor_runs_the_clock_faster(void **state)
{
    (void)state;
    s_write_clock("2018-11-27T10:00 x3600\n");
    s_sleep_ms(80);
    int64_t a = ry_clock_now_ms();
    s_sleep_ms(200);
    int64_t b = ry_clock_now_ms();
    /* 200 ms real is 12 minutes at 3600x; allow for scheduling. */
    assert_true(b - a >= 600000);
    assert_true(b - a < 3600000);
    assert_true(ry_clock_speed() == 3600);
}

static void
test_clock_set_overrides_the_file(void **state)
{
    (void)state;
    ry_clock_set(s_at("2019-01-01"), 0);
    s_write_clock("2018-11-28T10:00 x0\n");
    s_sleep_ms(80);
    assert_int_equal(ry_clock_now_ms(), s_at("2019-01-01"));
}

static void
test_parse_speed_forms(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(ry_clock_parse("2018-11-30", &ms), 0);
    assert_int_equal(ms, s_at("2018-11-29T16:00:00Z"));
    assert_true(ry_clock_parse("2018-11-31", &ms) < 0);
}

int
main(void)
{
    if (ut_tmpdir(s_dir, sizeof s_dir, "clock") != 0)
        return 1;
    snprintf(s_file, sizeof s_file, "%s/clock", s_dir);
    if (ut_write_file(s_file, "2018-11-26T10:00:00+08:00 x0\n") != 0)
        return 1;
    setenv("RONGYU_CLOCK_FILE", s_file, 1);
    unsetenv("RONGYU_CLOCK");
    unsetenv("RONGYU_CLOCK_SPEED");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_file_sets_a_frozen_time),
        cmocka_unit_test(test_clock_file_change_takes_effect),
        cmocka_unit_test(test_bad_clock_file_keeps_the_previous_time),
        cmocka_unit_test(test_speed_factor_runs_the_clock_faster),
        cmocka_unit_test(test_clock_set_overrides_the_file),
        cmocka_unit_test(test_parse_speed_forms),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    ut_rmtree(s_dir);
    return rc;
}
