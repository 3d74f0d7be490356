/* intake_server: the intake service: its store, its channel to the other
 * services and the client socket. */
#ifndef INTAKE_SERVER_H
#define INTAKE_SERVER_H

#include "ry_channel.h"
#include "ry_config.h"

typedef struct intake_server intake_server_t;

/* Opens the store under cfg->home, binds the client endpoint and connects
 * to validation, quota and notification. Returns 0, RY_EIO or RY_ENET. */
int intake_server_new(const ry_config_t *cfg, intake_server_t **out);

/* One round: the channel's (waiting at most max_wait_ms, less when a
 * long poll's time runs out sooner), then the long polls that it
 * settled. Returns what ry_channel_run_once returns. */
int intake_server_run_once(intake_server_t *self, int max_wait_ms);

/* The server's channel (borrowed): run it with ry_channel_run_once. */
ry_channel_t *intake_server_channel(intake_server_t *self);

/* The client endpoint actually bound (useful with port '*'). */
const char *intake_server_endpoint(const intake_server_t *self);

void intake_server_destroy(intake_server_t **self_p);

#endif
