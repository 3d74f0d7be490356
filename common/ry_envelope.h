/* ry_envelope: a peer's Envelope read in place. Its scalars and strings
 * are read from the frame, its payload and batch items are left where
 * they are (pointers into the frame), without decoding or copying them:
 * a batch of hundreds of rows is not copied twice, once as the batch and
 * once as each item, as a generic decoder does.
 *
 * It refuses every frame protobuf-c's decoder of Envelope refuses (a
 * known field with another wire type, a truncated field, a tag or length
 * padded past 5 bytes, a StoreStats that does not decode) and reads the
 * same fields from the others: unknown fields are skipped, the last of a
 * repeated scalar wins, a string ends at its first NUL byte as the
 * decoded C string does. One kind more is refused, as ry_pb_next refuses
 * it: a tag whose field number is 0 or does not fit in 29 bits, which
 * protobuf-c reads by dropping the bits that overflow. ry_pb_unpack's cap
 * on what a decoder allocates has no part here: this reader allocates
 * only a copy of the three strings, whatever the frame holds. */
#ifndef RY_ENVELOPE_H
#define RY_ENVELOPE_H

#include "rongyu_services.pb-c.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    Rongyu__EnvelopeKind kind;
    const char *sender_id; /* NUL-terminated, never NULL */
    uint64_t link_seq;
    uint64_t ack_seq;
    const char *correlation_id; /* NUL-terminated, never NULL */
    uint32_t schema_version;
    Rongyu__MessageType type;
    const uint8_t *payload; /* into the frame; NULL when empty */
    size_t payload_len;
    const char *reason;        /* NUL-terminated, never NULL */
    size_t n_items;            /* BATCH: items, read with ry_envelope_item */
    Rongyu__StoreStats *store; /* PONG: decoded; NULL when absent */
    /* private */
    const uint8_t *frame_;
    size_t len_;
    char *heap_;
    char inline_[192];
} ry_envelope_t;

/* Reads the Envelope of frame[0..len) into *e (which points into frame
 * and into itself afterwards: keep the frame until ry_envelope_release,
 * and use *e where it is, not a copy). Returns 0, or -1 when the bytes
 * are not an Envelope, or when its StoreStats decode past ry_pb_unpack's
 * cap on allocation (thousands of unknown fields: the frame is refused as
 * any message past the cap is); then *e holds nothing to release. */
int ry_envelope_read(ry_envelope_t *e, const uint8_t *frame, size_t len);

/* The next batch item (field 11) of e from *pos (0 to begin): its bytes
 * into the frame. Returns 1, or 0 after the last. */
int ry_envelope_item(const ry_envelope_t *e, size_t *pos, const uint8_t **item,
                     size_t *len);

/* Frees what ry_envelope_read allocated (long strings, the StoreStats). */
void ry_envelope_release(ry_envelope_t *e);

#endif
