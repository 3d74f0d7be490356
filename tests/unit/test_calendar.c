/* Tests of ry_date and ry_calendar: every day 2018..2026 against the
 * reference list, the SPEC example, unknown years, loading a new year. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ry_calendar.h"
#include "ry_date.h"
#include "ry_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REFERENCE RY_SHARED_DIR "/calendar/cn-holidays-2018-2026.csv"

static ry_date_t
s_d(const char *s)
{
    ry_date_t d = {0, 0, 0};
    assert_int_equal(ry_date_parse(s, &d), 0);
    return d;
}

static void
s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* ---------------------------------------------------------------- date */

static void
test_date_parse_accepts_real_dates(void **state)
{
    (void)state;
    ry_date_t d;
    assert_int_equal(ry_date_parse("2018-09-28", &d), 0);
    assert_int_equal(d.y, 2018);
    assert_int_equal(d.m, 9);
    assert_int_equal(d.d, 28);
    assert_int_equal(ry_date_parse("2020-02-29", &d), 0);
    assert_int_equal(ry_date_parse("2000-02-29", &d), 0);
}

static void
test_date_parse_refuses_unreal_or_loose_dates(void **state)
{
    (void)state;
    const char *bad[] = {"2018-02-30", "2019-02-29", "1900-02-29",
                         "2018-13-01", "2018-00-10", "2018-04-31",
                         "2018-9-28",  "2018-09-28 ", " 2018-09-28",
                         "2018/09/28", "20180928",   "",
                         "2018-09-2x", "0000-01-01", "2018-09-280"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ry_date_t d = {1, 1, 1};
        assert_int_equal(ry_date_parse(bad[i], &d), RY_EINVAL);
        assert_int_equal(d.y, 1); /* untouched */
    }
    assert_int_equal(ry_date_parse(NULL, NULL), RY_EINVAL);
}

static void
test_date_format_weekday_and_arithmetic(void **state)
{
    (void)state;
    char buf[RY_DATE_STRLEN];
    assert_int_equal(ry_date_format(s_d("2018-10-09"), buf, sizeof buf), 0);
    assert_string_equal(buf, "2018-10-09");
    assert_int_equal(ry_date_format(s_d("2018-10-09"), buf, 10), RY_EINVAL);
    /* Every year's digits, with leading zeros, and each end of the range. */
    const ry_date_t each[] = {{1, 1, 1},   {9, 2, 3},      {10, 10, 10},
                              {987, 6, 5}, {1999, 12, 31}, {9999, 12, 31}};
    const char *want[] = {"0001-01-01", "0009-02-03", "0010-10-10",
                          "0987-06-05", "1999-12-31", "9999-12-31"};
    for (size_t i = 0; i < sizeof each / sizeof each[0]; i++) {
        assert_int_equal(ry_date_format(each[i], buf, sizeof buf), 0);
        assert_string_equal(buf, want[i]);
        ry_date_t back;
        assert_int_equal(ry_date_parse(buf, &back), 0);
        assert_true(back.y == each[i].y && back.m == each[i].m &&
                    back.d == each[i].d);
    }
    ry_date_t past = {10000, 1, 1}, zero = {0, 1, 1};
    assert_int_equal(ry_date_format(past, buf, sizeof buf), RY_EINVAL);
    assert_string_equal(buf, "");
    assert_int_equal(ry_date_format(zero, buf, sizeof buf), RY_EINVAL);
    ry_date_t bad = {2018, 2, 30};
    assert_int_equal(ry_date_format(bad, buf, sizeof buf), RY_EINVAL);

    assert_int_equal(ry_date_weekday(s_d("2018-09-28")), 5); /* Friday */
    assert_int_equal(ry_date_weekday(s_d("1970-01-01")), 4); /* Thursday */
    assert_int_equal(ry_date_weekday(s_d("2026-12-31")), 4);
    assert_int_equal(ry_date_weekday(s_d("2024-03-03")), 7);

    assert_int_equal(ry_date_to_days(s_d("1970-01-01")), 0);
    assert_int_equal(ry_date_compare(ry_date_add_days(s_d("2018-12-31"), 1),
                                     s_d("2019-01-01")),
                     0);
    assert_int_equal(ry_date_compare(ry_date_add_days(s_d("2020-03-01"), -1),
                                     s_d("2020-02-29")),
                     0);
    assert_int_equal(ry_date_diff_days(s_d("2018-01-01"), s_d("2019-01-01")),
                     365);
    assert_true(ry_date_compare(s_d("2018-11-30"), s_d("2018-12-01")) < 0);
    assert_true(ry_date_compare(s_d("2019-01-01"), s_d("2018-12-31")) > 0);

    /* Round trip over a wide span of days. */
    for (int64_t n = -719000; n <= 2900000; n += 997) {
        ry_date_t d = ry_date_from_days(n);
        assert_true(ry_date_valid(d));
        assert_int_equal(ry_date_to_days(d), n);
    }
}

