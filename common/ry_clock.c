/* ry_clock: the one place every service reads the time from. */
#include "ry_clock.h"

#include "ry_error.h"
#include "ry_log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t
s_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ry_clock_now_ms(void)
{
    static bool init;
    static int64_t offset;
    if (!init) {
        init = true;
        const char *set = getenv("RONGYU_CLOCK");
        int64_t at;
        if (set && *set) {
            if (ry_clock_parse(set, &at) == 0) {
                offset = at - s_real_ms();
                ry_warn(NULL, "clock set: starts at %s", set);
            } else {
                ry_error(NULL, "RONGYU_CLOCK '%s' is not a time; the real "
                               "clock is used",
                         set);
            }
        }
    }
    return s_real_ms() + offset;
}

int64_t
ry_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ry_clock_parse(const char *text, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
    if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return RY_EINVAL;
    const char *p = text + n;
    if (*p == 'T' || *p == ' ') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) != 2)
            return RY_EINVAL;
        p += 1 + k;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &s, &k) != 1)
                return RY_EINVAL;
            p += 1 + k;
        }
    }
    int zone_min = 8 * 60;
    if (*p == 'Z') {
        zone_min = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int zh, zm, k;
        if (sscanf(p + 1, "%2d:%2d%n", &zh, &zm, &k) != 2)
            return RY_EINVAL;
        zone_min = (zh * 60 + zm) * (*p == '-' ? -1 : 1);
        p += 1 + k;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        s > 60)
        return RY_EINVAL;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                    .tm_hour = h, .tm_min = mi, .tm_sec = s};
    time_t t = timegm(&tm);
    if (tm.tm_mday != d) /* 2018-02-30 normalised to March: not a date */
        return RY_EINVAL;
    *ms = ((int64_t)t - (int64_t)zone_min * 60) * 1000;
    return 0;
}
