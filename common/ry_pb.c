/* ry_pb: decoding untrusted protobuf frames with a cap on allocation. */
#include "ry_pb.h"

#include "ry_arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A decoded message lives in one arena: protobuf-c's many small
 * allocations (every string, submessage and repeated array) are carved
 * from a few blocks, and freed with them. Each allocation carries a
 * header naming its arena, or none for a string that ry_pb_set_string
 * put in later (a block of its own, freed alone). The arena counts what
 * the message may take against the decoder's cap. A decoded message
 * put into another one (a case's verdict, decoded apart) is freed with
 * it, as before: its root names its arena. */
typedef struct {
    size_t left; /* the cap still free */
    ry_arena_t mem;
    void *root; /* the decoded message */
} s_arena_t;

typedef struct {
    s_arena_t *arena; /* NULL: a block of its own */
    size_t size;
} s_hdr_t;

#define S_HDR 16
#define S_ALIGN(n) (((n) + 15) & ~(size_t)15)
_Static_assert(sizeof(s_hdr_t) <= S_HDR, "header fits");

static void *
s_alloc(void *data, size_t size)
{
    s_arena_t *a = data;
    size_t need = S_HDR + S_ALIGN(size);
    s_hdr_t *h;
    if (!a) {
        h = malloc(need);
        if (!h)
            abort();
    } else {
        if (size > a->left || need > a->left)
            return NULL;
        a->left -= need;
        h = ry_arena_alloc(&a->mem, need);
    }
    h->arena = a;
    h->size = size;
    return (unsigned char *)h + S_HDR;
}

static s_hdr_t *
s_hdr(void *ptr)
{
    return (s_hdr_t *)((unsigned char *)ptr - S_HDR);
}

static void s_arena_destroy(s_arena_t *a);

/* Frees a block of its own, and another arena when its root comes (the
 * walk reaches a root after everything under it); the walked arena's
 * blocks go with it. */
static void
s_free(void *data, void *ptr)
{
    if (!ptr)
        return;
    s_arena_t *a = s_hdr(ptr)->arena;
    if (!a)
        free(s_hdr(ptr));
    else if (a != data && a->root == ptr)
        s_arena_destroy(a);
}

static void
s_arena_destroy(s_arena_t *a)
{
    ry_arena_free(&a->mem);
    free(a);
}

ProtobufCMessage *
ry_pb_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data,
             size_t len, size_t cap)
{
    s_arena_t *arena = malloc(sizeof *arena);
    if (!arena)
        abort();
    arena->left = cap ? cap : 4 * len + 65536;
    /* Room for what most messages take (decoded, a message is about
     * twice its encoding), so one block usually holds it. */
    size_t first = 2 * len + 1024;
    arena->mem = (ry_arena_t){0};
    ry_arena_reserve(&arena->mem, first < arena->left ? first : arena->left);
    arena->root = NULL;
    ProtobufCAllocator al = {s_alloc, s_free, arena};
    ProtobufCMessage *m = protobuf_c_message_unpack(d, &al, len, data);
    if (!m)
        s_arena_destroy(arena);
    else
        arena->root = m;
    return m;
}

void
ry_pb_free(void *msg_p)
{
    ProtobufCMessage **p = msg_p;
    if (!p || !*p)
        return;
    /* The message itself is the arena's, as is all that protobuf-c
     * allocated; walking it frees the strings set since. */
    s_arena_t *arena = s_hdr(*p)->arena;
    ProtobufCAllocator al = {s_alloc, s_free, arena};
    protobuf_c_message_free_unpacked(*p, &al);
    if (arena)
        s_arena_destroy(arena);
    *p = NULL;
}

/* ------------------------------------------------------------ clone */

static void *s_clone_msg(s_arena_t *a, const ProtobufCMessage *m);

static void *
s_dup(s_arena_t *a, const void *src, size_t n)
{
    void *d = s_alloc(a, n ? n : 1);
    if (d && n)
        memcpy(d, src, n);
    return d;
}

/* The value at 'slot' of a field of type f into 'dst' (both one element:
 * a pointer, a ProtobufCBinaryData or a scalar). Returns 0, or -1 when the
 * arena ran out. */
