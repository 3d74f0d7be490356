/* test_posting: the public posting (公示) rule of common/ry_posting on the
 * official calendar: earliest ends across holidays and make-up days, the
 * last day a posting can start, the states, warnings and words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ry_calendar.h"
#include "ry_campaign.h"
#include "ry_error.h"
#include "ry_posting.h"
#include "ut_campaign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    ry_calendar_t *cal;
    ry_campaign_t *camp;
} fx_t;

static int
s_setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(ry_calendar_new(&f->cal), 0);
    char err[256];
    assert_int_equal(ry_campaign_load_default(&f->camp, err, sizeof err), 0);
    *state = f;
    return 0;
}

static int
s_teardown(void **state)
{
    fx_t *f = *state;
    ry_campaign_destroy(&f->camp);
    ry_calendar_destroy(&f->cal);
    free(f);
    return 0;
}

static ry_date_t
s_d(const char *s)
{
    ry_date_t d;
    assert_int_equal(ry_date_parse(s, &d), 0);
    return d;
}

static void
s_assert_date(ry_date_t d, const char *want)
{
    char buf[RY_DATE_STRLEN];
    assert_int_equal(ry_date_format(d, buf, sizeof buf), 0);
    assert_string_equal(buf, want);
}

static void
test_last_start_day_meets_each_deadline(void **state)
{
    fx_t *f = *state;
    ry_date_t d;
    /* 30 Nov 2018 is a Friday: Mon 26 .. Fri 30 are the last five. */
    assert_int_equal(ry_posting_last_start(f->cal, s_d("2018-11-30"), 5, &d),
                     0);
    s_assert_date(d, "2018-11-26");
    /* 31 Dec 2018 is a holiday, Sat 29 Dec a make-up day: Tue 25 Dec. */
    assert_int_equal(ry_posting_last_start(f->cal, s_d("2018-12-31"), 5, &d),
                     0);
    s_assert_date(d, "2018-12-25");
    s_assert_date(ry_posting_deadline(f->camp, false), "2018-11-30");
    s_assert_date(ry_posting_deadline(f->camp, true), "2018-12-31");
    assert_int_equal(ry_posting_last_start(f->cal, s_d("2018-11-30"), 0, &d),
                     RY_EINVAL);
}

static void
test_posting_across_national_day_completes_on_9_october(void **state)
{
    fx_t *f = *state;
    ry_posting_t p;
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-09-28",
                                       NULL, s_d("2018-09-28"), &p),
                     0);
    s_assert_date(p.earliest_end, "2018-10-09");
    s_assert_date(p.until, "2018-10-09");
    s_assert_date(p.last_start, "2018-11-26");
    assert_int_equal(p.state, RY_POSTING_UNDER_WAY);
    assert_int_equal(p.planned, -1);
    assert_string_equal(p.warning, "");
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-09-28", "",
                                       s_d("2018-10-08"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_UNDER_WAY);
    /* Complete on its 5th working day itself: a submission that day
     * qualifies (SPEC §6). */
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-09-28", "",
                                       s_d("2018-10-09"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_COMPLETE);
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-09-28", "",
                                       s_d("2018-10-10"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_COMPLETE);
}

static void
test_nomination_across_new_year_is_too_late(void **state)
{
    fx_t *f = *state;
    ry_posting_t p;
    assert_int_equal(ry_posting_assess(f->cal, f->camp, true, "2018-12-27",
                                       NULL, s_d("2018-12-27"), &p),
                     0);
    s_assert_date(p.earliest_end, "2019-01-03");
    s_assert_date(p.deadline, "2018-12-31");
    assert_int_equal(p.state, RY_POSTING_TOO_LATE);
    assert_string_equal(p.warning, RY_POSTING_W_TOO_LATE);
    /* One day earlier it still ends in time: Thu 12-20 .. Wed 12-26. */
    assert_int_equal(ry_posting_assess(f->cal, f->camp, true, "2018-12-20",
                                       NULL, s_d("2018-12-20"), &p),
                     0);
    s_assert_date(p.earliest_end, "2018-12-26");
    assert_int_equal(p.state, RY_POSTING_UNDER_WAY);
}

