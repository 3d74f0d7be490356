/* ry_log: one line per event on stderr. */
#include "ry_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int ry_log_level = RY_LOG_INFO;
static const char *s_service = "rongyu";

/* The time of the last line, written out to the second. */
static _Thread_local struct {
    time_t sec;
    char text[80];
} s_stamp;

#define S_HELD_MAX (64 * 1024)
static _Thread_local struct {
    char *buf; /* S_HELD_MAX bytes while held */
    size_t n;
    uint64_t out; /* bytes of this hold already written (buffer full) */
    int on;
} s_held;

/* Writes all of data to stderr (a log line is lost rather than the
 * process stopped when it cannot be written). */
static void
s_out(const char *data, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        data += w;
        n -= (size_t)w;
    }
}

void
ry_log_hold(void)
{
    if (!s_held.buf && !(s_held.buf = malloc(S_HELD_MAX)))
        abort();
    s_held.on = 1;
}

void
ry_log_flush(void)
{
    if (s_held.n)
        s_out(s_held.buf, s_held.n);
    free(s_held.buf);
    s_held.buf = NULL;
    s_held.n = 0;
    s_held.out = 0;
    s_held.on = 0;
}

void
ry_log_take(char **lines, size_t *n)
{
    if (!s_held.on || s_held.n == 0)
        return;
    char *all = realloc(*lines, *n + s_held.n);
    if (!all)
        abort();
    memcpy(all + *n, s_held.buf, s_held.n);
    *lines = all;
    *n += s_held.n;
    s_held.out += s_held.n;
    s_held.n = 0;
}

void
ry_log_put(const char *lines, size_t n)
{
    if (n)
        s_out(lines, n);
}

uint64_t
ry_log_mark(void)
{
    return s_held.out + s_held.n;
}

void
ry_log_rewind(uint64_t mark)
{
    s_held.n = mark >= s_held.out ? (size_t)(mark - s_held.out) : 0;
}

void
ry_log_init(const char *service)
{
    s_service = service;
    const char *lvl = getenv("RONGYU_LOG_LEVEL");
    if (!lvl)
        return;
    if (strcmp(lvl, "error") == 0)
        ry_log_level = RY_LOG_ERROR;
    else if (strcmp(lvl, "warn") == 0)
        ry_log_level = RY_LOG_WARN;
    else if (strcmp(lvl, "info") == 0)
        ry_log_level = RY_LOG_INFO;
    else if (strcmp(lvl, "debug") == 0)
        ry_log_level = RY_LOG_DEBUG;
}

/* The conversion at fmt (just past a '%') when it is one s_format
 * writes: 's', 'd', 'u' or '%', after an 'l' or a 'z' for 'd' and 'u';
 * 0 for any other (a width, a precision, a flag, another type). *skip:
 * the characters it takes. */
static char
s_conv(const char *fmt, int *len_mod, size_t *skip)
{
    *len_mod = 0;
    *skip = 1;
    if (*fmt == 'l' || *fmt == 'z') {
        *len_mod = *fmt;
        fmt++;
        *skip = 2;
        return *fmt == 'd' || *fmt == 'u' ? *fmt : 0;
    }
    return *fmt == 's' || *fmt == 'd' || *fmt == 'u' || *fmt == '%' ? *fmt : 0;
}

/* Appends data[0..n) to out[*at..cap - 1), cut where it ends. */
static void
s_put(char *out, size_t cap, size_t *at, const char *data, size_t n)
{
    size_t room = cap - 1 - *at;
    if (n > room)
        n = room;
    memcpy(out + *at, data, n);
    *at += n;
}

/* Formats fmt into out (cap > 0 bytes, NUL-terminated, cut where
 * vsnprintf cuts) when its conversions are those s_conv knows, as
 * vsnprintf would; most log lines hold no other, and vsnprintf's
 * machinery costs more than the line. Returns false, ap untouched, for a
 * fmt with any other: the caller formats it with vsnprintf. */
