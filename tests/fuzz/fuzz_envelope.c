/* Fuzz target: a peer frame as intake receives it: read in place by
 * ry_envelope, which must refuse what protobuf-c's decoder refuses, read
 * the same fields from the rest, and refuse more only for a tag
 * ry_pb_next refuses or for StoreStats that decode past ry_pb_unpack's
 * cap on allocation (else abort), then a DATA envelope's
 * payload, or each DATA item of a batch, through intake's message
 * handler (ValidationResult, SeatResult, ...) against a real store. Each
 * input's transaction is aborted. */
#include <stddef.h>
#include <stdint.h>
#include "intake_cases.h"
#include "intake_requests.h"
#include "rongyu_services.pb-c.h"
#include "ry_campaign.h"
#include "ry_channel.h"
#include "ry_envelope.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_store.h"
#include "fz_util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static ry_store_t *s_store;
static intake_cases_t *s_cases;
static ry_channel_t *s_channel; /* no socket: sends only go to the outbox */

static void
s_init(void)
{
    ry_log_level = -1;
    static const char *const tables[] = {INTAKE_TABLES, NULL};
    if (ry_store_open(&s_store, fz_dir(), (size_t)256 << 20, tables))
        abort();
    intake_limits_t lim = {.max_attachment = 1 << 20, .outbox_limit = 1000};
    if (intake_cases_new(s_store, &lim, &s_cases))
        abort();
    ry_campaigns_t *c;
    if (ry_campaigns_new(&c))
        abort();
    intake_cases_set_campaigns(s_cases, &c);
    ry_channel_opts_t o = {.self_id = "intake",
                           .store = s_store,
                           .on_message = intake_cases_on_message,
                           .on_request = intake_requests_on_request,
                           .ctx = s_cases};
    if (ry_channel_new(&o, &s_channel))
        abort();
    intake_cases_set_channel(s_cases, s_channel);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* Whether the frame's StoreStats (field 200, its occurrences merged as
 * the encoding merges them: one after the other) decode past
 * ry_pb_unpack's cap: unknown fields by the thousand, which ry_envelope
 * refuses as ry_pb_unpack refuses any message past it. */
static bool
s_store_past_cap(const uint8_t *data, size_t len)
{
    uint8_t *joined = malloc(len ? len : 1);
    if (!joined)
        abort();
    size_t pos = 0, n = 0;
    ry_pb_field_t f;
    while (ry_pb_next(data, len, &pos, &f) == 1)
        if (f.number == 200 && f.wire == 2) {
            memcpy(joined + n, f.val, f.vlen);
            n += f.vlen;
        }
    ProtobufCMessage *capped =
        n ? ry_pb_unpack(&rongyu__store_stats__descriptor, joined, n, 0) : NULL;
    bool past = n && !capped;
    ry_pb_free(&capped);
    free(joined);
    return past;
}

/* The fields both readers give alike (the payload and items are compared
 * by where they lie, the StoreStats by presence: several are merged
 * differently). */
static void
s_same(const ry_envelope_t *e, const Rongyu__Envelope *d)
{
    if (e->kind != d->kind || strcmp(e->sender_id, d->sender_id) ||
        e->link_seq != d->link_seq || e->ack_seq != d->ack_seq ||
        strcmp(e->correlation_id, d->correlation_id) ||
        e->schema_version != d->schema_version || e->type != d->type ||
        e->payload_len != d->payload.len ||
        (e->payload_len &&
         memcmp(e->payload, d->payload.data, e->payload_len)) ||
        strcmp(e->reason, d->reason) || e->n_items != d->n_items ||
        (e->store == NULL) != (d->store == NULL))
        abort();
}

/* A DATA envelope through intake's handler, in a transaction aborted. */
static void
s_handle(const ry_envelope_t *e)
{
    if (e->kind != RONGYU__ENVELOPE_KIND__DATA)
        return;
    ry_txn_t *txn;
    if (ry_txn_begin(s_store, NULL, true, &txn))
        abort();
    ry_msg_t m = {e->sender_id,      e->link_seq, e->type,
                  e->correlation_id, e->payload,  e->payload_len};
    intake_cases_on_message(s_cases, txn, &m);
    ry_txn_abort(&txn);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (!s_store)
        s_init();
    /* protobuf-c without ry_pb_unpack's cap, which ry_envelope does not
     * need (it allocates only its strings). */
    Rongyu__Envelope *d = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, data, len, (size_t)1 << 30);
    ry_envelope_t e;
    int rc = ry_envelope_read(&e, data, len);
    if (rc == 0 && !d)
        abort(); /* read what protobuf-c refuses */
    if (rc) {
        /* Refused where protobuf-c read it: only for a bad tag. */
        size_t pos = 0;
        ry_pb_field_t f;
        int more;
        while ((more = ry_pb_next(data, len, &pos, &f)) == 1)
            ;
        if (d && more >= 0 && !s_store_past_cap(data, len))
            abort();
        ry_pb_free(&d);
        return 0;
    }
    s_same(&e, d);
    ry_pb_free(&d);
    s_handle(&e);
    if (e.kind == RONGYU__ENVELOPE_KIND__BATCH) {
        size_t at = 0, ilen;
        const uint8_t *it;
        while (ry_envelope_item(&e, &at, &it, &ilen)) {
            ry_envelope_t item;
            if (ry_envelope_read(&item, it, ilen) == 0) {
                s_handle(&item);
                ry_envelope_release(&item);
            }
        }
    }
    ry_envelope_release(&e);
    return 0;
}
