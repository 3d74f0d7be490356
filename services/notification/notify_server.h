/* notify_server: the notification service: the case events it is sent,
 * the timers it keeps, the deliveries it makes, its request socket and
 * its loop. */
#ifndef NOTIFY_SERVER_H
#define NOTIFY_SERVER_H

#include "notify_config.h"
#include "notify_deliver.h"
#include "notify_events.h"
#include "notify_timers.h"
#include "ry_channel.h"
#include "ry_config.h"

/* The tables notification keeps. */
#include "notify_extensions.h"
#include "notify_readers.h"

#define NOTIFY_TABLES                                                          \
    NOTIFY_EVENT_TABLES, NOTIFY_TIMER_TABLES, NOTIFY_DELIVER_TABLES,           \
        NOTIFY_EXTENSION_TABLES, RY_CHANNEL_TABLES

typedef struct notify_server notify_server_t;

/* Opens the store, binds the peer endpoint (cfg), the request endpoint
 * and the feed (nc; NULL: read from the environment), loads the
 * campaigns, the calendar and the subscribers, and schedules the
 * campaigns' timers. Returns 0, RY_ECONFIG, RY_EIO or RY_ENET. */
int notify_server_new(const ry_config_t *cfg, const notify_config_t *nc,
                      notify_server_t **out);
/* The server's channel (borrowed). */
ry_channel_t *notify_server_channel(notify_server_t *self);
/* The endpoints bound (borrowed). */
const char *notify_server_client_endpoint(const notify_server_t *self);
const char *notify_server_pub_endpoint(const notify_server_t *self);

/* One round of the loop: reloads the subscribers when their file
 * changed, fires the timers that are due (each in the transaction that
 * writes its deliveries), works off the deliveries, then runs the channel
 * for at most max_wait_ms (less when a timer or a delivery falls due
 * sooner). Returns 0, or the channel's error (RY_EIO, RY_EFULL, RY_ENET)
 * for the caller to back off (ry_daemon_backoff). */
int notify_server_run_once(notify_server_t *self, int max_wait_ms);

/* Runs rounds until *stop becomes non-zero. */
void notify_server_loop(notify_server_t *self, volatile int *stop);

void notify_server_destroy(notify_server_t **self_p);

#endif