static bool
s_format(char *out, size_t cap, const char *fmt, va_list ap)
{
    int mod;
    size_t skip;
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p + 1 + skip, '%'))
        if (!s_conv(p + 1, &mod, &skip))
            return false;
    size_t at = 0;
    for (const char *p = fmt; *p;) {
        const char *pc = strchr(p, '%');
        if (!pc) {
            s_put(out, cap, &at, p, strlen(p));
            break;
        }
        s_put(out, cap, &at, p, (size_t)(pc - p));
        char c = s_conv(pc + 1, &mod, &skip);
        p = pc + 1 + skip;
        char num[24];
        char *end = num + sizeof num, *d = end;
        if (c == '%') {
            s_put(out, cap, &at, "%", 1);
            continue;
        }
        if (c == 's') {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            s_put(out, cap, &at, str, strlen(str));
            continue;
        }
        unsigned long long u;
        bool neg = false;
        if (c == 'd') {
            long long v = mod == 'l'   ? va_arg(ap, long)
                          : mod == 'z' ? (long long)va_arg(ap, ssize_t)
                                       : va_arg(ap, int);
            neg = v < 0;
            u = neg ? 0ull - (unsigned long long)v : (unsigned long long)v;
        } else {
            u = mod == 'l'   ? va_arg(ap, unsigned long)
                : mod == 'z' ? va_arg(ap, size_t)
                             : va_arg(ap, unsigned);
        }
        do {
            *--d = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (neg)
            *--d = '-';
        s_put(out, cap, &at, d, (size_t)(end - d));
    }
    out[at] = '\0';
    return true;
}

/* Writes the control characters of line[0..*len) (a name, a URL or an
 * organisation a client sent may hold CR and LF) escaped, as \n, \r,
 * \t or \xHH, so that each event stays one line and none can be
 * forged; the line is cut at cap bytes, never inside an escape. */
static void
s_escape(char *line, size_t *len, size_t cap)
{
    size_t i = 0;
    while (i < *len && (unsigned char)line[i] >= 0x20 && line[i] != 0x7f)
        i++;
    if (i == *len)
        return;
    char out[2048];
    size_t at = i;
    if (cap > sizeof out)
        cap = sizeof out;
    memcpy(out, line, i);
    for (; i < *len; i++) {
        unsigned char c = (unsigned char)line[i];
        char esc[5];
        size_t n = 1;
        if (c == '\n' || c == '\r' || c == '\t') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            n = 2;
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            n = 4;
        } else {
            esc[0] = (char)c;
        }
        if (at + n > cap)
            break;
        memcpy(out + at, esc, n);
        at += n;
    }
    memcpy(line, out, at);
    *len = at;
}

void
ry_log_write(int level, const char *case_id, const char *fmt, ...)
{
    static const char *names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    struct timeval tv;
    gettimeofday(&tv, NULL);
    /* The time to the second is written out once a second. */
    if (tv.tv_sec != s_stamp.sec || !s_stamp.text[0]) {
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        snprintf(s_stamp.text, sizeof s_stamp.text,
                 "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        s_stamp.sec = tv.tv_sec;
    }
    char line[2048];
    size_t len = 0;
    int ms = (int)(tv.tv_usec / 1000);
    char frac[5] = {(char)('0' + ms / 100), (char)('0' + ms / 10 % 10),
                    (char)('0' + ms % 10), 'Z', '\0'};
    const char *parts[] = {
        s_stamp.text, frac,
        " ",          names[level < 0 ? 0 : level > 3 ? 3 : level],
        " ",          s_service,
        " ",          case_id && *case_id ? case_id : "-",
        " "};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        size_t pl = strnlen(parts[i], 200);
        memcpy(line + len, parts[i], pl);
        len += pl;
    }
    va_list ap;
    va_start(ap, fmt);
    if (!s_format(line + len, sizeof line - 1 - len, fmt, ap))
        vsnprintf(line + len, sizeof line - 1 - len, fmt, ap);
    va_end(ap);
    len = strlen(line);
    s_escape(line, &len, sizeof line - 1);
    line[len++] = '\n';
    /* Whole lines in each write keep them whole when several processes
     * share the same log file. */
    if (!s_held.on) {
        s_out(line, len);
        return;
    }
    if (s_held.n + len > S_HELD_MAX) {
        s_out(s_held.buf, s_held.n);
        s_held.out += s_held.n;
        s_held.n = 0;
    }
    memcpy(s_held.buf + s_held.n, line, len);
    s_held.n += len;
}
