/* intake_relay: intake's outbox rows made whole as the relay sends them.
 *
 * A ValidateCase row holds the case id, revision, submission time and
 * applicant kind, not the application: that stays in the case's row, and
 * goes into the message as it leaves (ry_channel_set_expand). An outbox
 * row is written at submission and deleted at validation's ack; without
 * the application it is a tenth of the size, and so is what a backlog
 * holds while validation is down or behind. */
#ifndef INTAKE_RELAY_H
#define INTAKE_RELAY_H

#include "ry_store.h"

#include <stddef.h>
#include <stdint.h>

/* The expand hook of intake's channel (ctx: intake_cases_t). For a DATA
 * envelope to "validation" of type VALIDATE_CASE whose ValidateCase has
 * no application: 0 with *out the envelope with the application of that
 * revision put in (malloc'd). 1 for any other row (sent as it is: a row
 * stored whole by an earlier version, another peer, another type), and
 * for a case not found (logged; validation then refuses the row, which
 * becomes a dead letter). */
int intake_relay_expand(void *ctx, ry_txn_t *txn, const char *peer,
                        const uint8_t *row, size_t len, uint8_t **out,
                        size_t *out_len);

#endif