/* The city extended a unit's deadline to Thu 2019-01-10: its nomination
 * posted from Thu 12-27 (5th working day Thu 01-03) ends in time, and one
 * may start until Fri 01-04 (01-04, 07, 08, 09, 10). */
static void
test_nomination_of_an_extended_unit_meets_its_own_deadline(void **state)
{
    fx_t *f = *state;
    ry_posting_t p;
    assert_int_equal(ry_posting_assess_by(f->cal, f->camp, s_d("2019-01-10"),
                                          "2018-12-27", NULL, s_d("2018-12-27"),
                                          &p),
                     0);
    s_assert_date(p.earliest_end, "2019-01-03");
    s_assert_date(p.deadline, "2019-01-10");
    s_assert_date(p.last_start, "2019-01-04");
    assert_int_equal(p.state, RY_POSTING_UNDER_WAY);
    assert_string_equal(p.warning, "");
    char zh[512], en[512];
    ry_posting_explain(&p, zh, sizeof zh, en, sizeof en);
    assert_non_null(strstr(zh, "截止日期为2019年1月10日（星期四）"));
    assert_non_null(strstr(en, "The deadline is Thursday 10 January 2019"));
    assert_int_equal(ry_posting_assess_by(f->cal, f->camp, s_d("2019-01-10"),
                                          "2018-12-27", NULL, s_d("2019-01-03"),
                                          &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_COMPLETE);
    /* Started on Mon 01-07, it would end on Fri 01-11: too late still. */
    assert_int_equal(ry_posting_assess_by(f->cal, f->camp, s_d("2019-01-10"),
                                          "2019-01-07", NULL, s_d("2019-01-07"),
                                          &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_TOO_LATE);
    /* The campaign's own deadline is what ry_posting_assess judges by. */
    assert_int_equal(ry_posting_assess(f->cal, f->camp, true, "2018-12-27",
                                       NULL, s_d("2018-12-27"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_TOO_LATE);
}

static void
test_late_november_cannot_finish_by_30_november(void **state)
{
    fx_t *f = *state;
    ry_posting_t p;
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-27",
                                       NULL, s_d("2018-11-27"), &p),
                     0);
    s_assert_date(p.earliest_end, "2018-12-03");
    assert_int_equal(p.state, RY_POSTING_TOO_LATE);
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-26",
                                       NULL, s_d("2018-11-26"), &p),
                     0);
    s_assert_date(p.earliest_end, "2018-11-30");
    assert_int_equal(p.state, RY_POSTING_UNDER_WAY);
    /* Started on the last day it could: complete on the deadline day,
     * in time to submit then. */
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-26",
                                       NULL, s_d("2018-11-29"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_UNDER_WAY);
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-26",
                                       NULL, s_d("2018-11-30"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_COMPLETE);
}

static void
test_planned_end_short_or_long(void **state)
{
    fx_t *f = *state;
    ry_posting_t p;
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-20",
                                       "2018-11-23", s_d("2018-11-20"), &p),
                     0);
    assert_int_equal(p.planned, 4);
    assert_string_equal(p.warning, RY_POSTING_W_SHORT);
    s_assert_date(p.earliest_end, "2018-11-26");
    char zh[1024], en[1024];
    ry_posting_explain(&p, zh, sizeof zh, en, sizeof en);
    assert_non_null(strstr(zh, "最早的有效结束日期为2018年11月26日（星期一）"));
    assert_non_null(strstr(en, "the earliest valid end is Monday 26 November "
                               "2018"));
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-20",
                                       "2018-11-26", s_d("2018-11-20"), &p),
                     0);
    assert_int_equal(p.planned, 5);
    assert_string_equal(p.warning, "");
    /* A longer posting is complete on its planned end. */
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-20",
                                       "2018-11-28", s_d("2018-11-27"), &p),
                     0);
    s_assert_date(p.until, "2018-11-28");
    assert_int_equal(p.state, RY_POSTING_UNDER_WAY);
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-20",
                                       "2018-11-28", s_d("2018-11-28"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_COMPLETE);
    /* Planned to end after the deadline. */
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-20",
                                       "2018-12-03", s_d("2018-11-27"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_TOO_LATE);
}