static void
test_date_from_epoch_ms_uses_offset(void **state)
{
    (void)state;
    ry_date_t d;
    int minute;
    /* 2018-11-30T15:59:00Z is 23:59 in Shanghai; a minute later is the
     * 1st of December there. */
    int64_t ms = (ry_date_to_days(s_d("2018-11-30")) * 86400 + 15 * 3600 +
                  59 * 60) * 1000;
    assert_int_equal(ry_date_from_epoch_ms(ms, 480, &d, &minute), 0);
    assert_int_equal(ry_date_compare(d, s_d("2018-11-30")), 0);
    assert_int_equal(minute, 23 * 60 + 59);
    assert_int_equal(ry_date_from_epoch_ms(ms + 60000, 480, &d, &minute), 0);
    assert_int_equal(ry_date_compare(d, s_d("2018-12-01")), 0);
    assert_int_equal(minute, 0);
    assert_int_equal(ry_date_from_epoch_ms(-1, 0, &d, NULL), 0);
    assert_int_equal(ry_date_compare(d, s_d("1969-12-31")), 0);
}

static void
test_date_add_months_years_and_instants(void **state)
{
    (void)state;
    char b[RY_DATE_STRLEN];
    static const struct {
        const char *from;
        int months;
        const char *to;
    } m[] = {{"2018-10-29", 1, "2018-11-29"},  {"2019-01-31", 1, "2019-02-28"},
             {"2020-01-31", 1, "2020-02-29"},  {"2018-12-15", 1, "2019-01-15"},
             {"2018-03-31", 1, "2018-04-30"},  {"2018-12-31", 14, "2020-02-29"},
             {"2018-03-31", -1, "2018-02-28"}, {"2018-01-15", -1, "2017-12-15"},
             {"2018-05-20", 0, "2018-05-20"}};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        ry_date_format(ry_date_add_months(s_d(m[i].from), m[i].months), b,
                       sizeof b);
        assert_string_equal(b, m[i].to);
    }
    static const struct {
        const char *from;
        int years;
        const char *to;
    } y[] = {{"2016-02-29", 2, "2018-03-01"},
             {"2016-02-29", 4, "2020-02-29"},
             {"2016-10-15", 2, "2018-10-15"},
             {"2017-02-28", 1, "2018-02-28"}};
    for (size_t i = 0; i < sizeof y / sizeof y[0]; i++) {
        ry_date_format(ry_date_add_years(s_d(y[i].from), y[i].years), b,
                       sizeof b);
        assert_string_equal(b, y[i].to);
    }
    /* 2018-11-30 00:00 in Shanghai is 2018-11-29T16:00Z; the instant reads
     * back as the same local date and minute. */
    int64_t ms = ry_date_to_epoch_ms(s_d("2018-11-30"), 0, 480);
    assert_int_equal(
        ms, (ry_date_to_days(s_d("2018-11-29")) * 86400 + 16 * 3600) * 1000LL);
    ry_date_t d;
    int minute;
    assert_int_equal(ry_date_from_epoch_ms(ms - 1, 480, &d, &minute), 0);
    assert_int_equal(ry_date_compare(d, s_d("2018-11-29")), 0);
    assert_int_equal(minute, 1439);
}

