/* validation_server: evaluates each submitted case once and keeps the
 * verdicts. */
#include "validation_server.h"

#include "rongyu_services.pb-c.h"
#include "ry_calendar.h"
#include "ry_campaign.h"
#include "ry_channel.h"
#include "ry_clock.h"
#include "ry_daemon.h"
#include "ry_error.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_store.h"
#include "ry_str.h"
#include "ry_verdict.h"
#include "validation_rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct validation_server {
    ry_store_t *store;
    ry_channel_t *channel;
    ry_campaigns_t *campaigns;
    ry_calendar_t *calendar;
};

/* The verdict for one revision of a case: evaluated at most once, so a
 * message delivered again gets the same answer. */
static int
s_verdict(validation_server_t *self, ry_txn_t *txn,
          const Rongyu__ValidateCase *vc, uint8_t **out, size_t *len)
{
    /* case id | revision in 8 hex digits ("%s|%08x", without printf). */
    char key[200], hex[17];
    ry_str_hex64(hex, vc->revision);
    size_t n = ry_str_cat(key, sizeof key, vc->case_id, "|", hex + 8,
                          (char *)NULL);
    if (n >= sizeof key)
        return RY_EINVAL;
    ry_val_t v;
    int rc = ry_txn_get(txn, "verdicts", key, n, &v);
    if (rc == 0) {
        ry_info(vc->case_id, "revision %u already judged; same verdict sent",
                vc->revision);
        *out = malloc(v.len ? v.len : 1);
        if (!*out)
            abort();
        memcpy(*out, v.data, v.len);
        *len = v.len;
        return 0;
    }
    if (rc != RY_ENOTFOUND)
        return rc;
    const ry_campaign_t *c =
        ry_campaigns_find(self->campaigns, vc->application->campaign_id);
    Rongyu__Verdict *verdict = NULL;
    validation_facts_t facts = {.submitted_at_ms = vc->submitted_at_ms,
                                .applicant_kind = vc->applicant_kind,
                                .awarded_case = vc->awarded_case,
                                .awarded_campaign = vc->awarded_campaign,
                                .unit_deadline = vc->unit_deadline};
    rc = validation_evaluate(c, self->calendar, vc->application, &facts,
                             &verdict);
    if (rc)
        return rc;
    verdict->decided_at_ms = ry_clock_now_ms();
    /* Stored and sent in its stored form (ry_verdict): rule numbers and
     * only the typed values the application does not give again; the
     * rest, and the texts, are filled in where the verdict is read. */
    *out = ry_verdict_pack(verdict, vc->application, len);
    ry_info(vc->case_id, "revision %u: %s", vc->revision,
            verdict->eligible ? "eligible" : "ineligible");
    validation_verdict_free(&verdict);
    return ry_txn_put(txn, "verdicts", key, n, *out, *len, 0);
}

static int
s_on_message(void *ctx, ry_txn_t *txn, const ry_msg_t *msg)
{
    validation_server_t *self = ctx;
    if (msg->type != RONGYU__MESSAGE_TYPE__VALIDATE_CASE)
        return RY_EINVAL;
    Rongyu__ValidateCase *vc = (Rongyu__ValidateCase *)ry_pb_unpack(
        &rongyu__validate_case__descriptor, msg->payload, msg->len, 0);
    if (!vc || !vc->application || !vc->case_id || !*vc->case_id) {
        ry_pb_free(&vc);
        return RY_EMALFORMED;
    }
    uint8_t *packed = NULL;
    size_t plen = 0;
    int rc = s_verdict(self, txn, vc, &packed, &plen);
    if (rc == 0) {
        /* The ValidationResult is the case, the revision and the verdict
         * as stored, its bytes used as they are (field 3, length-
         * delimited): the verdict is encoded once. */
        Rongyu__ValidationResult res = RONGYU__VALIDATION_RESULT__INIT;
        res.case_id = vc->case_id;
        res.revision = vc->revision;
        size_t hlen = protobuf_c_message_get_packed_size(&res.base);
        uint8_t *buf = malloc(hlen + 11 + plen);
        if (!buf)
            abort();
        size_t n = protobuf_c_message_pack(&res.base, buf);
        ry_pb_put_bytes(buf, &n, 3, packed, plen);
        rc = ry_channel_send(self->channel, txn, msg->sender,
                             RONGYU__MESSAGE_TYPE__VALIDATION_RESULT,
                             vc->case_id, buf, n);
        free(buf);
    }
    free(packed);
    ry_pb_free(&vc);
    return rc;
}

int
validation_server_new(const ry_config_t *cfg, validation_server_t **out)
{
    *out = NULL;
    validation_server_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    int rc = ry_daemon_campaigns(cfg, &self->campaigns);
    if (!rc)
        rc = ry_daemon_calendar(cfg, &self->calendar);
    static const char *const tables[] = {VALIDATION_TABLES, NULL};
    if (!rc)
        rc = ry_daemon_open(cfg, RY_SVC_VALIDATION, tables, s_on_message, NULL,
                            self, &self->store, &self->channel);
    if (!rc)
        rc = ry_channel_bind_peers(self->channel, cfg->bind[RY_SVC_VALIDATION]);
    if (rc) {
        validation_server_destroy(&self);
        return rc;
    }
    ry_store_set_case_table(self->store, "verdicts");
    *out = self;
    return 0;
}

ry_channel_t *
validation_server_channel(validation_server_t *self)
{
    return self->channel;
}

const char *
validation_server_endpoint(const validation_server_t *self)
{
    return ry_channel_peer_endpoint(self->channel);
}

void
validation_server_destroy(validation_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    validation_server_t *self = *self_p;
    ry_channel_destroy(&self->channel);
    ry_store_destroy(&self->store);
    ry_calendar_destroy(&self->calendar);
    ry_campaigns_destroy(&self->campaigns);
    free(self);
    *self_p = NULL;
}
