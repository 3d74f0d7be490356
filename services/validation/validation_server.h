/* validation_server: the validation service: campaigns, calendar, the
 * verdict store and its channel. */
#ifndef VALIDATION_SERVER_H
#define VALIDATION_SERVER_H

#include "ry_channel.h"
#include "ry_config.h"

/* The tables validation keeps. */
#define VALIDATION_TABLES "verdicts", RY_CHANNEL_TABLES

typedef struct validation_server validation_server_t;

/* Loads the default campaign and every campaign file in
 * cfg->campaigns_dir, opens the store and binds the peer endpoint.
 * Returns 0, RY_ECONFIG (a bad campaign file, logged with the file, field
 * and reason), RY_EIO or RY_ENET. */
int validation_server_new(const ry_config_t *cfg, validation_server_t **out);
/* The server's channel (borrowed): run it with ry_channel_run_once. */
ry_channel_t *validation_server_channel(validation_server_t *self);
const char *validation_server_endpoint(const validation_server_t *self);
void validation_server_destroy(validation_server_t **self_p);

#endif
