/* ut_pb: protobuf bytes rearranged, and decoded messages compared member
 * by member, for the unit tests and the fuzz targets (header only). */
#ifndef UT_PB_H
#define UT_PB_H

#include "rongyu.pb-c.h"
#include "rongyu_services.pb-c.h"
#include "ry_pb.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The top-level fields of the message in data, in the reverse order, in a
 * malloc'd buffer of the same length: what a client whose encoder writes
 * fields in another order than protobuf-c would send. NULL when data is
 * not a message of 2 to 16 fields. */
static inline uint8_t *
ut_pb_reversed(const uint8_t *data, size_t len)
{
    ry_pb_field_t f[16];
    size_t nf = 0, pos = 0;
    while (nf < 16 && ry_pb_next(data, len, &pos, &f[nf]) == 1)
        nf++;
    if (nf < 2 || pos != len)
        return NULL;
    uint8_t *rev = malloc(len);
    if (!rev)
        abort();
    size_t at = 0;
    for (size_t i = nf; i-- > 0; at += f[i].n)
        memcpy(rev + at, f[i].start, f[i].n);
    return rev;
}

/* The messages the services decode from outside bytes or from their
 * stores (*n of them), for tests that decode bytes as each. */
static inline const ProtobufCMessageDescriptor *const *
ut_pb_descs(size_t *n)
{
    static const ProtobufCMessageDescriptor *const descs[] = {
        &rongyu__request__descriptor,      &rongyu__reply__descriptor,
        &rongyu__application__descriptor,  &rongyu__case__descriptor,
        &rongyu__verdict__descriptor,      &rongyu__stored_verdict__descriptor,
        &rongyu__check__descriptor,        &rongyu__quantity__descriptor,
        &rongyu__envelope__descriptor,     &rongyu__case_event__descriptor,
        &rongyu__notify_timer__descriptor, &rongyu__audit_entry__descriptor,
        &rongyu__key_record__descriptor,   &rongyu__wait_reply__descriptor,
        &rongyu__status_reply__descriptor, &rongyu__delivery__descriptor,
    };
    *n = sizeof descs / sizeof descs[0];
    return descs;
}

static inline bool ut_pb_same(const ProtobufCMessage *a,
                              const ProtobufCMessage *b);

/* One element of field f at a and b. */
static inline bool
ut_pb_same_value(const ProtobufCFieldDescriptor *f, const void *a,
                 const void *b)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *x = *(char *const *)a, *y = *(char *const *)b;
        if (!x || !y)
            return x == y;
        /* the empty default, or a string decoded */
        return (x == protobuf_c_empty_string) ==
                   (y == protobuf_c_empty_string) &&
               strcmp(x, y) == 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *x = a, *y = b;
        return x->len == y->len && !x->data == !y->data &&
               (!x->len || memcmp(x->data, y->data, x->len) == 0);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *x = *(ProtobufCMessage *const *)a;
        const ProtobufCMessage *y = *(ProtobufCMessage *const *)b;
        return x && y ? ut_pb_same(x, y) : x == y;
    }
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return memcmp(a, b, 8) == 0;
    case PROTOBUF_C_TYPE_BOOL:
        return *(const protobuf_c_boolean *)a == *(const protobuf_c_boolean *)b;
    default: return memcmp(a, b, 4) == 0;
    }
}

/* Whether decoded messages a and b hold the same in every member: the
 * cases of oneofs, has_ flags, counts, every element, strings and bytes by
 * content (unset the same way), unknown fields. Stricter than
 * ry_pb_equal, which compares what packing writes. */
static inline bool
ut_pb_same(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    const ProtobufCMessageDescriptor *d = a->descriptor;
    if (b->descriptor != d || a->n_unknown_fields != b->n_unknown_fields)
        return false;
    for (size_t i = 0; i < a->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *x = &a->unknown_fields[i];
        const ProtobufCMessageUnknownField *y = &b->unknown_fields[i];
        if (x->tag != y->tag || x->wire_type != y->wire_type ||
            x->len != y->len || (x->len && memcmp(x->data, y->data, x->len)))
            return false;
    }
    const unsigned char *pa = (const unsigned char *)a;
    const unsigned char *pb = (const unsigned char *)b;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *ma = pa + f->offset, *mb = pb + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(pa + f->quantifier_offset);
            if (n != *(const size_t *)(pb + f->quantifier_offset))
                return false;
            const unsigned char *xa = *(void *const *)ma;
            const unsigned char *xb = *(void *const *)mb;
            if (!n) {
                if (!xa != !xb)
                    return false;
                continue;
            }
            size_t es;
            switch (f->type) {
            case PROTOBUF_C_TYPE_INT64:
            case PROTOBUF_C_TYPE_SINT64:
            case PROTOBUF_C_TYPE_SFIXED64:
            case PROTOBUF_C_TYPE_UINT64:
            case PROTOBUF_C_TYPE_FIXED64:
            case PROTOBUF_C_TYPE_DOUBLE: es = 8; break;
            case PROTOBUF_C_TYPE_BOOL: es = sizeof(protobuf_c_boolean); break;
            case PROTOBUF_C_TYPE_BYTES: es = sizeof(ProtobufCBinaryData); break;
            case PROTOBUF_C_TYPE_STRING:
            case PROTOBUF_C_TYPE_MESSAGE: es = sizeof(void *); break;
            default: es = 4;
            }
            for (size_t k = 0; k < n; k++)
                if (!ut_pb_same_value(f, xa + k * es, xb + k * es))
                    return false;
            continue;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t ca = *(const uint32_t *)(pa + f->quantifier_offset);
            if (ca != *(const uint32_t *)(pb + f->quantifier_offset))
                return false;
            if (ca != f->id)
                continue;
        } else if (f->quantifier_offset &&
                   *(const protobuf_c_boolean *)(pa + f->quantifier_offset) !=
                       *(const protobuf_c_boolean *)(pb +
                                                     f->quantifier_offset)) {
            return false;
        }
        if (!ut_pb_same_value(f, ma, mb))
            return false;
    }
    return true;
}

#endif
