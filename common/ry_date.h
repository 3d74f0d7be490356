/* ry_date: a civil (proleptic Gregorian) calendar date, without time zone. */
#ifndef RY_DATE_H
#define RY_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A plain value: year 1..9999, month 1..12, day 1..days-in-month.
 * Functions that take a date check it with ry_date_valid() where the
 * header says so; others require a valid date. */
typedef struct {
    int y;
    int m;
    int d;
} ry_date_t;

/* Length of "YYYY-MM-DD" plus the terminating NUL. */
#define RY_DATE_STRLEN 11

/* Returns true when y is a Gregorian leap year. */
bool ry_date_is_leap(int y);

/* Returns the number of days in month m (1..12) of year y, or 0 when m is
 * out of range. */
int ry_date_days_in_month(int y, int m);

/* Returns true when d names a real day in years 1..9999. */
bool ry_date_valid(ry_date_t d);

/* Parses exactly "YYYY-MM-DD" (ten characters, nothing before or after)
 * into *out. Only real dates are accepted: "2018-02-30" and "2018-2-3" are
 * refused. Returns 0, or RY_EINVAL (then *out is untouched). */
int ry_date_parse(const char *s, ry_date_t *out);

/* Parses exactly "YYYY-MM" (a month, e.g. a birth month) into *y and *m.
 * Returns 0, or RY_EINVAL. */
int ry_date_parse_month(const char *s, int *y, int *m);

/* Writes d as "YYYY-MM-DD" into buf (at least RY_DATE_STRLEN bytes).
 * Returns 0, or RY_EINVAL when d is not valid or buf is too small (then
 * buf holds "" when len > 0). */
int ry_date_format(ry_date_t d, char *buf, size_t len);

/* Returns the days from 1970-01-01 to d (negative before it). d must be
 * valid. */
int64_t ry_date_to_days(ry_date_t d);

/* Returns the date 'days' days after 1970-01-01. The result is valid when
 * it falls in years 1..9999; check with ry_date_valid() otherwise. */
ry_date_t ry_date_from_days(int64_t days);

/* Returns the ISO day of week of d: 1 = Monday .. 7 = Sunday. */
int ry_date_weekday(ry_date_t d);

/* Returns d moved by n days (n may be negative). */
ry_date_t ry_date_add_days(ry_date_t d, int64_t n);

/* Returns d moved by n calendar months (n may be negative), the day
 * clamped to the month's end: 2018-01-31 + 1 month is 2018-02-28. The
 * result is valid when it falls in years 1..9999. */
ry_date_t ry_date_add_months(ry_date_t d, int n);

/* Returns d moved by n years; 29 February becomes 1 March when the target
 * year is not a leap year (so a period counted from 2016-02-29 is complete
 * on 2018-03-01, never before the day it began). */
ry_date_t ry_date_add_years(ry_date_t d, int n);

/* The instant 'minute' minutes into local date d at a fixed UTC offset
 * (milliseconds since the epoch); minute may be 1440 or more. */
int64_t ry_date_to_epoch_ms(ry_date_t d, int minute, int utc_offset_minutes);

/* Returns <0, 0 or >0 as a is before, equal to, or after b. */
int ry_date_compare(ry_date_t a, ry_date_t b);

/* Returns the number of days from a to b (b - a). */
int64_t ry_date_diff_days(ry_date_t a, ry_date_t b);

/* Converts an instant (milliseconds since 1970-01-01T00:00:00Z) to the
 * civil date and minute of day at a fixed offset from UTC, e.g. +480 for
 * Asia/Shanghai (which has had no daylight saving time since 1991).
 * minute_of_day may be NULL. Returns 0, or RY_EINVAL when the date falls
 * outside years 1..9999. */
int ry_date_from_epoch_ms(int64_t ms, int utc_offset_minutes, ry_date_t *out,
                          int *minute_of_day);

#endif
