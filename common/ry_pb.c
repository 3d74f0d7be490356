/* ry_pb: decoding untrusted protobuf frames with a cap on allocation. */
#include "ry_pb.h"

#include "ry_arena.h"
#include "ry_text.h"

#include <limits.h>
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
    /* ry_pb_unpack_texts: the bound its own reading checks each string
     * against (0: none), and whether one failed. */
    size_t text_max;
    bool text_bad;
} s_arena_t;

typedef struct {
    s_arena_t *arena; /* NULL: a block of its own */
    size_t size;
} s_hdr_t;

/* What may hold a pointer the walk of ry_pb_free must find, in this
 * thread: the blocks of their own (ry_pb_set_string's strings) and the
 * arenas alive. With no such block, a message whose arena is the only
 * one alive holds nothing but its arena's: ry_pb_free drops the arena
 * without walking the message. A message is freed by the thread that
 * made it (the services decode and free on their main thread). */
static _Thread_local size_t s_own_live;
static _Thread_local size_t s_arenas_live;

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
        s_own_live++;
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
    if (!a) {
        free(s_hdr(ptr));
        s_own_live--;
    } else if (a != data && a->root == ptr)
        s_arena_destroy(a);
}

static void
s_arena_destroy(s_arena_t *a)
{
    ry_arena_free(&a->mem);
    free(a);
    s_arenas_live--;
}

/* A new arena (its fields for the caller to set). */
static s_arena_t *
s_arena_new(void)
{
    s_arena_t *a = malloc(sizeof *a);
    if (!a)
        abort();
    s_arenas_live++;
    return a;
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
    if (!arena || s_own_live || s_arenas_live != 1) {
        ProtobufCAllocator al = {s_alloc, s_free, arena};
        protobuf_c_message_free_unpacked(*p, &al);
    }
    if (arena)
        s_arena_destroy(arena);
    *p = NULL;
}

void
ry_pb_live(size_t *messages, size_t *strings)
{
    *messages = s_arenas_live;
    *strings = s_own_live;
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
    s_arena_t *arena = s_arena_new();
    arena->left = SIZE_MAX;
    arena->mem = (ry_arena_t){0};
    ry_arena_reserve(&arena->mem, 4096);
    ProtobufCMessage *c = s_clone_msg(arena, msg);
    if (!c)
        abort(); /* the arena has no cap: it cannot run out */
    arena->root = c;
    return c;
}

/* ------------------------------------------------------------- pack */

/* ry_pb_pack writes a message in one pass, into a buffer it grows, the
 * bytes protobuf_c_message_pack writes: the same fields in the same order,
 * the same varints. protobuf-c walks the whole message once for its size
 * and again to write it. A submessage's length is written once the
 * submessage is: one byte is kept for it, and the submessage moved up
 * when the length takes more (as protobuf-c does). A type rongyu's
 * messages do not use (sint, fixed, float) sends the message to
 * protobuf-c instead. */

typedef struct {
    uint8_t *p;
    size_t n, cap;
    bool other; /* a type left to protobuf-c was met */
} s_buf_t;

static inline bool s_written(const ProtobufCFieldDescriptor *f,
                             const unsigned char *msg);

/* Room for k more bytes. */
static inline void
s_room(s_buf_t *b, size_t k)
{
    if (b->cap - b->n >= k)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n < k)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        abort();
    b->p = p;
    b->cap = cap;
}

static inline void
s_put_varint(s_buf_t *b, uint64_t v)
{
    s_room(b, 10);
    if (v < 0x80) /* most tags, lengths and numbers */
        b->p[b->n++] = (uint8_t)v;
    else
        ry_pb_put_varint(b->p, &b->n, v);
}