/* ------------------------------------------------------------ calendar */

/* Reads the reference list: kind per date (1 off, 2 work). */
typedef struct {
    ry_date_t date;
    int kind;
} s_ref_t;

static size_t
s_read_reference(s_ref_t *out, size_t cap)
{
    FILE *f = fopen(REFERENCE, "r");
    assert_non_null(f);
    char line[256];
    size_t n = 0;
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(strncmp(line, "date,kind,name", 14), 0);
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '\n')
            continue;
        assert_true(n < cap);
        char ds[11];
        memcpy(ds, line, 10);
        ds[10] = '\0';
        out[n].date = s_d(ds);
        assert_true(line[10] == ',');
        if (strncmp(line + 11, "off,", 4) == 0)
            out[n].kind = 1;
        else if (strncmp(line + 11, "work,", 5) == 0)
            out[n].kind = 2;
        else
            fail_msg("bad reference line %s", line);
        n++;
    }
    fclose(f);
    return n;
}

static void
test_every_day_2018_2026_matches_reference(void **state)
{
    (void)state;
    static s_ref_t ref[2000];
    size_t nref = s_read_reference(ref, 2000);
    assert_true(nref > 250);
    ry_calendar_t *cal = NULL;
    assert_int_equal(ry_calendar_new(&cal), 0);
    size_t r = 0, days = 0, workdays = 0;
    for (ry_date_t d = s_d("2018-01-01");
         ry_date_compare(d, s_d("2026-12-31")) <= 0;
         d = ry_date_add_days(d, 1)) {
        bool expect = ry_date_weekday(d) <= 5;
        if (r < nref && ry_date_compare(ref[r].date, d) == 0)
            expect = ref[r++].kind == 2;
        bool got = !expect;
        assert_int_equal(ry_calendar_is_workday(cal, d, &got), 0);
        if (got != expect) {
            char b[RY_DATE_STRLEN];
            ry_date_format(d, b, sizeof b);
            fail_msg("%s: calendar says %s, reference %s", b,
                     got ? "work" : "off", expect ? "work" : "off");
        }
        days++;
        workdays += got;
    }
    assert_int_equal(r, nref); /* every reference line was visited */
    assert_int_equal(days, 3287);
    /* The year totals must agree with counting. */
    int count = 0;
    assert_int_equal(ry_calendar_count_workdays(cal, s_d("2018-01-01"),
                                                s_d("2026-12-31"), &count),
                     0);
    assert_int_equal((size_t)count, workdays);
    ry_calendar_destroy(&cal);
    assert_null(cal);
    ry_calendar_destroy(&cal); /* twice is fine */
}

