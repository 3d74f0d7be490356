/* Fuzz target: a peer frame as intake receives it: the rongyu.Envelope
 * decoder, then a DATA envelope's payload through intake's message
 * handler (ValidationResult, SeatResult, ...) against a real store. Each
 * input's transaction is aborted. */
#include <stddef.h>
#include <stdint.h>
#include "intake_cases.h"
#include "intake_requests.h"
#include "rongyu_services.pb-c.h"
#include "ry_campaign.h"
#include "ry_channel.h"
#include "ry_log.h"
#include "ry_pb.h"
#include "ry_store.h"
#include "fz_util.h"

#include <stdlib.h>

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (!s_store)
        s_init();
    Rongyu__Envelope *e = (Rongyu__Envelope *)ry_pb_unpack(
        &rongyu__envelope__descriptor, data, len, 0);
    if (!e)
        return 0;
    if (e->kind == RONGYU__ENVELOPE_KIND__DATA) {
        ry_txn_t *txn;
        if (ry_txn_begin(s_store, NULL, true, &txn))
            abort();
        ry_msg_t m = {e->sender_id,      e->link_seq,     e->type,
                      e->correlation_id, e->payload.data, e->payload.len};
        intake_cases_on_message(s_cases, txn, &m);
        ry_txn_abort(&txn);
    }
    ry_pb_free(&e);
    return 0;
}