static inline void
s_put_raw(s_buf_t *b, const void *d, size_t n)
{
    s_room(b, n);
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

/* Keeps a byte for a length at b->n; returns where. */
static size_t
s_len_begin(s_buf_t *b)
{
    s_room(b, 1);
    return b->n++;
}

/* Writes the length of what follows 'at' there, moving it up when the
 * length takes more than its byte. */
static void
s_len_end(s_buf_t *b, size_t at)
{
    size_t len = b->n - at - 1;
    size_t k = ry_pb_varint_size(len);
    if (k > 1) {
        s_room(b, k - 1);
        memmove(b->p + at + k, b->p + at + 1, len);
        b->n += k - 1;
    }
    ry_pb_put_varint(b->p, &at, len);
}

static void s_pack_msg(s_buf_t *b, const ProtobufCMessage *m);

/* One element of field f at 'member', without its tag; false for a type
 * left to protobuf-c. */
static bool
s_pack_elem(s_buf_t *b, const ProtobufCFieldDescriptor *f, const void *member)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_ENUM:
    case PROTOBUF_C_TYPE_INT32:
        /* a negative number as the 64-bit one: ten bytes */
        s_put_varint(b, (uint64_t)(int64_t) * (const int32_t *)member);
        return true;
    case PROTOBUF_C_TYPE_UINT32:
        s_put_varint(b, *(const uint32_t *)member);
        return true;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_UINT64:
        s_put_varint(b, *(const uint64_t *)member);
        return true;
    case PROTOBUF_C_TYPE_BOOL:
        s_put_varint(b, *(const protobuf_c_boolean *)member ? 1 : 0);
        return true;
    case PROTOBUF_C_TYPE_DOUBLE: s_put_raw(b, member, 8); return true;
    case PROTOBUF_C_TYPE_STRING: {
        const char *str = *(char *const *)member;
        size_t n = str ? strlen(str) : 0;
        s_put_varint(b, n);
        s_put_raw(b, str, n);
        return true;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *bd = member;
        s_put_varint(b, bd->len);
        s_put_raw(b, bd->data, bd->len);
        return true;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)member;
        size_t at = s_len_begin(b);
        if (sub)
            s_pack_msg(b, sub);
        s_len_end(b, at);
        return true;
    }
    default: return false;
    }
}

static unsigned
s_wire(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_DOUBLE: return 1;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_BYTES:
    case PROTOBUF_C_TYPE_MESSAGE: return 2;
    default: return 0; /* the varints this writes */
    }
}

/* One element of f with its tag. */
static void
s_pack_field(s_buf_t *b, const ProtobufCFieldDescriptor *f, const void *member)
{
    s_put_varint(b, (uint64_t)f->id << 3 | s_wire(f->type));
    if (!s_pack_elem(b, f, member))
        b->other = true;
}

static void
s_pack_msg(s_buf_t *b, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const unsigned char *base = (const unsigned char *)m;
    for (unsigned i = 0; i < d->n_fields && !b->other; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *member = base + f->offset;
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            if (s_written(f, base))
                s_pack_field(b, f, member);
            continue;
        }
        size_t n = *(const size_t *)(base + f->quantifier_offset);
        if (!n)
            continue;
        const unsigned char *arr = *(void *const *)member;
        size_t es = s_elem_size(f);
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_PACKED)) {
            for (size_t k = 0; k < n; k++)
                s_pack_field(b, f, arr + k * es);
            continue;
        }
        s_put_varint(b, (uint64_t)f->id << 3 | 2);
        size_t at = s_len_begin(b);
        for (size_t k = 0; k < n && !b->other; k++)
            if (s_wire(f->type) != 0 || !s_pack_elem(b, f, arr + k * es))
                b->other = true; /* packed doubles too */
        s_len_end(b, at);
    }
    for (size_t i = 0; i < m->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
        s_put_varint(b, (uint64_t)u->tag << 3 | u->wire_type);
        s_put_raw(b, u->data, u->len);
    }
}

uint8_t *
ry_pb_pack(const ProtobufCMessage *msg, size_t *len)
{
    s_buf_t b = {0};
    s_room(&b, 1);
    s_pack_msg(&b, msg);
    if (b.other) {
        size_t n = protobuf_c_message_get_packed_size(msg);
        free(b.p);
        b.p = malloc(n ? n : 1);
        if (!b.p)
            abort();
        b.n = protobuf_c_message_pack(msg, b.p);
    }
    *len = b.n;
    return b.p;
}

/* ----------------------------------------------------------- decode */

/* ry_pb_unpack reads most messages itself, into what protobuf-c makes of
 * them (the same structures, from the same arena, every string and array
 * of the same size), in one pass over a message, or two once it meets a
 * repeated field (the counts of them all first, as protobuf-c counts
 * them); fields are read by ry_pb_next. protobuf-c's own pass first
 * records every field and looks each up by a search: it took most of the
 * services' decoding. Whatever this reading is not sure to read as
 * protobuf-c does, it leaves to protobuf-c, which starts over on the
 * whole message and decides: a field the descriptor does not know (kept
 * as unknown), a message or a oneof given twice (merged, replaced), a
 * wire type that is not the field's, a bool not written as a varint, a
 * type rongyu's messages do not use (sint, fixed, float; packed doubles),
 * a nesting deeper than S_DEPTH, more than S_FIELDS fields in a message
 * with repeated fields, a message past INT_MAX bytes, any error. */

