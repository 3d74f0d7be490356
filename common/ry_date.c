/* ry_date: civil date arithmetic on the proleptic Gregorian calendar. */
#include "ry_date.h"

#include "ry_error.h"

bool
ry_date_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
ry_date_days_in_month(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30,
                                31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && ry_date_is_leap(y))
        return 29;
    return len[m - 1];
}

bool
ry_date_valid(ry_date_t d)
{
    if (d.y < 1 || d.y > 9999)
        return false;
    return d.d >= 1 && d.d <= ry_date_days_in_month(d.y, d.m);
}

/* Reads n decimal digits from s; returns the value or -1. */
static int
s_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int
ry_date_parse(const char *s, ry_date_t *out)
{
    if (!s || !out)
        return RY_EINVAL;
    for (int i = 0; i < 10; i++)
        if (s[i] == '\0')
            return RY_EINVAL;
    if (s[10] != '\0' || s[4] != '-' || s[7] != '-')
        return RY_EINVAL;
    ry_date_t d = {s_digits(s, 4), s_digits(s + 5, 2), s_digits(s + 8, 2)};
    if (d.y < 0 || d.m < 0 || d.d < 0 || !ry_date_valid(d))
        return RY_EINVAL;
    *out = d;
    return 0;
}

int
ry_date_parse_month(const char *s, int *y, int *m)
{
    if (!s || !y || !m)
        return RY_EINVAL;
    for (int i = 0; i < 7; i++)
        if (s[i] == '\0')
            return RY_EINVAL;
    if (s[7] != '\0' || s[4] != '-')
        return RY_EINVAL;
    int yy = s_digits(s, 4), mm = s_digits(s + 5, 2);
    if (yy < 1 || mm < 1 || mm > 12)
        return RY_EINVAL;
    *y = yy;
    *m = mm;
    return 0;
}

int
ry_date_format(ry_date_t d, char *buf, size_t len)
{
    if (!buf)
        return RY_EINVAL;
    if (len > 0)
        buf[0] = '\0';
    if (len < RY_DATE_STRLEN || !ry_date_valid(d))
        return RY_EINVAL;
    /* By hand: snprintf cost more than the rest of some callers. */
    int v[] = {d.y / 1000, d.y / 100 % 10, d.y / 10 % 10, d.y % 10,
               -1,         d.m / 10,       d.m % 10,      -1,
               d.d / 10,   d.d % 10};
    for (int i = 0; i < 10; i++)
        buf[i] = v[i] < 0 ? '-' : (char)('0' + v[i]);
    buf[10] = '\0';
    return 0;
}

/* Days from 1970-01-01, counting in 400-year eras that start on 1 March
 * so the leap day is the last day of the shifted year. */
int64_t
ry_date_to_days(ry_date_t d)
{
    int64_t y = d.y - (d.m <= 2 ? 1 : 0);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                        /* 0..399 */
    int64_t mp = (d.m + 9) % 12;                        /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d.d - 1;         /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
    return era * 146097 + doe - 719468;
}

ry_date_t
ry_date_from_days(int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    ry_date_t r;
    r.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    r.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    r.y = (int)(yoe + era * 400 + (r.m <= 2 ? 1 : 0));
    return r;
}

int
ry_date_weekday(ry_date_t d)
{
    int64_t days = ry_date_to_days(d); /* 1970-01-01 was a Thursday (4) */
    int64_t w = (days % 7 + 7) % 7;    /* 0 = Thursday */
    return (int)((w + 3) % 7) + 1;
}

ry_date_t
ry_date_add_days(ry_date_t d, int64_t n)
{
    return ry_date_from_days(ry_date_to_days(d) + n);
}

int
ry_date_compare(ry_date_t a, ry_date_t b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    if (a.d != b.d)
        return a.d < b.d ? -1 : 1;
    return 0;
}

ry_date_t
ry_date_add_months(ry_date_t d, int n)
{
    int64_t m0 = (int64_t)d.y * 12 + (d.m - 1) + n;
    ry_date_t r = {(int)(m0 / 12), (int)(m0 % 12) + 1, d.d};
    int dim = ry_date_days_in_month(r.y, r.m);
    if (r.d > dim)
        r.d = dim;
    return r;
}

ry_date_t
ry_date_add_years(ry_date_t d, int n)
{
    ry_date_t r = {d.y + n, d.m, d.d};
    if (d.m == 2 && d.d == 29 && !ry_date_is_leap(r.y)) {
        r.m = 3;
        r.d = 1;
    }
    return r;
}

int64_t
ry_date_to_epoch_ms(ry_date_t d, int minute, int utc_offset_minutes)
{
    return (ry_date_to_days(d) * 1440 + minute - utc_offset_minutes) *
           INT64_C(60000);
}

int64_t
ry_date_diff_days(ry_date_t a, ry_date_t b)
{
    return ry_date_to_days(b) - ry_date_to_days(a);
}

int
ry_date_from_epoch_ms(int64_t ms, int utc_offset_minutes, ry_date_t *out,
                      int *minute_of_day)
{
    if (!out)
        return RY_EINVAL;
    /* Year 9999 ends well before 2^62 ms; refuse anything that could
     * overflow when the offset is added. */
    const int64_t lim = INT64_C(400000000000000);
    if (ms > lim || ms < -lim || utc_offset_minutes < -24 * 60 ||
        utc_offset_minutes > 24 * 60)
        return RY_EINVAL;
    int64_t local_min = ms / 60000 - (ms % 60000 < 0 ? 1 : 0);
    local_min += utc_offset_minutes;
    int64_t days = local_min / 1440 - (local_min % 1440 < 0 ? 1 : 0);
    ry_date_t d = ry_date_from_days(days);
    if (!ry_date_valid(d))
        return RY_EINVAL;
    *out = d;
    if (minute_of_day)
        *minute_of_day = (int)(local_min - days * 1440);
    return 0;
}
