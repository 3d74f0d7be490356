/* ry_config: endpoints, data directory and map size, from a file with
 * environment overrides. */
#include "ry_config.h"

#include "ry_error.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *s_names[RY_SVC_COUNT] = {"intake", "validation", "quota",
                                            "notification"};

const char *
ry_service_name(int svc)
{
    return svc >= 0 && svc < RY_SVC_COUNT ? s_names[svc] : "?";
}

int
ry_service_index(const char *name)
{
    for (int i = 0; i < RY_SVC_COUNT; i++)
        if (strcmp(name, s_names[i]) == 0)
            return i;
    return -1;
}

static int
s_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return RY_ECONFIG;
    memcpy(dst, src, n + 1);
    return 0;
}

/* Parses a number: digits, and with 'units' an optional K, M or G suffix
 * (powers of 2). 0 is a number; the caller refuses it where it is none. */
static int
s_number(const char *s, bool units, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    /* A leading digit: strtoull would skip blanks and wrap "-1". */
    if (errno || end == s || !isdigit((unsigned char)*s))
        return RY_ECONFIG;
    unsigned long long mul = 1;
    if (units && (*end == 'K' || *end == 'k'))
        mul = 1ULL << 10, end++;
    else if (units && (*end == 'M' || *end == 'm'))
        mul = 1ULL << 20, end++;
    else if (units && (*end == 'G' || *end == 'g'))
        mul = 1ULL << 30, end++;
    if (*end != '\0' || v > (~0ULL) / mul)
        return RY_ECONFIG;
    *out = v * mul;
    return 0;
}

/* Parses a size: a number above 0, with an optional K, M or G suffix. */
static int
s_size(const char *s, size_t *out)
{
    unsigned long long v;
    if (s_number(s, true, &v) || v == 0 || v > SIZE_MAX)
        return RY_ECONFIG;
    *out = (size_t)v;
    return 0;
}

/* Applies one key. Returns 0, or RY_ECONFIG for an unknown key or bad
 * value. */
static int
s_set(ry_config_t *cfg, const char *key, const char *val)
{
    if (strcmp(key, "home") == 0)
        return s_copy(cfg->home, sizeof cfg->home, val);
    if (strcmp(key, "campaigns_dir") == 0)
        return s_copy(cfg->campaigns_dir, sizeof cfg->campaigns_dir, val);
    if (strcmp(key, "calendar_dir") == 0)
        return s_copy(cfg->calendar_dir, sizeof cfg->calendar_dir, val);
    if (strcmp(key, "map_size") == 0)
        return s_size(val, &cfg->map_size);
    if (strcmp(key, "max_map_size") == 0)
        return s_size(val, &cfg->max_map_size);
    if (strcmp(key, "max_request") == 0)
        return s_size(val, &cfg->max_request);
    if (strcmp(key, "max_attachment") == 0) {
        /* Intake assembles one attachment in memory and stores it as one
         * value: at most 1 GiB. */
        size_t v;
        if (s_size(val, &v) || v > ((size_t)1 << 30))
            return RY_ECONFIG;
        cfg->max_attachment = v;
        return 0;
    }
    if (strcmp(key, "client_queue_bytes") == 0)
        return s_size(val, &cfg->client_queue_bytes);
    if (strcmp(key, "client_connections_per_key") == 0) {
        unsigned long long v;
        if (s_number(val, false, &v) || v > 100000)
            return RY_ECONFIG;
        cfg->client_conns_per_key = (unsigned)v;
        return 0;
    }
    if (strcmp(key, "outbox_limit") == 0) {
        size_t v;
        if (s_size(val, &v) || v > 100000000)
            return RY_ECONFIG;
        cfg->outbox_limit = (unsigned)v;
        return 0;
    }
    for (int i = 0; i < RY_SVC_COUNT; i++) {
        size_t n = strlen(s_names[i]);
        if (strncmp(key, s_names[i], n) != 0 || key[n] != '_')
            continue;
        if (strcmp(key + n + 1, "endpoint") == 0)
            return s_copy(cfg->endpoint[i], sizeof cfg->endpoint[i], val);
        if (strcmp(key + n + 1, "bind") == 0)
            return s_copy(cfg->bind[i], sizeof cfg->bind[i], val);
        if (strcmp(key + n + 1, "round_ms") == 0) {
            /* Milliseconds, 0 allowed, at most a second: a longer pause
             * would hold the links' windows (2,048 rows) below a useful
             * rate. */
            unsigned long long v;
            if (s_number(val, false, &v) || v > 1000)
                return RY_ECONFIG;
            cfg->round_ms[i] = (unsigned)v;
            return 0;
        }
        if (strcmp(key + n + 1, "cpu") == 0) {
            if (strcmp(val, "normal") == 0)
                cfg->cpu[i] = RY_CPU_NORMAL;
            else if (strcmp(val, "batch") == 0)
                cfg->cpu[i] = RY_CPU_BATCH;
            else
                return RY_ECONFIG;
            return 0;
        }
    }
    return RY_ECONFIG;
}

static char *
s_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int
s_load_file(ry_config_t *cfg, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open config '%s': %s", path,
                 strerror(errno));
        return RY_ECONFIG;
    }
    char line[1024];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *s = s_trim(line);
        if (!*s)
            continue;
        char *eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s:%d: expected 'key = value'", path,
                     lineno);
            rc = RY_ECONFIG;
            break;
        }
        *eq = '\0';
        char *key = s_trim(s), *val = s_trim(eq + 1);
        if (s_set(cfg, key, val) != 0) {
            snprintf(err, errlen, "%s:%d: unknown key or bad value '%s'",
                     path, lineno, key);
            rc = RY_ECONFIG;
            break;
        }
    }
    fclose(f);
    if (rc == 0)
        s_copy(cfg->source, sizeof cfg->source, path);
    return rc;
}

