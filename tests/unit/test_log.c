/* Tests of ry_log: a line goes out at once, one write each; between
 * ry_log_hold and ry_log_flush the lines wait and go out together, in
 * order, whole; more than the hold keeps goes out before it overflows;
 * a rewind drops the held lines since its mark; control characters
 * are escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_log.h"
#include "ut_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static ut_stderr_t s_err;

/* stderr goes to a temporary file for the test. */
static int
s_setup(void **state)
{
    (void)state;
    ry_log_init("test");
    return ut_stderr_capture(&s_err);
}

static int
s_teardown(void **state)
{
    (void)state;
    ut_stderr_release(&s_err);
    return 0;
}

/* What stderr holds so far, NUL-terminated (the caller frees it). */
static char *
s_written(void)
{
    char *buf = ut_stderr_text(&s_err);
    assert_non_null(buf);
    return buf;
}

/* The seconds of the clock ry_log stamps lines with (gettimeofday).
 * time() reads the kernel's coarse clock, which may still show the
 * second before for a tick after the stamp has passed into the next. */
static time_t
s_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec;
}

/* The line at 'line' begins with the UTC time, to the millisecond,
 * between before and after. */
static void
s_assert_stamp(const char *line, time_t before, time_t after)
{
    struct tm tm = {0};
    int ms = -1, used = 0;
    assert_int_equal(sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ %n",
                            &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                            &tm.tm_min, &tm.tm_sec, &ms, &used),
                     7);
    assert_int_equal(used, 25);
    assert_true(ms >= 0 && ms <= 999);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t at = timegm(&tm);
    assert_true(at >= before && at <= after);
}

static void
test_lines_wait_for_the_flush(void **state)
{
    (void)state;
    time_t before = s_now();
    ry_log_write(RY_LOG_INFO, "0123456789abcdef", "first %d", 1);
    time_t after = s_now();
    char *out = s_written();
    assert_non_null(strstr(out, " INFO test 0123456789abcdef first 1\n"));
    s_assert_stamp(out, before, after);
    free(out);
    /* Once the clock has passed into the next second, a line shows it
     * (the time to the second is kept from line to line). */
    while (s_now() == after)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    before = s_now();
    ry_log_write(RY_LOG_INFO, NULL, "next second");
    after = s_now();
    out = s_written();
    char *line = strstr(out, "first 1\n");
    assert_non_null(line);
    s_assert_stamp(line + strlen("first 1\n"), before, after);
    free(out);

    ry_log_hold();
    ry_log_write(RY_LOG_WARN, NULL, "held %s", "a");
    ry_log_write(RY_LOG_ERROR, NULL, "held %s", "b");
    out = s_written();
    assert_null(strstr(out, "held"));
    free(out);
    ry_log_flush();
    out = s_written();
    char *a = strstr(out, " WARN test - held a\n");
    char *b = strstr(out, " ERROR test - held b\n");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    free(out);

    /* After the flush, lines go out at once again. */
    ry_log_write(RY_LOG_INFO, NULL, "after");
    out = s_written();
    assert_non_null(strstr(out, " INFO test - after\n"));
    free(out);
}

/* The text after the case id of the last line written. */
static char *
s_last_text(void)
{
    char *out = s_written();
    size_t n = strlen(out);
    assert_true(n > 0 && out[n - 1] == '\n');
    out[n - 1] = '\0';
    char *line = strrchr(out, '\n');
    line = line ? line + 1 : out;
    const char *after = strstr(line, " test - ");
    assert_non_null(after);
    char *text = strdup(after + strlen(" test - "));
    free(out);
    return text;
}

#define S_SAME_AS_PRINTF(...)                                                  \
    do {                                                                       \
        char want[2048];                                                       \
        snprintf(want, sizeof want, __VA_ARGS__);                              \
        ry_log_write(RY_LOG_INFO, NULL, __VA_ARGS__);                          \
        char *got = s_last_text();                                             \
        assert_string_equal(got, want);                                        \
        free(got);                                                             \
    } while (0)

/* A line's text is what printf makes of it, whether ry_log formats it
 * itself (%s, %d, %u, with l or z, and %%) or leaves it to vsnprintf (any
 * other conversion), and a line too long is cut as vsnprintf cuts it. */