#define S_DEPTH 32
#define S_FIELDS 128

/* Field 'number' of d; *hint: where the next field usually is (fields are
 * mostly written in the order of their numbers). */
static inline const ProtobufCFieldDescriptor *
s_field(const ProtobufCMessageDescriptor *d, uint32_t number, unsigned *hint)
{
    for (unsigned i = *hint, end = i + 4; i < d->n_fields && i < end; i++)
        if (d->fields[i].id == number) {
            *hint = i + 1;
            return &d->fields[i];
        }
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(d, number);
    if (f)
        *hint = (unsigned)(f - d->fields) + 1;
    return f;
}

/* The next field of data[*pos..len) (ry_pb_next, which refuses what
 * protobuf-c's scan refuses) and its descriptor in d: 1; 0 at the end;
 * -1 for bytes protobuf-c would refuse or a field it would keep as
 * unknown (both left to it). */
static inline int
s_next(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len,
       size_t *pos, unsigned *hint, ry_pb_field_t *f,
       const ProtobufCFieldDescriptor **fd)
{
    int rc = ry_pb_next(data, len, pos, f);
    if (rc == 1 && !(*fd = s_field(d, f->number, hint)))
        rc = -1;
    return rc;
}

static bool
s_packable(ProtobufCType t)
{
    return t != PROTOBUF_C_TYPE_STRING && t != PROTOBUF_C_TYPE_BYTES &&
           t != PROTOBUF_C_TYPE_MESSAGE;
}

/* Whether this reading takes type t packed: the varint types it reads (a
 * packed field of another type goes to protobuf-c). */
static bool
s_packed_varints(ProtobufCType t)
{
    return t == PROTOBUF_C_TYPE_ENUM || t == PROTOBUF_C_TYPE_INT32 ||
           t == PROTOBUF_C_TYPE_UINT32 || t == PROTOBUF_C_TYPE_INT64 ||
           t == PROTOBUF_C_TYPE_UINT64 || t == PROTOBUF_C_TYPE_BOOL;
}

static void *s_fast_msg(s_arena_t *a, const ProtobufCMessageDescriptor *d,
                        const uint8_t *data, size_t len, int depth);

/* One value of field fd from f into 'member' (one element). */
static bool
s_fast_value(s_arena_t *a, const ProtobufCFieldDescriptor *fd,
             const ry_pb_field_t *f, void *member, int depth)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_ENUM:
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_UINT32:
        if (f->wire != 0)
            return false;
        *(uint32_t *)member = (uint32_t)f->varint;
        return true;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_UINT64:
        if (f->wire != 0)
            return false;
        *(uint64_t *)member = f->varint;
        return true;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (f->wire != 1)
            return false;
        memcpy(member, f->start + f->tag_len, 8);
        return true;
    case PROTOBUF_C_TYPE_BOOL: {
        if (f->wire != 0)
            return false;
        /* as protobuf-c: any bit of the varint's bytes (a tenth byte's
         * past the 64 bits of f->varint too) */
        bool b = false;
        for (size_t i = f->tag_len; i < f->n; i++)
            b |= (f->start[i] & 0x7f) != 0;
        *(protobuf_c_boolean *)member = b;
        return true;
    }
    case PROTOBUF_C_TYPE_STRING: {
        if (f->wire != 2)
            return false;
        char *s = s_alloc(a, f->vlen + 1);
        if (!s)
            return false;
        memcpy(s, f->val, f->vlen);
        s[f->vlen] = 0;
        *(char **)member = s;
        if (a->text_max && !a->text_bad &&
            (f->vlen > a->text_max || !ry_text_utf8_valid(s, f->vlen)))
            a->text_bad = true;
        return true;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        if (f->wire != 2)
            return false;
        ProtobufCBinaryData *bd = member;
        bd->data = NULL;
        if (f->vlen) {
            if (!(bd->data = s_alloc(a, f->vlen)))
                return false;
            memcpy(bd->data, f->val, f->vlen);
        }
        bd->len = f->vlen;
        return true;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        if (f->wire != 2)
            return false;
        void *m = s_fast_msg(a, fd->descriptor, f->val, f->vlen, depth + 1);
        *(void **)member = m;
        return m != NULL;
    }
    default: /* sint, fixed, float: not in rongyu's messages */ return false;
    }
}

