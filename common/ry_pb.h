/* ry_pb: decoding untrusted protobuf frames with a cap on what they may
 * allocate. */
#ifndef RY_PB_H
#define RY_PB_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes 'len' bytes as a message of descriptor 'd', allocating at most
 * 'cap' bytes (0: 4 * len + 64 KiB). Returns the message, or NULL when the
 * bytes do not decode or would need more than the cap. Free the result
 * with ry_pb_free. */
ProtobufCMessage *ry_pb_unpack(const ProtobufCMessageDescriptor *d,
                               const uint8_t *data, size_t len, size_t cap);

/* ry_pb_unpack, and what ry_text_check(message, text_max) would say when
 * it is sure to pass: *texts_ok is set true when ry_pb_unpack's own
 * reading decoded the bytes and found each string on the way valid UTF-8
 * of at most text_max bytes; false says nothing (ry_text_check then
 * decides), and text_max 0 asks nothing (*texts_ok false). Reading a
 * request once, not twice. */
ProtobufCMessage *ry_pb_unpack_texts(const ProtobufCMessageDescriptor *d,
                                     const uint8_t *data, size_t len,
                                     size_t cap, size_t text_max,
                                     bool *texts_ok);

/* For tests: the same, but NULL also where ry_pb_unpack's own reading
 * leaves the message to protobuf-c (see ry_pb.c): whether its short way
 * reads those bytes, and what it makes of them. */
ProtobufCMessage *ry_pb_unpack_short(const ProtobufCMessageDescriptor *d,
                                     const uint8_t *data, size_t len,
                                     size_t cap);

/* Frees a message returned by ry_pb_unpack and nulls *msg_p; safe on
 * NULL. Freed by the thread that made it (decoded or cloned it): while
 * that thread holds no other decoded message and no string of
 * ry_pb_set_string, the message is dropped whole, without a walk over
 * its fields. */
void ry_pb_free(void *msg_p);

/* For tests: the decoded (and cloned) messages alive in this thread, and
 * the strings ry_pb_set_string made that are not freed yet. */
void ry_pb_live(size_t *messages, size_t *strings);

/* Replaces the string *field of a message from ry_pb_unpack with a copy
 * of 'value' (NULL or "" gives the empty default), freeing the old string
 * the way ry_pb_free would; the message stays safe to ry_pb_free. */
void ry_pb_set_string(char **field, const char *value);

/* The same, the copy carved from the memory of msg, the message (or a
 * message within it) from ry_pb_unpack or ry_pb_clone that holds field,
 * and freed with it: a message that holds no string of its own is
 * dropped whole by ry_pb_free. Over the decoder's cap the copy is a
 * block of its own, as ry_pb_set_string makes it. */
void ry_pb_set_string_in(const void *msg, char **field, const char *value);

/* A deep copy of msg (any message: built by hand, shallow over other
 * strings, or decoded) that ry_pb_free frees, as if msg had been packed
 * and decoded again, without the encoding. NULL for NULL only: its arena
 * has no cap, and a failed allocation aborts. */
ProtobufCMessage *ry_pb_clone(const ProtobufCMessage *msg);

/* True when a and b (messages of one descriptor; NULL equals only NULL)
 * pack to the same bytes, compared field by field without packing: a
 * string that is NULL and one that is "" are the same, a proto3 field at
 * its zero value is the same as absent, a double is compared by its bits.
 * Packed repeated fields are compared element by element. */
bool ry_pb_equal(const ProtobufCMessage *a, const ProtobufCMessage *b);

/* Packs a message into a new buffer (the caller's to free). */
uint8_t *ry_pb_pack(const ProtobufCMessage *msg, size_t *len);

/* One top-level field of an encoded message, as ry_pb_next finds it. */
typedef struct {
    uint32_t number;      /* the field number */
    unsigned wire;        /* 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 */
    const uint8_t *start; /* the whole field, its tag included */
    size_t n;
    size_t tag_len;       /* the tag's bytes, at start: the value's are the
                             n - tag_len after them */
    const uint8_t *val;   /* length-delimited: the bytes; else NULL */
    size_t vlen;
    uint64_t varint; /* a varint's value; else 0 */
} ry_pb_field_t;

/* Reads the field of data[0..len) at *pos into *f and moves *pos past it,
 * without decoding anything else: to use a part of a message as it was
 * received. Returns 1 when a field was read, 0 at the end, -1 when the
 * bytes are not a message (a bad tag, a length past the end, a tag or a
 * length of more than five bytes, which protobuf-c refuses too). f
 * points into data. */
int ry_pb_next_any(const uint8_t *data, size_t len, size_t *pos,
                   ry_pb_field_t *f);
/* The same: the fields most messages are made of read here, inline (a
 * call and a read of every kind of field cost more than these), and the
 * others by ry_pb_next_any. */
static inline int
ry_pb_next(const uint8_t *data, size_t len, size_t *pos, ry_pb_field_t *f)
{
    /* Most fields, read here as ry_pb_next_any reads them: a one-byte tag
     * (numbers 1 to 15) with a one-byte varint, or with a one-byte length
     * that fits. */
    size_t at = *pos;
    if (at >= len)
        return 0;
    if (len - at >= 2 && data[at] >= 8 && data[at] < 0x80 &&
        data[at + 1] < 0x80) {
        unsigned wire = data[at] & 7;
        if (wire == 0 || (wire == 2 && data[at + 1] <= len - at - 2)) {
            size_t n = wire == 2 ? 2 + (size_t)data[at + 1] : 2;
            f->number = data[at] >> 3;
            f->wire = wire;
            f->tag_len = 1;
            f->val = wire == 2 ? data + at + 2 : NULL;
            f->vlen = n - 2;
            f->varint = wire == 0 ? data[at + 1] : 0;
            f->start = data + at;
            f->n = n;
            *pos = at + n;
            return 1;
        }
    }
    return ry_pb_next_any(data, len, pos, f);
}

/* Reads the varint at data + *pos into *v and moves *pos past it: 0, or
 * -1 when it runs past len or over ten bytes. */
int ry_pb_get_varint(const uint8_t *data, size_t len, size_t *pos, uint64_t *v);

/* The bytes of varint v as it is written (1 to 10). */
size_t ry_pb_varint_size(uint64_t v);

/* Writes varint v at out + *at (at most 10 bytes) and moves *at past
 * it. */
void ry_pb_put_varint(uint8_t *out, size_t *at, uint64_t v);

/* Writes length-delimited field 'number' holding data[0..len) at out +
 * *at (at most len + 15 bytes) and moves *at past it. */
void ry_pb_put_bytes(uint8_t *out, size_t *at, uint32_t number,
                     const void *data, size_t len);

/* Appends string field 'number' holding s (nothing when s is NULL or "")
 * to the encoded message *buf of *len bytes (malloc'd; grown); in proto3
 * the last value of a field wins, so this sets it. */
void ry_pb_append_string(uint8_t **buf, size_t *len, uint32_t number,
                         const char *s);

#endif