static void
test_spec_example_fifth_working_day(void **state)
{
    (void)state;
    ry_calendar_t *cal = NULL;
    assert_int_equal(ry_calendar_new(&cal), 0);
    ry_date_t out;
    char b[RY_DATE_STRLEN];
    assert_int_equal(
        ry_calendar_add_workdays(cal, s_d("2018-09-28"), 5, &out), 0);
    ry_date_format(out, b, sizeof b);
    assert_string_equal(b, "2018-10-09");
    /* One short: the 4th is Monday 10-08. */
    assert_int_equal(
        ry_calendar_add_workdays(cal, s_d("2018-09-28"), 4, &out), 0);
    ry_date_format(out, b, sizeof b);
    assert_string_equal(b, "2018-10-08");
    /* From a holiday the count starts at the next working day. */
    assert_int_equal(
        ry_calendar_add_workdays(cal, s_d("2018-10-01"), 1, &out), 0);
    ry_date_format(out, b, sizeof b);
    assert_string_equal(b, "2018-10-08");

    int n = 0;
    assert_int_equal(ry_calendar_count_workdays(cal, s_d("2018-09-28"),
                                                s_d("2018-10-09"), &n),
                     0);
    assert_int_equal(n, 5);
    assert_int_equal(ry_calendar_count_workdays(cal, s_d("2018-09-28"),
                                                s_d("2018-10-08"), &n),
                     0);
    assert_int_equal(n, 4);
    /* New Year 2019: Sat 12-29 worked, 12-30..01-01 off. */
    assert_int_equal(ry_calendar_count_workdays(cal, s_d("2018-12-27"),
                                                s_d("2019-01-03"), &n),
                     0);
    assert_int_equal(n, 5); /* 27, 28, 29, 02, 03 */
    assert_int_equal(ry_calendar_count_workdays(cal, s_d("2018-10-09"),
                                                s_d("2018-10-09"), &n),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(ry_calendar_count_workdays(cal, s_d("2018-10-09"),
                                                s_d("2018-10-08"), &n),
                     RY_EINVAL);
    assert_int_equal(
        ry_calendar_add_workdays(cal, s_d("2018-09-28"), 0, &out),
        RY_EINVAL);

    /* Reminders: n working days before a date. */
    assert_int_equal(
        ry_calendar_workdays_before(cal, s_d("2018-10-08"), 1, &out), 0);
    ry_date_format(out, b, sizeof b);
    assert_string_equal(b, "2018-09-30");
    assert_int_equal(
        ry_calendar_workdays_before(cal, s_d("2018-11-30"), 3, &out), 0);
    ry_date_format(out, b, sizeof b);
    assert_string_equal(b, "2018-11-27");
    ry_calendar_destroy(&cal);
}

/* The n-th working day from d by step (+1, -1), d included, found one
 * day at a time with ry_calendar_is_workday: what the counts must give. */
static int
s_walk_by_days(const ry_calendar_t *cal, ry_date_t d, int n, int step,
               ry_date_t *out)
{
    for (;;) {
        bool w;
        int rc = ry_calendar_is_workday(cal, d, &w);
        if (rc)
            return rc;
        if (w && --n == 0) {
            *out = d;
            return 0;
        }
        d = ry_date_add_days(d, step);
    }
}

/* Adding, going back and counting working days from every day in
 * [first, last], by up to 300 working days (past year ends, and past the
 * known years: RY_ENODATA), agree with a walk one day at a time; so does
 * the count of every range that starts on the 1st, the 13th or the 28th
 * of a month and runs up to 800 days within [first, last]. */
static void
s_check_counts(const ry_calendar_t *cal, ry_date_t first, ry_date_t last)
{
    static const int ns[] = {1, 2, 3, 5, 7, 10, 20, 47, 120, 251, 300};
    for (ry_date_t d = first; ry_date_compare(d, last) <= 0;
         d = ry_date_add_days(d, 1)) {
        for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
            ry_date_t got = {0, 0, 0}, want = {0, 0, 0};
            int rc = ry_calendar_add_workdays(cal, d, ns[k], &got);
            int wrc = s_walk_by_days(cal, d, ns[k], 1, &want);
            assert_int_equal(rc, wrc);
            if (!rc)
                assert_int_equal(ry_date_compare(got, want), 0);
            rc = ry_calendar_workdays_before(cal, d, ns[k], &got);
            wrc =
                s_walk_by_days(cal, ry_date_add_days(d, -1), ns[k], -1, &want);
            assert_int_equal(rc, wrc);
            if (!rc)
                assert_int_equal(ry_date_compare(got, want), 0);
        }
        if (d.d != 1 && d.d != 13 && d.d != 28)
            continue;
        int walked = 0;
        ry_date_t e = d;
        for (int len = 0; len < 800 && ry_date_compare(e, last) <= 0; len++) {
            bool w;
            assert_int_equal(ry_calendar_is_workday(cal, e, &w), 0);
            walked += w;
            int n = -1;
            assert_int_equal(ry_calendar_count_workdays(cal, d, e, &n), 0);
            assert_int_equal(n, walked);
            e = ry_date_add_days(e, 1);
        }
    }
}

/* The counts agree with a walk day by day on the built-in years, and on
 * years loaded from a file: a leap year with no year before it known
 * (2028 without 2027), and a built-in leap year the file replaces. */