/* The elements of packed varint field fd from f, after the *n already in
 * 'arr' (of room elements). */
static bool
s_fast_packed(const ProtobufCFieldDescriptor *fd, const ry_pb_field_t *f,
              unsigned char *arr, size_t *n, size_t room)
{
    size_t es = s_elem_size(fd);
    ry_pb_field_t one = {.wire = 0, .start = f->val};
    for (size_t pos = 0; pos < f->vlen; one.start = f->val + pos) {
        if (ry_pb_get_varint(f->val, f->vlen, &pos, &one.varint) || *n >= room)
            return false;
        one.n = (size_t)(f->val + pos - one.start);
        if (!s_fast_value(NULL, fd, &one, arr + *n * es, 0))
            return false;
        ++*n;
    }
    return true;
}

/* The counts of d's repeated fields in data (room[i]: field i's), their
 * arrays allocated in m; as protobuf-c counts them. */
static bool
s_fast_count(s_arena_t *a, const ProtobufCMessageDescriptor *d,
             const uint8_t *data, size_t len, unsigned char *m, size_t *room)
{
    memset(room, 0, d->n_fields * sizeof *room);
    size_t pos = 0;
    unsigned hint = 0;
    ry_pb_field_t f;
    const ProtobufCFieldDescriptor *fd;
    int rc;
    while ((rc = s_next(d, data, len, &pos, &hint, &f, &fd)) == 1) {
        if (fd->label != PROTOBUF_C_LABEL_REPEATED)
            continue;
        size_t k = 1;
        if (f.wire == 2 && s_packable(fd->type)) {
            if (!s_packed_varints(fd->type))
                return false;
            k = 0; /* the bytes that end a varint */
            for (size_t i = 0; i < f.vlen; i++)
                k += f.val[i] < 0x80;
        }
        room[fd - d->fields] += k;
    }
    if (rc < 0)
        return false;
    for (unsigned i = 0; i < d->n_fields; i++) {
        fd = &d->fields[i];
        if (!room[i])
            continue;
        size_t es = s_elem_size(fd);
        if (room[i] > SIZE_MAX / es)
            return false;
        void *arr = s_alloc(a, room[i] * es);
        if (!arr)
            return false;
        *(void **)(m + fd->offset) = arr;
    }
    return true;
}

static void *
s_fast_msg(s_arena_t *a, const ProtobufCMessageDescriptor *d,
           const uint8_t *data, size_t len, int depth)
{
    if (depth > S_DEPTH || !d->message_init)
        return NULL;
    unsigned char *m = s_alloc(a, d->sizeof_message);
    if (!m)
        return NULL;
    d->message_init((ProtobufCMessage *)m);
    size_t room_s[S_FIELDS], *room = NULL;
    size_t pos = 0;
    unsigned hint = 0;
    ry_pb_field_t f;
    const ProtobufCFieldDescriptor *fd;
    int rc;
    while ((rc = s_next(d, data, len, &pos, &hint, &f, &fd)) == 1) {
        void *member = m + fd->offset;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            if (!room) {
                /* The first repeated field: the counts of all of them,
                 * from the start, and their arrays. */
                if (d->n_fields > S_FIELDS)
                    return NULL;
                room = room_s;
                if (!s_fast_count(a, d, data, len, m, room))
                    return NULL;
            }
            size_t *n = (size_t *)(m + fd->quantifier_offset);
            size_t r = room[fd - d->fields];
            unsigned char *arr = *(void **)member;
            if (f.wire == 2 && s_packable(fd->type)) {
                if (!s_packed_varints(fd->type) ||
                    !s_fast_packed(fd, &f, arr, n, r))
                    return NULL;
            } else {
                if (*n >= r ||
                    !s_fast_value(a, fd, &f, arr + *n * s_elem_size(fd), depth))
                    return NULL;
                ++*n;
            }
            continue;
        }
        if (fd->label != PROTOBUF_C_LABEL_NONE &&
            fd->label != PROTOBUF_C_LABEL_OPTIONAL)
            return NULL;
        if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t *c = (uint32_t *)(m + fd->quantifier_offset);
            if (*c)
                return NULL; /* given twice: protobuf-c replaces */
            if (!s_fast_value(a, fd, &f, member, depth))
                return NULL;
            *c = f.number;
            continue;
        }
        if (fd->type == PROTOBUF_C_TYPE_MESSAGE && *(void **)member)
            return NULL; /* given twice: protobuf-c merges */
        if (!s_fast_value(a, fd, &f, member, depth))
            return NULL;
        if (fd->quantifier_offset) /* as protobuf-c: its has_ */
            *(protobuf_c_boolean *)(m + fd->quantifier_offset) = 1;
    }
    return rc < 0 ? NULL : m;
}