static void
test_no_posting_is_not_started_until_the_last_start_day(void **state)
{
    fx_t *f = *state;
    ry_posting_t p;
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, NULL, NULL,
                                       s_d("2018-11-26"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_NOT_STARTED);
    assert_false(p.has_start);
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "", "",
                                       s_d("2018-11-27"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_TOO_LATE);
    assert_string_equal(ry_posting_state_name(p.state), "too_late");
    assert_string_equal(ry_posting_state_zh(p.state), "已无法按时完成");
}

static void
test_bad_dates_and_missing_years(void **state)
{
    fx_t *f = *state;
    ry_posting_t p;
    ry_date_t t = s_d("2018-11-20");
    assert_int_equal(
        ry_posting_assess(f->cal, f->camp, false, "2018-02-30", "", t, &p),
        RY_EINVAL);
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-20",
                                       "2018-11-19", t, &p),
                     RY_EINVAL);
    assert_int_equal(
        ry_posting_assess(f->cal, f->camp, false, "", "2018-11-19", t, &p),
        RY_EINVAL);
    assert_int_equal(
        ry_posting_assess(f->cal, f->camp, false, "2018-11-2", "", t, &p),
        RY_EINVAL);
    /* 2026-12-28 + 5 working days needs 2027, which the calendar lacks
     * (and, for 2018's campaign, it starts after its deadline: too late,
     * which needs no calendar). */
    assert_int_equal(
        ry_posting_assess(f->cal, f->camp, false, "2026-12-28", "", t, &p),
        RY_ENODATA);
    assert_int_equal(p.missing_year, 2027);
    assert_int_equal(p.state, RY_POSTING_TOO_LATE);
    /* A planned end in 2027 from a start whose 5 days fit in 2026: the
     * count over the planned days names 2027 too. */
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2026-12-01",
                                       "2027-01-08", t, &p),
                     RY_ENODATA);
    assert_int_equal(p.missing_year, 2027);
}

/* A campaign whose deadline falls in a year the calendar lacks (the 2026
 * test campaign with its summary deadline moved to 2027-01-08): a
 * nomination's posting whose working days are all in 2026 is assessed
 * in full, only the last start day is not known; one that is not under
 * way, or that reaches 2027, still names 2027. */