int
ry_config_load(ry_config_t *cfg, const char *path, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(err, errlen, "ok");
    s_copy(cfg->home, sizeof cfg->home, "./var");
    for (int i = 0; i < RY_SVC_COUNT; i++)
        snprintf(cfg->endpoint[i], sizeof cfg->endpoint[i],
                 "tcp://127.0.0.1:%d", 7701 + i);
    cfg->map_size = (size_t)1 << 30;
    cfg->max_map_size = (size_t)16 << 30;
    /* Small frames, so that a deep per-connection queue stays a modest
     * number of bytes; larger attachments travel in parts (upload). */
    cfg->max_request = (size_t)1 << 20;
    cfg->max_attachment = (size_t)32 << 20;
    cfg->client_queue_bytes = (size_t)256 << 20;
    /* What one key's connections can make a service hold is this many
     * times what one can (docs/protocol.md, "Size limits"). */
    cfg->client_conns_per_key = 32;
    cfg->outbox_limit = 100000;
    /* Validation and notification answer no client in a hurry: their
     * rounds come at most every 10 and 20 ms, so that their syncs leave
     * the disk to intake's, on which every acknowledgement waits. */
    cfg->round_ms[RY_SVC_VALIDATION] = 10;
    cfg->round_ms[RY_SVC_NOTIFICATION] = 20;
    /* Nor does quota: the three yield the CPU to intake when its thread
     * wakes (RY_CPU_BATCH). */
    cfg->cpu[RY_SVC_VALIDATION] = RY_CPU_BATCH;
    cfg->cpu[RY_SVC_QUOTA] = RY_CPU_BATCH;
    cfg->cpu[RY_SVC_NOTIFICATION] = RY_CPU_BATCH;

    const char *env_home = getenv("RONGYU_HOME");
    if (env_home && *env_home && s_copy(cfg->home, sizeof cfg->home, env_home))
        goto toolong;
    if (!path)
        path = getenv("RONGYU_CONFIG");
    char guess[600];
    struct stat st;
    if (!path || !*path) {
        snprintf(guess, sizeof guess, "%s/rongyu.conf", cfg->home);
        path = stat(guess, &st) == 0 ? guess : NULL;
    }
    if (path && *path && s_load_file(cfg, path, err, errlen) != 0)
        return RY_ECONFIG;

    /* The environment wins over the file. */
    static const struct {
        const char *env, *key;
    } simple[] = {
        {"RONGYU_HOME", "home"},
        {"RONGYU_MAP_SIZE", "map_size"},
        {"RONGYU_MAX_MAP_SIZE", "max_map_size"},
        {"RONGYU_MAX_REQUEST", "max_request"},
        {"RONGYU_MAX_ATTACHMENT", "max_attachment"},
        {"RONGYU_CLIENT_QUEUE_BYTES", "client_queue_bytes"},
        {"RONGYU_CLIENT_CONNECTIONS_PER_KEY", "client_connections_per_key"},
        {"RONGYU_OUTBOX_LIMIT", "outbox_limit"},
        {"RONGYU_CAMPAIGNS_DIR", "campaigns_dir"},
        {"RONGYU_CALENDAR_DIR", "calendar_dir"}};
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
        const char *v = getenv(simple[i].env);
        if (v && *v && s_set(cfg, simple[i].key, v) != 0) {
            snprintf(err, errlen, "environment %s: bad value '%s'",
                     simple[i].env, v);
            return RY_ECONFIG;
        }
    }
    for (int i = 0; i < RY_SVC_COUNT; i++) {
        static const char *kinds[] = {"endpoint", "bind", "round_ms", "cpu"};
        for (int k = 0; k < 4; k++) {
            char env[96], key[64];
            snprintf(key, sizeof key, "%s_%s", s_names[i], kinds[k]);
            snprintf(env, sizeof env, "RONGYU_%s", key);
            for (char *p = env; *p; p++)
                *p = (char)toupper((unsigned char)*p);
            const char *v = getenv(env);
            if (v && *v && s_set(cfg, key, v) != 0) {
                snprintf(err, errlen, "environment %s: bad value '%s'", env, v);
                return RY_ECONFIG;
            }
        }
        if (!cfg->bind[i][0])
            s_copy(cfg->bind[i], sizeof cfg->bind[i], cfg->endpoint[i]);
    }
    if (cfg->map_size > cfg->max_map_size)
        cfg->max_map_size = cfg->map_size;
    if (!cfg->campaigns_dir[0])
        if (snprintf(cfg->campaigns_dir, sizeof cfg->campaigns_dir,
                     "%.500s/campaigns", cfg->home) < 0)
            return RY_ECONFIG;
    if (!cfg->calendar_dir[0])
        if (snprintf(cfg->calendar_dir, sizeof cfg->calendar_dir,
                     "%.500s/calendar", cfg->home) < 0)
            return RY_ECONFIG;
    return 0;
toolong:
    snprintf(err, errlen, "RONGYU_HOME is too long");
    return RY_ECONFIG;
}

int
ry_config_store_dir(const ry_config_t *cfg, int svc, char *out, size_t len)
{
    int n = snprintf(out, len, "%s/%s", cfg->home, ry_service_name(svc));
    return n < 0 || (size_t)n >= len ? RY_ECONFIG : 0;
}