static int
s_clone_value(s_arena_t *a, const ProtobufCFieldDescriptor *f, void *dst,
              const void *src)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *str = *(char *const *)src;
        char *c = (char *)str;
        if (str && str != (const char *)f->default_value &&
            str != protobuf_c_empty_string &&
            !(c = s_dup(a, str, strlen(str) + 1)))
            return -1;
        *(char **)dst = c;
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = src;
        ProtobufCBinaryData *d = dst;
        *d = *b;
        if (b->data && b->len &&
            (!f->default_value ||
             b->data != ((const ProtobufCBinaryData *)f->default_value)->data) &&
            !(d->data = s_dup(a, b->data, b->len)))
            return -1;
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)src;
        void *c = NULL;
        if (sub && !(c = s_clone_msg(a, sub)))
            return -1;
        *(void **)dst = c;
        return 0;
    }
    default:
        return 0; /* a scalar: copied with the struct */
    }
}

static size_t
s_elem_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    default:
        return sizeof(void *); /* string, message */
    }
}

static void *
s_clone_msg(s_arena_t *a, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    unsigned char *c = s_dup(a, m, d->sizeof_message);
    if (!c)
        return NULL;
    const unsigned char *src = (const unsigned char *)m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)(src + f->quantifier_offset) != f->id)
            continue; /* another member of its oneof holds the place */
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(src + f->quantifier_offset);
            const unsigned char *arr = *(void *const *)(src + f->offset);
            unsigned char *out = NULL;
            size_t es = s_elem_size(f);
            if (n && arr) {
                if (n > SIZE_MAX / es || !(out = s_dup(a, arr, n * es)))
                    return NULL;
                for (size_t k = 0; k < n; k++)
                    if (s_clone_value(a, f, out + k * es, arr + k * es))
                        return NULL;
            }
            *(void **)(c + f->offset) = out;
        } else if (s_clone_value(a, f, c + f->offset, src + f->offset)) {
            return NULL;
        }
    }
    ProtobufCMessage *cm = (ProtobufCMessage *)c;
    cm->unknown_fields = NULL;
    if (m->n_unknown_fields) {
        size_t n = m->n_unknown_fields;
        ProtobufCMessageUnknownField *u =
            s_dup(a, m->unknown_fields, n * sizeof *u);
        if (!u)
            return NULL;
        for (size_t k = 0; k < n; k++)
            if (u[k].len && !(u[k].data = s_dup(a, u[k].data, u[k].len)))
                return NULL;
        cm->unknown_fields = u;
    }
    return c;
}

ProtobufCMessage *
ry_pb_clone(const ProtobufCMessage *msg)
{
    if (!msg)
        return NULL;
    s_arena_t *arena = malloc(sizeof *arena);
    if (!arena)
        abort();
    arena->left = SIZE_MAX;
    arena->mem = (ry_arena_t){0};
    ry_arena_reserve(&arena->mem, 4096);
    ProtobufCMessage *c = s_clone_msg(arena, msg);
    if (!c)
        abort(); /* the arena has no cap: it cannot run out */
    arena->root = c;
    return c;
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

/* ------------------------------------------------------------ equal */

static bool s_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b);

/* Whether field f's value at 'member' is written when packed: a proto3
 * field is left out at its zero value, an optional one when unset, a
 * oneof member when another member holds the place or its pointer is
 * NULL or the default (a oneof string at protobuf_c_empty_string). */
