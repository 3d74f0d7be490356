/* ry_calendar: the official PRC working-day calendar (statutory holidays and
 * weekend make-up workdays), built in for 2018-2026 and extensible from CSV. */
#ifndef RY_CALENDAR_H
#define RY_CALENDAR_H

#include "ry_date.h"

#include <stdbool.h>
#include <stddef.h>

/* A working day is Monday-Friday unless listed as a holiday ("off"), or any
 * day listed as a make-up workday ("work"). Only "known" years answer:
 * a question about a date in a year without data returns RY_ENODATA,
 * never a guess from weekends alone. */
typedef struct ry_calendar ry_calendar_t;

/* Creates a calendar holding the built-in years (2018-2026, from the
 * State Council General Office notices). On success *out is the caller's,
 * to free with ry_calendar_destroy(). Returns 0, RY_EINVAL (out is NULL)
 * or -ENOMEM. */
int ry_calendar_new(ry_calendar_t **out);

/* Frees *cal (if any) and sets *cal to NULL; safe to call twice. */
void ry_calendar_destroy(ry_calendar_t **cal);

/* Adds the years listed in a UTF-8 CSV file with the header line
 * "date,kind,name" and one line per date "YYYY-MM-DD,off|work,name" (the
 * format of shared/calendar/cn-holidays-2018-2026.csv). Every year that has
 * at least one line becomes known, and replaces whatever the calendar held
 * for that year; other years are untouched. The file is loaded wholly or
 * not at all. Blank lines and a UTF-8 byte order mark are allowed.
 * Returns 0; RY_EIO when the file cannot be read; RY_EMALFORMED for a bad
 * header, line or date, or a date listed twice; RY_EINVAL for NULL
 * arguments; -ENOMEM. On error writes "file:line: reason" to err (when err
 * is not NULL and errlen > 0). */
int ry_calendar_load_file(ry_calendar_t *cal, const char *path, char *err,
                          size_t errlen);

/* Returns true when the calendar has data for year y. */
bool ry_calendar_has_year(const ry_calendar_t *cal, int y);

/* Sets *out to whether date is a working day. Returns 0, RY_EINVAL
 * (invalid date or NULL argument) or RY_ENODATA (year not known). */
int ry_calendar_is_workday(const ry_calendar_t *cal, ry_date_t date,
                           bool *out);

/* Sets *out to the n-th working day counting forward FROM date, where date
 * itself counts as the first when it is a working day (n >= 1). So a
 * posting that starts on 'date' and runs through *out spans exactly n
 * working days. Example: date Fri 2018-09-28, n 5 -> Tue 2018-10-09
 * (09-28, 09-29, 09-30, 10-08, 10-09). Returns 0, RY_EINVAL (n < 1,
 * invalid date, NULL) or RY_ENODATA (the walk reached an unknown year). */
int ry_calendar_add_workdays(const ry_calendar_t *cal, ry_date_t date, int n,
                             ry_date_t *out);

/* Sets *out to the n-th working day strictly BEFORE date, counting
 * backward (n >= 1): the day to send a reminder "n working days before" a
 * deadline. Example: date Mon 2018-10-08, n 1 -> Sun 2018-09-30 (a make-up
 * workday). Returns 0, RY_EINVAL or RY_ENODATA as above. */
int ry_calendar_workdays_before(const ry_calendar_t *cal, ry_date_t date,
                                int n, ry_date_t *out);

/* The year a walk back from 'date' (ry_calendar_workdays_before) could
 * not read when it answered RY_ENODATA: date's own when the calendar
 * lacks it, else the one before. */
int ry_calendar_year_missing_before(const ry_calendar_t *cal, ry_date_t date);

/* Sets *out to the number of working days in [from, to], both ends
 * included. Returns 0, RY_EINVAL (invalid date, from after to, NULL) or
 * RY_ENODATA (a day of the range is in an unknown year). */
int ry_calendar_count_workdays(const ry_calendar_t *cal, ry_date_t from,
                               ry_date_t to, int *out);

#endif