static void
test_deadline_in_a_year_without_data(void **state)
{
    fx_t *f = *state;
    ry_campaign_t *c = ut_campaign_deadline_2027();
    assert_non_null(c);
    ry_posting_t p;
    ry_date_t t = s_d("2027-01-05");
    assert_int_equal(
        ry_posting_assess(f->cal, c, true, "2026-12-14", "2026-12-18", t, &p),
        0);
    assert_false(p.has_last_start);
    assert_int_equal(p.state, RY_POSTING_COMPLETE);
    assert_int_equal(p.planned, 5);
    assert_string_equal(p.warning, "");
    char zh[512], en[512];
    ry_posting_explain(&p, zh, sizeof zh, en, sizeof en);
    assert_non_null(strstr(en, "The deadline is Friday 8 January 2027."));
    assert_null(strstr(en, "must start by"));
    assert_null(strstr(zh, "最迟"));
    assert_int_equal(
        ry_posting_assess(f->cal, c, true, "2026-12-21", "", t, &p), 0);
    assert_false(p.has_last_start);
    assert_int_equal(p.state, RY_POSTING_COMPLETE);
    assert_int_equal(ry_posting_assess(f->cal, c, true, "", "", t, &p),
                     RY_ENODATA);
    assert_int_equal(p.missing_year, 2027);
    assert_int_equal(
        ry_posting_assess(f->cal, c, true, "2026-12-28", "", t, &p),
        RY_ENODATA);
    assert_int_equal(p.missing_year, 2027);
    assert_int_equal(p.state, RY_POSTING_UNDER_WAY);
    assert_string_equal(p.warning, RY_POSTING_W_NODATA);
    ry_posting_explain(&p, zh, sizeof zh, en, sizeof en);
    assert_non_null(strstr(en, "no data for 2027"));
    assert_non_null(strstr(zh, "缺少 2027 年"));
    /* What needs no calendar: one to come is planned; one that starts
     * after the deadline is too late, and says so. */
    assert_int_equal(ry_posting_assess(f->cal, c, true, "2027-01-07", "",
                                       s_d("2027-01-05"), &p),
                     RY_ENODATA);
    assert_int_equal(p.state, RY_POSTING_PLANNED);
    assert_int_equal(ry_posting_assess(f->cal, c, true, "2027-02-08", "",
                                       s_d("2027-02-06"), &p),
                     RY_ENODATA);
    assert_int_equal(p.state, RY_POSTING_TOO_LATE);
    assert_string_equal(p.warning, RY_POSTING_W_TOO_LATE);
    ry_posting_explain(&p, zh, sizeof zh, en, sizeof en);
    assert_non_null(strstr(en, "starts on Monday 8 February 2027, after the "
                               "deadline, Friday 8 January 2027"));
    assert_non_null(strstr(zh, "已无法按时完成"));
    ry_campaign_destroy(&c);
}

/* A posting recorded to start on a day to come is planned until that
 * day, then under way, and its explanation says it is to start. */
static void
test_a_posting_to_come_is_planned(void **state)
{
    fx_t *f = *state;
    ry_posting_t p;
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-26", "",
                                       s_d("2018-11-20"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_PLANNED);
    assert_string_equal(ry_posting_state_name(p.state), "planned");
    assert_string_equal(ry_posting_state_zh(p.state), "公示待开始");
    char zh[1024], en[1024];
    ry_posting_explain(&p, zh, sizeof zh, en, sizeof en);
    assert_non_null(strstr(zh, "公示定于2018年11月26日（星期一）开始"));
    assert_non_null(strstr(en, "is to start on Monday 26 November 2018"));
    assert_int_equal(ry_posting_assess(f->cal, f->camp, false, "2018-11-26", "",
                                       s_d("2018-11-26"), &p),
                     0);
    assert_int_equal(p.state, RY_POSTING_UNDER_WAY);
}

static void
test_dates_in_full(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(ry_posting_date_zh(s_d("2018-11-26"), buf, sizeof buf), 0);
    assert_string_equal(buf, "2018年11月26日（星期一）");
    assert_int_equal(ry_posting_date_en(s_d("2019-01-03"), buf, sizeof buf), 0);
    assert_string_equal(buf, "Thursday 3 January 2019");
    assert_int_equal(ry_posting_date_en(s_d("2019-01-03"), buf, 5), RY_EINVAL);
    ry_date_t bad = {2018, 2, 30};
    assert_int_equal(ry_posting_date_zh(bad, buf, sizeof buf), RY_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_last_start_day_meets_each_deadline,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_posting_across_national_day_completes_on_9_october, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_nomination_across_new_year_is_too_late, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_late_november_cannot_finish_by_30_november, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(
            test_nomination_of_an_extended_unit_meets_its_own_deadline, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(test_planned_end_short_or_long, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(
            test_no_posting_is_not_started_until_the_last_start_day, s_setup,
            s_teardown),
        cmocka_unit_test_setup_teardown(test_bad_dates_and_missing_years,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_deadline_in_a_year_without_data,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_a_posting_to_come_is_planned,
                                        s_setup, s_teardown),
        cmocka_unit_test(test_dates_in_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