static bool
s_written(const ProtobufCFieldDescriptor *f, const unsigned char *msg)
{
    const void *member = msg + f->offset;
    bool ptr =
        f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        if (*(const uint32_t *)(msg + f->quantifier_offset) != f->id)
            return false;
        return !ptr || (*(void *const *)member != NULL &&
                        *(void *const *)member != f->default_value);
    }
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL) {
        if (ptr)
            return *(void *const *)member != NULL &&
                   *(void *const *)member != f->default_value;
        return *(const protobuf_c_boolean *)(msg + f->quantifier_offset);
    }
    if (f->label == PROTOBUF_C_LABEL_REQUIRED)
        return true;
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)member;
        return s && *s;
    }
    case PROTOBUF_C_TYPE_MESSAGE: return *(void *const *)member != NULL;
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)member)->len != 0;
    case PROTOBUF_C_TYPE_FLOAT: return *(const float *)member != 0;
    case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)member != 0;
    case PROTOBUF_C_TYPE_BOOL: return *(const protobuf_c_boolean *)member;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return *(const uint64_t *)member != 0;
    default: /* the 32-bit integers and enums */
        return *(const uint32_t *)member != 0;
    }
}

/* Whether the n bytes at x and y are the same (n: a field's element
 * size), without a call for the common sizes. */
static bool
s_same_bits(const void *x, const void *y, size_t n)
{
    switch (n) {
    case 4: {
        uint32_t a, b;
        memcpy(&a, x, 4);
        memcpy(&b, y, 4);
        return a == b;
    }
    case 8: {
        uint64_t a, b;
        memcpy(&a, x, 8);
        memcpy(&b, y, 8);
        return a == b;
    }
    default: return memcmp(x, y, n) == 0;
    }
}

/* One element of field f at a and at b: the same bytes when packed. */
static bool
s_value_equal(const ProtobufCFieldDescriptor *f, const void *a, const void *b)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *x = *(const char *const *)a, *y = *(const char *const *)b;
        return strcmp(x ? x : "", y ? y : "") == 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *x = a, *y = b;
        return x->len == y->len &&
               (!x->len || memcmp(x->data, y->data, x->len) == 0);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *x = *(ProtobufCMessage *const *)a;
        const ProtobufCMessage *y = *(ProtobufCMessage *const *)b;
        if (!x || !y)
            return x == y;
        return s_msg_equal(x, y);
    }
    case PROTOBUF_C_TYPE_BOOL:
        return !*(const protobuf_c_boolean *)a ==
               !*(const protobuf_c_boolean *)b;
    default: /* the bits are what is written, -0.0 and NaNs included */
        return s_same_bits(a, b, s_elem_size(f));
    }
}

static bool
s_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    const ProtobufCMessageDescriptor *d = a->descriptor;
    if (b->descriptor != d)
        return false;
    if (a == b)
        return true;
    const unsigned char *pa = (const unsigned char *)a;
    const unsigned char *pb = (const unsigned char *)b;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        /* The quick answers first: a oneof member neither holds, and a
         * proto3 field (written unless it holds its zero value) compared
         * by its type. */
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            if (*(const uint32_t *)(pa + f->quantifier_offset) != f->id &&
                *(const uint32_t *)(pb + f->quantifier_offset) != f->id)
                continue;
        } else if (f->label == PROTOBUF_C_LABEL_NONE) {
            const void *x = pa + f->offset, *y = pb + f->offset;
            switch (f->type) {
            case PROTOBUF_C_TYPE_STRING: {
                /* Unwritten: NULL or "", which compare as "". */
                const char *sx = *(const char *const *)x;
                const char *sy = *(const char *const *)y;
                if (sx != sy && strcmp(sx ? sx : "", sy ? sy : "") != 0)
                    return false;
                continue;
            }
            case PROTOBUF_C_TYPE_MESSAGE: {
                const ProtobufCMessage *mx = *(ProtobufCMessage *const *)x;
                const ProtobufCMessage *my = *(ProtobufCMessage *const *)y;
                if (mx != my && (!mx || !my || !s_msg_equal(mx, my)))
                    return false;
                continue;
            }
            case PROTOBUF_C_TYPE_FLOAT:
            case PROTOBUF_C_TYPE_DOUBLE:
            case PROTOBUF_C_TYPE_BOOL:
            case PROTOBUF_C_TYPE_BYTES:
                /* -0.0 and 0 are both unwritten; a bool is any nonzero:
                 * the general path below. */
                if (s_same_bits(x, y, s_elem_size(f)))
                    continue;
                break;
            default:
                /* An integer or enum: other bits, another value. */
                if (!s_same_bits(x, y, s_elem_size(f)))
                    return false;
                continue;
            }
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(pa + f->quantifier_offset);
            if (n != *(const size_t *)(pb + f->quantifier_offset))
                return false;
            const unsigned char *xa = *(void *const *)(pa + f->offset);
            const unsigned char *xb = *(void *const *)(pb + f->offset);
            size_t es = s_elem_size(f);
            for (size_t k = 0; k < n; k++)
                if (!s_value_equal(f, xa + k * es, xb + k * es))
                    return false;
            continue;
        }
        bool wa = s_written(f, pa), wb = s_written(f, pb);
        if (wa != wb)
            return false;
        if (wa && !s_value_equal(f, pa + f->offset, pb + f->offset))
            return false;
    }
    if (a->n_unknown_fields != b->n_unknown_fields)
        return false;
    for (size_t k = 0; k < a->n_unknown_fields; k++) {
        const ProtobufCMessageUnknownField *x = &a->unknown_fields[k];
        const ProtobufCMessageUnknownField *y = &b->unknown_fields[k];
        if (x->tag != y->tag || x->wire_type != y->wire_type ||
            x->len != y->len || (x->len && memcmp(x->data, y->data, x->len)))
            return false;
    }
    return true;
}

