/* quota_server: the quota service: campaigns, the seat ledger and its
 * channel. */
#ifndef QUOTA_SERVER_H
#define QUOTA_SERVER_H

#include "ry_channel.h"
#include "ry_config.h"

typedef struct quota_server quota_server_t;

/* Loads the campaigns, opens the store and binds the peer endpoint.
 * Returns 0, RY_ECONFIG, RY_EIO or RY_ENET. */
int quota_server_new(const ry_config_t *cfg, quota_server_t **out);
/* The server's channel (borrowed): run it with ry_channel_run_once. */
ry_channel_t *quota_server_channel(quota_server_t *self);
void quota_server_destroy(quota_server_t **self_p);

#endif
