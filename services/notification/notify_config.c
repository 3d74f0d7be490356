/* notify_config: the notification service's settings from the
 * environment. */
#include "notify_config.h"

#include "ry_endpoint.h"
#include "ry_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_str(const char *env, char *dst, size_t cap, char *err, size_t errlen)
{
    const char *v = getenv(env);
    if (!v || !*v)
        return 0;
    if (strlen(v) >= cap) {
        snprintf(err, errlen, "environment %s: value too long", env);
        return RY_ECONFIG;
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int
s_num(const char *env, long long lo, long long hi, long long *out, char *err,
      size_t errlen)
{
    const char *v = getenv(env);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || *end || n < lo || n > hi) {
        snprintf(err, errlen, "environment %s: '%s' is not a number in "
                              "%lld..%lld", env, v, lo, hi);
        return RY_ECONFIG;
    }
    *out = n;
    return 0;
}

int
notify_config_load(notify_config_t *nc, const ry_config_t *cfg, char *err,
                   size_t errlen)
{
    memset(nc, 0, sizeof *nc);
    /* By default the request socket and the feed sit next to the peer
     * endpoint: ports +1 and +2 (7705 and 7706 for 7704). */
    const char *peer = cfg->bind[RY_SVC_NOTIFICATION];
    if (ry_endpoint_offset(peer, 1, nc->client_bind,
                           sizeof nc->client_bind) != 0)
        snprintf(nc->client_bind, sizeof nc->client_bind, "%s",
                 NOTIFY_DEFAULT_CLIENT_ENDPOINT);
    if (ry_endpoint_offset(peer, 2, nc->pub_bind, sizeof nc->pub_bind) != 0)
        snprintf(nc->pub_bind, sizeof nc->pub_bind, "%s",
                 NOTIFY_DEFAULT_PUB_ENDPOINT);
    if (snprintf(nc->subscribers, sizeof nc->subscribers,
                 "%.580s/subscribers.json", cfg->home) < 0)
        return RY_ECONFIG;
    snprintf(nc->mail_from, sizeof nc->mail_from, "rongyu@localhost");
    long long wd = 3, pwd = 3, hour = 9, base = 1000, max = 300000, att = 0,
              tmo = 10000, act = 16;
    int rc = 0;
    rc = rc ? rc : s_num("RONGYU_NOTIFY_REMIND_WORKDAYS", 1, 60, &wd, err,
                         errlen);
    rc = rc ? rc : s_num("RONGYU_NOTIFY_REMIND_HOUR", 0, 23, &hour, err,
                         errlen);
    rc = rc ? rc : s_num("RONGYU_NOTIFY_POSTING_WORKDAYS", 1, 60, &pwd, err,
                         errlen);
    rc = rc ? rc : s_num("RONGYU_NOTIFY_RETRY_BASE_MS", 1, 86400000, &base,
                         err, errlen);
    rc = rc ? rc : s_num("RONGYU_NOTIFY_RETRY_MAX_MS", 1, 86400000, &max,
                         err, errlen);
    rc = rc ? rc : s_num("RONGYU_NOTIFY_MAX_ATTEMPTS", 0, 1000000, &att,
                         err, errlen);
    rc = rc ? rc : s_num("RONGYU_NOTIFY_TIMEOUT_MS", 100, 600000, &tmo, err,
                         errlen);
    rc = rc ? rc : s_num("RONGYU_NOTIFY_MAX_ACTIVE", 1, 1024, &act, err,
                         errlen);
    rc = rc ? rc : s_str("RONGYU_NOTIFY_CLIENT_ENDPOINT", nc->client_bind,
                         sizeof nc->client_bind, err, errlen);
    rc = rc ? rc : s_str("RONGYU_NOTIFY_PUB_ENDPOINT", nc->pub_bind,
                         sizeof nc->pub_bind, err, errlen);
    rc = rc ? rc : s_str("RONGYU_NOTIFY_SUBSCRIBERS", nc->subscribers,
                         sizeof nc->subscribers, err, errlen);
    rc = rc ? rc : s_str("RONGYU_NOTIFY_SMTP_URL", nc->smtp_url,
                         sizeof nc->smtp_url, err, errlen);
    rc = rc ? rc : s_str("RONGYU_NOTIFY_MAIL_FROM", nc->mail_from,
                         sizeof nc->mail_from, err, errlen);
    rc = rc ? rc : s_str("RONGYU_NOTIFY_FAULT", nc->fault, sizeof nc->fault,
                         err, errlen);
    if (rc)
        return rc;
    nc->remind_workdays = (int)wd;
    nc->remind_hour = (int)hour;
    nc->posting_workdays = (int)pwd;
    nc->retry_base_ms = base;
    nc->retry_max_ms = max < base ? base : max;
    nc->max_attempts = (unsigned)att;
    nc->timeout_ms = (long)tmo;
    nc->max_active = (unsigned)act;
    return 0;
}
