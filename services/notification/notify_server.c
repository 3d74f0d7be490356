/* notify_server: keeps every case event it is sent, once. */
#include "notify_server.h"

#include "rongyu.pb-c.h"
#include "ry_daemon.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"

#include <stdlib.h>
#include <string.h>

struct notify_server {
    ry_store_t *store;
    ry_channel_t *channel;
};

/* Events are kept under "sender\0seq": the channel applies each sequence
 * number once, so each event is stored once. */
static int
s_on_message(void *ctx, ry_txn_t *txn, const ry_msg_t *msg)
{
    (void)ctx;
    if (msg->type != RONGYU__MESSAGE_TYPE__CASE_EVENT)
        return RY_EINVAL;
    Rongyu__CaseEvent *ev = (Rongyu__CaseEvent *)ry_pb_unpack(
        &rongyu__case_event__descriptor, msg->payload, msg->len, 0);
    if (!ev || !*ev->case_id) {
        ry_pb_free(&ev);
        return RY_EMALFORMED;
    }
    uint8_t key[80];
    size_t n = strlen(msg->sender);
    if (n > 64)
        n = 64;
    memcpy(key, msg->sender, n);
    key[n] = '\0';
    ry_be64_put(key + n + 1, msg->seq);
    int rc = ry_txn_put(txn, "events", key, n + 9, msg->payload, msg->len,
                        RY_PUT_APPEND);
    if (!rc)
        ry_info(ev->case_id, "event %s (%s)", ev->event, ev->organising_unit);
    ry_pb_free(&ev);
    return rc;
}

int
notify_server_new(const ry_config_t *cfg, notify_server_t **out)
{
    *out = NULL;
    notify_server_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    static const char *const tables[] = {NOTIFY_TABLES, NULL};
    int rc = ry_daemon_open(cfg, RY_SVC_NOTIFICATION, tables, s_on_message,
                            NULL, self, &self->store, &self->channel);
    if (rc) {
        free(self);
        return rc;
    }
    *out = self;
    return 0;
}

ry_channel_t *
notify_server_channel(notify_server_t *self)
{
    return self->channel;
}

void
notify_server_destroy(notify_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notify_server_t *self = *self_p;
    ry_channel_destroy(&self->channel);
    ry_store_destroy(&self->store);
    free(self);
    *self_p = NULL;
}
