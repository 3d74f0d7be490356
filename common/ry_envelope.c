/* ry_envelope: a peer's Envelope read in place (see ry_envelope.h). */
#include "ry_envelope.h"

#include "ry_pb.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Envelope's field numbers (proto/rongyu_services.proto). */
enum {
    S_KIND = 1,
    S_SENDER = 2,
    S_LINK_SEQ = 3,
    S_ACK_SEQ = 4,
    S_MSG_ID = 5,
    S_CORRELATION = 6,
    S_SCHEMA = 7,
    S_TYPE = 8,
    S_PAYLOAD = 9,
    S_REASON = 10,
    S_ITEMS = 11,
    S_STORE = 200
};

/* The wire type a known field must come with; -1 for an unknown field. */
static int
s_wire(uint32_t number)
{
    switch (number) {
    case S_KIND:
    case S_LINK_SEQ:
    case S_ACK_SEQ:
    case S_SCHEMA:
    case S_TYPE: return 0;
    case S_SENDER:
    case S_MSG_ID:
    case S_CORRELATION:
    case S_PAYLOAD:
    case S_REASON:
    case S_ITEMS:
    case S_STORE: return 2;
    default: return -1;
    }
}

/* Whether protobuf-c reads the tag of f, and its length when it has one:
 * each in at most 5 bytes (a longer, padded one it refuses). */
static bool
s_short_enough(const ry_pb_field_t *f)
{
    size_t tag = 1;
    while (tag < f->n && (f->start[tag - 1] & 0x80))
        tag++;
    return tag <= 5 && (f->wire != 2 || (size_t)(f->val - f->start) - tag <= 5);
}

/* Copies a string field (absent: a zeroed field, the empty string) up to
 * its first NUL, as its decoded C string reads, to *at, and moves *at past
 * its terminating NUL. */
static const char *
s_string(const ry_pb_field_t *f, char **at)
{
    char *s = *at;
    const uint8_t *nul = f->vlen ? memchr(f->val, 0, f->vlen) : NULL;
    size_t n = nul ? (size_t)(nul - f->val) : f->vlen;
    if (n)
        memcpy(s, f->val, n);
    s[n] = '\0';
    *at = s + n + 1;
    return s;
}

/* StoreStats from its occurrences in the frame: one is decoded where it
 * is. Several must each decode, as a decoder reads each; they are then
 * merged as the protobuf encoding defines it, by decoding them one after
 * the other (protobuf-c 1.4.1's own merge drops the numbers of all but
 * the last). */
static int
s_store(ry_envelope_t *e, const ry_pb_field_t *last, size_t count, size_t total)
{
    if (count == 1) {
        e->store = (Rongyu__StoreStats *)ry_pb_unpack(
            &rongyu__store_stats__descriptor, last->val, last->vlen, 0);
        return e->store ? 0 : -1;
    }
    uint8_t *joined = malloc(total ? total : 1);
    if (!joined)
        abort();
    size_t pos = 0, at = 0;
    ry_pb_field_t f;
    while (ry_pb_next(e->frame_, e->len_, &pos, &f) == 1) {
        if (f.number != S_STORE)
            continue;
        Rongyu__StoreStats *one = (Rongyu__StoreStats *)ry_pb_unpack(
            &rongyu__store_stats__descriptor, f.val, f.vlen, 0);
        if (!one) {
            free(joined);
            return -1;
        }
        ry_pb_free(&one);
        memcpy(joined + at, f.val, f.vlen);
        at += f.vlen;
    }
    e->store = (Rongyu__StoreStats *)ry_pb_unpack(
        &rongyu__store_stats__descriptor, joined, total, 0);
    free(joined);
    return e->store ? 0 : -1;
}

int
ry_envelope_read(ry_envelope_t *e, const uint8_t *frame, size_t len)
{
    memset(e, 0, offsetof(ry_envelope_t, inline_));
    e->frame_ = frame;
    e->len_ = len;
    ry_pb_field_t f, sender = {0}, corr = {0}, reason = {0}, store = {0};
    size_t pos = 0, stores = 0, store_total = 0;
    int more;
    while ((more = ry_pb_next(frame, len, &pos, &f)) == 1) {
        if (!s_short_enough(&f))
            return -1;
        int want = s_wire(f.number);
        if (want < 0)
            continue; /* unknown: skipped */
        if ((int)f.wire != want)
            return -1;
        switch (f.number) {
        case S_KIND: e->kind = (Rongyu__EnvelopeKind)(int32_t)f.varint; break;
        case S_SENDER: sender = f; break;
        case S_LINK_SEQ: e->link_seq = f.varint; break;
        case S_ACK_SEQ: e->ack_seq = f.varint; break;
        case S_CORRELATION: corr = f; break;
        case S_SCHEMA: e->schema_version = (uint32_t)f.varint; break;
        case S_TYPE: e->type = (Rongyu__MessageType)(int32_t)f.varint; break;
        case S_PAYLOAD:
            e->payload = f.vlen ? f.val : NULL;
            e->payload_len = f.vlen;
            break;
        case S_REASON: reason = f; break;
        case S_ITEMS: e->n_items++; break;
        case S_STORE:
            store = f;
            stores++;
            store_total += f.vlen;
            break;
        default: break; /* msg_id: not read */
        }
    }
    if (more < 0)
        return -1;
    size_t need = sender.vlen + corr.vlen + reason.vlen + 3;
    char *at = e->inline_;
    if (need > sizeof e->inline_) {
        e->heap_ = malloc(need);
        if (!e->heap_)
            abort();
        at = e->heap_;
    }
    e->sender_id = s_string(&sender, &at);
    e->correlation_id = s_string(&corr, &at);
    e->reason = s_string(&reason, &at);
    if (stores && s_store(e, &store, stores, store_total) != 0) {
        ry_envelope_release(e);
        return -1;
    }
    return 0;
}

int
ry_envelope_item(const ry_envelope_t *e, size_t *pos, const uint8_t **item,
                 size_t *len)
{
    ry_pb_field_t f;
    while (ry_pb_next(e->frame_, e->len_, pos, &f) == 1)
        if (f.number == S_ITEMS) {
            *item = f.val;
            *len = f.vlen;
            return 1;
        }
    return 0;
}

void
ry_envelope_release(ry_envelope_t *e)
{
    free(e->heap_);
    e->heap_ = NULL;
    ry_pb_free(&e->store);
}
