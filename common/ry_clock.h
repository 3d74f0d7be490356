/* ry_clock: the one place every service reads the time from, so tests and
 * demos can set it. */
#ifndef RY_CLOCK_H
#define RY_CLOCK_H

#include <stdint.h>

/* Wall-clock time, UTC milliseconds since the epoch. When $RONGYU_CLOCK
 * holds a time (see ry_clock_parse), the clock starts there at the first
 * call and runs on at the real pace. */
int64_t ry_clock_now_ms(void);

/* Monotonic milliseconds, for timeouts and back-off only. */
int64_t ry_clock_mono_ms(void);

/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS", each
 * optionally followed by "Z" or "+HH:MM"/"-HH:MM"; without a zone the time
 * is Beijing time (UTC+8), the campaigns' zone. Returns 0 and sets *ms, or
 * RY_EINVAL. */
int ry_clock_parse(const char *text, int64_t *ms);

#endif
