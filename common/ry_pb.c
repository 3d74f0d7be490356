/* ry_pb: decoding untrusted protobuf frames with a cap on allocation. */
#include "ry_pb.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t left;
} s_budget_t;

/* Each block carries its size in a header so free needs no budget. */
#define S_HDR 16

static void *
s_alloc(void *data, size_t size)
{
    s_budget_t *b = data;
    if (b) {
        if (size + S_HDR > b->left)
            return NULL;
        b->left -= size + S_HDR;
    }
    unsigned char *p = malloc(size + S_HDR);
    if (!p)
        abort();
    return p + S_HDR;
}

static void
s_free(void *data, void *ptr)
{
    (void)data;
    if (ptr)
        free((unsigned char *)ptr - S_HDR);
}

ProtobufCMessage *
ry_pb_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data,
             size_t len, size_t cap)
{
    s_budget_t budget = {cap ? cap : 4 * len + 65536};
    ProtobufCAllocator a = {s_alloc, s_free, &budget};
    return protobuf_c_message_unpack(d, &a, len, data);
}

void
ry_pb_free(void *msg_p)
{
    ProtobufCMessage **p = msg_p;
    if (!p || !*p)
        return;
    ProtobufCAllocator a = {s_alloc, s_free, NULL};
    protobuf_c_message_free_unpacked(*p, &a);
    *p = NULL;
}

uint8_t *
ry_pb_pack(const ProtobufCMessage *msg, size_t *len)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        abort();
    *len = protobuf_c_message_pack(msg, buf);
    return buf;
}

void
ry_pb_set_string(char **field, const char *value)
{
    if (*field && *field != protobuf_c_empty_string)
        s_free(NULL, *field);
    if (!value || !*value) {
        *field = (char *)protobuf_c_empty_string;
        return;
    }
    size_t n = strlen(value) + 1;
    *field = s_alloc(NULL, n);
    memcpy(*field, value, n);
}

/* A varint at data[*pos..len); -1 when it runs past the end or is longer
 * than ten bytes. */
static int
s_varint(const uint8_t *data, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*pos >= len)
            return -1;
        uint8_t b = data[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

int
ry_pb_next(const uint8_t *data, size_t len, size_t *pos, ry_pb_field_t *f)
{
    if (*pos >= len)
        return 0;
    size_t at = *pos;
    uint64_t tag, v;
    if (s_varint(data, len, pos, &tag) || tag >> 3 == 0 || tag >> 3 > 0x1fffffff)
        return -1;
    f->number = (uint32_t)(tag >> 3);
    f->wire = (unsigned)(tag & 7);
    f->val = NULL;
    f->vlen = 0;
    switch (f->wire) {
    case 0:
        if (s_varint(data, len, pos, &v))
            return -1;
        break;
    case 1:
    case 5: {
        size_t w = f->wire == 1 ? 8 : 4;
        if (len - *pos < w)
            return -1;
        *pos += w;
        break;
    }
    case 2:
        if (s_varint(data, len, pos, &v) || v > len - *pos)
            return -1;
        f->val = data + *pos;
        f->vlen = (size_t)v;
        *pos += (size_t)v;
        break;
    default: return -1;
    }
    f->start = data + at;
    f->n = *pos - at;
    return 1;
}

void
ry_pb_append_string(uint8_t **buf, size_t *len, uint32_t number,
                    const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (!n)
        return;
    uint8_t *grown = realloc(*buf, *len + 20 + n);
    if (!grown)
        abort();
    size_t at = *len;
    for (uint64_t v = (uint64_t)number << 3 | 2, i = 0; i < 2; i++) {
        for (;;) {
            grown[at++] = (uint8_t)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
            if (v < 0x80)
                break;
            v >>= 7;
        }
        v = n;
    }
    memcpy(grown + at, s, n);
    *buf = grown;
    *len = at + n;
}
