/* ry_calendar: the working-day calendar, one day-kind table per known year. */
#include "ry_calendar.h"

#include "ry_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { S_PLAIN = 0, S_OFF = 1, S_WORK = 2 };

/* The built-in years, one string per year, from the State Council General
 * Office holiday notices (a December date belongs to the year it falls in,
 * even when the following year's notice names it). Tokens: "-MMDD" is a
 * holiday, "+MMDD" a make-up workday, "/n" makes it a run of n days. */
static const char *const s_builtin[] = {
    "2018 -0101 +0211 -0215/7 +0224 -0405/3 +0408 +0428 -0429/3 -0618"
    " -0924 +0929/2 -1001/7 +1229 -1230/2",
    "2019 -0101 +0202/2 -0204/7 -0405 +0428 -0501/4 +0505 -0607 -0913"
    " +0929 -1001/7 +1012",
    "2020 -0101 +0119 -0124/10 +0203 -0404/3 +0426 -0501/5 +0509 -0625/3"
    " +0628 +0927 -1001/8 +1010",
    "2021 -0101/3 +0207 -0211/7 +0220 -0403/3 +0425 -0501/5 +0508"
    " -0612/3 +0918 -0919/3 +0926 -1001/7 +1009",
    "2022 -0101/3 +0129/2 -0131/7 +0402 -0403/3 +0424 -0430/5 +0507"
    " -0603/3 -0910/3 -1001/7 +1008/2 -1231",
    "2023 -0101/2 -0121/7 +0128/2 -0405 +0423 -0429/5 +0506 -0622/3"
    " +0625 -0929/8 +1007/2",
    "2024 -0101 +0204 -0210/8 +0218 -0404/3 +0407 +0428 -0501/5 +0511"
    " -0610 +0914 -0915/3 +0929 -1001/7 +1012",
    "2025 -0101 +0126 -0128/8 +0208 -0404/3 +0427 -0501/5 -0531/3 +0928"
    " -1001/8 +1011",
    "2026 -0101/3 +0104 +0214 -0215/9 +0228 -0404/3 -0501/5 +0509"
    " -0619/3 +0920 -0925/3 -1001/7 +1010",
};

typedef struct {
    int year;
    uint8_t kind[366]; /* S_* by day of year, 0-based */
    /* The working days before each day of the year: before[i] counts
     * days 0 to i - 1, before[ndays] the whole year (s_count_year, once
     * kind[] is complete). */
    int ndays;
    uint16_t before[367];
} s_year_t;

struct ry_calendar {
    s_year_t *years; /* sorted by year */
    size_t count;
};

static int
s_day_of_year(ry_date_t d)
{
    ry_date_t jan1 = {d.y, 1, 1};
    return (int)ry_date_diff_days(jan1, d);
}

static const s_year_t *
s_find(const ry_calendar_t *cal, int y)
{
    size_t lo = 0, hi = cal->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->years[mid].year == y)
            return &cal->years[mid];
        if (cal->years[mid].year < y)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Fills yr->ndays and yr->before[] from yr->kind[] and the weekdays:
 * the one place the rule of a working day is applied. */
static void
s_count_year(s_year_t *yr)
{
    ry_date_t jan1 = {yr->year, 1, 1};
    yr->ndays = ry_date_is_leap(yr->year) ? 366 : 365;
    int wd = ry_date_weekday(jan1); /* 1 Monday .. 7 Sunday */
    yr->before[0] = 0;
    for (int i = 0; i < yr->ndays; i++, wd = wd % 7 + 1) {
        int k = yr->kind[i];
        bool work = k == S_WORK || (k != S_OFF && wd <= 5);
        yr->before[i + 1] = (uint16_t)(yr->before[i] + work);
    }
}

/* The day of yr whose rank among its working days is r (1-based, at most
 * the year's count): the least i with before[i + 1] == r. */
static int
s_rank_day(const s_year_t *yr, int r)
{
    int lo = 1, hi = yr->ndays; /* the answer's i + 1 lies in [lo, hi] */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (yr->before[mid] >= r)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo - 1;
}

/* Inserts or replaces 'yr' keeping the array sorted. */
static int
s_put(ry_calendar_t *cal, const s_year_t *yr)
{
    size_t i = 0;
    while (i < cal->count && cal->years[i].year < yr->year)
        i++;
    if (i < cal->count && cal->years[i].year == yr->year) {
        cal->years[i] = *yr;
        return 0;
    }
    s_year_t *grown = realloc(cal->years, (cal->count + 1) * sizeof *grown);
    if (!grown)
        return -ENOMEM;
    cal->years = grown;
    memmove(&cal->years[i + 1], &cal->years[i],
            (cal->count - i) * sizeof *grown);
    cal->years[i] = *yr;
    cal->count++;
    return 0;
}

/* Parses one built-in year string; the table is ours, so a bad entry is a
 * programming error reported as RY_EMALFORMED. */
