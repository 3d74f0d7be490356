/* notify_server: the notification service: the event log and its
 * channel. */
#ifndef NOTIFY_SERVER_H
#define NOTIFY_SERVER_H

#include "ry_channel.h"
#include "ry_config.h"

/* The tables notification keeps. */
#define NOTIFY_TABLES "events", RY_CHANNEL_TABLES

typedef struct notify_server notify_server_t;

/* Opens the store and binds the peer endpoint. Returns 0, RY_EIO or
 * RY_ENET. */
int notify_server_new(const ry_config_t *cfg, notify_server_t **out);
/* The server's channel (borrowed): run it with ry_channel_run_once. */
ry_channel_t *notify_server_channel(notify_server_t *self);
void notify_server_destroy(notify_server_t **self_p);

#endif
