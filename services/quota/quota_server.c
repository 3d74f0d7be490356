/* quota_server: answers each seat request once, in the transaction that
 * applies it. */
#include "quota_server.h"

#include "quota_ledger.h"
#include "ry_daemon.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"

#include <stdlib.h>

struct quota_server {
    ry_store_t *store;
    ry_channel_t *channel;
    ry_campaigns_t *campaigns;
};

static int
s_on_message(void *ctx, ry_txn_t *txn, const ry_msg_t *msg)
{
    quota_server_t *self = ctx;
    if (msg->type != RONGYU__MESSAGE_TYPE__SEAT_REQUEST)
        return RY_EINVAL;
    Rongyu__SeatRequest *req = (Rongyu__SeatRequest *)ry_pb_unpack(
        &rongyu__seat_request__descriptor, msg->payload, msg->len, 0);
    if (!req || !*req->case_id) {
        ry_pb_free(&req);
        return RY_EMALFORMED;
    }
    Rongyu__SeatResult res = RONGYU__SEAT_RESULT__INIT;
    int rc = quota_ledger_apply(txn, self->campaigns, req, &res);
    if (!rc) {
        rc = ry_channel_send_msg(self->channel, txn, msg->sender,
                                 RONGYU__MESSAGE_TYPE__SEAT_RESULT,
                                 req->case_id, &res.base);
    }
    ry_pb_free(&req);
    return rc;
}

int
quota_server_new(const ry_config_t *cfg, quota_server_t **out)
{
    *out = NULL;
    quota_server_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    int rc = ry_daemon_campaigns(cfg, &self->campaigns);
    static const char *const tables[] = {QUOTA_TABLES, RY_CHANNEL_TABLES,
                                         NULL};
    if (!rc)
        rc = ry_daemon_open(cfg, RY_SVC_QUOTA, tables, s_on_message, NULL,
                            self, &self->store, &self->channel);
    if (!rc)
        rc = ry_channel_bind_peers(self->channel, cfg->bind[RY_SVC_QUOTA]);
    if (rc) {
        quota_server_destroy(&self);
        return rc;
    }
    ry_store_set_case_table(self->store, "holds"); /* a case's seat */
    *out = self;
    return 0;
}

ry_channel_t *
quota_server_channel(quota_server_t *self)
{
    return self->channel;
}

void
quota_server_destroy(quota_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    quota_server_t *self = *self_p;
    ry_channel_destroy(&self->channel);
    ry_store_destroy(&self->store);
    ry_campaigns_destroy(&self->campaigns);
    free(self);
    *self_p = NULL;
}
