/* ry_clock: the one place every service reads the time from. */
#include "ry_clock.h"

#include "ry_error.h"
#include "ry_log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

static int64_t
s_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The clock is anchor_ms at real time anchor_real, running at speed. */
static struct {
    bool init;
    bool fixed;        /* set by ry_clock_set: the environment is ignored */
    const char *file;  /* $RONGYU_CLOCK_FILE or NULL */
    int64_t anchor_ms, anchor_real;
    double speed, env_speed;
    int64_t checked_mono;
    struct timespec mtime;
    off_t size;
    ino_t ino;
    bool file_ok, warned;
} s_clk;

/* Parses a speed factor "x60", "60" or "0.5". Returns 0 or RY_EINVAL. */
static int
s_parse_speed(const char *t, double *out)
{
    if (*t == 'x' || *t == 'X')
        t++;
    char *end;
    double v = strtod(t, &end);
    if (end == t || *end || !(v >= 0) || v > 1e7)
        return RY_EINVAL;
    *out = v;
    return 0;
}

/* Re-reads the clock file when it changed since the last look. */
static void
s_check_file(void)
{
    int64_t mono = ry_clock_mono_ms();
    if (s_clk.file_ok && mono - s_clk.checked_mono < 50)
        return;
    s_clk.checked_mono = mono;
    struct stat st;
    if (stat(s_clk.file, &st) != 0) {
        if (!s_clk.warned)
            ry_error(NULL, "clock file '%s': %s", s_clk.file,
                     strerror(errno));
        s_clk.warned = true;
        return;
    }
    if (s_clk.file_ok && st.st_mtim.tv_sec == s_clk.mtime.tv_sec &&
        st.st_mtim.tv_nsec == s_clk.mtime.tv_nsec &&
        st.st_size == s_clk.size && st.st_ino == s_clk.ino)
        return;
    char buf[256] = "";
    FILE *f = fopen(s_clk.file, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *save = NULL;
    char *ttime = strtok_r(buf, " \t\r\n", &save);
    char *tspeed = ttime ? strtok_r(NULL, " \t\r\n", &save) : NULL;
    int64_t at;
    double speed = s_clk.env_speed;
    if (!ttime || ry_clock_parse(ttime, &at) != 0 ||
        (tspeed && s_parse_speed(tspeed, &speed) != 0)) {
        /* Perhaps caught half-written: look again at the next call. */
        if (!s_clk.warned)
            ry_error(NULL, "clock file '%s' holds no 'TIME [SPEED]'",
                     s_clk.file);
        s_clk.warned = true;
        return;
    }
    s_clk.warned = false;
    s_clk.file_ok = true;
    s_clk.mtime = st.st_mtim;
    s_clk.size = st.st_size;
    s_clk.ino = st.st_ino;
    s_clk.anchor_ms = at;
    s_clk.anchor_real = (int64_t)st.st_mtim.tv_sec * 1000 +
                        st.st_mtim.tv_nsec / 1000000;
    s_clk.speed = speed;
    ry_info(NULL, "clock set from '%s': %s at speed %g", s_clk.file, ttime,
            speed);
}

static void
s_init(void)
{
    s_clk.init = true;
    s_clk.speed = s_clk.env_speed = 1;
    s_clk.anchor_real = s_real_ms();
    s_clk.anchor_ms = s_clk.anchor_real;
    const char *sp = getenv("RONGYU_CLOCK_SPEED");
    if (sp && *sp && s_parse_speed(sp, &s_clk.env_speed) != 0) {
        ry_error(NULL, "RONGYU_CLOCK_SPEED '%s' is not a factor; 1 is used",
                 sp);
        s_clk.env_speed = 1;
    }
    const char *file = getenv("RONGYU_CLOCK_FILE");
    if (file && *file) {
        s_clk.file = file;
        s_clk.speed = s_clk.env_speed;
        s_check_file();
        return;
    }
    const char *set = getenv("RONGYU_CLOCK");
    int64_t at;
    if (set && *set) {
        if (ry_clock_parse(set, &at) == 0) {
            s_clk.anchor_ms = at;
            s_clk.speed = s_clk.env_speed;
            ry_warn(NULL, "clock set: starts at %s", set);
        } else {
            ry_error(NULL, "RONGYU_CLOCK '%s' is not a time; the real "
                           "clock is used",
                     set);
        }
    }
}

int64_t
ry_clock_now_ms(void)
{
    if (!s_clk.init)
        s_init();
    if (s_clk.file && !s_clk.fixed)
        s_check_file();
    int64_t real = s_real_ms();
    return s_clk.anchor_ms +
           (int64_t)((double)(real - s_clk.anchor_real) * s_clk.speed);
}

double
ry_clock_speed(void)
{
    if (!s_clk.init)
        s_init();
    if (s_clk.file && !s_clk.fixed)
        s_check_file();
    return s_clk.speed;
}

void
ry_clock_set(int64_t ms, double speed)
{
    if (!s_clk.init)
        s_init();
    s_clk.fixed = true;
    s_clk.anchor_ms = ms;
    s_clk.anchor_real = s_real_ms();
    s_clk.speed = speed < 0 ? 0 : speed;
}

int64_t
ry_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ry_clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
ry_clock_sleep_ms(int ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
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