static void
test_counts_agree_with_a_walk_day_by_day(void **state)
{
    (void)state;
    ry_calendar_t *cal = NULL;
    assert_int_equal(ry_calendar_new(&cal), 0);
    s_check_counts(cal, s_d("2018-01-01"), s_d("2026-12-31"));
    char dir[] = "/tmp/ry_cal_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/more.csv", dir);
    /* Invented for the test. */
    s_write(path, "date,kind,name\n"
                  "2020-02-28,off,x\n"
                  "2020-02-29,work,x\n"
                  "2020-12-31,off,x\n"
                  "2028-01-03,off,x\n"
                  "2028-02-29,off,x\n"
                  "2028-12-30,work,x\n");
    char err[256];
    assert_int_equal(ry_calendar_load_file(cal, path, err, sizeof err), 0);
    assert_false(ry_calendar_has_year(cal, 2027));
    s_check_counts(cal, s_d("2019-01-01"), s_d("2021-12-31"));
    s_check_counts(cal, s_d("2028-01-01"), s_d("2028-12-31"));
    ry_calendar_destroy(&cal);
    unlink(path);
    rmdir(dir);
}

static void
test_year_without_data_is_nodata(void **state)
{
    (void)state;
    ry_calendar_t *cal = NULL;
    assert_int_equal(ry_calendar_new(&cal), 0);
    bool w;
    ry_date_t out;
    int n;
    assert_false(ry_calendar_has_year(cal, 2027));
    assert_true(ry_calendar_has_year(cal, 2018));
    assert_int_equal(ry_calendar_is_workday(cal, s_d("2027-03-01"), &w),
                     RY_ENODATA);
    assert_int_equal(ry_calendar_is_workday(cal, s_d("2017-12-29"), &w),
                     RY_ENODATA);
    /* A walk or a count that reaches into 2027 has no answer. */
    assert_int_equal(
        ry_calendar_add_workdays(cal, s_d("2026-12-28"), 10, &out),
        RY_ENODATA);
    assert_int_equal(ry_calendar_count_workdays(cal, s_d("2026-12-30"),
                                                s_d("2027-01-05"), &n),
                     RY_ENODATA);
    assert_int_equal(
        ry_calendar_workdays_before(cal, s_d("2018-01-03"), 5, &out),
        RY_ENODATA);
    /* The year such a walk back lacks: the one before, or its own. */
    assert_int_equal(ry_calendar_year_missing_before(cal, s_d("2018-01-03")),
                     2017);
    assert_int_equal(
        ry_calendar_workdays_before(cal, s_d("2027-01-15"), 3, &out),
        RY_ENODATA);
    assert_int_equal(ry_calendar_year_missing_before(cal, s_d("2027-01-15")),
                     2027);
    ry_date_t bad = {2018, 2, 30};
    assert_int_equal(ry_calendar_is_workday(cal, bad, &w), RY_EINVAL);
    ry_calendar_destroy(&cal);
}

static void
test_loading_2027_file_makes_year_known(void **state)
{
    (void)state;
    char dir[] = "/tmp/ry_cal_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/2027.csv", dir);
    /* Invented for the test: a Friday holiday and a Saturday workday,
     * plus a replacement of one 2026 date. */
    s_write(path, "\xEF\xBB\xBF" "date,kind,name\r\n"
                  "2027-01-01,off,元旦\r\n"
                  "2027-02-06,work,春节\r\n"
                  "\r\n");
    ry_calendar_t *cal = NULL;
    assert_int_equal(ry_calendar_new(&cal), 0);
    char err[256];
    assert_int_equal(ry_calendar_load_file(cal, path, err, sizeof err), 0);
    assert_true(ry_calendar_has_year(cal, 2027));
    bool w = true;
    assert_int_equal(ry_calendar_is_workday(cal, s_d("2027-01-01"), &w), 0);
    assert_false(w);
    assert_int_equal(ry_calendar_is_workday(cal, s_d("2027-02-06"), &w), 0);
    assert_true(w);
    assert_int_equal(ry_calendar_is_workday(cal, s_d("2027-01-04"), &w), 0);
    assert_true(w); /* an ordinary Monday */
    assert_int_equal(ry_calendar_is_workday(cal, s_d("2027-01-09"), &w), 0);
    assert_false(w); /* an ordinary Saturday */
    /* Walking across the year end now works. */
    ry_date_t out;
    assert_int_equal(
        ry_calendar_add_workdays(cal, s_d("2026-12-28"), 10, &out), 0);
    char b[RY_DATE_STRLEN];
    ry_date_format(out, b, sizeof b);
    assert_string_equal(b, "2027-01-11"); /* 28..31, 04..08, 11 */
    /* 2026 untouched. */
    assert_int_equal(ry_calendar_is_workday(cal, s_d("2026-10-01"), &w), 0);
    assert_false(w);
    ry_calendar_destroy(&cal);
    unlink(path);
    rmdir(dir);
}

