/* ry_clock: the one place every service reads the time from, so tests and
 * demos can set it. */
#ifndef RY_CLOCK_H
#define RY_CLOCK_H

#include <stdint.h>

/* Wall-clock time, UTC milliseconds since the epoch, from the first
 * source that is set:
 *
 *   $RONGYU_CLOCK_FILE  names a file holding "TIME [SPEED]" (TIME as for
 *                       ry_clock_parse; SPEED a factor such as "x60" or
 *                       "60", default $RONGYU_CLOCK_SPEED or 1). The clock
 *                       reads TIME at the file's modification time and
 *                       runs on at SPEED from there: every process that
 *                       reads the same file agrees. The file is checked
 *                       again at most every 50 ms (real time) and a
 *                       change takes effect at once; a file that is
 *                       missing or does not parse keeps the previous
 *                       setting (logged once). Write it atomically
 *                       (write elsewhere, then rename) where possible.
 *   $RONGYU_CLOCK       a TIME: the clock starts there at the first call
 *                       and runs on at $RONGYU_CLOCK_SPEED (default 1).
 *   neither             the real clock.
 *
 * SPEED 0 freezes the clock. Not thread-safe: each service reads the clock
 * from its one thread. */
int64_t ry_clock_now_ms(void);

/* The current speed factor of ry_clock_now_ms (1 for the real clock; 0
 * when frozen). A loop that sleeps until a clock time divides by it. */
double ry_clock_speed(void);

/* Sets the clock of this process to 'ms' now, running on at 'speed' (0:
 * frozen), overriding the environment from now on. For tests and tools
 * that drive time in-process. */
void ry_clock_set(int64_t ms, double speed);

/* Monotonic milliseconds, for timeouts and back-off only. */
int64_t ry_clock_mono_ms(void);

/* Monotonic microseconds, for durations that are measured and shown. */
int64_t ry_clock_mono_us(void);

/* Sleeps ms milliseconds of real time (nothing for ms <= 0); a signal
 * cuts it short, so that a loop sees its stop flag at once. */
void ry_clock_sleep_ms(int ms);

/* Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS", each
 * optionally followed by "Z" or "+HH:MM"/"-HH:MM"; without a zone the time
 * is Beijing time (UTC+8), the campaigns' zone. Returns 0 and sets *ms, or
 * RY_EINVAL. */
int ry_clock_parse(const char *text, int64_t *ms);

#endif
