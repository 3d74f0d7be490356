/* ry_pb: decoding untrusted protobuf frames with a cap on what they may
 * allocate. */
#ifndef RY_PB_H
#define RY_PB_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes 'len' bytes as a message of descriptor 'd', allocating at most
 * 'cap' bytes (0: 4 * len + 64 KiB). Returns the message, or NULL when the
 * bytes do not decode or would need more than the cap. Free the result
 * with ry_pb_free. */
ProtobufCMessage *ry_pb_unpack(const ProtobufCMessageDescriptor *d,
                               const uint8_t *data, size_t len, size_t cap);

/* Frees a message returned by ry_pb_unpack and nulls *msg_p; safe on
 * NULL. */
void ry_pb_free(void *msg_p);

/* Replaces the string *field of a message from ry_pb_unpack with a copy
 * of 'value' (NULL or "" gives the empty default), freeing the old string
 * the way ry_pb_free would; the message stays safe to ry_pb_free. */
void ry_pb_set_string(char **field, const char *value);

/* Packs a message into a new buffer (the caller's to free). */
uint8_t *ry_pb_pack(const ProtobufCMessage *msg, size_t *len);

#endif