static void
test_text_as_printf_makes_it(void **state)
{
    (void)state;
    const char *volatile none = NULL; /* unknown to the compiler */
    S_SAME_AS_PRINTF("plain");
    S_SAME_AS_PRINTF("%s: %s -> %s by %s", "submit", "DRAFT", "SUBMITTED",
                     "org-1");
    S_SAME_AS_PRINTF("%d %d %u %u", 0, -2147483647 - 1, 0u, 4294967295u);
    S_SAME_AS_PRINTF("%ld %lu %zu %zd", -9223372036854775807L - 1,
                     18446744073709551615UL, (size_t)12345, (ssize_t)-7);
    S_SAME_AS_PRINTF("100%% of %s%s", "", "二〇一八");
    S_SAME_AS_PRINTF("%s", none);
    S_SAME_AS_PRINTF("%5d|%-3s|%x|%.2f|%c|%03u", 42, "a", 255u, 1.5, 'z', 7u);
    S_SAME_AS_PRINTF("%s and %x", "mixed", 16u);
    /* Cut: the same text through each way ends at the same byte, the
     * line at 2,047 bytes with its newline. */
    char big[3000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ry_log_write(RY_LOG_INFO, NULL, "cut %s %d", big, 5);
    char *fast = s_last_text();
    ry_log_write(RY_LOG_INFO, NULL, "cut %.2999s %x", big, 5u);
    char *slow = s_last_text();
    assert_string_equal(fast, slow);
    assert_true(strlen(fast) > 1900 && strlen(fast) < 2047);
    char *out = s_written();
    size_t n = strlen(out);
    const char *line = out + n - 1;
    while (line > out && line[-1] != '\n')
        line--;
    assert_int_equal(n - (size_t)(line - out), 2047);
    free(out);
    free(fast);
    free(slow);
}

static void
test_a_full_hold_goes_out_before_it_overflows(void **state)
{
    (void)state;
    char big[1500];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ry_log_hold();
    for (int i = 0; i < 100; i++) /* ~150 KiB: more than the hold keeps */
        ry_log_write(RY_LOG_INFO, NULL, "line %03d %s", i, big);
    char *out = s_written();
    int early = ut_count(out, big);
    free(out);
    assert_true(early > 0 && early < 100);
    ry_log_flush();
    out = s_written();
    assert_int_equal(ut_count(out, big), 100);
    /* Whole lines, in order. */
    const char *p = out;
    for (int i = 0; i < 100; i++) {
        char want[32];
        snprintf(want, sizeof want, "line %03d x", i);
        p = strstr(p, want);
        assert_non_null(p);
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_int_equal((size_t)(nl - p), strlen(want) - 1 + strlen(big));
    }
    free(out);
}

static void
test_a_rewind_drops_the_lines_since_its_mark(void **state)
{
    (void)state;
    ry_log_hold();
    ry_log_write(RY_LOG_INFO, NULL, "kept before");
    uint64_t m = ry_log_mark();
    ry_log_write(RY_LOG_INFO, NULL, "undone one");
    ry_log_write(RY_LOG_INFO, NULL, "undone two");
    ry_log_rewind(m);
    ry_log_write(RY_LOG_INFO, NULL, "kept after");
    ry_log_flush();
    char *out = s_written();
    char *a = strstr(out, " INFO test - kept before\n");
    char *b = strstr(out, " INFO test - kept after\n");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    assert_null(strstr(out, "undone"));
    free(out);

    /* Lines that went out with a full hold stay out; the rest since the
     * mark are dropped. */
    char big[1500];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ry_log_hold();
    m = ry_log_mark();
    for (int i = 0; i < 60; i++) /* ~90 KiB: one overflow */
        ry_log_write(RY_LOG_INFO, NULL, "redo %03d %s", i, big);
    out = s_written();
    int early = ut_count(out, big);
    free(out);
    assert_true(early > 0 && early < 60);
    ry_log_rewind(m);
    ry_log_write(RY_LOG_INFO, NULL, "last");
    ry_log_flush();
    out = s_written();
    assert_int_equal(ut_count(out, big), early);
    assert_non_null(strstr(out, " INFO test - last\n"));
    free(out);
}

/* A text a client sent (an organisation, a URL, a user's name) that
 * holds CR, LF or another control character is written escaped: each
 * event stays one line, and none can be forged in the log. A line that
 * must be cut is cut before an escape, never inside one. */
static void
test_control_characters_cannot_forge_a_line(void **state)
{
    (void)state;
    char *before = s_written();
    size_t lines_before = (size_t)ut_count(before, "\n");
    free(before);
    ry_log_write(RY_LOG_INFO, NULL, "subscribed %s: webhook %s by %s",
                 "a\r\n2026-12-08T03:01:14.386Z ERROR test - forged",
                 "http://x/\x1b[31m", "u\tv\x7f");
    char *out = s_written();
    assert_int_equal((size_t)ut_count(out, "\n"), lines_before + 1);
    free(out);
    char *got = s_last_text();
    assert_string_equal(got, "subscribed a\\r\\n2026-12-08T03:01:14.386Z ERROR "
                             "test - forged: webhook http://x/\\x1b[31m by "
                             "u\\tv\\x7f");
    free(got);

    /* Cut at the line's bound: whole escapes only. */
    char big[2100];
    memset(big, '\n', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ry_log_write(RY_LOG_INFO, NULL, "%s", big);
    out = s_written();
    assert_int_equal((size_t)ut_count(out, "\n"), lines_before + 2);
    free(out);
    got = s_last_text();
    size_t n = strlen(got);
    assert_true(n > 1900 && n % 2 == 0);
    for (size_t i = 0; i < n; i += 2)
        assert_true(got[i] == '\\' && got[i + 1] == 'n');
    free(got);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_wait_for_the_flush),
        cmocka_unit_test(test_text_as_printf_makes_it),
        cmocka_unit_test(test_a_full_hold_goes_out_before_it_overflows),
        cmocka_unit_test(test_a_rewind_drops_the_lines_since_its_mark),
        cmocka_unit_test(test_control_characters_cannot_forge_a_line),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
