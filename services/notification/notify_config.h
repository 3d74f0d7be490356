/* notify_config: the notification service's own settings, read from the
 * environment (ry_config holds what every service shares). */
#ifndef NOTIFY_CONFIG_H
#define NOTIFY_CONFIG_H

#include "ry_config.h"

#include <stdint.h>

typedef struct {
    int remind_workdays;     /* RONGYU_NOTIFY_REMIND_WORKDAYS, 3 */
    int remind_hour;         /* RONGYU_NOTIFY_REMIND_HOUR, 9 (Beijing) */
    int posting_workdays;    /* RONGYU_NOTIFY_POSTING_WORKDAYS, 3 */
    char client_bind[256];   /* RONGYU_NOTIFY_CLIENT_ENDPOINT, peer+1 */
    char pub_bind[256];      /* RONGYU_NOTIFY_PUB_ENDPOINT, peer+2 */
    char subscribers[600];   /* RONGYU_NOTIFY_SUBSCRIBERS */
    char smtp_url[256];      /* RONGYU_NOTIFY_SMTP_URL, "" = no e-mail */
    char mail_from[256];     /* RONGYU_NOTIFY_MAIL_FROM */
    int64_t retry_base_ms;   /* RONGYU_NOTIFY_RETRY_BASE_MS, 1000 */
    int64_t retry_max_ms;    /* RONGYU_NOTIFY_RETRY_MAX_MS, 300000 */
    unsigned max_attempts;   /* RONGYU_NOTIFY_MAX_ATTEMPTS, 0 = forever */
    long timeout_ms;         /* RONGYU_NOTIFY_TIMEOUT_MS, 10000 */
    unsigned max_active;     /* RONGYU_NOTIFY_MAX_ACTIVE, 16 */
    char fault[64];          /* RONGYU_NOTIFY_FAULT, tests only */
} notify_config_t;

/* Used when nothing is set and the notification endpoint is not
 * "tcp://HOST:PORT" (otherwise its ports +1 and +2 are the defaults). */
#define NOTIFY_DEFAULT_CLIENT_ENDPOINT "tcp://127.0.0.1:7705"
#define NOTIFY_DEFAULT_PUB_ENDPOINT "tcp://127.0.0.1:7706"

/* Fills 'nc' with the defaults and the environment; the subscribers file
 * defaults to <cfg->home>/subscribers.json. Returns 0, or RY_ECONFIG with
 * the variable and value named in err. */
int notify_config_load(notify_config_t *nc, const ry_config_t *cfg,
                       char *err, size_t errlen);

#endif