bool
ry_pb_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    if (!a || !b)
        return a == b;
    return s_msg_equal(a, b);
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

size_t
ry_pb_varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

int
ry_pb_get_varint(const uint8_t *data, size_t len, size_t *pos, uint64_t *v)
{
    size_t p = *pos;
    /* Tags and lengths under 128 take one byte: most of them. */
    if (p < len && data[p] < 0x80) {
        *v = data[p];
        *pos = p + 1;
        return 0;
    }
    uint64_t x = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (p >= len)
            return -1;
        uint8_t b = data[p++];
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            *pos = p;
            return 0;
        }
    }
    return -1;
}

int
ry_pb_next_any(const uint8_t *data, size_t len, size_t *pos, ry_pb_field_t *f)
{
    if (*pos >= len)
        return 0;
    size_t at = *pos;
    uint64_t tag, v;
    /* A tag, or a length, of at most five bytes: protobuf-c refuses
     * longer ones, and what is read here is read as it would be. */
    if (ry_pb_get_varint(data, len, pos, &tag) || tag >> 3 == 0 ||
        tag >> 3 > 0x1fffffff || *pos - at > 5)
        return -1;
    f->tag_len = *pos - at;
    f->number = (uint32_t)(tag >> 3);
    f->wire = (unsigned)(tag & 7);
    f->val = NULL;
    f->vlen = 0;
    f->varint = 0;
    switch (f->wire) {
    case 0:
        if (ry_pb_get_varint(data, len, pos, &v))
            return -1;
        f->varint = v;
        break;
    case 1:
    case 5: {
        size_t w = f->wire == 1 ? 8 : 4;
        if (len - *pos < w)
            return -1;
        *pos += w;
        break;
    }
    case 2: {
        size_t l0 = *pos;
        if (ry_pb_get_varint(data, len, pos, &v) || *pos - l0 > 5 ||
            v > len - *pos)
            return -1;
        f->val = data + *pos;
        f->vlen = (size_t)v;
        *pos += (size_t)v;
        break;
    }
    default: return -1;
    }
    f->start = data + at;
    f->n = *pos - at;
    return 1;
}

void
ry_pb_put_varint(uint8_t *out, size_t *at, uint64_t v)
{
    for (;;) {
        out[(*at)++] = (uint8_t)(v & 0x7f) | (v >= 0x80 ? 0x80 : 0);
        if (v < 0x80)
            return;
        v >>= 7;
    }
}

void
ry_pb_put_bytes(uint8_t *out, size_t *at, uint32_t number, const void *data,
                size_t len)
{
    ry_pb_put_varint(out, at, (uint64_t)number << 3 | 2);
    ry_pb_put_varint(out, at, len);
    if (len)
        memcpy(out + *at, data, len);
    *at += len;
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
    ry_pb_put_bytes(grown, &at, number, s, n);
    *buf = grown;
    *len = at;
}