static int
s_parse_builtin(const char *s, s_year_t *yr)
{
    char *end;
    long y = strtol(s, &end, 10);
    if (y < 1 || y > 9999)
        return RY_EMALFORMED;
    memset(yr, 0, sizeof *yr);
    yr->year = (int)y;
    const char *p = end;
    while (*p == ' ')
        p++;
    while (*p) {
        int kind = *p == '-' ? S_OFF : *p == '+' ? S_WORK : -1;
        if (kind < 0 || strlen(p) < 5)
            return RY_EMALFORMED;
        int m = (p[1] - '0') * 10 + (p[2] - '0');
        int d = (p[3] - '0') * 10 + (p[4] - '0');
        p += 5;
        long run = 1;
        if (*p == '/') {
            run = strtol(p + 1, &end, 10);
            p = end;
        }
        ry_date_t first = {(int)y, m, d};
        if (!ry_date_valid(first) || run < 1 || run > 366)
            return RY_EMALFORMED;
        for (long i = 0; i < run; i++) {
            ry_date_t day = ry_date_add_days(first, i);
            if (day.y != y)
                return RY_EMALFORMED;
            yr->kind[s_day_of_year(day)] = (uint8_t)kind;
        }
        while (*p == ' ')
            p++;
    }
    return 0;
}

int
ry_calendar_new(ry_calendar_t **out)
{
    if (!out)
        return RY_EINVAL;
    *out = NULL;
    ry_calendar_t *cal = calloc(1, sizeof *cal);
    if (!cal)
        return -ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < sizeof s_builtin / sizeof s_builtin[0]; i++) {
        s_year_t yr;
        rc = s_parse_builtin(s_builtin[i], &yr);
        if (rc == 0) {
            s_count_year(&yr);
            rc = s_put(cal, &yr);
        }
        if (rc != 0)
            goto fail;
    }
    *out = cal;
    return 0;
fail:
    ry_calendar_destroy(&cal);
    return rc;
}

void
ry_calendar_destroy(ry_calendar_t **cal)
{
    if (!cal || !*cal)
        return;
    free((*cal)->years);
    free(*cal);
    *cal = NULL;
}

static void
s_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
s_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Splits off the next comma-separated field of *p (in place). */
static char *
s_field(char **p)
{
    char *start = *p;
    if (!start)
        return NULL;
    char *comma = strchr(start, ',');
    if (comma) {
        *comma = '\0';
        *p = comma + 1;
    } else {
        *p = NULL;
    }
    return start;
}

int
ry_calendar_load_file(ry_calendar_t *cal, const char *path, char *err,
                      size_t errlen)
{
    if (err && errlen > 0)
        err[0] = '\0';
    if (!cal || !path) {
        s_err(err, errlen, "calendar or path missing");
        return RY_EINVAL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        s_err(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return RY_EIO;
    }
    ry_calendar_t staged = {NULL, 0};
    int rc = 0;
    char line[1024];
    unsigned lineno = 0;
    bool header = false;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n' && !feof(f)) {
            s_err(err, errlen, "%s:%u: line too long", path, lineno);
            rc = RY_EMALFORMED;
            goto done;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *text = line;
        if (lineno == 1 && strncmp(text, "\xEF\xBB\xBF", 3) == 0)
            text += 3;
        if (!header) {
            if (strcmp(text, "date,kind,name") != 0) {
                s_err(err, errlen,
                      "%s:%u: expected the header 'date,kind,name'", path,
                      lineno);
                rc = RY_EMALFORMED;
                goto done;
            }
            header = true;
            continue;
        }
        if (text[0] == '\0')
            continue;
        char *p = text;
        char *date_s = s_field(&p);
        char *kind_s = s_field(&p);
        char *name_s = p; /* the rest: the holiday's name */
        if (!kind_s || !name_s) {
            s_err(err, errlen,
                  "%s:%u: expected 3 fields 'date,kind,name'", path, lineno);
            rc = RY_EMALFORMED;
            goto done;
        }
        ry_date_t d;
        if (ry_date_parse(date_s, &d) != 0) {
            s_err(err, errlen, "%s:%u: '%s' is not a real date YYYY-MM-DD",
                  path, lineno, date_s);
            rc = RY_EMALFORMED;
            goto done;
        }
        int kind = strcmp(kind_s, "off") == 0    ? S_OFF
                   : strcmp(kind_s, "work") == 0 ? S_WORK
                                                 : -1;
        if (kind < 0) {
            s_err(err, errlen, "%s:%u: kind '%s' is neither 'off' nor 'work'",
                  path, lineno, kind_s);
            rc = RY_EMALFORMED;
            goto done;
        }
        s_year_t *yr = (s_year_t *)s_find(&staged, d.y);
        if (!yr) {
            s_year_t fresh;
            memset(&fresh, 0, sizeof fresh);
            fresh.year = d.y;
            rc = s_put(&staged, &fresh);
            if (rc != 0) {
                s_err(err, errlen, "%s:%u: out of memory", path, lineno);
                goto done;
            }
            yr = (s_year_t *)s_find(&staged, d.y);
        }
        int doy = s_day_of_year(d);
        if (yr->kind[doy] != S_PLAIN) {
            s_err(err, errlen, "%s:%u: date %s is listed twice", path, lineno,
                  date_s);
            rc = RY_EMALFORMED;
            goto done;
        }
        yr->kind[doy] = (uint8_t)kind;
    }
    if (ferror(f)) {
        s_err(err, errlen, "cannot read '%s'", path);
        rc = RY_EIO;
        goto done;
    }
    if (!header) {
        s_err(err, errlen, "%s:1: empty file, expected the header "
              "'date,kind,name'", path);
        rc = RY_EMALFORMED;
        goto done;
    }
    /* Merge into a fresh array so a failure leaves 'cal' as it was. */
    s_year_t *merged =
        malloc((cal->count + staged.count + 1) * sizeof *merged);
    if (!merged) {
        s_err(err, errlen, "%s: out of memory", path);
        rc = -ENOMEM;
        goto done;
    }
    size_t i = 0, j = 0, k = 0;
    while (i < cal->count || j < staged.count) {
        if (j == staged.count ||
            (i < cal->count && cal->years[i].year < staged.years[j].year)) {
            merged[k++] = cal->years[i++];
        } else {
            if (i < cal->count && cal->years[i].year == staged.years[j].year)
                i++; /* replaced by the file's version */
            merged[k] = staged.years[j++];
            s_count_year(&merged[k++]);
        }
    }
    free(cal->years);
    cal->years = merged;
    cal->count = k;
done:
    free(staged.years);
    fclose(f);
    return rc;
}

