/* intake_relay: intake's outbox rows made whole as the relay sends them. */
#include "intake_relay.h"

#include "intake_digest.h"
#include "intake_internal.h"
#include "rongyu_services.pb-c.h"
#include "ry_log.h"
#include "ry_pb.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Field numbers: Envelope.kind, .type, .payload; ValidateCase.case_id,
 * .revision, .application. */
enum { S_ENV_KIND = 1, S_ENV_TYPE = 8, S_ENV_PAYLOAD = 9 };
enum { S_VC_CASE = 1, S_VC_REVISION = 2, S_VC_APPLICATION = 3 };

int
intake_relay_expand(void *ctx, ry_txn_t *txn, const char *peer,
                    const uint8_t *row, size_t len, uint8_t **out,
                    size_t *out_len)
{
    (void)ctx;
    if (strcmp(peer, "validation") != 0)
        return 1;
    /* The envelope: a DATA one carrying a ValidateCase. */
    size_t pos = 0;
    ry_pb_field_t f, payload = {0};
    uint64_t kind = 0, type = 0;
    int more;
    while ((more = ry_pb_next(row, len, &pos, &f)) == 1) {
        if (f.number == S_ENV_KIND && f.wire == 0)
            kind = f.varint;
        else if (f.number == S_ENV_TYPE && f.wire == 0)
            type = f.varint;
        else if (f.number == S_ENV_PAYLOAD && f.wire == 2)
            payload = f;
    }
    if (more != 0 || kind != RONGYU__ENVELOPE_KIND__DATA ||
        type != RONGYU__MESSAGE_TYPE__VALIDATE_CASE || !payload.start)
        return 1;
    /* Its case and revision, and no application yet. */
    char id[INTAKE_ID_LEN + 1] = "";
    uint32_t rev = 0;
    pos = 0;
    while ((more = ry_pb_next(payload.val, payload.vlen, &pos, &f)) == 1) {
        if (f.number == S_VC_APPLICATION)
            return 1; /* stored whole */
        if (f.number == S_VC_CASE && f.wire == 2 && f.vlen == INTAKE_ID_LEN) {
            memcpy(id, f.val, INTAKE_ID_LEN);
            id[INTAKE_ID_LEN] = '\0';
        } else if (f.number == S_VC_REVISION && f.wire == 0) {
            rev = (uint32_t)f.varint;
        }
    }
    if (more != 0 || !id[0])
        return 1;
    ry_val_t app;
    uint8_t *whole = NULL;
    if (intake_cases_application_bytes(txn, id, rev, &app, &whole) != 0) {
        ry_error(id, "revision %u: no stored application to send to "
                     "validation", rev);
        return 1;
    }
    /* The application as validation reads it: without the attachments'
     * digests, which no rule reads. */
    size_t rlen = 0;
    uint8_t *bare = intake_digest_strip_bytes(app.data, app.len, &rlen);
    if (bare)
        app = (ry_val_t){bare, rlen};
    /* The payload with the application after its other fields, then the
     * envelope with that payload in place of its own: both still one
     * field each, so a reader decodes them as if packed whole. */
    size_t plen = payload.vlen + 15 + app.len;
    uint8_t *p = malloc(plen);
    if (!p)
        abort();
    size_t pn = payload.vlen;
    memcpy(p, payload.val, payload.vlen);
    ry_pb_put_bytes(p, &pn, S_VC_APPLICATION, app.data, app.len);
    uint8_t *e = malloc(len + 15 + pn);
    if (!e)
        abort();
    size_t en = 0;
    pos = 0;
    while (ry_pb_next(row, len, &pos, &f) == 1) {
        if (f.number == S_ENV_PAYLOAD) {
            ry_pb_put_bytes(e, &en, S_ENV_PAYLOAD, p, pn);
            continue;
        }
        memcpy(e + en, f.start, f.n);
        en += f.n;
    }
    free(p);
    free(bare);
    free(whole);
    *out = e;
    *out_len = en;
    return 0;
}
