/* intake_server: the intake service's store, channel and client socket. */
#include "intake_server.h"

#include "intake_cases.h"
#include "intake_deadline.h"
#include "intake_requests.h"
#include "intake_posting.h"
#include "intake_relay.h"
#include "intake_wait.h"
#include "intake_keys.h"
#include "ry_channel.h"
#include "ry_daemon.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_store.h"

#include <stdio.h>
#include <stdlib.h>

struct intake_server {
    ry_store_t *store;
    intake_cases_t *cases;
    ry_channel_t *channel;
};

/* The extensions granted before intake told notification of them. */
static int
s_tell_extensions(ry_txn_t *txn, void *arg)
{
    intake_server_t *self = arg;
    unsigned n;
    int rc = intake_deadline_tell_all(txn, self->channel, &n);
    if (!rc && n)
        ry_info(NULL,
                "%u deadline extension(s) granted earlier told to "
                "notification",
                n);
    return rc;
}

/* ry_channel_sync_apart's hooks, with the channel's context (the
 * cases). */
static void
s_committed(void *ctx)
{
    intake_wait_committed(ctx);
}

static void
s_synced(void *ctx)
{
    intake_wait_tick(ctx, true);
}

int
intake_server_new(const ry_config_t *cfg, intake_server_t **out)
{
    *out = NULL;
    intake_server_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    static const char *const tables[] = {INTAKE_TABLES, NULL};
    intake_limits_t limits = {
        .max_attachment = cfg->max_attachment,
        .outbox_limit = cfg->outbox_limit,
    };
    /* The handler needs the store and the channel needs the handler: open
     * the handler over the store once the store exists. */
    int rc = ry_daemon_open(cfg, RY_SVC_INTAKE, tables,
                            intake_cases_on_message, intake_requests_on_request,
                            NULL, &self->store, &self->channel);
    if (!rc)
        ry_store_set_case_table(self->store, "cases");
    if (!rc)
        rc = intake_cases_new(self->store, &limits, &self->cases);
    ry_campaigns_t *campaigns = NULL;
    if (!rc)
        rc = ry_daemon_campaigns(cfg, &campaigns);
    ry_calendar_t *cal = NULL;
    if (!rc)
        rc = ry_daemon_calendar(cfg, &cal);
    if (!rc) {
        intake_posting_set_calendar(self->cases, &cal);
        intake_cases_set_campaigns(self->cases, &campaigns);
        ry_channel_set_context(self->channel, self->cases);
        ry_channel_set_refuse(self->channel, intake_requests_on_refuse);
        ry_channel_set_reads_only(self->channel, intake_requests_reads_only);
        ry_channel_set_expand(self->channel, intake_relay_expand);
        intake_cases_set_channel(self->cases, self->channel);
        /* Intake's commits are synced apart: the disk syncs a round while
         * the next is applied (ry_channel_sync_apart). */
        rc = ry_channel_sync_apart(self->channel, s_committed, s_synced);
    }
    ry_campaigns_destroy(&campaigns);
    for (int svc = RY_SVC_VALIDATION; !rc && svc < RY_SVC_COUNT; svc++)
        rc = ry_channel_connect(self->channel, ry_service_name(svc),
                                cfg->endpoint[svc]);
    /* The client socket admits the registered keys: list them for the ZAP
     * handler (and register the administrator's on the first start). */
    char dir[600], path[700];
    if (!rc)
        rc = ry_keys_dir(cfg->home, dir, sizeof dir);
    if (!rc)
        ry_daemon_fault_pause("keys_pause");
    if (!rc) {
        snprintf(path, sizeof path, "%s/intake.admit", cfg->home);
        intake_keys_set_admit_dir(self->cases, path);
        snprintf(path, sizeof path, "%s/admin.cert", dir);
        rc = intake_keys_start(self->cases, path);
    }
    if (!rc)
        rc = ry_store_write(self->store, 0, s_tell_extensions, self);
    /* Clients are taken only now: a client reconnecting to a restarted
     * intake met an admission list still being rebuilt, and was refused. */
    if (!rc)
        rc = ry_channel_bind_clients(self->channel, cfg->bind[RY_SVC_INTAKE]);
    if (rc) {
        intake_server_destroy(&self);
        return rc;
    }
    *out = self;
    return 0;
}

int
intake_server_run_once(intake_server_t *self, int max_wait_ms)
{
    /* While a round is held for its sync, the waiters are answered once
     * it is synced (s_synced), not from a commit not yet on the disk. */
    int wait = ry_channel_held(self->channel)
                   ? max_wait_ms
                   : intake_wait_tick(self->cases, false);
    int rc = ry_channel_run_once(self->channel,
                                 wait < max_wait_ms ? wait : max_wait_ms);
    if (!ry_channel_held(self->channel))
        intake_wait_tick(self->cases, false);
    return rc;
}

ry_channel_t *
intake_server_channel(intake_server_t *self)
{
    return self->channel;
}

const char *
intake_server_endpoint(const intake_server_t *self)
{
    return ry_channel_client_endpoint(self->channel);
}

void
intake_server_destroy(intake_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    intake_server_t *self = *self_p;
    ry_channel_destroy(&self->channel);
    intake_cases_destroy(&self->cases);
    ry_store_destroy(&self->store);
    free(self);
    *self_p = NULL;
}
