/* ry_log: one line per event on stderr. */
#include "ry_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

int ry_log_level = RY_LOG_INFO;
static const char *s_service = "rongyu";

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

void
ry_log_write(int level, const char *case_id, const char *fmt, ...)
{
    static const char *names[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char line[2048];
    int n = snprintf(line, sizeof line,
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s %s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000),
                     names[level < 0 ? 0 : level > 3 ? 3 : level], s_service,
                     case_id && *case_id ? case_id : "-");
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line keeps lines whole when several processes share
     * the same log file. */
    fprintf(stderr, "%s\n", line);
}
