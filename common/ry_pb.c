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