/* A fresh arena for a message of len bytes under cap (0: the default). */
static void
s_arena_init(s_arena_t *arena, size_t len, size_t cap)
{
    arena->left = cap ? cap : 4 * len + 65536;
    /* Room for what most messages take (decoded, a message is about
     * twice its encoding), so one block usually holds it. */
    size_t first = 2 * len + 1024;
    arena->mem = (ry_arena_t){0};
    ry_arena_reserve(&arena->mem, first < arena->left ? first : arena->left);
    arena->root = NULL;
    arena->text_max = 0;
    arena->text_bad = false;
}

static ProtobufCMessage *
s_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len,
         size_t cap, bool short_only, size_t text_max, bool *texts_ok)
{
    s_arena_t *arena = s_arena_new();
    s_arena_init(arena, len, cap);
    arena->text_max = text_max;
    /* Past INT_MAX bytes protobuf-c refuses lengths that ry_pb_next
     * reads: such a message is its to decide. */
    ProtobufCMessage *m =
        len <= INT_MAX ? s_fast_msg(arena, d, data, len, 0) : NULL;
    if (texts_ok)
        *texts_ok = m && text_max && !arena->text_bad;
    if (!m && !short_only) {
        /* protobuf-c decides, from the start */
        ry_arena_free(&arena->mem);
        s_arena_init(arena, len, cap);
        ProtobufCAllocator al = {s_alloc, s_free, arena};
        m = protobuf_c_message_unpack(d, &al, len, data);
    }
    if (!m)
        s_arena_destroy(arena);
    else
        arena->root = m;
    return m;
}

ProtobufCMessage *
ry_pb_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data,
             size_t len, size_t cap)
{
    return s_unpack(d, data, len, cap, false, 0, NULL);
}

ProtobufCMessage *
ry_pb_unpack_texts(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                   size_t len, size_t cap, size_t text_max, bool *texts_ok)
{
    return s_unpack(d, data, len, cap, false, text_max, texts_ok);
}

ProtobufCMessage *
ry_pb_unpack_short(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                   size_t len, size_t cap)
{
    return s_unpack(d, data, len, cap, true, 0, NULL);
}

/* ------------------------------------------------------------ equal */

static bool s_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b);

/* Whether field f's value at 'member' is written when packed: a proto3
 * field is left out at its zero value, an optional one when unset, a
 * oneof member when another member holds the place or its pointer is
 * NULL or the default (a oneof string at protobuf_c_empty_string). */
static inline bool
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

void
ry_pb_set_string_in(const void *msg, char **field, const char *value)
{
    s_arena_t *a = s_hdr((void *)msg)->arena;
    size_t n = value ? strlen(value) + 1 : 0;
    char *copy = a && n > 1 ? s_alloc(a, n) : NULL;
    if (!copy) {
        ry_pb_set_string(field, value);
        return;
    }
    memcpy(copy, value, n);
    if (*field && *field != protobuf_c_empty_string)
        s_free(NULL, *field);
    *field = copy;
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

/* ry_pb_get_varint's body, inline where ry_pb_next_any reads a tag and a
 * value with it. */
static inline int
s_get_varint(const uint8_t *data, size_t len, size_t *pos, uint64_t *v)
{
    size_t p = *pos;
    /* Tags and lengths under 128 take one byte: most of them. */
    if (p < len && data[p] < 0x80) {
        *v = data[p];
        *pos = p + 1;
        return 0;
    }
    /* Two bytes: field numbers 16 to 2047, lengths 128 to 16383. */
    if (p < len && len - p >= 2 && data[p + 1] < 0x80) {
        *v = (uint64_t)(data[p] & 0x7f) | (uint64_t)data[p + 1] << 7;
        *pos = p + 2;
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
ry_pb_get_varint(const uint8_t *data, size_t len, size_t *pos, uint64_t *v)
{
    return s_get_varint(data, len, pos, v);
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
    if (s_get_varint(data, len, pos, &tag) || tag >> 3 == 0 ||
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
        if (s_get_varint(data, len, pos, &v))
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
        if (s_get_varint(data, len, pos, &v) || *pos - l0 > 5 || v > len - *pos)
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
