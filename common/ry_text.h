/* ry_text: the checks every text of outside input passes before it is
 * stored: valid UTF-8 and a bounded length, field by field through a
 * decoded protobuf message. */
#ifndef RY_TEXT_H
#define RY_TEXT_H

#include <protobuf-c/protobuf-c.h>

#include <stdbool.h>
#include <stddef.h>

/* The longest text field, in bytes (about 21,000 Chinese characters):
 * enough for the longest free text (deeds); fields with a tighter bound
 * (ids, opinions) are checked where they are used. */
#define RY_TEXT_MAX 65536

/* True when s[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
bool ry_text_utf8_valid(const char *s, size_t len);

/* Checks every string field of 'msg' and of the messages inside it: valid
 * UTF-8 and at most max_len bytes. On the first failure writes the field's
 * path and the reason to 'why' (e.g. "application.name: 10485760 bytes,
 * at most 65536") and returns -1; otherwise 0. */
int ry_text_check(const ProtobufCMessage *msg, size_t max_len, char *why,
                  size_t cap);

#endif