static void
test_bad_calendar_files_are_refused_with_line(void **state)
{
    (void)state;
    char dir[] = "/tmp/ry_cal_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    struct {
        const char *text;
        const char *expect; /* in the message */
    } cases[] = {
        {"day,kind,name\n2027-01-01,off,x\n", "bad.csv:1"},
        {"date,kind,name\n2027-01-01,off,x\n2027-02-30,off,y\n",
         "bad.csv:3"},
        {"date,kind,name\n2027-01-01,holiday,x\n", "bad.csv:2"},
        {"date,kind,name\n2027-01-01\n", "bad.csv:2"},
        {"date,kind,name\n2027-01-01,off,x\n2027-01-01,work,x\n",
         "listed twice"},
        {"", "bad.csv:1"},
    };
    ry_calendar_t *cal = NULL;
    assert_int_equal(ry_calendar_new(&cal), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_write(path, cases[i].text);
        char err[256] = "";
        assert_int_equal(ry_calendar_load_file(cal, path, err, sizeof err),
                         RY_EMALFORMED);
        if (!strstr(err, cases[i].expect))
            fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].expect);
        /* All or nothing: 2027 stays unknown. */
        assert_false(ry_calendar_has_year(cal, 2027));
    }
    char err[256];
    assert_int_equal(
        ry_calendar_load_file(cal, "/nonexistent/x.csv", err, sizeof err),
        RY_EIO);
    assert_non_null(strstr(err, "/nonexistent/x.csv"));
    ry_calendar_destroy(&cal);
    unlink(path);
    rmdir(dir);
}

static void
test_reference_file_itself_loads(void **state)
{
    (void)state;
    ry_calendar_t *cal = NULL;
    assert_int_equal(ry_calendar_new(&cal), 0);
    char err[256];
    assert_int_equal(ry_calendar_load_file(cal, REFERENCE, err, sizeof err),
                     0);
    ry_date_t out;
    assert_int_equal(
        ry_calendar_add_workdays(cal, s_d("2018-09-28"), 5, &out), 0);
    assert_int_equal(ry_date_compare(out, s_d("2018-10-09")), 0);
    ry_calendar_destroy(&cal);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_parse_accepts_real_dates),
        cmocka_unit_test(test_date_parse_refuses_unreal_or_loose_dates),
        cmocka_unit_test(test_date_format_weekday_and_arithmetic),
        cmocka_unit_test(test_date_from_epoch_ms_uses_offset),
        cmocka_unit_test(test_date_add_months_years_and_instants),
        cmocka_unit_test(test_every_day_2018_2026_matches_reference),
        cmocka_unit_test(test_spec_example_fifth_working_day),
        cmocka_unit_test(test_counts_agree_with_a_walk_day_by_day),
        cmocka_unit_test(test_year_without_data_is_nodata),
        cmocka_unit_test(test_loading_2027_file_makes_year_known),
        cmocka_unit_test(test_bad_calendar_files_are_refused_with_line),
        cmocka_unit_test(test_reference_file_itself_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