bool
ry_calendar_has_year(const ry_calendar_t *cal, int y)
{
    return cal && s_find(cal, y) != NULL;
}

/* The same as ry_calendar_is_workday() without argument checks. */
static int
s_is_workday(const ry_calendar_t *cal, ry_date_t d, bool *out)
{
    const s_year_t *yr = s_find(cal, d.y);
    if (!yr)
        return RY_ENODATA;
    int i = s_day_of_year(d);
    *out = yr->before[i + 1] > yr->before[i];
    return 0;
}

int
ry_calendar_is_workday(const ry_calendar_t *cal, ry_date_t date, bool *out)
{
    if (!cal || !out || !ry_date_valid(date))
        return RY_EINVAL;
    return s_is_workday(cal, date, out);
}

/* The n-th working day counting from 'date' (included) by 'step' (+1
 * forward, -1 backward), through the years' counts: a year without data
 * on the way ends it (RY_ENODATA). */
static int
s_walk(const ry_calendar_t *cal, ry_date_t date, int n, int step,
       ry_date_t *out)
{
    if (!cal || !out || n < 1 || !ry_date_valid(date))
        return RY_EINVAL;
    int y = date.y;
    int i = s_day_of_year(date); /* -1: the year's last day */
    for (;;) {
        const s_year_t *yr = s_find(cal, y);
        if (!yr)
            return RY_ENODATA;
        if (i < 0)
            i = yr->ndays - 1;
        /* Working days on the way within this year, 'date' included. */
        int left = step > 0 ? yr->before[yr->ndays] - yr->before[i]
                            : yr->before[i + 1];
        if (n <= left) {
            int r = step > 0 ? yr->before[i] + n : yr->before[i + 1] - n + 1;
            ry_date_t jan1 = {y, 1, 1};
            *out = ry_date_add_days(jan1, s_rank_day(yr, r));
            return 0;
        }
        n -= left;
        y += step;
        if (y < 1 || y > 9999)
            return RY_ENODATA;
        i = step > 0 ? 0 : -1;
    }
}

int
ry_calendar_add_workdays(const ry_calendar_t *cal, ry_date_t date, int n,
                         ry_date_t *out)
{
    return s_walk(cal, date, n, 1, out);
}

int
ry_calendar_workdays_before(const ry_calendar_t *cal, ry_date_t date, int n,
                            ry_date_t *out)
{
    if (!ry_date_valid(date))
        return RY_EINVAL;
    return s_walk(cal, ry_date_add_days(date, -1), n, -1, out);
}

int
ry_calendar_count_workdays(const ry_calendar_t *cal, ry_date_t from,
                           ry_date_t to, int *out)
{
    if (!cal || !out || !ry_date_valid(from) || !ry_date_valid(to) ||
        ry_date_compare(from, to) > 0)
        return RY_EINVAL;
    int count = 0;
    for (int y = from.y; y <= to.y; y++) {
        const s_year_t *yr = s_find(cal, y);
        if (!yr)
            return RY_ENODATA; /* *out untouched: nothing half-counted */
        int a = y == from.y ? s_day_of_year(from) : 0;
        int b = y == to.y ? s_day_of_year(to) : yr->ndays - 1;
        count += yr->before[b + 1] - yr->before[a];
    }
    *out = count;
    return 0;
}

int
ry_calendar_year_missing_before(const ry_calendar_t *cal, ry_date_t date)
{
    return ry_calendar_has_year(cal, date.y) ? date.y - 1 : date.y;
}
